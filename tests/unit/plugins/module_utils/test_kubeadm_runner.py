# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kubeadm command runner and its parsers."""

from __future__ import annotations

import datetime
import os

import pytest

import kubeadm_testlib as lib
from ansible_collections.seed.kubeadm.plugins.module_utils import kubeadm as kubeadm_utils

UTC = datetime.timezone.utc


class FakeModule(object):
    """Just what the runner uses of AnsibleModule."""

    def __init__(self, bin_path=None):
        self.bin_path = bin_path
        self.failed = None
        self.no_log_values = set()
        self.argument_spec = {'token': {'no_log': True}, 'other': {}}
        self.params = {'token': 'abcdef.0123456789abcdef', 'other': 'x'}
        self.exited = None

    def get_bin_path(self, name, opt_dirs=None):
        return self.bin_path

    def fail_json(self, **kwargs):
        self.failed = kwargs
        raise SystemExit(1)

    def exit_json(self, **kwargs):
        self.exited = kwargs
        raise SystemExit(0)

    def run_command(self, args, environ_update=None):
        import subprocess
        env = dict(os.environ)
        env.update(environ_update or {})
        proc = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
        return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize('text, seconds', [
    ('0', 0), ('0s', 0), ('15m', 900), ('2h', 7200), ('24h', 86400), ('1h30m', 5400),
    ('24h0m0s', 86400), ('90s', 90), ('1.5h', 5400), ('3600', 3600), (' 10m ', 600), ('500ms', 0),
])
def test_parse_duration(text, seconds):
    assert kubeadm_utils.parse_duration(text) == seconds


@pytest.mark.parametrize('text', ['', '  ', 'abc', '10x', '1d', 'h', '-5m', '5m!'])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        kubeadm_utils.parse_duration(text)


@pytest.mark.parametrize('seconds, text', [(0, '0s'), (59, '59s'), (900, '15m'), (7200, '2h'), (5430, '1h30m30s')])
def test_format_duration(seconds, text):
    assert kubeadm_utils.format_duration(seconds) == text
    assert kubeadm_utils.parse_duration(text) == seconds


def test_parse_json_stream_concatenated_objects():
    text = ('{\n    "kind": "BootstrapToken",\n    "token": "aaaaaa.0123456789abcdef"\n}\n'
            '{\n    "kind": "BootstrapToken",\n    "token": "bbbbbb.0123456789abcdef"\n}\n')
    tokens = kubeadm_utils.parse_json_stream(text)
    assert [t['token'][:6] for t in tokens] == ['aaaaaa', 'bbbbbb']


def test_parse_json_stream_arrays_lists_and_noise():
    text = ('W0101 warning line from klog\n'
            '[{"a": 1}, {"a": 2}]'
            '{"kind": "List", "items": [{"a": 3}]}\n'
            '{"kind": "List"}\n'
            '{"a": 4}   \n\n')
    assert kubeadm_utils.parse_json_stream(text) == [{'a': 1}, {'a': 2}, {'a': 3}, {'a': 4}]
    assert kubeadm_utils.parse_json_stream('') == []
    assert kubeadm_utils.parse_json_stream('only a warning') == []
    with pytest.raises(ValueError):
        kubeadm_utils.parse_json_stream('{"a": ')


@pytest.mark.parametrize('text, expected', [
    ('2024-03-05T19:51:22Z', datetime.datetime(2024, 3, 5, 19, 51, 22, tzinfo=UTC)),
    ('2024-03-05T19:51:22.123Z', datetime.datetime(2024, 3, 5, 19, 51, 22, tzinfo=UTC)),
    ('2024-03-05T21:51:22+02:00', datetime.datetime(2024, 3, 5, 19, 51, 22, tzinfo=UTC)),
    ('2024-03-05T14:21:22-0530', datetime.datetime(2024, 3, 5, 19, 51, 22, tzinfo=UTC)),
])
def test_parse_time(text, expected):
    assert kubeadm_utils.parse_time(text) == expected


def test_parse_time_rejects():
    with pytest.raises(ValueError):
        kubeadm_utils.parse_time('yesterday')


@pytest.fixture
def fake(tmp_path, kubeadm_double):
    return kubeadm_double(lib.KubeTree(tmp_path / 'root' / 'etc' / 'kubernetes', ca_key_kind='ec'))


def test_find_kubeadm_explicit_path(tmp_path, fake):
    module = FakeModule()
    assert kubeadm_utils.find_kubeadm(module, fake.path) == fake.path
    with pytest.raises(SystemExit):
        kubeadm_utils.find_kubeadm(module, str(tmp_path / 'nope'))
    assert 'kubeadm_path=%s' % (tmp_path / 'nope') in module.failed['msg']
    not_exec = lib.write(tmp_path / 'plain', b'#!/bin/sh\n')
    with pytest.raises(SystemExit):
        kubeadm_utils.find_kubeadm(module, not_exec)
    assert 'not an executable file' in module.failed['msg']


def test_find_kubeadm_on_path_or_missing():
    assert kubeadm_utils.find_kubeadm(FakeModule('/x/kubeadm')) == '/x/kubeadm'
    module = FakeModule(None)
    with pytest.raises(SystemExit):
        kubeadm_utils.find_kubeadm(module)
    assert 'kubeadm was not found on PATH' in module.failed['msg']
    assert 'kubeadm_path' in module.failed['msg']


def test_run_success_and_failure(fake):
    module = FakeModule()
    runner = kubeadm_utils.Kubeadm(module, fake.path)
    conf = fake.tree.admin_conf
    assert runner.run(['token', 'list', '-o', 'json', '--kubeconfig', conf]) == ''
    fake.stop()
    with pytest.raises(kubeadm_utils.KubeadmError) as info:
        runner.run(['token', 'list', '-o', 'json', '--kubeconfig', conf])
    err = info.value
    assert err.rc == 1
    # kubeadm >= 1.34 prefixes its error with "error: "; the message keeps kubeadm's first line.
    assert str(err).startswith('kubeadm token list failed (rc=1): ')
    assert 'failed to list bootstrap tokens' in str(err) and 'connection refused' in str(err).lower()
    assert 'stack trace' not in err.msg
    assert 'stack trace' in err.stderr
    kwargs = err.fail_kwargs()
    assert kwargs['rc'] == 1 and kwargs['msg'] == err.msg
    with pytest.raises(kubeadm_utils.KubeadmError, match='^custom name failed'):
        runner.run(['token', 'list'], what='custom name')


def test_run_failure_without_output(tmp_path):
    script = lib.write(tmp_path / 'kubeadm', b'#!/bin/sh\nexit 3\n', 0o755)
    runner = kubeadm_utils.Kubeadm(FakeModule(), script)
    with pytest.raises(kubeadm_utils.KubeadmError, match=r'kubeadm certs renew apiserver failed \(rc=3\): no output'):
        runner.run(['certs', 'renew', 'apiserver', '--cert-dir', '/x'])


def test_exit_with_secrets_masks_invocation_only():
    module = FakeModule()
    module.no_log_values.update(['abcdef.0123456789abcdef', 'other-secret'])
    with pytest.raises(SystemExit):
        kubeadm_utils.exit_with_secrets(module, ['abcdef.0123456789abcdef', None], token='abcdef.0123456789abcdef')
    assert module.no_log_values == {'other-secret'}
    assert module.exited['token'] == 'abcdef.0123456789abcdef'
    assert module.exited['invocation']['module_args'] == {
        'token': kubeadm_utils.NO_LOG_PLACEHOLDER, 'other': 'x'}


INIT = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration:\n  name: cp1\n'
CLUSTER = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.35.6\n'
KUBELET = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n'


@pytest.mark.parametrize('text, expected', [
    # added at the end of its document, the other documents untouched
    (CLUSTER + '---\n' + INIT + '---\n' + KUBELET,
     CLUSTER + '---\n' + INIT + 'certificateKey: "k2"\n---\n' + KUBELET),
    # replaced where it stands (a nested key of the same name is not the document's)
    ('apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\ncertificateKey: "old"\nx:\n  certificateKey: y\n',
     'apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\ncertificateKey: "k2"\nx:\n  certificateKey: y\n'),
    # no InitConfiguration: a new document with the apiVersion of the first kubeadm document
    (KUBELET + '---\n' + CLUSTER + '\n\n',
     KUBELET + '---\n' + CLUSTER + '---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\ncertificateKey: "k2"\n'),
    ('apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n',
     'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n'
     '---\napiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\ncertificateKey: "k2"\n'),
    # a quoted kind, a comment before a block-style document
    ('# managed\napiVersion: "kubeadm.k8s.io/v1beta4"\nkind: "InitConfiguration"\n',
     '# managed\napiVersion: "kubeadm.k8s.io/v1beta4"\nkind: "InitConfiguration"\ncertificateKey: "k2"\n'),
])
def test_with_document_field_sets_the_field_of_its_document(text, expected):
    assert kubeadm_utils.with_document_field(text, 'InitConfiguration', 'certificateKey', 'k2') == expected


@pytest.mark.parametrize('text, message', [
    ('{\napiVersion: kubeadm.k8s.io/v1beta4,\nkind: InitConfiguration\n}\n', 'the InitConfiguration document is not block-style YAML'),
    (KUBELET, 'no kubeadm.k8s.io document in the configuration'),
    ('apiVersion: v1\nkind: ConfigMap\n', 'no kubeadm.k8s.io document in the configuration'),
])
def test_with_document_field_refusals(text, message):
    with pytest.raises(ValueError) as err:
        kubeadm_utils.with_document_field(text, 'InitConfiguration', 'certificateKey', 'k2')
    assert str(err.value) == message


def test_redact_masks_tokens_and_keys_and_keeps_the_last_lines():
    key = 'a' * 64
    text = 'one\ntoken abcdef.0123456789abcdef\nkey %s\nhash sha256:%s\n' % (key, 'b' * 64)
    assert kubeadm_utils.redact(text) == 'one\ntoken <token>\nkey <certificate-key>\nhash sha256:%s\n' % ('b' * 64)
    assert kubeadm_utils.redact(text, 2) == 'key <certificate-key>\nhash sha256:%s' % ('b' * 64)
    assert kubeadm_utils.redact(None) == ''


def test_fail_masked_reports_the_last_40_lines_of_both_streams():
    module = FakeModule()
    error = kubeadm_utils.KubeadmError('kubeadm join failed (rc=1): abcdef.0123456789abcdef', rc=1,
                                       stdout='\n'.join('out %d' % i for i in range(30)),
                                       stderr='\n'.join('err %d' % i for i in range(30)))
    with pytest.raises(SystemExit):
        kubeadm_utils.fail_masked(module, error, commands=['x'])
    output = module.failed['output'].splitlines()
    assert module.failed['msg'] == 'kubeadm join failed (rc=1): <token>' and module.failed['rc'] == 1
    assert len(output) == 40 and output[0] == 'out 20' and output[-1] == 'err 29' and module.failed['commands'] == ['x']
    error = kubeadm_utils.KubeadmError('x', rc=2, stdout=None, stderr='only err')
    with pytest.raises(SystemExit):
        kubeadm_utils.fail_masked(FakeModule(), error)


def test_config_file_is_private_hidden_and_removed(tmp_path):
    with kubeadm_utils.ConfigFile('secret: 1\n', str(tmp_path)) as path:
        name = os.path.basename(path)
        assert os.path.dirname(path) == str(tmp_path) and name.startswith('.seed-kubeadm-') and name.endswith('.yaml')
        assert oct(os.stat(path).st_mode & 0o777) == oct(0o600) and open(path).read() == 'secret: 1\n'
        os.unlink(path)  # kubeadm (or someone) removed it already: leaving the block is still fine
    assert os.listdir(str(tmp_path)) == []
    holder = kubeadm_utils.ConfigFile('x', str(tmp_path / 'missing'))
    assert holder.directory is None
    assert holder.__exit__(None, None, None) is False


def test_failure_output_is_stdout_then_stderr_line_by_line():
    module = FakeModule()
    error = kubeadm_utils.KubeadmError('x', rc=1, stdout='a\nb', stderr='c\n')
    with pytest.raises(SystemExit):
        kubeadm_utils.fail_masked(module, error)
    assert module.failed['output'] == 'a\nb\nc'
    assert kubeadm_utils.KubeadmError('m', 2, 'o', 'e').fail_kwargs() == {'msg': 'm', 'rc': 2, 'stdout': 'o', 'stderr': 'e'}
    assert kubeadm_utils.KubeadmError('m').fail_kwargs() == {'msg': 'm', 'rc': None, 'stdout': '', 'stderr': ''}


def test_parse_time_names_what_is_no_time():
    with pytest.raises(ValueError) as err:
        kubeadm_utils.parse_time('yesterday')
    assert str(err.value) == "'yesterday' is not an RFC 3339 time"


def write_script(path, body):
    path.write_text('#!/bin/sh\n' + body)
    path.chmod(0o755)
    return str(path)


def test_run_with_progress_streams_both_streams_masked_into_a_private_file(tmp_path):
    script = write_script(tmp_path / 'kubeadm', (
        'echo "[init] Using Kubernetes version: v1.35.6"\n'
        'echo "W1204 klog warning" >&2\n'
        'echo "[bootstrap-token] Using token: abcdef.0123456789abcdef"\n'
        'echo "[upload-certs] Using certificate key:"\n'
        'echo "%s"\n' % ('ab' * 32)))
    progress = tmp_path / 'state' / 'progress' / 'init.log'
    runner = kubeadm_utils.Kubeadm(FakeModule(), script)
    out = runner.run(['init', '--config', '/x'], progress=str(progress))
    assert 'abcdef.0123456789abcdef' in out  # the module's own copy; masked by redact() before it returns
    text = progress.read_text()
    lines = text.splitlines()
    assert lines[0] == '$ kubeadm init'
    assert lines[-1] == '# exit status 0'
    assert '[bootstrap-token] Using token: <token>' in lines and '<certificate-key>' in lines
    assert 'W1204 klog warning' in lines
    assert 'abcdef.0123456789abcdef' not in text and 'ab' * 32 not in text
    assert oct(progress.stat().st_mode & 0o777) == '0o600'
    assert oct(progress.parent.stat().st_mode & 0o777) == '0o700'
    # Appends per command; a module empties it once when it starts.
    runner.run(['version'], progress=str(progress))
    assert progress.read_text().startswith(text) and progress.read_text().count('# exit status 0') == 2
    kubeadm_utils.open_progress(str(progress), truncate=True).close()
    assert progress.read_text() == ''


def test_run_with_progress_failure_keeps_kubeadms_error(tmp_path):
    script = write_script(tmp_path / 'kubeadm', (
        'echo "[preflight] Running pre-flight checks"\n'
        'echo "error execution phase preflight: [preflight] Some fatal errors occurred:" >&2\n'
        'echo "To see the stack trace of this error execute with --v=5 or higher" >&2\n'
        'exit 1\n'))
    progress = tmp_path / 'join.log'
    with pytest.raises(kubeadm_utils.KubeadmError) as err:
        kubeadm_utils.Kubeadm(FakeModule(), script).run(['join', '--config', '/x'], progress=str(progress))
    assert err.value.msg == ('kubeadm join failed (rc=1): error execution phase preflight: [preflight] Some fatal '
                             'errors occurred:')
    assert err.value.stdout == '[preflight] Running pre-flight checks\n'
    assert progress.read_text().splitlines()[-1] == '# exit status 1'


DETACHED = r'''
import json, os, sys, time
from ansible_collections.seed.kubeadm.plugins.module_utils import kubeadm as k


class Module(object):
    def _record_module_result(self, result):
        print(json.dumps(result))

    def exit_json(self, **kwargs):
        self._record_module_result(kwargs)
        sys.exit(0)


module = Module()
k.detach(module, sys.argv[1])
# From here on: the detached process.
marker = sys.argv[1] + '.marker'
try:
    open(sys.argv[1] + '.ready', 'w').close()
    time.sleep(float(sys.argv[2]))
    module.exit_json(changed=True, output='joined', pgid=os.getpgid(0), sid=os.getsid(0))
finally:
    with open(marker, 'w') as handle:
        handle.write('cleaned up')
'''


def start_detached(tmp_path, seconds):
    import subprocess
    import sys
    import time
    script = tmp_path / 'detached.py'
    script.write_text(DETACHED)
    progress = str(tmp_path / 'join.log')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    began = time.monotonic()
    proc = subprocess.run([sys.executable, str(script), progress, str(seconds)], capture_output=True, text=True,
                          env=env, timeout=30, check=False)
    return proc, progress, time.monotonic() - began


def wait_for(path, seconds=20):
    import time
    deadline = time.monotonic() + seconds
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    return os.path.exists(path)


def wait_gone(path, seconds=20):
    import time
    deadline = time.monotonic() + seconds
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not os.path.exists(path)


def test_detach_returns_at_once_and_the_result_lands_in_the_private_file(tmp_path):
    import json
    proc, progress, took = start_detached(tmp_path, 1.5)
    started = json.loads(proc.stdout)
    assert proc.returncode == 0 and started['started'] is True and started['changed'] is True
    assert started['result_file'] == progress + '.result' == kubeadm_utils.result_path(progress)
    assert took < 1.5, 'the caller waited for the detached process'
    assert not os.path.exists(progress + '.result')
    # While it runs, the next run finds it (and refuses to start kubeadm under it).
    assert kubeadm_utils.running_group(progress) == started['pid']
    assert oct(os.stat(progress + '.pid').st_mode & 0o777) == '0o600'
    module = FakeModule()
    with pytest.raises(SystemExit):
        kubeadm_utils.refuse_if_running(module, progress, 'kubeadm join')
    assert module.failed['msg'] == (
        'kubeadm join started by an earlier run is still running on this host (process group %d, its output in %s); '
        'wait for it to end, or stop it with kill -s TERM -- -%d, then run again' % (started['pid'], progress, started['pid']))
    assert wait_for(progress + '.result')
    result = json.loads(open(progress + '.result').read())
    assert result['output'] == 'joined' and result['changed'] is True
    # Its own session and process group, the one reported (the action stops it there).
    assert result['sid'] == result['pgid'] == started['pid']
    assert oct(os.stat(progress + '.result').st_mode & 0o777) == '0o600'
    assert not os.path.exists(progress + '.result.tmp')
    assert wait_gone(progress + '.pid') and kubeadm_utils.running_group(progress) is None
    kubeadm_utils.refuse_if_running(FakeModule(), progress, 'kubeadm join')  # nothing running: no failure


def test_running_group_ignores_stale_or_broken_markers(tmp_path):
    progress = str(tmp_path / 'init.log')
    assert kubeadm_utils.running_group(progress) is None
    (tmp_path / 'init.log.pid').write_text('not a number\n')
    assert kubeadm_utils.running_group(progress) is None
    (tmp_path / 'init.log.pid').write_text('%d\n' % (2 ** 22 + 12345))  # above pid_max: no such group
    assert kubeadm_utils.running_group(progress) is None


def test_detached_run_stopped_by_sigterm_cleans_up_and_leaves_no_result(tmp_path):
    import json
    import signal
    (tmp_path / 'join.log.result').write_text('{"stale": true}')
    proc, progress, took = start_detached(tmp_path, 60)
    started = json.loads(proc.stdout)
    assert not os.path.exists(progress + '.result'), 'a stale result was left for the action to read'
    assert wait_for(progress + '.ready'), 'the detached process did not start its work'
    os.killpg(started['pid'], signal.SIGTERM)
    assert wait_for(progress + '.marker')
    assert open(progress + '.marker').read() == 'cleaned up'
    assert wait_gone(progress + '.pid')
    assert not os.path.exists(progress + '.result')


def test_a_sigterm_sent_at_once_waits_for_the_handler_and_leaves_no_files(tmp_path):
    import json
    import signal
    proc, progress, took = start_detached(tmp_path, 60)
    started = json.loads(proc.stdout)
    os.killpg(started['pid'], signal.SIGTERM)  # before the detached process has set anything up
    assert wait_gone(progress + '.pid')
    assert not os.path.exists(progress + '.result') and not os.path.exists(progress + '.result.tmp')
