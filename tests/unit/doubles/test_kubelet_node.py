"""kubelet double: the Node it registers, mirror pods and their hash, pod status."""

import copy

import yaml

from ._kubelet_helpers import load
from seed_doubles.kube import ApiError  # noqa: E402

kubelet = load("kubelet_double_node", "kubelet.py", "v1.34.3")

MANIFEST = """
apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
  labels: {component: kube-apiserver, tier: control-plane}
  annotations:
    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: 10.0.0.5:6443
spec:
  hostNetwork: true
  priorityClassName: system-node-critical
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.34.3
    command: [kube-apiserver, --advertise-address=10.0.0.5, --secure-port=6443]
    readinessProbe:
      httpGet: {host: 10.0.0.5, path: /readyz, port: 6443, scheme: HTTPS}
"""


def test_node_object():
    cfg = kubelet.effective_config({"registerWithTaints": [{"key": "from-config", "effect": "NoSchedule"}]}, {}, 34)
    node = kubelet.node_object("cp-1", "10.0.0.5", cfg, {"tier": "db", "node.kubernetes.io/pool": "a"},
                               [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
                               now="2026-01-01T00:00:00Z", runtime_version="containerd://1.6.20")
    meta, status = node["metadata"], node["status"]
    assert node["apiVersion"] == "v1" and node["kind"] == "Node"
    assert meta["name"] == "cp-1"
    assert meta["labels"]["kubernetes.io/hostname"] == "cp-1"
    assert meta["labels"]["kubernetes.io/os"] == "linux"
    assert meta["labels"]["kubernetes.io/arch"] in ("amd64", "arm64")
    assert meta["labels"]["beta.kubernetes.io/os"] == "linux"
    assert meta["labels"]["tier"] == "db" and meta["labels"]["node.kubernetes.io/pool"] == "a"
    assert meta["annotations"]["volumes.kubernetes.io/controller-managed-attach-detach"] == "true"
    assert node["spec"]["taints"] == [{"key": "from-config", "effect": "NoSchedule"},
                                      {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    assert {"type": "InternalIP", "address": "10.0.0.5"} in status["addresses"]
    assert {"type": "Hostname", "address": "cp-1"} in status["addresses"]
    assert status["nodeInfo"]["kubeletVersion"] == "v1.34.3"
    assert status["nodeInfo"]["containerRuntimeVersion"] == "containerd://1.6.20"
    assert status["nodeInfo"]["operatingSystem"] == "linux"
    assert status["nodeInfo"]["kubeProxyVersion"] == ""  # no omitempty upstream; not reported since 1.31
    assert status["capacity"]["pods"] == "110"
    ready = [c for c in status["conditions"] if c["type"] == "Ready"][0]
    assert ready["status"] == "True" and ready["reason"] == "KubeletReady"
    assert status["daemonEndpoints"]["kubeletEndpoint"]["Port"] == 10250


def test_heartbeat_conditions_keep_transition_time():
    first = kubelet.node_conditions("2026-01-01T00:00:00Z")
    later = kubelet.node_conditions("2026-01-01T00:00:10Z", True, first)
    ready = [c for c in later if c["type"] == "Ready"][0]
    assert ready["lastHeartbeatTime"] == "2026-01-01T00:00:10Z"
    assert ready["lastTransitionTime"] == "2026-01-01T00:00:00Z"


def test_mirror_pod_and_hash():
    pod = yaml.safe_load(MANIFEST)
    config_hash = kubelet.manifest_hash(pod, "cp-1")
    assert len(config_hash) == 32
    mirror = kubelet.mirror_pod(pod, "cp-1", config_hash, node_uid="uid-1", now="2026-01-01T00:00:00Z")
    meta = mirror["metadata"]
    assert meta["name"] == "kube-apiserver-cp-1"
    assert meta["namespace"] == "kube-system"
    assert meta["annotations"]["kubernetes.io/config.hash"] == config_hash
    assert meta["annotations"]["kubernetes.io/config.mirror"] == config_hash
    assert meta["annotations"]["kubernetes.io/config.source"] == "file"
    assert meta["annotations"]["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"] == "10.0.0.5:6443"
    assert meta["ownerReferences"] == [{"apiVersion": "v1", "kind": "Node", "name": "cp-1", "uid": "uid-1",
                                        "controller": True}]
    assert mirror["spec"]["nodeName"] == "cp-1"
    assert "status" not in mirror
    # the manifest object is not modified
    assert pod["metadata"]["name"] == "kube-apiserver"


def test_hash_changes_with_manifest_and_node_only():
    pod = yaml.safe_load(MANIFEST)
    same = yaml.safe_load(MANIFEST)
    assert kubelet.manifest_hash(pod, "cp-1") == kubelet.manifest_hash(same, "cp-1")
    changed = copy.deepcopy(pod)
    changed["spec"]["containers"][0]["image"] = "registry.k8s.io/kube-apiserver:v1.35.6"
    assert kubelet.manifest_hash(changed, "cp-1") != kubelet.manifest_hash(pod, "cp-1")
    flag = copy.deepcopy(pod)
    flag["spec"]["containers"][0]["command"].append("--v=2")
    assert kubelet.manifest_hash(flag, "cp-1") != kubelet.manifest_hash(pod, "cp-1")
    assert kubelet.manifest_hash(pod, "cp-2") != kubelet.manifest_hash(pod, "cp-1")


def test_read_manifests(tmp_path):
    (tmp_path / "kube-apiserver.yaml").write_text(MANIFEST)
    (tmp_path / ".hidden.yaml").write_text(MANIFEST.replace("kube-apiserver", "hidden"))
    (tmp_path / "broken.yaml").write_text("kind: Pod\nmetadata: {}\n")
    (tmp_path / "notyaml.yaml").write_text("{: nope")
    manifests = kubelet.read_manifests(str(tmp_path))
    assert list(manifests) == ["kube-apiserver"]
    assert kubelet.read_manifests(str(tmp_path / "absent")) == {}


def test_pod_status_running_and_waiting():
    pod = yaml.safe_load(MANIFEST)
    running = kubelet.pod_status(pod, {"phase": "Running", "startedAt": "2026-01-01T00:00:00Z",
                                       "containerID": "abc", "restartCount": 2}, "10.0.0.5", True)
    assert running["phase"] == "Running"
    assert {"type": "Ready", "status": "True", "lastProbeTime": None,
            "lastTransitionTime": "2026-01-01T00:00:00Z"} in running["conditions"]
    assert running["podIP"] == "10.0.0.5"
    cstatus = running["containerStatuses"][0]
    assert cstatus["ready"] is True and cstatus["restartCount"] == 2
    assert cstatus["containerID"] == "containerd://abc"
    waiting = kubelet.pod_status(pod, {"phase": "Pending", "reason": "ErrImagePull", "message": "boom"},
                                 "10.0.0.5", False)
    assert waiting["phase"] == "Pending"
    assert waiting["containerStatuses"][0]["state"]["waiting"]["reason"] == "ErrImagePull"
    assert [c for c in waiting["conditions"] if c["type"] == "Ready"][0]["status"] == "False"


def test_http_probe_without_probe_is_ready():
    assert kubelet.http_probe({"name": "x"}, {"exec": {"command": ["true"]}}) is True
    assert kubelet.http_probe({"name": "x"}, {"httpGet": {"port": 1, "host": "127.0.0.1", "path": "/"}}, timeout=0.5) is False
    assert kubelet.http_probe({"name": "x"}, {"httpGet": {"port": "web", "path": "/"}}) is False  # no such named port


class _NodeApi:
    """Records the kubelet's calls as (verb, kind); GET answers the last object written."""

    def __init__(self, node):
        self.node, self.lease, self.calls = node, None, []

    @staticmethod
    def _kind(path):
        return "lease" if "/leases" in path else "node"

    def get(self, path, **_kw):
        self.calls.append(("GET", self._kind(path)))
        if self._kind(path) == "lease":
            if self.lease is None:
                raise ApiError(404, "not found")
            return copy.deepcopy(self.lease)
        return copy.deepcopy(self.node)

    def create(self, path, obj):
        self.calls.append(("POST", self._kind(path)))
        self.lease = copy.deepcopy(obj)
        return obj

    def replace(self, path, obj):
        self.calls.append(("PUT", self._kind(path)))
        if self._kind(path) == "lease":
            self.lease = copy.deepcopy(obj)
        else:
            self.node = copy.deepcopy(obj)
        return obj


def test_node_status_is_written_on_change_or_report_frequency_and_the_lease_every_ten_seconds(monkeypatch):
    mod = load("kubelet_double_heartbeat", "kubelet.py", "v1.34.3")
    clock = {"now": 1000.0}
    monkeypatch.setattr(mod.time, "time", lambda: clock["now"])
    monkeypatch.setattr(mod, "runtime_version", lambda: "containerd://1.7.24")
    cfg = mod.effective_config({"nodeStatusUpdateFrequency": "0s", "nodeStatusReportFrequency": "0s"}, {}, 34)
    assert cfg["nodeStatusUpdateFrequency"] == "10s" and cfg["nodeStatusReportFrequency"] == "5m0s"
    kl = mod.Kubelet.__new__(mod.Kubelet)
    kl.node, kl.node_ip, kl.cfg, kl.node_uid = "cp-1", "10.0.0.5", cfg, None
    kl.last_heartbeat = kl.last_report = kl.last_lease = 0.0
    kl.lease_warned, kl.registered = False, True
    api = _NodeApi(mod.node_object("cp-1", "10.0.0.5", cfg, runtime_version="containerd://1.7.24"))
    kl.api = lambda: api
    kl.latest_lease = None
    kl.heartbeat(force=True)                      # registration: the Lease made, the status written
    assert api.calls == [("GET", "lease"), ("POST", "lease"), ("GET", "node"), ("PUT", "node")]
    for _ in range(29):                           # 290 s: every 10 s the Lease PUT (no GET) and a GET of the Node
        api.calls.clear()
        clock["now"] += 10
        kl.heartbeat()
        assert api.calls == [("PUT", "lease"), ("GET", "node")]
    assert api.lease["spec"]["holderIdentity"] == "cp-1" and api.lease["spec"]["leaseDurationSeconds"] == 40
    api.calls.clear()
    clock["now"] += 5
    kl.heartbeat()
    assert api.calls == []                        # not due yet
    clock["now"] += 5                             # 300 s since the last write: written again
    kl.heartbeat()
    assert api.calls == [("PUT", "lease"), ("GET", "node"), ("PUT", "node")]
    api.calls.clear()
    clock["now"] += 10
    kl.node_ip = "10.0.0.6"                       # a change is written at once
    api.lease = None                              # the Lease deleted meanwhile: made again
    orig_replace = api.replace

    def refuse_lease(path, obj):
        if "/leases" in path and api.lease is None:
            api.calls.append(("PUT", "lease"))
            raise ApiError(404, "not found")
        return orig_replace(path, obj)
    api.replace = refuse_lease
    kl.heartbeat()
    assert api.calls == [("PUT", "lease"), ("GET", "lease"), ("POST", "lease"), ("GET", "node"), ("PUT", "node")]
    assert {"type": "InternalIP", "address": "10.0.0.6"} in api.node["status"]["addresses"]
    # an explicit nodeStatusUpdateFrequency is also the report frequency when that one is unset
    cfg = mod.effective_config({"nodeStatusUpdateFrequency": "4s"}, {}, 34)
    assert cfg["nodeStatusReportFrequency"] == "4s"
    cfg = mod.effective_config({"nodeStatusUpdateFrequency": "4s", "nodeStatusReportFrequency": "1m"}, {}, 34)
    assert cfg["nodeStatusReportFrequency"] == "1m"


def test_status_changed_ignores_heartbeat_times_only():
    first = {"conditions": mod_conditions("2026-01-01T00:00:00Z"), "addresses": [{"type": "InternalIP", "address": "a"}]}
    later = dict(first, conditions=mod_conditions("2026-01-01T00:00:10Z", first["conditions"]))
    assert kubelet.status_changed(first, later) is False
    assert kubelet.status_changed(first, dict(later, addresses=[])) is True
    not_ready = dict(first, conditions=kubelet.node_conditions("2026-01-01T00:00:10Z", False, first["conditions"]))
    assert kubelet.status_changed(first, not_ready) is True


def mod_conditions(now, previous=None):
    return kubelet.node_conditions(now, True, previous)
