"""kubeadm double: the etcd endpoints come from the etcd static Pods' annotations and, as in
etcdutil.getRawEtcdEndpointsFromPodAnnotation, are polled through transient API failures and until every
etcd Pod is annotated, then fail with "could not retrieve the list of etcd endpoints"."""

import ssl

import pytest

ANNOTATION = "kubeadm.kubernetes.io/etcd.advertise-client-urls"


def pod(url=None):
    meta = {"name": "etcd"}
    if url is not None:
        meta["annotations"] = {ANNOTATION: url}
    return {"metadata": meta}


class Client:
    """Answers the Pod list with each of ``answers`` in turn (an exception is raised), then the last."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = 0

    def get(self, path, query=None):
        assert path == "/api/v1/namespaces/kube-system/pods"
        assert query == {"labelSelector": "component=etcd,tier=control-plane"}
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return {"items": answer}


@pytest.fixture
def mod(kubeadm, monkeypatch):
    module = kubeadm.module("v1.34.1")
    monkeypatch.setattr(module, "POLL_INTERVAL", 0.01)
    return module


def test_transient_tls_errors_are_retried(mod):
    client = Client([ssl.SSLEOFError(8, "EOF occurred in violation of protocol"), OSError("connection refused"),
                     [pod("https://10.0.0.1:2379"), pod("https://10.0.0.2:2379")]])
    assert mod.etcd_endpoints(client, 5) == ["https://10.0.0.1:2379", "https://10.0.0.2:2379"]
    assert client.calls == 3


def test_waits_until_every_etcd_pod_is_annotated(mod):
    client = Client([[pod("https://10.0.0.1:2379"), pod()],
                     [pod("https://10.0.0.1:2379"), pod("https://10.0.0.2:2379")]])
    assert mod.etcd_endpoints(client, 5) == ["https://10.0.0.1:2379", "https://10.0.0.2:2379"]
    assert client.calls == 2


def test_gives_up_after_the_timeout_with_the_last_error(mod):
    client = Client([OSError("connection refused")])
    with pytest.raises(mod.KubeadmError, match="^could not retrieve the list of etcd endpoints: connection refused$"):
        mod.etcd_endpoints(client, 0.05)
    assert client.calls >= 2


def test_gives_up_when_no_pod_is_annotated(mod):
    client = Client([[pod()]])
    with pytest.raises(mod.KubeadmError, match="could not retrieve the list of etcd endpoints: context deadline"):
        mod.etcd_endpoints(client, 0.05)


def test_every_present_annotation_counts_even_repeated_or_empty(mod):
    # upstream appends each annotation it finds; the count is compared with the number of Pods
    client = Client([[pod("https://10.0.0.1:2379"), pod("https://10.0.0.1:2379"), pod("")]])
    assert mod.etcd_endpoints(client, 5) == ["https://10.0.0.1:2379", "https://10.0.0.1:2379", ""]
    assert client.calls == 1
