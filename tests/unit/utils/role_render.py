# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared helpers to evaluate role variables and templates the way Ansible does.

Role files (cluster defaults, role defaults, role vars) are loaded as trusted templates and
evaluated with ansible-core's Templar and the collection's own filters. Works on every
ansible-core the collection supports (2.16 - 2.19): before 2.19, trusting is a no-op
(see ansible_compat).
"""

from __future__ import annotations

import os
import sys

from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
from ansible.template import Templar
from ansible.utils.collection_loader import AnsibleCollectionConfig

from ansible_compat import trust, trust_as_template
from unit_helpers import REPO, ROLES, load_yaml

__all__ = ["REPO", "ROLES", "UPSTREAM_REGISTRIES", "RoleRender", "load_role_file", "role_variables", "trust",
           "trust_as_template"]

UPSTREAM_REGISTRIES = ("registry.k8s.io", "k8s.gcr.io", "docker.io", "registry-1.docker.io", "quay.io", "ghcr.io")

# Templar resolves seed.kubeadm.* filters through Ansible's collection loader, which must own the
# ansible_collections package: forget a plain namespace-package import made by earlier test modules.
if AnsibleCollectionConfig.collection_finder is None:
    for _name in [m for m in sys.modules if m == "ansible_collections" or m.startswith("ansible_collections.")]:
        del sys.modules[_name]
    init_plugin_loader([os.path.join(REPO, ".collections")])


def load_role_file(path):
    """A YAML file below roles/ as trusted templates; {} when the file does not exist."""
    return trust(load_yaml(os.path.join(ROLES, path), default={}))


def role_variables(role):
    """cluster defaults, then the role's defaults and vars, merged as Ansible layers them."""
    merged = {}
    for path in ("cluster/defaults/main.yml", role + "/defaults/main.yml", role + "/vars/main.yml"):
        merged.update(load_role_file(path))
    return merged


class RoleRender:
    """Evaluate expressions and templates of one role with the given variables."""

    def __init__(self, role, variables):
        self.role = role
        self.templar = Templar(loader=DataLoader(), variables=variables)

    def __call__(self, expression):
        return self.templar.template(trust_as_template("{{ %s }}" % expression))

    def template(self, name, **extra):
        with open(os.path.join(ROLES, self.role, "templates", name), encoding="utf-8") as handle:
            text = handle.read()
        if extra:
            self.templar.available_variables = dict(self.templar.available_variables, **extra)
        return self.templar.template(trust_as_template(text))
