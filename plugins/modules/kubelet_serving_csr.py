#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: kubelet_serving_csr
short_description: Approve the kubelets' serving certificate requests that match the inventory
version_added: 0.3.0
description:
  - With C(serverTLSBootstrap) in the KubeletConfiguration, each kubelet asks the cluster CA for
    its serving certificate (port 10250) with a CertificateSigningRequest for the signer
    C(kubernetes.io/kubelet-serving). kube-controller-manager signs such a request once it is
    approved, but never approves one itself; this module is the approval step.
  - Approves a pending request only when it comes from the node it names (C(spec.username)
    C(system:node:<name>), group C(system:nodes)), the node is one of O(nodes), its subject is
    C(CN=system:node:<name>, O=system:nodes), its usages are those of a serving certificate
    (digital signature and server auth, plus key encipherment for an RSA key), and every IP
    address and DNS name it asks for is one O(nodes) gives that node. The approval is the
    C(Approved) condition C(kubectl certificate approve) would add, with reason
    C(SeedKubeadmApprove).
  - Of a node's valid pending requests only the newest is approved (the kubelet waits on its newest
    request only and holds no key for the older ones, which stay pending until
    kube-controller-manager removes them).
  - A request that fails a check stays pending and is returned in RV(refused) with the reasons
    (a warning names it); requests of other signers and requests already approved, denied or
    failed are left alone. An approval that conflicts with a change of the request is read again
    and retried, as C(kubectl certificate approve) does.
  - With O(timeout) above 0, asks again every O(poll_interval) seconds until each node of
    O(expect) has had a serving request approved by this task (or approved by anyone, made at
    O(not_before) or later), and fails after O(timeout) seconds naming the nodes still without one
    and the reasons of their refused, denied or failed requests. An API server that does not
    answer (or answers 429 or 5xx) is asked again until then; any other refusal fails at once.
  - Standard library and C(cryptography) on the node (no Kubernetes client package needed).
author:
  - Seed developers (!UNKNOWN)
extends_documentation_fragment:
  - seed.kubeadm.attributes
attributes:
  check_mode:
    support: full
    details: Check mode approves nothing and does not wait; RV(approved) lists what would be approved.
  diff_mode:
    support: none
requirements:
  - cryptography (python3-cryptography) on the host the module runs on (a control plane)
options:
  nodes:
    description:
      - Node names, each with the IP addresses and DNS names its serving certificate may carry
        (its cluster address and its node name, as the kubelet reports them as C(InternalIP) and
        C(Hostname)).
    type: dict
    required: true
  expect:
    description:
      - Nodes among O(nodes) that must end with an approved serving request (nodes without a
        serving certificate yet). Only read with O(timeout) above 0. A request approved before this
        task counts only when it was made at O(not_before) or later.
    type: list
    elements: str
    default: []
  not_before:
    description:
      - Per node of O(expect), the time (seconds since the epoch) its current kubelet started from.
        A request approved earlier counts for it only when made at that time or later (a node reset
        and joined again has older approved requests of its earlier kubelet, which kube-controller-manager
        keeps for an hour).
    type: dict
    default: {}
  kubeconfig:
    description: Kubeconfig on the node allowed to list and approve certificate signing requests.
    type: path
    default: /etc/kubernetes/admin.conf
  timeout:
    description: Upper bound, in seconds, of the wait for the requests of O(expect). V(0) looks once.
    type: int
    default: 0
  poll_interval:
    description: Seconds between two looks.
    type: float
    default: 2
  request_timeout:
    description: Seconds to wait for each answer of the API server.
    type: int
    default: 10
"""

EXAMPLES = r"""
- name: Approve the serving certificate requests of the nodes that have none yet (at most 2 minutes)
  seed.kubeadm.kubelet_serving_csr:
    nodes:
      cp1: [10.0.0.11, cp1]
      w1: [10.0.0.21, w1]
    expect: [w1]
    not_before: {w1: 1767225600}
    timeout: 120
  delegate_to: cp1
  run_once: true
"""

RETURN = r"""
approved:
  description: The requests approved (in check mode, those that would be).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The CertificateSigningRequest's name.
      type: str
    node:
      description: The node that asked.
      type: str
  sample: [{name: csr-7xk2p, node: w1}]
refused:
  description: Pending serving requests left pending, each with why, and requests of the nodes of O(not_before) that were denied or failed.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The CertificateSigningRequest's name.
      type: str
    node:
      description: The node named by its requester, when it is a node.
      type: str
    problems:
      description: The checks it failed.
      type: list
      elements: str
  sample: [{name: csr-9a8b7, node: w1, problems: ["it asks for 192.0.2.9, which the inventory does not give node w1 (it has 10.0.0.21, w1)"]}]
waiting:
  description: Nodes of O(expect) without an approved serving request when the module returned.
  returned: always
  type: list
  elements: str
"""

import datetime
import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.seed.kubeadm.plugins.module_utils import kubeapi
from ansible_collections.seed.kubeadm.plugins.module_utils import kubelet_csr

# kubectl certificate approve re-reads and tries again this many times on a conflict.
CONFLICT_TRIES = 10


class ApiRefused(Exception):
    """An answer that asking again does not change (401, 403, 404, 422, ...)."""


def _answer_error(what, code, obj):
    message = obj if isinstance(obj, str) else (obj or {}).get('message', '')
    text = '%s: HTTP %s %s' % (what, code, message)
    # No answer, too many requests, or a server error: worth asking again while the wait lasts.
    if code == 429 or code >= 500:
        return kubeapi.ApiUnreachable(text)
    hint = ' (the kubeconfig must allow listing and approving certificatesigningrequests)' if code in (401, 403) else ''
    return ApiRefused(text + hint)


def approve(creds, obj, node, timeout):
    """Approve one request as kubectl does: PUT .../approval, re-read and again on a conflict; the approved object or None if it was decided meanwhile."""
    name = obj['metadata']['name']
    path = '%s/%s' % (kubelet_csr.CSR_PATH, name)
    for _try in range(CONFLICT_TRIES):
        now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
        body = kubelet_csr.approved(obj, 'The node %s asked for its own addresses and names (seed.kubeadm).' % node, now)
        code, answer = kubeapi.request(creds, path + '/approval', timeout=timeout, method='PUT', body=body)
        if code in (200, 201):
            return answer if isinstance(answer, dict) else body
        if code != 409:
            raise _answer_error('PUT %s/approval' % path, code, answer)
        code, obj = kubeapi.request(creds, path, timeout=timeout)
        if code == 404:
            return None
        if code != 200 or not isinstance(obj, dict):
            raise _answer_error('GET %s' % path, code, obj)
        if kubelet_csr.decided(obj):
            return None
    raise kubeapi.ApiUnreachable('PUT %s/approval: still conflicting after %d tries' % (path, CONFLICT_TRIES))


def look(creds, nodes, check_mode, timeout, not_before, state):
    """One pass over the serving requests: approves, for each node, its newest pending request that
    passes; records approvals in state['approved'] as they are made and returns the refused ones."""
    code, listed = kubeapi.request(creds, kubelet_csr.CSR_PATH, timeout=timeout)
    if code != 200 or not isinstance(listed, dict):
        raise _answer_error('GET %s' % kubelet_csr.CSR_PATH, code, listed)
    serving = [obj for obj in listed.get('items') or [] if (obj.get('spec') or {}).get('signerName') == kubelet_csr.SIGNER]
    refused, candidates = [], {}
    for obj in serving:
        name = (obj.get('metadata') or {}).get('name', '')
        node = kubelet_csr.requester(obj)
        if kubelet_csr.approved_since(obj, not_before.get(node)):
            state['done'].add(node)
        if kubelet_csr.decided(obj):
            # A request of this node's current kubelet that the signer failed or someone denied: say why.
            why = kubelet_csr.refusal(obj)
            if why and node in not_before and kubelet_csr.created(obj) >= not_before[node]:
                refused.append({'name': name, 'node': node, 'problems': [why]})
            continue
        found = kubelet_csr.problems(obj, nodes)
        if found:
            refused.append({'name': name, 'node': node, 'problems': found})
            continue
        if kubelet_csr.created(obj) >= kubelet_csr.created(candidates.get(node, {})):
            candidates[node] = obj
    # The kubelet waits on its newest request only (it holds no key for the older ones): those stay pending.
    for node in sorted(candidates):
        obj = candidates[node]
        if not check_mode and approve(creds, obj, node, timeout) is None:
            continue
        state['done'].add(node)
        state['approved'].append({'name': obj['metadata']['name'], 'node': node})
    return refused


def main():
    module = AnsibleModule(
        argument_spec=dict(
            nodes=dict(type='dict', required=True),
            expect=dict(type='list', elements='str', default=[]),
            not_before=dict(type='dict', default={}),
            kubeconfig=dict(type='path', default='/etc/kubernetes/admin.conf'),
            timeout=dict(type='int', default=0),
            poll_interval=dict(type='float', default=2),
            request_timeout=dict(type='int', default=10),
        ),
        supports_check_mode=True,
    )
    if not kubelet_csr.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib('cryptography'))
    p = module.params
    wrong = sorted(str(k) for k, v in p['nodes'].items() if not isinstance(v, list))
    if wrong:
        module.fail_json(msg='nodes: the value of %s must be a list of addresses and names' % ', '.join(wrong))
    nodes = dict((str(k), [str(v) for v in vals]) for k, vals in p['nodes'].items())
    unknown = [n for n in p['expect'] if n not in nodes]
    if unknown:
        module.fail_json(msg='expect: %s not among nodes' % ', '.join(unknown))
    try:
        not_before = dict((str(k), float(v)) for k, v in p['not_before'].items())
    except (TypeError, ValueError):
        module.fail_json(msg='not_before: each value must be a time in seconds since the epoch')
    try:
        creds = kubeapi.read_kubeconfig(p['kubeconfig'])
    except (IOError, OSError, ValueError) as exc:
        module.fail_json(msg='cannot read kubeconfig %s: %s' % (p['kubeconfig'], exc))
    deadline = time.time() + max(p['timeout'], 0)
    state = {'approved': [], 'done': set()}
    refused = []
    while True:
        waiting = [n for n in p['expect'] if n not in state['done']]
        try:
            refused = look(creds, nodes, module.check_mode, p['request_timeout'], not_before, state)
        except ApiRefused as exc:
            module.fail_json(msg=str(exc), changed=bool(state['approved']), approved=state['approved'], refused=refused, waiting=waiting)
        except kubeapi.ApiUnreachable as exc:
            # Asked again while the wait lasts (an API server restarting, the VIP moving).
            if module.check_mode or time.time() + p['poll_interval'] >= deadline:
                module.fail_json(msg='the API server did not answer: %s' % exc, changed=bool(state['approved']),
                                 approved=state['approved'], refused=refused, waiting=waiting)
            time.sleep(p['poll_interval'])
            continue
        waiting = [n for n in p['expect'] if n not in state['done']]
        if module.check_mode or not waiting or p['timeout'] <= 0 or time.time() >= deadline:
            break
        time.sleep(p['poll_interval'])
    for item in refused:
        module.warn('left pending: %s of %s: %s' % (item['name'], item['node'] or 'a non-node', '; '.join(item['problems'])))
    result = dict(changed=bool(state['approved']), approved=state['approved'], refused=refused, waiting=waiting)
    if p['timeout'] > 0 and waiting and not module.check_mode:
        reasons = ['%s (%s)' % (r['name'], '; '.join(r['problems'])) for r in refused if r['node'] in waiting]
        module.fail_json(msg='no serving certificate request of %s approved after %d s%s; the kubelet makes one when it starts'
                         ' with serverTLSBootstrap true in /var/lib/kubelet/config.yaml and has an IP address' % (
                             ', '.join(waiting), p['timeout'], ('; refused: ' + ', '.join(reasons)) if reasons else ''), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
