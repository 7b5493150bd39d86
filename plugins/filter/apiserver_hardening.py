# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: the control-plane hardening switches as kubeadm extraArgs, extraVolumes and files.

Each switch becomes what kubeadm understands (flags of the components, hostPath mounts of the API
server's static pod) plus the files those flags name, so the whole result goes through the strict
kubeadm model with the rest of the configuration.
"""

from __future__ import annotations

import base64
import copy

from ansible.errors import AnsibleFilterError
from ansible_collections.seed.kubeadm.plugins.module_utils.plain import plain

try:  # pragma: no cover - PyYAML always ships with ansible-core
    import yaml
except ImportError:  # pragma: no cover
    yaml = None

ANONYMOUS_CHOICES = ("auto", "health_only", "enabled")
ENCRYPTION_PROVIDERS = ("secretbox", "aescbc", "aesgcm")
PSA_LEVELS = ("privileged", "baseline", "restricted")
# Anonymous requests limited to listed paths (AuthenticationConfiguration.anonymous, KEP-4633):
# alpha in 1.31, beta (on by default) in 1.32, GA in 1.34; the v1 API of the file from 1.34.
ANONYMOUS_CONDITIONS_MINOR = (1, 32)
AUTHN_V1_MINOR = (1, 34)
# What stays reachable without credentials: the health endpoints (kubelet probes of the API
# server, the API load balancer's check) and the cluster-info ConfigMap that `kubeadm join` reads
# anonymously for token discovery (kubeadm's bootstrap-token phase grants system:anonymous exactly
# that object).
ANONYMOUS_PATHS = ("/livez", "/readyz", "/healthz", "/api/v1/namespaces/kube-public/configmaps/cluster-info")

_DEFAULTS = {
    "kubernetes_version": None,
    "config_dir": "/etc/kubernetes/apiserver",
    "profiling": False,
    "anonymous_auth": "auto",
    "audit_log": True,
    "audit_policy": None,
    "audit_log_path": "/var/log/kubernetes/audit/audit.log",
    "audit_log_maxage": 30,
    "audit_log_maxbackup": 10,
    "audit_log_maxsize": 100,
    "encryption": True,
    "encryption_provider": "secretbox",
    "encryption_key": "",
    "encryption_live": "",
    "pod_security": True,
    "pod_security_enforce": "baseline",
    "pod_security_warn": "restricted",
    "pod_security_audit": "restricted",
    "pod_security_exempt_namespaces": ["kube-system"],
}


def _minor(version):
    parts = str(version or "").strip().lstrip("v").split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError) as exc:
        raise AnsibleFilterError("apiserver_hardening: kubernetes_version %r is not X.Y.Z" % (version,)) from exc


def _volume(name, host_path, read_only, path_type):
    return {"name": name, "hostPath": host_path, "mountPath": host_path, "readOnly": read_only, "pathType": path_type}


def authentication_config(version, paths=ANONYMOUS_PATHS):
    """AuthenticationConfiguration that allows anonymous requests on ``paths`` only."""
    api = "apiserver.config.k8s.io/v1" if _minor(version) >= AUTHN_V1_MINOR else "apiserver.config.k8s.io/v1beta1"
    return {
        "apiVersion": api,
        "kind": "AuthenticationConfiguration",
        "anonymous": {"enabled": True, "conditions": [{"path": p} for p in paths]},
    }


def encryption_config(provider, key):
    """EncryptionConfiguration of Secrets: ``provider`` with key1 first, identity to read what was stored before."""
    if provider not in ENCRYPTION_PROVIDERS:
        raise AnsibleFilterError("apiserver_hardening: encryption_provider %r is not one of %s" % (provider, ", ".join(ENCRYPTION_PROVIDERS)))
    raw = str(key or "").encode("utf-8")
    if len(raw) != 32:
        raise AnsibleFilterError("apiserver_hardening: the encryption key (the file control_plane_encryption_key_file) must be"
                                 " 32 bytes, got %d; remove the file to have a new key generated, or fix it" % len(raw))
    return {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "EncryptionConfiguration",
        "resources": [{
            "resources": ["secrets"],
            "providers": [
                {provider: {"keys": [{"name": "key1", "secret": base64.b64encode(raw).decode("ascii")}]}},
                {"identity": {}},
            ],
        }],
    }


def admission_config(enforce, warn, audit, exempt_namespaces):
    """AdmissionConfiguration with the PodSecurity plugin's cluster-wide defaults."""
    for what, level in (("enforce", enforce), ("warn", warn), ("audit", audit)):
        if level not in PSA_LEVELS:
            raise AnsibleFilterError("apiserver_hardening: pod_security_%s %r is not one of %s" % (what, level, ", ".join(PSA_LEVELS)))
    return {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "AdmissionConfiguration",
        "plugins": [{
            "name": "PodSecurity",
            "configuration": {
                "apiVersion": "pod-security.admission.config.k8s.io/v1",
                "kind": "PodSecurityConfiguration",
                "defaults": {
                    "enforce": enforce, "enforce-version": "latest",
                    "audit": audit, "audit-version": "latest",
                    "warn": warn, "warn-version": "latest",
                },
                "exemptions": {"usernames": [], "runtimeClasses": [], "namespaces": list(exempt_namespaces or [])},
            },
        }],
    }


def apiserver_hardening(settings):
    """The hardening switches as flags, mounts and files (see apiserver_hardening.yml)."""
    if not isinstance(settings, dict):
        raise AnsibleFilterError("apiserver_hardening expects a dict of settings, got %s" % type(settings).__name__)
    unknown = sorted(set(settings) - set(_DEFAULTS))
    if unknown:
        raise AnsibleFilterError("apiserver_hardening: unknown setting(s) %s" % ", ".join(unknown))
    cfg = copy.deepcopy(_DEFAULTS)
    cfg.update({k: v for k, v in plain(settings).items() if v is not None})
    minor = _minor(cfg["kubernetes_version"])
    config_dir = str(cfg["config_dir"]).rstrip("/")

    apiserver, others, volumes, files = {}, {}, [], []
    if not cfg["profiling"]:
        apiserver["profiling"] = "false"
        others["profiling"] = "false"
    if cfg["anonymous_auth"] not in ANONYMOUS_CHOICES:
        raise AnsibleFilterError("apiserver_hardening: anonymous_auth %r is not one of %s" % (cfg["anonymous_auth"], ", ".join(ANONYMOUS_CHOICES)))
    anonymous = cfg["anonymous_auth"]
    if anonymous == "auto":
        anonymous = "health_only" if minor >= ANONYMOUS_CONDITIONS_MINOR else "enabled"
    if anonymous == "health_only":
        # Before 1.32 kube-apiserver refuses the file's anonymous field: preflight reports it (cluster.py).
        path = config_dir + "/authentication-config.yaml"
        apiserver["authentication-config"] = path
        files.append({"path": path, "content": authentication_config(cfg["kubernetes_version"]), "secret": False})
    if cfg["pod_security"]:
        path = config_dir + "/admission-config.yaml"
        apiserver["admission-control-config-file"] = path
        files.append({"path": path, "secret": False, "content": admission_config(
            cfg["pod_security_enforce"], cfg["pod_security_warn"], cfg["pod_security_audit"], cfg["pod_security_exempt_namespaces"])})
    if cfg["encryption"]:
        path = config_dir + "/encryption-config.yaml"
        apiserver["encryption-provider-config"] = path
        files.append({"path": path, "content": encryption_config(cfg["encryption_provider"], cfg["encryption_key"]), "secret": True})
    log_dir = ""
    if cfg["audit_log"]:
        if not isinstance(cfg["audit_policy"], dict) or cfg["audit_policy"].get("kind") != "Policy":
            raise AnsibleFilterError("apiserver_hardening: audit_policy must be an audit.k8s.io Policy document")
        path = config_dir + "/audit-policy.yaml"
        log_path = str(cfg["audit_log_path"])
        if not log_path.startswith("/") or log_path.endswith("/"):
            raise AnsibleFilterError("apiserver_hardening: audit_log_path %r is not an absolute file path" % log_path)
        log_dir = log_path.rsplit("/", 1)[0] or "/"
        apiserver.update({
            "audit-policy-file": path,
            "audit-log-path": log_path,
            "audit-log-maxage": str(int(cfg["audit_log_maxage"])),
            "audit-log-maxbackup": str(int(cfg["audit_log_maxbackup"])),
            "audit-log-maxsize": str(int(cfg["audit_log_maxsize"])),
        })
        files.append({"path": path, "content": cfg["audit_policy"], "secret": False})
    if files:
        volumes.append(_volume("seed-apiserver-config", config_dir, True, "DirectoryOrCreate"))
    if log_dir:
        volumes.append(_volume("seed-audit-log", log_dir, False, "DirectoryOrCreate"))
    directories = [{"path": d, "owner": "root", "group": "root", "mode": "0700"} for d in (config_dir if files else "", log_dir) if d]
    entries = []
    for item in files:
        text = "# Managed by Ansible (seed.kubeadm.control_plane); read by kube-apiserver at start.\n" + yaml.safe_dump(
            item["content"], default_flow_style=False, sort_keys=False, width=1000)
        if item["secret"] and cfg["encryption_live"]:
            # A cluster that runs keeps the encryption configuration it has (its keys, their order, a
            # rotation under way): every control plane gets that file, not one made anew.
            text = str(cfg["encryption_live"])
        entries.append({"path": item["path"], "content": text, "owner": "root", "group": "root", "mode": "0600",
                        "restart": ["kubeadm-config"], "diff": not item["secret"], "secret": item["secret"]})
    return {
        "anonymous_auth": anonymous,
        "apiserver_args": apiserver,
        "controller_manager_args": dict(others),
        "scheduler_args": dict(others),
        "apiserver_volumes": volumes,
        "config_dir": config_dir if files else "",
        "log_dir": log_dir,
        "directories": directories,
        "files": [dict((k, v) for k, v in e.items() if k != "secret") for e in entries if not e["secret"]],
        "secret_files": [dict((k, v) for k, v in e.items() if k != "secret") for e in entries if e["secret"]],
    }


class FilterModule:
    """Control-plane hardening filter."""

    def filters(self):
        return {"apiserver_hardening": apiserver_hardening}
