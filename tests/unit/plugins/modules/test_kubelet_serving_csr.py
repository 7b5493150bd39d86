# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubelet_serving_csr against the API server double (tests/doubles) in-process, with real X.509.

The nodes' requests are made the way the kubelet makes them (ECDSA P-256, CN system:node:<n>,
O system:nodes, SANs from the node's addresses, signer kubernetes.io/kubelet-serving), each posted
with that node's own client certificate so that the API server records who asked."""

from __future__ import annotations

import base64
import ipaddress
import threading
import time

import pytest

import kubeadm_testlib as lib
from ansible_collections.seed.kubeadm.plugins.modules import kubelet_serving_csr

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests'
NODES = {'cp1': ['10.0.0.11', 'cp1'], 'w1': ['10.0.0.21', 'w1']}


@pytest.fixture
def admin_conf(api, pki, tmp_path):
    return pki.kubeconfig('admin-%d.conf' % api.port, api.url, 'kubernetes-admin', ['system:masters'])


def request_pem(cn='system:node:w1', orgs=('system:nodes',), ips=('10.0.0.21',), names=('w1',), emails=(), key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    if cn is not None:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    sans = [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips] + [x509.DNSName(n) for n in names]
    sans += [x509.RFC822Name(e) for e in emails]
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attrs))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def ask(api, node='w1', as_node=None, groups=('system:nodes',), usages=('digital signature', 'server auth'),
        signer='kubernetes.io/kubelet-serving', pem=None, **fields):
    """Post a serving request as the node ``as_node`` (default: ``node``) would; its name."""
    client = api.client('system:node:%s' % (as_node or node), list(groups))
    obj = {'apiVersion': 'certificates.k8s.io/v1', 'kind': 'CertificateSigningRequest',
           'metadata': {'generateName': 'csr-'},
           'spec': {'request': base64.b64encode(pem or request_pem(cn='system:node:%s' % node, **fields)).decode(),
                    'signerName': signer, 'usages': list(usages)}}
    return client.create(CSR_PATH, obj)['metadata']['name']


def csr(api, name):
    return api.admin().get('%s/%s' % (CSR_PATH, name))


def approved(api, name):
    return [c for c in (csr(api, name).get('status') or {}).get('conditions') or [] if c['type'] == 'Approved']


def run(admin_conf, check_mode=False, **args):
    args.setdefault('nodes', NODES)
    return lib.run_module(kubelet_serving_csr, dict(args, kubeconfig=admin_conf), check_mode=check_mode)


def test_a_node_s_own_request_is_approved_as_kubectl_would(api, admin_conf):
    name = ask(api)
    result, rc = run(admin_conf)
    assert rc == 0 and result['changed'] is True
    assert result['approved'] == [{'name': name, 'node': 'w1'}] and result['refused'] == []
    cond = approved(api, name)
    assert len(cond) == 1 and cond[0]['status'] == 'True' and cond[0]['reason'] == 'SeedKubeadmApprove'
    again, rc = run(admin_conf)
    assert rc == 0 and again['changed'] is False and again['approved'] == []


def test_an_rsa_key_may_add_key_encipherment(api, admin_conf):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = ask(api, usages=('digital signature', 'key encipherment', 'server auth'), key=key)
    result, rc = run(admin_conf)
    assert rc == 0 and [a['name'] for a in result['approved']] == [name]


@pytest.mark.parametrize('case, kwargs, problem', [
    ('foreign IP', {'ips': ('10.0.0.21', '192.0.2.9')}, 'it asks for 192.0.2.9, which the inventory does not give node w1'),
    ('foreign name', {'names': ('w1', 'api.example.com')}, 'it asks for api.example.com'),
    ('another node', {'as_node': 'cp1'}, 'its subject names system:node:w1, not system:node:cp1'),
    ('organization', {'orgs': ('system:masters',)}, 'its organization is system:masters, not system:nodes'),
    ('client usage', {'usages': ('digital signature', 'server auth', 'client auth')}, 'are not those of a serving certificate'),
    ('no SAN', {'ips': (), 'names': ()}, 'it asks for no IP address or DNS name'),
    ('email SAN', {'emails': ('w1@example.com',)}, 'other than IP addresses and DNS names'),
    ('not in the inventory', {'node': 'w9', 'ips': ('10.0.0.29',), 'names': ('w9',)}, 'node w9 is not a node of the inventory'),
])
def test_a_request_that_fails_a_check_stays_pending(api, admin_conf, capsys, case, kwargs, problem):
    name = ask(api, **kwargs)
    result, rc = run(admin_conf)
    assert rc == 0 and result['changed'] is False and result['approved'] == []
    assert [r['name'] for r in result['refused']] == [name]
    assert any(problem in p for p in result['refused'][0]['problems']), result['refused']
    # the warning: in the result before ansible-core 2.19, on stderr from it on
    warned = ' '.join(result.get('warnings', [])) + capsys.readouterr().err
    assert approved(api, name) == [] and 'left pending: %s of ' % name in warned


def test_a_request_not_made_by_a_node_is_refused(api, admin_conf):
    client = api.client('someone', ['system:masters'])
    obj = {'apiVersion': 'certificates.k8s.io/v1', 'kind': 'CertificateSigningRequest', 'metadata': {'generateName': 'csr-'},
           'spec': {'request': base64.b64encode(request_pem()).decode(), 'signerName': 'kubernetes.io/kubelet-serving',
                    'usages': ['digital signature', 'server auth']}}
    name = client.create(CSR_PATH, obj)['metadata']['name']
    result, rc = run(admin_conf)
    assert rc == 0 and result['refused'] == [{'name': name, 'node': None,
                                              'problems': ['made by someone, not by a node (system:node:<name>)']}]


def test_other_signers_and_decided_requests_are_left_alone(api, admin_conf):
    client_csr = ask(api, signer='kubernetes.io/kube-apiserver-client', usages=('digital signature', 'client auth'))
    result, rc = run(admin_conf)
    assert rc == 0 and result == dict(result, changed=False, approved=[], refused=[])
    assert approved(api, client_csr) == []


def test_check_mode_approves_nothing(api, admin_conf):
    name = ask(api)
    result, rc = run(admin_conf, check_mode=True, expect=['w1'], timeout=30)
    assert rc == 0 and result['changed'] is True and result['approved'] == [{'name': name, 'node': 'w1'}]
    assert approved(api, name) == []


def test_waits_for_the_expected_nodes_and_fails_naming_them(api, admin_conf):
    name = ask(api, ips=('192.0.2.9',))
    result, rc = run(admin_conf, expect=['w1', 'cp1'], timeout=1, poll_interval=0.2)
    assert rc == 1 and result['waiting'] == ['w1', 'cp1']
    assert result['msg'].startswith('no serving certificate request of w1, cp1 approved after 1 s')
    assert '%s (it asks for 192.0.2.9' % name in result['msg']


def test_an_earlier_approval_counts_only_when_made_by_the_node_s_current_kubelet(api, admin_conf):
    ask(api)
    first, rc = run(admin_conf)
    assert rc == 0 and first['changed'] is True
    # the node reset and joined again: its earlier kubelet's approved request does not count
    later, rc = run(admin_conf, expect=['w1'], not_before={'w1': time.time() + 3600}, timeout=1, poll_interval=0.2)
    assert rc == 1 and later['waiting'] == ['w1'] and later['changed'] is False
    result, rc = run(admin_conf, expect=['w1'], not_before={'w1': time.time() - 3600}, timeout=5)
    assert rc == 0 and result['changed'] is False and result['waiting'] == []
    # without not_before only an approval of this task counts
    alone, rc = run(admin_conf, expect=['w1'], timeout=1, poll_interval=0.2)
    assert rc == 1 and alone['waiting'] == ['w1']


def test_a_request_made_while_waiting_is_approved(api, admin_conf):
    timer = threading.Timer(0.5, ask, args=(api,))
    timer.start()
    try:
        result, rc = run(admin_conf, expect=['w1'], timeout=20, poll_interval=0.2)
    finally:
        timer.join()
    assert rc == 0 and [a['node'] for a in result['approved']] == ['w1'] and result['waiting'] == []


def test_only_the_newest_pending_request_of_a_node_is_approved(api, admin_conf):
    older = ask(api)
    time.sleep(1.1)  # creationTimestamp has a resolution of one second
    newer = ask(api)
    result, rc = run(admin_conf)
    assert rc == 0 and result['approved'] == [{'name': newer, 'node': 'w1'}]
    assert approved(api, older) == [] and len(approved(api, newer)) == 1


def test_a_failed_request_of_the_current_kubelet_is_named(api, admin_conf):
    name = ask(api)
    admin = api.admin()
    obj = csr(api, name)
    obj['status'] = {'conditions': [{'type': 'Approved', 'status': 'True', 'reason': 'Manual', 'message': 'ok'},
                                    {'type': 'Failed', 'status': 'True', 'reason': 'SignerValidationFailure', 'message': 'bad'}]}
    admin.replace('%s/%s/approval' % (CSR_PATH, name), obj)
    admin.replace('%s/%s/status' % (CSR_PATH, name), csr(api, name) | {'status': obj['status']})
    result, rc = run(admin_conf, expect=['w1'], not_before={'w1': time.time() - 3600}, timeout=1, poll_interval=0.2)
    assert rc == 1 and result['waiting'] == ['w1']
    assert '%s (Failed: SignerValidationFailure: bad)' % name in result['msg']


def test_a_kubeconfig_without_the_right_fails_at_once(api, pki, tmp_path):
    viewer = pki.kubeconfig('viewer-%d.conf' % api.port, api.url, 'viewer', [])
    started = time.time()
    result, rc = lib.run_module(kubelet_serving_csr, {'nodes': NODES, 'kubeconfig': viewer, 'expect': ['w1'], 'timeout': 30})
    assert rc == 1 and time.time() - started < 10
    assert 'HTTP 403' in result['msg'] and 'must allow listing and approving certificatesigningrequests' in result['msg']


def test_node_values_must_be_lists(admin_conf):
    result, rc = run(admin_conf, nodes={'w1': '10.0.0.21'})
    assert rc == 1 and result['msg'] == 'nodes: the value of w1 must be a list of addresses and names'


def test_a_conflicting_approval_is_read_again_and_retried(api, admin_conf, monkeypatch):
    name = ask(api)
    real, puts = kubelet_serving_csr.kubeapi.request, []

    def conflict_once(creds, path, **kwargs):
        if kwargs.get('method') == 'PUT':
            puts.append(path)
            if len(puts) == 1:
                return 409, {'message': 'the object has been modified'}
        return real(creds, path, **kwargs)
    monkeypatch.setattr(kubelet_serving_csr.kubeapi, 'request', conflict_once)
    result, rc = run(admin_conf)
    assert rc == 0 and result['approved'] == [{'name': name, 'node': 'w1'}] and len(puts) == 2


def test_an_expected_node_must_be_a_node(admin_conf):
    result, rc = run(admin_conf, expect=['w9'])
    assert rc == 1 and result['msg'] == 'expect: w9 not among nodes'


def test_an_unreadable_kubeconfig_is_named(tmp_path):
    result, rc = lib.run_module(kubelet_serving_csr, {'nodes': NODES, 'kubeconfig': str(tmp_path / 'none.conf')})
    assert rc == 1 and result['msg'].startswith('cannot read kubeconfig %s' % (tmp_path / 'none.conf'))


def test_an_api_server_that_does_not_answer_is_asked_again_while_the_wait_lasts(admin_conf, api, monkeypatch):
    real, calls = kubelet_serving_csr.kubeapi.request, []

    def flaky(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 1:
            raise kubelet_serving_csr.kubeapi.ApiUnreachable('connection refused')
        return real(*args, **kwargs)
    monkeypatch.setattr(kubelet_serving_csr.kubeapi, 'request', flaky)
    name = ask(api)
    result, rc = run(admin_conf, expect=['w1'], timeout=10, poll_interval=0.1)
    assert rc == 0 and result['approved'] == [{'name': name, 'node': 'w1'}] and len(calls) >= 3


def test_without_a_wait_an_api_server_that_does_not_answer_fails_the_task(admin_conf, monkeypatch):
    def down(*args, **kwargs):
        raise kubelet_serving_csr.kubeapi.ApiUnreachable('connection refused')
    monkeypatch.setattr(kubelet_serving_csr.kubeapi, 'request', down)
    result, rc = run(admin_conf)
    assert rc == 1 and result['msg'] == 'the API server did not answer: connection refused'
