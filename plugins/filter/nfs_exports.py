# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: complete the NFS exports of role nfs_server."""

from __future__ import annotations

DOCUMENTATION = r"""
name: nfs_exports
short_description: NFS exports completed with the defaults of role nfs_server
version_added: 0.1.0
description:
  - Completes every export with O(defaults) (keys C(clients), C(options), C(owner), C(group),
    C(mode)); the export's own keys win. C(pseudo) (the NFSv4 path of NFS-Ganesha) defaults to the path.
  - Adds what an NFS-Ganesha C(EXPORT) block needs, read from the export's options in
    C(/etc/exports) syntax; C(squash) (C(no_root_squash), C(all_squash), else C(root_squash)),
    C(anonuid) and C(anongid) (from C(anonuid=)/C(anongid=), default C(65534)) and C(access)
    (C(RO) with the C(ro) option, else C(RW)).
options:
  _input:
    description: The exports (O(seed.kubeadm.nfs_server#role:main:nfs_server_exports)); each needs C(path).
    type: list
    elements: dict
    required: true
  defaults:
    description: Values of exports that set none (keys C(clients), C(options), C(owner), C(group), C(mode)).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Exports of this server
  ansible.builtin.debug:
    msg: >-
      {{ [{'path': '/srv/nfs/k8s'}] | seed.kubeadm.nfs_exports({'clients': ['10.0.0.11'],
         'options': ['rw', 'sync', 'root_squash'], 'owner': '65534', 'group': '65534', 'mode': '0755'}) }}
# [{'path': '/srv/nfs/k8s', 'clients': ['10.0.0.11'], 'options': ['rw', 'sync', 'root_squash'],
#   'owner': '65534', 'group': '65534', 'mode': '0755', 'pseudo': '/srv/nfs/k8s',
#   'squash': 'root_squash', 'anonuid': '65534', 'anongid': '65534', 'access': 'RW'}]
"""

RETURN = r"""
_value:
  description:
    - The completed exports in input order, each with C(path), C(clients), C(options), C(owner),
      C(group), C(mode), C(pseudo), C(squash), C(anonuid), C(anongid) and C(access), and
      C(directory), the export directory as an entry of the O(seed.kubeadm.node_state#module:directories)
      of M(seed.kubeadm.node_state) (C(path), C(owner), C(group), C(mode)).
  type: list
  elements: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

_KEYS = ("clients", "options", "owner", "group", "mode")


def _option_value(options, key, default):
    for option in options:
        if option.startswith(key + "="):
            return option.split("=", 1)[1]
    return default


def nfs_exports(exports, defaults=None):
    """Exports completed with the defaults and the NFS-Ganesha settings derived from their options."""
    if not isinstance(exports, (list, tuple)):
        raise AnsibleFilterError("nfs_exports expects a list of exports, got %s" % type(exports).__name__)
    defaults = defaults or {}
    result = []
    for export in exports:
        if not isinstance(export, Mapping) or not export.get("path"):
            raise AnsibleFilterError("every NFS export needs a path: %r" % (export,))
        done = {key: defaults.get(key) for key in _KEYS}
        done["pseudo"] = export["path"]
        done.update(export)
        options = [str(o) for o in done.get("options") or []]
        done["options"] = options
        done["clients"] = [str(c) for c in done.get("clients") or []]
        done["squash"] = ("no_root_squash" if "no_root_squash" in options
                          else "all_squash" if "all_squash" in options else "root_squash")
        done["anonuid"] = _option_value(options, "anonuid", "65534")
        done["anongid"] = _option_value(options, "anongid", "65534")
        done["access"] = "RO" if "ro" in options else "RW"
        done["directory"] = {key: done[key] for key in ("path", "owner", "group", "mode")}
        result.append(done)
    return result


class FilterModule:
    """NFS filters."""

    def filters(self):
        return {"nfs_exports": nfs_exports}
