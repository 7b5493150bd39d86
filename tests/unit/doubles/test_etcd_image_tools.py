"""etcdctl / etcdutl wrappers of the etcd image stand-in (packaging/etcd-tools-wrapper), run with
the host's POSIX sh and a fake etcdctl 3.4 that records its argv and behaves like 3.4 on restore."""

import json
import os
import shutil
import subprocess

import pytest

from ._kubelet_helpers import DOUBLES

WRAPPER = os.path.join(DOUBLES, "packaging", "etcd-tools-wrapper")
SH = shutil.which("sh")

pytestmark = pytest.mark.skipif(SH is None, reason="no POSIX sh here")

# etcdctl 3.4 as far as the wrapper relies on it: status prints 3.4's JSON, restore refuses any
# existing data dir (`data-dir "<dir>" exists`) and otherwise creates member/snap/db.
FAKE_ETCDCTL = '''#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
def flag(name, default=None):
    for i, a in enumerate(args):
        if a == "--" + name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--" + name + "="):
            return a.split("=", 1)[1]
    return default
words, skip = [], False
for a in args:
    if skip:
        skip = False
    elif a in ("-w", "--write-out", "--endpoints", "--user", "--data-dir", "--name", "--initial-cluster"):
        skip = True
    elif not a.startswith("-"):
        words.append(a)
if words[:2] == ["snapshot", "status"]:
    print(json.dumps({"hash": 1, "revision": 2, "totalKey": 3, "totalSize": 4}, separators=(",", ":")))
elif words[:2] == ["snapshot", "restore"]:
    sys.stderr.write('{"level":"info","msg":"restoring snapshot"}\\n')
    if flag("initial-cluster") == "bad":
        sys.stderr.write("Error: --initial-cluster has bad=... but missing from --initial-advertise-peer-urls\\n")
        sys.exit(1)
    data_dir = flag("data-dir") or flag("name", "default") + ".etcd"
    if os.path.exists(data_dir):
        sys.stderr.write('Error: data-dir "%s" exists\\n' % data_dir)
        sys.exit(1)
    os.makedirs(os.path.join(data_dir, "member", "snap"))
    open(os.path.join(data_dir, "member", "snap", "db"), "w").close()
else:
    print("etcdctl 3.4 ran")
'''


@pytest.fixture
def tools(tmp_path):
    """Directory with etcdctl / etcdutl wrappers of both series and the fake etcdctl-3.4."""
    text = open(WRAPPER, encoding="utf-8").read()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for series in ("3.5", "3.6"):
        sub = bindir / series
        sub.mkdir()
        for tool in ("etcdctl", "etcdutl"):
            path = sub / tool
            path.write_text(text.replace('\nSERIES="3.6"\n', '\nSERIES="%s"\n' % series))
            path.chmod(0o755)
        fake = sub / "etcdctl-3.4"
        fake.write_text(FAKE_ETCDCTL)
        fake.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    log = tmp_path / "calls.jsonl"

    def run(series, tool, *args):
        proc = subprocess.run([SH, str(bindir / series / tool)] + list(args), capture_output=True, text=True,
                              cwd=str(work), env=dict(os.environ, FAKE_LOG=str(log)), timeout=30, check=False)
        calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        if log.exists():
            log.unlink()
        return proc, calls

    run.work = work
    return run


def test_wrapper_source_shape():
    text = open(WRAPPER, encoding="utf-8").read()
    assert text.startswith("#!/usr/lib/seed-doubles/busybox sh\n")
    assert text.count('\nSERIES="3.6"\n') == 1


# ----------------------------------------------------------------------------------------------
# etcdutl (images copied from etcd's release)


def test_etcdutl_36_status_json_adds_version(tools):
    proc, calls = tools("3.6", "etcdutl", "snapshot", "status", "/b/x.db", "-w", "json")
    assert proc.returncode == 0, proc.stderr
    assert calls == [["snapshot", "status", "/b/x.db", "-w", "json"]]
    assert json.loads(proc.stdout) == {"hash": 1, "revision": 2, "totalKey": 3, "totalSize": 4,
                                       "version": "3.6.0"}
    assert proc.stderr == ""


@pytest.mark.parametrize("spelling", [["--write-out=json"], ["--write-out", "json"], ["-wjson"], ["-w=json"]])
def test_etcdutl_36_status_json_spellings(tools, spelling):
    proc, calls = tools("3.6", "etcdutl", *spelling, "snapshot", "status", "/b/x.db")
    assert proc.returncode == 0
    assert calls == [spelling + ["snapshot", "status", "/b/x.db"]]
    assert json.loads(proc.stdout)["version"] == "3.6.0"


def test_etcdutl_35_status_json_unchanged(tools):
    proc, calls = tools("3.5", "etcdutl", "snapshot", "status", "/b/x.db", "-w", "json")
    assert proc.returncode == 0
    assert calls == [["snapshot", "status", "/b/x.db", "-w", "json"]]
    assert "version" not in json.loads(proc.stdout)
    assert proc.stderr == ""


def test_etcdutl_restore_requires_data_dir(tools):
    for series in ("3.5", "3.6"):
        proc, calls = tools(series, "etcdutl", "snapshot", "restore", "/b/x.db", "--name", "cp1")
        assert proc.returncode == 1
        assert proc.stderr == 'Error: required flag(s) "data-dir" not set\n'
        assert calls == []


def test_etcdutl_restore_passes_arguments_unchanged(tools):
    args = ["snapshot", "restore", "/b/x.db", "--name", "cp1", "--initial-cluster",
            "cp1=https://10.0.0.11:2380,cp2=https://10.0.0.12:2380", "--initial-cluster-token", "t1",
            "--initial-advertise-peer-urls", "https://10.0.0.11:2380", "--data-dir", "restored"]
    proc, calls = tools("3.6", "etcdutl", *args)
    assert proc.returncode == 0, proc.stderr
    assert calls == [args]
    assert (tools.work / "restored" / "member" / "snap" / "db").exists()
    assert "restoring snapshot" in proc.stderr  # etcdctl's own log lines still reach stderr


def test_etcdutl_restore_into_empty_dir_accepted(tools):
    (tools.work / "empty").mkdir()
    proc, calls = tools("3.6", "etcdutl", "snapshot", "restore", "/b/x.db", "--data-dir=empty")
    assert proc.returncode == 0, proc.stderr
    assert calls == [["snapshot", "restore", "/b/x.db", "--data-dir=empty"]]
    assert (tools.work / "empty" / "member" / "snap" / "db").exists()


def test_etcdutl_restore_failure_keeps_empty_dir(tools):
    (tools.work / "empty").mkdir()
    proc, _ = tools("3.6", "etcdutl", "snapshot", "restore", "/b/x.db", "--initial-cluster", "bad",
                    "--data-dir", "empty")
    assert proc.returncode == 1
    assert "missing from --initial-advertise-peer-urls" in proc.stderr
    assert (tools.work / "empty").is_dir() and not os.listdir(str(tools.work / "empty"))


@pytest.mark.parametrize("content", ["file", "dotfile", "plain-file-as-dir"])
def test_etcdutl_restore_refuses_used_dir_with_35_text(tools, content):
    target = tools.work / "used"
    if content == "plain-file-as-dir":
        target.write_text("x")
    else:
        target.mkdir()
        (target / ("member" if content == "file" else ".hidden")).write_text("x")
    proc, calls = tools("3.6", "etcdutl", "snapshot", "restore", "/b/x.db", "--data-dir", "used")
    assert proc.returncode == 1
    assert 'Error: data-dir "used" not empty or could not be read\n' in proc.stderr
    assert "exists" not in proc.stderr
    assert len(calls) == 1


def test_etcdutl_snapshot_save_refused(tools):
    proc, calls = tools("3.6", "etcdutl", "snapshot", "save", "/b/x.db")
    assert proc.returncode == 128
    assert "Error: In order to download snapshot use: `etcdctl snapshot save ...`" in proc.stderr
    assert calls == []


def test_etcdutl_other_commands_pass_through(tools):
    proc, calls = tools("3.6", "etcdutl", "version")
    assert proc.returncode == 0 and calls == [["version"]]
    proc, calls = tools("3.6", "etcdutl", "defrag", "--data-dir", "/var/lib/etcd")
    assert calls == [["defrag", "--data-dir", "/var/lib/etcd"]]


# ----------------------------------------------------------------------------------------------
# etcdctl


@pytest.mark.parametrize("sub", ["status", "restore"])
def test_etcdctl_36_refuses_removed_snapshot_commands(tools, sub):
    proc, calls = tools("3.6", "etcdctl", "--endpoints", "https://127.0.0.1:2379", "snapshot", sub,
                        "/b/x.db", "-w", "json")
    assert proc.returncode != 0
    assert proc.stderr == 'Error: unknown command "%s" for "etcdctl snapshot"\n' % sub
    assert proc.stdout == ""
    assert calls == []


def test_etcdctl_36_snapshot_save_and_others_pass_through(tools):
    save = ["--endpoints=https://127.0.0.1:2379", "--cacert=/p/ca.crt", "--cert=/p/c.crt", "--key=/p/c.key",
            "--dial-timeout=10s", "--command-timeout=600s", "snapshot", "save", "/b/x.db"]
    proc, calls = tools("3.6", "etcdctl", *save)
    assert proc.returncode == 0 and calls == [save] and proc.stderr == ""
    proc, calls = tools("3.6", "etcdctl", "version")
    assert calls == [["version"]] and proc.stdout == "etcdctl 3.4 ran\n"
    # a flag value that reads like a command is not taken for one
    proc, calls = tools("3.6", "etcdctl", "--user", "snapshot", "get", "status")
    assert proc.returncode == 0 and calls == [["--user", "snapshot", "get", "status"]]


def test_etcdctl_35_status_prints_deprecation_then_runs(tools):
    proc, calls = tools("3.5", "etcdctl", "snapshot", "status", "/b/x.db", "-w", "json")
    assert proc.returncode == 0
    assert proc.stderr == "Deprecated: Use `etcdutl snapshot status` instead.\n\n"
    assert calls == [["snapshot", "status", "/b/x.db", "-w", "json"]]
    assert "version" not in json.loads(proc.stdout)


def test_etcdctl_35_restore_deprecation_default_dir_and_35_errors(tools):
    proc, calls = tools("3.5", "etcdctl", "snapshot", "restore", "/b/x.db", "--name", "cp1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("Deprecated: Use `etcdutl snapshot restore` instead.\n\n")
    assert calls == [["snapshot", "restore", "/b/x.db", "--name", "cp1"]]
    assert (tools.work / "cp1.etcd" / "member" / "snap" / "db").exists()
    proc, _ = tools("3.5", "etcdctl", "snapshot", "restore", "/b/x.db", "--name", "cp1")
    assert proc.returncode == 1
    assert 'Error: data-dir "cp1.etcd" not empty or could not be read' in proc.stderr
    (tools.work / "empty").mkdir()
    proc, _ = tools("3.5", "etcdctl", "snapshot", "restore", "/b/x.db", "--data-dir", "empty")
    assert proc.returncode == 0
    assert (tools.work / "empty" / "member" / "snap" / "db").exists()


def test_etcdctl_35_save_unchanged(tools):
    proc, calls = tools("3.5", "etcdctl", "snapshot", "save", "/b/x.db")
    assert proc.returncode == 0 and proc.stderr == "" and calls == [["snapshot", "save", "/b/x.db"]]
