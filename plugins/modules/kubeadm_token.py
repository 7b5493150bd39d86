#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: kubeadm_token
short_description: Create, reuse or delete kubeadm bootstrap tokens
version_added: 0.1.0
description:
  - Manages bootstrap tokens with C(kubeadm token create), C(kubeadm token list -o json) and
    C(kubeadm token delete) on a control-plane node.
  - With O(state=present) an existing token is reused when it has the same description (or the
    same token ID when O(token) is given), the same usages and groups, and between O(min_ttl_left)
    and O(ttl) of its lifetime left. Otherwise a new token is created, so a second run reports
    no change.
  - Returns everything a node needs to join (token, API endpoint, CA certificate hash and the
    C(kubeadm join) command).
  - B(The result contains the token secret in clear.) Set C(no_log) to V(true) on every task that
    uses this module, and on tasks that use its registered result.
author:
  - Seed developers (!UNKNOWN)
requirements:
  - kubeadm on the managed node
  - cryptography (Python library) on the managed node, for the CA certificate hash
extends_documentation_fragment:
  - seed.kubeadm.attributes
attributes:
  check_mode:
    support: full
    details: Lists tokens but does not create or delete any. A token that would be created is
      returned as null.
  diff_mode:
    support: none
options:
  state:
    description:
      - V(present) makes sure a usable token exists and returns it.
      - V(absent) deletes the token given by O(token) or O(token_id), or else every token whose
        description is O(description).
    type: str
    choices: [present, absent]
    default: present
  token:
    description:
      - An explicit token to create or keep, of the form C([a-z0-9]{6}.[a-z0-9]{16}).
      - When omitted with O(state=present), kubeadm generates a random token.
      - A given token never appears on kubeadm's command line - it is handed over with
        C(kubeadm token create --config) in a private temporary file (an C(InitConfiguration) with
        O(ttl), O(usages), O(groups) and O(description) in its C(bootstrapTokens), which kubeadm does not
        take as flags beside C(--config)), removed at once.
      - A listed token with the same ID but another secret, usages, groups or too little
        lifetime left is deleted and created again with this value.
    type: str
  token_id:
    description:
      - The public ID (the 6 characters before the dot) of a token to delete.
      - Only with O(state=absent); mutually exclusive with O(token).
    type: str
  ttl:
    description:
      - Lifetime of a created token as a Go duration such as V(15m), V(2h) or V(24h).
      - V(0) creates a token that never expires (only a never-expiring token is then reused).
    type: str
    default: 24h
  min_ttl_left:
    description:
      - A listed token is reused only while at least this much of its lifetime is left (Go
        duration).
      - Defaults to half of O(ttl).
    type: str
  description:
    description:
      - Human friendly description of the token. It is the key by which an existing token is
        found again and reused, and by which O(state=absent) deletes tokens when neither
        O(token) nor O(token_id) is given.
    type: str
    default: Managed by seed.kubeadm
  usages:
    description:
      - What the token may be used for. It must contain V(authentication), because
        C(kubeadm token create) gives every token at least its default group, and refuses groups on a
        token that cannot authenticate.
    type: list
    elements: str
    choices: [signing, authentication]
    default: [signing, authentication]
  groups:
    description:
      - Extra groups the token authenticates as. Each must start with C(system:bootstrappers:).
      - At least one, because C(kubeadm token create) replaces an empty list with its default group.
    type: list
    elements: str
    default: ['system:bootstrappers:kubeadm:default-node-token']
  kubeconfig:
    description:
      - Admin kubeconfig kubeadm talks to the cluster with. It must exist, which it only does
        on control-plane nodes.
    type: path
    default: /etc/kubernetes/admin.conf
  cri_socket:
    description:
      - CRI socket written into the configuration that hands a given O(token) to kubeadm (kubeadm 1.28
        detects the container runtime when it reads a configuration file, and fails on a host with several).
    type: str
    default: unix:///run/containerd/containerd.sock
  api_endpoint:
    description:
      - C(host:port) nodes join through, returned and used in RV(join_command).
      - Defaults to the C(server) of O(kubeconfig) without its C(https://) prefix.
    type: str
  ca_cert:
    description: Cluster CA certificate whose public key hash nodes pin when they join.
    type: path
    default: /etc/kubernetes/pki/ca.crt
  kubeadm_path:
    description: Path of the kubeadm binary. Defaults to C(kubeadm) found on PATH.
    type: path
notes:
  - kubeadm cannot change a token, so a token whose usages or groups differ is never reused;
    with O(token) it is replaced.
  - Expired tokens stay listed until the token cleaner of the controller manager deletes them;
    they are never reused.
seealso:
  - module: seed.kubeadm.kubeadm_certificate_key
  - name: kubeadm token
    description: Reference of the kubeadm token command.
    link: https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-token/
"""

EXAMPLES = r"""
- name: Make sure a join token exists (reused while it has 12h left)
  seed.kubeadm.kubeadm_token:
    description: seed.kubeadm worker join
    ttl: 24h
  register: join_token
  no_log: true

- name: Join a worker with the returned command
  ansible.builtin.command: "{{ join_token.join_command }}"
  args:
    creates: /etc/kubernetes/kubelet.conf
  delegate_to: "{{ item }}"
  loop: "{{ groups['workers'] }}"
  no_log: true

- name: Short-lived token for one node, kept only while 10 minutes are left
  seed.kubeadm.kubeadm_token:
    description: rescue join
    ttl: 30m
    min_ttl_left: 10m
  register: rescue_token
  no_log: true

- name: Delete the worker join tokens after the run
  seed.kubeadm.kubeadm_token:
    state: absent
    description: seed.kubeadm worker join

- name: Delete one token by ID
  seed.kubeadm.kubeadm_token:
    state: absent
    token_id: abcdef
"""

RETURN = r"""
token:
  description: The bootstrap token (ID and secret). Null in check mode when one would be created.
  returned: state=present
  type: str
  sample: abcdef.0123456789abcdef
token_id:
  description: The public ID of the token.
  returned: state=present
  type: str
  sample: abcdef
reused:
  description: Whether an existing token was returned instead of creating one.
  returned: state=present
  type: bool
expires:
  description: Expiry time (ISO 8601 UTC), null for a token that never expires or is not created yet.
  returned: state=present
  type: str
  sample: '2025-03-05T19:51:22Z'
ttl_left:
  description: Seconds of lifetime left, null when the token never expires.
  returned: state=present
  type: int
  sample: 86399
description:
  description: Description of the token.
  returned: state=present
  type: str
usages:
  description: Usages of the token.
  returned: state=present
  type: list
  elements: str
groups:
  description: Extra groups of the token.
  returned: state=present
  type: list
  elements: str
api_endpoint:
  description: C(host:port) of the API server nodes join through.
  returned: state=present
  type: str
  sample: 192.0.2.10:6443
ca_cert_hash:
  description: Value for C(--discovery-token-ca-cert-hash).
  returned: state=present
  type: str
  sample: sha256:3aa3fe1dd88a80e7ea9e76408dd166947a606b7bd0f1ad089454ccf9a80c2365
join_args:
  description: Arguments of C(kubeadm join) for a worker, as a list (null when the token is unknown).
  returned: state=present
  type: list
  elements: str
  sample: [join, 192.0.2.10:6443, --token, abcdef.0123456789abcdef, --discovery-token-ca-cert-hash, 'sha256:3aa3...']
join_command:
  description: The worker C(kubeadm join) command line (null when the token is unknown).
  returned: state=present
  type: str
  sample: kubeadm join 192.0.2.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:3aa3...
deleted:
  description: IDs of the tokens deleted (or that would be deleted in check mode).
  returned: always
  type: list
  elements: str
  sample: [abcdef]
"""

import json
import os
import re
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.seed.kubeadm.plugins.module_utils import kubeadm as kubeadm_utils
from ansible_collections.seed.kubeadm.plugins.module_utils import pki

TOKEN_RE = re.compile(r'^[a-z0-9]{6}\.[a-z0-9]{16}$')
TOKEN_ID_RE = re.compile(r'^[a-z0-9]{6}$')
TOKEN_IN_OUTPUT_RE = re.compile(r'\b([a-z0-9]{6}\.[a-z0-9]{16})\b')
GROUP_PREFIX = 'system:bootstrappers:'
DEFAULT_GROUP = 'system:bootstrappers:kubeadm:default-node-token'
# A listed token may carry a few seconds more than asked for (clock rounding).
TTL_SLACK = 60


def list_tokens(runner, kubeconfig):
    """Tokens as dicts: token, id, description, expires (datetime or None), usages, groups."""
    out = runner.run(['token', 'list', '-o', 'json', '--kubeconfig', kubeconfig],
                     what='kubeadm token list')
    try:
        objects = kubeadm_utils.parse_json_stream(out)
    except ValueError as exc:
        raise kubeadm_utils.KubeadmError('kubeadm token list -o json printed no valid JSON: %s' % exc)
    tokens = []
    for obj in objects:
        value = obj.get('token')
        if not isinstance(value, str) or '.' not in value:
            continue
        runner.module.no_log_values.add(value)
        expires = obj.get('expires')
        tokens.append({
            'token': value,
            'id': value.split('.', 1)[0],
            'description': obj.get('description') or '',
            'expires': kubeadm_utils.parse_time(expires) if expires else None,
            'usages': sorted(obj.get('usages') or []),
            'groups': sorted(obj.get('groups') or []),
        })
    return tokens


def ttl_left(token, now):
    if token['expires'] is None:
        return None
    return int((token['expires'] - now).total_seconds())


def usable(token, want, now):
    """Whether a listed token can be returned for the wanted settings."""
    if token['usages'] != want['usages'] or token['groups'] != want['groups']:
        return False
    left = ttl_left(token, now)
    if want['ttl'] == 0:
        return left is None
    if left is None:
        return False
    return want['min_ttl_left'] <= left <= want['ttl'] + TTL_SLACK


def result_for(token, now):
    if token is None:
        return {'token': None, 'token_id': None, 'expires': None, 'ttl_left': None}
    return {
        'token': token['token'],
        'token_id': token['id'],
        'expires': pki.isoformat(token['expires']) if token['expires'] else None,
        'ttl_left': ttl_left(token, now),
    }


def api_endpoint_from(module, kubeconfig):
    try:
        server = pki.kubeconfig_server(kubeconfig)
    except pki.PKIError as exc:
        module.fail_json(msg='Cannot find the API endpoint: %s; set api_endpoint' % exc)
    endpoint = re.sub(r'^[a-z]+://', '', server).split('/', 1)[0]
    return endpoint


def validate(module):
    params = module.params
    want = {'usages': sorted(set(params['usages']))}
    if not want['usages']:
        module.fail_json(msg='usages must name at least one of signing, authentication')
    if params['token'] is not None and not TOKEN_RE.match(params['token']):
        module.fail_json(msg='token is not a valid bootstrap token; the format is '
                             '[a-z0-9]{6}.[a-z0-9]{16} (the value is not shown)')
    if params['token_id'] is not None:
        if params['state'] != 'absent':
            module.fail_json(msg='token_id is only used with state=absent; use token to keep a given token')
        if not TOKEN_ID_RE.match(params['token_id']):
            module.fail_json(msg='token_id %r is not a token ID ([a-z0-9]{6})' % params['token_id'])
    try:
        want['ttl'] = kubeadm_utils.parse_duration(params['ttl'])
    except ValueError as exc:
        module.fail_json(msg='ttl: %s' % exc)
    if params['min_ttl_left'] is None:
        want['min_ttl_left'] = want['ttl'] // 2
    else:
        try:
            want['min_ttl_left'] = kubeadm_utils.parse_duration(params['min_ttl_left'])
        except ValueError as exc:
            module.fail_json(msg='min_ttl_left: %s' % exc)
    if want['ttl'] and want['min_ttl_left'] > want['ttl']:
        module.fail_json(msg='min_ttl_left (%s) is longer than ttl (%s): no token could ever be reused'
                             % (params['min_ttl_left'], params['ttl']))
    # kubeadm token create defaults an empty group list to its node group, then refuses groups on
    # a token without the authentication usage (SetDefaults_BootstrapToken, ValidateTokenGroups).
    if 'authentication' not in want['usages']:
        module.fail_json(msg='usages must contain authentication: kubeadm token create gives every token at least '
                             'the group %s, and refuses groups on a token that cannot authenticate' % DEFAULT_GROUP)
    if not params['groups']:
        module.fail_json(msg='groups is empty: kubeadm token create would give the token its default group %s; '
                             'list the groups the token should have' % DEFAULT_GROUP)
    bad = [g for g in params['groups'] if not g.startswith(GROUP_PREFIX)]
    if bad:
        module.fail_json(msg='groups must start with %s: %s' % (GROUP_PREFIX, ', '.join(bad)))
    want['groups'] = sorted(set(params['groups']))
    want['description'] = params['description'] or ''
    return want


def token_config(version, token_value, want, cri_socket='unix:///run/containerd/containerd.sock'):
    """The InitConfiguration (and a ClusterConfiguration pinning the version, so that kubeadm does not
    look the version up on the internet) that gives ``kubeadm token create --config`` a chosen token:
    kubeadm refuses --ttl, --usages, --groups and --description beside --config, so they go here too."""
    minor = re.match(r'v?(\d+)\.(\d+)\.', version or '')
    api = 'kubeadm.k8s.io/v1beta4' if minor and (int(minor.group(1)), int(minor.group(2))) >= (1, 31) else 'kubeadm.k8s.io/v1beta3'
    token = {'token': token_value, 'ttl': kubeadm_utils.format_duration(want['ttl']), 'usages': want['usages'],
             'groups': want['groups']}
    if want['description']:
        token['description'] = want['description']
    init = {'apiVersion': api, 'kind': 'InitConfiguration', 'bootstrapTokens': [token],
            'nodeRegistration': {'criSocket': cri_socket}}
    cluster = {'apiVersion': api, 'kind': 'ClusterConfiguration', 'kubernetesVersion': version}
    return '---\n%s---\n%s' % (json.dumps(init, sort_keys=True) + '\n', json.dumps(cluster, sort_keys=True) + '\n')


def create(module, runner, want, token_value):
    params = module.params
    if token_value:
        # A chosen token never goes on kubeadm's command line (ps, audit logs): it travels in a
        # private temporary file, removed at once.
        version = runner.run(['version', '-o', 'short'], what='kubeadm version').strip()
        with kubeadm_utils.ConfigFile(token_config(version, token_value, want, params['cri_socket'])) as path:
            out = runner.run(['token', 'create', '--config', path, '--kubeconfig', params['kubeconfig']],
                             what='kubeadm token create')
    else:
        args = ['token', 'create', '--ttl', kubeadm_utils.format_duration(want['ttl']),
                '--description', want['description'],
                '--usages', ','.join(want['usages']),
                '--groups', ','.join(want['groups']),
                '--kubeconfig', params['kubeconfig']]
        out = runner.run(args, what='kubeadm token create')
    found = TOKEN_IN_OUTPUT_RE.findall(out)
    if not found:
        raise kubeadm_utils.KubeadmError('kubeadm token create printed no token', stdout='', stderr='')
    created = found[-1]
    module.no_log_values.add(created)
    return created


def run_present(module, runner, want, now):
    params = module.params
    tokens = list_tokens(runner, params['kubeconfig'])
    deleted = []
    chosen = None
    if params['token']:
        token_id = params['token'].split('.', 1)[0]
        same_id = [t for t in tokens if t['id'] == token_id]
        if same_id:
            current = same_id[0]
            if current['token'] == params['token'] and current['description'] == want['description'] \
                    and usable(current, want, now):
                chosen = current
            else:
                deleted.append(token_id)
    else:
        candidates = [t for t in tokens if t['description'] == want['description'] and usable(t, want, now)]
        if candidates:
            # The one that lives longest (never-expiring tokens only match ttl=0).
            chosen = max(candidates, key=lambda t: ttl_left(t, now) or 0)

    result = {'changed': False, 'reused': chosen is not None, 'deleted': deleted}
    if chosen is None:
        result['changed'] = True
        if module.check_mode:
            if params['token']:
                chosen = {'token': params['token'], 'id': params['token'].split('.', 1)[0], 'expires': None}
        else:
            for token_id in deleted:
                runner.run(['token', 'delete', token_id, '--kubeconfig', params['kubeconfig']],
                           what='kubeadm token delete %s' % token_id)
            value = create(module, runner, want, params['token'])
            listed = [t for t in list_tokens(runner, params['kubeconfig']) if t['token'] == value]
            chosen = listed[0] if listed else {'token': value, 'id': value.split('.', 1)[0], 'expires': None}
            now = pki.utcnow()  # its lifetime started when kubeadm created it, after this run began
    result.update(result_for(chosen, now))
    result.update({'description': want['description'], 'usages': want['usages'], 'groups': want['groups']})
    return result


def run_absent(module, runner, want):
    params = module.params
    tokens = list_tokens(runner, params['kubeconfig'])
    if params['token']:
        ids = [t['id'] for t in tokens if t['id'] == params['token'].split('.', 1)[0]]
    elif params['token_id']:
        ids = [t['id'] for t in tokens if t['id'] == params['token_id']]
    else:
        ids = [t['id'] for t in tokens if t['description'] == want['description']]
    if not module.check_mode:
        for token_id in ids:
            runner.run(['token', 'delete', token_id, '--kubeconfig', params['kubeconfig']],
                       what='kubeadm token delete %s' % token_id)
    return {'changed': bool(ids), 'deleted': ids}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            token=dict(type='str', no_log=True),
            token_id=dict(type='str'),
            ttl=dict(type='str', default='24h'),
            min_ttl_left=dict(type='str'),
            description=dict(type='str', default='Managed by seed.kubeadm'),
            usages=dict(type='list', elements='str', choices=['signing', 'authentication'],
                        default=['signing', 'authentication']),
            groups=dict(type='list', elements='str', default=['system:bootstrappers:kubeadm:default-node-token']),
            kubeconfig=dict(type='path', default=kubeadm_utils.DEFAULT_KUBECONFIG),
            cri_socket=dict(type='str', default='unix:///run/containerd/containerd.sock'),
            api_endpoint=dict(type='str'),
            ca_cert=dict(type='path', default='/etc/kubernetes/pki/ca.crt'),
            kubeadm_path=dict(type='path'),
        ),
        mutually_exclusive=[('token', 'token_id')],
        supports_check_mode=True,
    )
    params = module.params
    want = validate(module)
    if params['state'] == 'present' and not pki.HAS_CRYPTOGRAPHY:  # pragma: no cover
        module.fail_json(msg=missing_required_lib('cryptography'), exception=pki.CRYPTOGRAPHY_IMPORT_ERROR)

    runner = kubeadm_utils.Kubeadm(module, params['kubeadm_path'])
    if not os.path.isfile(params['kubeconfig']):
        module.fail_json(msg='kubeconfig %s does not exist: run this on a control-plane node '
                             '(or set kubeconfig)' % params['kubeconfig'])

    now = pki.utcnow()
    try:
        if params['state'] == 'absent':
            module.exit_json(**run_absent(module, runner, want))
        if not os.path.isfile(params['ca_cert']):
            module.fail_json(msg='CA certificate %s does not exist: run this on a control-plane node '
                                 '(or set ca_cert)' % params['ca_cert'])
        try:
            ca_hash = pki.ca_cert_hash(params['ca_cert'])
        except pki.PKIError as exc:
            module.fail_json(msg='Cannot compute the CA certificate hash: %s' % exc)
        endpoint = params['api_endpoint'] or api_endpoint_from(module, params['kubeconfig'])
        result = run_present(module, runner, want, now)
    except kubeadm_utils.KubeadmError as exc:
        module.fail_json(**exc.fail_kwargs())
    except Exception as exc:  # pragma: no cover - defensive: never leak a traceback with a secret
        module.fail_json(msg='kubeadm_token failed: %s' % exc, exception=traceback.format_exc())

    result['api_endpoint'] = endpoint
    result['ca_cert_hash'] = ca_hash
    if result['token']:
        result['join_args'] = ['join', endpoint, '--token', result['token'],
                               '--discovery-token-ca-cert-hash', ca_hash]
        result['join_command'] = 'kubeadm ' + ' '.join(result['join_args'])
    else:
        result['join_args'] = None
        result['join_command'] = None
    kubeadm_utils.exit_with_secrets(module, [result['token']], **result)


if __name__ == '__main__':
    main()
