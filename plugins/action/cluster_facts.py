# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin seed.kubeadm.cluster_facts: the cluster computed once, on the controller.

Documentation: plugins/modules/cluster_facts.py. The computation: plugins/module_utils/cluster.py.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase

from ansible_collections.seed.kubeadm.plugins.module_utils import cluster


def _plain(value):
    """A copy of value made of plain dicts, lists and scalars (hostvars hand out lazy mappings)."""
    if isinstance(value, dict) or (hasattr(value, "keys") and hasattr(value, "__getitem__")):
        return {str(k): _plain(value[k]) for k in value.keys()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, string_types):
        return str(value)
    return value


def _network_facts(facts):
    """The network facts the computation reads: addresses and the interface entries."""
    out = {}
    for key in ("default_ipv4", "default_ipv6", "all_ipv4_addresses", "all_ipv6_addresses", "interfaces"):
        if key in facts:
            out[key] = _plain(facts[key])
    for name in out.get("interfaces") or []:
        key = str(name).replace("-", "_").replace(".", "_")
        if key in facts:
            out[key] = _plain(facts[key])
    return out


class ActionModule(ActionBase):
    """Compute the cluster facts from the inventory, the settings and the probe results."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("probe", "problems"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        probe_var = self._task.args.get("probe", "") or ""
        with_problems = self._task.args.get("problems", True)
        if not isinstance(probe_var, string_types):
            raise AnsibleActionFail("probe: the name of the variable that holds the probe results, got %r" % (probe_var,))

        settings = {}
        for name in cluster.DEFAULTS:
            if name in task_vars:
                settings[name] = _plain(self._templar.template(task_vars[name]))

        # Every group: seed.kubeadm's own, and the others for the misspelt-group check.
        groups = {name: list(members or []) for name, members in (task_vars.get("groups") or {}).items()}
        for name in cluster.GROUPS:
            groups.setdefault(name, [])
        play_hosts = list(task_vars.get("ansible_play_hosts") or [])
        play_hosts_all = list(task_vars.get("ansible_play_hosts_all") or play_hosts)
        names = []
        for name in [h for g in cluster.GROUPS for h in groups[g]] + play_hosts_all:
            if name not in names:
                names.append(name)

        hostvars = task_vars.get("hostvars") or {}
        hosts = {}
        for name in names:
            try:
                hv = hostvars[name]
            except KeyError:
                continue
            entry = {}
            for key in cluster.HOST_KEYS + cluster.ROLE_HOST_KEYS:
                if key in hv:
                    entry[key] = _plain(hv[key])
            facts = hv["ansible_facts"] if "ansible_facts" in hv else {}
            entry["ansible_facts"] = _network_facts(facts)
            if probe_var and probe_var in hv:
                entry["probe"] = _plain(hv[probe_var])
            hosts[name] = entry

        result["changed"] = False
        result["cluster_facts"] = cluster.compute(settings, hosts, groups, play_hosts, play_hosts_all,
                                                  with_problems=bool(with_problems),
                                                  current_host=task_vars.get("inventory_hostname"))
        return result
