# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render what node_prep, container_runtime and kube_packages hand to seed.kubeadm.node_state.

The role variables (cluster defaults, role defaults, role vars) are evaluated with ansible-core's
Templar and the collection's filters, with a hand-written ``cluster_facts`` (the interface the
cluster facts engine provides) for online, mirror and offline sources. What the module does with
the entries (variants, blocks, pending) is tested in tests/unit/plugins/modules.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib

import pytest
import yaml

from ansible_collections.seed.kubeadm.plugins.module_utils import node_files

from role_render import ROLES, RoleRender, role_variables
from role_render import UPSTREAM_REGISTRIES as UPSTREAM

INIT = "10.0.129.84"
OFFLINE_REGISTRY = INIT + ":60080"
ALL_REGISTRIES = [{"url": "http://%s/v2/%s" % (OFFLINE_REGISTRY, name), "capabilities": ["pull", "resolve"], "skip_verify": False,
                   "ca": "", "override_path": True} for name in ("registry.k8s.io", "docker.io", "quay.io", "ghcr.io")]
SOURCES = {
    "online": {"mode": "online", "kubernetes_minor": "1.35", "image_repository": "registry.k8s.io",
               "package_url": "https://pkgs.k8s.io/core:/stable:", "registry_hosts": []},
    "mirror": {"mode": "mirror", "kubernetes_minor": "1.35", "image_repository": "registry.aliyuncs.com/google_containers",
               "package_url": "https://mirrors.aliyun.com/kubernetes-new/core/stable", "registry_hosts": []},
    "offline": {"mode": "offline", "kubernetes_minor": "1.35", "image_repository": OFFLINE_REGISTRY + "/registry.k8s.io",
                "package_url": "http://%s/debian" % INIT,
                "registry_hosts": [{"registry": host["url"].rsplit("/", 1)[1], "server": "https://" + host["url"].rsplit("/", 1)[1],
                                    "hosts": [host]} for host in ALL_REGISTRIES]
                + [{"registry": OFFLINE_REGISTRY, "server": "http://" + OFFLINE_REGISTRY,
                    "hosts": [{"url": "http://" + OFFLINE_REGISTRY, "capabilities": ["pull", "resolve"], "skip_verify": False,
                               "ca": "", "override_path": False}]}]},
}


def cluster_facts(source="online", api_name="", api_vip="", protocols=None):
    """A cluster_facts value as the engine computes it (the keys these roles read)."""
    sources = copy.deepcopy(SOURCES[source])
    sources["offline"] = {"host": "cp1", "address": INIT, "registry": OFFLINE_REGISTRY, "http_url": "http://" + INIT}
    return {
        "hosts": {
            "cp1": {"address": INIT, "network": "10.0.128.0/23", "node_name": "cp1", "roles": ["control_plane", "init"]},
            "w1": {"address": "10.0.128.240", "network": "10.0.128.0/23", "node_name": "worker-1", "roles": ["worker"]},
            "lb": {"address": "10.0.128.9", "network": "10.0.128.0/23", "node_name": "lb", "roles": ["api_lb"]},
        },
        "control_plane": ["cp1"], "workers": ["w1"], "nodes": ["cp1", "w1"], "first_control_plane": "cp1",
        "api": {"vip": api_vip, "name": api_name, "port": 6443, "lb_port": 16443},
        "cri_socket": "unix:///run/containerd/containerd.sock",
        "python_kubernetes_package": "python3-kubernetes",
        "sources": sources,
        "firewall": {name: {"ports": [{"port": "10250", "proto": "tcp"}], "protocols": protocols or [],
                            "trusted_sources": ["10.244.0.0/16", "10.96.0.0/12"]} for name in ("cp1", "w1", "lb")},
    }


class Render(RoleRender):
    """One role's variables for host cp1 (control plane and init node) or w1."""

    def __init__(self, role, source="online", host="cp1", extra=None, facts=None, os_facts=None):
        variables = role_variables(role)
        variables.update({"cluster_source": source})
        variables.update(extra or {})
        groups = {"all": ["cp1", "w1", "lb"], "k8s_cluster": ["cp1", "w1"], "control_plane": ["cp1"], "workers": ["w1"],
                  "init": ["cp1"], "apiserver_lb": ["lb"]}
        variables.update(
            inventory_hostname=host, groups=groups, cluster_facts=facts or cluster_facts(source),
            ansible_facts=os_facts or {"os_family": "Debian", "distribution": "Debian", "distribution_release": "bookworm"},
            role_path=os.path.join(ROLES, role),
        )
        super().__init__(role, variables)
        self.role = role

    def files(self):
        """The file entries the role hands to node_state, by path."""
        expression = ("__kube_packages_wanted.files | map('extract', __kube_packages_files) | list"
                      if self.role == "kube_packages" else "__%s_file_entries" % self.role)
        return {entry["path"]: entry for entry in self(expression)}


def _lines(text):
    return [line for line in text.splitlines() if line and not line.startswith("#")]


# --- one list per role: every file entry is reachable, each has its attributes ------------------
@pytest.mark.parametrize("role, settings", [
    ("node_prep", [{}, {"node_prep_firewall": "configured", "cluster_lab_profile": True}]),
    ("container_runtime", [{}, {"container_runtime_source": "upstream"}]),
    ("kube_packages", [{}]),
])
def test_every_file_entry_is_used_and_complete(role, settings):
    used = set()
    for extra in settings:
        for family in ("Debian", "RedHat"):
            if role == "container_runtime" and family == "RedHat" and not extra:
                continue  # refused: the RHEL family has Docker's containerd.io only
            render = Render(role, extra=extra, os_facts={"os_family": family, "distribution": family, "distribution_release": "x"})
            used.update(render("__%s_wanted.files" % role))
    entries = Render(role)("__%s_files" % role)
    assert used == set(entries), "file entries no host ever gets: %s" % (set(entries) - used)
    for name, entry in entries.items():
        assert entry["path"].startswith("/"), name
        if "marker" not in entry:
            assert (entry["owner"], entry["group"], entry["mode"]) == ("root", "root", "0644"), name


@pytest.mark.parametrize("role", ["node_prep", "container_runtime", "kube_packages"])
def test_the_wanted_state_is_one_expression_of_the_settings_and_one_module_call(role):
    """The wanted state is data of vars/ (one filter of the settings), not a set_fact task per host."""
    with open(os.path.join(ROLES, role, "tasks", "main.yml"), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    with open(os.path.join(ROLES, role, "vars", "main.yml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert data["__%s_wanted" % role] == "{{ __%s_settings | seed.kubeadm.%s_wanted }}" % (role, role)
    names = [next(k for k in t if k.startswith("ansible.builtin.") or k.startswith("seed.")) for t in tasks]
    assert "ansible.builtin.set_fact" not in names and "ansible.builtin.assert" not in names
    assert names.count("seed.kubeadm.node_state") == 1


# --- kube_packages ----------------------------------------------------------------------------
@pytest.mark.parametrize("source, line", [
    ("online", "deb [signed-by=/etc/apt/keyrings/kubernetes-v1.35.asc] https://pkgs.k8s.io/core:/stable:/v1.35/deb/ /"),
    ("mirror", "deb [signed-by=/etc/apt/keyrings/kubernetes-v1.35.asc] https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.35/deb/ /"),
])
def test_kube_packages_apt_source(source, line):
    render = Render("kube_packages", source, host="w1")
    files = render.files()
    assert list(files) == ["/etc/apt/sources.list.d/kubernetes.list"]
    content = files["/etc/apt/sources.list.d/kubernetes.list"]["content"]
    assert _lines(content) == [line] and content.endswith("\n")
    assert render("__kube_packages_wanted.exists") == ["/etc/apt/keyrings/kubernetes-v1.35.asc"]
    assert render("kube_packages_repo_key_url") == line.split("] ")[1].replace("/deb/ /", "/deb/Release.key")
    assert render("__kube_packages_wanted.offline_client") is False


def test_kube_packages_offline_leaves_the_apt_source_to_offline_repo():
    render = Render("kube_packages", "offline", host="w1")
    assert render.files() == {} and render("__kube_packages_wanted.exists") == []
    assert render("__kube_packages_wanted.offline_client") is True
    # The one owner: offline_repo's client tasks, with the init node's flat repository.
    # One repository per distribution release: the node's own.
    for release in ("bookworm", "trixie"):
        client = RoleRender("offline_repo", dict(role_variables("offline_repo"), cluster_facts=cluster_facts("offline"),
                                                 ansible_facts={"distribution_release": release},
                                                 role_path=os.path.join(ROLES, "offline_repo")))
        assert _lines(client.template("client.list.j2")) == [
            "deb [signed-by=/etc/apt/keyrings/seed-offline.asc check-date=no] http://%s/debian/%s ./" % (INIT, release)]
    with open(os.path.join(ROLES, "offline_repo", "tasks", "client.yml"), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    writes = [t["seed.kubeadm.node_state"]["files"] for t in tasks if "seed.kubeadm.node_state" in t]
    assert [entry["path"] for entry in writes[0]] == ["{{ offline_repo_client_keyring }}",
                                                      "{{ offline_repo_client_source_file }}"]
    for role in ("container_runtime", "kube_packages", "node_prep"):
        for path in Render(role, "offline").files():
            assert not path.startswith("/etc/apt/sources.list.d/seed-offline"), (role, path)


def test_kube_packages_versions_hold_and_control_plane_extras():
    render = Render("kube_packages")
    wanted = render("__kube_packages_wanted")
    assert wanted["packages"][:3] == [{"name": n, "version": "1.35.6-*"} for n in ("kubeadm", "kubelet", "kubectl")]
    assert list(wanted["install"].values()) == [
        "kubeadm=1.35.6-*", "kubelet=1.35.6-*", "kubectl=1.35.6-*", "cri-tools", "kubernetes-cni", "python3-cryptography",
        "python3-kubernetes"]
    assert wanted["held"] == ["kubeadm", "kubelet", "kubectl"]
    assert wanted["services"] == [{"name": "kubelet", "enabled": True}]
    worker = Render("kube_packages", host="w1")("__kube_packages_wanted.install")
    assert list(worker)[3:] == ["cri-tools", "kubernetes-cni"]
    rhel = Render("kube_packages", os_facts={"os_family": "RedHat"})
    assert list(rhel("__kube_packages_wanted.install").values())[:3] == ["kubeadm-1.35.6", "kubelet-1.35.6", "kubectl-1.35.6"]
    assert rhel("__kube_packages_wanted.held") == []
    repo = rhel.files()["/etc/yum.repos.d/kubernetes.repo"]["content"]
    assert "baseurl=https://pkgs.k8s.io/core:/stable:/v1.35/rpm/" in repo and "exclude=kubeadm kubelet kubectl" in repo
    # dnf imports only the key repo_key wrote after checking its fingerprint, fetched from the rpm tree
    assert "gpgkey=file:///etc/pki/rpm-gpg/seed-kubernetes-v1.35.asc" in repo.splitlines()
    assert rhel("__kube_packages_wanted.exists") == ["/etc/pki/rpm-gpg/seed-kubernetes-v1.35.asc"]
    assert rhel("kube_packages_repo_key_url") == "https://pkgs.k8s.io/core:/stable:/v1.35/rpm/repodata/repomd.xml.key"
    assert Render("kube_packages")("kube_packages_repo_key_url") == "https://pkgs.k8s.io/core:/stable:/v1.35/deb/Release.key"


# --- container_runtime ------------------------------------------------------------------------
MIRRORS = [
    {"registry": "docker.io", "server": "https://registry-1.docker.io",
     "hosts": [{"url": u, "capabilities": ["pull", "resolve"], "skip_verify": False, "ca": "", "override_path": False}
               for u in ("https://docker.m.example", "https://docker2.m.example")]},
    {"registry": "quay.io", "server": "https://quay.io",
     "hosts": [{"url": "https://quay.m.example", "capabilities": ["pull", "resolve"], "skip_verify": True, "ca": "/etc/ssl/m.pem",
                "override_path": False}]},
]


@pytest.mark.parametrize("version_output, fmt, cni", [
    ("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3", 2, {"bin_dir": "/opt/cni/bin"}),
    ("containerd github.com/containerd/containerd 1.7.24~ds1 1.7.24~ds1-6+deb13u1", 2, {"bin_dir": "/opt/cni/bin"}),
    ("containerd containerd.io 1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da", 2, {"bin_dir": "/opt/cni/bin"}),
    ("containerd github.com/containerd/containerd/v2 v2.0.5 fb4c30d4ede3531652d86197bf3fc9515e5276d9", 3, {"bin_dir": "/opt/cni/bin"}),
    ("containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7193e4e490e9fbdc236c0e811ccaba3376", 3, {"bin_dirs": ["/opt/cni/bin"]}),
    ("", 2, {"bin_dir": "/opt/cni/bin"}),
])
def test_config_toml_follows_the_installed_containerd(version_output, fmt, cni):
    render = Render("container_runtime", "mirror")
    entry = render.files()["/etc/containerd/config.toml"]
    assert entry["version_of"] == "containerd" and entry["restart"] == ["containerd"]
    config = tomllib.loads(node_files.choose_variant(entry["variants"], version_output))
    assert config["version"] == fmt
    image = "registry.aliyuncs.com/google_containers/pause:3.10.1"
    cni = dict(cni, conf_dir="/etc/cni/net.d")
    if fmt == 2:
        cri = config["plugins"]["io.containerd.grpc.v1.cri"]
        assert cri["sandbox_image"] == image
        assert cri["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is True
        assert cri["registry"]["config_path"] == "/etc/containerd/certs.d"
        assert cri["cni"] == cni
    else:
        images = config["plugins"]["io.containerd.cri.v1.images"]
        assert images["pinned_images"]["sandbox"] == image
        assert images["registry"]["config_path"] == "/etc/containerd/certs.d"
        runtime = config["plugins"]["io.containerd.cri.v1.runtime"]
        assert runtime["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is True
        assert runtime["cni"] == cni


@pytest.mark.parametrize("setting, output, fmt", [("2", "containerd x/v2 v2.1.4 abc", 2), ("3", "containerd 1.7.24", 3)])
def test_config_version_setting_wins(setting, output, fmt):
    entry = Render("container_runtime", extra={"container_runtime_config_version": setting}).files()["/etc/containerd/config.toml"]
    assert tomllib.loads(node_files.choose_variant(entry["variants"], output))["version"] == fmt


@pytest.mark.parametrize("version, tag", [("1.31", "3.10"), ("1.33", "3.10"), ("1.34", "3.10.1"), ("1.35", "3.10.1"),
                                          ("1.36", "3.10.2"), ("1.40", "3.10.2")])
def test_pause_tag_per_minor(version, tag):
    facts = cluster_facts()
    facts["sources"]["kubernetes_minor"] = version
    assert Render("container_runtime", facts=facts)("__container_runtime_wanted.sandbox") == "registry.k8s.io/pause:" + tag


@pytest.mark.parametrize("source", ["mirror", "offline"])
def test_sandbox_image_never_upstream(source):
    sandbox = Render("container_runtime", source)("__container_runtime_wanted.sandbox")
    assert sandbox.split("/")[0] not in UPSTREAM
    if source == "offline":
        assert sandbox == OFFLINE_REGISTRY + "/registry.k8s.io/pause:3.10.1"
    own = Render("container_runtime", source, extra={"container_runtime_sandbox_image": "my.example/pause:1"})
    assert own("__container_runtime_wanted.sandbox") == "my.example/pause:1"


def _hosts_toml(render):
    return {path.split("/")[-2]: tomllib.loads(entry["content"]) for path, entry in render.files().items() if path.endswith("hosts.toml")}


def test_hosts_toml_per_registry_entry_of_the_cluster_facts():
    facts = cluster_facts("mirror")
    facts["sources"]["registry_hosts"] = MIRRORS
    files = _hosts_toml(Render("container_runtime", "mirror", facts=facts))
    assert sorted(files) == ["docker.io", "quay.io"]
    assert files["docker.io"]["server"] == "https://registry-1.docker.io"
    assert list(files["docker.io"]["host"]) == ["https://docker.m.example", "https://docker2.m.example"]
    assert files["docker.io"]["host"]["https://docker.m.example"] == {"capabilities": ["pull", "resolve"]}
    assert files["quay.io"]["host"]["https://quay.m.example"] == {"capabilities": ["pull", "resolve"], "skip_verify": True,
                                                                  "ca": "/etc/ssl/m.pem"}


def test_hosts_toml_offline_sends_every_registry_to_the_init_node():
    files = _hosts_toml(Render("container_runtime", "offline", host="w1"))
    assert sorted(files) == sorted(["registry.k8s.io", "docker.io", "quay.io", "ghcr.io", OFFLINE_REGISTRY])
    for name in ("registry.k8s.io", "docker.io", "quay.io", "ghcr.io"):
        assert files[name]["host"] == {"http://%s/v2/%s" % (OFFLINE_REGISTRY, name): {"capabilities": ["pull", "resolve"],
                                                                                      "override_path": True}}
    assert files[OFFLINE_REGISTRY] == {"server": "http://" + OFFLINE_REGISTRY,
                                       "host": {"http://" + OFFLINE_REGISTRY: {"capabilities": ["pull", "resolve"]}}}


def test_crictl_yaml_uses_the_cluster_cri_socket():
    facts = cluster_facts()
    facts["cri_socket"] = "unix:///run/other/containerd.sock"
    crictl = yaml.safe_load(Render("container_runtime", facts=facts).files()["/etc/crictl.yaml"]["content"])
    assert crictl["runtime-endpoint"] == crictl["image-endpoint"] == "unix:///run/other/containerd.sock"
    assert crictl["timeout"] == 10


def test_container_runtime_source_and_package():
    assert Render("container_runtime", "offline")("container_runtime_source") == "offline"
    assert Render("container_runtime", "offline")("__container_runtime_wanted.offline_client") is True
    assert Render("container_runtime", "mirror")("container_runtime_source") == "distro"
    online = Render("container_runtime")
    assert online("__container_runtime_wanted.packages") == [{"name": "containerd", "version": ""}]
    assert list(online.files()) == ["/etc/containerd/config.toml", "/etc/crictl.yaml"]
    upstream = Render("container_runtime", extra={"container_runtime_source": "upstream", "container_runtime_version": "1.7.*"})
    assert upstream("__container_runtime_wanted.install") == {"containerd.io": "containerd.io=1.7.*"}
    assert upstream("__container_runtime_wanted.exists") == ["/etc/apt/keyrings/docker.asc"]
    assert _lines(upstream.files()["/etc/apt/sources.list.d/docker.list"]["content"]) == [
        "deb [signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian bookworm stable"]
    rhel = Render("container_runtime", extra={"container_runtime_source": "upstream"}, os_facts={"os_family": "RedHat"})
    docker_repo = rhel.files()["/etc/yum.repos.d/docker-ce.repo"]["content"].splitlines()
    assert "baseurl=https://download.docker.com/linux/centos/$releasever/$basearch/stable" in docker_repo
    assert "gpgkey=file:///etc/pki/rpm-gpg/seed-docker.asc" in docker_repo
    assert rhel("__container_runtime_wanted.exists") == ["/etc/pki/rpm-gpg/seed-docker.asc"]
    assert rhel("__container_runtime_wanted.docker_distribution") == "centos"


# --- node_prep --------------------------------------------------------------------------------
def test_node_prep_files_and_wanted_state():
    render = Render("node_prep", facts=cluster_facts(api_name="k8s-api.example.internal"))
    files = render.files()
    assert list(files) == ["/etc/modules-load.d/kubernetes.conf", "/etc/sysctl.d/99-kubernetes.conf", "/etc/hosts"]
    # Node names from the cluster facts, the inventory name as alias when it differs.
    assert files["/etc/hosts"]["content"].splitlines() == ["%s cp1 k8s-api.example.internal" % INIT, "10.0.128.240 worker-1 w1"]
    assert files["/etc/hosts"]["marker"] == "# {mark} seed.kubeadm cluster hosts"
    assert _lines(files["/etc/modules-load.d/kubernetes.conf"]["content"]) == ["overlay", "br_netfilter"]
    assert _lines(files["/etc/sysctl.d/99-kubernetes.conf"]["content"]) == [
        "net.bridge.bridge-nf-call-ip6tables = 1", "net.bridge.bridge-nf-call-iptables = 1", "net.ipv4.ip_forward = 1"]
    wanted = render("__node_prep_wanted")
    assert wanted["sysctl"] == {"net.bridge.bridge-nf-call-iptables": 1, "net.bridge.bridge-nf-call-ip6tables": 1, "net.ipv4.ip_forward": 1}
    assert wanted["services"] == [{"name": "chrony", "active": True, "enabled": True}]
    assert wanted["hostname"] == "cp1" and wanted["swap_off"] is True and wanted["selinux"] is None and wanted["ufw"] == ""


def test_node_prep_api_name_on_the_vip_and_extra_entries():
    render = Render("node_prep", facts=cluster_facts(api_name="api.example", api_vip="10.0.129.100"),
                    extra={"node_prep_etc_hosts_extra": {"10.0.0.7": "registry.example", "10.0.129.100": ["api2.example"]}})
    assert render.files()["/etc/hosts"]["content"].splitlines() == [
        "%s cp1" % INIT, "10.0.128.240 worker-1 w1", "10.0.129.100 api.example api2.example", "10.0.0.7 registry.example"]
    assert "/etc/hosts" not in Render("node_prep", extra={"node_prep_manage_etc_hosts": False}).files()


def test_node_prep_ipvs_and_rhel():
    render = Render("node_prep", extra={"cluster_kube_proxy_mode": "ipvs"})
    assert render("__node_prep_wanted.modules") == ["overlay", "br_netfilter", "ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh",
                                                    "nf_conntrack"]
    assert "ipvsadm" in render("__node_prep_wanted.packages")
    assert _lines(render.files()["/etc/modules-load.d/kubernetes.conf"]["content"])[-1] == "nf_conntrack"
    rhel = Render("node_prep", os_facts={"os_family": "RedHat"}, extra={"node_prep_firewall": "disabled"})("__node_prep_wanted")
    assert rhel["selinux"] == "permissive" and "conntrack-tools" in rhel["packages"]
    assert rhel["services"] == [{"name": "chronyd", "active": True, "enabled": True},
                                {"name": "firewalld", "active": False, "enabled": False}]


def test_node_prep_ufw_before_rules_hold_the_protocols_ufw_does_not_know():
    protocols = [{"name": "vrrp", "number": 112}, {"name": "ipencap", "number": 4}]
    render = Render("node_prep", extra={"node_prep_firewall": "configured"}, facts=cluster_facts(protocols=protocols))
    entry = render.files()["/etc/ufw/before.rules"]
    assert entry["version_of"] == "ufw" and entry["restart"] == ["ufw"] and entry["insert_before"] == "^COMMIT"
    assert node_files.choose_variant(entry["variants"], "ufw 0.36.2").splitlines() == ["-A ufw-before-input -p 4 -j ACCEPT"]
    assert "ufw" in render("__node_prep_wanted.packages")
    only_vrrp = Render("node_prep", extra={"node_prep_firewall": "configured"}, facts=cluster_facts(protocols=protocols[:1]))
    # Nothing to add: an empty block, which node_state removes.
    assert node_files.choose_variant(only_vrrp.files()["/etc/ufw/before.rules"]["variants"], "ufw 0.36.2").strip() == ""
    assert Render("node_prep", extra={"node_prep_firewall": "disabled"})("__node_prep_wanted.ufw") == "disabled"


def test_offline_registry_is_read_only_for_other_hosts():
    """nginx passes only GET (and so HEAD) to the registry, which listens on the loopback address
    only and refuses deletes; the init node itself pushes to that loopback port."""
    role = RoleRender("offline_repo", dict(role_variables("offline_repo"), cluster_facts=cluster_facts("offline"),
                                           cluster_offline_registry_port=60080, cluster_offline_http_port=80,
                                           ansible_managed="managed", role_path=os.path.join(ROLES, "offline_repo")))
    site = role.template("nginx-site.conf.j2")
    registry_server = site[site.index("listen 60080"):]
    assert re.search(r"location /v2/ \{\s+limit_except GET \{\s+deny all;\s+\}\s+proxy_pass http://127\.0\.0\.1:60081;",
                     registry_server), registry_server
    assert "location / {\n        return 404;" in registry_server
    config = yaml.safe_load(role.template("registry-config.yml.j2"))
    assert config["http"]["addr"] == "127.0.0.1:60081"
    assert config["storage"]["delete"] == {"enabled": False}
    with open(os.path.join(ROLES, "offline_repo", "tasks", "images.yml"), encoding="utf-8") as handle:
        assert "127.0.0.1:{{ offline_repo_registry_backend_port }}" in handle.read()
