# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubeadm_token against the kubeadm double of tests/doubles and its API server (tokens are Secrets)."""

from __future__ import annotations

import datetime
import os
import re

import pytest
import yaml

import kubeadm_testlib as lib
from ansible_collections.seed.kubeadm.plugins.module_utils import kubeadm as kubeadm_utils
from ansible_collections.seed.kubeadm.plugins.module_utils import pki
from ansible_collections.seed.kubeadm.plugins.modules import kubeadm_token

TOKEN_RE = re.compile(r'^[a-z0-9]{6}\.[a-z0-9]{16}$')
GIVEN = 'abcdef.0123456789abcdef'
UTC = datetime.timezone.utc


@pytest.fixture
def env(tmp_path, kubeadm_double):
    tree = lib.KubeTree(tmp_path / 'root' / 'etc' / 'kubernetes', ca_key_kind='ec')
    fake = kubeadm_double(tree)
    args = {'kubeconfig': tree.admin_conf, 'ca_cert': tree.ca_cert, 'kubeadm_path': fake.path}
    return tree, fake, args


DEFAULT_GROUPS = ['system:bootstrappers:kubeadm:default-node-token']


def add_tokens(fake, tokens):
    for tok in tokens:
        fake.add_token(tok['token'], tok['description'], tok['expires'], tok['usages'], tok['groups'])


def run(args, **extra):
    check = extra.pop('check_mode', False)
    merged = dict(args)
    merged.update(extra)
    return lib.run_module(kubeadm_token, merged, check_mode=check)


def stamp(delta):
    return (datetime.datetime.now(UTC) + delta).strftime('%Y-%m-%dT%H:%M:%SZ')


def creates(fake):
    return [c for c in fake.calls() if c[:2] == ['token', 'create']]


def test_present_creates_then_reuses(env):
    tree, fake, args = env
    result, rc = run(args, description='workers')
    assert rc == 0 and result['changed'] is True and result['reused'] is False
    token = result['token']
    assert TOKEN_RE.match(token)
    assert result['token_id'] == token.split('.')[0]
    assert result['api_endpoint'] == fake.endpoint
    assert result['ca_cert_hash'] == pki.ca_cert_hash(tree.ca_cert)
    assert result['join_args'] == ['join', fake.endpoint, '--token', token,
                                   '--discovery-token-ca-cert-hash', result['ca_cert_hash']]
    assert result['join_command'] == 'kubeadm join %s --token %s --discovery-token-ca-cert-hash %s' % (
        fake.endpoint, token, result['ca_cert_hash'])
    assert 86300 < result['ttl_left'] <= 86400
    assert result['expires'].endswith('Z')
    assert result['usages'] == ['authentication', 'signing']
    assert result['groups'] == ['system:bootstrappers:kubeadm:default-node-token']
    assert result['deleted'] == []
    create = creates(fake)
    assert create == [['token', 'create', '--ttl', '24h', '--description', 'workers',
                       '--usages', 'authentication,signing',
                       '--groups', 'system:bootstrappers:kubeadm:default-node-token',
                       '--kubeconfig', tree.admin_conf]]

    again, rc = run(args, description='workers')
    assert rc == 0 and again['changed'] is False and again['reused'] is True
    assert again['token'] == token and again['join_command'] == result['join_command']
    assert len(creates(fake)) == 1


def test_present_check_mode(env):
    tree, fake, args = env
    result, rc = run(args, description='workers', check_mode=True)
    assert rc == 0 and result['changed'] is True
    assert result['token'] is None and result['join_command'] is None and result['join_args'] is None
    assert creates(fake) == [] and fake.tokens() == []
    run(args, description='workers')
    result, rc = run(args, description='workers', check_mode=True)
    assert result['changed'] is False and TOKEN_RE.match(result['token'])


def test_present_reuses_only_with_enough_ttl_left(env):
    tree, fake, args = env
    add_tokens(fake, [
        {'token': 'aaaaaa.aaaaaaaaaaaaaaaa', 'description': 'workers', 'expires': stamp(datetime.timedelta(hours=1)),
         'usages': ['signing', 'authentication'], 'groups': ['system:bootstrappers:kubeadm:default-node-token']},
        {'token': 'bbbbbb.bbbbbbbbbbbbbbbb', 'description': 'workers', 'expires': stamp(datetime.timedelta(hours=-1)),
         'usages': ['signing', 'authentication'], 'groups': ['system:bootstrappers:kubeadm:default-node-token']},
        {'token': 'cccccc.cccccccccccccccc', 'description': 'other', 'expires': stamp(datetime.timedelta(hours=20)),
         'usages': ['signing', 'authentication'], 'groups': ['system:bootstrappers:kubeadm:default-node-token']},
    ])
    result, rc = run(args, description='workers')
    assert result['changed'] is True and result['token'][:6] not in ('aaaaaa', 'bbbbbb', 'cccccc')
    # With a lower threshold the 1h token is good enough.
    result, rc = run(args, description='workers', min_ttl_left='30m', ttl='2h')
    assert result['changed'] is False and result['token'] == 'aaaaaa.aaaaaaaaaaaaaaaa'
    assert 3000 < result['ttl_left'] <= 3600


def test_present_does_not_reuse_other_usages_groups_or_longer_ttl(env):
    tree, fake, args = env
    add_tokens(fake, [
        {'token': 'aaaaaa.aaaaaaaaaaaaaaaa', 'description': 'workers', 'expires': stamp(datetime.timedelta(hours=23)),
         'usages': ['authentication'], 'groups': DEFAULT_GROUPS},
        {'token': 'dddddd.dddddddddddddddd', 'description': 'workers', 'expires': stamp(datetime.timedelta(hours=23)),
         'usages': ['signing', 'authentication'], 'groups': DEFAULT_GROUPS},
    ])
    # 23h left is more than a 2h token may have: a fresh one is created.
    result, rc = run(args, description='workers', ttl='2h')
    assert result['changed'] is True
    assert creates(fake)[-1][3] == '2h'
    # Authentication-only is matched by usages.
    result, rc = run(args, description='workers', usages=['authentication'])
    assert result['changed'] is False and result['token'] == 'aaaaaa.aaaaaaaaaaaaaaaa'
    # Other groups: a new token with exactly those groups, reused next time.
    result, rc = run(args, description='workers', groups=['system:bootstrappers:extra'])
    assert result['changed'] is True and result['groups'] == ['system:bootstrappers:extra']
    assert [t['groups'] for t in fake.tokens() if t['token'] == result['token']] == [['system:bootstrappers:extra']]
    again, rc = run(args, description='workers', groups=['system:bootstrappers:extra'])
    assert again['changed'] is False and again['token'] == result['token']


def test_kubeadm_refuses_signing_only_and_empty_groups(env):
    """What kubeadm token create cannot make is refused before it runs (it would default the groups)."""
    tree, fake, args = env
    result, rc = run(args, description='discovery', usages=['signing'])
    assert rc == 1 and result['msg'].startswith('usages must contain authentication')
    result, rc = run(args, description='bare', groups=[])
    assert rc == 1 and result['msg'].startswith('groups is empty')
    assert fake.calls() == []


def test_ttl_zero_never_expires(env):
    tree, fake, args = env
    add_tokens(fake, [
        {'token': 'aaaaaa.aaaaaaaaaaaaaaaa', 'description': 'forever', 'expires': stamp(datetime.timedelta(hours=1)),
         'usages': ['signing', 'authentication'], 'groups': ['system:bootstrappers:kubeadm:default-node-token']},
    ])
    result, rc = run(args, description='forever', ttl='0')
    assert result['changed'] is True and result['expires'] is None and result['ttl_left'] is None
    assert creates(fake)[0][2:4] == ['--ttl', '0s']
    again, rc = run(args, description='forever', ttl='0')
    assert again['changed'] is False and again['token'] == result['token']
    # A never-expiring token is not what a 24h request asks for.
    third, rc = run(args, description='forever')
    assert third['changed'] is True and third['token'] not in (result['token'], 'aaaaaa.aaaaaaaaaaaaaaaa')


def test_explicit_token_is_created_kept_and_masked_in_invocation(env):
    tree, fake, args = env
    result, rc = run(args, token=GIVEN, description='given')
    assert rc == 0 and result['changed'] is True and result['token'] == GIVEN
    # The chosen token travels in a private file, never on kubeadm's command line (ps, audit logs):
    # kubeadm refuses --ttl, --usages, --groups and --description beside --config, so none is there.
    (call,) = creates(fake)
    assert call[2] == '--config' and call[4:] == ['--kubeconfig', tree.admin_conf]
    assert GIVEN not in ' '.join(call) and not os.path.exists(call[3])
    (listed,) = [t for t in fake.tokens() if t['token'] == GIVEN]
    assert listed['description'] == 'given' and listed['usages'] == ['authentication', 'signing']
    assert listed['groups'] == ['system:bootstrappers:kubeadm:default-node-token'] and listed['expires']
    assert result['invocation']['module_args']['token'] == kubeadm_utils.NO_LOG_PLACEHOLDER
    assert result['join_command'].endswith('--token %s --discovery-token-ca-cert-hash %s' % (GIVEN, result['ca_cert_hash']))
    again, rc = run(args, token=GIVEN, description='given')
    assert again['changed'] is False and again['token'] == GIVEN and again['reused'] is True


def test_explicit_token_replaces_same_id_with_other_secret(env):
    tree, fake, args = env
    add_tokens(fake, [{'token': 'abcdef.ffffffffffffffff', 'description': 'given', 'expires': stamp(datetime.timedelta(hours=23)),
                      'usages': ['signing', 'authentication'], 'groups': ['system:bootstrappers:kubeadm:default-node-token']}])
    checked, rc = run(args, token=GIVEN, description='given', check_mode=True)
    assert checked['changed'] is True and checked['deleted'] == ['abcdef'] and checked['token'] == GIVEN
    assert checked['expires'] is None
    assert [t['token'] for t in fake.tokens()] == ['abcdef.ffffffffffffffff']
    result, rc = run(args, token=GIVEN, description='given')
    assert result['changed'] is True and result['deleted'] == ['abcdef']
    assert [t['token'] for t in fake.tokens()] == [GIVEN]
    assert ['token', 'delete', 'abcdef', '--kubeconfig', tree.admin_conf] in fake.calls()


def test_absent_by_description(env):
    tree, fake, args = env
    run(args, description='old', ttl='1h')
    run(args, token=GIVEN, description='old')
    run(args, description='keep')
    assert len(fake.tokens()) == 3
    checked, rc = run(args, state='absent', description='old', check_mode=True)
    assert checked['changed'] is True and sorted(checked['deleted']) == sorted(
        [t['token'][:6] for t in fake.tokens() if t['description'] == 'old'])
    assert len(fake.tokens()) == 3
    result, rc = run(args, state='absent', description='old')
    assert result['changed'] is True and len(result['deleted']) == 2
    assert [t['description'] for t in fake.tokens()] == ['keep']
    again, rc = run(args, state='absent', description='old')
    assert again['changed'] is False and again['deleted'] == []
    assert 'token' not in again


def test_absent_by_id_and_by_token(env):
    tree, fake, args = env
    run(args, token=GIVEN, description='x')
    made, rc = run(args, description='y')
    result, rc = run(args, state='absent', token_id=made['token_id'])
    assert result['changed'] is True and result['deleted'] == [made['token_id']]
    assert run(args, state='absent', token_id=made['token_id'])[0]['changed'] is False
    result, rc = run(args, state='absent', token=GIVEN)
    assert result['changed'] is True and result['deleted'] == ['abcdef']
    assert fake.tokens() == []
    assert run(args, state='absent', token=GIVEN)[0]['changed'] is False


def test_absent_does_not_need_ca(env, tmp_path):
    tree, fake, args = env
    result, rc = run(args, state='absent', ca_cert=str(tmp_path / 'none.crt'))
    assert rc == 0 and result['changed'] is False


def test_kubeadm_found_on_path(env, monkeypatch):
    tree, fake, args = env
    fake.on_path(monkeypatch)
    args = dict(args)
    del args['kubeadm_path']
    result, rc = run(args)
    assert rc == 0 and result['changed'] is True


def test_api_endpoint_option_and_kubeconfig_without_server(env, tmp_path):
    tree, fake, args = env
    result, rc = run(args, api_endpoint='lb.example.test:8443')
    assert result['api_endpoint'] == 'lb.example.test:8443'
    assert result['join_args'][1] == 'lb.example.test:8443'
    bare = lib.write(tmp_path / 'bare.conf', b'apiVersion: v1\nkind: Config\n')
    result, rc = run(args, kubeconfig=bare)
    assert rc == 1 and 'set api_endpoint' in result['msg'] and 'bare.conf' in result['msg']


@pytest.mark.parametrize('extra, message', [
    ({'token': 'ABCDEF.0123456789abcdef'}, 'token is not a valid bootstrap token'),
    ({'token': 'abcdef0123456789abcdef'}, 'token is not a valid bootstrap token'),
    ({'token_id': 'abcdef'}, 'token_id is only used with state=absent'),
    ({'state': 'absent', 'token_id': 'ABC'}, "token_id 'ABC' is not a token ID"),
    ({'ttl': 'soon'}, 'ttl:'),
    ({'min_ttl_left': '1 day'}, 'min_ttl_left:'),
    ({'min_ttl_left': '3h', 'ttl': '2h'}, 'min_ttl_left (3h) is longer than ttl (2h)'),
    ({'groups': ['admins']}, 'groups must start with system:bootstrappers:: admins'),
    ({'usages': []}, 'usages must name at least one'),
    ({'usages': ['signing']}, 'usages must contain authentication'),
    ({'groups': []}, 'groups is empty'),
    ({'token': GIVEN, 'token_id': 'abcdef', 'state': 'absent'}, 'mutually exclusive'),
])
def test_invalid_parameters(env, extra, message):
    tree, fake, args = env
    result, rc = run(args, **extra)
    assert rc == 1 and result['failed'] is True
    assert message in result['msg']
    assert 'ABCDEF.0123456789abcdef' not in result['_raw']
    assert fake.calls() == []


def test_kubeadm_missing(env, tmp_path, monkeypatch):
    tree, fake, args = env
    result, rc = run(args, kubeadm_path=str(tmp_path / 'no-kubeadm'))
    assert rc == 1 and 'kubeadm_path=%s' % (tmp_path / 'no-kubeadm') in result['msg']
    monkeypatch.setenv('PATH', str(tmp_path / 'empty-bin'))
    monkeypatch.setattr(kubeadm_utils, 'KUBEADM_DIRS', [str(tmp_path / 'empty-bin')])
    args = dict(args)
    del args['kubeadm_path']
    result, rc = run(args)
    assert rc == 1 and 'kubeadm was not found on PATH' in result['msg'] and 'kubeadm_path' in result['msg']


def test_not_a_control_plane_node(env, tmp_path):
    tree, fake, args = env
    result, rc = run(args, kubeconfig=str(tmp_path / 'etc' / 'admin.conf'))
    assert rc == 1 and 'does not exist: run this on a control-plane node' in result['msg']
    result, rc = run(args, ca_cert=str(tmp_path / 'etc' / 'ca.crt'))
    assert rc == 1 and 'ca.crt does not exist' in result['msg']
    broken = lib.write(tmp_path / 'broken.crt', b'-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n')
    result, rc = run(args, ca_cert=broken)
    assert rc == 1 and 'broken.crt' in result['msg'] and 'Cannot compute the CA certificate hash' in result['msg']
    assert creates(fake) == []


def test_kubeadm_errors_surface_stderr(env):
    tree, fake, args = env
    fake.stop()  # the API server is gone: kubeadm's own error for a refused connection
    result, rc = run(args)
    assert rc == 1 and result['rc'] == 1
    assert result['msg'].startswith('kubeadm token list failed (rc=1): ')
    assert 'failed to list bootstrap tokens' in result['msg']
    assert 'connection refused' in result['stderr'].lower()


def test_create_failure_never_shows_the_token(env):
    tree, fake, args = env
    reader = fake.grant('reader', ['get', 'list'])
    result, rc = run(args, token=GIVEN, kubeconfig=reader)
    assert rc == 1 and 'kubeadm token create failed' in result['msg'] and 'forbidden' in result['msg']
    assert GIVEN not in result['_raw'] and '0123456789abcdef' not in result['_raw']
    # A kubeadm that echoes its arguments in the error: the module still shows no token.
    fake.misbehave(['token', 'create'], stderr='error: token create %s failed' % GIVEN, rc=1)
    result, rc = run(args, token=GIVEN)
    assert rc == 1 and 'kubeadm token create failed' in result['msg']
    assert GIVEN not in result['_raw'] and '0123456789abcdef' not in result['_raw']


def test_delete_failure(env):
    tree, fake, args = env
    run(args, description='old')
    creator = fake.grant('creator', ['get', 'list', 'create'])
    result, rc = run(args, state='absent', description='old', kubeconfig=creator)
    assert rc == 1 and result['msg'].startswith('kubeadm token delete ')
    assert 'forbidden' in result['msg']
    assert len(fake.tokens()) == 1


def test_listed_secrets_do_not_leak_in_failures(env):
    tree, fake, args = env
    run(args, description='first')
    secret = fake.tokens()[0]['token']
    fake.misbehave(['token', 'create'], stderr='error: failed with token %s' % secret, rc=1)
    result, rc = run(args, description='second')
    assert rc == 1 and secret not in result['_raw']


def test_garbage_list_output(env):
    tree, fake, args = env
    fake.misbehave(['token', 'list'], stdout='{"kind": "BootstrapToken", "token": ')
    result, rc = run(args)
    assert rc == 1 and 'printed no valid JSON' in result['msg']
    fake.misbehave(['token', 'list'], stdout='{"kind": "BootstrapToken"}\n{"token": 5}\n')
    result, rc = run(args, check_mode=True)
    assert rc == 0 and result['changed'] is True


def test_create_without_printed_token(env):
    tree, fake, args = env
    fake.misbehave(['token', 'create'])
    result, rc = run(args)
    assert rc == 1 and result['msg'] == 'kubeadm token create printed no token'


@pytest.mark.parametrize('version, api', [('v1.30.14', 'kubeadm.k8s.io/v1beta3'), ('v1.31.0', 'kubeadm.k8s.io/v1beta4'),
                                          ('v1.36.1', 'kubeadm.k8s.io/v1beta4')])
def test_token_config_for_a_chosen_token(version, api):
    want = {'ttl': 0, 'usages': ['authentication', 'signing'], 'groups': ['system:bootstrappers:x'], 'description': ''}
    docs = list(yaml.safe_load_all(kubeadm_token.token_config(version, GIVEN, want)))
    assert [d['kind'] for d in docs] == ['InitConfiguration', 'ClusterConfiguration']
    assert {d['apiVersion'] for d in docs} == {api}
    # The version pinned, so that kubeadm does not look it up on the internet; no description when empty.
    assert docs[1]['kubernetesVersion'] == version
    assert docs[0]['bootstrapTokens'] == [{'token': GIVEN, 'ttl': '0s', 'usages': want['usages'], 'groups': want['groups']}]
    # kubeadm 1.28 detects the CRI when it reads a configuration file: the socket is given
    assert docs[0]['nodeRegistration'] == {'criSocket': 'unix:///run/containerd/containerd.sock'}
