# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""certs, entry point kubelet_serving: which nodes the approval waits for, since when, and what each
node's certificate may carry, from what the play read on the nodes (role variables evaluated with
ansible-core's Templar)."""

from __future__ import annotations

import base64

import pytest

from role_render import RoleRender, role_variables, trust

FACTS = {
    "nodes": ["cp1", "w1", "w2", "w3"],
    "node_names": {"cp1": "cp1", "w1": "worker-1", "w2": "w2", "w3": "w3"},
    "hosts": {"cp1": {"address": "10.0.0.11"}, "w1": {"address": "10.0.0.21"}, "w2": {"address": "10.0.0.22"},
              "w3": {"address": "10.0.0.23"}},
}


def read(config, pem, mtime=1767225600.5):
    """What the tasks registered on one host: the stats of config.yaml and the pem, the slurped config."""
    stats = [{"stat": {"exists": config is not None, "mtime": mtime}}, {"stat": {"exists": pem}}]
    out = {"__certs_kubelet_serving_files": {"results": stats}}
    if config is not None:
        out["__certs_kubelet_config"] = {"content": base64.b64encode(config.encode()).decode()}
    return out


@pytest.fixture
def render():
    hostvars = {
        "cp1": read("apiVersion: kubelet.config.k8s.io/v1beta1\nserverTLSBootstrap: true\n", pem=True),
        "w1": read("serverTLSBootstrap: true\n", pem=False, mtime=1767229200.0),
        "w2": read("cgroupDriver: systemd\n", pem=False),   # a kubelet of a cluster made before the switch
        "w3": read(None, pem=False),                         # not joined yet
    }
    for host, values in hostvars.items():
        values["inventory_hostname"] = host
    variables = role_variables("certs")
    variables.update(trust({"cluster_facts": FACTS, "ansible_play_hosts": ["cp1", "w1", "w2", "w3"],
                            "certs_kubelet_serving_extra_sans": {"w1": ["fd00::21"]}}))
    variables["hostvars"] = hostvars
    return RoleRender("certs", variables)


def test_only_nodes_whose_kubelet_asks_and_that_lack_a_certificate_are_waited_for(render):
    assert render("__certs_kubelet_serving_asking") == ["cp1", "w1"]
    assert render("__certs_kubelet_serving_expected") == ["w1"]
    assert render("__certs_kubelet_serving_unset") == ["w2"]


def test_a_request_counts_from_a_minute_before_kubeadm_wrote_the_kubelet_configuration(render):
    assert render("__certs_kubelet_serving_not_before") == {"worker-1": 1767229140.0}


def test_each_node_may_carry_its_address_its_node_name_and_its_extra_names(render):
    assert render("__certs_kubelet_serving_nodes") == {
        "cp1": ["10.0.0.11", "cp1"], "worker-1": ["10.0.0.21", "worker-1", "fd00::21"],
        "w2": ["10.0.0.22", "w2"], "w3": ["10.0.0.23", "w3"]}
