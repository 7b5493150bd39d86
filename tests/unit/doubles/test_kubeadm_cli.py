"""kubeadm double: command line parsing, version, config images/validate/print, recorded argv."""

import json

import pytest

V31 = "v1.31.4"


@pytest.fixture
def cli(kubeadm, capsys):
    """The double run in-process (fast); ``kubeadm.run`` runs it as a real process."""
    return lambda version, *args, **kw: kubeadm.invoke(capsys, version, *args, **kw)

EXPECTED_PINS = {
    "v1.31.4": ("v1.11.3", "3.10", "3.5.15-0"),
    "v1.32.2": ("v1.11.3", "3.10", "3.5.16-0"),
    "v1.33.1": ("v1.12.0", "3.10", "3.5.21-0"),
    "v1.34.1": ("v1.12.1", "3.10.1", "3.6.4-0"),
    "v1.35.0": ("v1.13.1", "3.10.1", "3.6.6-0"),
}


def test_unknown_flag_exits_1_with_pflag_text(kubeadm):
    res = kubeadm.run(V31, "token", "list", "--bogus")
    assert res.returncode == 1
    assert res.stderr.startswith("unknown flag: --bogus\n")
    assert "To see the stack trace of this error execute with --v=5 or higher" in res.stderr


def test_missing_flag_value(cli):
    res = cli(V31, "init", "--config")
    assert res.returncode == 1
    assert res.stderr.startswith("flag needs an argument: --config")


def test_unknown_command_root_and_noargs(cli):
    res = cli(V31, "frobnicate")
    assert res.returncode == 1
    assert res.stderr.startswith('unknown command "frobnicate" for "kubeadm"')
    res = cli(V31, "token", "list", "extra")
    assert res.stderr.startswith('unknown command "extra" for "kubeadm token list"')


def test_group_commands(cli):
    res = cli(V31, "config", "nope")
    assert res.returncode == 1
    assert res.stderr.startswith('invalid subcommand "nope"\nSee \'kubeadm config -h\' for help and examples')
    res = cli(V31, "init", "phase", "control-plane")
    assert res.returncode == 1
    assert 'missing subcommand; "control-plane" is not meant to be run on its own' in res.stderr


def test_error_prefix_from_134(cli):
    res = cli("v1.34.1", "token", "list", "--bogus")
    assert res.returncode == 1
    assert res.stderr.startswith("error: unknown flag: --bogus\n")


def test_config_mixed_with_certificate_key_refused(cli, tmp_path):
    cfg = tmp_path / "init.yaml"
    cfg.write_text("apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n")
    res = cli(V31, "init", "phase", "upload-certs", "--upload-certs", "--certificate-key", "a" * 64,
                      "--config", cfg)
    assert res.returncode == 1
    assert res.stderr.startswith("can not mix '--config' with arguments [certificate-key]\n")
    assert "error execution phase" not in res.stderr


def test_config_mixed_lists_flags_sorted(cli, tmp_path):
    cfg = tmp_path / "init.yaml"
    cfg.write_text("apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n")
    res = cli(V31, "init", "--token", "abcdef.0123456789abcdef", "--apiserver-bind-port", "7443",
                      "--config", cfg, "--skip-phases", "addon", "--upload-certs")
    assert res.stderr.startswith("can not mix '--config' with arguments [apiserver-bind-port token]")


@pytest.mark.parametrize("version", sorted(EXPECTED_PINS))
@pytest.mark.parametrize("repo", ["", "registry.aliyuncs.com/google_containers", "10.0.0.1:60080/registry.k8s.io"])
def test_config_images_list(cli, version, repo):
    args = ["config", "images", "list"] + (["--image-repository", repo] if repo else [])
    res = cli(version, *args)
    assert res.returncode == 0, res.stderr
    coredns, pause, etcd = EXPECTED_PINS[version]
    base = repo or "registry.k8s.io"
    dns_repo = "registry.k8s.io/coredns" if not repo else repo
    assert res.stdout.splitlines() == [
        "%s/kube-apiserver:%s" % (base, version), "%s/kube-controller-manager:%s" % (base, version),
        "%s/kube-scheduler:%s" % (base, version), "%s/kube-proxy:%s" % (base, version),
        "%s/coredns:%s" % (dns_repo, coredns), "%s/pause:%s" % (base, pause), "%s/etcd:%s" % (base, etcd)]


def test_config_images_list_json_and_config(cli, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.31.1\n"
                   "imageRepository: registry.aliyuncs.com/google_containers\n")
    res = cli(V31, "config", "images", "list", "--config", cfg, "-o", "json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["kind"] == "Images" and doc["apiVersion"] == "output.kubeadm.k8s.io/v1alpha3"
    assert doc["images"][0] == "registry.aliyuncs.com/google_containers/kube-apiserver:v1.31.1"
    assert doc["images"][4] == "registry.aliyuncs.com/google_containers/coredns:v1.11.3"
    # images list does not validate mixed arguments: the file wins over the flags
    res = cli(V31, "config", "images", "list", "--config", cfg, "--kubernetes-version", "v1.31.0")
    assert res.stdout.splitlines()[0] == "registry.aliyuncs.com/google_containers/kube-apiserver:v1.31.1"


def test_config_images_list_too_old(cli):
    res = cli(V31, "config", "images", "list", "--kubernetes-version", "v1.29.3")
    assert res.returncode == 1
    assert res.stderr.startswith("this version of kubeadm only supports deploying clusters with the control "
                                 "plane version >= 1.30.0. Current version: v1.29.3")


VALID = """apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 192.168.10.5
nodeRegistration:
  name: cp1
  kubeletExtraArgs:
  - name: node-ip
    value: 192.168.10.5
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.31.4
controlPlaneEndpoint: cp.example.test:6443
networking:
  podSubnet: 10.244.0.0/16
"""


def test_config_validate(cli, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(VALID)
    res = cli(V31, "config", "validate", "--config", good)
    assert (res.returncode, res.stdout) == (0, "ok\n"), res.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(VALID.replace("  name: cp1\n", "  name: cp1\n  nodeIP: 1.2.3.4\n"))
    res = cli(V31, "config", "validate", "--config", bad)
    assert res.returncode == 1
    assert res.stderr.startswith(
        'error unmarshaling configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta4", '
        'Kind:"InitConfiguration"}: strict decoding error: unknown field "nodeRegistration.nodeIP"')


def test_config_print_defaults(cli):
    import yaml
    res = cli(V31, "config", "print", "init-defaults")
    docs = list(yaml.safe_load_all(res.stdout))
    assert [d["kind"] for d in docs] == ["InitConfiguration", "ClusterConfiguration"]
    assert docs[0]["bootstrapTokens"][0]["token"] == "abcdef.0123456789abcdef"
    assert docs[1]["kubernetesVersion"] == "1.31.0"
    res = cli(V31, "config", "print", "join-defaults")
    assert yaml.safe_load(res.stdout)["discovery"]["bootstrapToken"]["apiServerEndpoint"] == "kube-apiserver:6443"


def test_version_outputs(cli):
    assert cli("v1.33.1", "version", "-o", "short").stdout == "v1.33.1\n"
    doc = json.loads(cli("v1.33.1", "version", "-o", "json").stdout)
    assert doc["clientVersion"]["gitVersion"] == "v1.33.1" and doc["clientVersion"]["minor"] == "33"
    assert cli("v1.33.1", "version").stdout.startswith("kubeadm version: &version.Info{Major:\"1\"")


def test_recorded_argv_redacts_secrets(kubeadm, tmp_path):
    log = tmp_path / "calls.jsonl"
    key = "0123456789abcdef" * 4
    kubeadm.run(V31, "token", "create", "abcdef.0123456789abcdef", "--kubeconfig", tmp_path / "missing.conf",
                log=str(log))
    kubeadm.run(V31, "join", "10.0.0.1:6443", "--token", "abcdef.0123456789abcdef", "--discovery-token-ca-cert-hash",
                "sha256:" + "ab" * 32, "--control-plane", "--certificate-key", key, "--skip-phases", "preflight",
                "--dry-run", log=str(log))
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["tool"] for e in entries] == ["kubeadm", "kubeadm"]
    text = json.dumps(entries)
    assert "0123456789abcdef" not in text
    assert key not in text
    assert "sha256:" + "ab" * 32 in text
    assert entries[0]["rc"] == 1
