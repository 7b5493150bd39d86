"""kubelet double: KubeletConfiguration decoding, defaults, precedence, cgroup v1 refusal."""

import json

import pytest

from ._kubelet_helpers import load

kubelet = load("kubelet_double_config", "kubelet.py", "v1.35.6")

BASE = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"


def test_kubeadm_generated_config_decodes_without_findings():
    text = BASE + """authentication:
  anonymous: {enabled: false}
  webhook: {cacheTTL: 0s, enabled: true}
  x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}
authorization:
  mode: Webhook
  webhook: {cacheAuthorizedTTL: 0s, cacheUnauthorizedTTL: 0s}
cgroupDriver: systemd
clusterDNS: [10.96.0.10]
clusterDomain: cluster.local
containerRuntimeEndpoint: ""
cpuManagerReconcilePeriod: 0s
crashLoopBackOff: {}
evictionPressureTransitionPeriod: 0s
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
logging:
  flushFrequency: 0
  options:
    json: {infoBufferSize: "0"}
    text: {infoBufferSize: "0"}
  verbosity: 0
memorySwap: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
"""
    cfg, findings = kubelet.decode_config(text, 35)
    assert findings == []
    assert cfg["staticPodPath"] == "/etc/kubernetes/manifests"


def test_unknown_and_duplicate_fields_are_findings_lenient_and_errors_strict():
    text = BASE + "cgroupDriver: systemd\ncgroupDriver: cgroupfs\nnoSuchField: 1\nauthentication:\n  anonymous:\n    enabled: false\n    extra: 1\n"
    cfg, findings = kubelet.decode_config(text, 35)
    assert 'unknown field "noSuchField"' in findings
    assert 'unknown field "authentication.anonymous.extra"' in findings
    assert any('key "cgroupDriver" already set in map' in f for f in findings)
    with pytest.raises(kubelet.ConfigError, match=r'strict decoding error: unknown field "noSuchField"'):
        kubelet.decode_config(text, 35, strict=True)


@pytest.mark.parametrize("text, message", [
    ("apiVersion: kubelet.config.k8s.io/v1beta1\n", "Object 'Kind' is missing"),
    ("apiVersion: kubelet.config.k8s.io/v1\nkind: KubeletConfiguration\n", 'no kind "KubeletConfiguration" is registered for version "kubelet.config.k8s.io/v1"'),
    (BASE + "healthzPort: high\n", "healthzPort"),
    (BASE + "syncFrequency: 10\n", "syncFrequency"),
    (BASE + "failSwapOn: 'no'\n", "failSwapOn"),
    (BASE + "syncFrequency: ten seconds\n", "invalid duration"),
])
def test_undecodable_configs_fail_even_lenient(text, message):
    with pytest.raises(kubelet.ConfigError) as err:
        kubelet.decode_config(text, 35)
    assert message in str(err.value)


def test_fields_per_minor():
    text = BASE + "failCgroupV1: false\n"
    assert kubelet.decode_config(text, 30)[1] == ['unknown field "failCgroupV1"']
    assert kubelet.decode_config(text, 31)[1] == []
    text = BASE + "imagePullCredentialsVerificationPolicy: NeverVerify\n"
    assert kubelet.decode_config(text, 32)[1] == ['unknown field "imagePullCredentialsVerificationPolicy"']
    assert kubelet.decode_config(text, 33)[1] == []


@pytest.mark.parametrize("minor, setting, cgroup, refused", [
    (30, None, 1, False),   # no failCgroupV1 yet
    (31, None, 1, False),   # default false 1.31-1.34
    (34, None, 1, False),
    (34, True, 1, True),
    (35, None, 1, True),    # default true from 1.35 (KEP-5573)
    (35, False, 1, False),
    (35, None, 2, False),   # cgroup v2 is always fine
    (36, None, 1, True),
])
def test_cgroup_v1_refusal_per_minor(minor, setting, cgroup, refused):
    file_cfg = {} if setting is None else {"failCgroupV1": setting}
    cfg = kubelet.effective_config(file_cfg, {}, minor)
    error = kubelet.check_cgroup_v1(cfg, minor, cgroup)
    assert (error is not None) == refused
    if refused:
        assert error.startswith("kubelet is configured to not run on a host using cgroup v1.")
        if minor >= 35:
            assert "unsupported and will be removed in a future release" in error


def test_main_refuses_cgroup_v1_and_records_effective(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(kubelet, "EFFECTIVE_FILE", str(tmp_path / "effective.json"))
    monkeypatch.setattr(kubelet, "SETTINGS_FILE", str(tmp_path / "settings.json"))
    monkeypatch.setattr(kubelet.calls, "LOG_FILE", str(tmp_path / "calls.jsonl"))
    monkeypatch.setenv("SEED_KUBELET_CGROUP_VERSION", "1")
    monkeypatch.setattr(kubelet, "VERSION", "v1.35.6")
    config = tmp_path / "config.yaml"
    config.write_text(BASE + "cgroupDriver: systemd\n")
    assert kubelet.main(["--config", str(config), "--node-ip=10.1.2.3"]) == 1
    err = capsys.readouterr().err
    assert "failed to validate kubelet configuration, error: kubelet is configured to not run on a host " \
           "using cgroup v1" in err
    effective = json.loads((tmp_path / "effective.json").read_text())
    assert effective["config"]["cgroupDriver"] == "systemd"
    assert effective["config"]["failCgroupV1"] is True
    assert effective["flags"]["node-ip"] == "10.1.2.3"
    assert "cgroup v1" in effective["error"]


def test_strict_mode_from_settings(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(kubelet, "EFFECTIVE_FILE", str(tmp_path / "effective.json"))
    monkeypatch.setattr(kubelet, "SETTINGS_FILE", str(tmp_path / "settings.json"))
    monkeypatch.setattr(kubelet.calls, "LOG_FILE", str(tmp_path / "calls.jsonl"))
    (tmp_path / "settings.json").write_text('{"strict_config": true}')
    config = tmp_path / "config.yaml"
    config.write_text(BASE + "bogus: 1\n")
    assert kubelet.main(["--config", str(config)]) == 1
    assert 'strict decoding error: unknown field \\"bogus\\"' in capsys.readouterr().err


def test_precedence_defaults_file_flags():
    cfg = kubelet.effective_config({"healthzPort": 10300, "cgroupDriver": "systemd",
                                    "featureGates": {"A": True}},
                                   {"healthz-port": 10400, "feature-gates": {"B": False},
                                    "anonymous-auth": True, "node-ip": "1.2.3.4"}, 33)
    assert cfg["healthzPort"] == 10400
    assert cfg["cgroupDriver"] == "systemd"
    assert cfg["healthzBindAddress"] == "127.0.0.1"
    assert cfg["featureGates"] == {"A": True, "B": False}
    assert cfg["authentication"]["anonymous"]["enabled"] is True
    assert cfg["authentication"]["webhook"]["enabled"] is True
    assert "failCgroupV1" in cfg and cfg["failCgroupV1"] is False


def test_swap_refused_when_fail_swap_on(tmp_path):
    swaps = tmp_path / "swaps"
    swaps.write_text("Filename\tType\tSize\tUsed\tPriority\n/swapfile file 1024 0 -2\n")
    assert "running with swap on is not supported" in kubelet.swap_error({"failSwapOn": True}, str(swaps))
    assert kubelet.swap_error({"failSwapOn": False}, str(swaps)) is None
    swaps.write_text("Filename\tType\tSize\tUsed\tPriority\n")
    assert kubelet.swap_error({"failSwapOn": True}, str(swaps)) is None


def test_the_oom_watcher_needs_dev_kmsg(tmp_path):
    # go-kmsg-parser's os.Open: the error text as Go prints it.
    assert kubelet.kmsg_error(str(tmp_path / "kmsg")) == "open %s: no such file or directory" % (tmp_path / "kmsg")
    (tmp_path / "kmsg").write_text("")
    assert kubelet.kmsg_error(str(tmp_path / "kmsg")) is None
    (tmp_path / "console").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "console")
    assert kubelet.kmsg_error(str(tmp_path / "link")) is None
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    assert kubelet.kmsg_error(str(tmp_path / "dangling")).endswith(": no such file or directory")


def test_zero_values_of_non_pointer_fields_are_defaulted():
    file_cfg = {"nodeStatusUpdateFrequency": "0s", "syncFrequency": "0s", "cgroupDriver": "",
                "healthzPort": 0, "failSwapOn": False, "maxPods": 0,
                "authentication": {"webhook": {"cacheTTL": "0s", "enabled": True}},
                "authorization": {"mode": "Webhook", "webhook": {"cacheAuthorizedTTL": "0s"}}}
    cfg = kubelet.effective_config(file_cfg, {}, 35)
    assert cfg["nodeStatusUpdateFrequency"] == "10s"
    assert cfg["syncFrequency"] == "1m0s"
    assert cfg["cgroupDriver"] == "cgroupfs"
    assert cfg["maxPods"] == 110
    assert cfg["healthzPort"] == 0          # pointer field: an explicit 0 disables healthz
    assert cfg["failSwapOn"] is False       # pointer field
    assert cfg["authentication"]["webhook"]["cacheTTL"] == "2m0s"
    assert cfg["authorization"]["webhook"]["cacheAuthorizedTTL"] == "5m0s"
    assert cfg["authorization"]["webhook"]["cacheUnauthorizedTTL"] == "30s"


@pytest.mark.parametrize("minor", [33, 34, 35])
def test_config_written_by_the_kubeadm_double_decodes_cleanly(minor):
    objects = pytest.importorskip("seed_doubles.kubeadm_objects")
    api = pytest.importorskip("seed_doubles.kubeadm_api")
    if not hasattr(objects, "kubelet_config") or not hasattr(api, "default_cluster"):
        pytest.skip("the kubeadm double's helpers changed")
    import yaml
    text = yaml.safe_dump(objects.kubelet_config(api.default_cluster("v1.%d.0" % minor)))
    cfg, findings = kubelet.decode_config(text, minor, strict=True)
    assert findings == []
    effective = kubelet.effective_config(cfg, {}, minor)
    assert effective["staticPodPath"] == "/etc/kubernetes/manifests"
    assert effective["nodeStatusUpdateFrequency"] == "10s"
