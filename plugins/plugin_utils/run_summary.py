# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The text of the run summary (callback seed.kubeadm.run_summary), kept apart from the callback so
that it can be tested without a playbook run."""

from __future__ import annotations

import shlex

TITLE = "SEED.KUBEADM SUMMARY"


def _nodes(nodes):
    """One aligned line per node: name, role, kubelet version, Ready state."""
    rows = [(str(n.get("name", "?")), str(n.get("role", "?")), str(n.get("version", "?")),
             "Ready" if n.get("ready") else "NotReady") for n in nodes or []]
    if not rows:
        return ["  (no node registered)"]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return ["  %-*s  %-*s  %-*s  %s" % (widths[0], r[0], widths[1], r[1], widths[2], r[2], r[3]) for r in rows]


def _cluster(summary):
    kubeconfig = summary.get("kubeconfig") or ""
    lines = ["API endpoint:         %s" % (summary.get("api_endpoint") or "?")]
    if kubeconfig:
        lines.append("Admin kubeconfig:     %s (0600, on this controller)" % kubeconfig)
        lines.append("Use it:               KUBECONFIG=%s kubectl get nodes" % shlex.quote(kubeconfig))
    else:
        lines.append("Admin kubeconfig:     not fetched (control_plane_fetch_kubeconfig is empty); on %s: %s"
                     % (summary.get("first_control_plane") or "the first control plane",
                        summary.get("admin_kubeconfig") or "/etc/kubernetes/admin.conf"))
    lines.append("Nodes:")
    lines.extend(_nodes(summary.get("nodes")))
    lines.append("Ingress VIP:          %s" % (summary.get("ingress_vip") or "none (cluster_ingress_vip is empty)"))
    lines.append("Default StorageClass: %s" % (summary.get("default_storage_class") or "none"))
    return lines


def _changes(changed, hosts, max_tasks):
    lines = ["Changed in this run:"]
    for host in sorted(set(hosts) | set(changed)):
        names = changed.get(host) or []
        if not names:
            lines.append("  %s: nothing" % host)
            continue
        shown = names[:max_tasks]
        more = len(names) - len(shown)
        lines.append("  %s: %d task%s changed" % (host, len(names), "" if len(names) == 1 else "s"))
        lines.extend("    - %s" % name for name in shown)
        if more:
            lines.append("    ... and %d more" % more)
    if len(lines) == 1:
        lines.append("  nothing")
    return lines


def render(summary, changed, hosts, max_tasks=15):
    """Lines to print: the cluster part when ``summary`` (a dict) is given, then what changed per host.

    ``changed``: {host: [task names that reported a change]}; ``hosts``: every host the run touched.
    """
    lines = ["", "%s %s" % (TITLE, "*" * max(3, 79 - len(TITLE) - 1))]
    if isinstance(summary, dict) and summary:
        lines.extend(_cluster(summary))
    lines.extend(_changes(changed or {}, hosts or [], max(1, int(max_tasks or 1))))
    return lines


ROLE_LABEL = "node-role.kubernetes.io/control-plane"
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


def _ready(node):
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def cluster_summary(nodes, storage_classes, base):
    """The summary dict: ``base`` (api_endpoint, kubeconfig, ...) with the nodes (name, role, kubelet
    version, ready; sorted by name) and the default StorageClass(es) from the API's objects."""
    out = dict(base or {})
    rows = []
    for node in nodes or []:
        meta = node.get("metadata") or {}
        labels = meta.get("labels") or {}
        rows.append({"name": meta.get("name", "?"),
                     "role": "control-plane" if ROLE_LABEL in labels else "worker",
                     "version": ((node.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion", "?"),
                     "ready": _ready(node)})
    out["nodes"] = sorted(rows, key=lambda r: (r["role"] != "control-plane", r["name"]))
    out["default_storage_class"] = ", ".join(sorted(
        (sc.get("metadata") or {}).get("name", "?") for sc in storage_classes or []
        if ((sc.get("metadata") or {}).get("annotations") or {}).get(DEFAULT_CLASS) == "true"))
    return out


def summary_lines(summary):
    """The cluster part of the summary alone (the summary task prints it)."""
    return _cluster(summary or {})
