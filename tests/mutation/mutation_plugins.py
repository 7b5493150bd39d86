# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mutation testing of plugins/ with mutmut: how many planted bugs the unit tests catch.

Run by ``scripts/test.sh mutation [plugins/FILE.py ...]`` (default: every file under plugins/).

mutmut names a mutant after the module path of the file it mutates and only activates it when the
running function's ``__module__`` matches. The collection's code is imported as
``ansible_collections.seed.kubeadm.plugins...``, so the checkout is copied into a scratch workspace
as ``ansible_collections/seed/kubeadm`` and mutmut runs from the workspace root: file paths and
module names then agree. The unit tests of plugins and roles (tests/unit/plugins, tests/unit/roles)
are the judges; mutmut runs, for each mutant, only the tests that call the mutated function.

Functions that run while their module is imported (IMPORT_TIME: tables built at import) are out of
mutmut's reach: it forks its test runs after the import. Their survivors are judged again, one fresh
pytest process each, with the mutant switched on before the import.

Mutants judged equivalent (no test can tell them from the original) are listed with their reason in
tests/mutation/equivalent.txt; they leave the denominator. The run fails when the kill rate of the
files it measured is below SEED_MUTATION_MIN percent (default 85).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PREFIX = os.path.join("ansible_collections", "seed", "kubeadm")
EQUIVALENT = os.path.join(HERE, "equivalent.txt")
TEST_DIRS = ("tests/unit/plugins", "tests/unit/roles")
# mutmut's exit codes (mutmut.stats.status_by_exit_code) folded into what this report counts.
KILLED = {1, 3, 36, 24, -24, 152, 255, 37, -11, -9}  # a failed test, a timeout or a crash stops the bug
SURVIVED = {0, 5, 33}  # the tests passed, or no test calls the function
# Functions that run while their module is imported (tables built at import time). mutmut forks its
# test runs after the import, so their mutants never take effect there: their survivors are judged
# again, each in a fresh pytest process that imports the module with the mutant switched on.
# Functions that run in another process than the test's (kubeadm.detach turns the module into a
# detached process group) are out of mutmut's sight the same way: it finds no test that calls them.
# Their mutants are judged the same way too: the fresh pytest process hands the mutant on to the
# processes it starts (MUTANT_UNDER_TEST).
RUNNER_TESTS = "tests/unit/plugins/module_utils/test_kubeadm_runner.py::"
IMPORT_TIME = {
    "plugins.module_utils.kubeadm_schema.x__kubeadm_kinds": (
        "tests/unit/plugins/module_utils/test_kubeadm_schema_upstream.py",
        "tests/unit/plugins/filter/test_kubeadm_config.py"),
    "plugins.module_utils.kubeadm.x_detach": (
        RUNNER_TESTS + "test_detach_returns_at_once_and_the_result_lands_in_the_private_file",
        RUNNER_TESTS + "test_detached_run_stopped_by_sigterm_cleans_up_and_leaves_no_result",
        RUNNER_TESTS + "test_a_sigterm_sent_at_once_waits_for_the_handler_and_leaves_no_files"),
}
REJUDGED = "rejudged-import-time.json"


def collection_files(root):
    """The files of the checkout a fresh clone has (git's list; everything but caches without git)."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True, capture_output=True).stdout
        return [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", ".cache", ".collections"}
        found = []
        for top, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in skip]
            found.extend(os.path.relpath(os.path.join(top, f), root) for f in files)
        return found


def copy_checkout(target):
    """``target`` made afresh as a copy of the checkout: its last commit (git archive HEAD), so that work
    in progress in the checkout (an edit, a mutant applied by hand) never reaches a run; without git,
    the files of collection_files."""
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    try:
        archive = subprocess.run(["git", "-C", ROOT, "archive", "HEAD"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", target], input=archive, check=True)
        # The committed link that makes the checkout its own collection would loop in mutmut's copy.
        shutil.rmtree(os.path.join(target, ".collections"), ignore_errors=True)
        return
    except (OSError, subprocess.CalledProcessError):
        pass
    for rel in collection_files(ROOT):
        source = os.path.join(ROOT, rel)
        if os.path.isfile(source):
            os.makedirs(os.path.dirname(os.path.join(target, rel)), exist_ok=True)
            shutil.copy2(source, os.path.join(target, rel))


def build_workspace(workspace, only, skip_judges=()):
    """A fresh workspace: the checkout as ansible_collections/seed/kubeadm and mutmut's setup.cfg.

    ``skip_judges``: test names (pytest -k words) that judge no mutant of this run.
    """
    shutil.rmtree(workspace, ignore_errors=True)
    target = os.path.join(workspace, PREFIX)
    copy_checkout(target)
    tops = sorted(entry for entry in os.listdir(target) if entry != "plugins")
    lines = ["[mutmut]", "source_paths = %s/plugins" % PREFIX]
    if only:
        lines += ["only_mutate ="] + ["    %s/%s" % (PREFIX, path) for path in only]
    lines += ["also_copy ="] + ["    %s/%s" % (PREFIX, entry) for entry in tops]
    lines += ["pytest_add_cli_args_test_selection ="] + ["    %s/%s" % (PREFIX, d) for d in TEST_DIRS]
    lines += ["pytest_add_cli_args =", "    -p", "    no:cacheprovider"]
    if skip_judges:
        lines += ["    -k", "    " + " and ".join("not %s" % name for name in skip_judges)]
    with open(os.path.join(workspace, "setup.cfg"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def skipped_judges(workspace):
    """The -k expression of a workspace's run (tests that judged no mutant), or ""."""
    try:
        with open(os.path.join(workspace, "setup.cfg"), encoding="utf-8") as handle:
            lines = [line.strip() for line in handle]
    except OSError:
        return ""
    return lines[lines.index("-k") + 1] if "-k" in lines[:-1] else ""


def load_equivalent(path=EQUIVALENT):
    """{mutant name: reason} from lines ``<mutant name> <reason>`` (``#`` starts a comment)."""
    found = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if line and not line.startswith("#"):
                    name, reason = (line.split(None, 1) + [""])[:2]
                    if not reason.strip():
                        raise SystemExit("%s: %s has no reason" % (path, name))
                    found[name] = reason.strip()
    return found


def same_source(workspace, rel):
    """Whether the workspace mutated the file as the checkout has it now (else its results are stale)."""
    try:
        with open(os.path.join(workspace, PREFIX, rel), "rb") as mutated, open(os.path.join(ROOT, rel), "rb") as now:
            return mutated.read() == now.read()
    except OSError:
        return False


def import_time_tests(mutant):
    """The test files that judge ``mutant`` in a fresh process, or None for an ordinary mutant."""
    for function, tests in IMPORT_TIME.items():
        if mutant.startswith("%s.%s__mutmut_" % (PREFIX.replace(os.sep, "."), function)):
            return tests
    return None


def rejudge_import_time(workspace, parallel=1):
    """Run the survivors of import-time functions again, each in its own pytest process (``parallel`` at once:
    the detached-process tests mostly wait)."""
    mutants_dir = os.path.join(workspace, "mutants")
    pending, baseline = {}, {}

    def judge(mutant, tests):
        env = dict(os.environ, MUTANT_UNDER_TEST=mutant, PYTHONDONTWRITEBYTECODE="1")
        return subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
                              + [os.path.join(PREFIX, test) for test in tests],
                              cwd=mutants_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              check=False).returncode
    for top, _dirs, files in os.walk(os.path.join(mutants_dir, PREFIX, "plugins")):
        for name in files:
            if not name.endswith(".py.meta"):
                continue
            with open(os.path.join(top, name), encoding="utf-8") as handle:
                codes = json.load(handle)["exit_code_by_key"]
            for mutant, code in sorted(codes.items()):
                tests = import_time_tests(mutant)
                if tests is None or code not in SURVIVED:
                    continue
                if tests not in baseline:
                    # The same tests with no mutant switched on must pass, or no verdict means anything.
                    baseline[tests] = judge("", tests)
                    if baseline[tests] != 0:
                        raise SystemExit("%s fail without a mutant in %s: no import-time verdicts" % (" ".join(tests), workspace))
                pending[mutant] = tests
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(parallel, 1)) as pool:
        futures = dict((mutant, pool.submit(judge, mutant, tests)) for mutant, tests in sorted(pending.items()))
        verdicts = dict((mutant, future.result()) for mutant, future in futures.items())
    with open(os.path.join(workspace, REJUDGED), "w", encoding="utf-8") as handle:
        json.dump(verdicts, handle, indent=0, sort_keys=True)
    return verdicts


def collect(workspace, only, equivalent, stale=None):
    """Per file: counts of killed, survived and equivalent mutants, and the survivors' names.

    Files changed in the checkout since the workspace was built are left out and named in ``stale``."""
    base = os.path.join(workspace, "mutants", PREFIX)
    report = {}
    rejudged = {}
    if os.path.exists(os.path.join(workspace, REJUDGED)):
        with open(os.path.join(workspace, REJUDGED), encoding="utf-8") as handle:
            rejudged = json.load(handle)
    for top, _dirs, files in os.walk(os.path.join(base, "plugins")):
        for name in sorted(files):
            if not name.endswith(".py.meta"):
                continue
            rel = os.path.relpath(os.path.join(top, name[:-len(".meta")]), base)
            if only and not any(fnmatch.fnmatch(rel, pattern) for pattern in only):
                continue
            if not same_source(workspace, rel):
                if stale is not None:
                    stale.append(rel)
                continue
            with open(os.path.join(top, name), encoding="utf-8") as handle:
                codes = json.load(handle)["exit_code_by_key"]
            if not codes:
                continue
            codes.update((mutant, code) for mutant, code in rejudged.items() if mutant in codes)
            row = {"mutants": len(codes), "killed": 0, "equivalent": 0, "survivors": [], "unchecked": 0}
            for mutant, code in sorted(codes.items()):
                if mutant in equivalent:
                    row["equivalent"] += 1
                elif code in KILLED:
                    row["killed"] += 1
                elif code in SURVIVED:
                    row["survivors"].append(mutant)
                else:
                    # Not run (an interrupted run, reported with --report-only): neither killed nor survived.
                    row["unchecked"] += 1
            report[rel] = row
    return report


def rate(killed, judged):
    return 100.0 * killed / judged if judged else 100.0


def table(report):
    """Markdown rows: file | mutants | killed | survived | equivalent | not run | kill rate."""
    rows = ["| file | mutants | killed | survived | equivalent | not run | kill rate |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    total = {"mutants": 0, "killed": 0, "survived": 0, "equivalent": 0, "unchecked": 0}
    for rel, row in sorted(report.items()):
        survived = len(row["survivors"])
        rows.append("| `%s` | %d | %d | %d | %d | %d | %.1f %% |" % (
            rel, row["mutants"], row["killed"], survived, row["equivalent"], row["unchecked"],
            rate(row["killed"], row["killed"] + survived)))
        for key, value in (("mutants", row["mutants"]), ("killed", row["killed"]), ("survived", survived),
                           ("equivalent", row["equivalent"]), ("unchecked", row["unchecked"])):
            total[key] += value
    rows.append("| all measured | %d | %d | %d | %d | %d | %.1f %% |" % (
        total["mutants"], total["killed"], total["survived"], total["equivalent"], total["unchecked"],
        rate(total["killed"], total["killed"] + total["survived"])))
    return rows, rate(total["killed"], total["killed"] + total["survived"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="plugins/... files or globs (default: all of plugins/)")
    parser.add_argument("--workspace", action="append",
                        help="scratch directory (default .cache/mutation/plugins); with --report-only it may be "
                             "given again: a file measured in a later workspace replaces its earlier figures")
    parser.add_argument("--results", default=os.path.join(ROOT, ".cache", "test-results"))
    parser.add_argument("--skip-judge", action="append", default=[], metavar="TEST_NAME",
                        help="a test (pytest -k word) that judges no mutant: slow tests that hold no assertion "
                             "about the files measured (the report names them)")
    parser.add_argument("--report-only", action="store_true", help="report the last run's workspace again")
    parser.add_argument("--rejudge", action="store_true",
                        help="with --report-only: judge the survivors of import-time functions again first")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    workspaces = args.workspace or [os.path.join(ROOT, ".cache", "mutation", "plugins")]
    if len(workspaces) > 1 and not args.report_only:
        parser.error("a run takes one --workspace; several are for --report-only")
    only = [os.path.relpath(os.path.abspath(f), ROOT) if os.path.exists(f) else f for f in args.files]
    for pattern in only:
        if not pattern.startswith("plugins/"):
            parser.error("%s is not under plugins/" % pattern)
    equivalent = load_equivalent()
    os.makedirs(args.results, exist_ok=True)
    log_path = os.path.join(args.results, "mutation-plugins.log")
    start = time.time()
    if not args.report_only:
        build_workspace(workspaces[0], only, args.skip_judge)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        # mutmut draws a spinner on its output: the log keeps it, the console gets the summary.
        with open(log_path, "w", encoding="utf-8") as log:
            code = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children)],
                                  cwd=workspaces[0], env=env, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
        if code != 0:
            print("mutmut run failed (exit %d); see %s" % (code, log_path))
            return 1
    if not args.report_only or args.rejudge:
        for workspace in workspaces:
            rejudge_import_time(workspace, args.max_children)
    report, stale = {}, []
    for workspace in workspaces:
        measured = collect(workspace, only, equivalent, stale)
        report.update(measured)
        stale = [rel for rel in stale if rel not in measured]
    stale = sorted(set(stale) - set(report))
    if not report:
        print("no mutants found for %s" % (" ".join(only) or "plugins/"))
        return 1
    rows, overall = table(report)
    minimum = float(os.environ.get("SEED_MUTATION_MIN", "85"))
    lines = ["%s, %s, %d s" % (mutmut_version(), time.strftime("%Y-%m-%d"), time.time() - start), ""] + rows
    if stale:
        lines += ["", "changed since they were measured (left out): " + ", ".join(stale)]
    skips = ["%s: %s" % (w, skipped_judges(w)) for w in workspaces if skipped_judges(w)]
    if skips:
        lines += ["", "tests that judged no mutant (-k): " + "; ".join(skips)]
    lines += ["", "survivors:"] + ["  " + name for row in report.values() for name in row["survivors"]]
    with open(os.path.join(args.results, "mutation-plugins.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(rows))
    if stale:
        print("changed since they were measured (left out): " + ", ".join(stale))
    survivors = sum(len(row["survivors"]) for row in report.values())
    print("%d surviving mutants (list: %s; show one: cd %s && mutmut show NAME)" % (
        survivors, os.path.join(args.results, "mutation-plugins.md"), workspaces[-1]))
    if overall < minimum:
        print("kill rate %.1f %% is below %.0f %% (SEED_MUTATION_MIN)" % (overall, minimum))
        return 1
    return 0


def mutmut_version():
    from importlib.metadata import version  # pylint: disable=import-outside-toplevel
    return "mutmut " + version("mutmut")


if __name__ == "__main__":
    sys.exit(main())
