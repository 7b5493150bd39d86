# -*- coding: utf-8 -*-
"""Unit tests of plugins/filter/keepalived.py (completion of the VRRP instances of role keepalived)."""

from __future__ import annotations

import hashlib

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter.keepalived import (
    FilterModule,
    keepalived_auth_pass_file,
    keepalived_files,
    keepalived_instances,
    keepalived_problems,
    keepalived_router_id,
)
from unit_helpers import raises_exactly

# The part of cluster_facts the filter reads (hosts[h].address), written by hand.
CLUSTER_FACTS = {
    "hosts": {
        "cp1": {"address": "10.0.0.11", "network": "10.0.0.0/24", "node_name": "cp1", "roles": ["control_plane", "api_lb"]},
        "cp2": {"address": "10.0.0.12", "network": "10.0.0.0/24", "node_name": "cp2", "roles": ["control_plane", "api_lb"]},
        "cp3": {"address": "10.0.0.13", "network": "10.0.0.0/24", "node_name": "cp3", "roles": ["control_plane", "api_lb"]},
        "w1": {"address": "", "network": "", "node_name": "w1", "roles": ["worker"]},
    },
}
DEFAULTS = {"interface": "", "priority_base": 150, "nopreempt": True, "advert_int": 1, "unicast": True,
            "vip_prefix": 32, "check": "", "check_interval": 2, "check_timeout": 2, "check_fall": 2, "check_rise": 2}
FACTS = {"interfaces": ["lo", "eth0", "br-ex.10"], "lo": {"ipv4": {"address": "127.0.0.1"}},
         "eth0": {"ipv4": {"address": "10.0.0.99"}}, "br_ex_10": {"ipv4": {"address": "10.0.0.11"}}}
API = {"name": "apiserver_lb", "vip": "10.0.0.100", "hosts": ["cp1", "cp2", "cp3"], "auth_pass": "s3cr3tpw",
       "check": "exec /bin/bash -c '</dev/tcp/127.0.0.1/16444'"}


def complete(host="cp1", instances=None, **kwargs):
    kwargs.setdefault("defaults", DEFAULTS)
    kwargs.setdefault("credentials_dir", "/inv/credentials")
    return keepalived_instances(instances if instances is not None else [API], host, CLUSTER_FACTS, FACTS, **kwargs)


# --- router id: the one place of the default ----------------------------------------------------
@pytest.mark.parametrize("vip, expected", [("172.30.4.100", 100), ("10.0.0.1", 1), ("192.168.1.255", 255)])
def test_router_id_is_the_last_octet(vip, expected):
    assert keepalived_router_id(vip) == expected


@pytest.mark.parametrize("vip", ["10.0.0.0", "fd00::100", "vip.example.com"])
def test_router_id_falls_back_to_a_hash(vip):
    expected = int(hashlib.sha1(vip.encode()).hexdigest()[:6], 16) % 255 + 1
    assert keepalived_router_id(vip) == expected
    assert 1 <= keepalived_router_id(vip) <= 255


def test_router_id_of_the_old_jinja_default():
    # Same values the three Jinja copies of roles keepalived, apiserver_lb and ingress computed.
    assert keepalived_router_id("10.0.0.0") == int(hashlib.sha1(b"10.0.0.0").hexdigest()[:6], 16) % 255 + 1
    assert keepalived_router_id("1.2.3.") == int(hashlib.sha1(b"1.2.3.").hexdigest()[:6], 16) % 255 + 1


@pytest.mark.parametrize("vip", ["", None])
def test_router_id_needs_a_vip(vip):
    with pytest.raises(AnsibleFilterError, match="needs a VIP"):
        keepalived_router_id(vip)


# --- secret file ------------------------------------------------------------------------------
def test_auth_pass_file_default_and_own():
    assert keepalived_auth_pass_file({"name": "ingress"}, "/inv/credentials/") == "/inv/credentials/keepalived-ingress.txt"
    assert keepalived_auth_pass_file({"name": "x", "auth_pass_file": "/s/x.txt"}, "/inv") == "/s/x.txt"
    assert keepalived_auth_pass_file({"name": "x", "auth_pass_file": "/s/x.txt"}, "") == "/s/x.txt"
    for empty in ("", None, " "):
        with raises_exactly(AnsibleFilterError, "keepalived_credentials_dir is empty: set it to the controller directory for "
                            "the generated secret of keepalived instance api (or give the instance auth_pass_file)"):
            keepalived_auth_pass_file({"name": "api"}, empty)
    with pytest.raises(AnsibleFilterError, match="with a name"):
        keepalived_auth_pass_file({}, "/inv")


# --- instances ----------------------------------------------------------------------------------
def test_first_host_completed():
    [inst] = complete("cp1")
    assert inst["virtual_router_id"] == 100
    assert inst["priority_value"] == 150
    assert inst["address"] == "10.0.0.11"
    assert inst["peers"] == ["10.0.0.12", "10.0.0.13"]
    # The interface holding the cluster address; fact names use "_" for "-" and ".".
    assert inst["interface_name"] == "br-ex.10"
    assert inst["auth_pass_file"] == "/inv/credentials/keepalived-apiserver_lb.txt"
    # Defaults fill what the instance leaves out; the instance's own keys win.
    assert inst["nopreempt"] is True and inst["check"].startswith("exec /bin/bash")


def test_the_secret_never_leaves_the_filter():
    for inst in complete("cp1") + complete("cp2"):
        assert "auth_pass" not in inst
        assert "s3cr3tpw" not in repr(inst)


def test_priority_by_position_and_per_host_override():
    assert [complete(h)[0]["priority_value"] for h in ("cp1", "cp2", "cp3")] == [150, 149, 148]
    override = dict(API, priority={"cp2": 200, "cp3": 0}, priority_base=100)
    assert [complete(h, [override])[0]["priority_value"] for h in ("cp1", "cp2", "cp3")] == [100, 200, 98]


def test_own_router_id_and_interface_win():
    own = dict(API, virtual_router_id="51", interface="ens5", auth_pass_file="/s/api.txt")
    [inst] = complete("cp2", [own])
    assert (inst["virtual_router_id"], inst["interface_name"], inst["auth_pass_file"]) == (51, "ens5", "/s/api.txt")
    # 0 (what apiserver_lb and ingress pass when their router-id variable is unset) means the default.
    assert complete("cp2", [dict(API, virtual_router_id=0)])[0]["virtual_router_id"] == 100


def test_hosts_not_in_the_instance_get_nothing():
    assert complete("w1") == []
    assert complete("cp1", []) == []


def test_no_interface_without_matching_facts():
    [inst] = keepalived_instances([API], "cp2", CLUSTER_FACTS, {"interfaces": ["eth0"], "eth0": {"ipv4": {"address": "10.9.9.9"}}},
                                  credentials_dir="/inv")
    assert inst["interface_name"] == ""
    assert keepalived_instances([API], "cp2", CLUSTER_FACTS, credentials_dir="/inv")[0]["interface_name"] == ""


def test_two_instances_on_one_host():
    ingress = {"name": "ingress", "vip": "10.0.0.101", "hosts": ["cp3", "cp1"], "check": ""}
    api, ing = complete("cp1", [API, ingress])
    assert (api["name"], api["virtual_router_id"]) == ("apiserver_lb", 100)
    assert (ing["name"], ing["virtual_router_id"], ing["priority_value"], ing["peers"]) == ("ingress", 101, 149, ["10.0.0.13"])


def test_unknown_peer_address_names_the_host():
    with pytest.raises(AnsibleFilterError, match="no cluster address known for host w1"):
        complete("cp1", [dict(API, hosts=["cp1", "w1"])])
    with pytest.raises(AnsibleFilterError, match="no cluster address known for host ghost"):
        complete("cp1", [dict(API, hosts=["cp1", "ghost"])])


@pytest.mark.parametrize("bad", [{"name": "x", "hosts": ["cp1"]}, {"vip": "1.2.3.4", "hosts": []}, {"name": "x", "vip": "1.2.3.4"}, "x"])
def test_incomplete_instance(bad):
    with pytest.raises(AnsibleFilterError, match="needs name, vip and hosts"):
        complete("cp1", [bad])


def test_incomplete_instance_message_hides_the_secret():
    with pytest.raises(AnsibleFilterError) as err:
        complete("cp1", [{"name": "x", "hosts": ["cp1"], "auth_pass": "s3cr3tpw"}])
    assert "s3cr3tpw" not in str(err.value)


def test_bad_arguments():
    with pytest.raises(AnsibleFilterError, match="expects a list"):
        keepalived_instances({"name": "x"}, "cp1", CLUSTER_FACTS)
    with pytest.raises(AnsibleFilterError, match="needs the cluster_facts"):
        keepalived_instances([API], "cp1", None)
    with pytest.raises(AnsibleFilterError, match="virtual_router_id must be an integer"):
        complete("cp1", [dict(API, virtual_router_id="abc")])
    with pytest.raises(AnsibleFilterError, match="priority of cp1 must be an integer"):
        complete("cp1", [dict(API, priority={"cp1": "high"})])


# --- files ----------------------------------------------------------------------------------------
def test_files_in_render_order():
    ingress = {"name": "ingress", "vip": "10.0.0.101", "hosts": ["cp1"]}
    instances = complete("cp1", [API, ingress])
    files = keepalived_files(instances, "/etc/keepalived", "/etc/keepalived/conf.d")
    assert [(f["src"], f["dest"], f["mode"]) for f in files] == [
        ("check.sh.j2", "/etc/keepalived/check_apiserver_lb.sh", "0755"),
        ("release.sh.j2", "/etc/keepalived/release_apiserver_lb.sh", "0755"),
        ("instance.conf.j2", "/etc/keepalived/conf.d/apiserver_lb.conf", "0600"),
        ("release.sh.j2", "/etc/keepalived/release_ingress.sh", "0755"),
        ("instance.conf.j2", "/etc/keepalived/conf.d/ingress.conf", "0600"),
        ("keepalived.conf.j2", "/etc/keepalived/keepalived.conf", "0644"),
    ]
    assert files[1]["instance"] is instances[0] and files[2]["instance"] is instances[0]
    assert files[3]["instance"] is instances[1] and files[-1]["instance"] == {}
    assert keepalived_files([]) == [{"src": "keepalived.conf.j2", "dest": "/etc/keepalived/keepalived.conf", "mode": "0644", "instance": {}}]


def test_filter_module():
    assert set(FilterModule().filters()) == {"keepalived_instances", "keepalived_router_id", "keepalived_auth_pass_file", "keepalived_files",
                                             "keepalived_problems"}


GOOD = {"name": "apiserver_lb", "vip": "10.0.0.100", "virtual_router_id": 100, "priority_value": 150,
        "interface_name": "eth0", "address": "10.0.0.11"}


def test_keepalived_problems_none_for_good_instances():
    other = dict(GOOD, name="ingress", vip="10.0.0.200", virtual_router_id=200)
    assert keepalived_problems([GOOD, other], {"apiserver_lb": "s3cr3t", "ingress": "12345678"}) == []
    assert keepalived_problems([], {}) == []


@pytest.mark.parametrize("change, secret, expected", [
    ({"name": "API-lb"}, "x", "instance API-lb: the name must match [a-z0-9_]+."),
    ({"vip": ""}, "x", "instance apiserver_lb: vip must be set."),
    ({"virtual_router_id": 0}, "x", "instance apiserver_lb: virtual_router_id must be 1..255 (0)."),
    ({"virtual_router_id": "100"}, "x", "instance apiserver_lb: virtual_router_id must be 1..255 (100)."),
    ({"priority_value": 255}, "x", "instance apiserver_lb: priority must be 1..254 (255)."),
    ({"interface_name": ""}, "x", "instance apiserver_lb: no interface carries 10.0.0.11 (set the instance's interface)."),
    ({}, "", "instance apiserver_lb: the VRRP secret (auth_pass or the content of auth_pass_file) must be 1..8 characters long, "
             "without spaces."),
    ({}, "123456789", "instance apiserver_lb: the VRRP secret (auth_pass or the content of auth_pass_file) must be 1..8 "
                      "characters long, without spaces."),
    ({}, "two word", "instance apiserver_lb: the VRRP secret (auth_pass or the content of auth_pass_file) must be 1..8 "
                     "characters long, without spaces."),
])
def test_keepalived_problems_one_sentence_per_wrong_instance(change, secret, expected):
    inst = dict(GOOD, **change)
    problems = keepalived_problems([inst], {inst["name"]: secret})
    assert problems == [expected]
    # The secret is measured, never repeated.
    assert not secret or secret not in " ".join(problems)


def test_keepalived_problems_router_id_used_twice_and_several_faults_in_one_sentence():
    twin = dict(GOOD, name="ingress", vip="10.0.0.200")
    problems = keepalived_problems([GOOD, twin], {"apiserver_lb": "a", "ingress": "b"})
    assert problems == ["virtual_router_id 100 is used by more than one instance; every VIP on a host needs its own "
                        "virtual_router_id (apiserver_lb_virtual_router_id, ingress_vip_virtual_router_id, or the "
                        "instance's virtual_router_id)."]
    both = keepalived_problems([dict(GOOD, vip="", priority_value=0)], {"apiserver_lb": "a"})
    assert both == ["instance apiserver_lb: vip must be set; priority must be 1..254 (0)."]


def test_keepalived_problems_numeric_instance_name_finds_its_secret():
    inst = dict(GOOD, name=7)
    assert keepalived_problems([inst], {7: "secret"}) == []
    assert keepalived_problems([inst], {"7": "secret"}) == []


@pytest.mark.parametrize("call, message", [
    (lambda: complete("cp1", [dict(API, hosts=["cp1", "w1"])]),
     "keepalived instance apiserver_lb: no cluster address known for host w1 (cluster_facts.hosts['w1'].address); "
     "set cluster_node_ip for it, or let the cluster facts gather its network facts"),
    (lambda: complete("cp1", [{"name": "x", "hosts": ["cp1"]}]),
     "every keepalived instance needs name, vip and hosts: {'name': 'x', 'hosts': ['cp1']}"),
    (lambda: keepalived_instances({"name": "x"}, "cp1", CLUSTER_FACTS), "keepalived_instances expects a list of instances, got dict"),
    (lambda: keepalived_instances([API], "cp1", None), "keepalived_instances needs the cluster_facts variable"),
    (lambda: complete("cp1", [dict(API, virtual_router_id="abc")]),
     "keepalived instance apiserver_lb: virtual_router_id must be an integer, got 'abc'"),
    (lambda: complete("cp1", [dict(API, priority={"cp1": "high"})]),
     "keepalived instance apiserver_lb: priority of cp1 must be an integer, got 'high'"),
    (lambda: complete("cp1", [dict(API, priority_base="x")]),
     "keepalived instance apiserver_lb: priority_base must be an integer, got 'x'"),
    (lambda: keepalived_auth_pass_file({}), "keepalived_auth_pass_file expects an instance with a name"),
])
def test_whole_error_messages(call, message):
    with raises_exactly(AnsibleFilterError, message):
        call()


def test_auth_pass_file_directory_loses_only_trailing_slashes():
    assert keepalived_auth_pass_file({"name": "api"}, "/c//") == "/c/keepalived-api.txt"
    assert keepalived_auth_pass_file({"name": "api"}, "/credX") == "/credX/keepalived-api.txt"


@pytest.mark.parametrize("change", [{"virtual_router_id": 1}, {"virtual_router_id": 255}, {"priority_value": 1},
                                    {"priority_value": 254}])
def test_keepalived_problems_accept_the_bounds(change):
    assert keepalived_problems([dict(GOOD, **change)], {"apiserver_lb": "s3cr3t"}) == []
