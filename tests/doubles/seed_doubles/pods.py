"""Static pod processes of the kubelet double: images from containerd, one systemd unit per pod.

A real kubelet asks the container runtime to run a static pod's containers; the containers belong
to containerd, not to the kubelet, so they keep running while the kubelet is stopped or restarted,
and ``kubeadm reset`` removes them through the runtime. The double reproduces that lifecycle
without a container runtime shim:

* the image is pulled into containerd's ``k8s.io`` namespace with ``ctr`` (through the registry
  host configuration in ``/etc/containerd/certs.d``, as the CRI plugin would);
* its layers are exported once and unpacked into a cache directory keyed by the image digest;
* the pod's (first) container command runs as a host process from that directory inside a
  transient systemd service ``seed-pod-<pod name>.service`` (``systemd-run --collect``), so the
  process is not a child of the kubelet and outlives it;
* a state file per pod (``/var/lib/seed-doubles/pods/<pod>.json``) lets a restarted kubelet adopt
  the running unit instead of starting a second copy.

Simplifications: no namespaces, cgroup limits, volumes, probes or networking of their own (static
control-plane pods use the host network and hostPath mounts at the same paths anyway); only the
first container of a pod runs; init containers are ignored.

Volume mounts: the process sees the whole host file system, where a real container sees its image
and its volumeMounts only (pkg/kubelet/kubelet_pods.go makeMounts; ``readOnly`` mounts refuse
writes). So the pods helper hands the container's volumeMounts to the process in the environment
variable ``SEED_POD_MOUNTS`` (a JSON list of ``{"mountPath": ..., "readOnly": true|false}``, in the
manifest's order; ``[]`` for a container without mounts), and the doubles that read files named by
their flags (the kube-apiserver double) treat a path outside every mount as missing, as the real
program in its container would find it. ``resolve_command`` returns the argv as a list that also
carries the mounts (``argv.mounts``), and ``start_unit`` sets the variable from it; ``mounts_env``
gives the value for a container. Simplified: a hostPath is assumed mounted at its own path (the
double reads the mountPath on the host, the real container sees the hostPath there), subPath and
mount propagation are ignored.

``python3 -m seed_doubles.pods stop-all`` (installed as ``/usr/lib/seed-doubles/pods``) stops every
pod unit: what ``kubeadm reset`` does through the CRI.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

STATE_DIR = os.environ.get("SEED_DOUBLES_PODS_STATE", "/var/lib/seed-doubles/pods")
ROOTFS_DIR = os.environ.get("SEED_DOUBLES_ROOTFS", "/var/lib/seed-doubles/rootfs")
LOG_DIR = os.environ.get("SEED_DOUBLES_POD_LOGS", "/var/log/seed-doubles/pods")
UNIT_PREFIX = "seed-pod-"
NAMESPACE = "k8s.io"
HOSTS_DIR = "/etc/containerd/certs.d"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _run(cmd, timeout=120):
    """(rc, stdout, stderr) of ``cmd``; rc 127 when the program is missing."""
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                              check=False)
    except FileNotFoundError as exc:
        return 127, "", str(exc)
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after %ss: %s" % (timeout, " ".join(cmd))
    return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")


def unit_name(pod_name):
    return "%s%s.service" % (UNIT_PREFIX, pod_name)


# ---------------------------------------------------------------------------------------------
# images


def image_digest(ref, runner=_run):
    """Digest (``sha256:...``) of ``ref`` in containerd's k8s.io namespace, or None when absent."""
    rc, out, _ = runner(["ctr", "-n", NAMESPACE, "images", "ls", "name==" + ref], 30)
    if rc != 0:
        return None
    for line in out.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 3 and fields[0] == ref:
            return fields[2]
    return None


def pull_image(ref, attempts=3, delay=2.0, runner=_run, sleep=time.sleep):
    """Pull ``ref`` like the CRI plugin would (registry hosts from certs.d); (ok, last error)."""
    error = ""
    for attempt in range(attempts):
        rc, out, err = runner(["ctr", "-n", NAMESPACE, "images", "pull", "--hosts-dir", HOSTS_DIR,
                               ref], 600)
        if rc == 0:
            return True, ""
        error = (err or out).strip().splitlines()[-1:] or ["ctr exited %d" % rc]
        error = error[0]
        if attempt + 1 < attempts:
            sleep(delay * (attempt + 1))
    return False, error


def _safe_member(member):
    name = member.name.lstrip("./")
    if not name or name.startswith("/") or ".." in name.split("/"):
        return None
    if member.isdev():
        return None
    return name


def _apply_layer(layer, dest):
    """Unpack one layer tar (any compression) into dest, applying OCI whiteouts."""
    with tarfile.open(fileobj=layer, mode="r:*") as tar:
        for member in tar:
            name = _safe_member(member)
            if name is None:
                continue
            base = os.path.basename(name)
            parent = os.path.join(dest, os.path.dirname(name))
            if base == ".wh..wh..opq":
                if os.path.isdir(parent):
                    for entry in os.listdir(parent):
                        path = os.path.join(parent, entry)
                        if os.path.isdir(path) and not os.path.islink(path):
                            shutil.rmtree(path)
                        else:
                            os.unlink(path)
                continue
            if base.startswith(".wh."):
                target = os.path.join(parent, base[4:])
                if os.path.isdir(target) and not os.path.islink(target):
                    shutil.rmtree(target)
                elif os.path.lexists(target):
                    os.unlink(target)
                continue
            target = os.path.join(dest, name)
            if os.path.lexists(target) and not (member.isdir() and os.path.isdir(target)):
                if os.path.isdir(target) and not os.path.islink(target):
                    shutil.rmtree(target)
                else:
                    os.unlink(target)
            member.name = name
            if hasattr(tarfile, "fully_trusted_filter"):
                tar.extract(member, dest, set_attrs=True, filter="fully_trusted")
            else:
                tar.extract(member, dest, set_attrs=True)


def _blob(tar, digest):
    algo, _, hexa = digest.partition(":")
    return tar.extractfile("blobs/%s/%s" % (algo, hexa))


def _pick_manifest(tar, desc):
    """Follow an index / manifest list down to one image manifest (linux/amd64 preferred)."""
    for _ in range(4):
        doc = json.load(_blob(tar, desc["digest"]))
        if "layers" in doc:
            return doc
        manifests = doc.get("manifests") or []
        if not manifests:
            raise ValueError("image index %s lists no manifest" % desc["digest"])
        arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
        chosen = [m for m in manifests
                  if (m.get("platform") or {}).get("architecture") in (arch, None)] or manifests
        desc = chosen[0]
    raise ValueError("image index nesting too deep")


def unpack_oci_archive(archive, dest):
    """Unpack the image in an OCI archive (``ctr images export``) into dest; the image config."""
    with tarfile.open(archive) as tar:
        index = json.load(tar.extractfile("index.json"))
        manifest = _pick_manifest(tar, index["manifests"][0])
        config = json.load(_blob(tar, manifest["config"]["digest"]))
        os.makedirs(dest, exist_ok=True)
        for layer in manifest["layers"]:
            _apply_layer(_blob(tar, layer["digest"]), dest)
    return config.get("config") or {}


def image_rootfs(ref, runner=_run):
    """(rootfs dir, image config) of ``ref``, unpacking it once per digest; raises RuntimeError."""
    digest = image_digest(ref, runner)
    if not digest:
        raise RuntimeError("image %s is not present in containerd namespace %s" % (ref, NAMESPACE))
    dest = os.path.join(ROOTFS_DIR, digest.replace(":", "-"))
    marker = os.path.join(dest, ".seed-image-config.json")
    if os.path.exists(marker):
        with open(marker, encoding="utf-8") as handle:
            return dest, json.load(handle)
    os.makedirs(ROOTFS_DIR, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".unpack-", dir=ROOTFS_DIR)
    try:
        archive = os.path.join(work, "image.tar")
        rc, out, err = runner(["ctr", "-n", NAMESPACE, "images", "export", archive, ref], 600)
        if rc != 0:
            raise RuntimeError("exporting %s failed: %s" % (ref, (err or out).strip()))
        root = os.path.join(work, "rootfs")
        config = unpack_oci_archive(archive, root)
        with open(os.path.join(root, ".seed-image-config.json"), "w", encoding="utf-8") as handle:
            json.dump(config, handle)
        if os.path.isdir(dest):
            shutil.rmtree(dest)
        os.rename(root, dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest, config


MOUNTS_ENV = "SEED_POD_MOUNTS"


class Argv(list):
    """A container's argv, carrying the container's volume mounts (``mounts``) for start_unit."""

    mounts = None


def container_mounts(container):
    """[{"mountPath", "readOnly"}] of a container's volumeMounts, as the runtime mounts them."""
    out = []
    for mount in container.get("volumeMounts") or []:
        path = (mount or {}).get("mountPath")
        if path:
            out.append({"mountPath": str(path), "readOnly": bool(mount.get("readOnly"))})
    return out


def mounts_env(container):
    """The SEED_POD_MOUNTS value of a container (compact JSON)."""
    return json.dumps(container_mounts(container), separators=(",", ":"))


def resolve_command(rootfs, container, image_config):
    """argv of a container like the runtime builds it: command/args override entrypoint/cmd;
    the executable is looked up inside the image's rootfs along the image's PATH."""
    entrypoint = image_config.get("Entrypoint") or []
    cmd = image_config.get("Cmd") or []
    command = container.get("command")
    args = container.get("args")
    if command:
        argv = list(command) + list(args or [])
    else:
        argv = list(entrypoint) + list(args if args is not None else cmd)
    if not argv:
        raise RuntimeError("no command specified")
    exe = argv[0]
    env_path = DEFAULT_PATH
    for item in image_config.get("Env") or []:
        if item.startswith("PATH="):
            env_path = item[5:]
    candidates = [exe] if exe.startswith("/") else [os.path.join(d, exe) for d in env_path.split(":")]
    for cand in candidates:
        path = os.path.join(rootfs, cand.lstrip("/"))
        if os.path.isfile(path) and os.access(path, os.X_OK):
            resolved = Argv([path] + [str(a) for a in argv[1:]])
            resolved.mounts = container_mounts(container)
            return resolved
    raise RuntimeError('exec: "%s": executable file not found in $PATH' % exe)


# ---------------------------------------------------------------------------------------------
# units


def state_path(pod_name):
    return os.path.join(STATE_DIR, pod_name + ".json")


def load_state(pod_name):
    try:
        with open(state_path(pod_name), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def save_state(pod_name, state):
    os.makedirs(STATE_DIR, exist_ok=True)
    tmp = state_path(pod_name) + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(state, handle, sort_keys=True)
    os.replace(tmp, state_path(pod_name))


def drop_state(pod_name):
    try:
        os.unlink(state_path(pod_name))
    except OSError:
        pass


# The states for which ``systemctl is-active`` exits 0: the unit's process runs. "activating"
# is not one of them (a unit waiting in auto-restart is activating).
RUNNING_STATES = ("active", "reloading", "refreshing")


def unit_active(pod_name, runner=_run):
    rc, out, _ = runner(["systemctl", "is-active", unit_name(pod_name)], 15)
    return out.strip() in RUNNING_STATES


def units_active(pod_names, runner=_run):
    """{pod name: unit active} with one ``systemctl is-active`` for them all (it prints one state
    per unit, in order): the kubelet's relist asks the runtime once, not once per pod."""
    names = list(pod_names)
    if not names:
        return {}
    rc, out, _ = runner(["systemctl", "is-active"] + [unit_name(n) for n in names], 15)
    states = out.split()
    if len(states) != len(names):
        return {name: unit_active(name, runner) for name in names}
    return {name: state in RUNNING_STATES for name, state in zip(names, states)}


def unit_pid(pod_name, runner=_run):
    rc, out, _ = runner(["systemctl", "show", "-p", "MainPID", "--value", unit_name(pod_name)], 15)
    try:
        return int(out.strip())
    except ValueError:
        return 0


def start_unit(pod_name, argv, env, workdir="/", runner=_run):
    """Start ``argv`` as transient unit seed-pod-<pod_name>; (ok, message). When ``argv`` comes
    from resolve_command, the container's volume mounts are passed in SEED_POD_MOUNTS."""
    mounts = getattr(argv, "mounts", None)
    if mounts is not None and MOUNTS_ENV not in env:
        env = dict(env)
        env[MOUNTS_ENV] = json.dumps(mounts, separators=(",", ":"))
    os.makedirs(LOG_DIR, exist_ok=True)
    log = os.path.join(LOG_DIR, pod_name + ".log")
    with open(log, "a", encoding="utf-8") as handle:
        handle.write("%s seed kubelet: starting %s\n"
                     % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), " ".join(argv)))
    runner(["systemctl", "reset-failed", unit_name(pod_name)], 15)
    cmd = ["systemd-run", "--unit=" + unit_name(pod_name), "--collect", "--quiet",
           "--description=seed kubelet static pod " + pod_name,
           "--property=StandardOutput=append:" + log, "--property=StandardError=append:" + log,
           "--property=TimeoutStopSec=15", "--working-directory=" + (workdir or "/")]
    for key in sorted(env):
        cmd.append("--setenv=%s=%s" % (key, env[key]))
    cmd.append("--")
    cmd.extend(argv)
    rc, out, err = runner(cmd, 60)
    return rc == 0, (err or out).strip()


def stop_unit(pod_name, runner=_run):
    runner(["systemctl", "stop", unit_name(pod_name)], 60)
    runner(["systemctl", "reset-failed", unit_name(pod_name)], 15)


def list_units(runner=_run):
    """Pod names of every loaded seed-pod-* unit."""
    rc, out, _ = runner(["systemctl", "list-units", "--all", "--plain", "--no-legend",
                         UNIT_PREFIX + "*"], 15)
    names = []
    for line in out.splitlines():
        fields = line.split()
        if fields and fields[0].startswith(UNIT_PREFIX) and fields[0].endswith(".service"):
            names.append(fields[0][len(UNIT_PREFIX):-len(".service")])
    return names


def known_pods(runner=_run):
    names = set(list_units(runner))
    if os.path.isdir(STATE_DIR):
        names.update(f[:-5] for f in os.listdir(STATE_DIR) if f.endswith(".json"))
    return sorted(names)


def stop_all(runner=_run):
    """Stop every pod unit and forget its state (what kubeadm reset does through the CRI)."""
    names = known_pods(runner)
    for name in names:
        stop_unit(name, runner)
        drop_state(name)
    return names


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    usage = "usage: pods list | stop-all | stop POD...\n"
    if not argv:
        sys.stderr.write(usage)
        return 2
    if argv[0] == "list":
        out = []
        for name in known_pods():
            out.append({"pod": name, "unit": unit_name(name), "active": unit_active(name),
                        "state": load_state(name)})
        sys.stdout.write(json.dumps(out, indent=2, sort_keys=True) + "\n")
        return 0
    if argv[0] == "stop-all":
        for name in stop_all():
            sys.stdout.write("stopped %s\n" % name)
        return 0
    if argv[0] == "stop" and len(argv) > 1:
        for name in argv[1:]:
            stop_unit(name)
            drop_state(name)
            sys.stdout.write("stopped %s\n" % name)
        return 0
    sys.stderr.write(usage)
    return 2


if __name__ == "__main__":
    from seed_doubles import calls
    calls.run_recorded("pods", sys.argv[1:], main)
