# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubeadm_plan: init, resume, joins and resets decided from the live state of every node."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter.kubeadm_plan import kubeadm_plan

ALL_DONE = ("upload-config", "bootstrap-token", "addon/coredns", "addon/kube-proxy")


def host(files=(), manifests=(), api=False, established=False, done=ALL_DONE, members=None, registered=None,
         absent=False, errors=()):
    """A kubeadm_state result. ``files``: names among admin_conf, kubelet_conf, ca_crt, etcd_data, ..."""
    f = {k: k in files for k in ("admin_conf", "super_admin_conf", "kubelet_conf", "bootstrap_kubelet_conf",
                                 "ca_crt", "ca_key", "etcd_data")}
    f["manifests"] = list(manifests)
    f["any"] = bool(files) or bool(manifests)
    return {"files": f, "local_api": {"running": api},
            "cluster": {"established": established, "done": list(done) if established else [],
                        "absent": absent, "errors": list(errors)},
            "node": {"registered": registered}, "etcd": {"members": members}}


CP_FILES = ("admin_conf", "kubelet_conf", "ca_crt", "ca_key", "etcd_data")
CP_MANIFESTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")


def member(name):
    return {"name": name, "peer_urls": ["https://%s:2380" % name], "id": str(abs(hash(name)) % 10 ** 9)}


def running(names, **kw):
    return host(CP_FILES, CP_MANIFESTS, api=True, established=True, members=[member(n) for n in names], **kw)


def test_fresh_cluster_first_host_inits_others_join():
    plan = kubeadm_plan({"cp1": host(), "cp2": host(), "cp3": host()}, {"w1": host()})
    assert plan == {"init_host": "cp1", "init_action": "init", "resume_phases": [],
                    "control_plane_joiners": ["cp2", "cp3"], "worker_joiners": ["w1"], "reset": [],
                    "admin_conf_missing": [], "delete_nodes": [], "stale_etcd_members": [], "problems": []}


def test_converged_cluster_does_nothing():
    names = ["cp1", "cp2", "cp3"]
    plan = kubeadm_plan({n: running(names) for n in names},
                        {"w1": host(("kubelet_conf", "ca_crt"), registered=True)})
    assert plan["init_action"] == "none" and plan["control_plane_joiners"] == [] and plan["worker_joiners"] == []
    assert plan["reset"] == [] and plan["admin_conf_missing"] == [] and plan["problems"] == []


def test_rebuilt_first_host_joins_the_running_cluster():
    """Defect 4: a wiped first host must not create a second cluster behind the same endpoint."""
    names = ["cp1", "cp2", "cp3"]
    plan = kubeadm_plan({"cp1": host(), "cp2": running(names), "cp3": running(names)})
    assert plan["init_host"] == "cp2" and plan["init_action"] == "none"
    assert plan["control_plane_joiners"] == ["cp1"]
    assert plan["stale_etcd_members"] == [{"host": "cp1", "name": "cp1", "id": member("cp1")["id"],
                                           "peer_url": None, "learner": False}]
    assert plan["reset"] == []  # nothing left on the wiped host


def test_new_host_listed_first_joins():
    plan = kubeadm_plan({"cp0": host(), "cp1": running(["cp1"])})
    assert plan["init_host"] == "cp1" and plan["control_plane_joiners"] == ["cp0"]
    assert plan["stale_etcd_members"] == []


def test_the_init_host_is_an_established_host_whose_api_server_answers():
    """cp1 reads the cluster only through its kubelet.conf (its API server is down): cp2, whose API server
    answers, is the init host; cp1, an established member, is left as it is."""
    names = ["cp1", "cp2"]
    cp1 = host(CP_FILES, CP_MANIFESTS, api=False, established=True, members=[member(n) for n in names])
    plan = kubeadm_plan({"cp1": cp1, "cp2": running(names)})
    assert plan["init_host"] == "cp2" and plan["init_action"] == "none"
    assert plan["control_plane_joiners"] == [] and plan["reset"] == [] and plan["problems"] == []


@pytest.mark.parametrize("state", [None, "", "unreachable", ["files"]])
def test_a_host_whose_state_is_not_a_mapping_is_a_fresh_host(state):
    """A missing or malformed kubeadm_state shows no leftovers and no registration: the host joins, nothing
    is reset or deleted."""
    plan = kubeadm_plan({"cp1": running(["cp1"]), "cp2": state}, {"w1": state})
    assert plan["control_plane_joiners"] == ["cp2"] and plan["worker_joiners"] == ["w1"]
    assert plan["reset"] == [] and plan["delete_nodes"] == [] and plan["problems"] == []


def test_lost_admin_conf_is_regenerated_never_reset():
    """Defect 3: a healthy control plane that lost admin.conf is never reset."""
    files = tuple(f for f in CP_FILES if f != "admin_conf")
    cp1 = host(files, CP_MANIFESTS, api=True, established=True, members=[member("cp1")])
    plan = kubeadm_plan({"cp1": cp1})
    assert plan["init_action"] == "none" and plan["reset"] == [] and plan["admin_conf_missing"] == ["cp1"]


@pytest.mark.parametrize("killed_after", ["certs", "kubeconfig", "kubelet-start", "wait-control-plane"])
def test_init_stopped_before_upload_config_is_reset_and_run_again(killed_after):
    """Nothing depends on a cluster whose kubeadm-config was never uploaded: reset, init again."""
    files = {"certs": ("ca_crt", "ca_key"), "kubeconfig": ("ca_crt", "admin_conf"),
             "kubelet-start": ("ca_crt", "admin_conf", "kubelet_conf"),
             "wait-control-plane": ("ca_crt", "admin_conf", "kubelet_conf", "etcd_data")}[killed_after]
    manifests = () if killed_after in ("certs", "kubeconfig") else CP_MANIFESTS
    # the API server (when it runs) answered admin.conf's read of kubeadm-config with 404
    cp1 = host(files, manifests, api=killed_after == "wait-control-plane", absent=killed_after == "wait-control-plane")
    plan = kubeadm_plan({"cp1": cp1, "cp2": host(), "cp3": host()})
    assert plan["init_host"] == "cp1" and plan["init_action"] == "init" and plan["reset"] == ["cp1"]
    assert plan["problems"] == []


@pytest.mark.parametrize("done", [["upload-config"], ["upload-config", "bootstrap-token"],
                                  ["upload-config", "bootstrap-token", "addon/coredns"]])
def test_init_stopped_after_upload_config_is_resumed(done):
    plan = kubeadm_plan({"cp1": running(["cp1"], done=done), "cp2": host()})
    assert plan["init_action"] == "resume" and plan["reset"] == []
    assert plan["resume_phases"] == [["upload-config", "kubeadm"], ["upload-config", "kubelet"],
                                     ["mark-control-plane"], ["bootstrap-token"], ["kubelet-finalize", "all"],
                                     ["addon", "coredns"], ["addon", "kube-proxy"]]
    assert plan["control_plane_joiners"] == ["cp2"]


def test_half_joined_control_plane_is_reset_then_joins():
    cp2 = host(("kubelet_conf", "ca_crt"), CP_MANIFESTS, api=False)
    plan = kubeadm_plan({"cp1": running(["cp1"]), "cp2": cp2})
    assert plan["control_plane_joiners"] == ["cp2"] and plan["reset"] == ["cp2"]


HALF_JOINED = host(("kubelet_conf", "ca_crt"), CP_MANIFESTS)


@pytest.mark.parametrize("control_planes, workers, leftover, why", [
    ({"cp1": running(["cp1"]), "cp2": HALF_JOINED}, {}, "cp2", "not a working member of the running cluster"),
    ({"cp1": host(("ca_crt", "ca_key")), "cp2": host()}, {}, "cp1", "no cluster is established"),
    ({"cp1": running(["cp1"])}, {"w1": host(("ca_crt", "bootstrap_kubelet_conf"))}, "w1",
     "not a node of the running cluster"),
])
def test_resets_can_be_refused(control_planes, workers, leftover, why):
    """Without reset_leftovers a host with leftovers is a problem that says why and what to do."""
    plan = kubeadm_plan(control_planes, workers, reset_leftovers=False)
    assert plan["reset"] == []
    assert plan["problems"] == [
        "%s holds files of an earlier kubeadm run that stopped half-way (%s): run `kubeadm reset -f` on it, or "
        "allow the reset (control_plane_reset_on_partial_init / worker_reset_on_partial_join)" % (leftover, why)]


def test_stopped_member_is_a_problem_not_a_reset():
    """The hosts after the stopped member are planned as usual (cp3 joins)."""
    names = ["cp1", "cp2"]
    cp2 = host(CP_FILES, CP_MANIFESTS, api=False)
    plan = kubeadm_plan({"cp1": running(names), "cp2": cp2, "cp3": host()})
    assert plan["reset"] == [] and plan["control_plane_joiners"] == ["cp3"]
    assert plan["problems"] == [
        "cp2 is an etcd member of the running cluster with a complete control plane, but its API server does not "
        "answer: start the kubelet there (systemctl start kubelet) and re-run, or reset it with `kubeadm reset -f` "
        "so that it joins again"]


def test_a_member_whose_etcd_data_is_gone_joins_again():
    """cp2 is listed in etcd and keeps its control-plane files, but its etcd data were wiped: it is no
    stopped member to start; its member is removed and it is reset and joins again."""
    names = ["cp1", "cp2"]
    cp2 = host([f for f in CP_FILES if f != "etcd_data"], CP_MANIFESTS, api=False)
    plan = kubeadm_plan({"cp1": running(names), "cp2": cp2})
    assert plan["control_plane_joiners"] == ["cp2"] and plan["reset"] == ["cp2"] and plan["problems"] == []
    assert plan["stale_etcd_members"] == [{"host": "cp2", "name": "cp2", "id": member("cp2")["id"],
                                           "peer_url": None, "learner": False}]


def _stopped(hosts):
    return ("no API server answers, but %s hold(s) a complete control plane with etcd data: the cluster is "
            "stopped, not absent. Start the kubelet there (systemctl start kubelet) and re-run; kubeadm init would "
            "create a second cluster" % hosts)


def test_stopped_cluster_is_not_initialised_again():
    stopped = host(CP_FILES, CP_MANIFESTS, api=False)
    plan = kubeadm_plan({"cp1": stopped, "cp2": stopped, "cp3": host()})
    assert plan["problems"] == [_stopped("cp1, cp2")]


@pytest.mark.parametrize("missing", ["kubelet_conf", "kube-apiserver", "etcd_data"])
def test_leftovers_short_of_a_control_plane_with_etcd_data_are_reset(missing):
    """Only kubelet.conf, the API server's manifest and etcd data together show a cluster that was there;
    what a stopped kubeadm run left short of that is reset, and the cluster is initialised."""
    cp1 = host([f for f in CP_FILES if f != missing], [m for m in CP_MANIFESTS if m != missing])
    plan = kubeadm_plan({"cp1": cp1, "cp2": host()})
    assert plan["init_host"] == "cp1" and plan["init_action"] == "init" and plan["reset"] == ["cp1"]
    assert plan["problems"] == []


def _unreadable(hosts, reasons):
    return ("the API server of %s answers and the host holds a complete control plane with etcd data, but the "
            "cluster could not be read (%s): the cluster exists and is not readable, for example because its "
            "certificates expired (kubeadm certs check-expiration) or etcd lost quorum. Repair that and re-run; "
            "nothing is reset or initialised while this is so" % (hosts, reasons))


HTTP_500 = "/api/v1/namespaces/kube-system/configmaps/kubeadm-config via /etc/kubernetes/admin.conf: HTTP 500"
EXPIRED = "https://127.0.0.1:6443: certificate verify failed: certificate has expired"


@pytest.mark.parametrize("errors, reasons", [
    ([], "no answer"),
    ([HTTP_500], HTTP_500),
    ([EXPIRED], EXPIRED),
    (["e1", "e2"], "e1; e2"),
    (["e1", "e2", "e3", "e4"], "e1; e2; e3"),
])
def test_a_running_cluster_that_cannot_be_read_is_never_reset(errors, reasons):
    """An API server answers, but no read said "not found" (expired certificates, etcd without quorum,
    a read timed out): the cluster exists. Nothing is reset or initialised; the run stops saying why
    (the first three errors)."""
    cps = dict((n, host(CP_FILES, CP_MANIFESTS, api=True, errors=errors if n == "cp1" else ()))
               for n in ("cp1", "cp2", "cp3"))
    plan = kubeadm_plan(cps, {"w1": host(("kubelet_conf", "ca_crt"))})
    assert plan["problems"] == [_unreadable("cp1, cp2, cp3", reasons)]
    # one host that answered "not found" does not make the others' cluster absent
    cps["cp1"] = host(CP_FILES, CP_MANIFESTS, api=True, absent=True)
    assert "the API server of cp2, cp3 answers" in kubeadm_plan(cps)["problems"][0]


@pytest.mark.parametrize("api", [False, True])
def test_a_cluster_that_lost_admin_conf_is_not_initialised_again(api):
    """admin.conf is a client credential kubeadm writes before any manifest or etcd data (init and join
    alike), so only its loss leaves a complete control plane with etcd data without it; the cluster is
    still there (DOCUMENTATION: a stopped cluster is not a new one; an established one is never reset)."""
    files = tuple(f for f in CP_FILES if f != "admin_conf")
    plan = kubeadm_plan({"cp1": host(files, CP_MANIFESTS, api=api), "cp2": host()})
    assert plan["problems"] == [_unreadable("cp1", "no answer") if api else _stopped("cp1")]


def test_workers():
    plan = kubeadm_plan({"cp1": running(["cp1"])}, {
        "ok": host(("kubelet_conf", "ca_crt"), registered=True),
        "unknown": host(("kubelet_conf", "ca_crt"), registered=None),  # API not reachable: no guess
        "gone": host(("kubelet_conf", "ca_crt"), registered=False),
        "half": host(("ca_crt", "bootstrap_kubelet_conf")),
        "fresh": host(),
    })
    assert plan["worker_joiners"] == ["gone", "half", "fresh"] and plan["reset"] == ["gone", "half"]


def test_node_names_differ_from_host_names():
    plan = kubeadm_plan({"cp1": host(), "cp2": running(["node-b"])}, node_names={"cp1": "node-a", "cp2": "node-b"})
    assert plan["init_host"] == "cp2" and plan["stale_etcd_members"] == []


def test_node_names_find_the_etcd_member_and_the_node_objects():
    """A wiped cp2 whose node is node-b left the member node-b and the Node node-b; w1's Node is node-w."""
    cp1 = running(["cp1", "node-b"])
    cp1["nodes"] = {"node-b": {"registered": True}, "node-w": {"registered": True}}
    plan = kubeadm_plan({"cp1": cp1, "cp2": host()}, {"w1": host(("ca_crt",))},
                        node_names={"cp2": "node-b", "w1": "node-w"})
    assert plan["control_plane_joiners"] == ["cp2"] and plan["worker_joiners"] == ["w1"] and plan["reset"] == ["w1"]
    assert plan["stale_etcd_members"] == [{"host": "cp2", "name": "node-b", "id": member("node-b")["id"],
                                           "peer_url": None, "learner": False}]
    assert plan["delete_nodes"] == ["node-b", "node-w"]


@pytest.mark.parametrize("control_planes", [{}, None, ["cp1"]])
def test_bad_input(control_planes):
    with pytest.raises(AnsibleFilterError) as excinfo:
        kubeadm_plan(control_planes)
    assert str(excinfo.value) == "kubeadm_plan needs a mapping of control-plane hosts to their kubeadm_state"


def test_unknown_init_results_are_never_resumed():
    """Only kubelet.conf could read the cluster (admin.conf lost): what init finished is unknown."""
    cp1 = running(["cp1"])
    cp1["cluster"]["done"] = None
    cp1["files"]["admin_conf"] = False
    plan = kubeadm_plan({"cp1": cp1})
    assert plan["init_action"] == "none" and plan["resume_phases"] == [] and plan["admin_conf_missing"] == ["cp1"]


def test_skipped_phases_are_not_expected():
    done = ["upload-config", "bootstrap-token", "addon/coredns"]
    assert kubeadm_plan({"cp1": running(["cp1"], done=done)}, skip_phases=["addon/kube-proxy"])["init_action"] == "none"
    assert kubeadm_plan({"cp1": running(["cp1"], done=done[:2])}, skip_phases=["addon"])["init_action"] == "none"
    assert kubeadm_plan({"cp1": running(["cp1"], done=done)})["init_action"] == "resume"


@pytest.mark.parametrize("skip, left_out", [
    (["addon/kube-proxy"], [["addon", "kube-proxy"]]),
    (["addon"], [["addon", "coredns"], ["addon", "kube-proxy"]]),
    (["addon/coredns"], [["addon", "coredns"]]),
    (["upload-config/kubelet"], [["upload-config", "kubelet"]]),
    (["kubelet-finalize/enable-client-cert-rotation"], [["kubelet-finalize", "all"]]),
    (["kubelet-finalize"], [["kubelet-finalize", "all"]]),
    (["mark-control-plane", "bootstrap-token"], [["mark-control-plane"], ["bootstrap-token"]]),
])
def test_a_resume_never_runs_skipped_phases(skip, left_out):
    """`kubeadm init phase addon all` would install an addon that skipPhases or proxy.disabled left out."""
    everything = kubeadm_plan({"cp1": running(["cp1"], done=["upload-config"])})["resume_phases"]
    plan = kubeadm_plan({"cp1": running(["cp1"], done=["upload-config"])}, skip_phases=skip)
    assert plan["init_action"] == "resume"
    assert plan["resume_phases"] == [p for p in everything if p not in left_out]
    assert all(p[1:] != ["all"] or p[0] == "kubelet-finalize" for p in plan["resume_phases"])


def test_reset_hosts_lose_their_node_object_before_they_join():
    """kubeadm join refuses while a Ready Node of the same name exists; reset does not delete it."""
    cp2 = host(("kubelet_conf", "ca_crt"), CP_MANIFESTS)
    cp1 = running(["cp1"])
    cp1["nodes"] = {"w1": {"registered": True}, "w2": {"registered": False}}
    plan = kubeadm_plan({"cp1": cp1, "cp2": cp2}, {"w1": host(("ca_crt",)), "w2": host(("ca_crt",))})
    assert plan["reset"] == ["cp2", "w1", "w2"]
    assert plan["delete_nodes"] == ["cp2", "w1"]


def test_worker_of_an_older_cluster_is_seen_by_the_running_one():
    """Its kubelet.conf fails TLS against the new CA (registered unknown); the control plane knows better."""
    cp1 = running(["cp1"])
    cp1["nodes"] = {"w1": {"registered": False}}
    plan = kubeadm_plan({"cp1": cp1}, {"w1": host(("kubelet_conf", "ca_crt"), registered=None)})
    assert plan["worker_joiners"] == ["w1"] and plan["reset"] == ["w1"]


def test_stale_member_found_by_peer_url_and_unstarted_members_removed_too():
    members = [member("cp1"), {"name": "old-name", "peer_urls": ["https://192.0.2.12:2380"], "id": "7"},
               {"name": "", "peer_urls": ["https://192.0.2.13:2380"], "id": "8"}]
    cp1 = host(CP_FILES, CP_MANIFESTS, api=True, established=True, members=members)
    plan = kubeadm_plan({"cp1": cp1, "cp2": host(), "cp3": host()},
                        addresses={"cp2": "192.0.2.12", "cp3": "192.0.2.13"})
    assert plan["stale_etcd_members"] == [{"host": "cp2", "name": "old-name", "id": "7",
                                           "peer_url": "https://192.0.2.12:2380", "learner": False},
                                          {"host": "cp3", "name": "", "id": "8",
                                           "peer_url": "https://192.0.2.13:2380", "learner": False}]
    assert plan["control_plane_joiners"] == ["cp2", "cp3"]


def test_a_reset_control_plane_loses_its_still_ready_node_before_it_joins():
    """kubeadm reset keeps the Node object (Ready until the grace period): it is deleted before the join."""
    cp1 = running(["cp1", "cp2"])
    cp1["nodes"] = {"cp1": {"registered": True}, "cp2": {"registered": True}, "cp3": {"registered": True}}
    plan = kubeadm_plan({"cp1": cp1, "cp2": running(["cp1", "cp2"]), "cp3": host()})
    assert plan["control_plane_joiners"] == ["cp3"] and plan["reset"] == [] and plan["delete_nodes"] == ["cp3"]


@pytest.mark.parametrize("registered, cp2, deleted", [
    (True, host(), ["cp2"]),  # a wiped host whose Node is still there
    (False, HALF_JOINED, []),  # the cluster says its Node is gone: nothing to delete, though it is reset
    (None, HALF_JOINED, ["cp2"]),  # unknown: a reset host may have a Node left
    (None, host(), []),  # unknown, but a new host with nothing to reset and no member had no Node
])
def test_a_joining_control_planes_node_is_deleted_unless_the_cluster_says_it_is_gone(registered, cp2, deleted):
    cp1 = running(["cp1"])
    cp1["nodes"] = {} if registered is None else {"cp2": {"registered": registered}}
    plan = kubeadm_plan({"cp1": cp1, "cp2": cp2})
    assert plan["control_plane_joiners"] == ["cp2"] and plan["delete_nodes"] == deleted


def test_a_control_plane_whose_member_is_a_learner_joins_again():
    """A join stopped between adding the learner and promoting it: the host's API server may answer,
    but its etcd member does not vote. It is reset, its learner removed, and it joins again."""
    members = [member("cp1"), dict(member("cp2"), learner=True)]
    cp1 = host(CP_FILES, CP_MANIFESTS, api=True, established=True, members=members)
    cp2 = host(CP_FILES, CP_MANIFESTS, api=True, established=True, members=members)
    plan = kubeadm_plan({"cp1": cp1, "cp2": cp2})
    assert plan["init_host"] == "cp1" and plan["control_plane_joiners"] == ["cp2"] and plan["reset"] == ["cp2"]
    assert plan["stale_etcd_members"] == [{"host": "cp2", "name": "cp2", "id": member("cp2")["id"],
                                           "peer_url": None, "learner": True}]
    assert plan["problems"] == []


def test_an_unnamed_learner_of_a_joining_host_is_removed_before_it_joins():
    """kubeadm before 1.31.2 fails to add a learner whose peer URL exists, and etcd admits one learner."""
    members = [member("cp1"), {"name": "", "peer_urls": ["https://192.0.2.12:2380"], "id": "9", "learner": True}]
    cp1 = host(CP_FILES, CP_MANIFESTS, api=True, established=True, members=members)
    plan = kubeadm_plan({"cp1": cp1, "cp2": host(("kubelet_conf", "ca_crt"), CP_MANIFESTS)},
                        addresses={"cp2": "192.0.2.12"})
    assert plan["control_plane_joiners"] == ["cp2"] and plan["reset"] == ["cp2"]
    assert plan["stale_etcd_members"] == [{"host": "cp2", "name": "", "id": "9", "peer_url": "https://192.0.2.12:2380",
                                           "learner": True}]


def test_a_learner_no_inventory_host_owns_stops_the_joins():
    """etcd admits one learner: a learner left by a host outside the inventory (or a join running from
    elsewhere) makes every join fail. It is reported, with what to do, and never removed."""
    members = [member("cp1"), {"name": "", "peer_urls": ["https://192.0.2.99:2380"], "id": "99", "learner": True},
               dict(member("gone"), learner=True)]
    cp1 = host(CP_FILES, CP_MANIFESTS, api=True, established=True, members=members)
    plan = kubeadm_plan({"cp1": cp1, "cp2": host(), "cp3": host()}, addresses={"cp2": "192.0.2.12"})
    assert plan["control_plane_joiners"] == ["cp2", "cp3"] and plan["stale_etcd_members"] == []
    assert plan["problems"] == [
        "etcd has a learner that no control-plane host of this run owns (id 63, never started, "
        "https://192.0.2.99:2380; id %x, gone, https://gone:2380): etcd admits one learner at a time, so cp2, cp3 "
        "cannot join. If that join was abandoned, remove the member (etcdctl member remove <id>) or run with its "
        "host included, so that it joins again; if it is still running, wait for it to end" % int(member("gone")["id"])]


def test_the_learner_of_a_host_left_out_of_a_limited_run_is_named_with_its_host():
    """--limit cp3 while cp2's join stopped as a learner: cp3 cannot join; the message names cp2."""
    members = [member("cp1"), {"name": "", "peer_urls": ["https://192.0.2.12:2380"], "id": "12", "learner": True},
               dict(member("cp4"), learner=True)]
    cp1 = host(CP_FILES, CP_MANIFESTS, api=True, established=True, members=members)
    plan = kubeadm_plan({"cp1": cp1, "cp3": host()}, node_names={"cp4": "cp4"},
                        addresses={"cp1": "cp1", "cp2": "192.0.2.12", "cp3": "192.0.2.13"})
    assert plan["control_plane_joiners"] == ["cp3"]
    assert plan["problems"] == [
        "etcd has a learner that no control-plane host of this run owns (id c, never started, https://192.0.2.12:2380"
        ", of cp2, which this run leaves out; id %x, cp4, https://cp4:2380, of cp4, which this run leaves out): "
        "etcd admits one learner at a time, so cp3 cannot join. If that join was abandoned, remove the member "
        "(etcdctl member remove <id>) or run with its host included, so that it joins again; if it is still "
        "running, wait for it to end" % int(member("cp4")["id"])]


@pytest.mark.parametrize("learner, described", [
    ({"name": "x", "id": "5"}, "id 5, x, no peer URL"),
    ({"name": "x", "id": "5", "peer_urls": ["https://192.0.2.98:2380", "https://[2001:db8::98]:2380"]},
     "id 5, x, https://192.0.2.98:2380, https://[2001:db8::98]:2380"),
    ({"name": "", "id": 10501334649042878790, "peer_urls": []}, "id 91bc3c398fb3c146, never started, no peer URL"),
    ({"name": "x", "id": "8e9e05c52164694d"}, "id 8e9e05c52164694d, x, no peer URL"),  # already hexadecimal
    ({"name": "x"}, "id None, x, no peer URL"),  # no ID read: still reported
])
def test_a_foreign_learner_is_described_as_etcdctl_names_it(learner, described):
    """Its ID in hexadecimal (etcdctl member remove takes that), its name, and all its peer URLs."""
    members = [member("cp1"), dict(learner, learner=True)]
    cp1 = host(CP_FILES, CP_MANIFESTS, api=True, established=True, members=members)
    plan = kubeadm_plan({"cp1": cp1, "cp2": host()}, addresses={"cp2": "192.0.2.12", "cp9": "192.0.2.19"})
    assert plan["problems"] == [
        "etcd has a learner that no control-plane host of this run owns (%s): etcd admits one learner at a time, so "
        "cp2 cannot join. If that join was abandoned, remove the member (etcdctl member remove <id>) or run with its "
        "host included, so that it joins again; if it is still running, wait for it to end" % described]


def _with_foreign_learners(count, **kw):
    """cp1 runs the cluster with ``count`` learners of hosts outside the inventory; cp2 must join."""
    members = [member("cp1")] + [dict(member("gone%d" % i), learner=True) for i in range(count)]
    return kubeadm_plan({"cp1": host(CP_FILES, CP_MANIFESTS, api=True, established=True, members=members),
                         "cp2": host()}, **kw)["problems"]


@pytest.mark.parametrize("cluster, stops", [
    ({}, True),
    ({"kubernetesVersion": "v1.28.15"}, False),  # EtcdLearnerMode alpha, off by default
    ({"kubernetesVersion": "v1.28.15", "featureGates": {"EtcdLearnerMode": True}}, True),
    ({"kubernetesVersion": "1.29.0"}, True),
    ({"kubernetesVersion": "v1.31.4", "featureGates": {"EtcdLearnerMode": False}}, False),
    ({"kubernetesVersion": "v1.31.4", "featureGates": {"EtcdLearnerMode": "false"}}, False),
    ({"kubernetesVersion": "v1.32.0", "featureGates": {"EtcdLearnerMode": False}}, True),  # GA, locked on
    ({"kubernetesVersion": "v1.35.6"}, True),
    ({"kubernetesVersion": "not a version", "featureGates": {}}, True),
    ({"featureGates": {"EtcdLearnerMode": False}}, False),  # no version: the gate decides
])
def test_a_foreign_learner_stops_only_joins_that_add_learners(cluster, stops):
    """kubeadm adds a joining member as a learner from 1.29 (EtcdLearnerMode), always from 1.32; a voting
    member is not limited by max-learners."""
    assert bool(_with_foreign_learners(1, cluster_configuration=cluster)) is stops


@pytest.mark.parametrize("extra_args, count, stops", [
    ({"max-learners": "2"}, 1, False),
    ({"max-learners": "2"}, 2, True),
    ([{"name": "max-learners", "value": "3"}], 2, False),
    ([{"name": "max-learners", "value": "3"}, {"name": "max-learners", "value": "1"}], 1, True),  # the last wins
    ([{"name": "snapshot-count", "value": "5"}], 1, True),
    ({"max-learners": "many"}, 1, True),
    ({"max-learners": "0"}, 0, False),  # no learner to report: the joins' own etcd errors say it
    ({"max-learners": "0"}, 1, True),
    ({"max-learners": ["2"]}, 1, True),
    ([{"name": "max-learners", "value": "2"}, "--max-learners=1"], 1, False),  # only name/value pairs count
    ([{"name": "max-learners"}], 1, True),
    (None, 1, True),
])
def test_the_learner_limit_follows_etcds_max_learners(extra_args, count, stops):
    cluster = {"kubernetesVersion": "v1.35.6", "etcd": {"local": {"extraArgs": extra_args}}}
    problems = _with_foreign_learners(count, cluster_configuration=cluster)
    assert bool(problems) is stops
    if stops and count == 2:
        assert "etcd admits 2 learners at a time" in problems[0]
    if stops and extra_args == {"max-learners": "0"}:
        assert "etcd admits 0 learners at a time" in problems[0]


def test_an_external_etcd_has_no_learner_limit_to_check():
    """External etcd: no local member list, no local etcd section; a control plane just joins."""
    cluster = {"kubernetesVersion": "v1.35.6", "etcd": {"external": {"endpoints": ["https://192.0.2.50:2379"]}}}
    cp1 = running(["cp1"])
    cp1["etcd"]["members"] = None
    plan = kubeadm_plan({"cp1": cp1, "cp2": host()}, stacked_etcd=False, cluster_configuration=cluster)
    assert plan["control_plane_joiners"] == ["cp2"] and plan["problems"] == []


@pytest.mark.parametrize("address, peer_url", [
    ("2001:DB8:0:0::012", "https://[2001:db8::12]:2380"),  # written otherwise in the inventory
    ("192.0.2.12", "https://192.0.2.12:2380"),
    ("cp2.example.org", "https://cp2.example.org:2380"),  # a DNS name stays as it is
])
def test_an_ipv6_address_finds_its_member_in_kubeadms_canonical_form(address, peer_url):
    """kubeadm writes the advertise address in its canonical form; the inventory may not."""
    members = [member("cp1"), {"name": "", "peer_urls": [peer_url], "id": "18", "learner": True}]
    cp1 = host(CP_FILES, CP_MANIFESTS, api=True, established=True, members=members)
    plan = kubeadm_plan({"cp1": cp1, "cp2": host()}, addresses={"cp2": address})
    assert plan["problems"] == [] and plan["stale_etcd_members"] == [
        {"host": "cp2", "name": "", "id": "18", "peer_url": peer_url, "learner": True}]


@pytest.mark.parametrize("extra", [dict(member("gone"), learner=True), member("gone"), dict(member("gone"), learner=False)])
def test_a_foreign_member_is_no_problem_while_no_control_plane_joins_or_it_votes(extra):
    """Nothing joins: a foreign learner harms nothing. A voting member outside the inventory is not a learner."""
    names = ["cp1", "cp2"]
    cps = {n: host(CP_FILES, CP_MANIFESTS, api=True, established=True, members=[member(m) for m in names] + [extra])
           for n in names}
    assert kubeadm_plan(cps)["problems"] == []
    if not extra.get("learner"):
        cps["cp3"] = host()
        plan = kubeadm_plan(cps)
        assert plan["control_plane_joiners"] == ["cp3"] and plan["problems"] == []


def test_the_learner_of_a_joining_inventory_host_is_not_foreign():
    members = [member("cp1"), dict(member("cp2"), learner=True)]
    cp1 = host(CP_FILES, CP_MANIFESTS, api=True, established=True, members=members)
    plan = kubeadm_plan({"cp1": cp1, "cp2": host(), "cp3": host()})
    assert plan["problems"] == [] and [m["host"] for m in plan["stale_etcd_members"]] == ["cp2"]


@pytest.mark.parametrize("joiners, timeout, late", [(2, 900, None), (7, 900, None), (7, 1150, None), (7, 1200, 7200),
                                                    (3, 3600, 7200), (2, 7000, 7000), (9, 900, 7200)])
def test_serial_joins_must_start_while_the_uploaded_certificates_exist(joiners, timeout, late):
    """kubeadm deletes the uploaded control-plane certificates after 2 h; the n-th join starts up to
    (n - 1) join timeouts after the upload (5 min are kept for discovery and the download)."""
    names = ["cp%d" % i for i in range(joiners + 1)]
    plan = kubeadm_plan(dict([("cp0", running(["cp0"]))] + [(n, host()) for n in names[1:]]), join_timeout=timeout)
    assert plan["control_plane_joiners"] == names[1:]
    if late is None:
        assert plan["problems"] == []
    else:
        assert plan["problems"] == [
            "%d control planes would join one after the other with up to %d s each: the last one may start %d s after "
            "the control-plane certificates were uploaded, and kubeadm deletes them after 7200 s. Lower "
            "control_plane_join_timeout, or add the control planes in smaller groups (--limit)" % (joiners, timeout, late)]
    assert kubeadm_plan(dict([("cp0", running(["cp0"]))] + [(n, host()) for n in names[1:]]))["problems"] == []


@pytest.mark.parametrize("kw", [{}, {"join_timeout": 0}, {"join_timeout": None}])
def test_join_timeout_zero_leaves_the_certificate_lifetime_unchecked(kw):
    """However many control planes join: 6902 joins of even one second each would end after the 2 h."""
    plan = kubeadm_plan(dict(("cp%d" % i, host()) for i in range(6903)), **kw)
    assert len(plan["control_plane_joiners"]) == 6902 and plan["problems"] == []


def test_no_control_plane_joins_while_the_etcd_members_are_unknown():
    """A wiped host whose old member stays would join with empty data under that member."""
    cp1 = running(["cp1", "cp2"])
    cp1["etcd"]["members"] = None
    plan = kubeadm_plan({"cp1": cp1, "cp2": host(), "cp3": host()})
    assert plan["control_plane_joiners"] == ["cp2", "cp3"] and plan["stale_etcd_members"] == []
    assert plan["problems"] == [
        "the etcd members could not be read through cp1 (its local etcd did not answer), so it is unknown whether "
        "cp2, cp3 left an etcd member that must be removed before joining again: check etcd on cp1 (crictl ps "
        "--name etcd) and re-run"]
    # External etcd: there is no local member list to read, and none is needed.
    assert kubeadm_plan({"cp1": cp1, "cp2": host()}, stacked_etcd=False)["problems"] == []
    # Nobody joins: nothing to decide.
    assert kubeadm_plan({"cp1": cp1})["problems"] == []
