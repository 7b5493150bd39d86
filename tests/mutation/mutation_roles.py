# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role-level mutation testing: plant each bug of tests/mutation/roles.yml and see what catches it.

Run by ``scripts/test.sh mutation-roles [ID ...]`` (default: every mutation). For each mutation, a
scratch copy of the checkout gets the one edit, then two layers run on that copy:

- fast: ``pytest tests/unit/roles`` (role rendering, argument specs, the no_log rule);
- scenario: ``scripts/test.sh molecule <scenario>`` (the Molecule scenario the entry names), unless
  ``--fast-only``. It uses the same Docker container names as a normal run: run nothing else then.

A mutation is caught when a layer fails; a scenario this machine cannot run (scripts/test.sh
reports it skipped) counts for nothing. The table (also .cache/test-results/mutation-roles.md)
shows each layer's verdict; the run fails when a mutation gets past both layers it ran, or when an
entry's ``find`` text no longer occurs exactly once (the list must follow the roles).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from mutation_plugins import copy_checkout  # noqa: E402  pylint: disable=wrong-import-position

MUTATIONS = os.path.join(HERE, "roles.yml")
REQUIRED = ("id", "kind", "what", "file", "find", "replace", "scenario")


def load_mutations(path=MUTATIONS):
    with open(path, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle) or []
    seen = set()
    for entry in entries:
        missing = [key for key in REQUIRED if not entry.get(key)]
        if missing:
            raise SystemExit("%s: entry %r lacks %s" % (path, entry.get("id"), ", ".join(missing)))
        if entry["id"] in seen:
            raise SystemExit("%s: id %s twice" % (path, entry["id"]))
        seen.add(entry["id"])
    return entries


def apply(target, entry):
    """Plant the mutation; None when done, else why it could not be planted."""
    path = os.path.join(target, entry["file"])
    if not os.path.isfile(path):
        return "%s does not exist" % entry["file"]
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    count = text.count(entry["find"])
    if count != 1:
        return "%s: `find` occurs %d times (must be once)" % (entry["file"], count)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text.replace(entry["find"], entry["replace"]))
    return None


def run(command, cwd, log_path, env):
    start = time.time()
    with open(log_path, "w", encoding="utf-8") as log:
        code = subprocess.run(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    return code, time.time() - start


def verdict(code):
    return "caught" if code != 0 else "missed"


def failed_step(log_path, scenario):
    """The Molecule action that failed (converge, idempotence, verify, ...), from its log; "" if none."""
    try:
        with open(log_path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return ""
    found = re.findall(r"ERROR\s+\[%s > ([a-z_]+)\]" % re.escape(scenario), text)
    return found[0] if found else ""


def untracked(root=ROOT):
    """Files git does not track under the directories the scratch copy needs (they would be missing there)."""
    try:
        out = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "--", "roles", "plugins", "playbooks",
                              "molecule", "tests", "site.yml"], cwd=root, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line for line in out.splitlines() if line.strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="mutation ids of tests/mutation/roles.yml (default: all)")
    parser.add_argument("--fast-only", action="store_true", help="only the fast layer (no Molecule)")
    parser.add_argument("--workspace", default=os.path.join(ROOT, ".cache", "mutation", "roles"))
    parser.add_argument("--results", default=os.path.join(ROOT, ".cache", "test-results"))
    args = parser.parse_args(argv)
    entries = load_mutations()
    unknown = set(args.ids) - {entry["id"] for entry in entries}
    if unknown:
        parser.error("unknown mutation ids: %s" % ", ".join(sorted(unknown)))
    wanted = [entry for entry in entries if not args.ids or entry["id"] in args.ids]
    missing = untracked()
    if missing:
        # A scenario that fails because the copy lacks a file would count as a caught mutation.
        parser.error("git does not track %s: the scratch copies would lack them; add them first" % ", ".join(missing))
    os.makedirs(args.results, exist_ok=True)
    # The copy uses this checkout's virtualenv; its own .collections link and .cache are made there.
    env = dict(os.environ, SEED_VENV=os.path.dirname(os.path.dirname(sys.executable)), SEED_TEST_PARALLEL="0")
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    env.pop("ANSIBLE_CONFIG", None)
    rows = ["| mutation | kind | what a user would suffer | fast tests | scenario |", "|---|---|---|---|---|"]
    failures = 0
    for entry in wanted:
        target = os.path.join(args.workspace, entry["id"])
        copy_checkout(target)
        problem = apply(target, entry)
        if problem:
            print("STALE   %s: %s" % (entry["id"], problem))
            rows.append("| `%s` | %s | %s | stale: %s | |" % (entry["id"], entry["kind"], entry["what"], problem))
            failures += 1
            continue
        base = os.path.join(args.results, "mutation-roles-%s" % entry["id"])
        code, took = run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests/unit/roles"],
                         target, base + "-fast.log", env)
        fast = "%s (%.0f s)" % (verdict(code), took)
        caught = code != 0
        scenario = "not run"
        if not args.fast_only:
            code, took = run(["bash", "scripts/test.sh", "molecule", entry["scenario"]], target,
                             base + "-%s.log" % entry["scenario"], env)
            with open(base + "-%s.log" % entry["scenario"], encoding="utf-8") as handle:
                skipped = code == 0 and "0 passed, 0 failed, 1 skipped" in handle.read()
            if skipped:
                # scripts/test.sh skips a scenario this machine cannot run (its log says why).
                scenario = "%s: cannot run here" % entry["scenario"]
            else:
                scenario = "%s: %s (%.0f s)" % (entry["scenario"], verdict(code), took)
            molecule_log = os.path.join(target, ".cache", "test-results", "molecule-%s.log" % entry["scenario"])
            if os.path.exists(molecule_log):
                shutil.copy(molecule_log, base + "-molecule-%s.log" % entry["scenario"])
                step = failed_step(molecule_log, entry["scenario"]) if code != 0 else ""
                if step:
                    scenario = scenario.replace("caught (", "caught in %s (" % step, 1)
            caught = caught or code != 0
        print("%s  %s: fast %s, scenario %s" % ("CAUGHT" if caught else "MISSED", entry["id"], fast, scenario))
        rows.append("| `%s` | %s | %s | %s | %s |" % (entry["id"], entry["kind"], entry["what"], fast, scenario))
        failures += 0 if caught else 1
        shutil.rmtree(target, ignore_errors=True)
    with open(os.path.join(args.results, "mutation-roles.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(rows) + "\n")
    print("\n".join(rows))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
