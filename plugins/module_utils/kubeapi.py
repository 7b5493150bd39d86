# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only questions to a Kubernetes API server and to a local etcd, from a managed node.

Standard library only (ssl, http.client), so a node needs no Kubernetes client package: the
modules that decide whether kubeadm must run (seed.kubeadm.kubeadm_state) ask the live cluster
with the credentials kubeadm left on the node. A kubeconfig's client certificate is loaded from a
private temporary file (ssl takes certificates from files only) that is removed at once.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import json
import os
import re
import ssl
import tempfile

try:
    import http.client as http_client
except ImportError:  # pragma: no cover - Python 2
    import httplib as http_client  # type: ignore

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2
    from urlparse import urlsplit  # type: ignore

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - depends on the node
    HAS_YAML = False


class ApiUnreachable(Exception):
    """No HTTP answer at all (connection refused, timeout, TLS failure)."""


class Credentials(object):
    """Server URL, CA and client certificate of one kubeconfig (or of explicit PEM files)."""

    def __init__(self, server, ca_pem=None, cert_pem=None, key_pem=None, source=''):
        self.server = server
        self.ca_pem = ca_pem
        self.cert_pem = cert_pem
        self.key_pem = key_pem
        self.source = source


def _field(text, name):
    match = re.search(r'^\s*%s:\s*["\']?([^"\'\s]+)' % re.escape(name), text, re.MULTILINE)
    return match.group(1) if match else None


def _data_or_file(entry, key, base_dir):
    if entry.get(key + '-data'):
        return base64.b64decode(entry[key + '-data'])
    path = entry.get(key)
    if path:
        if not os.path.isabs(path):
            path = os.path.join(base_dir, path)
        with open(path, 'rb') as handle:
            return handle.read()
    return None


def _named(entries, name):
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get('name') == name:
            return entry
    return (entries or [{}])[0] if entries else {}


def read_kubeconfig(path):
    """Credentials of the current context of a kubeconfig file; raises IOError/ValueError."""
    with open(path, 'rb') as handle:
        text = handle.read().decode('utf-8', 'replace')
    base_dir = os.path.dirname(path)
    if HAS_YAML:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError('%s is not valid YAML (%s)' % (path, ' '.join(str(exc).split())))
        if not isinstance(doc, dict):
            raise ValueError('%s is not a kubeconfig' % path)
        ctx = (_named(doc.get('contexts'), doc.get('current-context')) or {}).get('context') or {}
        cluster = (_named(doc.get('clusters'), ctx.get('cluster')) or {}).get('cluster') or {}
        user = (_named(doc.get('users'), ctx.get('user')) or {}).get('user') or {}
    else:  # kubeadm's files: one cluster, one user, data embedded
        cluster = {'server': _field(text, 'server'),
                   'certificate-authority-data': _field(text, 'certificate-authority-data'),
                   'certificate-authority': _field(text, 'certificate-authority')}
        user = {'client-certificate-data': _field(text, 'client-certificate-data'),
                'client-key-data': _field(text, 'client-key-data'),
                'client-certificate': _field(text, 'client-certificate'),
                'client-key': _field(text, 'client-key')}
    if not cluster.get('server'):
        raise ValueError('%s has no cluster server' % path)
    return Credentials(cluster['server'], _data_or_file(cluster, 'certificate-authority', base_dir),
                       _data_or_file(user, 'client-certificate', base_dir),
                       _data_or_file(user, 'client-key', base_dir), source=path)


def request(creds, path, server=None, timeout=5, method='GET', body=None):
    """(status, decoded JSON or text) of one request; raises ApiUnreachable without an answer.

    ``server`` overrides the credentials' server (e.g. the local API server instead of the VIP);
    the server certificate is still verified against the credentials' CA, without the host name
    check when the address is overridden (the certificate names the cluster, not 127.0.0.1).
    """
    url = urlsplit(server or creds.server)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if creds.ca_pem:
        ctx.load_verify_locations(cadata=creds.ca_pem.decode('ascii') if isinstance(creds.ca_pem, bytes) else creds.ca_pem)
        ctx.check_hostname = server is None
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if creds.cert_pem and creds.key_pem:
        fd, name = tempfile.mkstemp(prefix='.seed-kubeapi-', suffix='.pem')
        try:
            with os.fdopen(fd, 'wb') as handle:
                handle.write(creds.cert_pem + b'\n' + creds.key_pem)
            ctx.load_cert_chain(name)
        finally:
            os.unlink(name)
    conn = http_client.HTTPSConnection(url.hostname, url.port or 443, context=ctx, timeout=timeout)
    headers = {'Accept': 'application/json'}
    data = None
    if body is not None:
        data = json.dumps(body).encode('utf-8')
        headers['Content-Type'] = 'application/json'
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
    except (OSError, ssl.SSLError, http_client.HTTPException) as exc:
        raise ApiUnreachable('%s%s: %s' % (server or creds.server, path, exc))
    finally:
        conn.close()
    try:
        decoded = json.loads(raw.decode('utf-8')) if raw else {}
    except ValueError:
        decoded = raw.decode('utf-8', 'replace')
    return resp.status, decoded


def etcd_credentials(pki_dir, endpoint='https://127.0.0.1:2379'):
    """Credentials for the local stacked etcd with the API server's etcd client certificate."""
    def read(name):
        with open(os.path.join(pki_dir, name), 'rb') as handle:
            return handle.read()
    return Credentials(endpoint, read('etcd/ca.crt'), read('apiserver-etcd-client.crt'),
                       read('apiserver-etcd-client.key'), source='%s/apiserver-etcd-client.crt' % pki_dir)


def etcd_error(body):
    """The message of an error of etcd's JSON gateway: ``{"code": 9, "message": ...}`` (etcd 3.6; 3.5
    also repeats it as ``error``); any other body as it came."""
    if isinstance(body, dict):
        return body.get('message') or body.get('error') or body
    return body


def etcd_members(creds, timeout=5):
    """Names, peer URLs, IDs and learner flags of the etcd members, through etcd's v3 JSON gateway
    (POST). A member added but never started has no name yet; a learner does not vote."""
    status, body = request(creds, '/v3/cluster/member/list', method='POST', body={}, timeout=timeout)
    if status != 200 or not isinstance(body, dict):
        raise ApiUnreachable('etcd member list answered %s: %s' % (status, etcd_error(body)))
    return [{'name': m.get('name', ''), 'peer_urls': m.get('peerURLs') or [],
             'id': m.get('ID', ''), 'learner': bool(m.get('isLearner'))} for m in body.get('members') or []]
