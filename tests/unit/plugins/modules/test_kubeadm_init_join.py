# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubeadm_init, kubeadm_join, kubeadm_state and etcd_member on empty hosts.

kubeadm is the double of tests/doubles: its own main() parses the command line and loads, defaults
and validates the configuration as kubeadm does; only its workflows stop before the first phase
(kubeadm_workflow_stub; the orchestration scenario runs the phases on its hosts)."""

from __future__ import annotations

import os

import pytest

import kubeadm_testlib as lib
from ansible_collections.seed.kubeadm.plugins.modules import etcd_member, kubeadm_init, kubeadm_join, kubeadm_reset, kubeadm_state

SECRET_TOKEN = 'abcdef.0123456789abcdef'
SECRET_KEY = '2f' * 32
INIT_CONFIG = """apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: %s
certificateKey: %s
localAPIEndpoint:
  advertiseAddress: 192.0.2.11
nodeRegistration:
  name: cp1
  criSocket: unix:///run/containerd/containerd.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.35.6
controlPlaneEndpoint: 192.0.2.100:6443
""" % (SECRET_TOKEN, SECRET_KEY)
JOIN_CONFIG = """apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: 192.0.2.100:6443
    token: %s
    caCertHashes: ["sha256:%s"]
controlPlane:
  certificateKey: %s
  localAPIEndpoint:
    advertiseAddress: 192.0.2.12
nodeRegistration:
  name: cp2
""" % (SECRET_TOKEN, '1f' * 32, SECRET_KEY)


@pytest.fixture
def fake(tmp_path, kubeadm_double):
    return kubeadm_double(lib.KubeTree(tmp_path / 'root' / 'etc' / 'kubernetes', ca_key_kind='ec'))


def test_init_validates_then_inits_and_masks_secrets(tmp_path, fake):
    config = lib.write(tmp_path / 'kubeadm.yaml', INIT_CONFIG.encode(), 0o600)
    result, rc = lib.run_module(kubeadm_init, {'config': config, 'kubeadm_path': fake.path})
    assert rc == 0 and result['changed'] is True, result.get('msg')
    assert fake.calls() == [['config', 'validate', '--config', config], ['init', '--config', config]]
    assert SECRET_TOKEN not in result['_raw'] and SECRET_KEY not in result['_raw']
    # init's output (the stub prints its join commands) reaches the result with the token masked
    assert '<token>' in result['output'] and 'kubeadm join 192.0.2.100:6443 --token <token>' in result['output']


def test_init_refuses_what_kubeadm_refuses(tmp_path, fake):
    bad = lib.write(tmp_path / 'bad.yaml', INIT_CONFIG.replace('192.0.2.100:6443', '192.0.2.100:99999').encode(), 0o600)
    result, rc = lib.run_module(kubeadm_init, {'config': bad, 'kubeadm_path': fake.path})
    assert rc != 0 and 'controlPlaneEndpoint' in result['msg']
    assert [c[0] for c in fake.calls()] == ['config']  # nothing ran after the failed validation
    result, rc = lib.run_module(kubeadm_init, {'config': bad, 'kubeadm_path': fake.path, 'validate': False})
    assert rc != 0 and 'controlPlaneEndpoint' in result['msg'] and SECRET_TOKEN not in result['_raw']


def test_init_resets_first_and_resume_runs_phases(tmp_path, fake):
    config = lib.write(tmp_path / 'kubeadm.yaml', INIT_CONFIG.encode(), 0o600)
    result, rc = lib.run_module(kubeadm_init, {'config': config, 'kubeadm_path': fake.path, 'reset_first': True,
                                               'validate': False})
    assert rc == 0 and fake.calls() == [['reset', '-f', '--cri-socket', 'unix:///run/containerd/containerd.sock'],
                                        ['init', '--config', config]]
    result, rc = lib.run_module(kubeadm_init, {'config': config, 'kubeadm_path': fake.path, 'action': 'resume',
                                               'validate': False, 'phases': [['bootstrap-token'], ['addon', 'all']]})
    assert rc == 0 and fake.calls()[2:] == [['init', 'phase', 'bootstrap-token', '--config', config],
                                            ['init', 'phase', 'addon', 'all', '--config', config]]
    result, rc = lib.run_module(kubeadm_init, {'config': config, 'kubeadm_path': fake.path, 'action': 'resume',
                                               'validate': False, 'phases': [['no-such-phase']]})
    # cobra finds no such phase under `init phase`, which has no --config flag: kubeadm's reason
    assert rc != 0 and result['msg'].endswith('error: unknown flag: --config')


def test_init_check_mode_and_failures(tmp_path, fake):
    config = lib.write(tmp_path / 'kubeadm.yaml', INIT_CONFIG.encode(), 0o600)
    result, rc = lib.run_module(kubeadm_init, {'config': config, 'kubeadm_path': fake.path}, check_mode=True)
    assert rc == 0 and result['changed'] is True and fake.calls() == [['config', 'validate', '--config', config]]
    fake.misbehave(['init', '--config'], stderr='error: error execution phase wait-control-plane: token %s' % SECRET_TOKEN,
                   rc=1)
    result, rc = lib.run_module(kubeadm_init, {'config': config, 'kubeadm_path': fake.path})
    assert rc == 1 and 'wait-control-plane' in result['msg'] and SECRET_TOKEN not in result['_raw']
    result, rc = lib.run_module(kubeadm_init, {'config': str(tmp_path / 'missing'), 'kubeadm_path': fake.path})
    assert rc == 1 and 'does not exist' in result['msg']
    result, rc = lib.run_module(kubeadm_init, {'config': config, 'kubeadm_path': fake.path, 'action': 'resume'})
    assert rc == 1 and 'needs the phases' in result['msg']


def test_join_secrets_travel_in_a_private_file_that_is_removed(tmp_path, fake):
    result, rc = lib.run_module(kubeadm_join, {'config_content': JOIN_CONFIG, 'kubeadm_path': fake.path,
                                               'directory': str(tmp_path / 'etc'), 'reset_first': True})
    assert rc == 0 and result['changed'] is True, result.get('msg')
    calls = fake.calls()
    assert [c[0] for c in calls] == ['reset', 'config', 'join']
    path = calls[2][2]
    assert calls[1] == ['config', 'validate', '--config', path] and not os.path.exists(path)
    assert all(SECRET_TOKEN not in ' '.join(c) and SECRET_KEY not in ' '.join(c) for c in calls)
    assert [(c[0], c[1]) for c in fake.configs()] == [('join', '0o600')]
    assert fake.configs()[0][2] == JOIN_CONFIG
    assert SECRET_TOKEN not in result['_raw'] and SECRET_KEY not in result['_raw']


def test_join_refuses_what_kubeadm_refuses(tmp_path, fake):
    bad = JOIN_CONFIG.replace('    caCertHashes: ["sha256:%s"]\n' % ('1f' * 32), '')
    result, rc = lib.run_module(kubeadm_join, {'config_content': bad, 'kubeadm_path': fake.path,
                                               'directory': str(tmp_path)})
    assert rc != 0 and 'caCertHashes' in result['msg'] and SECRET_TOKEN not in result['_raw']
    assert [p for p in os.listdir(str(tmp_path)) if p.startswith('.seed-kubeadm-')] == []


def test_join_failure_removes_the_file_and_masks(tmp_path, fake):
    fake.misbehave(['join'], stderr='error: error execution phase kubelet-start: token %s unknown' % SECRET_TOKEN, rc=1)
    result, rc = lib.run_module(kubeadm_join, {'config_content': JOIN_CONFIG, 'kubeadm_path': fake.path,
                                               'directory': str(tmp_path), 'validate': False})
    assert rc == 1 and 'kubelet-start' in result['msg'] and SECRET_TOKEN not in result['_raw']
    assert [p for p in os.listdir(str(tmp_path)) if p.startswith('.seed-kubeadm-')] == []
    result, rc = lib.run_module(kubeadm_join, {'config_content': 'x', 'kubeadm_path': fake.path}, check_mode=True)
    assert rc == 0 and result['changed'] is True


def test_state_of_an_empty_host(tmp_path):
    result, rc = lib.run_module(kubeadm_state, {'node_name': 'n1', 'kubernetes_dir': str(tmp_path / 'k'),
                                                'etcd_data_dir': str(tmp_path / 'etcd'), 'api_port': 1, 'timeout': 1})
    assert rc == 0 and result['changed'] is False
    assert result['files']['any'] is False and result['files']['manifests'] == []
    assert result['local_api'] == {'running': False, 'status': None}
    assert result['cluster']['established'] is False and result['node'] == {'registered': None, 'ready': None}


def test_state_reads_files_and_parses_the_cluster_configuration(tmp_path):
    kdir = tmp_path / 'k'
    (kdir / 'manifests').mkdir(parents=True)
    (kdir / 'manifests' / 'kube-apiserver.yaml').write_text('x')
    (tmp_path / 'etcd' / 'member').mkdir(parents=True)
    lib.write(kdir / 'admin.conf', b'apiVersion: v1\nclusters:\n- cluster:\n    server: https://127.0.0.1:1\n  name: k\n'
              b'contexts:\n- context: {cluster: k, user: u}\n  name: c\ncurrent-context: c\nusers:\n- name: u\n  user: {}\n')
    result, rc = lib.run_module(kubeadm_state, {'node_name': 'n1', 'kubernetes_dir': str(kdir),
                                                'etcd_data_dir': str(tmp_path / 'etcd'), 'api_port': 1, 'timeout': 1})
    assert rc == 0 and result['files']['admin_conf'] and result['files']['etcd_data']
    assert result['files']['manifests'] == ['kube-apiserver'] and result['files']['any']
    assert result['cluster']['established'] is False and result['cluster']['errors']
    parsed = kubeadm_state.parse_cluster_config({'data': {'ClusterConfiguration':
                                                          'apiVersion: x\nkubernetesVersion: v1.35.6\n'
                                                          'controlPlaneEndpoint: "192.0.2.1:16443"\nnetworking:\n  a: b\n'}})
    assert parsed == {'kubernetes_version': 'v1.35.6', 'control_plane_endpoint': '192.0.2.1:16443'}


def test_etcd_member_without_etcd_fails_clearly(tmp_path):
    result, rc = lib.run_module(etcd_member, {'name': 'cp1', 'pki_dir': str(tmp_path)})
    assert rc == 1 and 'cannot list the etcd members' in result['msg']


def test_etcd_member_query_and_remove(monkeypatch):
    members = [{'name': 'cp1', 'peer_urls': ['https://10.0.0.11:2380'], 'id': '17'},
               {'name': 'cp2', 'peer_urls': ['https://10.0.0.12:2380'], 'id': '18'}]
    removed = []
    monkeypatch.setattr(etcd_member.kubeapi, 'etcd_credentials', lambda pki, endpoint: 'creds')
    monkeypatch.setattr(etcd_member.kubeapi, 'etcd_members', lambda creds: members)
    monkeypatch.setattr(etcd_member.kubeapi, 'request', lambda creds, path, method, body: removed.append(body) or (200, {}))
    result, rc = lib.run_module(etcd_member, {'state': 'query'})
    assert rc == 0 and result['changed'] is False and result['members'] == ['cp1', 'cp2']
    assert result['peer_urls'] == {'cp1': ['https://10.0.0.11:2380'], 'cp2': ['https://10.0.0.12:2380']} and removed == []
    result, rc = lib.run_module(etcd_member, {'state': 'absent'})
    assert rc == 1 and 'name' in result['msg']
    result, rc = lib.run_module(etcd_member, {'name': 'cp2', 'local_name': 'cp1'})
    assert rc == 0 and result['changed'] is True and result['members'] == ['cp1'] and removed == [{'ID': '18'}]
    assert result['removed'] == '12' and list(result['peer_urls']) == ['cp1']
    result, rc = lib.run_module(etcd_member, {'name': 'cp1', 'local_name': 'cp1'})
    assert rc == 1 and 'through itself' in result['msg']
    result, rc = lib.run_module(etcd_member, {'name': 'cp2', 'min_members': 2})
    assert rc == 1 and 'fewer than min_members=2' in result['msg']


def test_reset(fake):
    result, rc = lib.run_module(kubeadm_reset, {'kubeadm_path': fake.path, 'cri_socket': 'unix:///x.sock'})
    assert rc == 0 and result['changed'] is True and fake.calls() == [['reset', '-f', '--cri-socket', 'unix:///x.sock']]
    assert SECRET_TOKEN not in result['_raw']
    result, rc = lib.run_module(kubeadm_reset, {'kubeadm_path': fake.path}, check_mode=True)
    assert rc == 0 and len(fake.calls()) == 1
    result, rc = lib.run_module(kubeadm_reset, {'kubeadm_path': fake.path, 'cleanup_tmp_dir': True})
    expected = ['reset', '-f', '--cri-socket', 'unix:///run/containerd/containerd.sock', '--cleanup-tmp-dir']
    assert rc == 0 and fake.calls()[-1] == expected
    fake.misbehave(['reset'], stderr='error: boom', rc=1)
    result, rc = lib.run_module(kubeadm_reset, {'kubeadm_path': fake.path})
    assert rc == 1 and 'boom' in result['msg']


def test_join_reports_its_commands_and_the_last_40_lines(tmp_path, fake, monkeypatch):
    directory = tmp_path / 'etc' / 'kubernetes'
    monkeypatch.setattr(os, 'umask', os.umask)  # restored by monkeypatch whatever happens
    previous = os.umask(0)
    try:
        fake.misbehave(['join'], stdout=''.join('line %d\n' % i for i in range(50)))
        result, rc = lib.run_module(kubeadm_join, {'config_content': JOIN_CONFIG, 'kubeadm_path': fake.path,
                                                   'directory': str(directory), 'reset_first': True})
    finally:
        os.umask(previous)
    assert rc == 0, result.get('msg')
    # The directory is made for kubeadm as kubeadm makes it (0755), and the private file lives in it.
    assert oct(directory.stat().st_mode & 0o777) == '0o755'
    path = result['commands'][2][2]
    assert os.path.dirname(path) == str(directory) and fake.calls()[1] == ['config', 'validate', '--config', path]
    assert result['commands'] == [['reset', '-f', '--cri-socket', 'unix:///run/containerd/containerd.sock'],
                                  ['config', 'validate', '--config', path], ['join', '--config', path]]
    assert result['output'] == '\n'.join('line %d' % i for i in range(10, 50))


@pytest.mark.parametrize('failing, options, message', [
    ('reset', {'reset_first': True}, 'kubeadm reset failed (rc=3): boom'),
    ('config', {}, 'kubeadm config validate failed (rc=3): boom'),
    ('join', {}, 'kubeadm join failed (rc=3): boom'),
])
def test_join_failures_name_the_command_and_list_what_ran(tmp_path, fake, failing, options, message):
    fake.misbehave([failing], stderr='boom', rc=3)
    result, rc = lib.run_module(kubeadm_join, dict(options, config_content=JOIN_CONFIG, kubeadm_path=fake.path,
                                                   directory=str(tmp_path)))
    assert rc == 1 and result['msg'] == message and result['rc'] == 3
    # What ran before the failure, then the failing command (a misbehaving command is not logged).
    assert [c[0] for c in result['commands']] == [c[0] for c in fake.calls()] + [failing]


def test_join_and_reset_in_check_mode_run_nothing(fake):
    result, rc = lib.run_module(kubeadm_join, {'config_content': 'x', 'kubeadm_path': fake.path}, check_mode=True)
    assert (rc, result['changed'], result['commands'], result['output']) == (0, True, [], '')
    result, rc = lib.run_module(kubeadm_reset, {'kubeadm_path': fake.path}, check_mode=True)
    assert (rc, result['changed'], result['output']) == (0, True, '')
    assert fake.calls() == []


def test_reset_reports_the_last_40_lines_and_names_itself_when_failing(fake):
    fake.misbehave(['reset'], stdout=''.join('line %d\n' % i for i in range(45)))
    result, rc = lib.run_module(kubeadm_reset, {'kubeadm_path': fake.path})
    assert rc == 0 and result['output'] == '\n'.join('line %d' % i for i in range(5, 45))
    fake.misbehave(['reset'], stderr='boom', rc=2)
    result, rc = lib.run_module(kubeadm_reset, {'kubeadm_path': fake.path})
    assert rc == 1 and result['msg'] == 'kubeadm reset failed (rc=2): boom'


def test_join_output_is_each_command_output_in_turn(tmp_path, fake):
    fake.misbehave(['config', 'validate'], stdout='validated\n')
    result, rc = lib.run_module(kubeadm_join, {'config_content': JOIN_CONFIG, 'kubeadm_path': fake.path,
                                               'directory': str(tmp_path)})
    assert rc == 0, result.get('msg')
    # validate's output, the newline that joins outputs, then join's (one line: the units stop before its phases).
    lines = result['output'].split('\n')
    assert lines[:2] == ['validated', ''] and len(lines) == 3 and 'kubeadm join' in lines[2]


def test_init_and_join_write_their_progress_masked_and_privately(tmp_path, fake):
    config = lib.write(tmp_path / 'kubeadm.yaml', INIT_CONFIG.encode(), 0o600)
    progress = tmp_path / 'progress' / 'init.log'
    progress.parent.mkdir(mode=0o755)
    progress.write_text('a previous run\n')
    result, rc = lib.run_module(kubeadm_init, {'config': config, 'kubeadm_path': fake.path, 'reset_first': True,
                                               'progress_file': str(progress)})
    assert rc == 0, result.get('msg')
    text = progress.read_text()
    lines = text.splitlines()
    # Emptied at the start; validation is not part of it; one header per command, its exit status.
    assert lines[0] == '$ kubeadm reset' and '$ kubeadm init' in lines and 'a previous run' not in text
    assert '$ kubeadm config validate' not in text and lines.count('# exit status 0') == 2
    assert SECRET_TOKEN not in text and SECRET_KEY not in text and '<token>' in text
    assert oct(progress.stat().st_mode & 0o777) == '0o600'
    join_progress = tmp_path / 'p2' / 'join.log'
    result, rc = lib.run_module(kubeadm_join, {'config_content': JOIN_CONFIG, 'kubeadm_path': fake.path,
                                               'directory': str(tmp_path / 'etc'), 'progress_file': str(join_progress)})
    assert rc == 0, result.get('msg')
    assert join_progress.read_text().splitlines()[0] == '$ kubeadm join'
    assert oct(join_progress.parent.stat().st_mode & 0o777) == '0o700'


def test_background_needs_a_progress_file_and_check_mode_writes_none(tmp_path, fake):
    config = lib.write(tmp_path / 'kubeadm.yaml', INIT_CONFIG.encode(), 0o600)
    result, rc = lib.run_module(kubeadm_init, {'config': config, 'kubeadm_path': fake.path, 'background': True})
    assert rc == 1 and result['msg'] == 'background=true needs progress_file'
    result, rc = lib.run_module(kubeadm_join, {'config_content': JOIN_CONFIG, 'kubeadm_path': fake.path,
                                               'directory': str(tmp_path), 'background': True})
    assert rc == 1 and result['msg'] == 'background=true needs progress_file'
    progress = tmp_path / 'check' / 'init.log'
    result, rc = lib.run_module(kubeadm_init, {'config': config, 'kubeadm_path': fake.path, 'background': True,
                                               'progress_file': str(progress)}, check_mode=True)
    assert rc == 0 and not progress.exists()


def test_a_kubeadm_still_running_from_an_earlier_run_is_not_started_under(tmp_path, fake):
    import subprocess
    config = lib.write(tmp_path / 'kubeadm.yaml', INIT_CONFIG.encode(), 0o600)
    earlier = subprocess.Popen(['sleep', '60'], start_new_session=True)
    try:
        for module, args, what in ((kubeadm_init, {'config': config}, 'kubeadm init'),
                                   (kubeadm_join, {'config_content': JOIN_CONFIG, 'directory': str(tmp_path)},
                                    'kubeadm join')):
            progress = tmp_path / ('%s.log' % what.split()[1])
            progress.write_text('[preflight] Running pre-flight checks\n')
            (tmp_path / ('%s.log.pid' % what.split()[1])).write_text('%d\n' % earlier.pid)
            result, rc = lib.run_module(module, dict(args, kubeadm_path=fake.path, progress_file=str(progress)))
            assert rc == 1 and result['msg'].startswith('%s started by an earlier run is still running on this host '
                                                        '(process group %d' % (what, earlier.pid))
            assert fake.calls() == [] and progress.read_text() == '[preflight] Running pre-flight checks\n'
    finally:
        earlier.kill()
        earlier.wait()
