#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: preflight_probe
short_description: Read-only node probe of the seed.kubeadm preflight role
version_added: 0.1.0
description:
  - Reports, in one module run, what the C(preflight) role checks on a node before anything is
    changed - CPUs, memory, which of the given TCP ports already have a listener, whether the
    node is already part of a cluster - and opens (and closes) one TCP connection to each given
    endpoint (package repositories, registries, the API endpoint).
  - Optionally reads the versions of a package in a repository's index over HTTP(S)
    (O(package_index)) and the versions the host's own package sources offer (O(candidates)).
  - The connections run in parallel, so a blocked network costs one O(timeout), not one per endpoint.
  - With O(gather_subset) it also gathers facts, exactly as M(ansible.builtin.setup) does for that
    subset, and returns them as host facts, which saves the separate C(setup) round trip.
  - Never changes anything; always returns RV(ignore:changed=false).
author:
  - Seed developers (!UNKNOWN)
extends_documentation_fragment:
  - seed.kubeadm.attributes
  - seed.kubeadm.attributes.read_only
options:
  endpoints:
    description: TCP endpoints to connect to.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: A label returned with the result.
        type: str
        default: ""
      host:
        description: Host name or address.
        type: str
        required: true
      port:
        description: TCP port.
        type: int
        required: true
  timeout:
    description: Seconds to wait for each connection.
    type: float
    default: 5
  ports:
    description: TCP ports that must be free; the ones that have a listener are returned in RV(listening).
    type: list
    elements: int
    default: []
  kubelet_conf:
    description: The file whose existence marks a node that already joined a cluster.
    type: path
    default: /etc/kubernetes/kubelet.conf
  gather_subset:
    description:
      - Fact subsets to gather, with the syntax of the O(ansible.builtin.setup#module:gather_subset)
        option of M(ansible.builtin.setup), for example V(["!all", min, network]).
      - Empty (the default) gathers no facts.
    type: list
    elements: str
    default: []
  gather_timeout:
    description: Timeout in seconds of each fact collector (see M(ansible.builtin.setup)).
    type: int
    default: 10
  packages:
    description:
      - Packages whose installed upstream version (V(X.Y.Z), without epoch and package revision) is
        returned in RV(running_versions), read with C(dpkg-query) or C(rpm).
    type: list
    elements: str
    default: []
  apiserver_manifest:
    description:
      - Static pod manifest of the API server; the version of its C(kube-apiserver) image tag is
        returned in RV(running_versions) as C(kube-apiserver).
      - Empty skips the read.
    type: path
    default: /etc/kubernetes/manifests/kube-apiserver.yaml
  candidates:
    description:
      - Packages whose candidate version (what C(apt-get install) would install from the host's
        configured package sources) is returned in RV(candidate_versions), read with
        C(apt-cache policy). Hosts without C(apt-cache) return V(null) for each.
    type: list
    elements: str
    default: []
  package_index:
    description:
      - A package repository whose index is read over HTTP(S) for the versions of one package,
        returned in RV(package_index). The host picks the URL of its own package format
        (C(deb) when C(dpkg-query) exists, else C(rpm)).
      - Empty (the default) reads nothing.
    type: dict
    default: {}
    suboptions:
      deb:
        description:
          - URL of a flat apt repository (the directory that holds C(Packages.gz), C(Packages.xz)
            or C(Packages)). The repository counts as missing (RV(package_index.status) V(404))
            only when none of these and neither C(InRelease) nor C(Release) exists.
        type: str
        default: ""
      rpm:
        description:
          - URL of an rpm repository (the directory that holds C(repodata/repomd.xml)).
        type: str
        default: ""
      package:
        description: The package whose versions are listed.
        type: str
        default: kubeadm
  cgroup_root:
    description:
      - Mount point of the cgroup hierarchy; the host counts as cgroup v2 (unified) when
        C(<cgroup_root>/cgroup.controllers) exists.
    type: path
    default: /sys/fs/cgroup
  containerd_root:
    description:
      - containerd's root directory; RV(containerd_root_fstype) is the filesystem type of the mount
        that holds it (of its nearest existing parent before containerd is installed).
    type: path
    default: /var/lib/containerd
seealso:
  - module: seed.kubeadm.node_state
"""

EXAMPLES = r"""
- name: Probe the node and the package repository
  seed.kubeadm.preflight_probe:
    endpoints:
      - name: Kubernetes packages
        host: pkgs.k8s.io
        port: 443
    ports: [6443, 10250]
    timeout: 3
  register: probe

- name: Probe the node and gather the minimal and network facts in the same round trip
  seed.kubeadm.preflight_probe:
    ports: [10250]
    gather_subset: ["!all", min, network]
  register: probe

- name: Stop when the API port is taken
  ansible.builtin.fail:
    msg: port 6443 is in use
  when: 6443 in probe.listening
"""

RETURN = r"""
cpus:
  description: CPUs the module may run on (what kubeadm counts).
  returned: always
  type: int
  sample: 2
memory_mb:
  description: C(MemTotal) in MiB.
  returned: always
  type: int
  sample: 3920
listening:
  description: The O(ports) that have a TCP listener, sorted.
  returned: always
  type: list
  elements: int
  sample: [10250]
joined:
  description: Whether O(kubelet_conf) exists.
  returned: always
  type: bool
probes:
  description: One entry per O(endpoints) entry, in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The endpoint's label.
      type: str
    host:
      description: The endpoint's host.
      type: str
    port:
      description: The endpoint's port.
      type: int
    ok:
      description: Whether the connection succeeded.
      type: bool
    error:
      description: Why it failed (empty when O(endpoints[].host) answered).
      type: str
  sample: [{"name": "packages", "host": "pkgs.k8s.io", "port": 443, "ok": false, "error": "no answer within 5 s"}]
running_versions:
  description:
    - Per O(packages) entry the installed version, and C(kube-apiserver) the version of the image
      in O(apiserver_manifest); V(null) when not installed, missing or unreadable.
  returned: always
  type: dict
  sample: {"kubeadm": "1.35.6", "kubelet": "1.35.6", "kube-apiserver": "1.35.6"}
cgroup_v2:
  description: Whether the host runs the unified cgroup v2 hierarchy (C(cgroup.controllers) exists under O(cgroup_root)).
  returned: always
  type: bool
container:
  description:
    - The container engine the host runs in (V(docker), V(podman), V(lxc), ...), from
      C(/run/systemd/container), PID 1's C(container=) environment, C(/.dockerenv) or
      C(/run/.containerenv); empty on a VM or bare metal.
  returned: always
  type: str
  sample: docker
containerd_root_fstype:
  description: The filesystem type under O(containerd_root) (V(overlay) inside a container without a volume there).
  returned: always
  type: str
  sample: ext4
candidate_versions:
  description:
    - Per O(candidates) entry the upstream version C(X.Y.Z) the host's package sources offer;
      V(null) when none offers it, the index was never downloaded, or the host has no C(apt-cache).
  returned: always
  type: dict
  sample: {"containerd": "1.7.24"}
package_index:
  description: What the index of O(package_index) lists; empty when O(package_index) is empty.
  returned: always
  type: dict
  contains:
    url:
      description: The index read.
      type: str
    package:
      description: O(package_index.package).
      type: str
    versions:
      description: The upstream versions C(X.Y.Z) of the package in the index, sorted.
      type: list
      elements: str
    status:
      description: The HTTP status of a failed read (V(404) for a repository that does not exist), else V(0).
      type: int
    error:
      description: Why the index could not be read (empty when it was).
      type: str
  sample: {"url": "https://pkgs.k8s.io/core:/stable:/v1.35/deb/Packages.gz", "package": "kubeadm",
           "versions": ["1.35.0", "1.35.1"], "status": 0, "error": ""}
ansible_facts:
  description: The facts of O(gather_subset), as M(ansible.builtin.setup) returns them.
  returned: when O(gather_subset) is not empty
  type: dict
  sample: {"ansible_os_family": "Debian", "ansible_default_ipv4": {"address": "10.0.0.5"}}
"""

import gzip
import lzma
import os
import re
import socket
import threading
from xml.etree import ElementTree
from urllib.error import HTTPError

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.facts import ansible_collector, default_collectors
from ansible.module_utils.facts.namespace import PrefixFactNamespace
from ansible.module_utils.urls import open_url
from ansible_collections.seed.kubeadm.plugins.module_utils.host_env import container_kind, path_fstype

# What ansible.builtin.setup gathers for the subset "min" (its minimal_gather_subset).
MINIMAL_GATHER_SUBSET = frozenset(['apparmor', 'caps', 'cmdline', 'date_time', 'distribution', 'dns', 'env', 'fips',
                                   'local', 'lsb', 'pkg_mgr', 'platform', 'python', 'selinux', 'service_mgr',
                                   'ssh_pub_keys', 'user'])


def cpus():
    """CPUs this process may run on (what kubeadm counts)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 0


def memory_mb(path="/proc/meminfo"):
    """MemTotal in MiB."""
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 1024
    except (IOError, OSError, ValueError, IndexError):
        pass
    return 0


def listening_ports(paths=("/proc/net/tcp", "/proc/net/tcp6")):
    """Local TCP ports in state LISTEN."""
    ports = set()
    for path in paths:
        try:
            with open(path) as handle:
                next(handle, None)
                for line in handle:
                    fields = line.split()
                    if len(fields) > 3 and fields[3] == "0A":
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except (IOError, OSError, ValueError):
            continue
    return ports


VERSION_RE = re.compile(r"^v?([0-9]+\.[0-9]+\.[0-9]+)")
IMAGE_LINE_RE = re.compile(r"^[\s-]*image:\s*[\"']?([^\s\"']+)")


def upstream_version(text):
    """X.Y.Z of a package version (1:1.35.6-1.1, 1.35.6-150500.1.1) or an image tag (v1.35.6); None if none."""
    if not text:
        return None
    text = text.strip()
    if ":" in text.split("-", 1)[0]:
        text = text.split(":", 1)[1]  # epoch
    match = VERSION_RE.match(text)
    return match.group(1) if match else None


def installed_versions(run, names, dpkg_query=None, rpm=None):
    """Installed upstream version per package name (None when not installed)."""
    result = dict((name, None) for name in names)
    if not names:
        return result
    if dpkg_query:
        out = run([dpkg_query, "-W", "-f", "${Package} ${Version} ${db:Status-Abbrev}\\n"] + list(names))[1]
        for line in out.splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[0] in result and fields[2].startswith(("ii", "hi")):
                result[fields[0]] = upstream_version(fields[1])
    elif rpm:
        for name in names:
            rc, out = run([rpm, "-q", name, "--qf", "%{VERSION}\\n"])
            if rc == 0 and out.strip():
                result[name] = upstream_version(out.splitlines()[0])
    return result


def candidate_versions(run, names, apt_cache=None):
    """Upstream version apt would install per package name (None when none is offered)."""
    result = dict((name, None) for name in names)
    if not names or not apt_cache:
        return result
    current = None
    for line in run([apt_cache, "policy"] + list(names))[1].splitlines():
        if line[:1].strip() and line.rstrip().endswith(":"):
            current = line.strip()[:-1]
        elif current in result and line.strip().startswith("Candidate:"):
            value = line.split(":", 1)[1].strip()
            result[current] = None if value == "(none)" else upstream_version(value)
    return result


def _fetch(url, timeout):
    data = open_url(url, timeout=timeout, follow_redirects="safe").read()
    if url.endswith(".gz"):
        return gzip.decompress(data)
    return lzma.decompress(data) if url.endswith(".xz") else data


# The index files of a flat apt repository, in the order they are tried.
DEB_INDEXES = ("Packages.gz", "Packages.xz", "Packages")


def deb_index_versions(text, package):
    """Upstream versions of ``package`` in an apt Packages index."""
    versions = set()
    for stanza in re.split(r"\n\s*\n", text):
        fields = dict(re.findall(r"(?m)^([A-Za-z0-9-]+):[ \t]*(.*)$", stanza))
        if fields.get("Package") == package and upstream_version(fields.get("Version")):
            versions.add(upstream_version(fields["Version"]))
    return versions


def rpm_primary_versions(data, package):
    """Upstream versions of ``package`` in an rpm repository's primary.xml."""
    versions = set()
    for element in ElementTree.fromstring(data).iter():
        if element.tag.endswith("}package") or element.tag == "package":
            name = version = None
            for child in element:
                if child.tag.endswith("name"):
                    name = (child.text or "").strip()
                elif child.tag.endswith("version"):
                    version = upstream_version(child.get("ver"))
            if name == package and version:
                versions.add(version)
    return versions


def _version_key(version):
    return tuple(int(part) for part in version.split("."))


def _deb_index(base, package, timeout):
    """(URL read, versions) of a flat apt repository; HTTP 404 only when it has no index and no Release."""
    for name in DEB_INDEXES:
        try:
            return base + name, deb_index_versions(_fetch(base + name, timeout).decode("utf-8", "replace"), package)
        except HTTPError as exc:
            if exc.code != 404:
                raise
    for name in ("InRelease", "Release"):
        try:
            _fetch(base + name, timeout)
        except HTTPError as exc:
            if exc.code != 404:
                raise
            continue
        raise ValueError("%s has %s but none of %s" % (base, name, ", ".join(DEB_INDEXES)))
    raise HTTPError(base + DEB_INDEXES[-1], 404, "Not Found", None, None)


def _rpm_index(base, package, timeout):
    """(URL read, versions) of an rpm repository: repodata/repomd.xml, then the primary index it names."""
    repomd = ElementTree.fromstring(_fetch(base + "repodata/repomd.xml", timeout))
    href = [loc.get("href") for data in repomd.iter() if data.tag.endswith("data") and data.get("type") == "primary"
            for loc in data if loc.tag.endswith("location")]
    if not href:
        raise ValueError("repodata/repomd.xml lists no primary index")
    return base + href[0], rpm_primary_versions(_fetch(base + href[0], timeout), package)


def index_versions(index, family, timeout):
    """The versions of index["package"] in the repository of the host's package family (deb or rpm)."""
    package = index.get("package") or "kubeadm"
    base = str(index.get(family) or "")
    entry = {"url": "", "package": package, "versions": [], "status": 0, "error": ""}
    if not base:
        return entry
    base = base.rstrip("/") + "/"
    entry["url"] = base + (DEB_INDEXES[-1] if family == "deb" else "repodata/repomd.xml")
    try:
        entry["url"], found = (_deb_index if family == "deb" else _rpm_index)(base, package, timeout)
        entry["versions"] = sorted(found, key=_version_key)
    except HTTPError as exc:
        entry.update(url=exc.filename or entry["url"], status=exc.code, error="HTTP %s" % exc.code)
    except Exception as exc:  # pylint: disable=broad-except  # any failure is reported, never raised
        entry["error"] = str(exc) or exc.__class__.__name__
    return entry


def manifest_image_version(path, component="kube-apiserver"):
    """Version of the ``component`` image in a static pod manifest; None when missing or unreadable."""
    if not path:
        return None
    try:
        with open(path) as handle:
            lines = handle.read().splitlines()
    except (IOError, OSError, UnicodeDecodeError):
        return None
    for line in lines:
        match = IMAGE_LINE_RE.match(line)
        if not match:
            continue
        image = match.group(1).split("@", 1)[0]
        name = image.rsplit("/", 1)[-1]
        if ":" in name and name.split(":", 1)[0] == component:
            return upstream_version(name.split(":", 1)[1])
    return None


def cgroup_v2(root="/sys/fs/cgroup"):
    """Whether the unified (v2) cgroup hierarchy is mounted at ``root``."""
    return os.path.exists(os.path.join(root, "cgroup.controllers"))


def probe(endpoint, timeout):
    """Open (and close) one TCP connection; return the outcome."""
    host, port = str(endpoint["host"]), int(endpoint["port"])
    entry = {"name": endpoint.get("name") or "", "host": host, "port": port, "ok": False, "error": ""}
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
        sock.close()
        entry["ok"] = True
    except socket.timeout:
        entry["error"] = "no answer within %g s" % timeout
    except socket.gaierror as exc:
        entry["error"] = "cannot resolve %s: %s" % (host, exc.strerror or exc)
    except (IOError, OSError) as exc:
        entry["error"] = exc.strerror or str(exc)
    return entry


def probe_all(endpoints, timeout):
    """probe() every endpoint in parallel; results in the order of ``endpoints``."""
    results = [None] * len(endpoints)

    def worker(index):
        results[index] = probe(endpoints[index], timeout)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(endpoints))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def gather_facts(module, subset, timeout):
    """The facts ansible.builtin.setup returns for ``subset``."""
    try:
        collector = ansible_collector.get_ansible_collector(
            all_collector_classes=default_collectors.collectors,
            namespace=PrefixFactNamespace(namespace_name='ansible', prefix='ansible_'),
            filter_spec=[], gather_subset=subset, gather_timeout=timeout,
            minimal_gather_subset=MINIMAL_GATHER_SUBSET)
    except Exception as exc:  # pylint: disable=broad-except  # setup fails the same way on a bad subset
        module.fail_json(msg='gather_subset %s: %s' % (subset, exc))
    return collector.collect(module=module)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            endpoints=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", default=""),
                host=dict(type="str", required=True),
                port=dict(type="int", required=True),
            )),
            timeout=dict(type="float", default=5),
            ports=dict(type="list", elements="int", default=[]),
            kubelet_conf=dict(type="path", default="/etc/kubernetes/kubelet.conf"),
            gather_subset=dict(type="list", elements="str", default=[]),
            gather_timeout=dict(type="int", default=10),
            packages=dict(type="list", elements="str", default=[]),
            apiserver_manifest=dict(type="path", default="/etc/kubernetes/manifests/kube-apiserver.yaml"),
            cgroup_root=dict(type="path", default="/sys/fs/cgroup"),
            containerd_root=dict(type="path", default="/var/lib/containerd"),
            candidates=dict(type="list", elements="str", default=[]),
            package_index=dict(type="dict", default={}, options=dict(
                deb=dict(type="str", default=""),
                rpm=dict(type="str", default=""),
                package=dict(type="str", default="kubeadm"),
            )),
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

    running = installed_versions(run, params["packages"], module.get_bin_path("dpkg-query"), module.get_bin_path("rpm"))
    running["kube-apiserver"] = manifest_image_version(params["apiserver_manifest"])
    index = params["package_index"] or {}
    family = "deb" if module.get_bin_path("dpkg-query") else "rpm"
    extra = {}
    if params["gather_subset"]:
        extra["ansible_facts"] = gather_facts(module, params["gather_subset"], params["gather_timeout"])
    module.exit_json(
        changed=False,
        cpus=cpus(),
        memory_mb=memory_mb(),
        listening=sorted(set(params["ports"]) & listening_ports()),
        joined=os.path.exists(params["kubelet_conf"]),
        probes=probe_all(params["endpoints"], params["timeout"]),
        running_versions=running,
        cgroup_v2=cgroup_v2(params["cgroup_root"]),
        container=container_kind(),
        containerd_root_fstype=path_fstype(params["containerd_root"]),
        candidate_versions=candidate_versions(run, params["candidates"], module.get_bin_path("apt-cache")),
        package_index=index_versions(index, family, params["timeout"]) if index.get(family) else {},
        **extra
    )


if __name__ == "__main__":
    main()
