# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: build, extend, check and serialise kubeadm configuration documents."""

from __future__ import annotations

import copy
import re

from ansible.errors import AnsibleFilterError
from ansible_collections.seed.kubeadm.plugins.module_utils import kubeadm_schema as schema
from ansible_collections.seed.kubeadm.plugins.module_utils.plain import plain as _plain

try:  # pragma: no cover - PyYAML always ships with ansible-core
    import yaml
except ImportError:  # pragma: no cover
    yaml = None

DEFAULT_CRI_SOCKET = "unix:///run/containerd/containerd.sock"
CONTROL_PLANE_TAINT_KEYS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")

# Every key kubeadm_documents / kubeadm_join_documents understand, with its default.
_COMMON_SETTINGS = {
    "kubernetes_version": None,
    "node_name": "",
    "cri_socket": DEFAULT_CRI_SOCKET,
    "node_ip": "",
    "taints": None,
    "kubelet_extra_args": {},
    "ignore_preflight_errors": [],
    "advertise_address": "",
    "bind_port": 6443,
}
_INIT_SETTINGS = dict(
    _COMMON_SETTINGS,
    control_plane_endpoint="",
    image_repository="",
    pod_subnet="",
    service_subnet="",
    dns_domain="cluster.local",
    cluster_name="kubernetes",
    bootstrap_token_ttl="",
    cert_sans=[],
    etcd_external_endpoints=[],
    etcd_ca_file="",
    etcd_cert_file="",
    etcd_key_file="",
    etcd_data_dir="/var/lib/etcd",
    etcd_extra_args={},
    apiserver_extra_args={},
    apiserver_extra_volumes=[],
    controller_manager_extra_args={},
    scheduler_extra_args={},
    kube_proxy_mode="iptables",
    cgroup_driver="systemd",
)
_JOIN_SETTINGS = dict(
    _COMMON_SETTINGS,
    api_server_endpoint=None,
    token=None,
    ca_cert_hashes=None,
    control_plane=False,
    certificate_key="",
)


# --- helpers ------------------------------------------------------------------------------------
def _settings(settings, known, what):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("%s expects a dict of settings, got %s" % (what, type(settings).__name__))
    unknown = sorted(set(settings) - set(known))
    if unknown:
        raise AnsibleFilterError("%s: unknown setting(s) %s" % (what, ", ".join(unknown)))
    merged = copy.deepcopy(known)
    merged.update(_plain(settings))
    if not merged.get("kubernetes_version"):
        raise AnsibleFilterError("%s: kubernetes_version is required" % what)
    return merged


def _version_tuple(version):
    text = str(version).strip().lstrip("v")
    parts = text.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError) as exc:
        raise AnsibleFilterError("not a Kubernetes version: %r (expected X.Y.Z)" % (version,)) from exc


def kubeadm_api_version(version):
    """kubeadm.k8s.io/v1beta4 for Kubernetes >= 1.31, kubeadm.k8s.io/v1beta3 below."""
    return schema.KUBEADM_V1BETA4 if _version_tuple(version) >= (1, 31) else schema.KUBEADM_V1BETA3


def _args(values, structured):
    """Extra arguments: a list of {name, value} for v1beta4, a string map for v1beta3."""
    if not values:
        return None
    if isinstance(values, dict):
        pairs = [(str(k), v) for k, v in values.items()]
    else:
        pairs = [(str(item["name"]), item["value"]) for item in values]
    pairs = [(k, str(v).lower() if isinstance(v, bool) else str(v)) for k, v in pairs]
    if structured:
        return [{"name": k, "value": v} for k, v in pairs]
    return dict(pairs)


def _volumes(values):
    """hostPath mounts of a component (HostPathMount: name, hostPath, mountPath, readOnly, pathType)."""
    if not values:
        return None
    mounts = []
    for item in values:
        mount = {key: item[key] for key in ("name", "hostPath", "mountPath") if key in item}
        if "readOnly" in item:
            mount["readOnly"] = bool(item["readOnly"])
        if item.get("pathType"):
            mount["pathType"] = str(item["pathType"])
        mounts.append(mount)
    return mounts


def _unique(values):
    seen = []
    for value in values or []:
        text = str(value).strip() if value is not None else ""
        if text and text not in seen:
            seen.append(text)
    return seen


def _prune(mapping):
    """Drop keys whose value is None (unset), keep empty lists on purpose (taints: [])."""
    return {k: v for k, v in mapping.items() if v is not None}


def _node_registration(cfg, structured):
    kubelet_args = dict(cfg["kubelet_extra_args"] or {})
    if cfg["node_ip"]:
        kubelet_args.setdefault("node-ip", cfg["node_ip"])
    return _prune(
        {
            "name": cfg["node_name"] or None,
            "criSocket": cfg["cri_socket"] or None,
            # "" is unset too: ansible-core before 2.19 renders a template's None as "".
            "taints": None if cfg["taints"] == "" else cfg["taints"],
            "kubeletExtraArgs": _args(kubelet_args, structured),
            "ignorePreflightErrors": list(cfg["ignore_preflight_errors"]) or None,
        }
    )


def _api_endpoint(cfg):
    return _prune({"advertiseAddress": cfg["advertise_address"] or None, "bindPort": int(cfg["bind_port"])})


# --- filters ------------------------------------------------------------------------------------
def kubeadm_documents(settings):
    """The kubeadm init configuration as a list of documents.

    InitConfiguration, ClusterConfiguration, KubeletConfiguration and KubeProxyConfiguration, in
    the kubeadm API version that matches ``kubernetes_version``.
    """
    cfg = _settings(settings, _INIT_SETTINGS, "kubeadm_documents")
    api = kubeadm_api_version(cfg["kubernetes_version"])
    structured = api == schema.KUBEADM_V1BETA4
    init = {
        "apiVersion": api,
        "kind": "InitConfiguration",
        "nodeRegistration": _node_registration(cfg, structured),
        "localAPIEndpoint": _api_endpoint(cfg),
    }
    if cfg["bootstrap_token_ttl"]:
        # kubeadm init makes a 24 h token by default; the collection joins with tokens of its own,
        # so the init token only needs to outlive the init itself.
        init["bootstrapTokens"] = [{
            "groups": ["system:bootstrappers:kubeadm:default-node-token"],
            "usages": ["signing", "authentication"],
            "ttl": str(cfg["bootstrap_token_ttl"]),
            "description": "seed.kubeadm init",
        }]
    if cfg["etcd_external_endpoints"]:
        etcd = {
            "external": {
                "endpoints": _unique(cfg["etcd_external_endpoints"]),
                "caFile": cfg["etcd_ca_file"],
                "certFile": cfg["etcd_cert_file"],
                "keyFile": cfg["etcd_key_file"],
            }
        }
    else:
        etcd = {"local": _prune({"dataDir": cfg["etcd_data_dir"], "extraArgs": _args(cfg["etcd_extra_args"], structured)})}
    cluster = _prune(
        {
            "apiVersion": api,
            "kind": "ClusterConfiguration",
            "clusterName": cfg["cluster_name"] or None,
            "kubernetesVersion": "v" + str(cfg["kubernetes_version"]).lstrip("v"),
            "controlPlaneEndpoint": cfg["control_plane_endpoint"] or None,
            "imageRepository": cfg["image_repository"] or None,
            "networking": _prune(
                {
                    "podSubnet": cfg["pod_subnet"] or None,
                    "serviceSubnet": cfg["service_subnet"] or None,
                    "dnsDomain": cfg["dns_domain"] or None,
                }
            ),
            "etcd": etcd,
            "apiServer": _prune(
                {
                    "certSANs": _unique(cfg["cert_sans"]) or None,
                    "extraArgs": _args(cfg["apiserver_extra_args"], structured),
                    "extraVolumes": _volumes(cfg["apiserver_extra_volumes"]),
                }
            ),
            "controllerManager": _prune({"extraArgs": _args(cfg["controller_manager_extra_args"], structured)}),
            "scheduler": _prune({"extraArgs": _args(cfg["scheduler_extra_args"], structured)}),
        }
    )
    cluster = {k: v for k, v in cluster.items() if v != {}}
    kubelet = {
        "apiVersion": schema.KUBELET_V1BETA1,
        "kind": "KubeletConfiguration",
        "cgroupDriver": cfg["cgroup_driver"],
    }
    proxy = _prune(
        {
            "apiVersion": schema.KUBEPROXY_V1ALPHA1,
            "kind": "KubeProxyConfiguration",
            "mode": cfg["kube_proxy_mode"],
            "clusterCIDR": cfg["pod_subnet"] or None,
        }
    )
    return [init, cluster, kubelet, proxy]


def kubeadm_join_documents(settings):
    """The kubeadm join configuration (one JoinConfiguration) for a worker or a control plane."""
    cfg = _settings(settings, _JOIN_SETTINGS, "kubeadm_join_documents")
    for key in ("api_server_endpoint", "token", "ca_cert_hashes"):
        if not cfg[key]:
            raise AnsibleFilterError("kubeadm_join_documents: %s is required" % key)
    api = kubeadm_api_version(cfg["kubernetes_version"])
    hashes = cfg["ca_cert_hashes"]
    if isinstance(hashes, str):
        hashes = [hashes]
    hashes = [h if h.startswith("sha256:") else "sha256:" + h for h in _unique(hashes)]
    join = {
        "apiVersion": api,
        "kind": "JoinConfiguration",
        "nodeRegistration": _node_registration(cfg, api == schema.KUBEADM_V1BETA4),
        "discovery": {
            "bootstrapToken": {
                "apiServerEndpoint": cfg["api_server_endpoint"],
                "token": cfg["token"],
                "caCertHashes": hashes,
            }
        },
    }
    if cfg["control_plane"]:
        if not cfg["certificate_key"]:
            raise AnsibleFilterError("kubeadm_join_documents: certificate_key is required for a control plane")
        join["controlPlane"] = {"localAPIEndpoint": _api_endpoint(cfg), "certificateKey": cfg["certificate_key"]}
    return [join]


def _deep_merge(base, extra):
    """Mappings merge key by key; anything else (lists included) in extra replaces base."""
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = _deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(extra)


def kubeadm_merge(docs, extra):
    """Deep-merge user additions, keyed by kind, into rendered documents.

    ``extra`` maps a kind to a mapping merged into the document of that kind (mappings recursively,
    lists and scalars replaced). A kind known to kubeadm but absent from ``docs`` is skipped (so one
    hook can hold both init and join additions); a kind the model does not know is appended as its
    own document so that ``kubeadm_config_errors`` reports it.
    """
    docs = _plain(docs)
    if not extra:
        return docs
    if not isinstance(extra, dict):
        raise AnsibleFilterError("kubeadm_merge expects a dict keyed by kind, got %s" % type(extra).__name__)
    extra = _plain(extra)
    by_kind = {doc.get("kind"): i for i, doc in enumerate(docs) if isinstance(doc, dict)}
    for kind, addition in extra.items():
        if kind in by_kind:
            docs[by_kind[kind]] = _deep_merge(docs[by_kind[kind]], addition)
        elif kind not in schema.ALL_KINDS:
            doc = {"kind": kind}
            if isinstance(addition, dict):
                doc.update(addition)
            docs.append(doc)
    return docs


def kubeadm_config_errors(docs):
    """Errors of kubeadm configuration documents (list of mappings or multi-document YAML)."""
    if isinstance(docs, str):
        return schema.validate_yaml(docs)
    return schema.validate_documents(_plain(docs))


# Plain scalars that a YAML 1.1 reader resolves to something else than a string. kubeadm and the
# kubelet read their configuration with Go YAML decoders (sigs.k8s.io/yaml on go-yaml) that follow
# YAML 1.1 here: y/n/yes/no/on/off are booleans, 0x10/0o17/012/0b1 integers, 1e3 a float. PyYAML's
# own resolver (YAML 1.1 as well, but without y/n, exponents without a dot, 0o or upper-case base
# prefixes) misses some of them, so every string matching one of these is written quoted.
_YAML11_NON_STRINGS = re.compile(r"""^(?:
    # booleans
    y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
    # null
    |~|null|Null|NULL
    # integers: binary, octal (0 and 0o), decimal, hexadecimal, sexagesimal; underscores allowed
    |[-+]?0[bB][0-1_]+
    |[-+]?0[oO]?[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0[xX][0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
    # floats: with a dot or an exponent, sexagesimal, infinities and NaN
    |[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN)
    # timestamps
    |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?
    # merge key and value indicator
    |<<|=
)$""", re.VERBOSE)


def yaml11_non_string(text):
    """True when a YAML 1.1 reader would not read ``text``, written as a plain scalar, as a string."""
    return bool(_YAML11_NON_STRINGS.match(text))


if yaml is not None:
    class _KubeadmDumper(yaml.SafeDumper):  # pylint: disable=too-many-ancestors
        """SafeDumper that quotes every string a YAML 1.1 (Go) reader would take for a bool, number, null or time."""

        def represent_str(self, data):
            if yaml11_non_string(data):
                return self.represent_scalar("tag:yaml.org,2002:str", data, style="'")
            return super().represent_str(data)

    _KubeadmDumper.add_representer(str, _KubeadmDumper.represent_str)
else:  # pragma: no cover
    _KubeadmDumper = None


def kubeadm_yaml(docs):
    """Multi-document YAML of the documents, apiVersion and kind first, ready for --config.

    Strings that YAML 1.1 would resolve to another type (a node named ``n`` or ``on``, ``1e3``,
    ``0x10``, ``012``, ``null``, ``2026-01-01``) are written quoted, so kubeadm reads strings.
    """
    parts = []
    for doc in _plain(docs):
        parts.append(yaml.dump(doc, Dumper=_KubeadmDumper, default_flow_style=False, sort_keys=False, width=1000))
    return "---\n" + "---\n".join(parts)


class FilterModule:
    """kubeadm configuration filters."""

    def filters(self):
        return {
            "kubeadm_config_errors": kubeadm_config_errors,
            "kubeadm_documents": kubeadm_documents,
            "kubeadm_join_documents": kubeadm_join_documents,
            "kubeadm_merge": kubeadm_merge,
            "kubeadm_yaml": kubeadm_yaml,
        }
