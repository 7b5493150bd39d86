# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""join_token_ttl: a token shared by serial control-plane joins lasts until the last join starts."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter.join_token_ttl import FilterModule, join_token_ttl


@pytest.mark.parametrize("ttl, joiners, timeout, expected", [
    ("15m", 1, 900, "15m"),
    ("15m", 0, 900, "15m"),
    ("15m", 2, 900, "30m"),
    ("15m", 3, 900, "45m"),
    ("10m", 4, 600, "40m"),
    ("1h30m", 2, "60", "1h31m"),
    ("90", 3, 30, "2m30s"),
    ("0", 5, 900, "0s"),
])
def test_a_join_token_lasts_until_the_last_serial_join_starts(ttl, joiners, timeout, expected):
    assert join_token_ttl(ttl, joiners, timeout) == expected


@pytest.mark.parametrize("args, message", [
    (("fifteen", 2, 900), "join_token_ttl: 'fifteen' is not a duration such as 15m, 2h, 1h30m or 0"),
    (("15m", "two", 900), "join_token_ttl: joiners and join_timeout must be whole numbers, not 'two' and 900"),
    (("15m", 2, None), "join_token_ttl: joiners and join_timeout must be whole numbers, not 2 and None"),
    (("15m", -1, 900), "join_token_ttl: joiners and join_timeout must not be negative"),
    (("15m", 2, -5), "join_token_ttl: joiners and join_timeout must not be negative"),
])
def test_join_token_ttl_refuses_what_is_not_a_duration_or_a_count(args, message):
    with pytest.raises(AnsibleFilterError) as caught:
        join_token_ttl(*args)
    assert str(caught.value) == message


def test_filter_module():
    assert FilterModule().filters() == {"join_token_ttl": join_token_ttl}
