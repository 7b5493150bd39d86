#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: etcd_snapshot
short_description: Save, verify and restore snapshots of a kubeadm control plane's stacked etcd
version_added: 0.1.0
description:
  - Runs etcd's own tools from the cluster's etcd image (the image of the etcd static pod, already
    in containerd's C(k8s.io) namespace on every control-plane node) with C(ctr run --rm --net-host),
    so the tool always matches the running etcd and nothing is installed on the host.
  - O(command=save) takes a snapshot from the local member over TLS (C(etcdctl snapshot save)) with the
    API server's etcd client certificate, then verifies it as O(command=status) does; a snapshot
    that fails the check is deleted and the task fails.
  - O(command=status) verifies a snapshot file - the sha256 that etcd appends to every snapshot it
    streams (checked here, since C(snapshot status) does not check it) and the database check of
    C(etcdutl snapshot status) - and returns its revision, key count and size.
  - O(command=restore) verifies the file the same way and creates a new data directory from it
    with C(etcdutl snapshot restore) for one member of the restored cluster. Run it on every member
    with the same O(initial_cluster) and O(initial_cluster_token), with the etcd static pods stopped.
  - C(etcdutl) is used for status and restore when the image has it (etcd 3.5 and later images
    copied from etcd's release), else C(etcdctl) (etcd 3.4, the older Kubernetes-built images).
author:
  - Seed developers (!UNKNOWN)
requirements:
  - containerd's C(ctr) and a runtime (runc) on the managed node, the etcd image in O(namespace)
extends_documentation_fragment:
  - seed.kubeadm.attributes
attributes:
  check_mode:
    support: full
    details: >-
      O(command=status) runs as usual (read-only); O(command=restore) checks the snapshot and
      O(data_dir) and reports a change without restoring; O(command=save) reports a change without saving.
  diff_mode:
    support: none
options:
  command:
    description: What to do.
    type: str
    required: true
    choices: [save, status, restore]
  path:
    description:
      - The snapshot file on the node. O(command=save) writes it (its directory must exist; an
        existing file is replaced), the others read it.
    type: path
    required: true
  image:
    description: The etcd image to run the tools from (the image of the etcd static pod).
    type: str
    required: true
  endpoint:
    description: Client URL of the member O(command=save) takes the snapshot from.
    type: str
    default: https://127.0.0.1:2379
  pki_dir:
    description:
      - kubeadm's certificate directory; O(command=save) uses C(etcd/ca.crt) and the API server's
        etcd client certificate C(apiserver-etcd-client.crt) / C(.key) in it, bind-mounted one by one
        (the container never sees the CA keys).
    type: path
    default: /etc/kubernetes/pki
  data_dir:
    description:
      - O(command=restore) only. The data directory to create; it must not exist yet (etcd refuses
        to restore into a used one). Point the member at it afterwards, for example by moving it to
        the data directory of the etcd static pod.
    type: path
  name:
    description: O(command=restore) only. This member's name (kubeadm uses the node name).
    type: str
  initial_cluster:
    description:
      - O(command=restore) only. Every member of the restored cluster as C(name=peer URL), comma
        separated, the same on every member.
    type: str
  initial_advertise_peer_urls:
    description: O(command=restore) only. This member's peer URL (C(https://<address>:2380) with kubeadm).
    type: str
  initial_cluster_token:
    description:
      - O(command=restore) only. Token of the restored cluster, the same on every member and
        different from the old cluster's, so members of both never talk to each other.
    type: str
  namespace:
    description: containerd namespace of the image (the kubelet's is C(k8s.io)).
    type: str
    default: k8s.io
  timeout:
    description: Seconds O(command=save) may take (C(etcdctl --command-timeout)); a large database needs more.
    type: int
    default: 600
notes:
  - Kubernetes' own etcd images 3.6.1-0 to 3.6.4-0 (kubeadm 1.34.0 and 1.34.1) may carry no C(etcdutl),
    and the C(etcdctl) of etcd 3.6 has no snapshot status or restore; status and restore then fail with
    a message naming the image. From 3.5.23-0 and 3.6.5-0 on the tags are etcd's release images, which
    have C(etcdutl).
  - The snapshot holds every Secret of the cluster; keep its directory C(0700) and copies of it
    as protected as the control-plane nodes.
seealso:
  - module: seed.kubeadm.etcd_member
  - name: Restoring an etcd cluster
    description: etcd's recovery guide, the multi-member restore this module performs one member of.
    link: https://etcd.io/docs/latest/op-guide/recovery/
"""

EXAMPLES = r"""
- name: Take and verify a snapshot on the first control plane
  seed.kubeadm.etcd_snapshot:
    command: save
    path: /var/lib/etcd-backup/etcd-snapshot-20261201T120000Z.db
    image: registry.k8s.io/etcd:3.6.6-0

- name: Restore it as member cp1 of a three-member cluster
  seed.kubeadm.etcd_snapshot:
    command: restore
    path: /var/lib/etcd-backup/etcd-snapshot-20261201T120000Z.db
    image: registry.k8s.io/etcd:3.6.6-0
    data_dir: /var/lib/etcd.restored
    name: cp1
    initial_cluster: cp1=https://10.0.0.11:2380,cp2=https://10.0.0.12:2380,cp3=https://10.0.0.13:2380
    initial_advertise_peer_urls: https://10.0.0.11:2380
    initial_cluster_token: seed-restore-1a2b3c
"""

RETURN = r"""
status:
  description: What C(snapshot status -w json) reports of the file (empty in check mode for save).
  returned: always
  type: dict
  sample: {"hash": 3255418386, "revision": 1824, "totalKey": 1031, "totalSize": 2277376}
sha256:
  description: sha256 of the whole snapshot file (empty in check mode for save).
  returned: always
  type: str
size:
  description: Size of the snapshot file in bytes.
  returned: always
  type: int
tool:
  description: The etcd tool that ran the status check and the restore (C(etcdutl) or C(etcdctl)).
  returned: always
  type: str
"""

import hashlib
import json
import os
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

# etcd streams the database, then the sha256 of it (v3rpc maintenance Snapshot); its restore checks
# the trailer when the size is 32 more than a multiple of 512 (the bolt page alignment).
HASH_SIZE = 32
# What etcdctl needs of kubeadm's PKI: the etcd CA and the API server's etcd client certificate
# (bind-mounted one by one: the container never sees the CA keys).
CLIENT_FILES = ("etcd/ca.crt", "apiserver-etcd-client.crt", "apiserver-etcd-client.key")
NOT_FOUND = ("executable file not found", "no such file or directory")


class SnapshotError(Exception):
    """A snapshot or tool run that must fail the task."""


def verify_file(path, chunk=1 << 20):
    """(sha256 of the file, size) after checking the sha256 etcd appends to a streamed snapshot."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise SnapshotError("snapshot %s cannot be read: %s" % (path, exc))
    if size <= HASH_SIZE or size % 512 != HASH_SIZE:
        raise SnapshotError("snapshot %s is damaged or not an etcd snapshot: %d bytes is not a database "
                            "followed by its sha256 (truncated?)" % (path, size))
    whole, body = hashlib.sha256(), hashlib.sha256()
    left = size - HASH_SIZE
    with open(path, "rb") as handle:
        while left > 0:
            data = handle.read(min(chunk, left))
            if not data:
                raise SnapshotError("snapshot %s ended early" % path)
            body.update(data)
            whole.update(data)
            left -= len(data)
        trailer = handle.read()
    whole.update(trailer)
    if trailer != body.digest():
        raise SnapshotError("snapshot %s is damaged: the sha256 etcd appended does not match its content" % path)
    return whole.hexdigest(), size


def mount(path, writable=False):
    return "type=bind,src=%s,dst=%s,options=rbind:%s" % (path, path, "rw" if writable else "ro")


def ctr_argv(ctr, namespace, image, container_id, mounts, argv):
    """The ctr command that runs argv in a throw-away container of image, on the host network."""
    cmd = [ctr, "-n", namespace, "run", "--rm", "--net-host", "--env", "ETCDCTL_API=3"]
    for source, writable in mounts:
        cmd += ["--mount", mount(source, writable)]
    return cmd + [image, container_id] + list(argv)


def tool_missing(output, tool="etcdutl"):
    """True when runc could not start tool in the image (exec: "etcdutl": executable file not found)."""
    text = output.lower()
    return '"%s"' % tool in text and any(marker in text for marker in NOT_FOUND)


def parse_status(output):
    """The JSON object of ``snapshot status -w json`` in output (deprecation lines may precede it)."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict) and "revision" in data:
                return data
    raise SnapshotError("no status in the output of snapshot status: %s" % output.strip()[-500:])


def save_argv(params, path):
    pki = params["pki_dir"]
    return ["etcdctl", "--endpoints=%s" % params["endpoint"], "--cacert=%s/etcd/ca.crt" % pki,
            "--cert=%s/apiserver-etcd-client.crt" % pki, "--key=%s/apiserver-etcd-client.key" % pki,
            "--dial-timeout=10s", "--command-timeout=%ds" % params["timeout"], "snapshot", "save", path]


def restore_argv(tool, params):
    return [tool, "snapshot", "restore", params["path"], "--name", params["name"],
            "--initial-cluster", params["initial_cluster"], "--initial-cluster-token", params["initial_cluster_token"],
            "--initial-advertise-peer-urls", params["initial_advertise_peer_urls"], "--data-dir", params["data_dir"]]


class Runner:
    """Runs etcd's tools in the etcd image through ctr."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.ctr = module.get_bin_path("ctr", required=True)
        self.runs = 0

    def run(self, argv, mounts):
        self.runs += 1
        container_id = "seed-etcd-%s-%d-%d" % (self.params["command"], os.getpid(), self.runs)
        cmd = ctr_argv(self.ctr, self.params["namespace"], self.params["image"], container_id, mounts, argv)
        rc, out, err = self.module.run_command(cmd, environ_update={"LC_ALL": "C"})
        out, err = out or "", err or ""
        if rc != 0 and 'image "%s": not found' % self.params["image"] in err + out:
            raise SnapshotError("the etcd image %s is not in containerd's %s namespace: %s"
                                % (self.params["image"], self.params["namespace"], (err or out).strip()))
        return rc, out, err

    def either_tool(self, argv_of, mounts, what):
        """Run with etcdutl, or etcdctl when the image has no etcdutl; (tool, stdout)."""
        for tool in ("etcdutl", "etcdctl"):
            rc, out, err = self.run(argv_of(tool), mounts)
            if rc == 0:
                return tool, out
            if tool == "etcdutl" and tool_missing(err + out):
                continue
            raise SnapshotError("%s %s failed (rc=%d): %s" % (tool, what, rc, (err or out).strip()))
        raise SnapshotError("unreachable")

    def status(self, path):
        sha256, size = verify_file(path)
        directory = os.path.dirname(path)
        tool, out = self.either_tool(lambda tool: [tool, "snapshot", "status", path, "-w", "json"],
                                     [(directory, False)], "snapshot status %s" % path)
        try:
            status = parse_status(out)
        except SnapshotError:
            # etcdctl 3.6 has no snapshot status (Kubernetes' own 3.6.1-3.6.4 images lack etcdutl).
            raise SnapshotError("the etcd image %s has no etcdutl and its %s cannot check snapshots (snapshot "
                                "status moved to etcdutl in etcd 3.6): use an etcd image that has etcdutl "
                                "(etcd's release images, the registry.k8s.io/etcd tags from 3.5.23-0 and 3.6.5-0 on)"
                                % (self.params["image"], tool))
        return dict(status=status, sha256=sha256, size=size, tool=tool)

    def save(self, path):
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            raise SnapshotError("the snapshot directory %s does not exist" % directory)
        pki = self.params["pki_dir"]
        credentials = [("%s/%s" % (pki, name), False) for name in CLIENT_FILES]
        rc, out, err = self.run(save_argv(self.params, path), credentials + [(directory, True)])
        if rc != 0:
            raise SnapshotError("etcdctl snapshot save from %s failed (rc=%d): %s"
                                % (self.params["endpoint"], rc, (err or out).strip()))
        try:
            return self.status(path)
        except SnapshotError:
            os.remove(path)
            raise

    def restore(self):
        params = self.params
        missing = [key for key in ("data_dir", "name", "initial_cluster", "initial_advertise_peer_urls",
                                   "initial_cluster_token") if not params[key]]
        if missing:
            raise SnapshotError("command=restore needs %s" % ", ".join(missing))
        data_dir = params["data_dir"].rstrip("/")
        if os.path.lexists(data_dir):
            raise SnapshotError("data_dir %s exists already; etcd restores into a new directory only" % data_dir)
        parent = os.path.dirname(data_dir)
        if not os.path.isdir(parent):
            raise SnapshotError("the parent directory %s of data_dir does not exist" % parent)
        checked = self.status(params["path"])
        if self.module.check_mode:
            return checked
        # The tool writes into a private staging directory next to data_dir (the only writable
        # mount of its container), then the result is renamed into place.
        staging = "%s.staging-%d" % (data_dir, os.getpid())
        os.mkdir(staging, 0o700)
        try:
            target = os.path.join(staging, "data")
            tool, dummy = self.either_tool(lambda tool: restore_argv(tool, dict(params, data_dir=target)),
                                           [(os.path.dirname(params["path"]), False), (staging, True)],
                                           "snapshot restore %s" % params["path"])
            if not os.path.isdir(os.path.join(target, "member")):
                raise SnapshotError("%s snapshot restore left no member directory in %s" % (tool, target))
            os.chmod(target, 0o700)
            os.rename(target, data_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        checked["tool"] = tool
        return checked


def main():
    module = AnsibleModule(
        argument_spec=dict(
            command=dict(type="str", required=True, choices=["save", "status", "restore"]),
            path=dict(type="path", required=True),
            image=dict(type="str", required=True),
            endpoint=dict(type="str", default="https://127.0.0.1:2379"),
            pki_dir=dict(type="path", default="/etc/kubernetes/pki"),
            data_dir=dict(type="path"),
            name=dict(type="str"),
            initial_cluster=dict(type="str"),
            initial_advertise_peer_urls=dict(type="str"),
            initial_cluster_token=dict(type="str", no_log=False),
            namespace=dict(type="str", default="k8s.io"),
            timeout=dict(type="int", default=600),
        ),
        required_if=[("command", "restore", ("data_dir", "name", "initial_cluster", "initial_advertise_peer_urls",
                                             "initial_cluster_token"))],
        supports_check_mode=True,
    )
    params = module.params
    empty = dict(status={}, sha256="", size=0, tool="")
    try:
        runner = Runner(module)
        if params["command"] == "status":
            module.exit_json(changed=False, **runner.status(params["path"]))
        if params["command"] == "save" and module.check_mode:
            module.exit_json(changed=True, **empty)
        if params["command"] == "save":
            module.exit_json(changed=True, **runner.save(params["path"]))
        module.exit_json(changed=True, **runner.restore())
    except (SnapshotError, IOError, OSError) as exc:
        module.fail_json(msg=to_native(exc), **empty)


if __name__ == "__main__":
    main()
