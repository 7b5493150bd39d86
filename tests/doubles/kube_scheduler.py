#!/usr/bin/python3
"""kube-scheduler stand-in (TEST DOUBLE): the command line and health endpoints only.

Emulates kube-scheduler's flags (cmd/kube-scheduler/app/options plus the component-base serving,
delegated authn/authz, leader-election and logging options; unknown flags exit 1 with
``Error: unknown flag: --x``), HTTPS /healthz, /livez and /readyz on --bind-address:--secure-port
(default 10259), and, with --kubeconfig, leader election on the kube-system/kube-scheduler Lease.

Does NOT schedule: pods without spec.nodeName stay Pending; no scheduler configuration file
(--config) is read beyond checking that it exists.
"""

import os
import signal
import sys
import threading

from seed_doubles import component
from seed_doubles.kube import ApiError, Client

KNOWN_FLAGS = component.COMMON_FLAGS | frozenset("""
config lock-object-name lock-object-namespace pod-max-in-unschedulable-pods-duration write-config-to
""".split())
BOOL_FLAGS = component.COMMON_BOOLS

USAGE = """The Kubernetes scheduler is a control plane process which assigns
Pods to Nodes.

Usage:
  kube-scheduler [flags]
"""


def main(argv):
    log = component.Logger("scheduler")
    flags, rc = component.parse_command_line(argv, KNOWN_FLAGS, BOOL_FLAGS, USAGE, log)
    if rc is not None:
        return rc
    if flags.get("config") and not os.path.exists(flags["config"]):
        sys.stderr.write("E0000 00:00:00.000000 %d run.go:72] \"command failed\" err=\"open %s: no such file "
                         "or directory\"\n" % (os.getpid(), flags["config"]))
        return 1
    log("I", "Version: %s", component.component_version())
    try:
        server = component.serve_health(flags, 10259, "kube-scheduler")
    except OSError as exc:
        log("E", "failed to serve health endpoints: %s", exc)
        return 1
    log("I", "Serving securely on %s:%s", *server.server_address[:2])
    stop = threading.Event()

    def on_signal(signum, _frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    elector = None
    while not stop.is_set():
        if flags.get("kubeconfig"):
            try:
                if elector is None:
                    elector = component.LeaderElector(Client.from_kubeconfig(flags["kubeconfig"]), "kube-scheduler",
                                                      "kube-system", flags, log)
                    if elector.error():
                        # server.go Setup/Run: NewLeaderElector's error ends the command, exit 1
                        server.shutdown()
                        sys.stderr.write("E0000 00:00:00.000000 %d run.go:72] \"command failed\" err=\"couldn't create "
                                         "leader elector: %s\"\n" % (os.getpid(), elector.error()))
                        return 1
                elector.try_acquire()
            except component.LeaderElectionLost:
                log("E", "Leaderelection lost")
                server.shutdown()
                return 1
            except (ApiError, OSError, ValueError, KeyError) as exc:
                log("E", "leader election: %s", exc)
        stop.wait(elector.next_wait() if elector is not None else 2)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
