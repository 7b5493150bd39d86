# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""as_filter: a module_utils function as a filter plugin (ValueError becomes a filter error)."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.plugin_utils.filters import as_filter
from unit_helpers import raises_exactly


def join(first, second="-", *rest, sep=","):
    """Join the arguments."""
    if first == "bad":
        raise ValueError("first must not be bad")
    return sep.join([first, second] + list(rest))


def test_passes_positional_and_keyword_arguments():
    wrapped = as_filter(join)
    assert wrapped("a", "b", "c", sep="+") == "a+b+c"
    assert wrapped("a") == "a,-"


def test_value_error_becomes_a_filter_error_with_the_same_message():
    with raises_exactly(AnsibleFilterError, "first must not be bad") as caught:
        as_filter(join)("bad")
    assert isinstance(caught.value.__cause__, ValueError)


def test_other_errors_pass_unchanged():
    with pytest.raises(TypeError):
        as_filter(join)()


def test_name_and_documentation_are_those_of_the_function():
    wrapped = as_filter(join)
    assert (wrapped.__name__, wrapped.__doc__) == ("join", "Join the arguments.")
