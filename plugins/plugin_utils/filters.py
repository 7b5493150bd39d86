# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side helpers shared by the filter plugins of seed.kubeadm."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def as_filter(function):
    """The given module_utils function, with its ValueError turned into a filter error."""

    def wrapped(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ValueError as exc:
            raise AnsibleFilterError(str(exc)) from exc

    wrapped.__name__ = function.__name__
    wrapped.__doc__ = function.__doc__
    return wrapped
