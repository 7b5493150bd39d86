#!/usr/bin/env python
"""Time `playbooks/add_nodes.yml` adding one fresh worker to running clusters of 1, 4 and 8 nodes.

One offline cluster against the test doubles of tests/doubles (kubeadm, kubelet, the control-plane
components; the real containerd, etcd, haproxy, keepalived, registry and apt repository), built the
way the orchestration scenario builds it: an init node serving the bundle, one control plane holding
the API VIP, workers. The cluster grows between sizes with add_nodes.yml itself (never re-converged).
At each size, REPEAT times: a fresh host `seed-addb-new` (container recreated, package sources taken
away), then the documented command, timed:

    ansible-playbook playbooks/add_nodes.yml -i <inventory> -e nodes=seed-addb-new

and checked: the recap names only the new host, the first control plane (which is also the API load
balancer here) and localhost, nothing changed on the first control plane's files, and no other host
saw a kubeadm, kubelet or kubectl call (the doubles' call logs). Then the new Node is taken out again
with remove_node.yml (no reset: the host is recreated anyway).

Usage (from the repository root, after `source scripts/lib.sh`):
    python benchmarks/add_node.py --sizes 1 4 8 --repeat 3 [--profile]
Writes benchmarks/results/add_node.md (table) and add_node.png (plot). Never part of the test run:
timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from node_play import (  # noqa: E402
    RECAP, RESULTS, ROOT, ansible_version, cpu_model, molecule_harness, report, run, summarize)

NETWORK, SUBNET, PREFIX = "seed-addb", "172.30.51.0/24", "172.30.51."
VIP = PREFIX + "100"
NEW = "seed-addb-new"
MAX_WORKERS = 7


def platform_of(name, last_octet):
    return {"name": name, "network": NETWORK, "subnet": SUBNET, "ipv4_address": PREFIX + str(last_octet)}


def all_platforms():
    plats = [platform_of("seed-addb-init", 10), platform_of("seed-addb-cp1", 11)]
    plats += [platform_of("seed-addb-w%d" % i, 20 + i) for i in range(1, MAX_WORKERS + 1)]
    return plats + [platform_of(NEW, 40)]


def inventory(workdir, workers, with_new):
    """Inventory of the cluster: init node, cp1, the first ``workers`` workers, and the new host."""
    plats = {p["name"]: p for p in all_platforms()}
    names = ["seed-addb-w%d" % i for i in range(1, workers + 1)] + ([NEW] if with_new else [])

    def hostvars(name):
        return {"cluster_node_ip": plats[name]["ipv4_address"]}
    inv = {"all": {
        "vars": {
            "ansible_connection": "community.docker.docker",
            "cluster_kubernetes_version": "1.35.6",
            "cluster_source": "offline",
            "cluster_source_check": True,
            "offline_repo_bundle_path": str(workdir / "bundle"),
            "cluster_api_vip": VIP,
            "cluster_cni": "flannel",
            "kube_packages_extra": [],
            # As in the orchestration scenario: the hosts share the machine's cgroup v1 hierarchy.
            "control_plane_ignore_preflight_errors": ["SystemVerification", "Swap"],
            "worker_ignore_preflight_errors": ["SystemVerification", "Swap"],
            "control_plane_kubeadm_extra_config": {"KubeletConfiguration": {"failSwapOn": False,
                                                                            "failCgroupV1": False}},
        },
        "children": {
            "init": {"hosts": {"seed-addb-init": hostvars("seed-addb-init")}},
            "control_plane": {"hosts": {"seed-addb-cp1": hostvars("seed-addb-cp1")}},
            "workers": {"hosts": {n: hostvars(n) for n in names}},
            "k8s_cluster": {"children": {"control_plane": {}, "workers": {}}},
            "apiserver_lb": {}, "ingress": {},
        }}}
    path = workdir / "inventory.json"
    path.write_text(json.dumps(inv))
    return path


def env_for(workdir, profile=False):
    env = dict(os.environ, ANSIBLE_FORKS="20", ANSIBLE_PIPELINING="true", ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".collections"), MOLECULE_EPHEMERAL_DIRECTORY=str(workdir))
    if profile:
        env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_tasks"
    return env


def playbook(inv, path, workdir, *args, profile=None):
    """(seconds, output, recap {host: (ok, changed)}) of one ansible-playbook run; exits on failure."""
    start = time.monotonic()
    proc = subprocess.run(["ansible-playbook", "-i", str(inv), path] + list(args), cwd=ROOT,
                          env=env_for(workdir, bool(profile)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    elapsed = time.monotonic() - start
    if profile:
        (RESULTS / profile).write_text(proc.stdout)
    recap = {r[0]: (int(r[1]), int(r[2])) for r in RECAP.findall(proc.stdout)}
    if proc.returncode != 0 or not recap:
        sys.stderr.write(proc.stdout[-6000:])
        raise SystemExit("%s %s failed" % (path, " ".join(args)))
    return elapsed, proc.stdout, recap


def docker(*args, check=True):
    return run(["docker"] + list(args), check=check)


def fresh_new_host(workdir, inv):
    """Recreate the new host from the image, then prepare it as the scenario prepares nodes."""
    docker("rm", "-f", NEW, check=False)
    docker("volume", "rm", "-f", NEW + "-containerd", check=False)
    molecule_harness("create", [platform_of(NEW, 40)], workdir / "new-host")
    run(["ansible-playbook", "-i", str(inv), "molecule/orchestration/prepare.yml", "--limit", NEW],
        env=env_for(workdir))


def call_counts(hosts):
    """{host: lines of the doubles' call log} (kubeadm, kubelet, kubectl calls recorded on each host)."""
    counts = {}
    for host in hosts:
        proc = docker("exec", host, "sh", "-c", "cat /var/log/seed-doubles/calls.jsonl 2>/dev/null | wc -l",
                      check=False)
        counts[host] = int((proc.stdout.strip().splitlines() or ["0"])[-1])
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1, 4, 8], help="cluster sizes (nodes), ascending")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile_tasks, outputs kept in benchmarks/results")
    parser.add_argument("--keep", action="store_true", help="leave the hosts running at the end")
    args = parser.parse_args()
    sizes = sorted(set(args.sizes))
    if sizes[0] < 1 or sizes[-1] > MAX_WORKERS + 1:
        raise SystemExit("--sizes: 1 to %d nodes" % (MAX_WORKERS + 1))
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        plats = all_platforms()
        molecule_harness("destroy", plats, workdir / "hosts")
        molecule_harness("create", plats, workdir / "hosts")
        inv = inventory(workdir, MAX_WORKERS, with_new=True)
        start = time.monotonic()
        run(["ansible-playbook", "-i", str(inv), "molecule/orchestration/prepare.yml"], env=env_for(workdir))
        print("prepare (bundle, package sources away): %.0f s" % (time.monotonic() - start), flush=True)
        workers = sizes[0] - 1
        t_site = playbook(inventory(workdir, workers, with_new=False), "playbooks/site.yml", workdir)[0]
        print("site.yml, %d node(s): %.0f s" % (sizes[0], t_site), flush=True)
        for size in sizes:
            if size - 1 > workers:
                grow = ",".join("seed-addb-w%d" % i for i in range(workers + 1, size))
                t_grow = playbook(inventory(workdir, size - 1, with_new=False), "playbooks/add_nodes.yml",
                                  workdir, "-e", "nodes=" + grow)[0]
                print("grown to %d nodes (add_nodes.yml -e nodes=%s): %.0f s" % (size, grow, t_grow), flush=True)
                workers = size - 1
            inv = inventory(workdir, workers, with_new=True)
            others = ["seed-addb-init"] + ["seed-addb-w%d" % i for i in range(1, workers + 1)]
            times, loads = [], []
            for rep in range(args.repeat):
                fresh_new_host(workdir, inv)
                before = call_counts(others)
                loads.append(os.getloadavg()[0])
                name = "add_node-%d-%d.txt" % (size, rep + 1) if args.profile else None
                elapsed, dummy, recap = playbook(inv, "playbooks/add_nodes.yml", workdir, "-e", "nodes=" + NEW,
                                                 profile=name)
                touched = sorted(h for h in recap if h != "localhost")
                if touched != sorted([NEW, "seed-addb-cp1"]):
                    raise SystemExit("add_nodes.yml touched %s; expected only %s and seed-addb-cp1" % (touched, NEW))
                if recap["seed-addb-cp1"][1] != 0:
                    raise SystemExit("add_nodes.yml changed %d things on seed-addb-cp1" % recap["seed-addb-cp1"][1])
                after = call_counts(others)
                if after != before:
                    raise SystemExit("kubeadm/kubelet/kubectl calls on other hosts: %s -> %s" % (before, after))
                times.append(elapsed)
                print("size=%d rep=%d add=%.1fs recap=%s load=%.1f" % (size, rep + 1, elapsed, touched, loads[-1]),
                      flush=True)
                playbook(inv, "playbooks/remove_node.yml", workdir, "-e", "node=" + NEW, "-e",
                         "remove_node_reset=false", "--limit", "all:!" + NEW)
            rows.append((size, args.repeat, summarize(times), min(loads), max(loads)))
        if not args.keep:
            docker("rm", "-f", NEW, check=False)
            molecule_harness("destroy", plats, workdir / "hosts")

    base = rows[0][2][0]
    table = ("| cluster nodes | runs | add one worker, median (min–max) | vs %d node(s) | load avg (1 min) before |\n"
             "|---|---|---|---|---|\n" % rows[0][0])
    table += "\n".join("| %d | %d | %.1f s (%.1f–%.1f) | %.2fx | %.1f–%.1f |" % (s, n, *t, t[0] / base, lo, hi)
                       for s, n, t, lo, hi in rows) + "\n"
    meta = "%s; %s, %d CPUs; Python %s; %s; forks 20, pipelining on; %s\n" % (
        platform.platform(), cpu_model(), os.cpu_count(), platform.python_version(), ansible_version(),
        time.strftime("%Y-%m-%d %H:%M %Z"))
    plt = report("add_node", meta, table)
    if plt is None:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.errorbar([r[0] for r in rows], [r[2][0] for r in rows],
                yerr=[[r[2][0] - r[2][1] for r in rows], [r[2][2] - r[2][0] for r in rows]], fmt="o-",
                capsize=4, label="add_nodes.yml, one worker")
    ax.axhline(base * 1.2, color="grey", linestyle="--", alpha=0.6, label="1.2x the %d-node time" % rows[0][0])
    ax.set_xlabel("nodes in the cluster")
    ax.set_ylabel("seconds (median, min-max)")
    ax.set_ylim(bottom=0)
    ax.set_title("seed.kubeadm: adding a worker")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "add_node.png", dpi=80)
    print("plot: %s" % (RESULTS / "add_node.png"))


if __name__ == "__main__":
    main()
