"""API server stand-in on a real etcd (TLS, client certificates): the store's etcd backend and the
kube_apiserver.py program itself started with kubeadm's flags, two instances sharing one etcd.
Skipped when the etcd binary is not installed."""

import os
import shutil
import subprocess
import sys
import time

import pytest

from seed_doubles.kube import ApiError

from .conftest import DOUBLES, ETCD, free_port, wait_for
from .test_apiserver_flags import kubeadm_flags

pytestmark = pytest.mark.skipif(ETCD is None, reason="etcd is not installed (apt-get install etcd-server)")


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


def start_apiserver(pki, etcd, tmp_path, name, extra=()):
    """The program with kubeadm's flags (plus ``extra``) on the test etcd; (process, port)."""
    port = free_port()
    pkidir = tmp_path / name
    (pkidir / "etcd").mkdir(parents=True)
    files = {"ca.crt": pki.ca_file, "apiserver.crt": pki.server_cert_file, "apiserver.key": pki.server_key_file,
             "etcd/ca.crt": etcd["ca"], "apiserver-etcd-client.crt": etcd["cert"],
             "apiserver-etcd-client.key": etcd["key"]}
    for dest, src in files.items():
        shutil.copy(src, pkidir / dest)
    argv = [sys.executable, os.path.join(DOUBLES, "kube_apiserver.py")] + \
        kubeadm_flags(str(pkidir), etcd["url"], str(port)) + ["--bind-address=127.0.0.1"] + list(extra)
    env = dict(os.environ, PYTHONPATH=DOUBLES, SEED_COMPONENT_VERSION="v1.33.2")
    env.pop("SEED_POD_MOUNTS", None)  # run directly, not as a pod of the kubelet double
    with open(tmp_path / (name + ".log"), "wb") as log:
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
