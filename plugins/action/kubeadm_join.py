# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin seed.kubeadm.kubeadm_join: runs the module, in the background with a line per kubeadm
phase when the task sets ``timeout`` (plugins/plugin_utils/kubeadm_action.py).

Documentation: plugins/modules/kubeadm_join.py.
"""

from __future__ import annotations

from ansible_collections.seed.kubeadm.plugins.plugin_utils.kubeadm_action import KubeadmProgressAction


class ActionModule(KubeadmProgressAction):
    what = 'kubeadm join'
    progress_name = 'join'
