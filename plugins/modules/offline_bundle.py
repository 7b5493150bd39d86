#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: offline_bundle
short_description: Write, pack, verify and unpack the offline bundle and its manifest
version_added: 0.1.0
description:
  - The offline bundle is a tree of regular files (C(debian/<release>/*.deb), C(images/*.tar),
    C(images.yml)) with a C(manifest.json) naming every other file with its size and SHA-256 and
    saying what it is (kind, name, version, source).
  - O(state=manifest) writes the manifest of the tree at O(path); O(state=packed) also packs the
    tree into ONE tar archive O(archive). The same files give the same manifest and the same
    archive (members sorted, no time stamps, no owners).
  - O(state=verified) checks the tree at O(path) against its manifest; O(state=unpacked) unpacks
    O(archive) into a new directory below O(dest) named after the bundle (the start of the
    manifest's SHA-256) and checks it. A file that is missing, truncated, altered or not in the
    manifest, a link or a path outside the tree makes the module fail naming every such file, and
    nothing of that archive is left behind.
  - O(state=read) returns the manifest of O(archive) (or of the tree at O(path)) without checking
    the files, for example to list the Kubernetes versions a bundle carries.
author:
  - Seed developers (!UNKNOWN)
extends_documentation_fragment:
  - seed.kubeadm.attributes
attributes:
  check_mode:
    support: full
    details: >-
      The manifest is computed and the archive read and checked, but nothing is written; the
      result says whether a run would change something.
  diff_mode:
    support: none
options:
  state:
    description: What to do (see the description).
    type: str
    choices: [manifest, packed, verified, unpacked, read]
    default: verified
  path:
    description: The bundle's tree (O(state=manifest), O(state=packed), O(state=verified)).
    type: path
  archive:
    description: The bundle archive to write (O(state=packed)) or to unpack (O(state=unpacked)).
    type: path
  dest:
    description: The directory below which O(state=unpacked) creates the bundle's directory.
    type: path
  artifacts:
    description:
      - What the files are, by path (O(state=manifest), O(state=packed)); every entry must name a
        file of the tree. A file without an entry is described from its name (a C(.deb) gives
        name, version, architecture and release).
    type: list
    elements: dict
    default: []
  archive_changed:
    description:
      - With O(state=unpacked) in check mode, that O(archive) is about to change (a copy that check
        mode did not make). The result is then a change, and the file there is not read.
    type: bool
    default: false
  info:
    description: Free-form facts about the bundle kept in the manifest (Kubernetes versions, releases, add-ons).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Pack the bundle on the controller
  seed.kubeadm.offline_bundle:
    state: packed
    path: /srv/build/bundle
    archive: /srv/build/seed-offline-bundle.tar
    info:
      kubernetes_versions: [1.35.6]
      releases: [bookworm]

- name: Unpack and verify it on the init node
  seed.kubeadm.offline_bundle:
    state: unpacked
    archive: /srv/seed-offline/incoming/seed-offline-bundle.tar
    dest: /srv/seed-offline/bundles
  register: loaded
"""

RETURN = r"""
bundle_id:
  description: The bundle's name, the first 16 hexadecimal digits of its manifest's SHA-256.
  returned: success
  type: str
  sample: 3f1c0a9d2b7e4c11
bundle_path:
  description: The bundle's tree (O(state=unpacked) the new directory, else O(path)).
  returned: success
  type: str
bundle_size:
  description: Bytes of every file the manifest lists.
  returned: success
  type: int
files:
  description: How many files the manifest lists, per kind.
  returned: success
  type: dict
  sample: {deb: 143, image: 9, file: 1}
info:
  description: The manifest's bundle facts (O(info) when it was written).
  returned: success
  type: dict
archive_sha256:
  description: SHA-256 of the archive (O(state=packed) and O(state=unpacked)).
  returned: when an archive was written or read
  type: str
manifest:
  description: The whole manifest (O(state=read)); C(files) lists every file with path, kind, name, version, source, size and sha256.
  returned: O(state=read)
  type: dict
problems:
  description: Every file that differs from the manifest (O(state=verified)); the module fails when it is not empty.
  returned: failure
  type: list
  elements: str
"""

import os
import tarfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.seed.kubeadm.plugins.module_utils import bundle as bdl


def summary(manifest, data):
    kinds = {}
    for entry in manifest["files"]:
        kinds[entry.get("kind", "file")] = kinds.get(entry.get("kind", "file"), 0) + 1
    return {"bundle_id": bdl.bundle_id(data), "bundle_size": sum(e["size"] for e in manifest["files"]),
            "files": kinds, "info": manifest.get("bundle") or {}}


def archive_manifest(archive):
    """The manifest bytes an existing archive starts with, or None."""
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            first = tar.next()
            if first is None or first.name != bdl.MANIFEST or not first.isfile():
                return None
            return tar.extractfile(first).read()
    except (tarfile.TarError, EOFError, IOError, OSError):
        return None


def write_manifest(module, root, data):
    path = os.path.join(root, bdl.MANIFEST)
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
    except (IOError, OSError):
        pass
    if not module.check_mode:
        tmp = os.path.join(root, bdl.MANIFEST_TEMPORARY)
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.rename(tmp, path)
    return True


def run_write(module, p):
    if not p["path"] or not os.path.isdir(p["path"]):
        module.fail_json(msg="path: %r is not a directory holding the bundle's files" % (p["path"],))
    if p["state"] == "packed" and not p["archive"]:
        module.fail_json(msg="state=packed needs archive, the tar file to write")
    manifest = bdl.build_manifest(p["path"], p["artifacts"], p["info"])
    data = bdl.dump_manifest(manifest)
    result = summary(manifest, data)
    result.update(bundle_path=p["path"], changed=write_manifest(module, p["path"], data))
    if p["state"] == "packed":
        if archive_manifest(p["archive"]) != data:
            result["changed"] = True
            if not module.check_mode:
                result["archive_sha256"] = bdl.pack(p["path"], data, p["archive"])
        else:
            result["archive_sha256"] = bdl.file_digest(p["archive"])[1]
    return result


def run_verified(module, p):
    if not p["path"]:
        module.fail_json(msg="state=verified needs path, the bundle's tree")
    manifest, data = bdl.load_manifest(p["path"])
    problems = bdl.verify(p["path"], manifest)
    if problems:
        module.fail_json(msg="the bundle at %s differs from its manifest: %s" % (p["path"], "; ".join(problems)), problems=problems)
    result = summary(manifest, data)
    result.update(bundle_path=p["path"], changed=False)
    return result


def run_unpacked(module, p):
    if not p["archive"] or not p["dest"]:
        module.fail_json(msg="state=unpacked needs archive (the bundle's tar file) and dest (where to unpack it)")
    if module.check_mode and (p["archive_changed"] or not os.path.isfile(p["archive"])):
        return {"changed": True, "msg": "check mode: %s is not on this host yet; it would be unpacked and verified" % p["archive"]}
    if not os.path.isfile(p["archive"]):
        module.fail_json(msg="archive: %s does not exist" % p["archive"])
    data = archive_manifest(p["archive"])
    if data is None:
        module.fail_json(msg="%s does not start with a bundle manifest (%s): build it with playbooks/offline_bundle.yml"
                         % (p["archive"], bdl.MANIFEST))
    manifest = bdl.parse_manifest(data, "%s of %s" % (bdl.MANIFEST, p["archive"]))
    final = os.path.join(p["dest"], bdl.bundle_id(data))
    present = os.path.isdir(final) and os.path.isfile(os.path.join(final, bdl.MANIFEST))
    if present:
        with open(os.path.join(final, bdl.MANIFEST), "rb") as handle:
            present = handle.read() == data
        present = present and not bdl.verify(final, manifest)
    if module.check_mode or present:
        # Nothing to unpack: the archive is still read in full, so a damaged copy is reported even
        # when a bundle with the same manifest is already unpacked and served.
        problems = bdl.verify_archive(p["archive"], manifest)
        if problems:
            module.fail_json(msg="the bundle %s is refused, nothing of it is served: %s" % (p["archive"], "; ".join(problems)),
                             problems=problems)
        result = summary(manifest, data)
        result.update(bundle_path=final, changed=not present)
        return result
    if not os.path.isdir(p["dest"]):
        os.makedirs(p["dest"], 0o755)
    ident, final, manifest = bdl.unpack(p["archive"], p["dest"])
    result = summary(manifest, data)
    result.update(bundle_path=final, changed=True, archive_sha256=bdl.file_digest(p["archive"])[1])
    return result


def run_read(module, p):
    if p["archive"]:
        if not os.path.isfile(p["archive"]):
            module.fail_json(msg="archive: %s does not exist" % p["archive"])
        data = archive_manifest(p["archive"])
        if data is None:
            module.fail_json(msg="%s is not a bundle archive (it does not start with %s)" % (p["archive"], bdl.MANIFEST))
        manifest = bdl.parse_manifest(data, "%s of %s" % (bdl.MANIFEST, p["archive"]))
    elif p["path"]:
        manifest, data = bdl.load_manifest(p["path"])
    else:
        module.fail_json(msg="state=read needs archive or path")
    result = summary(manifest, data)
    result.update(changed=False, manifest=manifest)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", default="verified", choices=["manifest", "packed", "verified", "unpacked", "read"]),
            path=dict(type="path"),
            archive=dict(type="path"),
            dest=dict(type="path"),
            artifacts=dict(type="list", elements="dict", default=[]),
            info=dict(type="dict", default={}),
            archive_changed=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        if p["state"] in ("manifest", "packed"):
            result = run_write(module, p)
        elif p["state"] == "verified":
            result = run_verified(module, p)
        elif p["state"] == "read":
            result = run_read(module, p)
        else:
            result = run_unpacked(module, p)
    except bdl.BundleError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
