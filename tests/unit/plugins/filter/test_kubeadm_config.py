# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the kubeadm configuration filters and the strict model behind them."""

from __future__ import annotations

import copy

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter import kubeadm_config as kc
from unit_helpers import by_kind, filter_names
from ansible_collections.seed.kubeadm.plugins.module_utils import kubeadm_schema as schema

V3 = schema.KUBEADM_V1BETA3
V4 = schema.KUBEADM_V1BETA4


def init_docs(version="1.35.6", **extra):
    settings = {
        "kubernetes_version": version,
        "control_plane_endpoint": "10.0.0.100:16443",
        "image_repository": "registry.example.com/k8s",
        "pod_subnet": "10.244.0.0/16",
        "service_subnet": "10.96.0.0/12",
        "cert_sans": ["10.0.0.100", "cp1", "cp1", "", None],
        "node_name": "cp1",
        "node_ip": "10.0.0.11",
        "advertise_address": "10.0.0.11",
        "apiserver_extra_args": {"audit-log-maxage": 30, "anonymous-auth": False},
        "etcd_extra_args": {"quota-backend-bytes": "8589934592"},
    }
    settings.update(extra)
    return kc.kubeadm_documents(settings)


def join_docs(version="1.35.6", **extra):
    settings = {
        "kubernetes_version": version,
        "api_server_endpoint": "10.0.0.100:16443",
        "token": "abcdef.0123456789abcdef",
        "ca_cert_hashes": "a" * 64,
        "node_name": "w1",
        "node_ip": "10.0.0.21",
    }
    settings.update(extra)
    return kc.kubeadm_join_documents(settings)


# --- API version ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "version, expected",
    [("1.30.14", V3), ("v1.30.0", V3), ("1.29.1", V3), ("1.31.0", V4), ("1.35.6", V4), ("2.0.0", V4)],
)
def test_api_version(version, expected):
    assert kc.kubeadm_api_version(version) == expected


@pytest.mark.parametrize("version", ["", "one.two", "1"])
def test_api_version_rejects_garbage(version):
    with pytest.raises(AnsibleFilterError, match="not a Kubernetes version"):
        kc.kubeadm_api_version(version)


# --- kubeadm_documents ---------------------------------------------------------------------------
def test_documents_v1beta4_shape():
    docs = by_kind(init_docs())
    assert [d["apiVersion"] for d in docs.values()] == [V4, V4, schema.KUBELET_V1BETA1, schema.KUBEPROXY_V1ALPHA1]
    init, cluster = docs["InitConfiguration"], docs["ClusterConfiguration"]
    assert init["nodeRegistration"]["kubeletExtraArgs"] == [{"name": "node-ip", "value": "10.0.0.11"}]
    assert init["nodeRegistration"]["criSocket"] == kc.DEFAULT_CRI_SOCKET
    assert "taints" not in init["nodeRegistration"]  # kubeadm's default control-plane taint
    assert init["localAPIEndpoint"] == {"advertiseAddress": "10.0.0.11", "bindPort": 6443}
    assert cluster["kubernetesVersion"] == "v1.35.6"
    assert cluster["controlPlaneEndpoint"] == "10.0.0.100:16443"
    assert cluster["imageRepository"] == "registry.example.com/k8s"
    assert cluster["apiServer"]["certSANs"] == ["10.0.0.100", "cp1"]
    assert cluster["apiServer"]["extraArgs"] == [
        {"name": "audit-log-maxage", "value": "30"},
        {"name": "anonymous-auth", "value": "false"},
    ]
    assert cluster["etcd"]["local"]["extraArgs"] == [{"name": "quota-backend-bytes", "value": "8589934592"}]
    assert "controllerManager" not in cluster and "scheduler" not in cluster
    assert docs["KubeletConfiguration"]["cgroupDriver"] == "systemd"
    assert docs["KubeProxyConfiguration"] == {
        "apiVersion": schema.KUBEPROXY_V1ALPHA1,
        "kind": "KubeProxyConfiguration",
        "mode": "iptables",
        "clusterCIDR": "10.244.0.0/16",
    }
    assert kc.kubeadm_config_errors(list(docs.values())) == []


def test_documents_v1beta3_uses_string_maps():
    docs = by_kind(init_docs("1.30.4", scheduler_extra_args=[{"name": "v", "value": 2}]))
    assert docs["InitConfiguration"]["apiVersion"] == V3
    assert docs["InitConfiguration"]["nodeRegistration"]["kubeletExtraArgs"] == {"node-ip": "10.0.0.11"}
    assert docs["ClusterConfiguration"]["apiServer"]["extraArgs"] == {"audit-log-maxage": "30", "anonymous-auth": "false"}
    assert docs["ClusterConfiguration"]["scheduler"] == {"extraArgs": {"v": "2"}}
    assert kc.kubeadm_config_errors(list(docs.values())) == []


def test_documents_user_node_ip_arg_wins_and_taints_empty_list_kept():
    docs = by_kind(init_docs(kubelet_extra_args={"node-ip": "192.0.2.1", "max-pods": 50}, taints=[]))
    registration = docs["InitConfiguration"]["nodeRegistration"]
    assert registration["taints"] == []
    assert {"name": "node-ip", "value": "192.0.2.1"} in registration["kubeletExtraArgs"]
    assert {"name": "max-pods", "value": "50"} in registration["kubeletExtraArgs"]


def test_documents_taints_unset_as_none_or_as_the_empty_string_older_ansible_renders():
    for unset in (None, ""):
        registration = by_kind(init_docs(taints=unset))["InitConfiguration"]["nodeRegistration"]
        assert "taints" not in registration


def test_documents_external_etcd():
    docs = by_kind(
        init_docs(
            etcd_external_endpoints=["https://10.0.0.5:2379", "https://10.0.0.5:2379", "https://10.0.0.6:2379"],
            etcd_ca_file="/pki/ca.crt",
            etcd_cert_file="/pki/c.crt",
            etcd_key_file="/pki/c.key",
        )
    )
    assert docs["ClusterConfiguration"]["etcd"] == {
        "external": {
            "endpoints": ["https://10.0.0.5:2379", "https://10.0.0.6:2379"],
            "caFile": "/pki/ca.crt",
            "certFile": "/pki/c.crt",
            "keyFile": "/pki/c.key",
        }
    }
    assert kc.kubeadm_config_errors(list(docs.values())) == []


def test_documents_minimal_settings():
    docs = by_kind(kc.kubeadm_documents({"kubernetes_version": "1.31.0"}))
    cluster = docs["ClusterConfiguration"]
    assert "controlPlaneEndpoint" not in cluster and "imageRepository" not in cluster
    assert cluster["networking"] == {"dnsDomain": "cluster.local"}
    assert "clusterCIDR" not in docs["KubeProxyConfiguration"]
    assert "kubeletExtraArgs" not in docs["InitConfiguration"]["nodeRegistration"]


def test_documents_reject_unknown_setting_and_missing_version():
    with pytest.raises(AnsibleFilterError, match="unknown setting.*pod_subnt"):
        kc.kubeadm_documents({"kubernetes_version": "1.35.0", "pod_subnt": "x"})
    with pytest.raises(AnsibleFilterError, match="kubernetes_version is required"):
        kc.kubeadm_documents({})
    with pytest.raises(AnsibleFilterError, match="expects a dict"):
        kc.kubeadm_documents(["nope"])


# --- kubeadm_join_documents ----------------------------------------------------------------------
def test_join_worker_v1beta4():
    (join,) = join_docs(taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    assert join["apiVersion"] == V4 and join["kind"] == "JoinConfiguration"
    assert join["discovery"] == {
        "bootstrapToken": {
            "apiServerEndpoint": "10.0.0.100:16443",
            "token": "abcdef.0123456789abcdef",
            "caCertHashes": ["sha256:" + "a" * 64],
        }
    }
    assert "controlPlane" not in join
    assert join["nodeRegistration"]["taints"][0]["key"] == "dedicated"
    assert kc.kubeadm_config_errors([join]) == []


def test_join_control_plane_v1beta3():
    (join,) = join_docs(
        "1.30.2",
        control_plane=True,
        certificate_key="b" * 64,
        advertise_address="10.0.0.12",
        bind_port="6443",
        ca_cert_hashes=["sha256:" + "c" * 64, "sha256:" + "c" * 64],
    )
    assert join["apiVersion"] == V3
    assert join["controlPlane"] == {
        "localAPIEndpoint": {"advertiseAddress": "10.0.0.12", "bindPort": 6443},
        "certificateKey": "b" * 64,
    }
    assert join["discovery"]["bootstrapToken"]["caCertHashes"] == ["sha256:" + "c" * 64]
    assert join["nodeRegistration"]["kubeletExtraArgs"] == {"node-ip": "10.0.0.21"}
    assert kc.kubeadm_config_errors([join]) == []


@pytest.mark.parametrize("missing", ["api_server_endpoint", "token", "ca_cert_hashes"])
def test_join_requires_discovery_pieces(missing):
    with pytest.raises(AnsibleFilterError, match="%s is required" % missing):
        join_docs(**{missing: ""})


def test_join_control_plane_requires_certificate_key():
    with pytest.raises(AnsibleFilterError, match="certificate_key is required"):
        join_docs(control_plane=True)


# --- kubeadm_merge ---------------------------------------------------------------------------------
def test_merge_deep_and_lists_replace():
    docs = init_docs()
    before = copy.deepcopy(docs)
    merged = by_kind(
        kc.kubeadm_merge(
            docs,
            {
                "ClusterConfiguration": {"networking": {"podSubnet": "10.32.0.0/12"}, "apiServer": {"certSANs": ["x"]}},
                "KubeletConfiguration": {"maxPods": 200},
                "JoinConfiguration": {"caCertPath": "/x"},  # known kind, not in these docs: skipped
            },
        )
    )
    assert docs == before  # input untouched
    cluster = merged["ClusterConfiguration"]
    assert cluster["networking"] == {"podSubnet": "10.32.0.0/12", "serviceSubnet": "10.96.0.0/12", "dnsDomain": "cluster.local"}
    assert cluster["apiServer"]["certSANs"] == ["x"]
    assert cluster["apiServer"]["extraArgs"]  # sibling kept
    assert merged["KubeletConfiguration"]["maxPods"] == 200
    assert "JoinConfiguration" not in merged


def test_merge_unknown_kind_is_appended_and_reported():
    merged = kc.kubeadm_merge(init_docs(), {"ClusterConfiguraton": {"apiVersion": V4, "networking": {}}, "Other": 3})
    assert merged[-2] == {"kind": "ClusterConfiguraton", "apiVersion": V4, "networking": {}}
    assert merged[-1] == {"kind": "Other"}
    errors = kc.kubeadm_config_errors(merged)
    assert "document 5: unknown kind ClusterConfiguraton (did you mean ClusterConfiguration?)" in errors
    assert "document 6: unknown kind Other" in errors


def test_merge_empty_and_bad_extra():
    docs = init_docs()
    assert kc.kubeadm_merge(docs, {}) == docs
    assert kc.kubeadm_merge(docs, None) == docs
    with pytest.raises(AnsibleFilterError, match="dict keyed by kind"):
        kc.kubeadm_merge(docs, ["ClusterConfiguration"])


# --- kubeadm_yaml ------------------------------------------------------------------------------
def test_yaml_round_trip_keeps_order():
    docs = init_docs()
    text = kc.kubeadm_yaml(docs)
    assert text.startswith("---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n")
    assert list(yaml.safe_load_all(text)) == docs
    assert kc.kubeadm_config_errors(text) == []


class _TaggedStr(str):
    """Stands in for Ansible's tagged string type."""


def test_plain_converts_subclasses():
    docs = kc.kubeadm_merge(init_docs(), {"KubeletConfiguration": {"clusterDomain": _TaggedStr("c.local"), "x": (1, 2.5)}})
    kubelet = by_kind(docs)["KubeletConfiguration"]
    assert isinstance(kubelet["clusterDomain"], str) and not isinstance(kubelet["clusterDomain"], _TaggedStr)
    assert kubelet["x"] == [1, 2.5]
    assert "clusterDomain: c.local" in kc.kubeadm_yaml(docs)


def test_filter_map():
    assert filter_names(kc.FilterModule) == {
        "kubeadm_config_errors",
        "kubeadm_documents",
        "kubeadm_join_documents",
        "kubeadm_merge",
        "kubeadm_yaml",
    }


# --- strict model: the negative cases --------------------------------------------------------------
def cluster_doc(version=V4, **fields):
    doc = {"apiVersion": version, "kind": "ClusterConfiguration"}
    doc.update(fields)
    return doc


def test_unknown_field_is_reported():
    errors = kc.kubeadm_config_errors([cluster_doc(bogus=1)])
    assert errors == ["ClusterConfiguration.bogus: unknown field"]


def test_misspelled_field_gets_a_suggestion():
    errors = kc.kubeadm_config_errors([cluster_doc(networking={"podSubnt": "10.244.0.0/16"})])
    assert errors == ["ClusterConfiguration.networking.podSubnt: unknown field (did you mean podSubnet?)"]
    errors = kc.kubeadm_config_errors([cluster_doc(ImageRepository="x")])
    assert errors == ["ClusterConfiguration.ImageRepository: unknown field (did you mean imageRepository?)"]


@pytest.mark.parametrize(
    "doc, message",
    [
        (cluster_doc(kubernetesVersion=135), "ClusterConfiguration.kubernetesVersion: expected string, got integer"),
        (cluster_doc(networking="10.0.0.0/8"), "ClusterConfiguration.networking: expected mapping, got string"),
        (cluster_doc(apiServer={"certSANs": "a"}), "ClusterConfiguration.apiServer.certSANs: expected list, got string"),
        (cluster_doc(apiServer={"certSANs": ["a", 5]}), "ClusterConfiguration.apiServer.certSANs[1]: expected string, got integer"),
        (cluster_doc(featureGates={"X": "yes"}), "ClusterConfiguration.featureGates.X: expected boolean, got string"),
        (cluster_doc(featureGates=["X"]), "ClusterConfiguration.featureGates: expected mapping, got list"),
        (cluster_doc(featureGates={1: True}), "ClusterConfiguration.featureGates: key 1 must be a string"),
        (cluster_doc(certificateValidityPeriod="1 year"),
         "ClusterConfiguration.certificateValidityPeriod: expected duration string (e.g. 30s, 4m0s, 1h), got string"),
        (cluster_doc(encryptionAlgorithm="RSA"),
         "ClusterConfiguration.encryptionAlgorithm: 'RSA' is not one of 'RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384'"),
        (cluster_doc(apiServer={"extraArgs": {"v": "2"}}), "ClusterConfiguration.apiServer.extraArgs: expected list, got mapping"),
        (cluster_doc(apiServer={"extraArgs": [{"name": "v"}]}), "ClusterConfiguration.apiServer.extraArgs[0].value: required field is missing"),
        (cluster_doc(V3, apiServer={"extraArgs": [{"name": "v", "value": "2"}]}), "ClusterConfiguration.apiServer.extraArgs: expected mapping, got list"),
        ({"apiVersion": schema.KUBELET_V1BETA1, "kind": "KubeletConfiguration", "maxPods": "110"},
         "KubeletConfiguration.maxPods: expected integer, got string"),
        ({"apiVersion": schema.KUBELET_V1BETA1, "kind": "KubeletConfiguration", "failSwapOn": 0},
         "KubeletConfiguration.failSwapOn: expected boolean, got integer"),
        ({"apiVersion": schema.KUBELET_V1BETA1, "kind": "KubeletConfiguration", "port": True},
         "KubeletConfiguration.port: expected integer, got boolean"),
        ({"apiVersion": schema.KUBELET_V1BETA1, "kind": "KubeletConfiguration", "cgroupDriver": "Systemd"},
         "KubeletConfiguration.cgroupDriver: 'Systemd' is not one of 'systemd', 'cgroupfs'"),
        ({"apiVersion": schema.KUBELET_V1BETA1, "kind": "KubeletConfiguration", "memoryThrottlingFactor": "0.9"},
         "KubeletConfiguration.memoryThrottlingFactor: expected number, got string"),
        ({"apiVersion": schema.KUBELET_V1BETA1, "kind": "KubeletConfiguration", "logging": {"flushFrequency": 1.5}},
         "KubeletConfiguration.logging.flushFrequency: expected duration string or integer nanoseconds, got number"),
        ({"apiVersion": schema.KUBEPROXY_V1ALPHA1, "kind": "KubeProxyConfiguration", "mode": "userspace"},
         "KubeProxyConfiguration.mode: 'userspace' is not one of '', 'iptables', 'ipvs', 'nftables', 'kernelspace'"),
        ({"apiVersion": V4, "kind": "InitConfiguration", "nodeRegistration": {"taints": [{"key": "a"}]}},
         "InitConfiguration.nodeRegistration.taints[0].effect: required field is missing"),
        ({"apiVersion": V4, "kind": "JoinConfiguration"}, "JoinConfiguration.discovery: required field is missing"),
    ],
)
def test_wrong_types_and_values(doc, message):
    assert kc.kubeadm_config_errors([doc]) == [message]


def test_valid_values_of_every_scalar_kind():
    docs = [
        cluster_doc(
            certificateValidityPeriod="8760h0m0s",
            caCertificateValidityPeriod="87600h",
            featureGates={"ControlPlaneKubeletLocalMode": True},
            apiServer={"extraEnvs": [{"name": "HTTP_PROXY", "valueFrom": {"secretKeyRef": {}}}]},
            dns={"disabled": False, "imageTag": "v1.11.3"},
            proxy={"disabled": False},
            etcd={"external": {"endpoints": ["https://e:2379"], "httpEndpoints": ["https://e:2381"]}},
        ),
        {"apiVersion": V4, "kind": "InitConfiguration", "timeouts": {"controlPlaneComponentHealthCheck": "4m0s"},
         "nodeRegistration": {"imagePullSerial": True, "imagePullPolicy": "Never", "taints": None}},
        {"apiVersion": schema.KUBELET_V1BETA1, "kind": "KubeletConfiguration", "memoryThrottlingFactor": 1,
         "logging": {"flushFrequency": 5000000000, "options": {"json": {"infoBufferSize": "0"}}},
         "evictionHard": {"memory.available": "100Mi"}, "shutdownGracePeriod": "0", "cpuCFSQuotaPeriod": "100ms"},
        {"apiVersion": schema.KUBEPROXY_V1ALPHA1, "kind": "KubeProxyConfiguration", "mode": "nftables",
         "clientConnection": {"qps": 5.5}, "conntrack": {"tcpBeLiberal": True}},
    ]
    assert kc.kubeadm_config_errors(docs) == []


def test_version_specific_fields():
    assert kc.kubeadm_config_errors([cluster_doc(V3, apiServer={"timeoutForControlPlane": "4m0s"})]) == []
    assert kc.kubeadm_config_errors([cluster_doc(V4, apiServer={"timeoutForControlPlane": "4m0s"})]) == [
        "ClusterConfiguration.apiServer.timeoutForControlPlane: unknown field"
    ]
    init_v3 = {"apiVersion": V3, "kind": "InitConfiguration", "timeouts": {}}
    assert kc.kubeadm_config_errors([init_v3]) == ["InitConfiguration.timeouts: unknown field"]
    join_v3 = {"apiVersion": V3, "kind": "JoinConfiguration", "discovery": {"timeout": "5m", "file": {"kubeConfigPath": "/k"}}}
    assert kc.kubeadm_config_errors([join_v3]) == []
    join_v4 = dict(join_v3, apiVersion=V4)
    assert kc.kubeadm_config_errors([join_v4]) == ["JoinConfiguration.discovery.timeout: unknown field"]


@pytest.mark.parametrize(
    "doc, message",
    [
        ({"apiVersion": schema.KUBELET_V1BETA1, "kind": "ClusterConfiguration"},
         "document 1 (ClusterConfiguration): apiVersion kubelet.config.k8s.io/v1beta1 does not serve kind "
         "ClusterConfiguration (valid: kubeadm.k8s.io/v1beta3, kubeadm.k8s.io/v1beta4)"),
        ({"apiVersion": "kubeadm.k8s.io/v1beta2", "kind": "InitConfiguration"},
         "document 1 (InitConfiguration): apiVersion kubeadm.k8s.io/v1beta2 does not serve kind "
         "InitConfiguration (valid: kubeadm.k8s.io/v1beta3, kubeadm.k8s.io/v1beta4)"),
        ({"apiVersion": V4, "kind": "KubeletConfiguration"},
         "document 1 (KubeletConfiguration): apiVersion kubeadm.k8s.io/v1beta4 does not serve kind "
         "KubeletConfiguration (valid: kubelet.config.k8s.io/v1beta1)"),
        ({"kind": "ClusterConfiguration"}, "document 1 (ClusterConfiguration): apiVersion is missing"),
        ({"apiVersion": V4}, "document 1: kind is missing"),
        ({"apiVersion": V4, "kind": "InitConfig"}, "document 1: unknown kind InitConfig (did you mean InitConfiguration?)"),
        ({"apiVersion": V4, "kind": "clusterconfiguration"},
         "document 1: unknown kind clusterconfiguration (did you mean ClusterConfiguration?)"),
        ({"apiVersion": V4, "kind": 3}, "document 1: kind must be a string, got integer"),
        ({"apiVersion": 4, "kind": "InitConfiguration"}, "document 1 (InitConfiguration): apiVersion must be a string, got integer"),
        ("text", "document 1: expected a mapping with apiVersion and kind, got string"),
    ],
)
def test_api_version_kind_pairs(doc, message):
    assert kc.kubeadm_config_errors([doc]) == [message]


def test_file_level_checks():
    docs = [cluster_doc(V3), None, cluster_doc(V4), {"apiVersion": V4, "kind": "InitConfiguration"}]
    assert kc.kubeadm_config_errors(docs) == [
        "document 3: second ClusterConfiguration (first is document 1)",
        "the file mixes kubeadm API versions: kubeadm.k8s.io/v1beta3, kubeadm.k8s.io/v1beta4",
    ]
    assert kc.kubeadm_config_errors(cluster_doc()) == []  # one document alone
    assert kc.kubeadm_config_errors(42) == ["expected a list of documents, got integer"]


def test_yaml_string_input():
    text = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 1\n---\n"
    assert kc.kubeadm_config_errors(text) == ["ClusterConfiguration.networking.podSubnet: expected string, got integer"]
    errors = kc.kubeadm_config_errors("a: [b\n")
    assert len(errors) == 1 and errors[0].startswith("not valid YAML:")


def test_model_helpers():
    assert schema.api_versions_for("JoinConfiguration") == [V3, V4]
    assert schema.api_versions_for("Nope") == []
    assert schema.validate_document(None) == []
    extended = schema.NETWORKING.extend({"x": schema.STR}, drop=("dnsDomain",), required=("x",))
    assert set(extended.fields) == {"serviceSubnet", "podSubnet", "x"} and extended.required == ("x",)
    assert schema._type_name(object()) == "object"


def test_edge_cases_of_the_walker():
    assert schema._type_name(None) == "null"
    assert kc.kubeadm_config_errors([cluster_doc(**{"networking": {1: "x"}})]) == [
        "ClusterConfiguration.networking: key 1 must be a string"
    ]
    errors = kc.kubeadm_config_errors([{"apiVersion": schema.KUBELET_V1BETA1, "kind": "KubeletConfiguration", "CGROUPDRIVER": "systemd"}])
    assert errors == ["KubeletConfiguration.CGROUPDRIVER: unknown field (did you mean cgroupDriver?)"]
    marker = object()
    assert kc._plain({"a": marker})["a"] is marker


# --- YAML 1.1 scalars: strings kubeadm's Go decoder would read as bool, number, null or time ------
YAML11_NAMES = ["n", "y", "N", "Y", "on", "off", "yes", "no", "On", "OFF", "true", "False", "null", "~", "Null",
                "1e3", "1E+3", "0x10", "0X1F", "012", "0o17", "0b101", "1_000", "42", "+1", "1.5", ".5", ".inf",
                "1:20", "2026-01-01", "2026-01-01T10:00:00Z", "<<", "="]


@pytest.mark.parametrize("name", YAML11_NAMES)
def test_yaml_quotes_every_yaml11_non_string(name):
    text = kc.kubeadm_yaml(init_docs(node_name=name, cert_sans=[name], advertise_address="10.0.0.11"))
    assert "name: '%s'" % name in text
    # Read the way kubeadm reads it (YAML 1.1 types of go-yaml): still the string, no model error.
    docs = by_kind(yaml.load_all(text, Loader=schema.GoYamlLoader))
    assert docs["InitConfiguration"]["nodeRegistration"]["name"] == name
    assert docs["ClusterConfiguration"]["apiServer"]["certSANs"][0] == name
    assert kc.kubeadm_config_errors(text) == []
    join = kc.kubeadm_yaml(join_docs(node_name=name))
    assert by_kind(yaml.load_all(join, Loader=schema.GoYamlLoader))["JoinConfiguration"]["nodeRegistration"]["name"] == name


@pytest.mark.parametrize("name", ["n1", "node-1", "cp1.example.com", "10.0.0.11", "1.35.6", "kube-system", "nope"])
def test_yaml_leaves_ordinary_strings_plain(name):
    assert kc.yaml11_non_string(name) is False
    assert "name: %s\n" % name in kc.kubeadm_yaml(join_docs(node_name=name))


@pytest.mark.parametrize("name, decoded", [("n", False), ("on", True), ("1e3", 1000.0), ("0x10", 16)])
def test_strict_model_reads_unquoted_yaml11_scalars_as_kubeadm_does(name, decoded):
    text = kc.kubeadm_yaml(join_docs()).replace("name: w1", "name: %s" % name)
    assert by_kind(yaml.load_all(text, Loader=schema.GoYamlLoader))["JoinConfiguration"]["nodeRegistration"]["name"] == decoded
    assert any("nodeRegistration.name" in error for error in kc.kubeadm_config_errors(text))


def test_init_token_is_a_node_join_token_that_lives_as_long_as_the_setting():
    # kubeadm's defaults for a join token (SetDefaults_BootstrapToken): these groups and usages.
    init = by_kind(init_docs(bootstrap_token_ttl="15m"))["InitConfiguration"]
    assert init["bootstrapTokens"] == [{"groups": ["system:bootstrappers:kubeadm:default-node-token"],
                                        "usages": ["signing", "authentication"], "ttl": "15m",
                                        "description": "seed.kubeadm init"}]
    assert "bootstrapTokens" not in by_kind(init_docs(bootstrap_token_ttl=""))["InitConfiguration"]


def test_cluster_name_preflight_errors_and_version_forms():
    docs = by_kind(init_docs(version="v1.35.6", cluster_name="prod", ignore_preflight_errors=["Swap", "NumCPU"]))
    assert docs["ClusterConfiguration"]["clusterName"] == "prod"
    assert docs["ClusterConfiguration"]["kubernetesVersion"] == "v1.35.6"
    assert docs["InitConfiguration"]["nodeRegistration"]["ignorePreflightErrors"] == ["Swap", "NumCPU"]
    docs = by_kind(init_docs(cluster_name="", ignore_preflight_errors=[]))
    assert "clusterName" not in docs["ClusterConfiguration"]
    assert "ignorePreflightErrors" not in docs["InitConfiguration"]["nodeRegistration"]


def test_yaml_text_is_block_style_in_document_order_and_never_folded():
    long_value = "x" * 300
    text = kc.kubeadm_yaml([{"apiVersion": "v1", "kind": "K", "zeta": {"list": ["a", "b"]}, "alpha": long_value}])
    assert text == "---\napiVersion: v1\nkind: K\nzeta:\n  list:\n  - a\n  - b\nalpha: %s\n" % long_value


def test_merge_shares_nothing_with_its_inputs():
    docs = init_docs()
    extra = {"ClusterConfiguration": {"apiServer": {"certSANs": ["a"]}, "featureGates": {"X": True}}}
    merged = kc.kubeadm_merge(docs, extra)
    cluster = by_kind(merged)["ClusterConfiguration"]
    cluster["apiServer"]["certSANs"].append("changed")
    cluster["featureGates"]["X"] = False
    assert extra == {"ClusterConfiguration": {"apiServer": {"certSANs": ["a"]}, "featureGates": {"X": True}}}
    assert by_kind(docs)["ClusterConfiguration"] == by_kind(init_docs())["ClusterConfiguration"]
