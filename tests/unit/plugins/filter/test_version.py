# -*- coding: utf-8 -*-
"""Unit tests of plugins/filter/version.py."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter import version as ver
from unit_helpers import filter_names, raises_exactly


@pytest.mark.parametrize("value", ["1.35.6", "1.9.6", "1.10.0", "0.0.0", "2.0.10"])
def test_version_valid(value):
    assert ver.k8s_version_valid(value) is True


@pytest.mark.parametrize(
    "value",
    ["v1.35.6", "1.35", "1", "1.35.6.1", "1.035.6", "01.35.6", "1.35.x", "1.35.6-rc.1", " 1.35.6", "1.35.6 ", "", None, 1.35, ["1.35.6"]],
)
def test_version_invalid(value):
    assert ver.k8s_version_valid(value) is False


def test_version_valid_allow_v():
    assert ver.k8s_version_valid("v1.35.6", allow_v=True) is True
    assert ver.k8s_version_valid("V1.35.6", allow_v=True) is True
    assert ver.k8s_version_valid("vv1.35.6", allow_v=True) is False
    assert ver.k8s_version_valid("1.35.6", allow_v=True) is True


def test_version_parse():
    assert ver.k8s_version_parse("v1.13.4") == {"major": 1, "minor": 13, "patch": 4, "minor_version": "1.13", "version": "1.13.4"}
    assert ver.k8s_version_parse("1.35.6")["minor_version"] == "1.35"
    with raises_exactly(AnsibleFilterError, "version '1.35' is not a Kubernetes version X.Y.Z (for example 1.35.6)"):
        ver.k8s_version_parse("1.35")


@pytest.mark.parametrize(
    "a,b,expected",
    [
        ("1.9.6", "1.10.0", -1),  # numeric, not lexical
        ("1.10.0", "1.9.6", 1),
        ("1.13.4", "v1.13.4", 0),
        ("1.13.4", "1.13.10", -1),
        ("2.0.0", "1.99.99", 1),
    ],
)
def test_version_compare(a, b, expected):
    assert ver.k8s_version_compare(a, b) == expected


def test_version_compare_invalid():
    with raises_exactly(AnsibleFilterError, "first version 'latest' is not a Kubernetes version X.Y.Z (for example 1.35.6)"):
        ver.k8s_version_compare("latest", "1.2.3")
    with raises_exactly(AnsibleFilterError, "second version None is not a Kubernetes version X.Y.Z (for example 1.35.6)"):
        ver.k8s_version_compare("1.2.3", None)


@pytest.mark.parametrize(
    "kubelet,control_plane",
    [
        ("1.35.6", "1.35.6"),
        ("1.35.9", "1.35.6"),  # newer patch of the same minor: kubeadm accepts it
        ("1.32.0", "1.35.6"),  # three minors older (kubelet >= 1.25)
        ("1.25.0", "1.28.0"),
        ("1.22.3", "1.24.1"),  # two minors older (kubelet < 1.25)
        ("v1.35.6", "v1.35.6"),
    ],
)
def test_skew_allowed(kubelet, control_plane):
    assert ver.k8s_skew_problem(kubelet, control_plane) == ""
    assert ver.k8s_skew_allowed(kubelet, control_plane) is True


@pytest.mark.parametrize(
    "kubelet,control_plane,message",
    [
        ("1.36.0", "1.35.6", "kubelet 1.36.0 is newer than the control plane 1.35.6; the kubelet must not be newer than kube-apiserver"),
        ("1.31.9", "1.35.6", "kubelet 1.31.9 is 4 minor versions older than the control plane 1.35.6; at most 3 are supported"),
        ("1.22.0", "1.25.0", "kubelet 1.22.0 is 3 minor versions older than the control plane 1.25.0; at most 2 are supported"),
        ("2.0.0", "1.35.6", "kubelet 2.0.0 and control plane 1.35.6 have different major versions"),
        ("1.35", "1.35.6", "kubelet version '1.35' is not X.Y.Z"),
        ("1.35.6", "latest", "control-plane version 'latest' is not X.Y.Z"),
    ],
)
def test_skew_refused(kubelet, control_plane, message):
    assert ver.k8s_skew_problem(kubelet, control_plane) == message
    assert ver.k8s_skew_allowed(kubelet, control_plane) is False


def test_upgrade_path_seeds_example_with_patches():
    patches = {"1.10": "1.10.8", "1.11": "1.11.5", "1.12": "1.12.4"}
    assert ver.k8s_upgrade_path("1.9.6", "1.13.4", patches) == ["1.10.8", "1.11.5", "1.12.4", "1.13.4"]
    assert ver.k8s_upgrade_path("v1.9.6", "v1.13.4", patches) == ["1.10.8", "1.11.5", "1.12.4", "1.13.4"]


def test_upgrade_path_placeholders_and_partial_patches():
    assert ver.k8s_upgrade_path("1.9.6", "1.13.4") == ["1.10", "1.11", "1.12", "1.13.4"]
    assert ver.k8s_upgrade_path("1.9.6", "1.13.4", {"1.11": "1.11.5"}) == ["1.10", "1.11.5", "1.12", "1.13.4"]


def test_upgrade_path_list_of_patches_highest_wins():
    patches = ["1.10.1", "1.10.13", "1.10.8", "1.11.0", "1.9.11", "1.14.0"]
    assert ver.k8s_upgrade_path("1.9.6", "1.12.1", patches) == ["1.10.13", "1.11.0", "1.12.1"]


def test_upgrade_path_trivial_cases():
    assert ver.k8s_upgrade_path("1.13.4", "1.13.4") == []
    assert ver.k8s_upgrade_path("1.13.1", "1.13.4") == ["1.13.4"]
    assert ver.k8s_upgrade_path("1.12.4", "1.13.4", {"1.12": "1.12.10"}) == ["1.13.4"]


NOT_XYZ = " is not a Kubernetes version X.Y.Z (for example 1.35.6)"


@pytest.mark.parametrize(
    "current,target,patches,message",
    [
        ("1.13.4", "1.12.0", None, "cannot upgrade from 1.13.4 down to 1.12.0; kubeadm does not downgrade"),
        ("1.35.0", "2.0.0", None, "cannot upgrade across major versions (1.35.0 to 2.0.0)"),
        ("1.13", "1.14.0", None, "current version '1.13'" + NOT_XYZ),
        ("1.13.0", "latest", None, "target version 'latest'" + NOT_XYZ),
        ("1.9.6", "1.13.4", {"1.10": "1.11.2"}, "patch version '1.11.2' is listed for minor '1.10'; list it under 1.11"),
        ("1.9.6", "1.13.4", {"1.10": "1.10"}, "patch version for 1.10 '1.10'" + NOT_XYZ),
        ("1.9.6", "1.13.4", {"1.10.x": "1.10.2"}, "patch version '1.10.2' is listed for minor '1.10.x'; list it under 1.10"),
        ("1.9.6", "1.13.4", ["1.10.2", "x"], "patch version 'x'" + NOT_XYZ),
        ("1.9.6", "1.13.4", "1.10.2", "latest patches must be a dict minor -> version or a list of versions, got str"),
    ],
)
def test_upgrade_path_errors(current, target, patches, message):
    with raises_exactly(AnsibleFilterError, message):
        ver.k8s_upgrade_path(current, target, patches)


def test_filter_module_lists_every_filter():
    assert filter_names(ver.FilterModule) == {
        "k8s_version_valid",
        "k8s_version_parse",
        "k8s_version_compare",
        "k8s_skew_problem",
        "k8s_skew_allowed",
        "k8s_upgrade_path",
    }
