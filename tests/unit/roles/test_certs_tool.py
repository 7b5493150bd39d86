# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""roles/certs/files/seed-kubeadm-certs: renew the kubeadm certificates and restart the static pods.

The tool runs here as a module (``main([...])``) with every path in tmp_path and every port a free
one, against two doubles:

* a fake kubelet (a thread looking at the manifest directory every 50 ms) that runs, per component
  whose ``<component>.yaml`` is there, the servers the tool checks: etcd a TCP listener on its client
  port and an HTTP ``/health`` on its metrics port, the three others an HTTPS ``/healthz``; it stops
  them when the manifest leaves and records "start X" / "stop X" in order. Switches: a component
  that never stops, one that never becomes healthy (HTTP 500 or a wrong body);
* a fake kubeadm (a script) answering ``certs check-expiration -o json`` with an upstream
  ``output.kubeadm.k8s.io/v1alpha3`` CertificateExpirationInfo and recording ``certs renew all``.

The tool polls once a second; the tests replace its ``time`` by one that polls every 50 ms (only the
pace changes: deadlines still come from --timeout).
"""

from __future__ import annotations

import argparse
import datetime
import http.server
import importlib.machinery
import importlib.util
import ipaddress
import json
import os
import shutil
import socket
import socketserver
import ssl
import stat
import subprocess
import sys
import threading
import time
import types
import urllib.request

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from unit_helpers import ROLES

TOOL = os.path.join(ROLES, "certs", "files", "seed-kubeadm-certs")
ORDER = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]
POLL = 0.05
DAY = 86400
PROXY_VARIABLES = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY")
# kubeadm's leaf certificates with a stacked etcd (kubeadm certs check-expiration, 1.31 - 1.35).
CERTIFICATES = {
    "admin.conf": "ca", "apiserver": "ca", "apiserver-etcd-client": "etcd-ca", "apiserver-kubelet-client": "ca",
    "controller-manager.conf": "ca", "etcd-healthcheck-client": "etcd-ca", "etcd-peer": "etcd-ca", "etcd-server": "etcd-ca",
    "front-proxy-client": "front-proxy-ca", "scheduler.conf": "ca", "super-admin.conf": "ca",
}
ETCD_CERTIFICATES = ("apiserver-etcd-client", "etcd-healthcheck-client", "etcd-peer", "etcd-server")
CAS = ("ca", "etcd-ca", "front-proxy-ca")


def load_tool():
    """The tool as a fresh module, polling every POLL seconds instead of every second."""
    loader = importlib.machinery.SourceFileLoader("seed_kubeadm_certs", TOOL)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    module.time = types.SimpleNamespace(monotonic=time.monotonic, sleep=lambda _seconds: time.sleep(POLL))
    return module


def free_ports(count):
    """COUNT distinct ports the kernel has just handed out (bound to port 0, then released)."""
    sockets = []
    try:
        while len(sockets) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_until(check, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("%s not reached within %s s" % (what, timeout))
        time.sleep(0.01)


# ---------------------------------------------------------------------------------------------
# Fake kubelet
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls_context(tmp_path_factory):
    """Server context with a self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    directory = tmp_path_factory.mktemp("tls")
    cert_file, key_file = str(directory / "serving.crt"), str(directory / "serving.key")
    with open(cert_file, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


class _HealthHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
        status, body = self.server.answer(self.path)
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if body.startswith("{") else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


class _HealthServer(http.server.ThreadingHTTPServer):
    """HTTP(S) server on 127.0.0.1:PORT; ANSWER(path) gives (status, body). TLS when CONTEXT is set."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, answer, context=None):
        self.answer = answer
        self.context = context
        super().__init__(("127.0.0.1", port), _HealthHandler)

    def finish_request(self, request, client_address):
        if self.context is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(5)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except OSError:  # a bare TCP probe (the tool's port check) or a client giving up
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()

    def handle_error(self, request, client_address):
        pass


class _Listener(socketserver.ThreadingTCPServer):
    """A bare TCP listener (etcd's client port): accepts and closes."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port):
        super().__init__(("127.0.0.1", port), socketserver.BaseRequestHandler)


class FakeKubelet:
    """Runs the servers of each component whose manifest is in MANIFEST_DIR; see the module docstring.

    never_stops: components whose servers stay up when their manifest leaves.
    unhealthy: component -> "500" (HTTP 500) or "body" (HTTP 200, wrong body); read at each request.
    """

    def __init__(self, manifest_dir, ports, context):
        self.manifest_dir = manifest_dir
        self.ports = ports
        self.context = context
        self.never_stops = set()
        self.unhealthy = {}
        self.running = {}
        self.bind_errors = []
        self._events = []
        self._lock = threading.Lock()
        self._quit = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="fake-kubelet", daemon=True)

    # -- events
    def events(self):
        with self._lock:
            return list(self._events)

    def clear_events(self):
        with self._lock:
            del self._events[:]

    def _event(self, text):
        with self._lock:
            self._events.append(text)

    # -- loop
    def start(self):
        self._thread.start()

    def close(self):
        self._quit.set()
        self._thread.join(5)
        for component in list(self.running):
            self._stop_servers(self.running.pop(component))

    def _loop(self):
        while not self._quit.is_set():
            self.sync()
            self._quit.wait(POLL)

    def sync(self):
        for component in ORDER:
            present = os.path.exists(os.path.join(self.manifest_dir, component + ".yaml"))
            if present and component not in self.running:
                try:
                    self.running[component] = self._start_servers(component)
                except OSError as exc:  # the port is not free yet: try again next round
                    self.bind_errors.append("%s: %s" % (component, exc))
                    continue
                self._event("start " + component)
            elif not present and component in self.running and component not in self.never_stops:
                self._stop_servers(self.running[component])
                del self.running[component]  # after the ports closed: take_down waits on this
                self._event("stop " + component)

    # -- servers
    def _answer(self, component, path):
        mode = self.unhealthy.get(component)
        if component == "etcd":
            if path != "/health":
                return 404, "404 page not found"
            if mode == "500":
                return 503, '{"health":"false","reason":"RAFT NO LEADER"}'
            if mode == "body":
                return 200, '{"health":"false","reason":"RAFT NO LEADER"}'
            return 200, '{"health":"true","reason":""}'
        if path != "/healthz":
            return 404, "404 page not found"
        if mode == "500":
            return 500, "[-]poststarthook/start-apiextensions-controllers failed: reason withheld\nhealthz check failed"
        if mode == "body":
            return 200, "okay-ish"
        return 200, "ok"

    def _start_servers(self, component):
        servers = []
        try:
            if component == "etcd":
                servers.append(_Listener(self.ports["etcd-client"]))
                servers.append(_HealthServer(self.ports["etcd-metrics"], lambda path: self._answer("etcd", path)))
            else:
                servers.append(_HealthServer(self.ports[component], lambda path: self._answer(component, path), self.context))
        except OSError:
            for server in servers:  # never served: nothing to shut down
                server.server_close()
            raise
        for server in servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return servers

    @staticmethod
    def _stop_servers(servers):
        for server in servers:
            server.shutdown()
            server.server_close()


# ---------------------------------------------------------------------------------------------
# Fake kubeadm
# ---------------------------------------------------------------------------------------------

KUBEADM_SCRIPT = '''#!%(python)s -I
"""Fake kubeadm of test_certs_tool: answers from %(state)s, records its calls."""
import json
import sys

with open(%(state)r) as handle:
    state = json.load(handle)
argv = sys.argv[1:]
with open(state["calls"], "a") as handle:
    handle.write(json.dumps(argv) + "\\n")
if argv == ["certs", "check-expiration", "-o", "json"]:
    check = state["check"]
    if check.get("exit"):
        sys.stderr.write(check.get("message", "") + "\\n")
        sys.exit(check["exit"])
    sys.stdout.write(check.get("prefix", ""))
    sys.stdout.write(json.dumps(check["document"], indent=2) + "\\n")
    sys.exit(0)
if argv == ["certs", "renew", "all"]:
    renew = state["renew"]
    if renew.get("exit"):
        sys.stdout.write(renew.get("message", "") + "\\n")
        sys.exit(renew["exit"])
    if state.get("admin_conf"):
        with open(state["admin_conf"], "w") as handle:
            handle.write(state["renewed_admin_conf"])
    sys.stdout.write("certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed\\n"
                     "\\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, "
                     "kube-scheduler and etcd, so that they can use the new certificates.\\n")
    sys.exit(0)
sys.stderr.write("fake kubeadm: unexpected arguments %%r\\n" %% (argv,))
sys.exit(1)
'''


def certificate(name, days, ca_name=None, external=False, missing=False):
    """One entry of CertificateExpirationInfo.certificates (or .certificateAuthorities when ca_name is '')."""
    if missing:  # upstream: only the name and missing are set; the zero metav1.Time marshals as null
        return {"name": name, "expirationDate": None, "residualTime": 0, "externallyManaged": False, "missing": True}
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=int(days * DAY))
    entry = {"name": name, "expirationDate": expires.strftime("%Y-%m-%dT%H:%M:%SZ"), "residualTime": int(days * DAY),
             "externallyManaged": external, "missing": False}
    if ca_name:
        entry["caName"] = ca_name
    return entry


def expiration_info(days=365, overrides=None, ca_days=3650, etcd=True):
    """An upstream-shaped check-expiration document: every certificate at DAYS but OVERRIDES (name -> entry)."""
    overrides = overrides or {}
    names = [n for n in CERTIFICATES if etcd or n not in ETCD_CERTIFICATES]
    return {
        "kind": "CertificateExpirationInfo",
        "apiVersion": "output.kubeadm.k8s.io/v1alpha3",
        "certificates": [overrides.get(n) or certificate(n, days, CERTIFICATES[n]) for n in names],
        "certificateAuthorities": [certificate(ca, ca_days) for ca in CAS if etcd or ca != "etcd-ca"],
    }


class FakeKubeadm:
    def __init__(self, directory, admin_conf):
        self.path = str(directory / "kubeadm")
        self.state_file = str(directory / "kubeadm-state.json")
        self.calls_file = str(directory / "kubeadm-calls.log")
        self.state = {"calls": self.calls_file, "check": {"document": expiration_info()}, "renew": {},
                      "admin_conf": admin_conf, "renewed_admin_conf": "# admin.conf renewed by kubeadm\n"}
        self.save()
        with open(self.path, "w", encoding="utf-8") as handle:
            handle.write(KUBEADM_SCRIPT % {"python": sys.executable, "state": self.state_file})
        os.chmod(self.path, 0o755)

    def save(self):
        with open(self.state_file, "w", encoding="utf-8") as handle:
            json.dump(self.state, handle)

    def expiration(self, document, prefix=""):
        self.state["check"] = {"document": document, "prefix": prefix}
        self.save()

    def fail_check(self, code, message):
        self.state["check"] = {"exit": code, "message": message}
        self.save()

    def fail_renew(self, code, message):
        self.state["renew"] = {"exit": code, "message": message}
        self.save()

    def renew_ok(self):
        self.state["renew"] = {}
        self.save()

    def calls(self):
        if not os.path.exists(self.calls_file):
            return []
        with open(self.calls_file, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]

    def renewals(self):
        return [call for call in self.calls() if call == ["certs", "renew", "all"]]


# ---------------------------------------------------------------------------------------------
# A control-plane node in tmp_path
# ---------------------------------------------------------------------------------------------

class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return "Result(rc=%r, out=%r, err=%r)" % (self.rc, self.out, self.err)


class Node:
    def __init__(self, tmp_path, tool, kubelet, kubeadm, ports, capsys):
        self.tool = tool
        self.kubelet = kubelet
        self.kubeadm = kubeadm
        self.ports = ports
        self.capsys = capsys
        self.manifest_dir = str(tmp_path / "etc" / "kubernetes" / "manifests")
        self.parked_dir = str(tmp_path / "etc" / "kubernetes" / "manifests-parked-by-certs")
        self.pending_file = str(tmp_path / "var" / "lib" / "seed-kubeadm" / "certs-restart-pending.json")
        self.admin_conf = str(tmp_path / "etc" / "kubernetes" / "admin.conf")
        self.root_kubeconfig = str(tmp_path / "root" / ".kube" / "config")
        self.originals = {c: "# static pod manifest of %s\napiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: kube-system\n"
                          % (c, c) for c in ORDER}

    def manifest(self, component):
        return os.path.join(self.manifest_dir, component + ".yaml")

    def parked(self, component):
        return os.path.join(self.parked_dir, component + ".yaml")

    def argv(self, *command, timeout=5):
        return ["--kubeadm", self.kubeadm.path, "--manifest-dir", self.manifest_dir, "--parked-dir", self.parked_dir,
                "--pending-file", self.pending_file, "--admin-conf", self.admin_conf, "--root-kubeconfig", self.root_kubeconfig,
                "--api-port", str(self.ports["kube-apiserver"]),
                "--controller-manager-port", str(self.ports["kube-controller-manager"]),
                "--scheduler-port", str(self.ports["kube-scheduler"]),
                "--etcd-client-port", str(self.ports["etcd-client"]), "--etcd-metrics-port", str(self.ports["etcd-metrics"]),
                "--timeout", str(timeout)] + list(command)

    def run(self, *command, timeout=5):
        """main([...COMMAND]) with the events of the fake kubelet recorded from now on."""
        self.capsys.readouterr()
        self.kubelet.clear_events()
        rc = self.tool.main(self.argv(*command, timeout=timeout))
        captured = self.capsys.readouterr()
        return Result(rc, captured.out, captured.err)

    def pending(self):
        with open(self.pending_file, encoding="utf-8") as handle:
            return json.load(handle)

    def write_pending(self, text):
        os.makedirs(os.path.dirname(self.pending_file), exist_ok=True)
        with open(self.pending_file, "w", encoding="utf-8") as handle:
            handle.write(text)

    def read(self, path):
        with open(path, encoding="utf-8") as handle:
            return handle.read()

    def take_down(self, component, park=False):
        """Remove (or, PARK, move to the parked directory) the manifest; return once the kubelet stopped the pod."""
        if park:
            os.makedirs(self.parked_dir, exist_ok=True)
            shutil.move(self.manifest(component), self.parked(component))
        else:
            os.unlink(self.manifest(component))
        wait_until(lambda: component not in self.kubelet.running, what="the fake kubelet stopping %s" % component)

    def assert_manifests_in_place(self):
        for component in ORDER:
            assert self.read(self.manifest(component)) == self.originals[component]
        assert not os.path.isdir(self.parked_dir) or os.listdir(self.parked_dir) == []

    def restarted(self, *components):
        return [e for c in components for e in ("stop " + c, "start " + c)]


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch):
    """The tool's health checks use urllib, which honours the proxy variables: none here."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    urllib.request.install_opener(None)
    yield
    urllib.request.install_opener(None)


@pytest.fixture
def node(tmp_path, tls_context, capsys):
    ports = dict(zip(["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd-client", "etcd-metrics"], free_ports(5)))
    kubeadm = FakeKubeadm(tmp_path, str(tmp_path / "etc" / "kubernetes" / "admin.conf"))
    kubelet = FakeKubelet(str(tmp_path / "etc" / "kubernetes" / "manifests"), ports, tls_context)
    result = Node(tmp_path, load_tool(), kubelet, kubeadm, ports, capsys)
    os.makedirs(result.manifest_dir)
    for component in ORDER:
        with open(result.manifest(component), "w", encoding="utf-8") as handle:
            handle.write(result.originals[component])
    with open(result.admin_conf, "w", encoding="utf-8") as handle:
        handle.write("# admin.conf before the renewal\n")
    kubelet.start()
    try:
        wait_until(lambda: set(kubelet.running) == set(ORDER), what="the fake kubelet starting the four pods")
        yield result
    finally:
        kubelet.close()


# ---------------------------------------------------------------------------------------------
# The fakes themselves
# ---------------------------------------------------------------------------------------------

def test_fakes_answer_like_the_real_components(node):
    """Sanity of the doubles: the tool's own checks see the four pods up and healthy, kubeadm's argv is strict."""
    args = argparse.Namespace(
        api_port=node.ports["kube-apiserver"], controller_manager_port=node.ports["kube-controller-manager"],
        scheduler_port=node.ports["kube-scheduler"], etcd_client_port=node.ports["etcd-client"], etcd_metrics_port=node.ports["etcd-metrics"])
    for component in ORDER:
        assert node.tool.port_open(node.tool.listen_port(args, component)), component
        assert node.tool.healthy(args, component), component
    node.kubelet.unhealthy.update({"etcd": "body", "kube-apiserver": "500"})
    assert not node.tool.healthy(args, "etcd")
    assert not node.tool.healthy(args, "kube-apiserver")
    node.take_down("kube-scheduler")
    assert not node.tool.port_open(node.ports["kube-scheduler"])
    assert node.kubelet.events()[-1] == "stop kube-scheduler"
    assert subprocess.run([node.kubeadm.path, "certs", "renew"], stderr=subprocess.DEVNULL, check=False).returncode == 1
    answer = subprocess.run([node.kubeadm.path, "certs", "check-expiration", "-o", "json"], stdout=subprocess.PIPE, check=True)
    document = json.loads(answer.stdout)
    assert document["apiVersion"] == "output.kubeadm.k8s.io/v1alpha3" and len(document["certificates"]) == len(CERTIFICATES)


# ---------------------------------------------------------------------------------------------
# restart, mark, resume
# ---------------------------------------------------------------------------------------------

def test_restart_stops_and_starts_each_pod_in_order(node):
    result = node.run("restart", "kube-apiserver", "etcd")
    assert result.rc == 0, result
    assert node.kubelet.events() == node.restarted("etcd", "kube-apiserver")
    node.assert_manifests_in_place()
    assert os.path.isdir(node.parked_dir)
    assert not os.path.exists(node.pending_file)
    assert "seed-kubeadm-certs: etcd restarted\n" in result.out and "seed-kubeadm-certs: kube-apiserver restarted\n" in result.out
    assert result.out.index("etcd restarted") < result.out.index("stopping kube-apiserver")
    assert result.err == ""


def test_restart_replaces_a_stale_parked_copy(node):
    """A manifest in both directories: the one the kubelet reads wins, the parked copy goes."""
    os.makedirs(node.parked_dir)
    with open(node.parked("kube-scheduler"), "w", encoding="utf-8") as handle:
        handle.write("# stale\n")
    result = node.run("restart", "kube-scheduler")
    assert result.rc == 0, result
    assert node.kubelet.events() == node.restarted("kube-scheduler")
    node.assert_manifests_in_place()


def test_mark_records_in_the_fixed_order_and_restarts_nothing(node):
    assert node.run("mark", "kube-scheduler").rc == 0
    assert node.pending() == ["kube-scheduler"]
    result = node.run("mark", "etcd")
    assert result.rc == 0, result
    assert node.pending() == ["etcd", "kube-scheduler"]
    assert node.run("mark", "kube-scheduler", "kube-apiserver").rc == 0
    assert node.pending() == ["etcd", "kube-apiserver", "kube-scheduler"]
    time.sleep(3 * POLL)  # give the kubelet the chance to notice anything
    assert node.kubelet.events() == []
    assert set(node.kubelet.running) == set(ORDER)
    node.assert_manifests_in_place()
    assert not os.path.exists(node.parked_dir)
    assert node.kubeadm.calls() == []


def test_resume_restarts_what_mark_recorded(node):
    assert node.run("mark", "kube-scheduler", "etcd").rc == 0
    result = node.run("resume")
    assert result.rc == 0, result
    assert node.kubelet.events() == node.restarted("etcd", "kube-scheduler")
    assert not os.path.exists(node.pending_file)
    node.assert_manifests_in_place()


def test_resume_brings_back_a_parked_manifest(node):
    """What an interrupted run leaves: the record, and the manifest in the parked directory."""
    node.write_pending('["kube-apiserver"]')
    node.take_down("kube-apiserver", park=True)
    node.kubelet.clear_events()
    result = node.run("resume")
    assert result.rc == 0, result
    assert node.kubelet.events() == ["start kube-apiserver"]
    assert "bringing back the parked manifest of kube-apiserver" in result.out
    assert "kube-apiserver restarted" in result.out
    node.assert_manifests_in_place()
    assert not os.path.exists(node.pending_file)


def test_resume_without_a_record_does_nothing(node):
    result = node.run("resume")
    assert (result.rc, result.out, result.err) == (0, "", "")
    time.sleep(3 * POLL)
    assert node.kubelet.events() == []
    assert not os.path.exists(node.pending_file)
    node.assert_manifests_in_place()


def test_every_command_but_mark_first_finishes_the_record(node):
    """restart X first restarts what is recorded (an earlier run's work), then X."""
    node.write_pending('["kube-scheduler"]')
    result = node.run("restart", "kube-apiserver")
    assert result.rc == 0, result
    assert node.kubelet.events() == node.restarted("kube-scheduler", "kube-apiserver")
    assert not os.path.exists(node.pending_file)


# ---------------------------------------------------------------------------------------------
# Failures
# ---------------------------------------------------------------------------------------------

def test_a_pod_that_never_stops(node):
    node.kubelet.never_stops.add("kube-apiserver")
    result = node.run("restart", "kube-apiserver", "kube-scheduler", timeout=1)
    assert result.rc == 1, result
    assert "seed-kubeadm-certs: error: kube-apiserver stopping (port %d closed) did not happen within 1 s" % node.ports["kube-apiserver"] in result.err
    # not left parked: the kubelet keeps (or gets back) the manifest, and the record keeps the pod
    node.assert_manifests_in_place()
    assert node.pending() == ["kube-apiserver", "kube-scheduler"]
    assert node.kubelet.events() == []
    # the next run, once the pod can stop, completes both
    node.kubelet.never_stops.clear()
    result = node.run("resume")
    assert result.rc == 0, result
    assert node.kubelet.events() == node.restarted("kube-apiserver", "kube-scheduler")
    assert not os.path.exists(node.pending_file)


@pytest.mark.parametrize("component, mode", [("etcd", "body"), ("kube-apiserver", "500"), ("kube-controller-manager", "body")])
def test_a_pod_that_never_becomes_healthy(node, component, mode):
    node.kubelet.unhealthy[component] = mode
    result = node.run("restart", component, "kube-scheduler", timeout=1)
    assert result.rc == 1, result
    assert "seed-kubeadm-certs: error: %s answering its health check did not happen within 1 s" % component in result.err
    assert node.pending() == [component, "kube-scheduler"]
    assert node.kubelet.events() == node.restarted(component)  # kube-scheduler not touched
    node.assert_manifests_in_place()


def test_a_component_without_manifest(node):
    node.take_down("kube-scheduler")
    result = node.run("restart", "kube-scheduler")
    assert result.rc == 1, result
    assert "seed-kubeadm-certs: error: kube-scheduler has no static pod manifest in %s" % node.manifest_dir in result.err
    assert node.kubelet.events() == []
    assert node.pending() == ["kube-scheduler"]  # kept: the next run tries again


@pytest.mark.parametrize("command", [["resume"], ["restart", "etcd"], ["mark", "etcd"], ["renew"]])
def test_corrupt_pending_file(node, command):
    node.write_pending('["etcd", "kube-')
    result = node.run(*command)
    assert result.rc == 1, result
    assert ("seed-kubeadm-certs: error: %s is not the JSON list this tool writes; remove it after checking the static pods"
            % node.pending_file) in result.err
    assert node.read(node.pending_file) == '["etcd", "kube-'
    assert node.kubelet.events() == []
    assert node.kubeadm.calls() == []


# ---------------------------------------------------------------------------------------------
# renew
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("days", [10, -2], ids=["expires-in-10-days", "expired"])
def test_renew_when_a_certificate_expires_soon(node, days):
    node.kubeadm.expiration(expiration_info(overrides={"apiserver-kubelet-client": certificate("apiserver-kubelet-client", days, "ca")}))
    os.makedirs(os.path.dirname(node.root_kubeconfig))
    with open(node.root_kubeconfig, "w", encoding="utf-8") as handle:
        handle.write("# old copy\n")
    os.chmod(node.root_kubeconfig, 0o644)
    result = node.run("renew", "--threshold-days", "30")
    assert result.rc == 0, result
    assert node.kubeadm.calls() == [["certs", "check-expiration", "-o", "json"], ["certs", "renew", "all"]]
    assert "expiring within 30 days: apiserver-kubelet-client; renewing every certificate" in result.out
    assert node.kubelet.events() == node.restarted(*ORDER)
    node.assert_manifests_in_place()
    assert not os.path.exists(node.pending_file)
    assert node.read(node.root_kubeconfig) == "# admin.conf renewed by kubeadm\n"
    assert stat.S_IMODE(os.stat(node.root_kubeconfig).st_mode) == 0o600
    assert "refreshed %s" % node.root_kubeconfig in result.out


def test_renew_leaves_a_missing_root_kubeconfig_directory_alone(node):
    node.kubeadm.expiration(expiration_info(overrides={"scheduler.conf": certificate("scheduler.conf", 1, "ca")}))
    result = node.run("renew", "--threshold-days", "30")
    assert result.rc == 0, result
    assert len(node.kubeadm.renewals()) == 1
    assert node.kubelet.events() == node.restarted(*ORDER)
    assert not os.path.exists(os.path.dirname(node.root_kubeconfig))
    assert "refreshed" not in result.out


@pytest.mark.parametrize("overrides, ca_days", [
    ({}, 3650),
    ({"apiserver": certificate("apiserver", 30, "ca")}, 3650),  # exactly the threshold: not within it
    ({"etcd-peer": certificate("etcd-peer", 0, missing=True), "front-proxy-client": certificate("front-proxy-client", 3, "front-proxy-ca", external=True),
      "super-admin.conf": certificate("super-admin.conf", 0, missing=True)}, 10),
], ids=["all-200-days", "threshold-exactly", "missing-external-and-cas-ignored"])
def test_renew_does_nothing_when_nothing_expires(node, overrides, ca_days):
    os.makedirs(os.path.dirname(node.root_kubeconfig))
    node.kubeadm.expiration(expiration_info(days=200, overrides=overrides, ca_days=ca_days))
    result = node.run("renew", "--threshold-days", "30")
    assert result.rc == 0, result
    assert node.kubeadm.calls() == [["certs", "check-expiration", "-o", "json"]]
    assert "no certificate expires within 30 days" in result.out
    time.sleep(3 * POLL)
    assert node.kubelet.events() == []
    assert not os.path.exists(node.pending_file)
    assert not os.path.exists(node.root_kubeconfig)


def test_renew_when_check_expiration_fails(node):
    node.kubeadm.fail_check(3, "error: couldn't read the certificate directory")
    result = node.run("renew")
    assert result.rc == 1, result
    assert ("seed-kubeadm-certs: error: %s certs check-expiration -o json failed (exit 3): error: couldn't read the certificate directory"
            % node.kubeadm.path) in result.err
    assert node.kubeadm.renewals() == []
    assert node.kubelet.events() == []
    assert not os.path.exists(node.pending_file)


def test_renew_when_kubeadm_renew_fails(node):
    node.kubeadm.expiration(expiration_info(overrides={"apiserver": certificate("apiserver", 5, "ca")}))
    node.kubeadm.fail_renew(1, "error execution phase: failed to renew certificate apiserver: permission denied")
    result = node.run("renew")
    assert result.rc == 1, result
    assert ("seed-kubeadm-certs: error: kubeadm certs renew all failed (exit 1): "
            "error execution phase: failed to renew certificate apiserver: permission denied") in result.err
    assert len(node.kubeadm.renewals()) == 1
    assert node.pending() == ORDER  # kubeadm may have renewed some: the next run restarts every pod
    time.sleep(3 * POLL)
    assert node.kubelet.events() == []
    # the next run (nothing due any more) restarts them
    node.kubeadm.renew_ok()
    node.kubeadm.expiration(expiration_info(days=365))
    result = node.run("renew")
    assert result.rc == 0, result
    assert node.kubelet.events() == node.restarted(*ORDER)
    assert len(node.kubeadm.renewals()) == 1
    assert not os.path.exists(node.pending_file)


# ---------------------------------------------------------------------------------------------
# Regressions: external etcd, the root kubeconfig after an interrupted renewal, proxies of the
# environment, a pending file that is JSON but not a list.
# ---------------------------------------------------------------------------------------------

def assert_that(condition, what):
    assert condition, what


def test_renew_with_external_etcd(node):
    node.take_down("etcd")
    node.kubeadm.expiration(expiration_info(overrides={"apiserver": certificate("apiserver", 5, "ca")}, etcd=False))
    result = node.run("renew")
    assert_that(len(node.kubeadm.renewals()) == 1, node.kubeadm.calls())
    assert result.rc == 0, result
    assert node.kubelet.events() == node.restarted("kube-apiserver", "kube-controller-manager", "kube-scheduler")
    assert not os.path.exists(node.pending_file)


def test_interrupted_renew_still_refreshes_the_root_kubeconfig(node):
    os.makedirs(os.path.dirname(node.root_kubeconfig))
    with open(node.root_kubeconfig, "w", encoding="utf-8") as handle:
        handle.write("# old copy\n")
    node.kubeadm.expiration(expiration_info(overrides={"admin.conf": certificate("admin.conf", 7, "ca")}))
    node.kubelet.unhealthy["kube-scheduler"] = "500"
    result = node.run("renew", timeout=1)
    assert_that(result.rc == 1 and "kube-scheduler answering its health check" in result.err, result)
    assert_that(node.pending() == ["kube-scheduler"] and len(node.kubeadm.renewals()) == 1, node.kubeadm.calls())
    # the scheduler recovers; kubeadm now reports the renewed certificates
    node.kubelet.unhealthy.clear()
    node.kubeadm.expiration(expiration_info(days=365))
    result = node.run("renew")
    assert_that(result.rc == 0 and node.kubelet.events() == node.restarted("kube-scheduler"), result)
    assert node.read(node.root_kubeconfig) == "# admin.conf renewed by kubeadm\n"


def test_health_check_ignores_proxy_environment(node, monkeypatch):
    closed = free_ports(1)[0]
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:%d" % closed)
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:%d" % closed)
    result = node.run("restart", "kube-apiserver", timeout=1)
    assert result.rc == 0, result


@pytest.mark.parametrize("text", ["null", "42"])
def test_pending_file_not_a_list(node, text):
    node.write_pending(text)
    result = node.run("resume")
    assert result.rc == 1 and "is not the JSON list this tool writes" in result.err


def test_renew_reads_the_document_after_kubeadms_configuration_lines(node):
    # kubeadm prints where it read its configuration from on stdout before the document
    node.kubeadm.expiration(expiration_info(overrides={"apiserver": certificate("apiserver", 5, "ca")}),
                            prefix='[check-expiration] Reading configuration from the "kubeadm-config" ConfigMap in '
                                   'namespace "kube-system"...\n')
    result = node.run("renew")
    assert result.rc == 0, result
    assert len(node.kubeadm.renewals()) == 1


def test_renew_without_a_document(node):
    node.kubeadm.expiration({}, prefix="[check-expiration] something else\n")
    node.kubeadm.state["check"]["document"] = "not an object"
    node.kubeadm.save()
    result = node.run("renew")
    assert result.rc == 1 and "printed no CertificateExpirationInfo document" in result.err, result
