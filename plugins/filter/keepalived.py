# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: complete the keepalived VRRP instances of one host (role keepalived)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: keepalived_instances
short_description: The VRRP instances one host carries, completed for its instance files
version_added: 0.1.0
description:
  - Keeps the instances whose C(hosts) list O(host) and completes each with O(defaults) (the
    instance's own keys win, as C(combine) does) and the values the instance file needs on that host.
  - C(virtual_router_id) is the instance's own (when set and not 0), else
    C(seed.kubeadm.keepalived_router_id) of its C(vip), the one place that default is computed.
  - C(priority_value) is the host's entry in the instance's C(priority) mapping (when set and not 0),
    else C(priority_base) minus the host's position in C(hosts).
  - C(address) is the host's cluster address and C(peers) the cluster addresses of the instance's
    other hosts, both read from O(cluster_facts) (C(cluster_facts.hosts[host].address)); a host
    without a known address fails the filter with a message naming it.
  - C(interface_name) is the instance's C(interface), else the interface whose IPv4 address is the
    host's cluster address, found in the host's network facts O(facts) (empty when none matches).
  - C(auth_pass_file) is the instance's own, else C(seed.kubeadm.keepalived_auth_pass_file).
  - The secret C(auth_pass) is left out of the result, so loops over it never print the secret.
  - The same plugin file also provides C(keepalived_router_id), C(keepalived_auth_pass_file) and
    C(keepalived_files).
positional: _input, host, cluster_facts, facts
options:
  _input:
    description:
      - The instances (O(seed.kubeadm.keepalived#role:main:keepalived_instances)); each needs C(name),
        C(vip) and C(hosts).
    type: list
    elements: dict
    required: true
  host:
    description: Inventory name of the host the instances are completed for (C(inventory_hostname)).
    type: str
    required: true
  cluster_facts:
    description: The C(cluster_facts) variable (its C(hosts) mapping gives the cluster addresses).
    type: dict
    required: true
  facts:
    description: The host's C(ansible_facts) with network facts (C(interfaces) and one entry per interface).
    type: dict
    default: {}
  defaults:
    description: Values every instance gets unless it sets them (C(keepalived_instance_defaults)).
    type: dict
    default: {}
  credentials_dir:
    description: Controller directory of generated secrets (C(keepalived_credentials_dir)).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Instances of this host
  ansible.builtin.debug:
    msg: >-
      {{ keepalived_instances | seed.kubeadm.keepalived_instances(inventory_hostname, cluster_facts, ansible_facts,
         defaults=keepalived_instance_defaults, credentials_dir=keepalived_credentials_dir) }}
# [{'name': 'ingress', 'vip': '10.0.0.200', 'hosts': ['n1', 'n2'], ..., 'virtual_router_id': 200,
#   'priority_value': 150, 'address': '10.0.0.11', 'peers': ['10.0.0.12'], 'interface_name': 'eth0',
#   'auth_pass_file': '/inventory/credentials/keepalived-ingress.txt'}]
"""

RETURN = r"""
_value:
  description:
    - The completed instances of the host, in input order. Besides the merged instance keys each has
      C(virtual_router_id) (int), C(priority_value) (int), C(address), C(peers) (list), C(interface_name)
      and C(auth_pass_file); never C(auth_pass).
  type: list
  elements: dict
"""

import hashlib
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

_NUMERIC_DOTTED = re.compile(r"^[0-9.]+$")


def keepalived_router_id(vip):
    """Default VRRP router id of a VIP: its last octet (1..255), else a hash of it (1..255)."""
    vip = "" if vip is None else str(vip)
    if not vip:
        raise AnsibleFilterError("keepalived_router_id needs a VIP, got an empty value")
    if _NUMERIC_DOTTED.match(vip):
        try:
            last = int(vip.rsplit(".", maxsplit=1)[-1])
        except ValueError:
            last = 0
        if last > 0:
            return last
    return int(hashlib.sha1(vip.encode("utf-8")).hexdigest()[:6], 16) % 255 + 1


def keepalived_auth_pass_file(instance, credentials_dir=""):
    """Controller file of an instance's generated secret: its own auth_pass_file, else the default."""
    if not isinstance(instance, Mapping) or not instance.get("name"):
        raise AnsibleFilterError("keepalived_auth_pass_file expects an instance with a name")
    own = instance.get("auth_pass_file")
    if own:
        return str(own)
    directory = str(credentials_dir or "")
    if not directory.strip():
        raise AnsibleFilterError("keepalived_credentials_dir is empty: set it to the controller directory for the "
                                 "generated secret of keepalived instance %s (or give the instance auth_pass_file)"
                                 % instance["name"])
    return "%s/keepalived-%s.txt" % (directory.rstrip("/"), instance["name"])


def _interface_of(facts, address):
    """The interface whose IPv4 address is ``address`` in gathered network facts, '' when none."""
    if not address or not isinstance(facts, Mapping):
        return ""
    for name in facts.get("interfaces") or []:
        entry = facts.get(name)
        if not isinstance(entry, Mapping):
            # Fact names use "_" for "-" and ".".
            entry = facts.get(str(name).replace("-", "_").replace(".", "_"))
        if isinstance(entry, Mapping) and ((entry.get("ipv4") or {}).get("address") or "") == address:
            return str(name)
    return ""


def _address(hosts, host, instance):
    entry = hosts.get(host) if isinstance(hosts, Mapping) else None
    address = (entry or {}).get("address") or ""
    if not address:
        raise AnsibleFilterError(
            "keepalived instance %s: no cluster address known for host %s (cluster_facts.hosts[%r].address); "
            "set cluster_node_ip for it, or let the cluster facts gather its network facts" % (instance, host, host)
        )
    return str(address)


def _int(value, what, instance):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise AnsibleFilterError("keepalived instance %s: %s must be an integer, got %r" % (instance, what, value)) from None


def keepalived_instances(instances, host, cluster_facts, facts=None, defaults=None, credentials_dir=""):
    """The instances ``host`` carries, completed with the defaults and the per-host values."""
    if not isinstance(instances, (list, tuple)):
        raise AnsibleFilterError("keepalived_instances expects a list of instances, got %s" % type(instances).__name__)
    if not isinstance(cluster_facts, Mapping):
        raise AnsibleFilterError("keepalived_instances needs the cluster_facts variable")
    hosts_facts = cluster_facts.get("hosts") or {}
    result = []
    for raw in instances:
        if not isinstance(raw, Mapping) or not raw.get("name") or not raw.get("vip") or raw.get("hosts") is None:
            raise AnsibleFilterError("every keepalived instance needs name, vip and hosts: %r" % (
                {k: v for k, v in dict(raw).items() if k != "auth_pass"} if isinstance(raw, Mapping) else raw,))
        members = [str(h) for h in raw["hosts"]]
        if host not in members:
            continue
        inst = dict(defaults or {})
        inst.update(raw)
        inst.pop("auth_pass", None)
        name = str(inst["name"])
        own_id = inst.get("virtual_router_id")
        router_id = _int(own_id, "virtual_router_id", name) if own_id not in (None, "", 0, "0") else 0
        own_priority = (inst.get("priority") or {}).get(host)
        if own_priority not in (None, "", 0, "0"):
            priority = _int(own_priority, "priority of %s" % host, name)
        else:
            priority = _int(inst.get("priority_base", 150), "priority_base", name) - members.index(host)
        address = _address(hosts_facts, host, name)
        inst.update(
            hosts=members,
            virtual_router_id=router_id or keepalived_router_id(inst["vip"]),
            priority_value=priority,
            address=address,
            peers=[_address(hosts_facts, h, name) for h in members if h != host],
            interface_name=str(inst.get("interface") or "") or _interface_of(facts or {}, address),
            auth_pass_file=keepalived_auth_pass_file(inst, credentials_dir),
        )
        result.append(inst)
    return result


def keepalived_files(instances, config_dir="/etc/keepalived", instance_dir="/etc/keepalived/conf.d"):
    """Files role keepalived renders: per instance its track script and VRRP file, then keepalived.conf."""
    files = []
    for inst in instances or []:
        if inst.get("check"):
            files.append({"src": "check.sh.j2", "dest": "%s/check_%s.sh" % (config_dir, inst["name"]),
                          "mode": "0755", "instance": inst})
        files.append({"src": "instance.conf.j2", "dest": "%s/%s.conf" % (instance_dir, inst["name"]),
                      "mode": "0600", "instance": inst})
    files.append({"src": "keepalived.conf.j2", "dest": "%s/keepalived.conf" % config_dir, "mode": "0644", "instance": {}})
    return files


def keepalived_problems(instances, secrets=None):
    """What is wrong with a host's completed instances and their secrets, one sentence each ([]: nothing).

    ``secrets`` maps instance names to their VRRP secret; only its length is looked at, never printed.
    """
    problems = []
    secrets = secrets or {}
    for inst in instances or []:
        name = str(inst.get("name", ""))
        wrong = []
        if not re.match(r"^[a-z0-9_]+$", name):
            wrong.append("the name must match [a-z0-9_]+")
        if not str(inst.get("vip") or ""):
            wrong.append("vip must be set")
        if not _int_between(inst.get("virtual_router_id"), 1, 255):
            wrong.append("virtual_router_id must be 1..255 (%s)" % inst.get("virtual_router_id"))
        if not _int_between(inst.get("priority_value"), 1, 254):
            wrong.append("priority must be 1..254 (%s)" % inst.get("priority_value"))
        if not str(inst.get("interface_name") or ""):
            wrong.append("no interface carries %s (set the instance's interface)" % inst.get("address"))
        secret = str(secrets.get(inst.get("name"), secrets.get(name)) or "")
        if not 1 <= len(secret) <= 8 or re.search(r"\s", secret):
            wrong.append("the VRRP secret (auth_pass or the content of auth_pass_file) must be 1..8 characters long, "
                         "without spaces")
        if wrong:
            problems.append("instance %s: %s." % (name, "; ".join(wrong)))
    ids = [inst.get("virtual_router_id") for inst in instances or []]
    clashes = sorted(set(str(vrid) for vrid in ids if ids.count(vrid) > 1))
    if clashes:
        problems.append("virtual_router_id %s is used by more than one instance; every VIP on a host needs its own "
                        "virtual_router_id (apiserver_lb_virtual_router_id, ingress_vip_virtual_router_id, or the "
                        "instance's virtual_router_id)." % ", ".join(clashes))
    return problems


def _int_between(value, low, high):
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


class FilterModule:
    """keepalived filters."""

    def filters(self):
        return {
            "keepalived_auth_pass_file": keepalived_auth_pass_file,
            "keepalived_files": keepalived_files,
            "keepalived_instances": keepalived_instances,
            "keepalived_problems": keepalived_problems,
            "keepalived_router_id": keepalived_router_id,
        }
