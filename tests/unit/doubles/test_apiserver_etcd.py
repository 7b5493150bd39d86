"""API server stand-in on a real etcd (TLS, client certificates): the store's etcd backend and the
kube_apiserver.py program itself started with kubeadm's flags, two instances sharing one etcd.
Skipped when the etcd binary is not installed."""

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from seed_doubles.apistore import EtcdStore
from seed_doubles.kube import ApiError

from .conftest import DOUBLES
from .test_apiserver_flags import kubeadm_flags

ETCD = shutil.which("etcd") or ("/usr/bin/etcd" if os.path.exists("/usr/bin/etcd") else None)
pytestmark = pytest.mark.skipif(ETCD is None, reason="etcd is not installed (apt-get install etcd-server)")


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


def test_etcd_store_semantics(etcd):
    store = etcd["store"]
    key = "/registry/configmaps/default/etcd-test-%d" % time.time_ns()
    rev = store.create(key, b'{"a":1}')
    assert rev and store.create(key, b"{}") is None
    assert store.get(key) == (b'{"a":1}', rev)
    assert store.update(key, b'{"a":2}', rev - 1) is None
    rev2 = store.update(key, b'{"a":2}', rev)
    assert rev2 > rev and store.get(key)[1] == rev2
    assert store.update(key + "x", b"{}") is None
    items, current = store.range("/registry/configmaps/default/")
    assert (key, b'{"a":2}', rev2) in items and current >= rev2
    assert store.delete(key, rev) is None
    assert store.delete(key, rev2) and store.get(key) is None


def start_apiserver(pki, etcd, tmp_path, name):
    port = free_port()
    pkidir = tmp_path / name
    (pkidir / "etcd").mkdir(parents=True)
    files = {"ca.crt": pki.ca_file, "apiserver.crt": pki.server_cert_file, "apiserver.key": pki.server_key_file,
             "etcd/ca.crt": etcd["ca"], "apiserver-etcd-client.crt": etcd["cert"],
             "apiserver-etcd-client.key": etcd["key"]}
    for dest, src in files.items():
        shutil.copy(src, pkidir / dest)
    argv = [sys.executable, os.path.join(DOUBLES, "kube_apiserver.py")] + \
        kubeadm_flags(str(pkidir), etcd["url"], str(port)) + ["--bind-address=127.0.0.1"]
    env = dict(os.environ, PYTHONPATH=DOUBLES, SEED_COMPONENT_VERSION="v1.33.2")
    log = open(tmp_path / (name + ".log"), "wb")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, port


def test_apiserver_program_on_etcd(pki, etcd, tmp_path):
    from seed_doubles.kube import Client
    procs = []
    try:
        for name in ("cp1", "cp2"):
            procs.append(start_apiserver(pki, etcd, tmp_path, name))
        cert, key = pki.issue("kubernetes-super-admin", ["system:masters"])
        clients = [Client("https://127.0.0.1:%d" % port, pki.ca_pem, cert, key) for _, port in procs]
        for (proc, _), client in zip(procs, clients):
            ok = wait_for(lambda c=client: c.request("GET", "/readyz") == {"message": "ok"})
            assert ok, (tmp_path / "cp1.log").read_text()[-3000:]
        one, two = clients
        assert one.get("/version")["gitVersion"] == "v1.33.2"
        created = one.create("/api/v1/namespaces/kube-system/configmaps",
                             {"metadata": {"name": "kubeadm-config"}, "data": {"ClusterConfiguration": "x"}})
        seen = two.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
        assert seen["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
        raw = etcd["store"].get("/registry/configmaps/kube-system/kubeadm-config")
        assert raw is not None and raw[1] == int(created["metadata"]["resourceVersion"])
        two.replace("/api/v1/namespaces/kube-system/configmaps/kubeadm-config", dict(seen, data={"a": "b"}))
        with pytest.raises(ApiError) as err:
            one.replace("/api/v1/namespaces/kube-system/configmaps/kubeadm-config", dict(created, data={"c": "d"}))
        assert err.value.status == 409 and err.value.reason == "Conflict"
        with pytest.raises(ApiError) as err:
            two.create("/api/v1/namespaces/kube-system/configmaps", {"metadata": {"name": "kubeadm-config"}})
        assert err.value.status == 409 and err.value.reason == "AlreadyExists"
        endpoints = one.get("/api/v1/namespaces/default/endpoints/kubernetes")
        assert endpoints["subsets"][0]["addresses"] == [{"ip": "192.168.56.10"}]
        one.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
            "metadata": {"name": "things.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                     "names": {"plural": "things", "kind": "Thing"},
                     "versions": [{"name": "v1", "served": True, "storage": True}]}})
        assert wait_for(lambda: two.get("/apis/example.com/v1")["resources"][0]["name"] == "things", 5)
        two.create("/apis/example.com/v1/namespaces/default/things", {"apiVersion": "example.com/v1",
                                                                      "kind": "Thing", "metadata": {"name": "t"}})
        assert one.get("/apis/example.com/v1/namespaces/default/things/t")["kind"] == "Thing"
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
