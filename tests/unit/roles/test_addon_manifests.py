# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Manifests of the add-on roles: flannel, calico, the ingress controllers, the NFS provisioner.

Every template renders to Kubernetes documents that validate against the offline schemas of
kubernetes-validate (strict: no unknown fields) for several Kubernetes minors; pod CIDR and images
follow the cluster settings; in mirror and offline mode no image points at an upstream registry.
The roles read the cluster (first control-plane host, addresses, VIPs, image rewrite) from
``cluster_facts``, built by addon_render with plugins/module_utils/cluster.py.
"""

from __future__ import annotations

import json
import os
import re

import kubernetes_validate
import pytest

from addon_render import AddonRender, images, registry_of
from role_render import ROLES, UPSTREAM_REGISTRIES

MINORS = ["1.31", "1.32", "1.33", "1.34", "1.35"]
POD_SUBNET = "10.85.0.0/16"

CASES = {
    "flannel-vxlan": ("cni", "flannel.yaml.j2", {"cluster_cni": "flannel", "cni_flannel_backend": "vxlan"}),
    "flannel-host-gw": ("cni", "flannel.yaml.j2", {"cluster_cni": "flannel", "cni_flannel_backend": "host-gw", "cni_mtu": 1400}),
    "calico-ipip": ("cni", "calico.yaml.j2", {"cluster_cni": "calico", "cni_calico_mode": "ipip"}),
    "calico-vxlan": ("cni", "calico.yaml.j2", {"cluster_cni": "calico", "cni_calico_mode": "vxlan", "cni_calico_cross_subnet": True}),
    "calico-bgp": ("cni", "calico.yaml.j2", {"cluster_cni": "calico", "cni_calico_mode": "bgp", "cni_mtu": 1480}),
    "ingress-traefik": ("ingress", "ingress.yaml.j2", {"ingress_controller": "traefik", "ingress_default_class": True}),
    "ingress-haproxy": ("ingress", "ingress.yaml.j2", {"ingress_controller": "haproxy"}),
    "ingress-nginx": ("ingress", "ingress.yaml.j2", {"ingress_controller": "nginx"}),
    "nfs-provisioner": ("nfs_provisioner", "nfs-provisioner.yaml.j2", {"nfs_provisioner_default_class": True}),
}


def renderer_for(case, source="online", **extra):
    role, template, variables = CASES[case]
    return AddonRender(role, source, dict(variables, cluster_pod_subnet=POD_SUBNET, **extra)), template


def render(case, source="online", **extra):
    renderer, template = renderer_for(case, source, **extra)
    return renderer.documents(template)


@pytest.mark.parametrize("minor", MINORS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_documents_validate(case, minor):
    docs = render(case)
    assert docs
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, minor + ".0", strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail("%s %s/%s invalid for %s: %s" % (case, doc["kind"], doc["metadata"]["name"], minor, exc.message))


@pytest.mark.parametrize("source", ["mirror", "offline"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_no_upstream_registry_in_mirror_and_offline(case, source):
    docs = render(case, source)
    found = images(docs)
    assert found
    for image in found:
        assert registry_of(image) not in UPSTREAM_REGISTRIES, image
        prefix = "m.daocloud.io/" if source == "mirror" else "10.0.129.84:60080/"
        assert image.startswith(prefix), image


@pytest.mark.parametrize("case", sorted(CASES))
def test_online_images_are_pinned_upstream(case):
    docs = render(case)
    for image in images(docs):
        assert registry_of(image) in UPSTREAM_REGISTRIES, image
        assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), image


def _by_kind(docs, kind, name=None):
    return [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]


@pytest.mark.parametrize("case, backend", [("flannel-vxlan", "vxlan"), ("flannel-host-gw", "host-gw")])
def test_flannel_net_conf(case, backend):
    docs = render(case)
    data = _by_kind(docs, "ConfigMap", "kube-flannel-cfg")[0]["data"]
    net_conf = json.loads(data["net-conf.json"])
    assert net_conf["Network"] == POD_SUBNET
    assert net_conf["Backend"] == {"Type": backend}
    assert net_conf["EnableNFTables"] is False
    cni = json.loads(data["cni-conf.json"])
    delegate = cni["plugins"][0]["delegate"]
    assert ("mtu" in delegate) == (case == "flannel-host-gw")
    ds = _by_kind(docs, "DaemonSet", "kube-flannel-ds")[0]["spec"]["template"]["spec"]
    assert ds["hostNetwork"] is True
    assert [c["image"].rsplit(":", 1)[0] for c in ds["initContainers"]] == [
        "ghcr.io/flannel-io/flannel-cni-plugin", "ghcr.io/flannel-io/flannel"]


def test_flannel_nftables_follows_kube_proxy_mode():
    docs = render("flannel-vxlan", cluster_kube_proxy_mode="nftables")
    data = _by_kind(docs, "ConfigMap", "kube-flannel-cfg")[0]["data"]
    assert json.loads(data["net-conf.json"])["EnableNFTables"] is True


@pytest.mark.parametrize(
    "case, backend, ipip, vxlan, mtu, bird",
    [
        ("calico-ipip", "bird", "Always", "Never", "0", True),
        ("calico-vxlan", "vxlan", "Never", "CrossSubnet", "0", False),
        ("calico-bgp", "bird", "Never", "Never", "1480", True),
    ],
)
def test_calico_mode(case, backend, ipip, vxlan, mtu, bird):
    docs = render(case)
    config = _by_kind(docs, "ConfigMap", "calico-config")[0]["data"]
    assert config["calico_backend"] == backend
    assert config["veth_mtu"] == mtu
    json.loads(config["cni_network_config"].replace("__CNI_MTU__", "1450"))
    node = _by_kind(docs, "DaemonSet", "calico-node")[0]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in node["env"]}
    assert env["CALICO_IPV4POOL_CIDR"] == POD_SUBNET
    assert env["CALICO_IPV4POOL_IPIP"] == ipip
    assert env["CALICO_IPV4POOL_VXLAN"] == vxlan
    assert ("-bird-ready" in node["readinessProbe"]["exec"]["command"]) is bird
    crds = {d["metadata"]["name"] for d in _by_kind(docs, "CustomResourceDefinition")}
    assert {"ippools.crd.projectcalico.org", "felixconfigurations.crd.projectcalico.org",
            "ipamblocks.crd.projectcalico.org", "blockaffinities.crd.projectcalico.org"} <= crds
    assert len(_by_kind(docs, "Deployment", "calico-kube-controllers")) == 1


@pytest.mark.parametrize("case, controller, health", [
    ("ingress-traefik", "traefik.io/ingress-controller", "/ping"),
    ("ingress-haproxy", "haproxy.org/ingress-controller/haproxy", "/healthz"),
    ("ingress-nginx", "k8s.io/ingress-nginx", "/healthz"),
])
def test_ingress_controller(case, controller, health):
    renderer, template = renderer_for(case)
    docs = renderer.documents(template)
    ic = _by_kind(docs, "IngressClass")[0]
    assert ic["spec"]["controller"] == controller
    default = ic["metadata"].get("annotations", {}).get("ingressclass.kubernetes.io/is-default-class")
    assert default == ("true" if case == "ingress-traefik" else None)
    spec = _by_kind(docs, "DaemonSet")[0]["spec"]["template"]["spec"]
    assert spec["hostNetwork"] is True
    assert spec["nodeSelector"]["ingress.seed.kubeadm/controller"] == "true"
    container = spec["containers"][0]
    assert container["readinessProbe"]["httpGet"] == {"path": health, "port": 10254, "scheme": "HTTP"}
    # The keepalived track script checks the same endpoint on the loopback address.
    assert renderer("ingress_vip_check").split()[-1] == "http://127.0.0.1:10254" + health


def test_nfs_provisioner_storage_class():
    docs = render("nfs-provisioner")
    sc = _by_kind(docs, "StorageClass", "nfs-client")[0]
    assert sc["provisioner"] == "seed.kubeadm/nfs-subdir"
    assert sc["parameters"] == {"archiveOnDelete": "true"}
    assert sc["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    deploy = _by_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]
    env = {e["name"]: e["value"] for e in deploy["containers"][0]["env"]}
    assert env == {"PROVISIONER_NAME": "seed.kubeadm/nfs-subdir", "NFS_SERVER": "10.0.128.10", "NFS_PATH": "/srv/nfs/k8s"}
    assert deploy["volumes"][0]["nfs"] == {"server": "10.0.128.10", "path": "/srv/nfs/k8s"}


def test_nfs_provisioner_without_default_class_or_archive():
    docs = render("nfs-provisioner", nfs_provisioner_default_class=False, nfs_provisioner_archive_on_delete=False)
    sc = _by_kind(docs, "StorageClass")[0]
    assert "annotations" not in sc["metadata"]
    assert sc["parameters"] == {"archiveOnDelete": "false"}


# --- host-side templates of keepalived and nfs_server --------------------------------------------
def test_nfs_server_exports_default_is_root_squash():
    renderer = AddonRender("nfs_server", extra={"nfs_server_exports": [
        {"path": "/srv/nfs/k8s"},
        {"path": "/srv/nfs/legacy", "clients": ["10.0.0.0/16"], "options": ["rw", "sync", "no_root_squash", "no_subtree_check"]},
    ]}, host="nfs1")
    lines = [x for x in renderer.text("exports.j2").splitlines() if x and not x.startswith("#")]
    assert lines == [
        "/srv/nfs/k8s 10.0.129.84(rw,sync,root_squash,no_subtree_check) 10.0.128.240(rw,sync,root_squash,no_subtree_check)",
        "/srv/nfs/legacy 10.0.0.0/16(rw,sync,no_root_squash,no_subtree_check)",
    ]
    ganesha = renderer.text("ganesha.conf.j2")
    assert "Protocols = 4;" in ganesha and "Enable_NLM = false;" in ganesha
    assert ganesha.count("EXPORT {") == 2
    assert "Squash = root_squash;" in ganesha and "Squash = no_root_squash;" in ganesha
    assert "Clients = 10.0.129.84, 10.0.128.240;" in ganesha


def test_keepalived_instance_rendering():
    renderer = AddonRender("keepalived", extra={
        "keepalived_instances": [{"name": "ingress", "vip": "10.0.128.200", "hosts": ["cp1", "w1"],
                                  "check": "/usr/bin/curl -fsS http://127.0.0.1:10254/ping"}],
        "ansible_facts": {"interfaces": ["lo", "eth0"], "eth0": {"ipv4": {"address": "10.0.129.84"}}},
        "__keepalived_auth": {"ingress": "s3cr3tpw"},
    })
    instances = renderer("__keepalived_instances")
    assert len(instances) == 1
    inst = instances[0]
    assert (inst["virtual_router_id"], inst["priority_value"], inst["peers"], inst["interface_name"]) == (200, 150, ["10.0.128.240"], "eth0")
    files = renderer("__keepalived_files")
    assert [f["dest"] for f in files] == [
        "/etc/keepalived/check_ingress.sh", "/etc/keepalived/release_ingress.sh", "/etc/keepalived/conf.d/ingress.conf",
        "/etc/keepalived/keepalived.conf"]
    assert [f["mode"] for f in files] == ["0755", "0755", "0600", "0644"]
    renderer.templar.available_variables = dict(renderer.templar.available_variables, instance=inst)
    conf = renderer.text("instance.conf.j2")
    assert "virtual_router_id 200" in conf and "10.0.128.200/32 dev eth0" in conf
    assert "unicast_src_ip 10.0.129.84" in conf and "auth_pass s3cr3tpw" in conf
    assert "unicast_peer {\n        10.0.128.240\n    }" in conf
    # Every host of the instance holds the same VIP and starts as BACKUP.
    other = AddonRender("keepalived", host="w1", extra={
        "keepalived_instances": [{"name": "ingress", "vip": "10.0.128.200", "hosts": ["cp1", "w1"]}],
        "ansible_facts": {"interfaces": ["ens3"], "ens3": {"ipv4": {"address": "10.0.128.240"}}},
    })
    assert other("__keepalived_instances")[0]["priority_value"] == 149
    assert other("__keepalived_instances")[0]["interface_name"] == "ens3"


def _flannel_container(docs):
    ds = _by_kind(docs, "DaemonSet", "kube-flannel-ds")[0]["spec"]["template"]["spec"]
    return [c for c in ds["containers"] if c["name"] == "kube-flannel"][0]


def test_flannel_uses_the_node_address_not_the_default_route():
    container = _flannel_container(render("flannel-vxlan"))
    # Kubernetes expands $(NODE_IP) from the container's env: the Node's InternalIP, i.e. the
    # kubelet's node IP (the cluster address), which flannel resolves to the interface holding it.
    assert "--iface=$(NODE_IP)" in container["args"]
    env = {e["name"]: e for e in container["env"]}
    assert env["NODE_IP"]["valueFrom"] == {"fieldRef": {"fieldPath": "status.hostIP"}}
    assert not [a for a in container["args"] if a.startswith("--iface") and a != "--iface=$(NODE_IP)"]


def test_flannel_iface_setting_wins():
    container = _flannel_container(render("flannel-vxlan", cni_flannel_iface="ens224"))
    assert [a for a in container["args"] if a.startswith("--iface")] == ["--iface=ens224"]


def test_ingress_nginx_can_bind_privileged_ports_without_privilege_escalation():
    # As upstream's manifests: uid 101, no privilege escalation, every capability dropped but
    # NET_BIND_SERVICE, which the image's file capabilities need in the permitted set to bind :80/:443.
    renderer, template = renderer_for("ingress-nginx")
    container = _by_kind(renderer.documents(template), "DaemonSet")[0]["spec"]["template"]["spec"]["containers"][0]
    context = container["securityContext"]
    assert context["runAsUser"] == 101 and context["runAsNonRoot"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}


# --- the VIP roles hand their instances to role keepalived ----------------------------------------
VIP_FACTS = {"interfaces": ["lo", "eth0"], "eth0": {"ipv4": {"address": "10.0.129.84"}}}


def test_apiserver_lb_instance_and_backends_come_from_cluster_facts():
    renderer = AddonRender("apiserver_lb", extra={"cluster_api_vip": "10.0.128.100", "ansible_facts": VIP_FACTS})
    facts = renderer("cluster_facts")
    assert facts["api"]["lb_hosts"] == ["cp1"]
    [raw] = renderer("__apiserver_lb_keepalived_instances")
    assert (raw["vip"], raw["hosts"]) == ("10.0.128.100", ["cp1"])
    # Completed the way role keepalived does it (filter seed.kubeadm.keepalived_instances).
    [inst] = renderer("__apiserver_lb_keepalived_instances | seed.kubeadm.keepalived_instances(inventory_hostname, cluster_facts, "
                      "ansible_facts, defaults={'priority_base': 150})")
    assert (inst["virtual_router_id"], inst["priority_value"], inst["interface_name"], inst["peers"]) == (100, 150, "eth0", [])
    assert inst["check"] == "exec /bin/bash -c '</dev/tcp/127.0.0.1/16444'"
    assert inst["auth_pass_file"] == "/tmp/playbooks/credentials/apiserver_lb_auth_pass-10.0.128.100.txt"
    cfg = renderer.text("haproxy.cfg.j2")
    assert "    bind *:16443\n" in cfg
    assert "    server cp1 10.0.129.84:6443\n" in cfg


def test_apiserver_lb_leaves_out_the_excluded_backends():
    renderer = AddonRender("apiserver_lb", extra={"cluster_api_vip": "10.0.128.100", "ansible_facts": VIP_FACTS,
                                                  "apiserver_lb_excluded_backends": ["cp1"]})
    cfg = renderer.text("haproxy.cfg.j2")
    assert "server cp1" not in cfg
    assert "    bind *:16443\n" in cfg


def test_apiserver_lb_router_id_and_priority_settings():
    renderer = AddonRender("apiserver_lb", extra={"cluster_api_vip": "10.0.128.100", "ansible_facts": VIP_FACTS,
                                                  "apiserver_lb_virtual_router_id": 51, "apiserver_lb_priority": 99})
    [inst] = renderer("__apiserver_lb_keepalived_instances | seed.kubeadm.keepalived_instances(inventory_hostname, cluster_facts)")
    assert (inst["virtual_router_id"], inst["priority_value"]) == (51, 99)


def test_ingress_instance_comes_from_cluster_facts():
    renderer = AddonRender("ingress", extra={"cluster_ingress_vip": "10.0.128.101", "ansible_facts": VIP_FACTS})
    [raw] = renderer("__ingress_keepalived_instances")
    assert (raw["vip"], raw["hosts"]) == ("10.0.128.101", ["cp1", "w1"])
    [inst] = renderer("__ingress_keepalived_instances | seed.kubeadm.keepalived_instances(inventory_hostname, cluster_facts, ansible_facts)")
    assert (inst["virtual_router_id"], inst["priority_value"], inst["peers"]) == (101, 150, ["10.0.128.240"])
    assert inst["check"] == "/usr/bin/curl -fsS -m 2 -o /dev/null http://127.0.0.1:10254/ping"
    assert inst["auth_pass_file"] == "/tmp/playbooks/credentials/ingress_vip_auth_pass-10.0.128.101.txt"
    assert renderer("__ingress_node_names") == ["cp1", "w1"]


def test_ingress_node_names_follow_cluster_node_name():
    renderer = AddonRender("ingress")
    facts = renderer("cluster_facts")
    facts["hosts"]["w1"]["node_name"] = "worker-1"
    renderer = AddonRender("ingress", extra={"cluster_facts": facts})
    assert renderer("__ingress_node_names") == ["cp1", "worker-1"]


# --- vars hold data; one place computes the cluster; one owner per file --------------------------
MY_ROLES = ("keepalived", "apiserver_lb", "ingress", "cni", "nfs_server", "nfs_provisioner")


def _role_files(role, *dirs):
    for sub in dirs:
        base = os.path.join(ROLES, role, sub)
        for root, _dirs, files in os.walk(base):
            for name in files:
                path = os.path.join(root, name)
                with open(path, encoding="utf-8") as handle:
                    yield os.path.relpath(path, ROLES), handle.read()


@pytest.mark.parametrize("role", MY_ROLES)
def test_vars_and_defaults_hold_no_programs_and_derive_nothing(role):
    for path, text in _role_files(role, "vars", "defaults", "tasks"):
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        program = "{%" if "/tasks/" not in path else "{% for"
        assert program not in code, "%s: a Jinja program belongs in a Python filter" % path
        # What cluster_facts computes: first control-plane host, addresses, image rewrite, VIPs, router id.
        for derived in ("seed.kubeadm.node_address", "cluster_image_rewrite", "groups['control_plane']", "hash('sha1')",
                        "cluster_node_address", "cluster_api_vip |", "cluster_api_vip }}", "cluster_ingress_vip |",
                        "ingress_vip }}", "kubeconfig: /"):
            assert derived not in code, "%s re-derives %s" % (path, derived)


def test_only_role_keepalived_writes_keepalived_files_and_only_cni_the_cni_config():
    writers = {"keepalived": [], "cni": []}
    for role in sorted(os.listdir(ROLES)):
        for path, text in _role_files(role, "tasks", "vars", "defaults", "handlers"):
            if re.search(r"^\s*(-\s+)?(dest|path):.*(keepalived_(config|instance)_dir|/etc/keepalived)", text, re.M):
                writers["keepalived"].append(path)
            if re.search(r"^\s*(-\s+)?(dest|path):.*(/etc/cni|cni_conf_dir)", text, re.M):
                writers["cni"].append(path)
    assert {os.path.dirname(os.path.dirname(p)) for p in writers["keepalived"]} == {"keepalived"}, writers
    assert {os.path.dirname(os.path.dirname(p)) for p in writers["cni"]} <= {"cni"}, writers
