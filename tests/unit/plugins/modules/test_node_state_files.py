# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugins/module_utils/node_files.py: planning and writing the managed files of seed.kubeadm.node_state."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.seed.kubeadm.plugins.module_utils import node_files as nf


@pytest.mark.parametrize("value, mode", [("0644", 0o644), ("644", 0o644), ("0600", 0o600), ("0o750", 0o750), (0o640, 0o640),
                                         (None, None), ("", None), ("1777", 0o1777)])
def test_parse_mode(value, mode):
    assert nf.parse_mode(value) == mode


@pytest.mark.parametrize("value", ["u=rw", "0999", "12", 0o17777, "-1"])
def test_parse_mode_rejects(value):
    with pytest.raises(nf.FileError):
        nf.parse_mode(value)


def test_owner_and_group():
    assert nf.resolve_uid("root") == 0 and nf.resolve_gid("root") == 0
    assert nf.resolve_uid("1234") == 1234 and nf.resolve_gid("55") == 55
    assert nf.resolve_uid(None) is None and nf.resolve_gid("") is None
    with pytest.raises(nf.FileError):
        nf.resolve_gid("no-such-group-xyz")


@pytest.mark.parametrize("text, version", [
    ("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3", (1, 6, 20)),
    ("containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7193e4e490e9fbdc236c0e811ccaba3376", (2, 1, 4)),
    ("containerd containerd.io 1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da", (1, 7, 27)),
    ("tool 3.2", (3, 2, 0)),
    ("", None),
    ("no version here", None),
])
def test_version_tuple(text, version):
    assert nf.version_tuple(text) == version


def test_choose_variant():
    variants = [{"min_version": "2.1", "content": "a"}, {"min_version": "2.0.0", "content": "b"}, {"content": "c"}]
    assert nf.choose_variant(variants, "containerd x/v2 v2.2.0 abc") == "a"
    assert nf.choose_variant(variants, "containerd x/v2 v2.0.5 abc") == "b"
    assert nf.choose_variant(variants, "containerd 1.7.24~ds1") == "c"
    assert nf.choose_variant(variants, "") == "c"
    with pytest.raises(nf.FileError, match="min_version"):
        nf.choose_variant([{"min_version": "two", "content": "x"}], "1.0")
    with pytest.raises(nf.FileError, match="no variant"):
        nf.choose_variant([{"min_version": "3", "content": "x"}], "1.0")


def test_render_block():
    marker = "# {mark} seed"
    hosts = "127.0.0.1 localhost\n"
    added = nf.render_block(hosts, marker, "10.0.0.1 a\n10.0.0.2 b\n")
    assert added == "127.0.0.1 localhost\n# BEGIN seed\n10.0.0.1 a\n10.0.0.2 b\n# END seed\n"
    assert nf.render_block(added, marker, "10.0.0.1 a\n10.0.0.2 b") is added
    changed = nf.render_block(added + "::1 ip6\n", marker, "10.0.0.3 c")
    assert changed == "127.0.0.1 localhost\n# BEGIN seed\n10.0.0.3 c\n# END seed\n::1 ip6\n"
    assert nf.render_block(changed, marker, "", present=True) == "127.0.0.1 localhost\n::1 ip6\n"
    assert nf.render_block(hosts, marker, "x", present=False) is hosts
    assert nf.render_block(None, marker, "x") == "# BEGIN seed\nx\n# END seed\n"
    assert nf.render_block(None, marker, "") == ""
    # BEGIN without END: the block runs to the end of the file
    assert nf.render_block("a\n# BEGIN seed\nold\n", marker, "new") == "a\n# BEGIN seed\nnew\n# END seed\n"
    # insert before the first matching line, at the end without a match
    rules = "*filter\n-A x\nCOMMIT\n*nat\nCOMMIT\n"
    assert nf.render_block(rules, marker, "-A y", insert_before="^COMMIT") == (
        "*filter\n-A x\n# BEGIN seed\n-A y\n# END seed\nCOMMIT\n*nat\nCOMMIT\n")
    assert nf.render_block("a\n", marker, "b", insert_before="^COMMIT") == "a\n# BEGIN seed\nb\n# END seed\n"


def test_plan_actions(tmp_path):
    path = tmp_path / "f"
    assert nf.plan({"path": str(path), "content": "x"})["action"] == "write"
    path.write_text("x")
    os.chmod(path, 0o644)
    assert nf.plan({"path": str(path), "content": "x"})["action"] == "none"
    assert nf.plan({"path": str(path), "content": "x", "mode": "0600"})["action"] == "attributes"
    assert nf.plan({"path": str(path), "content": "x", "owner": "12345"})["action"] == "attributes"
    assert nf.plan({"path": str(path), "content": "x", "group": "12345"})["action"] == "attributes"
    assert nf.plan({"path": str(path), "state": "absent"})["action"] == "remove"
    assert nf.plan({"path": str(tmp_path / "none"), "state": "absent"})["action"] == "none"
    assert nf.plan({"path": str(tmp_path / "none"), "state": "absent", "marker": "# {mark}"})["action"] == "none"
    assert nf.plan({"path": str(path), "variants": [{"content": "x"}], "version_of": "c"})["action"] == "defer"
    assert nf.plan({"path": str(path), "variants": [{"content": "x"}], "version_of": "c"}, "c 1.0")["action"] == "none"
    planned = nf.plan({"path": "/p", "content": "new", "restart": ["u"], "diff": False}, existing=(b"old", None))
    assert planned["action"] == "write" and planned["before"] == "old" and planned["restart"] == ["u"] and planned["diff"] is False
    with pytest.raises(nf.FileError, match="content or variants"):
        nf.plan({"path": "/p"}, existing=(None, None))


def test_write_atomic_keeps_or_sets_attributes(tmp_path):
    path = tmp_path / "sub" / "dir" / "f"
    nf.write_atomic(str(path), b"one\n")
    assert path.read_bytes() == b"one\n" and stat.S_IMODE(os.stat(path).st_mode) == 0o644
    os.chmod(path, 0o640)
    nf.write_atomic(str(path), b"two\n")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640  # mode None keeps the existing mode
    calls = []
    nf.write_atomic(str(path), b"three\n", 0o600, os.getuid(), os.getgid(), lambda tmp, dst: calls.append((tmp, dst)))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and path.read_bytes() == b"three\n"
    assert calls and calls[0][1] == str(path) and not os.path.exists(calls[0][0])
    nf.set_attributes(str(path), 0o644, os.getuid(), os.getgid())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_write_atomic_cleans_up_on_error(tmp_path, monkeypatch):
    import errno

    def denied(src, dst):
        raise OSError(errno.EACCES, "denied")

    monkeypatch.setattr(nf.os, "rename", denied)
    with pytest.raises(OSError):
        nf.write_atomic(str(tmp_path / "f"), b"x")
    assert os.listdir(tmp_path) == []


def test_remove_and_stale(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "hosts.toml").write_text("MARK")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "hosts.toml").write_text("MARK")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "hosts.toml").write_text("user file")
    rules = [{"glob": str(tmp_path / "*" / "hosts.toml"), "marker": "MARK"}, {"glob": "", "marker": "x"}, {"glob": "/x", "marker": ""}]
    found = nf.stale(rules, keep=[str(tmp_path / "b" / "hosts.toml")])
    assert [path for path, rule in found] == [str(tmp_path / "a" / "hosts.toml")]
    nf.remove(found[0][0], prune_directory=True)
    assert not (tmp_path / "a").exists()
    nf.remove(str(tmp_path / "missing"))
    assert nf.read_bytes(str(tmp_path)) is None
