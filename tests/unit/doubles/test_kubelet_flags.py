"""kubelet double: pflag-style flag parsing, per-minor flag sets, start-up failures."""

import json

import pytest

from ._kubelet_helpers import load

kubelet = load("kubelet_double_flags", "kubelet.py", "v1.33.7")


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    monkeypatch.setattr(kubelet, "EFFECTIVE_FILE", str(tmp_path / "effective.json"))
    monkeypatch.setattr(kubelet, "SETTINGS_FILE", str(tmp_path / "settings.json"))
    monkeypatch.setattr(kubelet.calls, "LOG_FILE", str(tmp_path / "calls.jsonl"))
    monkeypatch.setenv("SEED_KUBELET_CGROUP_VERSION", "2")
    monkeypatch.setattr(kubelet, "VERSION", "v1.33.7")
    return tmp_path


def test_kubeadm_style_command_line():
    argv = ["--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
            "--kubeconfig=/etc/kubernetes/kubelet.conf", "--config=/var/lib/kubelet/config.yaml",
            "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock",
            "--node-ip=10.0.0.5", "--hostname-override", "Node-1",
            "--node-labels=topology.kubernetes.io/zone=a,tier=db",
            "--register-with-taints=dedicated=db:NoSchedule,spare:NoExecute", "-v", "2"]
    values, order, warnings, positional = kubelet.parse_flags(argv, 33)
    assert values["config"] == "/var/lib/kubelet/config.yaml"
    assert values["hostname-override"] == "Node-1"
    assert values["node-labels"] == {"topology.kubernetes.io/zone": "a", "tier": "db"}
    assert values["register-with-taints"] == [{"key": "dedicated", "value": "db", "effect": "NoSchedule"},
                                              {"key": "spare", "effect": "NoExecute"}]
    assert values["v"] == 2
    assert positional == []
    assert order[0] == "bootstrap-kubeconfig"
    # config-bound flags warn like pflag's MarkDeprecated
    assert any(w.startswith("Flag --container-runtime-endpoint has been deprecated") for w in warnings)
    assert kubelet.node_name(values) == "node-1"


@pytest.mark.parametrize("argv, message", [
    (["--no-such-flag"], "unknown flag: --no-such-flag"),
    (["--no-such-flag=1"], "unknown flag: --no-such-flag"),
    (["-x"], "unknown shorthand flag: 'x' in -x"),
    (["--config"], "flag needs an argument: --config"),
    (["--healthz-port=abc"], 'invalid argument "abc" for "--healthz-port" flag: strconv.ParseInt'),
    (["--fail-swap-on=maybe"], 'invalid argument "maybe" for "--fail-swap-on" flag: strconv.ParseBool'),
    (["--sync-frequency=10"], 'invalid argument "10" for "--sync-frequency" flag: time: invalid duration'),
    (["--register-with-taints=a=b:Sometimes"], "invalid taint spec"),
])
def test_flag_errors(argv, message):
    with pytest.raises(kubelet.FlagError) as err:
        kubelet.parse_flags(argv, 33)
    assert message in str(err.value)


def test_bool_and_shorthand_forms():
    values, _, _, _ = kubelet.parse_flags(["--fail-swap-on=false", "--rotate-certificates", "-v4",
                                            "--feature-gates=A=true,B=false"], 33)
    assert values["fail-swap-on"] is False
    assert values["rotate-certificates"] is True
    assert values["v"] == 4
    assert values["feature-gates"] == {"A": True, "B": False}


def test_pod_infra_container_image_exists_until_1_34():
    values, _, warnings, _ = kubelet.parse_flags(["--pod-infra-container-image=registry.k8s.io/pause:3.10"], 34)
    assert values["pod-infra-container-image"] == "registry.k8s.io/pause:3.10"
    assert any("--pod-infra-container-image has been deprecated" in w for w in warnings)
    with pytest.raises(kubelet.FlagError, match="unknown flag: --pod-infra-container-image"):
        kubelet.parse_flags(["--pod-infra-container-image=registry.k8s.io/pause:3.10.1"], 35)


def test_fail_cgroupv1_flag_from_1_31():
    with pytest.raises(kubelet.FlagError, match="unknown flag: --fail-cgroupv1"):
        kubelet.parse_flags(["--fail-cgroupv1=false"], 30)
    values, _, _, _ = kubelet.parse_flags(["--fail-cgroupv1=false"], 31)
    assert values["fail-cgroupv1"] is False


def test_main_unknown_flag_exits_1(sandbox, capsys):
    assert kubelet.main(["--no-such-flag"]) == 1
    err = capsys.readouterr().err
    assert '"command failed"' in err
    assert "failed to parse kubelet flag: unknown flag: --no-such-flag" in err


def test_main_missing_config_exits_1_with_upstream_message(sandbox, capsys):
    missing = str(sandbox / "config.yaml")
    assert kubelet.main(["--config=" + missing]) == 1
    err = capsys.readouterr().err
    assert ("failed to load kubelet config file, path: %s, error: failed to load Kubelet config file %s, "
            "error failed to read kubelet config file \\\"%s\\\", error: open %s: no such file or directory"
            % (missing, missing, missing, missing)) in err


def test_version_flag(sandbox, capsys):
    assert kubelet.main(["--version"]) == 0
    assert capsys.readouterr().out == "Kubernetes v1.33.7\n"


def test_entry_records_the_call(sandbox):
    with pytest.raises(SystemExit) as exc:
        kubelet.entry(["--no-such-flag", "--token=abcdef.0123456789abcdef"])
    assert exc.value.code == 1
    lines = [json.loads(line) for line in (sandbox / "calls.jsonl").read_text().splitlines()]
    assert lines[-1]["tool"] == "kubelet"
    assert lines[-1]["rc"] == 1
    assert "abcdef.0123456789abcdef" not in json.dumps(lines[-1])


def test_node_labels_in_kubernetes_io_namespace_rejected(sandbox, capsys):
    assert kubelet.unknown_node_labels({"node-role.kubernetes.io/worker": "", "node.kubernetes.io/pool": "a",
                                        "example.com/x": "y", "kubernetes.io/os": "linux"}) == [
        "node-role.kubernetes.io/worker"]
    assert kubelet.main(["--node-labels=node-role.kubernetes.io/worker="]) == 1
    assert "unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: " \
           "[node-role.kubernetes.io/worker]" in capsys.readouterr().err


def test_parse_duration():
    assert kubelet.parse_duration("1m30s") == 90
    assert kubelet.parse_duration("300ms") == pytest.approx(0.3)
    assert kubelet.parse_duration("0") == 0
    with pytest.raises(ValueError):
        kubelet.parse_duration("10")
