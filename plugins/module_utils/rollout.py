# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a Deployment, DaemonSet or StatefulSet has rolled out, decided the way
``kubectl rollout status`` decides it (k8s.io/kubectl pkg/polymorphichelpers/rollout_status.go),
and what its pods that are not ready are waiting for.

Pure functions on the objects as the API returns them (dicts), so the decision is tested without
a cluster; module seed.kubeadm.rollout_status asks the API server for them.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# kubectl's error (and non-zero exit) for a DaemonSet or StatefulSet with another update strategy.
ONLY_ROLLING_UPDATE = 'rollout status is only available for RollingUpdate strategy type'

WORKLOAD_KINDS = {
    'Deployment': 'deployments',
    'DaemonSet': 'daemonsets',
    'StatefulSet': 'statefulsets',
}


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def workload_refs(resources):
    """(kind, namespace, name) of every workload among ``resources`` (manifests or references),
    in order and without repeats; other kinds are left out."""
    refs = []
    for res in resources or []:
        if not isinstance(res, dict) or res.get('kind') not in WORKLOAD_KINDS:
            continue
        meta = res.get('metadata') if isinstance(res.get('metadata'), dict) else res
        ref = {'kind': res['kind'], 'namespace': meta.get('namespace') or 'default', 'name': meta.get('name')}
        if ref['name'] and ref not in refs:
            refs.append(ref)
    return refs


def _condition(obj, kind):
    for cond in (obj.get('status') or {}).get('conditions') or []:
        if cond.get('type') == kind:
            return cond
    return None


def status(kind, obj):
    """(done, message, failed) of one workload object, as kubectl rollout status words it."""
    name = (obj.get('metadata') or {}).get('name', '?')
    spec = obj.get('spec') or {}
    st = obj.get('status') or {}
    generation = _int((obj.get('metadata') or {}).get('generation'))
    observed = _int(st.get('observedGeneration'))
    if kind == 'Deployment':
        if generation > observed:
            return False, 'Waiting for deployment spec update to be observed...', False
        progressing = _condition(obj, 'Progressing')
        if progressing and progressing.get('reason') == 'ProgressDeadlineExceeded':
            return False, 'deployment "%s" exceeded its progress deadline' % name, True
        updated = _int(st.get('updatedReplicas'))
        total = _int(st.get('replicas'))
        available = _int(st.get('availableReplicas'))
        if spec.get('replicas') is not None and updated < _int(spec['replicas']):
            replicas = _int(spec['replicas'])
            return False, ('Waiting for deployment "%s" rollout to finish: %d out of %d new replicas have been '
                           'updated...' % (name, updated, replicas)), False
        if total > updated:
            return False, ('Waiting for deployment "%s" rollout to finish: %d old replicas are pending '
                           'termination...' % (name, total - updated)), False
        if available < updated:
            return False, ('Waiting for deployment "%s" rollout to finish: %d of %d updated replicas are '
                           'available...' % (name, available, updated)), False
        return True, 'deployment "%s" successfully rolled out' % name, False
    if kind == 'DaemonSet':
        if (spec.get('updateStrategy') or {}).get('type', 'RollingUpdate') != 'RollingUpdate':
            return True, ONLY_ROLLING_UPDATE, True
        if generation > observed:
            return False, 'Waiting for daemon set spec update to be observed...', False
        desired = _int(st.get('desiredNumberScheduled'))
        updated = _int(st.get('updatedNumberScheduled'))
        available = _int(st.get('numberAvailable'))
        if updated < desired:
            return False, ('Waiting for daemon set "%s" rollout to finish: %d out of %d new pods have been '
                           'updated...' % (name, updated, desired)), False
        if available < desired:
            return False, ('Waiting for daemon set "%s" rollout to finish: %d of %d updated pods are '
                           'available...' % (name, available, desired)), False
        return True, 'daemon set "%s" successfully rolled out' % name, False
    if kind == 'StatefulSet':
        strategy = spec.get('updateStrategy') or {}
        if strategy.get('type', 'RollingUpdate') != 'RollingUpdate':
            return True, ONLY_ROLLING_UPDATE, True
        if observed == 0 or generation > observed:
            return False, 'Waiting for statefulset spec update to be observed...', False
        replicas = spec.get('replicas')
        ready = _int(st.get('readyReplicas'))
        if replicas is not None and ready < _int(replicas):
            return False, 'Waiting for %d pods to be ready...' % (_int(replicas) - ready), False
        # The API server defaults rollingUpdate to {partition: 0}: kubectl then takes this branch.
        if strategy.get('rollingUpdate') is not None:
            partition = (strategy.get('rollingUpdate') or {}).get('partition')
            updated = _int(st.get('updatedReplicas'))
            if replicas is not None and partition is not None and updated < _int(replicas) - _int(partition):
                return False, ('Waiting for partitioned roll out to finish: %d out of %d new pods have been '
                               'updated...' % (updated, _int(replicas) - _int(partition))), False
            return True, 'partitioned roll out complete: %d new pods have been updated...' % updated, False
        if st.get('updateRevision') != st.get('currentRevision'):
            return False, ('waiting for statefulset rolling update to complete %d pods at revision %s...'
                           % (_int(st.get('updatedReplicas')), st.get('updateRevision'))), False
        return True, 'statefulset rolling update complete %d pods at revision %s...' % (
            _int(st.get('currentReplicas')), st.get('currentRevision')), False
    raise ValueError('kind %s is not a workload (one of %s)' % (kind, ', '.join(sorted(WORKLOAD_KINDS))))


def label_selector(obj):
    """The label selector of a workload as a ``labelSelector`` query value, or None without one.

    matchLabels and matchExpressions together, as metav1.LabelSelectorAsSelector combines them
    (``k=v``, ``k in (a,b)``, ``k notin (a,b)``, ``k``, ``!k``; sorted by key).
    """
    selector = (obj.get('spec') or {}).get('selector') or {}
    terms = [(k, '%s=%s' % (k, v)) for k, v in (selector.get('matchLabels') or {}).items()]
    for expr in selector.get('matchExpressions') or []:
        key, operator = expr.get('key'), expr.get('operator')
        values = ','.join(sorted(str(v) for v in expr.get('values') or []))
        if operator == 'In':
            terms.append((key, '%s in (%s)' % (key, values)))
        elif operator == 'NotIn':
            terms.append((key, '%s notin (%s)' % (key, values)))
        elif operator == 'Exists':
            terms.append((key, key))
        elif operator == 'DoesNotExist':
            terms.append((key, '!%s' % key))
    if not terms:
        return None
    return ','.join(term for _key, term in sorted(terms))


def pod_problem(pod):
    """What a pod that is not ready waits for, in one line, or None when it is ready.

    A container's waiting or terminated reason (``ImagePullBackOff: Back-off pulling image``)
    comes first, then a condition that is not True (``PodScheduled=False Unschedulable: ...``),
    then the phase.
    """
    meta = pod.get('metadata') or {}
    st = pod.get('status') or {}
    where = '%s on %s' % (meta.get('name', '?'), (pod.get('spec') or {}).get('nodeName') or 'no node')
    ready = _condition(pod, 'Ready')
    if ready and ready.get('status') == 'True':
        return None
    for cs in (st.get('initContainerStatuses') or []) + (st.get('containerStatuses') or []):
        state = cs.get('state') or {}
        for key in ('waiting', 'terminated'):
            detail = state.get(key)
            if detail and detail.get('reason') and detail.get('reason') != 'Completed':
                text = '%s: container %s %s' % (where, cs.get('name', '?'), detail['reason'])
                if detail.get('message'):
                    text += ': %s' % detail['message']
                return text
    for cond in st.get('conditions') or []:
        if cond.get('status') != 'True':
            text = '%s: %s=%s' % (where, cond.get('type'), cond.get('status'))
            if cond.get('reason'):
                text += ' %s' % cond['reason']
            if cond.get('message'):
                text += ': %s' % cond['message']
            return text
    return '%s: %s' % (where, st.get('phase') or 'no status yet')


def summary(workloads):
    """One line for the controller: the first workload that is not done, with its first pod
    problem, or that all are done."""
    pending = [w for w in workloads if not w.get('done')]
    if not pending:
        return '%d of %d rolled out' % (len(workloads), len(workloads))
    first = pending[0]
    text = '%d of %d rolled out; %s %s/%s: %s' % (
        len(workloads) - len(pending), len(workloads), first['kind'], first['namespace'], first['name'], first['message'])
    if first.get('pods'):
        text += ' (%s)' % first['pods'][0]
    return text
