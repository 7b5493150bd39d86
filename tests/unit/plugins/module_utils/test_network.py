# -*- coding: utf-8 -*-
"""Unit tests of plugins/module_utils/network.py (the network logic of the cluster facts)."""

from __future__ import annotations

import pytest

from ansible_collections.seed.kubeadm.plugins.module_utils import network as net
from unit_helpers import network_facts


@pytest.mark.parametrize(
    "value",
    ["10.244.0.0/16", "10.96.0.0/12", "0.0.0.0/0", "192.168.1.7/32", "fd00::/64", "2001:db8::/32", "10.244.1.0/16"],
)
def test_cidr_valid_accepts(value):
    assert net.cidr_valid(value) is True


@pytest.mark.parametrize(
    "value",
    [
        "10.244.0.0",  # no prefix
        "10.244.0.0/33",
        "10.244.0.0/-1",
        "10.244.0.0/ 16",
        " 10.244.0.0/16",
        "10.244.0.0/16 ",
        "10.244/16",  # legacy short form
        "010.244.0.0/16",
        "300.1.1.1/8",
        "fd00::/129",
        "foo/16",
        "",
        "/16",
        None,
        16,
        ["10.0.0.0/8"],
        "10.0.0.0/8/8",
        "10.0.0.0/x",
    ],
)
def test_cidr_valid_rejects(value):
    assert net.cidr_valid(value) is False


def test_cidr_valid_strict():
    assert net.cidr_valid("10.244.0.0/16", strict=True) is True
    assert net.cidr_valid("10.244.1.0/16", strict=True) is False
    assert net.cidr_valid("nonsense", strict=True) is False


@pytest.mark.parametrize(
    "a,b,expected",
    [
        ("10.244.0.0/16", "10.96.0.0/12", False),
        ("10.0.0.0/8", "10.96.0.0/12", True),
        ("10.96.0.0/12", "10.0.0.0/8", True),
        ("10.96.0.0/12", "10.96.0.0/12", True),
        ("10.96.0.0/12", "10.111.255.255/32", True),  # last address of 10.96.0.0/12
        ("10.96.0.0/12", "10.112.0.0/32", False),  # first address after it
        ("10.95.255.255/32", "10.96.0.0/12", False),
        ("10.0.0.0/8", "fd00::/8", False),
        ("fd00::/8", "fd12::/16", True),
    ],
)
def test_cidrs_overlap(a, b, expected):
    assert net.cidrs_overlap(a, b) is expected


def test_cidrs_overlap_invalid_names_the_value():
    with pytest.raises(ValueError, match="'10.0.0.0' is not a CIDR"):
        net.cidrs_overlap("10.0.0.0", "10.0.0.0/8")
    with pytest.raises(ValueError, match="not a CIDR"):
        net.cidrs_overlap("10.0.0.0/8", None)


def test_overlapping_cidrs_dict_names_pairs_once_in_order():
    networks = {
        "pod": "10.244.0.0/16",
        "service": "10.96.0.0/12",
        "node a": "10.96.4.0/24",
        "node b": "10.244.7.0/24",
        "broken": "nonsense",
        "v6": "fd00::/64",
    }
    assert net.overlapping_cidrs(networks) == [["pod", "node b"], ["service", "node a"]]


def test_overlapping_cidrs_list_and_none():
    assert net.overlapping_cidrs(["10.0.0.0/8", "192.168.0.0/16", "10.1.0.0/16"]) == [["10.0.0.0/8", "10.1.0.0/16"]]
    assert net.overlapping_cidrs(("10.0.0.0/8",)) == []
    assert net.overlapping_cidrs([]) == []
    assert net.overlapping_cidrs({}) == []


def test_overlapping_cidrs_bad_input():
    with pytest.raises(ValueError, match="dict name -> CIDR or a list"):
        net.overlapping_cidrs("10.0.0.0/8")


@pytest.mark.parametrize(
    "ip,network,expected",
    [
        ("172.30.1.100", "172.30.1.0/24", True),
        ("172.30.1.0", "172.30.1.0/24", True),
        ("172.30.2.1", "172.30.1.0/24", False),
        ("fd00::1", "172.30.1.0/24", False),
        ("fd00::1", "fd00::/64", True),
        ("not-an-ip", "172.30.1.0/24", False),
        ("", "172.30.1.0/24", False),
        (None, "172.30.1.0/24", False),
        ("172.30.1.1/32", "172.30.1.0/24", False),
    ],
)
def test_ip_in_network(ip, network, expected):
    assert net.ip_in_network(ip, network) is expected


def test_ip_in_network_bad_network():
    with pytest.raises(ValueError, match="network '172.30.1.0' is not a CIDR"):
        net.ip_in_network("172.30.1.1", "172.30.1.0")


@pytest.mark.parametrize(
    "value,expected",
    [("10.0.0.1", True), ("fd00::1", True), ("10.1", False), ("010.0.0.1", False), (" 10.0.0.1", False), ("", False), (None, False), (3, False)],
)
def test_ip_valid(value, expected):
    assert net.ip_valid(value) is expected


@pytest.mark.parametrize(
    "address,prefix,expected",
    [
        ("172.30.1.11", 24, "172.30.1.0/24"),
        ("172.30.1.11", "24", "172.30.1.0/24"),
        ("10.0.129.84", "255.255.254.0", "10.0.128.0/23"),
        ("10.0.129.84/23", None, "10.0.128.0/23"),
        ("192.168.1.5", 32, "192.168.1.5/32"),
        ("192.168.1.5", 0, "0.0.0.0/0"),
        ("fd00::5", 64, "fd00::/64"),
    ],
)
def test_host_network(address, prefix, expected):
    assert net.host_network(address, prefix) == expected


@pytest.mark.parametrize(
    "address,prefix,message",
    [
        ("172.30.1.11", None, "has no prefix"),
        (None, None, "has no prefix"),
        ("nope", 24, "is not an IP address"),
        ("172.30.1.11", "255.0.255.0", "neither a prefix length nor an IPv4 netmask"),
        ("172.30.1.11", "abc", "neither a prefix length nor an IPv4 netmask"),
        ("fd00::1", "255.255.255.0", "neither a prefix length nor an IPv4 netmask"),
        ("172.30.1.11", 33, "too long"),
        ("fd00::1", 129, "too long"),
    ],
)
def test_host_network_errors(address, prefix, message):
    with pytest.raises(ValueError, match=message):
        net.host_network(address, prefix)


@pytest.mark.parametrize(
    "address,expected",
    [
        (None, "172.30.1.0/24"),
        ("172.30.1.11", "172.30.1.0/24"),
        ("192.168.50.3", "192.168.50.0/25"),
        ("fd00:1::11", "fd00:1::/64"),
        ("10.10.0.1", "10.10.0.0/16"),  # interface name with a dash
        ("10.9.9.9", ""),  # not on the host
        ("garbage", ""),
    ],
)
def test_node_network_from_ansible_facts(address, expected):
    assert net.node_network({"ansible_facts": network_facts()}, address) == expected


def test_node_network_from_injected_fact_vars():
    hostvars = {"ansible_" + key.replace("-", "_"): value for key, value in network_facts().items()}
    assert net.node_network(hostvars) == "172.30.1.0/24"


def test_node_network_falls_back_to_default_ipv4_and_tolerates_broken_entries():
    facts = {
        "interfaces": ["eth0"],
        "eth0": {"ipv4": {"address": "172.30.1.11"}, "ipv6": ["broken"]},  # no prefix, non-dict entry
        "default_ipv4": {"address": "172.30.1.11", "netmask": "255.255.0.0"},
    }
    assert net.node_network({"ansible_facts": facts}) == "172.30.0.0/16"


def test_node_network_unknown():
    assert net.node_network({}) == ""
    assert net.node_network({"ansible_facts": {"default_ipv4": {"address": "172.30.1.11"}}}) == ""
    with pytest.raises(ValueError, match="expects a hostvars entry"):
        net.node_network("host1")


@pytest.mark.parametrize(
    "name,expected",
    [
        ("k8s-master", True),
        ("seed-preflight-1", True),
        ("node1.example.com", True),
        ("a", True),
        ("0", True),
        ("a" * 63, True),
        ("a" * 64, False),
        (".".join(["a" * 63] * 4), False),  # 255 characters
        ("K8s-master", False),
        ("k8s_master", False),
        ("-master", False),
        ("master-", False),
        ("master.", False),
        ("a..b", False),
        ("", False),
        (None, False),
    ],
)
def test_dns1123_subdomain(name, expected):
    assert net.dns1123_subdomain(name) is expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("https://pkgs.k8s.io/core:/stable:", ("https", "pkgs.k8s.io", 443)),
        ("http://172.30.1.13:8080/kubernetes", ("http", "172.30.1.13", 8080)),
        ("HTTP://Mirror.Example.com/", ("http", "mirror.example.com", 80)),
        ("registry.k8s.io", ("https", "registry.k8s.io", 443)),
        ("registry.aliyuncs.com/google_containers", ("https", "registry.aliyuncs.com", 443)),
        ("172.30.1.13:60080/k8s", ("https", "172.30.1.13", 60080)),
        ("http://[fd00::1]:5000/", ("http", "fd00::1", 5000)),
    ],
)
def test_source_endpoint_valid(value, expected):
    result = net.source_endpoint(value)
    assert result["valid"] is True and result["error"] == ""
    assert (result["scheme"], result["host"], result["port"]) == expected


def test_source_endpoint_default_scheme():
    assert net.source_endpoint("172.30.1.13:8080", default_scheme="http")["scheme"] == "http"
    assert net.source_endpoint("172.30.1.13", default_scheme="http")["port"] == 80


@pytest.mark.parametrize(
    "value,error",
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("ftp://mirror.example.com/", "not http or https"),
        ("https://", "no valid host name"),
        ("https://bad_host.example.com/", "no valid host name"),
        ("https://mirror example.com/", "no valid host name"),
        ("https://mirror.example.com:99999/", "out of range"),
        ("https://mirror.example.com:port/", "port"),
    ],
)
def test_source_endpoint_invalid(value, error):
    result = net.source_endpoint(value)
    assert result["valid"] is False
    assert error in result["error"].lower()


@pytest.mark.parametrize("host, port, expected", [
    ("10.0.0.1", 6443, "10.0.0.1:6443"),
    ("fd00::1", 6443, "[fd00::1]:6443"),
    ("[fd00::1]", 6443, "[fd00::1]:6443"),
    ("api.example", "16443", "api.example:16443"),
])
def test_join_host_port(host, port, expected):
    assert net.join_host_port(host, port) == expected


@pytest.mark.parametrize("value, expected", [
    ("10.0.0.1", True), ("fd00::1", True), ("api.example.internal", True), ("*.apps.example", True),
    ("localhost", True), ("API", False), ("bad_name", False), ("*", False), ("a.*.example", False), (None, False), ("", False),
])
def test_cert_san_valid(value, expected):
    assert net.cert_san_valid(value) is expected
