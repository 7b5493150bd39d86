# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight validates the settings of every role against that role's argument spec, in one list."""

from __future__ import annotations

import functools
import os

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from role_render import ROLES, RoleRender, role_variables
from unit_helpers import load_yaml


@functools.lru_cache(maxsize=None)
def role_options():
    render = RoleRender("preflight", dict(role_variables("preflight"), role_path=os.path.join(ROLES, "preflight")))
    return render("__preflight_validated_roles"), render("__preflight_role_options")


def test_every_role_with_a_main_entry_point_is_validated():
    validated = role_options()[0]
    with_main = sorted(role for role in os.listdir(ROLES)
                       if role not in ("preflight", "cluster")
                       and "main" in (load_yaml(os.path.join(ROLES, role, "meta", "argument_specs.yml"), default={})
                                      .get("argument_specs") or {}))
    assert sorted(validated) == with_main


def test_the_combined_spec_holds_each_role_option_as_its_role_declares_it():
    validated, options = role_options()
    total = 0
    for role in validated:
        own = load_yaml(os.path.join(ROLES, role, "meta", "argument_specs.yml"))["argument_specs"]["main"]["options"]
        total += len(own)
        for name, spec in own.items():
            assert options[name] == {k: v for k, v in spec.items() if k not in ("required", "default")}, name
    assert len(options) == total, "an option name is declared by two roles"


@pytest.mark.parametrize("settings, error", [
    ({"control_plane_anonymous_auth": "off"}, "value of control_plane_anonymous_auth must be one of: auto, health_only, enabled, got: off"),
    ({"control_plane_encryption_provider": "kms"}, "value of control_plane_encryption_provider must be one of: secretbox, aescbc, aesgcm, got: kms"),
    ({"control_plane_pod_security_enforce": "strict"},
     "value of control_plane_pod_security_enforce must be one of: privileged, baseline, restricted, got: strict"),
    ({"ingress_controller": "envoy"}, "value of ingress_controller must be one of"),
    ({"nfs_server_exports": "/srv/nfs"}, "Elements value for option 'nfs_server_exports' is of type"),
    ({"keepalived_instances": [{"name": "x"}]}, "missing required arguments"),
])
def test_a_bad_setting_of_another_role_is_reported(settings, error):
    options = role_options()[1]
    result = ArgumentSpecValidator(options).validate(settings)
    messages = [str(e) for e in result.errors]
    assert any(m.startswith(error) for m in messages), messages


def test_nothing_set_is_no_error():
    """Options a role requires from its caller, and templated defaults, are not the inventory's problem."""
    options = role_options()[1]
    assert ArgumentSpecValidator(options).validate({}).errors.messages == []


def test_role_defaults_pass_their_own_spec():
    """What a role declares as its default passes (no option is typed against its own default)."""
    validated, options = role_options()
    for role in validated:
        defaults = load_yaml(os.path.join(ROLES, role, "defaults", "main.yml"), default={}) or {}
        plain = {k: v for k, v in defaults.items() if k in options and not (isinstance(v, str) and "{{" in v)}
        result = ArgumentSpecValidator(options).validate(plain)
        assert [str(e) for e in result.errors] == [], role
