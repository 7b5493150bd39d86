"""Pieces shared by the controller-manager and scheduler stand-ins: their common command-line flags
(k8s.io/component-base and apiserver options: secure serving, delegated authn/authz, leader
election, logs, metrics), the HTTPS health endpoints, and leader election on a coordination.k8s.io
Lease (k8s.io/client-go/tools/leaderelection semantics)."""

import datetime
import ipaddress
import os
import random
import socket
import ssl
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from seed_doubles import apimachinery as am
from seed_doubles.pflag import parse_duration as go_duration
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
    for name in DURATION_FLAGS:
        if name in flags:
            try:
                go_duration(flags[name])
            except ValueError as exc:
                sys.stderr.write('Error: invalid argument "%s" for "--%s" flag: %s\n%s' % (flags[name], name, exc, usage))
                return None, 1
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


DURATION_FLAGS = ("leader-elect-lease-duration", "leader-elect-renew-deadline", "leader-elect-retry-period",
                  "node-monitor-grace-period", "node-startup-grace-period", "cluster-signing-duration")
def _duration(text, default):
    """Seconds of a leader-election duration flag (already checked by parse_command_line), else ``default``."""
    return default if text is None else go_duration(text)


def go_panic(message):
    """What a Go program prints when it panics with an error (leaderelection.RunOrDie on a bad
    configuration); returns its exit status, 2."""
    sys.stderr.write("panic: %s\n" % message)
    sys.stderr.flush()
    return 2


class LeaderElectionLost(Exception):
    """The leader could not renew its lease within the renew deadline (the component exits 1)."""


class LeaderElector:
    """Lease lock as client-go's leaderelection (leaderelection.go): acquire when absent or when
    the holder has not changed the record for leaseDurationSeconds as observed locally
    (observedTime), renew every retryPeriod while leading, and give up (LeaderElectionLost:
    "leaderelection lost", exit 1) when no renewal succeeded within renewDeadline; a candidate
    retries every retryPeriod jittered by up to 1.2x (wait.JitterUntil). NewLeaderElector's checks
    of the three durations are made at start (``error()``)."""

    JITTER_FACTOR = 1.2

    def __init__(self, client, name, namespace, flags, log):
        self.client = client
        self.name = flags.get("leader-elect-resource-name") or name
        self.namespace = flags.get("leader-elect-resource-namespace") or namespace
        self.enabled = am.flag_bool(flags, "leader-elect", True)
        # componentbaseconfig LeaderElectionConfiguration defaults: 15s, 10s, 2s.
        self.duration = _duration(flags.get("leader-elect-lease-duration"), 15)
        self.renew_deadline = _duration(flags.get("leader-elect-renew-deadline"), 10)
        self.retry_period = _duration(flags.get("leader-elect-retry-period"), 2)
        self.identity = "%s_%s" % (socket.gethostname(), uuid.uuid4())
        self.log = log
        self.leading = not self.enabled
        self.observed_raw = None
        self.observed_time = 0.0
        self.last_renew = 0.0

    def error(self):
        """NewLeaderElector's refusal of the durations (its order and wording), else None."""
        if not self.enabled:
            return None
        if self.duration <= self.renew_deadline:
            return "leaseDuration must be greater than renewDeadline"
        if self.renew_deadline <= self.JITTER_FACTOR * self.retry_period:
            return "renewDeadline must be greater than retryPeriod*JitterFactor"
        if self.duration <= 0:
            return "leaseDuration must be greater than zero"
        if self.renew_deadline <= 0:
            return "renewDeadline must be greater than zero"
        if self.retry_period <= 0:
            return "retryPeriod must be greater than zero"
        return None

    def next_wait(self):
        """Seconds to the next try: retryPeriod while leading, jittered for a candidate."""
        if self.leading or not self.enabled:
            return self.retry_period
        return self.retry_period * (1 + random.random() * self.JITTER_FACTOR)

    @property
    def path(self):
        return "/apis/coordination.k8s.io/v1/namespaces/%s/leases" % self.namespace

    def try_acquire(self):
        """One tryAcquireOrRenew; raises LeaderElectionLost when a leader's renewals have failed
        for renewDeadline."""
        if not self.enabled:
            return True
        try:
            got = self._try()
        except (ApiError, OSError, ValueError, KeyError) as exc:
            # tryAcquireOrRenew: klog.Errorf("error retrieving resource lock %v: %v", ...)
            self.log("E", "error retrieving resource lock %s/%s: %s", self.namespace, self.name, exc)
            got = False
        if got:
            self.last_renew = time.monotonic()
            return self._set(True)
        # A renewal round starts a retry period after the last success and gives up renewDeadline
        # later (renew(): wait.Until over PollImmediateUntil with a renewDeadline context).
        if self.leading and time.monotonic() - self.last_renew < self.retry_period + self.renew_deadline:
            return True           # keep leading; retry until the renew deadline
        if self.leading:
            self.leading = False
            self.log("I", "failed to renew lease %s/%s: timed out waiting for the condition", self.namespace, self.name)
            raise LeaderElectionLost("leaderelection lost")
        return False

    def _try(self):
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
                return False
            return True
        spec = lease.get("spec") or {}
        raw = repr(sorted(spec.items()))
        if raw != self.observed_raw:
            self.observed_raw, self.observed_time = raw, time.monotonic()
        holder = spec.get("holderIdentity")
        duration = spec.get("leaseDurationSeconds") or self.duration
        if holder and holder != self.identity and self.observed_time + duration > time.monotonic():
            return False
        if holder != self.identity:
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
            spec["acquireTime"] = micro
        spec["holderIdentity"] = self.identity
        spec["leaseDurationSeconds"] = int(self.duration)
        spec["renewTime"] = micro
        lease["spec"] = spec
        try:
            updated = self.client.replace(self.path + "/" + self.name, lease)
        except (ApiError, OSError) as exc:
            self.log("E", "Failed to update lock: %s", exc)
            return False
        self.observed_raw = repr(sorted(((updated or lease).get("spec") or spec).items()))
        self.observed_time = time.monotonic()
        return True

    def _set(self, leading):
        if leading and not self.leading:
            self.log("I", "successfully acquired lease %s/%s", self.namespace, self.name)
        self.leading = leading
        return leading
