# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a long wait shows: kubeadm's last phase, a line per change, the timeout message."""

from __future__ import annotations

from ansible_collections.seed.kubeadm.plugins.plugin_utils.progress import Progress, last_phase, phase_changes, tail

# kubeadm init's output as upstream prints it (cmd/kubeadm/app/cmd/phases/init), with a klog line.
INIT_OUTPUT = """$ kubeadm init
[init] Using Kubernetes version: v1.35.6
[preflight] Running pre-flight checks
[preflight] Pulling images required for setting up a Kubernetes cluster
W1204 03:10:00.000000    1234 checks.go:846] detected that the sandbox image is not the one kubeadm expects

[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"
[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s
"""


def test_last_phase_is_the_last_bracketed_line():
    assert last_phase(INIT_OUTPUT) == ('[kubelet-check] Waiting for a healthy kubelet at '
                                       'http://127.0.0.1:10248/healthz. This can take up to 4m0s')
    assert last_phase(INIT_OUTPUT.split('\n[wait', maxsplit=1)[0]) == (
        '[preflight] Pulling images required for setting up a Kubernetes cluster')


def test_last_phase_before_the_first_phase_and_of_nothing():
    assert last_phase('$ kubeadm join\n') == 'started kubeadm join'
    assert last_phase('$ kubeadm join\nW1204 warning only\n') == 'started kubeadm join'
    assert last_phase('') == ''
    assert last_phase(None) == ''
    # A second command starts over: its own line stands until it prints a phase.
    assert last_phase(INIT_OUTPUT + '# exit status 0\n$ kubeadm init phase addon all\n') == (
        'started kubeadm init phase addon all')
    # Not a phase: no text after the bracket, capitals, a bracket later in the line.
    assert last_phase('[preflight]\n[Preflight] x\nsee [addons] x\n') == ''


def test_phase_changes_lists_each_phase_once_in_order():
    assert phase_changes(INIT_OUTPUT) == [
        'started kubeadm init',
        '[init] Using Kubernetes version: v1.35.6',
        '[preflight] Running pre-flight checks',
        '[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory '
        '"/etc/kubernetes/manifests"',
        '[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s',
    ]
    # A phase printed again after another counts again; a new command starts over.
    text = '[certs] a\n[certs] b\n[kubeconfig] c\n[certs] d\n$ kubeadm init phase addon all\n[certs] e\n'
    assert phase_changes(text) == ['[certs] a', '[kubeconfig] c', '[certs] d', 'started kubeadm init phase addon all',
                                   '[certs] e']
    assert phase_changes('') == [] and phase_changes(None) == []


def test_tail_keeps_the_last_non_empty_lines():
    assert tail('a\n\nb\n  \nc\n', 2) == ['b', 'c']
    assert tail(None) == []
    assert len(tail(INIT_OUTPUT)) == 7
    assert tail(INIT_OUTPUT, 1) == [last_phase(INIT_OUTPUT)]


class Clock(object):
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_progress_prints_a_line_per_change_with_time_and_bound():
    clock, shown = Clock(), []
    tracker = Progress('cp1', 'kubeadm init', 900, shown.append, clock=clock)
    assert tracker.seen('started kubeadm init')
    clock.now += 12.7
    assert not tracker.seen('started kubeadm init')
    assert not tracker.seen('')
    assert not tracker.seen(None)
    assert tracker.seen('[control-plane-check] Waiting for healthy control plane components. This can take up to 4m0s ')
    check = '[control-plane-check] Waiting for healthy control plane components. This can take up to 4m0s'
    assert shown == ['[cp1] kubeadm init, 0 s (at most 900 s): started kubeadm init',
                     '[cp1] kubeadm init, 12 s (at most 900 s): ' + check]
    assert tracker.history == [{'after': 0, 'state': 'started kubeadm init'}, {'after': 12, 'state': check}]
    assert not tracker.expired()
    clock.now += 887.3
    assert tracker.expired()
    assert tracker.timeout_message() == 'kubeadm init on cp1 did not finish within 900 s; last seen: ' + check


def test_progress_timeout_before_anything_was_seen():
    clock = Clock()
    tracker = Progress('w1', 'rollout', 5, [].append, clock=clock)
    clock.now += 4.99
    assert not tracker.expired()
    clock.now += 0.01
    assert tracker.expired()
    assert tracker.timeout_message() == 'rollout on w1 did not finish within 5 s; last seen: nothing yet'


def test_wait_options():
    from ansible_collections.seed.kubeadm.plugins.plugin_utils.progress import wait_options
    assert wait_options({}) == (0, 3.0)
    assert wait_options({'timeout': '900', 'poll_interval': '0.5'}) == (900, 0.5)
    assert wait_options({'timeout': None, 'poll_interval': None}) == (0, 3.0)
    for bad in ({'timeout': 'soon'}, {'poll_interval': 'x'}, {'timeout': [1]}):
        try:
            wait_options(bad)
        except ValueError as exc:
            assert str(exc) == 'timeout must be an integer and poll_interval a number of seconds'
        else:
            raise AssertionError(bad)
    try:
        wait_options({'poll_interval': -1})
    except ValueError as exc:
        assert str(exc) == 'poll_interval must be above 0 seconds'
    else:
        raise AssertionError('negative interval accepted')
