#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only probe of the node state the seed.kubeadm node roles manage, in one round trip.

Run by the roles as ``python3 -c "<this file>" '<json arguments>'`` through ansible.builtin.command
(pipelined: one round trip, no file transfer). Collection roles cannot ship modules of their own,
so this is a plain script; it prints one JSON object and never changes anything.

Arguments (all optional):
  modules       kernel modules to check; loaded when /sys/module/<name> exists or, for modules
                built into the kernel that do not show up there, when their feature is visible
                (br_netfilter -> /proc/sys/net/bridge, overlay -> /proc/filesystems, ...)
  sysctl        sysctl keys whose live value (from /proc/sys) is reported
  packages      package names whose installed version and hold state are reported (dpkg or rpm)
  services      systemd units whose presence, active and enabled state are reported
  files         files whose SHA-1 checksum is reported (null when missing)
  block_file    file holding a managed block (for example /etc/hosts) ...
  block_marker  ... and the block's marker, with {mark} standing for BEGIN or END
  versions      programs whose "<program> --version" output is reported (null when missing)
  marked_glob   glob of files listed when their content holds ``marker``
"""

import glob
import hashlib
import json
import os
import socket
import subprocess
import sys

# Where a module that is built into the kernel (and so may be absent from /sys/module) shows itself.
BUILTIN_HINTS = {
    "br_netfilter": "/proc/sys/net/bridge/bridge-nf-call-iptables",
    "ip_vs": "/proc/net/ip_vs",
    "nf_conntrack": "/proc/sys/net/netfilter/nf_conntrack_max",
}


def _read(path, default=None):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except (IOError, OSError):
        return default


def _sha1(path):
    data = None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError):
        return None
    return hashlib.sha1(data).hexdigest()


def _run(args):
    try:
        proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    except OSError:
        return 127, ""
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def module_loaded(name):
    if os.path.exists("/sys/module/" + name):
        return True
    if name == "overlay":
        return any(line.split()[-1:] == ["overlay"] for line in (_read("/proc/filesystems", "") or "").splitlines())
    hint = BUILTIN_HINTS.get(name)
    return bool(hint and os.path.exists(hint))


def package_versions(names):
    result = dict((name, None) for name in names)
    if not names:
        return result
    if os.path.exists("/usr/bin/dpkg-query"):
        rc, out = _run(["dpkg-query", "-W", "-f", "${Package} ${Version} ${db:Status-Abbrev} ${Status}\\n"] + list(names))
        for line in out.splitlines():
            fields = line.split()
            if len(fields) >= 4 and fields[2].startswith(("ii", "hi")):
                result[fields[0]] = {"version": fields[1], "hold": fields[3] == "hold"}
    elif os.path.exists("/usr/bin/rpm"):
        for name in names:
            rc, out = _run(["rpm", "-q", "--whatprovides", name, "--qf", "%{VERSION}-%{RELEASE}\\n"])
            if rc == 0 and out.strip():
                result[name] = {"version": out.splitlines()[0].strip(), "hold": False}
    return result


def service_states(names):
    result = {}
    for name in names:
        rc, out = _run(["systemctl", "show", "--property=ActiveState,UnitFileState,LoadState", "--", name])
        props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        result[name] = {
            "present": props.get("LoadState", "not-found") not in ("not-found", ""),
            "active": props.get("ActiveState", "") == "active",
            "enabled": props.get("UnitFileState", "") in ("enabled", "static", "alias", "enabled-runtime"),
        }
    return result


def managed_block(path, marker):
    if not path or not marker:
        return None
    content = _read(path)
    if content is None:
        return None
    begin, end = marker.replace("{mark}", "BEGIN"), marker.replace("{mark}", "END")
    lines, inside, found = [], False, False
    for line in content.splitlines():
        if line == begin:
            inside, found = True, True
            continue
        if line == end:
            inside = False
            continue
        if inside:
            lines.append(line)
    return "\n".join(lines) if found else None


def fstab_has_swap():
    for line in (_read("/etc/fstab", "") or "").splitlines():
        fields = line.split()
        if len(fields) >= 3 and not fields[0].startswith("#") and fields[2] == "swap":
            return True
    return False


def selinux_mode():
    enforce = _read("/sys/fs/selinux/enforce")
    if enforce is None:
        return "disabled"
    return "enforcing" if enforce.strip() == "1" else "permissive"


def container_kind():
    kind = (_read("/run/systemd/container", "") or "").strip()
    if kind:
        return kind
    if os.path.exists("/.dockerenv"):
        return "docker"
    if os.path.exists("/run/.containerenv"):
        return "podman"
    return ""


def program_versions(names):
    result = {}
    for name in names:
        rc, out = _run([name, "--version"])
        result[name] = out.strip() if rc == 0 else None
    return result


def marked_files(pattern, marker):
    if not pattern or not marker:
        return []
    return sorted(path for path in glob.glob(pattern) if marker in (_read(path, "") or ""))


def main(argv):
    params = json.loads(argv[1]) if len(argv) > 1 else {}
    swaps = (_read("/proc/swaps", "") or "").splitlines()[1:]
    ufw_conf = _read("/etc/ufw/ufw.conf", "") or ""
    state = {
        "hostname": socket.gethostname(),
        "container": container_kind(),
        "swap_active": any(line.strip() for line in swaps),
        "fstab_swap": fstab_has_swap(),
        "modules_missing": [name for name in params.get("modules", []) if not module_loaded(name)],
        "sysctl": dict(
            (key, (_read("/proc/sys/" + key.replace(".", "/"), "") or "").strip() or None)
            for key in params.get("sysctl", [])
        ),
        "packages": package_versions(params.get("packages", [])),
        "services": service_states(params.get("services", [])),
        "files": dict((path, _sha1(path)) for path in params.get("files", [])),
        "block": managed_block(params.get("block_file"), params.get("block_marker")),
        "selinux": selinux_mode(),
        "ufw_enabled": "ENABLED=yes" in ufw_conf.replace(" ", ""),
        "versions": program_versions(params.get("versions", [])),
        "marked_files": marked_files(params.get("marked_glob"), params.get("marker")),
    }
    sys.stdout.write(json.dumps(state, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
