#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: rollout_status
short_description: Wait for Deployments, DaemonSets and StatefulSets to roll out, with a line per change
version_added: 0.3.0
description:
  - Reads the workloads among O(resources) from the API server and decides for each whether it
    has rolled out, the way C(kubectl rollout status) decides it (observed generation, updated,
    available and ready counts, revisions, a Deployment's progress deadline).
  - For a workload that has not, it names the first pods that are not ready and what they wait
    for (a container's waiting reason such as C(ImagePullBackOff) with its message, else the first
    condition that is not true, such as C(PodScheduled=False Unschedulable)).
  - With O(timeout) above 0, the action of this module asks again every O(poll_interval)
    seconds, prints a line on the controller each time the state changes, and fails after
    O(timeout) seconds with the last state seen. With O(timeout=0) it reports once.
  - Other kinds among O(resources) (ConfigMaps, RBAC, CRDs) are left out, so the list applied
    with M(kubernetes.core.k8s) can be passed as it is; only the references travel to the node.
  - Standard library only on the node (no Kubernetes client package needed).
author:
  - Seed developers (!UNKNOWN)
extends_documentation_fragment:
  - seed.kubeadm.attributes
  - seed.kubeadm.attributes.read_only
options:
  resources:
    description:
      - Manifests or references (C(kind), C(name), C(namespace) at the top or under
        C(metadata)). Deployments, DaemonSets and StatefulSets are waited for; a missing
        namespace means C(default).
    type: list
    elements: dict
    required: true
  kubeconfig:
    description: Kubeconfig on the node with read access to the workloads and their pods.
    type: path
    default: /etc/kubernetes/admin.conf
  timeout:
    description:
      - Upper bound, in seconds, of the wait (read by the action). V(0) reports the state once.
    type: int
    default: 0
  poll_interval:
    description: Seconds between two looks (read by the action).
    type: float
    default: 3
  request_timeout:
    description: Seconds to wait for each answer of the API server.
    type: int
    default: 10
"""

EXAMPLES = r"""
- name: Apply the manifests
  kubernetes.core.k8s:
    kubeconfig: /etc/kubernetes/admin.conf
    apply: true
    definition: "{{ manifests }}"

- name: Wait for their rollout (at most 10 minutes, a line each time the state changes)
  seed.kubeadm.rollout_status:
    resources: "{{ manifests }}"
    timeout: 600
"""

RETURN = r"""
done:
  description: Whether every workload has rolled out.
  returned: always
  type: bool
state:
  description: One line, the first workload that has not rolled out and its first pod problem.
  returned: always
  type: str
  sample: 'Waiting for daemon set "kube-flannel-ds" rollout to finish: 3 of 4 updated pods are available...'
workloads:
  description: Each workload with its verdict.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: Deployment, DaemonSet or StatefulSet.
      type: str
    namespace:
      description: Its namespace.
      type: str
    name:
      description: Its name.
      type: str
    done:
      description: Whether it has rolled out.
      type: bool
    message:
      description: What C(kubectl rollout status) would print for it (or that it does not exist yet).
      type: str
    pods:
      description: Up to three of its pods that are not ready, each with what it waits for.
      type: list
      elements: str
progress:
  description: With O(timeout), the states the action saw, each with the seconds since the start.
  returned: when O(timeout) is above 0
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.seed.kubeadm.plugins.module_utils import kubeapi
from ansible_collections.seed.kubeadm.plugins.module_utils import rollout

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2
    from urllib import quote  # type: ignore

MAX_PODS = 3


def look(creds, ref, timeout):
    """The verdict of one workload reference."""
    entry = dict(ref)
    path = '/apis/apps/v1/namespaces/%s/%s/%s' % (
        quote(ref['namespace']), rollout.WORKLOAD_KINDS[ref['kind']], quote(ref['name']))
    code, obj = kubeapi.request(creds, path, timeout=timeout)
    if code == 404:
        entry.update(done=False, failed=False, message='%s "%s" does not exist yet' % (ref['kind'], ref['name']), pods=[])
        return entry
    if code != 200 or not isinstance(obj, dict):
        # The API server's Status carries a message; a proxy in front of it may answer anything.
        detail = obj.get('message', '') if isinstance(obj, dict) else ('' if obj is None else obj)
        raise kubeapi.ApiUnreachable('GET %s: HTTP %s %s' % (path, code, detail))
    done, message, failed = rollout.status(ref['kind'], obj)
    entry.update(done=done, failed=failed, message=message, pods=[])
    selector = rollout.label_selector(obj)
    if not done and selector:
        code, pods = kubeapi.request(creds, '/api/v1/namespaces/%s/pods?labelSelector=%s' % (
            quote(ref['namespace']), quote(selector)), timeout=timeout)
        if code == 200 and isinstance(pods, dict):
            problems = [p for p in (rollout.pod_problem(pod) for pod in pods.get('items') or []) if p]
            entry['pods'] = problems[:MAX_PODS]
    return entry


def main():
    module = AnsibleModule(
        argument_spec=dict(
            resources=dict(type='list', elements='dict', required=True),
            kubeconfig=dict(type='path', default='/etc/kubernetes/admin.conf'),
            timeout=dict(type='int', default=0),
            poll_interval=dict(type='float', default=3),
            request_timeout=dict(type='int', default=10),
        ),
        supports_check_mode=True,
    )
    p = module.params
    refs = rollout.workload_refs(p['resources'])
    try:
        creds = kubeapi.read_kubeconfig(p['kubeconfig'])
    except (IOError, OSError, ValueError) as exc:
        module.fail_json(msg='cannot read kubeconfig %s: %s' % (p['kubeconfig'], exc))
    workloads = []
    try:
        for ref in refs:
            workloads.append(look(creds, ref, p['request_timeout']))
    except kubeapi.ApiUnreachable as exc:
        # Not fatal while waiting: the action asks again; the state says what failed.
        module.exit_json(changed=False, done=False, state='API server did not answer: %s' % exc,
                         workloads=workloads, api_unreachable=True)
    failed = [w for w in workloads if w.pop('failed')]
    state = rollout.summary(workloads)
    if failed:
        module.fail_json(msg='%s %s/%s: %s' % (failed[0]['kind'], failed[0]['namespace'], failed[0]['name'],
                                               failed[0]['message']), done=False, state=state, workloads=workloads)
    module.exit_json(changed=False, done=all(w['done'] for w in workloads), state=state, workloads=workloads)


if __name__ == '__main__':
    main()
