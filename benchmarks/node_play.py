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
    python benchmarks/node_play.py --hosts 1 4 --kubespray ../kubespray     (a v2.31.0 checkout)
    python benchmarks/node_play.py --hosts 1 4 --connection ssh [--strategy mitogen]
With --baseline (a checkout of another revision of the collection), every repetition also runs that
checkout's node play on the same converged hosts (once to settle, then timed), alternating with this
checkout's re-run, so both no-change re-run figures come from the same hosts in the same run.
With --kubespray (a kubespray checkout), every repetition also recreates fresh hosts and times kubespray's
node preparation on them (playbooks/boilerplate.yml, playbooks/internal_facts.yml, then kubespray_defaults +
kubernetes/preinstall on k8s_cluster; first converge and no-change re-run), with kubespray's own ansible.cfg
and the Ansible its requirements.txt pins (a virtualenv in .cache/kubespray-venv), forks and pipelining as
for this checkout: both rows of the table come from the same run on the same kind of hosts.
With --connection ssh the hosts run the OpenSSH server and are reached as an unprivileged user with sudo
(molecule/resources/sudo_over_ssh.yml, key authentication, ControlPersist from ansible.cfg), as users run
the collection; --strategy mitogen (ssh only) runs the plays with mitogen's mitogen_linear strategy
(pip install mitogen; see docs/performance.md for its limits).
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
import shutil
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


def ssh_vars(workdir):
    """How the benchmark reaches a host over SSH (molecule/resources/sudo_over_ssh.yml made the user and keys)."""
    return {
        "ansible_connection": "ssh",
        "ansible_user": "seed",
        "ansible_become": True,
        "ansible_ssh_private_key_file": str(workdir / "id_ed25519"),
        "ansible_ssh_common_args": "-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes" % (workdir / "known_hosts"),
    }


def setup_ssh(count, workdir):
    """OpenSSH server, the user seed with the controller's key and sudo, known_hosts (the scenarios' own playbook)."""
    inv = {"sudo_over_ssh": {"hosts": {p["name"]: {"ansible_host": p["ipv4_address"]} for p in platforms(count)}}}
    path = workdir / "ssh-setup.json"
    path.write_text(json.dumps(inv))
    run(["ansible-playbook", "-i", str(path), "molecule/resources/sudo_over_ssh.yml"],
        env=dict(os.environ, MOLECULE_EPHEMERAL_DIRECTORY=str(workdir)))


def inventory(count, workdir, interpreter=None, connection="docker"):
    hosts = {p["name"]: dict({"cluster_node_ip": p["ipv4_address"]}, **({"ansible_host": p["ipv4_address"]} if connection == "ssh" else {}))
             for p in platforms(count)}
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
    if connection == "ssh":
        inv["all"]["vars"].update(ssh_vars(workdir))
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


def seed_env(tree, forks, strategy=None, profile=False):
    """The checkout's own configuration and collection link (scripts/lib.sh exports those of this one)."""
    env = dict(os.environ, ANSIBLE_FORKS=str(forks), ANSIBLE_PIPELINING="true", ANSIBLE_CONFIG=str(tree / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(tree / ".collections"))
    if strategy == "mitogen":
        env.update(ANSIBLE_STRATEGY_PLUGINS=mitogen_strategy_dir(), ANSIBLE_STRATEGY="mitogen_linear")
    if profile:
        env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_tasks"
    return env


def mitogen_strategy_dir():
    try:
        import ansible_mitogen  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise SystemExit("--strategy mitogen: pip install mitogen (see docs/performance.md)") from None
    return str(Path(ansible_mitogen.__file__).parent / "plugins" / "strategy")


def timed(cmd, env, cwd=ROOT, profile=None, what="node play"):
    """Run one playbook; return (seconds, sum of changed=, load average before, controller CPU seconds)."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
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
        raise SystemExit("%s failed" % what)
    return elapsed, sum(int(r[2]) for r in recap), load, cpu


def timed_play(inv, forks, profile=None, tree=ROOT, strategy=None):
    return timed(["ansible-playbook", "-i", str(inv), "benchmarks/node_play.yml"],
                 seed_env(tree, forks, strategy, bool(profile)), cwd=tree, profile=profile)


# kubespray's node preparation as the issue names it: its boilerplate and fact plays, then
# kubespray_defaults + kubernetes/preinstall on k8s_cluster (as in its cluster.yml).
KUBESPRAY_PLAYBOOK = """---
- name: Common tasks for every playbooks
  import_playbook: {checkout}/playbooks/boilerplate.yml
- name: Gather facts
  import_playbook: {checkout}/playbooks/internal_facts.yml
- name: Prepare the nodes
  hosts: k8s_cluster
  gather_facts: false
  any_errors_fatal: true
  environment: "{{{{ proxy_disable_env }}}}"
  roles:
    - role: kubespray_defaults
    - role: kubernetes/preinstall
"""


class Kubespray:
    """kubespray's node preparation with its own Ansible (the version its requirements.txt pins)."""

    def __init__(self, checkout):
        self.checkout = checkout.resolve()
        if not (self.checkout / "playbooks" / "internal_facts.yml").exists():
            raise SystemExit("--kubespray %s: no playbooks/internal_facts.yml there" % self.checkout)
        self.venv = ROOT / ".cache" / "kubespray-venv"
        requirements = (self.checkout / "requirements.txt").read_text()
        stamp = self.venv / "requirements.txt"
        if not stamp.exists() or stamp.read_text() != requirements:
            run([sys.executable, "-m", "venv", "--clear", str(self.venv)])
            run([str(self.venv / "bin" / "pip"), "install", "-q", "-r", str(self.checkout / "requirements.txt")])
            stamp.write_text(requirements)

    def version(self):
        proc = run([str(self.venv / "bin" / "ansible-playbook"), "--version"])
        described = run(["git", "-C", str(self.checkout), "describe", "--tags"], check=False).stdout.strip()
        return "kubespray %s with %s" % (described or self.checkout.name, proc.stdout.splitlines()[0].strip())

    def inventory(self, count, workdir, connection):
        names = [p["name"] for p in platforms(count)]
        hosts = {p["name"]: ({"ansible_host": p["ipv4_address"]} if connection == "ssh" else {}) for p in platforms(count)}
        variables = ssh_vars(workdir) if connection == "ssh" else {"ansible_connection": "community.docker.docker"}
        # The host image has no ping (a VM would): kubespray's own switch for its reachability check.
        variables["ping_access_ip"] = False
        # Docker bind-mounts /etc/resolv.conf into the hosts (kubespray cannot replace it): its own setting for
        # leaving the host's resolver alone.
        variables["resolvconf_mode"] = "none"
        # A container cannot load kernel modules (no /proc/modules): nodelocaldns needs the dummy module.
        variables["enable_nodelocaldns"] = False
        inv = {"all": {"vars": variables, "hosts": hosts, "children": {
            "kube_control_plane": {"hosts": {names[0]: {}}},
            "etcd": {"hosts": {names[0]: {}}},
            "kube_node": {"hosts": {name: {} for name in names[1:]}},
            "k8s_cluster": {"children": {"kube_control_plane": {}, "kube_node": {}}},
        }}}
        path = workdir / "kubespray-inventory.json"
        path.write_text(json.dumps(inv))
        (workdir / "kubespray-node-prep.yml").write_text(KUBESPRAY_PLAYBOOK.format(checkout=self.checkout))
        shutil.rmtree(workdir / "kubespray-facts", ignore_errors=True)  # its jsonfile fact cache, per set of hosts
        return path

    def play(self, inv, workdir, forks):
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
        env.update(PATH="%s:%s" % (self.venv / "bin", env.get("PATH", "")), VIRTUAL_ENV=str(self.venv),
                   ANSIBLE_CONFIG=str(self.checkout / "ansible.cfg"), ANSIBLE_FORKS=str(forks), ANSIBLE_PIPELINING="true",
                   ANSIBLE_CACHE_PLUGIN_CONNECTION=str(workdir / "kubespray-facts"))
        return timed([str(self.venv / "bin" / "ansible-playbook"), "-i", str(inv), str(workdir / "kubespray-node-prep.yml")],
                     env, cwd=self.checkout, what="kubespray node preparation")


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


def fresh_hosts(count, largest, workdir, connection):
    harness("destroy", largest, workdir)
    harness("create", count, workdir)
    if connection == "ssh":
        setup_ssh(count, workdir)


def cell(values, number="%.1f"):
    """'median s (min–max)', or the one value."""
    if len(values) == 1:
        return (number + " s") % values[0]
    return (number + " s (" + number + "–" + number + ")") % summarize(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", nargs="+", default=["1", "4", "8"], help="COUNT or COUNT:REPEAT")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="profile_tasks callback, outputs kept")
    parser.add_argument("--interpreter", help="set ansible_python_interpreter (default: discovery, auto_silent)")
    parser.add_argument("--output", default="node_play", help="base name of the .md and .png in benchmarks/results")
    parser.add_argument("--baseline", type=Path, help="another checkout whose no-change re-run is timed on the same hosts")
    parser.add_argument("--kubespray", type=Path, help="a kubespray checkout whose node preparation is timed in the same run")
    parser.add_argument("--connection", choices=["docker", "ssh"], default="docker")
    parser.add_argument("--strategy", choices=["linear", "mitogen"], default="linear")
    args = parser.parse_args()
    if args.strategy == "mitogen" and args.connection != "ssh":
        parser.error("--strategy mitogen needs --connection ssh (mitogen does not accelerate the docker connection)")
    strategy = args.strategy if args.strategy != "linear" else None
    if strategy:
        mitogen_strategy_dir()
    if args.baseline:
        args.baseline = args.baseline.resolve()
        if not (args.baseline / "benchmarks" / "node_play.yml").exists():
            raise SystemExit("--baseline %s: no benchmarks/node_play.yml there" % args.baseline)
        link_collection(args.baseline)
    kubespray = Kubespray(args.kubespray) if args.kubespray else None
    specs = [host_spec(h, args.repeat) for h in args.hosts]
    largest = max(spec[0] for spec in specs)

    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for count, repeat in specs:
            row = {key: [] for key in ("first", "rerun", "changed", "loads", "base", "base_changed", "cpu",
                                       "ks_first", "ks_rerun", "ks_changed")}
            row.update(count=count, repeat=repeat)
            for rep in range(repeat):
                fresh_hosts(count, largest, workdir, args.connection)
                inv = inventory(count, workdir, args.interpreter, args.connection)
                run(["ansible-playbook", "-i", str(inv), "molecule/resources/prepare.yml"])
                name = "profile-%d-%d-%%s.txt" % (count, rep + 1) if args.profile else None

                def ours(label, inv=inv, name=name):
                    return timed_play(inv, args.forks, name and name % label, strategy=strategy)

                def baseline(inv=inv):
                    return timed_play(inv, args.forks, tree=args.baseline, strategy=strategy)

                t_first, dummy, l_first, dummy_cpu = ours("first")
                if args.baseline:
                    # Settle whatever the baseline does differently, then alternate the order per repetition.
                    baseline()
                    if rep % 2:
                        t_base, n_base, l_base, dummy_cpu = baseline()
                        t_rerun, n_changed, l_rerun, c_rerun = ours("rerun")
                    else:
                        t_rerun, n_changed, l_rerun, c_rerun = ours("rerun")
                        t_base, n_base, l_base, dummy_cpu = baseline()
                    row["base"].append(t_base)
                    row["base_changed"].append(n_base)
                    row["loads"].append(l_base)
                else:
                    t_rerun, n_changed, l_rerun, c_rerun = ours("rerun")
                row["first"].append(t_first)
                row["rerun"].append(t_rerun)
                row["cpu"].append(c_rerun / count)
                row["changed"].append(n_changed)
                row["loads"] += [l_first, l_rerun]
                extra = ""
                if kubespray:
                    # The same kind of fresh hosts, prepared the same way, in the same repetition.
                    fresh_hosts(count, largest, workdir, args.connection)
                    run(["ansible-playbook", "-i", str(inv), "molecule/resources/prepare.yml"])
                    ks_inv = kubespray.inventory(count, workdir, args.connection)
                    k_first, dummy, l_kf, dummy_cpu = kubespray.play(ks_inv, workdir, args.forks)
                    k_rerun, k_changed, l_kr, dummy_cpu = kubespray.play(ks_inv, workdir, args.forks)
                    row["ks_first"].append(k_first)
                    row["ks_rerun"].append(k_rerun)
                    row["ks_changed"].append(k_changed)
                    row["loads"] += [l_kf, l_kr]
                    extra = " kubespray first=%.1fs rerun=%.1fs changed=%d" % (k_first, k_rerun, k_changed)
                if row["base"]:
                    extra += " baseline rerun=%.1fs changed=%d" % (row["base"][-1], row["base_changed"][-1])
                print("hosts=%d rep=%d first=%.1fs rerun=%.1fs (controller CPU %.2fs per host) changed=%d%s load=%.1f/%.1f"
                      % (count, rep + 1, t_first, t_rerun, row["cpu"][-1], n_changed, extra, l_first, l_rerun), flush=True)
            rows.append(row)
        harness("destroy", largest, workdir)

    columns = [("hosts", lambda r: "%d" % r["count"]), ("runs", lambda r: "%d" % r["repeat"]),
               ("first converge median (min–max)", lambda r: cell(r["first"])),
               ("no-change re-run median (min–max)", lambda r: cell(r["rerun"])),
               ("changed on re-run", lambda r: "%d" % max(r["changed"])),
               ("controller CPU per host, re-run, median (min–max)", lambda r: cell(r["cpu"], "%.2f"))]
    if args.baseline:
        columns += [("baseline no-change re-run median (min–max)", lambda r: cell(r["base"])),
                    ("changed on baseline re-run", lambda r: "%d" % max(r["base_changed"]))]
    if kubespray:
        columns += [("kubespray first converge", lambda r: cell(r["ks_first"])),
                    ("kubespray no-change re-run", lambda r: cell(r["ks_rerun"])),
                    ("changed on kubespray re-run", lambda r: "%d" % max(r["ks_changed"])),
                    ("first: kubespray / seed", lambda r: "%.2fx" % (summarize(r["ks_first"])[0] / summarize(r["first"])[0])),
                    ("re-run: kubespray / seed", lambda r: "%.1fx" % (summarize(r["ks_rerun"])[0] / summarize(r["rerun"])[0]))]
    columns.append(("load avg (1 min) before the plays", lambda r: "%.1f–%.1f" % (min(r["loads"]), max(r["loads"]))))
    table = ("| " + " | ".join(c[0] for c in columns) + " |\n|" + "---|" * len(columns) + "\n"
             + "\n".join("| " + " | ".join(c[1](r) for c in columns) + " |" for r in rows) + "\n")
    meta = "%s; %s, %d CPUs; Python %s; %s; forks %d, pipelining on; connection %s%s; interpreter %s; %s%s%s\n" % (
        platform.platform(), cpu_model(), os.cpu_count(), platform.python_version(), ansible_version(), args.forks,
        args.connection, ", strategy mitogen_linear" if strategy else "", args.interpreter or "discovered",
        time.strftime("%Y-%m-%d %H:%M %Z"),
        "; baseline: another checkout on the same hosts, re-runs alternating" if args.baseline else "",
        "; peer: %s on fresh hosts in the same repetitions" % kubespray.version() if kubespray else "")
    plt = report(args.output, meta, table)
    if plt is None:
        return
    counts = [r["count"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(counts, [summarize(r["first"])[0] for r in rows], "o-", label="first converge")
    ax.plot(counts, [summarize(r["rerun"])[0] for r in rows], "s-", label="no-change re-run")
    if args.baseline:
        ax.plot(counts, [summarize(r["base"])[0] for r in rows], "s:", label="baseline no-change re-run")
    if kubespray:
        ax.plot(counts, [summarize(r["ks_first"])[0] for r in rows], "o--", color="grey", label="kubespray first")
        ax.plot(counts, [summarize(r["ks_rerun"])[0] for r in rows], "s--", color="grey", label="kubespray re-run")
    ax.set_xlabel("hosts")
    ax.set_ylabel("seconds (median)")
    ax.set_title("seed.kubeadm node play (%s connection%s)" % (args.connection, ", mitogen" if strategy else ""))
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / (args.output + ".png"), dpi=80)
    print("plot: %s" % (RESULTS / (args.output + ".png")))


if __name__ == "__main__":
    main()
