# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubeadm_certificate_key against the kubeadm double of tests/doubles and its API server."""

from __future__ import annotations

import base64
import os
import re
import time

import pytest

import kubeadm_testlib as lib
from ansible_collections.seed.kubeadm.plugins.module_utils import kubeadm as kubeadm_utils
from ansible_collections.seed.kubeadm.plugins.modules import kubeadm_certificate_key

KEY = '1a44b14b3856a07a96e65b9b60a61cd921dbda575d0c322958167b6461faaace'
HEX64 = re.compile(r'^[0-9a-f]{64}$')


@pytest.fixture
def env(tmp_path, kubeadm_double):
    tree = lib.KubeTree(tmp_path / 'root' / 'etc' / 'kubernetes', ca_key_kind='ec')
    fake = kubeadm_double(tree)
    return fake, {'kubeconfig': tree.admin_conf, 'kubeadm_path': fake.path}


def uploaded_ca(fake, key):
    """ca.crt of the kubeadm-certs Secret, decrypted with ``key`` as kubeadm join does (AES-GCM, nonce first)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    secret = fake.admin.get('/api/v1/namespaces/kube-system/secrets/kubeadm-certs')
    sealed = base64.b64decode(secret['data']['ca.crt'])
    return AESGCM(bytes.fromhex(key)).decrypt(sealed[:12], sealed[12:], None)


def run(args, check_mode=False, **extra):
    merged = dict(args)
    merged.update(extra)
    return lib.run_module(kubeadm_certificate_key, merged, check_mode=check_mode)


def uploads(fake):
    return [c for c in fake.calls() if c[:3] == ['init', 'phase', 'upload-certs']]


def test_generate_and_upload(env):
    fake, args = env
    result, rc = run(args)
    assert rc == 0 and result['changed'] is True and result['uploaded'] is True and result['generated'] is True
    key = result['certificate_key']
    assert HEX64.match(key)
    # The key travels in a temporary config file (never on the command line), removed afterwards.
    [call] = uploads(fake)
    assert call[:4] == ['init', 'phase', 'upload-certs', '--upload-certs'] and call[4] == '--config'
    assert key not in ' '.join(call) and not os.path.exists(call[5])
    with open(fake.tree.ca_cert, 'rb') as handle:
        assert uploaded_ca(fake, key) == handle.read()
    # Every upload is a change (the Secret expires after 2h); each run makes a new key.
    again, rc = run(args)
    assert again['changed'] is True and again['certificate_key'] != key


def test_given_key_is_used_and_masked_in_invocation(env, tmp_path):
    fake, args = env
    config = lib.write(tmp_path / 'kubeadm.yaml', b'apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n')
    result, rc = run(args, certificate_key=KEY, config=config)
    assert rc == 0 and result['certificate_key'] == KEY and result['generated'] is False
    assert result['invocation']['module_args']['certificate_key'] == kubeadm_utils.NO_LOG_PLACEHOLDER
    call = uploads(fake)[0]
    assert call[4] == '--config' and call[5] != config and KEY not in ' '.join(call)
    upper, rc = run(args, certificate_key=KEY.upper())
    assert rc == 0 and upper['certificate_key'] == KEY.upper()


def test_check_mode_does_not_upload(env):
    fake, args = env
    result, rc = run(args, check_mode=True)
    assert rc == 0 and result['changed'] is True and result['uploaded'] is False
    assert HEX64.match(result['certificate_key'])
    result, rc = run(args, check_mode=True, certificate_key=KEY)
    assert result['certificate_key'] == KEY and result['changed'] is True
    assert uploads(fake) == []


@pytest.mark.parametrize('check_mode', [False, True])
def test_generate_only(tmp_path, check_mode):
    # No kubeadm and no admin.conf needed.
    args = {'upload': False, 'kubeadm_path': str(tmp_path / 'none'), 'kubeconfig': str(tmp_path / 'none.conf')}
    result, rc = run(args, check_mode=check_mode)
    assert rc == 0 and result['changed'] is False and result['uploaded'] is False
    assert HEX64.match(result['certificate_key'])
    again, rc = run(args, check_mode=check_mode, certificate_key=KEY)
    assert again['changed'] is False and again['certificate_key'] == KEY


@pytest.mark.parametrize('bad', ['abc', KEY[:-1], KEY + '0', 'g' * 64, KEY[:32] + ' ' + KEY[33:]])
def test_invalid_key(env, bad):
    fake, args = env
    result, rc = run(args, certificate_key=bad)
    assert rc == 1 and 'certificate_key must be 64 hexadecimal characters' in result['msg']
    assert bad not in result['_raw']
    assert uploads(fake) == []


def quick_api_calls(tmp_path):
    """A node configuration whose kubeadm gives up on an API call after 2 s instead of a minute:
    kubeadm retries every failed call (a 403 included) until timeouts.kubernetesAPICall passes."""
    return lib.write(tmp_path / 'quick.yaml', b'apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n'
                     b'timeouts:\n  kubernetesAPICall: 2s\n')


def test_upload_failure_hides_key(env, tmp_path):
    fake, args = env
    reader = fake.grant('reader', ['get', 'list'])
    started = time.monotonic()
    result, rc = run(args, certificate_key=KEY, kubeconfig=reader, config=quick_api_calls(tmp_path))
    # Retried for the configured 2 s (every 500 ms), not given up at the first 403.
    assert 2 <= time.monotonic() - started < 30
    assert rc == 1
    assert result['msg'].startswith('kubeadm init phase upload-certs failed (rc=1): ')
    assert 'forbidden' in result['msg']
    assert KEY not in result['_raw']
    # A kubeadm that echoes the key in its error: still not shown.
    fake.misbehave(['init', 'phase', 'upload-certs'], stderr='error: upload-certs --certificate-key %s' % KEY, rc=1)
    result, rc = run(args, certificate_key=KEY)
    assert rc == 1 and KEY not in result['_raw']


def test_upload_failure_hides_generated_key(env, tmp_path):
    fake, args = env
    reader = fake.grant('reader', ['get', 'list'])
    result, rc = run(args, kubeconfig=reader, config=quick_api_calls(tmp_path))
    assert rc == 1 and 'forbidden' in result['msg']
    call = uploads(fake)[0]
    assert call[4] == '--config' and not os.path.exists(call[5])
    assert not re.search(r'[0-9a-f]{64}', result['_raw'])


def test_printed_key_mismatch(env):
    fake, args = env
    fake.misbehave(['init', 'phase', 'upload-certs'],
                   stdout='[upload-certs] Using certificate key:\n%s\n' % ('f' * 64))
    result, rc = run(args, certificate_key=KEY)
    assert rc == 1 and 'another key' in result['msg']


def test_not_a_control_plane(env, tmp_path):
    fake, args = env
    result, rc = run(args, kubeconfig=str(tmp_path / 'missing.conf'))
    assert rc == 1 and 'missing.conf does not exist: run this on a control-plane node' in result['msg']
    result, rc = run(args, config=str(tmp_path / 'missing.yaml'))
    assert rc == 1 and 'config %s does not exist' % (tmp_path / 'missing.yaml') in result['msg']
    result, rc = run(args, kubeadm_path=str(tmp_path / 'nokubeadm'))
    assert rc == 1 and 'kubeadm_path=' in result['msg']
    assert uploads(fake) == []


class VersionRunner(object):
    """kubeadm_utils.Kubeadm's run() for ``kubeadm version -o short`` printing ``printed``."""

    def __init__(self, printed):
        self.printed = printed
        self.calls = []

    def run(self, args, what=None):
        self.calls.append((list(args), what))
        return self.printed


@pytest.mark.parametrize('printed, expected', [
    ('v1.30.14\n', ('v1beta3', 'v1.30.14')), ('v1.31.0\n', ('v1beta4', 'v1.31.0')), ('1.35.6', ('v1beta4', 'v1.35.6')),
    ('v2.0.0', ('v1beta4', 'v2.0.0')), ('v1.9.0', ('v1beta3', 'v1.9.0')), ('v1.36.0-rc.1', ('v1beta4', 'v1.36.0-rc.1')),
])
def test_api_version_follows_the_kubeadm_release(printed, expected):
    runner = VersionRunner(printed)
    assert kubeadm_certificate_key.kubeadm_release(runner) == expected
    assert runner.calls == [(['version', '-o', 'short'], None)]


@pytest.mark.parametrize('printed', ['kubeadm: command not found\n', 'v1.35', 'v1.35.6 extra'])
def test_unreadable_kubeadm_version_is_named(printed):
    with pytest.raises(ValueError) as err:
        kubeadm_certificate_key.kubeadm_release(VersionRunner(printed))
    assert str(err.value) == "kubeadm version printed %r" % printed.strip()


def test_without_config_the_release_is_pinned_to_kubeadm_s_own(env, tmp_path):
    fake, args = env
    seen = tmp_path / 'seen.yaml'
    with open(fake.path) as handle:
        launcher = handle.read()
    with open(fake.path, 'w') as handle:
        handle.write('#!/bin/sh\ncase "$*" in\n"init phase upload-certs"*) cp "$6" %s ;;\nesac\n' % seen
                     + launcher.split('\n', 1)[1])
    result, rc = run(args, certificate_key=KEY)
    version = [c for c in fake.calls() if c[0] == 'version']
    assert rc == 0 and version == [['version', '-o', 'short']]
    import yaml
    docs = list(yaml.safe_load_all(seen.read_text()))
    assert [d['kind'] for d in docs] == ['InitConfiguration', 'ClusterConfiguration']
    assert docs[0]['certificateKey'] == KEY and docs[0]['apiVersion'] == docs[1]['apiVersion'] == 'kubeadm.k8s.io/v1beta4'
    import subprocess
    release = subprocess.run([fake.path, 'version', '-o', 'short'], capture_output=True, text=True, check=True).stdout.strip()
    assert docs[1]['kubernetesVersion'] == release and set(docs[1]) == {'apiVersion', 'kind', 'kubernetesVersion'}


def test_invalid_key_message_is_whole(env):
    fake, args = env
    result, rc = run(args, certificate_key='abc')
    assert result['msg'] == 'certificate_key must be 64 hexadecimal characters (32 bytes); the value is not shown'


def test_missing_files_are_named_whole(env, tmp_path):
    fake, args = env
    missing = str(tmp_path / 'missing.conf')
    result, rc = run(args, kubeconfig=missing)
    assert rc == 1 and result['msg'] == ('kubeconfig %s does not exist: run this on a control-plane node '
                                         '(or set kubeconfig)' % missing)
    result, rc = run(args, config=str(tmp_path / 'missing.yaml'))
    assert rc == 1 and result['msg'] == 'config %s does not exist' % (tmp_path / 'missing.yaml')


def test_a_config_without_kubeadm_documents_is_refused_by_name(env, tmp_path):
    fake, args = env
    config = lib.write(tmp_path / 'other.yaml', b'apiVersion: v1\nkind: ConfigMap\n')
    result, rc = run(args, certificate_key=KEY, config=config)
    assert rc == 1 and result['msg'] == ('cannot prepare the upload-certs configuration from %s: '
                                         'no kubeadm.k8s.io document in the configuration' % config)
    assert uploads(fake) == []


def test_an_unreadable_kubeadm_version_stops_before_the_upload(env):
    fake, args = env
    fake.misbehave(['version'], stdout='unknown\n')
    result, rc = run(args, certificate_key=KEY)
    assert rc == 1 and result['msg'] == ("cannot prepare the upload-certs configuration from defaults: "
                                         "kubeadm version printed 'unknown'")
    assert uploads(fake) == []


def test_an_unexpected_error_is_reported_without_the_key(env, monkeypatch):
    fake, args = env

    class Full(object):
        def __init__(self, content):
            self.content = content

        def __enter__(self):
            raise RuntimeError('no room for %s' % self.content)

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(kubeadm_certificate_key.kubeadm_utils, 'ConfigFile', Full)
    result, rc = run(args, certificate_key=KEY)
    assert rc == 1 and result['msg'].startswith('kubeadm init phase upload-certs failed: no room for apiVersion: ')
    assert KEY not in result['_raw']


def test_a_kubeadm_that_echoes_its_config_does_not_show_the_generated_key(env):
    fake, args = env
    # argv: init phase upload-certs --upload-certs --config PATH ...: print the file, then fail.
    with open(fake.path) as handle:
        launcher = handle.read()
    with open(fake.path, 'w') as handle:
        handle.write('#!/bin/sh\ncase "$*" in\n"init phase upload-certs"*) cat "$6" >&2; exit 1 ;;\nesac\n'
                     + launcher.split('\n', 1)[1])
    result, rc = run(args)
    assert rc == 1 and result['msg'].startswith('kubeadm init phase upload-certs failed (rc=1): ')
    assert 'certificateKey: ' in result['msg'] and not re.search(r'[0-9a-f]{64}', result['_raw'])


def test_key_mismatch_message_is_whole(env):
    fake, args = env
    fake.misbehave(['init', 'phase', 'upload-certs'],
                   stdout='[upload-certs] Using certificate key:\n%s\n' % ('f' * 64))
    result, rc = run(args, certificate_key=KEY)
    assert result['msg'] == 'kubeadm uploaded the certificates with another key than the one given'
