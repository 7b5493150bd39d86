# -*- coding: utf-8 -*-
"""Unit tests of plugins/filter/node_address.py."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter.node_address import FilterModule, node_address


def test_explicit_node_ip_wins():
    hostvars = {"inventory_hostname": "n1", "cluster_node_ip": "10.0.0.5", "ansible_host": "10.0.0.6"}
    assert node_address(hostvars) == "10.0.0.5"


def test_explicit_node_ip_must_be_an_address():
    with pytest.raises(AnsibleFilterError, match="host n1: cluster_node_ip='n1.example.com' is not an IP address"):
        node_address({"inventory_hostname": "n1", "cluster_node_ip": "n1.example.com"})


def test_ansible_host_when_it_is_an_ip():
    assert node_address({"ansible_host": "fd00::6"}) == "fd00::6"


def test_default_ipv4_from_facts_when_ansible_host_is_a_name():
    hostvars = {"ansible_host": "n1.example.com", "ansible_facts": {"default_ipv4": {"address": "10.0.0.7"}}}
    assert node_address(hostvars) == "10.0.0.7"
    assert node_address({"ansible_default_ipv4": {"address": "10.0.0.8"}}) == "10.0.0.8"


def test_unknown_address_names_the_host_and_the_fix():
    with pytest.raises(AnsibleFilterError, match="host n1: no cluster address known; set cluster_node_ip"):
        node_address({"inventory_hostname": "n1", "ansible_host": "n1.example.com"})


def test_not_a_hostvars_entry():
    with pytest.raises(AnsibleFilterError, match="expects a hostvars entry, got str"):
        node_address("n1")


def test_filter_module():
    assert FilterModule().filters() == {"node_address": node_address}
