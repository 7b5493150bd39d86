# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""seed.kubeadm.node_state: the one round trip of node_prep, container_runtime and kube_packages.

It writes the managed files that differ and reports what else is pending. The files tests run the
module in-process against files in tmp_path; the probes of the host are tested through their
helper functions with fake /proc, /sys and command outputs.
"""

from __future__ import annotations

import os
import re
import stat
import shutil
import subprocess

import pytest

import kubeadm_testlib as lib
from unit_helpers import CommandRecorder, dpkg_field, run_for_real
from ansible_collections.seed.kubeadm.plugins.modules import node_state

UID = str(os.getuid())
GID = str(os.getgid())


def _run(args, check_mode=False, diff=False, rc_expected=0):
    args = dict(args)
    if diff:
        args["_ansible_diff"] = True
    result, rc = lib.run_module(node_state, args, check_mode=check_mode)
    assert rc == rc_expected, result
    return result


def _script(path, text):
    path.write_text("#!/bin/sh\n" + text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# --- files ------------------------------------------------------------------------------------------
def test_writes_differing_files_once_and_reports_restarts(tmp_path):
    conf = tmp_path / "etc" / "containerd" / "config.toml"
    crictl = tmp_path / "crictl.yaml"
    crictl.write_text("same\n")
    os.chmod(crictl, 0o644)
    files = [
        {"path": str(conf), "content": "version = 2\n", "mode": "0644", "owner": UID, "group": GID, "restart": ["containerd"]},
        {"path": str(crictl), "content": "same\n", "mode": "0644", "restart": ["never"]},
    ]
    out = _run({"files": files})
    assert out["changed"] is True
    assert out["written"] == [str(conf)]
    assert out["restart"] == ["containerd"]
    assert conf.read_text() == "version = 2\n" and _mode(conf) == 0o644
    assert _mode(conf.parent) == 0o755
    assert out["pending"]["files"] == [] and out["pending_kinds"] == []
    again = _run({"files": files})
    assert again["changed"] is False and again["written"] == [] and again["restart"] == []
    # Only the mode differs: fixed without a restart.
    os.chmod(conf, 0o666)
    fixed = _run({"files": files})
    assert fixed["written"] == [str(conf)] and fixed["restart"] == [] and _mode(conf) == 0o644
    assert not [p for p in os.listdir(conf.parent) if p.endswith(".tmp")]


def test_check_mode_and_diff_do_not_touch_the_host(tmp_path):
    path = tmp_path / "a.conf"
    path.write_text("old\n")
    secret = tmp_path / "secret.conf"
    files = [{"path": str(path), "content": "new\n", "restart": ["x"]},
             {"path": str(secret), "content": "password\n", "mode": "0600", "diff": False}]
    out = _run({"files": files}, check_mode=True, diff=True)
    assert out["changed"] is True and out["written"] == [str(path), str(secret)] and out["restart"] == ["x"]
    assert path.read_text() == "old\n" and not secret.exists()
    assert out["diff"][0] == {"before_header": str(path), "after_header": str(path), "before": "old\n", "after": "new\n"}
    assert "password" not in str(out["diff"][1]) and out["diff"][1]["before"] == ""
    plain = _run({"files": files[:1]})
    assert "diff" not in plain


def test_secret_file_is_never_world_readable(tmp_path, monkeypatch):
    """Every file that exists in the directory during the write has mode 0600 or less until renamed."""
    from ansible_collections.seed.kubeadm.plugins.module_utils import node_files

    seen = []
    real_rename = os.rename

    def spy_rename(src, dst):
        seen.append((os.path.basename(src), _mode(src), open(src).read()))
        return real_rename(src, dst)

    real_fchmod = os.fchmod

    def spy_fchmod(fd, mode):
        seen.append(("fchmod", stat.S_IMODE(os.fstat(fd).st_mode), mode))
        return real_fchmod(fd, mode)

    monkeypatch.setattr(node_files.os, "rename", spy_rename)
    monkeypatch.setattr(node_files.os, "fchmod", spy_fchmod)
    target = tmp_path / "auth.conf"
    target.write_text("old public\n")
    os.chmod(target, 0o644)
    _run({"files": [{"path": str(target), "content": "secret\n", "mode": "0600", "diff": False}]})
    # The temporary file was created 0600 (mkstemp) before anything was written to it.
    assert seen[0] == ("fchmod", 0o600, 0o600)
    assert seen[1][1] == 0o600 and seen[1][2] == "secret\n"
    assert _mode(target) == 0o600 and target.read_text() == "secret\n"


def test_bind_mounted_target_is_rewritten_in_place(tmp_path, monkeypatch):
    import errno

    from ansible_collections.seed.kubeadm.plugins.module_utils import node_files

    def busy(src, dst):
        raise OSError(errno.EBUSY, "Device or resource busy")

    monkeypatch.setattr(node_files.os, "rename", busy)
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")
    inode = os.stat(hosts).st_ino
    out = _run({"files": [{"path": str(hosts), "marker": "# {mark} x", "content": "10.0.0.1 a\n"}]})
    assert out["written"] == [str(hosts)]
    assert hosts.read_text() == "127.0.0.1 localhost\n# BEGIN x\n10.0.0.1 a\n# END x\n"
    assert os.stat(hosts).st_ino == inode
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_managed_blocks(tmp_path):
    rules = tmp_path / "before.rules"
    rules.write_text("*filter\n-A x\nCOMMIT\n")
    os.chmod(rules, 0o640)
    item = {"path": str(rules), "marker": "# {mark} p", "content": "-A y\n", "insert_before": "^COMMIT"}
    out = _run({"files": [item]})
    assert rules.read_text() == "*filter\n-A x\n# BEGIN p\n-A y\n# END p\nCOMMIT\n"
    assert out["written"] == [str(rules)] and _mode(rules) == 0o640  # a block keeps the file's mode
    assert _run({"files": [item]})["changed"] is False
    gone = _run({"files": [dict(item, state="absent")]})
    assert gone["written"] == [str(rules)] and rules.read_text() == "*filter\n-A x\nCOMMIT\n"
    assert _run({"files": [dict(item, content="")]})["changed"] is False  # empty block: absent
    new = tmp_path / "new"
    _run({"files": [{"path": str(new), "marker": "# {mark} p", "content": "a"}]})
    assert new.read_text() == "# BEGIN p\na\n# END p\n" and _mode(new) == 0o644


def test_absent_file_and_stale_files(tmp_path):
    certs = tmp_path / "certs.d"
    for name, text in (("old.example", "# Managed by seed\n"), ("keep.example", "# Managed by seed\n"),
                       ("user.example", "# mine\n")):
        (certs / name).mkdir(parents=True)
        (certs / name / "hosts.toml").write_text(text)
    (certs / "old.example" / "ca.pem").write_text("x")
    gone = tmp_path / "gone.list"
    gone.write_text("x")
    args = {
        "files": [{"path": str(certs / "keep.example" / "hosts.toml"), "content": "# Managed by seed\n"},
                  {"path": str(gone), "state": "absent"}],
        "remove_stale": [{"glob": str(certs / "*" / "hosts.toml"), "marker": "# Managed by seed", "restart": ["r"]}],
    }
    check = _run(args, check_mode=True, diff=True)
    assert check["removed"] == [str(gone), str(certs / "old.example" / "hosts.toml")] and gone.exists()
    out = _run(args)
    assert out["removed"] == check["removed"] and out["restart"] == ["r"] and out["written"] == []
    assert not gone.exists() and not (certs / "old.example" / "hosts.toml").exists()
    assert (certs / "old.example").is_dir()  # not empty (ca.pem): kept
    assert (certs / "user.example" / "hosts.toml").exists() and (certs / "keep.example" / "hosts.toml").exists()
    (certs / "old.example" / "ca.pem").unlink()
    (certs / "old.example" / "hosts.toml").write_text("# Managed by seed\n")
    _run(args)
    assert not (certs / "old.example").exists()
    assert _run(args)["changed"] is False


def test_variants_follow_the_installed_program(tmp_path):
    program = _script(tmp_path / "containerd", 'echo "containerd github.com/containerd/containerd/v2 v2.0.5 fb4c"\n')
    conf = tmp_path / "config.toml"
    item = {"path": str(conf), "version_of": program, "restart": ["containerd"],
            "variants": [{"min_version": "2.1", "content": "v3 bin_dirs\n"}, {"min_version": "2.0", "content": "v3 bin_dir\n"},
                         {"content": "v2\n"}]}
    out = _run({"files": [item], "versions": [program]})
    assert conf.read_text() == "v3 bin_dir\n" and out["restart"] == ["containerd"]
    assert out["versions"][program].startswith("containerd")
    _script(tmp_path / "containerd", 'echo "containerd github.com/containerd/containerd 1.7.24~ds1 1.7.24~ds1-6"\n')
    assert _run({"files": [item]})["written"] == [str(conf)] and conf.read_text() == "v2\n"
    # A program that does not answer --version gets the variant without min_version.
    _script(tmp_path / "containerd", "exit 1\n")
    assert _run({"files": [item]})["changed"] is False
    # Not installed: the file waits (pending.files) until the package is there.
    missing = dict(item, path=str(tmp_path / "other.toml"), version_of=str(tmp_path / "no-such-program"))
    out = _run({"files": [missing]})
    assert out["changed"] is False and out["pending"]["files"] == [missing["path"]] and out["pending_kinds"] == ["files"]
    no_match = dict(item, variants=[{"min_version": "9.0", "content": "x"}])
    _script(tmp_path / "containerd", 'echo "containerd 1.7.0"\n')
    failed = _run({"files": [no_match]}, rc_expected=1)
    assert "no variant matches" in failed["msg"]


def test_validate_checks_the_new_content_before_it_replaces_the_file(tmp_path):
    # The checker refuses any file holding the word "bad" and records what it was given.
    seen = tmp_path / "seen"
    checker = _script(tmp_path / "check", 'echo "$1" >> %s; ! grep -q bad "$1" || { echo "line 1: bad keyword" >&2; exit 3; }\n' % seen)
    conf = tmp_path / "haproxy.cfg"
    conf.write_text("old\n")
    good = {"path": str(conf), "content": "good\n", "validate": checker + " %s", "restart": ["haproxy"]}
    out = _run({"files": [good]})
    assert out["written"] == [str(conf)] and conf.read_text() == "good\n" and out["restart"] == ["haproxy"]
    checked = seen.read_text().split()
    assert len(checked) == 1 and checked[0] != str(conf) and os.path.dirname(checked[0]) == str(tmp_path)
    # Unchanged content is not checked again.
    assert _run({"files": [good]})["changed"] is False and len(seen.read_text().split()) == 1
    failed = _run({"files": [dict(good, content="bad\n")]}, rc_expected=1)
    assert str(conf) in failed["msg"] and "exit 3" in failed["msg"] and "line 1: bad keyword" in failed["msg"]
    assert "bad\n" not in failed["msg"].replace("bad keyword", "")
    assert conf.read_text() == "good\n" and not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    # The checker's program is not installed yet: the file waits (pending.files), nothing is written.
    waiting = dict(good, content="new\n", validate=str(tmp_path / "no-such-checker") + " -c %s")
    out = _run({"files": [waiting]})
    assert out["changed"] is False and out["pending"]["files"] == [str(conf)] and conf.read_text() == "good\n"
    # A wrapper shell that does not find the checker (exit 127, "command not found"): the file waits too.
    wrapped = dict(good, content="new\n", validate="/bin/sh -c 'no-such-checker-xyz \"$1\"' check %s")
    out = _run({"files": [wrapped]})
    assert out["changed"] is False and out["written"] == [] and out["restart"] == []
    assert out["pending"]["files"] == [str(conf)] and conf.read_text() == "good\n"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert "%s" in _run({"files": [dict(good, content="other\n", validate=checker)]}, rc_expected=1)["msg"]


def test_directories_are_created_and_corrected(tmp_path):
    private = tmp_path / "etc" / "keepalived" / "conf.d"
    entry = {"path": str(private), "mode": "0700", "owner": UID, "group": GID}
    out = _run({"directories": [entry], "files": [{"path": str(private / "a.conf"), "content": "x\n", "mode": "0600"}]})
    assert out["changed"] is True and out["written"] == [str(private), str(private / "a.conf")]
    assert _mode(private) == 0o700 and _mode(private.parent) == 0o755
    assert _run({"directories": [entry]})["changed"] is False
    os.chmod(private, 0o755)
    checked = _run({"directories": [entry]}, check_mode=True)
    assert checked["written"] == [str(private)] and _mode(private) == 0o755
    assert _run({"directories": [entry]})["written"] == [str(private)] and _mode(private) == 0o700
    # An owner that a package of the same run creates: the directory waits (pending.files).
    waiting = _run({"directories": [{"path": str(tmp_path / "registry"), "owner": "no-such-user-xyz", "mode": "0750"}]})
    assert waiting["changed"] is False and waiting["pending"]["files"] == [str(tmp_path / "registry")]
    assert not (tmp_path / "registry").exists()
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert "not a directory" in _run({"directories": [{"path": str(blocked)}]}, rc_expected=1)["msg"]


def test_refuse_stops_before_anything_is_written(tmp_path):
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "ours.conf").write_text("virtual_router_id 51\n")
    (conf_d / "other.conf").write_text("vrrp_instance x {\n  virtual_router_id 52\n  auth_pass s3cret\n}\n")
    target = conf_d / "ours.conf"
    rule = {"glob": str(conf_d / "*.conf"), "regex": r"^\s*virtual_router_id\s+(51|52)\s*$", "exclude": [str(target)],
            "msg": "virtual_router_id clash: set another one"}
    failed = _run({"refuse": [rule], "files": [{"path": str(target), "content": "virtual_router_id 52\n"}],
                   "directories": [{"path": str(tmp_path / "new"), "mode": "0700"}]}, rc_expected=1)
    assert failed["msg"] == "virtual_router_id clash: set another one (found in %s)" % (conf_d / "other.conf")
    assert failed["conflicts"] == [str(conf_d / "other.conf")] and "s3cret" not in str(failed)
    assert target.read_text() == "virtual_router_id 51\n" and not (tmp_path / "new").exists()
    # No match (another id, or the line commented out): written.
    ok = _run({"refuse": [dict(rule, regex=r"^\s*virtual_router_id\s+(51)\s*$")],
               "files": [{"path": str(target), "content": "virtual_router_id 51\n# new\n"}]})
    assert ok["written"] == [str(target)]
    assert "regex" in _run({"refuse": [dict(rule, regex="(")]}, rc_expected=1)["msg"]


def test_copy_from_a_file_on_the_host(tmp_path):
    source = tmp_path / "admin.conf"
    source.write_text("client-key-data: c2VjcmV0\n")
    target = tmp_path / "home" / ".kube" / "config"
    item = {"path": str(target), "copy_from": str(source), "mode": "0600", "diff": False}
    out = _run({"files": [item]}, diff=True)
    assert out["written"] == [str(target)] and target.read_text() == source.read_text() and _mode(target) == 0o600
    assert "c2VjcmV0" not in str(out["diff"])
    assert _run({"files": [item]})["changed"] is False
    source.write_text("renewed\n")
    assert _run({"files": [item]})["written"] == [str(target)] and target.read_text() == "renewed\n"
    missing = _run({"files": [dict(item, copy_from=str(tmp_path / "gone"))]}, rc_expected=1)
    assert "the file to copy" in missing["msg"] and str(tmp_path / "gone") in missing["msg"]


def test_requires_defers_a_file_until_its_path_exists(tmp_path):
    package_dir = tmp_path / "ganesha"
    item = {"path": str(package_dir / "ganesha.conf"), "content": "EXPORT {}\n", "requires": str(package_dir)}
    out = _run({"files": [item]})
    assert out["changed"] is False and out["pending"]["files"] == [item["path"]] and not package_dir.exists()
    package_dir.mkdir()
    out = _run({"files": [item]})
    assert out["written"] == [item["path"]] and out["pending"]["files"] == []
    # The required path gone again (package removed): the file waits again.
    os.unlink(item["path"])
    os.rmdir(package_dir)
    assert _run({"files": [item]})["pending"]["files"] == [item["path"]]


def test_bad_file_arguments(tmp_path):
    assert "needs content, copy_from or variants" in _run({"files": [{"path": str(tmp_path / "a")}]}, rc_expected=1)["msg"]
    bad_mode = _run({"files": [{"path": str(tmp_path / "a"), "content": "x", "mode": "rw-r--r--"}]}, rc_expected=1)
    assert "octal" in bad_mode["msg"]
    bad_user = _run({"files": [{"path": str(tmp_path / "a"), "content": "x", "owner": "no-such-user-xyz"}]}, rc_expected=1)
    assert "unknown user" in bad_user["msg"]
    both = _run({"files": [{"path": str(tmp_path / "a"), "content": "x", "variants": [{"content": "y"}], "version_of": "c"}]},
                rc_expected=1)
    assert "mutually exclusive" in both["msg"]
    assert "every packages entry needs a name" in _run({"packages": [{"version": "1"}]}, rc_expected=1)["msg"]


# --- the rest of the node state ----------------------------------------------------------------------
@pytest.mark.parametrize("check_mode", [False, True])
def test_reports_pending_per_kind(check_mode):
    services = [{"name": "no-such-unit-xyz.service", "active": True, "enabled": True}, {"name": "no-such-unit-2.service", "active": False}]
    args = {"modules": ["no_such_module_xyz"], "sysctl": {"kernel.no_such_key": 1}, "packages": ["no-such-package-xyz"],
            "held": ["no-such-package-xyz"], "services": services, "exists": ["/no/such/file"], "hostname": "no-such-hostname-xyz",
            "selinux": "enforcing", "versions": ["no-such-program-xyz"]}
    out = _run(args, check_mode=check_mode)
    pending = out["pending"]
    assert pending["modules"] == ["no_such_module_xyz"]
    assert pending["sysctl"] == ["kernel.no_such_key"] and out["sysctl"] == {"kernel.no_such_key": None}
    assert pending["packages"] == ["no-such-package-xyz"] and out["packages"] == {"no-such-package-xyz": None}
    assert pending["services"] == [{"name": "no-such-unit-xyz.service", "active": True, "enabled": True}]
    assert pending["exists"] == ["/no/such/file"]
    assert pending["hostname"] == ["no-such-hostname-xyz"]
    assert pending["selinux"] == (["enforcing"] if out["selinux"] != "enforcing" else [])
    assert out["versions"] == {"no-such-program-xyz": None}
    assert out["changed"] is False
    assert set(out["pending_kinds"]) >= {"modules", "sysctl", "packages", "services", "exists", "hostname"}
    assert list(pending) == list(node_state.PENDING_KINDS)
    for key in ("hostname", "container", "swap_active", "fstab_swap", "ufw_enabled", "selinux"):
        assert key in out


def test_wanted_dict_stands_for_the_options():
    """One dict (what the wanted-state filters return) gives the same result as the options."""
    args = {"modules": ["no_such_module_xyz"], "sysctl": {"kernel.no_such_key": 1}, "packages": ["no-such-package-xyz"],
            "services": [{"name": "no-such-unit-xyz.service", "active": True}], "exists": ["/no/such/file"],
            "hostname": "no-such-hostname-xyz", "swap_off": False}
    wanted = dict(args, selinux=None, ufw="", family="Debian", install={"x": "y"}, files=["modules_load"])
    by_options, by_wanted = _run(args), _run({"wanted": wanted})
    assert by_wanted["pending"] == by_options["pending"]
    assert by_wanted["pending"]["modules"] == ["no_such_module_xyz"] and by_wanted["pending"]["exists"] == ["/no/such/file"]
    assert by_wanted["pending"]["selinux"] == [] and by_wanted["pending"]["ufw"] == []


@pytest.mark.parametrize("args, message", [
    ({"wanted": {"modules": ["a"]}, "modules": ["b"]}, "wanted: modules also given as option"),
    ({"wanted": {"ufw": "off"}}, "wanted: .*ufw"),
    ({"wanted": {"services": [{"active": True}]}}, "wanted: .*name"),
    ({"wanted": {"swap_off": "maybe"}}, "wanted: .*swap_off"),
])
def test_wanted_dict_is_validated_like_the_options(args, message):
    out = _run(args, rc_expected=1)
    assert out["failed"] is True
    assert re.search(message, out["msg"]), out["msg"]


def test_no_arguments():
    out = _run({})
    assert out["changed"] is False and out["pending_kinds"] == [] and out["written"] == [] and out["removed"] == []
    assert all(value == [] for value in out["pending"].values())


def test_versions_of_a_program(tmp_path):
    ok = _script(tmp_path / "fake", 'echo "fake 1.2.3"\n')
    bad = _script(tmp_path / "broken", "exit 3\n")
    out = _run({"versions": [ok, bad]})
    assert out["versions"] == {ok: "fake 1.2.3", bad: None}


def test_packages_dpkg_and_rpm(tmp_path):
    dpkg = _script(tmp_path / "dpkg-query", "\n".join([
        'echo "containerd 1.6.20~ds1-1+b1 ii  install ok installed"',
        'echo "kubelet 1.35.0-1.1 hi  hold ok installed"',
        'echo "socat 1.7 un  unknown ok not-installed"',
    ]) + "\n")
    seen = []

    def run(args):
        seen.append(args)
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        return proc.returncode, proc.stdout

    result = node_state.package_versions(run, ["containerd", "kubelet", "socat"], dpkg_query=dpkg)
    assert result == {"containerd": {"version": "1.6.20~ds1-1+b1", "hold": False},
                      "kubelet": {"version": "1.35.0-1.1", "hold": True}, "socat": None}
    assert seen[0][-3:] == ["containerd", "kubelet", "socat"]
    rpm = _script(tmp_path / "rpm", 'case "$3" in containerd.io) echo "1.7.27-3.1.el9";; *) exit 1;; esac\n')
    result = node_state.package_versions(run, ["containerd.io", "kubelet"], rpm=rpm)
    assert result == {"containerd.io": {"version": "1.7.27-3.1.el9", "hold": False}, "kubelet": None}
    assert node_state.package_versions(run, ["x"]) == {"x": None}
    assert node_state.package_versions(run, []) == {}


def test_packages_and_hold_pending():
    installed = {"kubeadm": {"version": "1.35.6-1.1", "hold": True}, "kubelet": {"version": "1.35.5-1.1", "hold": True},
                 "kubectl": None, "containerd": {"version": "1.7.24~ds1-6", "hold": False},
                 "kubernetes-cni": {"version": "1.6.0-1.1", "hold": False}}
    wanted = node_state.normalize_packages([{"name": "kubeadm", "version": "1.35.6-*"}, {"name": "kubelet", "version": "1.35.6-*"},
                                            {"name": "kubectl", "version": "1.35.6-*"}, "kubernetes-cni",
                                            {"name": "containerd", "version": "1.7.*"}])
    assert node_state.packages_pending(wanted, installed) == ["kubelet", "kubectl"]
    assert node_state.packages_pending([("containerd", "1.6.*")], installed) == ["containerd"]
    assert node_state.packages_pending([("containerd", "1.7.24")], installed) == []  # followed by a revision
    assert node_state.packages_pending([("containerd", "1.7.2")], installed) == ["containerd"]
    # rpm versions of pkgs.k8s.io match the same pattern
    assert node_state.packages_pending([("kubeadm", "1.35.6-*")], {"kubeadm": {"version": "1.35.6-150500.1.1", "hold": False}}) == []
    assert node_state.held_pending(["kubeadm", "kubelet", "kubectl", "kubernetes-cni"], installed) == ["kubectl", "kubernetes-cni"]
    assert node_state.held_pending(["kubectl"], installed, dpkg=False) == []


def test_service_states_and_pending():
    answers = {
        "containerd": "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n",
        "chrony": "LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n",
        "kubelet": "LoadState=loaded\nActiveState=activating\nUnitFileState=enabled\n",
        "nope": "LoadState=not-found\nActiveState=inactive\nUnitFileState=\n",
    }
    states = node_state.service_states(lambda args: (0, answers[args[-1]]), list(answers))
    assert states == {
        "containerd": {"present": True, "active": True, "enabled": True},
        "chrony": {"present": True, "active": False, "enabled": False},
        "kubelet": {"present": True, "active": False, "enabled": True},
        "nope": {"present": False, "active": False, "enabled": False},
    }
    wanted = [{"name": "containerd", "active": True, "enabled": True}, {"name": "chrony", "active": True, "enabled": True},
              {"name": "kubelet", "active": None, "enabled": True}, {"name": "nope", "active": False, "enabled": False},
              {"name": "firewalld", "active": False, "enabled": None}]
    assert node_state.services_pending(wanted, states) == [{"name": "chrony", "active": True, "enabled": True}]


def test_kernel_modules(tmp_path):
    sys_module = tmp_path / "module"
    (sys_module / "bridge").mkdir(parents=True)
    filesystems = tmp_path / "filesystems"
    filesystems.write_text("nodev\tsysfs\nnodev\toverlay\n")
    hint = tmp_path / "bridge-nf-call-iptables"
    hint.write_text("1\n")
    hints = {"br_netfilter": str(hint), "ip_vs": str(tmp_path / "ip_vs")}
    loaded = [name for name in ("bridge", "overlay", "br_netfilter", "ip_vs", "vxlan")
              if node_state.module_loaded(name, str(sys_module), str(filesystems), hints)]
    assert loaded == ["bridge", "overlay", "br_netfilter"]
    assert node_state.module_loaded("overlay", str(sys_module), str(tmp_path / "missing"), hints) is False
    assert node_state.module_loaded("no_such_module_xyz") is False


def test_sysctl_swap_fstab_selinux_ufw(tmp_path):
    (tmp_path / "net" / "ipv4").mkdir(parents=True)
    (tmp_path / "net" / "ipv4" / "ip_forward").write_text("1\n")
    (tmp_path / "net" / "ipv4" / "tcp_rmem").write_text("4096\t131072\t6291456\n")
    live = node_state.sysctl_values(["net.ipv4.ip_forward", "net.no.key", "net.ipv4.tcp_rmem"], str(tmp_path))
    assert live == {"net.ipv4.ip_forward": "1", "net.no.key": None, "net.ipv4.tcp_rmem": "4096\t131072\t6291456"}
    assert node_state.sysctl_differs(live["net.ipv4.ip_forward"], 1) is False
    assert node_state.sysctl_differs(live["net.ipv4.ip_forward"], True) is False
    assert node_state.sysctl_differs(live["net.ipv4.ip_forward"], "0") is True
    assert node_state.sysctl_differs(live["net.ipv4.tcp_rmem"], "4096 131072  6291456") is False
    assert node_state.sysctl_differs(None, 1) is True
    swaps = tmp_path / "swaps"
    swaps.write_text("Filename Type Size Used Priority\n")
    assert node_state.swap_active(str(swaps)) is False
    swaps.write_text("Filename Type Size Used Priority\n/swapfile file 1024 0 -2\n")
    assert node_state.swap_active(str(swaps)) is True
    fstab = tmp_path / "fstab"
    fstab.write_text("# /swapfile none swap sw 0 0\nUUID=1 / ext4 defaults 0 1\n")
    assert node_state.fstab_has_swap(str(fstab)) is False
    fstab.write_text("/swapfile none swap sw 0 0\n")
    assert node_state.fstab_has_swap(str(fstab)) is True
    enforce = tmp_path / "enforce"
    assert node_state.selinux_mode(str(enforce)) == "disabled"
    enforce.write_text("1")
    assert node_state.selinux_mode(str(enforce)) == "enforcing"
    enforce.write_text("0")
    assert node_state.selinux_mode(str(enforce)) == "permissive"
    ufw = tmp_path / "ufw.conf"
    assert node_state.ufw_enabled(str(ufw)) is False
    ufw.write_text("# comment\nENABLED = yes\n")
    assert node_state.ufw_enabled(str(ufw)) is True


def test_swap_and_ufw_pending(monkeypatch):
    monkeypatch.setattr(node_state, "swap_active", lambda: True)
    monkeypatch.setattr(node_state, "fstab_has_swap", lambda: True)
    monkeypatch.setattr(node_state, "ufw_enabled", lambda: True)
    out = _run({"swap_off": True, "ufw": "disabled"})
    assert out["pending"]["swap"] == ["active", "fstab"] and out["pending"]["ufw"] == ["disabled"]
    out = _run({"ufw": "enabled"})
    assert out["pending"]["swap"] == [] and out["pending"]["ufw"] == []


def test_container_kind(tmp_path):
    assert node_state.container_kind(str(tmp_path)) == ""
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / ".containerenv").write_text("")
    assert node_state.container_kind(str(tmp_path)) == "podman"
    (tmp_path / ".dockerenv").write_text("")
    assert node_state.container_kind(str(tmp_path)) == "docker"
    (tmp_path / "run" / "systemd").mkdir()
    (tmp_path / "run" / "systemd" / "container").write_text("lxc\n")
    assert node_state.container_kind(str(tmp_path)) == "lxc"
    assert node_state.read_text(str(tmp_path / "missing"), "d") == "d"


@pytest.mark.skipif(not shutil.which("dpkg-query"), reason="needs a Debian-family host")
def test_packages_with_the_real_dpkg_query():
    # dpkg itself is installed on every Debian host; the other name is no package.
    expected = {"version": dpkg_field("dpkg", "Version"), "hold": dpkg_field("dpkg", "Status").startswith("hold")}
    result = node_state.package_versions(run_for_real, ["dpkg", "no-such-package-seed"], dpkg_query=shutil.which("dpkg-query"))
    assert result == {"dpkg": expected, "no-such-package-seed": None}


def test_package_queries_are_the_documented_commands():
    run = CommandRecorder((0, "1.7.27-3.1.el9\n"))
    node_state.package_versions(run, ["containerd.io"], rpm="/usr/bin/rpm")
    node_state.package_versions(run, ["a", "b"], dpkg_query="/usr/bin/dpkg-query")
    assert run.seen == [["/usr/bin/rpm", "-q", "--whatprovides", "containerd.io", "--qf", "%{VERSION}-%{RELEASE}\\n"],
                        ["/usr/bin/dpkg-query", "-W", "-f", "${Package} ${Version} ${db:Status-Abbrev} ${Status}\\n", "a", "b"]]


def test_rpm_that_fails_with_output_is_not_installed():
    # rpm -q prints "no package provides x" with exit 1.
    result = node_state.package_versions(lambda args: (1, "no package provides kubelet\n"), ["kubelet"], rpm="rpm")
    assert result == {"kubelet": None}


def test_dpkg_lines_with_too_few_fields_are_ignored():
    out = "kubelet 1.35.0-1.1 ii\nkubeadm 1.35.0-1.1 ii install\n"
    result = node_state.package_versions(lambda args: (0, out), ["kubelet", "kubeadm"], dpkg_query="dpkg-query")
    assert result == {"kubelet": None, "kubeadm": {"version": "1.35.0-1.1", "hold": False}}


def test_service_states_ask_systemctl_show_for_the_three_properties():
    run = CommandRecorder((0, "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n"))
    node_state.service_states(run, ["-kubelet"])
    node_state.service_states(run, ["containerd"], systemctl="/bin/systemctl")
    assert run.seen == [["systemctl", "show", "--property=ActiveState,UnitFileState,LoadState", "--", "-kubelet"],
                        ["/bin/systemctl", "show", "--property=ActiveState,UnitFileState,LoadState", "--", "containerd"]]


@pytest.mark.parametrize("out", ["", "System has not been booted with systemd as init system (PID 1).\n",
                                 "LoadState=\nActiveState=\nUnitFileState=\n"])
def test_a_systemctl_that_cannot_say_reports_nothing_present(out):
    assert node_state.service_states(lambda args: (1, out), ["kubelet"]) == \
        {"kubelet": {"present": False, "active": False, "enabled": False}}


class SelinuxModule(object):
    check_mode = False

    def __init__(self, enabled):
        self.enabled = enabled
        self.calls = []

    def selinux_enabled(self):
        return self.enabled

    def selinux_context(self, path):
        self.calls.append(("context", path))
        return ["system_u", "object_r", "container_config_t", "s0"]

    def selinux_default_context(self, path):
        self.calls.append(("default", path))
        return ["system_u", "object_r", "etc_t", "s0"]

    def set_context_if_different(self, path, context, changed):
        self.calls.append(("set", path, context, changed))
        return changed


def test_the_temporary_file_gets_the_selinux_context_of_its_target(tmp_path):
    existing = tmp_path / "config.toml"
    existing.write_text("x")
    module = SelinuxModule(True)
    writer = node_state.FileWriter(module, {}, {})
    writer.context_hook("/tmp/.x.tmp", str(existing))
    writer.context_hook("/tmp/.y.tmp", str(tmp_path / "new.conf"))
    assert module.calls == [("context", str(existing)),
                            ("set", "/tmp/.x.tmp", ["system_u", "object_r", "container_config_t", "s0"], False),
                            ("default", str(tmp_path / "new.conf")),
                            ("set", "/tmp/.y.tmp", ["system_u", "object_r", "etc_t", "s0"], False)]
    disabled = SelinuxModule(False)
    node_state.FileWriter(disabled, {}, {}).context_hook("/tmp/.x.tmp", str(existing))
    assert disabled.calls == []


root_only = pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")


@root_only
def test_owners_of_files_and_directories(tmp_path):
    target, directory = tmp_path / "etc" / "f.conf", tmp_path / "data"
    args = {"files": [{"path": str(target), "content": "x\n", "owner": "4321", "group": "4322", "mode": "0640"}],
            "directories": [{"path": str(directory), "owner": "41", "group": "42"}]}
    result = _run(args)
    assert result["changed"] is True
    info, dinfo = os.stat(target), os.stat(directory)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4321, 4322, 0o640)
    assert (dinfo.st_uid, dinfo.st_gid, stat.S_IMODE(dinfo.st_mode)) == (41, 42, 0o755)
    assert _run(args)["changed"] is False
    # Someone changed the group of both: the next run puts it back, in check mode only reports it.
    os.chown(target, 4321, 1)
    os.chown(directory, 41, 1)
    assert _run(args, check_mode=True)["changed"] is True
    assert (os.stat(target).st_gid, os.stat(directory).st_gid) == (1, 1)
    result = _run(args, diff=True)
    assert result["changed"] is True and "diff" not in result  # attributes only: no content diff
    assert (os.stat(target).st_uid, os.stat(target).st_gid) == (4321, 4322)
    assert (os.stat(directory).st_uid, os.stat(directory).st_gid) == (41, 42)
    os.chown(directory, 1, 42)
    _run(args)
    assert os.stat(directory).st_uid == 41


def test_hidden_diffs_say_whose_content_is_hidden(tmp_path):
    old, new = tmp_path / "old.conf", tmp_path / "new.conf"
    old.write_text("password: a\n")
    result = _run({"files": [{"path": str(old), "content": "password: b\n", "diff": False},
                             {"path": str(new), "content": "token: c\n", "diff": False},
                             {"path": str(tmp_path / "gone.conf"), "state": "absent", "diff": False}]}, diff=True)
    assert result["diff"] == [
        {"before_header": str(old), "after_header": str(old), "before": "(content of %s hidden)\n" % old,
         "after": "(content of %s hidden)\n" % old},
        {"before_header": str(new), "after_header": str(new), "before": "", "after": "(content of %s hidden)\n" % new},
    ]
    (tmp_path / "gone.conf").write_text("key: d\n")
    result = _run({"files": [{"path": str(tmp_path / "gone.conf"), "state": "absent", "diff": False}]}, diff=True)
    assert result["diff"] == [{"before_header": str(tmp_path / "gone.conf"), "after_header": str(tmp_path / "gone.conf"),
                               "before": "(content of %s hidden)\n" % (tmp_path / "gone.conf"), "after": ""}]


def test_defaults_read_this_host_s_kernel():
    # What the module reads without test paths, against the same files read here.
    with open("/proc/swaps") as handle:
        assert node_state.swap_active() is bool([line for line in handle.read().splitlines()[1:] if line.strip()])
    with open("/proc/sys/net/ipv4/ip_forward") as handle:
        assert node_state.sysctl_values(["net.ipv4.ip_forward"]) == {"net.ipv4.ip_forward": handle.read().strip()}
    loaded = sorted(os.listdir("/sys/module"))[:3]
    assert loaded and all(node_state.module_loaded(name) for name in loaded)
    with open("/proc/filesystems") as handle:
        overlay = any(line.split()[-1:] == ["overlay"] for line in handle)
    assert node_state.module_loaded("overlay") is (overlay or os.path.isdir("/sys/module/overlay"))


def test_default_paths_are_the_documented_ones():
    import inspect

    def default(function, name):
        return inspect.signature(function).parameters[name].default

    assert default(node_state.selinux_mode, "path") == "/sys/fs/selinux/enforce"
    assert default(node_state.ufw_enabled, "path") == "/etc/ufw/ufw.conf"
    assert default(node_state.fstab_has_swap, "path") == "/etc/fstab"
    assert default(node_state.swap_active, "path") == "/proc/swaps"
    assert default(node_state.sysctl_values, "root") == "/proc/sys"
    assert default(node_state.module_loaded, "sys_module") == "/sys/module"
    assert default(node_state.module_loaded, "filesystems") == "/proc/filesystems"


def test_missing_files_read_as_nothing(tmp_path):
    missing = str(tmp_path / "missing")
    assert node_state.swap_active(missing) is False and node_state.ufw_enabled(missing) is False
    assert node_state.fstab_has_swap(missing) is False


@pytest.mark.parametrize("fstab, expected", [
    ("/dev/sda2 none swap sw 0 0\n", True),
    ("/swapfile none swap\n", True),
    ("# /dev/sda2 none swap sw 0 0\n", False),
    ("#/dev/sda2 none swap sw 0 0\n", False),
    ("/dev/sda2 none\n", False),
    ("UUID=x / ext4 defaults 0 1\n", False),
])
def test_fstab_swap_lines(tmp_path, fstab, expected):
    path = tmp_path / "fstab"
    path.write_text(fstab)
    assert node_state.fstab_has_swap(str(path)) is expected


def test_services_pending_for_unknown_services():
    wanted = [{"name": "gone", "active": None, "enabled": False}, {"name": "gone2", "active": False, "enabled": None},
              {"name": "gone3", "active": None, "enabled": True}]
    assert node_state.services_pending(wanted, {}) == [{"name": "gone3", "enabled": True}]
    states = {"s": {"present": True, "active": True, "enabled": False}}
    assert node_state.services_pending([{"name": "s", "active": True, "enabled": None}], states) == []
    assert node_state.services_pending([{"name": "s", "active": False, "enabled": None}], states) == \
        [{"name": "s", "active": False}]
    assert node_state.services_pending([{"name": "s", "active": None, "enabled": True}], states) == \
        [{"name": "s", "enabled": True}]
