# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin seed.kubeadm.rollout_status: asks the module until every workload has rolled
out, printing a line each time the state changes; fails after ``timeout`` seconds with the last
state seen.

Documentation: plugins/modules/rollout_status.py. The decision: plugins/module_utils/rollout.py.
"""

from __future__ import annotations

import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.seed.kubeadm.plugins.module_utils.rollout import workload_refs
from ansible_collections.seed.kubeadm.plugins.plugin_utils.progress import Progress, wait_options

display = Display()


class ActionModule(ActionBase):

    _supports_check_mode = True
    sleep = staticmethod(time.sleep)
    clock = staticmethod(time.monotonic)

    def _show(self, line):
        """Print one progress line on the controller (kept apart so tests can take the lines)."""
        display.display(line)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        try:
            timeout, interval = wait_options(args)
        except ValueError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        if not isinstance(args.get('resources'), list):
            result.update(failed=True, msg='resources must be a list of manifests or references')
            return result
        # Only the references travel to the node, not whole manifests (CRDs can be megabytes).
        args['resources'] = workload_refs(args['resources'])
        if timeout <= 0 or self._task.check_mode:
            result.update(self._execute_module(module_args=args, task_vars=task_vars))
            return result
        host = (task_vars or {}).get('inventory_hostname') or self._play_context.remote_addr
        tracker = Progress(host, 'rollout', timeout, self._show, clock=self.clock)
        while True:
            res = self._execute_module(module_args=args, task_vars=task_vars)
            tracker.seen(res.get('state') or res.get('msg'))
            if res.get('failed') or res.get('done'):
                result.update(res)
                result['progress'] = tracker.history
                return result
            if tracker.expired():
                result.update(res)
                result.update(failed=True, msg=tracker.timeout_message(), progress=tracker.history)
                return result
            self.sleep(interval)
