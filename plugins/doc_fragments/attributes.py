# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared documentation of the modules' attributes."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """What each attribute means; modules add their support level and details."""

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Whether the module runs in check mode and predicts its change without making it.
  diff_mode:
    description: Whether the module returns a diff of what it changes.
"""

    # Modules that only read the host.
    READ_ONLY = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: The module only reads; check mode returns the same result.
  diff_mode:
    support: none
"""
