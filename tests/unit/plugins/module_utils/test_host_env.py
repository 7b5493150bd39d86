# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/module_utils/host_env.py: container detection, the filesystem under a path."""

from __future__ import annotations

import pytest

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


def test_container_kind_survives_a_pid1_environment_that_is_not_utf8(tmp_path):
    """PID 1's environment is bytes: a Latin-1 value next to container=lxc must not crash the detection
    (the host would then be taken for a VM and the container settings left out)."""
    (tmp_path / "proc/1").mkdir(parents=True)
    (tmp_path / "proc/1/environ").write_bytes(b"LANG=de_DE.ISO-8859-1\0GREETING=gr\xfc\xdf dich\0container=lxc\0")
    assert host_env.container_kind(str(tmp_path)) == "lxc"


def test_container_kind_looks_at_this_host_by_default():
    """Called without a root, the modules look at the host itself (/), as with root="/"."""
    assert host_env.container_kind() == host_env.container_kind("/")


def test_path_fstype_reads_this_process_mountinfo_by_default():
    """Without a mountinfo argument the module reads the real /proc/self/mountinfo: /proc is procfs there."""
    assert host_env.path_fstype("/proc") == "proc"
    assert host_env.path_fstype("/proc/self/status") == "proc"


ODD_MOUNTINFO = """\
22 1 0:21 / / rw,relatime - ext4 /dev/vda1 rw
41 22 8:1 - ext4 /dev/sda1 rw
30 22 0:40 / /srv/share\\134win rw - cifs //nas/win rw
31 22 8:17 / /mnt/disk2024 rw - xfs /dev/sdb1 rw
32 22 8:33 / /media/USB\\040 rw - vfat /dev/sdc1 rw
33 22 8:49 / /srv/UNIX rw - btrfs /dev/sdd1 rw
34 22 0:50 / /data rw - tmpfs tmpfs rw
"""


def test_path_fstype_of_mount_points_with_odd_names(tmp_path):
    """Mount points as the kernel writes them: a backslash (\\134), a trailing space (\\040), digits that are
    no escape, a name ending in X; a short line among them is skipped, not the end of the list."""
    info = tmp_path / "mountinfo"
    info.write_text(ODD_MOUNTINFO)
    assert host_env.path_fstype("/srv/share\\win/docs", str(info)) == "cifs"
    assert host_env.path_fstype("/mnt/disk2024/backup", str(info)) == "xfs"
    assert host_env.path_fstype("/media/USB /photos", str(info)) == "vfat"
    assert host_env.path_fstype("/media/USB", str(info)) == "ext4"
    assert host_env.path_fstype("/srv/UNIX/src", str(info)) == "btrfs"
    assert host_env.path_fstype("/data/x", str(info)) == "tmpfs"
    assert host_env.path_fstype("/Xdata", str(info)) == "ext4"


def test_path_fstype_without_the_root_mount_is_unknown(tmp_path):
    """A mountinfo that does not list / (a chroot's view) says nothing about /var: "" rather than a guess."""
    info = tmp_path / "mountinfo"
    info.write_text("23 22 0:22 / /proc rw,nosuid - proc proc rw\n24 22 0:23 / /sys rw - sysfs sysfs rw\n")
    assert host_env.path_fstype("/var/lib/containerd", str(info)) == ""
    info.write_text("not a mount line\n")
    assert host_env.path_fstype("/", str(info)) == ""


@pytest.mark.parametrize("line, path, expected", [
    # a backslash that starts no three-digit escape is a plain character of the name
    ("30 22 0:40 / /mnt/a\\12 rw - xfs /dev/sdb1 rw", "/mnt/a\\12/x", "xfs"),
    ("31 22 0:41 / /mnt/b\\x40 rw - xfs /dev/sdb2 rw", "/mnt/b\\x40/x", "xfs"),
    # the first " - " ends the mount's own fields: one in the source belongs to the source
    ("32 22 0:42 / /srv/share rw - cifs //nas/a - b rw", "/srv/share/x", "cifs"),
    # the fifth field is the mount point: a line without mount options still names it
    ("33 22 8:65 / /opt - btrfs /dev/sde1 rw", "/opt/x", "btrfs"),
    # a mount point that is not absolute holds no path
    ("34 22 0:43 / XX/XX rw - tmpfs tmpfs rw", "/var/x", "ext4"),
    ("35 22 0:44 / var rw - tmpfs tmpfs rw", "/var", "ext4"),
], ids=["backslash-two-digits", "backslash-letter-digits", "dash-in-source", "no-mount-options",
        "relative-point", "relative-point-same-name"])
def test_path_fstype_of_lines_the_kernel_does_not_write(tmp_path, line, path, expected):
    """mountinfo given by the caller is read by the format's rules even where a line is unusual: the fields
    before the first " - " are the mount's own (the fifth is its mount point, octal escapes of three digits
    decoded), the first one after it is the filesystem type."""
    info = tmp_path / "mountinfo"
    info.write_text("22 1 0:21 / / rw,relatime - ext4 /dev/vda1 rw\n" + line + "\n")
    assert host_env.path_fstype(path, str(info)) == expected


@pytest.mark.xfail(strict=True, reason="path_fstype takes the deepest mount point even when a later mount on a parent "
                                       "directory hides it; only a later mount on the same point is handled")
def test_path_fstype_mount_hidden_by_a_later_mount_on_its_parent(tmp_path):
    """Mounting on /var/lib after /var/lib/containerd hides the containerd mount: the kernel still lists it
    (as below, captured from `mount` in a user namespace), but /var/lib/containerd now resolves inside the
    /var/lib mount. The preflight would report the hidden mount's filesystem for containerd's root."""
    info = tmp_path / "mountinfo"
    info.write_text("22 1 0:21 / / rw,relatime - ext4 /dev/vda1 rw\n"
                    "3468 22 0:217 / /var/lib/containerd rw,relatime - xfs /dev/sdb1 rw\n"
                    "3469 22 0:218 / /var/lib rw,relatime - tmpfs tmpfs rw\n")
    assert host_env.path_fstype("/var/lib/containerd", str(info)) == "tmpfs"
