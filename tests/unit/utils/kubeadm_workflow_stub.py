# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubeadm's node workflows (init, join, reset and their phases) in unit tests, stopped before phase 1.

    python kubeadm_workflow_stub.py BAKED_DOUBLE CONFIGS_LOG ARG...

Runs the kubeadm double (BAKED_DOUBLE, tests/doubles/kubeadm.py baked for one release) through its
own main(): the command tree, --help, argument counts, flags, --dry-run, --config loading, defaulting
and validation and every other check a command makes before its workflow are the double's, with its
messages and exit codes. Only the workflow runner is replaced: the first phase is not run (the
phases write /etc/kubernetes, start the kubelet and wait for static Pods; the orchestration scenario
runs them on its hosts). A full `kubeadm init` then prints the join commands of its configuration in
the double's format (no CA exists here: the CA pin is a placeholder). The call is recorded in the
double's call log, the mode and content of the --config file in CONFIGS_LOG.
"""

import importlib.util
import json
import os
import sys


class StoppedBeforePhases(Exception):
    """The command got as far as its first phase."""


def load_double(path):
    spec = importlib.util.spec_from_file_location("kubeadm_double", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def show_join_commands(double, parsed, cfg):
    """The end of `kubeadm init`'s output: the join commands with the token (and certificate key)."""
    cluster, node = cfg["cluster"], cfg["node"]
    endpoint = cluster.get("controlPlaneEndpoint") or "%s:%s" % (
        node["localAPIEndpoint"].get("advertiseAddress"), node["localAPIEndpoint"].get("bindPort", 6443))
    tokens = node.get("bootstrapTokens") or []
    token = tokens[0].get("token", "") if tokens else ""
    pins = ["sha256:" + "0" * 64]
    text = ["", "Your Kubernetes control-plane has initialized successfully!", ""]
    if cluster.get("controlPlaneEndpoint") and parsed.get("upload-certs"):
        text += ["  " + double.join_command(endpoint, token, pins, True, node.get("certificateKey", "")), ""]
    text.append(double.join_command(endpoint, token, pins))
    double.out("\n".join(text))


def config_path(argv):
    for index, arg in enumerate(argv):
        if arg == "--config" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return None


def main():
    double = load_double(sys.argv[1])
    configs_log, argv = sys.argv[2], sys.argv[3:]

    def stop_workflow(ctx, phases, command, skip):
        if command == "kubeadm init":
            show_join_commands(double, ctx.parsed, ctx.cfg)
        raise StoppedBeforePhases()

    def stop_phase(ctx, phase, full, skip):
        raise StoppedBeforePhases()

    double.run_workflow = stop_workflow
    double.run_phase = stop_phase

    def run(args):
        try:
            return double.main(args)
        except StoppedBeforePhases:
            pass
        config = config_path(args)
        if config:
            with open(config, encoding="utf-8") as handle:
                content = handle.read()
            with open(configs_log, "a", encoding="utf-8") as log:
                log.write(json.dumps([args[0], oct(os.stat(config).st_mode & 0o777), content]) + "\n")
        sys.stdout.write("[kubeadm_workflow_stub] stopped before the first phase of kubeadm %s\n" % args[0])
        return 0

    double.calls.run_recorded("kubeadm", argv, run)


if __name__ == "__main__":
    main()
