"""kubectl double: version --client output, everything else not emulated."""

import json

import pytest
import yaml

from ._kubelet_helpers import load

kubectl = load("kubectl_double", "kubectl.py", "v1.34.3")


@pytest.fixture(autouse=True)
def _version(monkeypatch):
    monkeypatch.setattr(kubectl, "VERSION", "v1.34.3")


def test_version_client_text(capsys):
    assert kubectl.main(["version", "--client"]) == 0
    assert capsys.readouterr().out == "Client Version: v1.34.3\nKustomize Version: v5.7.1\n"


@pytest.mark.parametrize("args", [["-o", "json"], ["--output=json"], ["-ojson"]])
def test_version_client_json(capsys, args):
    assert kubectl.main(["version", "--client"] + args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"clientVersion", "kustomizeVersion"}
    info = doc["clientVersion"]
    assert info["gitVersion"] == "v1.34.3"
    assert info["major"] == "1" and info["minor"] == "34"
    assert info["platform"] == "linux/amd64"
    assert set(info) == {"major", "minor", "gitVersion", "gitCommit", "gitTreeState", "buildDate",
                         "goVersion", "compiler", "platform"}


def test_version_client_yaml(capsys):
    assert kubectl.main(["version", "--client", "-o", "yaml"]) == 0
    doc = yaml.safe_load(capsys.readouterr().out)
    assert doc["clientVersion"]["gitVersion"] == "v1.34.3"


@pytest.mark.parametrize("argv, shown", [
    (["get", "nodes"], "kubectl get"),
    (["version"], "kubectl version"),
    (["apply", "-f", "x.yaml"], "kubectl apply"),
])
def test_not_emulated(capsys, argv, shown):
    assert kubectl.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: seed test double: '%s" % shown)
    assert err.rstrip().endswith("is not emulated")


def test_bad_output(capsys):
    assert kubectl.main(["version", "--client", "-o", "wide"]) == 1
    assert "--output must be 'yaml' or 'json'" in capsys.readouterr().err
