# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for kubeadm's node workflows (init, join, reset and their phases) in unit tests.

    python kubeadm_workflow_stub.py BAKED_DOUBLE CONFIGS_LOG ARG...

The kubeadm double (BAKED_DOUBLE, tests/doubles/kubeadm.py baked for one release) parses the command
line and loads, defaults and validates the --config file exactly as it does before it runs a
workflow: unknown flags, missing values, flags mixed with --config, invalid configurations are
refused with its messages and exit codes. Then this stops, without running the phases (they write
/etc/kubernetes, start the kubelet and wait for static Pods: the orchestration scenario runs them on
its hosts). The call is recorded in the double's call log; the mode and content of the --config file
in CONFIGS_LOG, so that a test can check what the module handed to kubeadm.
"""

import importlib.util
import json
import os
import sys


def load_double(path):
    spec = importlib.util.spec_from_file_location("kubeadm_double", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(double, argv):
    """Everything the double does for ``argv`` before the first phase; the command path."""
    tree = double.build_tree()
    cmd, rest = double.pflag.find(tree, argv, double.PERSISTENT)
    try:
        parsed = double.pflag.parse_flags(rest, cmd.all_flags(double.PERSISTENT))
    except double.pflag.FlagError as exc:
        raise double.KubeadmError(str(exc))
    path = cmd.path()
    if isinstance(cmd.args, int) and not isinstance(cmd.args, bool) and len(parsed.args) > cmd.args:
        raise double.KubeadmError("accepts at most %d arg(s), received %d" % (cmd.args, len(parsed.args)))
    if path.startswith("kubeadm init"):
        double.refuse_dry_run(parsed)
        cfg = double.load_init_config(parsed)
        if path == "kubeadm init":
            show_join_commands(double, parsed, cfg)
    elif path.startswith("kubeadm join"):
        double.refuse_dry_run(parsed)
        double.load_join_config(parsed, parsed.args)
    elif path == "kubeadm reset":
        double.refuse_dry_run(parsed)
        double.check_mixed(parsed)
        double.load_docs(parsed.get("config") or "", ("ResetConfiguration",))
    else:
        raise double.KubeadmError("kubeadm_workflow_stub: %s is not a node workflow" % path)
    return parsed


def show_join_commands(double, parsed, cfg):
    """The end of `kubeadm init`'s output: the join commands with the token (and certificate key)
    in the double's format. No CA exists here: the CA pin is a placeholder."""
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


def main():
    double = load_double(sys.argv[1])
    configs_log, argv = sys.argv[2], sys.argv[3:]

    def run(args):
        parsed = check(double, args)
        config = parsed.get("config")
        if config:
            with open(config, encoding="utf-8") as handle:
                content = handle.read()
            with open(configs_log, "a", encoding="utf-8") as log:
                log.write(json.dumps([args[0], oct(os.stat(config).st_mode & 0o777), content]) + "\n")
        sys.stdout.write("[kubeadm_workflow_stub] %s: command line and configuration accepted\n" % " ".join(args[:1]))
        return 0

    double.calls.run_recorded("kubeadm", argv, lambda args: double_main(double, run, args))


def double_main(double, run, argv):
    """The double's main() error handling around ``run``."""
    try:
        return run(list(argv))
    except double.KubeadmError as exc:
        msg = "%s\n%s" % (exc, double.STACK_HINT)
        if double.minor() >= 34:
            sys.stderr.write("error: " + msg + "\n")
            return 1
        sys.stderr.write(msg + "\n")
        return {"preflight": 2, "validation": 3}.get(exc.kind, 1)


if __name__ == "__main__":
    main()
