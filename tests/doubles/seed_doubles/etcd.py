"""etcd cluster membership over etcd's v3 JSON gateway (HTTPS, client certificate), as kubeadm's
cmd/kubeadm/app/util/etcd does it over gRPC: MemberList, MemberAdd (as learner), MemberPromote,
MemberRemove."""

import http.client
import json
import os
import ssl
import tempfile
import time
import urllib.parse


class EtcdError(Exception):
    pass


class Client:
    def __init__(self, endpoints, ca_file, cert_file, key_file, timeout=10):
        self.endpoints = list(endpoints)
        self.timeout = timeout
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(cafile=ca_file)
        ctx.load_cert_chain(cert_file, key_file)
        self.context = ctx

    def call(self, path, body):
        last = None
        for endpoint in self.endpoints:
            url = urllib.parse.urlsplit(endpoint)
            conn = http.client.HTTPSConnection(url.hostname, url.port or 2379, context=self.context,
                                               timeout=self.timeout)
            try:
                conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
                data = json.loads(raw or b"{}")
                if resp.status >= 300:
                    message = data.get("message") or data.get("error") or raw.decode(errors="replace")
                    if "not supported for learner" in message:
                        # clientv3's balancer moves on to a voting member; so does this client.
                        last = EtcdError(message)
                        continue
                    raise EtcdError(message)
                return data
            except (OSError, ValueError, http.client.HTTPException) as exc:
                last = exc
            finally:
                conn.close()
        raise EtcdError(str(last))

    def members(self):
        """[{ID, name, peerURLs, clientURLs, isLearner}] with ID as an int."""
        out = []
        for member in self.call("/v3/cluster/member/list", {}).get("members", []):
            member = dict(member)
            member["ID"] = int(member.get("ID", 0))
            out.append(member)
        return out

    def add(self, peer_url, learner=True):
        data = self.call("/v3/cluster/member/add", {"peerURLs": [peer_url], "isLearner": learner})
        member = dict(data.get("member", {}))
        member["ID"] = int(member.get("ID", 0))
        return member, data.get("members", [])

    def promote(self, member_id):
        return self.call("/v3/cluster/member/promote", {"ID": str(member_id)})

    def remove(self, member_id):
        return self.call("/v3/cluster/member/remove", {"ID": str(member_id)})


def retry(fn, timeout, interval=0.5):
    """Call ``fn`` until it returns without EtcdError or ``timeout`` seconds passed."""
    deadline = time.time() + timeout
    while True:
        try:
            return fn()
        except EtcdError:
            if time.time() >= deadline:
                raise
            time.sleep(interval)
