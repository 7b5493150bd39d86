# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""seed.kubeadm.offline_bundle on real trees and real tar archives.

The archives are also read with GNU tar, and an archive is tampered with in every way a file on a
USB stick or a half-finished copy can differ: a byte changed, a file cut short, a file added, a
file taken out, a symbolic link or a path leaving the tree slipped in.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile

import pytest

import kubeadm_testlib as lib
from ansible_collections.seed.kubeadm.plugins.module_utils import bundle as bdl
from ansible_collections.seed.kubeadm.plugins.modules import offline_bundle


def _tree(root, extra=None):
    files = {
        "debian/bookworm/containerd_1.6.20~ds1-1+b1_amd64.deb": b"containerd package" * 100,
        "debian/bookworm/kubeadm_1.35.6-1.1_amd64.deb": b"kubeadm package",
        "debian/bookworm/libc6_2.36-9%3a2_amd64.deb": b"epoch in the name",
        "images/pause_3.10.1.tar": b"image archive",
        "images.yml": b"- {archive: pause_3.10.1.tar, image: registry.k8s.io/pause:3.10.1}\n",
    }
    files.update(extra or {})
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def _run(args, check_mode=False):
    return lib.run_module(offline_bundle, args, check_mode=check_mode)


def _outcome(result):
    """The module's result without the echo of its arguments and the raw output."""
    return {k: v for k, v in result.items() if k not in ("invocation", "_raw")}


def _summary(result):
    """The fields every successful run reports about the bundle."""
    return {k: result[k] for k in ("bundle_id", "bundle_size", "files", "info")}


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


ARTIFACTS = [{"path": "images/pause_3.10.1.tar", "kind": "image", "name": "registry.k8s.io/pause",
              "version": "3.10.1", "source": "registry.k8s.io/pause:3.10.1"}]


def _packed(tmp_path, name="bundle.tar"):
    root = tmp_path / "tree"
    files = _tree(root)
    archive = tmp_path / name
    result, code = _run({"state": "packed", "path": str(root), "archive": str(archive), "artifacts": ARTIFACTS,
                         "info": {"kubernetes_versions": ["1.35.6"]}})
    assert code == 0, result
    return root, files, archive, result


def test_manifest_describes_every_file(tmp_path):
    root, files, archive, result = _packed(tmp_path)
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["format"] == 1 and manifest["bundle"] == {"kubernetes_versions": ["1.35.6"]}
    by_path = {e["path"]: e for e in manifest["files"]}
    assert sorted(by_path) == sorted(files)
    for path, data in files.items():
        assert by_path[path]["size"] == len(data)
        assert by_path[path]["sha256"] == hashlib.sha256(data).hexdigest()
    assert by_path["debian/bookworm/libc6_2.36-9%3a2_amd64.deb"]["version"] == "2.36-9:2"
    kubeadm = by_path["debian/bookworm/kubeadm_1.35.6-1.1_amd64.deb"]
    assert (kubeadm["kind"], kubeadm["name"], kubeadm["version"], kubeadm["release"], kubeadm["architecture"]) == (
        "deb", "kubeadm", "1.35.6-1.1", "bookworm", "amd64")
    assert by_path["images/pause_3.10.1.tar"]["source"] == "registry.k8s.io/pause:3.10.1"
    assert (by_path["images/pause_3.10.1.tar"]["name"], by_path["images/pause_3.10.1.tar"]["version"]) == ("registry.k8s.io/pause", "3.10.1")
    assert by_path["images.yml"]["kind"] == "file"
    assert result["files"] == {"deb": 3, "image": 1, "file": 1}
    assert result["bundle_size"] == sum(len(d) for d in files.values())
    assert result["bundle_id"] == hashlib.sha256((root / "manifest.json").read_bytes()).hexdigest()[:16]
    # GNU tar reads it: the manifest first, then every file, no owners, no time stamps.
    listing = subprocess.run(["tar", "-tvf", str(archive)], check=True, capture_output=True, text=True).stdout
    names = [line.split()[-1] for line in listing.splitlines()]
    assert names[0] == "manifest.json"
    assert sorted(n for n in names if not n.endswith("/")) == sorted(list(files) + ["manifest.json"])
    assert all(" 0/0 " in line and "1970-01-01" in line for line in listing.splitlines())
    assert result["archive_sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()


def test_same_inputs_same_manifest_and_archive_and_idempotent(tmp_path):
    first, one = _packed(tmp_path / "a")[2:]
    second, two = _packed(tmp_path / "b")[2:]
    assert first.read_bytes() == second.read_bytes()
    assert one["bundle_id"] == two["bundle_id"]
    again, code = _run({"state": "packed", "path": str(tmp_path / "a" / "tree"), "archive": str(first), "artifacts": ARTIFACTS,
                        "info": {"kubernetes_versions": ["1.35.6"]}})
    assert code == 0 and again["changed"] is False
    # One changed byte in one file: another manifest, another archive, reported as a change.
    (tmp_path / "a" / "tree" / "images.yml").write_bytes(b"[]\n")
    changed, code = _run({"state": "packed", "path": str(tmp_path / "a" / "tree"), "archive": str(first),
                          "artifacts": ARTIFACTS, "info": {"kubernetes_versions": ["1.35.6"]}}, check_mode=True)
    assert code == 0 and changed["changed"] is True and changed["bundle_id"] != one["bundle_id"]
    assert first.read_bytes() == second.read_bytes(), "check mode wrote the archive"


def test_unpack_verifies_and_is_idempotent(tmp_path):
    files, archive, packed = _packed(tmp_path)[1:]
    dest = tmp_path / "bundles"
    final = str(dest / packed["bundle_id"])
    check, code = _run({"state": "unpacked", "archive": str(archive), "dest": str(dest)}, check_mode=True)
    assert code == 0 and not dest.exists()
    assert _outcome(check) == dict(_summary(packed), changed=True, bundle_path=final)
    result, code = _run({"state": "unpacked", "archive": str(archive), "dest": str(dest)})
    assert code == 0
    assert _outcome(result) == dict(_summary(packed), changed=True, bundle_path=final, archive_sha256=_sha256(archive))
    for path, data in files.items():
        assert (dest / packed["bundle_id"] / path).read_bytes() == data
    assert sorted(os.listdir(dest)) == [packed["bundle_id"]], "a temporary directory was left behind"
    # Served by a web server running as another user: every directory and file is world-readable.
    for directory, dirs, names in os.walk(dest / packed["bundle_id"]):
        assert os.stat(directory).st_mode & 0o777 == 0o755, directory
        assert all(os.stat(os.path.join(directory, n)).st_mode & 0o777 == 0o644 for n in names)
    again, code = _run({"state": "unpacked", "archive": str(archive), "dest": str(dest)})
    assert code == 0 and _outcome(again) == dict(_summary(packed), changed=False, bundle_path=final)
    verified, code = _run({"state": "verified", "path": final})
    assert code == 0 and _outcome(verified) == dict(_summary(packed), changed=False, bundle_path=final)
    # A file altered after unpacking: verified fails naming it, unpacked again repairs the tree.
    (dest / packed["bundle_id"] / "images.yml").write_bytes(b"- evil\n")
    bad, code = _run({"state": "verified", "path": result["bundle_path"]})
    assert code == 1 and "images.yml" in bad["msg"] and bad["problems"] == [p for p in bad["problems"] if "images.yml" in p]
    repaired, code = _run({"state": "unpacked", "archive": str(archive), "dest": str(dest)})
    assert code == 0 and repaired["changed"] is True
    assert (dest / packed["bundle_id"] / "images.yml").read_bytes() == files["images.yml"]


def _rewrite(archive, target, change):
    """Copy an archive member by member, letting change(member, data) alter, drop (None) or add members."""
    out = io.BytesIO()
    with tarfile.open(archive) as src, tarfile.open(fileobj=out, mode="w") as dst:
        for member in src:
            data = src.extractfile(member).read() if member.isfile() else None
            for new_member, new_data in change(member, data):
                if new_data is not None:
                    new_member.size = len(new_data)
                    dst.addfile(new_member, io.BytesIO(new_data))
                else:
                    dst.addfile(new_member)
    target.write_bytes(out.getvalue())


def _link(name, target):
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info


def _file(name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


TAMPERING = {
    "byte changed": (lambda m, d: [(m, d.replace(b"kubeadm", b"kubeadx") if m.name.endswith(".deb") else d)], ["kubeadm_1.35.6-1.1_amd64.deb: SHA-256"]),
    "file cut short": (lambda m, d: [(m, d[:5] if d and m.name.startswith("images/") else d)], ["images/pause_3.10.1.tar: 5 bytes"]),
    "file added": (lambda m, d: [(m, d)] + ([_file("debian/bookworm/evil_1_all.deb", b"x")] if m.name == "images.yml" else []),
                   ["debian/bookworm/evil_1_all.deb: not in the manifest"]),
    "file taken out": (lambda m, d: [] if m.name == "images.yml" else [(m, d)], ["images.yml: missing"]),
    "symbolic link": (lambda m, d: [(m, d)] + ([(_link("debian/bookworm/passwd", "/etc/passwd"), None)] if m.name == "images.yml" else []),
                      ["debian/bookworm/passwd"]),
    "path leaving the tree": (lambda m, d: [(m, d)] + ([_file("../outside", b"x")] if m.name == "images.yml" else []), ["../outside"]),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampered_archive_is_refused_naming_the_file(tmp_path, case):
    change, expected = TAMPERING[case]
    archive, packed = _packed(tmp_path)[2:]
    bad = tmp_path / "bad.tar"
    _rewrite(archive, bad, change)
    dest = tmp_path / "bundles"
    dest.mkdir()
    for check_mode in (True, False):
        result, code = _run({"state": "unpacked", "archive": str(bad), "dest": str(dest)}, check_mode=check_mode)
        assert code == 1, (case, check_mode, result)
        for text in expected:
            assert text in result["msg"], (case, check_mode, result["msg"])
    assert os.listdir(dest) == [], "a refused bundle left files behind"
    assert not (tmp_path / "outside").exists()
    # The same damage is reported when the intact bundle of that manifest is already unpacked.
    good, code = _run({"state": "unpacked", "archive": str(archive), "dest": str(dest)})
    assert code == 0
    result, code = _run({"state": "unpacked", "archive": str(bad), "dest": str(dest)})
    assert code == 1 and all(text in result["msg"] for text in expected), (case, result)
    assert os.listdir(dest) == [packed["bundle_id"]]


def test_truncated_archive_and_foreign_archive_are_refused(tmp_path):
    archive = _packed(tmp_path)[2]
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[:3000])  # inside the files, not in the padding
    dest = tmp_path / "bundles"
    result, code = _run({"state": "unpacked", "archive": str(cut), "dest": str(dest)})
    assert code == 1 and ("truncated" in result["msg"] or "missing" in result["msg"]), result["msg"]
    assert not dest.exists() or os.listdir(dest) == []
    foreign = tmp_path / "foreign.tar"
    with tarfile.open(foreign, "w") as tar:
        info, data = _file("debian/x.deb", b"x")
        tar.addfile(info, io.BytesIO(data))
    result, code = _run({"state": "unpacked", "archive": str(foreign), "dest": str(dest)})
    assert (code, result["msg"]) == (1, "%s does not start with a bundle manifest (manifest.json): "
                                        "build it with playbooks/offline_bundle.yml" % foreign)
    result, code = _run({"state": "read", "archive": str(foreign)})
    assert (code, result["msg"]) == (1, "%s is not a bundle archive (it does not start with manifest.json)" % foreign)
    for state in ("unpacked", "read"):
        result, code = _run({"state": state, "archive": str(tmp_path / "nothing.tar"), "dest": str(dest)})
        assert (code, result["msg"]) == (1, "archive: %s does not exist" % (tmp_path / "nothing.tar")), state


def test_bad_inputs_are_named(tmp_path):
    root = tmp_path / "tree"
    _tree(root)
    result, code = _run({"state": "packed", "path": str(root)})
    assert (code, result["msg"]) == (1, "state=packed needs archive, the tar file to write")
    result, code = _run({"state": "manifest", "path": str(tmp_path / "none")})
    assert (code, result["msg"]) == (1, "path: '%s' is not a directory holding the bundle's files" % (tmp_path / "none"))
    result, code = _run({"state": "packed", "archive": str(tmp_path / "b.tar")})
    assert (code, result["msg"]) == (1, "path: None is not a directory holding the bundle's files")
    result, code = _run({"state": "manifest", "path": str(root), "artifacts": [{"path": "images/other.tar"}]})
    assert code == 1 and "described but not in the bundle: images/other.tar" in result["msg"]
    result, code = _run({"state": "manifest", "path": str(root), "artifacts": [{"path": "../x"}]})
    assert code == 1 and "relative path" in result["msg"]
    result, code = _run({"state": "manifest", "path": str(root), "artifacts": [{"path": "images.yml", "kind": "rpm"}]})
    assert code == 1 and "kind must be one of" in result["msg"]
    os.symlink("/etc/passwd", root / "debian" / "link.deb")
    result, code = _run({"state": "manifest", "path": str(root)})
    assert code == 1 and "debian/link.deb" in result["msg"]
    result, code = _run({"state": "verified", "path": str(tmp_path)})
    assert code == 1 and "no readable manifest.json" in result["msg"]
    (tmp_path / "manifest.json").write_text("{")
    result, code = _run({"state": "verified", "path": str(tmp_path)})
    assert code == 1 and "not valid JSON" in result["msg"]
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 1, "files": [{"path": "/etc/passwd", "size": 1, "sha256": "0" * 64}]}))
    result, code = _run({"state": "verified", "path": str(tmp_path)})
    assert code == 1 and "malformed entry" in result["msg"]


@pytest.mark.parametrize("path,ok", [
    ("debian/x.deb", True), ("a", True), ("", False), ("/abs", False), ("a/../b", False), ("./a", False),
    ("a//b", False), ("a/", False), ("..", False), ("a\\b", False), ("a\x00", False), (None, False),
])
def test_safe_path(path, ok):
    assert bdl.safe_path(path) is ok


def test_read_returns_the_manifest_without_unpacking(tmp_path):
    root, files, archive, packed = _packed(tmp_path)
    from_archive, code = _run({"state": "read", "archive": str(archive)})
    assert code == 0 and from_archive["changed"] is False and from_archive["bundle_id"] == packed["bundle_id"]
    assert sorted(e["path"] for e in from_archive["manifest"]["files"]) == sorted(files)
    from_tree, code = _run({"state": "read", "path": str(root)})
    assert code == 0 and from_tree["manifest"] == from_archive["manifest"]
    result, code = _run({"state": "read", "archive": str(root / "images.yml")})
    assert (code, result["msg"]) == (1, "%s is not a bundle archive (it does not start with manifest.json)" % (root / "images.yml"))
    result, code = _run({"state": "read"})
    assert (code, result["msg"]) == (1, "state=read needs archive or path")


def _manifest(debs, images, kubeadm_images=None):
    files = [{"kind": "deb", "name": n, "version": v, "release": r, "path": "debian/%s/%s_%s_all.deb" % (r, n, v)}
             for r, n, v in debs]
    files += [{"kind": "image", "name": i.rsplit(":", 1)[0], "version": i.rsplit(":", 1)[1], "path": "images/x.tar"} for i in images]
    return {"format": 1, "files": files, "bundle": {"kubeadm_images": kubeadm_images} if kubeadm_images is not None else {}}


def test_missing_lists_every_absent_package_and_image_at_once():
    manifest = _manifest(
        [("bookworm", "kubeadm", "1.35.6-1.1"), ("bookworm", "chrony", "4.3-2+deb12u3"), ("bookworm", "conntrack", "1:1.4.7-1+b2"),
         ("trixie", "kubeadm", "1.35.6-1.1")],
        ["registry.k8s.io/pause:3.10.1", "docker.io/library/busybox:1", "registry.k8s.io/kube-apiserver:v1.35.6"],
        {"1.35.6": ["registry.k8s.io/kube-apiserver:v1.35.6", "registry.k8s.io/etcd:3.6.6-0"]})
    hosts = {
        "cp1": {"release": "bookworm", "packages": ["kubeadm=1.35.6-*", "chrony", "conntrack=1.4.7-*", "haproxy"],
                "images": ["registry.k8s.io/pause:3.10.1", "busybox:1", "ghcr.io/flannel-io/flannel:v0.26.7"]},
        "w1": {"release": "bookworm", "packages": ["kubeadm=1.35.9-*", "haproxy"], "images": []},
        "w2": {"release": "jammy", "packages": ["kubeadm=1.35.6-*"], "images": []},
        "w3": {"release": "trixie", "packages": ["kubeadm=1.35.6-*", "chrony"], "images": []},
    }
    assert bdl.missing(manifest, hosts, ["1.35.6", "v1.34.3"]) == [
        "Kubernetes 1.34.3: the bundle was built for 1.35.6, needed by all",
        "image ghcr.io/flannel-io/flannel:v0.26.7, needed by cp1",
        "image registry.k8s.io/etcd:3.6.6-0 (kubeadm 1.35.6 lists it), needed by all",
        "package chrony for trixie, needed by w3",
        "package haproxy for bookworm, needed by cp1, w1",
        "package kubeadm=1.35.9-* for bookworm (the bundle has 1.35.6-1.1), needed by w1",
        "packages for jammy (the bundle has bookworm, trixie), needed by w2",
    ]
    # the epoch of conntrack does not hide a match; a bundle without kubeadm's list skips that check
    assert bdl.missing(_manifest([("bookworm", "conntrack", "1:1.4.7-1+b2")], []),
                       {"h": {"release": "bookworm", "packages": ["conntrack=1.4.7-*"]}}, ["1.35.6"]) == []


def test_plan_merges_what_the_roles_of_every_host_listed():
    repo = {"repository": "https://pkgs.k8s.io/core:/stable:/v1.35/deb/", "minor": "1.35"}
    control = {"packages": ["chrony", "containerd", "python3-kubernetes"], "images": ["registry.k8s.io/pause:3.10.1"],
               "kube": [dict(repo, version="1.35.6", packages=["kubeadm=1.35.6-*", "kubelet=1.35.6-*"]),
                        dict(repo, version="1.34.3", minor="1.34", packages=["kubeadm=1.34.3-*"])]}
    worker = {"packages": ["containerd", "chrony"], "kube": [dict(repo, version="1.35.6", packages=["kubectl=1.35.6-*", "kubelet=1.35.6-*"])]}
    out = bdl.plan([control, worker, {}, None])
    assert out["packages"] == ["chrony", "containerd", "python3-kubernetes"]
    assert out["images"] == ["registry.k8s.io/pause:3.10.1"]
    assert [(k["version"], k["minor"], k["packages"]) for k in out["kube"]] == [
        ("1.34.3", "1.34", ["kubeadm=1.34.3-*"]),
        ("1.35.6", "1.35", ["kubeadm=1.35.6-*", "kubectl=1.35.6-*", "kubelet=1.35.6-*"])]
    assert bdl.plan([]) == {"packages": [], "images": [], "kube": []}


def test_missing_reads_kube_entries_and_releases_given_apart():
    manifest = _manifest([("bookworm", "kubeadm", "1.35.6-1.1")], [])
    listed = {"cp1": {"packages": [], "kube": [{"version": "1.35.6", "packages": ["kubeadm=1.35.6-*", "kubelet=1.35.6-*"]}]}}
    assert bdl.missing(manifest, listed, releases={"cp1": "bookworm"}) == ["package kubelet=1.35.6-* for bookworm, needed by cp1"]
    assert bdl.missing(manifest, listed, releases={"cp1": "trixie"}) == ["packages for trixie (the bundle has bookworm), needed by cp1"]


def test_images_are_named_from_images_yml_when_the_builder_did_not_describe_them(tmp_path):
    root = tmp_path / "tree"
    _tree(root)
    result, code = _run({"state": "manifest", "path": str(root)})
    assert code == 0
    entry = [e for e in json.loads((root / "manifest.json").read_text())["files"] if e["path"] == "images/pause_3.10.1.tar"][0]
    assert (entry["kind"], entry["name"], entry["version"], entry["source"]) == ("image", "registry.k8s.io/pause", "3.10.1", "")


def test_missing_names_untagged_images_and_versions_with_v():
    manifest = _manifest([("bookworm", "kubeadm", "1.35.6-1.1")], ["docker.io/library/busybox:latest", "registry.k8s.io/pause:3.10.1"],
                         {"v1.35.6": ["registry.k8s.io/pause:3.10.1"]})
    assert bdl.missing(manifest, {"h": {"release": "bookworm", "images": ["busybox"]}}, ["1.35.6"]) == []


@pytest.mark.parametrize("data,text", [
    (b"\xff\xfe", "is not valid JSON ("), (b"[]", "is not a seed.kubeadm bundle manifest of format 1"),
    (b'{"format": 1, "files": [{"path": "a"}]}', "has a malformed entry: {'path': 'a'}"),
])
def test_malformed_manifest_in_an_archive_is_named(tmp_path, data, text):
    archive = tmp_path / "bad.tar"
    with tarfile.open(archive, "w") as tar:
        info, payload = _file("manifest.json", data)
        tar.addfile(info, io.BytesIO(payload))
    for args in ({"state": "unpacked", "archive": str(archive), "dest": str(tmp_path / "d")}, {"state": "read", "archive": str(archive)}):
        result, code = _run(args)
        assert code == 1 and result["msg"].startswith("manifest.json of %s %s" % (archive, text)), result


def test_missing_checks_the_architecture_of_packages_and_images():
    manifest = _manifest([("bookworm", "kubeadm", "1.35.6-1.1"), ("bookworm", "tzdata", "2025a")], ["registry.k8s.io/pause:3.10.1"])
    for entry in manifest["files"]:
        if entry.get("name") == "kubeadm":
            entry["architecture"] = "amd64"
    manifest["bundle"]["image_architecture"] = "amd64"
    wanted = {"h": {"release": "bookworm", "packages": ["kubeadm=1.35.6-*", "tzdata"], "images": ["registry.k8s.io/pause:3.10.1"]}}
    assert bdl.missing(manifest, wanted, architectures={"h": "x86_64"}) == []
    assert bdl.missing(manifest, wanted, architectures={"h": "aarch64"}) == [
        "images for arm64 (the bundle's images are amd64), needed by h",
        "package kubeadm=1.35.6-* for bookworm/arm64, needed by h"]


def test_plan_keeps_the_other_keys_of_each_version():
    packages = {"kube": [{"version": "1.35.6", "packages": ["kubeadm=1.35.6-*"], "repository": "r", "minor": "1.35"}]}
    config = {"kube": [{"version": "1.35.6", "kubeadm_config": {"kind": "ClusterConfiguration"}}]}
    for listed in ([packages, config], [config, packages]):
        (entry,) = bdl.plan(listed)["kube"]
        assert entry == {"version": "1.35.6", "packages": ["kubeadm=1.35.6-*"], "repository": "r", "minor": "1.35",
                         "kubeadm_config": {"kind": "ClusterConfiguration"}}


def test_check_mode_before_the_archive_is_there(tmp_path):
    archive = _packed(tmp_path)[2]
    dest = tmp_path / "bundles"
    for args in ({"archive": str(tmp_path / "not-yet.tar")}, {"archive": str(archive), "archive_changed": True}):
        result, code = _run(dict(args, state="unpacked", dest=str(dest)), check_mode=True)
        assert code == 0, result
        assert _outcome(result) == {"changed": True, "msg": "check mode: %s is not on this host yet; it would be "
                                                            "unpacked and verified" % args["archive"]}
    assert not dest.exists()
    # outside check mode the flag changes nothing: the archive is unpacked and verified
    result, code = _run({"state": "unpacked", "archive": str(archive), "dest": str(dest), "archive_changed": True})
    assert code == 0 and result["changed"] is True and result["bundle_id"]


def _write_args(root, state="manifest", **extra):
    return dict({"state": state, "path": str(root), "artifacts": ARTIFACTS, "info": {"kubernetes_versions": ["1.35.6"]}}, **extra)


def test_manifest_state_writes_the_manifest_world_readable_and_reports_the_change(tmp_path):
    root = tmp_path / "tree"
    files = _tree(root)
    check, code = _run(_write_args(root), check_mode=True)
    assert code == 0 and check["changed"] is True and not (root / "manifest.json").exists()
    result, code = _run(_write_args(root))
    assert code == 0
    manifest = root / "manifest.json"
    assert _outcome(result) == {"changed": True, "bundle_path": str(root), "bundle_id": _sha256(manifest)[:16],
                                "bundle_size": sum(len(d) for d in files.values()),
                                "files": {"deb": 3, "image": 1, "file": 1}, "info": {"kubernetes_versions": ["1.35.6"]}}
    assert _outcome(check) == _outcome(result)
    assert os.stat(manifest).st_mode & 0o777 == 0o644
    assert sorted(os.listdir(root)) == ["debian", "images", "images.yml", "manifest.json"]
    again, code = _run(_write_args(root))
    assert code == 0 and _outcome(again) == dict(_outcome(result), changed=False)


def test_packed_writes_the_archive_when_only_the_archive_is_missing(tmp_path):
    root = tmp_path / "tree"
    _tree(root)
    archive = tmp_path / "bundle.tar"
    written, code = _run(_write_args(root))
    assert code == 0 and written["changed"] is True
    packed, code = _run(_write_args(root, "packed", archive=str(archive)))
    assert code == 0
    assert _outcome(packed) == dict(_outcome(written), changed=True, archive_sha256=_sha256(archive))
    # the archive already holds that manifest: nothing to do, its digest is still reported
    again, code = _run(_write_args(root, "packed", archive=str(archive)))
    assert code == 0 and _outcome(again) == dict(_outcome(packed), changed=False)


def test_leftover_temporary_manifest_does_not_break_the_bundle(tmp_path):
    """A manifest.json.tmp left by an interrupted run is not listed in the manifest written next, which is
    written through it and so takes it away; the bundle verifies."""
    root = tmp_path / "tree"
    _tree(root, {"manifest.json.tmp": b'{"format": 1, "fi'})
    result, code = _run(_write_args(root))
    assert code == 0, result
    assert "manifest.json.tmp" not in [entry["path"] for entry in json.loads((root / "manifest.json").read_text())["files"]]
    assert not (root / "manifest.json.tmp").exists()
    verified, code = _run({"state": "verified", "path": str(root)})
    assert code == 0, verified["msg"]


def _hand_written(root):
    """A tree with a manifest written by hand: no kind for two files, no bundle facts."""
    files = {"a.bin": b"alpha", "docs/b.txt": b"beta!!", "c.deb": b"package"}
    entries = []
    for name, data in sorted(files.items()):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
        entries.append({"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    entries[1]["kind"] = "deb"
    data = json.dumps({"format": 1, "files": entries}).encode()
    (root / "manifest.json").write_bytes(data)
    return {"bundle_id": hashlib.sha256(data).hexdigest()[:16], "bundle_size": 18, "files": {"file": 2, "deb": 1}, "info": {}}


def test_files_without_a_kind_are_counted_as_plain_files(tmp_path):
    expected = _hand_written(tmp_path)
    verified, code = _run({"state": "verified", "path": str(tmp_path)})
    assert code == 0 and _outcome(verified) == dict(expected, changed=False, bundle_path=str(tmp_path))
    read, code = _run({"state": "read", "path": str(tmp_path)})
    assert code == 0 and _outcome(read) == dict(expected, changed=False, manifest=json.loads((tmp_path / "manifest.json").read_text()))


def test_verified_needs_a_path_and_names_every_problem(tmp_path):
    result, code = _run({})
    assert (code, result["msg"]) == (1, "state=verified needs path, the bundle's tree")
    root, files = _packed(tmp_path)[:2]
    (root / "images.yml").write_bytes(b"[]\n")
    (root / "debian" / "bookworm" / "extra_1_all.deb").write_bytes(b"x")
    problems = ["images.yml: 3 bytes, the manifest says %d (truncated or replaced)" % len(files["images.yml"]),
                "debian/bookworm/extra_1_all.deb: not in the manifest"]
    result, code = _run({"state": "verified", "path": str(root)})
    assert code == 1 and result["problems"] == problems
    assert result["msg"] == "the bundle at %s differs from its manifest: %s" % (root, "; ".join(problems))


@pytest.mark.parametrize("given", [("archive",), ("dest",), ()])
def test_unpacked_needs_archive_and_dest(tmp_path, given):
    both = {"archive": str(_packed(tmp_path)[2]), "dest": str(tmp_path / "bundles")}
    result, code = _run(dict(((k, both[k]) for k in given), state="unpacked"))
    assert (code, result["msg"]) == (1, "state=unpacked needs archive (the bundle's tar file) and dest (where to unpack it)")
    assert not (tmp_path / "bundles").exists()


def test_refused_archive_lists_every_problem_in_check_mode_and_beside_the_intact_bundle(tmp_path):
    archive = _packed(tmp_path)[2]
    bad = tmp_path / "bad.tar"
    _rewrite(archive, bad, lambda m, d: [_file("debian/bookworm/evil_1_all.deb", b"x")] if m.name == "images.yml" else [(m, d)])
    dest = tmp_path / "bundles"
    problems = ["debian/bookworm/evil_1_all.deb: not in the manifest", "images.yml: missing"]
    expected = {"failed": True, "problems": problems,
                "msg": "the bundle %s is refused, nothing of it is served: %s" % (bad, "; ".join(problems))}
    result, code = _run({"state": "unpacked", "archive": str(bad), "dest": str(dest)}, check_mode=True)
    assert code == 1 and _outcome(result) == expected
    assert _run({"state": "unpacked", "archive": str(archive), "dest": str(dest)})[1] == 0
    result, code = _run({"state": "unpacked", "archive": str(bad), "dest": str(dest)})
    assert code == 1 and _outcome(result) == expected


def test_half_unpacked_directory_without_manifest_is_replaced(tmp_path):
    files, archive, packed = _packed(tmp_path)[1:]
    dest = tmp_path / "bundles"
    final = dest / packed["bundle_id"]
    final.mkdir(parents=True)
    (final / "images.yml").write_bytes(files["images.yml"])
    check, code = _run({"state": "unpacked", "archive": str(archive), "dest": str(dest)}, check_mode=True)
    assert code == 0 and _outcome(check) == dict(_summary(packed), changed=True, bundle_path=str(final))
    result, code = _run({"state": "unpacked", "archive": str(archive), "dest": str(dest)})
    assert code == 0 and result["changed"] is True
    assert sorted(os.listdir(final)) == ["debian", "images", "images.yml", "manifest.json"]
    assert _run({"state": "verified", "path": str(final)})[1] == 0


@pytest.fixture
def no_umask():
    """umask 0 for the test: the modes seen are the ones the module asks for."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_dest_is_created_0755_even_without_umask(tmp_path, no_umask):
    archive = _packed(tmp_path)[2]
    dest = tmp_path / "bundles"
    result, code = _run({"state": "unpacked", "archive": str(archive), "dest": str(dest)})
    assert code == 0 and result["changed"] is True
    assert os.stat(dest).st_mode & 0o777 == 0o755
