# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Firewall openings of node_prep (node_prep_firewall: configured), computed per host for several inventories."""

from __future__ import annotations

import pytest
import yaml

from role_render import ROLES, RoleRender, role_variables

BASE = {("10250", "tcp"), ("30000:32767", "tcp"), ("30000:32767", "udp")}
CONTROL_PLANE = {("6443", "tcp"), ("2379:2380", "tcp"), ("10257", "tcp"), ("10259", "tcp")}


def render(host, groups, extra=None):
    variables = role_variables("node_prep")
    variables.update(extra or {})
    names = sorted({h for members in groups.values() for h in members})
    hostvars = {name: {"inventory_hostname": name, "ansible_host": "10.0.0.%d" % (i + 10)} for i, name in enumerate(names)}
    groups = dict(groups, all=names)
    variables.update(hostvars[host])
    variables.update(inventory_hostname=host, hostvars=hostvars, groups=groups, ansible_play_hosts_all=names,
                     ansible_facts={"os_family": "Debian"})
    return RoleRender("node_prep", variables)


def ports(r):
    return {(p["port"], p["proto"]) for p in r("node_prep_firewall_ports")}


def protocols(r):
    return [p["number"] for p in r("node_prep_firewall_protocols")]


# One host that is everything: control plane (API VIP holder), ingress, NFS server, worker-less cluster.
ALL_IN_ONE = {"control_plane": ["n1"], "k8s_cluster": ["n1"], "ingress": ["n1"], "nfs_server": ["n1"]}
# 3 control planes; cp1 also ingress; w1 worker + NFS server; w2 worker + ingress; lb1 dedicated LB.
HA = {"control_plane": ["cp1", "cp2", "cp3"], "workers": ["w1", "w2"], "k8s_cluster": ["cp1", "cp2", "cp3", "w1", "w2"],
      "ingress": ["cp1", "w2"], "nfs_server": ["w1"]}


def test_single_host_with_every_role_default_calico_ipip():
    r = render("n1", ALL_IN_ONE, {"cluster_cni": "calico", "cluster_api_vip": "10.0.0.100"})
    assert ports(r) == BASE | CONTROL_PLANE | {("16443", "tcp"), ("179", "tcp"), ("80", "tcp"), ("443", "tcp"), ("2049", "tcp")}
    # VRRP for the API VIP, IP-in-IP (protocol 4) for calico's default ipip mode.
    assert protocols(r) == [112, 4]
    assert r("node_prep_ufw_before_rules") == ["-A ufw-before-input -p 4 -j ACCEPT"]


def test_lb_port_on_a_control_plane_host_that_is_also_an_ingress_host():
    r = render("cp1", HA, {"cluster_api_vip": "10.0.0.100"})
    assert {("16443", "tcp"), ("80", "tcp"), ("443", "tcp")} <= ports(r)
    assert ("16443", "tcp") not in ports(render("w2", HA, {"cluster_api_vip": "10.0.0.100"}))
    # Without a VIP there is no load balancer and no keepalived for it.
    assert ("16443", "tcp") not in ports(render("cp1", HA))
    assert protocols(render("cp1", HA)) == []


def test_dedicated_lb_group_moves_the_lb_port():
    groups = dict(HA, apiserver_lb=["w1"])
    extra = {"cluster_api_vip": "10.0.0.100"}
    assert ("16443", "tcp") not in ports(render("cp1", groups, extra))
    assert ("16443", "tcp") in ports(render("w1", groups, extra))
    assert protocols(render("w1", groups, extra)) == [112]


def test_nfs_server_that_is_a_node():
    assert ("2049", "tcp") in ports(render("w1", HA))
    assert ("2049", "tcp") not in ports(render("w2", HA))


def test_ingress_ports_follow_the_ingress_settings():
    extra = {"ingress_http_port": 8080, "ingress_https_port": 8443, "ingress_vip": "10.0.0.101"}
    r = render("w2", HA, extra)
    assert {("8080", "tcp"), ("8443", "tcp")} <= ports(r) and ("80", "tcp") not in ports(r)
    assert protocols(r) == [112]  # keepalived of the ingress VIP
    assert ("8080", "tcp") not in ports(render("w1", HA, extra))


def test_defaults_read_from_other_roles_match_their_defaults():
    def defaults(role):
        with open("%s/%s/defaults/main.yml" % (ROLES, role), encoding="utf-8") as handle:
            return yaml.safe_load(handle)

    settings = render("w2", HA)("node_prep_fw_settings")
    ingress, cni = defaults("ingress"), defaults("cni")
    assert int(settings["ingress_http_port"]) == ingress["ingress_http_port"]
    assert int(settings["ingress_https_port"]) == ingress["ingress_https_port"]
    assert settings["ingress_vip"] == ingress["ingress_vip"]
    assert settings["calico_mode"] == cni["cni_calico_mode"]
    assert settings["flannel_backend"] == cni["cni_flannel_backend"]


@pytest.mark.parametrize("cni, mode, expect_ports, expect_protocols", [
    ("flannel", {}, {("8472", "udp")}, []),
    ("flannel", {"cni_flannel_backend": "host-gw"}, set(), []),
    ("calico", {}, {("179", "tcp")}, [4]),
    ("calico", {"cni_calico_mode": "ipip", "cni_calico_cross_subnet": True}, {("179", "tcp")}, [4]),
    ("calico", {"cni_calico_mode": "vxlan"}, {("4789", "udp")}, []),
    ("calico", {"cni_calico_mode": "bgp"}, {("179", "tcp")}, []),
])
def test_cni_openings(cni, mode, expect_ports, expect_protocols):
    r = render("w1", HA, dict(mode, cluster_cni=cni))
    assert ports(r) == BASE | expect_ports | {("2049", "tcp")}
    assert protocols(r) == expect_protocols


def test_offline_init_node_and_extra_ports():
    groups = dict(HA, init=["w1"])
    r = render("w1", groups, {"cluster_source": "offline", "node_prep_firewall_extra_ports": [{"port": "9100", "proto": "tcp"}]})
    assert {("60080", "tcp"), ("80", "tcp"), ("9100", "tcp")} <= ports(r)
    assert len(r("node_prep_firewall_ports")) == len(ports(r))  # no duplicates
