# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared options of the modules that run kubeadm init, join or reset."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """kubeadm_path and cri_socket."""

    DOCUMENTATION = r"""
options:
  cri_socket:
    description: CRI socket given to C(kubeadm reset).
    type: str
    default: unix:///run/containerd/containerd.sock
  kubeadm_path:
    description: Path of the kubeadm binary. Defaults to C(kubeadm) found on PATH.
    type: path
"""

    # kubeadm_init and kubeadm_join: the run in the background with a line per phase.
    PROGRESS = r"""
options:
  progress_file:
    description:
      - A file on the node that gets every line of kubeadm's output as it comes (tokens and
        certificate keys masked; mode 0600, directory 0700), emptied when the module starts.
      - The action of this module reads it while kubeadm runs and prints each new C([phase]) line
        on the controller (see O(timeout)).
    type: path
  timeout:
    description:
      - Upper bound, in seconds, of the whole kubeadm run. With a value above 0 and outside check
        mode, the action runs the module in the background, prints a line each time kubeadm enters
        a new phase (from O(progress_file)), and fails after this many seconds with the last phase
        seen. V(0) runs the module in the foreground, silent until it returns.
    type: int
    default: 0
  poll_interval:
    description: Seconds between two looks at a running kubeadm (with O(timeout)).
    type: float
    default: 3
  background:
    description:
      - Set by the action of this module when O(timeout) is above 0; not meant for playbooks.
      - Runs the rest of the module in a detached process (needs O(progress_file)) and returns
        at once with RV(started) and RV(pid); the detached process writes the module's result as
        JSON to O(progress_file) with C(.result) appended.
    type: bool
    default: false
"""
