# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The waits that print progress: kubeadm_init/kubeadm_join run detached and watched through the
node's progress file; rollout_status asks again until done. The node is a stand-in here (its
module answers are scripted); the same actions run against the doubles in the orchestration
scenario, whose verify step checks the lines they print."""

from __future__ import annotations

import base64
import json
from unittest import mock

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.template import Templar

from ansible_collections.seed.kubeadm.plugins.action import kubeadm_init, kubeadm_join, rollout_status


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def make(cls, args, check_mode=False, clock=None):
    loader = DataLoader()
    task = mock.MagicMock(args=args, async_val=0, check_mode=check_mode, action='x')
    plugin = cls(task=task, connection=mock.MagicMock(), play_context=PlayContext(), loader=loader,
                 templar=Templar(loader=loader, variables={}), shared_loader_obj=None)
    clock = clock or Clock()
    plugin.clock = clock
    plugin.sleep = clock.sleep
    return plugin


def slurped(text):
    data = text if isinstance(text, bytes) else text.encode()
    return {'content': base64.b64encode(data).decode(), 'encoding': 'base64'}


class Node(object):
    """Scripted answers of the node: the start, then per look the result file and progress file."""

    def __init__(self, looks, started=None, alive=True, absent=None):
        self.looks = list(looks)
        self.started = started or {'changed': True, 'started': True, 'pid': 4321}
        # slurp's answer for a file that is not there (yet); a test may script another one
        self.absent = absent or {'failed': True, 'msg': 'file not found'}
        self.calls = []
        self.task_vars = []
        self.commands = []
        self.sudoable = []
        self.alive = alive

    def execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        self.calls.append((module_name, dict(module_args or {})))
        self.task_vars.append(task_vars)
        if module_name is None:
            return dict(self.started)
        result_text, progress_text = self.looks[0]
        if module_args['src'].endswith('.result'):
            return slurped(result_text) if result_text is not None else dict(self.absent)
        self.looks.pop(0)
        return slurped(progress_text) if progress_text is not None else dict(self.absent)

    def low_level(self, cmd, sudoable=True, **kwargs):
        # sudoable defaults to True as in ActionBase._low_level_execute_command
        self.commands.append(cmd)
        self.sudoable.append(sudoable)
        rc = 0 if self.alive or not cmd.startswith('kill -s 0 ') else 1
        return {'rc': rc, 'stdout': '', 'stderr': ''}


TASK_VARS = {'inventory_hostname': 'cp1'}


def run_kubeadm(cls, args, node, shown, check_mode=False):
    plugin = make(cls, args, check_mode=check_mode)
    plugin._execute_module = node.execute_module
    plugin._low_level_execute_command = node.low_level
    plugin._show = shown.append
    return plugin.run(task_vars=dict(TASK_VARS))


FINAL = json.dumps({'changed': True, 'commands': [['init', '--config', '/etc/kubernetes/c.yaml']], 'output': 'ok',
                    'invocation': {'module_args': {}}, '_ansible_no_log': False})


def test_kubeadm_init_runs_detached_and_prints_each_phase():
    node = Node([
        (None, None),
        (None, '$ kubeadm init\n[preflight] Running pre-flight checks\n'),
        (None, '$ kubeadm init\n[preflight] Running pre-flight checks\n'),
        # kubeadm 1.33+ (WaitForAllControlPlaneComponents on by default): the control-plane-check
        (None, '$ kubeadm init\n[preflight] Running pre-flight checks\n'
               '[preflight] Pulling images required for setting up a Kubernetes cluster\n'
               '[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from '
               'directory "/etc/kubernetes/manifests"\n'
               '[control-plane-check] Waiting for healthy control plane components. This can take up to 4m0s\n'),
        (FINAL, None),
    ])
    shown = []
    result = run_kubeadm(kubeadm_init.ActionModule, {'config': '/etc/kubernetes/c.yaml', 'timeout': 900,
                                                     'poll_interval': 2}, node, shown)
    assert not result.get('failed'), result
    assert result['changed'] and result['output'] == 'ok' and '_ansible_no_log' not in result
    start = node.calls[0][1]
    assert start['background'] is True and start['progress_file'] == '/var/lib/seed-kubeadm/progress/init.log'
    assert [c[1]['src'] for c in node.calls[1:3]] == ['/var/lib/seed-kubeadm/progress/init.log.result',
                                                      '/var/lib/seed-kubeadm/progress/init.log']
    # Every phase entered since the last look, once (a phase's later lines do not repeat it).
    assert shown == [
        '[cp1] kubeadm init, 0 s (at most 900 s): started kubeadm init',
        '[cp1] kubeadm init, 2 s (at most 900 s): [preflight] Running pre-flight checks',
        '[cp1] kubeadm init, 6 s (at most 900 s): [wait-control-plane] Waiting for the kubelet to boot up the control '
        'plane as static Pods from directory "/etc/kubernetes/manifests"',
        '[cp1] kubeadm init, 6 s (at most 900 s): [control-plane-check] Waiting for healthy control plane components. '
        'This can take up to 4m0s',
        '[cp1] kubeadm init, 8 s (at most 900 s): done',
    ]
    assert [h['after'] for h in result['progress']] == [0, 2, 6, 6, 8]
    # Between two looks the action checks that the detached run's process group is still there.
    assert node.commands == ['kill -s 0 -- -4321'] * 4


def test_kubeadm_join_timeout_stops_the_run_and_names_the_last_phase():
    stuck = ('$ kubeadm join\n[preflight] Running pre-flight checks\n'
             '[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap\n'
             'W1204 token abcdef.0123456789abcdef seen\n')
    node = Node([(None, stuck)] * 20, started={'changed': True, 'started': True, 'pid': 77})
    shown = []
    result = run_kubeadm(kubeadm_join.ActionModule, {'config_content': 'x', 'timeout': 10, 'poll_interval': 3,
                                                     'progress_file': '/tmp/p/join.log'}, node, shown)
    assert result['failed'] and result['changed']
    assert result['msg'] == ('kubeadm join on cp1 did not finish within 10 s; last seen: [kubelet-start] '
                             'Waiting for the kubelet to perform the TLS Bootstrap')
    assert node.commands == ['kill -s 0 -- -77'] * 5 + ['kill -s TERM -- -77']
    assert result['last_lines'][-1] == 'W1204 token <token> seen'
    assert [line for line in shown if line.startswith('[cp1] kubeadm join, ')][-1].startswith(
        '[cp1] kubeadm join, 0 s (at most 10 s): [kubelet-start]')


def test_kubeadm_progress_lines_are_masked_again_on_the_controller():
    leaked = '$ kubeadm init\n[bootstrap-token] Using token: abcdef.0123456789abcdef\n'
    node = Node([(None, leaked), (FINAL, None)])
    shown = []
    result = run_kubeadm(kubeadm_init.ActionModule, {'timeout': 60}, node, shown)
    assert shown[1] == '[cp1] kubeadm init, 0 s (at most 60 s): [bootstrap-token] Using token: <token>'
    assert 'abcdef.0123456789abcdef' not in json.dumps(result)


def test_kubeadm_run_whose_process_is_gone_fails_at_once():
    node = Node([(None, '$ kubeadm join\n[preflight] Running pre-flight checks\n')] * 3, alive=False)
    result = run_kubeadm(kubeadm_join.ActionModule, {'timeout': 600}, node, [])
    assert result['failed'] and result['msg'] == ('kubeadm join on cp1 ended without a result (its process is gone); '
                                                  'last seen: [preflight] Running pre-flight checks')
    assert node.commands == ['kill -s 0 -- -4321']
    assert result['last_lines'] == ['$ kubeadm join', '[preflight] Running pre-flight checks']


def test_kubeadm_result_that_lands_at_the_last_moment_wins():
    # First look: no result yet and the time is up (timeout 0.5 s, the first look costs nothing);
    # the result is there when the action looks again after stopping the group.
    node = Node([(None, '$ kubeadm init\n'), (FINAL, None)])
    plugin_clock = Clock()
    plugin_clock.now = 0.0
    shown = []
    plugin = make(kubeadm_init.ActionModule, {'timeout': 1}, clock=plugin_clock)
    plugin._execute_module = node.execute_module

    def low_level(cmd, sudoable=True, **kwargs):
        plugin_clock.now += 5  # the look at the process group took long enough to pass the bound
        return node.low_level(cmd)

    plugin._low_level_execute_command = low_level
    plugin._show = shown.append
    result = plugin.run(task_vars={'inventory_hostname': 'cp1'})
    assert not result.get('failed') and result['output'] == 'ok'
    assert node.commands == ['kill -s 0 -- -4321', 'kill -s TERM -- -4321']


def test_kubeadm_failure_and_unreadable_results_are_reported():
    failed = json.dumps({'failed': True, 'msg': 'kubeadm join failed (rc=1): error execution phase preflight'})
    node = Node([(failed, None)])
    shown = []
    result = run_kubeadm(kubeadm_join.ActionModule, {'timeout': 60}, node, shown)
    assert result['failed'] and result['msg'].startswith('kubeadm join failed (rc=1)')
    assert result['progress'][-1]['state'] == 'failed'
    # The task's no_log hides the result: the reason is printed as well (no output: the message alone).
    assert shown[-1] == '[cp1] kubeadm join failed: kubeadm join failed (rc=1): error execution phase preflight'
    node = Node([('{"changed": tru', None)])
    shown = []
    result = run_kubeadm(kubeadm_join.ActionModule, {'timeout': 60}, node, shown)
    # it may have changed the node: changed, and what was seen until then
    assert result == {'failed': True, 'changed': True, 'progress': [{'after': 0, 'state': 'started kubeadm join'}],
                      'msg': 'kubeadm join on cp1 ended without a readable result in '
                             '/var/lib/seed-kubeadm/progress/join.log.result'}
    assert shown[-1] == '[cp1] kubeadm join failed: ' + result['msg']
    node = Node([], started={'failed': True, 'msg': 'kubeadm_path=/x is not an executable file'})
    shown = []
    result = run_kubeadm(kubeadm_join.ActionModule, {'timeout': 60}, node, shown)
    assert result['msg'] == 'kubeadm_path=/x is not an executable file' and len(node.calls) == 1
    assert shown == ['[cp1] kubeadm join failed: kubeadm_path=/x is not an executable file']


def test_kubeadm_failure_prints_the_reason_and_the_last_lines_masked():
    output = '\n'.join(['[preflight] line %d' % i for i in range(30)]
                       + ['', 'kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --certificate-key ' + 'ab' * 32,
                          'error execution phase control-plane-join/etcd: etcd cluster is not healthy'])
    failed = json.dumps({'failed': True, 'rc': 1, 'output': output,
                         'msg': 'couldn\'t validate the identity of the API Server: token abcdef.0123456789abcdef'})
    shown = []
    result = run_kubeadm(kubeadm_join.ActionModule, {'timeout': 60}, Node([(failed, None)]), shown)
    assert result['failed']
    tail = shown[shown.index('[cp1] kubeadm join, 0 s (at most 60 s): failed') + 1:]
    assert tail[0] == "[cp1] kubeadm join failed: couldn't validate the identity of the API Server: token <token>"
    # the last 20 lines, blank ones left out, every secret masked
    assert tail[1:] == (['[cp1]   [preflight] line %d' % i for i in range(12, 30)]
                        + ['[cp1]   kubeadm join 10.0.0.1:6443 --token <token> --certificate-key <certificate-key>',
                           '[cp1]   error execution phase control-plane-join/etcd: etcd cluster is not healthy'])
    assert 'abcdef.0123456789abcdef' not in ' '.join(shown) and 'ab' * 32 not in ' '.join(shown)
    # a timeout: the message and the lines kept in last_lines
    stuck = '$ kubeadm join\n[etcd] Announced new etcd member joining to the existing etcd cluster\n'
    shown = []
    result = run_kubeadm(kubeadm_join.ActionModule, {'timeout': 3, 'poll_interval': 2}, Node([(None, stuck)] * 5), shown)
    assert shown[-3:] == ['[cp1] kubeadm join failed: ' + result['msg'], '[cp1]   $ kubeadm join',
                          '[cp1]   [etcd] Announced new etcd member joining to the existing etcd cluster']


def test_kubeadm_success_prints_no_failure():
    shown = []
    run_kubeadm(kubeadm_init.ActionModule, {'timeout': 60}, Node([(FINAL, None)]), shown)
    assert not any(' failed' in line for line in shown)


@pytest.mark.parametrize('args, check_mode', [({'timeout': 0}, False), ({}, False), ({'timeout': 60}, True)])
def test_kubeadm_without_timeout_or_in_check_mode_runs_in_the_foreground(args, check_mode):
    """Without a timeout (or in check mode) the module runs once, with the task's own arguments and
    variables: a lost argument would run kubeadm without the user's configuration."""
    node = Node([], started={'changed': True, 'commands': [], 'output': ''})
    result = run_kubeadm(kubeadm_init.ActionModule, dict(args, config='/c'), node, [], check_mode=check_mode)
    assert result == {'changed': True, 'commands': [], 'output': ''}
    assert node.calls == [(None, dict(args, config='/c'))]
    assert node.task_vars == [TASK_VARS]


def test_kubeadm_bad_timeout():
    result = run_kubeadm(kubeadm_init.ActionModule, {'timeout': 'soon'}, Node([]), [])
    assert result['failed'] and 'timeout must be an integer' in result['msg']


def test_kubeadm_looks_at_the_node_with_the_task_vars_and_become():
    """Every look at the node runs with the task's variables and with become: the progress file is root's
    (0600), so a slurp or kill as the login user would see nothing and the task would wait out its
    timeout blind, or leave kubeadm running after it gave up. A progress_file of the task is the one
    started and read."""
    stuck = '$ kubeadm join\n[preflight] Running pre-flight checks\n'
    node = Node([(None, stuck)] * 5, started={'changed': True, 'started': True, 'pid': 77})
    args = {'config_content': 'x', 'timeout': 4, 'poll_interval': 2, 'progress_file': '/tmp/p/join.log'}
    result = run_kubeadm(kubeadm_join.ActionModule, args, node, [])
    looks = [('ansible.legacy.slurp', {'src': '/tmp/p/join.log.result'}),
             ('ansible.legacy.slurp', {'src': '/tmp/p/join.log'})]
    assert node.calls == ([(None, dict(args, background=True))] + looks * 3
                          + [('ansible.legacy.slurp', {'src': '/tmp/p/join.log.result'})])
    assert node.task_vars == [TASK_VARS] * 8
    assert node.commands == ['kill -s 0 -- -77'] * 3 + ['kill -s TERM -- -77']
    assert node.sudoable == [True] * 4
    assert result == {
        'failed': True, 'changed': True,
        'msg': 'kubeadm join on cp1 did not finish within 4 s; last seen: [preflight] Running pre-flight checks',
        'last_lines': ['$ kubeadm join', '[preflight] Running pre-flight checks'],
        'progress': [{'after': 0, 'state': 'started kubeadm join'},
                     {'after': 0, 'state': '[preflight] Running pre-flight checks'}]}


def test_kubeadm_run_gone_before_it_wrote_a_line():
    """A detached run that died before its progress file existed: the failure names the start as the last
    thing seen and shows no made-up output lines."""
    node = Node([(None, None)] * 2, alive=False)
    shown = []
    result = run_kubeadm(kubeadm_join.ActionModule, {'timeout': 600}, node, shown)
    msg = 'kubeadm join on cp1 ended without a result (its process is gone); last seen: started kubeadm join'
    assert result == {'failed': True, 'changed': True, 'msg': msg, 'last_lines': [],
                      'progress': [{'after': 0, 'state': 'started kubeadm join'}]}
    assert shown == ['[cp1] kubeadm join, 0 s (at most 600 s): started kubeadm join',
                     '[cp1] kubeadm join failed: ' + msg]


# kubeadm init (1.33+) stuck while the API server does not come up; the lines as upstream kubeadm prints them.
STUCK_IN_CONTROL_PLANE_CHECK = '\n'.join([
    '$ kubeadm init',
    '[init] Using Kubernetes version: v1.33.2',
    '[preflight] Running pre-flight checks',
    '[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory '
    '"/etc/kubernetes/manifests"',
    '[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s',
    '[kubelet-check] The kubelet is healthy after 501.437027ms',
    '[control-plane-check] Waiting for healthy control plane components. This can take up to 4m0s',
    '[control-plane-check] Checking kube-apiserver at https://192.168.0.7:6443/livez',
    '[control-plane-check] Checking kube-controller-manager at https://127.0.0.1:10257/healthz',
    '[control-plane-check] Checking kube-scheduler at https://127.0.0.1:10259/livez',
    '[control-plane-check] kube-controller-manager is healthy after 5.606949978s',
    '[control-plane-check] kube-scheduler is healthy after 6.457968013s',
]) + '\n'


def test_kubeadm_timeout_names_the_latest_line_of_the_phase():
    """The progress lines name each phase once (its first line), but a timeout names the latest line kubeadm
    printed: here that the controller manager and the scheduler came up, so the API server is the one missing."""
    node = Node([(None, STUCK_IN_CONTROL_PLANE_CHECK)] * 3)
    shown = []
    result = run_kubeadm(kubeadm_init.ActionModule, {'config': '/c', 'timeout': 2, 'poll_interval': 2}, node, shown)
    msg = ('kubeadm init on cp1 did not finish within 2 s; last seen: '
           '[control-plane-check] kube-scheduler is healthy after 6.457968013s')
    phases = ['started kubeadm init', '[init] Using Kubernetes version: v1.33.2',
              '[preflight] Running pre-flight checks',
              '[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory '
              '"/etc/kubernetes/manifests"',
              '[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. '
              'This can take up to 4m0s',
              '[control-plane-check] Waiting for healthy control plane components. This can take up to 4m0s']
    last_lines = STUCK_IN_CONTROL_PLANE_CHECK.splitlines()[-8:]
    assert result == {'failed': True, 'changed': True, 'msg': msg, 'last_lines': last_lines,
                      'progress': [{'after': 0, 'state': state} for state in phases]}
    assert shown == (['[cp1] kubeadm init, 0 s (at most 2 s): %s' % state for state in phases]
                     + ['[cp1] kubeadm init failed: ' + msg] + ['[cp1]   ' + line for line in last_lines])
    assert node.commands == ['kill -s 0 -- -4321'] * 2 + ['kill -s TERM -- -4321']


def test_kubeadm_reset_before_init_is_shown_from_its_first_line():
    """With reset_first the progress file starts with kubeadm reset: the operator sees the reset start and its
    phases, then init start over, none of them skipped (klog warnings are no phases)."""
    reset = ('$ kubeadm reset\n[preflight] Running pre-flight checks\n'
             'W0630 01:12:36.338665   63962 removeetcdmember.go:106] [reset] No kubeadm config, using etcd pod spec to '
             'get data directory\n'
             '[reset] Deleted contents of the etcd data directory: /var/lib/etcd\n'
             '[reset] Stopping the kubelet service\n'
             '[reset] Unmounting mounted directories in "/var/lib/kubelet"\n')
    init = ('# exit status 0\n$ kubeadm init\n[init] Using Kubernetes version: v1.33.2\n'
            '[preflight] Running pre-flight checks\n')
    node = Node([(None, reset), (None, reset + init), (FINAL, None)])
    shown = []
    result = run_kubeadm(kubeadm_init.ActionModule, {'config': '/c', 'reset_first': True, 'timeout': 900,
                                                     'poll_interval': 2}, node, shown)
    assert result['output'] == 'ok'
    assert shown == [
        '[cp1] kubeadm init, 0 s (at most 900 s): started kubeadm init',
        '[cp1] kubeadm init, 0 s (at most 900 s): started kubeadm reset',
        '[cp1] kubeadm init, 0 s (at most 900 s): [preflight] Running pre-flight checks',
        '[cp1] kubeadm init, 0 s (at most 900 s): [reset] Deleted contents of the etcd data directory: /var/lib/etcd',
        '[cp1] kubeadm init, 2 s (at most 900 s): started kubeadm init',
        '[cp1] kubeadm init, 2 s (at most 900 s): [init] Using Kubernetes version: v1.33.2',
        '[cp1] kubeadm init, 2 s (at most 900 s): [preflight] Running pre-flight checks',
        '[cp1] kubeadm init, 4 s (at most 900 s): done',
    ]


def test_kubeadm_look_that_catches_half_a_character_goes_on():
    """Go prints short durations with a micro sign ("healthy after 919.597µs"); a look that catches the progress
    file between its two bytes must not crash the task: the run is followed to its result."""
    caught = ('$ kubeadm join\n[preflight] Running pre-flight checks\n'
              '[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. '
              'This can take up to 4m0s\n'
              '[kubelet-check] The kubelet is healthy after 919.597µs\n').encode('utf-8')[:-3]
    assert caught.endswith(b'919.597\xc2')
    shown = []
    result = run_kubeadm(kubeadm_join.ActionModule, {'timeout': 60, 'poll_interval': 2},
                         Node([(None, caught), (FINAL, None)]), shown)
    assert result['output'] == 'ok' and not result.get('failed')
    assert shown == [
        '[cp1] kubeadm join, 0 s (at most 60 s): started kubeadm join',
        '[cp1] kubeadm join, 0 s (at most 60 s): [preflight] Running pre-flight checks',
        '[cp1] kubeadm join, 0 s (at most 60 s): [kubelet-check] Waiting for a healthy kubelet at '
        'http://127.0.0.1:10248/healthz. This can take up to 4m0s',
        '[cp1] kubeadm join, 2 s (at most 60 s): done',
    ]


def test_kubeadm_failure_without_a_message_still_says_it_failed():
    """A failed result without msg (and without output): the printed line says so rather than 'failed: None'."""
    shown = []
    result = run_kubeadm(kubeadm_join.ActionModule, {'timeout': 60}, Node([('{"failed": true, "rc": 1}', None)]), shown)
    assert result == {'failed': True, 'rc': 1,
                      'progress': [{'after': 0, 'state': 'started kubeadm join'}, {'after': 0, 'state': 'failed'}]}
    assert shown[-1] == '[cp1] kubeadm join failed: no message'


def test_kubeadm_start_that_did_not_detach_is_the_result():
    """A start that answers with a finished result (no started, no process group) is handed back as it is:
    there is nothing to watch, and no process group to look for or to stop."""
    answer = {'changed': True, 'commands': [['join', '--config', '/etc/kubernetes/x.yaml']], 'output': 'joined'}
    node = Node([], started=answer)
    shown = []
    result = run_kubeadm(kubeadm_join.ActionModule, {'timeout': 60}, node, shown)
    assert result == answer
    assert len(node.calls) == 1 and node.commands == [] and shown == []


def test_kubeadm_progress_lines_reach_the_controller_screen(capsys):
    """The progress lines go to the controller's screen through Ansible's display (stdout)."""
    node = Node([(None, '$ kubeadm init\n[preflight] Running pre-flight checks\n'), (FINAL, None)])
    plugin = make(kubeadm_init.ActionModule, {'config': '/c', 'timeout': 60})
    plugin._execute_module = node.execute_module
    plugin._low_level_execute_command = node.low_level
    result = plugin.run(task_vars=dict(TASK_VARS))
    assert result['output'] == 'ok'
    assert capsys.readouterr().out.splitlines() == [
        '[cp1] kubeadm init, 0 s (at most 60 s): started kubeadm init',
        '[cp1] kubeadm init, 0 s (at most 60 s): [preflight] Running pre-flight checks',
        '[cp1] kubeadm init, 3 s (at most 60 s): done',
    ]


def test_kubeadm_task_gives_no_ansible_warning(monkeypatch):
    """ActionBase.run warns on every task that hands it a tmp directory; the kubeadm tasks hand it none."""
    from ansible.plugins import action as action_base
    warned = []
    monkeypatch.setattr(action_base.display, 'warning', lambda msg, *args, **kwargs: warned.append(msg))
    result = run_kubeadm(kubeadm_init.ActionModule, {'config': '/c', 'timeout': 60}, Node([(FINAL, None)]), [])
    assert result['output'] == 'ok' and warned == []


def test_kubeadm_hands_a_caller_tmp_on_to_ansible(monkeypatch):
    """A caller that still hands run() a tmp directory gets Ansible's note that tmp is no longer honoured, as
    from any action: run() passes its arguments on to ActionBase.run unchanged. (ansible-core 2.19 prints the
    note, 2.16-2.18 put it in the result's warning list.)"""
    from ansible.plugins import action as action_base
    warned = []
    monkeypatch.setattr(action_base.display, 'warning', lambda msg, *args, **kwargs: warned.append(msg))
    answer = {'changed': True, 'commands': [], 'output': ''}
    plugin = make(kubeadm_init.ActionModule, {'config': '/c'})
    plugin._execute_module = Node([], started=answer).execute_module
    result = plugin.run(tmp='/tmp/ansible-tmp-1', task_vars=dict(TASK_VARS))
    notes = warned + result.pop('warning', [])
    assert [note.rstrip('.') for note in notes] == [
        'ActionModule.run() no longer honors the tmp parameter. Action plugins should set '
        'self._connection._shell.tmpdir to share the tmpdir']
    assert result == answer


STALE = json.dumps({'failed': True, 'msg': 'result of an earlier run'})


@pytest.mark.parametrize('absent', [
    dict(slurped(STALE), failed=True, msg='Permission denied'),
    {'changed': False, 'msg': 'nothing to read'},
], ids=['failed-with-content', 'no-content'])
def test_kubeadm_look_that_failed_or_read_nothing_is_no_file_yet(absent):
    """A look counts only when slurp did not fail and answered the file's content: a failed answer (whatever
    content it carries) or one without content means the file is not there yet, and the watch goes on."""
    node = Node([(None, None), (FINAL, None)], absent=absent)
    result = run_kubeadm(kubeadm_init.ActionModule, {'timeout': 60}, node, [])
    assert result == {'changed': True, 'commands': [['init', '--config', '/etc/kubernetes/c.yaml']], 'output': 'ok',
                      'invocation': {'module_args': {}},
                      'progress': [{'after': 0, 'state': 'started kubeadm init'}, {'after': 3, 'state': 'done'}]}
    assert node.commands == ['kill -s 0 -- -4321']


def test_kubeadm_start_that_failed_is_the_result_even_if_it_says_started():
    """A start answer that says failed is handed back as it is, even when it also says started: the action
    does not go on to watch (or stop) a process group of a start that failed."""
    answer = {'failed': True, 'started': True, 'pid': 4321, 'msg': 'could not write the progress file'}
    node = Node([(FINAL, None)], started=answer)
    shown = []
    result = run_kubeadm(kubeadm_join.ActionModule, {'timeout': 60}, node, shown)
    assert result == answer
    assert len(node.calls) == 1 and node.commands == []
    assert shown == ['[cp1] kubeadm join failed: could not write the progress file']


MANIFESTS = [{'kind': 'Namespace', 'metadata': {'name': 'kube-flannel'}},
             {'kind': 'DaemonSet', 'metadata': {'name': 'kube-flannel-ds', 'namespace': 'kube-flannel'},
              'spec': {'template': {'spec': {'containers': [{'image': 'x' * 1000}]}}}}]


def run_rollout(args, answers, check_mode=False):
    plugin = make(rollout_status.ActionModule, args, check_mode=check_mode)
    calls, shown = [], []

    def execute_module(module_args=None, task_vars=None, **kwargs):
        calls.append(module_args)
        return answers.pop(0)

    plugin._execute_module = execute_module
    plugin._show = shown.append
    return plugin.run(task_vars={'inventory_hostname': 'cp1'}), calls, shown


def test_rollout_asks_until_done_and_sends_only_references():
    waiting = 'Waiting for daemon set "kube-flannel-ds" rollout to finish: 3 of 4 updated pods are available...'
    answers = [{'done': False, 'state': '0 of 1 rolled out; DaemonSet kube-flannel/kube-flannel-ds: ' + waiting},
               {'done': False, 'state': '0 of 1 rolled out; DaemonSet kube-flannel/kube-flannel-ds: ' + waiting},
               {'done': True, 'state': '1 of 1 rolled out', 'workloads': []}]
    result, calls, shown = run_rollout({'resources': MANIFESTS, 'timeout': 600, 'poll_interval': 5}, answers)
    assert not result.get('failed') and result['done']
    assert calls[0]['resources'] == [{'kind': 'DaemonSet', 'namespace': 'kube-flannel', 'name': 'kube-flannel-ds'}]
    assert len(calls) == 3
    assert shown == ['[cp1] rollout, 0 s (at most 600 s): 0 of 1 rolled out; DaemonSet kube-flannel/kube-flannel-ds: '
                     + waiting, '[cp1] rollout, 10 s (at most 600 s): 1 of 1 rolled out']


def test_rollout_timeout_names_the_workload_and_pod_seen_last():
    state = ('0 of 1 rolled out; Deployment ingress-nginx/ingress-nginx-controller: Waiting for deployment '
             '"ingress-nginx-controller" rollout to finish: 0 of 2 updated replicas are available... '
             '(ingress-nginx-controller-7d-abc on w1: container controller ImagePullBackOff: Back-off pulling image)')
    result, calls, shown = run_rollout({'resources': MANIFESTS, 'timeout': 9, 'poll_interval': 3},
                                       [{'done': False, 'state': state}] * 10)
    assert result['failed'] and len(calls) == 4 and len(shown) == 1
    assert result['msg'] == 'rollout on cp1 did not finish within 9 s; last seen: ' + state


def test_rollout_failure_once_or_in_check_mode():
    failed = {'failed': True, 'msg': 'Deployment a/b: deployment "b" exceeded its progress deadline', 'done': False}
    result, calls, shown = run_rollout({'resources': MANIFESTS, 'timeout': 60}, [dict(failed)])
    assert result['failed'] and len(calls) == 1 and shown[0].endswith('exceeded its progress deadline')
    result, calls, shown = run_rollout({'resources': MANIFESTS, 'timeout': 60}, [{'done': False, 'state': 's'}],
                                       check_mode=True)
    assert result == {'done': False, 'state': 's'} and shown == []
    result, calls, shown = run_rollout({'resources': 'nope'}, [])
    assert result['failed'] and result['msg'] == 'resources must be a list of manifests or references'
    result, calls, shown = run_rollout({'resources': [], 'poll_interval': 'x'}, [])
    assert result['failed'] and 'poll_interval' in result['msg']


@pytest.mark.parametrize('shell', ['/bin/sh', '/bin/dash', '/bin/bash'])
def test_the_process_group_commands_work_in_the_node_shells(shell):
    import os
    import subprocess
    import time
    from ansible_collections.seed.kubeadm.plugins.plugin_utils import kubeadm_action
    if not os.path.exists(shell):
        pytest.skip('%s is not installed here' % shell)
    group = subprocess.Popen(['sleep', '60'], start_new_session=True)
    try:
        alive = subprocess.run([shell, '-c', kubeadm_action.ALIVE_COMMAND % group.pid], capture_output=True, check=False)
        assert alive.returncode == 0, alive.stderr
        stop = subprocess.run([shell, '-c', kubeadm_action.STOP_COMMAND % group.pid], capture_output=True, check=False)
        assert stop.returncode == 0, stop.stderr
        group.wait(timeout=10)
        time.sleep(0.1)
        gone = subprocess.run([shell, '-c', kubeadm_action.ALIVE_COMMAND % group.pid], capture_output=True, check=False)
        assert gone.returncode != 0
    finally:
        if group.poll() is None:
            group.kill()
