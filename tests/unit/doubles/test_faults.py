"""The doubles' fault file: one-shot faults, sticky faults and faults limited to one argument list."""

import json
import sys

import pytest

from seed_doubles import faults


@pytest.fixture(name="fault_file")
def fixture_fault_file(tmp_path, monkeypatch):
    path = tmp_path / "faults.json"
    monkeypatch.setattr(faults, "FAULTS_FILE", str(path))
    return path


def test_fail_after_fires_once(fault_file, monkeypatch):
    fault_file.write_text(json.dumps({"kubeadm init": {"fail_after": "certs"}}))
    monkeypatch.setattr(sys, "argv", ["kubeadm", "init"])
    faults.check("kubeadm init", "kubeconfig", "after")
    with pytest.raises(SystemExit):
        faults.check("kubeadm init", "certs", "after")
    assert json.loads(fault_file.read_text()) == {}
    faults.check("kubeadm init", "certs", "after")


def test_argv_contains_limits_the_fault_to_one_run(fault_file, monkeypatch):
    fault_file.write_text(json.dumps({"kubeadm upgrade apply": {"fail_after": "preflight", "argv_contains": "v1.35.6"}}))
    monkeypatch.setattr(sys, "argv", ["kubeadm", "upgrade", "apply", "v1.34.3", "--yes"])
    faults.check("kubeadm upgrade apply", "preflight", "after")
    assert "kubeadm upgrade apply" in json.loads(fault_file.read_text())
    monkeypatch.setattr(sys, "argv", ["kubeadm", "upgrade", "apply", "v1.35.6", "--yes"])
    with pytest.raises(SystemExit):
        faults.check("kubeadm upgrade apply", "preflight", "after")
    assert json.loads(fault_file.read_text()) == {}


def test_secret_values_are_recorded_0600_for_the_secret_scans(tmp_path, monkeypatch):
    from seed_doubles import calls
    path = tmp_path / "logs" / "secrets.jsonl"
    monkeypatch.setattr(calls, "SECRETS_FILE", str(path))
    calls.record_secret("bootstrap-token", "abcdef.0123456789abcdef")
    calls.record_secret("certificate-key", "")
    calls.record_secret("encryption-key", "a2V5")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(e["kind"], e["value"]) for e in lines] == [("bootstrap-token", "abcdef.0123456789abcdef"), ("encryption-key", "a2V5")]
    assert path.stat().st_mode & 0o777 == 0o600
