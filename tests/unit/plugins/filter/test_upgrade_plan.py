# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters upgrade_plan and deb_versions: the hops of playbooks/upgrade.yml and every refusal."""

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.seed.kubeadm.plugins.filter.upgrade_plan import deb_versions, upgrade_plan

CP = ["cp1", "cp2", "cp3"]
NAMES = {"cp1": "cp1", "cp2": "cp2", "cp3": "cp3", "w1": "worker-1"}
OFFERED = ["1.33.2", "1.33.7", "1.34.1", "1.34.3", "1.35.0", "1.35.1"]


def running(apiserver="1.33.2", kubelet="1.33.2", **per_host):
    out = {}
    for host in CP + ["w1"]:
        entry = {"kubeadm": kubelet, "kubelet": kubelet}
        if host in CP:
            entry["kube-apiserver"] = apiserver
        entry.update(per_host.get(host, {}))
        out[host] = entry
    return out


def nodes(version="v1.33.2", **extra):
    out = {NAMES[h]: version for h in NAMES}
    out.update(extra)
    return out


def plan(target, run=None, **kw):
    kw.setdefault("nodes", nodes())
    kw.setdefault("available", OFFERED)
    return upgrade_plan(target, run if run is not None else running(), CP, NAMES, **kw)


def one_problem(result, *words):
    assert result["hops"] == []
    assert len(result["problems"]) == 1, result["problems"]
    for word in words:
        assert word in result["problems"][0], result["problems"][0]


def test_two_hops_take_the_newest_patch_of_each_minor():
    result = plan("1.35.1")
    assert result == {"current": "1.33.2", "hops": ["1.34.3", "1.35.1"], "problems": [], "warnings": []}


def test_patch_upgrade_is_one_hop():
    assert plan("1.33.7")["hops"] == ["1.33.7"]


def test_nothing_to_do_when_every_host_runs_the_target():
    result = plan("1.33.2")
    assert result["hops"] == [] and result["problems"] == []


def test_explicit_versions_are_the_path():
    assert plan("1.35.1", versions=["1.34.1"])["hops"] == ["1.34.1", "1.35.1"]


def test_resume_from_the_oldest_host():
    # cp1 upgraded to 1.35.1 before the run stopped: the others still need the hop.
    run = running(apiserver="1.34.3", kubelet="1.34.3", cp1={"kube-apiserver": "1.35.1"})
    assert plan("1.35.1", run, nodes=nodes("v1.34.3"))["hops"] == ["1.35.1"]
    # kubelets left behind in the first hop are upgraded through it again
    run = running(apiserver="1.34.3", kubelet="1.34.3", w1={"kubelet": "1.33.2"})
    assert plan("1.35.1", run)["hops"] == ["1.34.3", "1.35.1"]


def test_resume_a_kubelet_installed_but_not_restarted():
    # w1's package is at the target, its Node still reports the old kubelet: the last hop again.
    result = plan("1.35.1", running(apiserver="1.35.1", kubelet="1.35.1"), nodes=nodes("v1.35.1", **{"worker-1": "v1.34.3"}))
    assert result["hops"] == ["1.35.1"] and result["current"] == "1.34.3"


def test_resume_a_node_left_cordoned():
    done = running(apiserver="1.35.1", kubelet="1.35.1")
    assert plan("1.35.1", done, nodes=nodes("v1.35.1"))["hops"] == []
    result = plan("1.35.1", done, nodes=nodes("v1.35.1"), cordoned=["worker-1", "elsewhere"])
    assert result["hops"] == ["1.35.1"]
    assert result["warnings"] == ["Node worker-1 was left cordoned by an interrupted upgrade; this run finishes it"]


def test_downgrade_is_refused():
    one_problem(plan("1.33.0"), "cluster_kubernetes_version 1.33.0 is older than 1.33.2", "does not downgrade")
    run = running(cp2={"kube-apiserver": "1.34.1"})
    one_problem(plan("1.33.7", run), "1.34.1, which cp2 already runs")


def test_target_missing_from_the_source_is_refused():
    one_problem(plan("1.35.9", source="the offline bundle"), "1.35.9 is not in the offline bundle",
                "1.33.2, 1.33.7, 1.34.1, 1.34.3, 1.35.0, 1.35.1")


def test_missing_intermediate_minor_is_refused():
    one_problem(plan("1.35.1", available=["1.33.2", "1.35.1"]), "offers no 1.34 version", "one minor at a time")


def test_explicit_list_skipping_a_minor_is_refused():
    one_problem(plan("1.35.1", versions=["1.35.1"]), "upgrade_versions has no 1.34 version", "passes through 1.34")


NOT_OFFERED = ("upgrade_versions lists %s, which is not in the package source (it offers 1.33.2, 1.33.7, 1.34.1, 1.34.3, "
               "1.35.0, 1.35.1); or leave upgrade_versions empty to take the newest patch the source offers")
NOT_XYZ = "upgrade_versions: %r is not a Kubernetes version X.Y.Z; list one version per minor, for example ['1.34.3']"


@pytest.mark.parametrize("versions, problems", [
    (["1.34.1", "1.34.3"], ["upgrade_versions lists 1.34.1 and 1.34.3: kubeadm takes one version per minor; keep one"]),
    (["1.34"], [NOT_XYZ % "1.34"]),
    # Every mistake is listed, not only the first.
    (["1.34", "x", "1.34.1", "1.34.3", "1.36.0"], [
        NOT_XYZ % "1.34", NOT_XYZ % "x",
        "upgrade_versions lists 1.34.1 and 1.34.3: kubeadm takes one version per minor; keep one",
        "upgrade_versions lists 1.36.0, newer than the target cluster_kubernetes_version 1.35.1; remove it or raise the target",
        NOT_OFFERED % "1.36.0"]),
    (["1.32.0", "1.34.1"], ["upgrade_versions lists 1.32.0, older than 1.33.2 that the cluster already runs; remove it",
                            NOT_OFFERED % "1.32.0"]),
    (["1.34.1", "1.35.0"], ["upgrade_versions lists 1.35.0 but the target is 1.35.1; remove it, the last hop is the target"]),
    (["1.34.2"], [NOT_OFFERED % "1.34.2"]),
])
def test_bad_upgrade_versions(versions, problems):
    result = plan("1.35.1", versions=versions)
    assert result["hops"] == [] and result["problems"] == problems


def test_the_version_the_cluster_runs_may_be_listed():
    assert plan("1.35.1", versions=["1.33.2", "1.34.3"])["problems"] == []


def test_unknown_source_needs_explicit_versions():
    one_problem(plan("1.35.1", available=None), "upgrade_versions has no 1.34 version")
    assert plan("1.35.1", available=None, versions=["1.34.3"])["hops"] == ["1.34.3", "1.35.1"]
    assert plan("1.34.3", available=None)["hops"] == ["1.34.3"]


def test_bad_target():
    one_problem(plan("v1.35"), "not a Kubernetes version", "-e cluster_kubernetes_version=")


def test_control_plane_outside_the_run_or_not_running():
    run = running()
    del run["cp3"]
    one_problem(plan("1.34.3", run), "control plane cp3 is not in this run")
    one_problem(plan("1.34.3", running(cp2={"kube-apiserver": ""})), "cp2 runs no kube-apiserver")
    one_problem(plan("1.34.3", running(w1={"kubelet": ""})), "host w1 has no kubelet package")


def test_unreadable_nodes_are_refused():
    one_problem(plan("1.34.3", nodes=None), "Node objects could not be read")


def test_control_planes_two_minors_apart_are_refused():
    run = running(apiserver="1.33.2", kubelet="1.33.2", cp1={"kube-apiserver": "1.35.0"})
    one_problem(plan("1.35.1", run), "more than one minor apart", "1.35.0 on cp1")


def test_hop_must_not_take_a_host_back():
    run = running(apiserver="1.33.2", kubelet="1.33.2", cp1={"kube-apiserver": "1.34.3"})
    one_problem(plan("1.35.1", run, versions=["1.34.1"]), "would take cp1 back from 1.34.3")


def test_too_many_hops():
    one_problem(plan("1.35.1", max_hops=1), "takes 2 hops", "upgrade to 1.34.3 first")


def test_nodes_outside_the_run():
    result = plan("1.34.3", nodes=nodes(extra="v1.33.2"))
    assert result["hops"] == ["1.34.3"]
    assert result["warnings"] == ["Node extra is not in this run: its kubelet stays at 1.33.2; upgrade it with a later run"]
    one_problem(plan("1.35.1", nodes=nodes(old="v1.31.0")), "Node old is not in this run", "at most 3")


def test_old_kubelets_go_up_one_minor_per_hop():
    run = running(w1={"kubelet": "1.31.1"})
    one_problem(plan("1.34.3", run), "offers no 1.32 version", "from 1.31.1 to 1.34.3")
    result = plan("1.34.3", run, available=OFFERED + ["1.32.4"])
    assert result["hops"] == ["1.32.4", "1.33.7", "1.34.3"]


def test_bad_arguments():
    with pytest.raises(AnsibleFilterError):
        upgrade_plan("1.35.1", None, CP, NAMES)


INDEX = """Package: kubeadm
Architecture: amd64
Version: 1.34.3-1.1
Filename: pool/kubeadm_1.34.3-1.1_amd64.deb

Package: kubelet
Version: 1.34.9-1.1

Package: kubeadm
Version: 1:1.34.1-1.1
Description: multi
 line: not a field

Package: kubeadm
Version: 1.34.0-rc.1-1.1
"""


def test_deb_versions():
    # Sorted by version (not as text), epochs dropped, release candidates left out.
    assert deb_versions(INDEX + "\nPackage: kubeadm\nVersion: 1.34.10-1.1\n") == ["1.34.1", "1.34.3", "1.34.10"]
    assert deb_versions(INDEX + "\nPackage: kubeadm\nVersion: 2:1:1.34.4-1.1\n") == ["1.34.1", "1.34.3"]
    assert deb_versions(INDEX + "\nPackage: kubeadm\n Version: 1.34.5-1.1\n") == ["1.34.1", "1.34.3"]
    assert deb_versions(INDEX + "\nPackage: kubeadm\n") == ["1.34.1", "1.34.3"]
    assert deb_versions(None) == []
    assert deb_versions(INDEX) == ["1.34.1", "1.34.3"]
    assert deb_versions(INDEX, "kubelet") == ["1.34.9"]
    assert deb_versions("") == []


RESUME = ("Run upgrade.yml again with the same cluster_kubernetes_version: it starts again with this hop and "
          "leaves alone what is already upgraded.")


def test_upgrade_failure_diagnoses_the_hash_hang_and_a_kill():
    from ansible_collections.seed.kubeadm.plugins.filter.upgrade_plan import upgrade_failure
    hang = {"rc": 1, "cmd": ["/usr/bin/kubeadm", "upgrade", "apply", "v1.34.3"], "stdout": "",
            "stderr": "couldn't upgrade control plane. kubeadm has tried to recover everything into the earlier state. "
                      "Errors faced: static Pod hash for component kube-apiserver on Node cp1 did not change after "
                      "5m0s: context deadline exceeded"}
    assert upgrade_failure(hang, "cp1", "1.34.3", "1.33.5", "control-plane") == (
        "kubeadm upgrade apply stopped on cp1 in the control-plane hop to 1.34.3 (rc 1): the kubelet on cp1 did not "
        "restart kube-apiserver after kubeadm wrote its new manifest (the mirror Pod's kubernetes.io/config.hash did not "
        "change within 5m0s), so kubeadm put the old manifests back and cp1 still runs 1.33.5. Look at the kubelet there "
        "(journalctl -u kubelet: a kubelet that no longer watches /etc/kubernetes/manifests, a full disk, an image it "
        "cannot pull), fix it, then: " + RESUME)
    # The hang reported on stdout, without the old version known.
    hang = dict(hang, stdout=hang["stderr"], stderr=None)
    assert "and cp1 still runs the old version. Look" in upgrade_failure(hang, "cp1", "1.34.3", "", "control-plane")
    for rc in (-9, 137):
        killed = upgrade_failure({"rc": rc, "cmd": ["kubeadm", "upgrade", "node"]}, "cp2", "1.35.1", "1.34.3", "control-plane")
        assert killed == ("kubeadm upgrade node stopped on cp2 in the control-plane hop to 1.35.1 (rc %d): kubeadm was killed. "
                          "Its backups are in /etc/kubernetes/tmp on cp2; %s" % (rc, RESUME))
    other = upgrade_failure({"rc": 1, "cmd": ["kubeadm", "upgrade", "apply"], "stderr": "[ERROR ImagePull]: failed to pull\nmore"},
                            "cp1", "1.35.1", "1.34.3", "control-plane")
    assert other == ("kubeadm upgrade apply stopped on cp1 in the control-plane hop to 1.35.1 (rc 1): "
                     "[ERROR ImagePull]: failed to pull. " + RESUME)


@pytest.mark.parametrize("result, detail", [
    # Lines naming an error or a fatal condition (any case), the last five, from stdout then stderr.
    ({"stdout": "step 1\nError: one\n", "stderr": "FATAL two\nnoise\n"}, "Error: one | FATAL two"),
    ({"stdout": "".join("error %d\n" % i for i in range(7))}, "error 2 | error 3 | error 4 | error 5 | error 6"),
    # Without such lines, the last lines as they are; without output, says so.
    ({"stdout": "a\n\n  b  \n", "stderr": "c"}, "a | b | c"),
    # kubeadm's list of reasons ("\t- reason" lines) is part of the error.
    ({"stderr": "error execution phase preflight: the version argument is invalid due to these errors:\n\n"
                "\t- There are kubelets in this cluster that are too old that have these versions [v1.32.0]\n\n"
                "Can be bypassed if you pass the --force flag\nTo see the stack trace of this error execute with --v=5 or higher\n"},
     "error execution phase preflight: the version argument is invalid due to these errors: | - There are kubelets in this "
     "cluster that are too old that have these versions [v1.32.0] | To see the stack trace of this error execute with --v=5 or higher"),
    ({}, "no output"),
    ("not a result", "no output"),
])
def test_upgrade_failure_detail(result, detail):
    from ansible_collections.seed.kubeadm.plugins.filter.upgrade_plan import upgrade_failure
    rc = result.get("rc") if isinstance(result, dict) else None
    assert upgrade_failure(result, "w1", "1.35.1", "1.34.3", "node") == (
        "kubeadm upgrade stopped on w1 in the node hop to 1.35.1 (rc %s): %s. %s" % (rc, detail, RESUME))
