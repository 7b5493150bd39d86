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
