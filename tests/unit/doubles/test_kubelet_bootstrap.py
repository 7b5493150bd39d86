"""kubelet double: TLS bootstrap (CSR contents, waiting, files written) with the API mocked."""

import base64
import datetime
import os
import stat

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ._kubelet_helpers import load

kubelet = load("kubelet_double_bootstrap", "kubelet.py", "v1.33.7")


def _ca():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


class FakeApi:
    """Records the CSR, signs it on the second GET (like an approver + signer would)."""

    def __init__(self, deny=False):
        self.ca_key, self.ca_cert = _ca()
        self.created = None
        self.gets = 0
        self.deny = deny

    def create(self, path, obj):
        assert path == "/apis/certificates.k8s.io/v1/certificatesigningrequests"
        self.created = obj
        return obj

    def get(self, path):
        self.gets += 1
        obj = dict(self.created)
        if self.gets < 2:
            return obj
        if self.deny:
            obj["status"] = {"conditions": [{"type": "Denied", "reason": "Nope", "message": "denied by test"}]}
            return obj
        csr = x509.load_pem_x509_csr(base64.b64decode(self.created["spec"]["request"]))
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(self.ca_cert.subject)
                .public_key(csr.public_key()).serial_number(2).not_valid_before(now)
                .not_valid_after(now + datetime.timedelta(days=365))
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .sign(self.ca_key, hashes.SHA256()))
        from cryptography.hazmat.primitives import serialization
        obj["status"] = {"certificate": base64.b64encode(cert.public_bytes(serialization.Encoding.PEM)).decode(),
                         "conditions": [{"type": "Approved", "status": "True"}]}
        return obj


def _bootstrap_kubeconfig(path, ca_cert):
    from cryptography.hazmat.primitives import serialization
    cfg = {"apiVersion": "v1", "kind": "Config",
           "clusters": [{"name": "kubernetes", "cluster": {
               "server": "https://10.0.0.5:6443",
               "certificate-authority-data": base64.b64encode(ca_cert.public_bytes(serialization.Encoding.PEM)).decode()}}],
           "contexts": [{"name": "tls-bootstrap-token-user@kubernetes",
                         "context": {"cluster": "kubernetes", "user": "tls-bootstrap-token-user"}}],
           "current-context": "tls-bootstrap-token-user@kubernetes",
           "users": [{"name": "tls-bootstrap-token-user", "user": {"token": "abcdef.0123456789abcdef"}}]}
    path.write_text(yaml.safe_dump(cfg))


def test_csr_object_contents():
    key = kubelet.generate_key()
    obj = kubelet.csr_object(key, "worker-1")
    assert obj["apiVersion"] == "certificates.k8s.io/v1"
    assert obj["kind"] == "CertificateSigningRequest"
    assert obj["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client-kubelet"
    assert obj["spec"]["usages"] == ["digital signature", "client auth"]
    assert obj["metadata"]["name"].startswith("node-csr-")
    csr = x509.load_pem_x509_csr(base64.b64decode(obj["spec"]["request"]))
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:node:worker-1"
    assert [a.value for a in csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)] == ["system:nodes"]
    assert isinstance(csr.public_key(), ec.EllipticCurvePublicKey)
    assert csr.public_key().curve.name == "secp256r1"
    assert len(csr.extensions) == 0
    # the name is a digest of key + subject + usages: stable for the same key, different for another
    assert kubelet.csr_object(key, "worker-1")["metadata"]["name"] == obj["metadata"]["name"]
    assert kubelet.csr_object(kubelet.generate_key(), "worker-1")["metadata"]["name"] != obj["metadata"]["name"]
    assert kubelet.csr_object(key, "worker-2")["metadata"]["name"] != obj["metadata"]["name"]


def test_bootstrap_writes_pki_and_kubeconfig(tmp_path):
    api = FakeApi()
    boot = tmp_path / "bootstrap-kubelet.conf"
    _bootstrap_kubeconfig(boot, api.ca_cert)
    kubeconfig = tmp_path / "kubelet.conf"
    pki = tmp_path / "pki"
    assert kubelet.bootstrap_client_cert(str(kubeconfig), str(boot), str(pki), "worker-1", client=api,
                                         poll=0, sleep=lambda s: None) is True
    csr = x509.load_pem_x509_csr(base64.b64decode(api.created["spec"]["request"]))
    assert csr.subject.rfc4514_string() == "CN=system:node:worker-1,O=system:nodes"
    current = pki / "kubelet-client-current.pem"
    assert current.is_symlink()
    target = os.path.realpath(current)
    assert os.path.basename(target).startswith("kubelet-client-20")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    data = current.read_bytes()
    cert = x509.load_pem_x509_certificate(data)
    assert cert.subject.rfc4514_string() == "CN=system:node:worker-1,O=system:nodes"
    assert b"PRIVATE KEY" in data
    assert not (pki / "kubelet-client.key.tmp").exists()
    assert stat.S_IMODE(os.stat(kubeconfig).st_mode) == 0o600
    cfg = yaml.safe_load(kubeconfig.read_text())
    assert cfg["current-context"] == "default-context"
    assert cfg["clusters"][0]["cluster"]["server"] == "https://10.0.0.5:6443"
    assert cfg["clusters"][0]["cluster"]["certificate-authority-data"]
    assert cfg["users"][0]["user"] == {"client-certificate": str(current), "client-key": str(current)}
    # a valid kubeconfig now exists: no second bootstrap
    assert kubelet.kubeconfig_valid(str(kubeconfig))
    assert kubelet.bootstrap_client_cert(str(kubeconfig), str(boot), str(pki), "worker-1", client=FakeApi()) is False


def test_bootstrap_denied(tmp_path):
    api = FakeApi(deny=True)
    boot = tmp_path / "bootstrap-kubelet.conf"
    _bootstrap_kubeconfig(boot, api.ca_cert)
    with pytest.raises(RuntimeError, match="certificate signing request is denied, reason: Nope"):
        kubelet.bootstrap_client_cert(str(tmp_path / "kubelet.conf"), str(boot), str(tmp_path / "pki"),
                                      "worker-1", client=api, poll=0, sleep=lambda s: None)
    assert not (tmp_path / "kubelet.conf").exists()


def test_no_bootstrap_without_bootstrap_kubeconfig(tmp_path):
    assert kubelet.bootstrap_client_cert(str(tmp_path / "kubelet.conf"), str(tmp_path / "missing.conf"),
                                         str(tmp_path / "pki"), "n", client=FakeApi()) is False


def test_with_rotation_the_kubeconfig_points_at_the_store_before_the_certificate_exists(tmp_path):
    # bootstrap.LoadClientConfig (rotateCertificates, kubeadm's default): written at once, not yet loadable
    api = FakeApi()
    boot = tmp_path / "bootstrap-kubelet.conf"
    _bootstrap_kubeconfig(boot, api.ca_cert)
    kubeconfig, pki = tmp_path / "kubelet.conf", tmp_path / "pki"
    assert kubelet.point_kubeconfig_at_store(str(kubeconfig), str(boot), str(pki)) is True
    cfg = yaml.safe_load(kubeconfig.read_text())
    current = str(pki / "kubelet-client-current.pem")
    assert cfg["users"][0]["user"] == {"client-certificate": current, "client-key": current}
    assert cfg["clusters"][0]["cluster"]["server"] == "https://10.0.0.5:6443"
    assert stat.S_IMODE(os.stat(kubeconfig).st_mode) == 0o600
    assert not kubelet.kubeconfig_valid(str(kubeconfig))
    # the background request then fills the store the kubeconfig names
    assert kubelet.bootstrap_client_cert(str(kubeconfig), str(boot), str(pki), "worker-1", client=api,
                                         poll=0, sleep=lambda s: None) is True
    assert kubelet.kubeconfig_valid(str(kubeconfig))
    # a valid kubeconfig, or no bootstrap kubeconfig: nothing to do
    assert kubelet.point_kubeconfig_at_store(str(kubeconfig), str(boot), str(pki)) is False
    assert kubelet.point_kubeconfig_at_store(str(tmp_path / "other.conf"), str(tmp_path / "missing.conf"),
                                             str(pki)) is False
    assert not (tmp_path / "other.conf").exists()


def test_background_bootstrap_retries_with_back_off_until_issued(monkeypatch):
    import threading
    outcomes = [RuntimeError("connection refused"), kubelet.kube.ApiError(500, "etcd"), RuntimeError("x"), True]
    calls, sleeps = [], []

    def fake(*args, **kwargs):
        calls.append(kwargs.get("timeout"))
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(kubelet, "bootstrap_client_cert", fake)
    assert kubelet.bootstrap_in_background("k", "b", "d", "n", threading.Event(), sleep=sleeps.append) is True
    assert sleeps == [2.0, 4.0, 8.0] and calls == [900.0] * 4
    # a stopped kubelet stops asking
    stop = threading.Event()
    stop.set()
    assert kubelet.bootstrap_in_background("k", "b", "d", "n", stop, sleep=sleeps.append) is False
