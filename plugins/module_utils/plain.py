# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain Python copies of the values Ansible hands to filters."""

from __future__ import annotations


def plain(value):
    """Deep copy made of plain Python types (Ansible hands over tagged str/dict/list subclasses)."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        # str.__str__, not str(): ansible-core before 2.19 marks lookup results unsafe, and str() of its
        # AnsibleUnsafeText is that class again, which YAML dumpers do not know.
        return str.__str__(value)
    return value
