# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubeadm_certs_info and kubeadm_certs_renew on a test /etc/kubernetes tree, renewing with the kubeadm double."""

from __future__ import annotations

import os

import pytest

import kubeadm_testlib as lib
from ansible_collections.seed.kubeadm.plugins.module_utils import pki
from ansible_collections.seed.kubeadm.plugins.modules import kubeadm_certs_info, kubeadm_certs_renew

ALL = ['admin.conf', 'apiserver', 'apiserver-etcd-client', 'apiserver-kubelet-client',
       'controller-manager.conf', 'etcd-healthcheck-client', 'etcd-peer', 'etcd-server',
       'front-proxy-client', 'scheduler.conf', 'super-admin.conf']


@pytest.fixture
def tree(tmp_path):
    return lib.KubeTree(tmp_path / 'root' / 'etc' / 'kubernetes', ca_key_kind='rsa',
                        leaf_days={'apiserver': 5, 'scheduler.conf': 20, 'etcd-peer': 29})


def info(tree, **extra):
    args = {'cert_dir': tree.cert_dir, 'kubeconfig_dir': tree.kubeconfig_dir}
    args.update(extra)
    return lib.run_module(kubeadm_certs_info, args)


# --------------------------------------------------------------------------- kubeadm_certs_info

@pytest.mark.parametrize('check_mode', [False, True])
def test_info_reports_everything(tree, check_mode):
    args = {'cert_dir': tree.cert_dir, 'kubeconfig_dir': tree.kubeconfig_dir}
    result, rc = lib.run_module(kubeadm_certs_info, args, check_mode=check_mode)
    assert rc == 0 and result['changed'] is False
    assert [c['name'] for c in result['certificates']] == ALL
    assert [c['name'] for c in result['certificate_authorities']] == ['ca', 'etcd-ca', 'front-proxy-ca']
    assert result['missing'] == []
    assert result['min_residual_days'] == 5
    assert result['ca_cert_hash'] == pki.ca_cert_hash(tree.ca_cert)
    by_name = dict((c['name'], c) for c in result['certificates'])
    assert by_name['apiserver']['residual_days'] == 5
    assert by_name['apiserver']['not_after'] == tree.certs['apiserver'].not_valid_after_utc.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert by_name['scheduler.conf']['kind'] == 'kubeconfig'
    assert by_name['scheduler.conf']['certificate_authority'] == 'ca'
    assert by_name['etcd-server']['certificate_authority'] == 'etcd-ca'
    assert all(c['external'] is False for c in result['certificates'])


def test_info_missing_and_external(tmp_path):
    tree = lib.KubeTree(tmp_path / 'k', skip=('super-admin.conf',))
    os.remove(os.path.join(tree.cert_dir, 'ca.key'))
    os.remove(os.path.join(tree.cert_dir, 'ca.crt'))
    lib.write(os.path.join(tree.cert_dir, 'ca.crt'), lib.pem(tree.certs['ca']))
    result, rc = info(tree)
    assert rc == 0 and result['missing'] == ['super-admin.conf']
    by_name = dict((c['name'], c) for c in result['certificates'])
    assert by_name['apiserver']['external'] is True
    assert by_name['etcd-peer']['external'] is False
    cas = dict((c['name'], c) for c in result['certificate_authorities'])
    assert cas['ca']['external'] is True


def test_info_without_ca_and_without_anything(tmp_path):
    empty = tmp_path / 'empty'
    os.makedirs(str(empty / 'pki'))
    result, rc = lib.run_module(kubeadm_certs_info, {'cert_dir': str(empty / 'pki'), 'kubeconfig_dir': str(empty)})
    assert rc == 0 and result['ca_cert_hash'] is None and result['min_residual_days'] is None
    assert result['certificates'] == [] and len(result['missing']) == 14


def test_info_not_a_control_plane(tmp_path):
    result, rc = lib.run_module(kubeadm_certs_info, {'cert_dir': str(tmp_path / 'pki'), 'kubeconfig_dir': str(tmp_path)})
    assert rc == 1 and 'not a kubeadm control-plane node' in result['msg'] and str(tmp_path / 'pki') in result['msg']


def test_info_malformed_certificate_names_file(tree):
    lib.write(tree.paths['front-proxy-client'], b'garbage\n')
    result, rc = info(tree)
    assert rc == 1 and result['msg'].startswith(tree.paths['front-proxy-client'])


# -------------------------------------------------------------------------- kubeadm_certs_renew

@pytest.fixture
def renew_env(tree, kubeadm_double):
    # kubeadm renews kubeconfig files in its fixed /etc/kubernetes: the double's is the test tree.
    fake = kubeadm_double(tree)
    args = {'cert_dir': tree.cert_dir, 'kubeconfig_dir': tree.kubeconfig_dir, 'kubeadm_path': fake.path}
    return tree, fake, args


def renew(args, check_mode=False, **extra):
    merged = dict(args)
    merged.update(extra)
    return lib.run_module(kubeadm_certs_renew, merged, check_mode=check_mode)


def renew_calls(fake):
    return [c for c in fake.calls() if c[:2] == ['certs', 'renew']]


def test_renew_due_certificates_then_nothing(renew_env):
    tree, fake, args = renew_env
    checked, rc = renew(args, check_mode=True)
    assert rc == 0 and checked['changed'] is True
    assert checked['renewed'] == ['apiserver', 'etcd-peer', 'scheduler.conf']
    assert checked['restart_components'] == ['etcd', 'kube-apiserver', 'kube-scheduler']
    assert renew_calls(fake) == []

    result, rc = renew(args)
    assert rc == 0 and result['changed'] is True
    assert result['renewed'] == ['apiserver', 'etcd-peer', 'scheduler.conf']
    assert result['restart_components'] == ['etcd', 'kube-apiserver', 'kube-scheduler']
    assert renew_calls(fake) == [
        ['certs', 'renew', name, '--cert-dir', tree.cert_dir]
        for name in ('apiserver', 'etcd-peer', 'scheduler.conf')]
    by_name = dict((c['name'], c) for c in result['certificates'])
    assert by_name['apiserver']['residual_days'] >= 364
    assert by_name['scheduler.conf']['residual_days'] >= 364
    assert result['skipped'] == []
    assert 'warnings' not in result

    again, rc = renew(args)
    assert again['changed'] is False and again['renewed'] == [] and again['restart_components'] == []
    assert len(renew_calls(fake)) == 3
    checked, rc = renew(args, check_mode=True)
    assert checked['changed'] is False


def test_renew_threshold_selection_and_force(renew_env):
    tree, fake, args = renew_env
    result, rc = renew(args, threshold_days=10, check_mode=True)
    assert result['renewed'] == ['apiserver']
    result, rc = renew(args, certificates=['admin.conf', 'controller-manager.conf'], threshold_days=400)
    assert result['renewed'] == ['admin.conf', 'controller-manager.conf']
    assert result['restart_components'] == ['kube-controller-manager']
    assert [c['name'] for c in result['certificates']] == ['admin.conf', 'controller-manager.conf']
    result, rc = renew(args, certificates=['front-proxy-client'], force=True)
    assert result['changed'] is True and result['renewed'] == ['front-proxy-client']
    assert result['restart_components'] == ['kube-apiserver']


def test_renew_skips_missing_and_external(tmp_path, kubeadm_double):
    tree = lib.KubeTree(tmp_path / 'other' / 'etc' / 'kubernetes', skip=('super-admin.conf',),
                        leaf_days={'front-proxy-client': 3, 'apiserver': 3})
    os.remove(os.path.join(tree.cert_dir, 'front-proxy-ca.key'))
    fake = kubeadm_double(tree)
    args = {'cert_dir': tree.cert_dir, 'kubeconfig_dir': tree.kubeconfig_dir, 'kubeadm_path': fake.path}
    result, rc = renew(args)
    assert result['renewed'] == ['apiserver']
    assert result['skipped'] == [{'name': 'front-proxy-client', 'reason': 'external CA'},
                                 {'name': 'super-admin.conf', 'reason': 'missing'}]


def test_renew_passes_config_and_default_dirs(renew_env, tmp_path, monkeypatch):
    tree, fake, args = renew_env
    config = lib.write(tmp_path / 'kubeadm.yaml', b'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n')
    monkeypatch.setattr(pki, 'DEFAULT_KUBECONFIG_DIR', tree.kubeconfig_dir)
    result, rc = renew(args, certificates=['apiserver'], config=config)
    assert rc == 0 and result['renewed'] == ['apiserver']
    assert renew_calls(fake) == [['certs', 'renew', 'apiserver', '--config', config]]


def test_renew_kubeadm_failure(renew_env):
    tree, fake, args = renew_env
    lib.write(os.path.join(tree.cert_dir, 'etcd', 'ca.key'), b'not a key\n', 0o600)
    result, rc = renew(args)
    assert rc == 1
    assert result['msg'].startswith('kubeadm certs renew etcd-peer failed (rc=1): error: failure loading etcd/ca '
                                    'certificate authority: failed to load key: ')
    assert "couldn't load the private key file %s/etcd/ca.key" % tree.cert_dir in result['msg']
    assert 'stack trace' in result['stderr']


def test_renew_warns_when_nothing_changed(renew_env, monkeypatch):
    tree, fake, args = renew_env
    # A kubeadm that says it renewed and wrote nothing. Where ansible-core puts a warning depends
    # on its version and on what the process imported before: the call itself is what is checked.
    warned = []
    monkeypatch.setattr(kubeadm_certs_renew.AnsibleModule, 'warn', lambda self, msg: warned.append(msg))
    fake.misbehave(['certs', 'renew', 'apiserver'], stdout='certificate for serving the Kubernetes API renewed\n')
    result, rc = renew(args, certificates=['apiserver'])
    assert rc == 0 and result['changed'] is True
    assert warned == ['kubeadm reported success but these certificates did not change: apiserver']


def test_renew_kubeadm_missing_only_matters_when_due(renew_env, tmp_path):
    tree, fake, args = renew_env
    result, rc = renew(args, kubeadm_path=str(tmp_path / 'none'), threshold_days=1)
    assert rc == 0 and result['changed'] is False
    result, rc = renew(args, kubeadm_path=str(tmp_path / 'none'))
    assert rc == 1 and 'kubeadm_path=' in result['msg']


def test_renew_not_a_control_plane(tmp_path):
    result, rc = renew({'cert_dir': str(tmp_path / 'pki'), 'kubeconfig_dir': str(tmp_path)})
    assert rc == 1 and 'not a kubeadm control-plane node' in result['msg']


def test_renew_rejects_unknown_name(renew_env):
    tree, fake, args = renew_env
    result, rc = renew(args, certificates=['ca'])
    assert rc == 1 and 'certificates' in result['msg']
