"""controller-manager stand-in: csrsigning refuses approved requests its signer does not accept
(pkg/controller/certificates/signer/signer.go with pkg/apis/certificates/helpers.go): a Failed
condition, reason SignerValidationFailure and upstream's message, instead of a certificate."""

import base64
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .test_controller_manager_loops import CSRS, manager

SERVING = "kubernetes.io/kubelet-serving"
KUBELET_CLIENT = "kubernetes.io/kube-apiserver-client-kubelet"
APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client"
SERVING_USAGES = ("digital signature", "server auth")
CLIENT_USAGES = ("digital signature", "client auth")


def request_pem(cn="system:node:worker-1", orgs=("system:nodes",), dns=(), ips=(), emails=(), uris=()):
    key = ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attrs))
    names = ([x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
             + [x509.RFC822Name(e) for e in emails] + [x509.UniformResourceIdentifier(u) for u in uris])
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def approved_csr(api, name, pem, signer, usages):
    """Created and approved by an administrator (as `kubectl certificate approve`), then one
    controller-manager pass; the CSR as stored afterwards."""
    admin = api.admin()
    created = admin.create(CSRS, {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
                                  "metadata": {"name": name},
                                  "spec": {"request": base64.b64encode(pem).decode(), "signerName": signer,
                                           "usages": list(usages)}})
    created.setdefault("status", {})["conditions"] = [{"type": "Approved", "status": "True", "reason": "Manual",
                                                       "message": "approved by the test"}]
    admin.replace(CSRS + "/%s/approval" % name, created)
    manager(api).sync_once()
    return admin.get(CSRS + "/" + name)


def assert_failed(csr, message):
    status = csr["status"]
    assert "certificate" not in status
    failed = [c for c in status["conditions"] if c["type"] == "Failed"]
    assert len(failed) == 1
    assert failed[0]["status"] == "True" and failed[0]["reason"] == "SignerValidationFailure"
    assert failed[0]["message"] == message


def issued(csr):
    return x509.load_pem_x509_certificate(base64.b64decode(csr["status"]["certificate"]))


# ------------------------------------------------------------------ kubelet-serving (ValidateKubeletServingCSR)

@pytest.mark.parametrize("usages", [SERVING_USAGES, ("key encipherment", "server auth", "digital signature")])
def test_valid_kubelet_serving_request_is_signed(api, usages):
    csr = approved_csr(api, "serving", request_pem(dns=("worker-1",), ips=("10.0.0.5",)), SERVING, usages)
    assert not [c for c in csr["status"]["conditions"] if c["type"] == "Failed"]
    cert = issued(csr)
    assert cert.subject.rfc4514_string() == "CN=system:node:worker-1,O=system:nodes"
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH]
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["worker-1"]


def test_ip_only_kubelet_serving_request_is_signed(api):
    assert issued(approved_csr(api, "ip-only", request_pem(ips=("10.0.0.5",)), SERVING, SERVING_USAGES))


@pytest.mark.parametrize("request_args,usages,message", [
    ({"orgs": ("system:nodes", "extra"), "dns": ("worker-1",)}, SERVING_USAGES,
     "subject organization is not system:nodes"),
    ({"orgs": (), "dns": ("worker-1",)}, SERVING_USAGES, "subject organization is not system:nodes"),
    ({}, SERVING_USAGES, "DNS or IP subjectAltName is required"),
    ({"dns": ("worker-1",), "emails": ("admin@example.com",)}, SERVING_USAGES,
     "Email subjectAltNames are not allowed"),
    ({"ips": ("10.0.0.5",), "uris": ("spiffe://cluster/node",)}, SERVING_USAGES,
     "URI subjectAltNames are not allowed"),
    ({"dns": ("worker-1",)}, ("digital signature", "server auth", "client auth"),
     "usages did not match [digital signature key encipherment server auth]"),
    ({"dns": ("worker-1",)}, ("server auth",), "usages did not match [digital signature key encipherment server auth]"),
    ({"cn": "worker-1", "dns": ("worker-1",)}, SERVING_USAGES,
     "subject common name does not begin with system:node:"),
])
def test_invalid_kubelet_serving_request_fails(api, request_args, usages, message):
    assert_failed(approved_csr(api, "bad-serving", request_pem(**request_args), SERVING, usages), message)


# ------------------------------------------------------------------ kube-apiserver-client-kubelet (ValidateKubeletClientCSR)

@pytest.mark.parametrize("request_args,usages,message", [
    ({"orgs": ("nodes",)}, CLIENT_USAGES, "subject organization is not system:nodes"),
    ({"dns": ("worker-1",)}, CLIENT_USAGES, "DNS subjectAltNames are not allowed"),
    ({"emails": ("admin@example.com",)}, CLIENT_USAGES, "Email subjectAltNames are not allowed"),
    ({"ips": ("10.0.0.5",)}, CLIENT_USAGES, "IP subjectAltNames are not allowed"),
    ({"uris": ("spiffe://cluster/node",)}, CLIENT_USAGES, "URI subjectAltNames are not allowed"),
    ({"cn": "worker-1"}, CLIENT_USAGES, "subject common name does not begin with system:node:"),
    ({}, ("client auth",), "usages did not match [client auth digital signature key encipherment]"),
    ({}, ("digital signature", "key encipherment", "client auth", "server auth"),
     "usages did not match [client auth digital signature key encipherment]"),
])
def test_invalid_kubelet_client_request_fails(api, request_args, usages, message):
    assert_failed(approved_csr(api, "bad-client", request_pem(**request_args), KUBELET_CLIENT, usages), message)


@pytest.mark.parametrize("usages", [CLIENT_USAGES, ("digital signature", "key encipherment", "client auth")])
def test_valid_kubelet_client_request_is_signed(api, usages):
    cert = issued(approved_csr(api, "client", request_pem(), KUBELET_CLIENT, usages))
    assert cert.subject.rfc4514_string() == "CN=system:node:worker-1,O=system:nodes"


def test_approver_skips_requests_the_kubelet_client_signer_refuses(api):
    # sarapprove.go isNodeClientCert uses the same check: a node's own request with usages the
    # signer refuses is not auto-approved (it stays pending), a valid one is
    from .test_apiserver_auth import kubeadm_bootstrap_rbac
    admin = api.admin()
    kubeadm_bootstrap_rbac(admin)
    node = api.client("system:node:worker-1", ["system:nodes"])
    for name, usages in (("only-client-auth", ("client auth",)), ("valid", CLIENT_USAGES)):
        node.create(CSRS, {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
                           "metadata": {"name": name},
                           "spec": {"request": base64.b64encode(request_pem()).decode(), "signerName": KUBELET_CLIENT,
                                    "usages": list(usages)}})
    manager(api).sync_once()
    assert not (admin.get(CSRS + "/only-client-auth").get("status") or {}).get("conditions")
    valid = admin.get(CSRS + "/valid")
    assert [c["type"] for c in valid["status"]["conditions"]] == ["Approved"] and issued(valid)


# ------------------------------------------------------------------ kube-apiserver-client (validAPIServerClientUsages)

@pytest.mark.parametrize("usages,message", [
    (("digital signature", "client auth", "server auth"), "invalid usage for client certificate: server auth"),
    (("digital signature", "key encipherment"), "missing required usage for client certificate: client auth"),
])
def test_invalid_apiserver_client_request_fails(api, usages, message):
    pem = request_pem(cn="jane", orgs=("developers",))
    assert_failed(approved_csr(api, "bad-user", pem, APISERVER_CLIENT, usages), message)


def test_valid_apiserver_client_request_is_signed(api):
    cert = issued(approved_csr(api, "user", request_pem(cn="jane", orgs=("developers",), dns=("jane.example",)),
                               APISERVER_CLIENT, ("client auth",)))
    assert cert.subject.rfc4514_string() == "CN=jane,O=developers"
