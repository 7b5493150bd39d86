# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parts of ansible-core the unit tests use, the same on every supported version (2.16 - 2.19).

ansible-core 2.19 introduced data tagging: a string is evaluated as a template only when it is
trusted (``ansible.template.trust_as_template``), and Ansible trusts role files and playbooks it
loads. Before 2.19 there is no such tag and every string is a template already, so trusting is the
identity. tests/unit/conftest.py imports this module before any test module, which makes
``from ansible.template import trust_as_template`` work on every version.
"""

from __future__ import annotations

import ansible.template
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

ANSIBLE_CORE_MINOR = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2])

# True from ansible-core 2.19 on.
HAS_DATA_TAGGING = hasattr(ansible.template, "trust_as_template")

if HAS_DATA_TAGGING:
    trust_as_template = ansible.template.trust_as_template
else:

    def trust_as_template(value):
        """ansible-core < 2.19: no data tagging, every string is a template; return it unchanged."""
        return value

    # Test modules import the name from ansible.template, as they do on 2.19.
    ansible.template.trust_as_template = trust_as_template


def trust(value):
    """``value`` with every string in it trusted as a template (role files as Ansible loads them)."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {key: trust(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [trust(item) for item in value]
    return value
