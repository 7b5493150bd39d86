"""kubelet double: the client TLS bootstrap takes status.certificate only once the CSR has the
Approved condition (client-go util/certificate/csr/csr.go WaitForCertificate), as the serving
certificate's wait does; Denied / Failed end the wait with upstream's messages."""

import time

import pytest
from cryptography import x509

from ._kubelet_helpers import load
from .test_kubelet_bootstrap import FakeApi, _bootstrap_kubeconfig

kubelet = load("kubelet_double_bootstrap_approval", "kubelet.py", "v1.34.2")


class StagedApi(FakeApi):
    """GET 1: pending; GET 2 onwards: a certificate without an Approved condition (as a signer that
    did not wait for approval would write it); from GET ``approve_at`` on: the Approved condition too
    (or ``final`` conditions instead)."""

    def __init__(self, approve_at=None, final=None):
        super().__init__()
        self.approve_at, self.final = approve_at, final
        self.uid = "6f1c9a52-0000-4000-8000-000000000001"

    def create(self, path, obj):
        created = super().create(path, obj)
        return dict(created, metadata=dict(created["metadata"], uid=self.uid))

    def get(self, path):
        obj = super().get(path)  # counts, and signs from the second GET on
        obj["metadata"] = dict(obj["metadata"], uid=self.uid)
        status = obj.get("status") or {}
        if self.approve_at is None or self.gets < self.approve_at:
            status["conditions"] = list(self.final or [])
        return obj


def bootstrap(tmp_path, api, timeout=5.0):
    boot = tmp_path / "bootstrap-kubelet.conf"
    _bootstrap_kubeconfig(boot, api.ca_cert)
    return kubelet.bootstrap_client_cert(str(tmp_path / "kubelet.conf"), str(boot), str(tmp_path / "pki"),
                                         "worker-1", client=api, poll=0, timeout=timeout,
                                         sleep=lambda _s: time.sleep(0.001))


def test_certificate_is_taken_once_approved(tmp_path):
    api = StagedApi(approve_at=5)
    assert bootstrap(tmp_path, api) is True
    # GETs 2-4 carried a certificate without the Approved condition: the wait went on until GET 5
    assert api.gets == 5
    current = tmp_path / "pki" / "kubelet-client-current.pem"
    cert = x509.load_pem_x509_certificate(current.read_bytes())
    assert cert.subject.rfc4514_string() == "CN=system:node:worker-1,O=system:nodes"
    assert (tmp_path / "kubelet.conf").exists()


def test_unapproved_certificate_is_never_taken(tmp_path):
    api = StagedApi(approve_at=None)
    with pytest.raises(RuntimeError) as err:
        bootstrap(tmp_path, api, timeout=0.2)
    assert str(err.value) == "timed out waiting for the condition"
    assert api.gets > 2  # it did see the certificate, and kept waiting
    assert not (tmp_path / "kubelet.conf").exists()
    assert not (tmp_path / "pki" / "kubelet-client-current.pem").exists()
    # the key stays for the next attempt (same key, same CSR name)
    assert (tmp_path / "pki" / "kubelet-client.key.tmp").exists()


def test_failed_request_ends_the_wait_with_upstreams_message(tmp_path):
    failed = {"type": "Failed", "status": "True", "reason": "SignerValidationFailure",
              "message": "subject organization is not system:nodes"}
    with pytest.raises(RuntimeError) as err:
        bootstrap(tmp_path, StagedApi(final=[failed]))
    assert str(err.value) == ("certificate signing request failed, reason: SignerValidationFailure, message: "
                              "subject organization is not system:nodes")
    assert not (tmp_path / "kubelet.conf").exists()


def test_a_recreated_request_ends_the_wait(tmp_path):
    class Recreated(StagedApi):
        def get(self, path):
            obj = super().get(path)
            obj["metadata"]["uid"] = "another-uid"
            return obj
    api = Recreated(approve_at=2)
    with pytest.raises(RuntimeError) as err:
        bootstrap(tmp_path, api)
    assert str(err.value) == 'csr "%s" changed UIDs' % api.created["metadata"]["name"]
