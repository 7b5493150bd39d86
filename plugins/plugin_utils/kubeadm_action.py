# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side of the kubeadm modules that run for minutes (kubeadm_init, kubeadm_join).

With ``timeout`` above 0 (and outside check mode) the module is started detached on the node
(its ``background`` option); the action then reads the node's progress file every
``poll_interval`` seconds and prints a line for each phase kubeadm entered since the last look
(the first line of the phase, with the seconds since the start), until the module's result
appears. After ``timeout`` seconds it stops the detached run (SIGTERM to its
process group) and fails with the last phase seen and the last lines kubeadm printed.

A failed run also prints its reason and kubeadm's last lines, masked like the progress lines: the
roles' tasks set no_log (their arguments carry the join secrets), which hides the whole result.
"""

from __future__ import annotations

import base64
import json
import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.seed.kubeadm.plugins.module_utils.kubeadm import redact, result_path
from ansible_collections.seed.kubeadm.plugins.plugin_utils.progress import Progress, last_phase, phase_changes, tail, wait_options

display = Display()

PROGRESS_DIR = '/var/lib/seed-kubeadm/progress'
# POSIX forms that dash (Debian's /bin/sh) accepts too: it refuses `kill -0 -- -PGID`.
ALIVE_COMMAND = 'kill -s 0 -- -%d'
STOP_COMMAND = 'kill -s TERM -- -%d'
# Keys of the detached module's JSON that belong to Ansible's module protocol, not to the result.
_PROTOCOL_KEYS = ('_ansible_no_log', '_ansible_verbose_always', '_ansible_verbose_override')
# Lines of kubeadm's output printed with a failure (the result keeps its last 40).
FAILURE_LINES = 20


def failure_lines(host, what, result, keep=FAILURE_LINES):
    """What an operator needs of a failed run, masked again: the tasks set no_log (their arguments carry
    the join secrets), which hides the whole result, so the reason and kubeadm's last lines are
    printed here, as the progress lines are."""
    lines = ['[%s] %s failed: %s' % (host, what, redact(str(result.get('msg') or 'no message')))]
    output = result.get('last_lines')
    if output is None:
        output = str(result.get('output') or '').splitlines()
    output = [str(line) for line in output if str(line).strip()]
    lines.extend('[%s]   %s' % (host, redact(line)) for line in output[-keep:])
    return lines


class KubeadmProgressAction(ActionBase):
    """Runs the module of the task's own name, in the background when ``timeout`` is set."""

    _supports_check_mode = True
    what = 'kubeadm'
    progress_name = 'kubeadm'
    sleep = staticmethod(time.sleep)
    clock = staticmethod(time.monotonic)

    def _show(self, line):
        """Print one progress line on the controller (kept apart so tests can take the lines)."""
        display.display(line)

    def _read(self, path, task_vars):
        """Text of a file on the node, or None when it does not exist (yet)."""
        res = self._execute_module(module_name='ansible.legacy.slurp', module_args={'src': path},
                                   task_vars=task_vars)
        if res.get('failed') or 'content' not in res:
            return None
        return base64.b64decode(res['content']).decode('utf-8', 'replace')

    def run(self, tmp=None, task_vars=None):
        result = self._run(tmp, task_vars)
        if result.get('failed'):
            host = (task_vars or {}).get('inventory_hostname') or self._play_context.remote_addr
            for line in failure_lines(host, self.what, result):
                self._show(line)
        return result

    def _run(self, tmp, task_vars):
        result = super(KubeadmProgressAction, self).run(tmp, task_vars)
        args = dict(self._task.args)
        try:
            timeout, interval = wait_options(args)
        except ValueError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        if timeout <= 0 or self._task.check_mode:
            result.update(self._execute_module(module_args=args, task_vars=task_vars))
            return result
        progress_file = args.get('progress_file') or '%s/%s.log' % (PROGRESS_DIR, self.progress_name)
        args.update(progress_file=progress_file, background=True)
        started = self._execute_module(module_args=args, task_vars=task_vars)
        if started.get('failed') or not started.get('started'):
            result.update(started)
            return result
        host = (task_vars or {}).get('inventory_hostname') or self._play_context.remote_addr
        tracker = Progress(host, self.what, timeout, self._show, clock=self.clock)
        tracker.seen('started %s' % self.what)
        log = ''
        shown = 0
        group = int(started['pid'])
        while True:
            final = self._read(result_path(progress_file), task_vars)
            log = self._read(progress_file, task_vars) or log
            changes = phase_changes(log)
            for state in changes[shown:]:
                tracker.seen(redact(state))
            shown = len(changes)
            if final is not None:
                break
            gone = self._low_level_execute_command(ALIVE_COMMAND % group, sudoable=True).get('rc') != 0
            if gone or tracker.expired():
                if not gone:
                    self._low_level_execute_command(STOP_COMMAND % group, sudoable=True)
                # It may have ended between the two looks: its result wins over the verdict.
                final = self._read(result_path(progress_file), task_vars)
                if final is not None:
                    break
                tracker.last = redact(last_phase(log)) or tracker.last
                if gone:
                    msg = '%s on %s ended without a result (its process is gone); last seen: %s' % (
                        self.what, host, tracker.last or 'nothing yet')
                else:
                    msg = tracker.timeout_message()
                result.update(failed=True, changed=True, msg=msg,
                              last_lines=[redact(line) for line in tail(log)], progress=tracker.history)
                return result
            self.sleep(interval)
        try:
            done = json.loads(final)
        except ValueError:
            result.update(failed=True, changed=True, progress=tracker.history,
                          msg='%s on %s ended without a readable result in %s' % (self.what, host, result_path(progress_file)))
            return result
        for key in _PROTOCOL_KEYS:
            done.pop(key, None)
        tracker.seen('done' if not done.get('failed') else 'failed')
        result.update(done)
        result['progress'] = tracker.history
        return result
