# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the control_plane and worker kubeadm configuration the way Ansible does, then check it.

The role variables (cluster defaults, role defaults, role vars) are evaluated with ansible-core's
Templar and the collection's own filters, for a v1beta3 (1.30) and a v1beta4 (1.35) Kubernetes, in
single-master, HA (VIP), mirror and offline layouts. Every rendered file must pass the strict model,
and in mirror/offline mode no upstream registry may appear in it.
"""

from __future__ import annotations

import os
import re

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_compat import trust as _trust, trust_as_template
from role_render import ROLES

UPSTREAM_REGISTRIES = ("registry.k8s.io", "k8s.gcr.io")
# An upstream registry used as a host: at the start of a value or after a space/quote/scheme, not
# as a path component of a mirror (the offline registry mirrors upstream paths, e.g.
# <init>:60080/registry.k8s.io/pause).
UPSTREAM_HOST_RE = re.compile(r"(?:^|[\s'\"=]|://)(?:%s)(?:[/:\s'\"]|$)" % "|".join(re.escape(r) for r in UPSTREAM_REGISTRIES), re.M)
VERSIONS = ["1.30.14", "1.35.6"]

from ansible_collections.seed.kubeadm.plugins.filter import kubeadm_config as kc  # noqa: E402
from ansible_collections.seed.kubeadm.plugins.module_utils import cluster  # noqa: E402


def _role_vars(*files):
    merged = {}
    for name in files:
        with open(os.path.join(ROLES, name), encoding="utf-8") as handle:
            merged.update(_trust(yaml.safe_load(handle) or {}))
    return merged


ROLE_FILES = {
    "control_plane": ("cluster/defaults/main.yml", "control_plane/defaults/main.yml", "control_plane/vars/main.yml"),
    "worker": ("cluster/defaults/main.yml", "worker/defaults/main.yml", "worker/vars/main.yml"),
}

# Inventories: host -> host vars; groups.
LAYOUTS = {
    "single": {
        "hosts": {"master": {"ansible_host": "10.0.129.84"}, "slave": {"ansible_host": "10.0.128.240"}},
        "groups": {"control_plane": ["master"], "workers": ["slave"], "init": []},
        "vars": {"cluster_source": "online"},
    },
    "ha": {
        "hosts": {
            "cp1": {"ansible_host": "192.168.10.11"},
            "cp2": {"ansible_host": "192.168.10.12"},
            "cp3": {"ansible_host": "cp3.example.internal", "ansible_facts": {"default_ipv4": {"address": "192.168.10.13"}}},
            "w1": {"ansible_host": "192.168.10.21"},
        },
        "groups": {"control_plane": ["cp1", "cp2", "cp3"], "workers": ["w1"], "init": []},
        "vars": {"cluster_source": "online", "cluster_api_vip": "192.168.10.100", "cluster_api_name": "k8s-api.example.internal"},
    },
    "mirror": {
        "hosts": {
            "cp1": {"ansible_host": "172.16.0.11"},
            "cp2": {"ansible_host": "172.16.0.12"},
            "cp3": {"ansible_host": "172.16.0.13"},
            "w1": {"ansible_host": "172.16.0.21"},
        },
        "groups": {"control_plane": ["cp1", "cp2", "cp3"], "workers": ["w1"], "init": []},
        "vars": {
            "cluster_source": "mirror",
            "cluster_api_vip": "172.16.0.100",
            "cluster_mirror_image_repository": "registry.aliyuncs.com/google_containers",
            "cluster_mirror_package_url": "https://mirrors.aliyun.com/kubernetes-new/core/stable",
        },
    },
    "offline": {
        "hosts": {"k8s-master": {"ansible_host": "10.0.129.84"}, "k8s-slave": {"ansible_host": "10.0.128.240"}},
        "groups": {"control_plane": ["k8s-master"], "workers": ["k8s-slave"], "init": ["k8s-master"]},
        "vars": {"cluster_source": "offline"},
    },
}


class Render:
    """Evaluates one role's variables for one host of a layout."""

    def __init__(self, layout, role, host, version, extra=None, registered=None):
        spec = LAYOUTS[layout]
        hostvars = {}
        for name, hv in spec["hosts"].items():
            entry = {"inventory_hostname": name}
            entry.update(hv)
            entry.update((registered or {}).get(name, {}))
            hostvars[name] = entry
        groups = dict(spec["groups"])
        groups["all"] = list(spec["hosts"])
        variables = _role_vars(*ROLE_FILES[role])
        variables.update(spec["vars"])
        variables.update(cluster_kubernetes_version=version)
        variables.update(extra or {})
        variables.update(hostvars[host])
        # What preflight computes once per run: the cluster facts of this layout (plain values only).
        settings = dict(spec["vars"], cluster_kubernetes_version=version, **(extra or {}))
        facts = cluster.compute({k: v for k, v in settings.items() if k in cluster.DEFAULTS}, hostvars, groups,
                                list(spec["hosts"]), current_host=host)
        variables.update(
            cluster_facts=facts,
            inventory_hostname=host,
            hostvars=hostvars,
            groups=groups,
            group_names=[g for g, members in groups.items() if host in members and g != "all"],
            ansible_play_hosts=list(spec["hosts"]),
            role_path=os.path.join(ROLES, role),
        )
        self.templar = Templar(loader=DataLoader(), variables=variables)

    def __call__(self, expression):
        return self.templar.template(trust_as_template("{{ %s }}" % expression))

    def template(self, path):
        with open(os.path.join(ROLES, path), encoding="utf-8") as handle:
            return self.templar.template(trust_as_template(handle.read()))


def _kinds(docs):
    return {d["kind"]: d for d in docs if d}


def _first_cp(layout):
    return LAYOUTS[layout]["groups"]["control_plane"][0]


# --- the init configuration, every layout and API version ----------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_init_configuration_renders_and_validates(layout, version):
    render = Render(layout, "control_plane", _first_cp(layout), version)
    text = render.template("control_plane/templates/kubeadm-config.yaml.j2")
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    assert [d["kind"] for d in docs] == ["InitConfiguration", "ClusterConfiguration", "KubeletConfiguration", "KubeProxyConfiguration"]
    assert kc.kubeadm_config_errors(docs) == []
    assert kc.kubeadm_config_errors(text) == []
    assert render("__control_plane_config_errors") == []

    expected_api = "kubeadm.k8s.io/v1beta4" if version == "1.35.6" else "kubeadm.k8s.io/v1beta3"
    kinds = _kinds(docs)
    init, cluster = kinds["InitConfiguration"], kinds["ClusterConfiguration"]
    assert init["apiVersion"] == cluster["apiVersion"] == expected_api
    assert cluster["kubernetesVersion"] == "v" + version
    assert cluster["networking"] == {"podSubnet": "10.244.0.0/16", "serviceSubnet": "10.96.0.0/12", "dnsDomain": "cluster.local"}
    assert cluster["etcd"] == {"local": {"dataDir": "/var/lib/etcd"}}
    assert kinds["KubeletConfiguration"]["cgroupDriver"] == "systemd"
    assert kinds["KubeProxyConfiguration"]["mode"] == "iptables"
    assert "taints" not in init["nodeRegistration"]  # kubeadm keeps its control-plane taint

    address = LAYOUTS[layout]["hosts"][_first_cp(layout)]["ansible_host"]
    assert init["localAPIEndpoint"] == {"advertiseAddress": address, "bindPort": 6443}
    node_ip = init["nodeRegistration"]["kubeletExtraArgs"]
    assert node_ip == ([{"name": "node-ip", "value": address}] if expected_api.endswith("v1beta4") else {"node-ip": address})

    sans = cluster["apiServer"]["certSANs"]
    assert {"127.0.0.1", "localhost"} <= set(sans)
    for name in LAYOUTS[layout]["groups"]["control_plane"]:
        assert name in sans
    assert len(sans) == len(set(sans))


def test_single_master_endpoint_is_the_first_host():
    render = Render("single", "control_plane", "master", "1.35.6")
    cluster = _kinds(render("__control_plane_kubeadm_documents"))["ClusterConfiguration"]
    assert cluster["controlPlaneEndpoint"] == "10.0.129.84:6443"
    assert cluster["imageRepository"] == "registry.k8s.io"
    assert cluster["apiServer"]["certSANs"] == ["127.0.0.1", "localhost", "master", "10.0.129.84"]


@pytest.mark.parametrize("version", VERSIONS)
def test_ha_endpoint_and_sans(version):
    render = Render("ha", "control_plane", "cp1", version)
    cluster = _kinds(render("__control_plane_kubeadm_documents"))["ClusterConfiguration"]
    assert cluster["controlPlaneEndpoint"] == "k8s-api.example.internal:16443"
    sans = cluster["apiServer"]["certSANs"]
    for value in ("192.168.10.100", "k8s-api.example.internal", "cp1", "cp2", "cp3",
                  "192.168.10.11", "192.168.10.12", "192.168.10.13"):
        assert value in sans


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("layout", ["mirror", "offline"])
def test_no_upstream_registry_in_mirror_and_offline(layout, version):
    cp = _first_cp(layout)
    render = Render(layout, "control_plane", cp, version)
    text = render.template("control_plane/templates/kubeadm-config.yaml.j2")
    join_text = kc.kubeadm_yaml(render("__control_plane_join_documents"))
    worker = LAYOUTS[layout]["groups"]["workers"][0]
    worker_text = kc.kubeadm_yaml(Render(layout, "worker", worker, version)("__worker_join_documents"))
    for rendered in (text, join_text, worker_text):
        assert UPSTREAM_HOST_RE.search(rendered) is None, rendered
    repository = _kinds(yaml.safe_load_all(text))["ClusterConfiguration"]["imageRepository"]
    if layout == "mirror":
        assert repository == "registry.aliyuncs.com/google_containers"
    else:
        assert repository.startswith("10.0.129.84:60080/")
    assert repository.split("/")[0] not in UPSTREAM_REGISTRIES


def test_upstream_host_pattern():
    assert UPSTREAM_HOST_RE.search("imageRepository: registry.k8s.io\n")
    assert UPSTREAM_HOST_RE.search("image: k8s.gcr.io/pause:3.9")
    assert UPSTREAM_HOST_RE.search("url: https://registry.k8s.io/v2/")
    assert UPSTREAM_HOST_RE.search("imageRepository: 10.0.0.1:60080/registry.k8s.io\n") is None


# --- joins -------------------------------------------------------------------------------------------
def state(established=False, member=False):
    """A seed.kubeadm.kubeadm_state result: a fresh host, or a working control-plane member."""
    files = {"admin_conf": member, "super_admin_conf": member, "kubelet_conf": member,
             "bootstrap_kubelet_conf": False, "ca_crt": member, "ca_key": member,
             "manifests": ["etcd", "kube-apiserver"] if member else [], "etcd_data": member, "any": member}
    done = ["upload-config", "bootstrap-token", "addon/coredns", "addon/kube-proxy"] if established else []
    return {"files": files, "local_api": {"running": member, "status": 200 if member else None},
            "cluster": {"established": established, "done": done},
            "node": {"registered": member or None, "ready": member or None}, "etcd": {"members": None}}


@pytest.mark.parametrize("version", VERSIONS)
def test_control_plane_join_configuration(version):
    registered = {
        "cp1": {"__control_plane_state": state(established=True, member=True)},
        "cp2": {"__control_plane_state": state()},
        "cp3": {"__control_plane_state": state(member=True)},
    }
    extra = {
        "__control_plane_join_token": {
            "token": "zyxwvu.0123456789abcdef",
            "ca_cert_hash": "sha256:" + "1" * 64,
            "api_endpoint": "192.168.10.100:16443",
        },
        "__control_plane_cert_key": {"certificate_key": "2" * 64},
    }
    render = Render("ha", "control_plane", "cp2", version, extra=extra, registered=registered)
    plan = render("__control_plane_plan_computed")
    assert plan["init_host"] == "cp1" and plan["init_action"] == "none"
    assert plan["control_plane_joiners"] == ["cp2"] and plan["reset"] == []
    (join,) = render("__control_plane_join_documents")
    assert kc.kubeadm_config_errors([join]) == []
    assert join["controlPlane"] == {
        "localAPIEndpoint": {"advertiseAddress": "192.168.10.12", "bindPort": 6443},
        "certificateKey": "2" * 64,
    }
    assert join["discovery"]["bootstrapToken"] == {
        "apiServerEndpoint": "k8s-api.example.internal:16443",
        "token": "zyxwvu.0123456789abcdef",
        "caCertHashes": ["sha256:" + "1" * 64],
    }
    assert join["nodeRegistration"]["name"] == "cp2"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_worker_join_configuration(layout, version):
    worker = LAYOUTS[layout]["groups"]["workers"][0]
    leftover = state()
    leftover["files"].update(ca_crt=True, any=True)
    registered = {worker: {"__worker_state": leftover}}
    extra = {
        "__worker_join_token": {"token": "qwerty.0123456789abcdef", "ca_cert_hash": "sha256:" + "3" * 64, "api_endpoint": "10.1.1.1:6443"},
        "worker_node_taints": [{"key": "dedicated", "value": "edge", "effect": "NoSchedule"}],
        "__worker_cp_state": state(established=True, member=True),
    }
    render = Render(layout, "worker", worker, version, extra=extra, registered=registered)
    assert render("__worker_kubeadm_config_errors") == []
    plan = render("__worker_plan_computed")
    assert plan["worker_joiners"] == [worker] and plan["reset"] == [worker]
    (join,) = render("__worker_join_documents")
    assert "controlPlane" not in join
    assert join["discovery"]["bootstrapToken"]["token"] == "qwerty.0123456789abcdef"
    assert join["discovery"]["bootstrapToken"]["apiServerEndpoint"] == "10.1.1.1:6443"
    assert join["nodeRegistration"]["taints"] == [{"key": "dedicated", "value": "edge", "effect": "NoSchedule"}]


def test_worker_placeholders_before_the_token_exists():
    render = Render("single", "worker", "slave", "1.35.6", extra={"__worker_cp_state": state(established=True)},
                    registered={"slave": {"__worker_state": state()}})
    (join,) = render("__worker_join_documents")
    assert join["discovery"]["bootstrapToken"]["apiServerEndpoint"] == "10.0.129.84:6443"
    assert "taints" not in join["nodeRegistration"]
    assert render("__worker_kubeadm_config_errors") == []
    assert render("__worker_plan_computed")["worker_joiners"] == ["slave"]  # nothing found yet


# --- user hooks and switches ------------------------------------------------------------------------
def test_extra_config_is_merged_and_valid_additions_pass():
    extra = {
        "control_plane_kubeadm_extra_config": {
            "ClusterConfiguration": {"apiServer": {"extraArgs": [{"name": "audit-log-maxage", "value": "30"}]}},
            "KubeletConfiguration": {"maxPods": 200, "evictionHard": {"memory.available": "200Mi"}},
            "KubeProxyConfiguration": {"conntrack": {"maxPerCore": 0}},
            "JoinConfiguration": {"nodeRegistration": {"imagePullPolicy": "IfNotPresent"}},
        },
        "control_plane_apiserver_extra_args": {"profiling": False},
    }
    render = Render("ha", "control_plane", "cp1", "1.35.6", extra=extra)
    assert render("__control_plane_config_errors") == []
    kinds = _kinds(render("__control_plane_kubeadm_documents"))
    # the hook's list replaces the rendered one (combine-like semantics)
    assert kinds["ClusterConfiguration"]["apiServer"]["extraArgs"] == [{"name": "audit-log-maxage", "value": "30"}]
    assert kinds["KubeletConfiguration"]["maxPods"] == 200
    assert render("__control_plane_join_documents")[0]["nodeRegistration"]["imagePullPolicy"] == "IfNotPresent"


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_field_through_extra_config_is_reported(version):
    extra = {
        "control_plane_kubeadm_extra_config": {
            "ClusterConfiguration": {"networking": {"podSubnt": "10.32.0.0/12"}},
            "KubeletConfiguration": {"maxPod": 200},
            "JoinConfiguration": {"discovery": {"bootstrapToken": {"caCertHash": []}}},
        }
    }
    errors = Render("single", "control_plane", "master", version, extra=extra)("__control_plane_config_errors")
    assert "ClusterConfiguration.networking.podSubnt: unknown field (did you mean podSubnet?)" in errors
    assert "KubeletConfiguration.maxPod: unknown field (did you mean maxPods?)" in errors
    assert "join: JoinConfiguration.discovery.bootstrapToken.caCertHash: unknown field (did you mean caCertHashes?)" in errors
    assert len(errors) == 3


def test_wrong_version_field_through_extra_config_is_reported():
    # v1beta4 structured extraArgs given to a 1.30 (v1beta3) cluster
    extra = {"control_plane_kubeadm_extra_config": {"ClusterConfiguration": {"apiServer": {"extraArgs": [{"name": "v", "value": "2"}]}}}}
    errors = Render("single", "control_plane", "master", "1.30.14", extra=extra)("__control_plane_config_errors")
    assert errors == ["ClusterConfiguration.apiServer.extraArgs: expected mapping, got list"]


def test_worker_extra_config_is_checked():
    extra = {"worker_kubeadm_extra_config": {"JoinConfiguration": {"nodeRegistration": {"criSockett": "x"}}}}
    errors = Render("single", "worker", "slave", "1.35.6", extra=extra)("__worker_kubeadm_config_errors")
    assert errors == ["JoinConfiguration.nodeRegistration.criSockett: unknown field (did you mean criSocket?)"]


def test_remove_taint_registers_without_taints():
    render = Render("single", "control_plane", "master", "1.35.6", extra={"control_plane_remove_taint": True})
    assert _kinds(render("__control_plane_kubeadm_documents"))["InitConfiguration"]["nodeRegistration"]["taints"] == []
    assert render("__control_plane_join_documents")[0]["nodeRegistration"]["taints"] == []


def test_external_etcd_and_component_args():
    extra = {
        "cluster_etcd_external_endpoints": ["https://10.9.0.1:2379", "https://10.9.0.2:2379", "https://10.9.0.3:2379"],
        "control_plane_controller_manager_extra_args": {"bind-address": "0.0.0.0"},
        "cluster_kube_proxy_mode": "ipvs",
    }
    render = Render("ha", "control_plane", "cp1", "1.30.14", extra=extra)
    kinds = _kinds(render("__control_plane_kubeadm_documents"))
    assert kinds["ClusterConfiguration"]["etcd"]["external"]["endpoints"][0] == "https://10.9.0.1:2379"
    assert kinds["ClusterConfiguration"]["etcd"]["external"]["keyFile"] == "/etc/kubernetes/pki/apiserver-etcd-client.key"
    assert kinds["ClusterConfiguration"]["controllerManager"] == {"extraArgs": {"profiling": "false", "bind-address": "0.0.0.0"}}
    assert kinds["KubeProxyConfiguration"]["mode"] == "ipvs"
    assert render("__control_plane_config_errors") == []


def test_check_mode_join_documents_with_a_null_token():
    """In check mode kubeadm_token returns token null: the join documents still render."""
    extra = {"__control_plane_join_token": {"token": None, "ca_cert_hash": None},
             "__control_plane_cert_key": {"certificate_key": None}}
    (join,) = Render("ha", "control_plane", "cp2", "1.35.6", extra=extra)("__control_plane_join_documents")
    assert join["discovery"]["bootstrapToken"]["token"] == "abcdef.0123456789abcdef"
    assert kc.kubeadm_config_errors([join]) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_init_token_lives_as_long_as_a_join_token(version):
    """kubeadm init's own bootstrap token defaults to 24 h; the role's lives control_plane_join_token_ttl."""
    docs = Render("ha", "control_plane", "cp1", version, extra={"control_plane_join_token_ttl": "10m"})(
        "__control_plane_kubeadm_documents")
    init = docs[0]
    assert init["kind"] == "InitConfiguration"
    assert [t["ttl"] for t in init["bootstrapTokens"]] == ["10m"] and "token" not in init["bootstrapTokens"][0]
    assert kc.kubeadm_config_errors(docs) == []


# --- hardening switches (defaults on) --------------------------------------------------------------
def _args_of(component):
    args = component.get("extraArgs") or {}
    return {a["name"]: a["value"] for a in args} if isinstance(args, list) else dict(args)


@pytest.mark.parametrize("version", VERSIONS)
def test_hardening_defaults_render_flags_mounts_and_files(version):
    render = Render("ha", "control_plane", "cp1", version)
    cluster_cfg = _kinds(render("__control_plane_kubeadm_documents"))["ClusterConfiguration"]
    api = _args_of(cluster_cfg["apiServer"])
    assert api["profiling"] == "false"
    assert _args_of(cluster_cfg["controllerManager"]) == {"profiling": "false"}
    assert _args_of(cluster_cfg["scheduler"]) == {"profiling": "false"}
    assert api["encryption-provider-config"] == "/etc/kubernetes/apiserver/encryption-config.yaml"
    assert api["admission-control-config-file"] == "/etc/kubernetes/apiserver/admission-config.yaml"
    assert api["audit-policy-file"] == "/etc/kubernetes/apiserver/audit-policy.yaml"
    assert api["audit-log-path"] == "/var/log/kubernetes/audit/audit.log"
    assert (api["audit-log-maxage"], api["audit-log-maxbackup"], api["audit-log-maxsize"]) == ("30", "10", "100")
    # Anonymous requests limited to the health paths where the API server has the setting (1.32+).
    assert ("authentication-config" in api) == (version >= "1.32")
    assert "anonymous-auth" not in api
    mounts = {m["mountPath"]: m for m in cluster_cfg["apiServer"]["extraVolumes"]}
    assert mounts["/etc/kubernetes/apiserver"]["readOnly"] is True
    assert mounts["/var/log/kubernetes/audit"]["readOnly"] is False
    # Every file a flag names lies under a mount of the static pod.
    for flag in ("encryption-provider-config", "admission-control-config-file", "audit-policy-file", "audit-log-path", "authentication-config"):
        if flag in api:
            assert any(api[flag].startswith(path + "/") for path in mounts), flag
    assert render("__control_plane_config_errors") == []
    hardening = render("__control_plane_hardening")
    assert [f["path"] for f in hardening["secret_files"]] == ["/etc/kubernetes/apiserver/encryption-config.yaml"]
    assert all(f["mode"] == "0600" for f in hardening["files"] + hardening["secret_files"])
    assert all(d["mode"] == "0700" for d in hardening["directories"])
    policy = yaml.safe_load(next(f["content"] for f in hardening["files"] if f["path"].endswith("audit-policy.yaml")))
    assert policy["kind"] == "Policy" and policy["rules"]
    admission = yaml.safe_load(next(f["content"] for f in hardening["files"] if f["path"].endswith("admission-config.yaml")))
    defaults = admission["plugins"][0]["configuration"]["defaults"]
    assert (defaults["enforce"], defaults["warn"], defaults["audit"]) == ("baseline", "restricted", "restricted")


def test_hardening_switches_off_leave_kubeadm_defaults():
    extra = {"control_plane_profiling": True, "control_plane_anonymous_auth": "enabled", "control_plane_audit_log": False,
             "control_plane_encryption_at_rest": False, "control_plane_pod_security": False}
    render = Render("single", "control_plane", "master", "1.35.6", extra=extra)
    cluster_cfg = _kinds(render("__control_plane_kubeadm_documents"))["ClusterConfiguration"]
    assert "extraArgs" not in cluster_cfg.get("apiServer", {})
    assert "extraVolumes" not in cluster_cfg.get("apiServer", {})
    assert "controllerManager" not in cluster_cfg and "scheduler" not in cluster_cfg
    hardening = render("__control_plane_hardening")
    assert hardening["files"] == [] and hardening["secret_files"] == [] and hardening["directories"] == []


def test_user_extra_args_win_over_the_switches():
    extra = {"control_plane_apiserver_extra_args": {"profiling": "true", "audit-log-maxage": "7"}}
    render = Render("single", "control_plane", "master", "1.35.6", extra=extra)
    api = _args_of(_kinds(render("__control_plane_kubeadm_documents"))["ClusterConfiguration"]["apiServer"])
    assert (api["profiling"], api["audit-log-maxage"]) == ("true", "7")


def test_kubelet_serving_certificates_switch_sets_server_tls_bootstrap_for_every_node():
    on = Render("ha", "control_plane", "cp1", "1.35.6", extra={"cluster_kubelet_serving_certificates": True})
    kubelet = _kinds(on("__control_plane_kubeadm_documents"))["KubeletConfiguration"]
    assert kubelet["serverTLSBootstrap"] is True and on("__control_plane_config_errors") == []
    off = Render("ha", "control_plane", "cp1", "1.35.6")
    assert "serverTLSBootstrap" not in _kinds(off("__control_plane_kubeadm_documents"))["KubeletConfiguration"]
    # the user's extra configuration may not switch it back off behind the switch
    undone = Render("ha", "control_plane", "cp1", "1.35.6", extra={
        "cluster_kubelet_serving_certificates": True,
        "control_plane_kubeadm_extra_config": {"KubeletConfiguration": {"serverTLSBootstrap": False}}})
    assert undone("__control_plane_config_errors") == [
        "cluster_kubelet_serving_certificates is true but control_plane_kubeadm_extra_config sets KubeletConfiguration"
        " serverTLSBootstrap to False; remove it from the extra configuration (or set cluster_kubelet_serving_certificates to false)"]


@pytest.mark.parametrize("version", ["1.33.5", "1.35.6"])
def test_lab_profile_sets_kinds_node_settings_and_nothing_without_it(version):
    on = Render("ha", "control_plane", "cp1", version, extra={"cluster_lab_profile": True})
    docs = _kinds(on("__control_plane_kubeadm_documents"))
    kubelet, proxy = docs["KubeletConfiguration"], docs["KubeProxyConfiguration"]
    assert kubelet["failSwapOn"] is False and kubelet["imageGCHighThresholdPercent"] == 100
    assert kubelet["evictionHard"] == {"nodefs.available": "0%", "nodefs.inodesFree": "0%", "imagefs.available": "0%"}
    assert proxy["conntrack"] == {"maxPerCore": 0}
    assert "cgroupRoot" not in kubelet  # deliberately not kind's /kubelet (docs/lab.md)
    assert on("__control_plane_config_errors") == []
    off = _kinds(Render("ha", "control_plane", "cp1", version)("__control_plane_kubeadm_documents"))
    for key in ("failSwapOn", "imageGCHighThresholdPercent", "evictionHard"):
        assert key not in off["KubeletConfiguration"]
    assert "conntrack" not in off["KubeProxyConfiguration"]
    # The user's extra configuration comes after the profile and wins.
    mine = Render("ha", "control_plane", "cp1", version, extra={
        "cluster_lab_profile": True,
        "control_plane_kubeadm_extra_config": {"KubeletConfiguration": {"imageGCHighThresholdPercent": 90}}})
    assert _kinds(mine("__control_plane_kubeadm_documents"))["KubeletConfiguration"]["imageGCHighThresholdPercent"] == 90


@pytest.mark.parametrize("cluster, init, expected", [
    ({}, {}, []),
    ({"proxy": {"disabled": True}}, {}, ["addon/kube-proxy"]),
    ({"dns": {"disabled": True}}, {"skipPhases": ["mark-control-plane"]}, ["mark-control-plane", "addon/coredns"]),
    ({"dns": {"disabled": True}, "proxy": {"disabled": True}}, {}, ["addon/coredns", "addon/kube-proxy"]),
    ({"proxy": {"disabled": False}}, {"skipPhases": ["addon/kube-proxy"]}, ["addon/kube-proxy"]),
])
def test_skipped_phases_include_the_addons_the_configuration_disables(cluster, init, expected):
    """The plan neither expects nor resumes what skipPhases or dns/proxy.disabled leave out."""
    extra = {"control_plane_kubeadm_extra_config": {"ClusterConfiguration": cluster, "InitConfiguration": init}}
    render = Render("ha", "control_plane", "cp1", "1.35.6", extra=extra)
    assert render("__control_plane_config_errors") == []
    assert render("__control_plane_skip_phases") == expected
