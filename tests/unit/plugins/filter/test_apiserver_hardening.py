# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the apiserver_hardening filter."""

from __future__ import annotations

import base64

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter.apiserver_hardening import apiserver_hardening

POLICY = {"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "rules": [{"level": "Metadata"}]}
KEY = "k" * 31 + "Z"


def render(**settings):
    base = {"kubernetes_version": "1.35.6", "audit_policy": POLICY, "encryption_key": KEY}
    base.update(settings)
    return apiserver_hardening(base)


def files_by_name(result):
    return {f["path"].rsplit("/", 1)[1]: yaml.safe_load(f["content"]) for f in result["files"] + result["secret_files"]}


@pytest.mark.parametrize("version, mode, api", [
    ("1.31.9", "enabled", None),
    ("1.32.0", "health_only", "apiserver.config.k8s.io/v1beta1"),
    ("1.33.4", "health_only", "apiserver.config.k8s.io/v1beta1"),
    ("1.34.0", "health_only", "apiserver.config.k8s.io/v1"),
    ("1.36.1", "health_only", "apiserver.config.k8s.io/v1"),
])
def test_auto_anonymous_follows_the_version(version, mode, api):
    result = render(kubernetes_version=version)
    assert result["anonymous_auth"] == mode
    files = files_by_name(result)
    if api is None:
        assert "authentication-config.yaml" not in files and "authentication-config" not in result["apiserver_args"]
    else:
        doc = files["authentication-config.yaml"]
        assert doc["apiVersion"] == api and doc["kind"] == "AuthenticationConfiguration"
        assert doc["anonymous"]["enabled"] is True
        assert [c["path"] for c in doc["anonymous"]["conditions"]] == [
            "/livez", "/readyz", "/healthz", "/api/v1/namespaces/kube-public/configmaps/cluster-info"]
        assert result["apiserver_args"]["authentication-config"] == "/etc/kubernetes/apiserver/authentication-config.yaml"


def test_health_only_is_rendered_as_asked_preflight_judges_the_version():
    result = render(kubernetes_version="1.31.9", anonymous_auth="health_only")
    assert result["anonymous_auth"] == "health_only"
    assert files_by_name(result)["authentication-config.yaml"]["apiVersion"] == "apiserver.config.k8s.io/v1beta1"


@pytest.mark.parametrize("provider", ["secretbox", "aescbc", "aesgcm"])
def test_encryption_configuration(provider):
    result = render(encryption_provider=provider)
    assert [f["path"] for f in result["secret_files"]] == ["/etc/kubernetes/apiserver/encryption-config.yaml"]
    assert result["secret_files"][0]["diff"] is False and result["secret_files"][0]["mode"] == "0600"
    assert all("secret" not in f["content"] for f in result["files"])
    doc = files_by_name(result)["encryption-config.yaml"]
    assert doc["kind"] == "EncryptionConfiguration" and doc["apiVersion"] == "apiserver.config.k8s.io/v1"
    (entry,) = doc["resources"]
    assert entry["resources"] == ["secrets"]
    first, last = entry["providers"]
    assert last == {"identity": {}}
    (key,) = first[provider]["keys"]
    assert key["name"] == "key1" and base64.b64decode(key["secret"]) == KEY.encode()


@pytest.mark.parametrize("key", ["", "short", "x" * 33])
def test_a_key_that_is_not_32_bytes_is_refused(key):
    with pytest.raises(AnsibleFilterError, match="must be 32 bytes"):
        render(encryption_key=key)


def test_pod_security_defaults_and_exemptions():
    doc = files_by_name(render(pod_security_enforce="restricted", pod_security_exempt_namespaces=["kube-system", "x"]))
    (plugin,) = doc["admission-config.yaml"]["plugins"]
    assert plugin["name"] == "PodSecurity"
    conf = plugin["configuration"]
    assert conf["apiVersion"] == "pod-security.admission.config.k8s.io/v1" and conf["kind"] == "PodSecurityConfiguration"
    assert conf["defaults"] == {"enforce": "restricted", "enforce-version": "latest", "audit": "restricted",
                                "audit-version": "latest", "warn": "restricted", "warn-version": "latest"}
    assert conf["exemptions"]["namespaces"] == ["kube-system", "x"]


@pytest.mark.parametrize("settings, message", [
    ({"pod_security_warn": "strict"}, "pod_security_warn 'strict' is not one of"),
    ({"encryption_provider": "kms"}, "encryption_provider 'kms' is not one of"),
    ({"anonymous_auth": "off"}, "anonymous_auth 'off' is not one of"),
    ({"audit_policy": {"kind": "ConfigMap"}}, "audit_policy must be an audit.k8s.io Policy"),
    ({"audit_log_path": "audit.log"}, "is not an absolute file path"),
    ({"audit_log_path": "/var/log/audit/"}, "is not an absolute file path"),
    ({"kubernetes_version": "latest"}, "is not X.Y.Z"),
    ({"unknown": 1}, "unknown setting"),
])
def test_bad_settings_fail(settings, message):
    with pytest.raises(AnsibleFilterError, match=message):
        render(**settings)


def test_audit_flags_and_mounts():
    result = render(audit_log_path="/var/log/kube/audit.json", audit_log_maxage=7, audit_log_maxbackup=3, audit_log_maxsize=50)
    args = result["apiserver_args"]
    assert args["audit-policy-file"] == "/etc/kubernetes/apiserver/audit-policy.yaml"
    assert (args["audit-log-path"], args["audit-log-maxage"], args["audit-log-maxbackup"], args["audit-log-maxsize"]) == (
        "/var/log/kube/audit.json", "7", "3", "50")
    assert result["apiserver_volumes"] == [
        {"name": "seed-apiserver-config", "hostPath": "/etc/kubernetes/apiserver", "mountPath": "/etc/kubernetes/apiserver",
         "readOnly": True, "pathType": "DirectoryOrCreate"},
        {"name": "seed-audit-log", "hostPath": "/var/log/kube", "mountPath": "/var/log/kube", "readOnly": False,
         "pathType": "DirectoryOrCreate"}]
    assert files_by_name(result)["audit-policy.yaml"] == POLICY
    assert [d["path"] for d in result["directories"]] == ["/etc/kubernetes/apiserver", "/var/log/kube"]


def test_everything_off():
    result = render(profiling=True, anonymous_auth="enabled", audit_log=False, encryption=False, pod_security=False)
    assert result["apiserver_args"] == {} and result["controller_manager_args"] == {} and result["scheduler_args"] == {}
    assert result["apiserver_volumes"] == [] and result["files"] == [] and result["secret_files"] == []
    assert result["directories"] == [] and result["config_dir"] == ""


def test_profiling_off_everywhere_by_default():
    result = render()
    assert result["apiserver_args"]["profiling"] == "false"
    assert result["controller_manager_args"] == {"profiling": "false"} and result["scheduler_args"] == {"profiling": "false"}


def test_not_a_dict():
    with pytest.raises(AnsibleFilterError, match="expects a dict"):
        apiserver_hardening("x")


def test_a_running_cluster_keeps_its_encryption_configuration():
    live = "# edited by hand during a rotation\napiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
    result = render(encryption_live=live)
    assert [f["content"] for f in result["secret_files"]] == [live]
    assert result["apiserver_args"]["encryption-provider-config"] == "/etc/kubernetes/apiserver/encryption-config.yaml"
    assert "secret" not in " ".join(f["content"] for f in result["files"])
