# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: complete the keepalived VRRP instances of one host (role keepalived)."""

from __future__ import annotations

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
    """Files role keepalived renders: per instance its track script, its release script and its VRRP
    file, then keepalived.conf."""
    files = []
    for inst in instances or []:
        if inst.get("check"):
            files.append({"src": "check.sh.j2", "dest": "%s/check_%s.sh" % (config_dir, inst["name"]),
                          "mode": "0755", "instance": inst})
        files.append({"src": "release.sh.j2", "dest": "%s/release_%s.sh" % (config_dir, inst["name"]),
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
