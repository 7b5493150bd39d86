# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress of a long wait, as the controller shows it: one line each time what is seen changes,
with the time spent and the upper bound, and on timeout a message naming what was seen last.

Used by the actions that wait for kubeadm (seed.kubeadm.kubeadm_init, seed.kubeadm.kubeadm_join)
and for rollouts (seed.kubeadm.rollout_status).
"""

from __future__ import annotations

import re
import time

# kubeadm starts each line of its progress with the phase in brackets: "[wait-control-plane] ...".
_PHASE_LINE = re.compile(r'^\[[a-z0-9-]+\] \S')
_COMMAND_LINE = re.compile(r'^\$ (\S.*)$')


def last_phase(text):
    """The last kubeadm phase line of a progress file's ``text`` ("" when there is none yet).

    Before kubeadm prints its first phase, the command line the module wrote (``$ kubeadm
    init``) stands for it; klog warnings and blank lines never replace a phase.
    """
    state = ''
    for line in (text or '').splitlines():
        line = line.rstrip()
        command = _COMMAND_LINE.match(line)
        if command:
            state = 'started %s' % command.group(1)
        elif _PHASE_LINE.match(line):
            state = line
    return state


def phase_changes(text):
    """Each line of a progress file's ``text`` where kubeadm enters another phase, in order.

    A phase prints several lines (``[certs] Generating ...`` for every certificate); only its
    first counts. A command line the module wrote (``$ kubeadm join``) counts as ``started
    kubeadm join`` and starts the phases over.
    """
    states = []
    label = None
    for line in (text or '').splitlines():
        line = line.rstrip()
        command = _COMMAND_LINE.match(line)
        if command:
            states.append('started %s' % command.group(1))
            label = None
        elif _PHASE_LINE.match(line):
            current = line[1:line.index(']')]
            if current != label:
                states.append(line)
                label = current
    return states


def wait_options(args):
    """(timeout, poll_interval) of a waiting task's arguments; ValueError naming both when bad."""
    try:
        timeout = int(args.get('timeout') or 0)
        interval = float(args.get('poll_interval') or 3)
    except (TypeError, ValueError):
        raise ValueError('timeout must be an integer and poll_interval a number of seconds')
    if interval <= 0:
        raise ValueError('poll_interval must be above 0 seconds')
    return timeout, interval


def tail(text, lines=8):
    """The last ``lines`` non-empty lines of ``text``."""
    kept = [line.rstrip() for line in (text or '').splitlines() if line.strip()]
    return kept[-lines:]


class Progress(object):
    """What a wait has seen so far, printed through ``show`` (a function taking one line)."""

    def __init__(self, host, what, timeout, show, clock=time.monotonic):
        self.host = host
        self.what = what
        self.timeout = float(timeout)
        self.show = show
        self.clock = clock
        self.start = clock()
        self.last = ''
        self.history = []

    def elapsed(self):
        return self.clock() - self.start

    def seen(self, state):
        """Record ``state``; print a line when it differs from the last one. True when it did."""
        state = (state or '').strip()
        if not state or state == self.last:
            return False
        self.last = state
        elapsed = int(self.elapsed())
        self.history.append({'after': elapsed, 'state': state})
        self.show('[%s] %s, %d s (at most %d s): %s' % (self.host, self.what, elapsed, int(self.timeout), state))
        return True

    def expired(self):
        return self.elapsed() >= self.timeout

    def timeout_message(self):
        return '%s on %s did not finish within %d s; last seen: %s' % (
            self.what, self.host, int(self.timeout), self.last or 'nothing yet')
