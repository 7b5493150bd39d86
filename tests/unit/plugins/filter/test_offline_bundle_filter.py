# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The offline bundle filters (plugins/filter/offline_bundle.py), reached by the names the playbooks use."""

from __future__ import annotations

from ansible_collections.seed.kubeadm.plugins.filter import offline_bundle as ob
from unit_helpers import load_yaml


def test_filters_answer_to_their_documented_names():
    """roles/preflight calls seed.kubeadm.bundle_missing and roles/offline_bundle seed.kubeadm.bundle_plan: a
    filter exported under another name fails those plays with 'No filter named ...'. Each name has its
    sidecar documentation (ansible-doc -t filter) under the same name."""
    filters = ob.FilterModule().filters()
    assert filters == {"bundle_missing": ob.bundle_missing, "bundle_plan": ob.bundle_plan}
    for name in filters:
        assert load_yaml("plugins/filter/%s.yml" % name)["DOCUMENTATION"]["name"] == name


def test_bundle_missing_filter_gives_the_documented_line():
    """The example of bundle_missing.yml: the bundle has kubeadm 1.34.3 where the run installs 1.35.6."""
    manifest = {"format": 1, "files": [
        {"path": "debian/bookworm/kubeadm_1.34.3-1.1_amd64.deb", "kind": "deb", "name": "kubeadm",
         "version": "1.34.3-1.1", "architecture": "amd64", "release": "bookworm"},
        {"path": "images/pause.tar", "kind": "image", "name": "registry.k8s.io/pause", "version": "3.10.1"}]}
    hosts = {"node-1": {"release": "bookworm", "packages": ["kubeadm=1.35.6-*"],
                        "images": ["registry.k8s.io/pause:3.10.1"]}}
    missing = ob.FilterModule().filters()["bundle_missing"]
    assert missing(manifest, hosts, ["1.35.6"]) == [
        "package kubeadm=1.35.6-* for bookworm (the bundle has 1.34.3-1.1), needed by node-1"]


def test_bundle_plan_filter_merges_the_lists_of_the_roles():
    """bundle_plan: one sorted package and image list, one kube entry per version in version order."""
    plan = ob.FilterModule().filters()["bundle_plan"]
    listed = [{"packages": ["containerd", "chrony"], "images": ["registry.k8s.io/pause:3.10.1"],
               "kube": [{"version": "1.35.6", "packages": ["kubelet=1.35.6-*"]}]},
              {"packages": ["chrony"], "kube": [{"version": "1.34.3", "packages": ["kubeadm=1.34.3-*"]},
                                                {"version": "1.35.6", "packages": ["kubeadm=1.35.6-*"]}]}]
    assert plan(listed) == {
        "packages": ["chrony", "containerd"], "images": ["registry.k8s.io/pause:3.10.1"],
        "kube": [{"version": "1.34.3", "packages": ["kubeadm=1.34.3-*"]},
                 {"version": "1.35.6", "packages": ["kubeadm=1.35.6-*", "kubelet=1.35.6-*"]}]}
