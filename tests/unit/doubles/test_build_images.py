"""build.sh: image archives and images.yml (needs a usable docker; skipped otherwise)."""

import json
import os
import shutil
import subprocess
import tarfile

import pytest
import yaml

from ._kubelet_helpers import DOUBLES


def _docker_usable():
    if shutil.which("docker") is None or shutil.which("dpkg-deb") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


pytestmark = pytest.mark.skipif(not _docker_usable(), reason="docker is not usable here")

# A kubeadm stand-in listing images that need no download (no etcd).
LISTER = '''#!/usr/bin/python3
import sys
VERSION = "v0.0.0"
print("registry.k8s.io/kube-scheduler:" + sys.argv[-1])
print("registry.k8s.io/pause:3.10")
print("registry.k8s.io/coredns/coredns:v1.12.0")
'''


def test_images_and_images_yml(tmp_path):
    tree = tmp_path / "doubles"
    shutil.copytree(DOUBLES, tree, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "kubeadm.py").write_text(LISTER)
    if not (tree / "kube_scheduler.py").exists():
        (tree / "kube_scheduler.py").write_text("#!/usr/bin/python3\nprint('scheduler')\n")
    out = tmp_path / "out"
    proc = subprocess.run(["bash", str(tree / "build.sh"), "1.33.7", str(out)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    entries = yaml.safe_load((out / "images.yml").read_text())
    assert entries == [
        {"archive": "coredns_v1.12.0.tar", "image": "registry.k8s.io/coredns/coredns:v1.12.0"},
        {"archive": "kube-scheduler_v1.33.7.tar", "image": "registry.k8s.io/kube-scheduler:v1.33.7"},
        {"archive": "pause_3.10.tar", "image": "registry.k8s.io/pause:3.10"},
    ]
    with tarfile.open(out / "images" / "kube-scheduler_v1.33.7.tar") as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        assert manifest[0]["RepoTags"] == ["registry.k8s.io/kube-scheduler:v1.33.7"]
        layer = archive.extractfile(manifest[0]["Layers"][0])
        with tarfile.open(fileobj=layer) as rootfs:
            member = rootfs.getmember("./usr/local/bin/kube-scheduler")
            assert member.mode & 0o111
            assert member.mtime == 1704067200
            assert rootfs.extractfile(member).read() == (tree / "kube_scheduler.py").read_bytes()
    # the local docker keeps no image of the build
    listed = subprocess.run(["docker", "images", "-q", "registry.k8s.io/kube-scheduler:v1.33.7"],
                            capture_output=True, text=True, check=True).stdout
    assert listed.strip() == ""
    # second run: nothing rebuilt
    proc = subprocess.run(["bash", str(tree / "build.sh"), "1.33.7", str(out)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0 and "built images" not in proc.stderr
    assert os.path.exists(out / "debian" / "seed-doubles-common_1.0_all.deb")
