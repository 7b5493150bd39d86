"""Pieces shared by the controller-manager and scheduler stand-ins: their common command-line flags
(k8s.io/component-base and apiserver options: secure serving, delegated authn/authz, leader
election, logs, metrics), the HTTPS health endpoints, and leader election on a coordination.k8s.io
Lease (k8s.io/client-go/tools/leaderelection semantics)."""

import datetime
import ipaddress
import os
import socket
import ssl
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from seed_doubles import apimachinery as am
from seed_doubles.kube import ApiError

COMMON_FLAGS = frozenset("""
allow-metric-labels allow-metric-labels-manifest authentication-kubeconfig authentication-skip-lookup
authentication-token-webhook-cache-ttl authentication-tolerate-lookup-failure authorization-always-allow-paths
authorization-kubeconfig authorization-webhook-cache-authorized-ttl authorization-webhook-cache-unauthorized-ttl
bind-address cert-dir client-ca-file contention-profiling disable-http2-serving disabled-metrics emulated-version
feature-gates help http2-max-streams-per-connection kube-api-burst kube-api-content-type kube-api-qps kubeconfig
leader-elect leader-elect-lease-duration leader-elect-renew-deadline leader-elect-resource-lock
leader-elect-resource-name leader-elect-resource-namespace leader-elect-retry-period log-flush-frequency
log-json-info-buffer-size log-json-split-stream log-text-info-buffer-size log-text-split-stream logging-format
master permit-address-sharing permit-port-sharing profiling requestheader-allowed-names requestheader-client-ca-file
requestheader-extra-headers-prefix requestheader-group-headers requestheader-uid-headers
requestheader-username-headers secure-port show-hidden-metrics-for-version tls-cert-file tls-cipher-suites
tls-min-version tls-private-key-file tls-sni-cert-key v version vmodule
""".split())
COMMON_BOOLS = frozenset("""
authentication-skip-lookup authentication-tolerate-lookup-failure contention-profiling disable-http2-serving help
leader-elect log-json-split-stream log-text-split-stream permit-address-sharing permit-port-sharing profiling
version
""".split())


class Logger:
    def __init__(self, component, verbosity=0):
        self.component = component
        self.verbosity = verbosity

    def __call__(self, level, msg, *args):
        stamp = datetime.datetime.now().strftime("%m%d %H:%M:%S.%f")
        sys.stderr.write("%s%s %7d %s] %s\n" % (level, stamp, os.getpid(), self.component,
                                               (msg % args) if args else msg))
        sys.stderr.flush()


def component_version():
    version = os.environ.get("SEED_COMPONENT_VERSION", "") or "v0.0.0"
    return version if version.startswith("v") else "v" + version


def parse_command_line(argv, known, bools, usage, log):
    """(flags, rc): rc is None to go on, else the exit code (help, version, bad flag)."""
    try:
        flags, _ = am.parse_flags(argv, known, bools)
    except am.FlagError as exc:
        sys.stderr.write("Error: %s\n%s" % (exc, usage))
        return None, 1
    if am.flag_bool(flags, "help", False):
        sys.stdout.write(usage)
        return None, 0
    if "version" in flags and flags["version"].lower() not in ("false", "0"):
        sys.stdout.write("Kubernetes %s\n" % component_version())
        return None, 0
    try:
        log.verbosity = int(flags.get("v", "0"))
    except ValueError:
        sys.stderr.write('Error: invalid argument "%s" for "-v, --v" flag\n' % flags["v"])
        return None, 1
    return flags, None


def _self_signed(cert_dir, name):
    """Serving certificate made at start when --tls-cert-file is not given (upstream writes it to
    --cert-dir, or keeps it in memory when that is empty)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "%s@%d" % (name, int(time.time())))])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    directory = cert_dir or tempfile.mkdtemp(prefix=name + "-")
    os.makedirs(directory, exist_ok=True)
    crt_path, key_path = os.path.join(directory, name + ".crt"), os.path.join(directory, name + ".key")
    with open(key_path, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    with open(crt_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    return crt_path, key_path


class _HealthHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server naming
        path = self.path.split("?")[0].rstrip("/")
        checks = self.server.checks
        if path in ("/healthz", "/livez", "/readyz") or path.split("/")[1:2] in (["healthz"], ["livez"], ["readyz"]):
            failed = [name for name, fn in checks.items() if not fn()]
            if failed:
                body = "".join("[-]%s failed: reason withheld\n" % n for n in failed) + "%s check failed\n" \
                    % path.strip("/").split("/")[0]
                code = 500
            else:
                body = "ok"
                code = 200
        else:
            body, code = "404 page not found\n", 404
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _HealthServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, context, checks):
        self.context = context
        self.checks = checks
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _HealthHandler)

    def finish_request(self, request, client_address):
        request.settimeout(10)
        try:
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()

    def handle_error(self, request, client_address):
        pass


def serve_health(flags, default_port, name, checks=None):
    """HTTPS /healthz, /livez, /readyz on --bind-address:--secure-port in a daemon thread."""
    cert, key = flags.get("tls-cert-file"), flags.get("tls-private-key-file")
    if not cert or not key:
        cert, key = _self_signed(flags.get("cert-dir"), name)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    bind = flags.get("bind-address") or "0.0.0.0"
    port = int(flags.get("secure-port", str(default_port)))
    server = _HealthServer((bind, port), ctx, checks or {})
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server


def _duration(text, default):
    """Seconds of a Go duration such as 15s, 2m0s, 1h."""
    if not text:
        return default
    total, number = 0.0, ""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if text[i:i + 2] == "ms" else ch
        total += float(number or 0) * units.get(unit, 1)
        number = ""
        i += len(unit)
    if number:
        total += float(number)
    return total


class LeaderElector:
    """Lease lock as client-go's leaderelection: acquire when absent or expired, renew while held."""

    def __init__(self, client, name, namespace, flags, log):
        self.client = client
        self.name = flags.get("leader-elect-resource-name") or name
        self.namespace = flags.get("leader-elect-resource-namespace") or namespace
        self.enabled = am.flag_bool(flags, "leader-elect", True)
        self.duration = _duration(flags.get("leader-elect-lease-duration"), 15)
        # client-go's RetryPeriod: how often a candidate tries to acquire and the leader renews
        # (componentbaseconfig LeaderElectionConfiguration default 2s).
        self.retry_period = _duration(flags.get("leader-elect-retry-period"), 2) or 2
        self.identity = "%s_%s" % (socket.gethostname(), uuid.uuid4())
        self.log = log
        self.leading = not self.enabled

    @property
    def path(self):
        return "/apis/coordination.k8s.io/v1/namespaces/%s/leases" % self.namespace

    def try_acquire(self):
        if not self.enabled:
            return True
        micro = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        try:
            lease = self.client.get(self.path + "/" + self.name)
        except ApiError as exc:
            if exc.status != 404:
                raise
            body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": {"name": self.name, "namespace": self.namespace},
                    "spec": {"holderIdentity": self.identity, "leaseDurationSeconds": int(self.duration),
                             "acquireTime": micro, "renewTime": micro, "leaseTransitions": 0}}
            try:
                self.client.create(self.path, body)
            except ApiError:
                return self._set(False)
            return self._set(True)
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity")
        renewed = am.parse_time(spec.get("renewTime")) or 0
        duration = spec.get("leaseDurationSeconds") or self.duration
        if holder and holder != self.identity and renewed + duration > time.time():
            return self._set(False)
        if holder != self.identity:
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
            spec["acquireTime"] = micro
        spec["holderIdentity"] = self.identity
        spec["leaseDurationSeconds"] = int(self.duration)
        spec["renewTime"] = micro
        lease["spec"] = spec
        try:
            self.client.replace(self.path + "/" + self.name, lease)
        except ApiError:
            return self._set(False)
        return self._set(True)

    def _set(self, leading):
        if leading and not self.leading:
            self.log("I", "successfully acquired lease %s/%s", self.namespace, self.name)
        if not leading and self.leading:
            self.log("I", "lost lease %s/%s", self.namespace, self.name)
        self.leading = leading
        return leading
