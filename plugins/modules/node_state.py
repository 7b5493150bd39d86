#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: node_state
short_description: Read, in one round trip, the node state the seed.kubeadm node roles manage
version_added: 0.1.0
description:
  - Reads everything the roles C(node_prep), C(container_runtime) and C(kube_packages) decide on
    (kernel modules, live kernel parameters, installed packages and their hold state, systemd
    units, file checksums, a managed block, swap, SELinux, ufw, program versions) in one module
    run, so that a role can skip every task whose target is already reached.
  - Never changes anything; always returns RV(ignore:changed=false).
author:
  - Seed developers (!UNKNOWN)
extends_documentation_fragment:
  - seed.kubeadm.attributes
  - seed.kubeadm.attributes.read_only
options:
  modules:
    description:
      - Kernel modules to check. A module counts as loaded when C(/sys/module/<name>) exists or,
        for modules built into the kernel that do not show up there, when their feature is visible
        (C(br_netfilter) through C(/proc/sys/net/bridge), C(overlay) through C(/proc/filesystems)).
    type: list
    elements: str
    default: []
  sysctl:
    description: Kernel parameters whose live value (from C(/proc/sys)) is returned.
    type: list
    elements: str
    default: []
  packages:
    description: Packages whose installed version and hold state are returned (dpkg or rpm).
    type: list
    elements: str
    default: []
  services:
    description: systemd units whose presence, active and enabled state are returned.
    type: list
    elements: str
    default: []
  files:
    description: Files whose SHA-1 checksum is returned (V(null) when missing).
    type: list
    elements: path
    default: []
  block_file:
    description: A file holding a managed block (for example C(/etc/hosts)); empty for none.
    type: path
  block_marker:
    description: The managed block's marker line, with C({mark}) standing for C(BEGIN) or C(END).
    type: str
  versions:
    description: Programs whose C(<program> --version) output is returned (V(null) when missing).
    type: list
    elements: str
    default: []
  marked_glob:
    description: Glob of files that are listed in RV(marked_files) when their content holds O(marker).
    type: str
  marker:
    description: The text that marks a file matched by O(marked_glob) as managed.
    type: str
seealso:
  - module: seed.kubeadm.preflight_probe
notes:
  - Used by the roles through C(seed.kubeadm.node_state); one module run replaces a dozen
    C(stat), C(slurp), C(package_facts) and C(service_facts) round trips.
"""

EXAMPLES = r"""
- name: Read the node state
  seed.kubeadm.node_state:
    modules: [overlay, br_netfilter]
    sysctl: [net.ipv4.ip_forward]
    packages: [containerd, conntrack]
    services: [containerd]
    files: [/etc/containerd/config.toml]
    block_file: /etc/hosts
    block_marker: "# {mark} seed.kubeadm cluster hosts"
    versions: [containerd]
  register: node

- name: Install containerd only when it is missing
  ansible.builtin.apt:
    name: containerd
  when: node.packages.containerd is none
"""

RETURN = r"""
hostname:
  description: The host name (C(socket.gethostname())).
  returned: always
  type: str
  sample: node1
container:
  description: The container engine the host runs in (V(docker), V(podman), ...), empty on a VM or bare metal.
  returned: always
  type: str
  sample: docker
swap_active:
  description: Whether swap is active now (C(/proc/swaps)).
  returned: always
  type: bool
fstab_swap:
  description: Whether C(/etc/fstab) has an active swap line.
  returned: always
  type: bool
modules_missing:
  description: The O(modules) that are not loaded.
  returned: always
  type: list
  elements: str
  sample: [br_netfilter]
sysctl:
  description: Live value of each O(sysctl) key, V(null) when the key does not exist.
  returned: always
  type: dict
  sample: {"net.ipv4.ip_forward": "1"}
packages:
  description: Per O(packages) entry V(null) when not installed, else C(version) and C(hold).
  returned: always
  type: dict
  sample: {"containerd": {"version": "1.6.20~ds1-1+b1", "hold": false}, "socat": null}
services:
  description: Per O(services) entry C(present), C(active) and C(enabled).
  returned: always
  type: dict
  sample: {"containerd": {"present": true, "active": true, "enabled": true}}
files:
  description: SHA-1 checksum per O(files) entry, V(null) when the file is missing.
  returned: always
  type: dict
  sample: {"/etc/containerd/config.toml": "3b5d5c3712955042212316173ccf37be800c4ead"}
block:
  description: The lines between the O(block_marker) lines of O(block_file), V(null) when there is no block.
  returned: always
  type: str
selinux:
  description: SELinux mode (V(enforcing), V(permissive) or V(disabled)).
  returned: always
  type: str
  sample: disabled
ufw_enabled:
  description: Whether C(/etc/ufw/ufw.conf) enables ufw.
  returned: always
  type: bool
versions:
  description: C(--version) output per O(versions) entry, V(null) when the program is missing or fails.
  returned: always
  type: dict
  sample: {"containerd": "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1"}
marked_files:
  description: Files matched by O(marked_glob) whose content holds O(marker), sorted.
  returned: always
  type: list
  elements: str
"""

import glob
import hashlib
import os
import socket

from ansible.module_utils.basic import AnsibleModule

# Where a module that is built into the kernel (and so may be absent from /sys/module) shows itself.
BUILTIN_HINTS = {
    "br_netfilter": "/proc/sys/net/bridge/bridge-nf-call-iptables",
    "ip_vs": "/proc/net/ip_vs",
    "nf_conntrack": "/proc/sys/net/netfilter/nf_conntrack_max",
}
ENABLED_STATES = ("enabled", "static", "alias", "enabled-runtime")


def read_text(path, default=None):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except (IOError, OSError):
        return default


def sha1(path):
    try:
        with open(path, "rb") as handle:
            return hashlib.sha1(handle.read()).hexdigest()
    except (IOError, OSError):
        return None


def module_loaded(name, sys_module="/sys/module", filesystems="/proc/filesystems", hints=None):
    if os.path.exists(os.path.join(sys_module, name)):
        return True
    if name == "overlay":
        return any(line.split()[-1:] == ["overlay"] for line in (read_text(filesystems, "")).splitlines())
    hint = (BUILTIN_HINTS if hints is None else hints).get(name)
    return bool(hint and os.path.exists(hint))


def sysctl_values(keys, root="/proc/sys"):
    return dict((key, (read_text(os.path.join(root, key.replace(".", "/")), "")).strip() or None) for key in keys)


def package_versions(run, names, dpkg_query=None, rpm=None):
    result = dict((name, None) for name in names)
    if not names:
        return result
    if dpkg_query:
        out = run([dpkg_query, "-W", "-f", "${Package} ${Version} ${db:Status-Abbrev} ${Status}\\n"] + list(names))[1]
        for line in out.splitlines():
            fields = line.split()
            if len(fields) >= 4 and fields[2].startswith(("ii", "hi")):
                result[fields[0]] = {"version": fields[1], "hold": fields[3] == "hold"}
    elif rpm:
        for name in names:
            rc, out = run([rpm, "-q", "--whatprovides", name, "--qf", "%{VERSION}-%{RELEASE}\\n"])
            if rc == 0 and out.strip():
                result[name] = {"version": out.splitlines()[0].strip(), "hold": False}
    return result


def service_states(run, names, systemctl="systemctl"):
    result = {}
    for name in names:
        out = run([systemctl, "show", "--property=ActiveState,UnitFileState,LoadState", "--", name])[1]
        props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        result[name] = {
            "present": props.get("LoadState", "not-found") not in ("not-found", ""),
            "active": props.get("ActiveState", "") == "active",
            "enabled": props.get("UnitFileState", "") in ENABLED_STATES,
        }
    return result


def managed_block(path, marker):
    if not path or not marker:
        return None
    content = read_text(path)
    if content is None:
        return None
    begin, end = marker.replace("{mark}", "BEGIN"), marker.replace("{mark}", "END")
    lines, inside, found = [], False, False
    for line in content.splitlines():
        if line == begin:
            inside, found = True, True
        elif line == end:
            inside = False
        elif inside:
            lines.append(line)
    return "\n".join(lines) if found else None


def swap_active(path="/proc/swaps"):
    return any(line.strip() for line in read_text(path, "").splitlines()[1:])


def fstab_has_swap(path="/etc/fstab"):
    for line in read_text(path, "").splitlines():
        fields = line.split()
        if len(fields) >= 3 and not fields[0].startswith("#") and fields[2] == "swap":
            return True
    return False


def selinux_mode(path="/sys/fs/selinux/enforce"):
    enforce = read_text(path)
    if enforce is None:
        return "disabled"
    return "enforcing" if enforce.strip() == "1" else "permissive"


def container_kind(root="/"):
    kind = read_text(os.path.join(root, "run/systemd/container"), "").strip()
    if kind:
        return kind
    if os.path.exists(os.path.join(root, ".dockerenv")):
        return "docker"
    if os.path.exists(os.path.join(root, "run/.containerenv")):
        return "podman"
    return ""


def program_versions(run, names):
    result = {}
    for name in names:
        rc, out = run([name, "--version"])
        result[name] = out.strip() if rc == 0 else None
    return result


def marked_files(pattern, marker):
    if not pattern or not marker:
        return []
    return sorted(path for path in glob.glob(pattern) if marker in read_text(path, ""))


def ufw_enabled(path="/etc/ufw/ufw.conf"):
    return "ENABLED=yes" in read_text(path, "").replace(" ", "")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            modules=dict(type="list", elements="str", default=[]),
            sysctl=dict(type="list", elements="str", default=[]),
            packages=dict(type="list", elements="str", default=[]),
            services=dict(type="list", elements="str", default=[]),
            files=dict(type="list", elements="path", default=[]),
            block_file=dict(type="path"),
            block_marker=dict(type="str"),
            versions=dict(type="list", elements="str", default=[]),
            marked_glob=dict(type="str"),
            marker=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params

    def run(args):
        try:
            rc, out, dummy = module.run_command(args, environ_update={"LC_ALL": "C"}, handle_exceptions=False)
        except (IOError, OSError):
            return 127, ""
        return rc, out

    module.exit_json(
        changed=False,
        hostname=socket.gethostname(),
        container=container_kind(),
        swap_active=swap_active(),
        fstab_swap=fstab_has_swap(),
        modules_missing=[name for name in params["modules"] if not module_loaded(name)],
        sysctl=sysctl_values(params["sysctl"]),
        packages=package_versions(run, params["packages"], module.get_bin_path("dpkg-query"), module.get_bin_path("rpm")),
        services=service_states(run, params["services"], module.get_bin_path("systemctl") or "systemctl"),
        files=dict((path, sha1(path)) for path in params["files"]),
        block=managed_block(params["block_file"], params["block_marker"]),
        selinux=selinux_mode(),
        ufw_enabled=ufw_enabled(),
        versions=program_versions(run, params["versions"]),
        marked_files=marked_files(params["marked_glob"], params["marker"]),
    )


if __name__ == "__main__":
    main()
