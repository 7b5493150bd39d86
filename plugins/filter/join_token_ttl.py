# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: the lifetime of a bootstrap token that serial joins share."""

from __future__ import annotations

DOCUMENTATION = r"""
name: join_token_ttl
short_description: Lifetime of a bootstrap token shared by serial joins
version_added: 0.2.0
description:
  - Control planes join one at a time, and each join may take up to its timeout. A token made
    once for all of them must still be valid when the last join starts.
  - Returns O(_input) plus (O(joiners) - 1) x O(join_timeout) seconds, as a Go duration. A
    lifetime of V(0) (never expires) is returned as V(0s).
options:
  _input:
    description: Lifetime each join needs from its start, as a Go duration (V(15m)).
    type: str
    required: true
  joiners:
    description: How many hosts join, one after the other.
    type: int
    required: true
  join_timeout:
    description: Upper bound of one join, in seconds.
    type: int
    required: true
"""

EXAMPLES = r"""
- name: A token for three serial control-plane joins of at most 900 s each
  ansible.builtin.debug:
    msg: "{{ '15m' | seed.kubeadm.join_token_ttl(3, 900) }}"  # 45m
"""

RETURN = r"""
_value:
  description: The lifetime, as a Go duration such as V(45m).
  type: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.seed.kubeadm.plugins.module_utils.kubeadm import format_duration, parse_duration


def join_token_ttl(ttl, joiners, join_timeout):
    """A bootstrap token's lifetime that lasts until the last of ``joiners`` serial joins has started
    and had ``ttl`` of its own: the n-th join may start (n - 1) x ``join_timeout`` seconds late."""
    try:
        seconds = parse_duration(ttl)
    except ValueError as exc:
        raise AnsibleFilterError('join_token_ttl: %s' % exc) from exc
    try:
        count, timeout = int(joiners), int(join_timeout)
    except (TypeError, ValueError):
        raise AnsibleFilterError('join_token_ttl: joiners and join_timeout must be whole numbers, not %r and %r'
                                 % (joiners, join_timeout)) from None
    if count < 0 or timeout < 0:
        raise AnsibleFilterError('join_token_ttl: joiners and join_timeout must not be negative')
    if seconds == 0:
        return '0s'  # a token that never expires stays so
    return format_duration(seconds + max(count - 1, 0) * timeout)


class FilterModule(object):
    """Join token lifetime filter."""

    def filters(self):
        return {'join_token_ttl': join_token_ttl}
