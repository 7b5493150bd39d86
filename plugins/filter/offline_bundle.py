# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline bundle filters of seed.kubeadm (the Python is in plugins/module_utils/bundle.py).

Each filter is documented in the sidecar file ``plugins/filter/<filter name>.yml``.
"""

from __future__ import annotations

from ansible_collections.seed.kubeadm.plugins.module_utils import bundle as _bundle
from ansible_collections.seed.kubeadm.plugins.plugin_utils.filters import as_filter


bundle_missing = as_filter(_bundle.missing)
bundle_plan = as_filter(_bundle.plan)


class FilterModule:
    """Offline bundle filters."""

    def filters(self):
        return {"bundle_missing": bundle_missing, "bundle_plan": bundle_plan}
