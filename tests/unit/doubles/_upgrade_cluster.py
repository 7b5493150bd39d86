"""A small kubeadm cluster for the `kubeadm upgrade` double tests, all on this machine.

- A test tree (SEED_DOUBLES_ROOT) made by the kubeadm double itself: `init phase certs all`, then
  `init` (certs, kubeconfigs, static Pod manifests, kubelet files, upload-config, bootstrap-token,
  addons) against
- the kube-apiserver double running in-process on a real etcd (Debian's etcd-server) that serves
  with the tree's etcd certificates; the API server serves with the tree's apiserver certificate.
- The kubelet double's Kubelet class syncing the tree's static Pod manifests into mirror Pods (its
  pod workers are replaced by "started at once": no containerd here); the etcd mirror Pod's
  advertise-client-urls annotation is pointed at the real etcd.
- The controller-manager double's job controllers, so the upgrade health-check Job completes.
"""

import json
import os
import shutil
import socket
import subprocess
import threading
import time

import yaml

from seed_doubles import faults, pki as pkiutil
from seed_doubles.apistore import EtcdStore
from seed_doubles.kube import Client

from ._kubelet_helpers import load

ETCD = shutil.which("etcd") or ("/usr/bin/etcd" if os.path.exists("/usr/bin/etcd") else None)
ETCD_URLS = "kubeadm.kubernetes.io/etcd.advertise-client-urls"

INIT_CONFIG = """apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: abcdef.0123456789abcdef
localAPIEndpoint:
  advertiseAddress: 127.0.0.1
  bindPort: {port}
nodeRegistration:
  name: cp1
skipPhases: [preflight, wait-control-plane, show-join-command]
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: {version}
controlPlaneEndpoint: 127.0.0.1:{port}
encryptionAlgorithm: ECDSA-P256
networking:
  podSubnet: 10.244.0.0/16
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout=20, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except Exception:  # noqa: BLE001 - not there yet
            pass
        time.sleep(interval)
    return False


def node_object(name, version, control_plane=False, ready=True):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                       "lastHeartbeatTime": now, "lastTransitionTime": now}],
                       "nodeInfo": {"kubeletVersion": version}}}


class Etcd:
    """Debian's etcd serving https://127.0.0.1:<port> with the tree's etcd server certificate."""

    def __init__(self, tree, work):
        certs = tree / "etc/kubernetes/pki"
        port, peer = free_port(), free_port()
        self.url = "https://127.0.0.1:%d" % port
        peer_url = "http://127.0.0.1:%d" % peer
        self.log = open(work / "etcd.log", "wb")
        self.proc = subprocess.Popen(
            [ETCD, "--name=cp1", "--data-dir=%s" % (work / "etcd-data"), "--listen-client-urls=" + self.url,
             "--advertise-client-urls=" + self.url, "--listen-peer-urls=" + peer_url,
             "--initial-advertise-peer-urls=" + peer_url, "--initial-cluster=cp1=" + peer_url,
             "--cert-file=%s" % (certs / "etcd/server.crt"), "--key-file=%s" % (certs / "etcd/server.key"),
             "--client-cert-auth=true", "--trusted-ca-file=%s" % (certs / "etcd/ca.crt"),
             "--listen-metrics-urls=", "--log-level=error"], stdout=subprocess.DEVNULL, stderr=self.log)
        client_dir = work / "etcd-client"
        client_dir.mkdir()
        for name in ("apiserver-etcd-client.crt", "apiserver-etcd-client.key"):
            shutil.copy(certs / name, client_dir / name)
        shutil.copy(certs / "etcd/ca.crt", client_dir / "ca.crt")
        self.store = EtcdStore(self.url, str(client_dir / "ca.crt"), str(client_dir / "apiserver-etcd-client.crt"),
                               str(client_dir / "apiserver-etcd-client.key"))
        if not wait_for(lambda: self.store.health()[0], 20):
            raise RuntimeError("etcd did not start: %s" % (work / "etcd.log").read_text()[-2000:])

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class ApiServer:
    """The kube-apiserver double in-process on ``store``, with the tree's serving certificate."""

    def __init__(self, tree, store, port, work):
        import kube_apiserver
        certs = work / "apiserver-pki"
        certs.mkdir()
        for name in ("ca.crt", "apiserver.crt", "apiserver.key"):
            shutil.copy(tree / "etc/kubernetes/pki" / name, certs / name)
        flags = {"client-ca-file": str(certs / "ca.crt"), "enable-bootstrap-token-auth": "true",
                 "secure-port": str(port), "advertise-address": "127.0.0.1",
                 "service-cluster-ip-range": "10.96.0.0/12", "authorization-mode": "Node,RBAC"}
        self.app = kube_apiserver.ApiServer(store, flags)
        self.app.bootstrap()
        self.app.min_watch_poll = 0.05
        ctx = kube_apiserver.server_context(str(certs / "apiserver.crt"), str(certs / "apiserver.key"),
                                            str(certs / "ca.crt"))
        self.server = kube_apiserver.start(self.app, "127.0.0.1", port, ctx)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Loop(threading.Thread):
    """Call ``step`` every ``interval`` seconds until stopped; errors are kept for the test to show."""

    def __init__(self, step, interval):
        super().__init__(daemon=True)
        self.step, self.interval = step, interval
        self.stopped = threading.Event()
        self.errors = []

    def run(self):
        while not self.stopped.is_set():
            try:
                self.step()
            except Exception as exc:  # noqa: BLE001 - keep looping, remember why
                self.errors.append(repr(exc))
            self.stopped.wait(self.interval)

    def stop(self):
        self.stopped.set()
        self.join(5)


def instant_pod_workers(kubelet_module, monkeypatch):
    """The kubelet double's PodWorker without containerd: a pod runs as soon as it is started."""
    worker = kubelet_module.PodWorker

    def kick(self):
        if not self.cancelled:
            self.state.update({"phase": "Running", "startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "hash": self.hash})

    def stop(self):
        self.cancelled = True
        self.state["phase"] = "Pending"

    monkeypatch.setattr(worker, "kick", kick)
    monkeypatch.setattr(worker, "stop", stop)
    monkeypatch.setattr(worker, "adopt", lambda self: False)
    monkeypatch.setattr(worker, "sync", lambda self, active=None: None)
    monkeypatch.setattr(kubelet_module.pods, "units_active", lambda names, runner=None: {})
    # no prober threads: a running pod has started and is ready
    monkeypatch.setattr(worker, "start_probes", lambda self: None)
    monkeypatch.setattr(worker, "started", lambda self: self.state.get("phase") == "Running")
    monkeypatch.setattr(worker, "ready", property(lambda self: self.state.get("phase") == "Running"))


class Cluster:
    """A one-control-plane cluster (node cp1, tree ``root``) plus a worker Node w1 (tree ``worker``)."""

    def __init__(self, kubeadm, tmp_path, monkeypatch, version, init_with=None):
        self.kubeadm, self.version = kubeadm, version
        init_with = init_with or version
        self.root, self.worker = tmp_path / "cp1", tmp_path / "w1"
        self.root.mkdir()
        self.worker.mkdir()
        self.faults = tmp_path / "faults.json"
        self.faults.write_text("{}")
        self.log = tmp_path / "calls.jsonl"
        monkeypatch.setattr(faults, "FAULTS_FILE", str(self.faults))
        monkeypatch.setenv("SEED_COMPONENT_VERSION", version)
        self.port = free_port()
        self.config = tmp_path / "init.yaml"
        self.config.write_text(INIT_CONFIG.format(port=self.port, version=version))
        self.loops, self.etcd, self.api = [], None, None
        self._run_ok(init_with, "init", "phase", "certs", "all", "--config", self.config)
        self.etcd = Etcd(self.root, tmp_path)
        self.api = ApiServer(self.root, self.etcd.store, self.port, tmp_path)
        self.admin = self._super_admin()
        self.admin.create("/api/v1/nodes", node_object("cp1", version, control_plane=True))
        self.set_ready("cp1", True)
        self._run_ok(init_with, "init", "--config", self.config)
        etcd_data = self.root / "var/lib/etcd/member/snap"
        etcd_data.mkdir(parents=True)
        (etcd_data / "db").write_bytes(b"etcd data")
        self._start_kubelet(monkeypatch)
        self._start_job_controller()
        self._make_worker()
        assert wait_for(lambda: len(self.mirror_pods()) == 4, 20), self.loops[0].errors

    # -- setup
    def _run_ok(self, version, *args):
        res = self.run(version, *args)
        assert res.returncode == 0, res.stdout + res.stderr
        return res

    def _super_admin(self):
        ca = pkiutil.load_cert((self.root / "etc/kubernetes/pki/ca.crt").read_bytes())
        cert, key = pkiutil.read_pair(str(self.root / "etc/kubernetes/pki/ca"))
        leaf, leaf_key = pkiutil.new_signed(cert, key, "test-admin", ["system:masters"], ("client",),
                                            algorithm="ECDSA-P256")
        return Client("https://127.0.0.1:%d" % self.port, pkiutil.cert_pem(ca), pkiutil.cert_pem(leaf),
                      pkiutil.key_pem(leaf_key))

    def _start_kubelet(self, monkeypatch):
        kubelet = load("kubelet_double_upgrade", "kubelet.py", self.version)
        instant_pod_workers(kubelet, monkeypatch)
        self._etcd_mirror_points_at_real_etcd(kubelet, monkeypatch)
        flags = {"hostname-override": "cp1", "kubeconfig": str(self.root / "etc/kubernetes/admin.conf"),
                 "node-ip": "127.0.0.1"}
        self.kubelet = kubelet.Kubelet(flags, {"staticPodPath": str(self.root / "etc/kubernetes/manifests")}, 34)
        self.kubelet.registered = True
        self.kubelet.node_uid = self.admin.get("/api/v1/nodes/cp1")["metadata"]["uid"]

        def step():
            self.kubelet.sync_pods()
            self.kubelet.sync_mirrors()
        self.loops.append(Loop(step, 0.2))
        self.loops[-1].start()

    def _etcd_mirror_points_at_real_etcd(self, kubelet_module, monkeypatch):
        """Every etcd mirror Pod is created already advertising the real etcd's URL: patching it after
        creation left a moment where kubeadm read the manifest's URL and waited on an etcd that is not there."""
        make = kubelet_module.mirror_pod

        def mirror_pod(pod, node, *args, **kwargs):
            mirror = make(pod, node, *args, **kwargs)
            if mirror["metadata"]["name"] == "etcd-" + node:
                mirror["metadata"].setdefault("annotations", {})[ETCD_URLS] = self.etcd.url
            return mirror
        monkeypatch.setattr(kubelet_module, "mirror_pod", mirror_pod)

    def _start_job_controller(self):
        kcm = load("kcm_double_upgrade", "kube_controller_manager.py")
        controller = kcm.ControllerManager(self.admin, {}, lambda *a: None)

        def step():
            controller.jobs()
            controller.finished_jobs()
        self.loops.append(Loop(step, 0.3))
        self.loops[-1].start()

    def _make_worker(self):
        """Node w1 with the files `kubeadm join` leaves: kubelet.conf (node credentials), kubelet config."""
        self.admin.create("/api/v1/nodes", node_object("w1", self.version))
        certs = str(self.root / "etc/kubernetes/pki/ca")
        ca, ca_key = pkiutil.read_pair(certs)
        cert, key = pkiutil.new_signed(ca, ca_key, "system:node:w1", ["system:nodes"], ("client",),
                                       algorithm="ECDSA-P256")
        kubeconfig = {"apiVersion": "v1", "kind": "Config", "current-context": "ctx",
                      "clusters": [{"name": "kubernetes", "cluster": {
                          "server": "https://127.0.0.1:%d" % self.port,
                          "certificate-authority-data": pkiutil_b64(pkiutil.cert_pem(ca))}}],
                      "contexts": [{"name": "ctx", "context": {"cluster": "kubernetes", "user": "u"}}],
                      "users": [{"name": "u", "user": {"client-certificate-data": pkiutil_b64(pkiutil.cert_pem(cert)),
                                                       "client-key-data": pkiutil_b64(pkiutil.key_pem(key))}}]}
        (self.worker / "etc/kubernetes").mkdir(parents=True)
        (self.worker / "etc/kubernetes/kubelet.conf").write_text(yaml.safe_dump(kubeconfig))
        (self.worker / "var/lib/kubelet").mkdir(parents=True)
        shutil.copy(self.root / "var/lib/kubelet/config.yaml", self.worker / "var/lib/kubelet/config.yaml")
        shutil.copy(self.root / "var/lib/kubelet/kubeadm-flags.env", self.worker / "var/lib/kubelet/kubeadm-flags.env")

    # -- use
    def run(self, version, *args, root=None, stdin=None):
        return self.kubeadm.run(version, *args, root=root or self.root, log=str(self.log), stdin=stdin,
                                env={"SEED_DOUBLES_FAULTS": str(self.faults)})

    def set_faults(self, data):
        self.faults.write_text(json.dumps(data))

    def set_ready(self, name, ready):
        node = self.admin.get("/api/v1/nodes/" + name)
        for cond in node["status"]["conditions"]:
            if cond["type"] == "Ready":
                cond["status"] = "True" if ready else "False"
        self.admin.replace("/api/v1/nodes/%s/status" % name, node)

    def mirror_pods(self):
        return self.admin.get("/api/v1/namespaces/kube-system/pods",
                              query={"labelSelector": "tier=control-plane"})["items"]

    def manifest(self, component):
        return yaml.safe_load((self.root / ("etc/kubernetes/manifests/%s.yaml" % component)).read_text())

    def image(self, component):
        return self.manifest(component)["spec"]["containers"][0]["image"]

    def cluster_config(self):
        cm = self.admin.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
        return yaml.safe_load(cm["data"]["ClusterConfiguration"])

    def set_cluster_version(self, version):
        path = "/api/v1/namespaces/kube-system/configmaps/kubeadm-config"
        cm = self.admin.get(path)
        doc = yaml.safe_load(cm["data"]["ClusterConfiguration"])
        doc["kubernetesVersion"] = version
        cm["data"]["ClusterConfiguration"] = yaml.safe_dump(doc)
        self.admin.replace(path, cm)

    def calls(self):
        return [json.loads(line) for line in self.log.read_text().splitlines()] if self.log.exists() else []

    def close(self):
        for loop in self.loops:
            loop.stop()
        if self.api:
            self.api.stop()
        if self.etcd:
            self.etcd.stop()


def pkiutil_b64(data):
    import base64
    return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()


def upgrade_config(path, timeout="20s", **apply):
    """An UpgradeConfiguration file with a short timeouts.upgradeManifests."""
    doc = {"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "UpgradeConfiguration",
           "timeouts": {"upgradeManifests": timeout}}
    if apply:
        doc["apply"] = apply
    path.write_text(yaml.safe_dump(doc))
    return path
