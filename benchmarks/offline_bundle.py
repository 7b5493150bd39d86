#!/usr/bin/env python
"""Time building the offline bundle and loading it on the init node (molecule/offline's hosts).

The hosts are those of molecule/offline: a Debian 12 builder whose sources stand in for upstream
(Debian's mirror for the distribution packages; the test doubles of kubeadm, kubelet and kubectl in
a signed repository laid out as pkgs.k8s.io; one small image under every upstream name in a
mirror-layout registry), an init node and two nodes. They are created and prepared with the
scenario's own `molecule create` and `molecule prepare`, then, REPEAT times each:

1. build: `playbooks/offline_bundle.yml` for one Kubernetes version on Debian 12, from nothing
   (the builder's work directory removed first); the archive's size and file counts are recorded;
2. load: the bundle loaded on the init node, whose services run but which serves nothing yet
   (bundles, index and incoming removed first): copy, unpack and verify, index, sign, push, switch;
3. re-load: the same run again (nothing changes; the archive and the unpacked tree are read again).

The figures depend on the Debian mirror and the machine; the images are small stand-ins, so a
real bundle (real control-plane images, a few hundred MB) copies and verifies longer.

Usage (from the repository root, after `source scripts/lib.sh`):
    python benchmarks/offline_bundle.py [--repeat 3] [--keep]
Writes benchmarks/results/offline_bundle.md. Never part of the test run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = "offline"


def run(argv, env=None, check=True):
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        sys.exit("failed: %s\n%s\n%s" % (" ".join(argv), result.stdout[-3000:], result.stderr[-3000:]))
    return result


def molecule_env():
    listing = run(["docker", "ps", "--format", "{{.Names}}"]).stdout
    ephemeral = os.path.join(os.path.expanduser("~"), ".ansible", "tmp")
    candidates = [os.path.join(ephemeral, d) for d in os.listdir(ephemeral) if d.endswith("." + SCENARIO)]
    if not candidates or "seed-offline-build" not in listing:
        sys.exit("the offline scenario's hosts are not there")
    directory = max(candidates, key=os.path.getmtime)
    env = dict(os.environ, MOLECULE_EPHEMERAL_DIRECTORY=directory, MOLECULE_INVENTORY_FILE=os.path.join(directory, "inventory"))
    return env, directory


def timed(argv, env):
    start = time.monotonic()
    result = run(argv, env=env)
    return time.monotonic() - start, result


def manifest_of(archive):
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile(tar.next()).read())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the hosts afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the scenario's hosts as they are (created and prepared)")
    args = parser.parse_args()

    if not args.reuse:
        run(["molecule", "destroy", "-s", SCENARIO])
        run(["molecule", "create", "-s", SCENARIO])
        run(["molecule", "prepare", "-s", SCENARIO])
    env, directory = molecule_env()
    run(["molecule", "converge", "-s", SCENARIO])  # the init node's services, installed once
    playbook = ["ansible-playbook", "-i", env["MOLECULE_INVENTORY_FILE"]]
    archive = os.path.join(directory, "bench.tar")
    builds, loads, reloads = [], [], []
    for attempt in range(args.repeat):
        print("round %d of %d" % (attempt + 1, args.repeat), flush=True)
        run(["docker", "exec", "seed-offline-build", "rm", "-rf", "/var/tmp/seed-offline-bundle"])
        build = playbook + ["playbooks/offline_bundle.yml", "-e", "@" + os.path.join(directory, "builder-vars.yml"),
                            "-e", "offline_bundle_output=" + archive]
        seconds = timed(build, env)[0]
        builds.append(seconds)
        run(["docker", "exec", "seed-offline-init", "sh", "-c",
             "rm -rf /srv/seed-offline/bundles /srv/seed-offline/index /srv/seed-offline/incoming /srv/seed-offline/www/debian"])
        load = playbook + ["molecule/offline/converge.yml", "--limit", "init", "-e", "offline_repo_bundle_path=" + archive]
        seconds = timed(load, env)[0]
        loads.append(seconds)
        seconds, result = timed(load, env)
        if "changed=0" not in result.stdout:
            sys.exit("the re-load changed something:\n" + result.stdout[-3000:])
        reloads.append(seconds)
    manifest = manifest_of(archive)
    kinds = {}
    for entry in manifest["files"]:
        kinds[entry["kind"]] = kinds.get(entry["kind"], 0) + 1
    if not args.keep:
        run(["molecule", "destroy", "-s", SCENARIO])

    def cell(values):
        return "%.1f s (median of %d; %s)" % (statistics.median(values), len(values), ", ".join("%.1f" % v for v in values))
    lines = [
        "# Offline bundle: build and load",
        "",
        "%s, %s, %d CPUs, `benchmarks/offline_bundle.py --repeat %d` (molecule/offline's hosts)."
        % (datetime.date.today().isoformat(), platform.platform(), os.cpu_count() or 0, args.repeat),
        "",
        "| what | figure |",
        "|---|---|",
        "| bundle (Kubernetes %s on %s) | %.1f MB, %s |" % (
            ", ".join(manifest["bundle"].get("kubernetes_versions", [])), ", ".join(manifest["bundle"].get("releases", [])),
            manifest["size"] / 1e6, ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items()))),
        "| build from nothing (playbooks/offline_bundle.yml) | %s |" % cell(builds),
        "| load on the init node (copy, verify, index, sign, push, switch) | %s |" % cell(loads),
        "| re-load, same bundle (changed=0) | %s |" % cell(reloads),
        "",
        "Images are small stand-ins and the Kubernetes packages the test doubles: a real bundle is larger.",
    ]
    os.makedirs(os.path.join(ROOT, "benchmarks", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "benchmarks", "results", "offline_bundle.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
