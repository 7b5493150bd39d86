# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: the cluster address of a host, from its hostvars."""

from __future__ import annotations

DOCUMENTATION = r"""
name: node_address
short_description: The cluster address of a host
version_added: 0.1.0
description:
  - Returns the address a host uses inside the cluster, from that host's C(hostvars) entry.
  - In order, the first that is set wins; C(cluster_node_ip), C(ansible_host) when it is an IP
    address, the default IPv4 address from gathered facts (C(ansible_default_ipv4)).
  - Fails with a message naming the host and the fix when none is known.
options:
  _input:
    description: The C(hostvars) entry of one host (for example C(hostvars[inventory_hostname])).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Address of the first control-plane host
  ansible.builtin.debug:
    msg: "{{ hostvars[groups['control_plane'][0]] | seed.kubeadm.node_address }}"
"""

RETURN = r"""
_value:
  description: An IPv4 or IPv6 address.
  type: str
"""

import ipaddress

from ansible.errors import AnsibleFilterError


def _is_ip(value):
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return True


def node_address(hostvars):
    """Return the cluster address of the host whose hostvars are given."""
    try:
        name = hostvars.get("inventory_hostname", "?")
        explicit = hostvars.get("cluster_node_ip") or ""
        if explicit:
            if not _is_ip(explicit):
                raise AnsibleFilterError(
                    "host %s: cluster_node_ip=%r is not an IP address; set it to the node's address" % (name, explicit)
                )
            return str(explicit)
        host = hostvars.get("ansible_host") or ""
        if host and _is_ip(host):
            return str(host)
        facts = hostvars.get("ansible_facts") or {}
        default = (facts.get("default_ipv4") or {}).get("address") or (hostvars.get("ansible_default_ipv4") or {}).get("address")
    except AttributeError as exc:
        raise AnsibleFilterError("node_address expects a hostvars entry, got %s" % type(hostvars).__name__) from exc
    if default:
        return str(default)
    raise AnsibleFilterError(
        "host %s: no cluster address known; set cluster_node_ip (or ansible_host to an IP) for it, "
        "or gather its network facts in this run" % name
    )


class FilterModule:
    """Cluster address filters."""

    def filters(self):
        return {"node_address": node_address}
