"""build.sh: the .deb part (--debs-only, no docker), argument and environment errors."""

import hashlib
import os
import shutil
import subprocess

import pytest

from ._kubelet_helpers import DOUBLES

pytestmark = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb is not installed")

STUB_KUBEADM = '#!/usr/bin/python3\nVERSION = "v0.0.0"\nprint(VERSION)\n'


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """A copy of tests/doubles (a stub kubeadm.py while the real double does not exist)."""
    root = tmp_path_factory.mktemp("doubles")
    dest = root / "doubles"
    shutil.copytree(DOUBLES, dest, ignore=shutil.ignore_patterns("__pycache__"))
    if not (dest / "kubeadm.py").exists():
        (dest / "kubeadm.py").write_text(STUB_KUBEADM)
    return dest


def run_build(tree, *args, env=None):
    full_env = dict(os.environ, SOURCE_DATE_EPOCH="1704067200")
    full_env.update(env or {})
    return subprocess.run(["bash", str(tree / "build.sh")] + [str(a) for a in args], capture_output=True,
                          text=True, env=full_env, timeout=300, check=False)


@pytest.fixture(scope="module")
def built(tree, tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    proc = run_build(tree, "--debs-only", "v1.33.7", out)
    assert proc.returncode == 0, proc.stderr
    return out


def arch():
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()


def field(deb, name):
    return subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True).stdout.strip()


def contents(deb):
    out = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1].lstrip(".") for line in out.splitlines()}, out


def member(deb, path):
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True).stdout
    return subprocess.run(["tar", "-xOf", "-", "." + path], input=tar, capture_output=True, check=True).stdout.decode()


def test_package_names(built):
    names = sorted(os.listdir(built / "debian"))
    a = arch()
    assert names == sorted(["seed-doubles-common_1.0_all.deb", "kubeadm_1.33.7-1.1_%s.deb" % a,
                            "kubelet_1.33.7-1.1_%s.deb" % a, "kubectl_1.33.7-1.1_%s.deb" % a])
    assert not (built / "images.yml").exists()


def test_control_fields(built):
    a = arch()
    common = built / "debian" / "seed-doubles-common_1.0_all.deb"
    assert field(common, "Package") == "seed-doubles-common"
    assert field(common, "Version") == "1.0"
    assert field(common, "Architecture") == "all"
    assert field(common, "Depends") == "python3, python3-yaml, python3-cryptography"
    for name in ("kubeadm", "kubelet", "kubectl"):
        deb = built / "debian" / ("%s_1.33.7-1.1_%s.deb" % (name, a))
        assert field(deb, "Package") == name
        assert field(deb, "Version") == "1.33.7-1.1"
        assert field(deb, "Architecture") == a
        assert "test double" in field(deb, "Description")
    kubelet_deb = built / "debian" / ("kubelet_1.33.7-1.1_%s.deb" % a)
    assert field(kubelet_deb, "Depends") == "iptables (>= 1.4.21), mount, util-linux, seed-doubles-common (>= 1.0)"
    assert field(built / "debian" / ("kubeadm_1.33.7-1.1_%s.deb" % a), "Depends") == "seed-doubles-common (>= 1.0)"
    assert field(built / "debian" / ("kubectl_1.33.7-1.1_%s.deb" % a), "Depends") == "seed-doubles-common (>= 1.0)"


def test_file_lists(built):
    a = arch()
    files, listing = contents(built / "debian" / "seed-doubles-common_1.0_all.deb")
    for module in ("__init__.py", "calls.py", "faults.py", "kube.py", "pods.py"):
        assert "/usr/lib/python3/dist-packages/seed_doubles/" + module in files
    assert "/usr/lib/seed-doubles/pods" in files
    assert not any("__pycache__" in f for f in files)
    files, listing = contents(built / "debian" / ("kubelet_1.33.7-1.1_%s.deb" % a))
    assert {"/usr/bin/kubelet", "/usr/lib/systemd/system/kubelet.service", "/etc/default/kubelet",
            "/var/lib/kubelet/.kubelet-keep", "/etc/kubernetes/manifests/.kubelet-keep"} <= files
    assert "-rwxr-xr-x root/root" in [l for l in listing.splitlines() if l.endswith("/usr/bin/kubelet")][0]
    files, _ = contents(built / "debian" / ("kubeadm_1.33.7-1.1_%s.deb" % a))
    assert {"/usr/bin/kubeadm", "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"} <= files
    files, _ = contents(built / "debian" / ("kubectl_1.33.7-1.1_%s.deb" % a))
    assert "/usr/bin/kubectl" in files
    assert all(l.split()[3:5] == ["2024-01-01", "00:00"] for l in listing.splitlines())


def test_baked_version_and_unit_files(built):
    a = arch()
    kubelet_py = member(built / "debian" / ("kubelet_1.33.7-1.1_%s.deb" % a), "/usr/bin/kubelet")
    assert kubelet_py.count('\nVERSION = "v1.33.7"\n') == 1
    assert 'VERSION = "v0.0.0"' not in kubelet_py
    kubectl_py = member(built / "debian" / ("kubectl_1.33.7-1.1_%s.deb" % a), "/usr/bin/kubectl")
    assert 'VERSION = "v1.33.7"' in kubectl_py
    unit = member(built / "debian" / ("kubelet_1.33.7-1.1_%s.deb" % a), "/usr/lib/systemd/system/kubelet.service")
    assert "ExecStart=/usr/bin/kubelet\n" in unit and "Restart=always" in unit and "RestartSec=10" in unit
    dropin = member(built / "debian" / ("kubeadm_1.33.7-1.1_%s.deb" % a),
                    "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf")
    assert "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env" in dropin
    assert "EnvironmentFile=-/etc/default/kubelet" in dropin
    assert ("ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS "
            "$KUBELET_EXTRA_ARGS") in dropin
    assert member(built / "debian" / ("kubelet_1.33.7-1.1_%s.deb" % a), "/etc/default/kubelet") == "KUBELET_EXTRA_ARGS=\n"


def test_baked_kubelet_runs(built, tmp_path):
    a = arch()
    path = tmp_path / "kubelet"
    path.write_text(member(built / "debian" / ("kubelet_1.33.7-1.1_%s.deb" % a), "/usr/bin/kubelet"))
    env = dict(os.environ, PYTHONPATH=DOUBLES, SEED_DOUBLES_LOG=str(tmp_path / "calls.jsonl"))
    proc = subprocess.run(["python3", str(path), "--version"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0 and proc.stdout == "Kubernetes v1.33.7\n"


def test_idempotent_and_reproducible(tree, built, tmp_path):
    before = {n: os.stat(built / "debian" / n).st_mtime_ns for n in os.listdir(built / "debian")}
    proc = run_build(tree, "--debs-only", "1.33.7", built)
    assert proc.returncode == 0, proc.stderr
    assert "up to date: kubelet_1.33.7-1.1" in proc.stderr
    assert {n: os.stat(built / "debian" / n).st_mtime_ns for n in os.listdir(built / "debian")} == before
    other = tmp_path / "again"
    proc = run_build(tree, "--debs-only", "--force", "1.33.7", other)
    assert proc.returncode == 0, proc.stderr

    def digest(p):
        return hashlib.sha256(p.read_bytes()).hexdigest()

    for name in before:
        assert digest(built / "debian" / name) == digest(other / "debian" / name), name


def test_several_versions(tree, tmp_path):
    proc = run_build(tree, "--debs-only", "--versions", "1.33.7,1.34.3,1.35.6", tmp_path)
    assert proc.returncode == 0, proc.stderr
    names = os.listdir(tmp_path / "debian")
    for version in ("1.33.7", "1.34.3", "1.35.6"):
        for name in ("kubeadm", "kubelet", "kubectl"):
            assert "%s_%s-1.1_%s.deb" % (name, version, arch()) in names
    assert names.count("seed-doubles-common_1.0_all.deb") == 1


@pytest.mark.parametrize("args, message", [
    (["1.33"], "usage: build.sh"),
    (["1.33", "OUT"], "version '1.33' is not X.Y.Z"),
    (["--bogus", "1.33.7", "OUT"], "unknown option --bogus"),
])
def test_argument_errors(tree, tmp_path, args, message):
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    proc = run_build(tree, *args)
    assert proc.returncode != 0
    assert message in proc.stderr


def test_images_need_docker(tree, tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "docker").write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    (fake / "docker").chmod(0o755)
    proc = run_build(tree, "1.33.7", tmp_path / "out", env={"PATH": "%s:%s" % (fake, os.environ["PATH"])})
    assert proc.returncode == 1
    assert "docker is not usable here" in proc.stderr and "--debs-only" in proc.stderr
    assert not (tmp_path / "out" / "debian").exists() or not os.listdir(tmp_path / "out" / "debian")
