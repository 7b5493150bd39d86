# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters upgrade_plan and deb_versions: the hops of playbooks/upgrade.yml and every refusal."""

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.seed.kubeadm.plugins.filter.upgrade_plan import FilterModule, deb_versions, upgrade_failure, upgrade_plan

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
    """A target that is not X.Y.Z stops the plan before any host is looked at."""
    assert plan("v1.35") == {"current": "", "hops": [], "problems": [
        "cluster_kubernetes_version 'v1.35' is not a Kubernetes version X.Y.Z; set the version to upgrade to, "
        "for example -e cluster_kubernetes_version=1.35.1"], "warnings": []}


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
    """Kubernetes skew policy: a kubelet may be up to three minors older than kube-apiserver;
    a Node outside the run within that is a warning, beyond it a refusal."""
    result = plan("1.34.3", nodes=nodes(extra="v1.33.2"))
    assert result["hops"] == ["1.34.3"]
    assert result["warnings"] == ["Node extra is not in this run: its kubelet stays at 1.33.2; upgrade it with a later run"]
    assert plan("1.35.1", nodes=nodes(old="v1.31.0"))["problems"] == [
        "Node old is not in this run and its kubelet would fall out of the supported skew: kubelet 1.31.0 is 4 minor "
        "versions older than the control plane 1.35.1; at most 3 are supported; add its host to the run, or upgrade it first"]


def test_old_kubelets_go_up_one_minor_per_hop():
    run = running(w1={"kubelet": "1.31.1"})
    one_problem(plan("1.34.3", run), "offers no 1.32 version", "from 1.31.1 to 1.34.3")
    result = plan("1.34.3", run, available=OFFERED + ["1.32.4"])
    assert result["hops"] == ["1.32.4", "1.33.7", "1.34.3"]


@pytest.mark.parametrize("run, names", [(None, NAMES), ({}, None)])
def test_bad_arguments(run, names):
    """running and node_names must both be dicts; the error says so."""
    with pytest.raises(AnsibleFilterError) as err:
        upgrade_plan("1.35.1", run, CP, names)
    assert str(err.value) == "upgrade_plan needs running and node_names as dicts"


def test_every_host_that_cannot_be_upgraded_is_listed():
    """Each control plane and each host is checked: one refusal per host, none stops the others."""
    run = running(cp2={"kube-apiserver": "", "kubelet": None}, cp3={"kube-apiserver": None}, w1={"kubelet": "1.33"})
    del run["cp1"]
    assert plan("1.34.3", run, nodes=None) == {"current": "", "hops": [], "warnings": [], "problems": [
        "control plane cp1 is not in this run (--limit or unreachable): an upgrade needs every control plane",
        "control plane cp2 runs no kube-apiserver static pod: upgrade.yml upgrades a running cluster; join the host with "
        "site.yml first, or remove it from the control_plane group",
        "control plane cp3 runs no kube-apiserver static pod: upgrade.yml upgrades a running cluster; join the host with "
        "site.yml first, or remove it from the control_plane group",
        "host cp2 has no kubelet package: upgrade.yml upgrades the nodes of a running cluster; join the host with "
        "site.yml first, or leave it out with --limit",
        "host w1 has no kubelet package: upgrade.yml upgrades the nodes of a running cluster; join the host with "
        "site.yml first, or leave it out with --limit",
        "the Node objects could not be read through the first control plane; check that the API answers "
        "(kubectl get nodes) and run again"]}


@pytest.mark.parametrize("prefix", ["v", "V"])
def test_versions_with_a_leading_v_are_read(prefix):
    """Versions as Kubernetes prints them (vX.Y.Z, either case) count as X.Y.Z everywhere."""
    run = running(apiserver=prefix + "1.33.2", kubelet=prefix + "1.33.2")
    result = plan("1.35.1", run, nodes=nodes(prefix + "1.33.2"), available=[prefix + v for v in OFFERED])
    assert result == {"current": "1.33.2", "hops": ["1.34.3", "1.35.1"], "problems": [], "warnings": []}


def test_versions_compare_as_numbers_not_text():
    """1.34.9 is older than 1.34.10: the oldest host decides where the upgrade starts."""
    run = running(apiserver="1.34.10", kubelet="1.34.10", w1={"kubelet": "1.34.9"})
    result = plan("1.34.10", run, nodes=nodes("v1.34.10", **{"worker-1": "v1.34.9"}), available=["1.34.9", "1.34.10"])
    assert result == {"current": "1.34.9", "hops": ["1.34.10"], "problems": [], "warnings": []}


def test_downgrade_names_every_host_on_the_newest_version():
    """kubeadm does not downgrade: a target older than any host's version (compared as numbers) is refused."""
    run = running(apiserver="1.34.9", kubelet="1.34.9", cp1={"kube-apiserver": "1.34.10"}, cp3={"kubelet": "1.34.10"})
    result = plan("1.34.9", run, nodes=nodes("v1.34.9", cp3="v1.34.10"))
    assert result == {"current": "1.34.9", "hops": [], "warnings": [], "problems": [
        "cluster_kubernetes_version 1.34.9 is older than 1.34.10, which cp1, cp3 already runs: kubeadm does not downgrade; "
        "set cluster_kubernetes_version to 1.34.10 or newer"]}


@pytest.mark.parametrize("apiservers, listed", [
    ({"cp1": "1.35.0", "cp2": "1.33.2", "cp3": "1.33.2"}, "1.33.2 on cp2, cp3, 1.35.0 on cp1"),
    # listed from the oldest version, compared as numbers
    ({"cp1": "1.33.10", "cp2": "1.33.9", "cp3": "1.35.0"}, "1.33.9 on cp2, 1.33.10 on cp1, 1.35.0 on cp3"),
])
def test_control_planes_more_than_one_minor_apart_are_listed(apiservers, listed):
    """Kubernetes skew policy: the kube-apiservers of an HA cluster are at most one minor apart,
    and kubeadm upgrades them one minor at a time, so the playbook cannot bring them together."""
    run = running(**{host: {"kube-apiserver": version} for host, version in apiservers.items()})
    assert plan("1.35.1", run)["problems"] == [
        "the control planes run %s: more than one minor apart, which kubeadm does not support; bring them to one minor "
        "by hand (kubeadm upgrade node) before running upgrade.yml" % listed]


def test_host_without_a_node_name_is_its_own_node():
    """A host missing from node_names is the Node of its own name: its reported kubelet counts,
    it is in the run (no warning), and its cordon left by an interrupted run is found."""
    run = running(apiserver="1.34.3", kubelet="1.34.3")
    run["w2"] = {"kubelet": "1.34.3"}
    behind = plan("1.34.3", run, nodes=nodes("v1.34.3", w2="v1.33.2"))
    assert behind == {"current": "1.33.2", "hops": ["1.34.3"], "problems": [], "warnings": []}
    done = plan("1.34.3", run, nodes=nodes("v1.34.3", w2="v1.34.3"), cordoned=["worker-1", "w2", "elsewhere"])
    assert done == {"current": "1.34.3", "hops": ["1.34.3"], "problems": [],
                    "warnings": ["Node w2, worker-1 was left cordoned by an interrupted upgrade; this run finishes it"]}


OFFERED_FROM_1_30 = ["1.30.2", "1.31.5", "1.32.4", "1.33.7", "1.34.3", "1.35.1"]


def test_one_run_makes_at_most_four_hops_by_default():
    """kubeadm upgrades one minor at a time; one run makes at most max_hops (4) of these hops."""
    run = running(apiserver="1.30.2", kubelet="1.30.2")
    kw = {"nodes": nodes("v1.30.2"), "available": OFFERED_FROM_1_30}
    assert plan("1.34.3", run, **kw)["hops"] == ["1.31.5", "1.32.4", "1.33.7", "1.34.3"]
    assert plan("1.35.1", run, **kw)["problems"] == [
        "1.30.2 -> 1.35.1 takes 5 hops (1.31.5, 1.32.4, 1.33.7, 1.34.3, 1.35.1), more than the 4 one run makes: "
        "upgrade to 1.34.3 first, then run again"]


def test_exactly_max_hops_is_allowed():
    """max_hops is the most hops one run makes, not one more than it."""
    assert plan("1.35.1", max_hops=2)["hops"] == ["1.34.3", "1.35.1"]


@pytest.mark.parametrize("available, problem", [
    # as numbers: 1.34.9 before 1.34.10; what is not X.Y.Z is left out
    (["1.35.0", "v1.34.10", "1.34.9", "junk"],
     "cluster_kubernetes_version 1.35.1 is not in the package source (it offers 1.34.9, 1.34.10, 1.35.0); pick one of "
     "these, or add the packages and images of 1.35.1 to it"),
    ([], "cluster_kubernetes_version 1.35.1 is not in the package source (it offers no kubeadm version); pick one of "
         "these, or add the packages and images of 1.35.1 to it"),
])
def test_target_missing_from_the_source_names_what_it_offers(available, problem):
    """The refusal lists the X.Y.Z versions the source offers, oldest first, or says it offers none."""
    assert plan("1.35.1", available=available)["problems"] == [problem]


def test_nothing_offered_refuses_every_listed_version():
    """A source without any kubeadm version refuses the target and each upgrade_versions entry."""
    assert plan("1.35.1", available=[], versions=["1.34.1"])["problems"] == [
        "cluster_kubernetes_version 1.35.1 is not in the package source (it offers no kubeadm version); pick one of "
        "these, or add the packages and images of 1.35.1 to it",
        "upgrade_versions lists 1.34.1, which is not in the package source (it offers no kubeadm version); or leave "
        "upgrade_versions empty to take the newest patch the source offers"]


SKIPS_134 = "upgrade_versions has no 1.34 version: kubeadm upgrades one minor at a time, so 1.33.2 -> 1.35.1 passes " \
            "through 1.34; add a 1.34.Z version to upgrade_versions"


@pytest.mark.parametrize("kw, problem", [
    # no source to take the version from: only upgrade_versions can name it
    ({"available": None}, SKIPS_134),
    # upgrade_versions given: it must name every minor, or be left empty
    ({"versions": ["1.35.1"]},
     SKIPS_134 + " or leave upgrade_versions empty to take the newest patch the source offers"),
    ({"available": ["1.33.2", "1.35.1"], "source": "the offline bundle"},
     "the offline bundle offers no 1.34 version (it offers 1.33.2, 1.35.1), and kubeadm upgrades one minor at a time "
     "from 1.33.2 to 1.35.1; add the 1.34 packages and images to it"),
])
def test_a_skipped_minor_is_refused(kw, problem):
    """kubeadm upgrades one minor at a time (it refuses to skip a minor): 1.33 -> 1.35 needs a 1.34 version."""
    assert plan("1.35.1", **kw)["problems"] == [problem]


def test_no_middle_hop_takes_a_host_back():
    """kubeadm does not downgrade: every hop before the last is checked against the hosts of its minor."""
    run = running(cp1={"kube-apiserver": "1.34.3"}, w1={"kubelet": "1.32.4"})
    result = plan("1.35.1", run, nodes=nodes(**{"worker-1": "v1.32.4"}), available=OFFERED + ["1.32.4"],
                  versions=["1.33.7", "1.34.1"])
    assert result == {"current": "1.32.4", "hops": [], "warnings": [], "problems": [
        "the hop to 1.34.1 would take cp1 back from 1.34.3; list 1.34.3 or newer in upgrade_versions"]}


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


def test_the_filters_go_by_the_names_the_upgrade_role_uses():
    assert FilterModule().filters() == {"upgrade_plan": upgrade_plan, "deb_versions": deb_versions,
                                        "upgrade_failure": upgrade_failure}
