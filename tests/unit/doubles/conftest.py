"""Fixtures of the control-plane double tests: a throw-away PKI, the API server stand-in running
in-process (thread) on 127.0.0.1 with the in-memory store, and the kubeadm double (the classes live
in tests/unit/utils/doubles_harness.py, shared with the module tests)."""

import pytest

from doubles_harness import DOUBLES, KUBEADM_SOURCE, KubeadmRunner, Pki, RunningApi  # noqa: F401  pylint: disable=unused-import


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def api(pki):
    running = RunningApi(pki, {})
    yield running
    running.stop()


@pytest.fixture
def api_factory(pki):
    started = []

    def make(flags=None, store=None):
        running = RunningApi(pki, flags, store)
        started.append(running)
        return running
    yield make
    for running in started:
        running.stop()


# ---------------------------------------------------------------------------------------------
# kubeadm double: a copy baked for one release (as build.sh bakes it), run as a subprocess or
# imported in-process.


@pytest.fixture(scope="session")
def kubeadm(tmp_path_factory):
    return KubeadmRunner(tmp_path_factory.mktemp("kubeadm"))
