# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugins/module_utils/bundle.py on its own: manifests, digests, archives and the bundle plan.

Every tree is real files in tmp_path, every digest a real SHA-256 and every archive a real tar
file, packed by the module itself or crafted member by member to be damaged in one way. The
messages are compared whole: they are what the operator reads when a bundle is refused.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile

import pytest

from ansible_collections.seed.kubeadm.plugins.module_utils import bundle as bdl
from unit_helpers import raises_exactly

BIG = b"0123456789abcdef" * (64 * 1024 + 1)  # one read (1 MiB) and 16 bytes more
FILES = {
    "debian/bookworm/kubeadm_1.35.6-1.1_amd64.deb": b"kubeadm package",
    "images.yml": b"- {archive: pause.tar, image: registry.k8s.io/pause:3.10.1}\n",
    "images/my pause.tar": b"an image whose name has a space",
    "images/pause.tar": BIG,  # the last member of the archive
}
REFUSED_MEMBER = "%s: a member a bundle may not have (link, device, path outside it)"


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def _write(root, files):
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _entry(path, data, **fields):
    """A manifest entry for a file holding data."""
    return dict(fields, path=path, size=len(data), sha256=_sha(data))


def _manifest(*entries):
    return {"format": 1, "bundle": {}, "files": list(entries)}


def _packed(tmp_path, files=None):
    """(archive, manifest bytes) of the tree of files, packed by bundle.pack into tmp_path/out."""
    root = _write(tmp_path / "tree", FILES if files is None else files)
    data = bdl.dump_manifest(bdl.build_manifest(str(root)))
    (root / "manifest.json").write_bytes(data)
    archive = tmp_path / "out" / "bundle.tar"
    archive.parent.mkdir()
    assert bdl.pack(str(root), data, str(archive)) == _sha(archive.read_bytes())
    return archive, data


def _member(name, data=None, kind=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.size = len(data or b"")
    return info, data


def _craft(path, members):
    """A tar archive of exactly these (TarInfo, data) members, in this order."""
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, None if data is None else io.BytesIO(data))
    return path


def _tree_of(top):
    """({relative directory}, {relative file: bytes}) below top."""
    dirs, files = set(), {}
    for directory, subdirs, names in os.walk(top):
        rel = os.path.relpath(directory, top)
        dirs.update(os.path.normpath(os.path.join(rel, d)) for d in subdirs)
        for name in names:
            with open(os.path.join(directory, name), "rb") as handle:
                files[os.path.normpath(os.path.join(rel, name))] = handle.read()
    return dirs, files


@pytest.fixture
def temporaries(monkeypatch):
    """Every temporary file and directory tempfile makes during the test (made for real, only noted)."""
    made = []

    def noting(real):
        def make(*args, **kwargs):
            result = real(*args, **kwargs)
            made.append(result[1] if isinstance(result, tuple) else result)
            return result
        return make
    monkeypatch.setattr(tempfile, "mkstemp", noting(tempfile.mkstemp))
    monkeypatch.setattr(tempfile, "mkdtemp", noting(tempfile.mkdtemp))
    return made


def _where(paths):
    """(directory, name prefix, still there) of temporaries: tempfile adds 8 random characters."""
    return [(os.path.dirname(p), os.path.basename(p)[:-8], os.path.exists(p)) for p in paths]


# --- digests, paths, scan -------------------------------------------------------------------------

def test_file_digest_counts_every_read_of_a_large_file(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(BIG)
    assert bdl.file_digest(str(path)) == (len(BIG), _sha(BIG))


@pytest.mark.parametrize("path,ok", [
    (".", False), ("a/.", False), ("a/./b", False), (5, False), (["a"], False),
    ("images/my pause.tar", True), ("a.b/.c", True),
])
def test_safe_path_refuses_the_tree_itself_and_what_is_not_a_string(path, ok):
    assert bdl.safe_path(path) is ok


def test_scan_leaves_out_the_manifest_and_its_temporary_file_at_the_top_only(tmp_path):
    """manifest.json.tmp is what the manifest is written through: a leftover is no bundle file; deeper down
    both names are ordinary files."""
    root = _write(tmp_path, {"manifest.json": b"{}", "manifest.json.tmp": b"{", "d/manifest.json": b"1",
                             "d/manifest.json.tmp": b"2", "manifest.json.tmp2": b"3"})
    assert bdl.scan(str(root)) == ["d/manifest.json", "d/manifest.json.tmp", "manifest.json.tmp2"]


def test_scan_refuses_links_and_special_files_naming_all_of_them(tmp_path):
    root = _write(tmp_path, {"a/file": b"x", "b/file": b"y"})
    os.mkfifo(root / "a" / "pipe")
    os.symlink("/etc/passwd", root / "b" / "link")
    message = "the bundle may hold regular files and directories only; not: a/pipe, b/link"
    with raises_exactly(bdl.BundleError, message):
        bdl.scan(str(root))
    assert bdl.verify(str(root), _manifest()) == [message]


# --- what a file is -------------------------------------------------------------------------------

@pytest.mark.parametrize("name,fields", [
    ("libc6_2.36-9%3a2_amd64.deb", ("libc6", "2.36-9:2", "amd64")),
    ("libc6_1%3A2.36-9_amd64.deb", ("libc6", "1:2.36-9", "amd64")),
    ("debian/bookworm/tzdata_2025a-0+deb12u1_all.deb", ("tzdata", "2025a-0+deb12u1", "all")),
    ("debian/bookworm/not-a-package.deb", None),
])
def test_deb_fields_reads_apts_file_names_with_either_case_of_escaped_epoch(name, fields):
    assert bdl.deb_fields(name) == fields


def _described(kind, name, version="", **more):
    return dict(more, kind=kind, name=name, version=version, source=more.get("source", ""))


@pytest.mark.parametrize("path,given,expected", [
    ("images/pause.tar", None, _described("image", "pause.tar")),
    ("images/pause.tar", {"kind": "file"}, _described("file", "pause.tar")),
    ("images/pause.tar", {"kind": "image", "name": "registry.k8s.io/pause", "version": "3.10.1", "source": "s"},
     _described("image", "registry.k8s.io/pause", "3.10.1", source="s")),
    ("images/notes.txt", None, _described("file", "notes.txt")),
    ("other/pause.tar", None, _described("file", "pause.tar")),
    ("images.yml", None, _described("file", "images.yml")),
    ("debian/bookworm/kubeadm_1.35.6-1.1_amd64.deb", None,
     _described("deb", "kubeadm", "1.35.6-1.1", architecture="amd64", release="bookworm")),
    ("pool/bookworm/kubeadm_1.35.6-1.1_amd64.deb", None, _described("deb", "kubeadm", "1.35.6-1.1", architecture="amd64")),
    ("debian/kubeadm_1.35.6-1.1_amd64.deb", None, _described("deb", "kubeadm", "1.35.6-1.1", architecture="amd64")),
    ("debian/bookworm/kubeadm_1.35.6-1.1_amd64.deb", {"name": "kubeadm-fork", "source": "https://pkgs"},
     _described("deb", "kubeadm-fork", "1.35.6-1.1", architecture="amd64", release="bookworm", source="https://pkgs")),
    ("debian/bookworm/odd.deb", None, _described("deb", "odd.deb")),
])
def test_describe_keeps_what_the_builder_said_and_reads_the_rest_from_the_name(path, given, expected):
    assert bdl.describe(path, given) == expected


# --- build, dump and parse the manifest -----------------------------------------------------------

IMAGES_YML = b"""\
- {archive: pause.tar, image: "registry.local:5000/pause:3.10"}
- {archive: notag.tar, image: "registry.local:5000/notag"}
- {archive: plain.tar, image: plain}
- {archive: gone.tar, image: "registry.local/gone:1"}
- not a mapping
"""
BUILD = {
    "debian/bookworm/kubeadm_1.35.6-1.1_amd64.deb": b"kubeadm",
    "images.yml": IMAGES_YML,
    "images/notag.tar": b"no tag",
    "images/pause.tar": b"pause",
    "images/plain.tar": b"plain",
}


def test_build_manifest_describes_every_file_and_adds_their_sizes(tmp_path):
    root = _write(tmp_path, BUILD)
    info = {"kubernetes_versions": ["1.35.6"]}
    deb = "debian/bookworm/kubeadm_1.35.6-1.1_amd64.deb"
    assert bdl.build_manifest(str(root), info=info) == {
        "format": 1, "bundle": info, "size": sum(len(d) for d in BUILD.values()),
        "files": [
            _entry(deb, BUILD[deb], **_described("deb", "kubeadm", "1.35.6-1.1", architecture="amd64", release="bookworm")),
            _entry("images.yml", IMAGES_YML, **_described("file", "images.yml")),
            # a reference without a tag (the ':' is the registry's port) names no image
            _entry("images/notag.tar", b"no tag", **_described("image", "notag.tar")),
            _entry("images/pause.tar", b"pause", **_described("image", "registry.local:5000/pause", "3.10")),
            _entry("images/plain.tar", b"plain", **_described("image", "plain.tar")),
        ]}


def test_build_manifest_prefers_the_builders_artifacts_to_images_yml(tmp_path):
    root = _write(tmp_path, BUILD)
    artifacts = [{"path": "images/pause.tar", "name": "mirror.local/pause", "source": "https://mirror.local"}]
    entry = [e for e in bdl.build_manifest(str(root), artifacts)["files"] if e["path"] == "images/pause.tar"]
    expected = _entry("images/pause.tar", b"pause")
    expected.update(_described("image", "mirror.local/pause", "3.10", source="https://mirror.local"))
    assert entry == [expected]


@pytest.mark.parametrize("text", [b"5\n", b"true\n", b"{archive: pause.tar, image: x/pause:1}\n", b"just text\n", b""])
def test_build_manifest_ignores_an_images_yml_that_is_not_a_list(tmp_path, text):
    root = _write(tmp_path, {"images.yml": text, "images/pause.tar": b"pause"})
    assert bdl.build_manifest(str(root))["files"][1] == _entry("images/pause.tar", b"pause", **_described("image", "pause.tar"))


def test_build_manifest_names_every_bad_artifact_at_once(tmp_path):
    root = _write(tmp_path, BUILD)
    artifacts = [{"path": "../x"}, "images.yml", {"path": "images.yml", "kind": "rpm"}, {"path": "a.deb"}, {"path": "b.deb"}]
    with raises_exactly(bdl.BundleError, "artifact {'path': '../x'} needs a relative path inside the bundle; "
                        "artifact 'images.yml' needs a relative path inside the bundle; "
                        "artifact images.yml: kind must be one of deb, image, index, file, got 'rpm'; "
                        "described but not in the bundle: a.deb, b.deb"):
        bdl.build_manifest(str(root), artifacts)


def test_dump_manifest_is_sorted_indented_ascii():
    assert bdl.dump_manifest({"b": 1, "a": ["\u00e9t\u00e9"]}) == b'{\n "a": [\n  "\\u00e9t\\u00e9"\n ],\n "b": 1\n}\n'


def test_parse_manifest_returns_a_good_manifest():
    manifest = _manifest(_entry("a", b"a", kind="file"))
    assert bdl.parse_manifest(bdl.dump_manifest(manifest)) == manifest


def test_parse_manifest_names_invalid_json_with_the_parsers_reason():
    with pytest.raises(ValueError) as reason:
        json.loads("{")
    with raises_exactly(bdl.BundleError, "manifest.json of x.tar is not valid JSON (%s)" % reason.value):
        bdl.parse_manifest(b"{", "manifest.json of x.tar")


@pytest.mark.parametrize("manifest", [[], {"files": []}, {"format": 2, "files": []}, {"format": 1, "files": {}},
                                      {"format": 1}])
def test_parse_manifest_refuses_another_shape(manifest):
    with raises_exactly(bdl.BundleError, "manifest.json is not a seed.kubeadm bundle manifest of format 1"):
        bdl.parse_manifest(json.dumps(manifest).encode())


@pytest.mark.parametrize("entry", [
    {"path": "manifest.json", "size": 1, "sha256": "0" * 64},
    {"path": "a", "size": "1", "sha256": "0" * 64},
    {"path": "a", "size": 1, "sha256": "0" * 63},
    {"path": "a", "size": 1, "sha256": "A" * 64},
    {"path": ".", "size": 1, "sha256": "0" * 64},
    {"size": 1, "sha256": "0" * 64},
    "a",
])
def test_parse_manifest_refuses_a_malformed_entry_naming_it(entry):
    data = json.dumps(_manifest(_entry("ok", b"ok"), entry)).encode()
    with raises_exactly(bdl.BundleError, "manifest.json has a malformed entry: %r" % (entry,)):
        bdl.parse_manifest(data)


def test_load_manifest_returns_it_with_its_bytes_or_says_how_to_build_it(tmp_path):
    path = os.path.join(str(tmp_path), "manifest.json")
    with raises_exactly(bdl.BundleError, "the bundle has no readable manifest.json ([Errno 2] No such file or directory: "
                        "'%s'): build it with playbooks/offline_bundle.yml" % path):
        bdl.load_manifest(str(tmp_path))
    data = bdl.dump_manifest(_manifest())
    (tmp_path / "manifest.json").write_bytes(data)
    assert bdl.load_manifest(str(tmp_path)) == (_manifest(), data)


# --- verify a tree and an archive -----------------------------------------------------------------

@pytest.mark.parametrize("size,sha,problem", [
    (4, "f" * 64, None),
    (3, "f" * 64, "a/b: 3 bytes, the manifest says 4 (truncated or replaced)"),
    (4, "e" * 64, "a/b: SHA-256 %s, the manifest says %s (altered)" % ("e" * 64, "f" * 64)),
])
def test_entry_problem(size, sha, problem):
    assert bdl.entry_problem("a/b", size, sha, {"size": 4, "sha256": "f" * 64}) == problem


# The manifest of the damaged trees and archives: b is longer, c altered, d absent.
DAMAGED = _manifest(_entry("a", b"alpha"), _entry("b", b"bravo"), _entry("c", b"charliE"), _entry("d", b"delta"))
DAMAGE = ["b: 6 bytes, the manifest says 5 (truncated or replaced)",
          "c: SHA-256 %s, the manifest says %s (altered)" % (_sha(b"charlie"), _sha(b"charliE"))]
DAMAGED_FILES = {"a": b"alpha", "b": b"bravo!", "c": b"charlie", "extra.txt": b"x"}


def test_verify_names_every_difference_of_a_tree_in_manifest_order(tmp_path):
    root = _write(tmp_path, dict(DAMAGED_FILES, **{"y/extra": b"y"}))
    manifest = _manifest(*([DAMAGED["files"][0]] * 2 + [_entry("0-gone", b"")] + DAMAGED["files"][1:]))
    assert bdl.verify(str(root), manifest) == (
        ["a: listed twice in the manifest", "0-gone: missing"] + DAMAGE
        + ["d: missing", "extra.txt: not in the manifest", "y/extra: not in the manifest"])


def _damaged_members(refused=True):
    """The members of an archive of DAMAGED: a link and a path leaving the tree, then files."""
    members = [_member("manifest.json", bdl.dump_manifest(DAMAGED)), _member("sub/", kind=tarfile.DIRTYPE)]
    if refused:
        members += [_member("sub/passwd", kind=tarfile.SYMTYPE, linkname="/etc/passwd"), _member("../outside", b"x")]
    # the file the manifest does not name comes first: the files after it are still checked
    return members + [_member(name, DAMAGED_FILES[name]) for name in ("extra.txt", "a", "b", "c")]


def test_verify_archive_names_every_bad_member_and_every_difference(tmp_path):
    archive = _craft(tmp_path / "bad.tar", _damaged_members())
    assert bdl.verify_archive(str(archive), DAMAGED) == (
        [REFUSED_MEMBER % "sub/passwd", REFUSED_MEMBER % "../outside", "extra.txt: not in the manifest"] + DAMAGE
        + ["d: missing"])


def test_verify_archive_of_an_absent_archive_names_it_and_every_file(tmp_path):
    archive = str(tmp_path / "absent.tar")
    assert bdl.verify_archive(archive, DAMAGED) == [
        "%s is truncated or damaged ([Errno 2] No such file or directory: '%s')" % (archive, archive),
        "a: missing", "b: missing", "c: missing", "d: missing"]


def test_verify_archive_accepts_the_packed_bundle_with_a_file_larger_than_one_read(tmp_path):
    archive, data = _packed(tmp_path)
    assert bdl.verify_archive(str(archive), json.loads(data)) == []


def _cut(archive, tmp_path):
    """The archive cut short inside the data of its last member (images/pause.tar)."""
    with tarfile.open(archive) as tar:
        offset = tar.getmember("images/pause.tar").offset_data
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[:offset + 1000])
    return cut


def test_verify_archive_names_an_archive_cut_short(tmp_path):
    archive, data = _packed(tmp_path)
    cut = _cut(archive, tmp_path)
    assert bdl.verify_archive(str(cut), json.loads(data)) == ["%s is truncated or damaged (unexpected end of data)" % cut]


def _slashed(tmp_path):
    """An archive whose images.yml member is named 'images.yml/' (a regular file, not a directory)."""
    data = b"- x\n"
    manifest = _manifest(_entry("images.yml", data, kind="file"))
    return _craft(tmp_path / "slashed.tar", [_member("manifest.json", bdl.dump_manifest(manifest)),
                                             _member("images.yml/", data)]), manifest, data


def test_a_trailing_slash_is_not_part_of_a_members_path(tmp_path):
    archive, manifest, data = _slashed(tmp_path)
    assert bdl.verify_archive(str(archive), manifest) == []
    parent = tmp_path / "bundles"
    parent.mkdir()
    final = bdl.unpack(str(archive), str(parent))[1]
    assert _tree_of(final) == (set(), {"manifest.json": bdl.dump_manifest(manifest), "images.yml": data})


# --- pack -----------------------------------------------------------------------------------------

def test_pack_writes_directories_then_sorted_files_without_owners_or_time(tmp_path):
    archive, data = _packed(tmp_path)
    with tarfile.open(archive) as tar:
        members = [(m.name, m.type, m.mode, m.mtime, m.uid, m.gid, m.uname, m.gname, m.size) for m in tar]
    directory = (tarfile.DIRTYPE, 0o755, 0, 0, 0, "", "", 0)
    assert members == (
        [("manifest.json", tarfile.REGTYPE, 0o644, 0, 0, 0, "", "", len(data))]
        + [(name,) + directory for name in ("debian", "debian/bookworm", "images")]
        + [(name, tarfile.REGTYPE, 0o644, 0, 0, 0, "", "", len(FILES[name])) for name in sorted(FILES)])
    # GNU tar's own format (what busybox and old tars read), the archive readable by the web server
    assert archive.read_bytes()[257:265] == tarfile.GNU_MAGIC
    assert os.stat(archive).st_mode & 0o777 == 0o644


def test_pack_writes_a_hidden_temporary_file_next_to_the_archive(tmp_path, temporaries):
    archive = _packed(tmp_path)[0]
    assert _where(temporaries) == [(str(archive.parent), ".seed-bundle.", False)]
    assert os.listdir(archive.parent) == ["bundle.tar"]


def test_pack_that_fails_leaves_no_temporary_file(tmp_path):
    root = _write(tmp_path / "tree", {"a": b"a"})
    out = tmp_path / "out"
    out.mkdir()
    data = bdl.dump_manifest(_manifest(_entry("a", b"a"), _entry("gone", b"g")))
    with pytest.raises(FileNotFoundError):
        bdl.pack(str(root), data, str(out / "bundle.tar"))
    assert os.listdir(out) == []


# --- unpack ---------------------------------------------------------------------------------------

@pytest.fixture
def parent(tmp_path):
    path = tmp_path / "bundles"
    path.mkdir()
    return path


def test_unpack_gives_the_verified_tree_world_readable_under_its_id(tmp_path, parent, temporaries):
    archive, data = _packed(tmp_path)
    del temporaries[:]
    ident = _sha(data)[:16]
    assert bdl.unpack(str(archive), str(parent)) == (ident, str(parent / ident), json.loads(data))
    assert os.listdir(parent) == [ident]
    assert _tree_of(parent / ident) == ({"debian", "debian/bookworm", "images"}, dict(FILES, **{"manifest.json": data}))
    for directory, dirs, names in os.walk(parent / ident):
        assert os.stat(directory).st_mode & 0o777 == 0o755, directory
        assert [os.stat(os.path.join(directory, n)).st_mode & 0o777 for n in names] == [0o644] * len(names)
    assert _where(temporaries) == [(str(parent), ".unpack.", False)]


def test_unpack_replaces_an_altered_copy_through_hidden_directories(tmp_path, parent, temporaries):
    archive, data = _packed(tmp_path)
    final = bdl.unpack(str(archive), str(parent))[1]
    with open(os.path.join(final, "images.yml"), "wb") as handle:
        handle.write(b"- evil\n")
    del temporaries[:]
    assert bdl.unpack(str(archive), str(parent))[1] == final
    assert _tree_of(final)[1] == dict(FILES, **{"manifest.json": data})
    assert os.listdir(parent) == [os.path.basename(final)]
    assert _where(temporaries) == [(str(parent), ".unpack.", False), (str(parent), ".replaced.", False)]


def _refused(archive, parent, message):
    """unpack raises exactly message and leaves nothing below parent."""
    with raises_exactly(bdl.BundleError, message):
        bdl.unpack(str(archive), str(parent))
    assert os.listdir(parent) == []


def test_unpack_of_an_absent_archive(tmp_path, parent):
    archive = str(tmp_path / "absent.tar")
    _refused(archive, parent, "%s is not a readable tar archive ([Errno 2] No such file or directory: '%s')"
             % (archive, archive))


def test_unpack_of_an_archive_cut_short(tmp_path, parent):
    cut = _cut(_packed(tmp_path)[0], tmp_path)
    _refused(cut, parent, "%s is truncated or damaged (unexpected end of data)" % cut)


def test_unpack_writes_nothing_relative_to_the_current_directory(tmp_path, parent, monkeypatch):
    archive = _craft(tmp_path / "nomanifest.tar", [_member("sub/file", b"x")])
    (tmp_path / "cwd" / "sub").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "cwd")
    with pytest.raises(bdl.BundleError, match="^the bundle has no readable manifest.json "):
        bdl.unpack(str(archive), str(parent))
    assert os.listdir(tmp_path / "cwd" / "sub") == [] and os.listdir(parent) == []


def test_unpack_refuses_links_and_paths_leaving_the_tree_naming_all(tmp_path, parent):
    archive = _craft(tmp_path / "bad.tar", _damaged_members())
    _refused(archive, parent, "%s holds members a bundle may not have (links, devices, paths outside it): "
             "../outside, sub/passwd" % archive)
    assert not (tmp_path / "outside").exists() and not (parent.parent / "outside").exists()


def test_unpack_refuses_an_archive_that_differs_from_its_manifest_naming_every_file(tmp_path, parent):
    archive = _craft(tmp_path / "bad.tar", _damaged_members(refused=False))
    _refused(archive, parent, "the bundle %s is refused, nothing of it is served: %s"
             % (archive, "; ".join(DAMAGE + ["d: missing", "extra.txt: not in the manifest"])))


# --- what a run needs and the bundle lacks --------------------------------------------------------

def _deb(name, version="1.0", release="bookworm", **more):
    return dict(more, kind="deb", name=name, version=version, release=release)


def _image(ref):
    name, tag = ref.rsplit(":", 1)
    return {"kind": "image", "name": name, "version": tag}


def _needs(files, hosts, bundle=None, **kwargs):
    return bdl.missing({"format": 1, "files": files, "bundle": bundle or {}}, hosts, **kwargs)


@pytest.mark.parametrize("ref,name", [
    ("busybox", "docker.io/library/busybox:latest"),
    (" busybox:1 ", "docker.io/library/busybox:1"),
    ("bitnami/kubectl:1.30", "docker.io/bitnami/kubectl:1.30"),
    ("foo/bar", "docker.io/foo/bar:latest"),
    ("acme/tools.v2/cli:1.0", "docker.io/acme/tools.v2/cli:1.0"),
    ("registry:5000/pause:3.10", "registry:5000/pause:3.10"),
    ("registry:5000/pause", "registry:5000/pause:latest"),
    ("localhost/pause", "localhost/pause:latest"),
    ("registry.k8s.io/pause@sha256:" + "a" * 64, "registry.k8s.io/pause@sha256:" + "a" * 64),
    ("pause@deadbeef", "docker.io/library/pause@deadbeef"),
    ("registry.io/team:x/app", "registry.io/team:x/app:latest"),
    ("registry.io//pause", "registry.io//pause:latest"),
])
def test_missing_names_images_with_their_registry_as_docker_does(ref, name):
    assert _needs([_deb("x")], {"h": {"release": "bookworm", "images": [ref]}}) == ["image %s, needed by h" % name]


@pytest.mark.parametrize("files,host,needed", [
    # no release anywhere: the host's packages are looked up among the packages without one
    ([{"kind": "deb", "name": "tzdata"}], {"packages": ["tzdata", "tzdata=2025a"]},
     ["package tzdata=2025a for  (the bundle has ), needed by h"]),
    ([_deb("tzdata")], {"packages": ["tzdata"]}, ["packages for an unknown release (the bundle has bookworm), needed by h"]),
    ([], {"release": "bookworm", "packages": ["tzdata"]}, ["packages for bookworm (the bundle has none), needed by h"]),
    ([_deb("kubeadm", "1.35.6-1.1"), _deb("kubeadm", "1.35.7-1.1")], {"release": "bookworm", "packages": ["kubeadm=1.34.*"]},
     ["package kubeadm=1.34.* for bookworm (the bundle has 1.35.6-1.1, 1.35.7-1.1), needed by h"]),
    # the epoch is dropped once: what follows may hold ':' itself
    ([_deb("odd", "1:2.0:3-1")], {"release": "bookworm", "packages": ["odd=2.0:3-*"]}, []),
    # the version is everything after the first '='
    ([_deb("foo", "1.0")], {"release": "bookworm", "packages": ["foo=1.0=x"]},
     ["package foo=1.0=x for bookworm (the bundle has 1.0), needed by h"]),
])
def test_missing_packages(files, host, needed):
    assert _needs(files, {"h": host}) == needed


def test_missing_checks_a_debian_architecture_it_has_no_machine_name_for():
    files = [_deb("kubeadm", architecture="amd64"), _deb("tzdata", architecture="all")]
    assert _needs(files, {"h": {"release": "bookworm", "packages": ["kubeadm", "tzdata"]}}, architectures={"h": "mips64el"}) == [
        "package kubeadm for bookworm/mips64el, needed by h"]


def test_missing_ignores_the_architecture_of_images_the_bundle_does_not_record():
    files = [_deb("kubeadm", architecture="amd64"), _image("registry.k8s.io/pause:3.10.1")]
    assert _needs(files, {"h": {"release": "bookworm", "packages": ["kubeadm"], "images": ["registry.k8s.io/pause:3.10.1"]}},
                  architectures={"h": "x86_64"}) == []


@pytest.mark.parametrize("recorded,versions,needed", [
    ({"1.34.3": [], "v1.35.6": ["registry.k8s.io/etcd:3.6.6-0"]}, ["1.33.0", "v1.35.6"],
     ["Kubernetes 1.33.0: the bundle was built for 1.34.3, 1.35.6, needed by all",
      "image registry.k8s.io/etcd:3.6.6-0 (kubeadm 1.35.6 lists it), needed by all"]),
    ({}, ["1.35.6"], ["Kubernetes 1.35.6: the bundle was built for no version, needed by all"]),
    # only a leading 'v' is dropped from a version
    ({"X1.35.6": []}, ["X1.35.6"], []),
])
def test_missing_checks_the_images_kubeadm_lists_for_each_version(recorded, versions, needed):
    assert _needs([_deb("x")], {}, {"kubeadm_images": recorded}, versions=versions) == needed


# --- the plan -------------------------------------------------------------------------------------

def test_plan_keeps_the_first_value_of_a_key_for_a_version():
    listed = [{"kube": [{"version": "1.35.6", "repository": "first"}]}, {"kube": [{"version": "1.35.6", "repository": "second"}]}]
    assert bdl.plan(listed)["kube"] == [{"version": "1.35.6", "packages": [], "repository": "first"}]


@pytest.mark.parametrize("listed,ordered", [
    (["1.10.0", "1.9.1"], ["1.9.1", "1.10.0"]),
    (["v1.10.0", "1.9.1"], ["1.9.1", "v1.10.0"]),
    (["1.9.1", "1.9.x"], ["1.9.x", "1.9.1"]),  # a part that is not a number counts as 0
    (["1.0.0", "X1.9.0"], ["X1.9.0", "1.0.0"]),  # only a leading 'v' is dropped
])
def test_plan_orders_kubernetes_versions_by_number(listed, ordered):
    plan = bdl.plan([{"kube": [{"version": v} for v in listed]}])
    assert [entry["version"] for entry in plan["kube"]] == ordered
