# -*- coding: utf-8 -*-
"""What a release gives users, checked on a copy of the checkout's tracked files:

1. antsibull-changelog lint, then `antsibull-changelog release` writes CHANGELOG.rst;
2. `ansible-galaxy collection build` makes the tarball: it carries the collection (roles, plugins,
   playbooks, the sample inventories, docs, CHANGELOG.rst, the execution-environment metadata) and
   none of the tests, benchmarks, development scripts or local caches;
3. `ansible-builder create` turns execution-environment.yml into a build context that installs the
   tarball, and ansible-builder's own introspection of the installed collection finds the
   collection's Python and system dependencies (meta/execution-environment.yml).

Prints the tarball's file list (top two levels, with counts) for the release notes.
Exit status 0 when everything holds, 1 with the reasons otherwise.
"""

import collections
import glob
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Present in every release tarball (the collection works and documents itself with these).
REQUIRED = ["MANIFEST.json", "FILES.json", "README.md", "LICENSE", "CHANGELOG.rst", "meta/runtime.yml",
            "meta/execution-environment.yml", "meta/ee-requirements.txt", "meta/ee-bindep.txt",
            "site.yml", "playbooks/site.yml", "roles/cluster/meta/argument_specs.yml",
            "plugins/modules/kubeadm_token.py", "inventory/sample/hosts.yml", "docs/variables.md"]
# Never in a release tarball: tests, benchmarks, development tooling, caches, local cluster files.
FORBIDDEN = ["tests/", "molecule/", "benchmarks/", "scripts/", ".ci/", ".collections/", ".cache/",
             ".venv/", ".git/", ".config/", "changelogs/fragments/", "changelogs/.plugin-cache.yaml",
             "execution-environment/", "execution-environment.yml", "inventory/sample/artifacts/",
             "inventory/sample/credentials/"]
# Never anywhere in a release tarball.
FORBIDDEN_ANYWHERE = ["__pycache__/", ".pyc", ".retry"]


def run(cmd, cwd, env=None):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit("%s failed (exit %d):\n%s%s" % (" ".join(cmd), proc.returncode, proc.stdout, proc.stderr))
    return proc.stdout


def tracked_copy(dest):
    files = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT).split("\0")
    for rel in filter(None, files):
        src = os.path.join(ROOT, rel)
        if not os.path.lexists(src):
            continue
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), os.path.join(dest, rel))
        else:
            shutil.copy2(src, os.path.join(dest, rel))


def tree_summary(names):
    counts = collections.Counter("/".join(n.split("/")[:2]) for n in names if not n.endswith("/"))
    return "\n".join("%5d  %s" % (c, k) for k, c in sorted(counts.items()))


def main():
    errors = []
    work = tempfile.mkdtemp(prefix="seed-release.")
    try:
        tree = os.path.join(work, "tree")
        tracked_copy(tree)
        with open(os.path.join(tree, "galaxy.yml")) as fh:
            galaxy = yaml.safe_load(fh)
        for key in ("repository", "documentation", "issues"):
            if not galaxy.get(key) or "example." in galaxy[key] or not galaxy[key].startswith("https://"):
                errors.append("galaxy.yml: %s must be a real https URL, not %r" % (key, galaxy.get(key)))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(tree, ".collections"))
        run(["antsibull-changelog", "lint"], tree, env)
        run(["antsibull-changelog", "release", "--version", galaxy["version"], "--date", "2000-01-01"], tree, env)
        with open(os.path.join(tree, "CHANGELOG.rst")) as fh:
            changelog = fh.read()
        if "v%s" % galaxy["version"] not in changelog:
            errors.append("CHANGELOG.rst has no section for v%s" % galaxy["version"])

        dist = os.path.join(work, "dist")
        run(["ansible-galaxy", "collection", "build", "--output-path", dist, tree], tree, env)
        tarball = glob.glob(os.path.join(dist, "seed-kubeadm-*.tar.gz"))[0]
        with tarfile.open(tarball) as tar:
            names = [m.name + ("/" if m.isdir() else "") for m in tar.getmembers()]
        for need in REQUIRED:
            if need not in names:
                errors.append("the tarball lacks %s" % need)
        for name in names:
            bad = next((f for f in FORBIDDEN if name == f.rstrip("/") or name.startswith(f)), None) or next(
                (f for f in FORBIDDEN_ANYWHERE if f in name), None)
            if bad:
                errors.append("the tarball carries %s (%s is build_ignore'd content)" % (name, bad))
        print("release tarball %s: %d files" % (os.path.basename(tarball), len([n for n in names if not n.endswith("/")])))
        print(tree_summary(names))

        # Execution environment: the build context installs this tarball.
        shutil.copy(tarball, os.path.join(tree, "execution-environment"))
        context = os.path.join(work, "context")
        run(["ansible-builder", "create", "-f", "execution-environment.yml", "-c", context, "--output-filename",
             "Containerfile"], tree, env)
        with open(os.path.join(context, "Containerfile")) as fh:
            containerfile = fh.read()
        if not os.path.exists(os.path.join(context, "_build", "seed", os.path.basename(tarball))):
            errors.append("the build context does not carry %s" % os.path.basename(tarball))
        if "ansible-galaxy collection install --offline /tmp/seed/seed-kubeadm-" not in containerfile:
            errors.append("the Containerfile does not install the seed.kubeadm tarball")
        with open(os.path.join(context, "_build", "requirements.yml")) as fh:
            wanted = {c["name"] for c in yaml.safe_load(fh)["collections"]}
        declared = set(galaxy.get("dependencies") or {})
        if wanted != declared:
            errors.append("execution-environment/requirements.yml lists %s, galaxy.yml depends on %s"
                          % (sorted(wanted), sorted(declared)))
        installed = os.path.join(work, "installed")
        run(["ansible-galaxy", "collection", "install", "--offline", "--no-deps", "--force", "-p", installed, tarball],
            work, dict(env, ANSIBLE_COLLECTIONS_PATH=installed))
        found = yaml.safe_load(run([sys.executable, os.path.join(context, "_build", "scripts", "introspect.py"),
                                    "introspect", installed], work))
        for kind, need in (("python", "cryptography"), ("system", "openssh-client")):
            if not any(line.startswith(need) and "seed.kubeadm" in line for line in found.get(kind) or []):
                errors.append("ansible-builder's introspection does not find %s %s of seed.kubeadm: %s"
                              % (kind, need, found.get(kind)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for err in errors:
        print("ERROR: " + err)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
