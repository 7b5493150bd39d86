"""Fixtures of the control-plane double tests: a throw-away PKI, the API server stand-in running
in-process (thread) on 127.0.0.1 with the in-memory store, and the kubeadm double (the classes live
in tests/unit/utils/doubles_harness.py, shared with the module tests)."""

import os
import shutil
import socket
import subprocess
import time

import pytest

from doubles_harness import DOUBLES, KUBEADM_SOURCE, KubeadmRunner, Pki, RunningApi  # noqa: F401  pylint: disable=unused-import
from seed_doubles.apistore import EtcdStore  # (doubles_harness puts the doubles on sys.path)


# pki and api: tests/unit/conftest.py (shared with the module tests).


@pytest.fixture
def api_factory(pki):
    started = []

    def make(flags=None, store=None):
        running = RunningApi(pki, flags, store)
        started.append(running)
        return running
    yield make
    for running in started:
        running.stop()


# ---------------------------------------------------------------------------------------------
# kubeadm double: a copy baked for one release (as build.sh bakes it), run as a subprocess or
# imported in-process.


@pytest.fixture(scope="session")
def kubeadm(tmp_path_factory):
    return KubeadmRunner(tmp_path_factory.mktemp("kubeadm"))


# Debian's etcd, for the tests of the API server double on a real store.
ETCD = shutil.which("etcd") or ("/usr/bin/etcd" if os.path.exists("/usr/bin/etcd") else None)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def etcd(pki, tmp_path_factory):
    """Debian's real etcd with TLS and client certificates (the test skips without the binary)."""
    if ETCD is None:
        pytest.skip("etcd is not installed (apt-get install etcd-server)")
    work = tmp_path_factory.mktemp("etcd")
    cert, key = pki.issue("etcd-server", [], server=True)
    server_crt, server_key = pki.write("etcd-server.crt", cert), pki.write("etcd-server.key", key)
    cert, key = pki.issue("kube-apiserver-etcd-client", [])
    client_crt, client_key = pki.write("etcd-client.crt", cert), pki.write("etcd-client.key", key)
    client_port, peer_port = free_port(), free_port()
    url = "https://127.0.0.1:%d" % client_port
    peer = "http://127.0.0.1:%d" % peer_port
    proc = subprocess.Popen(
        [ETCD, "--name=test", "--data-dir=%s" % (work / "data"), "--listen-client-urls=" + url,
         "--advertise-client-urls=" + url, "--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
         "--initial-cluster=test=" + peer, "--cert-file=" + server_crt, "--key-file=" + server_key,
         "--client-cert-auth=true", "--trusted-ca-file=" + pki.ca_file, "--listen-metrics-urls=",
         "--log-level=error"],
        stdout=subprocess.DEVNULL, stderr=open(work / "etcd.log", "wb"))
    store = EtcdStore(url, pki.ca_file, client_crt, client_key)
    try:
        if not wait_for(lambda: store.health()[0]):
            pytest.fail("etcd did not start: %s" % (work / "etcd.log").read_text()[-2000:])
        yield {"url": url, "ca": pki.ca_file, "cert": client_crt, "key": client_key, "store": store}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
