"""A small Kubernetes REST client for the doubles: kubeconfig files, TLS client certificates or
bearer tokens, JSON bodies. Only the standard library (ssl, http.client)."""

import base64
import http.client
import json
import os
import ssl
import tempfile
import threading
import urllib.parse

import yaml


class ApiError(Exception):
    """A non-2xx answer; ``status`` is the HTTP code, ``body`` the decoded Status object."""

    def __init__(self, status, body, method="", path=""):
        self.status = status
        self.body = body if isinstance(body, dict) else {"message": str(body)}
        self.reason = self.body.get("reason", "")
        super().__init__("%s %s: %s %s" % (method, path, status, self.body.get("message", "")))


def _data(entry, key):
    """Bytes of ``<key>-data`` (base64) or of the file ``<key>`` in a kubeconfig entry, or None."""
    if entry.get(key + "-data"):
        return base64.b64decode(entry[key + "-data"])
    if entry.get(key):
        with open(entry[key], "rb") as handle:
            return handle.read()
    return None


def load_kubeconfig(path, context=None):
    """(server, ca_pem, cert_pem, key_pem, token) of the kubeconfig's current (or given) context."""
    with open(path, encoding="utf-8") as handle:
        cfg = yaml.safe_load(handle) or {}
    ctx_name = context or cfg.get("current-context")
    contexts = {c["name"]: c.get("context", {}) for c in cfg.get("contexts") or []}
    clusters = {c["name"]: c.get("cluster", {}) for c in cfg.get("clusters") or []}
    users = {u["name"]: u.get("user", {}) for u in cfg.get("users") or []}
    ctx = contexts.get(ctx_name)
    if ctx is None:
        raise ValueError("%s: context %r not found" % (path, ctx_name))
    cluster = clusters.get(ctx.get("cluster"), {})
    user = users.get(ctx.get("user"), {})
    return (cluster.get("server"), _data(cluster, "certificate-authority"),
            _data(user, "client-certificate"), _data(user, "client-key"), user.get("token"))


class Client:
    """REST client for one API server. ``ca_pem`` None and ``insecure`` False: system trust."""

    def __init__(self, server, ca_pem=None, cert_pem=None, key_pem=None, token=None, insecure=False,
                 timeout=10):
        url = urllib.parse.urlsplit(server)
        self.host = url.hostname
        self.port = url.port or 443
        self.token = token
        self.timeout = timeout
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        elif ca_pem:
            ctx.load_verify_locations(cadata=ca_pem.decode() if isinstance(ca_pem, bytes) else ca_pem)
        else:
            ctx.load_default_certs()
        if cert_pem and key_pem:
            # ssl loads a client certificate from files only: a private temporary file, removed at once.
            fd, name = tempfile.mkstemp(prefix="seed-doubles-", suffix=".pem")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(cert_pem + b"\n" + key_pem)
                ctx.load_cert_chain(name)
            finally:
                os.unlink(name)
        self.context = ctx
        self._local = threading.local()

    def _send(self, method, path, data, headers):
        """(response, body) over this thread's kept-alive connection, as Go's HTTP client does. A
        kept-alive connection the server closed while idle fails before any answer: the request
        goes again, once, on a new connection (a new connection's failure is the caller's)."""
        reused = getattr(self._local, "conn", None) is not None
        try:
            return self._exchange(method, path, data, headers)
        except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
            if not reused:
                raise
        return self._exchange(method, path, data, headers)

    def _exchange(self, method, path, data, headers):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPSConnection(self.host, self.port, context=self.context,
                                                                  timeout=self.timeout)
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        except http.client.HTTPException as exc:
            # A body cut short or a garbled status line (a server stopped mid-answer, as a restarting
            # API server does): a transport error, as Go's client reports it ("unexpected EOF"), which
            # the callers' waits retry like a refused connection. RemoteDisconnected is an OSError already.
            self.close()
            if isinstance(exc, OSError):
                raise
            raise ConnectionError("unexpected EOF (%s)" % exc.__class__.__name__) from exc
        except BaseException:
            self.close()
            raise
        if resp.will_close:
            self.close()
        return resp, raw

    def close(self):
        """Close this thread's kept-alive connection (a later request opens a new one)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    @classmethod
    def from_kubeconfig(cls, path, **kwargs):
        server, ca_pem, cert_pem, key_pem, token = load_kubeconfig(path)
        return cls(server, ca_pem, cert_pem, key_pem, token, **kwargs)

    def request(self, method, path, body=None, content_type="application/json", query=None):
        """Decoded JSON answer of ``method path``; raises ApiError on a non-2xx status."""
        if query:
            path = path + "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            data = data.encode() if isinstance(data, str) else data
            headers["Content-Type"] = content_type
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        resp, raw = self._send(method, path, data, headers)
        try:
            decoded = json.loads(raw) if raw else {}
        except ValueError:
            decoded = {"message": raw.decode(errors="replace")}
        if resp.status >= 300:
            raise ApiError(resp.status, decoded, method, path)
        return decoded

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def create(self, path, obj):
        return self.request("POST", path, obj)

    def replace(self, path, obj):
        return self.request("PUT", path, obj)

    def patch(self, path, patch, kind="merge"):
        types = {"merge": "application/merge-patch+json", "strategic": "application/strategic-merge-patch+json",
                 "json": "application/json-patch+json", "apply": "application/apply-patch+yaml"}
        return self.request("PATCH", path, patch, content_type=types[kind])

    def delete(self, path):
        return self.request("DELETE", path)

    def create_or_update(self, collection_path, obj):
        """POST ``obj``; on 409 AlreadyExists PUT it over the existing one (kubeadm's CreateOrUpdate)."""
        try:
            return self.create(collection_path, obj)
        except ApiError as exc:
            if exc.status != 409:
                raise
        name = obj["metadata"]["name"]
        current = self.get(collection_path + "/" + name)
        obj = dict(obj)
        obj["metadata"] = dict(obj["metadata"], resourceVersion=current["metadata"].get("resourceVersion"))
        return self.replace(collection_path + "/" + name, obj)
