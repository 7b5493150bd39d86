# -*- coding: utf-8 -*-
"""Unit tests of plugins/filter/nfs_exports.py (exports of role nfs_server)."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter.nfs_exports import FilterModule, nfs_exports
from unit_helpers import raises_exactly

DEFAULTS = {"clients": ["10.0.0.11", "10.0.0.21"], "options": ["rw", "sync", "root_squash", "no_subtree_check"],
            "owner": "65534", "group": "65534", "mode": "0755"}


def test_defaults_fill_an_export_with_a_path_only():
    assert nfs_exports([{"path": "/srv/nfs/k8s"}], DEFAULTS) == [{
        "path": "/srv/nfs/k8s", "pseudo": "/srv/nfs/k8s", "clients": ["10.0.0.11", "10.0.0.21"],
        "options": ["rw", "sync", "root_squash", "no_subtree_check"], "owner": "65534", "group": "65534", "mode": "0755",
        "squash": "root_squash", "anonuid": "65534", "anongid": "65534", "access": "RW",
        "directory": {"path": "/srv/nfs/k8s", "owner": "65534", "group": "65534", "mode": "0755"},
    }]


def test_own_keys_win():
    [export] = nfs_exports([{"path": "/srv/a", "clients": ["10.0.0.0/16"], "options": ["ro", "all_squash", "anonuid=1000", "anongid=1001"],
                             "owner": "root", "pseudo": "/a"}], DEFAULTS)
    assert (export["clients"], export["owner"], export["group"], export["pseudo"]) == (["10.0.0.0/16"], "root", "65534", "/a")
    assert (export["squash"], export["anonuid"], export["anongid"], export["access"]) == ("all_squash", "1000", "1001", "RO")
    assert export["directory"] == {"path": "/srv/a", "owner": "root", "group": "65534", "mode": "0755"}


def test_no_root_squash_only_when_listed():
    [legacy, default] = nfs_exports([{"path": "/srv/l", "options": ["rw", "sync", "no_root_squash"]}, {"path": "/srv/d"}], DEFAULTS)
    assert legacy["squash"] == "no_root_squash" and default["squash"] == "root_squash"


def test_without_defaults():
    [export] = nfs_exports([{"path": "/srv/x"}])
    assert (export["clients"], export["options"], export["owner"], export["access"]) == ([], [], None, "RW")


@pytest.mark.parametrize("bad", [[{"clients": []}], [{"path": ""}], ["/srv/x"]])
def test_export_needs_a_path(bad):
    with raises_exactly(AnsibleFilterError, "every NFS export needs a path: %r" % (bad[0],)):
        nfs_exports(bad, DEFAULTS)


def test_needs_a_list():
    with raises_exactly(AnsibleFilterError, "nfs_exports expects a list of exports, got dict"):
        nfs_exports({"path": "/srv/x"}, DEFAULTS)


def test_filter_module():
    assert FilterModule().filters() == {"nfs_exports": nfs_exports}


def test_option_values_keep_everything_after_the_first_equals_sign():
    [export] = nfs_exports([{"path": "/srv/x", "options": ["rw", "anonuid=1000", "anongid=100=7"]}])
    assert (export["anonuid"], export["anongid"]) == ("1000", "100=7")
