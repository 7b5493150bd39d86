# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: the wanted state of the node roles (node_prep, container_runtime, kube_packages).

Each role keeps its data (package names per OS family, file entries) in its vars/main.yml and
hands its settings to one of these filters; the result is what the role passes to the module
seed.kubeadm.node_state and what its converge tasks loop over. Each filter is documented in the
sidecar file ``plugins/filter/<filter name>.yml``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

FAMILIES = ("Debian", "RedHat")


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y", "t")
    return bool(value)


def _list(value, what):
    if value is None or value == "":
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise AnsibleFilterError("%s must be a list, got %r" % (what, value))
    return [str(item) for item in value]


def _unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _settings(settings, name):
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError("%s expects a dict of settings, got %s" % (name, type(settings).__name__))
    return settings


def os_family(value):
    """RedHat for the RHEL family, Debian for everything else (Debian, Ubuntu, unknown)."""
    return "RedHat" if str(value or "") == "RedHat" else "Debian"


def _minor_key(minor):
    try:
        return tuple(int(part) for part in str(minor).split("."))
    except ValueError:
        return (0,)


def _per_family(data, family, what):
    if not isinstance(data, Mapping) or family not in data:
        raise AnsibleFilterError("%s needs an entry for the %s family" % (what, family))
    return data[family]


def node_prep_wanted(settings):
    """Wanted state of role node_prep from its settings (see node_prep_wanted.yml)."""
    s = _settings(settings, "node_prep_wanted")
    family = os_family(s.get("os_family"))
    packages_of = _per_family(s.get("os_packages"), family, "os_packages")
    services_of = _per_family(s.get("os_services"), family, "os_services")
    ipvs = s.get("kube_proxy_mode") == "ipvs"
    time_sync = _bool(s.get("time_sync", True))
    firewall = str(s.get("firewall") or "unmanaged")
    if firewall not in ("unmanaged", "disabled", "configured"):
        raise AnsibleFilterError("firewall must be unmanaged, disabled or configured, got %r" % firewall)

    modules = _unique(_list(s.get("kernel_modules"), "kernel_modules")
                      + (_list(s.get("ipvs_kernel_modules"), "ipvs_kernel_modules") if ipvs else [])
                      + _list(s.get("extra_kernel_modules"), "extra_kernel_modules"))
    sysctl = {}
    for what in ("sysctl", "extra_sysctl"):
        value = s.get(what) or {}
        if not isinstance(value, Mapping):
            raise AnsibleFilterError("%s must be a dict, got %r" % (what, value))
        sysctl.update((str(k), v) for k, v in value.items())
    packages = _unique(_list(packages_of.get("base"), "os_packages base")
                       + (_list(packages_of.get("ipvs"), "os_packages ipvs") if ipvs else [])
                       + (_list(packages_of.get("chrony"), "os_packages chrony") if time_sync else [])
                       + (_list(packages_of.get("firewall"), "os_packages firewall") if firewall == "configured" else [])
                       + _list(s.get("extra_packages"), "extra_packages"))
    services = []
    if time_sync:
        services.append({"name": services_of["chrony"], "active": True, "enabled": True})
    if family == "RedHat" and firewall != "unmanaged":
        on = firewall == "configured"
        services.append({"name": services_of["firewall"], "active": on, "enabled": on})
    selinux = str(s.get("selinux") or "unmanaged")
    files = ["modules_load", "sysctl"]
    if _bool(s.get("manage_etc_hosts", True)):
        files.append("etc_hosts")
    if firewall == "configured" and family == "Debian":
        files.append("ufw_before_rules")
    lab = _bool(s.get("lab_profile", False))
    if lab:
        # The kubelet opens /dev/kmsg at start: a unit links it to the console when it is missing.
        files.append("lab_kmsg")
        services.append({"name": "seed-lab-kmsg.service", "active": True, "enabled": True})
    return {
        "family": family,
        "modules": modules,
        "sysctl": sysctl,
        "packages": packages,
        "install": {name: name for name in packages},
        "services": services,
        "ufw": "disabled" if firewall == "disabled" and family == "Debian" else "",
        "hostname": str(s.get("hostname") or "") if _bool(s.get("set_hostname", True)) else None,
        # A container shares the host's swap and cannot turn it off (the kubelet gets failSwapOn: false).
        "swap_off": _bool(s.get("disable_swap", True)) and not lab,
        "selinux": selinux if family == "RedHat" and selinux != "unmanaged" else None,
        "files": files,
    }


def container_runtime_wanted(settings):
    """Wanted state of role container_runtime from its settings (see container_runtime_wanted.yml)."""
    s = _settings(settings, "container_runtime_wanted")
    family = os_family(s.get("os_family"))
    source = str(s.get("source") or "distro")
    if source not in ("distro", "upstream", "offline"):
        raise AnsibleFilterError("container_runtime_source must be distro, upstream or offline, got %r" % source)
    if source == "offline" and str(s.get("cluster_source") or "online") != "offline":
        raise AnsibleFilterError(
            "container_runtime_source=offline needs cluster_source=offline (the init node's repository), got "
            "cluster_source=%s: set container_runtime_source to distro or upstream" % s.get("cluster_source"))
    if source != "upstream" and family == "RedHat":
        raise AnsibleFilterError(
            "container_runtime_source=%s: on the RHEL family containerd comes from Docker's repository only (the "
            "distribution ships no containerd and the init node serves a Debian repository): set "
            "container_runtime_source=upstream there" % source)
    names = s.get("package_names") or {}
    name = str(s.get("package") or names.get(source) or ("containerd.io" if source == "upstream" else "containerd"))
    version = str(s.get("version") or "")
    spec = name
    if version:
        spec = name + ("=" if family == "Debian" else "-") + version
    sandbox = str(s.get("sandbox_image") or "")
    if not sandbox:
        tags = s.get("pause_tags") or {}
        if not isinstance(tags, Mapping) or not tags:
            raise AnsibleFilterError("container_runtime_wanted needs pause_tags (Kubernetes minor to pause tag)")
        minor = str(s.get("kubernetes_minor") or "")
        tag = tags.get(minor) or tags[sorted(tags, key=_minor_key)[-1]]
        repository = str(s.get("image_repository") or "").rstrip("/")
        if not repository:
            raise AnsibleFilterError("container_runtime_wanted needs the image repository (cluster_facts.sources.image_repository)")
        sandbox = "%s/pause:%s" % (repository, tag)
    upstream = source == "upstream"
    files = (["docker_apt"] if upstream and family == "Debian" else []) + (["docker_yum"] if upstream and family == "RedHat" else [])
    return {
        "family": family,
        "package": name,
        "sandbox": sandbox,
        "docker_distribution": "centos" if family == "RedHat" else ("ubuntu" if str(s.get("distribution") or "") == "Ubuntu" else "debian"),
        "packages": [{"name": name, "version": version}],
        "install": {name: spec},
        "services": [{"name": "containerd", "active": True, "enabled": True}],
        "exists": [str(s.get("docker_key") or "")] if upstream else [],
        "files": files + ["config", "crictl"],
        "offline_client": source == "offline",
    }


def kube_packages_wanted(settings):
    """Wanted state of role kube_packages from its settings (see kube_packages_wanted.yml)."""
    s = _settings(settings, "kube_packages_wanted")
    family = os_family(s.get("os_family"))
    version = str(s.get("version") or "").lstrip("v")
    if not version:
        raise AnsibleFilterError("kube_packages_wanted needs the Kubernetes version")
    offline = str(s.get("source") or "online") == "offline"
    if offline and family == "RedHat":
        raise AnsibleFilterError(
            "cluster_source=offline: the init node serves a Debian repository only; offline mode supports Debian "
            "and Ubuntu nodes (use cluster_source=online or mirror for the RHEL family)")
    pinned = _list(s.get("pinned"), "kube_packages_pinned")
    extra = _list(s.get("extra"), "kube_packages_extra")
    if "control_plane" in _list(s.get("host_roles"), "host_roles"):
        extra += _list(s.get("control_plane_extra"), "kube_packages_control_plane_extra")
        if s.get("python_kubernetes_package"):
            extra.append(str(s["python_kubernetes_package"]))
    extra = [name for name in _unique(extra) if name not in pinned]
    install = {}
    for name in pinned:
        install[name] = name + ("=%s-*" % version if family == "Debian" else "-%s" % version)
    install.update((name, name) for name in extra)
    debian_online = family == "Debian" and not offline
    return {
        "family": family,
        "packages": [{"name": name, "version": version + "-*"} for name in pinned] + [{"name": name, "version": ""} for name in extra],
        "install": install,
        "held": pinned if _bool(s.get("hold", True)) and family == "Debian" else [],
        "services": [{"name": "kubelet", "enabled": True}] if _bool(s.get("enable_kubelet", True)) else [],
        "exists": [str(s.get("keyring") or "")] if not offline else [],
        "files": ["apt"] if debian_online else (["yum"] if family == "RedHat" else []),
        "offline_client": offline,
    }


def containerd_hosts_files(registry_hosts, certs_dir="/etc/containerd/certs.d", marker="# Managed by seed.kubeadm",
                           owner="root", group="root", mode="0644"):
    """One seed.kubeadm.node_state file entry per registry: <certs_dir>/<registry>/hosts.toml."""
    files = []
    for entry in registry_hosts or []:
        if not isinstance(entry, Mapping) or not entry.get("registry") or not entry.get("server"):
            raise AnsibleFilterError("every registry entry needs registry and server, got %r" % (entry,))
        lines = [
            "%s: local changes are overwritten." % marker,
            "# Registry %s: the hosts below are tried in order, then the server." % entry["registry"],
            "server = %s" % json.dumps(str(entry["server"])),
        ]
        for host in entry.get("hosts") or []:
            lines += ["", "[host.%s]" % json.dumps(str(host["url"])),
                      "  capabilities = %s" % json.dumps([str(c) for c in host.get("capabilities") or ["pull", "resolve"]])]
            if _bool(host.get("skip_verify", False)):
                lines.append("  skip_verify = true")
            if _bool(host.get("override_path", False)):
                lines.append("  override_path = true")
            if host.get("ca"):
                lines.append("  ca = %s" % json.dumps(str(host["ca"])))
        files.append({"path": "%s/%s/hosts.toml" % (str(certs_dir).rstrip("/"), entry["registry"]),
                      "content": "\n".join(lines) + "\n", "owner": owner, "group": group, "mode": mode})
    return files


class FilterModule:
    """Node role filters."""

    def filters(self):
        return {
            "node_prep_wanted": node_prep_wanted,
            "container_runtime_wanted": container_runtime_wanted,
            "kube_packages_wanted": kube_packages_wanted,
            "containerd_hosts_files": containerd_hosts_files,
        }
