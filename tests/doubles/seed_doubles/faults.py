"""Fault injection for the doubles, driven by /etc/seed-doubles/faults.json.

The file maps a command ("kubeadm init", "kubeadm join", "kubeadm upgrade apply", ...) to one
fault: ``{"fail_after": PHASE}`` exits 1 once PHASE has completed, ``{"kill_in": PHASE}`` sends
SIGKILL to the process in the middle of PHASE (after its first files were written). A fault fires
once and is removed from the file, unless it carries ``"sticky": true``. With ``"argv_contains": TEXT``
it fires only in a run whose arguments contain TEXT (one hop of an upgrade, for example ``"v1.35.6"``).

The kubelet double reads ``{"kubelet": {"ignore_manifest_changes": ["kube-apiserver", ...]}}``: while
a static pod's name is listed, a change of its manifest is not acted upon (the running pod and its
mirror Pod, with the old ``kubernetes.io/config.hash``, stay), so `kubeadm upgrade` waits for a hash
that never changes. This entry is a state, not a one-shot fault: it stays until the test removes it.
"""

import json
import os
import signal
import sys

FAULTS_FILE = os.environ.get("SEED_DOUBLES_FAULTS", "/etc/seed-doubles/faults.json")


def _load():
    try:
        with open(FAULTS_FILE, encoding="utf-8") as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _consume(command):
    data = _load()
    fault = data.get(command)
    if fault and not fault.get("sticky"):
        del data[command]
        tmp = FAULTS_FILE + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, FAULTS_FILE)


def check(command, phase, moment):
    """Fire the fault configured for ``command`` at ``phase``; ``moment`` is "in" or "after"."""
    fault = _load().get(command)
    if not fault:
        return
    if fault.get("argv_contains") and str(fault["argv_contains"]) not in " ".join(sys.argv[1:]):
        return
    if moment == "in" and fault.get("kill_in") == phase:
        _consume(command)
        sys.stdout.flush()
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    if moment == "after" and fault.get("fail_after") == phase:
        _consume(command)
        sys.stderr.write("error execution phase %s: injected fault: %s failed after phase %s\n"
                         % (phase, command, phase))
        raise SystemExit(1)


def ignored_manifest_changes():
    """Static pod names whose manifest changes the kubelet double must not act on."""
    entry = _load().get("kubelet") or {}
    names = entry.get("ignore_manifest_changes") if isinstance(entry, dict) else None
    return set(names) if isinstance(names, list) else set()
