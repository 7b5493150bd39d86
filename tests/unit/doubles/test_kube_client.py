"""The doubles' REST client keeps its connection alive, and comes back after the server closed it."""

import select

import pytest


def test_requests_share_one_connection(api):
    client = api.admin()
    client.get("/api/v1/namespaces")
    first = client._local.conn
    client.get("/api/v1/namespaces/default")
    assert client._local.conn is first and first.sock is not None


def test_a_connection_the_server_closed_while_idle_is_replaced(api, monkeypatch):
    import kube_apiserver
    monkeypatch.setattr(kube_apiserver.Handler, "timeout", 0.3)
    client = api.admin()
    client.get("/api/v1/namespaces")
    first = client._local.conn
    # The server closes the idle connection: the client's socket becomes readable (close_notify, EOF).
    assert select.select([first.sock], [], [], 5)[0], "the server kept the idle connection open"
    assert client.get("/api/v1/namespaces/default")["metadata"]["name"] == "default"
    assert client._local.conn is not first


def test_a_new_connection_that_fails_is_not_retried(api):
    client = api.admin()
    api.stop()
    with pytest.raises(OSError):
        client.get("/api/v1/namespaces")
    assert client._local.conn is None


def test_an_answer_cut_short_is_a_transport_error_the_waits_retry(api, monkeypatch):
    """A server stopping mid-answer (an API server restarting during kubeadm upgrade) truncates the
    body: Go's client reports "unexpected EOF", a transport error; the double raises an OSError for
    it (never http.client's own exception, which no wait of the doubles retries)."""
    import http.client
    client = api.admin()
    client.get("/api/v1/namespaces")

    def cut(self, *args, **kwargs):
        raise http.client.IncompleteRead(b"", 355)
    monkeypatch.setattr(http.client.HTTPResponse, "read", cut)
    with pytest.raises(ConnectionError, match=r"unexpected EOF \(IncompleteRead\)"):
        client.get("/api/v1/namespaces/default")
    assert client._local.conn is None
    monkeypatch.undo()
    assert client.get("/api/v1/namespaces/default")["metadata"]["name"] == "default"
