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


# ------------------------------------------------------------------------------------------------
# etcd image: Debian's etcd / etcdctl 3.4 with what they load, the tool wrappers per tag family

ETCD_TAGS = {
    # tag: (copy of etcd's release image, etcd series of the tools)
    "3.5.21-0": (False, "3.5"),
    "3.5.24-0": (True, "3.5"),
    "3.6.6-0": (True, "3.6"),
}
ETCD_LISTER = '''#!/usr/bin/python3
VERSION = "v0.0.0"
''' + "".join('print("registry.k8s.io/etcd:%s")\n' % tag for tag in ETCD_TAGS)
PATH_DIRS = ("usr/local/sbin", "usr/local/bin", "usr/sbin", "usr/bin", "sbin", "bin")


def _elf_interpreter(data):
    """PT_INTERP of a 64-bit little-endian ELF file, or None."""
    import struct
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 3:
            return data[p_offset:p_offset + p_filesz].rstrip(b"\0").decode()
    return None


def _image(archive_path):
    """(image config, {path: TarInfo}, layer bytes) of a one-layer docker-archive."""
    import io
    with tarfile.open(archive_path) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        config = json.load(archive.extractfile(manifest[0]["Config"]))["config"]
        layer = archive.extractfile(manifest[0]["Layers"][0]).read()
    with tarfile.open(fileobj=io.BytesIO(layer)) as rootfs:
        members = {m.name[2:] if m.name.startswith("./") else m.name: m for m in rootfs.getmembers()}
    return config, members, layer


def _extract(layer, dest):
    import io
    with tarfile.open(fileobj=io.BytesIO(layer)) as rootfs:
        if hasattr(tarfile, "fully_trusted_filter"):
            rootfs.extractall(str(dest), filter="fully_trusted")
        else:
            rootfs.extractall(str(dest))


def _layer_file(layer, name):
    import io
    with tarfile.open(fileobj=io.BytesIO(layer)) as rootfs:
        return rootfs.extractfile("./" + name).read()


@pytest.fixture(scope="module")
def etcd_images(tmp_path_factory):
    """Tree of the doubles with a kubeadm listing the etcd tags only, and its build output."""
    tmp = tmp_path_factory.mktemp("etcd-images")
    tree = tmp / "doubles"
    shutil.copytree(DOUBLES, tree, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "kubeadm.py").write_text(ETCD_LISTER)
    out = tmp / "out"
    proc = subprocess.run(["bash", str(tree / "build.sh"), "1.35.0", str(out)], capture_output=True, text=True,
                          timeout=600, check=False)
    if proc.returncode != 0 and "apt-get download" in proc.stderr:
        pytest.skip("Debian's etcd packages cannot be downloaded here: %s" % proc.stderr.strip()[-300:])
    assert proc.returncode == 0, proc.stderr
    return tree, out


def test_etcd_image_contents_per_tag(etcd_images):
    tree, out = etcd_images
    wrapper = (tree / "packaging" / "etcd-tools-wrapper").read_text()
    for tag, (official, series) in ETCD_TAGS.items():
        config, members, layer = _image(out / "images" / ("etcd_%s.tar" % tag))
        files = {name for name, m in members.items() if m.isfile() or m.issym()}
        for name in ("usr/local/bin/etcd", "usr/local/bin/etcd-3.4", "usr/local/bin/etcdctl",
                     "usr/local/bin/etcdctl-3.4", "usr/lib/seed-doubles/busybox"):
            assert name in files and members[name].mode & 0o111, (tag, name)
        assert ("usr/local/bin/etcdutl" in files) == official, tag
        shells = {"%s/%s" % (d, sh) for d in PATH_DIRS for sh in ("sh", "bash", "ash")} & files
        if official:
            # etcd's release image: distroless static, no shell, WORKDIR and CMD
            assert shells == set(), tag
            assert config.get("Cmd") == ["/usr/local/bin/etcd"] and not config.get("Entrypoint")
            assert config.get("WorkingDir") == "/var/lib/etcd/"
            assert members["var/lib/etcd"].isdir()
        else:
            # Kubernetes' build: bash-static as /bin/sh (busybox here), no ENTRYPOINT / CMD
            assert shells == {"bin/sh"}, tag
            assert members["bin/sh"].issym() and members["bin/sh"].linkname == "../usr/lib/seed-doubles/busybox"
            assert not config.get("Cmd") and not config.get("Entrypoint") and not config.get("WorkingDir")
        assert members["tmp"].isdir() and members["tmp"].mode & 0o7777 == 0o1777
        assert all(m.mtime == 1704067200 and m.uid == 0 and m.gid == 0 for m in members.values())
        # the wrappers are the packaged one with the tag's series baked in
        baked = wrapper.replace('\nSERIES="3.6"\n', '\nSERIES="%s"\n' % series)
        for tool in ("etcdctl", "etcdutl") if official else ("etcdctl",):
            assert _layer_file(layer, "usr/local/bin/" + tool).decode() == baked, (tag, tool)
        assert _layer_file(layer, "usr/local/bin/etcd") == (tree / "packaging" / "etcd-wrapper").read_bytes()


def test_etcd_image_carries_what_the_dynamic_binaries_load(etcd_images, tmp_path):
    _, out = etcd_images
    config, members, layer = _image(out / "images" / "etcd_3.6.6-0.tar")
    for binary in ("usr/local/bin/etcd-3.4", "usr/local/bin/etcdctl-3.4"):
        data = _layer_file(layer, binary)
        interpreter = _elf_interpreter(data)
        assert interpreter, binary  # Debian's builds are dynamically linked
        assert interpreter.lstrip("/") in members and members[interpreter.lstrip("/")].isfile()
        path = tmp_path / os.path.basename(binary)
        path.write_bytes(data)
        path.chmod(0o755)
        listed = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=True).stdout
        needed = [line.split("=>")[1].split("(")[0].strip() for line in listed.splitlines() if "=> /" in line]
        assert any(os.path.basename(lib).startswith("libc.so") for lib in needed)
        for lib in needed:
            member = members.get(lib.lstrip("/"))
            assert member is not None and member.isfile(), (binary, lib)
            with open(os.path.realpath(lib), "rb") as handle:
                assert _layer_file(layer, lib.lstrip("/")) == handle.read(), lib


def test_etcd_image_reproducible_and_rebuilt_when_the_wrappers_change(etcd_images, tmp_path):
    tree, out = etcd_images
    proc = subprocess.run(["bash", str(tree / "build.sh"), "1.35.0", str(out)], capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0 and "built images" not in proc.stderr, proc.stderr
    # a copy of the tree and the output listing one tag, to rebuild that image alone
    tree2, out2 = tmp_path / "doubles", tmp_path / "out"
    shutil.copytree(str(tree), str(tree2))
    shutil.copytree(str(out), str(out2))
    (tree2 / "kubeadm.py").write_text('#!/usr/bin/python3\nVERSION = "v0.0.0"\nprint("registry.k8s.io/etcd:3.6.6-0")\n')
    layer = _image(out / "images" / "etcd_3.6.6-0.tar")[2]
    proc = subprocess.run(["bash", str(tree2 / "build.sh"), "--force", "1.35.0", str(out2)], capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0 and "built images/etcd_3.6.6-0.tar" in proc.stderr, proc.stderr
    assert _image(out2 / "images" / "etcd_3.6.6-0.tar")[2] == layer  # same inputs, same layer bytes
    wrapper = tree2 / "packaging" / "etcd-tools-wrapper"
    wrapper.write_text(wrapper.read_text() + "# changed\n")
    proc = subprocess.run(["bash", str(tree2 / "build.sh"), "1.35.0", str(out2)], capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0 and "built images/etcd_3.6.6-0.tar" in proc.stderr, proc.stderr
    _, members, rebuilt = _image(out2 / "images" / "etcd_3.6.6-0.tar")
    assert rebuilt != layer
    assert _layer_file(rebuilt, "usr/local/bin/etcdutl").endswith(b"# changed\n")


def _free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def etcd_rootfs(etcd_images, tmp_path_factory):
    """{tag: unpacked rootfs} of the etcd images; skipped unless chroot works here (root)."""
    _, out = etcd_images
    if os.geteuid() != 0 or shutil.which("chroot") is None:
        pytest.skip("chroot into the image rootfs needs root")
    roots = {}
    for tag in ETCD_TAGS:
        root = tmp_path_factory.mktemp("rootfs-" + tag)
        _extract(_image(out / "images" / ("etcd_%s.tar" % tag))[2], root)
        roots[tag] = root
    probe = subprocess.run(["chroot", str(roots["3.6.6-0"]), "/usr/local/bin/etcdctl-3.4", "version"],
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0 and "Operation not permitted" in probe.stderr:
        pytest.skip("chroot is not permitted here")
    return roots


def _chroot(root, *argv, check=True):
    proc = subprocess.run(["chroot", str(root)] + list(argv), capture_output=True, text=True, timeout=60,
                          check=False, env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                            "ETCDCTL_API": "3"})
    if check:
        assert proc.returncode == 0, (argv, proc.stdout, proc.stderr)
    return proc


def test_etcd_image_tools_run_chrooted_without_host_libraries(etcd_rootfs):
    for tag, (official, _) in ETCD_TAGS.items():
        root = etcd_rootfs[tag]
        assert _chroot(root, "etcdctl", "version").stdout.startswith("etcdctl version: 3.4.")
        assert _chroot(root, "etcd-3.4", "--version").stdout.startswith("etcd Version: 3.4.")
        if official:
            assert _chroot(root, "etcdutl", "version").stdout.startswith("etcdctl version: 3.4.")
        else:
            assert _chroot(root, "sh", "-c", "echo shell").stdout == "shell\n"


def test_etcd_image_snapshot_round_trip_chrooted(etcd_rootfs):
    import time
    root36, root35, root35r = etcd_rootfs["3.6.6-0"], etcd_rootfs["3.5.21-0"], etcd_rootfs["3.5.24-0"]
    client, peer = _free_port(), _free_port()
    endpoint = "--endpoints=http://127.0.0.1:%d" % client
    server = subprocess.Popen(
        ["chroot", str(root36), "/usr/local/bin/etcd-3.4", "--data-dir", "/tmp/member-data",
         "--listen-client-urls", "http://127.0.0.1:%d" % client, "--advertise-client-urls",
         "http://127.0.0.1:%d" % client, "--listen-peer-urls", "http://127.0.0.1:%d" % peer,
         "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % peer,
         "--initial-cluster", "default=http://127.0.0.1:%d" % peer],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if _chroot(root36, "etcdctl", endpoint, "endpoint", "health", check=False).returncode == 0:
                break
            time.sleep(0.1)
        _chroot(root36, "etcdctl", endpoint, "put", "/registry/a", "1")
        _chroot(root36, "etcdctl", endpoint, "snapshot", "save", "/tmp/x.db")
    finally:
        server.terminate()
        server.wait(timeout=30)
    # 3.6 (copy of etcd's release image): etcdutl status / restore, etcdctl refuses them
    status = json.loads(_chroot(root36, "etcdutl", "snapshot", "status", "/tmp/x.db", "-w", "json").stdout)
    assert status["revision"] >= 2 and status["version"] == "3.6.0" and set(status) == {
        "hash", "revision", "totalKey", "totalSize", "version"}
    refused = _chroot(root36, "etcdctl", "snapshot", "status", "/tmp/x.db", "-w", "json", check=False)
    assert refused.returncode != 0 and refused.stdout == ""
    missing = _chroot(root36, "etcdutl", "snapshot", "restore", "/tmp/x.db", "--name", "m1", check=False)
    assert missing.returncode == 1 and 'required flag(s) "data-dir" not set' in missing.stderr
    (root36 / "tmp" / "empty").mkdir()
    restore = ["snapshot", "restore", "/tmp/x.db", "--name", "m1", "--initial-cluster",
               "m1=https://10.0.0.11:2380,m2=https://10.0.0.12:2380", "--initial-cluster-token", "t1",
               "--initial-advertise-peer-urls", "https://10.0.0.11:2380"]
    _chroot(root36, "etcdutl", *restore, "--data-dir", "/tmp/empty")
    assert (root36 / "tmp" / "empty" / "member" / "snap" / "db").is_file()
    again = _chroot(root36, "etcdutl", *restore, "--data-dir", "/tmp/empty", check=False)
    assert again.returncode == 1
    assert 'Error: data-dir "/tmp/empty" not empty or could not be read' in again.stderr
    # 3.5 built by Kubernetes: no etcdutl, etcdctl's status / restore print the deprecation first
    shutil.copy(str(root36 / "tmp" / "x.db"), str(root35 / "tmp" / "x.db"))
    assert not (root35 / "usr" / "local" / "bin" / "etcdutl").exists()
    proc = _chroot(root35, "etcdctl", "snapshot", "status", "/tmp/x.db", "-w", "json")
    assert proc.stderr == "Deprecated: Use `etcdutl snapshot status` instead.\n\n"
    assert json.loads(proc.stdout) == {key: status[key] for key in ("hash", "revision", "totalKey", "totalSize")}
    proc = _chroot(root35, "etcdctl", *restore, "--data-dir", "/tmp/restored")
    assert proc.stderr.startswith("Deprecated: Use `etcdutl snapshot restore` instead.\n\n")
    assert (root35 / "tmp" / "restored" / "member" / "snap" / "db").is_file()
    # 3.5 copied from etcd's release: etcdutl without "version"
    shutil.copy(str(root36 / "tmp" / "x.db"), str(root35r / "tmp" / "x.db"))
    proc = _chroot(root35r, "etcdutl", "snapshot", "status", "/tmp/x.db", "-w", "json")
    assert proc.stderr == "" and "version" not in json.loads(proc.stdout)
