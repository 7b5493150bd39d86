# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the role_settings_spec filter."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter.role_settings_spec import role_settings_spec

A = """
argument_specs:
  main:
    options:
      a_name: {type: str, required: true, default: x, choices: [x, y]}
      a_list: {type: list, elements: dict, options: {path: {type: str, required: true}}}
  other:
    options:
      a_other: {type: int}
"""
B = {"argument_specs": {"main": {"options": {"b_port": {"type": "int", "default": 80}}}}}


def test_text_and_parsed_documents_merge_without_required_and_default():
    spec = role_settings_spec([A, B])
    assert spec == {
        "a_name": {"type": "str", "choices": ["x", "y"]},
        # suboptions keep their own rules: they apply once the inventory gives the list
        "a_list": {"type": "list", "elements": "dict", "options": {"path": {"type": "str", "required": True}}},
        "b_port": {"type": "int"},
    }


def test_another_entry_point():
    assert role_settings_spec([A, B], entry_point="other") == {"a_other": {"type": "int"}}


def test_an_option_declared_by_two_roles_is_refused():
    with pytest.raises(AnsibleFilterError, match="option b_port is declared by two roles"):
        role_settings_spec([B, B])


@pytest.mark.parametrize("document, message", [
    ({"specs": {}}, "document 0 has no argument_specs mapping"),
    ("argument_specs: [", "document 0 is not YAML"),
    ("- a\n- b\n", "document 0 has no argument_specs mapping"),
])
def test_bad_documents(document, message):
    with pytest.raises(AnsibleFilterError, match=message):
        role_settings_spec([document])
