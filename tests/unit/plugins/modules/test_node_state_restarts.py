# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""seed.kubeadm.node_state: restarts kept until done (track_restarts, restarted).

A run stopped after a configuration file was written and before the handler restarted the service
(Ctrl-C, a lost SSH connection, a failure later in the play) used to leave the service running the
old configuration for good: the next run found the file right and notified nothing. The markers
make the next run restart it. The Molecule scenarios node and ha_lb stop a real run that way.
"""

from __future__ import annotations

import os

import pytest

import kubeadm_testlib as lib
from ansible_collections.seed.kubeadm.plugins.modules import node_state


@pytest.fixture
def markers(tmp_path, monkeypatch):
    directory = tmp_path / "pending-restart"
    monkeypatch.setattr(node_state, "PENDING_RESTART_DIR", str(directory))
    return directory


def _run(args, check_mode=False, rc=0):
    result, code = lib.run_module(node_state, args, check_mode=check_mode)
    assert code == rc, result
    return result


def _files(tmp_path, content="a = 1\n"):
    return [{"path": str(tmp_path / "config.toml"), "content": content, "restart": ["containerd"]},
            {"path": str(tmp_path / "crictl.yaml"), "content": "x\n"}]


def test_a_restart_left_undone_is_reported_until_it_is_done(tmp_path, markers):
    first = _run({"files": _files(tmp_path), "track_restarts": True})
    assert first["restart"] == ["containerd"] and first["pending_restart"] == []
    assert sorted(os.listdir(markers)) == ["containerd"] and oct(os.stat(markers).st_mode & 0o777) == "0o755"
    # the run stops here: the handler never ran. The next run finds the file right ...
    second = _run({"files": _files(tmp_path), "track_restarts": True})
    assert second["written"] == [] and second["changed"] is True
    assert second["restart"] == ["containerd"] and second["pending_restart"] == ["containerd"]
    # ... its handler restarts containerd and says so
    done = _run({"restarted": ["containerd"]})
    assert done["changed"] is True and not os.listdir(markers)
    third = _run({"files": _files(tmp_path), "track_restarts": True})
    assert third["changed"] is False and third["restart"] == [] and third["pending_restart"] == []
    assert _run({"restarted": ["containerd"]})["changed"] is False


def test_without_track_restarts_nothing_is_kept(tmp_path, markers):
    assert _run({"files": _files(tmp_path)})["restart"] == ["containerd"]
    assert not markers.exists()
    assert _run({"files": _files(tmp_path)})["restart"] == []


def test_the_marker_is_made_before_the_file_changes(tmp_path, markers):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    files = [{"path": str(blocker / "config.toml"), "content": "a\n", "restart": ["containerd"]}]
    out = _run({"files": files, "track_restarts": True}, rc=1)
    assert "not-a-directory" in out["msg"]
    assert os.listdir(markers) == ["containerd"]


def test_only_the_names_of_this_call_are_carried(tmp_path, markers):
    os.makedirs(markers)
    for name in ("containerd", "haproxy", "keepalived"):
        (markers / name).write_text("")
    out = _run({"files": _files(tmp_path), "track_restarts": True,
                "remove_stale": [{"glob": str(tmp_path / "*.old"), "marker": "# seed", "restart": ["keepalived"]}]})
    assert out["pending_restart"] == ["containerd", "keepalived"] and out["restart"] == ["containerd", "keepalived"]
    assert sorted(os.listdir(markers)) == ["containerd", "haproxy", "keepalived"]


def test_a_removed_stale_file_and_an_absent_file_mark_their_restart(tmp_path, markers):
    stale = tmp_path / "old.conf"
    stale.write_text("# seed\n")
    gone = tmp_path / "gone.conf"
    gone.write_text("x\n")
    out = _run({"files": [{"path": str(gone), "state": "absent", "restart": ["nginx"]}], "track_restarts": True,
                "remove_stale": [{"glob": str(tmp_path / "*.conf"), "marker": "# seed", "restart": ["keepalived"]}]})
    assert sorted(out["removed"]) == sorted([str(gone), str(stale)])
    assert sorted(os.listdir(markers)) == ["keepalived", "nginx"]


def test_check_mode_predicts_and_keeps_the_markers(tmp_path, markers):
    out = _run({"files": _files(tmp_path), "track_restarts": True}, check_mode=True)
    assert out["restart"] == ["containerd"] and not markers.exists()
    _run({"files": _files(tmp_path), "track_restarts": True})
    _run({"files": _files(tmp_path, "a = 2\n"), "track_restarts": True}, check_mode=True)
    assert os.listdir(markers) == ["containerd"]
    predicted = _run({"restarted": ["containerd"]}, check_mode=True)
    assert predicted["changed"] is True and os.listdir(markers) == ["containerd"]
    carried = _run({"files": _files(tmp_path), "track_restarts": True}, check_mode=True)
    assert carried["changed"] is True and carried["pending_restart"] == ["containerd"]


@pytest.mark.parametrize("args", [
    {"restarted": ["../etc/passwd"]},
    {"restarted": [".."]},
    {"files": [{"path": "/tmp/x", "content": "a", "restart": ["a b"]}], "track_restarts": True},
    {"restarted": [""]},
])
def test_names_that_are_not_plain_file_names_are_refused(tmp_path, markers, args):
    out = _run(args, rc=1)
    assert out["msg"].startswith("restart names must be letters, digits, @, ., _ and -: ")
    assert not markers.exists()
