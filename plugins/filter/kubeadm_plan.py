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
    allowed. The etcd member that a host joining again left (found by node name or by the host's
    peer URL; a learner, or a member that never started and has no name, too) is listed for removal
    before that host joins.
  - A host whose etcd member is a learner (a join stopped before the promotion) is not a working
    member; it is reset and joins again.
  - An etcd learner that no control-plane host of the run owns (by node name or peer URL) is a
    problem when control planes must join as learners, since etcd admits one learner at a time
    (C(max-learners)); it is never removed, since it may belong to a join still running.
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
  skip_phases:
    description:
      - The C(skipPhases) of the init configuration; their results are not expected in the cluster
        and a resume does not run them.
      - Add V(addon/coredns) or V(addon/kube-proxy) for an addon the configuration disables
        (C(dns.disabled), C(proxy.disabled)).
    type: list
    elements: str
    default: []
  addresses:
    description: Mapping of control-plane host name to its address (its etcd peer URL is C(https://<address>:2380)).
    type: dict
    default: {}
  join_timeout:
    description:
      - Upper bound in seconds of one control-plane join. The joins run one after the other from
        one upload of the control-plane certificates, which kubeadm keeps for 2 hours; more joiners
        than fit in that time are a problem. V(0) leaves this unchecked.
    type: int
    default: 0
  cluster_configuration:
    description:
      - The ClusterConfiguration kubeadm runs with (C(kubernetesVersion), C(featureGates),
        C(etcd.local.extraArgs)). It tells whether a control-plane join adds its etcd member as a
        learner (from Kubernetes 1.29 unless the feature gate C(EtcdLearnerMode) is off; from 1.32
        always) and how many learners etcd admits (C(max-learners), default 1). Empty, learners
        and the default are assumed.
    type: dict
    default: {}
  stacked_etcd:
    description:
      - Whether etcd runs on the control planes (kubeadm's stacked etcd). Then control planes join
        only when the etcd members could be read through the host that runs the cluster.
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
      C(delete_nodes) (Node objects of hosts that are reset and join again; kubeadm refuses a join
      while a Ready Node of the same name exists),
      C(stale_etcd_members) (list of C(host), C(name) (empty for a member that never started), C(id),
      C(peer_url), C(learner)), C(problems) (messages; nothing may
      run while it is not empty).
  type: dict
"""

import ipaddress

from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.module_utils import version as ver

INIT_RESULTS = ('upload-config', 'bootstrap-token', 'addon/coredns', 'addon/kube-proxy')
# The `kubeadm init phase` commands that complete an established but unfinished init, in
# kubeadm's order. Each is safe to repeat (kubeadm creates or updates its objects).
# Phases with sub-phases run one sub-phase at a time: `kubeadm init phase X all` runs every sub-phase
# whatever the configuration's skipPhases say, and a skipped or disabled addon must stay uninstalled.
# kubelet-finalize stays whole: its sub-phase's name depends on the version (experimental-cert-rotation
# up to 1.30, enable-client-cert-rotation from 1.31, where the old name remains as an alias); any
# skip of it leaves it out.
RESUME_PHASES = (['upload-config', 'kubeadm'], ['upload-config', 'kubelet'], ['mark-control-plane'], ['bootstrap-token'],
                 ['kubelet-finalize', 'all'], ['addon', 'coredns'], ['addon', 'kube-proxy'])


CERTS_LIFETIME = 7200  # seconds kubeadm keeps the uploaded control-plane certificates
CERTS_MARGIN = 300  # discovery and the download itself


def _get(state, *path):
    for key in path:
        state = (state or {}).get(key) if isinstance(state, dict) else None
    return state


def _established(state):
    return bool(_get(state, 'cluster', 'established'))


def _complete_control_plane(state):
    files = _get(state, 'files') or {}
    return bool(files.get('kubelet_conf')) and 'kube-apiserver' in (files.get('manifests') or [])


def _skipped(phase, skip):
    """Whether a phase (a list of words) is skipped: by its name, its parent's, or ``parent/name``
    (``X all`` is skipped when any sub-phase of X is)."""
    if phase[1:] == ['all']:
        return phase[0] in skip or any(s.startswith(phase[0] + '/') for s in skip)
    return phase[0] in skip or '/'.join(phase) in skip


def _learner_joins(cluster):
    """Whether kubeadm adds a joining control plane's etcd member as a learner (EtcdLearnerMode: alpha
    and off in 1.27-1.28, on from 1.29, locked on in 1.32; the gate is gone from 1.33)."""
    parts = ver._split(str(cluster.get('kubernetesVersion') or ''), allow_v=True)  # pylint: disable=protected-access
    minor = parts[1] if parts else None
    if minor is not None and minor >= 32:
        return True
    gates = cluster.get('featureGates') or {}
    if 'EtcdLearnerMode' in gates:
        return str(gates['EtcdLearnerMode']).lower() == 'true'
    return minor is None or minor >= 29


def _max_learners(cluster):
    """etcd's --max-learners (3.6; fixed at 1 in 3.5) from the local etcd's extraArgs, a mapping
    (v1beta3) or a list of name/value pairs (v1beta4, the last one wins); 1 when not set."""
    args = ((cluster.get('etcd') or {}).get('local') or {}).get('extraArgs') or {}
    if isinstance(args, dict):
        value = args.get('max-learners')
    else:
        value = next((a.get('value') for a in reversed(args) if isinstance(a, dict) and a.get('name') == 'max-learners'), None)
    try:
        return max(int(value), 0) if value is not None else 1
    except (TypeError, ValueError):
        return 1


def _peer_url(address):
    """kubeadm's etcd peer URL of an address (an IP in its canonical form, IPv6 in brackets)."""
    try:
        address = ipaddress.ip_address(str(address)).compressed
    except ValueError:
        address = str(address)
    return 'https://%s:2380' % ('[%s]' % address if ':' in address else address)


def _member_id(member):
    """A member's ID as etcdctl takes it (hexadecimal); the etcd API's JSON gives it in decimal."""
    try:
        return '%x' % int(member.get('id'))
    except (TypeError, ValueError):
        return str(member.get('id'))


def kubeadm_plan(control_planes, workers=None, node_names=None, reset_leftovers=True, skip_phases=None,
                 addresses=None, stacked_etcd=True, join_timeout=0, cluster_configuration=None):
    if not isinstance(control_planes, dict) or not control_planes:
        raise AnsibleFilterError('kubeadm_plan needs a mapping of control-plane hosts to their kubeadm_state')
    workers = workers or {}
    names = node_names or {}
    skip = set(skip_phases or [])
    urls = dict((h, _peer_url(a)) for h, a in (addresses or {}).items())
    cluster = cluster_configuration or {}
    expected = [r for r in INIT_RESULTS if not _skipped(r.split('/'), skip)]
    hosts = list(control_planes)
    plan = {'init_host': hosts[0], 'init_action': 'init', 'resume_phases': [],
            'control_plane_joiners': [], 'worker_joiners': [], 'reset': [],
            'admin_conf_missing': [], 'delete_nodes': [], 'stale_etcd_members': [], 'problems': []}

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
        done = _get(control_planes[init], 'cluster', 'done')
        # done is None when only kubelet.conf could read the cluster: unknown, never resumed on a guess.
        missing = [] if done is None else [r for r in expected if r not in done]
        plan['init_action'] = 'resume' if missing else 'none'
        plan['resume_phases'] = [list(p) for p in RESUME_PHASES if not _skipped(p, skip)] if missing else []
        members = _get(control_planes[init], 'etcd', 'members')
        removed = []  # the members listed in stale_etcd_members

        def member_of(host):
            # By name, or by peer URL: a member added by a join that never started etcd has no name.
            return next((m for m in members or [] if (m.get('name') and m.get('name') == node(host))
                         or (host in urls and urls[host] in (m.get('peer_urls') or []))), None)
        for host in hosts:
            state = control_planes[host]
            member = member_of(host)
            # A learner (added by a join, not promoted yet) is not a working member.
            in_etcd = None if members is None else bool(member) and not member.get('learner')
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
            # Also a member that never started (no name): kubeadm join takes it over by its peer URL
            # only from 1.32.0, 1.31.2, 1.30.6, 1.29.10 and 1.28.15 (before, adding a learner with that URL
            # fails), and etcd admits one learner at a time, so a leftover learner would block every join.
            if member:
                removed.append(member)
                plan['stale_etcd_members'].append({'host': host, 'name': member.get('name'), 'id': member.get('id'),
                                                   'peer_url': urls.get(host), 'learner': bool(member.get('learner'))})
            needs_reset(host, state, 'not a working member of the running cluster')
            # A host reset or wiped since it last ran keeps its Node object, Ready until the grace
            # period ends; kubeadm join refuses to join while it is Ready.
            seen = _get(control_planes[init], 'nodes', node(host), 'registered')
            if seen or (seen is None and (host in plan['reset'] or member)):
                plan['delete_nodes'].append(node(host))
        # Each join adds its member as a learner (EtcdLearnerMode) and etcd admits --max-learners of them
        # (etcd 3.5: 1, fixed; 3.6: default 1): learners that stay after the removals above would make
        # every join fail after kubeadm's etcd timeout. The learner of a join that is still running must
        # not be removed (that join promotes only its own member), so it is reported, not removed.
        blocking = [m for m in members or [] if m.get('learner') and not any(m is r for r in removed)]
        if plan['control_plane_joiners'] and _learner_joins(cluster) and blocking and len(blocking) >= _max_learners(cluster):
            others = [h for h in set(urls) | set(names) if h not in hosts]
            limit = 'one learner' if _max_learners(cluster) == 1 else '%d learners' % _max_learners(cluster)

            def describe(m):
                owner = sorted(h for h in others if (m.get('name') and m.get('name') == node(h))
                               or (h in urls and urls[h] in (m.get('peer_urls') or [])))
                return 'id %s, %s, %s%s' % (_member_id(m), m.get('name') or 'never started',
                                            ', '.join(m.get('peer_urls') or []) or 'no peer URL',
                                            ', of %s, which this run leaves out' % owner[0] if owner else '')
            plan['problems'].append(
                'etcd has a learner that no control-plane host of this run owns (%s): etcd admits %s at a time, '
                'so %s cannot join. If that join was abandoned, remove the member (etcdctl member remove <id>) or '
                'run with its host included, so that it joins again; if it is still running, wait for it to end'
                % ('; '.join(describe(m) for m in blocking), limit, ', '.join(plan['control_plane_joiners'])))
        if stacked_etcd and members is None and plan['control_plane_joiners']:
            # A host wiped while its member stays listed would join with empty data under the old
            # member (kubeadm join takes over a member with its peer URL), and etcd fails on it.
            plan['problems'].append(
                'the etcd members could not be read through %s (its local etcd did not answer), so it is '
                'unknown whether %s left an etcd member that must be removed before joining again: check '
                'etcd on %s (crictl ps --name etcd) and re-run' % (init, ', '.join(plan['control_plane_joiners']), init))
    else:
        # Hosts that hold a whole control plane with etcd data: a cluster was there. admin.conf is not
        # asked for: kubeadm writes it before any manifest or etcd data (init and join alike), so a host
        # without it lost it, and its cluster is still there.
        holding = [h for h in hosts
                   if _complete_control_plane(control_planes[h]) and _get(control_planes[h], 'files', 'etcd_data')]
        stopped = [h for h in holding if not _get(control_planes[h], 'local_api', 'running')]
        if stopped:
            plan['problems'].append(
                'no API server answers, but %s hold(s) a complete control plane with etcd data: the '
                'cluster is stopped, not absent. Start the kubelet there (systemctl start kubelet) and '
                're-run; kubeadm init would create a second cluster' % ', '.join(stopped))
        # An API server answers but kubeadm-config could not be read, and no read said "not found":
        # the cluster exists but cannot be read (expired certificates, etcd without quorum, an
        # overloaded API server). Resetting it would destroy it.
        unreadable = [h for h in holding if _get(control_planes[h], 'local_api', 'running')
                      and not _get(control_planes[h], 'cluster', 'absent')]
        if unreadable:
            errors = [e for h in unreadable for e in (_get(control_planes[h], 'cluster', 'errors') or [])]
            plan['problems'].append(
                'the API server of %s answers and the host holds a complete control plane with etcd data, '
                'but the cluster could not be read (%s): the cluster exists and is not readable, for example '
                'because its certificates expired (kubeadm certs check-expiration) or etcd lost quorum. '
                'Repair that and re-run; nothing is reset or initialised while this is so'
                % (', '.join(unreadable), '; '.join(errors[:3]) or 'no answer'))
        for host in hosts:
            needs_reset(host, control_planes[host], 'no cluster is established')
        plan['control_plane_joiners'] = hosts[1:]

    # kubeadm deletes the uploaded certificates with the token that owns them after 2 hours
    # (DefaultCertTokenDuration); the last serial join fetches them up to (n - 1) joins later.
    late = (len(plan['control_plane_joiners']) - 1) * int(join_timeout or 0)
    if late > CERTS_LIFETIME - CERTS_MARGIN:
        plan['problems'].append(
            '%d control planes would join one after the other with up to %d s each: the last one may start '
            '%d s after the control-plane certificates were uploaded, and kubeadm deletes them after %d s. '
            'Lower control_plane_join_timeout, or add the control planes in smaller groups (--limit)'
            % (len(plan['control_plane_joiners']), int(join_timeout), late, CERTS_LIFETIME))

    seen_by_cluster = (_get(control_planes[plan['init_host']], 'nodes') or {}) if established else {}
    for host, state in workers.items():
        files = _get(state, 'files') or {}
        # The running control plane knows whether the node is registered; the node itself cannot tell
        # when its kubelet.conf belongs to an older cluster (its TLS fails).
        registered = _get(seen_by_cluster, node(host), 'registered')
        if registered is None:
            registered = _get(state, 'node', 'registered')
        if established and files.get('kubelet_conf') and registered is not False:
            continue
        plan['worker_joiners'].append(host)
        needs_reset(host, state, 'not a node of the running cluster')
        if established and registered:
            plan['delete_nodes'].append(node(host))
    return plan


class FilterModule(object):
    """kubeadm planning filter."""

    def filters(self):
        return {'kubeadm_plan': kubeadm_plan}
