# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pytest setup for the unit tests of seed.kubeadm.

The checkout is the collection: scripts/lib.sh links it as
.collections/ansible_collections/seed/kubeadm, and that directory goes first on sys.path so
``ansible_collections.seed.kubeadm...`` imports resolve to the working tree.
"""

from __future__ import annotations

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_DIR = os.path.join(REPO_ROOT, ".collections")


def _ensure_collection_link():
    """Same link as scripts/lib.sh ensure_collection_link, for a bare `pytest` run."""
    seed_dir = os.path.join(COLLECTIONS_DIR, "ansible_collections", "seed")
    link = os.path.join(seed_dir, "kubeadm")
    if not os.path.exists(link):
        os.makedirs(seed_dir, exist_ok=True)
        os.symlink(REPO_ROOT, link)


_ensure_collection_link()
if COLLECTIONS_DIR not in sys.path:
    sys.path.insert(0, COLLECTIONS_DIR)

# Helpers shared by every unit test live in tests/unit/utils and are imported by module name
# (``from role_render import ...``, ``import kubeadm_testlib as lib``, ``from unit_helpers import ...``).
# tests/unit/plugins/module_utils stays on the path for helpers that still live there.
UTILS_DIR = os.path.join(REPO_ROOT, "tests", "unit", "utils")
for _helpers in (os.path.join(REPO_ROOT, "tests", "unit", "plugins", "module_utils"), UTILS_DIR):
    if _helpers not in sys.path:
        sys.path.insert(0, _helpers)

# Same test code on every ansible-core the collection supports (2.16 - 2.19): see ansible_compat.
import ansible_compat  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import


import pytest  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """A throw-away cluster CA with an API server certificate and client certificates (doubles_harness.Pki)."""
    from doubles_harness import Pki  # pylint: disable=import-outside-toplevel
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def api(pki):  # pylint: disable=redefined-outer-name
    """The API server double running in-process on 127.0.0.1 with the in-memory store (doubles_harness.RunningApi)."""
    from doubles_harness import RunningApi  # pylint: disable=import-outside-toplevel
    running = RunningApi(pki, {})
    yield running
    running.stop()


@pytest.fixture
def kubeadm_double(tmp_path):
    """``make(tree, version)``: the kubeadm double with its API server for a KubeTree (kubeadm_testlib)."""
    import kubeadm_testlib  # pylint: disable=import-outside-toplevel
    started = []

    def make(tree, version='v1.35.6'):
        double = kubeadm_testlib.KubeadmDouble(tmp_path / ('kubeadm-%d' % len(started)), tree, version)
        started.append(double)
        return double
    yield make
    for double in started:
        double.stop()
