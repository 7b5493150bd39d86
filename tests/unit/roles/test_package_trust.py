"""Every apt source the collection writes is checked against a key: no trusted=yes, no
unauthenticated installs, anywhere a user could copy it from (roles, playbooks, inventories,
docs, the Molecule scenarios)."""
import os
import re

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
WHERE = ("roles", "playbooks", "inventory", "docs", "molecule", "README.md")
# apt's ways of taking packages without checking a signature.
UNCHECKED = re.compile(r"trusted\s*=\s*yes|allow_unauthenticated\s*:\s*(true|yes)|--allow-unauthenticated"
                       r"|AllowInsecureRepositories|AllowDowngradeToInsecureRepositories|allow-insecure\s*=\s*yes",
                       re.IGNORECASE)


def _texts():
    for top in WHERE:
        path = os.path.join(ROOT, top)
        if os.path.isfile(path):
            yield path
            continue
        for folder, _dirs, files in os.walk(path):
            for name in files:
                if name.endswith((".yml", ".yaml", ".j2", ".md", ".sh", ".py", ".cfg", ".list", ".sources")):
                    yield os.path.join(folder, name)


def test_the_pattern_finds_each_way_of_skipping_the_signature_check():
    for text in ("deb [trusted=yes] http://x ./", "deb [ trusted = yes ] http://x ./", "allow_unauthenticated: true",
                 "apt-get install --allow-unauthenticated x", "Acquire::AllowInsecureRepositories true;",
                 "deb [allow-insecure=yes] http://x ./"):
        assert UNCHECKED.search(text), text
    assert not UNCHECKED.search("deb [signed-by=/etc/apt/keyrings/seed-offline.asc] http://x ./")


@pytest.mark.parametrize("path", sorted(_texts()), ids=lambda p: os.path.relpath(p, ROOT))
def test_no_apt_source_skips_the_signature_check(path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        found = [line.strip() for line in handle if UNCHECKED.search(line)]
    assert found == [], "%s takes packages without checking their signature: %s" % (os.path.relpath(path, ROOT), found)


def _yum_repositories():
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "roles")):
        for name in files:
            if name.endswith(".repo.j2"):
                yield os.path.join(folder, name)


@pytest.mark.parametrize("path", sorted(_yum_repositories()), ids=lambda p: os.path.relpath(p, ROOT))
def test_yum_repositories_check_signatures_with_a_local_pinned_key(path):
    """dnf imports a gpgkey URL on first use without any fingerprint check: the key must be the local
    file repo_key wrote after checking its pin, and gpgcheck on."""
    with open(path, encoding="utf-8") as handle:
        lines = [line.strip() for line in handle]
    keys = [line for line in lines if line.startswith("gpgkey=")]
    assert "gpgcheck=1" in lines and keys, "%s: gpgcheck=1 and a gpgkey line are required" % path
    assert all(re.match(r"gpgkey=file:///etc/pki/rpm-gpg/\{\{ __\w+ \}\}$|gpgkey=file://\{\{ __\w+ \}\}$", k) for k in keys), keys
