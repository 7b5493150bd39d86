"""kubeadm double against the in-process API server stand-in: tokens, upload-config, upload-certs /
download-certs, bootstrap-token, mark-control-plane, addons, token discovery, the join Ready-node refusal."""

import base64
import json
import os

import pytest
import yaml

from seed_doubles import bootstrap, pki as pkiutil

VERSION = "v1.31.4"


@pytest.fixture
def env(kubeadm, api, pki, tmp_path, monkeypatch):
    monkeypatch.delenv("SEED_DOUBLES_ROOT", raising=False)
    module = kubeadm.module(VERSION)
    kc = pki.kubeconfig("admin-%s.conf" % tmp_path.name, api.url, "kubernetes-super-admin", ["system:masters"])
    certs = tmp_path / "pki"
    (certs / "etcd").mkdir(parents=True)
    for name in ("ca", "front-proxy-ca", "etcd/ca"):
        cert, key = pkiutil.new_ca(name, "ECDSA-P256")
        pkiutil.write_pair(str(certs / name), cert, key)
    key = pkiutil.new_key("ECDSA-P256")
    (certs / "sa.key").write_bytes(pkiutil.key_pem(key))
    (certs / "sa.pub").write_bytes(pkiutil.public_pem(key))
    cfg = tmp_path / "init.yaml"
    cfg.write_text("""apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: abcdef.0123456789abcdef
localAPIEndpoint:
  advertiseAddress: 127.0.0.1
nodeRegistration:
  name: cp1
certificateKey: %s
timeouts:
  kubernetesAPICall: 5s
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
certificatesDir: %s
controlPlaneEndpoint: 127.0.0.1:%d
networking:
  podSubnet: 10.244.0.0/16
""" % ("ab" * 32, certs, api.port))

    class Env:
        pass
    e = Env()
    e.module, e.kc, e.certs, e.cfg, e.api, e.admin = module, kc, certs, cfg, api, api.admin()
    return e


def run(env, capsys, *argv):
    capsys.readouterr()
    rc = env.module.main([str(a) for a in argv])
    res = capsys.readouterr()
    # the in-process API server logs on the same stderr: keep kubeadm's own lines only
    err = "".join(line for line in res.err.splitlines(True) if " apiserver] " not in line)
    return rc, res.out, err


def test_token_create_list_delete(env, capsys):
    rc, out, err = run(env, capsys, "token", "create", "abcdef.0123456789abcdef", "--description", "for tests",
                       "--kubeconfig", env.kc)
    assert (rc, out) == (0, "abcdef.0123456789abcdef\n"), err
    # An empty --groups is defaulted to the node group, which a signing-only token may not have.
    rc, out, err = run(env, capsys, "token", "create", "ghijkl.0123456789abcdef", "--ttl", "0", "--usages",
                       "signing", "--groups", "", "--kubeconfig", env.kc)
    assert rc == 1 and 'token groups cannot be specified unless --usages includes "authentication"' in err
    rc, out, err = run(env, capsys, "token", "create", "ghijkl.0123456789abcdef", "--ttl", "0", "--usages",
                       "authentication", "--groups", "", "--kubeconfig", env.kc)
    assert rc == 0, err
    rc, out, err = run(env, capsys, "token", "create", "abcdef.0123456789abcdef", "--kubeconfig", env.kc)
    assert rc == 1 and err.startswith('a token with id "abcdef" already exists')
    secret = env.admin.get("/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef")
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert secret["type"] == "bootstrap.kubernetes.io/token"
    assert data["auth-extra-groups"] == "system:bootstrappers:kubeadm:default-node-token"
    assert data["usage-bootstrap-authentication"] == data["usage-bootstrap-signing"] == "true"

    rc, out, err = run(env, capsys, "token", "list", "--kubeconfig", env.kc)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA", "GROUPS"]
    assert lines[0].startswith("TOKEN                     TTL         EXPIRES                USAGES")
    row = lines[1].split()
    assert row[0] == "abcdef.0123456789abcdef" and row[1] in ("23h", "24h")
    assert row[3] == "authentication,signing" and row[4:6] == ["for", "tests"]
    assert lines[2].split() == ["ghijkl.0123456789abcdef", "<forever>", "<never>", "authentication", "<none>",
                                "system:bootstrappers:kubeadm:default-node-token"]

    rc, out, err = run(env, capsys, "token", "list", "-o", "json", "--kubeconfig", env.kc)
    assert rc == 0, err
    docs = [json.loads(chunk) for chunk in out.replace("}\n{", "}\x00{").split("\x00")]
    assert [d["token"] for d in docs] == ["abcdef.0123456789abcdef", "ghijkl.0123456789abcdef"]
    assert docs[0]["kind"] == "BootstrapToken" and docs[0]["apiVersion"] == "output.kubeadm.k8s.io/v1alpha3"
    assert docs[0]["usages"] == ["authentication", "signing"] and docs[0]["description"] == "for tests"
    assert out.startswith('{\n    "kind": "BootstrapToken",\n')

    rc, out, err = run(env, capsys, "token", "delete", "abcdef", "--kubeconfig", env.kc)
    assert (rc, out) == (0, 'bootstrap token "abcdef" deleted\n'), err
    rc, out, err = run(env, capsys, "token", "delete", "abc", "--kubeconfig", env.kc)
    assert rc == 1 and err.startswith("given token didn't match pattern")


def test_token_create_from_a_config_file(env, capsys, tmp_path):
    """token.go: with --config the file alone counts (a positional token is ignored), every
    bootstrapTokens entry is created and the first is printed; --ttl beside --config is refused."""
    config = tmp_path / "token.yaml"
    config.write_text(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nbootstrapTokens:\n"
        "- {token: qrstuv.0123456789abcdef, ttl: 0s, description: from file, usages: [authentication, signing],"
        " groups: ['system:bootstrappers:x']}\n"
        "- {token: wxyz01.0123456789abcdef}\n"
        "---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.35.6\n")
    rc, out, err = run(env, capsys, "token", "create", "ignore.0123456789abcdef", "--config", config, "--kubeconfig", env.kc)
    assert (rc, out) == (0, "qrstuv.0123456789abcdef\n"), err
    first = env.admin.get("/api/v1/namespaces/kube-system/secrets/bootstrap-token-qrstuv")
    data = {k: base64.b64decode(v).decode() for k, v in first["data"].items()}
    assert data["description"] == "from file" and "expiration" not in data
    assert data["auth-extra-groups"] == "system:bootstrappers:x"
    env.admin.get("/api/v1/namespaces/kube-system/secrets/bootstrap-token-wxyz01")
    rc, out, err = run(env, capsys, "token", "create", "--config", config, "--ttl", "1h", "--kubeconfig", env.kc)
    assert rc == 1 and "can not mix '--config' with arguments [ttl]" in err, err


def test_token_create_print_join_command(env, capsys, pki):
    rc, out, err = run(env, capsys, "token", "create", "--print-join-command", "--kubeconfig", env.kc)
    assert rc == 0, err
    pin = pkiutil.pubkey_pin(pkiutil.load_cert(pki.ca_pem))
    words = out.split()
    assert words[:3] == ["kubeadm", "join", "127.0.0.1:%d" % env.api.port]
    assert words[3] == "--token" and bootstrap.is_valid_token(words[4])
    assert words[5:] == ["--discovery-token-ca-cert-hash", pin]


def test_upload_certs_round_trip_and_wrong_key(env, capsys, tmp_path):
    rc, out, err = run(env, capsys, "init", "phase", "upload-certs", "--upload-certs", "--config", env.cfg,
                       "--kubeconfig", env.kc)
    assert rc == 0, err
    assert out.splitlines() == ['[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the '
                                '"kube-system" Namespace', "[upload-certs] Using certificate key:", "ab" * 32]
    secret = env.admin.get("/api/v1/namespaces/kube-system/secrets/kubeadm-certs")
    assert sorted(secret["data"]) == ["ca.crt", "ca.key", "etcd-ca.crt", "etcd-ca.key", "front-proxy-ca.crt",
                                      "front-proxy-ca.key", "sa.key", "sa.pub"]
    owner = secret["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "Secret" and owner["name"].startswith("bootstrap-token-") and owner["controller"]
    raw = base64.b64decode(secret["data"]["ca.crt"])
    assert bootstrap.decrypt(raw, bytes.fromhex("ab" * 32)) == (env.certs / "ca.crt").read_bytes()
    role = env.admin.get("/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/kubeadm:kubeadm-certs")
    assert role["rules"][0]["resourceNames"] == ["kubeadm-certs"]

    cluster = {"certificatesDir": str(tmp_path / "joined"), "etcd": {"local": {"dataDir": "/var/lib/etcd"}}}
    target = tmp_path / "joined"
    env.module.download_certs(env.admin, cluster, str(target), "ab" * 32)
    for name in ("ca.crt", "ca.key", "sa.pub", "sa.key", "front-proxy-ca.key", "etcd/ca.crt"):
        assert (target / name).read_bytes() == (env.certs / name).read_bytes()
    assert oct(os.stat(target / "ca.key").st_mode & 0o777) == "0o600"
    with pytest.raises(env.module.KubeadmError) as info:
        env.module.download_certs(env.admin, cluster, str(tmp_path / "other"), "cd" * 32)
    assert str(info.value) == "error decoding secret data with provided key: cipher: message authentication failed"


def add_node(env, name, ready):
    env.admin.create("/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    status = {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    node = env.admin.get("/api/v1/nodes/" + name)
    node["status"] = status
    env.admin.replace("/api/v1/nodes/%s/status" % name, node)


def test_control_plane_phases_write_upstreams_objects(env, capsys):
    add_node(env, "cp1", True)
    for phase in (["upload-config", "all"], ["bootstrap-token"], ["mark-control-plane"], ["addon", "all"]):
        rc, out, err = run(env, capsys, "init", "phase", *phase, "--config", env.cfg,
                           *(["--kubeconfig", env.kc] if phase[0] != "mark-control-plane" else []))
        if phase[0] == "mark-control-plane":
            assert rc == 1  # admin.conf of the default path does not exist here
            env.module.mark_control_plane(env.admin, "cp1", [{"key": "node-role.kubernetes.io/control-plane",
                                                              "effect": "NoSchedule"}], 5)
            continue
        assert rc == 0, err
    a = env.admin
    cm = a.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
    cluster = yaml.safe_load(cm["data"]["ClusterConfiguration"])
    assert cluster["kind"] == "ClusterConfiguration" and cluster["kubernetesVersion"] == VERSION
    rb = a.get("/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/kubeadm:nodes-kubeadm-config")
    assert {s["name"] for s in rb["subjects"]} == {"system:bootstrappers:kubeadm:default-node-token", "system:nodes"}
    kubelet = yaml.safe_load(a.get("/api/v1/namespaces/kube-system/configmaps/kubelet-config")["data"]["kubelet"])
    assert kubelet["clusterDNS"] == ["10.96.0.10"] and kubelet["cgroupDriver"] == "systemd"
    node = a.get("/api/v1/nodes/cp1")
    assert node["metadata"]["annotations"]["kubeadm.alpha.kubernetes.io/cri-socket"] == \
        "unix:///var/run/containerd/containerd.sock"
    assert "node-role.kubernetes.io/control-plane" in node["metadata"]["labels"]
    assert node["spec"]["taints"] == [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    assert a.get("/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef")["type"] == \
        "bootstrap.kubernetes.io/token"
    for crb in ("kubeadm:get-nodes", "kubeadm:kubelet-bootstrap", "kubeadm:node-autoapprove-bootstrap",
                "kubeadm:node-autoapprove-certificate-rotation", "kubeadm:node-proxier", "system:coredns"):
        a.get("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/" + crb)
    info = a.get("/api/v1/namespaces/kube-public/configmaps/cluster-info")
    kcfg = yaml.safe_load(info["data"]["kubeconfig"])
    assert kcfg["clusters"][0]["cluster"]["server"] == env.api.url
    dep = a.get("/apis/apps/v1/namespaces/kube-system/deployments/coredns")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.k8s.io/coredns/coredns:v1.11.3"
    assert a.get("/api/v1/namespaces/kube-system/services/kube-dns")["spec"]["clusterIP"] == "10.96.0.10"
    ds = a.get("/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy")
    assert ds["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.k8s.io/kube-proxy:v1.31.4"
    proxy = yaml.safe_load(a.get("/api/v1/namespaces/kube-system/configmaps/kube-proxy")["data"]["config.conf"])
    assert proxy["clusterCIDR"] == "10.244.0.0/16"


def sign_cluster_info(env, token):
    tid, secret = token.split(".")
    path = "/api/v1/namespaces/kube-public/configmaps/cluster-info"
    cm = env.admin.get(path)
    cm["data"]["jws-kubeconfig-" + tid] = bootstrap.jws_detached(cm["data"]["kubeconfig"], tid, secret)
    env.admin.replace(path, cm)


def test_token_discovery(env, capsys, pki):
    rc, out, err = run(env, capsys, "init", "phase", "bootstrap-token", "--config", env.cfg, "--kubeconfig", env.kc)
    assert rc == 0, err
    sign_cluster_info(env, "abcdef.0123456789abcdef")
    pin = pkiutil.pubkey_pin(pkiutil.load_cert(pki.ca_pem))
    endpoint = "127.0.0.1:%d" % env.api.port
    server, ca = env.module.token_discovery({"token": "abcdef.0123456789abcdef", "apiServerEndpoint": endpoint,
                                             "caCertHashes": [pin]}, 5)
    assert server == "https://" + endpoint and ca.strip() == pki.ca_pem.strip()
    with pytest.raises(env.module.KubeadmError) as info:
        env.module.token_discovery({"token": "abcdef.0123456789abcdef", "apiServerEndpoint": endpoint,
                                    "caCertHashes": ["sha256:" + "00" * 32]}, 5)
    assert str(info.value) == ('cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "%s" '
                               'are pinned' % pin)
    with pytest.raises(env.module.KubeadmError) as info:
        env.module.token_discovery({"token": "zzzzzz.0123456789abcdef", "apiServerEndpoint": endpoint,
                                    "caCertHashes": [pin]}, 0.3)
    assert str(info.value) == 'could not find a JWS signature in the cluster-info ConfigMap for token ID "zzzzzz"'
    sign_cluster_info(env, "abcdef.0000000000000000")
    with pytest.raises(env.module.KubeadmError) as info:
        env.module.token_discovery({"token": "abcdef.0123456789abcdef", "apiServerEndpoint": endpoint,
                                    "caCertHashes": [pin]}, 5)
    assert "failed to verify JWS signature" in str(info.value)


def test_join_refuses_ready_node(env, capsys, pki, tmp_path, monkeypatch):
    for phase in (["upload-config", "kubeadm"], ["bootstrap-token"]):
        rc, out, err = run(env, capsys, "init", "phase", *phase, "--config", env.cfg, "--kubeconfig", env.kc)
        assert rc == 0, err
    add_node(env, "worker1", True)
    a = env.admin
    a.create("/api/v1/namespaces/kube-system/configmaps",
             {"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": {"name": "kubelet-config", "namespace": "kube-system"},
              "data": {"kubelet": "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"}})
    a.create("/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles",
             {"metadata": {"name": "kubeadm:kubelet-config", "namespace": "kube-system"},
              "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]})
    a.create("/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings",
             {"metadata": {"name": "kubeadm:kubelet-config", "namespace": "kube-system"},
              "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "kubeadm:kubelet-config"},
              "subjects": [{"kind": "Group", "name": "system:bootstrappers:kubeadm:default-node-token"}]})
    sign_cluster_info(env, "abcdef.0123456789abcdef")
    pin = pkiutil.pubkey_pin(pkiutil.load_cert(pki.ca_pem))
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setenv("SEED_DOUBLES_ROOT", str(root))
    rc, out, err = run(env, capsys, "join", "127.0.0.1:%d" % env.api.port, "--token", "abcdef.0123456789abcdef",
                       "--discovery-token-ca-cert-hash", pin, "--node-name", "worker1",
                       "--skip-phases", "preflight")
    assert rc == 1
    assert err.startswith('error execution phase kubelet-start: a Node with name "worker1" and status "Ready" '
                          'already exists in the cluster. You must delete the existing Node or change the name '
                          'of this new joining Node\n')
    assert '[preflight] Reading configuration from the "kubeadm-config" ConfigMap' in out
    assert not (root / "etc/kubernetes/bootstrap-kubelet.conf").exists()
    assert not (root / "var/lib/kubelet/config.yaml").exists()
