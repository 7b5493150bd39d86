# -*- coding: utf-8 -*-
"""Tests of roles/preflight/files/preflight_probe.py, the read-only node probe the preflight role runs
with ``python3 -c`` (it sits next to the filter tests because the preflight checks are built on them)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "preflight", "files", "preflight_probe.py")


def _run(request):
    with open(SCRIPT, encoding="utf-8") as handle:
        code = handle.read()
    out = subprocess.run([sys.executable, "-c", code, json.dumps(request)], check=True, capture_output=True, text=True, timeout=30)
    return json.loads(out.stdout)


@pytest.fixture(name="listener")
def fixture_listener():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_resources_and_no_request():
    result = _run({})
    assert result["cpus"] >= 1
    assert result["memory_mb"] > 0
    assert result["listening"] == [] and result["probes"] == []
    assert isinstance(result["joined"], bool)


def test_probes_keep_order_and_report_errors(listener):
    closed = _free_port()
    result = _run(
        {
            "endpoints": [
                {"name": "open", "host": "127.0.0.1", "port": listener},
                {"name": "closed", "host": "127.0.0.1", "port": closed},
                {"name": "nowhere", "host": "name.invalid", "port": 443},
            ],
            "timeout": 2,
        }
    )
    assert [p["name"] for p in result["probes"]] == ["open", "closed", "nowhere"]
    assert result["probes"][0] == {"name": "open", "host": "127.0.0.1", "port": listener, "ok": True, "error": ""}
    assert result["probes"][1]["ok"] is False and result["probes"][1]["error"] == "Connection refused"
    assert result["probes"][2]["ok"] is False and result["probes"][2]["error"].startswith("cannot resolve name.invalid")


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux /proc/net/tcp")
def test_listening_ports_and_joined(listener, tmp_path):
    marker = tmp_path / "kubelet.conf"
    marker.write_text("x")
    result = _run({"ports": [listener, _free_port()], "kubelet_conf": str(marker)})
    assert result["listening"] == [listener]
    assert result["joined"] is True
