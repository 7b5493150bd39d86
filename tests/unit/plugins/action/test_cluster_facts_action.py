# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster_facts action plugin: what it reads from the play and hands to cluster.compute.

cluster.compute itself is tested in tests/unit/plugins/module_utils/test_cluster.py. Here the
plugin runs with a real Templar and DataLoader; its task and connection are stand-ins (the plugin
never uses the connection).
"""

from __future__ import annotations

import re
from unittest import mock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.plugins import action as plugins_action
from ansible.template import Templar, trust_as_template

from ansible_collections.seed.kubeadm.plugins.action import cluster_facts as action
from ansible_collections.seed.kubeadm.plugins.module_utils import cluster


def facts(address, iface="eth0"):
    key = iface.replace("-", "_").replace(".", "_")
    return {
        "default_ipv4": {"address": address, "interface": iface, "prefix": "24"},
        "all_ipv4_addresses": [address],
        "interfaces": [iface, "lo"],
        key: {"device": iface, "ipv4": {"address": address, "prefix": "24"}},
        "lo": {"device": "lo", "ipv4": {"address": "127.0.0.1", "prefix": "8"}},
        "default_ipv6": {"address": "fd00::%s" % address.rsplit(".", 1)[1], "interface": iface},
        "all_ipv6_addresses": ["fd00::%s" % address.rsplit(".", 1)[1]],
        "distribution": "Debian",
        "memtotal_mb": 4096,
    }


def run_action(args, task_vars):
    loader = DataLoader()
    task = mock.MagicMock(args=args, async_val=0, action="seed.kubeadm.cluster_facts")
    plugin = action.ActionModule(task=task, connection=mock.MagicMock(), play_context=PlayContext(),
                                 loader=loader, templar=Templar(loader=loader, variables=task_vars),
                                 shared_loader_obj=None)
    return plugin.run(task_vars=task_vars)


@pytest.fixture
def play():
    groups = {"k8s_cluster": ["cp1", "w1"], "control_plane": ["cp1"], "workers": ["w1"], "nfs_server": ["nfs"],
              "ungrouped": ["other"]}
    hostvars = {
        "cp1": {"inventory_hostname": "cp1", "ansible_host": "10.0.0.11", "ansible_facts": facts("10.0.0.11"),
                "seed_probe": {"kubelet_version": ""}, "cni_flannel_backend": "host-gw", "unrelated": "x"},
        "w1": {"inventory_hostname": "w1", "cluster_node_ip": "10.0.0.12",
               "ansible_facts": facts("10.0.0.12", "ens-3.100")},
        "nfs": {"inventory_hostname": "nfs"},
        "late": {"inventory_hostname": "late", "ansible_facts": facts("10.0.0.14")},
    }
    return {
        "groups": groups, "hostvars": hostvars, "inventory_hostname": "cp1",
        "ansible_play_hosts": ["cp1"], "ansible_play_hosts_all": ["cp1", "gone", "late"],
        "cluster_pod_subnet": trust_as_template("{{ pod_net }}"), "pod_net": "10.250.0.0/16", "cluster_cni": "calico",
        "not_a_setting": "ignored",
    }


def test_inputs_handed_to_compute(play, monkeypatch):
    seen = {}

    def compute(settings, hosts, groups, play_hosts, play_hosts_all, with_problems, current_host):
        seen.update(settings=settings, hosts=hosts, groups=groups, play_hosts=play_hosts,
                    play_hosts_all=play_hosts_all, with_problems=with_problems, current_host=current_host)
        return {"computed": True}
    monkeypatch.setattr(action.cluster, "compute", compute)
    warnings = []
    monkeypatch.setattr(plugins_action.display, "warning", lambda msg, *a, **kw: warnings.append(msg))
    result = run_action({"probe": "seed_probe", "problems": False}, play)
    assert warnings == []
    assert result["changed"] is False and result["cluster_facts"] == {"computed": True}
    # Settings: only the collection's own variables, templated.
    assert seen["settings"] == {"cluster_pod_subnet": "10.250.0.0/16", "cluster_cni": "calico"}
    assert seen["groups"] == {"k8s_cluster": ["cp1", "w1"], "control_plane": ["cp1"], "workers": ["w1"],
                              "apiserver_lb": [], "ingress": [], "nfs_server": ["nfs"], "init": [], "ungrouped": ["other"]}
    assert seen["play_hosts"] == ["cp1"] and seen["play_hosts_all"] == ["cp1", "gone", "late"]
    assert seen["with_problems"] is False and seen["current_host"] == "cp1"
    # Hosts: those of the groups, then the play's, each once; a name without hostvars is left out.
    assert list(seen["hosts"]) == ["cp1", "w1", "nfs", "late"]
    cp1 = seen["hosts"]["cp1"]
    assert cp1["inventory_hostname"] == "cp1" and cp1["ansible_host"] == "10.0.0.11"
    assert cp1["cni_flannel_backend"] == "host-gw" and "unrelated" not in cp1
    assert cp1["probe"] == {"kubelet_version": ""}
    # Only the network facts, with each interface's own entry (named as Ansible names it).
    network = ("default_ipv4", "default_ipv6", "all_ipv4_addresses", "all_ipv6_addresses", "interfaces")
    assert cp1["ansible_facts"] == {key: facts("10.0.0.11")[key] for key in network + ("eth0", "lo")}
    w1_facts = facts("10.0.0.12", "ens-3.100")
    assert seen["hosts"]["w1"]["ansible_facts"] == {key: w1_facts[key] for key in network + ("ens_3_100", "lo")}
    assert seen["hosts"]["w1"]["cluster_node_ip"] == "10.0.0.12" and "probe" not in seen["hosts"]["w1"]
    assert seen["hosts"]["nfs"] == {"inventory_hostname": "nfs", "ansible_facts": {}}


def test_defaults_without_probe(play, monkeypatch):
    seen = {}
    monkeypatch.setattr(action.cluster, "compute", lambda *a, **kw: seen.update(kw, args=a) or {})
    run_action({}, play)
    assert seen["with_problems"] is True
    assert all("probe" not in host for host in seen["args"][1].values())


def test_play_hosts_all_falls_back_to_play_hosts(play, monkeypatch):
    seen = {}
    monkeypatch.setattr(action.cluster, "compute", lambda *a, **kw: seen.update(args=a) or {})
    del play["ansible_play_hosts_all"]
    run_action({}, play)
    assert seen["args"][3] == ["cp1"] and seen["args"][4] == ["cp1"]


def test_a_play_without_groups(play, monkeypatch):
    seen = {}
    monkeypatch.setattr(action.cluster, "compute", lambda *a, **kw: seen.update(args=a) or {})
    del play["groups"]
    run_action({}, play)
    assert seen["args"][2] == {name: [] for name in cluster.GROUPS} and list(seen["args"][1]) == ["cp1", "late"]


def test_plain_copies_lazy_mappings():
    class Lazy:
        def __init__(self, data):
            self._data = data

        def keys(self):
            return self._data.keys()

        def __getitem__(self, key):
            return self._data[key]
    value = action._plain(Lazy({"a": (1, Lazy({2: "x"})), "b": "s"}))  # pylint: disable=protected-access
    assert value == {"a": [1, {"2": "x"}], "b": "s"} and value["b"].__class__ is str


def test_real_computation(play):
    result = run_action({"probe": "seed_probe"}, play)
    out = result["cluster_facts"]
    assert out == cluster.compute(
        {"cluster_pod_subnet": "10.250.0.0/16", "cluster_cni": "calico"},
        _expected_hosts(play),
        {g: list(play["groups"].get(g, [])) for g in cluster.GROUPS}, ["cp1"], ["cp1", "gone", "late"],
        with_problems=True, current_host="cp1")
    assert out["hosts"]["w1"]["address"] == "10.0.0.12"


def _expected_hosts(play):
    keep = set(cluster.HOST_KEYS + cluster.ROLE_HOST_KEYS)
    hosts = {}
    for name in ("cp1", "w1", "nfs", "late"):
        hv = play["hostvars"][name]
        entry = {k: v for k, v in hv.items() if k in keep}
        entry["ansible_facts"] = action._network_facts(hv.get("ansible_facts", {}))  # pylint: disable=protected-access
        if "seed_probe" in hv:
            entry["probe"] = hv["seed_probe"]
        hosts[name] = entry
    return hosts


@pytest.mark.parametrize("probe", [["x"], {"a": 1}, 3])
def test_probe_must_name_a_variable(play, probe):
    message = "probe: the name of the variable that holds the probe results, got %r" % (probe,)
    with pytest.raises(AnsibleActionFail, match="^%s$" % re.escape(message)):
        run_action({"probe": probe}, play)


def test_unknown_argument_is_refused(play):
    with pytest.raises(AnsibleActionFail, match="Invalid options"):
        run_action({"probes": "seed_probe"}, play)
