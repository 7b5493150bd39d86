# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/module_utils/cluster.py: the cluster facts and preflight's problems."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.seed.kubeadm.plugins.module_utils import cluster

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
HOSTS = {"cp1": "10.0.0.11", "cp2": "10.0.0.12", "cp3": "10.0.0.13", "w1": "10.0.0.21"}
FIX = "keep cluster_kubernetes_version: {keep} or upgrade the cluster with playbooks/upgrade.yml (kubeadm upgrade, one minor at a time)"


def probe(apiserver=None, kubeadm=None, kubelet=None, cgroup_v2=True, **extra):
    result = {"cpus": 4, "memory_mb": 8192, "listening": [], "joined": False, "probes": [], "cgroup_v2": cgroup_v2,
              "running_versions": {"kubeadm": kubeadm, "kubelet": kubelet, "kube-apiserver": apiserver}}
    result.update(extra)
    return result


def facts_for(ip, prefix=24, iface="eth0"):
    entry = {"address": ip, "prefix": str(prefix), "netmask": "255.255.255.0"}
    return {"default_ipv4": dict(entry, interface=iface), "interfaces": ["lo", iface], iface: {"ipv4": entry},
            "lo": {"ipv4": {"address": "127.0.0.1", "prefix": "8"}}, "all_ipv4_addresses": [ip]}


def compute(settings=None, probes=None, hosts=None, groups=None, host_extra=None, play_hosts=None, **kw):
    hosts = hosts or HOSTS
    hostvars = {}
    for name, ip in hosts.items():
        hostvars[name] = {"inventory_hostname": name, "ansible_host": ip, "ansible_facts": facts_for(ip)}
        if probes is not None:
            hostvars[name]["probe"] = probes.get(name, probe())
        hostvars[name].update((host_extra or {}).get(name, {}))
    if groups is None:
        groups = {"control_plane": ["cp1", "cp2", "cp3"], "workers": ["w1"], "k8s_cluster": ["cp1", "cp2", "cp3", "w1"]}
    play = list(hosts) if play_hosts is None else play_hosts
    return cluster.compute(settings or {}, hostvars, groups, play, kw.get("play_hosts_all", list(hosts)),
                           current_host=kw.get("current_host", list(hosts)[0]))


# --- facts ------------------------------------------------------------------------------------
def test_hosts_addresses_networks_names_roles():
    f = compute({"cluster_api_vip": "10.0.0.100"}, host_extra={"w1": {"cluster_node_name": "worker-1"}})
    assert f["hosts"]["cp1"] == {"address": "10.0.0.11", "network": "10.0.0.0/24", "node_name": "cp1", "roles": ["control_plane", "api_lb"]}
    assert f["hosts"]["w1"]["node_name"] == "worker-1" and f["hosts"]["w1"]["roles"] == ["worker"]
    assert f["nodes"] == ["cp1", "cp2", "cp3", "w1"] and f["node_names"]["w1"] == "worker-1"
    assert f["problems"] == []


def test_address_precedence_node_ip_then_ansible_host_then_default_route():
    hostvars = {"a": {"ansible_host": "a.example", "cluster_node_ip": "10.0.0.5", "ansible_facts": facts_for("10.0.0.5")},
                "b": {"ansible_host": "10.0.0.6", "ansible_facts": facts_for("10.0.0.6")},
                "c": {"ansible_host": "c.example", "ansible_facts": facts_for("10.0.0.7")},
                "d": {"ansible_host": "d.example"}}
    f = cluster.compute({}, hostvars, {"control_plane": ["a"], "workers": ["b", "c", "d"]}, ["a", "b", "c", "d"])
    assert [f["hosts"][h]["address"] for h in "abcd"] == ["10.0.0.5", "10.0.0.6", "10.0.0.7", ""]
    assert f["missing_facts"] == ["d"]
    assert "host d: no cluster address known (ansible_host is not an IP and the host has no default route);" \
           " set cluster_node_ip for it" in f["problems"]


def test_node_ip_not_on_the_host():
    f = compute(host_extra={"w1": {"cluster_node_ip": "10.0.0.99"}})
    assert "host w1: cluster_node_ip 10.0.0.99 is not an address of this host (it has 10.0.0.21); set it to one of them" in f["problems"]
    bad = compute(host_extra={"w1": {"cluster_node_ip": "10.0.0"}})
    assert 'host w1: cluster_node_ip "10.0.0" is not an IP address; set it to the address of the node in the cluster network' in bad["problems"]


@pytest.mark.parametrize("settings, host, endpoint", [
    ({}, "10.0.0.11", "10.0.0.11:6443"),
    ({"cluster_api_vip": "10.0.0.100"}, "10.0.0.100", "10.0.0.100:16443"),
    ({"cluster_api_vip": "10.0.0.100", "cluster_api_name": "api.example"}, "api.example", "api.example:16443"),
    ({"cluster_api_name": "api.example", "cluster_api_port": 7443}, "api.example", "api.example:7443"),
])
def test_api_endpoint(settings, host, endpoint):
    api = compute(settings)["api"]
    assert (api["host"], api["endpoint"]) == (host, endpoint)


def test_api_vip_holders_backends_and_sans():
    groups = {"control_plane": ["cp1", "cp2", "cp3"], "workers": ["w1"], "apiserver_lb": ["w1"]}
    api = compute({"cluster_api_vip": "10.0.0.100", "control_plane_extra_cert_sans": ["api.internal"]}, groups=groups)["api"]
    assert api["lb_hosts"] == ["w1"]
    assert api["backends"][0] == {"name": "cp1", "address": "10.0.0.11", "port": 6443}
    assert api["cert_sans"] == ["10.0.0.100", "127.0.0.1", "localhost", "cp1", "cp2", "cp3",
                                "10.0.0.11", "10.0.0.12", "10.0.0.13", "api.internal"]
    # Node names, not inventory names: kubeadm refuses a SAN that is not a DNS name or an IP.
    named = compute(host_extra={"cp1": {"cluster_node_name": "master-1"}})["api"]["cert_sans"]
    assert "master-1" in named and "cp1" not in named
    assert compute()["api"]["lb_hosts"] == []  # no VIP, no load balancer


def test_first_control_plane_from_live_state():
    assert compute()["first_control_plane"] == "cp1"
    assert compute(probes={"cp2": probe("1.35.6"), "cp3": probe("1.35.6")})["first_control_plane"] == "cp2"


@pytest.mark.parametrize("mode, repo, package, prefix", [
    ("online", "registry.k8s.io", "https://pkgs.k8s.io/core:/stable:", ""),
    ("mirror", "registry.aliyuncs.com/google_containers", "https://mirrors.aliyun.com/kubernetes-new/core/stable", "m.daocloud.io"),
    ("offline", "10.0.0.5:60080/registry.k8s.io", "http://10.0.0.5:8080/debian", "10.0.0.5:60080"),
])
def test_sources_per_mode(mode, repo, package, prefix):
    hosts = dict(HOSTS, init="10.0.0.5")
    groups = {"control_plane": ["cp1"], "workers": ["w1"], "init": ["init"]}
    settings = {"cluster_source": mode, "cluster_mirror_image_repository": "registry.aliyuncs.com/google_containers",
                "cluster_mirror_package_url": "https://mirrors.aliyun.com/kubernetes-new/core/stable",
                "cluster_mirror_registry_prefix": "m.daocloud.io", "cluster_offline_http_port": 8080}
    src = compute(settings, hosts=hosts, groups=groups)["sources"]
    assert src["image_repository"] == repo and src["package_url"] == package
    assert src["image_rewrite"] == {"source": mode, "repository": repo, "prefix": prefix}
    assert src["kubernetes_minor"] == "1.35"
    registries = [entry["registry"] for entry in src["registry_hosts"]]
    if mode == "offline":
        assert registries == ["registry.k8s.io", "docker.io", "quay.io", "ghcr.io", "10.0.0.5:60080"]
        docker = src["registry_hosts"][1]
        assert docker["server"] == "https://registry-1.docker.io"
        assert docker["hosts"][0]["url"] == "http://10.0.0.5:60080/v2/docker.io" and docker["hosts"][0]["override_path"] is True
        assert src["offline"] == {"host": "init", "address": "10.0.0.5", "registry": "10.0.0.5:60080", "http_url": "http://10.0.0.5:8080"}
    else:
        assert registries == []


def test_user_registry_mirror_replaces_the_offline_entry():
    hosts = dict(HOSTS, init="10.0.0.5")
    groups = {"control_plane": ["cp1"], "init": ["init"]}
    mirrors = [{"registry": "docker.io", "endpoints": ["https://m.example"], "skip_verify": True}]
    src = compute({"cluster_source": "offline", "cluster_registry_mirrors": mirrors}, hosts=hosts, groups=groups)["sources"]
    docker = [e for e in src["registry_hosts"] if e["registry"] == "docker.io"][0]
    assert docker["hosts"] == [{"url": "https://m.example", "capabilities": ["pull", "resolve"], "skip_verify": True, "ca": "",
                                "override_path": False}]


# --- firewall ---------------------------------------------------------------------------------
BASE = {("10250", "tcp"), ("10256", "tcp"), ("30000:32767", "tcp"), ("30000:32767", "udp")}
CONTROL_PLANE = {("6443", "tcp"), ("2379:2380", "tcp"), ("10257", "tcp"), ("10259", "tcp")}
HA = {"control_plane": ["cp1", "cp2", "cp3"], "workers": ["w1", "w2"], "k8s_cluster": ["cp1", "cp2", "cp3", "w1", "w2"],
      "ingress": ["cp1", "w2"], "nfs_server": ["w1"]}
HA_HOSTS = dict(HOSTS, w2="10.0.0.22")


def fw(host, settings=None, groups=None, hosts=None, host_extra=None):
    f = compute(settings, groups=groups or HA, hosts=hosts or HA_HOSTS, host_extra=host_extra)["firewall"][host]
    return {(p["port"], p["proto"]) for p in f["ports"]}, [p["number"] for p in f["protocols"]], f


def test_firewall_single_host_with_every_role_calico_ipip():
    groups = {"control_plane": ["n1"], "k8s_cluster": ["n1"], "ingress": ["n1"], "nfs_server": ["n1"]}
    ports, protocols, f = fw("n1", {"cluster_cni": "calico", "cluster_api_vip": "10.0.0.100"}, groups, {"n1": "10.0.0.1"})
    assert ports == BASE | CONTROL_PLANE | {("16443", "tcp"), ("179", "tcp"), ("80", "tcp"), ("443", "tcp"), ("2049", "tcp")}
    assert protocols == [112, 4]
    assert f["trusted_sources"] == ["10.244.0.0/16", "10.96.0.0/12"]


def test_firewall_lb_port_and_vrrp_follow_the_vip_holders():
    vip = {"cluster_api_vip": "10.0.0.100"}
    assert {("16443", "tcp"), ("80", "tcp"), ("443", "tcp")} <= fw("cp1", vip)[0]
    assert ("16443", "tcp") not in fw("w2", vip)[0]
    assert ("16443", "tcp") not in fw("cp1")[0] and fw("cp1")[1] == []
    groups = dict(HA, apiserver_lb=["w1"])
    assert ("16443", "tcp") not in fw("cp1", vip, groups)[0]
    assert ("16443", "tcp") in fw("w1", vip, groups)[0] and fw("w1", vip, groups)[1] == [112]


def test_firewall_ingress_ports_and_ingress_vip():
    settings = {"ingress_http_port": 8080, "ingress_https_port": 8443, "cluster_ingress_vip": "10.0.0.101"}
    ports, protocols = fw("w2", settings)[:2]
    assert {("8080", "tcp"), ("8443", "tcp")} <= ports and ("80", "tcp") not in ports
    assert protocols == [112]
    assert ("8080", "tcp") not in fw("w1", settings)[0]
    assert ("2049", "tcp") in fw("w1")[0] and ("2049", "tcp") not in fw("w2")[0]


@pytest.mark.parametrize("cni, mode, expect_ports, expect_protocols", [
    ("flannel", {}, {("8472", "udp")}, []),
    ("flannel", {"cni_flannel_backend": "host-gw"}, set(), []),
    ("calico", {}, {("179", "tcp")}, [4]),
    ("calico", {"cni_calico_mode": "vxlan"}, {("4789", "udp")}, []),
    ("calico", {"cni_calico_mode": "bgp"}, {("179", "tcp")}, []),
])
def test_firewall_cni_openings(cni, mode, expect_ports, expect_protocols):
    ports, protocols = fw("w1", dict(mode, cluster_cni=cni))[:2]
    assert ports == BASE | expect_ports | {("2049", "tcp")}
    assert protocols == expect_protocols


def test_firewall_hosts_that_are_not_nodes_open_only_their_services():
    groups = dict(HA, apiserver_lb=["lb1"], init=["init"], nfs_server=["nfs"])
    hosts = dict(HA_HOSTS, lb1="10.0.0.5", init="10.0.0.6", nfs="10.0.0.7")
    settings = {"cluster_api_vip": "10.0.0.100", "cluster_source": "offline", "cluster_cni": "calico"}
    assert fw("lb1", settings, groups, hosts)[:2] == ({("16443", "tcp")}, [112])
    assert fw("init", settings, groups, hosts)[:2] == ({("60080", "tcp"), ("80", "tcp")}, [])
    assert fw("nfs", settings, groups, hosts)[:2] == ({("2049", "tcp")}, [])
    external = fw("cp1", {"cluster_etcd_external_endpoints": ["https://10.0.0.9:2379"]})[0]
    assert ("2379:2380", "tcp") not in external and ("6443", "tcp") in external


def test_firewall_offline_init_node_and_extra_ports():
    groups = dict(HA, init=["w1"])
    extra = [{"port": "9100", "proto": "tcp"}, {"port": "10250", "proto": "tcp"}]
    ports, f = fw("w1", {"cluster_source": "offline", "node_prep_firewall_extra_ports": extra}, groups)[::2]
    assert {("60080", "tcp"), ("80", "tcp"), ("9100", "tcp")} <= ports
    assert len(f["ports"]) == len(ports)  # no duplicates
    # A host's own setting wins over the cluster-wide one.
    ports = fw("w1", groups=groups, host_extra={"w1": {"node_prep_firewall_extra_ports": [{"port": "9200"}]}})[0]
    assert ("9200", "tcp") in ports


def test_defaults_agree_with_the_roles():
    def defaults(role):
        with open(os.path.join(REPO, "roles", role, "defaults", "main.yml"), encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}

    declared = {}
    for role in os.listdir(os.path.join(REPO, "roles")):
        if os.path.exists(os.path.join(REPO, "roles", role, "defaults", "main.yml")):
            declared.update(defaults(role))
    templated = {"preflight_kubelet_version", "preflight_required_ports_control_plane", "container_runtime_source"}
    for name, value in cluster.DEFAULTS.items():
        assert name in declared, "%s is read by cluster.py but no role declares it" % name
        if name not in templated:
            assert declared[name] == value, name
    assert declared["preflight_kubelet_version"] == "{{ cluster_kubernetes_version }}"
    assert declared["container_runtime_source"] == "{{ 'offline' if cluster_source == 'offline' else 'distro' }}"


# --- probe inputs -----------------------------------------------------------------------------
def test_probe_inputs():
    settings = {"cluster_registry_mirrors": [{"registry": "docker.io", "endpoints": ["https://m.example:8443", "bad"]}]}
    p = compute(settings)["probe"]
    assert p["endpoints"] == [
        {"name": "package source (cluster_online_package_url)", "host": "pkgs.k8s.io", "port": 443},
        {"name": "image registry (cluster_online_image_repository)", "host": "registry.k8s.io", "port": 443},
        {"name": "registry mirror (cluster_registry_mirrors[0])", "host": "m.example", "port": 8443}]
    assert p["ports"]["cp1"] == [6443, 2379, 2380, 10250, 10257, 10259] and p["ports"]["w1"] == [10250]
    assert compute({"cluster_etcd_external_endpoints": ["https://10.0.0.9:2379"]})["probe"]["ports"]["cp1"] == [6443, 10250, 10257, 10259]
    assert compute({"cluster_source": "offline", "cluster_source_check": False})["probe"]["endpoints"] == []
    assert compute({"preflight_check_ports": False})["probe"]["ports"]["cp1"] == []


# --- problems: settings, inventory, networks --------------------------------------------------
@pytest.mark.parametrize("settings, expected", [
    ({"cluster_source": "usb"}, 'cluster_source: "usb" is not a source mode; use one of online, mirror, offline'),
    ({"cluster_cni": "weave"}, 'cluster_cni: "weave" is not a supported CNI; use one of flannel, calico'),
    ({"cluster_kubernetes_version": "v1.35.6"}, 'cluster_kubernetes_version: "v1.35.6" has a leading v; write it as X.Y.Z, e.g. 1.35.6'),
    ({"cluster_kubernetes_version": "1.35"}, 'cluster_kubernetes_version: "1.35" is not a Kubernetes version X.Y.Z; set it to a release such as 1.35.6'),
    ({"preflight_kubelet_version": "1.31.0"}, "preflight_kubelet_version: kubelet 1.31.0 is 4 minor versions older than the control plane 1.35.6;"
     " at most 3 are supported (kubeadm refuses this skew); install kubelets of the control-plane minor or at most three minors older"),
    ({"cluster_pod_subnet": "10.244.0.0"},
     'cluster_pod_subnet: "10.244.0.0" is not a CIDR (address/prefix); set it to a private network such as 10.244.0.0/16'),
    ({"cluster_pod_subnet": "10.96.0.0/16"},
     "cluster_pod_subnet 10.96.0.0/16 overlaps cluster_service_subnet 10.96.0.0/12; choose two networks that do not overlap"),
    ({"cluster_source": "offline"}, "cluster_source: offline needs a host in group init;"
     " add the host that serves the offline registry and packages to group init"),
    ({"cluster_source": "mirror"}, ["cluster_mirror_image_repository: empty but cluster_source is mirror;"
                                    " set it to your image mirror, e.g. registry.aliyuncs.com/google_containers",
                                    "cluster_mirror_package_url: empty but cluster_source is mirror; set it to the base URL"
                                    " of your Kubernetes package mirror (http:// or https://)"]),
    ({"cluster_source": "mirror", "cluster_mirror_image_repository": "https://r.example", "cluster_mirror_package_url": "r.example"},
     ['cluster_mirror_image_repository: "https://r.example" is not an image repository; write it as host[:port][/path] without a scheme',
      'cluster_mirror_package_url: "r.example" is not an http:// or https:// URL; write the full base URL of your Kubernetes package mirror']),
    ({"cluster_source": "mirror", "cluster_mirror_image_repository": "r.example", "cluster_mirror_package_url": "r.example"},
     'cluster_mirror_package_url: "r.example" is not an http:// or https:// URL; write the full base URL of your Kubernetes package mirror'),
    ({"cluster_registry_mirrors": ["docker.io"]},
     'cluster_registry_mirrors[0]: "docker.io" is not a mapping; write {registry: docker.io, endpoints: [https://mirror.example.com]}'),
    ({"cluster_registry_mirrors": [{"registry": "docker.io/library", "endpoints": ["https://m.example"]}]},
     'cluster_registry_mirrors[0]: registry "docker.io/library" is not a registry host name; write the host[:port] it stands in for, e.g. docker.io'),
    ({"cluster_registry_mirrors": [{"registry": "docker.io", "endpoints": "https://m.example"}]},
     "cluster_registry_mirrors[0]: endpoints must be a non-empty list of http:// or https:// URLs"),
    ({"cluster_registry_mirrors": [{"registry": "docker.io", "endpoints": ["m.example"]}]},
     'cluster_registry_mirrors[0]: endpoint "m.example" is not an http:// or https:// URL; write it as e.g. https://mirror.example.com'),
    ({"cluster_pod_subnet": "10.0.0.0/16"},
     "cluster_pod_subnet 10.0.0.0/16 overlaps the network 10.0.0.0/24 of hosts cp1, cp2, cp3, w1; choose a pod subnet outside every node network"),
    ({"cluster_api_vip": "10.0.0"}, 'cluster_api_vip: "10.0.0" is not an IP address; set it to a free address in the control-plane network,'
     ' or to "" for a single control-plane endpoint'),
    ({"cluster_api_vip": "10.9.0.100"}, "cluster_api_vip 10.9.0.100 is outside the network 10.0.0.0/24 of control-plane hosts cp1, cp2, cp3;"
     " choose a free address in that network (keepalived moves the VIP between these hosts)"),
    ({"cluster_api_vip": "10.0.0.21"}, "cluster_api_vip 10.0.0.21 is the address of host w1; choose an unused address for the VIP"),
])
def test_setting_problems(settings, expected):
    # Exactly these problems, no other (one bad setting is reported once, for the variable set).
    problems = compute(settings)["problems"]
    assert problems == (expected if isinstance(expected, list) else [expected]), problems


def test_ipv6_endpoints_and_offline_locations_are_bracketed():
    hosts = {"cp1": "fd00::11", "w1": "fd00::21", "init": "fd00::5"}
    groups = {"control_plane": ["cp1"], "workers": ["w1"], "init": ["init"]}
    f = compute({"cluster_source": "offline"}, hosts=hosts, groups=groups)
    assert f["api"]["endpoint"] == "[fd00::11]:6443"
    assert f["sources"]["offline"]["registry"] == "[fd00::5]:60080"
    assert f["sources"]["offline"]["http_url"] == "http://[fd00::5]"
    assert f["sources"]["image_repository"] == "[fd00::5]:60080/registry.k8s.io"
    assert compute({"cluster_api_vip": "fd00::100"}, hosts=hosts, groups=groups)["api"]["endpoint"] == "[fd00::100]:16443"


def test_address_from_an_ip_inventory_name_and_from_the_ipv6_default_route():
    hostvars = {"10.0.0.11": {}, "w1": {"ansible_host": "w1.example", "ansible_facts": {"default_ipv6": {"address": "fd00::21"}}}}
    f = cluster.compute({}, hostvars, {"control_plane": ["10.0.0.11"], "workers": ["w1"]}, ["w1"])
    assert f["hosts"]["10.0.0.11"]["address"] == "10.0.0.11" and f["api"]["endpoint"] == "10.0.0.11:6443"
    assert f["hosts"]["w1"]["address"] == "fd00::21" and f["missing_facts"] == []


def test_a_control_plane_without_address_is_a_problem_also_outside_the_play():
    hostvars = {"cp1": {"ansible_host": "cp1.example"}, "w1": {"ansible_host": "10.0.0.21"}}
    problems = cluster.compute({}, hostvars, {"control_plane": ["cp1"], "workers": ["w1"], "k8s_cluster": ["cp1", "w1"]},
                               ["w1"])["problems"]
    assert problems == ["host cp1: no cluster address known (ansible_host is not an IP and the host has no default route);"
                        " set cluster_node_ip for it"]


@pytest.mark.parametrize("settings, expected", [
    ({"cluster_api_name": "API_server"}, 'cluster_api_name: "API_server" is not a lowercase DNS name (RFC 1123); kubeadm refuses it as'
     ' endpoint and certificate name; set a name such as k8s-api.example.internal, or ""'),
    ({"control_plane_extra_cert_sans": ["ok.example", "*.apps.example", "10.1.1.1", "bad_name"]},
     'control_plane_extra_cert_sans[3]: "bad_name" is not an IP address, a lowercase DNS name or a wildcard name (*.example.com);'
     " kubeadm refuses it in apiServer.certSANs"),
    ({"cluster_api_vip": "10.0.0.100", "cluster_api_lb_port": 6443}, "cluster_api_lb_port: 6443 is also cluster_api_port, and haproxy"
     " of the API VIP runs on the control-plane hosts next to kube-apiserver; choose another port (default 16443)"),
])
def test_endpoint_and_certificate_name_problems(settings, expected):
    assert compute(settings)["problems"] == [expected]


def test_inventory_problems():
    groups = {"control_plane": ["cp1", "cp2"], "workers": ["w1"], "k8s_cluster": ["cp1", "cp2", "w1"]}
    problems = compute(groups=groups, hosts={"cp1": "10.0.0.11", "cp2": "10.0.0.11", "w1": "10.0.0.21"},
                       host_extra={"w1": {"cluster_node_name": "Worker_1"}})["problems"]
    assert problems == [
        "group control_plane: 2 hosts with stacked etcd; use an odd number (1, 3, 5) for etcd quorum, or set cluster_allow_even_control_plane: true",
        'host w1: node name "Worker_1" is not a lowercase RFC 1123 name (a-z, 0-9, "-" and ".");'
        " rename the host in the inventory or set cluster_node_name for it",
        "hosts cp1, cp2: all have the address 10.0.0.11; give each node its own address (ansible_host or cluster_node_ip)"]
    assert compute({"cluster_allow_even_control_plane": True}, groups=groups)["problems"] == []
    assert compute(groups={"workers": ["w1"], "k8s_cluster": ["w1"]})["problems"] == [
        "group control_plane: empty; put at least one host in it (its first host runs kubeadm init)"]
    unreachable = compute(play_hosts=["cp1", "cp2", "cp3"])["problems"]
    assert unreachable == ["host w1: unreachable or failed before the checks; fix the connection (see the error above) and run again"]


# --- problems: probe results ------------------------------------------------------------------
def test_resources_ports_and_reachability():
    probes = {"cp1": probe(cpus=1, memory_mb=1000, listening=[6443]),
              "w1": probe(probes=[{"name": "image registry (cluster_online_image_repository)", "host": "registry.k8s.io",
                                   "port": 443, "ok": False, "error": "timed out"}]),
              "cp2": probe(listening=[6443], joined=True)}
    problems = compute(probes=probes)["problems"]
    assert problems == [
        "host cp1: 1 CPUs, control-plane hosts need at least 2 (preflight_min_cpus); give it more CPUs",
        "host cp1: 1000 MiB memory, control-plane hosts need at least 1700 MiB (preflight_min_memory_mb); give it more memory",
        "host cp1: TCP port 6443 is already in use; stop the service listening on it (kubeadm needs the port), or set preflight_check_ports: false",
        "host w1: cannot reach the image registry (cluster_online_image_repository) at registry.k8s.io:443 (timed out); open the network"
        " path or fix the address, or set cluster_source_check: false; without internet access switch the artifact source:"
        " cluster_source: mirror (set cluster_mirror_package_url and cluster_mirror_image_repository) or cluster_source: offline"
        " (an init host, see docs/offline.md)"]
    assert compute({"preflight_check_resources": False}, probes={"cp1": probe(cpus=1)})["problems"] == []


def test_fresh_hosts_pass_running_version_check():
    assert compute(probes={})["problems"] == []


@pytest.mark.parametrize("wanted", ["1.35.7", "1.35.5", "1.36.0", "1.34.9"])
def test_any_version_change_is_refused(wanted):
    running = probe("1.35.6", "1.35.6", "1.35.6")
    problems = compute({"cluster_kubernetes_version": wanted},
                       probes={"cp1": running, "cp2": running, "cp3": running, "w1": probe(None, "1.35.6", "1.35.6")})["problems"]
    assert problems == [
        'cluster_kubernetes_version: "%s" differs from the version the cluster runs (1.35.6 on cp1, cp2, cp3, w1);'
        " kube_packages would swap kubeadm, kubelet and kubectl without kubeadm upgrade; " % wanted + FIX.format(keep="1.35.6")]


def test_installed_packages_alone_count_and_the_control_plane_version_is_kept():
    problems = compute(probes={"w1": probe(None, "1.34.2", None)})["problems"]
    assert problems[0].startswith('cluster_kubernetes_version: "1.35.6" differs from the version the cluster runs (1.34.2 on w1);')
    assert problems[0].endswith(FIX.format(keep="1.34.2"))
    mixed = compute(probes={"cp1": probe("1.34.2", "1.34.2", "1.34.2"), "w1": probe(None, "1.35.6", "1.35.6")})["problems"]
    assert len(mixed) == 1
    assert "(1.34.2 on cp1; 1.35.6 on w1)" in mixed[0] and mixed[0].endswith(FIX.format(keep="1.34.2"))
    assert compute({"preflight_check_running_version": False}, probes={"cp1": probe("1.34.2")})["problems"] == []


V1 = probe(cgroup_v2=False)


def test_cgroup_v1():
    assert compute({"cluster_kubernetes_version": "1.34.3"}, probes={"w1": V1})["problems"] == []
    problems = compute(probes={"cp1": V1, "w1": V1})["problems"]
    assert problems == [
        "host %s: cgroup v1 (no /sys/fs/cgroup/cgroup.controllers) and the kubelet of Kubernetes 1.35 and later refuses"
        " to start on cgroup v1 (KubeletConfiguration failCgroupV1 defaults to true); boot the host with cgroup v2"
        " (systemd.unified_cgroup_hierarchy=1), or set failCgroupV1: false under KubeletConfiguration in"
        " control_plane_kubeadm_extra_config and add SystemVerification to %s" % (host, var)
        for host, var in (("cp1", "control_plane_ignore_preflight_errors"), ("w1", "worker_ignore_preflight_errors"))]
    extra = {"control_plane_kubeadm_extra_config": {"KubeletConfiguration": {"failCgroupV1": False}}}
    ignore = {"control_plane_ignore_preflight_errors": ["SystemVerification"], "worker_ignore_preflight_errors": ["all"]}
    assert compute(dict(extra, **ignore), probes={"cp1": V1, "w1": V1})["problems"] == []
    missing = compute(dict(extra, control_plane_ignore_preflight_errors=["systemverification"]), probes={"cp1": V1, "w1": V1})["problems"]
    assert missing == [
        "host w1: cgroup v1 (no /sys/fs/cgroup/cgroup.controllers) and kubeadm init/join fails its SystemVerification"
        " check on cgroup v1 for Kubernetes 1.35 and later; add SystemVerification to worker_ignore_preflight_errors"
        " (failCgroupV1: false is already set), or boot the host with cgroup v2"]
    strict = {"control_plane_kubeadm_extra_config": {"KubeletConfiguration": {"failCgroupV1": True}}}
    assert len(compute(dict(strict, **ignore), probes={"cp1": V1})["problems"]) == 1


VM = probe(container="", containerd_root_fstype="ext4")
BOX = probe(container="docker", containerd_root_fstype="ext4")


def test_the_lab_profile_only_on_container_hosts():
    lab = {"cluster_lab_profile": True}
    assert compute(lab, probes={h: BOX for h in HOSTS})["problems"] == []
    assert compute(probes={h: VM for h in HOSTS})["problems"] == []
    problems = compute(lab, probes={"cp1": BOX, "cp2": BOX, "cp3": BOX, "w1": VM})["problems"]
    assert problems == [
        "host w1: cluster_lab_profile is true but the host is not a container (no /run/systemd/container, no container="
        " in PID 1's environment, no /.dockerenv or /run/.containerenv); the profile turns off what protects a real node"
        " (swap check, disk eviction, conntrack sizing); set cluster_lab_profile: false for real hosts"]
    # Hosts that are not nodes (an init or NFS host) and probes of an older collection are not judged.
    assert compute(lab, probes={h: probe() for h in HOSTS})["problems"] == []
    groups = {"control_plane": ["cp1"], "workers": [], "k8s_cluster": ["cp1"], "init": ["w1"]}
    assert compute(lab, probes={"cp1": BOX, "w1": VM}, groups=groups)["problems"] == []
    assert compute({"cluster_lab_profile": "false"}, probes={h: VM for h in HOSTS})["problems"] == []


def test_containerd_cannot_stack_overlayfs_on_the_containers_own_overlay():
    overlay = probe(container="docker", containerd_root_fstype="overlay")
    problems = compute({"cluster_lab_profile": True}, probes={"cp1": overlay})["problems"]
    assert problems == [
        "host cp1: /var/lib/containerd is on an overlay filesystem (the container's own root) and containerd's overlayfs"
        " snapshotter cannot stack on it; give the container a volume at /var/lib/containerd (scripts/lab.sh does)"]
    assert len(compute(probes={"w1": overlay})["problems"]) == 1
    assert compute(probes={"w1": probe(container="docker", containerd_root_fstype="xfs")})["problems"] == []


def test_a_setting_of_the_running_host_overrides_the_inventory_value_every_host_shares():
    """Group vars give every host the same value: an include or extra var of the running host wins;
    a value that only one host has (host or group override) stays that host's."""
    extra = {"control_plane_kubeadm_extra_config": {"KubeletConfiguration": {"failCgroupV1": False}}}
    shared = {h: {"worker_ignore_preflight_errors": ["SystemVerification"], "control_plane_ignore_preflight_errors": ["all"]}
              for h in HOSTS}
    problems = compute(dict(extra, worker_ignore_preflight_errors=[]), probes={"w1": V1}, host_extra=shared)["problems"]
    assert len(problems) == 1 and problems[0].startswith("host w1: cgroup v1")
    own = dict(shared, w1={"worker_ignore_preflight_errors": ["all"]})
    assert compute(dict(extra, worker_ignore_preflight_errors=[]), probes={"w1": V1}, host_extra=own)["problems"] == []


# --- problems: settings that cannot work together, groups ----------------------------------------
@pytest.mark.parametrize("settings, expected", [
    ({"cluster_kubernetes_version": "1.40.0"},
     ["cluster_kubernetes_version: 1.40.0 is Kubernetes 1.40, which seed.kubeadm does not support (1.28 to 1.36); choose a release in that range"]),
    ({"cluster_kubernetes_version": "2.0.1"},
     ["cluster_kubernetes_version: 2.0.1 is Kubernetes 2.0, which seed.kubeadm does not support (1.28 to 1.36); choose a release in that range"]),
    ({"cluster_kubernetes_version": "1.20.4", "preflight_kubelet_version": "1.20.4"},
     ["cluster_kubernetes_version: 1.20.4 is Kubernetes 1.20, which seed.kubeadm does not support (1.28 to 1.36);"
      " choose a release in that range"]),
    ({"cluster_kubernetes_version": "1.28.0"}, []),
    ({"cluster_kubernetes_version": "1.36.2"}, []),
    ({"cluster_pod_subnet": "fd00:10::/56"},
     ["cluster_pod_subnet fd00:10::/56 is IPv6 and cluster_service_subnet 10.96.0.0/12 is IPv4; use one IP family for both",
      "cluster_pod_subnet fd00:10::/56 is IPv6 and the flannel of seed.kubeadm runs IPv4 pod networks only;"
      " use an IPv4 pod network, or cluster_cni: calico"]),
    ({"cluster_service_subnet": "fd00:96::/108"},
     ["cluster_pod_subnet 10.244.0.0/16 is IPv4 and cluster_service_subnet fd00:96::/108 is IPv6; use one IP family for both"]),
    ({"cluster_pod_subnet": "fd00:10::/56", "cluster_service_subnet": "fd00:96::/108", "cluster_cni": "calico"}, []),
    ({"cluster_cni": "calico", "cluster_pod_subnet": "10.244.0.0/27"},
     ["cluster_pod_subnet 10.244.0.0/27 is smaller than one calico address block (cni_calico_block_size 26, a /26);"
      " use a pod network of /26 or larger, or a smaller block"]),
    ({"cluster_cni": "calico", "cluster_pod_subnet": "10.244.0.0/26"}, []),
    ({"cluster_cni": "calico", "cni_calico_block_size": 33},
     ["cni_calico_block_size: 33 is not an IPv4 block size calico accepts (20 to 32); the default is 26"]),
    ({"cluster_cni": "calico", "cni_calico_block_size": "x"},
     ['cni_calico_block_size: "x" is not an IPv4 block size calico accepts (20 to 32); the default is 26']),
    ({"cluster_cni": "calico", "cni_calico_block_size": True},
     ["cni_calico_block_size: true is not an IPv4 block size calico accepts (20 to 32); the default is 26"]),
    ({"cluster_cni": "flannel", "cni_calico_block_size": 99}, []),
    ({"cluster_dns_domain": "Cluster_Local"},
     ['cluster_dns_domain: "Cluster_Local" is not a lowercase DNS name (RFC 1123); kubeadm refuses it as the cluster\'s'
      " DNS domain; use cluster.local or a name such as k8s.example.internal"]),
    ({"cluster_dns_domain": ""}, ['cluster_dns_domain: "" is not a lowercase DNS name (RFC 1123); kubeadm refuses it as the'
                                  " cluster's DNS domain; use cluster.local or a name such as k8s.example.internal"]),
    ({"cluster_dns_domain": "k8s.example.internal"}, []),
    ({"cluster_ingress_vip": "10.0.0.300"}, ['cluster_ingress_vip: "10.0.0.300" is not an IP address; set it to a free address'
                                             ' in the network of the ingress hosts, or to "" for no ingress VIP']),
    ({"cluster_ingress_vip": "10.0.0.50"}, []),
    ({"cluster_source": "mirror", "cluster_mirror_image_repository": "registry.example.com/k8s",
      "cluster_mirror_package_url": "http://mirror.example.com/kubernetes", "kube_packages_repo_key_fingerprints": []},
     ["kube_packages_repo_key_fingerprints: empty while cluster_mirror_package_url http://mirror.example.com/kubernetes is plain"
      " HTTP: anybody on the way could hand out another key; pin the key's fingerprint or use https://"]),
    ({"cluster_source": "mirror", "cluster_mirror_image_repository": "registry.example.com/k8s",
      "cluster_mirror_package_url": "https://mirror.example.com/kubernetes", "kube_packages_repo_key_fingerprints": []}, []),
    ({"cluster_source": "mirror", "cluster_mirror_image_repository": "registry.example.com/k8s",
      "cluster_mirror_package_url": "http://mirror.example.com/kubernetes"}, []),
    ({"control_plane_anonymous_auth": "health_only", "cluster_kubernetes_version": "1.31.9"},
     ["control_plane_anonymous_auth: health_only needs Kubernetes 1.32 or later (kube-apiserver limits anonymous requests to"
      " chosen paths from then on) and cluster_kubernetes_version is 1.31.9; set it to auto or enabled"]),
    ({"control_plane_anonymous_auth": "health_only", "cluster_kubernetes_version": "1.32.0"}, []),
    ({"control_plane_anonymous_auth": "auto", "cluster_kubernetes_version": "1.31.9",
      "control_plane_apiserver_extra_args": {"anonymous-auth": "false"}}, []),
    ({"control_plane_anonymous_auth": "auto", "cluster_kubernetes_version": "1.32.3",
      "control_plane_apiserver_extra_args": {"anonymous-auth": "false"}},
     ["control_plane_apiserver_extra_args: sets anonymous-auth while control_plane_anonymous_auth (auto) configures anonymous"
      " requests in an authentication configuration file, and kube-apiserver refuses --anonymous-auth beside the file's"
      " anonymous field; remove anonymous-auth, or set control_plane_anonymous_auth: enabled"]),
    ({"control_plane_anonymous_auth": "enabled", "control_plane_apiserver_extra_args": {"anonymous-auth": "false"}}, []),
    ({"control_plane_apiserver_extra_args": {"oidc-issuer-url": "https://id.example.com", "oidc-client-id": "k8s"}},
     ["control_plane_apiserver_extra_args: sets oidc-client-id, oidc-issuer-url while control_plane_anonymous_auth (auto) gives"
      " kube-apiserver an authentication configuration file, and kube-apiserver refuses oidc-* flags beside that file; set"
      " control_plane_anonymous_auth: enabled, or give your own file (authentication-config) with the issuer under jwt and the"
      " anonymous paths"]),
    ({"control_plane_anonymous_auth": "enabled", "control_plane_apiserver_extra_args": {"oidc-issuer-url": "https://id.example.com"}}, []),
    # the extra-config hook's flags count too, in both API versions' forms
    ({"control_plane_kubeadm_extra_config": {"ClusterConfiguration": {"apiServer": {"extraArgs": [
        {"name": "anonymous-auth", "value": "false"}]}}}},
     ["control_plane_apiserver_extra_args: sets anonymous-auth while control_plane_anonymous_auth (auto) configures anonymous"
      " requests in an authentication configuration file, and kube-apiserver refuses --anonymous-auth beside the file's"
      " anonymous field; remove anonymous-auth, or set control_plane_anonymous_auth: enabled"]),
    ({"cluster_kubernetes_version": "1.30.2", "control_plane_kubeadm_extra_config": {"ClusterConfiguration": {"apiServer": {
        "extraArgs": {"oidc-issuer-url": "https://id.example.com"}}}}}, []),
    ({"control_plane_pod_security_exempt_namespaces": ["kube-system", "Ingress", "a.b"]},
     ['control_plane_pod_security_exempt_namespaces: "Ingress", "a.b" are not a namespace name (a lowercase RFC 1123 label);'
      " kube-apiserver would not start with it"]),
    ({"control_plane_pod_security_exempt_namespaces": ["kube-system", "x", "kube-system"]},
     ["control_plane_pod_security_exempt_namespaces: lists a namespace twice (kube-system); kube-apiserver would not start"
      " with it; list each once"]),
    ({"control_plane_pod_security": False, "control_plane_pod_security_exempt_namespaces": ["Bad"]}, []),
    ({"control_plane_audit_log_path": "/etc/kubernetes/apiserver/audit.log"},
     ["control_plane_audit_log_path: /etc/kubernetes/apiserver/audit.log shares its directory with control_plane_apiserver_config_dir"
      " /etc/kubernetes/apiserver, which is mounted read-only into kube-apiserver; choose a directory of its own, e.g."
      " /var/log/kubernetes/audit/audit.log"]),
    ({"control_plane_audit_log_path": "/audit.log"},
     ["control_plane_audit_log_path: /audit.log would mount / writable into kube-apiserver; put the log in a directory of its"
      " own, e.g. /var/log/kubernetes/audit/audit.log"]),
    ({"control_plane_audit_log_path": "logs/audit.log"},
     ['control_plane_audit_log_path: "logs/audit.log" is not an absolute file path; write it from the root, e.g.'
      " /var/log/kubernetes/audit/audit.log"]),
    ({"control_plane_audit_log": False, "control_plane_audit_log_path": "/audit.log"}, []),
    ({"control_plane_audit_log_path": "/srv/logs/apiserver/audit.json"}, []),
    ({"control_plane_apiserver_extra_args": {"anonymous-auth": "false", "authentication-config": "/etc/authn.yaml"}}, []),
])
def test_settings_that_cannot_work_together(settings, expected):
    assert compute(settings)["problems"] == expected


@pytest.mark.parametrize("exports, expected", [
    ([{"path": "srv/nfs"}], ['nfs_server_exports[0].path: "srv/nfs" is not an absolute path; write it from the root, e.g. /srv/nfs/k8s']),
    ([{"path": "/srv/a"}, {"clients": ["10.0.0.0/24"]}, "x"],
     ["nfs_server_exports[1].path: null is not an absolute path; write it from the root, e.g. /srv/nfs/k8s",
      "nfs_server_exports[2].path: null is not an absolute path; write it from the root, e.g. /srv/nfs/k8s"]),
    ({"path": "/srv/a"}, ['nfs_server_exports: {"path": "/srv/a"} is not a list; write [{path: /srv/nfs/k8s}]']),
    ([{"path": "/srv/nfs/k8s"}], []),
    ([{"path": "/srv/a", "clients": []}], ["nfs_server_exports[0].clients: empty, so no host could mount /srv/a; list the clients"
                                           " (addresses or networks), or leave clients out for the cluster's nodes (nfs_server_clients)"]),
    ([{"path": "/srv/a", "options": ["rw", "sync", "ro"]}], ["nfs_server_exports[0].options: holds both rw and ro; keep one of them"]),
    ([{"path": "/srv/a", "options": ["ro"], "clients": ["10.0.0.0/24"]}], []),
])
def test_nfs_exports_are_checked_when_there_is_an_nfs_server(exports, expected):
    hosts = dict(HOSTS, nfs="10.0.0.31")
    groups = {"control_plane": ["cp1"], "workers": ["w1"], "k8s_cluster": ["cp1", "w1"], "nfs_server": ["nfs"]}
    assert compute({"nfs_server_exports": exports}, hosts=hosts, groups=groups)["problems"] == expected
    groups.pop("nfs_server")
    assert compute({"nfs_server_exports": exports}, hosts=hosts, groups=groups)["problems"] == []


@pytest.mark.parametrize("groups, expected", [
    ({"control_plane": ["cp1"], "worker": ["w1"], "k8s_cluster": ["cp1"]},
     ["group worker: seed.kubeadm has no group of that name (did you mean workers?) and its host w1 is in none of the cluster's"
      " groups; rename the group to workers"]),
    ({"control_plane": ["cp1"], "contol_plane": ["cp2", "cp3"], "k8s_cluster": ["cp1"]},
     ["group contol_plane: seed.kubeadm has no group of that name (did you mean control_plane?) and its hosts cp2, cp3 are in"
      " none of the cluster's groups; rename the group to control_plane"]),
    ({"kube_control_plane": ["cp1"], "kube_node": ["w1"]},
     ["group control_plane: empty; put at least one host in it (its first host runs kubeadm init)",
      "group kube_control_plane: seed.kubeadm has no group of that name (did you mean control_plane?) and its host cp1 is in"
      " none of the cluster's groups; rename the group to control_plane",
      "group kube_node: seed.kubeadm has no group of that name (did you mean workers?) and its host w1 is in none of the"
      " cluster's groups; rename the group to workers"]),
    ({"control_plane": ["cp1"], "workers": ["w1"]},
     ["group k8s_cluster: lacks hosts cp1, w1 of control_plane/workers, so the node plays skip them; make control_plane and"
      " workers children of k8s_cluster (see inventory/sample/hosts.yml)"]),
    ({"control_plane": ["cp1"], "workers": ["w1"], "k8s_cluster": ["cp1"]},
     ["group k8s_cluster: lacks host w1 of control_plane/workers, so the node plays skip it; make control_plane and"
      " workers children of k8s_cluster (see inventory/sample/hosts.yml)"]),
    # the user's own groups: fine when their hosts are in the cluster's groups, or when the name is unlike ours
    ({"control_plane": ["cp1"], "workers": ["w1"], "k8s_cluster": ["cp1", "w1"], "nodes": ["cp1", "w1"],
      "ungrouped": [], "all": ["cp1", "w1"], "monitoring": ["w1"], "zone_a": ["x1"]}, []),
])
def test_groups_that_look_like_ours_and_nodes_outside_k8s_cluster(groups, expected):
    hosts = {"cp1": "10.0.0.11", "cp2": "10.0.0.12", "cp3": "10.0.0.13", "w1": "10.0.0.21", "x1": "10.0.0.41"}
    assert compute({"cluster_allow_even_control_plane": True}, hosts=hosts, groups=groups)["problems"] == expected


@pytest.mark.parametrize("first, second, similar", [
    ("worker", "workers", True), ("contol_plane", "control_plane", True), ("control-plane", "control_plane", True),
    ("ingres", "ingress", True), ("ingresss", "ingress", True), ("inot", "init", True), ("nfs_servers", "nfs_server", True),
    ("wrkrs", "workers", False), ("monitoring", "workers", False), ("init", "init", True), ("ab", "abcd", False),
])
def test_similar_group_names(first, second, similar):
    assert cluster._similar(first, second) is similar  # pylint: disable=protected-access


@pytest.mark.parametrize("path, expected", [
    ("srv/nfs/k8s", ['nfs_provisioner_path: "srv/nfs/k8s" is not an absolute path; write the NFS server\'s export path from'
                     ' the root, e.g. /srv/nfs/k8s']),
    (5, ["nfs_provisioner_path: 5 is not an absolute path; write the NFS server's export path from the root, e.g. /srv/nfs/k8s"]),
    ("/exports/k8s", []),
])
def test_nfs_provisioner_path_is_checked_with_an_nfs_server(path, expected):
    hosts = dict(HOSTS, nfs="10.0.0.31")
    groups = {"control_plane": ["cp1"], "workers": ["w1"], "k8s_cluster": ["cp1", "w1"], "nfs_server": ["nfs"]}
    assert compute({"nfs_provisioner_path": path}, hosts=hosts, groups=groups)["problems"] == expected


# --- containerd 2.x for Kubernetes 1.36 and later, a patch the package source does not have ----------
NEED2 = ("the kubelet of Kubernetes 1.36 and later needs containerd 2.0 or later (1.35 is the last minor that supports"
         " containerd 1.x)")


def runtime(installed=None, offered=None, name="containerd"):
    return probe(running_versions={"kubeadm": None, "kubelet": None, "kube-apiserver": None, name: installed},
                 candidate_versions={name: offered})


def test_containerd_1x_with_kubernetes_1_36():
    v136 = {"cluster_kubernetes_version": "1.36.1"}
    probes = {"cp1": runtime("1.7.24", "1.7.24"), "cp2": runtime(None, "1.6.20"), "cp3": runtime(None, "2.1.4"),
              "w1": runtime("2.1.4", "1.7.24")}
    assert compute(probes=probes)["problems"] == []
    assert compute(v136, probes=probes)["problems"] == [
        "containerd 1.x is installed (containerd 1.7.24 on cp1) and %s; upgrade containerd to 2.x on these hosts first"
        " (the container_runtime role keeps an installed version), or keep cluster_kubernetes_version below 1.36" % NEED2,
        "containerd 1.x is what the hosts' package sources offer (containerd 1.6.20 on cp2) and %s; set"
        " container_runtime_source: upstream, or offline with a bundle that carries containerd 2.x, or keep"
        " cluster_kubernetes_version below 1.36" % NEED2]
    pinned = compute(dict(v136, container_runtime_version="1.7.*"), probes={})["problems"]
    assert pinned == ['container_runtime_version: "1.7.*" pins containerd 1.x on cp1, cp2, cp3, w1 and %s; pin a 2.x'
                      ' version or leave it empty, or keep cluster_kubernetes_version below 1.36' % NEED2]
    assert compute(dict(v136, container_runtime_version="2.1.*"))["problems"] == []
    # an unsupported minor is reported as such, not with containerd on top
    assert len(compute({"cluster_kubernetes_version": "1.40.0"}, probes=probes)["problems"]) == 1
    # upstream: Docker's containerd.io is the package looked at
    upstream = {h: runtime(None, "1.7.28", name="containerd.io") for h in HOSTS}
    upstream["cp1"] = runtime(None, "1.6.20")
    problems = compute(dict(v136, container_runtime_source="upstream"), probes=upstream)["problems"]
    assert len(problems) == 1 and "cp1" not in problems[0]
    assert "(containerd.io 1.7.28 on cp2, cp3, w1)" in problems[0]
    assert compute(v136, probes=upstream)["problems"][0].count("containerd 1.6.20 on cp1") == 1
    # a per-host source and package name
    f = compute(v136, host_extra={"w1": {"container_runtime_package": "containerd2"}})
    assert f["probe"]["runtime_packages"] == {"cp1": ["containerd"], "cp2": ["containerd"], "cp3": ["containerd"], "w1": ["containerd2"]}
    offline = compute({"cluster_source": "offline"}, host_extra={"w1": {"container_runtime_source": "upstream"}})
    assert offline["probe"]["runtime_packages"]["w1"] == ["containerd.io"] and offline["probe"]["runtime_packages"]["cp1"] == ["containerd"]


def index(versions=(), status=0, error="", url="https://m.example/k8s/v1.35/deb/Packages.gz"):
    return probe(package_index={"url": url, "package": "kubeadm", "versions": list(versions), "status": status, "error": error})


def test_package_index_inputs():
    mirror = {"cluster_source": "mirror", "cluster_mirror_package_url": "https://m.example/k8s/"}
    assert compute(mirror)["probe"]["package_index"] == {"cp1": {
        "deb": "https://m.example/k8s/v1.35/deb/", "rpm": "https://m.example/k8s/v1.35/rpm/", "package": "kubeadm"}}
    assert list(compute(mirror, play_hosts=["w1", "cp3"])["probe"]["package_index"]) == ["cp3"]
    assert compute(dict(mirror, cluster_source_check=False))["probe"]["package_index"] == {}
    assert compute({"cluster_source": "offline"})["probe"]["package_index"] == {}
    assert compute(dict(mirror, cluster_kubernetes_version="1.35"))["probe"]["package_index"] == {}
    assert compute(dict(mirror, cluster_kubernetes_version="1.40.0"))["probe"]["package_index"] == {}
    assert compute()["probe"]["package_index"]["cp1"]["deb"] == "https://pkgs.k8s.io/core:/stable:/v1.35/deb/"


def test_a_patch_the_package_source_does_not_have():
    mirror = {"cluster_source": "mirror", "cluster_mirror_package_url": "https://m.example/k8s",
              "cluster_mirror_image_repository": "m.example/k8s"}
    assert compute(mirror, probes={"cp1": index(["1.35.5", "1.35.6"])})["problems"] == []
    assert compute(dict(mirror, cluster_kubernetes_version="1.35.9"), probes={"cp1": index(["1.35.0", "1.35.6"])})["problems"] == [
        "cluster_kubernetes_version: 1.35.9 is not in the package source (cluster_mirror_package_url:"
        " https://m.example/k8s/v1.35/deb/Packages.gz lists kubeadm 1.35.0 to 1.35.6); set a version it has"]
    assert compute(mirror, probes={"cp1": index([])})["problems"] == [
        "cluster_kubernetes_version: 1.35.6 is not in the package source (cluster_mirror_package_url:"
        " https://m.example/k8s/v1.35/deb/Packages.gz lists no kubeadm); set a version it has"]
    assert compute(mirror, probes={"cp1": index(status=404, error="HTTP 404", url="https://m.example/k8s/v1.35/deb/Packages")})[
        "problems"] == ["cluster_kubernetes_version: 1.35.6; the package source (cluster_mirror_package_url) has no repository"
                        " for Kubernetes 1.35 (HTTP 404 for https://m.example/k8s/v1.35/deb/Packages); pick a minor it serves"
                        " or fix cluster_mirror_package_url"]
    # unreachable (the endpoint check reports it), another host's index, or no index read: nothing here
    assert compute(mirror, probes={"cp1": index(error="timed out")})["problems"] == []
    assert compute(mirror, probes={"cp2": index([])})["problems"] == []
    assert compute(mirror, probes={})["problems"] == []


def test_a_worker_named_like_the_api_server_is_refused_with_kubelet_serving_certificates():
    extra = {"w1": {"cluster_node_name": "k8s-api.example.internal"}}
    settings = {"cluster_api_name": "k8s-api.example.internal"}
    assert compute(settings, host_extra=extra)["problems"] == []
    assert compute(dict(settings, cluster_kubelet_serving_certificates=True), host_extra=extra)["problems"] == [
        'host w1: node name "k8s-api.example.internal" is a name of the API server\'s certificate, and with'
        " cluster_kubelet_serving_certificates its kubelet would get a certificate of the cluster CA for it;"
        " rename the host or set cluster_node_name for it"]
    named = compute({"cluster_kubelet_serving_certificates": True}, host_extra={"w1": {"cluster_node_name": "kubernetes.default.svc"}})
    assert len(named["problems"]) == 1 and 'node name "kubernetes.default.svc"' in named["problems"][0]
