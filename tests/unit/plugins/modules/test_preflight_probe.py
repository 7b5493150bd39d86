# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""seed.kubeadm.preflight_probe, the read-only node probe of the preflight role, run in-process."""

from __future__ import annotations

import os
import socket

import pytest

import kubeadm_testlib as lib
from unit_helpers import CommandRecorder, dpkg_field, run_for_real
from ansible_collections.seed.kubeadm.plugins.modules import preflight_probe


def _run(args, check_mode=False):
    result, rc = lib.run_module(preflight_probe, args, check_mode=check_mode)
    assert rc == 0, result
    assert result["changed"] is False
    return result


@pytest.fixture(name="listener")
def fixture_listener():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("check_mode", [False, True])
def test_resources_and_no_request(check_mode):
    result = _run({}, check_mode=check_mode)
    assert result["cpus"] >= 1
    assert result["memory_mb"] > 0
    assert result["listening"] == [] and result["probes"] == []
    assert isinstance(result["joined"], bool)


def test_probes_keep_order_and_report_errors(listener):
    closed = _free_port()
    result = _run(
        {
            "endpoints": [
                {"name": "open", "host": "127.0.0.1", "port": listener},
                {"name": "closed", "host": "127.0.0.1", "port": closed},
                {"name": "nowhere", "host": "name.invalid", "port": 443},
                {"host": "127.0.0.1", "port": str(listener)},
            ],
            "timeout": 2,
        }
    )
    assert [p["name"] for p in result["probes"]] == ["open", "closed", "nowhere", ""]
    assert result["probes"][0] == {"name": "open", "host": "127.0.0.1", "port": listener, "ok": True, "error": ""}
    assert result["probes"][1]["ok"] is False and result["probes"][1]["error"] == "Connection refused"
    assert result["probes"][2]["ok"] is False and result["probes"][2]["error"].startswith("cannot resolve name.invalid")
    assert result["probes"][3]["ok"] is True and result["probes"][3]["port"] == listener


def test_probe_timeout(monkeypatch):
    def slow(*args, **kwargs):
        raise socket.timeout()

    monkeypatch.setattr(preflight_probe.socket, "create_connection", slow)
    entry = preflight_probe.probe({"host": "192.0.2.1", "port": 443}, 1.5)
    assert entry == {"name": "", "host": "192.0.2.1", "port": 443, "ok": False, "error": "no answer within 1.5 s"}


def test_endpoint_needs_host_and_port():
    result, rc = lib.run_module(preflight_probe, {"endpoints": [{"name": "x", "port": 1}]})
    assert rc == 1 and result["failed"] and "host" in result["msg"]


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux /proc/net/tcp")
def test_listening_ports_and_joined(listener, tmp_path):
    marker = tmp_path / "kubelet.conf"
    marker.write_text("x")
    result = _run({"ports": [listener, _free_port()], "kubelet_conf": str(marker)})
    assert result["listening"] == [listener]
    assert result["joined"] is True
    assert _run({"kubelet_conf": str(tmp_path / "missing")})["joined"] is False


def test_readers_on_given_files(tmp_path, monkeypatch):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemFree: 10 kB\nMemTotal: 2097152 kB\n")
    assert preflight_probe.memory_mb(str(meminfo)) == 2048
    meminfo.write_text("MemTotal: lots\n")
    assert preflight_probe.memory_mb(str(meminfo)) == 0
    assert preflight_probe.memory_mb(str(tmp_path / "missing")) == 0
    tcp = tmp_path / "tcp"
    tcp.write_text(
        "  sl  local_address rem_address   st\n"
        "   0: 00000000:1A0B 00000000:0000 0A 0\n"
        "   1: 0100007F:0050 0100007F:9C40 01 0\n"
    )
    assert preflight_probe.listening_ports((str(tcp), str(tmp_path / "missing"))) == {0x1A0B}

    def no_affinity(pid):
        raise OSError("no affinity")

    monkeypatch.setattr(preflight_probe.os, "sched_getaffinity", no_affinity)
    assert preflight_probe.cpus() == (os.cpu_count() or 0)


def test_gathers_facts_like_setup():
    result = _run({"gather_subset": ["!all", "min", "network"]})
    facts = result["ansible_facts"]
    assert facts["ansible_os_family"] and facts["ansible_distribution"]
    assert "ansible_interfaces" in facts and "ansible_python" in facts
    assert "ansible_facts" not in _run({})
    result, rc = lib.run_module(preflight_probe, {"gather_subset": ["no_such_subset"]})
    assert rc == 1 and "gather_subset" in result["msg"]


# --- running versions (a version change on a running cluster) and the cgroup version -----------
@pytest.mark.parametrize("text, version", [
    ("1.35.6-1.1", "1.35.6"), ("1:1.35.6-1.1", "1.35.6"), ("1.35.6-150500.1.1", "1.35.6"), ("v1.36.0", "1.36.0"),
    ("v1.35.0-rc.1", "1.35.0"), ("", None), (None, None), ("latest", None),
])
def test_upstream_version(text, version):
    assert preflight_probe.upstream_version(text) == version


def test_installed_versions_dpkg_and_rpm():
    calls = []

    def dpkg(args):
        calls.append(args)
        return 1, "kubeadm 1.35.6-1.1 ii \nkubelet 1.34.2-1.1 rc \n"

    assert preflight_probe.installed_versions(dpkg, ["kubeadm", "kubelet"], dpkg_query="/usr/bin/dpkg-query") == {
        "kubeadm": "1.35.6", "kubelet": None}
    assert calls[0][:2] == ["/usr/bin/dpkg-query", "-W"] and calls[0][-2:] == ["kubeadm", "kubelet"]

    def rpm(args):
        return (0, "1.35.6\n") if args[2] == "kubelet" else (1, "package kubeadm is not installed\n")

    assert preflight_probe.installed_versions(rpm, ["kubeadm", "kubelet"], rpm="/usr/bin/rpm") == {
        "kubeadm": None, "kubelet": "1.35.6"}
    assert preflight_probe.installed_versions(rpm, []) == {}


def test_manifest_image_version(tmp_path):
    manifest = tmp_path / "kube-apiserver.yaml"
    assert preflight_probe.manifest_image_version(str(manifest)) is None
    assert preflight_probe.manifest_image_version("") is None
    manifest.write_text(
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - kube-apiserver\n"
        "    image: registry.aliyuncs.com/google_containers/kube-apiserver:v1.35.6\n    name: kube-apiserver\n")
    assert preflight_probe.manifest_image_version(str(manifest)) == "1.35.6"
    manifest.write_text('spec:\n  containers:\n    - image: "10.0.0.5:60080/registry.k8s.io/kube-apiserver:v1.34.2@sha256:ab"\n')
    assert preflight_probe.manifest_image_version(str(manifest)) == "1.34.2"
    manifest.write_text("spec:\n  containers:\n  - image: registry.k8s.io/etcd:3.6.5-0\n")
    assert preflight_probe.manifest_image_version(str(manifest)) is None


def test_cgroup_v2(tmp_path):
    assert preflight_probe.cgroup_v2(str(tmp_path)) is False
    (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
    assert preflight_probe.cgroup_v2(str(tmp_path)) is True


def test_module_returns_running_versions_and_cgroup(tmp_path):
    manifest = tmp_path / "kube-apiserver.yaml"
    manifest.write_text("    image: registry.k8s.io/kube-apiserver:v1.35.6\n")
    result = _run({"apiserver_manifest": str(manifest), "cgroup_root": str(tmp_path),
                   "packages": ["seed-kubeadm-no-such-package"]})
    assert result["running_versions"] == {"seed-kubeadm-no-such-package": None, "kube-apiserver": "1.35.6"}
    assert result["cgroup_v2"] is False
    assert _run({"apiserver_manifest": ""})["running_versions"] == {"kube-apiserver": None}


def test_listening_ports_of_the_real_kernel_ipv4_and_ipv6():
    sockets = []
    try:
        for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.bind((address, 0))
            except OSError:
                pytest.skip("no %s loopback here" % address)
            sock.listen(1)
            sockets.append(sock)
        ports = preflight_probe.listening_ports()
        assert all(sock.getsockname()[1] in ports for sock in sockets)
        assert preflight_probe.listening_ports(("/proc/net/tcp6",)) >= {sockets[1].getsockname()[1]}
        assert sockets[1].getsockname()[1] not in preflight_probe.listening_ports(("/proc/net/tcp",))
    finally:
        for sock in sockets:
            sock.close()


def test_a_broken_table_does_not_hide_the_next(tmp_path):
    broken, good = tmp_path / "tcp", tmp_path / "tcp6"
    broken.write_text("header\n   0: 00000000:ZZZZ 00000000:0000 0A 0\n")
    good.write_text("header\n   0: 00000000000000000000000000000000:1A0B 00000000000000000000000000000000:0000 0A 0\n"
                    "   1: 00000000:1A0C 00000000:0000 0A\n")
    assert preflight_probe.listening_ports((str(broken), str(good))) == {0x1A0B, 0x1A0C}


def test_installed_versions_ask_the_documented_commands():
    run = CommandRecorder((0, "1.35.6\n"))
    preflight_probe.installed_versions(run, ["kubeadm"], rpm="/usr/bin/rpm")
    preflight_probe.installed_versions(run, ["kubeadm", "kubelet"], dpkg_query="/usr/bin/dpkg-query")
    assert run.seen == [["/usr/bin/rpm", "-q", "kubeadm", "--qf", "%{VERSION}\\n"],
                        ["/usr/bin/dpkg-query", "-W", "-f", "${Package} ${Version} ${db:Status-Abbrev}\\n", "kubeadm", "kubelet"]]
    assert preflight_probe.installed_versions(lambda args: (1, "package kubeadm is not installed\n"), ["kubeadm"],
                                              rpm="rpm") == {"kubeadm": None}
    held = "kubeadm 1.35.6-1.1 hi\nkubelet 1.35.5-1.1 rc\n"
    assert preflight_probe.installed_versions(lambda args: (0, held), ["kubeadm", "kubelet"], dpkg_query="d") == \
        {"kubeadm": "1.35.6", "kubelet": None}


@pytest.mark.skipif(not __import__("shutil").which("dpkg-query"), reason="needs a Debian-family host")
def test_installed_versions_with_the_real_dpkg_query():
    version = dpkg_field("dpkg", "Version")
    result = preflight_probe.installed_versions(run_for_real, ["dpkg", "no-such-package-seed"],
                                                dpkg_query=__import__("shutil").which("dpkg-query"))
    assert result == {"dpkg": preflight_probe.upstream_version(version), "no-such-package-seed": None}
    assert result["dpkg"] and result["dpkg"].count(".") == 2


def test_manifest_image_version_with_a_digest_and_a_registry_port(tmp_path):
    manifest = tmp_path / "kube-apiserver.yaml"
    manifest.write_text("spec:\n  containers:\n  - image: registry.local:5000/k8s/kube-apiserver:v1.35.6@sha256:%s\n"
                        % ("a" * 64))
    assert preflight_probe.manifest_image_version(str(manifest)) == "1.35.6"


# --- candidate versions (containerd 1.x for Kubernetes 1.36) and a repository's package index -------
APT_POLICY = """containerd:
  Installed: (none)
  Candidate: 1.7.24~ds1-6+deb13u1
  Version table:
     1.7.24~ds1-6+deb13u1 500
        500 http://deb.debian.org/debian trixie/main amd64 Packages
containerd.io:
  Installed: (none)
  Candidate: (none)
  Version table:
"""


def test_candidate_versions_read_apt_cache_policy():
    run = CommandRecorder((0, APT_POLICY))
    assert preflight_probe.candidate_versions(run, ["containerd", "containerd.io", "runc"], apt_cache="/usr/bin/apt-cache") == {
        "containerd": "1.7.24", "containerd.io": None, "runc": None}
    assert run.seen == [["/usr/bin/apt-cache", "policy", "containerd", "containerd.io", "runc"]]
    assert preflight_probe.candidate_versions(run, ["containerd"]) == {"containerd": None}
    assert preflight_probe.candidate_versions(run, [], apt_cache="/usr/bin/apt-cache") == {}
    assert len(run.seen) == 1
    epoch = "containerd:\n  Installed: 1:2.1.4-1\n  Candidate: 1:2.1.4-1\n"
    assert preflight_probe.candidate_versions(lambda args: (0, epoch), ["containerd"], apt_cache="a") == {"containerd": "2.1.4"}


@pytest.mark.skipif(not __import__("shutil").which("apt-cache"), reason="needs a Debian-family host")
def test_candidate_versions_with_the_real_apt_cache():
    """An installed package is its own candidate when no source offers a newer one; an unknown one has none."""
    result = preflight_probe.candidate_versions(run_for_real, ["dpkg", "no-such-package-seed"],
                                                apt_cache=__import__("shutil").which("apt-cache"))
    assert result["no-such-package-seed"] is None
    assert result["dpkg"] and result["dpkg"].count(".") >= 1


PACKAGES = """Package: kubeadm
Version: 1.35.0-1.1
Architecture: amd64

Package: kubectl
Version: 1.35.9-1.1

Package: kubeadm
Version: 1.35.10-1.1
Architecture: amd64

Package: kubeadm
Version: 1.35.2-1.1
"""

PRIMARY = """<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="3">
<package type="rpm"><name>kubeadm</name><arch>x86_64</arch><version epoch="0" ver="1.35.1" rel="150500.1.1"/></package>
<package type="rpm"><name>kubelet</name><arch>x86_64</arch><version epoch="0" ver="1.35.7" rel="150500.1.1"/></package>
<package type="rpm"><name>kubeadm</name><arch>x86_64</arch><version epoch="0" ver="1.35.6" rel="150500.1.1"/></package>
</metadata>
"""

REPOMD = """<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <data type="filelists"><location href="repodata/abc-filelists.xml.gz"/></data>
  <data type="primary"><location href="repodata/def-primary.xml.gz"/></data>
</repomd>
"""


@pytest.fixture(name="repo")
def fixture_repo(tmp_path):
    """A real HTTP server over a directory: v1.35/deb (Packages.gz), v1.34/deb (Packages only), v1.35/rpm."""
    import functools
    import gzip
    import http.server
    import threading
    deb = tmp_path / "v1.35" / "deb"
    deb.mkdir(parents=True)
    (deb / "Packages.gz").write_bytes(gzip.compress(PACKAGES.encode()))
    plain = tmp_path / "v1.34" / "deb"
    plain.mkdir(parents=True)
    (plain / "Packages").write_text(PACKAGES.replace("1.35.", "1.34."))
    xz_only = tmp_path / "v1.33" / "deb"
    xz_only.mkdir(parents=True)
    (xz_only / "Packages.xz").write_bytes(__import__("lzma").compress(PACKAGES.replace("1.35.", "1.33.").encode()))
    odd = tmp_path / "v1.32" / "deb"
    odd.mkdir(parents=True)
    (odd / "InRelease").write_text("signed Release\n")
    (odd / "Packages.bz2").write_bytes(b"not read")
    repodata = tmp_path / "v1.35" / "rpm" / "repodata"
    repodata.mkdir(parents=True)
    (repodata / "repomd.xml").write_text(REPOMD)
    (repodata / "def-primary.xml.gz").write_bytes(gzip.compress(PRIMARY.encode()))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_index_versions_of_deb_and_rpm_repositories(repo):
    deb = preflight_probe.index_versions({"deb": repo + "/v1.35/deb/", "package": "kubeadm"}, "deb", 5)
    assert deb == {"url": repo + "/v1.35/deb/Packages.gz", "package": "kubeadm",
                   "versions": ["1.35.0", "1.35.2", "1.35.10"], "status": 0, "error": ""}
    plain = preflight_probe.index_versions({"deb": repo + "/v1.34/deb", "package": "kubectl"}, "deb", 5)
    assert plain["url"] == repo + "/v1.34/deb/Packages" and plain["versions"] == ["1.34.9"]
    xz_only = preflight_probe.index_versions({"deb": repo + "/v1.33/deb/", "package": "kubeadm"}, "deb", 5)
    assert xz_only["url"] == repo + "/v1.33/deb/Packages.xz" and xz_only["versions"] == ["1.33.0", "1.33.2", "1.33.10"]
    rpm = preflight_probe.index_versions({"rpm": repo + "/v1.35/rpm/", "package": "kubeadm"}, "rpm", 5)
    assert rpm["url"] == repo + "/v1.35/rpm/repodata/def-primary.xml.gz"
    assert rpm["versions"] == ["1.35.1", "1.35.6"] and rpm["error"] == ""


def test_index_versions_report_a_missing_repository_and_an_unreachable_one(repo):
    missing = preflight_probe.index_versions({"deb": repo + "/v1.99/deb/", "package": "kubeadm"}, "deb", 5)
    assert missing["status"] == 404 and missing["error"] == "HTTP 404" and missing["versions"] == []
    assert missing["url"] == repo + "/v1.99/deb/Packages"
    # a repository that exists (it has a Release) but whose index is under another name: unknown, not missing
    odd = preflight_probe.index_versions({"deb": repo + "/v1.32/deb/", "package": "kubeadm"}, "deb", 5)
    assert odd["status"] == 0 and "has InRelease but none of Packages.gz, Packages.xz, Packages" in odd["error"]
    gone = preflight_probe.index_versions({"rpm": "http://127.0.0.1:%d/v1.35/rpm/" % _free_port()}, "rpm", 2)
    assert gone["status"] == 0 and gone["error"] and gone["versions"] == []
    assert preflight_probe.index_versions({"deb": "", "rpm": repo}, "deb", 5)["url"] == ""


def test_module_reads_the_index_of_its_own_package_family(repo):
    family = "deb" if __import__("shutil").which("dpkg-query") else "rpm"
    result = _run({"package_index": {family: repo + "/v1.35/%s/" % family}, "candidates": ["no-such-package-seed"]})
    assert result["package_index"]["versions"][0] == "1.35.0"
    assert result["candidate_versions"] == {"no-such-package-seed": None}
    assert _run({})["package_index"] == {}
