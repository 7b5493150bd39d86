"""Key-value storage for the API server stand-in: real etcd (v3 JSON gateway) or memory.

Both backends offer the same small interface, shaped after what the real API server needs from
etcd: every key has a ``mod_revision`` (the object's resourceVersion), creation only succeeds when
the key is absent, updates and deletes can be made conditional on the ``mod_revision`` the caller
read (optimistic concurrency, like upstream's GuaranteedUpdate), and a range read returns the
store's current revision (a LIST's resourceVersion).

EtcdStore talks to etcd's gRPC gateway over HTTPS (``/v3/kv/range``, ``/v3/kv/put``,
``/v3/kv/deleterange``, ``/v3/kv/txn``; keys and values base64; 64-bit numbers as strings), which
etcd 3.4 serves on its client URL, with the client certificate of ``--etcd-certfile``.
"""

import base64
import http.client
import json
import ssl
import threading
import urllib.parse


class StoreError(Exception):
    """The backend cannot be reached or answered nonsense (the API server returns 500/503)."""


def _b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def prefix_end(prefix):
    """The etcd range_end that selects every key starting with ``prefix`` (bytes)."""
    end = bytearray(prefix)
    for i in range(len(end) - 1, -1, -1):
        if end[i] < 0xFF:
            end[i] += 1
            return bytes(end[: i + 1])
    return b"\x00"


class MemoryStore:
    """Store in a dict, for unit tests; revisions count up from 1 like etcd's."""

    def __init__(self):
        self._lock = threading.Lock()
        self._data = {}  # key -> (value bytes, create_revision, mod_revision)
        self._rev = 1

    def revision(self):
        with self._lock:
            return self._rev

    def health(self):
        return True, ""

    def get(self, key):
        with self._lock:
            item = self._data.get(key)
            return None if item is None else (item[0], item[2])

    def range(self, prefix):
        with self._lock:
            items = [(k, v[0], v[2]) for k, v in sorted(self._data.items()) if k.startswith(prefix)]
            return items, self._rev

    def create(self, key, value):
        with self._lock:
            if key in self._data:
                return None
            self._rev += 1
            self._data[key] = (value, self._rev, self._rev)
            return self._rev

    def update(self, key, value, expected_rev=None):
        with self._lock:
            item = self._data.get(key)
            if item is None or (expected_rev is not None and item[2] != int(expected_rev)):
                return None
            self._rev += 1
            self._data[key] = (value, item[1], self._rev)
            return self._rev

    def delete(self, key, expected_rev=None):
        with self._lock:
            item = self._data.get(key)
            if item is None or (expected_rev is not None and item[2] != int(expected_rev)):
                return None
            self._rev += 1
            del self._data[key]
            return self._rev


class EtcdStore:
    """Store on an etcd cluster through its v3 JSON gateway (one keep-alive connection a thread)."""

    def __init__(self, servers, cafile=None, certfile=None, keyfile=None, timeout=5):
        self.servers = [urllib.parse.urlsplit(s.strip()) for s in servers.split(",") if s.strip()]
        if not self.servers:
            raise ValueError("no etcd servers")
        self.timeout = timeout
        self._local = threading.local()
        self._preferred = 0
        self._ctx = None
        if any(s.scheme == "https" for s in self.servers):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            if cafile:
                ctx.load_verify_locations(cafile)
            else:
                ctx.load_default_certs()
            # etcd serving certificates name the host's addresses; the flag gives the address we dial.
            ctx.check_hostname = True
            if certfile and keyfile:
                ctx.load_cert_chain(certfile, keyfile)
            self._ctx = ctx

    def _conn(self, index):
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        conn = conns.get(index)
        if conn is None:
            url = self.servers[index]
            if url.scheme == "https":
                conn = http.client.HTTPSConnection(url.hostname, url.port or 2379, context=self._ctx,
                                                   timeout=self.timeout)
            else:
                conn = http.client.HTTPConnection(url.hostname, url.port or 2379, timeout=self.timeout)
            conns[index] = conn
        return conn

    def _drop(self, index):
        conn = getattr(self._local, "conns", {}).pop(index, None)
        if conn is not None:
            conn.close()

    def _call(self, path, body):
        data = json.dumps(body).encode()
        errors = []
        count = len(self.servers)
        for attempt in range(count * 2):
            index = (self._preferred + attempt // 2) % count
            conn = self._conn(index)
            try:
                conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                self._drop(index)
                errors.append("%s: %s" % (self.servers[index].geturl(), exc))
                continue
            if resp.status != 200:
                raise StoreError("etcd %s %s: %s %s" % (self.servers[index].geturl(), path, resp.status,
                                                         raw[:300].decode(errors="replace")))
            self._preferred = index
            try:
                return json.loads(raw)
            except ValueError as exc:
                raise StoreError("etcd answered no JSON: %s" % exc) from exc
        raise StoreError("no etcd server answered: " + "; ".join(errors[-count:]))

    @staticmethod
    def _rev(resp):
        return int(resp.get("header", {}).get("revision", 0))

    def revision(self):
        return self._rev(self._call("/v3/kv/range", {"key": _b64(b"/registry/health"), "count_only": True}))

    def health(self):
        try:
            self.revision()
            return True, ""
        except StoreError as exc:
            return False, str(exc)

    def get(self, key):
        resp = self._call("/v3/kv/range", {"key": _b64(key)})
        for kv in resp.get("kvs") or []:
            return base64.b64decode(kv.get("value", "")), int(kv.get("mod_revision", 0))
        return None

    def range(self, prefix):
        raw = prefix.encode()
        resp = self._call("/v3/kv/range", {"key": _b64(raw), "range_end": _b64(prefix_end(raw))})
        items = [(base64.b64decode(kv["key"]).decode(), base64.b64decode(kv.get("value", "")),
                  int(kv.get("mod_revision", 0))) for kv in resp.get("kvs") or []]
        return items, self._rev(resp)

    def _txn(self, compare, success):
        resp = self._call("/v3/kv/txn", {"compare": compare, "success": success})
        if not resp.get("succeeded"):
            return None
        return self._rev(resp)

    def create(self, key, value):
        return self._txn([{"key": _b64(key), "target": "CREATE", "result": "EQUAL", "create_revision": "0"}],
                         [{"request_put": {"key": _b64(key), "value": _b64(value)}}])

    def update(self, key, value, expected_rev=None):
        if expected_rev is None:
            compare = [{"key": _b64(key), "target": "CREATE", "result": "GREATER", "create_revision": "0"}]
        else:
            compare = [{"key": _b64(key), "target": "MOD", "result": "EQUAL", "mod_revision": str(int(expected_rev))}]
        return self._txn(compare, [{"request_put": {"key": _b64(key), "value": _b64(value)}}])

    def delete(self, key, expected_rev=None):
        if expected_rev is None:
            compare = [{"key": _b64(key), "target": "CREATE", "result": "GREATER", "create_revision": "0"}]
        else:
            compare = [{"key": _b64(key), "target": "MOD", "result": "EQUAL", "mod_revision": str(int(expected_rev))}]
        return self._txn(compare, [{"request_delete_range": {"key": _b64(key)}}])
