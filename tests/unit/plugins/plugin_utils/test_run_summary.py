# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run summary: the summary from Node and StorageClass objects, its lines, and the callback that
prints it with what changed host by host."""

from __future__ import annotations

from types import SimpleNamespace

import yaml
from ansible import constants as C

from ansible_collections.seed.kubeadm.plugins.callback import run_summary as callback
from ansible_collections.seed.kubeadm.plugins.filter.run_summary import FilterModule
from ansible_collections.seed.kubeadm.plugins.plugin_utils.run_summary import cluster_summary, render, summary_lines

BASE = {"api_endpoint": "https://10.0.0.10:8443", "kubeconfig": "/inv/artifacts/admin.conf",
        "admin_kubeconfig": "/etc/kubernetes/admin.conf", "first_control_plane": "cp1", "ingress_vip": "10.0.0.20"}


def node(name, control_plane, ready, version="v1.35.6"):
    labels = {"kubernetes.io/hostname": name}
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
    conditions = [{"type": "MemoryPressure", "status": "False"}]
    if ready is not None:
        conditions.append({"type": "Ready", "status": "True" if ready else "False"})
    return {"metadata": {"name": name, "labels": labels},
            "status": {"nodeInfo": {"kubeletVersion": version}, "conditions": conditions}}


def storage_class(name, default):
    meta = {"name": name}
    if default is not None:
        meta["annotations"] = {"storageclass.kubernetes.io/is-default-class": default}
    return {"metadata": meta}


def test_cluster_summary_roles_versions_ready_and_default_class():
    got = cluster_summary([node("w1", False, False, "v1.34.1"), node("cp2", True, True), node("cp1", True, None)],
                          [storage_class("slow", "false"), storage_class("nfs-client", "true"), storage_class("x", None)],
                          BASE)
    assert got["nodes"] == [
        {"name": "cp1", "role": "control-plane", "version": "v1.35.6", "ready": False},
        {"name": "cp2", "role": "control-plane", "version": "v1.35.6", "ready": True},
        {"name": "w1", "role": "worker", "version": "v1.34.1", "ready": False}]
    assert got["default_storage_class"] == "nfs-client"
    assert got["api_endpoint"] == BASE["api_endpoint"] and got["ingress_vip"] == "10.0.0.20"
    assert "nodes" not in BASE


def test_cluster_summary_without_default_class():
    assert cluster_summary([], [storage_class("a", "false")], {})["default_storage_class"] == ""


def test_lines_name_endpoint_kubeconfig_command_nodes_vip_and_class():
    lines = summary_lines(cluster_summary([node("cp1", True, True), node("worker-long-name", False, False)],
                                          [storage_class("nfs-client", "true")], BASE))
    assert lines[0] == "API endpoint:         https://10.0.0.10:8443"
    assert "Admin kubeconfig:     /inv/artifacts/admin.conf (0600, on this controller)" in lines
    assert "Use it:               KUBECONFIG=/inv/artifacts/admin.conf kubectl get nodes" in lines
    assert "  cp1               control-plane  v1.35.6  Ready" in lines
    assert "  worker-long-name  worker         v1.35.6  NotReady" in lines
    assert lines[-2:] == ["Ingress VIP:          10.0.0.20", "Default StorageClass: nfs-client"]


def test_lines_without_fetched_kubeconfig_vip_or_class_say_so():
    lines = summary_lines(dict(BASE, kubeconfig="", ingress_vip="", nodes=[], default_storage_class=""))
    assert ("Admin kubeconfig:     not fetched (control_plane_fetch_kubeconfig is empty); on cp1: "
            "/etc/kubernetes/admin.conf") in lines
    assert "  (no node registered)" in lines
    assert "Ingress VIP:          none (cluster_ingress_vip is empty)" in lines
    assert "Default StorageClass: none" in lines


def test_kubeconfig_path_with_spaces_is_quoted_in_the_command():
    lines = summary_lines(dict(BASE, kubeconfig="/my inv/admin.conf"))
    assert "Use it:               KUBECONFIG='/my inv/admin.conf' kubectl get nodes" in lines


def test_render_changes_per_host_bounded():
    lines = render(None, {"cp1": ["t%d" % i for i in range(5)], "w1": ["Install containerd"]}, ["cp1", "w1", "nfs"], 3)
    assert lines[1].startswith("SEED.KUBEADM SUMMARY ***")
    assert lines[2:] == ["Changed in this run:", "  cp1: 5 tasks changed", "    - t0", "    - t1", "    - t2",
                         "    ... and 2 more", "  nfs: nothing", "  w1: 1 task changed", "    - Install containerd"]


def test_render_with_summary_and_no_host():
    lines = render(dict(BASE, nodes=[], default_storage_class=""), {}, [])
    assert "API endpoint:         https://10.0.0.10:8443" in lines
    assert lines[-2:] == ["Changed in this run:", "  nothing"]


def test_filters_are_exported():
    assert set(FilterModule().filters()) == {"cluster_summary", "run_summary_lines"}


class Display:
    def __init__(self):
        self.lines = []

    def display(self, msg, **_):
        self.lines.append(msg)


def new_callback():
    """The callback printing into a list, its options resolved from its DOCUMENTATION as Ansible does."""
    name = "seed.kubeadm.run_summary"
    C.config.initialize_plugin_configuration_definitions(
        "callback", name, yaml.safe_load(callback.DOCUMENTATION)["options"])
    cb = callback.CallbackModule()
    assert cb.CALLBACK_NEEDS_ENABLED and cb.CALLBACK_TYPE == "aggregate"
    cb._load_name = name
    cb._display = Display()
    cb.set_options()
    return cb


def result(host, task, changed):
    return SimpleNamespace(_host=SimpleNamespace(get_name=lambda: host),
                           _task=SimpleNamespace(get_name=lambda: task), _result={"changed": changed})


def test_callback_prints_summary_from_set_stats_and_changed_tasks():
    cb = new_callback()
    cb.v2_runner_on_ok(result("cp1", "Write the kubeadm configuration ", True))
    cb.v2_runner_item_on_ok(result("cp1", "Write the kubeadm configuration", True))
    cb.v2_runner_on_ok(result("cp1", "Read the state", False))
    cb.v2_runner_on_ok(result("w1", "Read the state", False))
    stats = SimpleNamespace(processed={"cp1": 1, "w1": 1},
                            custom={"_run": {"seed_summary": dict(BASE, nodes=[], default_storage_class="x")}})
    cb.v2_playbook_on_stats(stats)
    out = cb._display.lines
    assert "API endpoint:         https://10.0.0.10:8443" in out
    assert out[-4:] == ["Changed in this run:", "  cp1: 1 task changed", "    - Write the kubeadm configuration",
                        "  w1: nothing"]


def test_callback_max_tasks_from_the_environment(monkeypatch):
    monkeypatch.setenv("SEED_RUN_SUMMARY_MAX_TASKS", "1")
    cb = new_callback()
    assert cb.get_option("max_tasks") == 1
    for task in ("a", "b"):
        cb.v2_runner_on_ok(result("cp1", task, True))
    cb.v2_playbook_on_stats(SimpleNamespace(processed={"cp1": 1}, custom={}))
    assert cb._display.lines[-3:] == ["  cp1: 2 tasks changed", "    - a", "    ... and 1 more"]


def test_callback_without_summary_prints_changes_only():
    cb = new_callback()
    cb.v2_playbook_on_stats(SimpleNamespace(processed={"h": 1}, custom={}))
    assert not any(line.startswith("API endpoint") for line in cb._display.lines)
    assert cb._display.lines[-2:] == ["Changed in this run:", "  h: nothing"]
