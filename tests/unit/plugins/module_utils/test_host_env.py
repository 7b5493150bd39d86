# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/module_utils/host_env.py: container detection, the filesystem under a path."""

from __future__ import annotations

from ansible_collections.seed.kubeadm.plugins.module_utils import host_env


def test_container_kind_from_each_marker(tmp_path):
    assert host_env.container_kind(str(tmp_path)) == ""
    (tmp_path / "proc/1").mkdir(parents=True)
    (tmp_path / "proc/1/environ").write_bytes(b"PATH=/bin\0container=\0HOME=/\0")
    assert host_env.container_kind(str(tmp_path)) == ""
    (tmp_path / "run").mkdir()
    (tmp_path / "run/.containerenv").write_text("")
    assert host_env.container_kind(str(tmp_path)) == "podman"
    (tmp_path / ".dockerenv").write_text("")
    assert host_env.container_kind(str(tmp_path)) == "docker"
    (tmp_path / "proc/1/environ").write_bytes(b"PATH=/bin\0container=lxc\0")
    assert host_env.container_kind(str(tmp_path)) == "lxc"
    (tmp_path / "run/systemd").mkdir()
    (tmp_path / "run/systemd/container").write_text("systemd-nspawn\n")
    assert host_env.container_kind(str(tmp_path)) == "systemd-nspawn"


MOUNTINFO = """\
22 1 0:21 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
23 22 0:22 / /proc rw,nosuid - proc proc rw
40 22 8:1 /var/lib/docker/volumes/x/_data /var/lib/containerd rw,relatime - ext4 /dev/sda1 rw
41 22 8:1 /srv /mnt/with\\040space rw - xfs /dev/sdb1 rw
42 22 0:30 / /var/lib/containerd rw - tmpfs tmpfs rw
broken line
"""


def test_path_fstype_takes_the_deepest_and_last_mount(tmp_path):
    info = tmp_path / "mountinfo"
    info.write_text(MOUNTINFO)
    # Two mounts on /var/lib/containerd: the later one hides the earlier.
    assert host_env.path_fstype("/var/lib/containerd", str(info)) == "tmpfs"
    assert host_env.path_fstype("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs", str(info)) == "tmpfs"
    assert host_env.path_fstype("/var/lib/containerdx", str(info)) == "overlay"
    assert host_env.path_fstype("/var/lib/kubelet", str(info)) == "overlay"
    assert host_env.path_fstype("var/lib/../lib/kubelet", str(info)) == "overlay"
    assert host_env.path_fstype("/mnt/with space/a", str(info)) == "xfs"
    assert host_env.path_fstype("/mnt/with", str(info)) == "overlay"
    assert host_env.path_fstype("/x", str(tmp_path / "missing")) == ""
