# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Problem lines of the preflight role, evaluated the way Ansible does from fake probe results.

The probe result of every host (module seed.kubeadm.preflight_probe) is given as the registered
variable __preflight_probe in hostvars; the checks run on the controller from these.
"""

from __future__ import annotations

import pytest

from role_render import RoleRender, role_variables

HOSTS = {"cp1": "10.0.0.11", "cp2": "10.0.0.12", "w1": "10.0.0.21"}
FIX = "keep cluster_kubernetes_version: {keep} or upgrade the cluster with kubeadm upgrade (playbooks/upgrade.yml)"


def probe(apiserver=None, kubeadm=None, kubelet=None, cgroup_v2=True):
    return {"cpus": 4, "memory_mb": 8192, "listening": [], "joined": False, "probes": [], "cgroup_v2": cgroup_v2,
            "running_versions": {"kubeadm": kubeadm, "kubelet": kubelet, "kube-apiserver": apiserver}}


def render(probes, extra=None, host_extra=None):
    variables = role_variables("preflight")
    hostvars = {}
    for name, ip in HOSTS.items():
        hostvars[name] = {"inventory_hostname": name, "ansible_host": ip, "__preflight_probe": probes.get(name, probe())}
        hostvars[name].update((host_extra or {}).get(name, {}))
    groups = {"all": list(HOSTS), "k8s_cluster": list(HOSTS), "control_plane": ["cp1", "cp2"], "workers": ["w1"]}
    variables.update(extra or {})
    variables.update(inventory_hostname="cp1", hostvars=hostvars, groups=groups, ansible_play_hosts=list(HOSTS),
                     ansible_play_hosts_all=list(HOSTS))
    return RoleRender("preflight", variables)


# --- a version change on a running cluster (kubeadm upgrade is needed) -------------------------
def test_fresh_hosts_pass():
    assert render({})("__preflight_check_running") == []


def test_same_version_passes():
    running = probe("1.35.6", "1.35.6", "1.35.6")
    assert render({"cp1": running, "cp2": running, "w1": probe(None, "1.35.6", "1.35.6")})("__preflight_check_running") == []


@pytest.mark.parametrize("wanted", ["1.35.7", "1.35.5", "1.36.0", "1.34.9"])
def test_any_version_change_is_refused(wanted):
    running = probe("1.35.6", "1.35.6", "1.35.6")
    problems = render({"cp1": running, "cp2": running, "w1": probe(None, "1.35.6", "1.35.6")},
                      extra={"cluster_kubernetes_version": wanted})("__preflight_check_running")
    assert problems == [
        'cluster_kubernetes_version: "%s" differs from the version the cluster runs (1.35.6 on cp1, cp2, w1);'
        " kube_packages would swap kubeadm, kubelet and kubectl without kubeadm upgrade; " % wanted
        + FIX.format(keep="1.35.6")]


def test_installed_packages_alone_count_and_the_control_plane_version_is_kept():
    problems = render({"w1": probe(None, "1.34.2", None)})("__preflight_check_running")
    assert problems[0].startswith('cluster_kubernetes_version: "1.35.6" differs from the version the cluster runs (1.34.2 on w1);')
    assert problems[0].endswith(FIX.format(keep="1.34.2"))
    mixed = render({"cp1": probe("1.34.2", "1.34.2", "1.34.2"), "w1": probe(None, "1.35.6", "1.35.6")})("__preflight_check_running")
    assert len(mixed) == 1
    assert "(1.34.2 on cp1; 1.35.6 on w1)" in mixed[0] and mixed[0].endswith(FIX.format(keep="1.34.2"))


def test_running_version_check_can_be_turned_off():
    problems = render({"cp1": probe("1.34.2")}, extra={"preflight_check_running_version": False})("__preflight_check_running")
    assert problems == []


# --- cgroup v1 with Kubernetes >= 1.35 (failCgroupV1 defaults to true) ---------------------------
V1 = probe(cgroup_v2=False)


def test_cgroup_v2_hosts_pass():
    assert render({})("__preflight_check_cgroup") == []


def test_cgroup_v1_before_1_35_passes():
    assert render({"w1": V1}, extra={"cluster_kubernetes_version": "1.34.3"})("__preflight_check_cgroup") == []


def test_cgroup_v1_with_1_35_is_a_problem_per_host():
    problems = render({"cp1": V1, "w1": V1})("__preflight_check_cgroup")
    assert problems == [
        "host %s: cgroup v1 (no /sys/fs/cgroup/cgroup.controllers) and the kubelet of Kubernetes 1.35 and later refuses"
        " to start on cgroup v1 (KubeletConfiguration failCgroupV1 defaults to true); boot the host with cgroup v2"
        " (systemd.unified_cgroup_hierarchy=1), or set failCgroupV1: false under KubeletConfiguration in"
        " control_plane_kubeadm_extra_config and add SystemVerification to %s" % (host, var)
        for host, var in (("cp1", "control_plane_ignore_preflight_errors"), ("w1", "worker_ignore_preflight_errors"))]


def test_cgroup_v1_allowed_through_the_extra_config():
    extra = {"control_plane_kubeadm_extra_config": {"KubeletConfiguration": {"failCgroupV1": False}}}
    ignore = {"control_plane_ignore_preflight_errors": ["SystemVerification"], "worker_ignore_preflight_errors": ["all"]}
    assert render({"cp1": V1, "w1": V1}, extra=dict(extra, **ignore))("__preflight_check_cgroup") == []
    ignore_cp = {"control_plane_ignore_preflight_errors": ["systemverification"]}
    missing = render({"cp1": V1, "w1": V1}, extra=dict(extra, **ignore_cp))("__preflight_check_cgroup")
    assert missing == [
        "host w1: cgroup v1 (no /sys/fs/cgroup/cgroup.controllers) and kubeadm init/join fails its SystemVerification"
        " check on cgroup v1 for Kubernetes 1.35 and later; add SystemVerification to worker_ignore_preflight_errors"
        " (failCgroupV1: false is already set), or boot the host with cgroup v2"]
    # failCgroupV1: true (or a string) is not an opt-out.
    strict = {"control_plane_kubeadm_extra_config": {"KubeletConfiguration": {"failCgroupV1": True}}}
    assert len(render({"cp1": V1}, extra=dict(strict, **ignore))("__preflight_check_cgroup")) == 1
