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
    # the process exits: restarted at once the first time, then after 10 s, then after 20 s
    kicks = []
    monkeypatch.setattr(worker, "kick", lambda: kicks.append(1))
    active["value"] = False
    worker.sync()
    assert worker.state["reason"] == "Error" and kicks == [1] and worker.backoff == 10
    active["value"] = True
    worker.start()
    assert worker.state["restartCount"] == 1
    active["value"] = False
    worker.sync()
    assert worker.state["reason"] == "CrashLoopBackOff" and kicks == [1] and worker.backoff == 20
    assert worker.state["message"].startswith("back-off 10s restarting failed container=etcd")
    assert 9 <= worker.next_start - kubelet.time.time() <= 10
    worker.sync()
    assert kicks == [1]                           # still backing off
    worker.next_start = 0
    active["value"] = True
    worker.start()
    active["value"] = False
    worker.sync()
    assert worker.state["message"].startswith("back-off 20s") and worker.backoff == 40
    monkeypatch.delattr(worker, "kick")           # the real kick again
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
        # systemctl is-active exits 0 when at least one of the units is active
        return 0, "active\ninactive\nactivating\nreloading\nrefreshing\n", ""

    names = ["etcd", "kube-apiserver", "kube-scheduler", "kube-controller-manager", "x"]
    got = pods.units_active(names, runner=runner)
    assert got == {"etcd": True, "kube-apiserver": False, "kube-scheduler": False, "kube-controller-manager": True, "x": True}
    assert calls == [["systemctl", "is-active"] + ["seed-pod-%s.service" % n for n in names]]
    assert pods.unit_active("etcd", runner=lambda cmd, timeout: (3, "activating\n", "")) is False
    assert pods.units_active([], runner=runner) == {} and len(calls) == 1
    # an answer that does not line up (systemd cut short): one unit at a time
    calls.clear()
    got = pods.units_active(["etcd", "kube-apiserver"], runner=lambda cmd, timeout: (calls.append(cmd) or (0, "active\n", "")))
    assert len(calls) == 3 and calls[1] == ["systemctl", "is-active", "seed-pod-etcd.service"]


def _probed_pod(kubelet, monkeypatch, container):
    """A PodWorker of ``container`` (no threads started) on a fake clock, with http_probe answering
    from ``answers[path]`` and recording every probe as (path, timeout)."""
    clock = {"now": 1000.0}
    monkeypatch.setattr(kubelet.time, "time", lambda: clock["now"])
    answers, probes, kills = {}, [], []

    def fake_probe(cont, probe, timeout=1.0):
        path = probe["httpGet"]["path"]
        probes.append((path, timeout))
        return answers.get(path, False)
    monkeypatch.setattr(kubelet, "http_probe", fake_probe)
    pod = {"metadata": {"name": container["name"]}, "spec": {"containers": [container]}}
    worker = kubelet.PodWorker(container["name"], pod, "h")
    monkeypatch.setattr(worker, "kill", lambda reason, container_id: kills.append(reason))
    return worker, clock, answers, probes, kills


def _run(worker, clock, container_id="c1"):
    worker.state.update({"phase": "Running", "containerID": container_id, "startedEpoch": clock["now"]})


def _api_server_container():
    def probe(path, failure, initial=10, period=10):
        spec = {"failureThreshold": failure, "httpGet": {"host": "10.0.0.5", "path": path, "port": 6443, "scheme": "HTTPS"},
                "periodSeconds": period, "timeoutSeconds": 15}
        if initial:
            spec["initialDelaySeconds"] = initial
        return spec
    return {"name": "kube-apiserver", "image": "x", "livenessProbe": probe("/livez", 8),
            "readinessProbe": probe("/readyz", 3, initial=0, period=1), "startupProbe": probe("/livez", 24)}


def test_readiness_waits_for_the_startup_probe_and_its_initial_delay(monkeypatch):
    kubelet = load("kubelet_double_probe_a", "kubelet.py", "v1.35.6")
    worker, clock, answers, probes, _ = _probed_pod(kubelet, monkeypatch, _api_server_container())
    assert set(worker.probes) == {"readiness", "liveness", "startup"}
    for probe in worker.probes.values():            # no container yet: nothing probed, no result
        assert probe.do_probe() is None
    assert worker.ready is False and worker.started() is False and probes == []
    _run(worker, clock)
    answers.update({"/livez": True, "/readyz": True})
    # within the startup probe's initialDelaySeconds (10): no probe runs, readiness holds Failure
    clock["now"] += 9
    assert worker.probes["startup"].do_probe() == "Unknown"
    assert worker.probes["readiness"].do_probe() == "Failure" and worker.probes["liveness"].do_probe() == "Success"
    assert probes == [] and worker.ready is False
    clock["now"] += 1
    assert worker.probes["readiness"].do_probe() == "Failure" and probes == []   # not started: readiness waits
    assert worker.probes["startup"].do_probe() == "Success" and probes == [("/livez", 15)]
    assert worker.started() is True and worker.ready is False
    assert worker.probes["readiness"].wake.is_set()    # an unready container asks for its readiness probe now
    assert worker.probes["readiness"].do_probe() == "Success" and probes[-1] == ("/readyz", 15)
    assert worker.ready is True
    # a started container's startup probe never runs again, a failed /livez does not unready it at once
    probes.clear()
    answers["/livez"] = False
    assert worker.probes["startup"].do_probe() == "Success" and probes == []
    status = kubelet.pod_status(worker.pod, worker.state, "10.0.0.5", worker.ready, started=worker.started())
    assert status["containerStatuses"][0]["started"] is True and status["containerStatuses"][0]["ready"] is True


def test_thresholds_and_a_failed_liveness_probe_restart_the_container(monkeypatch):
    kubelet = load("kubelet_double_probe_b", "kubelet.py", "v1.35.6")
    worker, clock, answers, probes, kills = _probed_pod(kubelet, monkeypatch, _api_server_container())
    _run(worker, clock)
    clock["now"] += 10
    answers.update({"/livez": True, "/readyz": True})
    worker.probes["startup"].do_probe()
    readiness, liveness = worker.probes["readiness"], worker.probes["liveness"]
    assert readiness.do_probe() == "Success"
    answers["/readyz"] = False
    assert [readiness.do_probe() for _ in range(3)] == ["Success", "Success", "Failure"]  # failureThreshold 3
    assert worker.ready is False
    answers["/readyz"] = True
    assert readiness.do_probe() == "Success"            # successThreshold 1
    answers["/livez"] = False
    assert [liveness.do_probe() for _ in range(8)] == ["Success"] * 7 + ["Failure"]    # failureThreshold 8
    assert kills == ["Container kube-apiserver failed liveness probe, will be restarted"]
    n = len(probes)
    assert liveness.do_probe() == "Failure" and len(probes) == n and len(kills) == 1    # on hold
    worker.state["phase"] = "Pending"
    assert readiness.do_probe() == "Failure" and worker.ready is False   # a non-running container: Failure
    # the restarted container has no result until its probes ran: not started, not ready
    _run(worker, clock, "c2")
    assert worker.started() is False and worker.ready is False
    # then starts from the initial results: startup Unknown, readiness Failure
    answers["/livez"] = True
    assert worker.probes["startup"].do_probe() == "Unknown" and liveness.do_probe() == "Success"
    assert readiness.do_probe() == "Failure" and worker.started() is False


def test_a_startup_probe_that_never_passes_restarts_the_container(monkeypatch):
    kubelet = load("kubelet_double_probe_c", "kubelet.py", "v1.35.6")
    container = {"name": "kube-controller-manager", "image": "x",
                 "startupProbe": {"httpGet": {"path": "/healthz", "port": 10257}, "failureThreshold": 2}}
    worker, clock, answers, probes, kills = _probed_pod(kubelet, monkeypatch, container)
    assert worker.probes["startup"].spec == {"initialDelaySeconds": 0, "timeoutSeconds": 1, "periodSeconds": 10,
                                             "successThreshold": 1, "failureThreshold": 2}
    _run(worker, clock)
    assert [worker.probes["startup"].do_probe() for _ in range(2)] == ["Unknown", "Failure"]
    assert kills == ["Container kube-controller-manager failed startup probe, will be restarted"]
    assert worker.ready is False
    # a controller-manager without a readiness probe is ready as soon as its startup probe passed
    _run(worker, clock, "c2")
    answers["/healthz"] = True
    assert worker.probes["startup"].do_probe() == "Success" and worker.ready is True


def test_a_probe_thread_waits_for_its_period_or_a_trigger(monkeypatch):
    kubelet = load("kubelet_double_probe_d", "kubelet.py", "v1.35.6")
    container = {"name": "etcd", "image": "x", "readinessProbe": {"httpGet": {"path": "/readyz", "port": 2381},
                                                                   "periodSeconds": 30}}
    pod = {"metadata": {"name": "etcd"}, "spec": {"containers": [container]}}
    worker = kubelet.PodWorker("etcd", pod, "h")
    calls = []
    monkeypatch.setattr(worker.probes["readiness"], "do_probe", lambda: calls.append(1))
    kubelet.PROBER_START[0] = kubelet.time.monotonic() - 60   # an old prober: no start-up jitter
    worker.start_probes()
    for _ in range(50):
        if calls:
            break
        kubelet.time.sleep(0.02)
    assert calls == [1]                                   # at once, then not before the period
    kubelet.time.sleep(0.2)
    assert calls == [1]
    worker.probes["readiness"].wake.set()                 # UpdatePodStatus asks for it
    for _ in range(50):
        if len(calls) == 2:
            break
        kubelet.time.sleep(0.02)
    assert calls == [1, 1]
    worker.probes["readiness"].stop()
    worker.probes["readiness"].thread.join(2)
    assert not worker.probes["readiness"].thread.is_alive()


def test_a_probe_kills_only_the_container_it_probed(monkeypatch):
    kubelet = load("kubelet_double_probe_e", "kubelet.py", "v1.35.6")
    stopped = []
    monkeypatch.setattr(kubelet.pods, "stop_unit", lambda name, runner=None: stopped.append(name))
    pod = {"metadata": {"name": "etcd"}, "spec": {"containers": [{"name": "etcd", "image": "x"}]}}
    worker = kubelet.PodWorker("etcd", pod, "h")
    worker.state.update({"phase": "Running", "containerID": "new"})
    worker.kill("Container etcd failed liveness probe, will be restarted", "old")
    assert stopped == []                          # a late result of the container before
    worker.kill("Container etcd failed liveness probe, will be restarted", "new")
    assert stopped == ["etcd"]


def test_static_pods_with_invalid_probes_are_not_run(tmp_path):
    kubelet = load("kubelet_double_probe_f", "kubelet.py", "v1.35.6")

    def manifest(name, probe):
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                "spec": {"containers": [dict({"name": name, "image": "x"}, **probe)]}}
    import yaml
    cases = {
        "good": {"livenessProbe": {"httpGet": {"port": 1}, "successThreshold": 1, "failureThreshold": 8},
                 "readinessProbe": {"httpGet": {"port": 1}, "successThreshold": 2}},
        "negative": {"readinessProbe": {"httpGet": {"port": 1}, "periodSeconds": -1}},
        "liveness-success-2": {"livenessProbe": {"httpGet": {"port": 1}, "successThreshold": 2}},
        "startup-success-3": {"startupProbe": {"httpGet": {"port": 1}, "successThreshold": 3}},
        "not-a-mapping": {"livenessProbe": "yes"},
        "text-number": {"startupProbe": {"httpGet": {"port": 1}, "failureThreshold": "24"}},
    }
    for name, probe in cases.items():
        (tmp_path / (name + ".yaml")).write_text(yaml.safe_dump(manifest(name, probe)))
    assert sorted(kubelet.read_manifests(str(tmp_path))) == ["good"]
    assert kubelet.probe_errors(manifest("n", cases["negative"])) == [
        "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"]
    assert kubelet.probe_errors(manifest("l", cases["liveness-success-2"])) == [
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"]
