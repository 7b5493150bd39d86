# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the node roles (plugins/filter/node_roles.py), called directly."""

from __future__ import annotations

import re
import tomllib

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter import node_roles as nr

OS_PACKAGES = {
    "Debian": {"base": ["conntrack", "socat"], "ipvs": ["ipvsadm"], "chrony": ["chrony"], "firewall": ["ufw"]},
    "RedHat": {"base": ["conntrack-tools", "socat"], "ipvs": ["ipvsadm"], "chrony": ["chrony"], "firewall": ["firewalld"]},
}
OS_SERVICES = {"Debian": {"chrony": "chrony", "firewall": "ufw"}, "RedHat": {"chrony": "chronyd", "firewall": "firewalld"}}


def prep(**settings):
    base = {"os_family": "Debian", "os_packages": OS_PACKAGES, "os_services": OS_SERVICES, "kube_proxy_mode": "iptables",
            "kernel_modules": ["overlay", "br_netfilter"], "ipvs_kernel_modules": ["ip_vs", "nf_conntrack"],
            "extra_kernel_modules": [], "sysctl": {"net.ipv4.ip_forward": 1}, "extra_sysctl": {}, "time_sync": True,
            "firewall": "unmanaged", "extra_packages": [], "set_hostname": True, "hostname": "n1", "manage_etc_hosts": True,
            "disable_swap": True, "selinux": "permissive"}
    base.update(settings)
    return nr.node_prep_wanted(base)


def test_node_prep_defaults():
    w = prep()
    assert w == {
        "family": "Debian", "modules": ["overlay", "br_netfilter"], "sysctl": {"net.ipv4.ip_forward": 1},
        "packages": ["conntrack", "socat", "chrony"], "install": {"conntrack": "conntrack", "socat": "socat", "chrony": "chrony"},
        "services": [{"name": "chrony", "active": True, "enabled": True}], "ufw": "", "hostname": "n1", "swap_off": True,
        "selinux": None, "files": ["modules_load", "sysctl", "etc_hosts"]}


def test_node_prep_options():
    w = prep(kube_proxy_mode="ipvs", extra_kernel_modules=["overlay", "vxlan"], extra_sysctl={"net.ipv4.ip_forward": 0, "vm.x": "1"},
             time_sync="false", extra_packages=["jq", "socat"], set_hostname=False, manage_etc_hosts=False, disable_swap="no",
             firewall="configured")
    assert w["modules"] == ["overlay", "br_netfilter", "ip_vs", "nf_conntrack", "vxlan"]
    assert w["sysctl"] == {"net.ipv4.ip_forward": 0, "vm.x": "1"}
    assert w["packages"] == ["conntrack", "socat", "ipvsadm", "ufw", "jq"]
    assert w["services"] == [] and w["hostname"] is None and w["swap_off"] is False
    assert w["files"] == ["modules_load", "sysctl", "ufw_before_rules"]
    assert prep(firewall="disabled")["ufw"] == "disabled"


def test_node_prep_lab_profile_gives_the_kubelet_a_kmsg_and_leaves_swap_alone():
    w = prep(lab_profile=True)
    assert w["swap_off"] is False
    assert w["files"] == ["modules_load", "sysctl", "etc_hosts", "lab_kmsg"]
    assert w["services"] == [{"name": "chrony", "active": True, "enabled": True},
                             {"name": "seed-lab-kmsg.service", "active": True, "enabled": True}]
    assert prep(lab_profile="false") == prep()
    assert prep(lab_profile=True, disable_swap=False)["swap_off"] is False


def test_node_prep_rhel_family():
    w = prep(os_family="RedHat", firewall="configured")
    assert w["family"] == "RedHat" and w["selinux"] == "permissive" and "firewalld" in w["packages"]
    assert w["services"] == [{"name": "chronyd", "active": True, "enabled": True}, {"name": "firewalld", "active": True, "enabled": True}]
    assert w["files"] == ["modules_load", "sysctl", "etc_hosts"] and w["ufw"] == ""
    assert prep(os_family="RedHat", selinux="unmanaged")["selinux"] is None
    assert prep(os_family="Suse")["family"] == "Debian"


@pytest.mark.parametrize("settings, message", [
    ({"firewall": "open"}, "firewall must be"),
    ({"kernel_modules": "overlay"}, "kernel_modules must be a list"),
    ({"sysctl": ["x"]}, "sysctl must be a dict"),
    ({"os_packages": {"RedHat": {}}}, "needs an entry for the Debian family"),
])
def test_node_prep_errors(settings, message):
    with pytest.raises(AnsibleFilterError, match=message):
        prep(**settings)
    with pytest.raises(AnsibleFilterError, match="expects a dict"):
        nr.node_prep_wanted(["x"])


TAGS = {"1.33": "3.10", "1.35": "3.10.1", "1.36": "3.10.2", "1.9": "3.1"}


def runtime(**settings):
    base = {"os_family": "Debian", "distribution": "Debian", "source": "distro", "package": "", "version": "",
            "package_names": {"distro": "containerd", "upstream": "containerd.io", "offline": "containerd"},
            "docker_key": "/etc/apt/keyrings/docker.asc", "sandbox_image": "", "image_repository": "registry.k8s.io",
            "kubernetes_minor": "1.35", "pause_tags": TAGS, "cluster_source": "online"}
    base.update(settings)
    return nr.container_runtime_wanted(base)


def test_container_runtime_wanted():
    w = runtime()
    assert w == {"family": "Debian", "package": "containerd", "sandbox": "registry.k8s.io/pause:3.10.1", "docker_distribution": "debian",
                 "packages": [{"name": "containerd", "version": ""}], "install": {"containerd": "containerd"},
                 "services": [{"name": "containerd", "active": True, "enabled": True}], "exists": [], "files": ["config", "crictl"],
                 "offline_client": False}
    up = runtime(source="upstream", version="1.7.*", distribution="Ubuntu")
    assert up["install"] == {"containerd.io": "containerd.io=1.7.*"} and up["docker_distribution"] == "ubuntu"
    assert up["exists"] == ["/etc/apt/keyrings/docker.asc"] and up["files"] == ["docker_apt", "config", "crictl"]
    rhel = runtime(source="upstream", version="1.7.27", os_family="RedHat", docker_key="/etc/pki/rpm-gpg/seed-docker.asc")
    assert rhel["install"] == {"containerd.io": "containerd.io-1.7.27"} and rhel["files"] == ["docker_yum", "config", "crictl"]
    # the repository's gpgkey is the pinned local file, fetched from Docker's centos tree
    assert rhel["exists"] == ["/etc/pki/rpm-gpg/seed-docker.asc"] and rhel["docker_distribution"] == "centos"
    assert runtime(source="offline", cluster_source="offline")["offline_client"] is True
    assert runtime(package="my-containerd")["package"] == "my-containerd"
    assert runtime(package_names={})["package"] == "containerd"
    # newest known minor for a minor not listed (numeric order, not text order)
    assert runtime(kubernetes_minor="1.40")["sandbox"].endswith(":3.10.2")
    assert runtime(sandbox_image="x.example/pause:9", image_repository="")["sandbox"] == "x.example/pause:9"


@pytest.mark.parametrize("settings, message", [
    ({"source": "docker"}, "distro, upstream or offline"),
    ({"pause_tags": {}}, "pause_tags"),
    ({"image_repository": ""}, "image repository"),
    ({"source": "offline"}, "container_runtime_source=offline needs cluster_source=offline"),
    ({"source": "offline", "cluster_source": "mirror"}, "got cluster_source=mirror"),
    ({"os_family": "RedHat"}, "set container_runtime_source=upstream there"),
    ({"os_family": "RedHat", "source": "offline", "cluster_source": "offline"}, "RHEL family"),
])
def test_container_runtime_errors(settings, message):
    with pytest.raises(AnsibleFilterError, match=message):
        runtime(**settings)


def packages(**settings):
    base = {"os_family": "Debian", "source": "online", "version": "1.35.6", "pinned": ["kubeadm", "kubelet", "kubectl"],
            "extra": ["cri-tools"], "host_roles": ["worker"], "control_plane_extra": ["python3-cryptography"],
            "python_kubernetes_package": "python3-kubernetes", "hold": True, "enable_kubelet": True,
            "keyring": "/etc/apt/keyrings/kubernetes-v1.35.asc"}
    base.update(settings)
    return nr.kube_packages_wanted(base)


def test_kube_packages_wanted():
    w = packages()
    assert w["packages"] == [{"name": "kubeadm", "version": "1.35.6-*"}, {"name": "kubelet", "version": "1.35.6-*"},
                             {"name": "kubectl", "version": "1.35.6-*"}, {"name": "cri-tools", "version": ""}]
    assert w["install"] == {"kubeadm": "kubeadm=1.35.6-*", "kubelet": "kubelet=1.35.6-*", "kubectl": "kubectl=1.35.6-*",
                            "cri-tools": "cri-tools"}
    assert w["held"] == ["kubeadm", "kubelet", "kubectl"] and w["services"] == [{"name": "kubelet", "enabled": True}]
    assert w["exists"] == ["/etc/apt/keyrings/kubernetes-v1.35.asc"] and w["files"] == ["apt"] and w["offline_client"] is False
    cp = packages(host_roles=["control_plane"], extra=["cri-tools", "kubectl"], version="v1.35.6")
    assert list(cp["install"]) == ["kubeadm", "kubelet", "kubectl", "cri-tools", "python3-cryptography", "python3-kubernetes"]
    assert cp["install"]["kubeadm"] == "kubeadm=1.35.6-*"
    assert list(packages(host_roles=["control_plane"], python_kubernetes_package="")["install"])[-1] == "python3-cryptography"
    offline = packages(source="offline")
    assert offline["files"] == [] and offline["exists"] == [] and offline["offline_client"] is True
    rhel = packages(os_family="RedHat", hold=False, enable_kubelet=False, keyring="/etc/pki/rpm-gpg/seed-kubernetes-v1.35.asc")
    assert rhel["install"]["kubeadm"] == "kubeadm-1.35.6" and rhel["held"] == [] and rhel["services"] == []
    # the repository's gpgkey is the pinned local key file
    assert rhel["files"] == ["yum"] and rhel["exists"] == ["/etc/pki/rpm-gpg/seed-kubernetes-v1.35.asc"]
    with pytest.raises(AnsibleFilterError, match="Kubernetes version"):
        packages(version="")
    with pytest.raises(AnsibleFilterError, match="offline mode supports Debian and Ubuntu nodes"):
        packages(os_family="RedHat", source="offline")


def test_containerd_hosts_files():
    entries = [
        {"registry": "docker.io", "server": "https://registry-1.docker.io",
         "hosts": [{"url": "https://m1.example", "capabilities": ["pull"], "skip_verify": "yes", "ca": "/etc/ca.pem",
                    "override_path": True}, {"url": "https://m2.example"}]},
        {"registry": "10.0.0.5:60080", "server": "http://10.0.0.5:60080", "hosts": []},
    ]
    files = nr.containerd_hosts_files(entries, "/etc/containerd/certs.d/", "# Managed by x")
    assert [f["path"] for f in files] == ["/etc/containerd/certs.d/docker.io/hosts.toml", "/etc/containerd/certs.d/10.0.0.5:60080/hosts.toml"]
    assert all(f["owner"] == "root" and f["group"] == "root" and f["mode"] == "0644" for f in files)
    assert files[0]["content"].startswith("# Managed by x: local changes are overwritten.\n")
    toml = tomllib.loads(files[0]["content"])
    assert toml == {"server": "https://registry-1.docker.io", "host": {
        "https://m1.example": {"capabilities": ["pull"], "skip_verify": True, "override_path": True, "ca": "/etc/ca.pem"},
        "https://m2.example": {"capabilities": ["pull", "resolve"]}}}
    assert tomllib.loads(files[1]["content"]) == {"server": "http://10.0.0.5:60080"}
    assert nr.containerd_hosts_files([]) == [] and nr.containerd_hosts_files(None) == []
    with pytest.raises(AnsibleFilterError, match="registry and server"):
        nr.containerd_hosts_files([{"registry": "x"}])


def test_filter_plugin_lists_the_filters():
    assert sorted(nr.FilterModule().filters()) == ["container_runtime_wanted", "containerd_hosts_files", "kube_packages_wanted",
                                                   "node_prep_wanted"]
    assert nr.os_family("RedHat") == "RedHat" and nr.os_family(None) == "Debian"


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), (None, False), (1, True), (0, False),
    ("1", True), ("true", True), ("True", True), (" yes ", True), ("on", True), ("ON", True), ("y", True), ("Y", True),
    ("t", True), ("T", True), ("0", False), ("false", False), ("no", False), ("off", False), ("", False), ("enabled", False),
])
def test_booleans_as_ansible_writes_them(value, expected):
    assert nr._bool(value) is expected  # pylint: disable=protected-access


@pytest.mark.parametrize("value, expected", [(None, []), ("", []), ([], []), (("a", 1), ["a", "1"])])
def test_lists(value, expected):
    assert nr._list(value, "x") == expected  # pylint: disable=protected-access


@pytest.mark.parametrize("value", ["a", {"a": 1}, 3])
def test_a_list_is_refused_as_anything_else(value):
    with pytest.raises(AnsibleFilterError, match="^kube_packages_pinned must be a list, got %s$" % re.escape(repr(value))):
        nr._list(value, "kube_packages_pinned")  # pylint: disable=protected-access


def test_kube_packages_hold_and_enable_by_default():
    w = nr.kube_packages_wanted({"os_family": "Debian", "version": "1.35.6", "pinned": ["kubeadm"], "keyring": "/k.asc"})
    assert w["held"] == ["kubeadm"] and w["services"] == [{"name": "kubelet", "enabled": True}]
    assert w["family"] == "Debian" and w["exists"] == ["/k.asc"]
    for off in (False, "no", "0"):
        w = nr.kube_packages_wanted({"os_family": "Debian", "version": "1.35.6", "pinned": ["kubeadm"], "hold": off,
                                     "enable_kubelet": off})
        assert w["held"] == [] and w["services"] == []
