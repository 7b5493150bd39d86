# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster, computed once: every fact derived from the inventory, the settings and the probe.

The action plugin seed.kubeadm.cluster_facts calls compute() on the controller once per run and
stores the result as the host variable ``cluster_facts``; roles and playbooks only read it.
Standard library only (ipaddress), so it runs wherever Ansible runs.

Inputs of compute():
- settings: cluster-wide settings by variable name (missing names take DEFAULTS);
- hosts: per inventory host a plain dict of what the computation reads from its hostvars
  (HOST_KEYS, its ``ansible_facts`` and the registered probe under ``probe``);
- groups: the inventory groups (lists of host names);
- play_hosts / play_hosts_all: hosts of the play still running / all hosts of the play.
"""

from __future__ import annotations

import json

from ansible_collections.seed.kubeadm.plugins.module_utils import network as net
from ansible_collections.seed.kubeadm.plugins.module_utils import version as ver

# Settings read by compute(), with the defaults the roles declare (tests/unit checks both agree).
DEFAULTS = {
    "cluster_kubernetes_version": "1.35.6",
    "cluster_source": "online",
    "cluster_pod_subnet": "10.244.0.0/16",
    "cluster_service_subnet": "10.96.0.0/12",
    "cluster_api_vip": "",
    "cluster_api_port": 6443,
    "cluster_api_lb_port": 16443,
    "cluster_api_name": "",
    "cluster_etcd_external_endpoints": [],
    "cluster_allow_even_control_plane": False,
    "cluster_cni": "flannel",
    "cluster_online_image_repository": "registry.k8s.io",
    "cluster_online_package_url": "https://pkgs.k8s.io/core:/stable:",
    "cluster_mirror_image_repository": "",
    "cluster_mirror_package_url": "",
    "cluster_mirror_registry_prefix": "",
    "cluster_offline_registry_port": 60080,
    "cluster_offline_http_port": 80,
    "cluster_offline_mirrored_registries": ["registry.k8s.io", "docker.io", "quay.io", "ghcr.io"],
    "cluster_registry_mirrors": [],
    "cluster_source_check": True,
    "cluster_cri_socket": "unix:///run/containerd/containerd.sock",
    "cluster_admin_kubeconfig": "/etc/kubernetes/admin.conf",
    "cluster_python_kubernetes_package": "python3-kubernetes",
    "cluster_ingress_vip": "",
    "cluster_dns_domain": "cluster.local",
    "cluster_kubelet_serving_certificates": False,
    "cluster_lab_profile": False,
    # role preflight
    "preflight_kubelet_version": None,  # None: cluster_kubernetes_version
    "preflight_check_resources": True,
    "preflight_min_cpus": 2,
    "preflight_min_memory_mb": 1700,
    "preflight_worker_min_cpus": 1,
    "preflight_worker_min_memory_mb": 1024,
    "preflight_check_ports": True,
    "preflight_required_ports_control_plane": None,  # None: cluster_api_port, 2379, 2380, 10250, 10257, 10259
    "preflight_required_ports_node": [10250],
    "preflight_check_running_version": True,
    "preflight_running_version_packages": ["kubeadm", "kubelet"],
    "preflight_cgroup_root": "/sys/fs/cgroup",
    # settings of other roles that decide what listens where (firewall) or what kubeadm gets
    "cni_calico_mode": "ipip",
    "cni_flannel_backend": "vxlan",
    "ingress_http_port": 80,
    "ingress_https_port": 443,
    "control_plane_extra_cert_sans": [],
    "control_plane_anonymous_auth": "auto",
    "control_plane_apiserver_extra_args": {},
    "control_plane_apiserver_config_dir": "/etc/kubernetes/apiserver",
    "control_plane_audit_log": True,
    "control_plane_audit_log_path": "/var/log/kubernetes/audit/audit.log",
    "control_plane_pod_security": True,
    "control_plane_pod_security_exempt_namespaces": ["kube-system"],
    "control_plane_kubeadm_extra_config": {},
    "control_plane_ignore_preflight_errors": [],
    "worker_ignore_preflight_errors": [],
    "node_prep_firewall_extra_ports": [],
    "cni_calico_block_size": 26,
    "nfs_server_exports": [{"path": "/srv/nfs/k8s"}],
    "nfs_provisioner_path": "/srv/nfs/k8s",
    "kube_packages_repo_key_fingerprints": ["DE15B14486CD377B9E876E1A234654DA9A296436"],
    "container_runtime_source": None,  # None: offline when cluster_source is offline, else distro
    "container_runtime_package": "",
    "container_runtime_version": "",
}

# Per-host variables read from each host's hostvars (besides ansible_facts and the probe).
HOST_KEYS = ("inventory_hostname", "ansible_host", "cluster_node_ip", "cluster_node_name")
# Settings of other roles a host may override for itself (read from its hostvars, else the setting).
ROLE_HOST_KEYS = ("cni_calico_mode", "cni_flannel_backend", "ingress_http_port", "ingress_https_port",
                  "control_plane_ignore_preflight_errors", "worker_ignore_preflight_errors", "node_prep_firewall_extra_ports",
                  "container_runtime_source", "container_runtime_package", "container_runtime_version")

GROUPS = ("k8s_cluster", "control_plane", "workers", "apiserver_lb", "ingress", "nfs_server", "init")
SOURCES = ("online", "mirror", "offline")
# Kubernetes minors the collection renders and tests kubeadm configurations for (README, support matrix).
SUPPORTED_MINORS = ((1, 28), (1, 36))
# The first minor whose kubelet needs containerd 2.0 or later, and the last that supports containerd 1.x.
CONTAINERD2_MINOR = "1.36"
LAST_CONTAINERD1_MINOR = "1.35"
# Group names of other tools and of the original notes, and the seed.kubeadm group each stands for.
GROUP_ALIASES = {"master": "control_plane", "masters": "control_plane", "kube_control_plane": "control_plane",
                 "kube-master": "control_plane", "kube_master": "control_plane", "control-plane": "control_plane",
                 "controlplane": "control_plane", "slave": "workers", "slaves": "workers", "worker": "workers",
                 "node": "workers", "nodes": "workers", "kube_node": "workers", "kube-node": "workers",
                 "k8s-cluster": "k8s_cluster", "k8s": "k8s_cluster", "lb": "apiserver_lb", "loadbalancer": "apiserver_lb",
                 "nfs": "nfs_server", "offline": "init", "registry": "init"}
CNIS = ("flannel", "calico")
SOURCE_VARS = {
    "online": ("cluster_online_package_url", "cluster_online_image_repository"),
    "mirror": ("cluster_mirror_package_url", "cluster_mirror_image_repository"),
}
# Kubernetes 1.35 flipped the kubelet's failCgroupV1 default to true (KEP-5573), and kubeadm's
# SystemVerification check fails on cgroup v1 for kubelets of 1.35 and later.
CGROUP_V1_MINOR = "1.35"
# kube-apiserver limits anonymous requests to listed paths from 1.32 (AnonymousAuthConfigurableEndpoints beta).
ANONYMOUS_CONDITIONS = (1, 32)
UPGRADE_FIX = "upgrade the cluster with playbooks/upgrade.yml (kubeadm upgrade, one minor at a time)"


def _union(*lists):
    out = []
    for items in lists:
        for item in items or []:
            if item not in out:
                out.append(item)
    return out


def _similar(first, second):
    """Two group names one typo apart: a letter missing, extra, changed, or - for _."""
    first, second = first.replace("-", "_"), second.replace("-", "_")
    if first == second:
        return True
    if abs(len(first) - len(second)) > 1:
        return False
    if len(first) == len(second):
        return sum(1 for a, b in zip(first, second) if a != b) == 1
    shorter, longer = sorted((first, second), key=len)
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def _json(value):
    return json.dumps(value)


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y", "t")
    return bool(value)


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _supported(parts):
    """Whether a parsed Kubernetes version is of a minor in SUPPORTED_MINORS."""
    return SUPPORTED_MINORS[0] <= (parts["major"], parts["minor"]) <= SUPPORTED_MINORS[1]


def _registry_server(name):
    return "https://" + ("registry-1.docker.io" if name == "docker.io" else name)


class _Cluster:
    """One computation: settings, groups and hosts in, the facts dict out."""

    def __init__(self, settings, hosts, groups, play_hosts, play_hosts_all, current_host=None):
        self.s = dict(DEFAULTS)
        self.s.update({k: v for k, v in (settings or {}).items() if v is not None})
        if self.s.get("preflight_kubelet_version") is None:
            self.s["preflight_kubelet_version"] = self.s["cluster_kubernetes_version"]
        if self.s.get("preflight_required_ports_control_plane") is None:
            self.s["preflight_required_ports_control_plane"] = [self.s["cluster_api_port"], 2379, 2380, 10250, 10257, 10259]
        self.hostvars = hosts or {}
        self.current = self.hostvars.get(current_host) or {}
        self.groups = {name: list((groups or {}).get(name) or []) for name in GROUPS}
        # Every group of the inventory (the action passes them all; seed's own are in self.groups).
        self.inventory_groups = {name: list(members or []) for name, members in (groups or {}).items()
                                 if isinstance(members, (list, tuple))}
        self.play_hosts = list(play_hosts or [])
        self.play_hosts_all = list(play_hosts_all or self.play_hosts)
        g = self.groups
        self.control_plane = g["control_plane"]
        self.workers = g["workers"]
        self.nodes = _union(self.control_plane, self.workers, g["k8s_cluster"])
        self.vip = str(self.s["cluster_api_vip"] or "")
        self.lb_group = g["apiserver_lb"]
        # Hosts that would carry the API VIP: dedicated load balancers, else the control plane.
        self.vip_hosts = self.lb_group or self.control_plane
        self.init_host = g["init"][0] if g["init"] else ""
        self.all_hosts = sorted(_union(self.nodes, self.lb_group, g["init"], g["ingress"], g["nfs_server"],
                                       self.play_hosts_all, list(self.hostvars)))
        self.info = {h: self._host_info(h) for h in self.all_hosts}

    # ---- per host ------------------------------------------------------------------------------
    def _hv(self, host):
        return self.hostvars.get(host) or {}

    def _probe(self, host):
        probe = self._hv(host).get("probe")
        return probe if isinstance(probe, dict) else None

    def _host_info(self, host):
        hv = self._hv(host)
        facts = hv.get("ansible_facts") or {}
        explicit = str(hv.get("cluster_node_ip") or "")
        ansible_host = str(hv.get("ansible_host") or host)
        default_ip = str((facts.get("default_ipv4") or {}).get("address")
                         or (facts.get("default_ipv6") or {}).get("address") or "")
        problem = ""
        if explicit:
            address = explicit if net.ip_valid(explicit) else ""
            if not address:
                problem = ("host %s: cluster_node_ip %s is not an IP address; set it to the address of the node in the cluster network"
                           % (host, _json(explicit)))
        elif net.ip_valid(ansible_host):
            address = ansible_host
        else:
            address = default_ip
            # Hosts of the play, and those whose address others need (API endpoint, backends, init node).
            needed = host in self.play_hosts or host in self.control_plane or host == self.init_host
            if not address and needed:
                problem = ("host %s: no cluster address known (ansible_host is not an IP and the host has no default route);"
                           " set cluster_node_ip for it" % host)
        network = net.node_network(hv, address) if address and facts else ""
        if explicit and address and not network and facts.get("interfaces"):
            known = facts.get("all_ipv6_addresses" if ":" in address else "all_ipv4_addresses") or []
            problem = "host %s: cluster_node_ip %s is not an address of this host (it has %s); set it to one of them" % (
                host, address, ", ".join(str(a) for a in known))
        return {"address": address, "network": network, "problem": problem,
                "node_name": str(hv.get("cluster_node_name") or host)}

    def roles_of(self, host):
        g = self.groups
        roles = []
        if host in self.control_plane:
            roles.append("control_plane")
        if host in self.workers:
            roles.append("worker")
        if self.vip and host in self.vip_hosts:
            roles.append("api_lb")
        if host in g["ingress"]:
            roles.append("ingress")
            if self.s["cluster_ingress_vip"]:
                roles.append("ingress_vip")
        if host in g["nfs_server"]:
            roles.append("nfs_server")
        if self.s["cluster_source"] == "offline" and host == self.init_host:
            roles.append("init")
        return roles

    def _host_setting(self, host, name):
        """A host's own value of a role setting: its hostvars value when it differs from the value in
        the hostvars of the host running the computation (a host or group override), else the setting
        as that host sees it (which includes play, include and extra vars)."""
        value = self._hv(host).get(name)
        if value is None or value == self.current.get(name):
            return self.s[name]
        return value

    # ---- derived values ------------------------------------------------------------------------
    def address(self, host):
        return self.info[host]["address"] if host in self.info else ""

    def api(self):
        s = self.s
        first = self.control_plane[0] if self.control_plane else ""
        host = s["cluster_api_name"] or self.vip or self.address(first)
        port = _int(s["cluster_api_lb_port"]) if self.vip else _int(s["cluster_api_port"])
        # kubeadm adds each node's own name and advertise address and the endpoint host itself
        # (GetAPIServerAltNames); the names and addresses of every control plane are listed too, so
        # that one certificate serves whichever node answers through the VIP.
        sans = [self.vip, s["cluster_api_name"], "127.0.0.1", "localhost"] + [self.info[h]["node_name"] for h in self.control_plane]
        sans += [self.address(h) for h in self.control_plane] + list(s["control_plane_extra_cert_sans"] or [])
        return {
            "vip": self.vip,
            "name": str(s["cluster_api_name"] or ""),
            "port": _int(s["cluster_api_port"]),
            "lb_port": _int(s["cluster_api_lb_port"]),
            "host": host,
            "endpoint": net.join_host_port(host, port) if host else "",
            "lb_hosts": list(self.vip_hosts) if self.vip else [],
            "backends": [{"name": h, "address": self.address(h), "port": _int(s["cluster_api_port"])} for h in self.control_plane],
            "cert_sans": _union([str(x) for x in sans if x not in (None, "")]),
        }

    def first_control_plane(self):
        """The first control-plane host the probe found running a control plane, else the first one."""
        for host in self.control_plane:
            probe = self._probe(host) or {}
            if (probe.get("running_versions") or {}).get("kube-apiserver"):
                return host
        return self.control_plane[0] if self.control_plane else ""

    def sources(self):
        s = self.s
        mode = s["cluster_source"]
        init_address = self.address(self.init_host) if self.init_host else ""
        registry = net.join_host_port(init_address, s["cluster_offline_registry_port"]) if init_address else ""
        http_port = _int(s["cluster_offline_http_port"], 80)
        http_host = "[%s]" % init_address if ":" in init_address else init_address
        http_url = ("http://%s%s" % (http_host, "" if http_port == 80 else ":%d" % http_port)) if init_address else ""
        image_repository = {"online": s["cluster_online_image_repository"], "mirror": s["cluster_mirror_image_repository"],
                            "offline": registry + "/registry.k8s.io" if registry else ""}.get(mode, "")
        prefix = {"online": "", "mirror": s["cluster_mirror_registry_prefix"], "offline": registry}.get(mode, "")
        package_url = {"online": s["cluster_online_package_url"], "mirror": s["cluster_mirror_package_url"],
                       "offline": http_url + "/debian" if http_url else ""}.get(mode, "")
        version = ver.k8s_version_parse(s["cluster_kubernetes_version"]) if ver.k8s_version_valid(
            s["cluster_kubernetes_version"], allow_v=True) else None
        return {
            "mode": mode,
            "kubernetes_minor": version["minor_version"] if version else "",
            "image_repository": str(image_repository or "").strip(),
            "image_rewrite": {"source": mode, "repository": str(image_repository or "").strip(), "prefix": str(prefix or "").strip()},
            "package_url": str(package_url or "").strip(),
            "offline": {"host": self.init_host, "address": init_address, "registry": registry, "http_url": http_url},
            "registry_hosts": self.registry_hosts(mode, registry),
        }

    def registry_hosts(self, mode, registry):
        """containerd certs.d entries: the init node's registry for the mirrored registries, the user's mirrors."""
        entries = {}
        if mode == "offline" and registry:
            url = "http://" + registry
            for name in self.s["cluster_offline_mirrored_registries"] or []:
                entries[name] = {"registry": name, "server": _registry_server(name),
                                 "hosts": [{"url": "%s/v2/%s" % (url, name), "capabilities": ["pull", "resolve"],
                                            "skip_verify": False, "ca": "", "override_path": True}]}
            entries[registry] = {"registry": registry, "server": url,
                                 "hosts": [{"url": url, "capabilities": ["pull", "resolve"], "skip_verify": False,
                                            "ca": "", "override_path": False}]}
        for mirror in self.s["cluster_registry_mirrors"] or []:
            if not isinstance(mirror, dict) or not isinstance(mirror.get("registry"), str):
                continue
            name = mirror["registry"]
            endpoints = mirror.get("endpoints")
            endpoints = [e for e in endpoints if isinstance(e, str)] if isinstance(endpoints, list) else []
            entries[name] = {"registry": name, "server": _registry_server(name),
                             "hosts": [{"url": url, "capabilities": list(mirror.get("capabilities") or ["pull", "resolve"]),
                                        "skip_verify": _bool(mirror.get("skip_verify", False)), "ca": str(mirror.get("ca_file") or ""),
                                        "override_path": False} for url in endpoints]}
        return list(entries.values())

    def firewall(self, host):
        """Openings of a host for node_prep_firewall: configured, from its roles and the settings."""
        roles = self.roles_of(host)
        s = self.s
        node = "control_plane" in roles or "worker" in roles or host in self.nodes
        ports = []
        if node:
            # kubelet, kube-proxy's health check, NodePort services (kubernetes.io ports-and-protocols).
            ports += [("10250", "tcp"), ("10256", "tcp"), ("30000:32767", "tcp"), ("30000:32767", "udp")]
        if "control_plane" in roles:
            ports.append((str(s["cluster_api_port"]), "tcp"))
            if not s["cluster_etcd_external_endpoints"]:
                ports.append(("2379:2380", "tcp"))
            ports += [("10257", "tcp"), ("10259", "tcp")]
        if "api_lb" in roles:
            ports.append((str(s["cluster_api_lb_port"]), "tcp"))
        calico_mode = self._host_setting(host, "cni_calico_mode")
        if node and s["cluster_cni"] == "flannel" and self._host_setting(host, "cni_flannel_backend") == "vxlan":
            ports.append(("8472", "udp"))
        elif node and s["cluster_cni"] == "calico":
            ports.append(("4789", "udp") if calico_mode == "vxlan" else ("179", "tcp"))
        if "ingress" in roles:
            ports += [(str(self._host_setting(host, "ingress_http_port")), "tcp"), (str(self._host_setting(host, "ingress_https_port")), "tcp")]
        if "nfs_server" in roles:
            ports.append(("2049", "tcp"))
        if "init" in roles:
            ports += [(str(s["cluster_offline_registry_port"]), "tcp"), (str(s["cluster_offline_http_port"]), "tcp")]
        openings = [{"port": port, "proto": proto} for port, proto in ports]
        for extra in self._host_setting(host, "node_prep_firewall_extra_ports") or []:
            if isinstance(extra, dict):
                openings.append({"port": str(extra.get("port")), "proto": str(extra.get("proto", "tcp"))})
        protocols = []
        if "api_lb" in roles or "ingress_vip" in roles:
            protocols.append({"name": "vrrp", "number": 112})
        if node and s["cluster_cni"] == "calico" and calico_mode == "ipip":
            protocols.append({"name": "ipencap", "number": 4})
        return {"ports": _union(openings), "protocols": protocols,
                "trusted_sources": [str(s["cluster_pod_subnet"]), str(s["cluster_service_subnet"])]}

    def probe_inputs(self):
        """What the preflight probe checks: artifact endpoints (all hosts) and free ports per host."""
        s = self.s
        endpoints = []
        if _bool(s["cluster_source_check"]):
            names = SOURCE_VARS.get(s["cluster_source"])
            if names:
                for kind, var in (("package source", names[0]), ("image registry", names[1])):
                    ep = net.source_endpoint(s[var])
                    if ep["valid"]:
                        endpoints.append({"name": "%s (%s)" % (kind, var), "host": ep["host"], "port": ep["port"]})
            for index, mirror in enumerate(s["cluster_registry_mirrors"] or []):
                if not isinstance(mirror, dict):
                    continue
                for url in mirror.get("endpoints") or []:
                    ep = net.source_endpoint(url) if isinstance(url, str) else {"valid": False}
                    if ep["valid"] and "://" in url:
                        endpoints.append({"name": "registry mirror (cluster_registry_mirrors[%d])" % index,
                                          "host": ep["host"], "port": ep["port"]})
        ports = {}
        for host in self.all_hosts:
            if not _bool(s["preflight_check_ports"]):
                ports[host] = []
            elif host in self.control_plane:
                ports[host] = [_int(p) for p in s["preflight_required_ports_control_plane"]
                               if not (s["cluster_etcd_external_endpoints"] and _int(p) in (2379, 2380))]
            elif host in self.workers:
                ports[host] = [_int(p) for p in s["preflight_required_ports_node"]]
            else:
                ports[host] = []
        return {"endpoints": _union(endpoints), "ports": ports, "package_index": self.package_index(),
                "runtime_packages": dict((host, [self.runtime_package(host)]) for host in self.nodes)}

    def runtime_source(self, host):
        """Where a host's containerd comes from (container_runtime_source, defaulted as the role does)."""
        return str(self._host_setting(host, "container_runtime_source")
                   or ("offline" if self.s["cluster_source"] == "offline" else "distro"))

    def runtime_package(self, host):
        """The containerd package the container_runtime role installs on a host."""
        return str(self._host_setting(host, "container_runtime_package")
                   or ("containerd.io" if self.runtime_source(host) == "upstream" else "containerd"))

    def package_index(self):
        """The Kubernetes repository whose index one host reads (online and mirror sources): {host: {deb, rpm}}."""
        s = self.s
        names = SOURCE_VARS.get(s["cluster_source"])
        if not _bool(s["cluster_source_check"]) or not names or not ver.k8s_version_valid(s["cluster_kubernetes_version"]):
            return {}
        parts = ver.k8s_version_parse(s["cluster_kubernetes_version"])
        if not _supported(parts):
            return {}  # check_choices reports the minor
        url = str(s[names[0]] or "").strip().rstrip("/")
        readers = [h for h in self.control_plane + self.nodes if h in self.play_hosts]
        if not url.startswith(("http://", "https://")) or not readers:
            return {}
        minor = "v%s" % parts["minor_version"]
        return {readers[0]: {"deb": "%s/%s/deb/" % (url, minor), "rpm": "%s/%s/rpm/" % (url, minor), "package": "kubeadm"}}

    # ---- problems ------------------------------------------------------------------------------
    def problems(self):
        return (self.check_settings() + self.check_choices() + self.check_inventory() + self.check_groups()
                + self.check_networks() + self.check_nodes() + self.check_running() + self.check_cgroup()
                + self.check_runtime() + self.check_patch() + self.check_container_hosts())

    def check_settings(self):
        s = self.s
        p = []
        if s["cluster_source"] not in SOURCES:
            p.append("cluster_source: %s is not a source mode; use one of %s" % (_json(s["cluster_source"]), ", ".join(SOURCES)))
        if s["cluster_cni"] not in CNIS:
            p.append("cluster_cni: %s is not a supported CNI; use one of %s" % (_json(s["cluster_cni"]), ", ".join(CNIS)))
        for var in ("cluster_kubernetes_version", "preflight_kubelet_version"):
            value = s[var]
            if var == "preflight_kubelet_version" and value == s["cluster_kubernetes_version"]:
                continue  # its default: the problem is reported once, for the variable the user set
            if not ver.k8s_version_valid(value):
                if ver.k8s_version_valid(value, allow_v=True):
                    p.append("%s: %s has a leading v; write it as X.Y.Z, e.g. %s" % (var, _json(value), value[1:]))
                else:
                    p.append("%s: %s is not a Kubernetes version X.Y.Z; set it to a release such as 1.35.6" % (var, _json(value)))
        if ver.k8s_version_valid(s["cluster_kubernetes_version"], allow_v=True) and ver.k8s_version_valid(
                s["preflight_kubelet_version"], allow_v=True):
            skew = ver.k8s_skew_problem(s["preflight_kubelet_version"], s["cluster_kubernetes_version"])
            if skew:
                p.append("preflight_kubelet_version: %s (kubeadm refuses this skew);"
                         " install kubelets of the control-plane minor or at most three minors older" % skew)
        examples = {"cluster_pod_subnet": "10.244.0.0/16", "cluster_service_subnet": "10.96.0.0/12"}
        for var, example in examples.items():
            if not net.cidr_valid(s[var]):
                p.append("%s: %s is not a CIDR (address/prefix); set it to a private network such as %s" % (var, _json(s[var]), example))
        pod, svc = s["cluster_pod_subnet"], s["cluster_service_subnet"]
        if net.cidr_valid(pod) and net.cidr_valid(svc) and net.cidrs_overlap(pod, svc):
            p.append("cluster_pod_subnet %s overlaps cluster_service_subnet %s; choose two networks that do not overlap" % (pod, svc))
        if s["cluster_api_name"] and not net.dns1123_subdomain(str(s["cluster_api_name"])):
            p.append("cluster_api_name: %s is not a lowercase DNS name (RFC 1123); kubeadm refuses it as endpoint and"
                     " certificate name; set a name such as k8s-api.example.internal, or \"\"" % _json(s["cluster_api_name"]))
        for index, san in enumerate(s["control_plane_extra_cert_sans"] or []):
            if not net.cert_san_valid(san):
                p.append("control_plane_extra_cert_sans[%d]: %s is not an IP address, a lowercase DNS name or a wildcard"
                         " name (*.example.com); kubeadm refuses it in apiServer.certSANs" % (index, _json(san)))
        if (self.vip and not self.lb_group and _int(s["cluster_api_lb_port"]) == _int(s["cluster_api_port"])):
            p.append("cluster_api_lb_port: %s is also cluster_api_port, and haproxy of the API VIP runs on the control-plane hosts"
                     " next to kube-apiserver; choose another port (default 16443)" % s["cluster_api_lb_port"])
        if s["cluster_source"] == "offline" and not self.init_host:
            p.append("cluster_source: offline needs a host in group init; add the host that serves the offline registry and packages to group init")
        if s["cluster_source"] == "mirror":
            repo = s["cluster_mirror_image_repository"]
            if not repo:
                p.append("cluster_mirror_image_repository: empty but cluster_source is mirror;"
                         " set it to your image mirror, e.g. registry.aliyuncs.com/google_containers")
            elif not net.source_endpoint(repo)["valid"] or "://" in repo:
                p.append("cluster_mirror_image_repository: %s is not an image repository; write it as host[:port][/path] without a scheme"
                         % _json(repo))
            url = s["cluster_mirror_package_url"]
            if not url:
                p.append("cluster_mirror_package_url: empty but cluster_source is mirror;"
                         " set it to the base URL of your Kubernetes package mirror (http:// or https://)")
            elif not net.source_endpoint(url)["valid"] or "://" not in url:
                p.append("cluster_mirror_package_url: %s is not an http:// or https:// URL;"
                         " write the full base URL of your Kubernetes package mirror" % _json(url))
        for index, mirror in enumerate(s["cluster_registry_mirrors"] or []):
            where = "cluster_registry_mirrors[%d]" % index
            if not isinstance(mirror, dict):
                p.append("%s: %s is not a mapping; write {registry: docker.io, endpoints: [https://mirror.example.com]}" % (where, _json(mirror)))
                continue
            registry = mirror.get("registry", "")
            if not isinstance(registry, str) or not net.source_endpoint(registry)["valid"] or "/" in registry:
                p.append("%s: registry %s is not a registry host name; write the host[:port] it stands in for, e.g. docker.io"
                         % (where, _json(registry)))
            endpoints = mirror.get("endpoints", [])
            if not isinstance(endpoints, list) or not endpoints:
                p.append("%s: endpoints must be a non-empty list of http:// or https:// URLs" % where)
            else:
                for url in endpoints:
                    if not isinstance(url, str) or "://" not in url or not net.source_endpoint(url)["valid"]:
                        p.append("%s: endpoint %s is not an http:// or https:// URL; write it as e.g. https://mirror.example.com"
                                 % (where, _json(url)))
        return p

    def check_choices(self):
        """Settings that are well-formed on their own but cannot work together or here."""
        s = self.s
        p = []
        parts = ver.k8s_version_parse(s["cluster_kubernetes_version"]) if ver.k8s_version_valid(s["cluster_kubernetes_version"]) else None
        if parts:
            minor = (parts["major"], parts["minor"])
            low, high = SUPPORTED_MINORS
            if not _supported(parts):
                p.append("cluster_kubernetes_version: %s is Kubernetes %d.%d, which seed.kubeadm does not support"
                         " (%d.%d to %d.%d); choose a release in that range" % ((s["cluster_kubernetes_version"],) + minor + low + high))
        pod, svc = net.network(s["cluster_pod_subnet"]), net.network(s["cluster_service_subnet"])
        if pod is not None and svc is not None and pod.version != svc.version:
            p.append("cluster_pod_subnet %s is IPv%d and cluster_service_subnet %s is IPv%d; use one IP family for both"
                     % (s["cluster_pod_subnet"], pod.version, s["cluster_service_subnet"], svc.version))
        if pod is not None and pod.version == 6 and s["cluster_cni"] == "flannel":
            p.append("cluster_pod_subnet %s is IPv6 and the flannel of seed.kubeadm runs IPv4 pod networks only;"
                     " use an IPv4 pod network, or cluster_cni: calico" % s["cluster_pod_subnet"])
        if pod is not None and pod.version == 4 and s["cluster_cni"] == "calico":
            block = s["cni_calico_block_size"]
            size = _int(block, -1) if not isinstance(block, bool) else -1
            if not 20 <= size <= 32:
                p.append("cni_calico_block_size: %s is not an IPv4 block size calico accepts (20 to 32); the default is 26" % _json(block))
            elif pod.prefixlen > size:
                p.append("cluster_pod_subnet %s is smaller than one calico address block (cni_calico_block_size %d, a /%d);"
                         " use a pod network of /%d or larger, or a smaller block" % (s["cluster_pod_subnet"], size, size, size))
        domain = s["cluster_dns_domain"]
        if not isinstance(domain, str) or not net.dns1123_subdomain(domain):
            p.append("cluster_dns_domain: %s is not a lowercase DNS name (RFC 1123); kubeadm refuses it as the"
                     " cluster's DNS domain; use cluster.local or a name such as k8s.example.internal" % _json(domain))
        ingress_vip = str(s["cluster_ingress_vip"] or "")
        if ingress_vip and not net.ip_valid(ingress_vip):
            p.append('cluster_ingress_vip: %s is not an IP address; set it to a free address in the network of the'
                     ' ingress hosts, or to "" for no ingress VIP' % _json(ingress_vip))
        if self.groups["nfs_server"]:
            exports = s["nfs_server_exports"]
            if not isinstance(exports, list):
                p.append("nfs_server_exports: %s is not a list; write [{path: /srv/nfs/k8s}]" % _json(exports))
            else:
                for index, export in enumerate(exports):
                    path = export.get("path") if isinstance(export, dict) else None
                    if not isinstance(path, str) or not path.startswith("/"):
                        p.append("nfs_server_exports[%d].path: %s is not an absolute path; write it from the root, e.g. /srv/nfs/k8s"
                                 % (index, _json(path)))
                        continue
                    if isinstance(export.get("clients"), list) and not export["clients"]:
                        p.append("nfs_server_exports[%d].clients: empty, so no host could mount %s; list the clients (addresses or"
                                 " networks), or leave clients out for the cluster's nodes (nfs_server_clients)" % (index, path))
                    options = export.get("options") if isinstance(export.get("options"), list) else []
                    if "rw" in options and "ro" in options:
                        p.append("nfs_server_exports[%d].options: holds both rw and ro; keep one of them" % index)
            provisioner_path = s["nfs_provisioner_path"]
            if not isinstance(provisioner_path, str) or not provisioner_path.startswith("/"):
                p.append("nfs_provisioner_path: %s is not an absolute path; write the NFS server's export path from the root,"
                         " e.g. /srv/nfs/k8s" % _json(provisioner_path))
        p.extend(self.check_hardening(parts))
        url = str(s["cluster_mirror_package_url"] or "")
        if s["cluster_source"] == "mirror" and url.lower().startswith("http://") and not s["kube_packages_repo_key_fingerprints"]:
            p.append("kube_packages_repo_key_fingerprints: empty while cluster_mirror_package_url %s is plain HTTP:"
                     " anybody on the way could hand out another key; pin the key's fingerprint or use https://" % url)
        return p

    def apiserver_flags(self):
        """kube-apiserver flags the user adds: control_plane_apiserver_extra_args, then the extra-config hook's
        ClusterConfiguration.apiServer.extraArgs (a mapping in v1beta3, a name/value list in v1beta4)."""
        flags = dict(self.s["control_plane_apiserver_extra_args"]) if isinstance(self.s["control_plane_apiserver_extra_args"], dict) else {}
        extra = self.s["control_plane_kubeadm_extra_config"]
        cluster = extra.get("ClusterConfiguration") if isinstance(extra, dict) else None
        api = cluster.get("apiServer") if isinstance(cluster, dict) else None
        args = api.get("extraArgs") if isinstance(api, dict) else None
        if isinstance(args, dict):
            flags.update(args)
        elif isinstance(args, list):
            flags.update((a.get("name"), a.get("value")) for a in args if isinstance(a, dict) and a.get("name"))
        return flags

    def check_hardening(self, parts):
        """The control_plane hardening switches against the Kubernetes version, the API server's own flags and paths."""
        s = self.s
        p = []
        mode = s["control_plane_anonymous_auth"]
        flags = self.apiserver_flags()
        if mode == "health_only" and parts and (parts["major"], parts["minor"]) < ANONYMOUS_CONDITIONS:
            p.append("control_plane_anonymous_auth: health_only needs Kubernetes %d.%d or later (kube-apiserver limits anonymous"
                     " requests to chosen paths from then on) and cluster_kubernetes_version is %s; set it to auto or enabled"
                     % (ANONYMOUS_CONDITIONS + (s["cluster_kubernetes_version"],)))
        limited = mode == "health_only" or (mode == "auto" and parts and (parts["major"], parts["minor"]) >= ANONYMOUS_CONDITIONS)
        if limited and "authentication-config" not in flags:
            if "anonymous-auth" in flags:
                p.append("control_plane_apiserver_extra_args: sets anonymous-auth while control_plane_anonymous_auth (%s) configures"
                         " anonymous requests in an authentication configuration file, and kube-apiserver refuses --anonymous-auth"
                         " beside the file's anonymous field; remove anonymous-auth, or set control_plane_anonymous_auth: enabled" % mode)
            oidc = sorted(str(name) for name in flags if str(name).startswith("oidc-"))
            if oidc:
                p.append("control_plane_apiserver_extra_args: sets %s while control_plane_anonymous_auth (%s) gives kube-apiserver an"
                         " authentication configuration file, and kube-apiserver refuses oidc-* flags beside that file; set"
                         " control_plane_anonymous_auth: enabled, or give your own file (authentication-config) with the issuer under"
                         " jwt and the anonymous paths" % (", ".join(oidc), mode))
        if _bool(s["control_plane_pod_security"]):
            names = s["control_plane_pod_security_exempt_namespaces"]
            names = names if isinstance(names, list) else [names]
            bad = [n for n in names if not net.dns1123_label(n)]
            if bad:
                p.append("control_plane_pod_security_exempt_namespaces: %s %s not a namespace name (a lowercase RFC 1123 label);"
                         " kube-apiserver would not start with it" % (", ".join(_json(n) for n in bad), "is" if len(bad) == 1 else "are"))
            elif len(set(names)) != len(names):
                p.append("control_plane_pod_security_exempt_namespaces: lists a namespace twice (%s); kube-apiserver would not start"
                         " with it; list each once" % ", ".join(sorted({n for n in names if names.count(n) > 1})))
        if _bool(s["control_plane_audit_log"]):
            path = s["control_plane_audit_log_path"]
            config_dir = str(s["control_plane_apiserver_config_dir"] or "").rstrip("/")
            absolute = isinstance(path, str) and path.startswith("/") and not path.endswith("/")
            directory = (path.rsplit("/", 1)[0] or "/") if absolute else ""
            if not absolute:
                p.append("control_plane_audit_log_path: %s is not an absolute file path; write it from the root, e.g."
                         " /var/log/kubernetes/audit/audit.log" % _json(path))
            elif directory == config_dir or (directory + "/").startswith(config_dir + "/") or config_dir.startswith(directory + "/"):
                p.append("control_plane_audit_log_path: %s shares its directory with control_plane_apiserver_config_dir %s, which"
                         " is mounted read-only into kube-apiserver; choose a directory of its own, e.g."
                         " /var/log/kubernetes/audit/audit.log" % (path, config_dir))
            elif directory.count("/") < 2:
                p.append("control_plane_audit_log_path: %s would mount %s writable into kube-apiserver; put the log in a directory"
                         " of its own, e.g. /var/log/kubernetes/audit/audit.log" % (path, directory))
        return p

    def check_groups(self):
        """Groups that look like seed.kubeadm's but are not, and nodes outside k8s_cluster."""
        p = []
        ours = set(_union(*[self.groups[name] for name in GROUPS]))
        for name in sorted(self.inventory_groups):
            if name in GROUPS or name in ("all", "ungrouped"):
                continue
            meant = GROUP_ALIASES.get(name.lower())
            if not meant:
                close = [g for g in GROUPS if _similar(name.lower(), g)]
                meant = close[0] if close else ""
            left_out = [host for host in self.inventory_groups[name] if host not in ours]
            if meant and left_out:
                p.append("group %s: seed.kubeadm has no group of that name (did you mean %s?) and its %s %s %s in none of"
                         " the cluster's groups; rename the group to %s" % (
                             name, meant, "host" if len(left_out) == 1 else "hosts", ", ".join(left_out),
                             "is" if len(left_out) == 1 else "are", meant))
        outside = [host for host in _union(self.control_plane, self.workers) if host not in self.groups["k8s_cluster"]]
        if outside:
            p.append("group k8s_cluster: lacks %s %s of control_plane/workers, so the node plays skip %s; make control_plane"
                     " and workers children of k8s_cluster (see inventory/sample/hosts.yml)" % (
                         "host" if len(outside) == 1 else "hosts", ", ".join(outside), "it" if len(outside) == 1 else "them"))
        return p

    def check_inventory(self):
        s = self.s
        p = []
        if not self.control_plane:
            p.append("group control_plane: empty; put at least one host in it (its first host runs kubeadm init)")
        elif (len(self.control_plane) % 2 == 0 and not s["cluster_etcd_external_endpoints"]
              and not _bool(s["cluster_allow_even_control_plane"])):
            p.append("group control_plane: %d hosts with stacked etcd; use an odd number (1, 3, 5) for etcd quorum,"
                     " or set cluster_allow_even_control_plane: true" % len(self.control_plane))
        for host in sorted(self.nodes):
            name = self.info[host]["node_name"]
            if not net.dns1123_subdomain(name):
                p.append('host %s: node name %s is not a lowercase RFC 1123 name (a-z, 0-9, "-" and ".");'
                         " rename the host in the inventory or set cluster_node_name for it" % (host, _json(name)))
        if _bool(s["cluster_kubelet_serving_certificates"]):
            # The cluster CA signs a kubelet's serving certificate for its node name: a worker named like the
            # API server would hold a certificate clients of the API trust for that name.
            service = "kubernetes.default.svc"
            api_names = set(str(n).lower() for n in [s["cluster_api_name"], "kubernetes", "kubernetes.default", service,
                                                     service + "." + str(s["cluster_dns_domain"])] if n)
            for host in sorted(self.workers):
                name = self.info[host]["node_name"]
                if name.lower() in api_names:
                    p.append("host %s: node name %s is a name of the API server's certificate, and with"
                             " cluster_kubelet_serving_certificates its kubelet would get a certificate of the cluster CA for it;"
                             " rename the host or set cluster_node_name for it" % (host, _json(name)))
        for host in self.all_hosts:
            if self.info[host]["problem"]:
                p.append(self.info[host]["problem"])
        for host in self.play_hosts_all:
            if host not in self.play_hosts:
                p.append("host %s: unreachable or failed before the checks; fix the connection (see the error above) and run again" % host)
        seen = {}
        for host in _union(sorted(self.nodes), self.lb_group):
            address = self.info[host]["address"]
            if address:
                seen.setdefault(address, []).append(host)
        for address, hosts in seen.items():
            if len(hosts) > 1:
                p.append("hosts %s: all have the address %s; give each node its own address (ansible_host or cluster_node_ip)"
                         % (", ".join(sorted(hosts)), address))
        return p

    def check_networks(self):
        s = self.s
        p = []
        subnets = [(var, s[var]) for var in ("cluster_pod_subnet", "cluster_service_subnet") if net.cidr_valid(s[var])]
        networks = {}
        for host in sorted(_union(self.nodes, self.lb_group)):
            if self.info[host]["network"]:
                networks.setdefault(self.info[host]["network"], []).append(host)
        for var, value in subnets:
            for network, hosts in networks.items():
                if net.cidrs_overlap(value, network):
                    p.append("%s %s overlaps the network %s of %s %s; choose a %s subnet outside every node network" % (
                        var, value, network, "host" if len(hosts) == 1 else "hosts", ", ".join(hosts), var[8:-7]))
        if self.vip:
            group = "apiserver_lb" if self.lb_group else "control-plane"
            if not net.ip_valid(self.vip):
                p.append('cluster_api_vip: %s is not an IP address; set it to a free address in the %s network,'
                         ' or to "" for a single control-plane endpoint' % (_json(self.vip), group))
            else:
                outside = {}
                for host in sorted(self.vip_hosts):
                    network = self.info[host]["network"]
                    if network and not net.ip_in_network(self.vip, network):
                        outside.setdefault(network, []).append(host)
                for network, hosts in outside.items():
                    p.append("cluster_api_vip %s is outside the network %s of %s %s %s; choose a free address in that network"
                             " (keepalived moves the VIP between these hosts)" % (
                                 self.vip, network, group, "host" if len(hosts) == 1 else "hosts", ", ".join(hosts)))
                for host in self.all_hosts:
                    if self.info[host]["address"] == self.vip:
                        p.append("cluster_api_vip %s is the address of host %s; choose an unused address for the VIP" % (self.vip, host))
        return p

    def check_nodes(self):
        s = self.s
        p = []
        for host in self.play_hosts:
            probe = self._probe(host)
            if not probe or "cpus" not in probe:
                continue
            is_cp = host in self.control_plane
            if _bool(s["preflight_check_resources"]) and host in self.nodes:
                kind = "control-plane hosts" if is_cp else "workers"
                cpu_var = "preflight_min_cpus" if is_cp else "preflight_worker_min_cpus"
                mem_var = "preflight_min_memory_mb" if is_cp else "preflight_worker_min_memory_mb"
                min_cpus, min_mem = _int(s[cpu_var]), _int(s[mem_var])
                if probe["cpus"] < min_cpus:
                    p.append("host %s: %s CPUs, %s need at least %d (%s); give it more CPUs" % (host, probe["cpus"], kind, min_cpus, cpu_var))
                if probe.get("memory_mb", 0) < min_mem:
                    p.append("host %s: %s MiB memory, %s need at least %d MiB (%s); give it more memory" % (
                        host, probe.get("memory_mb"), kind, min_mem, mem_var))
            if not probe.get("joined"):
                for port in probe.get("listening") or []:
                    p.append("host %s: TCP port %s is already in use; stop the service listening on it (kubeadm needs the port),"
                             " or set preflight_check_ports: false" % (host, port))
            for result in probe.get("probes") or []:
                if result.get("ok"):
                    continue
                line = ("host %s: cannot reach the %s at %s:%s (%s); open the network path or fix the address, or set cluster_source_check: false"
                        % (host, result.get("name"), result.get("host"), result.get("port"), result.get("error")))
                if s["cluster_source"] == "online":
                    line += ("; without internet access switch the artifact source: cluster_source: mirror"
                             " (set cluster_mirror_package_url and cluster_mirror_image_repository)"
                             " or cluster_source: offline (an init host, see docs/offline.md)")
                p.append(line)
        return p

    def check_running(self):
        """A version change on a running cluster: kube_packages would swap the packages without kubeadm upgrade."""
        s = self.s
        wanted = s["cluster_kubernetes_version"]
        if not _bool(s["preflight_check_running_version"]) or not ver.k8s_version_valid(wanted):
            return []
        order, by_version, keep = [], {}, ""
        for host in self.play_hosts:
            probe = self._probe(host)
            if probe is None:
                continue
            running = probe.get("running_versions") or {}
            for component in ["kube-apiserver"] + list(s["preflight_running_version_packages"] or []):
                version = running.get(component)
                if not version:
                    continue
                if version not in order:
                    order.append(version)
                if host not in by_version.setdefault(version, []):
                    by_version[version].append(host)
                if not keep and component == "kube-apiserver":
                    keep = version
        others = [v for v in order if v != wanted]
        if not others:
            return []
        keep = keep or others[0]
        running = "; ".join("%s on %s" % (v, ", ".join(by_version[v])) for v in order)
        return ["cluster_kubernetes_version: %s differs from the version the cluster runs (%s); kube_packages would swap kubeadm,"
                " kubelet and kubectl without kubeadm upgrade; keep cluster_kubernetes_version: %s or %s" % (
                    _json(wanted), running, keep, UPGRADE_FIX)]

    def check_runtime(self):
        """Kubernetes 1.36 and later with containerd 1.x: pinned, installed, or what the host's sources offer."""
        s = self.s
        wanted = s["cluster_kubernetes_version"]
        if not ver.k8s_version_valid(wanted) or ver.k8s_version_compare(wanted, CONTAINERD2_MINOR + ".0") < 0 \
                or not _supported(ver.k8s_version_parse(wanted)):
            return []  # an unsupported minor: check_choices reports it
        need = ("the kubelet of Kubernetes %s and later needs containerd 2.0 or later (%s is the last minor that supports"
                " containerd 1.x)" % (CONTAINERD2_MINOR, LAST_CONTAINERD1_MINOR))
        p, pinned, found = [], {}, {"installed": {}, "offered": {}}
        for host in self.nodes:
            pin = str(self._host_setting(host, "container_runtime_version") or "").strip()
            if pin.split(":", 1)[-1].startswith(("0.", "1.")):
                pinned.setdefault(pin, []).append(host)
                continue
            probe = self._probe(host)
            if not probe:
                continue
            name = self.runtime_package(host)
            for how, key in (("installed", "running_versions"), ("offered", "candidate_versions")):
                version = str((probe.get(key) or {}).get(name) or "")
                if version:
                    if version.startswith(("0.", "1.")):
                        found[how].setdefault("%s %s" % (name, version), []).append(host)
                    break

        def listed(by_version):
            return "; ".join("%s on %s" % (what, ", ".join(hosts)) for what, hosts in sorted(by_version.items()))

        for pin in sorted(pinned):
            p.append("container_runtime_version: %s pins containerd 1.x on %s and %s; pin a 2.x version or leave it empty,"
                     " or keep cluster_kubernetes_version below %s" % (_json(pin), ", ".join(pinned[pin]), need, CONTAINERD2_MINOR))
        if found["installed"]:
            p.append("containerd 1.x is installed (%s) and %s; upgrade containerd to 2.x on these hosts first (the"
                     " container_runtime role keeps an installed version), or keep cluster_kubernetes_version below %s" % (
                         listed(found["installed"]), need, CONTAINERD2_MINOR))
        if found["offered"]:
            p.append("containerd 1.x is what the hosts' package sources offer (%s) and %s; set container_runtime_source:"
                     " upstream, or offline with a bundle that carries containerd 2.x, or keep cluster_kubernetes_version below %s" % (
                         listed(found["offered"]), need, CONTAINERD2_MINOR))
        return p

    def check_patch(self):
        """A Kubernetes version the package source does not have (online and mirror: the index one host read)."""
        s = self.s
        wanted = s["cluster_kubernetes_version"]
        for host in sorted(self.package_index()):
            read = (self._probe(host) or {}).get("package_index") or {}
            if not read.get("url"):
                continue
            var = SOURCE_VARS[s["cluster_source"]][0]
            if _int(read.get("status")) == 404:
                return ["cluster_kubernetes_version: %s; the package source (%s) has no repository for Kubernetes %s (HTTP 404"
                        " for %s); pick a minor it serves or fix %s" % (wanted, var, wanted.rsplit(".", 1)[0], read["url"], var)]
            versions = [str(v) for v in read.get("versions") or []]
            if read.get("error") or wanted in versions:
                continue
            package = read.get("package") or "kubeadm"
            offered = ("%s %s to %s" % (package, versions[0], versions[-1]) if len(versions) > 1
                       else "%s %s" % (package, versions[0]) if versions else "no %s" % package)
            return ["cluster_kubernetes_version: %s is not in the package source (%s: %s lists %s); set a version it has" % (
                wanted, var, read["url"], offered)]
        return []

    def check_cgroup(self):
        s = self.s
        version = s["preflight_kubelet_version"]
        if not ver.k8s_version_valid(version) or ver.k8s_version_compare(version, CGROUP_V1_MINOR + ".0") < 0:
            return []
        extra = s["control_plane_kubeadm_extra_config"] or {}
        kubelet = extra.get("KubeletConfiguration") if isinstance(extra, dict) else None
        allowed = isinstance(kubelet, dict) and kubelet.get("failCgroupV1", True) is False
        p = []
        root = s["preflight_cgroup_root"]
        for host in self.play_hosts:
            probe = self._probe(host)
            if host not in self.nodes or not probe or "cgroup_v2" not in probe or probe["cgroup_v2"]:
                continue
            ignore_var = "control_plane_ignore_preflight_errors" if host in self.control_plane else "worker_ignore_preflight_errors"
            ignored = [str(x).lower() for x in self._host_setting(host, ignore_var) or []]
            if not allowed:
                p.append("host %s: cgroup v1 (no %s/cgroup.controllers) and the kubelet of Kubernetes %s and later refuses to start"
                         " on cgroup v1 (KubeletConfiguration failCgroupV1 defaults to true); boot the host with cgroup v2"
                         " (systemd.unified_cgroup_hierarchy=1), or set failCgroupV1: false under KubeletConfiguration in"
                         " control_plane_kubeadm_extra_config and add SystemVerification to %s" % (host, root, CGROUP_V1_MINOR, ignore_var))
            elif "systemverification" not in ignored and "all" not in ignored:
                p.append("host %s: cgroup v1 (no %s/cgroup.controllers) and kubeadm init/join fails its SystemVerification check on"
                         " cgroup v1 for Kubernetes %s and later; add SystemVerification to %s (failCgroupV1: false is already set),"
                         " or boot the host with cgroup v2" % (host, root, CGROUP_V1_MINOR, ignore_var))
        return p

    def check_container_hosts(self):
        """The lab profile only on container hosts; containerd's root not on a container's overlay root.

        containerd's default snapshotter stacks overlay mounts, which an overlay upper directory refuses.
        Its other snapshotter (native) is not offered: containerd 2.1 and later pull through the
        transfer service, which unpacks only for the snapshotters of its own unpack configuration."""
        p = []
        lab = _bool(self.s["cluster_lab_profile"])
        for host in self.play_hosts:
            probe = self._probe(host)
            if host not in self.nodes or not probe or "container" not in probe:
                continue
            if lab and not probe["container"]:
                p.append("host %s: cluster_lab_profile is true but the host is not a container (no /run/systemd/container,"
                         " no container= in PID 1's environment, no /.dockerenv or /run/.containerenv); the profile turns"
                         " off what protects a real node (swap check, disk eviction, conntrack sizing); set"
                         " cluster_lab_profile: false for real hosts" % host)
            if probe.get("containerd_root_fstype") == "overlay":
                p.append("host %s: /var/lib/containerd is on an overlay filesystem (the container's own root) and"
                         " containerd's overlayfs snapshotter cannot stack on it; give the container a volume at"
                         " /var/lib/containerd (scripts/lab.sh does)" % host)
        return p

    # ---- the facts -----------------------------------------------------------------------------
    def facts(self, with_problems=True):
        hosts = {}
        for host in self.all_hosts:
            info = self.info[host]
            hosts[host] = {"address": info["address"], "network": info["network"], "node_name": info["node_name"],
                           "roles": self.roles_of(host)}
        s = self.s
        return {
            "hosts": hosts,
            "control_plane": list(self.control_plane),
            "workers": list(self.workers),
            "nodes": list(self.nodes),
            "node_names": {h: self.info[h]["node_name"] for h in self.nodes},
            "first_control_plane": self.first_control_plane(),
            "api": self.api(),
            "ingress": {"vip": str(s["cluster_ingress_vip"] or ""), "hosts": list(self.groups["ingress"])},
            "cri_socket": s["cluster_cri_socket"],
            "admin_kubeconfig": s["cluster_admin_kubeconfig"],
            "python_kubernetes_package": s["cluster_python_kubernetes_package"],
            "sources": self.sources(),
            "firewall": {h: self.firewall(h) for h in self.all_hosts},
            "probe": self.probe_inputs(),
            "missing_facts": self.missing_facts(),
            "problems": self.problems() if with_problems else [],
        }

    def missing_facts(self):
        """Hosts whose address needs their network facts and that have none yet."""
        out = []
        for host in self.all_hosts:
            hv = self._hv(host)
            facts = hv.get("ansible_facts") or {}
            if hv.get("cluster_node_ip") or net.ip_valid(str(hv.get("ansible_host") or host)):
                continue
            if not ((facts.get("default_ipv4") or {}).get("address") or (facts.get("default_ipv6") or {}).get("address")):
                out.append(host)
        return out


def compute(settings, hosts, groups, play_hosts, play_hosts_all=None, with_problems=True, current_host=None):
    """The cluster facts (see the module docstring for the inputs; current_host runs the computation)."""
    return _Cluster(settings, hosts, groups, play_hosts, play_hosts_all, current_host).facts(with_problems)
