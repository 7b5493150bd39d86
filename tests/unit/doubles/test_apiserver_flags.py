"""API server stand-in command line: kubeadm's flags parse, unknown flags fail like pflag."""

import kube_apiserver

from seed_doubles import apimachinery as am


def kubeadm_flags(pki="/etc/kubernetes/pki", etcd="https://127.0.0.1:2379", port="6443"):
    """The command kubeadm 1.31-1.35 writes into kube-apiserver.yaml (phases/controlplane)."""
    return [
        "--advertise-address=192.168.56.10", "--allow-privileged=true", "--authorization-mode=Node,RBAC",
        "--client-ca-file=%s/ca.crt" % pki, "--enable-admission-plugins=NodeRestriction",
        "--enable-bootstrap-token-auth=true", "--etcd-cafile=%s/etcd/ca.crt" % pki,
        "--etcd-certfile=%s/apiserver-etcd-client.crt" % pki, "--etcd-keyfile=%s/apiserver-etcd-client.key" % pki,
        "--etcd-servers=%s" % etcd, "--kubelet-client-certificate=%s/apiserver-kubelet-client.crt" % pki,
        "--kubelet-client-key=%s/apiserver-kubelet-client.key" % pki,
        "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
        "--proxy-client-cert-file=%s/front-proxy-client.crt" % pki,
        "--proxy-client-key-file=%s/front-proxy-client.key" % pki, "--requestheader-allowed-names=front-proxy-client",
        "--requestheader-client-ca-file=%s/front-proxy-ca.crt" % pki,
        "--requestheader-extra-headers-prefix=X-Remote-Extra-", "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-username-headers=X-Remote-User", "--secure-port=%s" % port,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=%s/sa.pub" % pki, "--service-account-signing-key-file=%s/sa.key" % pki,
        "--service-cluster-ip-range=10.96.0.0/12", "--tls-cert-file=%s/apiserver.crt" % pki,
        "--tls-private-key-file=%s/apiserver.key" % pki]


def parse(argv):
    return am.parse_flags(argv, kube_apiserver.KNOWN_FLAGS, kube_apiserver.BOOL_FLAGS)[0]


def test_kubeadm_flags_parse():
    flags = parse(kubeadm_flags())
    assert flags["etcd-servers"] == "https://127.0.0.1:2379" and flags["secure-port"] == "6443"


def test_common_real_flags_and_pflag_forms():
    flags = parse(["--audit-log-path", "/var/log/audit.log", "--audit-policy-file=/etc/audit.yaml", "--profiling",
                   "--anonymous-auth=false", "--encryption-provider-config=/etc/enc.yaml", "-v=2",
                   "--etcd-servers", "https://a:2379,https://b:2379"])
    assert flags["audit-log-path"] == "/var/log/audit.log" and flags["profiling"] == "true"
    assert flags["anonymous-auth"] == "false" and flags["v"] == "2"
    assert flags["etcd-servers"] == "https://a:2379,https://b:2379"


def test_unknown_flag_exits_1(capsys):
    assert kube_apiserver.main(kubeadm_flags() + ["--no-such-flag=1"]) == 1
    assert capsys.readouterr().err.startswith("Error: unknown flag: --no-such-flag\n")
    assert kube_apiserver.main(["--anonymous-auth=maybe"]) == 1
    assert "invalid argument" in capsys.readouterr().err


def test_missing_etcd_servers(capsys):
    assert kube_apiserver.main([]) == 1
    assert "--etcd-servers must be specified" in capsys.readouterr().err


def test_version_flag(capsys, monkeypatch):
    monkeypatch.setenv("SEED_COMPONENT_VERSION", "v1.32.1")
    assert kube_apiserver.main(["--version"]) == 0
    assert capsys.readouterr().out == "Kubernetes v1.32.1\n"
