"""kubelet double: static pod images (OCI archive unpacking, command resolution) and units."""

import io
import json
import os
import tarfile

import pytest

from ._kubelet_helpers import load

load("kubelet_double_pods", "kubelet.py")
from seed_doubles import pods  # noqa: E402  (after the helper put tests/doubles on sys.path)


def _tar_bytes(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data, mode in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _oci_archive(path, layers, config):
    import hashlib
    blobs = {}

    def add(data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return digest

    layer_digests = [add(layer) for layer in layers]
    config_digest = add(json.dumps({"config": config}).encode())
    manifest = json.dumps({"schemaVersion": 2, "config": {"digest": config_digest},
                           "layers": [{"digest": d} for d in layer_digests]}).encode()
    manifest_digest = add(manifest)
    index = json.dumps({"schemaVersion": 2, "manifests": [{"digest": manifest_digest}]}).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in [("index.json", index)] + [("blobs/sha256/" + d.split(":")[1], b) for d, b in blobs.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_unpack_layers_with_whiteouts(tmp_path):
    archive = tmp_path / "image.tar"
    layer1 = _tar_bytes([("usr/local/bin/kube-scheduler", b"#!/bin/sh\necho hi\n", 0o755),
                         ("etc/old", b"old", 0o644), ("../escape", b"x", 0o644)])
    layer2 = _tar_bytes([("etc/.wh.old", b"", 0o644), ("etc/new", b"new", 0o644)])
    _oci_archive(str(archive), [layer1, layer2], {"Env": ["PATH=/usr/local/bin:/bin"], "Entrypoint": ["/x"]})
    dest = tmp_path / "rootfs"
    config = pods.unpack_oci_archive(str(archive), str(dest))
    assert config["Entrypoint"] == ["/x"]
    assert (dest / "usr/local/bin/kube-scheduler").read_bytes().startswith(b"#!/bin/sh")
    assert not (dest / "etc/old").exists()
    assert (dest / "etc/new").read_text() == "new"
    assert not (tmp_path / "escape").exists()


def test_resolve_command(tmp_path):
    binary = tmp_path / "usr/local/bin/kube-scheduler"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    config = {"Env": ["PATH=/usr/local/bin:/usr/bin"], "Entrypoint": ["/usr/local/bin/kube-scheduler"], "Cmd": ["--v=1"]}
    argv = pods.resolve_command(str(tmp_path), {"command": ["kube-scheduler", "--bind-address=127.0.0.1"]}, config)
    assert argv == [str(binary), "--bind-address=127.0.0.1"]
    assert pods.resolve_command(str(tmp_path), {}, config) == [str(binary), "--v=1"]
    assert pods.resolve_command(str(tmp_path), {"args": ["--x"]}, config) == [str(binary), "--x"]
    with pytest.raises(RuntimeError, match='exec: "etcd": executable file not found in \\$PATH'):
        pods.resolve_command(str(tmp_path), {"command": ["etcd"]}, config)


def test_image_digest_and_pull_with_fake_ctr():
    calls = []

    def runner(cmd, timeout):
        calls.append(cmd)
        if cmd[4] == "ls":
            return 0, ("REF TYPE DIGEST SIZE PLATFORMS LABELS\nregistry.k8s.io/pause:3.10 "
                       "application/vnd.oci.image.manifest.v1+json sha256:abc 1.0 KiB linux/amd64 -\n"), ""
        return 1, "", "ctr: failed to resolve reference \"registry.k8s.io/etcd:3.6.6-0\": not found\n"

    assert pods.image_digest("registry.k8s.io/pause:3.10", runner) == "sha256:abc"
    assert pods.image_digest("registry.k8s.io/etcd:3.6.6-0", runner) is None
    ok, error = pods.pull_image("registry.k8s.io/etcd:3.6.6-0", attempts=2, runner=runner, sleep=lambda s: None)
    assert not ok and "not found" in error
    pulls = [c for c in calls if c[4] == "pull"]
    assert len(pulls) == 2
    assert pulls[0] == ["ctr", "-n", "k8s.io", "images", "pull", "--hosts-dir", "/etc/containerd/certs.d",
                        "registry.k8s.io/etcd:3.6.6-0"]


def test_start_unit_command_and_stop_all(tmp_path, monkeypatch):
    monkeypatch.setattr(pods, "LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(pods, "STATE_DIR", str(tmp_path / "state"))
    calls = []

    def runner(cmd, timeout):
        calls.append(cmd)
        if cmd[:2] == ["systemctl", "list-units"]:
            return 0, "seed-pod-etcd.service loaded active running seed kubelet static pod etcd\n", ""
        return 0, "", ""

    ok, _ = pods.start_unit("etcd", ["/rootfs/usr/local/bin/etcd", "--name=cp"], {"SEED_COMPONENT_VERSION": "3.6.6-0"},
                            runner=runner)
    assert ok
    run = [c for c in calls if c[0] == "systemd-run"][0]
    assert "--unit=seed-pod-etcd.service" in run and "--collect" in run
    assert "--setenv=SEED_COMPONENT_VERSION=3.6.6-0" in run
    assert run[run.index("--") + 1:] == ["/rootfs/usr/local/bin/etcd", "--name=cp"]
    assert any(a.startswith("--property=StandardOutput=append:") and a.endswith("etcd.log") for a in run)
    pods.save_state("kube-apiserver", {"hash": "x"})
    stopped = pods.stop_all(runner)
    assert stopped == ["etcd", "kube-apiserver"]
    assert ["systemctl", "stop", "seed-pod-kube-apiserver.service"] in calls
    assert not os.listdir(tmp_path / "state")


def test_pod_worker_crash_loop_backoff_and_adoption(monkeypatch):
    kubelet = load("kubelet_double_worker", "kubelet.py", "v1.35.6")
    active = {"value": True}
    started = []
    saved = {}
    monkeypatch.setattr(kubelet.pods, "unit_active", lambda name, runner=None: active["value"])
    monkeypatch.setattr(kubelet.pods, "load_state", lambda name: saved.get(name))
    monkeypatch.setattr(kubelet.pods, "save_state", lambda name, state: saved.__setitem__(name, dict(state)))
    monkeypatch.setattr(kubelet.pods, "drop_state", lambda name: saved.pop(name, None))
    monkeypatch.setattr(kubelet.pods, "stop_unit", lambda name, runner=None: None)
    monkeypatch.setattr(kubelet.pods, "image_digest", lambda ref, runner=None: "sha256:abc")
    monkeypatch.setattr(kubelet.pods, "image_rootfs", lambda ref, runner=None: ("/rootfs", {"Env": ["A=1"]}))
    monkeypatch.setattr(kubelet.pods, "resolve_command", lambda root, c, cfg: ["/rootfs/bin/x"] + c["command"][1:])

    def start_unit(name, argv, env, workdir="/", runner=None):
        started.append((name, argv, env))
        return True, ""

    monkeypatch.setattr(kubelet.pods, "start_unit", start_unit)
    pod = {"metadata": {"name": "etcd"}, "spec": {"containers": [
        {"name": "etcd", "image": "registry.k8s.io/etcd:3.6.6-0", "command": ["etcd", "--name=a"]}]}}
    worker = kubelet.PodWorker("etcd", pod, "hash1")
    worker.start()
    assert started[-1][1] == ["/rootfs/bin/x", "--name=a"]
    assert started[-1][2]["SEED_COMPONENT_VERSION"] == "3.6.6-0"
    assert started[-1][2]["A"] == "1"
    assert worker.state["phase"] == "Running" and saved["etcd"]["hash"] == "hash1"
    # the process exits: CrashLoopBackOff 10 s, then 20 s after the next exit
    active["value"] = False
    worker.sync()
    assert worker.state["reason"] == "CrashLoopBackOff" and worker.backoff == 10
    worker.next_start = 0
    active["value"] = True
    worker.start()
    assert worker.state["restartCount"] == 1
    active["value"] = False
    worker.sync()
    assert worker.backoff == 20
    # a restarted kubelet adopts a running unit with the same hash, not one with another hash
    active["value"] = True
    saved["etcd"] = dict(saved["etcd"], phase="Running")
    assert kubelet.PodWorker("etcd", pod, "hash1").adopt() is True
    assert kubelet.PodWorker("etcd", pod, "hash2").adopt() is False
    # a stopped worker never starts again
    worker.stop()
    worker.kick()
    assert worker.thread is None or not worker.thread.is_alive()
    assert "etcd" not in saved


def test_units_active_asks_systemd_once_for_every_pod():
    calls = []

    def runner(cmd, timeout):
        calls.append(cmd)
        return 3, "active\ninactive\nactivating\n", ""

    got = pods.units_active(["etcd", "kube-apiserver", "kube-scheduler"], runner=runner)
    assert got == {"etcd": True, "kube-apiserver": False, "kube-scheduler": True}
    assert calls == [["systemctl", "is-active", "seed-pod-etcd.service", "seed-pod-kube-apiserver.service",
                      "seed-pod-kube-scheduler.service"]]
    assert pods.units_active([], runner=runner) == {} and len(calls) == 1
    # an answer that does not line up (systemd cut short): one unit at a time
    calls.clear()
    got = pods.units_active(["etcd", "kube-apiserver"], runner=lambda cmd, timeout: (calls.append(cmd) or (0, "active\n", "")))
    assert len(calls) == 3 and calls[1] == ["systemctl", "is-active", "seed-pod-etcd.service"]


def test_a_ready_pod_is_probed_once_per_period(monkeypatch):
    kubelet = load("kubelet_double_probe", "kubelet.py", "v1.35.6")
    probes = []
    answer = {"ok": True}
    monkeypatch.setattr(kubelet, "http_probe", lambda container: probes.append(1) or answer["ok"])
    clock = {"now": 1000.0}
    monkeypatch.setattr(kubelet.time, "monotonic", lambda: clock["now"])
    startup = {"httpGet": {"path": "/healthz", "port": 10257, "scheme": "HTTPS"}, "periodSeconds": 10}
    pod = {"metadata": {"name": "kube-controller-manager"}, "spec": {"containers": [
        {"name": "kube-controller-manager", "image": "x", "startupProbe": startup}]}}
    worker = kubelet.PodWorker("kube-controller-manager", pod, "h")
    assert worker.probe() is False and probes == []          # not running: not ready, no probe
    worker.state["phase"] = "Running"
    answer["ok"] = False
    assert worker.probe() is False and len(probes) == 1
    clock["now"] += 2
    answer["ok"] = True
    assert worker.probe() is True and len(probes) == 2      # not ready yet: probed at every sync
    clock["now"] += 9
    assert worker.probe() is True and len(probes) == 2      # ready: again only after periodSeconds
    clock["now"] += 1
    answer["ok"] = False
    assert worker.probe() is False and len(probes) == 3
    worker.state["phase"] = "Pending"
    assert worker.probe() is False and worker.last_probe == 0.0
    assert kubelet.probe_period({"readinessProbe": {"periodSeconds": 1}, "startupProbe": startup}) == 1
    assert kubelet.probe_period({}) == 10 and kubelet.probe_period({"startupProbe": {"periodSeconds": "x"}}) == 10
