# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout verdicts against kubectl's (k8s.io/kubectl pkg/polymorphichelpers/rollout_status.go):
each branch with the message kubectl prints, and the pod problems named while waiting."""

from __future__ import annotations

import pytest

from ansible_collections.seed.kubeadm.plugins.module_utils import rollout


def obj(name='x', generation=2, observed=2, spec=None, status=None):
    st = dict(status or {})
    if observed is not None:
        st.setdefault('observedGeneration', observed)
    return {'metadata': {'name': name, 'generation': generation}, 'spec': spec or {}, 'status': st}


@pytest.mark.parametrize('o, expected', [
    (obj('web', generation=3, observed=2), (False, 'Waiting for deployment spec update to be observed...', False)),
    (obj('web', status={'conditions': [{'type': 'Progressing', 'reason': 'ProgressDeadlineExceeded'}]}),
     (False, 'deployment "web" exceeded its progress deadline', True)),
    (obj('web', spec={'replicas': 3}, status={'updatedReplicas': 1, 'replicas': 3}),
     (False, 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...', False)),
    (obj('web', spec={'replicas': 3}, status={'updatedReplicas': 3, 'replicas': 4, 'availableReplicas': 3}),
     (False, 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...', False)),
    (obj('web', spec={'replicas': 3}, status={'updatedReplicas': 3, 'replicas': 3, 'availableReplicas': 2}),
     (False, 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...', False)),
    (obj('web', spec={'replicas': 3}, status={'updatedReplicas': 3, 'replicas': 3, 'availableReplicas': 3,
                                              'conditions': [{'type': 'Progressing', 'reason': 'NewReplicaSetAvailable'}]}),
     (True, 'deployment "web" successfully rolled out', False)),
    (obj('web', spec={'replicas': 0}, status={}), (True, 'deployment "web" successfully rolled out', False)),
    # spec.replicas unset (the API server defaults it; kubectl then skips the updated count)
    (obj('web', status={'updatedReplicas': 0}), (True, 'deployment "web" successfully rolled out', False)),
])
def test_deployment(o, expected):
    assert rollout.status('Deployment', o) == expected


@pytest.mark.parametrize('o, expected', [
    (obj('ds', spec={'updateStrategy': {'type': 'OnDelete'}}, generation=5, observed=1),
     (True, 'rollout status is only available for RollingUpdate strategy type', True)),
    (obj('ds', generation=2, observed=1), (False, 'Waiting for daemon set spec update to be observed...', False)),
    (obj('ds', generation=2, observed=None), (False, 'Waiting for daemon set spec update to be observed...', False)),
    (obj('ds', status={'desiredNumberScheduled': 4, 'updatedNumberScheduled': 3, 'numberAvailable': 3}),
     (False, 'Waiting for daemon set "ds" rollout to finish: 3 out of 4 new pods have been updated...', False)),
    (obj('ds', status={'desiredNumberScheduled': 4, 'updatedNumberScheduled': 4, 'numberAvailable': 1}),
     (False, 'Waiting for daemon set "ds" rollout to finish: 1 of 4 updated pods are available...', False)),
    (obj('ds', status={'desiredNumberScheduled': 4, 'updatedNumberScheduled': 4, 'numberAvailable': 4}),
     (True, 'daemon set "ds" successfully rolled out', False)),
    (obj('ds', status={'desiredNumberScheduled': 0}), (True, 'daemon set "ds" successfully rolled out', False)),
])
def test_daemonset(o, expected):
    assert rollout.status('DaemonSet', o) == expected


@pytest.mark.parametrize('o, expected', [
    (obj('db', spec={'updateStrategy': {'type': 'OnDelete'}}),
     (True, 'rollout status is only available for RollingUpdate strategy type', True)),
    # What the API server returns: rollingUpdate defaulted to {partition: 0}; kubectl never compares
    # revisions then.
    (obj('db', spec={'replicas': 3, 'updateStrategy': {'type': 'RollingUpdate', 'rollingUpdate': {'partition': 0}}},
         status={'readyReplicas': 3, 'updatedReplicas': 1, 'updateRevision': 'db-2', 'currentRevision': 'db-1'}),
     (False, 'Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...', False)),
    (obj('db', spec={'replicas': 3, 'updateStrategy': {'type': 'RollingUpdate', 'rollingUpdate': {'partition': 0}}},
         status={'readyReplicas': 3, 'updatedReplicas': 3, 'updateRevision': 'db-2', 'currentRevision': 'db-1'}),
     (True, 'partitioned roll out complete: 3 new pods have been updated...', False)),
    (obj('db', spec={'replicas': 3, 'updateStrategy': {'type': 'RollingUpdate', 'rollingUpdate': {}}},
         status={'readyReplicas': 3, 'updatedReplicas': 0}),
     (True, 'partitioned roll out complete: 0 new pods have been updated...', False)),
    (obj('db', generation=1, observed=0), (False, 'Waiting for statefulset spec update to be observed...', False)),
    (obj('db', generation=2, observed=1), (False, 'Waiting for statefulset spec update to be observed...', False)),
    (obj('db', spec={'replicas': 3}, status={'readyReplicas': 1}), (False, 'Waiting for 2 pods to be ready...', False)),
    (obj('db', spec={'replicas': 3, 'updateStrategy': {'type': 'RollingUpdate', 'rollingUpdate': {'partition': 1}}},
         status={'readyReplicas': 3, 'updatedReplicas': 1}),
     (False, 'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...', False)),
    (obj('db', spec={'replicas': 3, 'updateStrategy': {'type': 'RollingUpdate', 'rollingUpdate': {'partition': 1}}},
         status={'readyReplicas': 3, 'updatedReplicas': 2}),
     (True, 'partitioned roll out complete: 2 new pods have been updated...', False)),
    (obj('db', spec={'replicas': 3}, status={'readyReplicas': 3, 'updatedReplicas': 1, 'updateRevision': 'db-2',
                                             'currentRevision': 'db-1'}),
     (False, 'waiting for statefulset rolling update to complete 1 pods at revision db-2...', False)),
    (obj('db', spec={'replicas': 3}, status={'readyReplicas': 3, 'currentReplicas': 3, 'updateRevision': 'db-2',
                                             'currentRevision': 'db-2'}),
     (True, 'statefulset rolling update complete 3 pods at revision db-2...', False)),
])
def test_statefulset(o, expected):
    assert rollout.status('StatefulSet', o) == expected


def test_other_kinds_are_refused():
    with pytest.raises(ValueError, match='kind ConfigMap is not a workload'):
        rollout.status('ConfigMap', obj())


def test_workload_refs_from_manifests_and_references():
    resources = [
        {'kind': 'Namespace', 'metadata': {'name': 'kube-flannel'}},
        {'kind': 'DaemonSet', 'metadata': {'name': 'kube-flannel-ds', 'namespace': 'kube-flannel'}, 'spec': {}},
        {'kind': 'Deployment', 'name': 'web'},
        {'kind': 'Deployment', 'metadata': {'name': 'web'}},
        {'kind': 'StatefulSet', 'metadata': {'namespace': 'x'}},
        'not a dict',
        {'kind': 'StatefulSet', 'metadata': 'broken', 'name': 'db', 'namespace': 'data'},
    ]
    assert rollout.workload_refs(resources) == [
        {'kind': 'DaemonSet', 'namespace': 'kube-flannel', 'name': 'kube-flannel-ds'},
        {'kind': 'Deployment', 'namespace': 'default', 'name': 'web'},
        {'kind': 'StatefulSet', 'namespace': 'data', 'name': 'db'},
    ]
    assert rollout.workload_refs(None) == []


def test_label_selector_combines_labels_and_expressions_sorted_by_key():
    assert rollout.label_selector({'spec': {'selector': {'matchLabels': {'b': '2', 'a': '1'}}}}) == 'a=1,b=2'
    assert rollout.label_selector({'spec': {'selector': {'matchExpressions': []}}}) is None
    assert rollout.label_selector({}) is None
    selector = {'matchLabels': {'app': 'web'}, 'matchExpressions': [
        {'key': 'tier', 'operator': 'In', 'values': ['front', 'edge']},
        {'key': 'env', 'operator': 'NotIn', 'values': ['test']},
        {'key': 'zone', 'operator': 'Exists'},
        {'key': 'canary', 'operator': 'DoesNotExist'}]}
    assert rollout.label_selector({'spec': {'selector': selector}}) == (
        'app=web,!canary,env notin (test),tier in (edge,front),zone')


def pod(name='p', node='w1', ready=None, phase='Pending', conditions=None, containers=None, init=None):
    conds = list(conditions or [])
    if ready is not None:
        conds.append({'type': 'Ready', 'status': 'True' if ready else 'False'})
    return {'metadata': {'name': name}, 'spec': {'nodeName': node} if node else {},
            'status': {'phase': phase, 'conditions': conds, 'containerStatuses': containers or [],
                       'initContainerStatuses': init or []}}


def test_pod_problem_names_the_pod_node_and_what_it_waits_for():
    assert rollout.pod_problem(pod(ready=True)) is None
    pulling = [{'name': 'kube-flannel', 'state': {'waiting': {'reason': 'ImagePullBackOff',
                                                              'message': 'Back-off pulling image "flannel:v0.27"'}}}]
    assert rollout.pod_problem(pod('f-1', ready=False, containers=pulling)) == (
        'f-1 on w1: container kube-flannel ImagePullBackOff: Back-off pulling image "flannel:v0.27"')
    crashed = [{'name': 'install-cni', 'state': {'terminated': {'reason': 'Error'}}}]
    assert rollout.pod_problem(pod('f-2', ready=False, init=crashed)) == 'f-2 on w1: container install-cni Error'
    completed = [{'name': 'install-cni', 'state': {'terminated': {'reason': 'Completed'}}}]
    unscheduled = [{'type': 'PodScheduled', 'status': 'False', 'reason': 'Unschedulable',
                    'message': '0/4 nodes are available: 4 node(s) had untolerated taint.'}]
    assert rollout.pod_problem(pod('i-1', node=None, init=completed, conditions=unscheduled)) == (
        'i-1 on no node: PodScheduled=False Unschedulable: 0/4 nodes are available: 4 node(s) had untolerated taint.')
    assert rollout.pod_problem(pod('i-2', conditions=[{'type': 'Initialized', 'status': 'Unknown'}])) == (
        'i-2 on w1: Initialized=Unknown')
    assert rollout.pod_problem(pod('i-3', phase='Running')) == 'i-3 on w1: Running'
    assert rollout.pod_problem({'metadata': {'name': 'i-4'}}) == 'i-4 on no node: no status yet'


def test_summary_names_the_first_workload_not_rolled_out_and_its_first_pod():
    done = {'kind': 'DaemonSet', 'namespace': 'a', 'name': 'one', 'done': True, 'message': 'ok', 'pods': []}
    waiting = {'kind': 'Deployment', 'namespace': 'b', 'name': 'two', 'done': False, 'message': 'Waiting...',
               'pods': ['two-1 on w1: container c ImagePullBackOff', 'two-2 on w2: Pending']}
    assert rollout.summary([done]) == '1 of 1 rolled out'
    assert rollout.summary([done, waiting]) == (
        '1 of 2 rolled out; Deployment b/two: Waiting... (two-1 on w1: container c ImagePullBackOff)')
    waiting['pods'] = []
    assert rollout.summary([waiting, done]) == '1 of 2 rolled out; Deployment b/two: Waiting...'
    assert rollout.summary([]) == '0 of 0 rolled out'
