# -*- coding: utf-8 -*-
"""Unit tests of plugins/module_utils/network.py (the network logic of the cluster facts)."""

from __future__ import annotations

import pytest

from ansible_collections.seed.kubeadm.plugins.module_utils import network as net
from unit_helpers import network_facts, raises_exactly


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


@pytest.mark.parametrize("value, expected", [
    ("fe80::1%eth0", False),  # zoned: kubeadm and the certificates take no zone
    ("::ffff:10.0.0.1", True),  # IPv4-mapped IPv6: dots and colons
    ("64:ff9b::192.0.2.1", True),  # NAT64 with an embedded IPv4 address
])
def test_ip_valid_zones_and_embedded_ipv4(value, expected):
    """A link-local address with its zone is no address kubeadm can use; an IPv6 address that embeds an IPv4
    one in dotted form is a valid IPv6 address, not a malformed IPv4 one."""
    assert net.ip_valid(value) is expected


@pytest.mark.parametrize("value", ["10.0.0.0/255.0.0.0", "10.0.0.0/0.255.255.255", "fe80::1%eth0/64"])
def test_cidr_valid_rejects_netmasks_and_zones(value):
    """kubeadm's podSubnet and serviceSubnet take address/prefix length: a netmask or a zoned address that
    Python's ipaddress would accept is still refused here, before kubeadm refuses it on the node."""
    assert net.cidr_valid(value) is False


def test_not_a_cidr_message_names_the_value():
    """The whole message a user reads for a CIDR without prefix."""
    with raises_exactly(ValueError, "value '10.0.0.0' is not a CIDR (address/prefix, e.g. 10.244.0.0/16)"):
        net.cidrs_overlap("10.0.0.0", "10.0.0.0/8")


def test_overlapping_cidrs_message_names_the_type():
    """A single CIDR string where a dict or list was meant: the message says what came instead."""
    with raises_exactly(ValueError, "overlapping_cidrs expects a dict name -> CIDR or a list of CIDRs, got str"):
        net.overlapping_cidrs("10.0.0.0/8")


@pytest.mark.parametrize("value, expected", [
    ("a" * 63, True), ("a" * 64, False), ("kube-system", True), ("kube.system", False), ("", False), (None, False),
])
def test_dns1123_label(value, expected):
    """A namespace name is one label of at most 63 characters."""
    assert net.dns1123_label(value) is expected


def test_dns1123_subdomain_length_limit():
    """A node name may be 253 characters long, not 254."""
    name = ".".join(["a" * 63] * 3 + ["b" * 61])
    assert len(name) == 253 and net.dns1123_subdomain(name) is True
    assert net.dns1123_subdomain(name + "b") is False


@pytest.mark.parametrize("value, expected", [("*.k.example", True), ("*apps.example", False), ("*-api.example", False)])
def test_cert_san_wildcards(value, expected):
    """A wildcard SAN is "*." and a subdomain; a star glued to a label (a typo for "*.apps") is refused."""
    assert net.cert_san_valid(value) is expected


@pytest.mark.parametrize("address, prefix, message", [
    ("172.30.1.11", None, "host_network: '172.30.1.11' has no prefix; pass one, e.g. '172.30.1.11' | host_network(24)"),
    ("nope", 24, "host_network: 'nope' is not an IP address"),
    ("172.30.1.11", "255.0.255.0", "host_network: '255.0.255.0' is neither a prefix length nor an IPv4 netmask"),
    ("10.0.0.1/24/8", None, "host_network: '24/8' is neither a prefix length nor an IPv4 netmask"),
    ("172.30.1.11", 33, "host_network: prefix /33 is too long for 172.30.1.11"),
])
def test_host_network_whole_messages(address, prefix, message):
    """The whole message of each mistake: a value with two prefixes names the second part as the bad prefix."""
    with raises_exactly(ValueError, message):
        net.host_network(address, prefix)


def test_node_network_message_names_the_type():
    """A host name passed where its hostvars entry was meant."""
    with raises_exactly(ValueError, "node_network expects a hostvars entry, got str"):
        net.node_network("host1")


def test_node_network_default_ipv4_with_a_prefix_only():
    """Facts whose default_ipv4 carries the prefix but no netmask still give the node's network."""
    facts = {"interfaces": ["eth0"], "eth0": {"ipv4": {"address": "172.30.1.11"}},
             "default_ipv4": {"address": "172.30.1.11", "prefix": "24"}}
    assert net.node_network({"ansible_facts": facts}) == "172.30.1.0/24"


def test_node_network_of_an_address_on_a_vlan_interface():
    """Ansible keeps the dot of a VLAN interface in its fact name (eth0.100): an address there is found."""
    facts = network_facts(interfaces=["lo", "eth0", "eth0.100"])
    facts["eth0.100"] = {"ipv4": {"address": "10.100.0.5", "prefix": "24"}}
    assert net.node_network({"ansible_facts": facts}, "10.100.0.5") == "10.100.0.0/24"


@pytest.mark.parametrize("injected", [False, True], ids=["in-ansible_facts", "injected-variable"])
def test_node_network_of_a_vlan_interface_whose_fact_name_has_an_underscore(injected):
    """Facts that name the VLAN interface eth0.100 with its dot turned into an underscore (eth0_100, the name the
    lookup tries first), in ansible_facts or injected as the variable ansible_eth0_100, are found as well."""
    facts = network_facts(interfaces=["lo", "eth0", "eth0.100"])
    hostvars = {"ansible_facts": facts}
    entry = {"ipv4": {"address": "10.100.0.5", "prefix": "24"}}
    if injected:
        hostvars["ansible_eth0_100"] = entry
    else:
        facts["eth0_100"] = entry
    assert net.node_network(hostvars, "10.100.0.5") == "10.100.0.0/24"


def test_node_network_looks_past_odd_interfaces_and_entries():
    """A fact that is no interface dict, or a broken address entry, is passed over: the next ones still count."""
    facts = network_facts(interfaces=["weird", "eth0"])
    facts["eth0"]["ipv6"] = ["broken", {"address": "fd00:1::11", "prefix": "64"}]
    assert net.node_network({"ansible_facts": facts}, "192.168.50.3") == "192.168.50.0/25"
    assert net.node_network({"ansible_facts": facts}, "fd00:1::11") == "fd00:1::/64"


@pytest.mark.parametrize("value, expected", [
    ("registry.k8s.io", {"valid": True, "scheme": "https", "host": "registry.k8s.io", "port": 443, "error": ""}),
    ("", {"valid": False, "scheme": "", "host": "", "port": 0, "error": "empty"}),
    ("ftp://mirror.example.com/", {"valid": False, "scheme": "", "host": "", "port": 0,
                                   "error": "scheme 'ftp' is not http or https"}),
    ("https://mirror.example.com/core stable/", {"valid": False, "scheme": "", "host": "", "port": 0,
                                                 "error": "no valid host name"}),
    ("https://bad_host.example.com/", {"valid": False, "scheme": "", "host": "", "port": 0,
                                       "error": "no valid host name"}),
])
def test_source_endpoint_whole_answer(value, expected):
    """The whole answer: an invalid source has no scheme, host or port the preflight could probe by mistake."""
    assert net.source_endpoint(value) == expected
