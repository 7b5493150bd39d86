"""API server stand-in: the client certificate's credential ID in the user's extra (and so in a CSR's
spec.extra), and NodeRestriction's admitCSR (a node creates kubelet CSRs for its own name only)."""

import base64
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

import kube_apiserver
from seed_doubles import apiconfig as cfg
from seed_doubles.apistore import MemoryStore
from seed_doubles.kube import ApiError, Client

CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
SERVING = "kubernetes.io/kubelet-serving"
KUBELET_CLIENT = "kubernetes.io/kube-apiserver-client-kubelet"
NODE_RESTRICTION = {"enable-admission-plugins": "NodeRestriction"}


def csr_body(pem, name="csr-1", signer=SERVING, usages=("digital signature", "server auth"), generate=False):
    meta = {"generateName": "csr-"} if generate else {"name": name}
    return {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": meta,
            "spec": {"request": base64.b64encode(pem).decode(), "signerName": signer, "usages": list(usages)}}


def cert_client(api, cn, orgs=()):
    """A client of ``cn``/``orgs`` and the SHA-256 (hex) of its certificate's DER."""
    cert_pem, key_pem = api.pki.issue(cn, orgs)
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    return Client(api.url, api.pki.ca_pem, cert_pem, key_pem), hashlib.sha256(der).hexdigest()


# ------------------------------------------------------------------ credential ID (request/x509/x509.go)

@pytest.mark.parametrize("version,has_id", [("v1.31.4", False), ("v1.32.0", True), ("v1.35.1", True)])
def test_client_certificate_credential_id_per_minor(api_factory, monkeypatch, version, has_id):
    monkeypatch.setenv("SEED_COMPONENT_VERSION", version)
    api = api_factory()
    client, digest = cert_client(api, "kubernetes-super-admin", ["system:masters"])
    review = client.create("/apis/authentication.k8s.io/v1/selfsubjectreviews",
                           {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    info = review["status"]["userInfo"]
    assert info["username"] == "kubernetes-super-admin"
    assert info["groups"] == ["system:masters", "system:authenticated"]
    if has_id:
        assert info["extra"] == {"authentication.kubernetes.io/credential-id": ["X509SHA256=" + digest]}
    else:
        assert "extra" not in info
    # the CSR registry's PrepareForCreate copies the requester's extra into spec.extra
    pem, _ = api.pki.csr("someone", ["team"])
    created = client.create(CSRS, csr_body(pem, signer="kubernetes.io/kube-apiserver-client",
                                           usages=("client auth",)))
    if has_id:
        assert created["spec"]["extra"] == {"authentication.kubernetes.io/credential-id": ["X509SHA256=" + digest]}
    else:
        assert "extra" not in created["spec"]


def test_credential_id_is_per_certificate_and_absent_for_tokens(api):
    one, digest_one = cert_client(api, "system:node:worker-1", ["system:nodes"])
    two, digest_two = cert_client(api, "system:node:worker-1", ["system:nodes"])
    assert digest_one != digest_two
    for client, digest in ((one, digest_one), (two, digest_two)):
        pem, _ = api.pki.csr("system:node:worker-1", ["system:nodes"], sans=("worker-1",))
        created = client.create(CSRS, csr_body(pem, generate=True))
        assert created["spec"]["username"] == "system:node:worker-1"
        assert created["spec"]["extra"] == {"authentication.kubernetes.io/credential-id": ["X509SHA256=" + digest]}
    # a bootstrap token is not a client certificate: no credential ID from the x509 authenticator
    from .test_apiserver_auth import in_hours, kubeadm_bootstrap_rbac, token_secret
    admin = api.admin()
    kubeadm_bootstrap_rbac(admin)
    admin.create("/api/v1/namespaces/kube-system/secrets", token_secret("abcdef", "0123456789abcdef",
                                                                        expiration=in_hours(1)))
    pem, _ = api.pki.csr("system:node:worker-9", ["system:nodes"])
    created = api.client(token="abcdef.0123456789abcdef").create(
        CSRS, csr_body(pem, "node-csr-9", KUBELET_CLIENT, ("digital signature", "client auth")))
    assert created["spec"]["username"] == "system:bootstrap:abcdef" and "extra" not in created["spec"]


# ------------------------------------------------------------------ NodeRestriction admitCSR

def forbidden(err, name, node):
    target = 'certificatesigningrequests.certificates.k8s.io "%s"' % name if name else \
        "certificatesigningrequests.certificates.k8s.io"
    assert err.value.status == 403 and err.value.reason == "Forbidden"
    assert err.value.body["message"] == "%s is forbidden: can only create a node CSR with CN=system:node:%s" % (
        target, node)


@pytest.mark.parametrize("signer,usages", [(SERVING, ("digital signature", "server auth")),
                                           (KUBELET_CLIENT, ("digital signature", "client auth"))])
def test_node_creates_kubelet_csrs_for_itself_only(api_factory, signer, usages):
    api = api_factory(NODE_RESTRICTION)
    node = api.client("system:node:worker-1", ["system:nodes"])
    sans = ("worker-1",) if signer == SERVING else ()
    own, _ = api.pki.csr("system:node:worker-1", ["system:nodes"], sans=sans)
    assert node.create(CSRS, csr_body(own, "own", signer, usages))["spec"]["username"] == "system:node:worker-1"
    other, _ = api.pki.csr("system:node:worker-2", ["system:nodes"], sans=("worker-2",) if sans else ())
    with pytest.raises(ApiError) as err:
        node.create(CSRS, csr_body(other, "other", signer, usages))
    forbidden(err, "other", "worker-1")
    # generateName: mutating admission runs before the name is generated, so the message has none
    with pytest.raises(ApiError) as err:
        node.create(CSRS, csr_body(other, signer=signer, usages=usages, generate=True))
    forbidden(err, "", "worker-1")
    # not "system:node:<name>" at all is refused the same way
    plain, _ = api.pki.csr("worker-1", ["system:nodes"], sans=sans)
    with pytest.raises(ApiError) as err:
        node.create(CSRS, csr_body(plain, "plain", signer, usages))
    forbidden(err, "plain", "worker-1")
    admin = api.admin()
    assert {c["metadata"]["name"] for c in admin.get(CSRS)["items"]} == {"own"}
    # only nodes are restricted: an administrator creates the same request
    assert admin.create(CSRS, csr_body(other, "by-admin", signer, usages))["spec"]["username"] == \
        "kubernetes-super-admin"


def test_node_csr_rule_spares_other_signers_and_parses_the_request(api_factory):
    api = api_factory(NODE_RESTRICTION)
    node = api.client("system:node:worker-1", ["system:nodes"])
    other, _ = api.pki.csr("system:node:worker-2", ["system:nodes"])
    assert node.create(CSRS, csr_body(other, "apiserver-client", "kubernetes.io/kube-apiserver-client",
                                      ("digital signature", "client auth")))
    # admitCSR parses the request first (certificates.ParseCSR), before the object's validation
    with pytest.raises(ApiError) as err:
        node.create(CSRS, csr_body(b"not a request", "garbage"))
    assert err.value.status == 403 and err.value.body["message"] == (
        'certificatesigningrequests.certificates.k8s.io "garbage" is forbidden: unable to parse csr: '
        'PEM block type must be CERTIFICATE REQUEST')


@pytest.mark.parametrize("version,flags,refused", [
    # NodeRestriction is off by default (DefaultOffAdmissionPlugins): no rule without the flag
    ("v1.35.1", {}, False),
    ("v1.35.1", {"enable-admission-plugins": "NamespaceLifecycle,NodeRestriction"}, True),
    ("v1.35.1", {"admission-control": "NodeRestriction"}, True),
    # admitCSR came in 1.31 with the gate AllowInsecureKubeletCertificateSigningRequests (Deprecated, off)
    ("v1.30.9", NODE_RESTRICTION, False),
    ("v1.31.0", NODE_RESTRICTION, True),
    ("v1.31.0", dict(NODE_RESTRICTION, **{"feature-gates": "AllowInsecureKubeletCertificateSigningRequests=true"}),
     False),
    ("v1.36.0", dict(NODE_RESTRICTION, **{"feature-gates": "AllowInsecureKubeletCertificateSigningRequests=false"}),
     True),
])
def test_node_csr_rule_per_flag_minor_and_gate(api_factory, monkeypatch, version, flags, refused):
    monkeypatch.setenv("SEED_COMPONENT_VERSION", version)
    api = api_factory(flags)
    node = api.client("system:node:worker-1", ["system:nodes"])
    other, _ = api.pki.csr("system:node:worker-2", ["system:nodes"], sans=("worker-2",))
    if not refused:
        assert node.create(CSRS, csr_body(other, "other"))["metadata"]["name"] == "other"
        return
    with pytest.raises(ApiError) as err:
        node.create(CSRS, csr_body(other, "other"))
    forbidden(err, "other", "worker-1")


def test_insecure_kubelet_csr_gate_is_unknown_before_1_31(monkeypatch, capsys):
    # the gate does not exist in 1.30: --feature-gates refuses it as upstream's pflag does
    monkeypatch.setenv("SEED_COMPONENT_VERSION", "v1.30.9")
    gates = "AllowInsecureKubeletCertificateSigningRequests=true"
    with pytest.raises(cfg.ConfigError) as err:
        kube_apiserver.ApiServer(MemoryStore(), {"feature-gates": gates})
    assert err.value.message == ('invalid argument "%s" for "--feature-gates" flag: unrecognized feature gate: '
                                 'AllowInsecureKubeletCertificateSigningRequests' % gates)
    rc = kube_apiserver.main(["--feature-gates=" + gates, "--etcd-servers=https://127.0.0.1:2379"])
    assert rc == 1 and "unrecognized feature gate: AllowInsecureKubeletCertificateSigningRequests" in \
        capsys.readouterr().err
    monkeypatch.setenv("SEED_COMPONENT_VERSION", "v1.31.0")
    assert kube_apiserver.ApiServer(MemoryStore(), {"feature-gates": gates}).gates[
        "AllowInsecureKubeletCertificateSigningRequests"] is True
