# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubeadm_state against the API server double of tests/doubles (authentication by client
certificate, the Node and RBAC authorizers, objects in memory), over real TLS.

The kubeconfig files name a VIP that does not answer, as on a node whose load balancer is down: the
module must ask the local API server (``api_port``) with the same credentials."""

from __future__ import annotations

import os
import shutil

import pytest

import kubeadm_testlib as lib
from doubles_harness import Pki, RunningApi
from unit_helpers import REFUSED, closed_port
from ansible_collections.seed.kubeadm.plugins.modules import kubeadm_state


# The VIP: a loopback port nobody listens on (refused at once, no name to resolve).
VIP = 'https://127.0.0.1:%d' % closed_port()
CLUSTER_CONFIGURATION = ('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n'
                         'kubernetesVersion: v1.35.6\ncontrolPlaneEndpoint: "192.0.2.100:16443"\n'
                         'networking:\n  podSubnet: 10.244.0.0/16\n')
MARKERS = [('/api/v1/namespaces/kube-system/configmaps', {'kind': 'ConfigMap', 'apiVersion': 'v1',
                                                          'metadata': {'name': 'kubelet-config'}, 'data': {}}),
           ('/api/v1/namespaces/kube-public/configmaps', {'kind': 'ConfigMap', 'apiVersion': 'v1',
                                                          'metadata': {'name': 'cluster-info'}, 'data': {}})]


class Cluster(object):
    def __init__(self, tmp_path):
        self.kdir = str(tmp_path / 'kubernetes')
        self.pki = Pki(os.path.join(self.kdir, 'pki'))
        self.api = RunningApi(self.pki, {})
        self.admin = self.api.admin()

    def kubeconfig(self, name, cn, orgs=(), server=VIP):
        path = self.pki.kubeconfig(name, server, cn, orgs)
        shutil.move(path, os.path.join(self.kdir, name))

    def configmap(self, namespace, name, data):
        self.admin.create('/api/v1/namespaces/%s/configmaps' % namespace,
                          {'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': name}, 'data': data})

    def node(self, name, ready):
        self.admin.create('/api/v1/nodes', {'apiVersion': 'v1', 'kind': 'Node', 'metadata': {'name': name}})
        status = {'conditions': [{'type': 'MemoryPressure', 'status': 'False'},
                                 {'type': 'Ready', 'status': 'True' if ready else 'False'}]}
        self.admin.patch('/api/v1/nodes/%s/status' % name, {'status': status})

    def nodes_may_read_kubeadm_config(self):
        # What kubeadm's upload-config phase grants: Role kubeadm:nodes-kubeadm-config, bound to nodes.
        self.admin.create('/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles', {
            'apiVersion': 'rbac.authorization.k8s.io/v1', 'kind': 'Role',
            'metadata': {'name': 'kubeadm:nodes-kubeadm-config'},
            'rules': [{'apiGroups': [''], 'resources': ['configmaps'], 'resourceNames': ['kubeadm-config'],
                       'verbs': ['get']}]})
        self.admin.create('/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings', {
            'apiVersion': 'rbac.authorization.k8s.io/v1', 'kind': 'RoleBinding',
            'metadata': {'name': 'kubeadm:nodes-kubeadm-config'},
            'roleRef': {'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'Role', 'name': 'kubeadm:nodes-kubeadm-config'},
            'subjects': [{'kind': 'Group', 'name': 'system:bootstrappers:kubeadm:default-node-token'},
                         {'kind': 'Group', 'name': 'system:nodes'}]})

    def cluster_admins_binding(self):
        # What kubeadm init makes first (EnsureAdminClusterRoleBinding): admin.conf's group is cluster-admin.
        self.admin.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
            'apiVersion': 'rbac.authorization.k8s.io/v1', 'kind': 'ClusterRoleBinding',
            'metadata': {'name': 'kubeadm:cluster-admins'},
            'roleRef': {'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'ClusterRole', 'name': 'cluster-admin'},
            'subjects': [{'kind': 'Group', 'name': 'kubeadm:cluster-admins'}]})

    def state(self, node_name='cp1', **extra):
        args = {'node_name': node_name, 'kubernetes_dir': self.kdir, 'api_port': self.api.port, 'timeout': 2,
                'etcd_data_dir': os.path.join(self.kdir, 'no-etcd')}
        args.update(extra)
        result, rc = lib.run_module(kubeadm_state, args)
        assert rc is None or rc == 0, result
        return result


@pytest.fixture
def cluster(tmp_path):
    made = Cluster(tmp_path)
    yield made
    made.api.stop()


def test_an_initialised_control_plane(cluster):
    cluster.kubeconfig('admin.conf', 'kubernetes-admin', ['kubeadm:cluster-admins'])
    cluster.cluster_admins_binding()
    cluster.configmap('kube-system', 'kubeadm-config', {'ClusterConfiguration': CLUSTER_CONFIGURATION})
    for collection, obj in MARKERS:
        cluster.admin.create(collection, obj)
    cluster.node('cp1', ready=True)
    cluster.node('w1', ready=False)
    result = cluster.state(nodes=['w1', 'w2'])
    assert result['changed'] is False
    assert result['local_api'] == {'running': True, 'status': 200}
    cluster_facts = result['cluster']
    assert cluster_facts['established'] is True and cluster_facts['via'] == os.path.join(cluster.kdir, 'admin.conf')
    assert cluster_facts['kubernetes_version'] == 'v1.35.6'
    assert cluster_facts['control_plane_endpoint'] == '192.0.2.100:16443'
    assert cluster_facts['done'] == ['upload-config', 'bootstrap-token']
    assert cluster_facts['errors'] == []
    assert result['node'] == {'registered': True, 'ready': True}
    assert result['nodes'] == {'w1': {'registered': True, 'ready': False}, 'w2': {'registered': False, 'ready': False}}
    assert result['etcd'] == {'members': None, 'member': None}


def test_a_forbidden_admin_conf_falls_back_to_super_admin_conf(cluster):
    # admin.conf's group without its ClusterRoleBinding (kubeadm makes it before uploading kubeadm-config,
    # so only a deleted binding gets here): HTTP 403, and super-admin.conf answers.
    cluster.kubeconfig('admin.conf', 'kubernetes-admin', ['kubeadm:cluster-admins'])
    cluster.kubeconfig('super-admin.conf', 'kubernetes-super-admin', ['system:masters'])
    cluster.configmap('kube-system', 'kubeadm-config', {'ClusterConfiguration': CLUSTER_CONFIGURATION})
    result = cluster.state()
    admin = os.path.join(cluster.kdir, 'admin.conf')
    assert result['cluster']['via'] == os.path.join(cluster.kdir, 'super-admin.conf')
    assert result['cluster']['errors'][0] == '%s via %s: HTTP 403' % (kubeadm_state.KUBEADM_CONFIG, admin)
    assert result['cluster']['errors'][1].startswith('%s%s: ' % (VIP, kubeadm_state.KUBEADM_CONFIG))
    assert len(result['cluster']['errors']) == 2
    assert result['node'] == {'registered': False, 'ready': False} and result['cluster']['done'] == []


def test_a_worker_reads_the_cluster_through_kubelet_conf(cluster):
    cluster.kubeconfig('kubelet.conf', 'system:node:w1', ['system:nodes'])
    cluster.configmap('kube-system', 'kubeadm-config', {'ClusterConfiguration': CLUSTER_CONFIGURATION})
    cluster.nodes_may_read_kubeadm_config()
    cluster.node('w1', ready=True)
    result = cluster.state(node_name='w1', nodes=['w2'])
    facts = result['cluster']
    assert facts['established'] is True and facts['via'] == os.path.join(cluster.kdir, 'kubelet.conf')
    assert facts['done'] is None and facts['kubernetes_version'] == 'v1.35.6'
    assert result['node'] == {'registered': True, 'ready': True}
    assert result['nodes'] == {}


def test_a_kubelet_of_another_cluster_learns_nothing(cluster):
    # kubelet.conf of an older cluster: its CA does not know this API server's certificate.
    foreign = Pki(os.path.join(cluster.kdir, 'foreign'))
    path = foreign.kubeconfig('kubelet.conf', VIP, 'system:node:w1', ['system:nodes'])
    shutil.move(path, os.path.join(cluster.kdir, 'kubelet.conf'))
    result = cluster.state(node_name='w1')
    facts = result['cluster']
    assert facts['established'] is False and facts['via'] is None and facts['done'] == []
    assert facts['absent'] is False  # a TLS failure says nothing about whether the cluster exists
    local = 'https://127.0.0.1:%d%s: ' % (cluster.api.port, kubeadm_state.KUBEADM_CONFIG)
    assert facts['errors'][0].startswith(local) and 'CERTIFICATE_VERIFY_FAILED' in facts['errors'][0]
    assert facts['errors'][1].startswith(VIP + kubeadm_state.KUBEADM_CONFIG + ': ') and len(facts['errors']) == 2
    assert result['node'] == {'registered': None, 'ready': None}


def test_a_broken_kubeconfig_is_reported_and_skipped(cluster):
    lib.write(os.path.join(cluster.kdir, 'admin.conf'), b'just text\n')
    cluster.kubeconfig('super-admin.conf', 'kubernetes-super-admin', ['system:masters'])
    cluster.configmap('kube-system', 'kubeadm-config', {'ClusterConfiguration': CLUSTER_CONFIGURATION})
    result = cluster.state()
    admin = os.path.join(cluster.kdir, 'admin.conf')
    assert result['cluster']['errors'] == ['%s: %s is not a kubeconfig' % (admin, admin)]
    assert result['cluster']['established'] is True


def test_a_cluster_without_kubeadm_config(cluster):
    cluster.kubeconfig('admin.conf', 'kubernetes-admin', ['kubeadm:cluster-admins'])
    cluster.cluster_admins_binding()
    result = cluster.state()
    facts = result['cluster']
    assert facts['established'] is False and facts['kubernetes_version'] is None
    admin = os.path.join(cluster.kdir, 'admin.conf')
    assert facts['errors'][0] == '%s via %s: HTTP 404' % (kubeadm_state.KUBEADM_CONFIG, admin)
    # the API server said "not found" to an administrator: no cluster (or an init that stopped early)
    assert facts['absent'] is True


def test_nothing_answers(tmp_path):
    pki = Pki(tmp_path / 'k' / 'pki')
    port = closed_port()
    url = 'https://127.0.0.1:%d' % port
    shutil.move(pki.kubeconfig('admin.conf', url, 'kubernetes-admin'), str(tmp_path / 'k' / 'admin.conf'))
    result, rc = lib.run_module(kubeadm_state, {'node_name': 'cp1', 'kubernetes_dir': str(tmp_path / 'k'), 'api_port': port,
                                                'timeout': 1, 'etcd_data_dir': str(tmp_path / 'etcd')})
    assert result['local_api'] == {'running': False, 'status': None}
    assert result['cluster']['errors'] == ['%s%s: %s' % (url, kubeadm_state.KUBEADM_CONFIG, REFUSED)] * 2
    assert result['cluster']['absent'] is False
    assert result['node'] == {'registered': None, 'ready': None} and result['nodes'] == {}
    assert result['files'] == {'admin_conf': True, 'super_admin_conf': False, 'kubelet_conf': False,
                               'bootstrap_kubelet_conf': False, 'ca_crt': True, 'ca_key': True, 'manifests': [],
                               'etcd_data': False, 'any': True}


@pytest.mark.parametrize('present, expected_any', [((), False), (('manifests/etcd.yaml',), True),
                                                   (('bootstrap-kubelet.conf',), True), (('pki/ca.key',), True)])
def test_files_and_any(tmp_path, present, expected_any):
    kdir = tmp_path / 'k'
    for rel in present:
        lib.write(kdir / rel, b'x')
    files = kubeadm_state.read_files(str(kdir), str(tmp_path / 'etcd'))
    assert files['any'] is expected_any
    assert files['manifests'] == (['etcd'] if 'manifests/etcd.yaml' in present else [])
    assert files['bootstrap_kubelet_conf'] is ('bootstrap-kubelet.conf' in present)
    assert files['ca_key'] is ('pki/ca.key' in present) and files['ca_crt'] is False


def test_files_list_the_static_pod_manifests_in_start_order(tmp_path):
    kdir = tmp_path / 'k'
    for name in ('kube-scheduler', 'etcd', 'kube-apiserver', 'kube-controller-manager', 'other'):
        lib.write(kdir / 'manifests' / (name + '.yaml'), b'x')
    (tmp_path / 'etcd' / 'member').mkdir(parents=True)
    files = kubeadm_state.read_files(str(kdir), str(tmp_path / 'etcd'))
    assert files['manifests'] == ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']
    assert files['etcd_data'] is True and files['any'] is True


@pytest.mark.parametrize('text, expected', [
    ('kubernetesVersion: v1.35.6\ncontrolPlaneEndpoint: 192.0.2.1:6443\n', ('v1.35.6', '192.0.2.1:6443')),
    ("kubernetesVersion: 'v1.34.2'\n", ('v1.34.2', None)),
    ('networking:\n  kubernetesVersion: v9\n', (None, None)),
    ('# kubernetesVersion v1\nnothing\n', (None, None)),
])
def test_parse_cluster_config(text, expected):
    parsed = kubeadm_state.parse_cluster_config({'data': {'ClusterConfiguration': text}})
    assert (parsed['kubernetes_version'], parsed['control_plane_endpoint']) == expected
    assert kubeadm_state.parse_cluster_config(None) == {'kubernetes_version': None, 'control_plane_endpoint': None}


def stacked_etcd_files(kdir):
    lib.write(os.path.join(kdir, 'manifests', 'etcd.yaml'), b'x')
    lib.write(os.path.join(kdir, 'pki', 'apiserver-etcd-client.key'), b'x')


def test_etcd_is_asked_only_on_a_stacked_member(cluster, monkeypatch):
    asked = []
    members = [{'name': 'cp2', 'peer_urls': ['https://10.0.0.12:2380'], 'id': '1'}]
    monkeypatch.setattr(kubeadm_state.kubeapi, 'etcd_credentials', lambda pki_dir: asked.append(pki_dir) or 'creds')
    monkeypatch.setattr(kubeadm_state.kubeapi, 'etcd_members', lambda creds, timeout: asked.append(timeout) or members)
    assert cluster.state()['etcd'] == {'members': None, 'member': None} and asked == []
    stacked_etcd_files(cluster.kdir)
    assert cluster.state(node_name='cp2')['etcd'] == {'members': members, 'member': True}
    assert asked == [os.path.join(cluster.kdir, 'pki'), 2]
    assert cluster.state(node_name='cp1')['etcd'] == {'members': members, 'member': False}


def test_an_etcd_without_its_ca_is_reported(cluster):
    stacked_etcd_files(cluster.kdir)
    result = cluster.state()
    assert result['etcd'] == {'members': None, 'member': None, 'error': "[Errno 2] No such file or directory: '%s'"
                              % os.path.join(cluster.kdir, 'pki', 'etcd', 'ca.crt')}


@pytest.mark.parametrize("failure", ["unreachable", 429, 503])
def test_a_marker_read_without_a_clear_answer_leaves_what_init_finished_unknown(cluster, monkeypatch, failure):
    """A busy API server (no answer in time, 429, 5xx) while the markers are read must not look like an
    init that stopped half-way: the plan would re-run init phases on a running cluster."""
    cluster.kubeconfig('admin.conf', 'kubernetes-admin', ['kubeadm:cluster-admins'])
    cluster.cluster_admins_binding()
    cluster.configmap('kube-system', 'kubeadm-config', {'ClusterConfiguration': CLUSTER_CONFIGURATION})
    for collection, obj in MARKERS:
        cluster.admin.create(collection, obj)
    real = kubeadm_state.kubeapi.request
    busy = kubeadm_state.INIT_MARKERS[1][1]

    def request(creds, path, *args, **kwargs):
        if path == busy:
            if failure == "unreachable":
                raise kubeadm_state.kubeapi.ApiUnreachable("%s: timed out" % path)
            return failure, {}
        return real(creds, path, *args, **kwargs)

    monkeypatch.setattr(kubeadm_state.kubeapi, "request", request)
    facts = cluster.state()['cluster']
    assert facts['established'] is True and facts['done'] is None
    assert facts['errors'] == ['%s: %s' % (busy, '%s: timed out' % busy if failure == "unreachable" else 'HTTP %s' % failure)]
    # the same cluster read cleanly: both markers there
    monkeypatch.setattr(kubeadm_state.kubeapi, "request", real)
    assert cluster.state()['cluster']['done'] == ['upload-config', 'bootstrap-token']
