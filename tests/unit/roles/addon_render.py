# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the add-on roles' manifest templates (cni, ingress, nfs_provisioner) the way Ansible does.

Role defaults and vars are evaluated with ansible-core's Templar and the collection's filters
(seed.kubeadm.image_ref, keepalived_instances, nfs_exports, ...), for the online, mirror and offline
sources. The roles read the cluster from the variable ``cluster_facts``; it is built here the way
the action seed.kubeadm.cluster_facts builds it, with plugins/module_utils/cluster.py's compute().
"""

from __future__ import annotations

import os

import yaml

from role_render import ROLES, RoleRender, role_variables, trust

# After role_render, which hands the ansible_collections package to Ansible's collection loader.
from ansible_collections.seed.kubeadm.plugins.module_utils import cluster  # noqa: E402  pylint: disable=wrong-import-position

HOSTS = {"cp1": "10.0.129.84", "w1": "10.0.128.240", "nfs1": "10.0.128.10"}
GROUPS = {
    "all": list(HOSTS), "k8s_cluster": ["cp1", "w1"], "control_plane": ["cp1"], "workers": ["w1"],
    "init": ["cp1"], "ingress": ["cp1", "w1"], "nfs_server": ["nfs1"],
}
SOURCES = {
    "online": {"cluster_source": "online"},
    "mirror": {
        "cluster_source": "mirror",
        "cluster_mirror_image_repository": "registry.aliyuncs.com/google_containers",
        "cluster_mirror_registry_prefix": "m.daocloud.io",
    },
    "offline": {"cluster_source": "offline"},
}


def cluster_facts(settings, hostvars=None, groups=None, play_hosts=None):
    """cluster_facts for the test inventory (HOSTS, GROUPS) and the given cluster settings."""
    hostvars = hostvars if hostvars is not None else {name: {"inventory_hostname": name, "ansible_host": ip} for name, ip in HOSTS.items()}
    groups = groups if groups is not None else GROUPS
    names = list(play_hosts if play_hosts is not None else hostvars)
    return cluster.compute({k: v for k, v in settings.items() if k in cluster.DEFAULTS}, hostvars, groups, names, names,
                           with_problems=False)


class AddonRender(RoleRender):
    """One role's variables for host cp1 (first control-plane host, where manifests are applied).

    ``cluster_facts`` is computed from the settings among the variables (cluster defaults, SOURCES,
    extra), unless extra gives it.
    """

    def __init__(self, role, source="online", extra=None, host="cp1"):
        variables = role_variables(role)
        variables.update(SOURCES[source])
        variables.update(trust(extra or {}))
        hostvars = {name: {"inventory_hostname": name, "ansible_host": ip} for name, ip in HOSTS.items()}
        variables.update(hostvars[host])
        variables.update(inventory_hostname=host, hostvars=hostvars, groups=GROUPS, role_path=os.path.join(ROLES, role),
                         ansible_managed="Ansible managed", playbook_dir="/tmp/playbooks")
        super().__init__(role, variables)
        if "cluster_facts" not in (extra or {}):
            settings = {name: self(name) for name in cluster.DEFAULTS if name in variables}
            self.templar.available_variables = dict(variables, cluster_facts=cluster_facts(settings, hostvars))

    def text(self, name):
        return self.template(name)

    def documents(self, name):
        """The manifest as the role applies it: every non-empty YAML document."""
        return [d for d in yaml.safe_load_all(self.text(name)) if d]


def pod_specs(doc):
    """Pod specs of a workload document (DaemonSet, Deployment, ...)."""
    spec = (doc.get("spec") or {}).get("template", {}).get("spec")
    return [spec] if spec else []


def images(docs):
    """Every container and init-container image of the documents."""
    found = []
    for doc in docs:
        for spec in pod_specs(doc):
            for key in ("initContainers", "containers"):
                found.extend(c["image"] for c in spec.get(key) or [])
    return found


def registry_of(image):
    first, rest = (image.split("/", 1) + [""])[:2]
    return first if rest and ("." in first or ":" in first or first == "localhost") else "docker.io"
