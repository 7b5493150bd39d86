# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes version logic of seed.kubeadm (standard library only): X.Y.Z, skew, upgrade paths.

Used on the controller by the cluster facts and by the version filters, which only wrap these
functions. Errors are ValueError with a message for the user.
"""

from __future__ import annotations

import re

_VERSION = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_MINOR = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


def _split(value, allow_v=False):
    """(major, minor, patch) of an X.Y.Z string, or None when malformed."""
    if not isinstance(value, str):
        return None
    text = value
    if allow_v and text[:1] in ("v", "V"):
        text = text[1:]
    match = _VERSION.match(text)
    if not match:
        return None
    return tuple(int(part) for part in match.groups())


def _checked(value, what="version", allow_v=True):
    parts = _split(value, allow_v=allow_v)
    if parts is None:
        raise ValueError("%s %r is not a Kubernetes version X.Y.Z (for example 1.35.6)" % (what, value))
    return parts


def _text(parts):
    return "%d.%d.%d" % parts


def k8s_version_valid(value, allow_v=False):
    """True when value is X.Y.Z (digits, no leading zeros); a leading v only with allow_v=True."""
    return _split(value, allow_v=allow_v) is not None


def k8s_version_parse(value):
    """Parse X.Y.Z (or vX.Y.Z) into a dict with major, minor, patch, minor_version and version."""
    major, minor, patch = _checked(value)
    return {
        "major": major,
        "minor": minor,
        "patch": patch,
        "minor_version": "%d.%d" % (major, minor),
        "version": _text((major, minor, patch)),
    }


def k8s_version_compare(first, second):
    """-1, 0 or 1 as first is older than, equal to or newer than second."""
    a = _checked(first, "first version")
    b = _checked(second, "second version")
    return (a > b) - (a < b)


def _max_kubelet_lag(kubelet_minor):
    # Upstream skew policy: kubelet may be up to three minors older than kube-apiserver,
    # kubelets older than 1.25 only up to two.
    return 3 if kubelet_minor >= 25 else 2


def k8s_skew_problem(kubelet, control_plane):
    """Why kubeadm would refuse this kubelet with this control-plane version; empty when allowed."""
    k = _split(kubelet, allow_v=True)
    c = _split(control_plane, allow_v=True)
    if k is None:
        return "kubelet version %r is not X.Y.Z" % (kubelet,)
    if c is None:
        return "control-plane version %r is not X.Y.Z" % (control_plane,)
    if k[0] != c[0]:
        return "kubelet %s and control plane %s have different major versions" % (_text(k), _text(c))
    if k[1] > c[1]:
        return "kubelet %s is newer than the control plane %s; the kubelet must not be newer than kube-apiserver" % (_text(k), _text(c))
    lag = _max_kubelet_lag(k[1])
    if c[1] - k[1] > lag:
        return "kubelet %s is %d minor versions older than the control plane %s; at most %d are supported" % (_text(k), c[1] - k[1], _text(c), lag)
    return ""


def k8s_skew_allowed(kubelet, control_plane):
    """True when a kubelet of this version may join a control plane of that version."""
    return k8s_skew_problem(kubelet, control_plane) == ""


def _latest_by_minor(patches):
    """{"X.Y": (X, Y, Z)} from a dict minor -> version or a list of versions (highest wins)."""
    if patches is None:
        return {}
    if isinstance(patches, dict):
        versions = []
        for minor, version in patches.items():
            parts = _checked(version, "patch version for %s" % minor)
            if not _MINOR.match(str(minor)) or "%d.%d" % parts[:2] != str(minor):
                raise ValueError("patch version %r is listed for minor %r; list it under %d.%d" % (version, minor, parts[0], parts[1]))
            versions.append(parts)
    elif isinstance(patches, (list, tuple)):
        versions = [_checked(version, "patch version") for version in patches]
    else:
        raise ValueError("latest patches must be a dict minor -> version or a list of versions, got %s" % type(patches).__name__)
    latest = {}
    for parts in versions:
        key = "%d.%d" % parts[:2]
        if key not in latest or parts > latest[key]:
            latest[key] = parts
    return latest


def k8s_upgrade_path(current, target, latest_patches=None):
    """The versions to upgrade through, one minor at a time, ending with target.

    Each intermediate minor uses the version given in latest_patches (dict "X.Y" -> "X.Y.Z" or a
    list of versions; the highest per minor wins), else the placeholder "X.Y" for the caller to
    resolve. Returns [] when current equals target, [target] for a patch upgrade.
    """
    cur = _checked(current, "current version")
    tgt = _checked(target, "target version")
    if tgt < cur:
        raise ValueError("cannot upgrade from %s down to %s; kubeadm does not downgrade" % (_text(cur), _text(tgt)))
    if tgt[0] != cur[0]:
        raise ValueError("cannot upgrade across major versions (%s to %s)" % (_text(cur), _text(tgt)))
    if tgt == cur:
        return []
    latest = _latest_by_minor(latest_patches)
    path = []
    for minor in range(cur[1] + 1, tgt[1]):
        key = "%d.%d" % (cur[0], minor)
        path.append(_text(latest[key]) if key in latest else key)
    path.append(_text(tgt))
    return path
