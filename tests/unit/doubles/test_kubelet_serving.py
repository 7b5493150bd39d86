"""kubelet double: server TLS bootstrap (serverTLSBootstrap: true), the serving certificate manager of
pkg/kubelet/certificate/kubelet.go and client-go util/certificate. Real keys, CSRs and certificates;
the API is a small fake or the in-process API server double with the controller-manager double."""

import base64
import copy
import datetime
import ipaddress
import os
import stat
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ._kubelet_helpers import load
from .test_controller_manager_loops import manager as controller_manager

kubelet = load("kubelet_double_serving", "kubelet.py", "v1.34.3")

CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
ADDRESSES = [{"type": "InternalIP", "address": "10.0.0.5"}, {"type": "Hostname", "address": "worker-1"}]
DER = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _ca():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


CA_KEY, CA_CERT = _ca()


def issue(csr, not_before=None, lifetime=datetime.timedelta(days=365)):
    """A serving certificate for ``csr`` (its subject and SANs) signed by the test CA, as PEM."""
    not_before = not_before or datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    builder = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(CA_CERT.subject)
               .public_key(csr.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_before + lifetime)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
    try:
        builder = builder.add_extension(csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value,
                                        critical=False)
    except x509.ExtensionNotFound:
        pass
    return builder.sign(CA_KEY, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def stored_pair(cert_dir, node="worker-1", dns=("worker-1",), ips=("10.0.0.5",), not_before=None,
                lifetime=datetime.timedelta(days=365)):
    """Write kubelet-server-current.pem as an earlier kubelet run would have; its certificate."""
    key = kubelet.generate_key()
    template = {"commonName": "system:node:" + node, "organizations": ["system:nodes"], "dnsNames": list(dns),
                "ipAddresses": list(ips)}
    csr = x509.load_pem_x509_csr(kubelet.make_serving_csr(key, template))
    pem = issue(csr, not_before, lifetime)
    kubelet.write_cert_store(str(cert_dir), pem, kubelet.key_pem(key), "kubelet-server")
    return x509.load_pem_x509_certificate(pem)


class FakeCsrApi:
    """certificatesigningrequests of one API server: create honours generateName and sets a uid;
    ``outcome`` decides what a GET shows once the CSR was read ``after`` times: approve (Approved +
    certificate), deny, fail, pending, delete (404), uid (another object under the same name)."""

    def __init__(self, outcome="approve", after=1, lifetime=datetime.timedelta(days=365)):
        self.outcome, self.after, self.lifetime = outcome, after, lifetime
        self.created, self.gets = [], {}

    def create(self, path, obj):
        assert path == CSRS
        obj = copy.deepcopy(obj)
        meta = obj["metadata"]
        assert "name" not in meta
        meta["name"] = meta["generateName"] + "x%04d" % len(self.created)
        meta["uid"] = "uid-%d" % len(self.created)
        self.created.append(obj)
        return copy.deepcopy(obj)

    def get(self, path):
        name = path.rsplit("/", 1)[1]
        obj = copy.deepcopy([o for o in self.created if o["metadata"]["name"] == name][0])
        self.gets[name] = self.gets.get(name, 0) + 1
        if self.gets[name] <= self.after or self.outcome == "pending":
            return obj
        if self.outcome == "delete":
            raise kubelet.kube.ApiError(404, {"reason": "NotFound", "message": "not found"}, "GET", path)
        if self.outcome == "uid":
            obj["metadata"]["uid"] = "another"
            return obj
        if self.outcome == "deny":
            obj["status"] = {"conditions": [{"type": "Denied", "status": "True", "reason": "NotMine",
                                             "message": "denied by test"}]}
            return obj
        if self.outcome == "fail":
            obj["status"] = {"conditions": [{"type": "Approved", "status": "True", "reason": "ok"},
                                            {"type": "Failed", "status": "True", "reason": "SignerValidationFailure",
                                             "message": "usages did not match"}]}
            return obj
        csr = x509.load_pem_x509_csr(base64.b64decode(obj["spec"]["request"]))
        obj["status"] = {"conditions": [{"type": "Approved", "status": "True", "reason": "ok"}],
                         "certificate": base64.b64encode(issue(csr, lifetime=self.lifetime)).decode()}
        return obj


class Clock:
    """A fake clock advanced by the manager's sleeps, which it records."""

    def __init__(self, stop_after=None, stop_event=None):
        self.t = time.time()
        self.sleeps = []
        self.stop_after, self.stop_event = stop_after, stop_event

    def now(self):
        return self.t

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.t += seconds
        if self.stop_after is not None and self.stop_after(seconds):
            self.stop_event.set()


def make_manager(tmp_path, api, addresses=ADDRESSES, cfg=None, minor=34, clock=None, **kw):
    stop = threading.Event()
    kw.setdefault("poll", 0)
    if clock is not None:
        clock.stop_event = stop
        kw.update(now=clock.now, sleep=clock.sleep)
    return kubelet.ServingCertManager("worker-1", str(tmp_path / "pki"), cfg or {"serverTLSBootstrap": True}, minor,
                                      (lambda: api) if api is not None else None, lambda: addresses, stop, **kw)


# ---------------------------------------------------------------------------------------------
# the CSR


def test_addresses_to_hostnames_and_ips():
    addresses = [{"type": "InternalIP", "address": "10.0.0.5"}, {"type": "Hostname", "address": "worker-1"},
                 {"type": "ExternalIP", "address": "203.0.113.7"}, {"type": "InternalIP", "address": "10.0.0.5"},
                 {"type": "InternalDNS", "address": "worker-1.internal"},
                 {"type": "ExternalDNS", "address": "worker-1.example.com"},
                 {"type": "Hostname", "address": "192.0.2.9"}, {"type": "InternalIP", "address": "not-an-ip"},
                 {"type": "InternalIP", "address": ""}, {"type": "InternalIP", "address": "2001:db8::1"},
                 {"type": "SomethingElse", "address": "ignored"}]
    dns, ips = kubelet.addresses_to_hostnames_and_ips(addresses)
    assert dns == ["worker-1", "worker-1.example.com", "worker-1.internal"]
    assert ips == ["10.0.0.5", "192.0.2.9", "2001:db8::1", "203.0.113.7"]  # deduplicated, sorted as text


def test_template_needs_an_ip_from_1_31():
    hostname_only = [{"type": "Hostname", "address": "worker-1"}]
    assert kubelet.serving_template("worker-1", hostname_only, 34) is None
    assert kubelet.serving_template("worker-1", [], 34) is None
    # the deprecated gate (default off from 1.31) and 1.30's rule allow a DNS-only request
    assert kubelet.serving_template("worker-1", hostname_only, 34, {"AllowDNSOnlyNodeCSR": True})["dnsNames"] == \
        ["worker-1"]
    assert kubelet.serving_template("worker-1", hostname_only, 30)["ipAddresses"] == []
    assert kubelet.serving_template("worker-1", [], 30) is None
    assert kubelet.serving_template("worker-1", ADDRESSES, 34) == {
        "commonName": "system:node:worker-1", "organizations": ["system:nodes"], "dnsNames": ["worker-1"],
        "ipAddresses": ["10.0.0.5"]}


def test_serving_csr_object_contents():
    key = kubelet.generate_key()
    more = [{"type": "ExternalDNS", "address": "w1.example.com"}, {"type": "ExternalIP", "address": "2001:db8::5"}]
    template = kubelet.serving_template("worker-1", ADDRESSES + more, 34)
    obj = kubelet.serving_csr_object(key, template)
    assert obj["apiVersion"] == "certificates.k8s.io/v1" and obj["kind"] == "CertificateSigningRequest"
    assert obj["metadata"] == {"generateName": "csr-"}
    assert obj["spec"]["signerName"] == "kubernetes.io/kubelet-serving"
    assert obj["spec"]["usages"] == ["digital signature", "server auth"]
    assert "expirationSeconds" not in obj["spec"] and "username" not in obj["spec"]
    csr = x509.load_pem_x509_csr(base64.b64decode(obj["spec"]["request"]))
    assert csr.is_signature_valid
    assert isinstance(csr.signature_hash_algorithm, hashes.SHA256)
    assert csr.subject.rfc4514_string() == "CN=system:node:worker-1,O=system:nodes"
    assert isinstance(csr.public_key(), ec.EllipticCurvePublicKey) and csr.public_key().curve.name == "secp256r1"
    assert csr.public_key().public_bytes(*DER) == key.public_key().public_bytes(*DER)
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.critical is False
    assert [str(n.value) for n in san.value] == ["w1.example.com", "worker-1", "10.0.0.5", "2001:db8::5"]
    assert san.value.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.5"),
                                                             ipaddress.ip_address("2001:db8::5")]
    # key encipherment only for an RSA key, in upstream's order
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert kubelet.csr_usages(rsa_key, "server auth") == ["digital signature", "key encipherment", "server auth"]


# ---------------------------------------------------------------------------------------------
# when there is no CSR


def test_disabled_without_server_tls_bootstrap(tmp_path):
    assert not kubelet.server_tls_bootstrap_enabled({})
    assert not kubelet.server_tls_bootstrap_enabled({"serverTLSBootstrap": False})
    assert not kubelet.server_tls_bootstrap_enabled({"serverTLSBootstrap": True,
                                                     "featureGates": {"RotateKubeletServerCertificate": False}})
    assert kubelet.server_tls_bootstrap_enabled({"serverTLSBootstrap": True,
                                                 "featureGates": {"RotateKubeletServerCertificate": True}})
    # upstream's validation refuses serverTLSBootstrap without the gate (the kubelet exits 1)
    assert kubelet.server_tls_bootstrap_error({"serverTLSBootstrap": True,
                                               "featureGates": {"RotateKubeletServerCertificate": False}}) == \
        "invalid configuration: serverTLSBootstrap true requires feature gate RotateKubeletServerCertificate"
    assert kubelet.server_tls_bootstrap_error({"serverTLSBootstrap": True}) is None
    assert kubelet.server_tls_bootstrap_error({"featureGates": {"RotateKubeletServerCertificate": False}}) is None
    flags = {"hostname-override": "worker-1", "node-ip": "10.0.0.5", "kubeconfig": str(tmp_path / "kubelet.conf")}
    node = kubelet.Kubelet(flags, kubelet.effective_config({}, {}, 34), 34)
    assert node.setup_serving_certificates(str(tmp_path / "pki")) is None
    assert node.serving is None
    assert not (tmp_path / "pki").exists()
    # --rotate-server-certificates is the flag of the same field
    on = kubelet.Kubelet(flags, kubelet.effective_config({}, {"rotate-server-certificates": True}, 34), 34)
    assert isinstance(on.setup_serving_certificates(str(tmp_path / "pki")), kubelet.ServingCertManager)


def test_main_refuses_server_tls_bootstrap_without_the_gate(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(kubelet, "EFFECTIVE_FILE", str(tmp_path / "effective.json"))
    monkeypatch.setattr(kubelet, "SETTINGS_FILE", str(tmp_path / "settings.json"))
    monkeypatch.setattr(kubelet.calls, "LOG_FILE", str(tmp_path / "calls.jsonl"))
    monkeypatch.setenv("SEED_KUBELET_CGROUP_VERSION", "2")
    config = tmp_path / "config.yaml"
    config.write_text("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
                      "serverTLSBootstrap: true\nfailSwapOn: false\n")
    assert kubelet.main(["--config", str(config), "--feature-gates=RotateKubeletServerCertificate=false",
                         "--cert-dir", str(tmp_path / "pki")]) == 1
    assert "failed to validate kubelet configuration, error: invalid configuration: serverTLSBootstrap true " \
           "requires feature gate RotateKubeletServerCertificate" in capsys.readouterr().err
    assert not (tmp_path / "pki").exists()


def test_no_csr_while_the_node_has_no_ip(tmp_path):
    api = FakeCsrApi()
    addresses = [{"type": "Hostname", "address": "worker-1"}]
    mgr = make_manager(tmp_path, api, addresses, clock=Clock())
    mgr.rotate_round()
    mgr.rotate_round()
    assert api.created == []
    assert not (tmp_path / "pki").exists()
    # the loop keeps looking: once an IP is observed, the CSR is made
    mgr = make_manager(tmp_path, api, addresses)
    mgr.PERIOD = 0.02
    thread = mgr.start()
    time.sleep(0.3)
    assert api.created == []
    addresses.append({"type": "InternalIP", "address": "10.0.0.5"})
    deadline = time.time() + 10
    while not (tmp_path / "pki" / "kubelet-server-current.pem").exists() and time.time() < deadline:
        time.sleep(0.05)
    mgr.stop_event.set()
    thread.join(5)
    assert len(api.created) == 1
    assert (tmp_path / "pki" / "kubelet-server-current.pem").exists()


def test_standalone_kubelet_requests_nothing(tmp_path):
    mgr = make_manager(tmp_path, None)
    mgr.run()  # "Certificate rotation is not enabled, no connection to the apiserver": returns at once
    assert not (tmp_path / "pki").exists()


# ---------------------------------------------------------------------------------------------
# waiting, outcomes, back-off


def test_issued_certificate_stored(tmp_path):
    api = FakeCsrApi("approve", after=3)
    statuses = []
    clock = Clock()
    mgr = make_manager(tmp_path, api, clock=clock, poll=1.0, on_status=statuses.append)
    assert mgr.rotate_certs() is True
    assert clock.sleeps == [1.0, 1.0, 1.0]  # polled until approved and issued
    pki = tmp_path / "pki"
    current = pki / "kubelet-server-current.pem"
    assert current.is_symlink()
    target = os.readlink(current)
    assert os.path.isabs(target) and os.path.dirname(target) == str(pki)
    assert os.path.basename(target).startswith("kubelet-server-20") and target.endswith(".pem")
    assert len(os.path.basename(target)) == len("kubelet-server-2026-01-01-00-00-00.pem")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert not (pki / "kubelet-server-updated.pem").exists()
    data = current.read_bytes()
    assert data.startswith(b"-----BEGIN CERTIFICATE-----\n")
    assert b"-----BEGIN EC PRIVATE KEY-----" in data
    cert = x509.load_pem_x509_certificate(data)
    key = serialization.load_pem_private_key(data[data.index(b"-----BEGIN EC PRIVATE KEY-----"):], None)
    assert cert.public_key().public_bytes(*DER) == key.public_key().public_bytes(*DER)
    assert cert.subject.rfc4514_string() == "CN=system:node:worker-1,O=system:nodes"
    assert mgr.cert.serial_number == cert.serial_number
    last = statuses[-1]
    assert last["phase"] == "Issued" and last["csr"] == "csr-x0000" and last["certificate"] == str(current)
    assert last["ipAddresses"] == ["10.0.0.5"] and last["dnsNames"] == ["worker-1"] and last["notAfter"]
    assert "PRIVATE" not in repr(statuses)
    # nothing else in the cert dir (no leftover key file)
    assert sorted(os.listdir(pki)) == sorted([os.path.basename(target), "kubelet-server-current.pem"])


@pytest.mark.parametrize("outcome, message", [
    ("deny", "certificate signing request is denied, reason: NotMine, message: denied by test"),
    ("fail", "certificate signing request failed, reason: SignerValidationFailure, message: usages did not match"),
    ("delete", 'csr "csr-x0000" was deleted'),
    ("uid", 'csr "csr-x0000" changed UIDs'),
])
def test_attempt_ends(tmp_path, outcome, message):
    api = FakeCsrApi(outcome)
    mgr = make_manager(tmp_path, api, clock=Clock())
    created = api.create(CSRS, kubelet.serving_csr_object(kubelet.generate_key(), mgr.template()))
    with pytest.raises(kubelet.CertificateWaitError) as err:
        mgr.wait_for_certificate(api, created["metadata"]["name"], created["metadata"]["uid"], mgr.template())
    assert str(err.value) == message
    api = FakeCsrApi(outcome)
    mgr = make_manager(tmp_path, api, clock=Clock())
    assert mgr.rotate_certs() is False
    assert not (tmp_path / "pki").exists()
    assert mgr.status["phase"] in ("Denied", "Failed", "NotSigned")


def test_wait_is_bounded_to_15_minutes(tmp_path):
    api = FakeCsrApi("pending")
    clock = Clock()
    mgr = make_manager(tmp_path, api, clock=clock, poll=1.0)
    assert mgr.rotate_certs() is False
    assert sum(clock.sleeps) == 15 * 60
    assert mgr.status["phase"] == "NotSigned"


def test_denied_attempts_back_off_then_poll_every_32s(tmp_path):
    api = FakeCsrApi("deny", after=0)  # denied at the first look: no poll sleeps in between
    clock = Clock(stop_after=lambda seconds: seconds == 32.0)
    mgr = make_manager(tmp_path, api, clock=clock, rand=lambda: 0.5)
    mgr.rotate_round()
    # wait.Backoff{2s, x2, jitter 0.1, 5 steps}: five attempts, four sleeps; then PollInfinite(32s)
    assert clock.sleeps == pytest.approx([2.1, 4.2, 8.4, 16.8, 32.0])
    assert len(api.created) == 5
    assert len({c["spec"]["request"] for c in api.created}) == 5  # a new key per attempt


# ---------------------------------------------------------------------------------------------
# an existing certificate, rotation


def test_existing_valid_certificate_is_reused(tmp_path):
    cert = stored_pair(tmp_path / "pki")
    api = FakeCsrApi()
    mgr = make_manager(tmp_path, api)
    assert mgr.cert is not None and mgr.cert.serial_number == cert.serial_number
    assert mgr.status["phase"] == "Loaded"
    start, end = cert.not_valid_before_utc.timestamp(), cert.not_valid_after_utc.timestamp()
    deadline = mgr.next_rotation_deadline()
    assert start + 0.7 * (end - start) - 1 <= deadline <= start + 0.9 * (end - start) + 1
    mgr.PERIOD = 0.02
    thread = mgr.start()
    time.sleep(0.5)
    mgr.stop_event.set()
    thread.join(5)
    assert api.created == []
    assert os.path.basename(os.readlink(tmp_path / "pki" / "kubelet-server-current.pem")).startswith("kubelet-server-")


def test_rotation_deadline_jitter(tmp_path):
    stored_pair(tmp_path / "pki")
    for rand, share in ((0.0, 0.7), (1.0, 0.9)):
        mgr = make_manager(tmp_path, FakeCsrApi(), rand=lambda r=rand: r)
        start, end = mgr.cert.not_valid_before_utc.timestamp(), mgr.cert.not_valid_after_utc.timestamp()
        assert mgr.next_rotation_deadline() == pytest.approx(start + share * (end - start))


def test_expired_or_unsatisfying_certificate_is_replaced(tmp_path):
    long_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=30)
    stored_pair(tmp_path / "pki", not_before=long_ago, lifetime=datetime.timedelta(days=1))
    clock = Clock()
    mgr = make_manager(tmp_path, FakeCsrApi(), clock=clock)
    assert mgr.cert is None  # expired: as if there were none
    assert mgr.next_rotation_deadline() == clock.now()
    # a valid certificate without the node's current IP does not satisfy the template
    stored_pair(tmp_path / "pki", ips=("10.0.0.99",))
    mgr = make_manager(tmp_path, FakeCsrApi(), clock=clock)
    assert mgr.cert is not None and not mgr.satisfies(mgr.template())
    assert mgr.next_rotation_deadline() == clock.now()
    # extra SANs do not matter
    stored_pair(tmp_path / "pki", dns=("worker-1", "extra.example.com"), ips=("10.0.0.5", "10.0.0.6"))
    mgr = make_manager(tmp_path, FakeCsrApi(), clock=clock)
    assert mgr.satisfies(mgr.template()) and mgr.next_rotation_deadline() > clock.now()


def test_rotation_at_the_deadline(tmp_path):
    now = datetime.datetime.now(datetime.timezone.utc)
    old = stored_pair(tmp_path / "pki", not_before=now - datetime.timedelta(hours=95), lifetime=datetime.timedelta(hours=100))
    api = FakeCsrApi()
    mgr = make_manager(tmp_path, api, clock=Clock(), rand=lambda: 1.0)  # deadline at 90 %: passed
    assert mgr.cert.serial_number == old.serial_number
    mgr.rotate_round()
    assert len(api.created) == 1
    new = x509.load_pem_x509_certificate((tmp_path / "pki" / "kubelet-server-current.pem").read_bytes())
    assert new.serial_number != old.serial_number and mgr.cert.serial_number == new.serial_number


def test_broken_current_pair_is_an_error(tmp_path):
    pki = tmp_path / "pki"
    pki.mkdir()
    (pki / "kubelet-server-current.pem").write_text("garbage")
    flags = {"hostname-override": "worker-1", "node-ip": "10.0.0.5", "kubeconfig": str(tmp_path / "kubelet.conf")}
    node = kubelet.Kubelet(flags, {"serverTLSBootstrap": True}, 34)
    with pytest.raises(ValueError, match="could not convert data from"):
        node.setup_serving_certificates(str(pki))


# ---------------------------------------------------------------------------------------------
# end to end: the kubelet double against the API server and controller-manager doubles


def wait_until(check, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def serving_csrs(admin):
    return [c for c in admin.get(CSRS)["items"] if c["spec"]["signerName"] == "kubernetes.io/kubelet-serving"]


def test_kubelet_serving_bootstrap_end_to_end(api, tmp_path):
    admin = api.admin()
    flags = {"hostname-override": "worker-1", "node-ip": "10.0.0.5", "kubeconfig": str(tmp_path / "kubelet.conf")}
    node = kubelet.Kubelet(flags, kubelet.effective_config({"serverTLSBootstrap": True}, {}, 34), 34)
    node.client = api.client("system:node:worker-1", ["system:nodes"])  # its kubeconfig's credentials
    statuses = []
    mgr = node.setup_serving_certificates(str(tmp_path / "pki"), statuses.append)
    mgr.poll, mgr.PERIOD = 0.05, 0.05
    thread = mgr.start()
    try:
        time.sleep(0.3)
        assert serving_csrs(admin) == []  # no Node addresses observed yet
        assert node.register()  # registration + first status update: the addresses the API returned
        assert {"type": "InternalIP", "address": "10.0.0.5"} in node.observed_addresses
        csr = wait_until(lambda: serving_csrs(admin))[0]
        meta, spec = csr["metadata"], csr["spec"]
        assert meta["name"].startswith("csr-") and len(meta["name"]) == len("csr-") + 5
        assert meta["generateName"] == "csr-"
        # the API server filled in the requester (registry strategy PrepareForCreate)
        assert spec["username"] == "system:node:worker-1"
        assert spec["groups"] == ["system:nodes", "system:authenticated"]
        assert spec["usages"] == ["digital signature", "server auth"]
        request = x509.load_pem_x509_csr(base64.b64decode(spec["request"]))
        assert request.subject.rfc4514_string() == "CN=system:node:worker-1,O=system:nodes"
        sans = request.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert sans.get_values_for_type(x509.DNSName) == ["worker-1"]
        assert sans.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.5")]
        # csrapproving never approves serving CSRs: still pending after a controller-manager pass
        ctl = controller_manager(api)
        ctl.sync_once()
        assert not (admin.get(CSRS + "/" + meta["name"]).get("status") or {}).get("conditions")
        assert statuses[-1]["phase"] == "Pending" and statuses[-1]["csr"] == meta["name"]
        # approved (kubectl certificate approve), then signed by csrsigning
        current = admin.get(CSRS + "/" + meta["name"])
        current.setdefault("status", {})["conditions"] = [{"type": "Approved", "status": "True",
                                                           "reason": "KubectlApprove", "message": "test"}]
        admin.replace(CSRS + "/" + meta["name"] + "/approval", current)
        ctl.sync_once()
        link = tmp_path / "pki" / "kubelet-server-current.pem"
        wait_until(link.exists)
        wait_until(lambda: statuses[-1]["phase"] == "Issued")
    finally:
        mgr.stop_event.set()
        thread.join(5)
    data = link.read_bytes()
    assert stat.S_IMODE(os.stat(os.path.realpath(link)).st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(data)
    assert cert.issuer == api.pki.ca_cert.subject
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.IPAddress) == [ipaddress.ip_address("10.0.0.5")]
    assert len(serving_csrs(admin)) == 1
    # a restarted kubelet keeps the certificate: no second CSR
    again = kubelet.Kubelet(flags, kubelet.effective_config({"serverTLSBootstrap": True}, {}, 34), 34)
    again.client = node.client
    again.observed_addresses = list(node.observed_addresses)
    mgr2 = again.setup_serving_certificates(str(tmp_path / "pki"))
    assert mgr2.cert.serial_number == cert.serial_number
    mgr2.PERIOD = 0.05
    thread = mgr2.start()
    time.sleep(0.5)
    mgr2.stop_event.set()
    thread.join(5)
    assert len(serving_csrs(admin)) == 1
