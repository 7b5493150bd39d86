"""kubeadm double: the certs and kubeconfig phases under SEED_DOUBLES_ROOT (real X.509)."""

import base64
import datetime
import os

import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from seed_doubles import pki

CONFIG = """apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 192.168.56.10
nodeRegistration:
  name: cp1
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
controlPlaneEndpoint: k8s.example.test:6443
encryptionAlgorithm: ECDSA-P256
apiServer:
  certSANs: [10.0.0.99, extra.example.test]
networking:
  serviceSubnet: 10.112.0.0/12
"""


@pytest.fixture(scope="module")
def tree(kubeadm, tmp_path_factory):
    base = tmp_path_factory.mktemp("kubeadm-pki")
    root = base / "root"
    root.mkdir()
    cfg = base / "init.yaml"
    cfg.write_text(CONFIG)
    certs = kubeadm.run("v1.32.2", "init", "phase", "certs", "all", "--config", cfg, root=root)
    assert certs.returncode == 0, certs.stderr
    kcfg = kubeadm.run("v1.32.2", "init", "phase", "kubeconfig", "all", "--config", cfg, root=root)
    assert kcfg.returncode == 0, kcfg.stderr
    again = kubeadm.run("v1.32.2", "init", "phase", "certs", "all", "--config", cfg, root=root)
    return {"root": root, "pki": root / "etc/kubernetes/pki", "out": certs.stdout, "again": again.stdout,
            "cfg": cfg}


def cert(tree, name):
    return pki.load_cert((tree["pki"] / (name + ".crt")).read_bytes())


def ekus(c):
    return set(c.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)


def test_messages(tree):
    assert tree["out"].startswith('[certs] Using certificateDir folder "/etc/kubernetes/pki"\n'
                                  '[certs] Generating "ca" certificate and key\n')
    assert ("[certs] apiserver serving cert is signed for DNS names [cp1 extra.example.test k8s.example.test "
            "kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local] and IPs "
            "[10.112.0.1 192.168.56.10 10.0.0.99]") in tree["out"]
    assert "[certs] Using existing ca certificate authority" in tree["again"]
    assert "[certs] Using existing apiserver certificate and key on disk" in tree["again"]


def test_cas(tree):
    for name, cn in (("ca", "kubernetes"), ("front-proxy-ca", "front-proxy-ca"), ("etcd/ca", "etcd-ca")):
        c = cert(tree, name)
        assert pki.common_name(c) == cn
        assert c.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert c.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
        life = pki.not_after(c) - pki.not_before(c)
        assert datetime.timedelta(days=3649) < life <= datetime.timedelta(days=3650)


def test_apiserver_serving_cert(tree):
    c = cert(tree, "apiserver")
    assert pki.common_name(c) == "kube-apiserver"
    assert pki.signed_by(c, cert(tree, "ca"))
    assert ekus(c) == {ExtendedKeyUsageOID.SERVER_AUTH}
    dns, ips = pki.sans(c)
    assert {"cp1", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local", "k8s.example.test", "extra.example.test"} == set(dns)
    assert ips == ["10.112.0.1", "192.168.56.10", "10.0.0.99"]
    life = pki.not_after(c) - pki.not_before(c)
    assert life <= datetime.timedelta(days=365)
    assert pki.key_algorithm(pki.load_key((tree["pki"] / "apiserver.key").read_bytes())) == "ECDSA-P256"
    assert oct(os.stat(tree["pki"] / "apiserver.key").st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("name,issuer,cn,orgs,usages", [
    ("apiserver-kubelet-client", "ca", "kube-apiserver-kubelet-client", ["kubeadm:cluster-admins"], {"client"}),
    ("front-proxy-client", "front-proxy-ca", "front-proxy-client", [], {"client"}),
    ("etcd/server", "etcd/ca", "cp1", [], {"server", "client"}),
    ("etcd/peer", "etcd/ca", "cp1", [], {"server", "client"}),
    ("etcd/healthcheck-client", "etcd/ca", "kube-etcd-healthcheck-client", [], {"client"}),
    ("apiserver-etcd-client", "etcd/ca", "kube-apiserver-etcd-client", [], {"client"}),
])
def test_leaf_certs(tree, name, issuer, cn, orgs, usages):
    c = cert(tree, name)
    assert pki.signed_by(c, cert(tree, issuer))
    assert pki.common_name(c) == cn
    assert pki.organizations(c) == orgs
    wanted = {"server": ExtendedKeyUsageOID.SERVER_AUTH, "client": ExtendedKeyUsageOID.CLIENT_AUTH}
    assert ekus(c) == {wanted[u] for u in usages}
    if name.startswith("etcd/s") or name.startswith("etcd/p"):
        assert pki.sans(c) == (["cp1", "localhost"], ["192.168.56.10", "127.0.0.1", "::1"])


def test_service_account_keys(tree):
    key = pki.load_key((tree["pki"] / "sa.key").read_bytes())
    assert (tree["pki"] / "sa.pub").read_bytes() == pki.public_pem(key)


@pytest.mark.parametrize("fname,cn,orgs,server", [
    ("admin.conf", "kubernetes-admin", ["kubeadm:cluster-admins"], "https://k8s.example.test:6443"),
    ("super-admin.conf", "kubernetes-super-admin", ["system:masters"], "https://k8s.example.test:6443"),
    ("kubelet.conf", "system:node:cp1", ["system:nodes"], "https://k8s.example.test:6443"),
    ("controller-manager.conf", "system:kube-controller-manager", [], "https://192.168.56.10:6443"),
    ("scheduler.conf", "system:kube-scheduler", [], "https://192.168.56.10:6443"),
])
def test_kubeconfigs(tree, fname, cn, orgs, server):
    path = tree["root"] / "etc/kubernetes" / fname
    doc = yaml.safe_load(path.read_text())
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert doc["clusters"][0]["cluster"]["server"] == server
    assert doc["clusters"][0]["name"] == "kubernetes"
    user = doc["users"][0]["user"]
    c = pki.load_cert(base64.b64decode(user["client-certificate-data"]))
    assert pki.common_name(c) == cn and pki.organizations(c) == orgs
    assert pki.signed_by(c, cert(tree, "ca"))
    assert doc["current-context"] == "%s@kubernetes" % doc["users"][0]["name"]


def test_control_plane_manifests(kubeadm, tree):
    res = kubeadm.run("v1.32.2", "init", "phase", "control-plane", "all", "--config", tree["cfg"], root=tree["root"])
    assert res.returncode == 0, res.stderr
    pod = yaml.safe_load((tree["root"] / "etc/kubernetes/manifests/kube-apiserver.yaml").read_text())
    cmd = pod["spec"]["containers"][0]["command"]
    assert cmd[0] == "kube-apiserver" and "--service-cluster-ip-range=10.112.0.0/12" in cmd
    assert cmd[1:] == sorted(cmd[1:])
    assert pod["spec"]["containers"][0]["image"] == "registry.k8s.io/kube-apiserver:v1.32.2"
    assert pod["metadata"]["annotations"] == {
        "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": "192.168.56.10:6443"}
    res = kubeadm.run("v1.32.2", "init", "phase", "etcd", "local", "--config", tree["cfg"], root=tree["root"])
    etcd = yaml.safe_load((tree["root"] / "etc/kubernetes/manifests/etcd.yaml").read_text())
    ecmd = etcd["spec"]["containers"][0]["command"]
    assert "--initial-cluster=cp1=https://192.168.56.10:2380" in ecmd
    assert etcd["spec"]["containers"][0]["image"] == "registry.k8s.io/etcd:3.5.16-0"


def test_check_expiration_json_is_upstreams_v1alpha3(kubeadm, tree):
    """output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo (cmd/kubeadm/app/apis/output/v1alpha3/types.go):
    residualTime in seconds, caName (omitempty), externallyManaged and missing always there."""
    import json
    run = kubeadm.run("v1.32.2", "certs", "check-expiration", "-o", "json", "--config", tree["cfg"], root=tree["root"])
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout[run.stdout.index("{"):])
    assert (doc["kind"], doc["apiVersion"]) == ("CertificateExpirationInfo", "output.kubeadm.k8s.io/v1alpha3")
    apiserver = next(c for c in doc["certificates"] if c["name"] == "apiserver")
    assert set(apiserver) == {"name", "expirationDate", "residualTime", "caName", "externallyManaged", "missing"}
    assert 364 * 86400 < apiserver["residualTime"] <= 365 * 86400
    assert (apiserver["caName"], apiserver["externallyManaged"], apiserver["missing"]) == ("ca", False, False)
    ca = next(c for c in doc["certificateAuthorities"] if c["name"] == "ca")
    assert "caName" not in ca and ca["missing"] is False and 3649 * 86400 < ca["residualTime"] <= 3650 * 86400


def test_check_expiration_json_marks_leaves_of_an_external_ca(kubeadm, tree, tmp_path):
    """renewal/manager.go: a leaf is externally managed when its CA's key is absent; stdout is only
    the document (the structured printer drops the configuration lines)."""
    import json
    import shutil
    root = tmp_path / "root"
    shutil.copytree(tree["root"], root)
    (root / "etc/kubernetes/pki/front-proxy-ca.key").unlink()
    run = kubeadm.run("v1.32.2", "certs", "check-expiration", "-o", "json", "--config", tree["cfg"], root=root)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    external = {c["name"] for c in doc["certificates"] if c["externallyManaged"]}
    assert external == {"front-proxy-client"}
    assert [c["name"] for c in doc["certificateAuthorities"] if c["externallyManaged"]] == ["front-proxy-ca"]
