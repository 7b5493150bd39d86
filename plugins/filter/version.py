# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes version filters of seed.kubeadm: X.Y.Z parsing, comparison, skew and upgrade paths.

Each filter is documented in the sidecar file ``plugins/filter/<filter name>.yml``.
"""

from __future__ import annotations

from ansible_collections.seed.kubeadm.plugins.module_utils import version as _version
from ansible_collections.seed.kubeadm.plugins.plugin_utils.filters import as_filter


k8s_version_valid = as_filter(_version.k8s_version_valid)
k8s_version_parse = as_filter(_version.k8s_version_parse)
k8s_version_compare = as_filter(_version.k8s_version_compare)
k8s_skew_problem = as_filter(_version.k8s_skew_problem)
k8s_skew_allowed = as_filter(_version.k8s_skew_allowed)
k8s_upgrade_path = as_filter(_version.k8s_upgrade_path)


class FilterModule:
    """Kubernetes version filters."""

    def filters(self):
        return {
            "k8s_version_valid": k8s_version_valid,
            "k8s_version_parse": k8s_version_parse,
            "k8s_version_compare": k8s_version_compare,
            "k8s_skew_problem": k8s_skew_problem,
            "k8s_skew_allowed": k8s_skew_allowed,
            "k8s_upgrade_path": k8s_upgrade_path,
        }
