# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubelet_serving_csr against the API server double (tests/doubles) in-process, with real X.509.

The nodes' requests are made the way the kubelet makes them (ECDSA P-256, CN system:node:<n>,
O system:nodes, SANs from the node's addresses, signer kubernetes.io/kubelet-serving), each posted
with that node's own client certificate so that the API server records who asked."""

from __future__ import annotations

import base64
import calendar
import ipaddress
import json
import os
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ansible.module_utils.basic import missing_required_lib

import kubeadm_testlib as lib
from doubles_harness import RunningApi
from unit_helpers import REFUSED, closed_port
from ansible_collections.seed.kubeadm.plugins.module_utils import kubelet_csr
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
        signer='kubernetes.io/kubelet-serving', pem=None, name=None, **fields):
    """Post a serving request as the node ``as_node`` (default: ``node``) would; its name."""
    client = api.client('system:node:%s' % (as_node or node), list(groups))
    obj = {'apiVersion': 'certificates.k8s.io/v1', 'kind': 'CertificateSigningRequest',
           'metadata': {'name': name} if name else {'generateName': 'csr-'},
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


# --- exact requests, whole results and messages ---------------------------------------------------------------------

RBAC = '/apis/rbac.authorization.k8s.io/v1'
HINT = ' (the kubeconfig must allow listing and approving certificatesigningrequests)'
NO_REQUEST = ('no serving certificate request of %s approved after %d s%s; the kubelet makes one when it starts'
              ' with serverTLSBootstrap true in /var/lib/kubelet/config.yaml and has an IP address')
MESSAGE = 'The node %s asked for its own addresses and names (seed.kubeadm).'
FOREIGN_IP = 'it asks for 192.0.2.9, which the inventory does not give node w1 (it has 10.0.0.21, w1)'
NOT_NODES = 'its organization is system:masters, not system:nodes'


def epoch(stamp):
    return float(calendar.timegm(time.strptime(stamp, '%Y-%m-%dT%H:%M:%SZ')))


def outcome(result, **expected):
    """The fields of the module's result a user reads, to compare whole."""
    return {key: result[key] for key in ('changed', 'approved', 'refused', 'waiting')} == expected


def ask_as_someone(api, name):
    """A kubelet-serving request posted by a user that is not a node (a cluster admin's client certificate)."""
    api.client('someone', ['system:masters']).create(CSR_PATH, {
        'apiVersion': 'certificates.k8s.io/v1', 'kind': 'CertificateSigningRequest', 'metadata': {'name': name},
        'spec': {'request': base64.b64encode(request_pem()).decode(), 'signerName': 'kubernetes.io/kubelet-serving',
                 'usages': ['digital signature', 'server auth']}})


def deny(api, name):
    """`kubectl certificate deny`: a Denied condition PUT to .../approval."""
    obj = csr(api, name)
    obj['status'] = {'conditions': [{'type': 'Denied', 'status': 'True', 'reason': 'KubectlDeny',
                                     'message': 'This CSR was denied by kubectl certificate deny.',
                                     'lastUpdateTime': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}]}
    api.admin().replace('%s/%s/approval' % (CSR_PATH, name), obj)


def touch(api, name):
    """Another client changes the request (a label): the module's copy is stale, its approval conflicts."""
    api.admin().patch('%s/%s' % (CSR_PATH, name), {'metadata': {'labels': {'touched': str(time.time())}}})


def grant(api, user, csr_verbs=('get', 'list'), approve=True):
    """A ClusterRole and binding for ``user`` (upstream's CSR approver role when ``approve``); its kubeconfig."""
    rules = [{'apiGroups': ['certificates.k8s.io'], 'resources': ['certificatesigningrequests'],
              'verbs': list(csr_verbs)}]
    if approve:
        rules += [{'apiGroups': ['certificates.k8s.io'], 'resources': ['certificatesigningrequests/approval'],
                   'verbs': ['update']},
                  {'apiGroups': ['certificates.k8s.io'], 'resources': ['signers'],
                   'resourceNames': ['kubernetes.io/kubelet-serving'], 'verbs': ['approve']}]
    admin = api.admin()
    admin.create(RBAC + '/clusterroles', {'apiVersion': 'rbac.authorization.k8s.io/v1', 'kind': 'ClusterRole',
                                          'metadata': {'name': user}, 'rules': rules})
    admin.create(RBAC + '/clusterrolebindings', {
        'apiVersion': 'rbac.authorization.k8s.io/v1', 'kind': 'ClusterRoleBinding', 'metadata': {'name': user},
        'roleRef': {'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'ClusterRole', 'name': user},
        'subjects': [{'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'User', 'name': user}]})
    return api.pki.kubeconfig('%s-%d.conf' % (user, api.port), api.url, user)


def through(monkeypatch, before=None):
    """Every request the module makes, as (method, path, timeout), passed on to the real server;
    ``before(method, path, calls)`` runs first (another client acting in between)."""
    real, calls = kubelet_serving_csr.kubeapi.request, []

    def recording(creds, path, **kwargs):
        method = kwargs.get('method', 'GET')
        calls.append((method, path, kwargs.get('timeout')))
        if before:
            before(method, path, calls)
        return real(creds, path, **kwargs)
    monkeypatch.setattr(kubelet_serving_csr.kubeapi, 'request', recording)
    return calls


def left_pending(result, capsys):
    """The module's 'left pending' warnings without that prefix: in the result before ansible-core 2.19, on
    stderr from it on (the tests import Ansible's controller side, whose Display shows them)."""
    lines = list(result.get('warnings', [])) + capsys.readouterr().err.splitlines()
    return [line.split('left pending: ', 1)[1] for line in lines if 'left pending: ' in line]


@pytest.fixture
def far_from_utc():
    """The control plane's local time zone is UTC+9: API times must still be UTC."""
    saved = os.environ.get('TZ')
    os.environ['TZ'] = 'UTC-09'
    time.tzset()
    yield
    if saved is None:
        del os.environ['TZ']
    else:
        os.environ['TZ'] = saved
    time.tzset()


def test_the_approval_is_kubectl_s_condition_put_to_the_approval_subresource(
        api, admin_conf, monkeypatch, far_from_utc):
    """The approval is PUT to .../<name>/approval (the only place the API server takes it), each request is
    bounded by request_timeout, and the condition is kubectl's: type Approved, status True, the reason, a
    message naming the node and lastUpdateTime in UTC (a wrong time misleads whoever audits the approvals)."""
    ask(api, name='csr-w1')
    calls = through(monkeypatch)
    before = time.time()
    result, rc = run(admin_conf, request_timeout=7)
    after = time.time()
    assert rc == 0 and outcome(result, changed=True, approved=[{'name': 'csr-w1', 'node': 'w1'}], refused=[],
                               waiting=[])
    assert calls == [('GET', CSR_PATH, 7), ('PUT', CSR_PATH + '/csr-w1/approval', 7)]
    [cond] = approved(api, 'csr-w1')
    stamp = cond.pop('lastUpdateTime')
    assert cond == {'type': 'Approved', 'status': 'True', 'reason': 'SeedKubeadmApprove', 'message': MESSAGE % 'w1'}
    assert int(before) <= epoch(stamp) <= after


def test_a_request_changed_before_its_approval_is_read_again_and_approved(api, admin_conf, monkeypatch):
    """Another client changes the request between the list and the approval: the API server answers 409, the
    module reads it again (GET .../<name>) and approves the fresh copy, as `kubectl certificate approve` does."""
    ask(api, name='csr-w1')

    def first_put_conflicts(method, path, calls):
        if method == 'PUT' and len(calls) == 2:
            touch(api, 'csr-w1')
    calls = through(monkeypatch, first_put_conflicts)
    result, rc = run(admin_conf, request_timeout=7)
    assert rc == 0 and outcome(result, changed=True, approved=[{'name': 'csr-w1', 'node': 'w1'}], refused=[],
                               waiting=[])
    put = ('PUT', CSR_PATH + '/csr-w1/approval', 7)
    assert calls == [('GET', CSR_PATH, 7), put, ('GET', CSR_PATH + '/csr-w1', 7), put]
    assert [c['message'] for c in approved(api, 'csr-w1')] == [MESSAGE % 'w1']


def test_a_request_removed_after_a_conflict_is_skipped_and_the_next_node_approved(api, admin_conf, monkeypatch):
    """A request changed and then removed (kube-controller-manager's cleaner) while being approved is skipped:
    the other nodes' requests are still approved and the task does not fail."""
    ask(api, node='cp1', name='csr-cp1', ips=('10.0.0.11',), names=('cp1',))
    ask(api, name='csr-w1')

    def meanwhile(method, path, calls):
        if method == 'PUT' and path.endswith('/csr-cp1/approval'):
            touch(api, 'csr-cp1')
        elif method == 'GET' and path.endswith('/csr-cp1'):
            api.admin().delete(CSR_PATH + '/csr-cp1')
    calls = through(monkeypatch, meanwhile)
    result, rc = run(admin_conf)
    assert rc == 0 and outcome(result, changed=True, approved=[{'name': 'csr-w1', 'node': 'w1'}], refused=[],
                               waiting=[])
    assert [c[:2] for c in calls] == [('GET', CSR_PATH), ('PUT', CSR_PATH + '/csr-cp1/approval'),
                                      ('GET', CSR_PATH + '/csr-cp1'), ('PUT', CSR_PATH + '/csr-w1/approval')]


def test_a_request_denied_meanwhile_stays_denied_and_the_next_node_is_approved(api, admin_conf, monkeypatch):
    """An administrator denies a request while the module approves it: the denial wins (no Approved added to a
    Denied request, which the API server would reject), and the other nodes' requests are still approved."""
    ask(api, node='cp1', name='csr-cp1', ips=('10.0.0.11',), names=('cp1',))
    ask(api, name='csr-w1')

    def denied_meanwhile(method, path, calls):
        if method == 'PUT' and path.endswith('/csr-cp1/approval') and not csr(api, 'csr-cp1').get('status'):
            deny(api, 'csr-cp1')
    through(monkeypatch, denied_meanwhile)
    result, rc = run(admin_conf)
    assert rc == 0 and outcome(result, changed=True, approved=[{'name': 'csr-w1', 'node': 'w1'}], refused=[],
                               waiting=[])
    assert [c['type'] for c in csr(api, 'csr-cp1')['status']['conditions']] == ['Denied']


def test_an_approval_that_keeps_conflicting_gives_up_after_ten_tries(api, admin_conf, monkeypatch):
    """A request some other client keeps changing: ten tries as kubectl makes, then the task fails saying so
    (not an endless loop)."""
    ask(api, name='csr-w1')

    def always_changed(method, path, calls):
        if method == 'PUT':
            touch(api, 'csr-w1')
    calls = through(monkeypatch, always_changed)
    result, rc = run(admin_conf)
    assert rc == 1 and result['msg'] == ('the API server did not answer: PUT %s/csr-w1/approval: still conflicting'
                                         ' after 10 tries' % CSR_PATH)
    assert outcome(result, changed=False, approved=[], refused=[], waiting=[])
    assert [c[:2] for c in calls] == [('GET', CSR_PATH)] + [('PUT', CSR_PATH + '/csr-w1/approval'),
                                                            ('GET', CSR_PATH + '/csr-w1')] * 10
    assert approved(api, 'csr-w1') == []


def test_a_kubeconfig_that_may_list_but_not_approve_fails_naming_the_approval(api, monkeypatch):
    """RBAC allowing get and list but not the approval subresource: the task fails at once with the API server's
    refusal of the PUT and the hint about the kubeconfig's rights."""
    ask(api, name='csr-w1')
    result, rc = run(grant(api, 'lister', approve=False), expect=['w1'], timeout=30)
    assert rc == 1 and result['msg'] == (
        'PUT %s/csr-w1/approval: HTTP 403 certificatesigningrequests.certificates.k8s.io "csr-w1" is forbidden:'
        ' User "lister" cannot update resource "certificatesigningrequests/approval" in API group'
        ' "certificates.k8s.io" at the cluster scope' % CSR_PATH + HINT)
    assert outcome(result, changed=False, approved=[], refused=[], waiting=['w1'])


def test_a_kubeconfig_that_may_not_read_a_request_again_fails_naming_the_read(api, monkeypatch):
    """After a conflict the request is read again with GET: RBAC without get fails the task naming that GET."""
    ask(api, name='csr-w1')
    through(monkeypatch, lambda method, path, calls: touch(api, 'csr-w1') if method == 'PUT' else None)
    result, rc = run(grant(api, 'approver', csr_verbs=('list',)))
    assert rc == 1 and result['msg'] == (
        'GET %s/csr-w1: HTTP 403 certificatesigningrequests.certificates.k8s.io "csr-w1" is forbidden: User'
        ' "approver" cannot get resource "certificatesigningrequests" in API group "certificates.k8s.io" at the'
        ' cluster scope' % CSR_PATH + HINT)


def test_a_kubeconfig_that_may_not_list_fails_at_once_with_the_whole_refusal(api, pki):
    """RBAC without list: the task fails at once with the API server's own words and the hint, nothing approved,
    the expected nodes still waiting."""
    viewer = pki.kubeconfig('viewer-%d.conf' % api.port, api.url, 'viewer', [])
    result, rc = run(viewer, expect=['w1'], timeout=30)
    assert rc == 1 and result['msg'] == (
        'GET %s: HTTP 403 certificatesigningrequests.certificates.k8s.io is forbidden: User "viewer" cannot list'
        ' resource "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope'
        % CSR_PATH + HINT)
    assert outcome(result, changed=False, approved=[], refused=[], waiting=['w1'])


def test_credentials_the_api_server_does_not_accept_fail_with_the_hint(pki, tmp_path):
    """A kubeconfig whose user authenticates with a bearer token (which the module does not send) against an API
    server without anonymous access: 401, the task fails at once with the hint."""
    import yaml
    unauth = RunningApi(pki, {'anonymous-auth': 'false'})
    try:
        conf = tmp_path / 'token.conf'
        cluster = {'server': unauth.url, 'certificate-authority-data': base64.b64encode(pki.ca_pem).decode()}
        conf.write_text(yaml.safe_dump({
            'apiVersion': 'v1', 'kind': 'Config', 'current-context': 'ctx',
            'clusters': [{'name': 'c', 'cluster': cluster}],
            'users': [{'name': 'u', 'user': {'token': 'abcdef.0123456789abcdef'}}],
            'contexts': [{'name': 'ctx', 'context': {'cluster': 'c', 'user': 'u'}}]}))
        result, rc = run(str(conf))
    finally:
        unauth.stop()
    assert rc == 1 and result['msg'] == 'GET %s: HTTP 401 Unauthorized' % CSR_PATH + HINT


def two_nodes_one_refused(api):
    """cp1 asks properly, w1 asks for an address it does not have: (cp1's approval, w1's refusal)."""
    ask(api, node='cp1', name='csr-cp1', ips=('10.0.0.11',), names=('cp1',))
    ask(api, name='csr-w1', ips=('10.0.0.21', '192.0.2.9'))
    return [{'name': 'csr-cp1', 'node': 'cp1'}], [{'name': 'csr-w1', 'node': 'w1', 'problems': [FOREIGN_IP]}]


def test_rights_lost_while_waiting_fail_with_what_was_already_approved(api, monkeypatch):
    """The approver's binding is removed while the task waits: it fails at once, and still reports the approval
    it made (changed) and the requests it refused, so that the user knows what happened to the cluster."""
    conf = grant(api, 'approver')
    done, refused = two_nodes_one_refused(api)

    def unbind(method, path, calls):
        if path == CSR_PATH and len(calls) > 1:
            api.admin().delete(RBAC + '/clusterrolebindings/approver')
    through(monkeypatch, unbind)
    result, rc = run(conf, expect=['cp1', 'w1'], timeout=30, poll_interval=0.1)
    assert rc == 1 and result['msg'] == (
        'GET %s: HTTP 403 certificatesigningrequests.certificates.k8s.io is forbidden: User "approver" cannot list'
        ' resource "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope'
        % CSR_PATH + HINT)
    assert outcome(result, changed=True, approved=done, refused=refused, waiting=['w1'])


def test_an_api_server_gone_while_waiting_fails_with_what_was_already_approved(api, admin_conf, monkeypatch):
    """The API server stops answering while the task waits: asked again until the timeout, then the task fails
    and still reports the approval it made (changed) and the requests it refused."""
    done, refused = two_nodes_one_refused(api)

    def stop(method, path, calls):
        if path == CSR_PATH and len(calls) > 1:
            api.stop()
    through(monkeypatch, stop)
    result, rc = run(admin_conf, expect=['cp1', 'w1'], timeout=2, poll_interval=0.2)
    assert rc == 1 and result['msg'] == 'the API server did not answer: %s%s: %s' % (api.url, CSR_PATH, REFUSED)
    assert outcome(result, changed=True, approved=done, refused=refused, waiting=['w1'])


@pytest.mark.parametrize('timeout, poll_interval', [(0, 0.1), (1, 5)])
def test_an_api_server_that_does_not_answer_is_not_waited_for_beyond_the_timeout(pki, monkeypatch, timeout,
                                                                                 poll_interval):
    """Without a wait (timeout 0), or when the next look would come after the timeout, an API server that does
    not answer is asked once and the task fails at once (not a poll interval later)."""
    url = 'https://127.0.0.1:%d' % closed_port()
    conf = pki.kubeconfig('down-%d-%s.conf' % (timeout, poll_interval), url, 'kubernetes-admin')
    calls = through(monkeypatch)
    started = time.time()
    result, rc = run(conf, expect=['w1'], timeout=timeout, poll_interval=poll_interval)
    assert rc == 1 and result['msg'] == 'the API server did not answer: %s%s: %s' % (url, CSR_PATH, REFUSED)
    assert outcome(result, changed=False, approved=[], refused=[], waiting=['w1'])
    assert calls == [('GET', CSR_PATH, 10)] and time.time() - started < 4


def test_a_request_made_after_the_first_look_is_approved_within_a_one_second_wait(api, admin_conf, monkeypatch):
    """timeout 1 waits one second: a request the kubelet makes just after the first look is still approved."""
    through(monkeypatch, lambda method, path, calls: ask(api, name='csr-w1') if len(calls) == 2 else None)
    result, rc = run(admin_conf, expect=['w1'], timeout=1, poll_interval=0.1)
    assert rc == 0 and outcome(result, changed=True, approved=[{'name': 'csr-w1', 'node': 'w1'}], refused=[],
                               waiting=[])


def test_once_every_expected_node_is_approved_the_task_ends(api, admin_conf, monkeypatch):
    """A long timeout is an upper bound: the task returns as soon as the expected nodes are approved."""
    ask(api, name='csr-w1')
    calls = through(monkeypatch)
    result, rc = run(admin_conf, expect=['w1'], timeout=30, poll_interval=0.1)
    assert rc == 0 and outcome(result, changed=True, approved=[{'name': 'csr-w1', 'node': 'w1'}], refused=[],
                               waiting=[])
    assert [c[:2] for c in calls] == [('GET', CSR_PATH), ('PUT', CSR_PATH + '/csr-w1/approval')]


def test_check_mode_looks_once_and_does_not_wait(api, admin_conf, monkeypatch):
    """Check mode does not wait for requests that are not there (a dry run of 30 s per node would be useless)."""
    calls = through(monkeypatch)
    result, rc = run(admin_conf, check_mode=True, expect=['w1'], timeout=30, poll_interval=0.1)
    assert rc == 0 and outcome(result, changed=False, approved=[], refused=[], waiting=['w1'])
    assert calls == [('GET', CSR_PATH, 10)]


def test_without_a_timeout_one_look_does_not_fail_for_missing_requests(api, admin_conf, monkeypatch):
    """timeout 0 looks once: a node without a request yet is reported waiting, the task does not fail."""
    calls = through(monkeypatch)
    result, rc = run(admin_conf, expect=['w1'])
    assert rc == 0 and outcome(result, changed=False, approved=[], refused=[], waiting=['w1'])
    assert calls == [('GET', CSR_PATH, 10)]


def test_each_refused_request_is_warned_with_all_its_reasons(api, admin_conf, capsys):
    """Each request left pending gets one warning naming it, its node (or that no node made it) and every reason."""
    tag = uuid.uuid4().hex[:8]  # Display shows a given warning once per process, whichever test runs it again
    ask_as_someone(api, 'csr-%s-a' % tag)
    ask(api, name='csr-%s-b' % tag, orgs=('system:masters',), ips=('10.0.0.21', '192.0.2.9'))
    result, rc = run(admin_conf)
    assert rc == 0 and outcome(result, changed=False, approved=[], waiting=[], refused=[
        {'name': 'csr-%s-a' % tag, 'node': None, 'problems': ['made by someone, not by a node (system:node:<name>)']},
        {'name': 'csr-%s-b' % tag, 'node': 'w1', 'problems': [NOT_NODES, FOREIGN_IP]}])
    assert left_pending(result, capsys) == [
        'csr-%s-a of a non-node: made by someone, not by a node (system:node:<name>)' % tag,
        'csr-%s-b of w1: %s; %s' % (tag, NOT_NODES, FOREIGN_IP)]


def test_the_failure_names_every_refused_request_of_the_waiting_nodes(api, admin_conf):
    """The timeout's message names the nodes still waiting and each of their refused requests with all its
    reasons (not the requests of other makers), so that the user sees why without reading the API."""
    ask(api, name='csr-a', orgs=('system:masters',), ips=('10.0.0.21', '192.0.2.9'))
    ask(api, name='csr-b', names=('w1', 'api.example.com'))
    ask_as_someone(api, 'csr-c')
    result, rc = run(admin_conf, expect=['w1', 'cp1'], timeout=1, poll_interval=0.2)
    foreign_name = 'it asks for api.example.com, which the inventory does not give node w1 (it has 10.0.0.21, w1)'
    assert rc == 1 and result['msg'] == NO_REQUEST % (
        'w1, cp1', 1, '; refused: csr-a (%s; %s), csr-b (%s)' % (NOT_NODES, FOREIGN_IP, foreign_name))
    assert result['waiting'] == ['w1', 'cp1'] and result['changed'] is False


def test_the_failure_without_any_request_says_what_makes_the_kubelet_ask(admin_conf):
    """No request at all: the message says the kubelet makes one when it starts with serverTLSBootstrap."""
    result, rc = run(admin_conf, expect=['w1'], timeout=1, poll_interval=0.2)
    assert rc == 1 and result['msg'] == NO_REQUEST % ('w1', 1, '')
    assert outcome(result, changed=False, approved=[], refused=[], waiting=['w1'])


def test_a_denial_of_the_current_kubelet_is_reported_and_its_newer_request_approved(api, admin_conf):
    """A request denied by `kubectl certificate deny` is never approved; made in the very second the node's
    kubelet started (not_before), it is reported with its reason; the node's newer request is approved."""
    ask(api, name='csr-a')
    deny(api, 'csr-a')
    ask(api, name='csr-b')
    started = epoch(csr(api, 'csr-a')['metadata']['creationTimestamp'])
    result, rc = run(admin_conf, expect=['w1'], not_before={'w1': started}, timeout=5, poll_interval=0.2)
    assert rc == 0 and outcome(result, changed=True, approved=[{'name': 'csr-b', 'node': 'w1'}], waiting=[],
                               refused=[{'name': 'csr-a', 'node': 'w1', 'problems': [
                                   'Denied: KubectlDeny: This CSR was denied by kubectl certificate deny.']}])
    assert [c['type'] for c in csr(api, 'csr-a')['status']['conditions']] == ['Denied']


def test_the_newest_valid_request_is_approved_whatever_the_order_of_the_list(api, admin_conf):
    """The list is ordered by name, not by age: the newest valid request is approved even when an older one and a
    refused one come after or before it."""
    ask(api, name='csr-c')
    time.sleep(1.1)  # creationTimestamp has a resolution of one second
    ask(api, name='csr-b')
    ask(api, name='csr-a', ips=('10.0.0.21', '192.0.2.9'))
    result, rc = run(admin_conf)
    assert rc == 0 and outcome(result, changed=True, approved=[{'name': 'csr-b', 'node': 'w1'}], waiting=[],
                               refused=[{'name': 'csr-a', 'node': 'w1', 'problems': [FOREIGN_IP]}])
    assert approved(api, 'csr-c') == [] and approved(api, 'csr-a') == []


@pytest.mark.parametrize('args, msg', [
    ({'nodes': {'w2': '10.0.0.22', 'w1': '10.0.0.21', 'cp1': ['10.0.0.11']}},
     'nodes: the value of w1, w2 must be a list of addresses and names'),
    ({'expect': ['w8', 'cp1', 'w9']}, 'expect: w8, w9 not among nodes'),
    ({'expect': ['w1'], 'not_before': {'w1': 'yesterday'}},
     'not_before: each value must be a time in seconds since the epoch'),
])
def test_wrong_parameters_are_named(admin_conf, args, msg):
    """Wrong parameters fail before any request, with a message naming every wrong entry."""
    result, rc = run(admin_conf, **args)
    assert rc == 1 and result['msg'] == msg


def test_without_cryptography_the_module_says_what_to_install(admin_conf, monkeypatch):
    """On a host without the cryptography package, the task fails with Ansible's missing-library message."""
    monkeypatch.setattr(kubelet_csr, 'HAS_CRYPTOGRAPHY', False)
    result, rc = run(admin_conf)
    assert rc == 1 and result['msg'] == missing_required_lib('cryptography')


# --- an API server (or something in front of it) answering with errors: a canned HTTPS server ----------------------

STATUS = {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure'}
EMPTY_LIST = {'kind': 'CertificateSigningRequestList', 'apiVersion': 'certificates.k8s.io/v1',
              'metadata': {'resourceVersion': '1'}, 'items': []}


class Canned(BaseHTTPRequestHandler):
    """Answers each GET with the next canned (status, body, content type) of its path (the last one repeats)."""

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.seen.append(self.path)
        queue = self.server.answers.get(self.path) or [(404, b'404 page not found\n', 'text/plain; charset=utf-8')]
        status, payload, ctype = queue.pop(0) if len(queue) > 1 else queue[0]
        if not isinstance(payload, bytes):
            payload, ctype = json.dumps(payload).encode(), 'application/json'
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def canned(pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert_file, pki.server_key_file)
    server = ThreadingHTTPServer(('127.0.0.1', 0), Canned)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.seen, server.answers = [], {}
    server.url = 'https://127.0.0.1:%d' % server.server_address[1]
    server.conf = pki.kubeconfig('canned-%d.conf' % server.server_address[1], server.url, 'kubernetes-admin')
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize('code, status', [
    (429, dict(STATUS, message='Too many requests, please try again later.', reason='TooManyRequests', code=429,
               details={'retryAfterSeconds': 1})),
    (500, dict(STATUS, message='Internal error occurred: etcdserver: request timed out', reason='InternalError',
               code=500)),
])
def test_too_many_requests_and_server_errors_are_asked_again(canned, code, status):
    """429 (API priority and fairness) and 5xx (etcd timing out) pass: the list is asked again while the wait
    lasts instead of failing the task."""
    canned.answers[CSR_PATH] = [(code, status, None), (200, EMPTY_LIST, None)]
    result, rc = run(canned.conf, timeout=10, poll_interval=0.1)
    assert rc == 0 and outcome(result, changed=False, approved=[], refused=[], waiting=[])
    assert canned.seen == [CSR_PATH, CSR_PATH]


@pytest.mark.parametrize('answer, msg', [
    ((503, b'upstream connect error or disconnect/reset before headers', 'text/plain'),
     'the API server did not answer: GET %s: HTTP 503 upstream connect error or disconnect/reset before headers'),
    ((502, b'', 'text/plain'), 'the API server did not answer: GET %s: HTTP 502 '),
    ((404, b'404 page not found\n', 'text/plain; charset=utf-8'), 'GET %s: HTTP 404 404 page not found\n'),
])
def test_answers_that_are_not_status_objects_are_quoted(canned, answer, msg):
    """A load balancer's text, an empty body, or a server that is not an API server (a kubelet's 404): the message
    quotes what came back (nothing when nothing came), without the RBAC hint that would mislead."""
    canned.answers[CSR_PATH] = [answer]
    result, rc = run(canned.conf, expect=['w1'])
    assert rc == 1 and result['msg'] == msg % CSR_PATH
    assert outcome(result, changed=False, approved=[], refused=[], waiting=['w1'])
