# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only node probe of the seed.kubeadm preflight role.

Run by the role as ``python3 -c <this file> '<json>'``; the JSON argument holds ``endpoints``
(list of {name, host, port}), ``timeout`` (seconds), ``ports`` (TCP ports that must be free) and
``kubelet_conf`` (file that marks a node already in a cluster). Prints one JSON object: cpus,
memory_mb, listening (the given ports that have a listener), joined, probes (one per endpoint with
ok and error). Probes run in parallel, so a blocked network costs one timeout. Changes nothing.
"""

import json
import os
import socket
import sys
import threading


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
    except (OSError, ValueError, IndexError):
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
        except (OSError, ValueError):
            continue
    return ports


def probe(endpoint, timeout, results):
    """Open (and close) one TCP connection; record the outcome."""
    host, port = str(endpoint["host"]), int(endpoint["port"])
    entry = {"name": endpoint.get("name", ""), "host": host, "port": port, "ok": False, "error": ""}
    try:
        with socket.create_connection((host, port), timeout=timeout):
            entry["ok"] = True
    except socket.timeout:
        entry["error"] = "no answer within %g s" % timeout
    except socket.gaierror as exc:
        entry["error"] = "cannot resolve %s: %s" % (host, exc.strerror or exc)
    except OSError as exc:
        entry["error"] = exc.strerror or str(exc)
    results[id(endpoint)] = entry


def main(argv):
    request = json.loads(argv[1]) if len(argv) > 1 else {}
    endpoints = request.get("endpoints") or []
    timeout = float(request.get("timeout") or 5)
    results = {}
    threads = [threading.Thread(target=probe, args=(e, timeout, results)) for e in endpoints]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wanted = set(int(p) for p in request.get("ports") or [])
    print(json.dumps({
        "cpus": cpus(),
        "memory_mb": memory_mb(),
        "listening": sorted(wanted & listening_ports()),
        "joined": os.path.exists(request.get("kubelet_conf") or "/etc/kubernetes/kubelet.conf"),
        "probes": [results[id(e)] for e in endpoints],
    }))


main(sys.argv)
