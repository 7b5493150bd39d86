#!/usr/bin/env python
"""Time the node play (preflight + node_prep + container_runtime) on N fresh local hosts.

For every host count: recreate N fresh systemd container hosts, time the first converge and a
no-change re-run, REPEAT times; print median/min/max, the changed count of the re-run and the
controller's CPU seconds per host of the re-run (ansible-playbook and every process below it), write
a markdown table (benchmarks/results/node_play.md) and a plot (benchmarks/results/node_play.png).

Usage (from the repository root, after `source scripts/lib.sh`):
    python benchmarks/node_play.py --hosts 1 4 8 16 --repeat 3 [--forks 20] [--profile]
    python benchmarks/node_play.py --hosts 1:3 4:3 8:1 16:1     (COUNT:REPEAT per host count)
    python benchmarks/node_play.py --hosts 1 4 --baseline ../other-checkout
With --baseline (a checkout of another revision of the collection), every repetition also runs that
checkout's node play on the same converged hosts (once to settle, then timed), alternating with this
checkout's re-run, so both no-change re-run figures come from the same hosts in the same run.
The 1-minute load average before every timed play is recorded (the machine may be shared);
--profile adds the ansible.posix.profile_tasks callback and keeps every play's output in
benchmarks/results/profile-<hosts>-<rep>-<first|rerun>.txt.
Never part of the pass/fail test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
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


def molecule_harness(action, plats, workdir):
    """Create or destroy the container hosts ``plats`` with the Molecule scenarios' own playbooks."""
    workdir.mkdir(parents=True, exist_ok=True)
    spec = workdir / "platforms.json"
    spec.write_text(json.dumps({"molecule_yml": {"platforms": plats}}))
    run(["ansible-playbook", "-i", "localhost,", "-e", "@%s" % spec,
         "-e", "molecule_instance_config=%s" % (workdir / "instances.yml"),
         "molecule/resources/%s.yml" % action])


def harness(action, count, workdir):
    molecule_harness(action, platforms(count), workdir)


def inventory(count, workdir, interpreter=None):
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
                # The hosts share the machine's cgroup hierarchy, which may be cgroup v1: opt out of the
                # kubelet's and kubeadm's cgroup v1 refusal, which preflight checks.
                "control_plane_kubeadm_extra_config": {"KubeletConfiguration": {"failCgroupV1": False}},
                "control_plane_ignore_preflight_errors": ["SystemVerification"],
                "worker_ignore_preflight_errors": ["SystemVerification"],
            },
            "children": {
                "control_plane": {"hosts": {first: hosts[first]}},
                "workers": {"hosts": {h: v for h, v in hosts.items() if h != first}},
                "k8s_cluster": {"children": {"control_plane": {}, "workers": {}}},
            },
        }
    }
    if interpreter:
        # Skips interpreter discovery (one round trip per host and play).
        inv["all"]["vars"]["ansible_python_interpreter"] = interpreter
    path = workdir / "inventory.json"
    path.write_text(json.dumps(inv))
    return path


def link_collection(tree):
    """The checkout resolves as seed.kubeadm through its own .collections link (as scripts/lib.sh makes it)."""
    link = tree / ".collections" / "ansible_collections" / "seed" / "kubeadm"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not (link.is_symlink() and link.resolve() == tree.resolve()):
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.join("..", "..", ".."))


def timed_play(inv, forks, profile=None, tree=ROOT):
    # The checkout's own configuration and collection link (scripts/lib.sh exports those of this one).
    env = dict(os.environ, ANSIBLE_FORKS=str(forks), ANSIBLE_PIPELINING="true", ANSIBLE_CONFIG=str(tree / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(tree / ".collections"))
    if profile:
        env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_tasks"
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(["ansible-playbook", "-i", str(inv), "benchmarks/node_play.yml"], cwd=tree, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The controller's CPU: ansible-playbook, its forks and the docker clients they ran (the hosts'
    # own processes run under containerd, not below this process, and are not counted).
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if profile:
        (RESULTS / profile).write_text(proc.stdout)
    recap = RECAP.findall(proc.stdout)
    if proc.returncode != 0 or not recap:
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit("node play failed")
    return elapsed, sum(int(r[2]) for r in recap), load, cpu


def host_spec(text, default_repeat):
    count, dummy, repeat = text.partition(":")
    return int(count), int(repeat) if repeat else default_repeat


def cpu_model():
    for line in (open("/proc/cpuinfo").read().splitlines() if os.path.exists("/proc/cpuinfo") else []):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def ansible_version():
    out = run(["ansible-playbook", "--version"]).stdout.splitlines()
    return out[0].strip() if out else "ansible-playbook"


def summarize(values):
    return statistics.median(values), min(values), max(values)


def report(name, meta, table):
    """Write benchmarks/results/<name>.md and print it; matplotlib's pyplot for the plot, or None."""
    (RESULTS / (name + ".md")).write_text(meta + "\n" + table)
    print()
    print(meta + table)
    try:
        import matplotlib  # pylint: disable=import-outside-toplevel
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
    except ImportError:
        print("matplotlib not installed (pip install -r benchmarks/requirements.txt): no plot")
        return None
    return plt


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", nargs="+", default=["1", "4", "8"], help="COUNT or COUNT:REPEAT")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--image", default="seed-kubeadm-host:bookworm")
    parser.add_argument("--profile", action="store_true", help="profile_tasks callback, outputs kept")
    parser.add_argument("--interpreter", help="set ansible_python_interpreter (default: discovery, auto_silent)")
    parser.add_argument("--output", default="node_play", help="base name of the .md and .png in benchmarks/results")
    parser.add_argument("--baseline", type=Path, help="another checkout whose no-change re-run is timed on the same hosts")
    args = parser.parse_args()
    if args.baseline:
        args.baseline = args.baseline.resolve()
        if not (args.baseline / "benchmarks" / "node_play.yml").exists():
            raise SystemExit("--baseline %s: no benchmarks/node_play.yml there" % args.baseline)
        link_collection(args.baseline)
    specs = [host_spec(h, args.repeat) for h in args.hosts]
    largest = max(spec[0] for spec in specs)

    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for count, repeat in specs:
            first, rerun, changed, loads, base, base_changed, cpu = [], [], [], [], [], [], []
            for rep in range(repeat):
                harness("destroy", largest, workdir)
                harness("create", count, workdir)
                inv = inventory(count, workdir, args.interpreter)
                run(["ansible-playbook", "-i", str(inv), "molecule/resources/prepare.yml"])
                name = "profile-%d-%d-%%s.txt" % (count, rep + 1) if args.profile else None
                t_first, dummy, l_first, dummy_cpu = timed_play(inv, args.forks, name and name % "first")
                if args.baseline:
                    # Settle whatever the baseline does differently, then alternate the order per repetition.
                    timed_play(inv, args.forks, tree=args.baseline)
                    if rep % 2:
                        t_base, n_base, l_base, dummy_cpu = timed_play(inv, args.forks, tree=args.baseline)
                        t_rerun, n_changed, l_rerun, c_rerun = timed_play(inv, args.forks, name and name % "rerun")
                    else:
                        t_rerun, n_changed, l_rerun, c_rerun = timed_play(inv, args.forks, name and name % "rerun")
                        t_base, n_base, l_base, dummy_cpu = timed_play(inv, args.forks, tree=args.baseline)
                    base.append(t_base)
                    base_changed.append(n_base)
                    loads.append(l_base)
                else:
                    t_rerun, n_changed, l_rerun, c_rerun = timed_play(inv, args.forks, name and name % "rerun")
                first.append(t_first)
                rerun.append(t_rerun)
                cpu.append(c_rerun / count)
                changed.append(n_changed)
                loads += [l_first, l_rerun]
                print("hosts=%d rep=%d first=%.1fs rerun=%.1fs (controller CPU %.2fs per host) changed=%d%s load=%.1f/%.1f"
                      % (count, rep + 1, t_first, t_rerun, cpu[-1], n_changed,
                         " baseline rerun=%.1fs changed=%d" % (base[-1], base_changed[-1]) if base else "",
                         l_first, l_rerun), flush=True)
            rows.append((count, repeat, summarize(first), summarize(rerun), max(changed), min(loads), max(loads),
                         summarize(base) if base else None, max(base_changed) if base else None, summarize(cpu)))
        harness("destroy", largest, workdir)

    header = ("| hosts | runs | first converge median (min–max) | no-change re-run median (min–max) | changed on re-run "
              "| controller CPU per host, re-run, median (min–max) "
              "| load avg (1 min) before the plays |\n|---|---|---|---|---|---|---|\n")
    lines = ["| %d | %d | %.1f s (%.1f–%.1f) | %.1f s (%.1f–%.1f) | %d | %.2f s (%.2f–%.2f) | %.1f–%.1f |"
             % (c, n, *f, *r, ch, *pc, lo, hi) for c, n, f, r, ch, lo, hi, dummy, dummy2, pc in rows]
    if args.baseline:
        header = ("| hosts | runs | first converge median (min–max) | no-change re-run median (min–max) | changed on re-run "
                  "| baseline no-change re-run median (min–max) | changed on baseline re-run "
                  "| load avg (1 min) before the plays |\n|---|---|---|---|---|---|---|---|\n")
        lines = ["| %d | %d | %.1f s (%.1f–%.1f) | %.1f s (%.1f–%.1f) | %d | %.1f s (%.1f–%.1f) | %d | %.1f–%.1f |"
                 % (c, n, *f, *r, ch, *b, bch, lo, hi) for c, n, f, r, ch, lo, hi, b, bch, dummy in rows]
    table = header + "\n".join(lines) + "\n"
    meta = "%s; %s, %d CPUs; Python %s; %s; forks %d, pipelining on; interpreter %s; %s%s\n" % (
        platform.platform(), cpu_model(), os.cpu_count(), platform.python_version(), ansible_version(), args.forks,
        args.interpreter or "discovered", time.strftime("%Y-%m-%d %H:%M %Z"),
        "; baseline: another checkout on the same hosts, re-runs alternating" if args.baseline else "")
    plt = report(args.output, meta, table)
    if plt is None:
        return
    counts = [r[0] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(counts, [r[2][0] for r in rows], "o-", label="first converge")
    ax.plot(counts, [r[3][0] for r in rows], "s-", label="no-change re-run")
    if args.baseline:
        ax.plot(counts, [r[7][0] for r in rows], "s:", label="baseline no-change re-run")
    # kubespray v2.31.0 node preparation on the same kind of hosts (numbers of the issue).
    ax.plot([1, 4], [67, 145], "o--", color="grey", alpha=0.6, label="kubespray first")
    ax.plot([1, 4], [34, 67], "s--", color="grey", alpha=0.6, label="kubespray re-run")
    ax.set_xlabel("hosts")
    ax.set_ylabel("seconds (median)")
    ax.set_title("seed.kubeadm node play")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / (args.output + ".png"), dpi=80)
    print("plot: %s" % (RESULTS / (args.output + ".png")))


if __name__ == "__main__":
    main()
