"""The probes kubeadm's static Pod manifests carry (cmd/kubeadm/app/util/staticpod/utils.go,
phases/etcd/local.go), as the kubeadm double writes them."""

import pytest

from seed_doubles import kubeadm_objects as objs  # noqa: E402  (conftest put tests/doubles on sys.path)

CLUSTER = {"kubernetesVersion": "v1.35.6", "networking": {"serviceSubnet": "10.96.0.0/12"}}
ENDPOINT = {"advertiseAddress": "192.168.56.10", "bindPort": 6443}


@pytest.fixture(autouse=True)
def default_timeout():
    objs.ACTIVE_CONTROL_PLANE_TIMEOUT[0] = 240.0
    yield
    objs.ACTIVE_CONTROL_PLANE_TIMEOUT[0] = 240.0


def _probes(pod):
    container = pod["spec"]["containers"][0]
    return {k: container.get(k) for k in ("livenessProbe", "readinessProbe", "startupProbe")}


def test_etcd_probes_by_default_and_from_listen_metrics_urls():
    probes = _probes(objs.etcd_pod(CLUSTER, ENDPOINT, "cp1", "/etc/kubernetes/pki", "v1.35.6"))
    assert probes["livenessProbe"] == {"failureThreshold": 8, "initialDelaySeconds": 10, "periodSeconds": 10,
                                       "timeoutSeconds": 15, "httpGet": {"host": "127.0.0.1", "path": "/livez",
                                                                         "port": 2381, "scheme": "HTTP"}}
    assert probes["readinessProbe"] == {"failureThreshold": 3, "periodSeconds": 1, "timeoutSeconds": 15,
                                        "httpGet": {"host": "127.0.0.1", "path": "/readyz", "port": 2381,
                                                    "scheme": "HTTP"}}
    assert probes["startupProbe"]["failureThreshold"] == 24 and probes["startupProbe"]["httpGet"]["path"] == "/readyz"
    local = dict(CLUSTER, etcd={"local": {"extraArgs": [
        {"name": "listen-metrics-urls", "value": "https://10.0.0.5:12381,http://127.0.0.1:2381"}]}})
    probes = _probes(objs.etcd_pod(local, ENDPOINT, "cp1", "/etc/kubernetes/pki", "v1.35.6"))
    for probe in probes.values():
        assert probe["httpGet"]["host"] == "10.0.0.5" and probe["httpGet"]["port"] == 12381
        assert probe["httpGet"]["scheme"] == "HTTPS"
    assert objs.etcd_probe_endpoint({"extraArgs": [{"name": "listen-metrics-urls", "value": "http://:9000"}]}) == \
        ("127.0.0.1", 9000, "HTTP")
    assert objs.etcd_probe_endpoint({}, ipv6=True) == ("::1", 2381, "HTTP")
    assert objs.etcd_probe_endpoint({"extraArgs": [{"name": "listen-metrics-urls", "value": "http://h:99999"}]}) == \
        ("h", 2381, "HTTP")


@pytest.mark.parametrize("seconds, threshold", [(240.0, 24), (95.0, 10), (30.0, 3)])
def test_startup_probes_cover_the_control_plane_health_check_timeout(seconds, threshold):
    objs.ACTIVE_CONTROL_PLANE_TIMEOUT[0] = seconds
    pods = [objs.apiserver_pod(CLUSTER, ENDPOINT, "/etc/kubernetes/pki"),
            objs.controller_manager_pod(CLUSTER, "/etc/kubernetes/pki"), objs.scheduler_pod(CLUSTER),
            objs.etcd_pod(CLUSTER, ENDPOINT, "cp1", "/etc/kubernetes/pki", "v1.35.6")]
    for pod in pods:
        startup = _probes(pod)["startupProbe"]
        assert startup["failureThreshold"] == threshold
        assert startup["periodSeconds"] == 10 and startup["initialDelaySeconds"] == 10
