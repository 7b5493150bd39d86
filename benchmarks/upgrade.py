#!/usr/bin/env python
"""Time playbooks/upgrade.yml over two hops on the upgrade scenario's 4 nodes: the whole run and the cost per node.

The hosts are those of molecule/upgrade (init node serving the offline bundle, three control planes
behind the API VIP, one worker), against the test doubles of tests/doubles (kubeadm, kubelet and the
control-plane components; the real etcd, containerd, haproxy, keepalived, registry and apt
repository). Each repetition rebuilds the cluster at the scenario's version (1.33.5) with the
scenario's own `molecule create`, `prepare` and `converge`, then runs the documented command

    ansible-playbook playbooks/upgrade.yml -i <inventory> -e cluster_kubernetes_version=1.35.6

timed, with profile_tasks: two hops (1.33 -> 1.34 -> 1.35), each an etcd snapshot, `kubeadm upgrade
apply` on the first control plane and `upgrade node` on the others (one host at a time), then the
kubelets (drain, packages, restart, Ready, uncordon) one host at a time. The serial plays print one
PLAY line per host, so their durations are the cost per node. The run is checked: exit 0 and every
node at 1.35.6 afterwards (the kubelet double's version).

Usage (from the repository root, after `source scripts/lib.sh`; nothing else running):
    python benchmarks/upgrade.py [--repeat N] [--keep]
Writes benchmarks/results/upgrade.md (tables). Never part of the test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from node_play import RECAP, RESULTS, ROOT, ansible_version, cpu_model, report, run, summarize  # noqa: E402
from site_rerun import play_times, playbook_env  # noqa: E402

SCENARIO = "upgrade"
TARGET = "1.35.6"
NODES = ["seed-upg-cp1", "seed-upg-cp2", "seed-upg-cp3", "seed-upg-w1"]
SERIAL = re.compile(r"^Upgrade hop - (control-plane components|kubelets of the control planes|kubelets of the workers)")


def molecule(*args):
    return run(["molecule"] + list(args) + ["-s", SCENARIO], env=dict(os.environ, ANSIBLE_FORCE_COLOR="0"))


def ephemeral_dir():
    found = sorted(Path(os.path.expanduser("~/.ansible/tmp")).glob("molecule.*.%s" % SCENARIO), key=os.path.getmtime)
    if not found:
        raise SystemExit("no Molecule ephemeral directory of the %s scenario" % SCENARIO)
    return found[-1]


def upgrade(eph, label):
    """(seconds, output) of one upgrade.yml run to TARGET; exits on failure."""
    inventory = eph / "inventory" / "ansible_inventory.yml"
    start = time.monotonic()
    proc = subprocess.run(["ansible-playbook", "-i", str(inventory), "playbooks/upgrade.yml",
                           "-e", "cluster_kubernetes_version=%s" % TARGET], cwd=ROOT, env=playbook_env(eph, True),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    elapsed = time.monotonic() - start
    (RESULTS / ("upgrade-%s.txt" % label)).write_text(proc.stdout)
    if proc.returncode != 0 or not RECAP.findall(proc.stdout):
        sys.stderr.write(proc.stdout[-6000:])
        raise SystemExit("upgrade.yml failed (output: %s)" % (RESULTS / ("upgrade-%s.txt" % label)))
    return elapsed, proc.stdout


def kubelet_versions():
    versions = {}
    for host in NODES:
        proc = run(["docker", "exec", host, "kubelet", "--version"], check=False)
        versions[host] = proc.stdout.strip().split()[-1] if proc.stdout.strip() else "?"
    return versions


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="rebuild-and-upgrade repetitions (about 10 min each)")
    parser.add_argument("--keep", action="store_true", help="leave the last cluster running")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    totals, loads, per_play = [], [], []
    for rep in range(1, args.repeat + 1):
        molecule("destroy")
        start = time.monotonic()
        for action in ("create", "prepare", "converge"):
            molecule(action)
        print("repetition %d: cluster at 1.33.5 built in %.0f s" % (rep, time.monotonic() - start), flush=True)
        loads.append(os.getloadavg()[0])
        elapsed, output = upgrade(ephemeral_dir(), str(rep))
        versions = kubelet_versions()
        if set(versions.values()) != {"v" + TARGET}:
            raise SystemExit("not every node runs %s after the upgrade: %s" % (TARGET, versions))
        totals.append(elapsed)
        per_play.append(play_times(output))
        print("repetition %d: upgrade.yml %.1f s (load %.1f before), every node at %s" % (rep, elapsed, loads[-1], TARGET),
              flush=True)
    if not args.keep:
        molecule("destroy")

    med, low, high = summarize(totals)
    meta = ("playbooks/upgrade.yml 1.33.5 -> 1.35.6 (two hops) on the upgrade scenario's 4 nodes (3 control planes, 1 worker) "
            "and its init node, against the test doubles; docker connection, pipelining, forks 20; %s, %s, %d CPUs, %s, "
            "Python %s.\n" % (datetime.date.today().isoformat(), cpu_model(), os.cpu_count(), ansible_version(),
                              platform.python_version()))
    table = ("| run | time | load avg (1 min) before |\n|---|---|---|\n"
             "| upgrade.yml, two hops, median of %d (min–max) | %.1f s (%.1f–%.1f) | %.1f–%.1f |\n\n"
             % (len(totals), med, low, high, min(loads), max(loads)))
    table += "| play (last repetition; serial plays: one line per node) | time |\n|---|---|\n"
    table += "\n".join("| %s | %.1f s |" % (name, seconds) for name, seconds in per_play[-1]) + "\n\n"
    # The playbook has plays for more hops than two: those of the hops not needed end at once (0.0 s).
    serial = [(name, seconds) for name, seconds in per_play[-1] if SERIAL.match(name) and seconds >= 0.5]
    total = sum(seconds for dummy, seconds in serial)
    control = [seconds for name, seconds in serial if name.startswith("Upgrade hop - control-plane components")]
    kubelets = [seconds for name, seconds in serial if name.startswith("Upgrade hop - kubelets of the control planes")]
    workers = [seconds for name, seconds in serial if name.startswith("Upgrade hop - kubelets of the workers")]
    table += ("Serial plays that did work (one per node and hop): %d, %.1f s in all; per node over both hops %.1f s. "
              "Per node and hop (median): control-plane components %.1f s, kubelet of a control plane %.1f s, "
              "kubelet of a worker %.1f s.\n" % (len(serial), total, total / len(NODES), statistics.median(control),
                                                 statistics.median(kubelets), statistics.median(workers)))
    report("upgrade", meta, table)


if __name__ == "__main__":
    main()
