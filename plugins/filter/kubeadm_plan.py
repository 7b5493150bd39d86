# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: what kubeadm must do on each node, decided from the live state of every node."""

from __future__ import annotations

DOCUMENTATION = r"""
name: kubeadm_plan
short_description: Decide init, resume, joins and resets from the live kubeadm state
version_added: 0.2.0
description:
  - Takes the results of M(seed.kubeadm.kubeadm_state) of every control-plane host (inventory
    order) and of the workers, and returns one plan.
  - The init host is the first control-plane host whose cluster is established (its
    C(kubeadm-config) can be read); only when no host has an established cluster is it the first
    control-plane host. So a rebuilt or newly listed first host joins the running cluster instead
    of creating a second one behind the same endpoint.
  - An established cluster is never reset. Its missing C(kubeadm init) results (an init stopped
    after C(upload-config)) are completed with C(kubeadm init phase ...) (C(init_action=resume)).
  - A host with kubeadm leftovers that is not part of the established cluster (an init or join
    stopped half-way) is reset before it joins, or reported as a problem when resets are not
    allowed. etcd members named like a host that has no kubeadm files any more (a wiped host) are
    listed for removal before that host joins again.
  - When no cluster answers but a control-plane host holds a complete control plane with etcd
    data, nothing is initialised; the plan reports a problem (a stopped cluster is not a new one).
options:
  _input:
    description: Mapping of control-plane host name to its M(seed.kubeadm.kubeadm_state) result, in inventory order.
    type: dict
    required: true
  workers:
    description: Mapping of worker host name to its M(seed.kubeadm.kubeadm_state) result.
    type: dict
    default: {}
  node_names:
    description: Mapping of host name to Kubernetes node name (default the host name).
    type: dict
    default: {}
  reset_leftovers:
    description: Allow resetting hosts whose kubeadm leftovers are not part of the established cluster.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Plan kubeadm for the whole cluster
  ansible.builtin.set_fact:
    kubeadm_plan: >-
      {{ dict(groups['control_plane'] | zip(groups['control_plane'] | map('extract', hostvars, 'kubeadm_state')))
         | seed.kubeadm.kubeadm_plan }}
"""

RETURN = r"""
_value:
  description:
    - C(init_host), C(init_action) (V(init), V(resume) or V(none)), C(resume_phases),
      C(control_plane_joiners), C(worker_joiners), C(reset) (hosts to reset first),
      C(admin_conf_missing) (established control planes without C(admin.conf)),
      C(stale_etcd_members) (list of C(host), C(name), C(id)), C(problems) (messages; nothing may
      run while it is not empty).
  type: dict
"""

from ansible.errors import AnsibleFilterError

INIT_RESULTS = ('upload-config', 'bootstrap-token', 'addon/coredns', 'addon/kube-proxy')
# The `kubeadm init phase` commands that complete an established but unfinished init, in
# kubeadm's order. Each is safe to repeat (kubeadm creates or updates its objects).
RESUME_PHASES = (['upload-config', 'all'], ['mark-control-plane'], ['bootstrap-token'],
                 ['kubelet-finalize', 'all'], ['addon', 'all'])


def _get(state, *path):
    for key in path:
        state = (state or {}).get(key) if isinstance(state, dict) else None
    return state


def _established(state):
    return bool(_get(state, 'cluster', 'established'))


def _complete_control_plane(state):
    files = _get(state, 'files') or {}
    return bool(files.get('kubelet_conf')) and 'kube-apiserver' in (files.get('manifests') or [])


def kubeadm_plan(control_planes, workers=None, node_names=None, reset_leftovers=True):
    if not isinstance(control_planes, dict) or not control_planes:
        raise AnsibleFilterError('kubeadm_plan needs a mapping of control-plane hosts to their kubeadm_state')
    workers = workers or {}
    names = node_names or {}
    hosts = list(control_planes)
    plan = {'init_host': hosts[0], 'init_action': 'init', 'resume_phases': [],
            'control_plane_joiners': [], 'worker_joiners': [], 'reset': [],
            'admin_conf_missing': [], 'stale_etcd_members': [], 'problems': []}

    def node(host):
        return names.get(host) or host

    def needs_reset(host, state, why):
        if not (_get(state, 'files', 'any')):
            return
        if reset_leftovers:
            plan['reset'].append(host)
        else:
            plan['problems'].append(
                '%s holds files of an earlier kubeadm run that stopped half-way (%s): run '
                '`kubeadm reset -f` on it, or allow the reset (control_plane_reset_on_partial_init / '
                'worker_reset_on_partial_join)' % (host, why))

    established = [h for h in hosts if _established(control_planes[h])]
    if established:
        # Prefer an established host that runs an API server itself.
        init = next((h for h in established if _get(control_planes[h], 'local_api', 'running')), established[0])
        plan['init_host'] = init
        done = _get(control_planes[init], 'cluster', 'done') or []
        missing = [r for r in INIT_RESULTS if r not in done]
        plan['init_action'] = 'resume' if missing else 'none'
        plan['resume_phases'] = [list(p) for p in RESUME_PHASES] if missing else []
        members = _get(control_planes[init], 'etcd', 'members')
        member_names = None if members is None else [m.get('name') for m in members]
        for host in hosts:
            state = control_planes[host]
            in_etcd = None if member_names is None else node(host) in member_names
            if host == init or (_complete_control_plane(state) and in_etcd is not False
                                and (_established(state) or _get(state, 'local_api', 'running'))):
                if not _get(state, 'files', 'admin_conf'):
                    plan['admin_conf_missing'].append(host)
                continue
            if in_etcd and _complete_control_plane(state) and _get(state, 'files', 'etcd_data'):
                plan['problems'].append(
                    '%s is an etcd member of the running cluster with a complete control plane, but its '
                    'API server does not answer: start the kubelet there (systemctl start kubelet) and '
                    're-run, or reset it with `kubeadm reset -f` so that it joins again' % host)
                continue
            plan['control_plane_joiners'].append(host)
            if in_etcd:
                member = next(m for m in members if m.get('name') == node(host))
                plan['stale_etcd_members'].append({'host': host, 'name': node(host), 'id': member.get('id')})
            needs_reset(host, state, 'not a working member of the running cluster')
    else:
        stopped = [h for h in hosts
                   if _complete_control_plane(control_planes[h]) and _get(control_planes[h], 'files', 'etcd_data')
                   and _get(control_planes[h], 'files', 'admin_conf')
                   and not _get(control_planes[h], 'local_api', 'running')]
        if stopped:
            plan['problems'].append(
                'no API server answers, but %s hold(s) a complete control plane with etcd data: the '
                'cluster is stopped, not absent. Start the kubelet there (systemctl start kubelet) and '
                're-run; kubeadm init would create a second cluster' % ', '.join(stopped))
        for host in hosts:
            needs_reset(host, control_planes[host], 'no cluster is established')
        plan['control_plane_joiners'] = hosts[1:]

    for host, state in workers.items():
        files = _get(state, 'files') or {}
        if established and files.get('kubelet_conf') and _get(state, 'node', 'registered') is not False:
            continue
        plan['worker_joiners'].append(host)
        needs_reset(host, state, 'not a node of the running cluster')
    return plan


class FilterModule(object):
    """kubeadm planning filter."""

    def filters(self):
        return {'kubeadm_plan': kubeadm_plan}
