# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: run_summary
type: aggregate
short_description: What this run changed, and the cluster summary, at the end of a playbook
description:
  - At the end of a playbook, prints the cluster summary that the summary step of the entry playbooks
    publishes with C(ansible.builtin.set_stats) under C(seed_summary) (API endpoint, admin kubeconfig,
    nodes, ingress VIP, default StorageClass), then what changed in this run, host by host, as the
    names of the tasks that reported a change.
  - Nothing secret is printed; results of tasks with C(no_log) are never read, only their task names.
  - Enabled in the collection's C(ansible.cfg) (C(callbacks_enabled)); in a project of your own, add
    C(seed.kubeadm.run_summary) to C(callbacks_enabled).
version_added: 0.1.0
requirements:
  - enabled in C(callbacks_enabled)
options:
  max_tasks:
    description: At most this many changed task names are listed per host; the rest are counted.
    type: int
    default: 15
    env:
      - name: SEED_RUN_SUMMARY_MAX_TASKS
    ini:
      - section: seed_run_summary
        key: max_tasks
"""

from ansible.plugins.callback import CallbackBase

from ansible_collections.seed.kubeadm.plugins.plugin_utils.run_summary import render


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "seed.kubeadm.run_summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._changed = {}

    def _record(self, result):
        if not result._result.get("changed"):
            return
        host = result._host.get_name()
        name = result._task.get_name().strip()
        names = self._changed.setdefault(host, [])
        if name not in names:
            names.append(name)

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_item_on_ok(self, result):
        self._record(result)

    def v2_playbook_on_stats(self, stats):
        custom = (getattr(stats, "custom", None) or {}).get("_run") or {}
        lines = render(custom.get("seed_summary"), self._changed, stats.processed.keys() if stats.processed else [],
                       self.get_option("max_tasks"))
        for line in lines:
            self._display.display(line)
