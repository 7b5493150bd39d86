# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A restart a role owes is kept until its handler has done it (node_state's track_restarts).

In a role whose handlers restart or reload a service, every seed.kubeadm.node_state task that writes
files tracks its restarts, and every restart or reload handler has a node_state handler that listens
to it and says the restart is done (restarted). The Molecule scenarios node and ha_lb stop a real
run between the write and the handler and check the next run restarts the service.
"""

from __future__ import annotations

import glob
import os

import pytest
import yaml

from role_render import ROLES

# node_state calls that write files whose entries name no restart (the apt source of a node).
NO_RESTARTS = {("offline_repo", "client.yml")}


def _tasks(path):
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or []
    stack = list(data)
    while stack:
        task = stack.pop(0)
        if isinstance(task, dict):
            yield task
            for key in ("block", "rescue", "always"):
                stack.extend(task.get(key) or [])


def _restart_handlers(role):
    path = os.path.join(ROLES, role, "handlers", "main.yml")
    if not os.path.exists(path):
        return [], []
    handlers = list(_tasks(path))
    restarting = [h for h in handlers if (h.get("ansible.builtin.systemd_service") or {}).get("state") in ("restarted", "reloaded")
                  or "reloaded" in str((h.get("ansible.builtin.systemd_service") or {}).get("state", ""))]
    forgetting = [h for h in handlers if "restarted" in (h.get("seed.kubeadm.node_state") or {})]
    return restarting, forgetting


ROLES_WITH_RESTARTS = sorted(role for role in os.listdir(ROLES) if _restart_handlers(role)[0])


def test_the_roles_that_restart_services_are_known():
    assert ROLES_WITH_RESTARTS == ["apiserver_lb", "container_runtime", "keepalived", "nfs_server", "offline_repo"]


@pytest.mark.parametrize("role", ROLES_WITH_RESTARTS)
def test_every_file_writing_call_tracks_its_restarts(role):
    calls = []
    for path in sorted(glob.glob(os.path.join(ROLES, role, "tasks", "*.yml"))):
        for task in _tasks(path):
            args = task.get("seed.kubeadm.node_state")
            if isinstance(args, dict) and args.get("files") and (role, os.path.basename(path)) not in NO_RESTARTS:
                calls.append((os.path.basename(path), task["name"], args.get("track_restarts")))
    assert calls, role
    assert [call for call in calls if call[2] is not True] == []


@pytest.mark.parametrize("role", ROLES_WITH_RESTARTS)
def test_every_restart_handler_is_followed_by_one_that_says_it_is_done(role):
    restarting, forgetting = _restart_handlers(role)
    handlers = list(_tasks(os.path.join(ROLES, role, "handlers", "main.yml")))
    for handler in restarting:
        listeners = [h for h in forgetting if h.get("listen") == handler["name"]]
        assert len(listeners) == 1, handler["name"]
        assert handlers.index(listeners[0]) > handlers.index(handler), "the restart must run first"
        assert listeners[0].get("when") == handler.get("when")
