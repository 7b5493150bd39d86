# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: the hops of a cluster upgrade and its refusals (playbooks/upgrade.yml), and the
versions a Debian package index offers."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.module_utils import version as ver

_FIX_VERSIONS = "or leave upgrade_versions empty to take the newest patch the source offers"


def _key(version):
    return tuple(int(part) for part in version.split("."))


def _minor(version):
    return ".".join(version.split(".")[:2])


def _plain(version):
    text = str(version or "")
    return text[1:] if text[:1] in ("v", "V") else text


def _newest(versions):
    by_minor = {}
    for version in versions:
        minor = _minor(version)
        if minor not in by_minor or _key(version) > _key(by_minor[minor]):
            by_minor[minor] = version
    return by_minor


def _explicit(versions, lowest, target, problems):
    """{minor: version} of upgrade_versions, with its mistakes added to problems."""
    chosen = {}
    for version in versions:
        if not ver.k8s_version_valid(version):
            problems.append("upgrade_versions: %r is not a Kubernetes version X.Y.Z; list one version per minor, for example "
                            "['1.34.3']" % (version,))
            continue
        minor = _minor(version)
        if minor in chosen and chosen[minor] != version:
            problems.append("upgrade_versions lists %s and %s: kubeadm takes one version per minor; keep one" % (chosen[minor], version))
            continue
        chosen[minor] = version
        if _key(version) > _key(target):
            problems.append("upgrade_versions lists %s, newer than the target cluster_kubernetes_version %s; remove it or raise the target"
                            % (version, target))
        elif lowest and _key(version) < _key(lowest):
            problems.append("upgrade_versions lists %s, older than %s that the cluster already runs; remove it" % (version, lowest))
        elif minor == _minor(target) and version != target:
            problems.append("upgrade_versions lists %s but the target is %s; remove it, the last hop is the target" % (version, target))
    return chosen


def upgrade_plan(target, running, control_plane, node_names, nodes=None, available=None, versions=None,
                 source="the package source", max_hops=4, cordoned=None):
    if not isinstance(running, dict) or not isinstance(node_names, dict):
        raise AnsibleFilterError("upgrade_plan needs running and node_names as dicts")
    out = {"current": "", "hops": [], "problems": [], "warnings": []}
    problems = out["problems"]
    if not ver.k8s_version_valid(target):
        problems.append("cluster_kubernetes_version %r is not a Kubernetes version X.Y.Z; set the version to upgrade to, "
                        "for example -e cluster_kubernetes_version=1.35.1" % (target,))
        return out

    apiservers, kubelets = {}, {}
    for host in control_plane:
        if host not in running:
            problems.append("control plane %s is not in this run (--limit or unreachable): an upgrade needs every control plane" % host)
            continue
        version = _plain((running[host] or {}).get("kube-apiserver"))
        if not ver.k8s_version_valid(version):
            problems.append("control plane %s runs no kube-apiserver static pod: upgrade.yml upgrades a running cluster; "
                            "join the host with site.yml first, or remove it from the control_plane group" % host)
            continue
        apiservers[host] = version
    for host in sorted(running):
        version = _plain((running[host] or {}).get("kubelet"))
        if not ver.k8s_version_valid(version):
            problems.append("host %s has no kubelet package: upgrade.yml upgrades the nodes of a running cluster; join the host "
                            "with site.yml first, or leave it out with --limit" % host)
            continue
        kubelets[host] = version
    if nodes is None:
        problems.append("the Node objects could not be read through the first control plane; check that the API answers "
                        "(kubectl get nodes) and run again")
        nodes = {}
    if problems:
        return out
    # A kubelet package installed but not yet running (a run stopped before the restart) counts as the
    # older version its Node still reports.
    for host in list(kubelets):
        reported = _plain(nodes.get(node_names.get(host, host)))
        if ver.k8s_version_valid(reported) and _key(reported) < _key(kubelets[host]):
            kubelets[host] = reported
    left_cordoned = sorted(set(cordoned or []) & set(node_names.get(h, h) for h in running))

    everything = list(apiservers.values()) + list(kubelets.values())
    lowest = min(everything, key=_key)
    highest = max(everything, key=_key)
    out["current"] = lowest
    if _key(target) < _key(highest):
        where = sorted(h for h, v in list(apiservers.items()) + list(kubelets.items()) if v == highest)
        problems.append("cluster_kubernetes_version %s is older than %s, which %s already runs: kubeadm does not downgrade; "
                        "set cluster_kubernetes_version to %s or newer" % (target, highest, ", ".join(sorted(set(where))), highest))
        return out
    cp_versions = sorted(set(apiservers.values()), key=_key)
    if ver.k8s_version_parse(cp_versions[-1])["minor"] - ver.k8s_version_parse(cp_versions[0])["minor"] > 1:
        problems.append("the control planes run %s: more than one minor apart, which kubeadm does not support; bring them to "
                        "one minor by hand (kubeadm upgrade node) before running upgrade.yml"
                        % ", ".join("%s on %s" % (v, ", ".join(sorted(h for h in apiservers if apiservers[h] == v))) for v in cp_versions))
        return out
    if _key(lowest) == _key(target) and _key(highest) == _key(target):
        if left_cordoned:
            out["hops"] = [target]
            out["warnings"].append("Node %s was left cordoned by an interrupted upgrade; this run finishes it"
                                   % ", ".join(left_cordoned))
        return out

    explicit = _explicit([str(v) for v in versions or []], lowest, target, problems)
    offered = None
    if available is not None:
        offered = sorted({_plain(v) for v in available if ver.k8s_version_valid(_plain(v))}, key=_key)
        if target not in offered:
            problems.append("cluster_kubernetes_version %s is not in %s (it offers %s); pick one of these, or add the packages "
                            "and images of %s to it" % (target, source, ", ".join(offered) or "no kubeadm version", target))
        for version in explicit.values():
            if version not in offered and version != target:
                problems.append("upgrade_versions lists %s, which is not in %s (it offers %s); %s"
                                % (version, source, ", ".join(offered) or "no kubeadm version", _FIX_VERSIONS))
    if problems:
        return out

    newest = _newest(offered or [])
    latest = {}
    low = ver.k8s_version_parse(lowest)
    high = ver.k8s_version_parse(target)
    for minor in range(low["minor"] + 1, high["minor"]):
        key = "%d.%d" % (low["major"], minor)
        if key in explicit:
            latest[key] = explicit[key]
        elif explicit or offered is None:
            problems.append("upgrade_versions has no %s version: kubeadm upgrades one minor at a time, so %s -> %s passes "
                            "through %s; add a %s.Z version to upgrade_versions%s"
                            % (key, lowest, target, key, key, "" if offered is None else " " + _FIX_VERSIONS))
        elif key in newest:
            latest[key] = newest[key]
        else:
            problems.append("%s offers no %s version (it offers %s), and kubeadm upgrades one minor at a time from %s to %s; "
                            "add the %s packages and images to it" % (source, key, ", ".join(offered), lowest, target, key))
    if problems:
        return out
    hops = ver.k8s_upgrade_path(lowest, target, latest)
    # A host already upgraded past the patch a hop names must not be taken back.
    for hop in hops[:-1]:
        for host, version in sorted(list(apiservers.items()) + list(kubelets.items())):
            if _minor(version) == _minor(hop) and _key(version) > _key(hop):
                problems.append("the hop to %s would take %s back from %s; list %s or newer in upgrade_versions" % (hop, host, version, version))
    if len(hops) > int(max_hops):
        problems.append("%s -> %s takes %d hops (%s), more than the %d one run makes: upgrade to %s first, then run again"
                        % (lowest, target, len(hops), ", ".join(hops), int(max_hops), hops[int(max_hops) - 1]))
    managed = set(node_names.get(h, h) for h in running)
    for name in sorted(nodes):
        kubelet = _plain(nodes[name])
        if name in managed or not ver.k8s_version_valid(kubelet):
            continue
        problem = ver.k8s_skew_problem(kubelet, target)
        if problem:
            problems.append("Node %s is not in this run and its kubelet would fall out of the supported skew: %s; add its host "
                            "to the run, or upgrade it first" % (name, problem))
        else:
            out["warnings"].append("Node %s is not in this run: its kubelet stays at %s; upgrade it with a later run" % (name, kubelet))
    if not problems:
        out["hops"] = hops
    return out


_STANZA = re.compile(r"\n\s*\n")


def deb_versions(index, package="kubeadm"):
    """Upstream versions (X.Y.Z) of ``package`` in the text of a Debian Packages index."""
    found = set()
    for stanza in _STANZA.split(str(index or "")):
        fields = {}
        for line in stanza.splitlines():
            if ":" in line and not line[:1].isspace():
                name, value = line.split(":", 1)
                fields[name.strip()] = value.strip()
        if fields.get("Package") != package:
            continue
        upstream = fields.get("Version", "").split(":", 1)[-1].rsplit("-", 1)[0]
        if ver.k8s_version_valid(upstream):
            found.add(upstream)
    return sorted(found, key=_key)


_HASH = re.compile(r"static Pod hash for component (\S+) on Node (\S+) did not change after ([^\s:]+)")


def upgrade_failure(result, host, hop, old, stage):
    """The message of a failed kubeadm upgrade command, with the diagnosis of the known hangs."""
    result = result if isinstance(result, dict) else {}
    text = "%s\n%s" % (result.get("stdout") or "", result.get("stderr") or "")
    command = " ".join(str(a) for a in (result.get("cmd") or [])[1:3]) or "upgrade"
    rc = result.get("rc")
    head = "kubeadm %s stopped on %s in the %s hop to %s (rc %s)" % (command, host, stage, hop, rc)
    resume = ("Run upgrade.yml again with the same cluster_kubernetes_version: it starts again with this hop and "
              "leaves alone what is already upgraded.")
    match = _HASH.search(text)
    if match:
        return ("%s: the kubelet on %s did not restart %s after kubeadm wrote its new manifest (the mirror Pod's "
                "kubernetes.io/config.hash did not change within %s), so kubeadm put the old manifests back and %s still "
                "runs %s. Look at the kubelet there (journalctl -u kubelet: a kubelet that no longer watches "
                "/etc/kubernetes/manifests, a full disk, an image it cannot pull), fix it, then: %s"
                % (head, match.group(2), match.group(1), match.group(3), host, old or "the old version", resume))
    if rc in (-9, 137):
        return ("%s: kubeadm was killed. Its backups are in /etc/kubernetes/tmp on %s; %s" % (head, host, resume))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # kubeadm lists the reasons of an error one per line as "\t- reason" (kubeadmutil.FormatErrMsg).
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower() or "[ERROR" in line
              or line.startswith("- ")]
    detail = " | ".join((errors or lines)[-5:]) or "no output"
    return "%s: %s. %s" % (head, detail, resume)


class FilterModule(object):
    def filters(self):
        return {"upgrade_plan": upgrade_plan, "deb_versions": deb_versions, "upgrade_failure": upgrade_failure}
