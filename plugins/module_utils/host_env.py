# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host is: a container or not, and the filesystem a path lives on (read by the modules on the host)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except (IOError, OSError):
        return None


def container_kind(root="/"):
    """The container engine the host runs in (docker, podman, lxc, ...), "" on a VM or bare metal.

    systemd writes /run/systemd/container when it finds itself in a container (from PID 1's
    ``container=`` environment); engines without systemd inside leave /.dockerenv or
    /run/.containerenv behind.
    """
    kind = (_read(os.path.join(root, "run/systemd/container")) or "").strip()
    if kind:
        return kind
    environ = _read(os.path.join(root, "proc/1/environ")) or ""
    for entry in environ.split("\0"):
        if entry.startswith("container=") and entry[len("container="):].strip():
            return entry[len("container="):].strip()
    if os.path.exists(os.path.join(root, ".dockerenv")):
        return "docker"
    if os.path.exists(os.path.join(root, "run/.containerenv")):
        return "podman"
    return ""


def _unescape(field):
    """Mount points in mountinfo escape space, tab, newline and backslash as octal."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 3 < len(field) and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def path_fstype(path, mountinfo="/proc/self/mountinfo"):
    """The filesystem type of the mount that holds ``path`` (its nearest existing ancestor counts
    for a path that does not exist yet), "" when mountinfo cannot be read."""
    text = _read(mountinfo)
    if not text:
        return ""
    path = os.path.normpath("/" + str(path).lstrip("/"))
    best, fstype = -1, ""
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 5 or not tail:
            continue
        point = _unescape(fields[4])
        inside = path == point or point == "/" or path.startswith(point.rstrip("/") + "/")
        # The last of several mounts on one point is the one in effect (it hides the others).
        if inside and len(point) >= best:
            best, fstype = len(point), tail[0]
    return fstype
