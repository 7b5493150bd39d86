"""TEST ONLY: records every change of the Nodes' schedulability, kubelet version and readiness.

Runs on a control plane during the upgrade (systemd-run); each change is one JSON line
{"time", "node", "unschedulable", "kubelet", "ready"} in the file named by argv[1]. Errors of the API
(a kube-apiserver restarting) are skipped: the next poll reads again.
"""

import json
import sys
import time

from kubernetes import client, config


def main():
    out = sys.argv[1]
    config.load_kube_config("/etc/kubernetes/admin.conf")
    api = client.CoreV1Api()
    seen = {}
    while True:
        try:
            nodes = api.list_node(_request_timeout=5).items
        except Exception:  # pylint: disable=broad-except
            time.sleep(0.5)
            continue
        now = time.time()
        for node in nodes:
            ready = any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])
            state = (bool(node.spec.unschedulable), node.status.node_info.kubelet_version, ready)
            if seen.get(node.metadata.name) != state:
                seen[node.metadata.name] = state
                with open(out, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps({"time": now, "node": node.metadata.name, "unschedulable": state[0],
                                             "kubelet": state[1], "ready": state[2]}) + "\n")
        time.sleep(0.3)


if __name__ == "__main__":
    main()
