# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter node_removal: the plan of playbooks/remove_node.yml and every refusal, before any change."""

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.seed.kubeadm.plugins.filter.node_removal import node_removal

FACTS = {
    "control_plane": ["cp1", "cp2", "cp3"],
    "workers": ["w1"],
    "node_names": {"cp1": "cp1", "cp2": "cp2", "cp3": "cp3", "w1": "worker-1"},
    "first_control_plane": "cp1",
    "api": {"lb_hosts": ["cp1", "cp2", "cp3"], "vip": "10.0.0.100", "name": "", "host": "10.0.0.100",
            "endpoint": "10.0.0.100:16443"},
    "hosts": {"cp1": {"address": "10.0.0.11"}, "cp2": {"address": "10.0.0.12"}, "cp3": {"address": "10.0.0.13"},
              "w1": {"address": "10.0.0.21"}},
}
MEMBERS = ["cp1", "cp2", "cp3"]
NAMES = {"cp1": "cp1", "cp2": "cp2", "cp3": "cp3"}
ALL_OK = {"cp1": True, "cp2": True, "cp3": True}


def plan(target, facts=None, **kw):
    facts = FACTS if facts is None else facts
    kw.setdefault("api_nodes", ["cp1", "cp2", "cp3", "worker-1"])
    kw.setdefault("members", MEMBERS)
    kw.setdefault("health", ALL_OK)
    kw.setdefault("member_names", NAMES)
    return node_removal(target, facts, **kw)


def test_worker_by_node_name():
    out = plan("worker-1")
    assert (out["host"], out["node_name"], out["worker"], out["control_plane"]) == ("w1", "worker-1", True, False)
    assert (out["in_api"], out["etcd_member"], out["via"], out["lb_host"]) == (True, "", "cp1", False)
    assert out["problems"] == [] and out["warnings"] == []


def test_control_plane_member_removed_through_another_host_with_a_warning_on_the_even_count():
    out = plan("cp1")
    assert (out["control_plane"], out["etcd_member"], out["via"], out["lb_host"]) == (True, "cp1", "cp2", True)
    assert out["problems"] == []
    assert out["warnings"] == ["etcd keeps 2 members after the removal: an even number tolerates no more failures "
                               "than one member fewer; add a control plane back to keep an odd count"]


def test_via_skips_a_host_whose_member_is_unhealthy():
    out = plan("w1", health={"cp1": False, "cp2": True, "cp3": True})
    assert out["via"] == "cp2" and out["problems"] == []


@pytest.mark.parametrize("target", ["", None, "  "])
def test_empty_name(target):
    assert plan(target)["problems"] == [
        "node is empty: name the host to remove with -e node=<inventory host or node name>. Nothing was changed."]


def refused(node_name, problem, host="", worker=False, in_api=True):
    """The whole plan of a refused removal: nothing to act on, through nobody."""
    return {"host": host, "node_name": node_name, "control_plane": False, "worker": worker, "in_api": in_api,
            "etcd_member": "", "via": "", "lb_host": False, "problems": [problem], "warnings": []}


def test_unknown_name():
    assert plan("cp9") == refused("cp9", "node=cp9 is neither a host of the inventory's k8s_cluster group (cp1, cp2, cp3, "
                                         "w1) nor a Node of the cluster. Nothing was changed.", in_api=False)
    assert plan("cp9", facts=dict(FACTS, control_plane=[], workers=[]))["problems"] == [
        "node=cp9 is neither a host of the inventory's k8s_cluster group (empty) nor a Node of the cluster. Nothing was changed."]


def test_node_without_inventory_host():
    assert plan("old-node", api_nodes=["cp1", "old-node"]) == refused(
        "old-node", "node=old-node is a Node of the cluster but no host of the inventory's k8s_cluster group: add the host "
                    "to the inventory so that it can be reset, or delete the Node alone with kubectl. Nothing was changed.")


def test_last_control_plane():
    facts = dict(FACTS, control_plane=["cp1"], workers=["w1"])
    out = plan("cp1", facts=facts, members=["cp1"])
    assert out["problems"] == ["cp1 is the last control plane: removing it would remove the cluster. Use "
                               "playbooks/reset.yml to tear the whole cluster down. Nothing was changed."]


def test_quorum_refusal_names_the_unhealthy_members():
    out = plan("cp3", health={"cp1": True, "cp2": False, "cp3": True})
    assert out["problems"] == ["removing cp3 would leave etcd with 2 member(s), 1 of them healthy, below its quorum "
                               "of 2: bring the unhealthy members back first (cp2). Nothing was changed."]


def test_removing_the_unhealthy_member_keeps_quorum():
    out = plan("cp2", health={"cp1": True, "cp2": False, "cp3": True})
    assert out["problems"] == [] and out["via"] == "cp1"


def test_five_members_two_down_refused_one_down_allowed():
    facts = dict(FACTS, control_plane=["cp1", "cp2", "cp3", "cp4", "cp5"])
    members = ["cp1", "cp2", "cp3", "cp4", "cp5"]
    names = {h: h for h in members}
    two_down = {"cp1": True, "cp2": True, "cp3": True, "cp4": False, "cp5": False}
    assert plan("cp3", facts=facts, members=members, member_names=names, health=two_down)["problems"]
    one_down = dict(two_down, cp5=True)
    out = plan("cp3", facts=facts, members=members, member_names=names, health=one_down)
    assert out["problems"] == [] and out["warnings"][0].startswith("etcd keeps 4 members after the removal")


def test_stale_member_without_a_host_counts_against_the_quorum():
    out = plan("cp3", members=["cp1", "cp2", "cp3", "gone"])
    # 3 members left (cp1, cp2, gone), 2 healthy: the quorum of 2 holds.
    assert out["problems"] == []
    out = plan("cp3", members=["cp1", "cp2", "cp3", "gone"], health={"cp1": True, "cp2": False, "cp3": True})
    assert "(cp2, gone)" in out["problems"][0]


def test_resumed_removal_member_already_gone():
    out = plan("cp3", members=["cp1", "cp2"], health={"cp1": True, "cp2": True, "cp3": False}, api_nodes=["cp1", "cp2", "cp3"])
    assert (out["etcd_member"], out["problems"], out["via"]) == ("", [], "cp1")


def test_no_healthy_control_plane_left_to_act():
    assert plan("w1", health={"cp1": False, "cp2": False, "cp3": False}) == refused(
        "worker-1", "no other control plane with a healthy etcd member can drain w1 and delete its Node (control planes: "
                    "cp1, cp2, cp3). Nothing was changed.", host="w1", worker=True)


def test_external_etcd_has_no_member_checks():
    out = plan("cp1", members=None, health={})
    assert (out["etcd_member"], out["via"], out["problems"], out["warnings"]) == ("", "cp2", [], [])


def test_unreadable_api_is_refused():
    assert plan("w1", api_nodes=None) == refused(
        "worker-1", "the cluster's Node objects could not be read (the API did not answer through the first healthy "
                    "control plane): the drain and the deletion of the Node need it. Nothing was changed.",
        host="w1", worker=True, in_api=None)


def test_the_api_endpoint_without_vip_is_refused():
    facts = dict(FACTS, api={"lb_hosts": [], "vip": "", "name": "", "host": "10.0.0.11", "endpoint": "10.0.0.11:6443"})
    out = plan("cp1", facts=facts)
    assert out["problems"] == [
        "cp1 is the API endpoint every kubeconfig and kubelet of the cluster uses (10.0.0.11:6443; no cluster_api_vip "
        "or cluster_api_name): removing it would cut them all off. Put the API behind a VIP or a DNS name first. "
        "Nothing was changed."]
    assert plan("cp2", facts=facts)["problems"] == []
    named = dict(facts, api=dict(facts["api"], name="api.example.test", host="api.example.test"))
    assert plan("cp1", facts=named)["problems"] == []


def test_bad_facts():
    with pytest.raises(AnsibleFilterError, match="^node_removal needs cluster_facts as a dict$"):
        node_removal("w1", None)
