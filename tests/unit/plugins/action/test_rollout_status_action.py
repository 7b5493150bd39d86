# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of seed.kubeadm.rollout_status: when it asks the module once and when it asks again,
what it passes to the module, and the whole result it hands back (with the states it saw).

The node is a stand-in (the module's answers are scripted, each call recorded); time is a fake
clock that the action's sleeps advance, so a ten-minute wait costs nothing."""

from __future__ import annotations

from unittest import mock

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.template import Templar

from ansible_collections.seed.kubeadm.plugins.action import rollout_status

FLANNEL = {'kind': 'DaemonSet', 'metadata': {'name': 'kube-flannel-ds', 'namespace': 'kube-flannel'},
           'spec': {'template': {'spec': {'containers': [{'name': 'kube-flannel', 'image': 'flannel:v0.27.0'}]}}}}
CONFIGMAP = {'kind': 'ConfigMap', 'metadata': {'name': 'kube-flannel-cfg', 'namespace': 'kube-flannel'},
             'data': {'net-conf.json': '{"Network": "10.244.0.0/16"}'}}
FLANNEL_REF = {'kind': 'DaemonSet', 'namespace': 'kube-flannel', 'name': 'kube-flannel-ds'}
WAITING = ('0 of 1 rolled out; DaemonSet kube-flannel/kube-flannel-ds: Waiting for daemon set "kube-flannel-ds" '
           'rollout to finish: 3 of 4 updated pods are available...')
DONE = '1 of 1 rolled out'


class Clock(object):
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Node(object):
    """The module on the node: each call recorded with its arguments and task variables."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def execute_module(self, module_args=None, task_vars=None, **kwargs):
        self.calls.append((module_args, task_vars, kwargs))
        return dict(self.answers.pop(0))


def make(args, node, check_mode=False, clock=None):
    loader = DataLoader()
    task = mock.MagicMock(args=args, async_val=0, check_mode=check_mode, action='seed.kubeadm.rollout_status')
    plugin = rollout_status.ActionModule(task=task, connection=mock.MagicMock(), play_context=PlayContext(),
                                         loader=loader, templar=Templar(loader=loader, variables={}),
                                         shared_loader_obj=None)
    plugin.clock = clock or Clock()
    plugin.sleep = plugin.clock.sleep
    plugin._execute_module = node.execute_module
    return plugin


TASK_VARS = {'inventory_hostname': 'cp1', 'ansible_host': '10.0.0.11'}


def run(args, answers, check_mode=False, shown=None):
    node = Node(answers)
    plugin = make(args, node, check_mode=check_mode)
    if shown is not None:
        plugin._show = shown.append
    return plugin.run(task_vars=TASK_VARS), node, plugin.clock


@pytest.mark.parametrize('args, check_mode', [({}, False), ({'timeout': 0}, False), ({'timeout': -5}, False),
                                              ({'timeout': 600}, True)])
def test_without_a_timeout_or_in_check_mode_the_module_is_asked_once(args, check_mode):
    """timeout 0 (the default) reports the state once: the module's answer as it is, no progress
    lines, no sleeping; check mode does the same whatever the timeout."""
    shown = []
    answer = {'changed': False, 'done': False, 'state': WAITING, 'workloads': []}
    args = dict(args, resources=[CONFIGMAP, FLANNEL], kubeconfig='/etc/kubernetes/super-admin.conf')
    result, node, clock = run(args, [answer], check_mode=check_mode, shown=shown)
    assert result == answer
    # Only the references travel; the other options reach the module as they were given.
    sent = dict(args, resources=[FLANNEL_REF])
    assert node.calls == [(sent, TASK_VARS, {})]
    assert shown == [] and clock.sleeps == []


def test_a_timeout_of_one_second_is_a_wait():
    """timeout 1 is already a wait: the module is asked again until the rollout is done."""
    shown = []
    answers = [{'done': False, 'state': WAITING}, {'done': True, 'state': DONE}]
    result, node, clock = run({'resources': [FLANNEL], 'timeout': 1, 'poll_interval': 0.5}, answers, shown=shown)
    assert result == {'done': True, 'state': DONE,
                      'progress': [{'after': 0, 'state': WAITING}, {'after': 0, 'state': DONE}]}
    assert len(node.calls) == 2 and clock.sleeps == [0.5]
    assert shown == ['[cp1] rollout, 0 s (at most 1 s): ' + WAITING, '[cp1] rollout, 0 s (at most 1 s): ' + DONE]


def test_a_wait_hands_back_the_last_answer_with_the_states_seen():
    """Every look passes the same references and task variables; the result is the module's last
    answer plus the states seen, each with the seconds since the start."""
    answers = [{'changed': False, 'done': False, 'state': WAITING}] * 3 + [
        {'changed': False, 'done': True, 'state': DONE, 'workloads': [dict(FLANNEL_REF, done=True)]}]
    result, node, clock = run({'resources': [FLANNEL, CONFIGMAP], 'timeout': 600, 'poll_interval': 4}, answers)
    assert result == {'changed': False, 'done': True, 'state': DONE, 'workloads': [dict(FLANNEL_REF, done=True)],
                      'progress': [{'after': 0, 'state': WAITING}, {'after': 12, 'state': DONE}]}
    sent = {'resources': [FLANNEL_REF], 'timeout': 600, 'poll_interval': 4}
    assert node.calls == [(sent, TASK_VARS, {})] * 4
    assert clock.sleeps == [4.0] * 3


def test_a_failure_of_the_module_ends_the_wait_with_the_states_seen():
    """An OnDelete DaemonSet or a progress deadline: the module fails, the wait stops there."""
    failed = {'failed': True, 'done': False, 'state': DONE,
              'msg': 'DaemonSet kube-flannel/kube-flannel-ds: rollout status is only available for RollingUpdate '
                     'strategy type'}
    result, node, clock = run({'resources': [FLANNEL], 'timeout': 60},
                              [{'done': False, 'state': WAITING}, failed])
    assert result == dict(failed, progress=[{'after': 0, 'state': WAITING}, {'after': 3, 'state': DONE}])
    assert len(node.calls) == 2 and clock.sleeps == [3.0]


def test_the_timeout_fails_with_the_last_state_and_the_states_seen():
    """After timeout seconds the task fails with the module's last answer, a message naming the host,
    the bound and the last state, and every state seen."""
    unreachable = 'API server did not answer: GET /apis/apps/v1/namespaces/kube-flannel/daemonsets/kube-flannel-ds: ' \
                  'HTTP 503 no healthy upstream'
    answers = [{'done': False, 'state': WAITING, 'workloads': []}] * 2 + [
        {'done': False, 'state': unreachable, 'workloads': [], 'api_unreachable': True}] * 3
    result, node, clock = run({'resources': [FLANNEL], 'timeout': 10, 'poll_interval': 2.5}, answers)
    assert result == {'done': False, 'state': unreachable, 'workloads': [], 'api_unreachable': True, 'failed': True,
                      'msg': 'rollout on cp1 did not finish within 10 s; last seen: ' + unreachable,
                      'progress': [{'after': 0, 'state': WAITING}, {'after': 5, 'state': unreachable}]}
    assert len(node.calls) == 5 and clock.sleeps == [2.5] * 4


def test_progress_lines_go_to_the_controller_display(monkeypatch):
    """Without a test's hand on _show, each line is printed through Ansible's display."""
    printed = []
    monkeypatch.setattr(rollout_status.display, 'display', lambda msg, *args, **kwargs: printed.append(msg))
    node = Node([{'done': False, 'state': WAITING}, {'done': True, 'state': DONE}])
    make({'resources': [FLANNEL], 'timeout': 30}, node).run(task_vars=TASK_VARS)
    assert printed == ['[cp1] rollout, 0 s (at most 30 s): ' + WAITING, '[cp1] rollout, 3 s (at most 30 s): ' + DONE]


def test_no_deprecation_warning_unless_tmp_is_given(monkeypatch):
    """ActionBase warns that run() no longer honors tmp: a plain task must not print that warning (the
    warning's own text belongs to ansible-core and differs between its versions)."""
    warnings = []
    monkeypatch.setattr(rollout_status.display, 'warning', lambda msg, *args, **kwargs: warnings.append(msg))
    make({'resources': [FLANNEL]}, Node([{'done': True, 'state': DONE}])).run(task_vars=TASK_VARS)
    assert warnings == []


@pytest.mark.parametrize('args, message', [
    ({'resources': [FLANNEL], 'timeout': 'soon'}, 'timeout must be an integer and poll_interval a number of seconds'),
    ({'resources': [FLANNEL], 'timeout': 60, 'poll_interval': -1}, 'poll_interval must be above 0 seconds'),
    ({'resources': {'kind': 'DaemonSet'}}, 'resources must be a list of manifests or references'),
    ({}, 'resources must be a list of manifests or references'),
])
def test_bad_options_fail_before_the_node_is_asked(args, message):
    result, node, clock = run(args, [])
    assert result == {'failed': True, 'msg': message} and node.calls == []
