#!/usr/bin/env python
"""Time the whole site.yml on the orchestration scenario's six hosts: first converge per play, then no-change re-runs.

The hosts are those of molecule/orchestration (init node serving the offline bundle, three control
planes behind the API VIP, one worker, an NFS server), against the test doubles of tests/doubles
(kubeadm, kubelet and the control-plane components; the real containerd, etcd, haproxy, keepalived,
registry, nginx, apt repository and NFS server). They are recreated and prepared with the
scenario's own `molecule prepare`, then:

1. the first converge, `ansible-playbook -i <inventory> playbooks/site.yml`, timed per play (from
   the profile_tasks timestamps), so the slowest stage is visible;
2. REPEAT no-change re-runs of the same command, each timed with the load average before it and
   checked: `changed=0` on every host, and no kubeadm, kubelet or kubectl call on any host (the
   doubles' call logs do not grow).

With --peer DIR (another checkout of the collection, for example an older commit made with
`git worktree add DIR <commit>`), each re-run of this checkout is followed by one of the peer's
site.yml on the same hosts, so both columns come from the same run on the same cluster.

Usage (from the repository root, after `source scripts/lib.sh`):
    python benchmarks/site_rerun.py --repeat 3 [--peer DIR] [--keep]
Writes benchmarks/results/site_rerun.md (tables) and site_rerun.png (plot). Never part of the test
run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime
import glob
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from node_play import (  # noqa: E402
    RECAP, RESULTS, ROOT, ansible_version, cpu_model, link_collection, report, run, summarize)

SCENARIO = "orchestration"
HOSTS = ["seed-orch-init", "seed-orch-cp1", "seed-orch-cp2", "seed-orch-cp3", "seed-orch-w1", "seed-orch-nfs"]
PLAY = re.compile(r"^PLAY \[(.+?)\] \*+$")
# profile_tasks' line after each task banner: "<date> (0:00:00.074)       0:00:53.763 ****"
STAMP = re.compile(r"\(\d+:\d+:[\d.]+\)\s+(\d+):(\d+):([\d.]+) \*+\s*$")


def molecule(*args):
    return run(["molecule"] + list(args) + ["-s", SCENARIO], env=dict(os.environ, ANSIBLE_FORCE_COLOR="0"))


def ephemeral_dir():
    found = sorted(glob.glob(os.path.expanduser("~/.ansible/tmp/molecule.*.%s" % SCENARIO)), key=os.path.getmtime)
    if not found:
        raise SystemExit("no Molecule ephemeral directory of the %s scenario" % SCENARIO)
    return Path(found[-1])


def playbook_env(eph, profile, tree=ROOT):
    env = dict(os.environ, MOLECULE_EPHEMERAL_DIRECTORY=str(eph), ANSIBLE_CONFIG=str(eph / "ansible.cfg"),
               MOLECULE_INVENTORY_FILE=str(eph / "inventory" / "ansible_inventory.yml"),
               ANSIBLE_COLLECTIONS_PATH=str(tree / ".collections"), ANSIBLE_ROLES_PATH=str(tree / "roles"),
               ANSIBLE_FORCE_COLOR="0", NO_COLOR="1")
    if profile:
        env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_tasks"
        env["PROFILE_TASKS_TASK_OUTPUT_LIMIT"] = "400"
    return env


def site(eph, profile=None, tree=ROOT):
    """(seconds, output, recap {host: changed}) of one site.yml run of checkout ``tree``; exits on failure."""
    inventory = eph / "inventory" / "ansible_inventory.yml"
    start = time.monotonic()
    proc = subprocess.run(["ansible-playbook", "-i", str(inventory), "playbooks/site.yml"], cwd=tree,
                          env=playbook_env(eph, profile is not None, tree), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)
    elapsed = time.monotonic() - start
    if profile:
        (RESULTS / profile).write_text(proc.stdout)
    recap = {r[0]: int(r[2]) for r in RECAP.findall(proc.stdout)}
    if proc.returncode != 0 or not recap:
        sys.stderr.write(proc.stdout[-6000:])
        raise SystemExit("site.yml failed")
    return elapsed, proc.stdout, recap


def play_times(output):
    """[(play name, seconds)] from the profile_tasks timestamps of one run's output."""
    marks, current, last = [], None, 0.0
    for line in output.splitlines():
        match = PLAY.match(line)
        if match:
            current = match.group(1)
            continue
        stamp = STAMP.search(line)
        if stamp:
            seconds = int(stamp.group(1)) * 3600 + int(stamp.group(2)) * 60 + float(stamp.group(3))
            if current is not None:
                marks.append((current, seconds))
                current = None
            last = seconds
    ends = [mark[1] for mark in marks[1:]] + [last]
    return [(name, end - begin) for (name, begin), end in zip(marks, ends)]


def call_counts():
    """Lines of the doubles' call log per host (kubeadm, kubelet, kubectl calls)."""
    counts = {}
    for host in HOSTS:
        proc = run(["docker", "exec", host, "sh", "-c", "cat /var/log/seed-doubles/calls.jsonl 2>/dev/null | wc -l"],
                   check=False)
        counts[host] = int((proc.stdout.strip().splitlines() or ["0"])[-1])
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="leave the cluster running at the end")
    parser.add_argument("--peer", type=Path, help="another checkout whose no-change re-runs alternate with this one's")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.peer:
        args.peer = args.peer.resolve()
        link_collection(args.peer)

    molecule("destroy")
    start = time.monotonic()
    molecule("create")
    molecule("prepare")
    print("hosts created and prepared (bundle, package sources away): %.0f s" % (time.monotonic() - start), flush=True)
    eph = ephemeral_dir()
    first, output, recap = site(eph, profile="site_first_converge.txt")
    plays = play_times(output)
    print("first converge: %.1f s, changed %s" % (first, recap), flush=True)

    runs = {"this": ([], []), "peer": ([], [])}
    last_output = {}
    trees = [("this", ROOT)] + ([("peer", args.peer)] if args.peer else [])
    for rep in range(args.repeat):
        for label, tree in trees:
            times, loads = runs[label]
            before = call_counts()
            loads.append(os.getloadavg()[0])
            elapsed, last_output[label], recap = site(eph, profile="site_rerun-%s-%d.txt" % (label, rep + 1), tree=tree)
            if any(recap.values()):
                raise SystemExit("%s re-run %d changed something: %s" % (label, rep + 1, recap))
            after = call_counts()
            if after != before:
                raise SystemExit("%s re-run %d called kubeadm/kubelet/kubectl: %s -> %s" % (label, rep + 1, before, after))
            times.append(elapsed)
            print("%s re-run %d: %.1f s, changed=0 on %d hosts, load %.1f" % (label, rep + 1, elapsed, len(recap), loads[-1]),
                  flush=True)
    if not args.keep:
        molecule("destroy")

    times, loads = runs["this"]
    med, low, high = summarize(times)
    pmed = 0.0
    meta = ("site.yml on the orchestration scenario's 6 hosts (docker connection, pipelining, forks 20), %s, %s, "
            "%d CPUs, %s, Python %s.\n" % (datetime.date.today().isoformat(), cpu_model(), os.cpu_count(),
                                           ansible_version(), platform.python_version()))
    table = ("| run | time | load avg (1 min) before |\n|---|---|---|\n"
             "| first converge | %.1f s | - |\n"
             "| no-change re-run, median of %d (min–max) | %.1f s (%.1f–%.1f) | %.1f–%.1f |\n"
             % (first, len(times), med, low, high, min(loads), max(loads)))
    if args.peer:
        ptimes, ploads = runs["peer"]
        pmed, plow, phigh = summarize(ptimes)
        table += ("| peer %s, no-change re-run, median of %d (min–max), alternating | %.1f s (%.1f–%.1f) | %.1f–%.1f |\n"
                  % (args.peer.name, len(ptimes), pmed, plow, phigh, min(ploads), max(ploads)))
    table += "\n"
    table += "| play of the first converge | time |\n|---|---|\n"
    table += "\n".join("| %s | %.1f s |" % (name, seconds) for name, seconds in plays) + "\n"
    plt = report("site_rerun", meta, table)
    if plt is not None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
        names = [name.split(" - ")[0] for name, dummy in plays]
        rows = list(range(len(names)))[::-1]
        axes[0].barh(rows, [seconds for dummy, seconds in plays], color="#4c72b0")
        axes[0].set_yticks(rows)
        axes[0].set_yticklabels(names)
        axes[0].set_xlabel("seconds")
        axes[0].set_title("first converge, %.1f s" % first)
        series = [("this checkout (%.1f s median)" % med, play_times(last_output["this"]), "#4c72b0")]
        if args.peer:
            series.append(("%s (%.1f s median)" % (args.peer.name, pmed), play_times(last_output["peer"]), "#dd8452"))
        height = 0.8 / len(series)
        for index, (label, times_of_plays, color) in enumerate(series):
            offset = height * (len(series) - 1) / 2 - index * height
            axes[1].barh([row + offset for row in rows], [seconds for dummy, seconds in times_of_plays], height=height,
                         color=color, label=label)
        axes[1].set_xlabel("seconds")
        axes[1].set_title("no-change re-run, per play (last run)")
        axes[1].legend()
        fig.suptitle("site.yml on 6 hosts (orchestration scenario), %s" % datetime.date.today().isoformat())
        fig.tight_layout()
        fig.savefig(RESULTS / "site_rerun.png", dpi=90)
        print("plot: %s" % (RESULTS / "site_rerun.png"))


if __name__ == "__main__":
    main()
