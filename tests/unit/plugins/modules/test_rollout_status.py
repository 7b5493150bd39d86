# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rollout_status against a real HTTPS API server stand-in: what it asks, and what it answers.

The server is Python's own (ssl + http.server) on 127.0.0.1 with the test CA, reached through a
kubeconfig with an embedded client certificate, as kubeadm writes admin.conf. What it answers is
canned (the workloads and pods as the API server returns them); what it receives is recorded: the
method, the path with its query and the client certificate's common name. The verdicts follow
``kubectl rollout status`` (k8s.io/kubectl pkg/polymorphichelpers/rollout_status.go)."""

from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

import kubeadm_testlib as lib
from unit_helpers import REFUSED, closed_port
from ansible_collections.seed.kubeadm.plugins.module_utils import kubeapi
from ansible_collections.seed.kubeadm.plugins.modules import rollout_status

FLANNEL_PATH = '/apis/apps/v1/namespaces/kube-flannel/daemonsets/kube-flannel-ds'
FLANNEL_PODS = '/api/v1/namespaces/kube-flannel/pods?labelSelector=app%3Dflannel%2Ck8s-app%3Dflannel'
NGINX_PATH = '/apis/apps/v1/namespaces/ingress-nginx/deployments/ingress-nginx-controller'
NGINX_PODS = ('/api/v1/namespaces/ingress-nginx/pods?labelSelector=app.kubernetes.io/component%3Dcontroller'
              '%2Capp.kubernetes.io/instance%3Dingress-nginx%2Capp.kubernetes.io/name%3Dingress-nginx')
WEB_PATH = '/apis/apps/v1/namespaces/default/statefulsets/web'
FLANNEL_REF = {'kind': 'DaemonSet', 'namespace': 'kube-flannel', 'name': 'kube-flannel-ds'}
NGINX_REF = {'kind': 'Deployment', 'namespace': 'ingress-nginx', 'name': 'ingress-nginx-controller'}
WEB_REF = {'kind': 'StatefulSet', 'namespace': 'default', 'name': 'web'}
DEFAULTS = {'kubeconfig': '/etc/kubernetes/admin.conf', 'timeout': 0, 'poll_interval': 3.0, 'request_timeout': 10}


class Recorder(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        peer = self.connection.getpeercert() or {}
        common_name = [value for rdn in peer.get('subject', ()) for key, value in rdn if key == 'commonName']
        self.server.seen.append((self.command, self.path, common_name[0] if common_name else None))
        status, payload = self.server.answers.get(self.path, NOT_FOUND)
        if not isinstance(payload, bytes):
            payload = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def status(code, reason, message):
    """A metav1.Status as the API server sends it with an error."""
    return {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure', 'message': message,
            'reason': reason, 'code': code}


NOT_FOUND = (404, status(404, 'NotFound', 'not found'))


@pytest.fixture
def apiserver(pki, tmp_path):
    """An HTTPS server on 127.0.0.1 with the test CA's serving certificate, and an admin.conf for it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert_file, pki.server_key_file)
    ctx.load_verify_locations(pki.ca_file)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    server = ThreadingHTTPServer(('127.0.0.1', 0), Recorder)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.seen, server.answers = [], {}
    server.url = 'https://127.0.0.1:%d' % server.server_address[1]
    server.kubeconfig = write_kubeconfig(pki, tmp_path, server.url)
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def write_kubeconfig(pki, tmp_path, server):
    cert, key = pki.issue('kubernetes-admin', ['kubeadm:cluster-admins'])

    def b64(data):
        return base64.b64encode(data).decode('ascii')
    doc = {'apiVersion': 'v1', 'kind': 'Config', 'current-context': 'kubernetes-admin@kubernetes',
           'clusters': [{'name': 'kubernetes', 'cluster': {'server': server,
                                                           'certificate-authority-data': b64(pki.ca_pem)}}],
           'users': [{'name': 'kubernetes-admin', 'user': {'client-certificate-data': b64(cert),
                                                           'client-key-data': b64(key)}}],
           'contexts': [{'name': 'kubernetes-admin@kubernetes',
                         'context': {'cluster': 'kubernetes', 'user': 'kubernetes-admin'}}]}
    path = tmp_path / 'admin.conf'
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def flannel(desired=4, updated=4, available=4, strategy='RollingUpdate', generation=3, observed=3):
    return {'apiVersion': 'apps/v1', 'kind': 'DaemonSet',
            'metadata': {'name': 'kube-flannel-ds', 'namespace': 'kube-flannel', 'generation': generation},
            'spec': {'selector': {'matchLabels': {'k8s-app': 'flannel', 'app': 'flannel'}},
                     'updateStrategy': {'type': strategy}},
            'status': {'observedGeneration': observed, 'desiredNumberScheduled': desired,
                       'currentNumberScheduled': desired, 'updatedNumberScheduled': updated,
                       'numberAvailable': available, 'numberReady': available}}


def nginx(replicas=2, updated=2, total=2, available=2, generation=2, observed=2):
    return {'apiVersion': 'apps/v1', 'kind': 'Deployment',
            'metadata': {'name': 'ingress-nginx-controller', 'namespace': 'ingress-nginx', 'generation': generation},
            'spec': {'replicas': replicas, 'selector': {'matchLabels': {
                'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/instance': 'ingress-nginx',
                'app.kubernetes.io/component': 'controller'}}},
            'status': {'observedGeneration': observed, 'replicas': total, 'updatedReplicas': updated,
                       'availableReplicas': available, 'readyReplicas': available,
                       'conditions': [{'type': 'Progressing', 'status': 'True', 'reason': 'ReplicaSetUpdated'}]}}


def web(replicas=3, partition=1, ready=3, updated=2):
    """A StatefulSet as the API server returns it: rollingUpdate defaulted, here with a partition."""
    return {'apiVersion': 'apps/v1', 'kind': 'StatefulSet',
            'metadata': {'name': 'web', 'namespace': 'default', 'generation': 4},
            'spec': {'replicas': replicas, 'selector': {'matchLabels': {'app': 'nginx'}},
                     'updateStrategy': {'type': 'RollingUpdate', 'rollingUpdate': {'partition': partition}}},
            'status': {'observedGeneration': 4, 'replicas': replicas, 'readyReplicas': ready,
                       'currentReplicas': replicas - updated, 'updatedReplicas': updated,
                       'currentRevision': 'web-6d5f8c7b9', 'updateRevision': 'web-7c9d6b4f8'}}


def pod(name, node, ready, waiting=None, conditions=()):
    conds = list(conditions) + [{'type': 'Ready', 'status': 'True' if ready else 'False'}]
    containers = [{'name': 'kube-flannel', 'ready': ready,
                   'state': {'waiting': waiting} if waiting else {'running': {}}}]
    return {'metadata': {'name': name, 'namespace': 'kube-flannel'}, 'spec': {'nodeName': node},
            'status': {'phase': 'Running' if ready else 'Pending', 'conditions': conds,
                       'containerStatuses': containers}}


BACKOFF = {'reason': 'ImagePullBackOff', 'message': 'Back-off pulling image "ghcr.io/flannel-io/flannel:v0.27.0"'}
UNSCHEDULABLE = {'type': 'PodScheduled', 'status': 'False', 'reason': 'Unschedulable',
                 'message': '0/5 nodes are available: 1 node(s) had untolerated taint.'}
FLANNEL_POD_LIST = {'kind': 'PodList', 'apiVersion': 'v1', 'items': [
    pod('kube-flannel-ds-a1', 'cp1', True),
    pod('kube-flannel-ds-b2', 'w1', False, waiting=BACKOFF),
    pod('kube-flannel-ds-c3', 'w2', False, waiting={'reason': 'ContainerCreating'}),
    pod('kube-flannel-ds-d4', 'w3', True),
    pod('kube-flannel-ds-e5', None, False, conditions=[UNSCHEDULABLE]),
    pod('kube-flannel-ds-f6', 'w4', False, waiting={'reason': 'CrashLoopBackOff'}),
]}
FLANNEL_PROBLEMS = [
    'kube-flannel-ds-b2 on w1: container kube-flannel ImagePullBackOff: Back-off pulling image '
    '"ghcr.io/flannel-io/flannel:v0.27.0"',
    'kube-flannel-ds-c3 on w2: container kube-flannel ContainerCreating',
    'kube-flannel-ds-e5 on no node: PodScheduled=False Unschedulable: 0/5 nodes are available: 1 node(s) had '
    'untolerated taint.',
]


def run(apiserver, resources, **args):
    args = dict(args, resources=resources)
    args.setdefault('kubeconfig', apiserver.kubeconfig)
    result, rc = lib.run_module(rollout_status, args, check_mode=args.pop('check_mode', False))
    result.pop('_raw')
    return result, rc


def invocation(apiserver, resources, **args):
    return {'module_args': dict(DEFAULTS, kubeconfig=apiserver.kubeconfig, resources=resources, **args)}


def test_a_daemon_set_with_pods_not_available_names_the_first_three_and_what_they_wait_for(apiserver):
    """The user sees which pods hold the rollout and why (an image that cannot be pulled, a taint),
    not only kubectl's count; ready pods are left out, and no more than three are listed."""
    apiserver.answers[FLANNEL_PATH] = (200, flannel(available=2))
    apiserver.answers[FLANNEL_PODS] = (200, FLANNEL_POD_LIST)
    resources = [{'kind': 'Namespace', 'metadata': {'name': 'kube-flannel'}},
                 {'kind': 'DaemonSet', 'metadata': {'name': 'kube-flannel-ds', 'namespace': 'kube-flannel'}}]
    result, rc = run(apiserver, resources)
    message = 'Waiting for daemon set "kube-flannel-ds" rollout to finish: 2 of 4 updated pods are available...'
    assert rc == 0
    assert result == {
        'changed': False, 'done': False,
        'state': '0 of 1 rolled out; DaemonSet kube-flannel/kube-flannel-ds: %s (%s)' % (message, FLANNEL_PROBLEMS[0]),
        'workloads': [dict(FLANNEL_REF, done=False, message=message, pods=FLANNEL_PROBLEMS)],
        'invocation': invocation(apiserver, resources)}
    # The workload, then its pods by its label selector (matchLabels sorted by key), as admin.conf's user.
    assert apiserver.seen == [('GET', FLANNEL_PATH, 'kubernetes-admin'), ('GET', FLANNEL_PODS, 'kubernetes-admin')]


def test_workloads_rolled_out_cost_no_pod_listing(apiserver):
    """Every workload done: done is true, the state says so, and the pods are not listed (a large
    DaemonSet has hundreds)."""
    apiserver.answers[FLANNEL_PATH] = (200, flannel())
    apiserver.answers[NGINX_PATH] = (200, nginx())
    apiserver.answers[WEB_PATH] = (200, web(updated=2))
    resources = [FLANNEL_REF, NGINX_REF, {'kind': 'StatefulSet', 'name': 'web'}]
    result, rc = run(apiserver, resources, request_timeout=4)
    assert rc == 0
    assert result == {
        'changed': False, 'done': True, 'state': '3 of 3 rolled out',
        'workloads': [dict(FLANNEL_REF, done=True, message='daemon set "kube-flannel-ds" successfully rolled out',
                           pods=[]),
                      dict(NGINX_REF, done=True, pods=[],
                           message='deployment "ingress-nginx-controller" successfully rolled out'),
                      dict(WEB_REF, done=True, message='partitioned roll out complete: 2 new pods have been updated...',
                           pods=[])],
        'invocation': invocation(apiserver, resources, request_timeout=4)}
    # A reference without a namespace is looked up in "default".
    assert [path for _method, path, _cn in apiserver.seen] == [FLANNEL_PATH, NGINX_PATH, WEB_PATH]


def test_the_first_workload_not_rolled_out_makes_the_state(apiserver):
    """A Deployment whose new spec the controller has not seen yet is not done, whatever its counts
    say; a StatefulSet with a partition waits for replicas - partition updated pods."""
    apiserver.answers[FLANNEL_PATH] = (200, flannel())
    apiserver.answers[NGINX_PATH] = (200, nginx(generation=3, observed=2))
    apiserver.answers[WEB_PATH] = (200, web(partition=1, updated=1))
    apiserver.answers[NGINX_PODS] = (200, {'kind': 'PodList', 'items': None})
    web_pods = '/api/v1/namespaces/default/pods?labelSelector=app%3Dnginx'
    apiserver.answers[web_pods] = (200, {'kind': 'PodList', 'items': [
        pod('web-2', 'w2', False, waiting={'reason': 'ErrImagePull', 'message': 'manifest unknown'})]})
    result, rc = run(apiserver, [FLANNEL_REF, NGINX_REF, WEB_REF])
    waiting = 'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...'
    assert rc == 0 and result['done'] is False
    assert result['state'] == ('1 of 3 rolled out; Deployment ingress-nginx/ingress-nginx-controller: '
                               'Waiting for deployment spec update to be observed...')
    assert result['workloads'] == [
        dict(FLANNEL_REF, done=True, message='daemon set "kube-flannel-ds" successfully rolled out', pods=[]),
        dict(NGINX_REF, done=False, message='Waiting for deployment spec update to be observed...', pods=[]),
        dict(WEB_REF, done=False, message=waiting, pods=['web-2 on w2: container kube-flannel ErrImagePull: '
                                                         'manifest unknown'])]
    assert [path for _method, path, _cn in apiserver.seen] == [
        FLANNEL_PATH, NGINX_PATH, NGINX_PODS, WEB_PATH, web_pods]


def test_a_workload_not_created_yet_is_waited_for(apiserver):
    """Right after kubernetes.core.k8s applied a manifest the object may not be there yet (404):
    not done, not failed, and no pods are asked for."""
    result, rc = run(apiserver, [NGINX_REF])
    message = 'Deployment "ingress-nginx-controller" does not exist yet'
    assert rc == 0
    assert result == {'changed': False, 'done': False,
                      'state': '0 of 1 rolled out; Deployment ingress-nginx/ingress-nginx-controller: ' + message,
                      'workloads': [dict(NGINX_REF, done=False, message=message, pods=[])],
                      'invocation': invocation(apiserver, [NGINX_REF])}
    assert apiserver.seen == [('GET', NGINX_PATH, 'kubernetes-admin')]


def test_look_returns_the_whole_verdict_with_its_failed_flag(apiserver):
    """look() is what main() gathers: the reference, done, failed, message and pods."""
    creds = kubeapi.read_kubeconfig(apiserver.kubeconfig)
    assert rollout_status.look(creds, dict(WEB_REF), 5) == dict(
        WEB_REF, done=False, failed=False, message='StatefulSet "web" does not exist yet', pods=[])
    apiserver.answers[FLANNEL_PATH] = (200, flannel(strategy='OnDelete'))
    assert rollout_status.look(creds, dict(FLANNEL_REF), 5) == dict(
        FLANNEL_REF, done=True, failed=True, message='rollout status is only available for RollingUpdate strategy type',
        pods=[])
    apiserver.answers[NGINX_PATH] = (200, nginx(available=1))
    assert rollout_status.look(creds, dict(NGINX_REF), 5) == dict(
        NGINX_REF, done=False, failed=False, pods=[],
        message='Waiting for deployment "ingress-nginx-controller" rollout to finish: 1 of 2 updated replicas are '
                'available...')


def test_a_workload_without_a_selector_lists_no_pods(apiserver):
    """No selector, no pod query: listing every pod of the namespace would name foreign pods."""
    obj = nginx(updated=1)
    del obj['spec']['selector']
    apiserver.answers[NGINX_PATH] = (200, obj)
    result, rc = run(apiserver, [NGINX_REF])
    assert rc == 0 and result['workloads'] == [dict(NGINX_REF, done=False, pods=[], message=(
        'Waiting for deployment "ingress-nginx-controller" rollout to finish: 1 out of 2 new replicas have been '
        'updated...'))]
    assert apiserver.seen == [('GET', NGINX_PATH, 'kubernetes-admin')]


FORBIDDEN_PODS = status(403, 'Forbidden', 'pods is forbidden: User "x" cannot list resource "pods" in API group "" '
                                          'in the namespace "kube-flannel"')


@pytest.mark.parametrize('answer', [(403, FORBIDDEN_PODS), (200, b'"not a list"'),
                                    (200, {'kind': 'PodList', 'items': []})])
def test_pods_that_cannot_be_listed_leave_the_verdict_alone(apiserver, answer):
    """Pods are a hint: a refusal or an odd answer to the pod query leaves them out, nothing more."""
    apiserver.answers[FLANNEL_PATH] = (200, flannel(updated=3, available=3))
    apiserver.answers[FLANNEL_PODS] = answer
    result, rc = run(apiserver, [FLANNEL_REF])
    message = 'Waiting for daemon set "kube-flannel-ds" rollout to finish: 3 out of 4 new pods have been updated...'
    assert rc == 0
    assert result == {'changed': False, 'done': False, 'state': '0 of 1 rolled out; DaemonSet '
                      'kube-flannel/kube-flannel-ds: ' + message,
                      'workloads': [dict(FLANNEL_REF, done=False, message=message, pods=[])],
                      'invocation': invocation(apiserver, [FLANNEL_REF])}
    assert [path for _method, path, _cn in apiserver.seen] == [FLANNEL_PATH, FLANNEL_PODS]


@pytest.mark.parametrize('answer, detail', [
    ((403, status(403, 'Forbidden', 'deployments.apps "ingress-nginx-controller" is forbidden: User "system:anonymous" '
                                    'cannot get resource "deployments" in API group "apps" in the namespace '
                                    '"ingress-nginx"')),
     'HTTP 403 deployments.apps "ingress-nginx-controller" is forbidden: User "system:anonymous" cannot get resource '
     '"deployments" in API group "apps" in the namespace "ingress-nginx"'),
    ((503, b'no healthy upstream'), 'HTTP 503 no healthy upstream'),
    ((500, b''), 'HTTP 500 '),
    ((200, b'[]'), 'HTTP 200 []'),
    ((200, b'null'), 'HTTP 200 '),
    ((502, b'{"kind": "Status"}'), 'HTTP 502 '),
])
def test_an_api_error_is_reported_in_the_state_without_failing(apiserver, answer, detail):
    """An error answer is not fatal (the action asks again while the API server recovers): the state
    names the request and the API server's message; the workloads seen before it are kept."""
    apiserver.answers[FLANNEL_PATH] = (200, flannel())
    apiserver.answers[NGINX_PATH] = answer
    result, rc = run(apiserver, [FLANNEL_REF, NGINX_REF, WEB_REF])
    assert rc == 0
    assert result == {'changed': False, 'done': False, 'api_unreachable': True,
                      'state': 'API server did not answer: GET %s: %s' % (NGINX_PATH, detail),
                      'workloads': [dict(FLANNEL_REF, done=True, failed=False, pods=[],
                                         message='daemon set "kube-flannel-ds" successfully rolled out')],
                      'invocation': invocation(apiserver, [FLANNEL_REF, NGINX_REF, WEB_REF])}
    assert [path for _method, path, _cn in apiserver.seen] == [FLANNEL_PATH, NGINX_PATH]


def test_nobody_listening_is_reported_in_the_state(pki, tmp_path):
    """The API server restarting (kubeadm upgrade, a static pod being replaced): not fatal either."""
    url = 'https://127.0.0.1:%d' % closed_port()
    kubeconfig = write_kubeconfig(pki, tmp_path, url)
    result, rc = lib.run_module(rollout_status, {'resources': [WEB_REF], 'kubeconfig': kubeconfig})
    assert rc == 0
    assert (result['done'], result['api_unreachable'], result['workloads'], result['state']) == (
        False, True, [], 'API server did not answer: %s%s: %s' % (url, WEB_PATH, REFUSED))


def test_request_timeout_bounds_a_silent_api_server(pki, tmp_path):
    """An API server that accepts connections but never answers costs request_timeout, then the
    state says so (the action then asks again)."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(4)
    try:
        url = 'https://127.0.0.1:%d' % listener.getsockname()[1]
        kubeconfig = write_kubeconfig(pki, tmp_path, url)
        result, rc = lib.run_module(rollout_status, {'resources': [WEB_REF], 'kubeconfig': kubeconfig,
                                                     'request_timeout': 1})
    finally:
        listener.close()
    assert rc == 0 and result['api_unreachable'] is True and result['workloads'] == []
    prefix = 'API server did not answer: %s%s: ' % (url, WEB_PATH)
    assert result['state'].startswith(prefix) and result['state'].endswith('timed out'), result['state']


def test_every_request_carries_request_timeout(apiserver, monkeypatch):
    """request_timeout (default 10 s) bounds each answer: the workload's and the pod listing's."""
    asked = []
    real = kubeapi.request

    def request(creds, path, **kwargs):
        asked.append((path, kwargs))
        return real(creds, path, **kwargs)
    monkeypatch.setattr(kubeapi, 'request', request)
    apiserver.answers[FLANNEL_PATH] = (200, flannel(available=3))
    apiserver.answers[FLANNEL_PODS] = (200, FLANNEL_POD_LIST)
    run(apiserver, [FLANNEL_REF])
    assert asked == [(FLANNEL_PATH, {'timeout': 10}), (FLANNEL_PODS, {'timeout': 10})]
    del asked[:]
    run(apiserver, [FLANNEL_REF], request_timeout=25)
    assert asked == [(FLANNEL_PATH, {'timeout': 25}), (FLANNEL_PODS, {'timeout': 25})]


def test_a_strategy_kubectl_cannot_follow_fails_the_task(apiserver):
    """kubectl rollout status exits with an error for an OnDelete DaemonSet: waiting would never end,
    so the module fails at once and names the workload."""
    apiserver.answers[NGINX_PATH] = (200, nginx(available=1))
    apiserver.answers[NGINX_PODS] = (200, {'kind': 'PodList', 'items': []})
    apiserver.answers[FLANNEL_PATH] = (200, flannel(strategy='OnDelete', generation=4, observed=3))
    result, rc = run(apiserver, [NGINX_REF, FLANNEL_REF])
    waiting = ('Waiting for deployment "ingress-nginx-controller" rollout to finish: 1 of 2 updated replicas are '
               'available...')
    assert rc == 1
    assert result == {
        'failed': True, 'done': False,
        'msg': ('DaemonSet kube-flannel/kube-flannel-ds: rollout status is only available for RollingUpdate strategy '
                'type'),
        'state': '1 of 2 rolled out; Deployment ingress-nginx/ingress-nginx-controller: ' + waiting,
        'workloads': [dict(NGINX_REF, done=False, message=waiting, pods=[]),
                      dict(FLANNEL_REF, done=True, pods=[],
                           message='rollout status is only available for RollingUpdate strategy type')],
        'invocation': invocation(apiserver, [NGINX_REF, FLANNEL_REF])}


def test_a_deployment_past_its_progress_deadline_fails_the_task(apiserver):
    """ProgressDeadlineExceeded: kubectl gives up, so does the module, naming the first failure."""
    obj = nginx(available=0)
    obj['status']['conditions'] = [{'type': 'Progressing', 'status': 'False', 'reason': 'ProgressDeadlineExceeded'}]
    apiserver.answers[NGINX_PATH] = (200, obj)
    apiserver.answers[FLANNEL_PATH] = (200, flannel(strategy='OnDelete'))
    apiserver.answers[NGINX_PODS] = (200, {'kind': 'PodList', 'items': [
        pod('ingress-nginx-controller-7d-abc', 'w1', False, waiting=BACKOFF)]})
    result, rc = run(apiserver, [NGINX_REF, FLANNEL_REF])
    problem = ('ingress-nginx-controller-7d-abc on w1: container kube-flannel ImagePullBackOff: Back-off pulling image '
               '"ghcr.io/flannel-io/flannel:v0.27.0"')
    assert rc == 1 and result['failed'] is True and result['done'] is False
    assert result['msg'] == ('Deployment ingress-nginx/ingress-nginx-controller: deployment "ingress-nginx-controller" '
                             'exceeded its progress deadline')
    assert result['state'] == ('1 of 2 rolled out; Deployment ingress-nginx/ingress-nginx-controller: deployment '
                               '"ingress-nginx-controller" exceeded its progress deadline (%s)' % problem)
    assert result['workloads'][0]['pods'] == [problem]


def test_check_mode_looks_the_same_way(apiserver):
    """The module only reads: in check mode it reports as it does otherwise."""
    apiserver.answers[WEB_PATH] = (200, web(partition=0, updated=3))
    result, rc = run(apiserver, [WEB_REF], check_mode=True)
    assert rc == 0
    assert result == {'changed': False, 'done': True, 'state': '1 of 1 rolled out',
                      'workloads': [dict(WEB_REF, done=True, pods=[],
                                         message='partitioned roll out complete: 3 new pods have been updated...')],
                      'invocation': invocation(apiserver, [WEB_REF])}


def test_no_workload_among_the_resources_is_done_at_once(apiserver):
    """A list of ConfigMaps and RBAC objects has nothing to wait for: done, and nothing asked."""
    resources = [{'kind': 'ConfigMap', 'metadata': {'name': 'kube-flannel-cfg', 'namespace': 'kube-flannel'}},
                 {'kind': 'ClusterRole', 'metadata': {'name': 'flannel'}}]
    result, rc = run(apiserver, resources, timeout=600, poll_interval=2)
    assert rc == 0
    assert result == {'changed': False, 'done': True, 'state': '0 of 0 rolled out', 'workloads': [],
                      'invocation': invocation(apiserver, resources, timeout=600, poll_interval=2.0)}
    assert apiserver.seen == []


def test_the_default_kubeconfig_is_admin_conf(tmp_path):
    """Without kubeconfig the module reads /etc/kubernetes/admin.conf, and says so when it cannot."""
    result, rc = lib.run_module(rollout_status, {'resources': [WEB_REF]})
    assert rc == 1
    assert result['msg'] == ("cannot read kubeconfig /etc/kubernetes/admin.conf: [Errno 2] No such file or directory: "
                             "'/etc/kubernetes/admin.conf'")
    assert result['invocation'] == {'module_args': dict(DEFAULTS, resources=[WEB_REF])}


@pytest.mark.parametrize('text, reason', [('just text\n', '%s is not a kubeconfig'),
                                          ('apiVersion: v1\nkind: Config\nclusters: []\n', '%s has no cluster server')])
def test_a_kubeconfig_that_is_not_one_is_refused(tmp_path, text, reason):
    path = tmp_path / 'admin.conf'
    path.write_text(text)
    result, rc = lib.run_module(rollout_status, {'resources': [WEB_REF], 'kubeconfig': str(path)})
    assert rc == 1 and result['failed'] is True
    assert result['msg'] == 'cannot read kubeconfig %s: %s' % (path, reason % path)


def test_a_kubeconfig_that_is_not_yaml_is_refused(tmp_path):
    """A truncated or hand-broken admin.conf fails with the file named, not a Python traceback."""
    path = tmp_path / 'admin.conf'
    path.write_text('clusters:\n- cluster: {server: "https://10.0.0.1:6443"\n')
    result, rc = lib.run_module(rollout_status, {'resources': [WEB_REF], 'kubeconfig': str(path)})
    assert rc == 1 and result['msg'].startswith('cannot read kubeconfig %s: %s is not valid YAML (' % (path, path))


@pytest.mark.parametrize('body, shown', [(b'["upstream", "unavailable"]', "['upstream', 'unavailable']"),
                                         (b'42', '42'), (b'null', '')])
def test_an_error_answer_that_is_a_json_list_is_reported_in_the_state(apiserver, body, shown):
    """A proxy in front of the API server answering with a JSON array must not crash the module."""
    apiserver.answers[NGINX_PATH] = (502, body)
    result, rc = run(apiserver, [NGINX_REF])
    assert rc == 0 and result['api_unreachable'] is True
    assert result['state'] == 'API server did not answer: GET %s: HTTP 502 %s' % (NGINX_PATH, shown)


def test_resources_are_required():
    result, rc = lib.run_module(rollout_status, {})
    assert rc == 1 and result['msg'] == 'missing required arguments: resources'
