"""TEST ONLY: checks the order of an upgrade from what the hosts recorded.

  check_upgrade.py WATCH.jsonl SNAPSHOT_DIR CALLS.jsonl... -- CONTROL_PLANE... -- WORKER... -- HOP...

WATCH.jsonl: node_watch.py's changes of the Nodes; SNAPSHOT_DIR: the etcd snapshots kept on the
controller (etcd-snapshot-<UTC time>.db); CALLS.jsonl: the doubles' recorded calls of every host.
Prints every broken rule and exits 1 when there is one.
"""

import calendar
import glob
import json
import os
import re
import sys
import time


def load(paths):
    calls = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            calls.extend(json.loads(line) for line in handle if line.strip())
    return sorted(calls, key=lambda c: c["epoch"])


def snapshot_times(directory):
    times = []
    for path in glob.glob(os.path.join(directory, "etcd-snapshot-*.db")):
        match = re.search(r"etcd-snapshot-(\d{8}T\d{6}Z)\.db$", path)
        if match:
            times.append(calendar.timegm(time.strptime(match.group(1), "%Y%m%dT%H%M%SZ")))
    return sorted(times)


def main(argv):
    watch_path, snap_dir = argv[0], argv[1]
    rest = argv[2:]
    first = rest.index("--")
    call_paths, rest = rest[:first], rest[first + 1:]
    second = rest.index("--")
    control_planes, rest = rest[:second], rest[second + 1:]
    third = rest.index("--")
    workers, hops = rest[:third], rest[third + 1:]
    errors = []
    calls = load(call_paths)
    kubeadm = [c for c in calls if c["tool"] == "kubeadm" and c["argv"][:1] == ["upgrade"]]
    applies = [c for c in kubeadm if c["argv"][1:2] == ["apply"]]
    nodes = [c for c in kubeadm if c["argv"][1:2] == ["node"]]
    done = [c for c in applies if c["rc"] == 0]

    # The hops, in order, each applied once with success on the first control plane.
    if [c["argv"][2] for c in done] != ["v" + h for h in hops]:
        errors.append("successful applies %s, expected %s" % ([c["argv"][2] for c in done], ["v" + h for h in hops]))
    if any(c["host"] != control_planes[0] for c in applies):
        errors.append("kubeadm upgrade apply ran on %s" % sorted({c["host"] for c in applies}))

    with open(watch_path, encoding="utf-8") as handle:
        changes = [json.loads(line) for line in handle if line.strip()]

    # An etcd snapshot before every apply, taken after the previous one ended (the first: after the
    # watch started, right before the first upgrade run).
    snaps = snapshot_times(snap_dir)
    previous = changes[0]["time"] if changes else 0
    for call in applies:
        if not any(previous - 1 <= t <= call["start"] + 1 for t in snaps):
            errors.append("no etcd snapshot between %.0f and the apply %s at %.0f (snapshots %s)"
                          % (previous, call["argv"][2], call["start"], snaps))
        previous = call["epoch"]

    # After each successful apply, every other control plane ran kubeadm upgrade node, one at a time.
    for index, call in enumerate(done):
        end = done[index + 1]["start"] if index + 1 < len(done) else float("inf")
        hop_nodes = [c for c in nodes if call["epoch"] <= c["start"] <= end and c["host"] in control_planes and c["rc"] == 0]
        if sorted(c["host"] for c in hop_nodes) != sorted(control_planes[1:]):
            errors.append("hop %s: kubeadm upgrade node succeeded on %s, expected %s"
                          % (call["argv"][2], sorted(c["host"] for c in hop_nodes), sorted(control_planes[1:])))
        cp_done = max([c["epoch"] for c in hop_nodes] + [call["epoch"]])
        hop_workers = [c for c in nodes if call["epoch"] <= c["start"] <= end and c["host"] in workers and c["rc"] == 0]
        if sorted(c["host"] for c in hop_workers) != sorted(workers):
            errors.append("hop %s: kubeadm upgrade node succeeded on workers %s, expected %s"
                          % (call["argv"][2], sorted(c["host"] for c in hop_workers), sorted(workers)))
        early_workers = [c["host"] for c in hop_workers if c["start"] < cp_done]
        if early_workers:
            errors.append("hop %s: kubeadm upgrade node on workers %s before the control planes were done" % (call["argv"][2], early_workers))
        early_kubelets = [c["node"] for c in changes if c["kubelet"] == call["argv"][2] and c["time"] < cp_done]
        if early_kubelets:
            errors.append("hop %s: kubelets of %s changed before every control plane ran the hop" % (call["argv"][2], sorted(set(early_kubelets))))
        for before, after in zip(hop_nodes, hop_nodes[1:]):
            if after["start"] < before["epoch"]:
                errors.append("hop %s: kubeadm upgrade node on %s and %s overlapped" % (call["argv"][2], before["host"], after["host"]))
        # (between two applies only the earlier hop's calls are counted above; before the first none)
        early = [c["host"] for c in nodes if index == 0 and c["start"] < call["epoch"] and c["host"] in control_planes]
        if early:
            errors.append("hop %s: kubeadm upgrade node on %s before the first control plane's apply ended" % (call["argv"][2], early))

    # Kubelets: a Node's kubelet version changes only while the Node is cordoned; never two control
    # planes cordoned at once; at the end every Node runs the target, schedulable and Ready.
    state = {}
    for change in changes:
        old = state.get(change["node"])
        if old and old["kubelet"] != change["kubelet"] and not (old["unschedulable"] and change["unschedulable"]):
            errors.append("Node %s went from kubelet %s to %s while schedulable" % (change["node"], old["kubelet"], change["kubelet"]))
        state[change["node"]] = change
        cordoned = sorted(n for n, s in state.items() if s["unschedulable"] and n in control_planes)
        if len(cordoned) > 1:
            errors.append("control planes %s cordoned at the same time" % cordoned)
    versions = {n: [] for n in state}
    for change in changes:
        if not versions[change["node"]] or versions[change["node"]][-1] != change["kubelet"]:
            versions[change["node"]].append(change["kubelet"])
    for node, seen in sorted(versions.items()):
        wanted = seen[:1] + ["v" + h for h in hops if "v" + h != seen[0]]
        if seen != wanted:
            errors.append("Node %s ran kubelets %s, expected %s" % (node, seen, wanted))
        final = state[node]
        if final["kubelet"] != "v" + hops[-1] or final["unschedulable"] or not final["ready"]:
            errors.append("Node %s ended %s" % (node, final))
    for error in errors:
        print("FAIL: " + error)
    print("%d applies, %d upgrade node calls, %d snapshots, %d Node changes, %d problems"
          % (len(applies), len(nodes), len(snaps), len(changes), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
