#!/usr/bin/env python
"""Time the node play (preflight + node_prep + container_runtime) on N fresh local hosts.

For every host count: recreate N fresh systemd container hosts, time the first converge and a
no-change re-run, REPEAT times; print median/min/max and the changed count of the re-run, write
a markdown table (benchmarks/results/node_play.md) and a plot (benchmarks/results/node_play.png).

Usage (from the repository root, after `source scripts/lib.sh`):
    python benchmarks/node_play.py --hosts 1 4 8 16 --repeat 3 [--forks 20]
Never part of the pass/fail test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
NETWORK, SUBNET = "seed-bench", "172.30.50.0/24"
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def platforms(count):
    return [
        {"name": "seed-bench-%d" % i, "network": NETWORK, "subnet": SUBNET,
         "ipv4_address": "172.30.50.%d" % (10 + i)}
        for i in range(1, count + 1)
    ]


def run(cmd, env=None, check=True):
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    if check and proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit("command failed: %s" % " ".join(cmd))
    return proc


def harness(action, count, workdir):
    spec = workdir / "platforms.json"
    spec.write_text(json.dumps({"molecule_yml": {"platforms": platforms(count)}}))
    run(["ansible-playbook", "-i", "localhost,", "-e", "@%s" % spec,
         "-e", "molecule_instance_config=%s" % (workdir / "instances.yml"),
         "molecule/resources/%s.yml" % action])


def inventory(count, workdir):
    hosts = {p["name"]: {"cluster_node_ip": p["ipv4_address"]} for p in platforms(count)}
    first = next(iter(hosts))
    inv = {
        "all": {
            "vars": {
                "ansible_connection": "community.docker.docker",
                # No internet here: mirror mode with made-up mirrors; nothing is pulled.
                "cluster_source": "mirror",
                "cluster_mirror_image_repository": "registry.example.internal/k8s",
                "cluster_mirror_package_url": "https://packages.example.internal/kubernetes",
                "cluster_source_check": False,
            },
            "children": {
                "control_plane": {"hosts": {first: hosts[first]}},
                "workers": {"hosts": {h: v for h, v in hosts.items() if h != first}},
                "k8s_cluster": {"children": {"control_plane": {}, "workers": {}}},
            },
        }
    }
    path = workdir / "inventory.json"
    path.write_text(json.dumps(inv))
    return path


def timed_play(inv, forks):
    env = dict(os.environ, ANSIBLE_FORKS=str(forks), ANSIBLE_PIPELINING="true")
    start = time.monotonic()
    proc = run(["ansible-playbook", "-i", str(inv), "benchmarks/node_play.yml"], env=env, check=False)
    elapsed = time.monotonic() - start
    recap = RECAP.findall(proc.stdout)
    if proc.returncode != 0 or not recap:
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit("node play failed")
    return elapsed, sum(int(r[2]) for r in recap)


def summarize(values):
    return statistics.median(values), min(values), max(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--image", default="seed-kubeadm-host:bookworm")
    args = parser.parse_args()

    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for count in args.hosts:
            first, rerun, changed = [], [], []
            for rep in range(args.repeat):
                harness("destroy", max(args.hosts), workdir)
                harness("create", count, workdir)
                inv = inventory(count, workdir)
                run(["ansible-playbook", "-i", str(inv), "molecule/resources/prepare.yml"])
                t_first = timed_play(inv, args.forks)[0]
                t_rerun, n_changed = timed_play(inv, args.forks)
                first.append(t_first)
                rerun.append(t_rerun)
                changed.append(n_changed)
                print("hosts=%d rep=%d first=%.1fs rerun=%.1fs changed=%d" % (count, rep + 1, t_first, t_rerun, n_changed), flush=True)
            rows.append((count, summarize(first), summarize(rerun), max(changed)))
        harness("destroy", max(args.hosts), workdir)

    header = "| hosts | first converge median (min–max) | no-change re-run median (min–max) | changed on re-run |\n|---|---|---|---|\n"
    lines = ["| %d | %.1f s (%.1f–%.1f) | %.1f s (%.1f–%.1f) | %d |" % (c, *f, *r, ch) for c, f, r, ch in rows]
    table = header + "\n".join(lines) + "\n"
    meta = "%s, %d CPUs, Python %s, forks %d, %d runs each, %s\n" % (
        platform.platform(), os.cpu_count(), platform.python_version(), args.forks, args.repeat,
        time.strftime("%Y-%m-%d"))
    (RESULTS / "node_play.md").write_text(meta + "\n" + table)
    print()
    print(meta + table)
    try:
        import matplotlib  # pylint: disable=import-outside-toplevel
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
    except ImportError:
        print("matplotlib not installed (pip install -r benchmarks/requirements.txt): no plot")
        return
    counts = [r[0] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(counts, [r[1][0] for r in rows], "o-", label="first converge")
    ax.plot(counts, [r[2][0] for r in rows], "s-", label="no-change re-run")
    ax.set_xlabel("hosts")
    ax.set_ylabel("seconds (median)")
    ax.set_title("seed.kubeadm node play")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "node_play.png", dpi=100)
    print("plot: %s" % (RESULTS / "node_play.png"))


if __name__ == "__main__":
    main()
