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


def planned(path, action, before, after, mode=None, uid=None, gid=None, restart=(), diff=True):
    return {"path": path, "action": action, "before": before, "after": after, "mode": mode, "uid": uid, "gid": gid,
            "restart": list(restart), "diff": diff}


def stat_of(mode, uid=0, gid=0):
    return os.stat_result((stat.S_IFREG | mode, 0, 0, 1, uid, gid, 0, 0, 0, 0))


@pytest.mark.parametrize("item, existing, expected", [
    ({"path": "/p", "content": "x"}, (None, None), planned("/p", "write", None, "x", 0o644)),
    ({"path": "/p", "content": "x", "mode": "0600", "owner": "7", "group": "8", "restart": ["containerd"]},
     (b"x", stat_of(0o644)), planned("/p", "attributes", "x", "x", 0o600, 7, 8, ["containerd"])),
    ({"path": "/p", "content": "x"}, (b"x", stat_of(0o644)), planned("/p", "none", "x", "x", 0o644)),
    ({"path": "/p", "content": "x", "diff": False}, (b"y", stat_of(0o600)), planned("/p", "write", "y", "x", 0o644, diff=False)),
    ({"path": "/p", "content": "x", "diff": None}, (b"x", stat_of(0o644)), planned("/p", "none", "x", "x", 0o644)),
    ({"path": "/p", "state": "absent"}, (b"x", stat_of(0o600)), planned("/p", "remove", "x", None)),
    ({"path": "/p", "state": "absent"}, (None, None), planned("/p", "none", None, None)),
    ({"path": "/p", "state": "absent", "marker": "# {mark} seed"},
     (b"a\n# BEGIN seed\nb\n# END seed\n", stat_of(0o640)), planned("/p", "write", "a\n# BEGIN seed\nb\n# END seed\n", "a\n", 0o640)),
    ({"path": "/p", "state": "absent", "marker": "# {mark} seed"}, (b"a\n", stat_of(0o640)), planned("/p", "none", "a\n", "a\n")),
    # a block in an existing file keeps the file's mode; in a new file it gets 0644
    ({"path": "/p", "content": "b", "marker": "# {mark} seed"}, (b"a\n", stat_of(0o600)),
     planned("/p", "write", "a\n", "a\n# BEGIN seed\nb\n# END seed\n")),
    ({"path": "/p", "content": "b", "marker": "# {mark} seed"}, (None, None),
     planned("/p", "write", None, "# BEGIN seed\nb\n# END seed\n", 0o644)),
    ({"path": "/p", "variants": [{"content": "x"}]}, (b"x", stat_of(0o644)), planned("/p", "defer", "x", "x")),
    ({"path": "/p", "content": "x", "state": None}, (b"\xff", stat_of(0o644)), planned("/p", "write", u"\ufffd", "x", 0o644)),
])
def test_plan_returns_the_whole_plan(item, existing, expected):
    assert nf.plan(item, existing=existing) == expected


def test_plan_reads_the_file_and_its_mode(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"old \xff\n")
    os.chmod(path, 0o600)
    result = nf.plan({"path": str(path), "state": "absent", "marker": "# {mark} x"})
    assert result == planned(str(path), "none", u"old \ufffd\n", u"old \ufffd\n")
    path.write_bytes(b"a\n# BEGIN x\nb\n# END x\n")
    result = nf.plan({"path": str(path), "state": "absent", "marker": "# {mark} x"})
    assert result["action"] == "write" and result["mode"] == 0o600 and result["after"] == "a\n"


def test_plan_copies_a_file(tmp_path):
    source = tmp_path / "src"
    source.write_bytes(b"copied \xff")
    result = nf.plan({"path": "/p", "copy_from": str(source)}, existing=(None, None))
    assert result["after"] == u"copied \ufffd" and result["action"] == "write"
    with pytest.raises(nf.FileError) as err:
        nf.plan({"path": "/p", "copy_from": str(tmp_path / "missing")}, existing=(None, None))
    assert str(err.value) == "/p: the file to copy, %s, does not exist" % (tmp_path / "missing")
    with pytest.raises(nf.FileError) as err:
        nf.plan({"path": "/p"}, existing=(None, None))
    assert str(err.value) == "/p: content or variants is required"


root_only = pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")


@root_only
def test_write_atomic_sets_and_keeps_owners(tmp_path):
    path = tmp_path / "f"
    nf.write_atomic(str(path), b"one", 0o640, 4321, None)
    info = os.stat(path)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4321, os.getegid(), 0o640)
    nf.write_atomic(str(path), b"two", None, None, 8765)
    info = os.stat(path)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4321, 8765, 0o640)
    nf.write_atomic(str(path), b"three")
    info = os.stat(path)
    assert (info.st_uid, info.st_gid, path.read_bytes()) == (4321, 8765, b"three")


@root_only
def test_set_attributes_changes_only_what_is_given(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x")
    os.chown(path, 11, 12)
    nf.set_attributes(str(path), None, 21, None)
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (21, 12)
    nf.set_attributes(str(path), 0o600, None, 22)
    info = os.stat(path)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (21, 22, 0o600)


@root_only
def test_a_file_that_cannot_be_replaced_is_rewritten_in_place(tmp_path, monkeypatch):
    import errno
    path = tmp_path / "resolv.conf"  # a bind mount in a container: rename gives EBUSY
    path.write_bytes(b"a much longer old content\n")
    os.chown(path, 11, 12)
    inode = os.stat(path).st_ino

    def busy(src, dst):
        raise OSError(errno.EBUSY, "Device or resource busy")

    monkeypatch.setattr(nf.os, "rename", busy)
    nf.write_atomic(str(path), b"new\n", 0o600, None, 33)
    info = os.stat(path)
    assert (path.read_bytes(), info.st_ino, info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == \
        (b"new\n", inode, 11, 33, 0o600)
    assert os.listdir(tmp_path) == ["resolv.conf"]


def test_the_temporary_file_is_hidden_beside_the_target(tmp_path, monkeypatch):
    seen = []
    nf.write_atomic(str(tmp_path / "config.toml"), b"x", context_hook=lambda tmp, dst: seen.append(tmp))
    directory, name = os.path.split(seen[0])
    assert directory == str(tmp_path) and name.startswith(".config.toml.") and name.endswith(".tmp")
    assert stat.S_IMODE(os.stat(tmp_path / "config.toml").st_mode) == 0o644
    monkeypatch.chdir(tmp_path)
    nf.write_atomic("relative", b"y")
    assert (tmp_path / "relative").read_bytes() == b"y"


@pytest.mark.parametrize("value, message", [
    ("u=rw", "mode must be an octal number such as 0644, got 'u=rw'"),
    (0o10000, "mode out of range: 4096"),
    (-1, "mode out of range: -1"),
])
def test_parse_mode_messages(value, message):
    with pytest.raises(nf.FileError) as err:
        nf.parse_mode(value)
    assert str(err.value) == message


@pytest.mark.parametrize("value, mode", [(0, 0), (0o7777, 0o7777), ("7777", 0o7777)])
def test_parse_mode_bounds(value, mode):
    assert nf.parse_mode(value) == mode


def test_unknown_owner_and_group_are_named():
    with pytest.raises(nf.FileError) as err:
        nf.resolve_gid("no-such-group-seed")
    assert str(err.value) == "unknown group no-such-group-seed"
    with pytest.raises(nf.FileError) as err:
        nf.resolve_uid("no-such-user-seed")
    assert str(err.value) == "unknown user no-such-user-seed"


@pytest.mark.parametrize("old, block, expected", [
    ("a\n", "b\n\n\n", "a\n# BEGIN m\nb\n# END m\n"),
    ("a\n", "\n\nb", "a\n# BEGIN m\n\n\nb\n# END m\n"),
    ("a\n", "\n\n", "a\n"),
    ("# END m\na\n# BEGIN m\nold\n# END m\n", "new", "# END m\na\n# BEGIN m\nnew\n# END m\n"),
    ("# BEGIN m\n# END m\n", "", ""),
])
def test_render_block_edges(old, block, expected):
    assert nf.render_block(old, "# {mark} m", block) == expected


def test_remove_keeps_the_directory_unless_asked(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("x")
    nf.remove(str(tmp_path / "d" / "f"))
    assert os.path.isdir(tmp_path / "d")
    (tmp_path / "d" / "f").write_text("x")
    nf.remove(str(tmp_path / "d" / "f"), prune_directory=True)
    assert not os.path.exists(tmp_path / "d")


def test_missing_parents_are_0755_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        nf.write_atomic(str(tmp_path / "a" / "b" / "f"), b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "a").st_mode) == 0o755
    assert stat.S_IMODE(os.stat(tmp_path / "a" / "b").st_mode) == 0o755


def test_ensure_directory_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(nf.FileError) as err:
        nf.ensure_directory(str(tmp_path / "f"), 0o755)
    assert str(err.value) == "%s exists and is not a directory" % (tmp_path / "f")


@root_only
def test_directory_owners(tmp_path):
    path = str(tmp_path / "d")
    nf.ensure_directory(path, 0o750, 41, 42)
    info = os.stat(path)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (41, 42, 0o750)
    assert nf.directory_differs(path, 0o750, 41, 42) is False
    assert nf.directory_differs(path, 0o750) is False
    assert nf.directory_differs(path, 0o750, 40, None) is True
    assert nf.directory_differs(path, 0o750, None, 40) is True
    assert nf.directory_differs(path, 0o750, 41, 40) is True
    assert nf.directory_differs(path, 0o755, 41, 42) is True


def test_a_parent_made_meanwhile_by_another_writer_is_fine(tmp_path, monkeypatch):
    import errno
    real_mkdir = os.mkdir

    def racing_mkdir(path, mode=0o777):
        real_mkdir(path, 0o755)  # the other writer wins
        raise OSError(errno.EEXIST, "File exists")

    monkeypatch.setattr(nf.os, "mkdir", racing_mkdir)
    nf.write_atomic(str(tmp_path / "a" / "f"), b"x")
    monkeypatch.undo()
    assert (tmp_path / "a" / "f").read_bytes() == b"x"
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError):
        nf.write_atomic(str(tmp_path / "file" / "f"), b"x")


def test_a_relative_path_is_written_beside_nothing_else(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nf.write_atomic("relative.conf", b"y")
    assert os.listdir(tmp_path) == ["relative.conf"]


@root_only
def test_given_owners_replace_those_of_an_existing_file(tmp_path, monkeypatch):
    import errno
    path = tmp_path / "f"
    path.write_bytes(b"old")
    os.chown(path, 11, 12)
    nf.write_atomic(str(path), b"new", None, 21, 22)
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (21, 22)

    def busy(src, dst):
        raise OSError(errno.EBUSY, "Device or resource busy")

    monkeypatch.setattr(nf.os, "rename", busy)
    nf.write_atomic(str(path), b"in place", None, 31, 32)
    assert (os.stat(path).st_uid, os.stat(path).st_gid, path.read_bytes()) == (31, 32, b"in place")


def test_an_empty_block_is_replaced_where_it_stands():
    assert nf.render_block("a\n# BEGIN m\n# END m\nb\n", "# {mark} m", "x") == "a\n# BEGIN m\nx\n# END m\nb\n"


def test_a_variant_applies_from_its_min_version_on():
    variants = [{"min_version": "2.1", "content": "new"}, {"content": "old"}]
    assert nf.choose_variant(variants, "containerd 2.1.0") == "new"
    assert nf.choose_variant(variants, "containerd 2.0.9") == "old"
    with pytest.raises(nf.FileError) as err:
        nf.choose_variant([{"min_version": "2.1", "content": "new"}], "containerd 1.7.0")
    assert str(err.value) == "no variant matches version 'containerd 1.7.0'"
    with pytest.raises(nf.FileError) as err:
        nf.choose_variant([{"min_version": "two", "content": "new"}], "containerd 1.7.0")
    assert str(err.value) == "min_version must look like 2.1 or 2.1.0, got 'two'"


def test_files_with_line_reads_files_that_are_not_utf8(tmp_path):
    (tmp_path / "a.conf").write_bytes(b"# caf\xe9\nSystemdCgroup = false\n")
    (tmp_path / "b.conf").write_bytes(b"SystemdCgroup = true\n")
    assert nf.files_with_line(str(tmp_path / "*.conf"), r"^SystemdCgroup = false") == [str(tmp_path / "a.conf")]
