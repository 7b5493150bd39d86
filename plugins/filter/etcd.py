# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: read an etcd member from kubeadm's etcd static pod (role etcd)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: etcd_static_pod
short_description: The etcd member a kubeadm etcd static pod manifest runs
version_added: 0.1.0
description:
  - Reads the manifest kubeadm writes to C(/etc/kubernetes/manifests/etcd.yaml) (phase
    C(etcd local)) and returns what a snapshot restore needs of that member - its name, peer URL,
    data directory and image - from the C(etcd) container's command line (C(--name),
    C(--initial-advertise-peer-urls), C(--data-dir)), the same flags kubeadm itself reads back.
  - The manifest is the source of truth; a member restored with these values is the member the
    static pod runs once its manifest is back.
  - A manifest without an etcd container, or without one of these flags, fails the filter naming
    what is missing.
positional: _input
options:
  _input:
    description: The manifest, as a dict (for example C(slurp) content, C(b64decode), C(from_yaml)).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Read the local etcd member
  ansible.builtin.set_fact:
    member: "{{ (manifest.content | b64decode | from_yaml) | seed.kubeadm.etcd_static_pod }}"
# {"name": "cp1", "peer_url": "https://10.0.0.11:2380", "data_dir": "/var/lib/etcd",
#  "image": "registry.k8s.io/etcd:3.6.6-0", "client_url": "https://10.0.0.11:2379", "wal_dir": ""}
"""

RETURN = r"""
_value:
  description:
    - C(name), C(peer_url), C(data_dir) (without a trailing slash), C(image), C(client_url) and
      C(wal_dir) (empty when the manifest has no C(--advertise-client-urls), no C(--wal-dir)).
  type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

FLAGS = {"name": "name", "initial-advertise-peer-urls": "peer_url", "data-dir": "data_dir",
         "advertise-client-urls": "client_url", "wal-dir": "wal_dir"}
OPTIONAL = ("client_url", "wal_dir")


def etcd_static_pod(manifest):
    """name, peer_url, data_dir, image, client_url of the etcd member a static pod manifest runs."""
    if not isinstance(manifest, Mapping):
        raise AnsibleFilterError("etcd_static_pod needs the manifest as a dict, got %s" % type(manifest).__name__)
    containers = ((manifest.get("spec") or {}).get("containers")) or []
    container = next((c for c in containers if isinstance(c, Mapping) and c.get("name") == "etcd"), None)
    if container is None:
        raise AnsibleFilterError("the manifest has no container named etcd (not kubeadm's etcd static pod)")
    out = {"image": str(container.get("image") or "")}
    argv = [str(arg) for arg in (container.get("command") or []) + (container.get("args") or [])]
    for index, arg in enumerate(argv):
        if not arg.startswith("--"):
            continue
        name, eq, value = arg[2:].partition("=")
        if not eq and index + 1 < len(argv) and not argv[index + 1].startswith("--"):
            value = argv[index + 1]
        if name in FLAGS:
            out[FLAGS[name]] = value.split(",")[0] if name.endswith("-urls") else value
    missing = [flag for flag, key in FLAGS.items() if key not in out and key not in OPTIONAL]
    if not out["image"]:
        missing.append("image")
    if missing:
        raise AnsibleFilterError("the etcd static pod has no %s" % ", ".join("--" + m if m != "image" else m for m in missing))
    for key in OPTIONAL:
        out.setdefault(key, "")
    if len(out["data_dir"]) > 1:
        out["data_dir"] = out["data_dir"].rstrip("/") or "/"
    return out


class FilterModule:
    """etcd filters."""

    def filters(self):
        return {"etcd_static_pod": etcd_static_pod}
