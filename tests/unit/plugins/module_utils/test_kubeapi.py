# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubeapi against a real HTTPS server: real TLS, a real CA, client certificates, host name checks.

The server is Python's own (ssl + http.server) on a loopback address; what it answers is canned, what
it receives is recorded: the method, path, headers, body and the client certificate's common name."""

from __future__ import annotations

import base64
import json
import os
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from doubles_harness import Pki
from unit_helpers import REFUSED, closed_port
from ansible_collections.seed.kubeadm.plugins.module_utils import kubeapi


class Recorder(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get('Content-Length') or 0)
        peer = self.connection.getpeercert()
        common_name = None
        for rdn in (peer or {}).get('subject', ()):
            for key, value in rdn:
                if key == 'commonName':
                    common_name = value
        self.server.seen.append({'method': self.command, 'path': self.path, 'client': common_name,
                                 'accept': self.headers.get('Accept'),
                                 'content_type': self.headers.get('Content-Type'),
                                 'body': self.rfile.read(length) if length else None})
        status, payload = self.server.answers.get(self.path, (404, b'{"kind":"Status","code":404}'))
        self.send_response(status)
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer


@pytest.fixture
def api(tmp_path):
    """An HTTPS server on 127.0.0.1 whose certificate names localhost only (not its address)."""
    pki = Pki(tmp_path / 'pki')
    cert, key = pki.issue('kube-apiserver', server=True, ips=())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.write('localhost.crt', cert), pki.write('localhost.key', key))
    ctx.load_verify_locations(pki.ca_file)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    server = ThreadingHTTPServer(('127.0.0.1', 0), Recorder)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.seen, server.answers, server.pki = [], {}, pki
    server.url = 'https://127.0.0.1:%d' % server.server_address[1]
    server.local = 'https://localhost:%d' % server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def creds_for(api, server, cn='kubernetes-admin', with_ca=True):
    cert, key = api.pki.issue(cn)
    return kubeapi.Credentials(server, api.pki.ca_pem if with_ca else None, cert, key)


def test_get_sends_the_client_certificate_and_decodes_json(api):
    api.answers['/readyz'] = (200, b'{"status": "ok"}')
    status, body = kubeapi.request(creds_for(api, api.local), '/readyz')
    assert (status, body) == (200, {'status': 'ok'})
    assert api.seen == [{'method': 'GET', 'path': '/readyz', 'client': 'kubernetes-admin',
                         'accept': 'application/json', 'content_type': None, 'body': None}]


def test_post_sends_json(api):
    api.answers['/v3/cluster/member/list'] = (200, b'{"members": []}')
    status, body = kubeapi.request(creds_for(api, api.local), '/v3/cluster/member/list', method='POST',
                                   body={'linearizable': True})
    assert status == 200 and body == {'members': []}
    [seen] = api.seen
    assert seen['method'] == 'POST' and seen['content_type'] == 'application/json'
    assert json.loads(seen['body']) == {'linearizable': True}


@pytest.mark.parametrize('payload, decoded', [(b'ok', 'ok'), (b'', {}), (b'\xffbad', u'\ufffdbad'),
                                              (b'[1, 2]', [1, 2])])
def test_answers_that_are_not_json_objects(api, payload, decoded):
    api.answers['/livez'] = (500, payload)
    assert kubeapi.request(creds_for(api, api.local), '/livez') == (500, decoded)


def test_an_error_status_is_an_answer_not_an_exception(api):
    assert kubeapi.request(creds_for(api, api.local), '/nothing') == (404, {'kind': 'Status', 'code': 404})


def test_the_host_name_is_checked_against_the_credentials_server(api):
    creds = creds_for(api, api.url)  # 127.0.0.1 is not in the server certificate
    with pytest.raises(kubeapi.ApiUnreachable) as err:
        kubeapi.request(creds, '/readyz')
    assert str(err.value).startswith(api.url + '/readyz: ') and "IP address mismatch" in str(err.value)
    assert api.seen == []


def test_an_overridden_server_is_verified_by_ca_only(api):
    # The VIP's credentials asking the local API server at another address: the CA still counts.
    api.answers['/readyz'] = (200, b'ok')
    creds = creds_for(api, 'https://vip.invalid:6443')
    assert kubeapi.request(creds, '/readyz', server=api.url) == (200, 'ok')
    foreign = Pki(os.path.join(api.pki.dir, 'other'))
    creds.ca_pem = foreign.ca_pem
    with pytest.raises(kubeapi.ApiUnreachable) as err:
        kubeapi.request(creds, '/readyz', server=api.url)
    assert str(err.value).startswith(api.url + '/readyz: ') and 'CERTIFICATE_VERIFY_FAILED' in str(err.value)


def test_ca_given_as_text_works_as_bytes(api):
    api.answers['/readyz'] = (200, b'ok')
    creds = creds_for(api, api.local)
    creds.ca_pem = creds.ca_pem.decode('ascii')
    assert kubeapi.request(creds, '/readyz') == (200, 'ok')


def test_without_a_ca_nothing_is_verified_and_without_a_key_no_certificate_is_sent(api):
    api.answers['/version'] = (200, b'{}')
    creds = creds_for(api, api.url, with_ca=False)
    creds.key_pem = None
    assert kubeapi.request(creds, '/version') == (200, {})
    assert api.seen[0]['client'] is None


def test_the_client_key_file_does_not_outlive_the_request(api, tmp_path, monkeypatch):
    scratch = tmp_path / 'scratch'
    scratch.mkdir()
    monkeypatch.setattr(kubeapi.tempfile, 'tempdir', str(scratch))
    api.answers['/readyz'] = (200, b'ok')
    kubeapi.request(creds_for(api, api.local), '/readyz')
    assert os.listdir(str(scratch)) == []


def test_nobody_listening(tmp_path):
    pki = Pki(tmp_path / 'pki')
    url = 'https://127.0.0.1:%d' % closed_port()
    with pytest.raises(kubeapi.ApiUnreachable) as err:
        kubeapi.request(kubeapi.Credentials(url, pki.ca_pem), '/readyz')
    assert str(err.value) == '%s/readyz: %s' % (url, REFUSED)


def test_a_silent_server_times_out(tmp_path):
    import socket
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    try:
        url = 'https://127.0.0.1:%d' % listener.getsockname()[1]
        with pytest.raises(kubeapi.ApiUnreachable) as err:
            kubeapi.request(kubeapi.Credentials(url), '/readyz', timeout=0.3)
        assert str(err.value).startswith(url + '/readyz: ') and 'timed out' in str(err.value)
    finally:
        listener.close()


def b64(data):
    return base64.b64encode(data).decode('ascii')


def kubeconfig(api, cluster_entry, user_entry, context='ctx'):
    return {'apiVersion': 'v1', 'kind': 'Config', 'current-context': context,
            'clusters': [{'name': 'other', 'cluster': {'server': 'https://wrong.invalid:1'}},
                         {'name': 'c', 'cluster': cluster_entry}],
            'users': [{'name': 'other', 'user': {}}, {'name': 'u', 'user': user_entry}],
            'contexts': [{'name': 'other', 'context': {'cluster': 'other', 'user': 'other'}},
                         {'name': 'ctx', 'context': {'cluster': 'c', 'user': 'u'}}]}


def test_kubeconfig_current_context_with_embedded_data(api, tmp_path):
    import yaml
    cert, key = api.pki.issue('admin')
    doc = kubeconfig(api, {'server': api.local, 'certificate-authority-data': b64(api.pki.ca_pem)},
                     {'client-certificate-data': b64(cert), 'client-key-data': b64(key)})
    path = tmp_path / 'admin.conf'
    path.write_text(yaml.safe_dump(doc))
    creds = kubeapi.read_kubeconfig(str(path))
    assert (creds.server, creds.ca_pem, creds.cert_pem, creds.key_pem, creds.source) == \
        (api.local, api.pki.ca_pem, cert, key, str(path))
    api.answers['/readyz'] = (200, b'ok')
    assert kubeapi.request(creds, '/readyz') == (200, 'ok') and api.seen[0]['client'] == 'admin'


def test_kubeconfig_with_files_relative_to_it(api, tmp_path):
    import yaml
    cert, key = api.pki.issue('admin')
    (tmp_path / 'pki').mkdir(exist_ok=True)
    (tmp_path / 'pki' / 'admin.crt').write_bytes(cert)
    (tmp_path / 'pki' / 'admin.key').write_bytes(key)
    doc = kubeconfig(api, {'server': api.local, 'certificate-authority': api.pki.ca_file},
                     {'client-certificate': 'pki/admin.crt', 'client-key': 'pki/admin.key'})
    path = tmp_path / 'admin.conf'
    path.write_text(yaml.safe_dump(doc))
    creds = kubeapi.read_kubeconfig(str(path))
    assert (creds.ca_pem, creds.cert_pem, creds.key_pem) == (api.pki.ca_pem, cert, key)


def test_kubeconfig_without_pyyaml_reads_kubeadm_s_layout(api, tmp_path, monkeypatch):
    cert, key = api.pki.issue('admin')
    text = ('apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: %s\n    server: %s\n'
            '  name: kubernetes\nusers:\n- name: admin\n  user:\n    client-certificate-data: %s\n'
            '    client-key-data: "%s"\n' % (b64(api.pki.ca_pem), api.local, b64(cert), b64(key)))
    path = tmp_path / 'admin.conf'
    path.write_text(text)
    monkeypatch.setattr(kubeapi, 'HAS_YAML', False)
    creds = kubeapi.read_kubeconfig(str(path))
    assert (creds.server, creds.ca_pem, creds.cert_pem, creds.key_pem) == (api.local, api.pki.ca_pem, cert, key)


def test_kubeconfig_without_a_current_context_takes_the_first_entries(tmp_path):
    import yaml
    doc = {'clusters': [{'name': 'a', 'cluster': {'server': 'https://192.0.2.1:6443'}}],
           'users': [{'name': 'a', 'user': {}}], 'contexts': [{'name': 'a', 'context': {}}]}
    path = tmp_path / 'x.conf'
    path.write_text(yaml.safe_dump(doc))
    creds = kubeapi.read_kubeconfig(str(path))
    assert (creds.server, creds.ca_pem, creds.cert_pem, creds.key_pem) == ('https://192.0.2.1:6443', None, None, None)


@pytest.mark.parametrize('text, message', [
    ('just text\n', '%s is not a kubeconfig'),
    ('apiVersion: v1\nkind: Config\nclusters: []\n', '%s has no cluster server'),
])
def test_kubeconfig_refusals_name_the_file(tmp_path, text, message):
    path = tmp_path / 'bad.conf'
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        kubeapi.read_kubeconfig(str(path))
    assert str(err.value) == message % path


def test_etcd_credentials_are_the_api_server_s_etcd_client(tmp_path):
    pki_dir = tmp_path / 'pki'
    (pki_dir / 'etcd').mkdir(parents=True)
    (pki_dir / 'etcd' / 'ca.crt').write_bytes(b'CA')
    (pki_dir / 'apiserver-etcd-client.crt').write_bytes(b'CERT')
    (pki_dir / 'apiserver-etcd-client.key').write_bytes(b'KEY')
    creds = kubeapi.etcd_credentials(str(pki_dir))
    assert (creds.server, creds.ca_pem, creds.cert_pem, creds.key_pem, creds.source) == \
        ('https://127.0.0.1:2379', b'CA', b'CERT', b'KEY', '%s/apiserver-etcd-client.crt' % pki_dir)
    assert kubeapi.etcd_credentials(str(pki_dir), 'https://10.0.0.1:2379').server == 'https://10.0.0.1:2379'


def test_etcd_members_through_the_json_gateway(api):
    # etcd's gRPC gateway: uint64 IDs are JSON strings, peer URLs are "peerURLs".
    api.answers['/v3/cluster/member/list'] = (200, json.dumps({'members': [
        {'ID': '11200634176013453234', 'name': 'cp1', 'peerURLs': ['https://10.0.0.11:2380']},
        {'ID': '42', 'name': '', 'peerURLs': None},
        {'ID': '43', 'name': 'cp3', 'peerURLs': ['https://10.0.0.13:2380'], 'isLearner': True}]}).encode())
    members = kubeapi.etcd_members(creds_for(api, api.local, cn='kube-apiserver-etcd-client'))
    assert members == [{'name': 'cp1', 'peer_urls': ['https://10.0.0.11:2380'], 'id': '11200634176013453234', 'learner': False},
                       {'name': '', 'peer_urls': [], 'id': '42', 'learner': False},
                       {'name': 'cp3', 'peer_urls': ['https://10.0.0.13:2380'], 'id': '43', 'learner': True}]
    assert [(s['method'], s['path'], s['body'], s['client']) for s in api.seen] == \
        [('POST', '/v3/cluster/member/list', b'{}', 'kube-apiserver-etcd-client')]


@pytest.mark.parametrize('body', [b'{"code": 14, "message": "etcdserver: no leader"}',  # etcd 3.6
                                  b'{"error": "etcdserver: no leader", "code": 14, "message": "etcdserver: no leader"}'])
def test_etcd_members_of_an_unhealthy_etcd(api, body):
    api.answers['/v3/cluster/member/list'] = (503, body)
    with pytest.raises(kubeapi.ApiUnreachable) as err:
        kubeapi.etcd_members(creds_for(api, api.local))
    assert str(err.value) == 'etcd member list answered 503: etcdserver: no leader'
    api.answers['/v3/cluster/member/list'] = (200, b'"members"')
    with pytest.raises(kubeapi.ApiUnreachable) as err:
        kubeapi.etcd_members(creds_for(api, api.local))
    assert str(err.value) == 'etcd member list answered 200: members'


def test_a_kubeconfig_that_is_not_yaml_is_a_value_error(tmp_path):
    """Every caller catches ValueError for an unreadable kubeconfig; a YAML error was a traceback."""
    path = tmp_path / 'admin.conf'
    path.write_text('clusters:\n- cluster: {server: "https://10.0.0.1:6443"\n')
    with pytest.raises(ValueError) as caught:
        kubeapi.read_kubeconfig(str(path))
    assert str(caught.value).startswith('%s is not valid YAML (while parsing a flow mapping' % path)
    assert '\n' not in str(caught.value)
