# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the files of node_prep, container_runtime and kube_packages the way Ansible does.

The role variables (cluster defaults, role defaults, role vars) are evaluated with ansible-core's
Templar and the collection's filters, for online, mirror and offline sources. The probe result the
roles read from the host (module seed.kubeadm.node_state) is given as a fake registered variable.
"""

from __future__ import annotations

import os
import re
import tomllib

import pytest
import yaml

from ansible.template import trust_as_template

from role_render import ROLES, RoleRender, role_variables
from role_render import UPSTREAM_REGISTRIES as UPSTREAM

HOSTS = {"cp1": "10.0.129.84", "w1": "10.0.128.240"}
SOURCES = {
    "online": {"cluster_source": "online"},
    "mirror": {
        "cluster_source": "mirror",
        "cluster_mirror_image_repository": "registry.aliyuncs.com/google_containers",
        "cluster_mirror_package_url": "https://mirrors.aliyun.com/kubernetes-new/core/stable",
    },
    "offline": {"cluster_source": "offline"},
}


def probe(version_output="", files=None, packages=None):
    state = {
        "hostname": "cp1", "container": "", "swap_active": False, "fstab_swap": False, "modules_missing": [],
        "sysctl": {}, "packages": packages or {}, "services": {}, "files": files or {}, "block": None,
        "selinux": "disabled", "ufw_enabled": False, "versions": {"containerd": version_output}, "marked_files": [],
    }
    return state


class Render(RoleRender):
    """One role's variables for host cp1 (control plane and init node) or w1."""

    def __init__(self, role, source, host="cp1", extra=None, registered=None):
        variables = role_variables(role)
        variables.update(SOURCES[source])
        variables.update(extra or {})
        hostvars = dict((name, {"inventory_hostname": name, "ansible_host": ip}) for name, ip in HOSTS.items())
        groups = {"all": list(HOSTS), "k8s_cluster": list(HOSTS), "control_plane": ["cp1"], "workers": ["w1"], "init": ["cp1"]}
        variables.update(hostvars[host])
        variables.update(
            inventory_hostname=host, hostvars=hostvars, groups=groups, ansible_play_hosts_all=list(HOSTS),
            group_names=[g for g, m in groups.items() if host in m and g != "all"],
            ansible_facts={"os_family": "Debian", "distribution": "Debian", "distribution_release": "bookworm"},
            role_path=os.path.join(ROLES, role),
        )
        variables.update(registered or {})
        super().__init__(role, variables)


# --- kube_packages: repository lines ---------------------------------------------------------------
@pytest.mark.parametrize(
    "source, path, line",
    [
        ("online", "/etc/apt/sources.list.d/kubernetes.list",
         "deb [signed-by=/etc/apt/keyrings/kubernetes-v1.35.asc] https://pkgs.k8s.io/core:/stable:/v1.35/deb/ /"),
        ("mirror", "/etc/apt/sources.list.d/kubernetes.list",
         "deb [signed-by=/etc/apt/keyrings/kubernetes-v1.35.asc] https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.35/deb/ /"),
        ("offline", "/etc/apt/sources.list.d/seed-offline.list", "deb [trusted=yes] http://10.0.129.84/debian ./"),
    ],
)
def test_kube_packages_apt_source(source, path, line):
    render = Render("kube_packages", source, host="w1")
    assert render("kube_packages_apt_source") == path
    content = render("kube_packages_apt_source_content")
    assert [x for x in content.splitlines() if not x.startswith("#")] == [line]
    assert content.endswith("\n")


def test_kube_packages_key_and_versions():
    render = Render("kube_packages", "online")
    assert render("kube_packages_repo_key_url") == "https://pkgs.k8s.io/core:/stable:/v1.35/deb/Release.key"
    # cp1 is a control-plane host: it also gets what the collection's kubeadm modules need there.
    assert render("kube_packages_apt_names") == [
        "kubeadm=1.35.6-*", "kubelet=1.35.6-*", "kubectl=1.35.6-*", "cri-tools", "kubernetes-cni", "python3-cryptography",
        "python3-kubernetes"]
    worker = Render("kube_packages", "online", host="w1")
    assert worker("kube_packages_apt_names")[3:] == ["cri-tools", "kubernetes-cni"]
    assert render("kube_packages_dnf_names")[:3] == ["kubeadm-1.35.6", "kubelet-1.35.6", "kubectl-1.35.6"]
    mirror = Render("kube_packages", "mirror")
    assert mirror("kube_packages_repo_key_url") == "https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.35/deb/Release.key"


def test_kube_packages_offline_source_is_the_one_offline_repo_and_container_runtime_write():
    kube = Render("kube_packages", "offline", host="w1")
    runtime = Render("container_runtime", "offline", host="w1")
    assert kube("kube_packages_apt_source") == runtime("container_runtime_offline_apt_source")
    assert kube("kube_packages_apt_source_content") == runtime("container_runtime_apt_source_content")
    # offline_repo's client tasks write the same file with the same content.
    with open(os.path.join(ROLES, "offline_repo", "tasks", "client.yml"), encoding="utf-8") as handle:
        client = yaml.safe_load(handle)
    copy = [t["ansible.builtin.copy"] for t in client if "ansible.builtin.copy" in t][0]
    client_render = Render("kube_packages", "offline", host="w1")
    assert client_render.templar.template(trust_as_template(copy["content"])) == kube("kube_packages_apt_source_content")


def test_kube_packages_to_install():
    installed = {
        "kubeadm": {"version": "1.35.6-1.1", "hold": True},
        "kubelet": {"version": "1.35.5-1.1", "hold": True},
        "kubectl": None,
        "cri-tools": {"version": "1.35.0-1.1", "hold": False},
        "kubernetes-cni": None,
        "python3-cryptography": {"version": "38.0.4-3", "hold": False},
        "python3-kubernetes": {"version": "22.6.0-2", "hold": False},
    }
    render = Render("kube_packages", "online", registered={"kube_packages_probe": probe(packages=installed)})
    assert render("kube_packages_to_install") == ["kubelet", "kubectl", "kubernetes-cni"]


# --- container_runtime: config.toml, hosts.toml, crictl --------------------------------------------
MIRRORS = [
    {"registry": "docker.io", "endpoints": ["https://docker.m.example", "https://docker2.m.example"]},
    {"registry": "quay.io", "endpoints": ["https://quay.m.example"], "skip_verify": True, "ca_file": "/etc/ssl/m.pem"},
]


@pytest.mark.parametrize(
    "version_output, fmt",
    [
        ("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3", 2),
        ("containerd github.com/containerd/containerd 1.7.24~ds1 1.7.24~ds1-6+deb13u1", 2),
        ("containerd containerd.io 1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da", 2),
        ("containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7193e4e490e9fbdc236c0e811ccaba3376", 3),
        ("", 2),
    ],
)
def test_config_format_follows_installed_containerd(version_output, fmt):
    render = Render("container_runtime", "mirror", registered={"container_runtime_probe": probe(version_output)})
    assert int(render("container_runtime_config_format")) == fmt
    config = tomllib.loads(render("container_runtime_config_content"))
    assert config["version"] == fmt
    image = "registry.aliyuncs.com/google_containers/pause:3.10.1"
    if fmt == 2:
        cri = config["plugins"]["io.containerd.grpc.v1.cri"]
        assert cri["sandbox_image"] == image
        assert cri["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is True
        assert cri["registry"]["config_path"] == "/etc/containerd/certs.d"
        assert cri["cni"] == {"bin_dir": "/opt/cni/bin", "conf_dir": "/etc/cni/net.d"}
    else:
        images = config["plugins"]["io.containerd.cri.v1.images"]
        assert images["pinned_images"]["sandbox"] == image
        assert images["registry"]["config_path"] == "/etc/containerd/certs.d"
        runc = config["plugins"]["io.containerd.cri.v1.runtime"]["containerd"]["runtimes"]["runc"]
        assert runc["options"]["SystemdCgroup"] is True
        assert config["plugins"]["io.containerd.cri.v1.runtime"]["cni"] == {
            "bin_dirs": ["/opt/cni/bin"], "conf_dir": "/etc/cni/net.d"}


def test_containerd_2_0_pins_the_cni_bin_dir_with_its_own_key():
    output = "containerd github.com/containerd/containerd/v2 v2.0.5 fb4c30d4ede3531652d86197bf3fc9515e5276d9"
    render = Render("container_runtime", "online", registered={"container_runtime_probe": probe(output)})
    config = tomllib.loads(render("container_runtime_config_content"))
    assert config["plugins"]["io.containerd.cri.v1.runtime"]["cni"] == {"bin_dir": "/opt/cni/bin", "conf_dir": "/etc/cni/net.d"}


@pytest.mark.parametrize("minor, tag", [("1.31.4", "3.10"), ("1.33.1", "3.10"), ("1.34.2", "3.10.1"), ("1.35.6", "3.10.1"), ("1.36.0", "3.10.2")])
def test_pause_tag_per_minor(minor, tag):
    render = Render("container_runtime", "online", extra={"cluster_kubernetes_version": minor},
                    registered={"container_runtime_probe": probe()})
    assert render("container_runtime_sandbox") == "registry.k8s.io/pause:" + tag


@pytest.mark.parametrize("source", ["mirror", "offline"])
def test_sandbox_image_never_upstream(source):
    render = Render("container_runtime", source, registered={"container_runtime_probe": probe()})
    sandbox = render("container_runtime_sandbox")
    assert sandbox.split("/")[0] not in UPSTREAM
    if source == "offline":
        assert sandbox == "10.0.129.84:60080/registry.k8s.io/pause:3.10.1"


def _hosts_files(render):
    result = {}
    for entry in render("container_runtime_registry_hosts"):
        text = render.template("hosts.toml.j2", container_runtime_registry=entry)
        result[entry["registry"]] = tomllib.loads(text)
    return result


def test_hosts_toml_per_mirror():
    render = Render("container_runtime", "mirror", extra={"cluster_registry_mirrors": MIRRORS},
                    registered={"container_runtime_probe": probe()})
    files = _hosts_files(render)
    assert sorted(files) == ["docker.io", "quay.io"]
    assert files["docker.io"]["server"] == "https://registry-1.docker.io"
    assert list(files["docker.io"]["host"]) == ["https://docker.m.example", "https://docker2.m.example"]
    assert files["docker.io"]["host"]["https://docker.m.example"] == {"capabilities": ["pull", "resolve"]}
    assert files["quay.io"]["host"]["https://quay.m.example"] == {
        "capabilities": ["pull", "resolve"], "skip_verify": True, "ca": "/etc/ssl/m.pem"}
    assert render("container_runtime_hosts_files") == [
        "/etc/containerd/certs.d/docker.io/hosts.toml", "/etc/containerd/certs.d/quay.io/hosts.toml"]


def test_hosts_toml_offline_sends_every_registry_to_the_init_node():
    render = Render("container_runtime", "offline", host="w1", registered={"container_runtime_probe": probe()})
    files = _hosts_files(render)
    assert sorted(files) == sorted(["registry.k8s.io", "docker.io", "quay.io", "ghcr.io", "10.0.129.84:60080"])
    for name in ("registry.k8s.io", "docker.io", "quay.io", "ghcr.io"):
        assert files[name]["host"] == {
            "http://10.0.129.84:60080/v2/" + name: {"capabilities": ["pull", "resolve"], "override_path": True}}
    assert files["10.0.129.84:60080"] == {
        "server": "http://10.0.129.84:60080", "host": {"http://10.0.129.84:60080": {"capabilities": ["pull", "resolve"]}}}
    config = render("container_runtime_config_content")
    assert re.search(r'sandbox_image = "10\.0\.129\.84:60080/registry\.k8s\.io/pause:3\.10\.1"', config)


def test_hosts_toml_user_mirror_replaces_offline_entry():
    render = Render("container_runtime", "offline", extra={"cluster_registry_mirrors": MIRRORS[:1]},
                    registered={"container_runtime_probe": probe()})
    files = _hosts_files(render)
    assert list(files["docker.io"]["host"]) == ["https://docker.m.example", "https://docker2.m.example"]
    assert "quay.io" in files


def test_crictl_yaml():
    render = Render("container_runtime", "online", registered={"container_runtime_probe": probe()})
    crictl = yaml.safe_load(render("container_runtime_crictl_content"))
    assert crictl["runtime-endpoint"] == crictl["image-endpoint"] == "unix:///run/containerd/containerd.sock"


def test_container_runtime_source_default_follows_cluster_source():
    assert Render("container_runtime", "offline")("container_runtime_source") == "offline"
    assert Render("container_runtime", "mirror")("container_runtime_source") == "distro"
    assert Render("container_runtime", "online")("container_runtime_package_name") == "containerd"
    upstream = Render("container_runtime", "online", extra={"container_runtime_source": "upstream"})
    assert upstream("container_runtime_package_name") == "containerd.io"
    assert upstream("container_runtime_apt_source_content").splitlines()[1] == (
        "deb [signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian bookworm stable")


# --- node_prep: /etc/hosts, modules, sysctl, firewall ------------------------------------------------
def test_node_prep_files():
    render = Render("node_prep", "online", extra={"cluster_api_name": "k8s-api.example.internal"})
    assert render("node_prep_hosts_block").splitlines() == [
        "10.0.129.84 cp1 k8s-api.example.internal", "10.0.128.240 w1"]
    assert [x for x in render("node_prep_modules_content").splitlines() if not x.startswith("#")] == ["overlay", "br_netfilter"]
    assert [x for x in render("node_prep_sysctl_content").splitlines() if not x.startswith("#")] == [
        "net.bridge.bridge-nf-call-ip6tables = 1", "net.bridge.bridge-nf-call-iptables = 1", "net.ipv4.ip_forward = 1"]
    assert render("node_prep_needs_network_facts") is False
    assert render("node_prep_hosts_needing_facts") == []


def test_node_prep_ipvs():
    render = Render("node_prep", "online", extra={"cluster_kube_proxy_mode": "ipvs"})
    assert render("node_prep_modules_wanted") == ["overlay", "br_netfilter", "ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack"]
    assert "ipvsadm" in render("node_prep_packages_wanted")


def test_node_prep_firewall_ports():
    def ports(render):
        return {(p["port"], p["proto"]) for p in render("node_prep_firewall_ports")}

    cp = ports(Render("node_prep", "online", host="cp1"))
    assert {("6443", "tcp"), ("2379:2380", "tcp"), ("10250", "tcp"), ("10257", "tcp"), ("10259", "tcp"),
            ("30000:32767", "tcp"), ("8472", "udp")} <= cp
    worker = ports(Render("node_prep", "online", host="w1", extra={"cluster_cni": "calico"}))
    assert ("6443", "tcp") not in worker and ("179", "tcp") in worker and ("10250", "tcp") in worker
    ha = Render("node_prep", "online", host="cp1", extra={"cluster_api_vip": "10.0.129.100"})
    assert ha("node_prep_keepalived_host") is True and ("16443", "tcp") in ports(ha)
    offline = ports(Render("node_prep", "offline", host="cp1"))
    assert {("60080", "tcp"), ("80", "tcp")} <= offline


# --- "pending": a host in the wanted state skips the whole converge part ----------------------------
def _sha1(text):
    import hashlib

    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def test_node_prep_pending():
    base = Render("node_prep", "online", registered={"node_prep_probe": probe()})
    files = {"/etc/modules-load.d/kubernetes.conf": _sha1(base("node_prep_modules_content")),
             "/etc/sysctl.d/99-kubernetes.conf": _sha1(base("node_prep_sysctl_content"))}
    state = probe(files=files, packages={p: {"version": "1", "hold": False} for p in base("node_prep_packages_wanted")})
    state.update(block=base("node_prep_hosts_block"), services={"chrony": {"present": True, "active": True, "enabled": True}},
                 sysctl={k: "1" for k in base("node_prep_sysctl_wanted")})
    done = Render("node_prep", "online", registered={"node_prep_probe": state})
    assert done("node_prep_pending") == []
    state["sysctl"]["net.ipv4.ip_forward"] = "0"
    state["swap_active"] = True
    state["hostname"] = "other"
    todo = Render("node_prep", "online", registered={"node_prep_probe": state})
    assert todo("node_prep_pending") == ["hostname", "swap", "sysctl"]


def test_container_runtime_pending():
    extra = {"cluster_registry_mirrors": MIRRORS}
    base = Render("container_runtime", "mirror", extra=extra, registered={"container_runtime_probe": probe()})
    files = {"/etc/containerd/config.toml": _sha1(base("container_runtime_config_content")),
             "/etc/crictl.yaml": _sha1(base("container_runtime_crictl_content"))}
    for entry in base("container_runtime_registry_hosts"):
        files["/etc/containerd/certs.d/%s/hosts.toml" % entry["registry"]] = _sha1(
            base.template("hosts.toml.j2", container_runtime_registry=entry))
    state = probe("containerd github.com/containerd/containerd 1.6.20~ds1 x", files=files,
                  packages={"containerd": {"version": "1.6.20~ds1-1", "hold": False}})
    state["services"] = {"containerd": {"present": True, "active": True, "enabled": True}}
    done = Render("container_runtime", "mirror", extra=extra, registered={"container_runtime_probe": state})
    assert done("container_runtime_pending") == []
    state["marked_files"] = ["/etc/containerd/certs.d/old.example/hosts.toml"]
    state["versions"]["containerd"] = "containerd github.com/containerd/containerd/v2 v2.1.4 x"
    todo = Render("container_runtime", "mirror", extra=extra, registered={"container_runtime_probe": state})
    assert todo("container_runtime_pending") == ["config.toml", "certs.d"]
