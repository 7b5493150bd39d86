# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: one argument spec for the settings of several roles (the preflight role checks them at once)."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

try:  # pragma: no cover - PyYAML always ships with ansible-core
    import yaml
    _Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
except ImportError:  # pragma: no cover
    yaml = None


def role_settings_spec(documents, entry_point="main"):
    """Options of ``entry_point`` of every meta/argument_specs.yml document (parsed, or its YAML text),
    without required and default.

    Preflight checks what the inventory sets, before the roles run and outside them: an option the
    role requires from its caller (include_role vars) is not the inventory's to give, and a default
    is the role's to apply (some are templates of other settings), so both are left out; types,
    choices, elements and suboptions stay.
    """
    options = {}
    owner = {}
    for index, document in enumerate(documents or []):
        if isinstance(document, str):
            # the files' text (query('ansible.builtin.file', ...)): parsed here, plain and fast
            try:
                # str.__str__: the C loader wants an exact str, not ansible-core's unsafe text before 2.19
                document = yaml.load(str.__str__(document), Loader=_Loader)  # nosec - a safe loader
            except yaml.YAMLError as exc:
                raise AnsibleFilterError("role_settings_spec: document %d is not YAML: %s" % (index, exc)) from exc
        specs = document.get("argument_specs") if isinstance(document, Mapping) else None
        if not isinstance(specs, Mapping):
            raise AnsibleFilterError("role_settings_spec: document %d has no argument_specs mapping" % index)
        entry = specs.get(entry_point)
        if not isinstance(entry, Mapping):
            continue
        for name, spec in (entry.get("options") or {}).items():
            if name in options and owner[name] != index:
                raise AnsibleFilterError("role_settings_spec: option %s is declared by two roles" % name)
            option = copy.deepcopy(dict(spec))
            option.pop("required", None)
            option.pop("default", None)
            options[name] = option
            owner[name] = index
    return options


class FilterModule:
    """Argument spec filter."""

    def filters(self):
        return {"role_settings_spec": role_settings_spec}
