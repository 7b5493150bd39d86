# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every network operation of the roles and playbooks is retried with the cluster-wide bound
(cluster_network_tries, cluster_network_retry_delay) and names that bound: package installs, key
downloads, API writes, bootstrap tokens and certificate-key uploads. A new task of these kinds that
forgets it fails here."""

from __future__ import annotations

import os

import pytest

from unit_helpers import load_yaml, repo_path, task_files, tasks_of

# Modules whose every call goes over the network (packages, keys, the API, kubeadm against the API).
NETWORK_MODULES = {"ansible.builtin.apt", "ansible.builtin.dnf", "ansible.builtin.package", "ansible.builtin.get_url",
                   "kubernetes.core.k8s", "seed.kubeadm.repo_key", "seed.kubeadm.kubeadm_token",
                   "seed.kubeadm.kubeadm_certificate_key"}
# Calls that are not the network operation of a run, each with its reason.
EXEMPT = {
    # the bundle builder's downloads have their own bound, offline_bundle_retries, in their names
    ("roles/offline_bundle/tasks/packages.yml", "seed.kubeadm.repo_key"): "offline_bundle_retries",
}
BOUND_NAME = "tries at most {{ cluster_network_tries }}"


def _network_tasks():
    for path in task_files():
        where = os.path.relpath(path, repo_path())
        data = load_yaml(path)
        for _where, task in tasks_of(data if isinstance(data, list) else [], where):
            module = next((key for key in task if key in NETWORK_MODULES), None)
            if module is None:
                continue
            args = task.get(module) or {}
            if isinstance(args, dict) and args.get("state") == "absent" and module != "kubernetes.core.k8s":
                continue  # a package removal reads no source
            if (where, module) in EXEMPT:
                continue
            yield where, module, task


TASKS = list(_network_tasks())


def test_there_are_network_tasks_to_check():
    modules = {module for _where, module, _task in TASKS}
    assert {"ansible.builtin.apt", "kubernetes.core.k8s", "seed.kubeadm.repo_key", "seed.kubeadm.kubeadm_token"} <= modules
    assert len(TASKS) >= 30


@pytest.mark.parametrize("where, module, task", TASKS, ids=["%s:%s" % (w, t.get("name")) for w, _m, t in TASKS])
def test_a_network_task_retries_with_the_cluster_bound_and_names_it(where, module, task):
    register = task.get("register")
    assert register, "%s: %r (%s) registers nothing to retry on" % (where, task.get("name"), module)
    assert task.get("until") == "%s is succeeded" % register, (where, task.get("name"))
    assert task.get("retries") == "{{ cluster_network_tries | int - 1 }}", (where, task.get("name"))
    assert task.get("delay") == "{{ cluster_network_retry_delay | int }}", (where, task.get("name"))
    assert str(task.get("name", "")).endswith(" - " + BOUND_NAME), (where, task.get("name"))
