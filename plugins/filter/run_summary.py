# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the run summary (role control_plane, tasks_from summary); docs: cluster_summary.yml,
run_summary_lines.yml."""

from __future__ import annotations

from ansible_collections.seed.kubeadm.plugins.plugin_utils.run_summary import cluster_summary, summary_lines


class FilterModule:
    def filters(self):
        return {"cluster_summary": cluster_summary, "run_summary_lines": summary_lines}
