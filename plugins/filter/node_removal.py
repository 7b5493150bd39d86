# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: the plan and the refusals of removing one node (playbooks/remove_node.yml)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: node_removal
short_description: Plan the removal of one node from a kubeadm cluster, or say why it must not happen
version_added: 0.2.0
description:
  - Decides, before anything changes, whether the host or Node O(_input) can be removed, and how.
  - Refuses an empty name; a name that is neither an inventory host of the cluster nor a Node of
    it; a Node that no inventory host carries (it cannot be reset); Node objects that could not be
    read; the last control plane; the control plane that is the cluster's API endpoint (no VIP,
    no DNS name); a removal that would leave the stacked etcd without a quorum of healthy members
    (counting the members etcd itself lists, with the health each control plane read from its member).
  - Picks the control plane that drains, deletes the Node and removes the etcd member
    (C(via)) - the host that runs the cluster unless it is the one removed, and with
    stacked etcd a host whose member is healthy.
positional: _input
options:
  _input:
    description: The host to remove, as its inventory name or its Kubernetes node name.
    type: str
    required: true
  cluster_facts:
    description: The run's C(cluster_facts) (C(control_plane), C(workers), C(node_names), C(first_control_plane), C(api), C(hosts)).
    type: dict
    required: true
  api_nodes:
    description: Names of the Node objects of the cluster; null when they could not be read.
    type: list
    elements: str
  members:
    description: Names of the stacked etcd members (C(etcd_member) with C(state=query)); null with an external etcd.
    type: list
    elements: str
  health:
    description: Whether each control-plane host's etcd member is healthy, by inventory host.
    type: dict
  member_names:
    description: The etcd member name each control-plane host runs (from its etcd static pod), by inventory host.
    type: dict
"""

EXAMPLES = r"""
- name: Plan the removal
  ansible.builtin.set_fact:
    removal: >-
      {{ node | seed.kubeadm.node_removal(cluster_facts, api_nodes=nodes, members=etcd.members,
                                          health=health_by_host, member_names=member_by_host) }}
# {"host": "cp3", "node_name": "cp3", "control_plane": true, "in_api": true, "etcd_member": "cp3",
#  "via": "cp1", "lb_host": true, "problems": [], "warnings": ["etcd keeps 2 members ..."]}
"""

RETURN = r"""
_value:
  description:
    - C(host) (inventory name, empty when unknown), C(node_name), C(control_plane) and
      C(worker) (bools), C(in_api) (the Node exists; null when unknown), C(etcd_member) (the name
      of its etcd member still in the cluster, else empty), C(via) (the control plane that acts),
      C(lb_host) (it carries the API VIP), C(problems) and C(warnings) (lists of sentences).
  type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _host_of(target, facts):
    """The inventory host named `target`, or whose node name is `target`; empty when none."""
    names = facts.get("node_names") or {}
    hosts = list(facts.get("control_plane") or []) + list(facts.get("workers") or [])
    if target in hosts:
        return target
    return next((h for h in hosts if names.get(h) == target), "")


def _quorum_problem(node, members, healthy):
    """A sentence when removing `node`'s member would leave etcd without a healthy quorum."""
    left = [m for m in members if m != node]
    good = [m for m in left if m in healthy]
    need = len(left) // 2 + 1
    if len(good) >= need:
        return ""
    down = sorted(set(left) - set(good))
    return ("removing %s would leave etcd with %d member(s), %d of them healthy, below its quorum of %d: "
            "bring the unhealthy members back first (%s). Nothing was changed."
            % (node, len(left), len(good), need, ", ".join(down)))


def node_removal(target, cluster_facts, api_nodes=None, members=None, health=None, member_names=None):
    if not isinstance(cluster_facts, Mapping):
        raise AnsibleFilterError("node_removal needs cluster_facts as a dict")
    target = "" if target is None else str(target).strip()
    facts = cluster_facts
    control_plane = list(facts.get("control_plane") or [])
    workers = list(facts.get("workers") or [])
    names = facts.get("node_names") or {}
    health = health or {}
    member_names = member_names or {}
    out = {"host": "", "node_name": target, "control_plane": False, "worker": False, "in_api": None,
           "etcd_member": "", "via": "", "lb_host": False, "problems": [], "warnings": []}
    problems = out["problems"]
    if not target:
        problems.append("node is empty: name the host to remove with -e node=<inventory host or node name>. "
                        "Nothing was changed.")
        return out
    host = _host_of(target, facts)
    node_name = names.get(host, target) if host else target
    out.update(host=host, node_name=node_name, control_plane=host in control_plane,
               worker=host in workers and host not in control_plane,
               lb_host=host in ((facts.get("api") or {}).get("lb_hosts") or []))
    if api_nodes is not None:
        out["in_api"] = node_name in api_nodes
    if not host:
        if out["in_api"]:
            problems.append("node=%s is a Node of the cluster but no host of the inventory's k8s_cluster group: add "
                            "the host to the inventory so that it can be reset, or delete the Node alone with "
                            "kubectl. Nothing was changed." % target)
        else:
            problems.append("node=%s is neither a host of the inventory's k8s_cluster group (%s) nor a Node of the "
                            "cluster. Nothing was changed." % (target, ", ".join(control_plane + workers) or "empty"))
        return out

    if api_nodes is None:
        problems.append("the cluster's Node objects could not be read (the API did not answer through the first "
                        "healthy control plane): the drain and the deletion of the Node need it. Nothing was changed.")
        return out
    api = facts.get("api") or {}
    address = ((facts.get("hosts") or {}).get(host) or {}).get("address")
    if out["control_plane"] and not api.get("vip") and not api.get("name") and address and api.get("host") == address:
        problems.append("%s is the API endpoint every kubeconfig and kubelet of the cluster uses (%s; no cluster_api_vip "
                        "or cluster_api_name): removing it would cut them all off. Put the API behind a VIP or a DNS "
                        "name first. Nothing was changed." % (host, api.get("endpoint") or address))
        return out

    others = [h for h in [facts.get("first_control_plane")] + control_plane if h and h != host]
    others = list(dict.fromkeys(others))
    if out["control_plane"] and not others:
        problems.append("%s is the last control plane: removing it would remove the cluster. Use "
                        "playbooks/reset.yml to tear the whole cluster down. Nothing was changed." % host)
        return out

    stacked = members is not None
    if stacked:
        healthy_members = {member_names.get(h) for h, ok in health.items() if ok and member_names.get(h)}
        own = member_names.get(host) or node_name
        out["etcd_member"] = own if own in members else ""
        candidates = [h for h in others if health.get(h)]
        if out["etcd_member"]:
            quorum = _quorum_problem(own, members, healthy_members)
            if quorum:
                problems.append(quorum)
            elif (len(members) - 1) % 2 == 0:
                out["warnings"].append("etcd keeps %d members after the removal: an even number tolerates no more "
                                       "failures than one member fewer; add a control plane back to keep an odd "
                                       "count" % (len(members) - 1))
    else:
        candidates = others
    if not candidates:
        problems.append("no other control plane with a healthy etcd member can drain %s and delete its Node "
                        "(control planes: %s). Nothing was changed." % (host, ", ".join(control_plane)))
    else:
        out["via"] = candidates[0]
    return out


class FilterModule(object):
    def filters(self):
        return {"node_removal": node_removal}
