#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: kubeadm_state
short_description: Report what kubeadm left on a node and what the live cluster says about it
version_added: 0.2.0
description:
  - Reads, never changes, which kubeadm files exist on the node, whether the local API server
    answers, whether the cluster is established (its C(kubeadm-config) ConfigMap can be read with
    any kubeconfig kubeadm left here), which steps of C(kubeadm init) the cluster shows as done,
    whether this node is registered, and the members of the local stacked etcd.
  - The collection decides from this live state, not from files alone, whether to run
    C(kubeadm init), resume it, join, or reset a half-joined node (see the
    P(seed.kubeadm.kubeadm_plan#filter) filter). A node that lost C(admin.conf) but whose control plane
    answers is reported as established, so it is never reset.
author:
  - Seed developers (!UNKNOWN)
extends_documentation_fragment:
  - seed.kubeadm.attributes
  - seed.kubeadm.attributes.read_only
options:
  node_name:
    description: Kubernetes node name of this host.
    type: str
    required: true
  api_port:
    description: Port the local API server binds (C(localAPIEndpoint.bindPort)).
    type: int
    default: 6443
  kubernetes_dir:
    description: Directory of kubeadm's kubeconfig files and manifests.
    type: path
    default: /etc/kubernetes
  etcd_data_dir:
    description: Data directory of the stacked etcd member.
    type: path
    default: /var/lib/etcd
  nodes:
    description:
      - Other node names whose registration to report in RV(nodes), asked with this host's admin
        credentials (a worker whose kubelet.conf belongs to an older cluster cannot tell itself).
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds to wait for each answer of the API server or etcd.
    type: int
    default: 5
"""

EXAMPLES = r"""
- name: Read the kubeadm state of every control-plane host
  seed.kubeadm.kubeadm_state:
    node_name: "{{ inventory_hostname }}"
  register: kubeadm_state
"""

RETURN = r"""
files:
  description: kubeadm files present on the node.
  returned: always
  type: dict
  sample: {admin_conf: true, super_admin_conf: true, kubelet_conf: true, bootstrap_kubelet_conf: false,
           ca_crt: true, ca_key: true, manifests: [etcd, kube-apiserver], etcd_data: true, any: true}
local_api:
  description: Whether an API server answers on 127.0.0.1 at O(api_port) (any HTTP status counts).
  returned: always
  type: dict
  sample: {running: true, status: 200}
cluster:
  description:
    - C(established) is true when the C(kubeadm-config) ConfigMap was read through the local API
      server or the kubeconfig's server, C(via) names the kubeconfig that could read it.
    - C(absent) is true when an API server answered C(admin.conf) or C(super-admin.conf) that the
      ConfigMap does not exist (HTTP 404), so no cluster was initialised or C(kubeadm init) stopped
      before C(upload-config). Any other failed read (no answer, TLS error, 401, 403, 5xx) leaves it
      false, as the cluster may exist but cannot be read.
    - C(done) lists the C(kubeadm init) results seen in the cluster (C(upload-config),
      C(bootstrap-token), C(addon/coredns), C(addon/kube-proxy)); null when one of them could not
      be read with a clear answer (found or not found), or when only C(kubelet.conf)
      could read the cluster (a node may not read those objects, so they are unknown).
  returned: always
  type: dict
  sample: {established: true, absent: false, via: /etc/kubernetes/admin.conf, kubernetes_version: v1.35.6,
           control_plane_endpoint: "192.0.2.100:16443", done: [upload-config, bootstrap-token]}
nodes:
  description: Registration of the O(nodes), by name (empty without admin credentials).
  returned: always
  type: dict
  sample: {w1: {registered: true, ready: true}}
node:
  description: Whether the Node object of O(node_name) exists (null when it could not be asked).
  returned: always
  type: dict
  sample: {registered: true, ready: true}
etcd:
  description:
    - Members of the stacked etcd seen through the local member (null when it does not answer), each
      with C(name) (empty for a member added but never started), C(peer_urls), C(id) and C(learner)
      (a member that does not vote yet).
  returned: always
  type: dict
  sample: {members: [{name: cp1, peer_urls: ["https://192.0.2.11:2380"], id: "123", learner: false}], member: true}
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.seed.kubeadm.plugins.module_utils import kubeapi

MANIFESTS = ('etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler')
# What `kubeadm init` leaves in a cluster after each of its phases (namespace, path, phase).
INIT_MARKERS = (
    ('upload-config', '/api/v1/namespaces/kube-system/configmaps/kubelet-config'),
    ('bootstrap-token', '/api/v1/namespaces/kube-public/configmaps/cluster-info'),
    ('addon/coredns', '/apis/apps/v1/namespaces/kube-system/deployments/coredns'),
    ('addon/kube-proxy', '/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy'),
)
KUBEADM_CONFIG = '/api/v1/namespaces/kube-system/configmaps/kubeadm-config'


def read_files(kdir, etcd_data_dir):
    def exists(*parts):
        return os.path.exists(os.path.join(kdir, *parts))
    files = {
        'admin_conf': exists('admin.conf'),
        'super_admin_conf': exists('super-admin.conf'),
        'kubelet_conf': exists('kubelet.conf'),
        'bootstrap_kubelet_conf': exists('bootstrap-kubelet.conf'),
        'ca_crt': exists('pki', 'ca.crt'),
        'ca_key': exists('pki', 'ca.key'),
        'manifests': [m for m in MANIFESTS if exists('manifests', m + '.yaml')],
        'etcd_data': os.path.isdir(os.path.join(etcd_data_dir, 'member')),
    }
    files['any'] = any(v for k, v in files.items() if k != 'manifests') or bool(files['manifests'])
    return files


def parse_cluster_config(configmap):
    """kubernetesVersion and controlPlaneEndpoint from the kubeadm-config ConfigMap's text."""
    text = ((configmap or {}).get('data') or {}).get('ClusterConfiguration', '')
    out = {'kubernetes_version': None, 'control_plane_endpoint': None}
    for line in text.splitlines():
        key, sep, value = line.partition(':')
        if not sep or line[:1].isspace():
            continue
        value = value.strip().strip('"\'')
        if key == 'kubernetesVersion':
            out['kubernetes_version'] = value
        elif key == 'controlPlaneEndpoint':
            out['control_plane_endpoint'] = value
    return out


def node_status(creds, server, name, timeout):
    """{registered, ready} of one Node; None values when the API does not say."""
    try:
        status, body = kubeapi.request(creds, '/api/v1/nodes/%s' % name, server=server, timeout=timeout)
    except kubeapi.ApiUnreachable:
        return {'registered': None, 'ready': None}
    if status == 200:
        conditions = (body.get('status') or {}).get('conditions') or []
        return {'registered': True,
                'ready': any(c.get('type') == 'Ready' and c.get('status') == 'True' for c in conditions)}
    if status == 404:
        return {'registered': False, 'ready': False}
    return {'registered': None, 'ready': None}


def ask_cluster(kdir, node_name, api_port, timeout, others=()):
    """Cluster facts through the first kubeconfig that can read kubeadm-config."""
    local = 'https://127.0.0.1:%d' % api_port
    cluster = {'established': False, 'absent': False, 'via': None, 'kubernetes_version': None,
               'control_plane_endpoint': None, 'done': [], 'errors': []}
    node = {'registered': None, 'ready': None}
    nodes = {}
    for name in ('admin.conf', 'super-admin.conf', 'kubelet.conf'):
        path = os.path.join(kdir, name)
        if not os.path.exists(path):
            continue
        try:
            creds = kubeapi.read_kubeconfig(path)
        except (IOError, OSError, ValueError) as exc:
            cluster['errors'].append('%s: %s' % (path, exc))
            continue
        for server in (local, None):
            try:
                status, body = kubeapi.request(creds, KUBEADM_CONFIG, server=server, timeout=timeout)
            except kubeapi.ApiUnreachable as exc:
                cluster['errors'].append(str(exc))
                continue
            if status != 200:
                cluster['errors'].append('%s via %s: HTTP %s' % (KUBEADM_CONFIG, path, status))
                # an administrator's read that the API server answered with "not found"
                if status == 404 and name != 'kubelet.conf':
                    cluster['absent'] = True
                continue
            cluster.update(parse_cluster_config(body))
            cluster['established'] = True
            cluster['via'] = path
            node = node_status(creds, server, node_name, timeout)
            if name == 'kubelet.conf':
                # kubeadm's Role lets nodes read kubeadm-config; cluster-info, Deployments and
                # DaemonSets are not theirs to read: what init finished is unknown from here.
                cluster['done'] = None
                return cluster, node, nodes
            # A marker is there (200) or not (404); a read without a clear answer (no answer in
            # time, 429, 5xx) makes what init finished unknown: a busy API server must not look
            # like an init that stopped half-way, or the next run would re-run init phases on it.
            for phase, marker in INIT_MARKERS:
                try:
                    status = kubeapi.request(creds, marker, server=server, timeout=timeout)[0]
                except kubeapi.ApiUnreachable as exc:
                    status = str(exc)
                if status == 200:
                    cluster['done'].append(phase)
                elif status != 404:
                    cluster['errors'].append('%s: %s' % (marker, 'HTTP %s' % status if isinstance(status, int) else status))
                    cluster['done'] = None
                    break
            nodes = dict((other, node_status(creds, server, other, timeout)) for other in others)
            return cluster, node, nodes
    return cluster, node, nodes


def main():
    module = AnsibleModule(
        argument_spec=dict(
            node_name=dict(type='str', required=True),
            api_port=dict(type='int', default=6443),
            kubernetes_dir=dict(type='path', default='/etc/kubernetes'),
            etcd_data_dir=dict(type='path', default='/var/lib/etcd'),
            nodes=dict(type='list', elements='str', default=[]),
            timeout=dict(type='int', default=5),
        ),
        supports_check_mode=True,
    )
    p = module.params
    kdir = p['kubernetes_dir']
    files = read_files(kdir, p['etcd_data_dir'])

    local_api = {'running': False, 'status': None}
    try:
        status = kubeapi.request(kubeapi.Credentials('https://127.0.0.1:%d' % p['api_port']), '/livez',
                                 timeout=p['timeout'])[0]
        local_api = {'running': True, 'status': status}
    except kubeapi.ApiUnreachable:
        pass

    cluster, node, nodes = ask_cluster(kdir, p['node_name'], p['api_port'], p['timeout'], p['nodes'])

    etcd = {'members': None, 'member': None}
    if 'etcd' in files['manifests'] and os.path.exists(os.path.join(kdir, 'pki', 'apiserver-etcd-client.key')):
        try:
            members = kubeapi.etcd_members(kubeapi.etcd_credentials(os.path.join(kdir, 'pki')), timeout=p['timeout'])
            etcd = {'members': members, 'member': any(m['name'] == p['node_name'] for m in members)}
        except (kubeapi.ApiUnreachable, IOError, OSError) as exc:
            etcd['error'] = str(exc)

    module.exit_json(changed=False, files=files, local_api=local_api, cluster=cluster, node=node, nodes=nodes, etcd=etcd)


if __name__ == '__main__':
    main()
