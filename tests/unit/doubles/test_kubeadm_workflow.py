"""kubeadm double: the init workflow's phase order, --skip-phases, fault injection and reset, under
SEED_DOUBLES_ROOT (no API server: the phases that need one are skipped)."""

import json

import yaml

CONFIG = """apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 10.1.2.3
nodeRegistration:
  name: n1
  kubeletExtraArgs:
  - name: node-ip
    value: 10.1.2.3
skipPhases: [preflight, wait-control-plane, upload-config, upload-certs, mark-control-plane, bootstrap-token,
             kubelet-finalize, addon, show-join-command]
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
encryptionAlgorithm: ECDSA-P256
"""


def test_init_phases_in_order_with_fault_after_certs(kubeadm, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    cfg = tmp_path / "init.yaml"
    cfg.write_text(CONFIG)
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps({"kubeadm init": {"fail_after": "certs"}}))
    env = {"SEED_DOUBLES_FAULTS": str(faults)}
    res = kubeadm.run("v1.33.1", "init", "--config", cfg, root=root, env=env)
    assert res.returncode == 1
    assert "error execution phase certs: injected fault" in res.stderr
    assert (root / "etc/kubernetes/pki/ca.crt").exists()
    assert not (root / "etc/kubernetes/admin.conf").exists()
    assert json.loads(faults.read_text()) == {}
    res = kubeadm.run("v1.33.1", "init", "--config", cfg, root=root, env=env)
    assert res.returncode == 0, res.stderr
    tags = [line.split("]")[0] + "]" for line in res.stdout.splitlines() if line.startswith("[")]
    order = []
    for tag in tags:
        if tag not in order:
            order.append(tag)
    assert order == ["[init]", "[certs]", "[kubeconfig]", "[etcd]", "[control-plane]", "[kubelet-start]"]
    assert "[certs] Using existing ca certificate authority" in res.stdout
    flags = (root / "var/lib/kubelet/kubeadm-flags.env").read_text()
    assert flags.startswith('KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/'
                            'containerd.sock')
    assert "--node-ip=10.1.2.3" in flags and "--pod-infra-container-image=registry.k8s.io/pause:3.10" in flags
    kcfg = yaml.safe_load((root / "var/lib/kubelet/config.yaml").read_text())
    assert kcfg["kind"] == "KubeletConfiguration" and kcfg["staticPodPath"] == "/etc/kubernetes/manifests"


def test_reset_cleans_the_tree(kubeadm, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    cfg = tmp_path / "init.yaml"
    cfg.write_text(CONFIG)
    assert kubeadm.run("v1.31.4", "init", "--config", cfg, root=root).returncode == 0
    (root / "var/lib/etcd/member").mkdir(parents=True)
    (root / "etc/kubernetes/tmp").mkdir()
    res = kubeadm.run("v1.31.4", "reset", "--ignore-preflight-errors", "IsPrivilegedUser", "--cleanup-tmp-dir",
                      root=root, stdin="n\n")
    assert res.returncode == 1
    assert "aborted reset operation" in res.stderr
    res = kubeadm.run("v1.31.4", "reset", "-f", "--ignore-preflight-errors", "IsPrivilegedUser",
                      "--cleanup-tmp-dir", root=root)
    assert res.returncode == 0, res.stderr
    assert ("[reset] Deleting contents of directories: [/var/lib/etcd /etc/kubernetes/manifests /var/lib/kubelet "
            "/etc/kubernetes/pki /etc/kubernetes/tmp]") in res.stdout
    assert "[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf" in res.stdout
    assert not any((root / "etc/kubernetes").glob("*.conf"))
    for sub in ("etc/kubernetes/pki", "etc/kubernetes/manifests", "var/lib/kubelet", "var/lib/etcd"):
        assert list((root / sub).iterdir()) == [], sub
