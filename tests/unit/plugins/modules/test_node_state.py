# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""seed.kubeadm.node_state, the read-only probe of node_prep, container_runtime and kube_packages."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess

import pytest

import kubeadm_testlib as lib
from ansible_collections.seed.kubeadm.plugins.modules import node_state


def _run(args, check_mode=False):
    result, rc = lib.run_module(node_state, args, check_mode=check_mode)
    assert rc == 0, result
    assert result["changed"] is False
    return result


def _script(path, text):
    path.write_text("#!/bin/sh\n" + text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.mark.parametrize("check_mode", [False, True])
def test_runs_and_reports(tmp_path, check_mode):
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n# BEGIN x\n10.0.0.1 a\n10.0.0.2 b\n# END x\n")
    args = {"modules": ["no_such_module_xyz"], "sysctl": ["kernel.no_such_key"], "packages": ["no-such-package-xyz"],
            "services": ["no-such-unit-xyz.service"],
            "files": [str(hosts), str(tmp_path / "missing")], "block_file": str(hosts), "block_marker": "# {mark} x",
            "versions": ["no-such-program-xyz"], "marked_glob": str(tmp_path / "*"), "marker": "BEGIN x"}
    out = _run(args, check_mode=check_mode)
    assert out["modules_missing"] == ["no_such_module_xyz"]
    assert out["sysctl"] == {"kernel.no_such_key": None}
    assert out["packages"] == {"no-such-package-xyz": None}
    assert out["services"]["no-such-unit-xyz.service"]["active"] is False
    assert out["files"] == {str(hosts): hashlib.sha1(hosts.read_bytes()).hexdigest(), str(tmp_path / "missing"): None}
    assert out["block"] == "10.0.0.1 a\n10.0.0.2 b"
    assert out["versions"] == {"no-such-program-xyz": None}
    assert out["marked_files"] == [str(hosts)]
    assert out["selinux"] in ("disabled", "permissive", "enforcing")
    for key in ("hostname", "container", "swap_active", "fstab_swap", "ufw_enabled"):
        assert key in out


def test_no_arguments():
    out = _run({})
    assert out["modules_missing"] == [] and out["packages"] == {} and out["files"] == {}
    assert out["block"] is None and out["marked_files"] == [] and out["versions"] == {}


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


def test_service_states():
    answers = {
        "containerd": "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n",
        "chrony": "LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n",
        "nope": "LoadState=not-found\nActiveState=inactive\nUnitFileState=\n",
    }
    result = node_state.service_states(lambda args: (0, answers[args[-1]]), list(answers))
    assert result == {
        "containerd": {"present": True, "active": True, "enabled": True},
        "chrony": {"present": True, "active": False, "enabled": False},
        "nope": {"present": False, "active": False, "enabled": False},
    }


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
    assert node_state.sysctl_values(["net.ipv4.ip_forward", "net.no.key"], str(tmp_path)) == {
        "net.ipv4.ip_forward": "1", "net.no.key": None}
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


def test_managed_block(tmp_path):
    path = tmp_path / "hosts"
    assert node_state.managed_block(str(path), "# {mark} x") is None
    path.write_text("127.0.0.1 localhost\n")
    assert node_state.managed_block(str(path), "# {mark} x") is None
    path.write_text("# BEGIN x\n# END x\n")
    assert node_state.managed_block(str(path), "# {mark} x") == ""
    assert node_state.managed_block("", "# {mark} x") is None
    assert node_state.managed_block(str(path), None) is None


def test_marked_files(tmp_path):
    for name, text in (("a", "x MARK y"), ("b", "nothing"), ("c", "MARK")):
        (tmp_path / name).write_text(text)
    assert node_state.marked_files(str(tmp_path / "*"), "MARK") == [str(tmp_path / "a"), str(tmp_path / "c")]
    assert node_state.marked_files(str(tmp_path / "*"), "") == []
    assert node_state.marked_files(None, "MARK") == []
    assert node_state.sha1(str(tmp_path / "missing")) is None
    assert node_state.read_text(str(tmp_path / "missing"), "d") == "d"
    assert os.path.exists(str(tmp_path / "a"))
