# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The offline bundle: its manifest, its one archive, and their checks.

A bundle is a directory tree of regular files (``debian/<release>/*.deb``, ``images/*.tar``,
``images.yml``) plus ``manifest.json``, which names every other file with its size and SHA-256 and
says what it is (kind, name, version, source). The builder writes the manifest and packs the tree
into one tar archive; the init node unpacks the archive into a fresh directory and refuses it,
naming the files, unless every file is exactly the one the manifest describes and nothing else is
there. The same inputs give the same manifest and the same archive (sorted members, no time
stamps, no owners).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import fnmatch
import hashlib
import io
import json
import os
import posixpath
import re
import shutil
import tarfile
import tempfile

MANIFEST = "manifest.json"
# The file the manifest is written through (then renamed): a leftover of an interrupted run is no bundle file.
MANIFEST_TEMPORARY = MANIFEST + ".tmp"
FORMAT = 1
KINDS = ("deb", "image", "index", "file")
_CHUNK = 1024 * 1024
# apt's file names: <name>_<version with ':' as %3a>_<arch>.deb
_DEB_NAME = re.compile(r"^([a-z0-9][a-z0-9+.-]*)_([^_/]+)_([a-z0-9-]+)\.deb$")


class BundleError(Exception):
    """A bundle that cannot be used; the message names the files and the fix."""


def file_digest(path):
    """(size, sha256 hex) of one file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            digest.update(chunk)
    return size, digest.hexdigest()


def safe_path(path):
    """True for a relative, normalised POSIX path that stays inside the bundle."""
    if not isinstance(path, str) or not path or "\\" in path or "\x00" in path:
        return False
    if path.startswith("/") or posixpath.normpath(path) != path:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def scan(root):
    """Every file of the tree below root except the manifest (and its temporary file), as sorted relative paths.

    Symbolic links and special files are refused: a bundle holds regular files only.
    """
    found, refused = [], []
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            full = os.path.join(directory, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if os.path.islink(full):
                refused.append(rel)
            elif name in files:
                if os.path.isfile(full):
                    if rel not in (MANIFEST, MANIFEST_TEMPORARY):
                        found.append(rel)
                else:
                    refused.append(rel)
    if refused:
        raise BundleError("the bundle may hold regular files and directories only; not: %s" % ", ".join(sorted(refused)))
    return sorted(found)


def deb_fields(path):
    """(name, version, architecture) from apt's file name of a package, or None."""
    match = _DEB_NAME.match(posixpath.basename(path))
    if not match:
        return None
    return match.group(1), match.group(2).replace("%3a", ":").replace("%3A", ":"), match.group(3)


def describe(path, described):
    """The manifest entry fields of one file: what the builder said, else what its name tells."""
    entry = dict(described or {})
    if "kind" not in entry:
        if path.endswith(".deb"):
            entry["kind"] = "deb"
        elif path.startswith("images/") and path.endswith(".tar"):
            entry["kind"] = "image"
        else:
            entry["kind"] = "file"
    if entry["kind"] == "deb":
        fields = deb_fields(path)
        if fields:
            entry.setdefault("name", fields[0])
            entry.setdefault("version", fields[1])
            entry.setdefault("architecture", fields[2])
            parts = path.split("/")
            if len(parts) == 3 and parts[0] == "debian":
                entry.setdefault("release", parts[1])
    entry.setdefault("name", posixpath.basename(path))
    entry.setdefault("version", "")
    entry.setdefault("source", "")
    return entry


def _images_list(root):
    """The entries of root/images.yml ({archive, image}), or [] without the file or PyYAML."""
    path = os.path.join(root, "images.yml")
    if not os.path.isfile(path):
        return []
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError:
        return []
    with open(path) as handle:
        data = yaml.safe_load(handle)
    return [item for item in data or [] if isinstance(item, dict)] if isinstance(data, list) else []


def build_manifest(root, artifacts=None, info=None):
    """The manifest of the tree below root (a dict); artifacts describe files by path.

    Every entry of artifacts must name a file that exists; a file no entry names is described
    from its name (a .deb gives name, version, architecture and release).
    """
    files = scan(root)
    described = {}
    problems = []
    for item in artifacts or []:
        if not isinstance(item, dict) or not safe_path(item.get("path")):
            problems.append("artifact %r needs a relative path inside the bundle" % (item,))
            continue
        if item.get("kind") and item["kind"] not in KINDS:
            problems.append("artifact %s: kind must be one of %s, got %r" % (item["path"], ", ".join(KINDS), item["kind"]))
        described[item["path"]] = dict((k, v) for k, v in item.items() if k != "path")
    for item in _images_list(root):
        # images.yml names each archive's image: the manifest says which image a file is
        path = "images/" + str(item.get("archive"))
        name, tag = (str(item.get("image")).rsplit(":", 1) + [""])[:2]
        if path in files and tag and "/" not in tag and name:
            described.setdefault(path, {}).update((k, v) for k, v in (("kind", "image"), ("name", name), ("version", tag))
                                                  if k not in described.get(path, {}))
    missing = sorted(set(described) - set(files))
    if missing:
        problems.append("described but not in the bundle: %s" % ", ".join(missing))
    if problems:
        raise BundleError("; ".join(problems))
    entries = []
    total = 0
    for path in files:
        size, sha = file_digest(os.path.join(root, path))
        total += size
        entry = describe(path, described.get(path))
        entry.update({"path": path, "size": size, "sha256": sha})
        entries.append(entry)
    return {"format": FORMAT, "bundle": dict(info or {}), "size": total, "files": entries}


def dump_manifest(manifest):
    """The manifest's bytes: the same manifest always gives the same bytes."""
    return (json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=True) + "\n").encode("ascii")


def bundle_id(manifest_bytes):
    """A short name for a bundle: the start of its manifest's SHA-256."""
    return hashlib.sha256(manifest_bytes).hexdigest()[:16]


def parse_manifest(data, where=MANIFEST):
    """The manifest in data (bytes), its shape checked; BundleError names what is wrong."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleError("%s is not valid JSON (%s)" % (where, exc))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), list):
        raise BundleError("%s is not a seed.kubeadm bundle manifest of format %d" % (where, FORMAT))
    for entry in manifest["files"]:
        if (not isinstance(entry, dict) or not safe_path(entry.get("path")) or entry.get("path") == MANIFEST
                or not isinstance(entry.get("size"), int) or not re.match(r"^[0-9a-f]{64}$", str(entry.get("sha256")))):
            raise BundleError("%s has a malformed entry: %r" % (where, entry))
    return manifest


def load_manifest(root):
    """Read and check the shape of root/manifest.json."""
    path = os.path.join(root, MANIFEST)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        raise BundleError("the bundle has no readable %s (%s): build it with playbooks/offline_bundle.yml" % (MANIFEST, exc))
    return parse_manifest(data), data


def entry_problem(path, size, sha, entry):
    """What is wrong with a file of this size and SHA-256 against its manifest entry, or None."""
    if size != entry["size"]:
        return "%s: %d bytes, the manifest says %d (truncated or replaced)" % (path, size, entry["size"])
    if sha != entry["sha256"]:
        return "%s: SHA-256 %s, the manifest says %s (altered)" % (path, sha, entry["sha256"])
    return None


def verify_archive(archive, manifest):
    """Every problem of an archive against its manifest, read without writing anything."""
    wanted = dict((e["path"], e) for e in manifest["files"])
    seen = set()
    problems = []
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for member in tar:
                name = member.name[:-1] if member.name.endswith("/") else member.name
                if not safe_path(name) or not (member.isfile() or member.isdir()):
                    problems.append("%s: a member a bundle may not have (link, device, path outside it)" % member.name)
                    continue
                if member.isdir() or name == MANIFEST:
                    continue
                if name not in wanted:
                    problems.append("%s: not in the manifest" % name)
                    continue
                seen.add(name)
                digest = hashlib.sha256()
                handle = tar.extractfile(member)
                size = 0
                for chunk in iter(lambda: handle.read(_CHUNK), b""):
                    size += len(chunk)
                    digest.update(chunk)
                problem = entry_problem(name, size, digest.hexdigest(), wanted[name])
                if problem:
                    problems.append(problem)
    except (tarfile.TarError, EOFError, IOError, OSError) as exc:
        problems.append("%s is truncated or damaged (%s)" % (archive, exc))
    problems.extend("%s: missing" % path for path in sorted(set(wanted) - seen))
    return problems


def verify(root, manifest):
    """Every problem of the tree below root against the manifest (an empty list: it is intact)."""
    problems = []
    try:
        present = set(scan(root))
    except BundleError as exc:
        return [str(exc)]
    listed = set()
    for entry in manifest["files"]:
        path = entry["path"]
        if path in listed:
            problems.append("%s: listed twice in the manifest" % path)
            continue
        listed.add(path)
        if path not in present:
            problems.append("%s: missing" % path)
            continue
        size, sha = file_digest(os.path.join(root, path))
        problem = entry_problem(path, size, sha, entry)
        if problem:
            problems.append(problem)
    for path in sorted(present - listed):
        problems.append("%s: not in the manifest" % path)
    return problems


def _tar_info(name, size=0, directory=False):
    info = tarfile.TarInfo(name)
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if directory:
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.size = size
        info.mode = 0o644
    return info


def pack(root, manifest_bytes, archive):
    """Write the manifest and every file the manifest lists into ONE tar archive, reproducibly.

    Members are sorted, without time stamps or owners; the archive is written to a temporary
    name and renamed, so a reader never sees half of it. Returns the archive's SHA-256.
    """
    manifest = json.loads(manifest_bytes.decode("ascii"))
    paths = sorted(entry["path"] for entry in manifest["files"])
    directories = set()
    for path in paths:
        parent = posixpath.dirname(path)
        while parent:
            directories.add(parent)
            parent = posixpath.dirname(parent)
    target_dir = os.path.dirname(os.path.abspath(archive))
    fd, tmp = tempfile.mkstemp(prefix=".seed-bundle.", dir=target_dir)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
                tar.addfile(_tar_info(MANIFEST, len(manifest_bytes)), io.BytesIO(manifest_bytes))
                for directory in sorted(directories):
                    tar.addfile(_tar_info(directory + "/", directory=True))
                for path in paths:
                    full = os.path.join(root, path)
                    with open(full, "rb") as handle:
                        tar.addfile(_tar_info(path, os.fstat(handle.fileno()).st_size), handle)
        os.chmod(tmp, 0o644)
        os.rename(tmp, archive)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return file_digest(archive)[1]


def _directory(top, path):
    """Create path and its parents below top as 0755 whatever the umask (the web server reads them)."""
    missing = []
    while path != top and not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for directory in reversed(missing):
        os.mkdir(directory)
        os.chmod(directory, 0o755)


def unpack(archive, parent):
    """Unpack a bundle archive into a new directory below parent and verify it.

    Only regular files and directories with safe paths are taken from the archive. The tree is
    unpacked into a temporary directory; if any file differs from the manifest the directory is
    removed and BundleError names every bad file. Returns (bundle id, final directory, manifest).
    A directory of that id already there is replaced: callers unpack only when it is not intact.
    """
    work = tempfile.mkdtemp(prefix=".unpack.", dir=parent)
    try:
        os.chmod(work, 0o755)  # served: readable by the web server like the files in it
        try:
            tar = tarfile.open(archive, mode="r:*")
        except (tarfile.TarError, IOError, OSError) as exc:
            raise BundleError("%s is not a readable tar archive (%s)" % (archive, exc))
        refused = []
        with tar:
            try:
                for member in tar:
                    name = member.name[:-1] if member.name.endswith("/") else member.name
                    if not safe_path(name) or not (member.isfile() or member.isdir()):
                        refused.append(member.name)
                        continue
                    dest = os.path.join(work, *name.split("/"))
                    if member.isdir():
                        _directory(work, dest)
                        continue
                    _directory(work, os.path.dirname(dest))
                    source = tar.extractfile(member)
                    with open(dest, "wb") as handle:
                        shutil.copyfileobj(source, handle, _CHUNK)
                    os.chmod(dest, 0o644)
            except (tarfile.TarError, EOFError, IOError, OSError) as exc:
                raise BundleError("%s is truncated or damaged (%s)" % (archive, exc))
        if refused:
            raise BundleError("%s holds members a bundle may not have (links, devices, paths outside it): %s"
                              % (archive, ", ".join(sorted(refused))))
        manifest, data = load_manifest(work)
        problems = verify(work, manifest)
        if problems:
            raise BundleError("the bundle %s is refused, nothing of it is served: %s" % (archive, "; ".join(problems)))
        ident = bundle_id(data)
        final = os.path.join(parent, ident)
        if os.path.isdir(final):
            # the caller found it incomplete or altered: moved aside, replaced, then removed
            aside = tempfile.mkdtemp(prefix=".replaced.", dir=parent)
            os.rename(final, os.path.join(aside, ident))
            os.rename(work, final)
            shutil.rmtree(aside)
        else:
            os.rename(work, final)
        return ident, final, manifest
    except BaseException:
        if os.path.isdir(work):
            shutil.rmtree(work)
        raise


def _image_name(ref):
    """An image reference with its registry made explicit (docker.io and library/ as Docker does)."""
    ref = str(ref).strip()
    first, rest = (ref.split("/", 1) + [""])[:2]
    if not (rest and ("." in first or ":" in first or first == "localhost")):
        ref = "docker.io/" + (ref if rest else "library/" + ref)
    if "@" not in ref and ":" not in ref.rsplit("/", 1)[-1]:
        ref += ":latest"
    return ref


def _version_matches(spec_version, version):
    return fnmatch.fnmatchcase(version, spec_version) or fnmatch.fnmatchcase(version.split(":", 1)[-1], spec_version)


# The Debian architecture of each machine name Ansible reports (ansible_facts.architecture).
DEB_ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "armv7l": "armhf",
                     "ppc64le": "ppc64el", "s390x": "s390x", "i386": "i386", "i686": "i386", "riscv64": "riscv64"}


def missing(manifest, hosts, versions=(), releases=None, architectures=None):
    """What a run needs and the bundle does not hold, every item at once (an empty list: nothing).

    hosts maps a host name to {"release": its distribution release, "packages": apt specs
    (name, name=version or name=version-glob), "images": image references, "kube": [{"packages":
    specs}, ...] (as bundle_plan returns them)}; releases, when given, maps host names to their
    release instead, architectures to their machine (ansible_facts.architecture or a Debian
    architecture): a package must then be of that architecture or "all", and the bundle's images
    (bundle.image_architecture) of it. versions are the Kubernetes versions the run installs. A bundle built by playbooks/offline_bundle.yml records
    kubeadm's image list per version (bundle.kubeadm_images); each of those images must be in it.
    """
    files = manifest.get("files") or []
    debs = {}
    for entry in files:
        if entry.get("kind") == "deb":
            debs.setdefault((entry.get("release") or "", entry.get("name")), []).append(
                (str(entry.get("version") or ""), str(entry.get("architecture") or "all")))
    image_arch = str((manifest.get("bundle") or {}).get("image_architecture") or "")
    in_bundle = sorted(set(key[0] for key in debs))
    images = set("%s:%s" % (e.get("name"), e.get("version")) for e in files if e.get("kind") == "image")
    need = {}

    def add(what, host):
        need.setdefault(what, [])
        if host not in need[what]:
            need[what].append(host)

    for host in sorted(hosts):
        wanted = hosts[host] or {}
        release = str((releases or {}).get(host) or wanted.get("release") or "")
        machine = str((architectures or {}).get(host) or "")
        arch = DEB_ARCHITECTURES.get(machine, machine)
        if release not in in_bundle:
            add("packages for %s (the bundle has %s)" % (release or "an unknown release", ", ".join(in_bundle) or "none"), host)
            continue
        specs = list(wanted.get("packages") or [])
        for entry in wanted.get("kube") or []:
            specs.extend(entry.get("packages") or [])
        for spec in specs:
            name, version = (str(spec).split("=", 1) + [""])[:2]
            found = [v for v, a in debs.get((release, name), []) if not arch or a in (arch, "all")]
            if not found or (version and not any(_version_matches(version, v) for v in found)):
                add("package %s for %s%s%s" % (spec, release, "/" + arch if arch else "",
                                               " (the bundle has %s)" % ", ".join(sorted(found)) if found else ""), host)
        if arch and image_arch and wanted.get("images") and arch != image_arch:
            add("images for %s (the bundle's images are %s)" % (arch, image_arch), host)
        for ref in wanted.get("images") or []:
            if _image_name(ref) not in images:
                add("image %s" % _image_name(ref), host)
    recorded = (manifest.get("bundle") or {}).get("kubeadm_images")
    if isinstance(recorded, dict):
        recorded = dict((str(k).lstrip("v"), v) for k, v in recorded.items())
        for version in versions:
            key = str(version).lstrip("v")
            if key not in recorded:
                add("Kubernetes %s: the bundle was built for %s" % (key, ", ".join(sorted(recorded)) or "no version"), "all")
                continue
            for ref in recorded[key]:
                if _image_name(ref) not in images:
                    add("image %s (kubeadm %s lists it)" % (_image_name(ref), key), "all")
    return ["%s, needed by %s" % (what, ", ".join(sorted(need[what]))) for what in sorted(need)]


def plan(listed):
    """One artifact list from what each host's roles listed (a list of {packages, images, kube}).

    Packages and images: sorted, without duplicates. kube: one entry per Kubernetes version, in
    version order, with the union of the packages every host installs at that version and the
    other keys of the entries for it (the first value of each: repository, key, kubeadm_config).
    """
    packages, images, kube = set(), set(), {}
    for item in listed or []:
        item = item or {}
        packages.update(str(p) for p in item.get("packages") or [] if p)
        images.update(str(i) for i in item.get("images") or [] if i)
        for entry in item.get("kube") or []:
            version = str(entry["version"])
            merged = kube.setdefault(version, {"version": version, "packages": []})
            merged.update((k, v) for k, v in entry.items() if k not in ("packages", "version") and k not in merged)
            merged["packages"] = sorted(set(merged["packages"]) | set(str(p) for p in entry.get("packages") or []))

    def order(version):
        return tuple(int(part) if part.isdigit() else 0 for part in version.lstrip("v").split("."))
    return {"packages": sorted(packages), "images": sorted(images),
            "kube": [kube[v] for v in sorted(kube, key=order)]}
