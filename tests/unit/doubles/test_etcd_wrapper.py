"""The etcd image's entry point (tests/doubles/packaging/etcd-wrapper) with Debian's real etcd 3.4:
kubeadm's probe paths /livez and /readyz answered on the metrics URL, /metrics and /health passed
through, and the probe server ending with etcd."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ETCD = shutil.which("etcd")
WRAPPER = Path(__file__).resolve().parents[2] / "doubles" / "packaging" / "etcd-wrapper"
pytestmark = pytest.mark.skipif(ETCD is None, reason="Debian's etcd-server is not installed")


def _port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return None, ""


def _start(tmp_path, lonely=False):
    (tmp_path / "bin").mkdir()
    shutil.copy(WRAPPER, tmp_path / "bin" / "etcd")
    os.symlink(ETCD, tmp_path / "bin" / "etcd-3.4")
    client, peer, metrics = _port(), _port(), _port()
    proc = subprocess.Popen(
        [str(tmp_path / "bin" / "etcd"), "--name=m1", "--data-dir=%s" % (tmp_path / "data"),
         "--listen-client-urls=http://127.0.0.1:%d" % client, "--advertise-client-urls=http://127.0.0.1:%d" % client,
         "--listen-peer-urls=http://127.0.0.1:%d" % peer, "--initial-advertise-peer-urls=http://127.0.0.1:%d" % peer,
         "--initial-cluster=m1=http://127.0.0.1:%d%s" % (peer, ",m2=http://127.0.0.1:%d" % _port() if lonely else ""),
         "--listen-metrics-urls=http://127.0.0.1:%d" % metrics,
         "--feature-gates=InitialCorruptCheck=true"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = "http://127.0.0.1:%d" % metrics
    for _ in range(100):
        if _get(base + "/livez")[0] == 200:
            break
        time.sleep(0.1)
    return proc, base


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture
def etcd(tmp_path):
    proc, base = _start(tmp_path)
    for _ in range(100):
        if _get(base + "/readyz")[0] == 200:
            break
        time.sleep(0.1)
    yield proc, base
    _stop(proc)


def test_probe_paths_are_served_and_the_rest_passed_through(etcd):
    proc, base = etcd
    assert _get(base + "/livez") == (200, "ok\n")
    assert _get(base + "/readyz") == (200, "ok\n")
    assert _get(base + "/readyz?verbose") == (
        200, "[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\n[+]non_learner ok\nok\n")
    assert _get(base + "/livez?verbose") == (200, "[+]serializable_read ok\nok\n")
    status, body = _get(base + "/health")
    assert status == 200 and '"health":"true"' in body.replace(" ", "")
    status, body = _get(base + "/metrics")
    assert status == 200 and "etcd_server_has_leader 1" in body
    assert _get(base + "/nothing")[0] == 404


def test_a_member_without_a_leader_is_live_but_not_ready(tmp_path):
    proc, base = _start(tmp_path, lonely=True)   # its only peer never comes: no leader
    try:
        assert _get(base + "/livez") == (200, "ok\n")
        status, body = _get(base + "/readyz?verbose")
        assert status == 503 and body.endswith("\nreadyz check failed\n")
        assert "[-]linearizable_read failed: etcd 3.4 /health answered 503" in body and "[+]non_learner ok" in body
    finally:
        _stop(proc)


def test_the_probe_server_ends_with_etcd(etcd):
    proc, base = etcd
    assert _get(base + "/livez")[0] == 200
    proc.send_signal(signal.SIGTERM)
    proc.wait(20)
    for _ in range(50):
        if _get(base + "/livez")[0] is None:
            break
        time.sleep(0.1)
    assert _get(base + "/livez")[0] is None


def test_metrics_urls_other_than_one_http_url_are_left_to_etcd():
    ns = {"__file__": str(WRAPPER), "__name__": "etcd_wrapper"}
    exec(compile(WRAPPER.read_text(), str(WRAPPER), "exec"), ns)  # noqa: S102 - the wrapper's own functions
    args = ["--name=a", "--listen-metrics-urls=https://127.0.0.1:2381"]
    assert ns["split_metrics"](args) == (args, None, None)
    args = ["--listen-metrics-urls=http://127.0.0.1:2381,http://10.0.0.1:2381"]
    assert ns["split_metrics"](args) == (args, None, None)
    moved, listen, inner = ns["split_metrics"](["--name=a", "--listen-metrics-urls=http://127.0.0.1:2381"])
    assert listen == ("127.0.0.1", 2381) and moved[0] == "--name=a"
    assert moved[1] == "--listen-metrics-urls=" + inner and inner.startswith("http://127.0.0.1:") and inner != "http://127.0.0.1:2381"
