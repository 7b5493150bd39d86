# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""seed.kubeadm.etcd_snapshot: the argv it hands to ctr, the snapshot check, the tool fallback.

A fake ``ctr`` on PATH records its argv and plays the etcd tool inside the image: ``snapshot save``
writes a database followed by its sha256 (as etcd's Maintenance.Snapshot stream does),
``snapshot status -w json`` prints the status object, ``snapshot restore`` creates
``<data-dir>/member/snap/db``. The real tools run in the Molecule scenario ``orchestration``.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest

import kubeadm_testlib as lib
from ansible_collections.seed.kubeadm.plugins.modules import etcd_snapshot

IMAGE = "registry.k8s.io/etcd:3.6.6-0"

FAKE_CTR = r'''#!/usr/bin/env python3
import hashlib, json, os, sys
argv = sys.argv[1:]
with open(os.environ["FAKE_CTR_LOG"], "a") as log:
    log.write(json.dumps(argv) + "\n")
i = argv.index("--net-host")
rest = argv[i + 1:]
while rest[0] in ("--env", "--mount"):
    rest = rest[2:]
image, cid, tool, args = rest[0], rest[1], rest[2], rest[3:]
if "snapshot" in args:
    args = args[args.index("snapshot"):]
if image in os.environ.get("FAKE_MISSING_IMAGES", ""):
    sys.stderr.write('ctr: image "%s": not found\n' % image)
    sys.exit(1)
if tool in os.environ.get("FAKE_MISSING_TOOLS", "").split():
    sys.stderr.write('ctr: failed to create shim task: OCI runtime create failed: runc create failed: unable to start '
                     'container process: exec: "%s": executable file not found in $PATH: unknown\n' % tool)
    sys.exit(1)
if args[:2] == ["snapshot", "save"]:
    if os.environ.get("FAKE_SAVE_FAIL"):
        sys.stderr.write("Error: context deadline exceeded\n")
        sys.exit(5)
    db = b"b" * 4096
    tail = hashlib.sha256(db).digest()
    if os.environ.get("FAKE_DAMAGE"):
        tail = b"x" * 32
    with open(args[2], "wb") as f:
        f.write(db + tail)
    print("Snapshot saved at %s" % args[2])
elif args[:2] == ["snapshot", "status"] and os.environ.get("FAKE_STATUS_HELP"):
    print("Manages etcd node snapshots\n\nUsage:\n  etcdctl snapshot [command]")
elif args[:2] == ["snapshot", "status"]:
    if tool == "etcdctl":
        sys.stderr.write("Deprecated: Use `etcdutl snapshot status` instead.\n\n")
    print(json.dumps({"hash": 123, "revision": 42, "totalKey": 7, "totalSize": 4096}))
elif args[:2] == ["snapshot", "restore"]:
    data_dir = args[args.index("--data-dir") + 1]
    os.makedirs(os.path.join(data_dir, "member", "snap"))
    open(os.path.join(data_dir, "member", "snap", "db"), "wb").close()
else:
    sys.exit(2)
'''


@pytest.fixture(name="ctr")
def fixture_ctr(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "ctr"
    fake.write_text(FAKE_CTR)
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "ctr.log"
    monkeypatch.setenv("PATH", "%s:%s" % (bindir, os.environ["PATH"]))
    monkeypatch.setenv("FAKE_CTR_LOG", str(log))

    def calls():
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return calls


def _snapshot(path, damage=None):
    db = os.urandom(512 * 3)
    tail = hashlib.sha256(db).digest()
    data = db + tail
    if damage == "truncate":
        data = data[:-100]
    elif damage == "flip":
        # Inverted, not zeroed: a random first byte is 0 once in 256 runs, which left the file intact.
        data = bytes([data[0] ^ 0xFF]) + data[1:]
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _tool(call):
    """The argv run inside the image: what follows the image and the container name."""
    return call[call.index(IMAGE) + 2:]


def _run(args, check_mode=False, rc=0):
    result, code = lib.run_module(etcd_snapshot, dict(args, image=args.get("image", IMAGE)), check_mode=check_mode)
    assert code == rc, result
    return result


def test_verify_file_checks_the_sha256_etcd_appends(tmp_path):
    good = tmp_path / "good.db"
    digest = _snapshot(good)
    assert etcd_snapshot.verify_file(str(good), chunk=100) == (digest, 512 * 3 + 32)
    for damage, message in (("truncate", "truncated"), ("flip", "does not match")):
        bad = tmp_path / ("%s.db" % damage)
        _snapshot(bad, damage)
        with pytest.raises(etcd_snapshot.SnapshotError, match=message):
            etcd_snapshot.verify_file(str(bad))
    with pytest.raises(etcd_snapshot.SnapshotError, match="cannot be read"):
        etcd_snapshot.verify_file(str(tmp_path / "missing.db"))


def test_save_runs_etcdctl_in_the_etcd_image_and_verifies(tmp_path, ctr):
    path = tmp_path / "snap.db"
    out = _run({"command": "save", "path": str(path), "pki_dir": "/pki"})
    assert out["changed"] is True and out["status"]["revision"] == 42 and out["tool"] == "etcdutl"
    assert out["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() and out["size"] == 4096 + 32
    save, status = ctr()
    assert save[:5] == ["-n", "k8s.io", "run", "--rm", "--net-host"]
    assert save[7:15] == ["--mount", "type=bind,src=/pki/etcd/ca.crt,dst=/pki/etcd/ca.crt,options=rbind:ro",
                          "--mount", "type=bind,src=/pki/apiserver-etcd-client.crt,dst=/pki/apiserver-etcd-client.crt,options=rbind:ro",
                          "--mount", "type=bind,src=/pki/apiserver-etcd-client.key,dst=/pki/apiserver-etcd-client.key,options=rbind:ro",
                          "--mount", "type=bind,src=%s,dst=%s,options=rbind:rw" % (tmp_path, tmp_path)]
    assert save[15] == IMAGE and save[16].startswith("seed-etcd-save-")
    assert save[17:] == ["etcdctl", "--endpoints=https://127.0.0.1:2379", "--cacert=/pki/etcd/ca.crt",
                         "--cert=/pki/apiserver-etcd-client.crt", "--key=/pki/apiserver-etcd-client.key",
                         "--dial-timeout=10s", "--command-timeout=600s", "snapshot", "save", str(path)]
    assert status[-6:] == ["etcdutl", "snapshot", "status", str(path), "-w", "json"]
    assert ["--mount", "type=bind,src=%s,dst=%s,options=rbind:ro" % (tmp_path, tmp_path)] in [status[i:i + 2] for i in range(len(status))]
    assert status[status.index(IMAGE) + 1] != save[16]  # one container name per run


def test_save_deletes_a_damaged_snapshot(tmp_path, ctr, monkeypatch):
    monkeypatch.setenv("FAKE_DAMAGE", "1")
    path = tmp_path / "snap.db"
    out = _run({"command": "save", "path": str(path)}, rc=1)
    assert "does not match" in out["msg"] and not path.exists()


def test_save_failures_are_named(tmp_path, ctr, monkeypatch):
    out = _run({"command": "save", "path": str(tmp_path / "nodir" / "snap.db")}, rc=1)
    assert "snapshot directory %s does not exist" % (tmp_path / "nodir") in out["msg"] and ctr() == []
    monkeypatch.setenv("FAKE_SAVE_FAIL", "1")
    out = _run({"command": "save", "path": str(tmp_path / "snap.db")}, rc=1)
    assert "etcdctl snapshot save from https://127.0.0.1:2379 failed (rc=5): Error: context deadline exceeded" in out["msg"]


def test_save_in_check_mode_runs_nothing(tmp_path, ctr):
    out = _run({"command": "save", "path": str(tmp_path / "snap.db")}, check_mode=True)
    assert out["changed"] is True and ctr() == [] and not (tmp_path / "snap.db").exists()


def test_status_falls_back_to_etcdctl_without_etcdutl(tmp_path, ctr, monkeypatch):
    monkeypatch.setenv("FAKE_MISSING_TOOLS", "etcdutl")
    path = tmp_path / "snap.db"
    digest = _snapshot(path)
    out = _run({"command": "status", "path": str(path)}, check_mode=True)
    assert out["changed"] is False and out["tool"] == "etcdctl" and out["sha256"] == digest
    assert out["status"] == {"hash": 123, "revision": 42, "totalKey": 7, "totalSize": 4096}
    assert [_tool(call)[0] for call in ctr()] == ["etcdutl", "etcdctl"]


def test_status_refuses_a_damaged_file_before_running_anything(tmp_path, ctr):
    path = tmp_path / "snap.db"
    _snapshot(path, "truncate")
    out = _run({"command": "status", "path": str(path)}, rc=1)
    assert "truncated" in out["msg"] and ctr() == []


def test_status_refused_by_an_etcdctl_without_it(tmp_path, ctr, monkeypatch):
    """etcdctl 3.6 lost snapshot status: its help text is no status, and the message says what to use."""
    monkeypatch.setenv("FAKE_MISSING_TOOLS", "etcdutl")
    monkeypatch.setenv("FAKE_STATUS_HELP", "1")
    path = tmp_path / "snap.db"
    _snapshot(path)
    out = _run({"command": "status", "path": str(path)}, rc=1)
    assert "has no etcdutl and its etcdctl cannot check snapshots" in out["msg"] and IMAGE in out["msg"]


def test_missing_image_is_named(tmp_path, ctr, monkeypatch):
    monkeypatch.setenv("FAKE_MISSING_IMAGES", IMAGE)
    path = tmp_path / "snap.db"
    _snapshot(path)
    out = _run({"command": "status", "path": str(path)}, rc=1)
    assert "the etcd image %s is not in containerd's k8s.io namespace" % IMAGE in out["msg"]
    out = _run({"command": "save", "path": str(tmp_path / "new.db")}, rc=1)
    assert "the etcd image %s is not in containerd's k8s.io namespace" % IMAGE in out["msg"]


def test_tool_missing_needs_the_tool_named():
    runc = ('ctr: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container '
            'process: exec: "etcdutl": executable file not found in $PATH: unknown')
    assert etcd_snapshot.tool_missing(runc) is True
    assert etcd_snapshot.tool_missing(runc.replace('"etcdutl"', '"etcdctl"')) is False
    assert etcd_snapshot.tool_missing("Error: open /x.db: no such file or directory") is False


RESTORE = {"name": "cp1", "initial_cluster": "cp1=https://10.0.0.11:2380,cp2=https://10.0.0.12:2380",
           "initial_advertise_peer_urls": "https://10.0.0.11:2380", "initial_cluster_token": "seed-restore-1"}


def test_restore_creates_a_new_data_dir(tmp_path, ctr):
    path = tmp_path / "snap.db"
    _snapshot(path)
    data_dir = tmp_path / "etcd.restored"
    out = _run(dict(RESTORE, command="restore", path=str(path), data_dir=str(data_dir)))
    assert out["changed"] is True and (data_dir / "member" / "snap" / "db").exists()
    assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700
    restore = ctr()[-1]
    staging = _tool(restore)[-1][:-len("/data")]
    assert staging.startswith(str(data_dir) + ".staging-") and not os.path.exists(staging)
    assert _tool(restore) == ["etcdutl", "snapshot", "restore", str(path), "--name", "cp1",
                              "--initial-cluster", RESTORE["initial_cluster"], "--initial-cluster-token", "seed-restore-1",
                              "--initial-advertise-peer-urls", "https://10.0.0.11:2380", "--data-dir", staging + "/data"]
    # only the staging directory is writable in the tool's container; the snapshot's directory is read-only
    assert [arg for arg in restore if arg.startswith("type=bind")] == [
        "type=bind,src=%s,dst=%s,options=rbind:ro" % (tmp_path, tmp_path), "type=bind,src=%s,dst=%s,options=rbind:rw" % (staging, staging)]
    assert sorted(os.listdir(tmp_path)) == ["bin", "ctr.log", "etcd.restored", "snap.db"]


def test_restore_refusals(tmp_path, ctr):
    path = tmp_path / "snap.db"
    _snapshot(path)
    used = tmp_path / "etcd"
    used.mkdir()
    out = _run(dict(RESTORE, command="restore", path=str(path), data_dir=str(used)), rc=1)
    assert "data_dir %s exists already" % used in out["msg"] and ctr() == []
    out = _run({"command": "restore", "path": str(path), "data_dir": str(tmp_path / "new")}, rc=1)
    assert "command is restore but all of the following are missing" in out["msg"] or "missing" in out["msg"]
    out = _run(dict(RESTORE, command="restore", path=str(path), data_dir=str(tmp_path / "no" / "new")), rc=1)
    assert "parent directory %s of data_dir does not exist" % (tmp_path / "no") in out["msg"]


def test_restore_in_check_mode_checks_without_restoring(tmp_path, ctr):
    path = tmp_path / "snap.db"
    _snapshot(path)
    out = _run(dict(RESTORE, command="restore", path=str(path), data_dir=str(tmp_path / "new")), check_mode=True)
    assert out["changed"] is True and out["status"]["revision"] == 42 and not (tmp_path / "new").exists()
    assert [_tool(call)[:3] for call in ctr()] == [["etcdutl", "snapshot", "status"]]


EMPTY = {"status": {}, "sha256": "", "size": 0, "tool": ""}


def test_check_mode_save_and_failures_return_every_documented_field(tmp_path, ctr):
    out = _run({"command": "save", "path": str(tmp_path / "snap.db")}, check_mode=True)
    assert dict((k, out[k]) for k in EMPTY) == EMPTY
    out = _run({"command": "save", "path": str(tmp_path / "nodir" / "snap.db")}, rc=1)
    assert dict((k, out[k]) for k in EMPTY) == EMPTY


def test_the_cluster_token_is_no_secret(tmp_path, ctr):
    # etcd's --initial-cluster-token only keeps clusters apart: it stays readable in the invocation.
    out = _run({"command": "save", "path": str(tmp_path / "snap.db"), "initial_cluster_token": "etcd-cluster"},
               check_mode=True)
    assert out["invocation"]["module_args"]["initial_cluster_token"] == "etcd-cluster"


@pytest.mark.parametrize("size", [0, 32, 512 + 31, 512 + 33])
def test_sizes_that_cannot_be_a_database_and_its_sha256(tmp_path, size):
    path = tmp_path / "s.db"
    path.write_bytes(b"\0" * size)
    with pytest.raises(etcd_snapshot.SnapshotError) as err:
        etcd_snapshot.verify_file(str(path))
    assert str(err.value) == ("snapshot %s is damaged or not an etcd snapshot: %d bytes is not a database "
                              "followed by its sha256 (truncated?)" % (path, size))


def test_verify_file_messages_are_whole(tmp_path):
    bad = tmp_path / "flip.db"
    _snapshot(bad, "flip")
    with pytest.raises(etcd_snapshot.SnapshotError) as err:
        etcd_snapshot.verify_file(str(bad))
    assert str(err.value) == "snapshot %s is damaged: the sha256 etcd appended does not match its content" % bad
    with pytest.raises(etcd_snapshot.SnapshotError) as err:
        etcd_snapshot.verify_file(str(tmp_path / "missing.db"))
    assert str(err.value) == ("snapshot %s cannot be read: [Errno 2] No such file or directory: '%s'"
                              % (tmp_path / "missing.db", tmp_path / "missing.db"))


def test_a_file_that_shrinks_while_read_ended_early(tmp_path, monkeypatch):
    path = tmp_path / "s.db"
    _snapshot(path)
    monkeypatch.setattr(etcd_snapshot.os.path, "getsize", lambda p: 512 * 5 + 32)
    with pytest.raises(etcd_snapshot.SnapshotError) as err:
        etcd_snapshot.verify_file(str(path), chunk=512)
    assert str(err.value) == "snapshot %s ended early" % path


def test_a_one_byte_chunk_reads_the_whole_database(tmp_path):
    path = tmp_path / "s.db"
    digest = _snapshot(path)
    assert etcd_snapshot.verify_file(str(path), chunk=1) == (digest, 512 * 3 + 32)


@pytest.mark.parametrize("output, expected", [
    ('{"hash": 1, "revision": 2}\n', {"hash": 1, "revision": 2}),
    ('Deprecated: use `etcdutl snapshot status` instead.\n{"hash": 1, "revision": 2}\n', {"hash": 1, "revision": 2}),
    ('{"hash": 1, "revision": 2}\n{"level":"warn","msg":"x"}\n{broken\n', {"hash": 1, "revision": 2}),
])
def test_parse_status_finds_the_status_line(output, expected):
    assert etcd_snapshot.parse_status(output) == expected


def test_parse_status_without_status_names_the_output():
    with pytest.raises(etcd_snapshot.SnapshotError) as err:
        etcd_snapshot.parse_status("x" * 600 + "\n[\"revision\"]\n")
    assert str(err.value) == "no status in the output of snapshot status: %s" % (("x" * 600 + "\n[\"revision\"]")[-500:])
