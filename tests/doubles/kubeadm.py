#!/usr/bin/python3
"""Test double of the kubeadm CLI (TEST ONLY; packaged as /usr/bin/kubeadm by tests/doubles/build.sh).

Behaviour derived from upstream kubernetes/kubernetes cmd/kubeadm (app/cmd: command tree, flags,
init/join/reset workflows and their phases; app/phases: what each phase writes; app/preflight:
checks; app/discovery/token: JWS + CA pin validation; app/util/apiclient: CreateOrUpdate semantics;
app/util/errors: error output). The release the package was built for is the line VERSION below
(replaced at build time); every per-minor behaviour (1.31 .. 1.35) keys off it. The filesystem root
is $SEED_DOUBLES_ROOT (default "/"): /etc/kubernetes, /var/lib/kubelet and /var/lib/etcd live below
it; messages show the paths as upstream prints them.

With SEED_DOUBLES_ROOT set (a test tree), systemctl, ctr and the pods helper are never called (images
count as present in containerd).

Errors are printed as upstream prints them: "<message>\\nTo see the stack trace of this error execute
with --v=5 or higher" on stderr, exit 1 (2 for an unwrapped preflight error, 3 for a validation
aggregate) up to 1.33; from 1.34 "error: " is prepended and every error exits 1.

Per command, EMULATED / NOT emulated:
* parsing (all commands): cobra/pflag semantics (unknown flag/shorthand, missing value, bad typed
  value, unknown command with suggestions, NoArgs / MaximumNArgs rules, "invalid subcommand" and
  "missing subcommand" of group commands), -h/--help (a short usage, not upstream's long text),
  --config mixed with flags that validation.isAllowedFlag refuses
  ("can not mix '--config' with arguments [...]"). NOT: klog flags beyond accepting -v/--v,
  --log-file, --rootfs (accepted, ignored), shell completion.
* version [-o short|json|yaml]: emulated (build metadata fixed: gitCommit of zeros, go1.x).
* config images list|pull, config validate, config print init-defaults|join-defaults|reset-defaults:
  emulated; images pull drives containerd with `ctr -n k8s.io images pull --hosts-dir
  /etc/containerd/certs.d`. NOT: config migrate, print upgrade-defaults, --component-configs values
  beyond KubeletConfiguration/KubeProxyConfiguration, version labels resolved over the internet
  (stable/latest/stable-1.X resolve to the build's own version, as upstream does offline).
* init and `init phase ...`: phases preflight, certs (real PKI, kubeadm's SANs/usages/validity),
  kubeconfig (admin.conf in kubeadm:cluster-admins, super-admin.conf in system:masters, kubelet,
  controller-manager, scheduler), etcd local, control-plane (manifests with upstream's flags,
  probes, volumes, images), kubelet-start (config.yaml, kubeadm-flags.env, systemctl restart
  kubelet), wait-control-plane (bounded by the configured timeouts; kubelet healthz, then the API
  server (1.31-1.32) or all control-plane components (1.33+)), upload-config (kubeadm-config and
  kubelet-config ConfigMaps + Roles/RoleBindings, the Node's CRI socket annotation), upload-certs
  (kubeadm-certs Secret encrypted with AES-GCM, owner token, RBAC), mark-control-plane,
  bootstrap-token (token Secrets, RBAC, cluster-info; the JWS signatures are added by the
  controller-manager's bootstrapsigner, as upstream), kubelet-finalize, addon coredns/kube-proxy
  (ServiceAccounts, RBAC, ConfigMaps, Deployment/DaemonSet, Service), show-join-command;
  --skip-phases, --ignore-preflight-errors (flag and nodeRegistration), --upload-certs,
  --certificate-key, --skip-token-print, --skip-certificate-key-print; the kubeadm:cluster-admins
  ClusterRoleBinding is created with super-admin.conf when admin.conf may not. Preflight checks:
  IsPrivilegedUser, Port-<bindPort>/10259/10257/2379/2380/10250, FileAvailable-- (manifests),
  DirAvailable--var-lib-etcd, Swap (warning), KubernetesVersion, ImagePull.
  kubelet-finalize rewrites kubelet.conf only when /var/lib/kubelet/pki/kubelet-client-current.pem
  exists (otherwise a warning; upstream's kubelet always writes that file).
  NOT: --dry-run, --patches, external CA mode, NumCPU/Mem/SystemVerification/ip_forward/crictl/
  HTTPProxy/Service-Kubelet checks, the sandbox image check, kubelet-finalize server certificate,
  the NodeLocalCRISocket / ControlPlaneKubeletLocalMode feature gates (treated as off).
* join: discovery by token (cluster-info fetched anonymously, detached JWS verified with the
  token, CA public key pins checked, bounded by timeouts.discovery) or by file; configuration read
  with the bootstrap token; preflight (FileAvailable kubelet.conf/bootstrap-kubelet.conf/ca.crt,
  Port-10250, and for a control plane the init checks + controlPlaneEndpoint requirement + image
  pull); control-plane-prepare (download-certs with the certificate key, certs, kubeconfig,
  control-plane); check-etcd; kubelet-start (refusal when a Ready Node of that name exists,
  bootstrap-kubelet.conf, config, flags, restart, waits for healthz and the TLS bootstrap, CRI
  socket annotation); control-plane-join (etcd member added as learner, manifest with
  initial-cluster, promotion, mark-control-plane); wait-control-plane (1.33+, control planes).
  NOT: `join phase ...` subcommands, --dry-run, --patches; etcd members are added as learners
  from 1.29 (EtcdLearnerMode on by default; off in 1.27-1.28) unless featureGates turn it off.
* token create|list|delete|generate: emulated (text table like upstream's tabwriter, -o json|yaml).
  NOT: go-template/jsonpath output.
* certs check-expiration (text, -o json|yaml), certs renew <name>|all, certs certificate-key:
  emulated. NOT: renewal of externally managed certificates, certs generate-csr.
* reset: emulated (ResetConfiguration, -f, --cri-socket accepted, --cleanup-tmp-dir, etcd member
  removal on a control plane, static pods stopped through the kubelet double's pods helper,
  kubelet stopped, upstream's files and directories removed). NOT: unmounting, iptables/IPVS
  (upstream does not touch them either), --dry-run.
* upgrade apply|node|plan: emulated, see below. upgrade diff, `upgrade apply|node phase ...`,
  kubeconfig user, alpha: NOT emulated (exit 1 saying so).

`kubeadm upgrade` (app/cmd/upgrade, app/cmd/phases/upgrade/{apply,node}, app/phases/upgrade,
app/util/apiclient/wait.go). EMULATED:
* apply [version]: the version from the argument or UpgradeConfiguration apply.kubernetesVersion
  ("missing one or more required arguments. Required arguments: [version]", "too many arguments. ...");
  --config (UpgradeConfiguration; the mixing rule lets --yes through since 1.31), -y/--yes, -f/--force,
  --etcd-upgrade and --certificate-renewal (default true), --allow-experimental-upgrades,
  --allow-release-candidate-upgrades, --ignore-preflight-errors, --print-config, --kubeconfig
  (/etc/kubernetes/admin.conf), --skip-phases (1.32+). From 1.32 a phase workflow (preflight,
  control-plane, upload-config/{kubeadm,kubelet}, kubeconfig, kubelet-config, bootstrap-token,
  addon/{coredns,kube-proxy}, post-upgrade; errors "error execution phase X: ..."); 1.31 has no phases
  (errors wrapped "[upgrade/version] FATAL: ", "[upgrade/health] FATAL: ", "[upgrade/apply] FATAL: ",
  "[upgrade/postupgrade] FATAL post-upgrade error: ").
  - configuration from the kubeadm-config ConfigMap (absent: "In order to upgrade, a ConfigMap called
    ..."); this node's name from the client certificate of /etc/kubernetes/kubelet.conf, its CRI socket
    from the Node, its API endpoint from the kube-apiserver advertise-address annotation (mirror Pod,
    else the local manifest: a simplification).
  - preflight: IsPrivilegedUser; health checks CreateJob (a Job upgrade-health-check-<random> that
    must complete within 15s; skipped with upstream's warning when no Node is schedulable),
    ControlPlaneNodesReady, StaticPodManifest; the minimum control plane version
    (NormalizeKubernetesVersion); EnforceVersionPolicies with the cluster version from the API
    server's /version: fatal are a target below kubeadm's minimum, more than one minor up or down, a
    newer minor than kubeadm; skippable with --force are a newer patch than kubeadm, a target minor
    older than kubeadm's, an unstable version without --allow-*-upgrades, kubelets more than 3 minors
    older (the same version and a one-minor downgrade are NOT refused, as upstream); the question
    "[upgrade] Are you sure you want to proceed? [y/N]: " on stdin unless -y or --force (anything
    but y/yes, EOF included: "won't proceed; the user didn't answer (Y|y) in order to continue");
    the ImagePull check (apply.imagePullPolicy).
  - control-plane: this node's mirror Pods' kubernetes.io/config.hash first; new manifests in
    /etc/kubernetes/tmp/kubeadm-upgraded-manifests<N> (removed on success); etcd first when local and
    --etcd-upgrade: health, data copied to /etc/kubernetes/tmp/kubeadm-backup-etcd-<YYYY-MM-DD-HH-MM-SS>/
    (kept), the target minor's etcd tag (an older one than the running manifest's is a "Non fatal issue"
    that skips etcd); then kube-apiserver, kube-controller-manager, kube-scheduler. Per component: an
    identical manifest is skipped; else its certificates are renewed (default), the old manifest moves
    to /etc/kubernetes/tmp/kubeadm-backup-manifests-<YYYY-MM-DD-HH-MM-SS>/ (kept), the new one into
    /etc/kubernetes/manifests, and the mirror Pod's config.hash must change and every Pod labelled
    component=<name> be Running, each within UpgradeConfiguration timeouts.upgradeManifests (default
    5m0s). On failure every manifest recorded so far is moved back (etcd only when etcd failed) and
    the error is "couldn't upgrade control plane. kubeadm has tried to recover everything into the
    earlier state. Errors faced: static Pod hash for component X on Node N did not change after 5m0s:
    context deadline exceeded" (1.32+ prefixed "couldn't complete the static pod upgrade: "). Then
    admin.conf's certificate is renewed.
  - upload-config (kubeadm-config with the target kubernetesVersion, kubelet-config, RBAC, the CRI
    socket annotation), kubelet-config (/var/lib/kubelet/config.yaml copied to
    /etc/kubernetes/tmp/kubeadm-kubelet-config<N>/config.yaml, rewritten from the kubelet-config
    ConfigMap), bootstrap-token RBAC, addon (CoreDNS and kube-proxy objects with the new images, the
    existing coredns ConfigMap kept; skipped while another control plane's kube-apiserver image
    differs), post-upgrade (1.35: --pod-infra-container-image removed from kubeadm-flags.env).
  - success: 1.32+ '[upgrade] SUCCESS! A control plane node of your cluster was upgraded to "vX".'
    then '[upgrade] Now please proceed with upgrading the rest of the nodes by following the right
    order.'; 1.31 '[upgrade/successful] SUCCESS! Your cluster was upgraded to "vX". Enjoy!'.
* node: a control plane when /etc/kubernetes/manifests/kube-apiserver.yaml exists (then --kubeconfig
  defaults to admin.conf, else kubelet.conf); the target is kubeadm-config's kubernetesVersion (no
  version policy, as upstream); phases preflight (root; image pull on a control plane),
  control-plane (the static Pod upgrade above), kubeconfig, kubelet-config, addon, post-upgrade, with
  upstream's "Skipping ... Not a control plane node." lines on a worker; --config (node.*),
  --certificate-renewal, --etcd-upgrade, --ignore-preflight-errors, --skip-phases.
* plan [version]: the same requirements and health checks; versions from the mirror Pods (per node),
  the kubelets, the CoreDNS Deployment; offline the "stable"/"stable-1.X" lookups fall back to the
  kubeadm version with upstream's two warnings (a version argument or plan.kubernetesVersion skips
  them); the text tables, -o json|yaml (output.kubeadm.k8s.io/v1alpha3 UpgradePlan, progress lines
  suppressed).
NOT emulated for upgrade: --dry-run, --patches, --feature-gates (refused), single phases, the CoreDNS
migration and SystemVerification checks, plan's experimental/RC candidates (flags accepted, no "latest"
lookups), Corefile/kube-proxy config migrations, NodeLocalCRISocket and ControlPlaneKubeletLocalMode
(treated as off: no instance-config.yaml, kubelet.conf untouched), external etcd (only skipped), the
etcd data rollback when the old etcd does not come back, super-admin.conf renewal.
NOT confirmed from upstream's source for every minor (taken from upstream runs' output or another
release's source): "Moved new manifest ... backed up" (1.31) vs "Moving new manifest ... backing up"
(1.32+), "[upgrade/etcd] Upgrading to TLS for etcd" (1.31), 1.31's etcd "Non fatal issue" wording,
"[upgrad/kubeconfig]" (1.32 only), the 1.33 re-upload hint, `upgrade node`'s control-plane success
line from 1.32, the "failed to get node registration" texts, the 1.35 post-upgrade output (none here).

Faults: seed_doubles.faults.check(COMMAND, PHASE, "in") fires after a phase's first file or API
object was written (or at its end when it writes nothing) and (..., "after") when it completed,
with COMMAND "kubeadm init" / "kubeadm join" / "kubeadm reset" / "kubeadm upgrade apply" /
"kubeadm upgrade node" for the full workflows and "kubeadm init phase" for `kubeadm init phase ...`;
PHASE is the top-level phase name (1.31's unphased apply uses the same names for its steps). In the
upgrade control-plane phase "in" fires right after the first manifest swap (etcd's, or
kube-apiserver's when etcd is not upgraded), in kubelet-config after the config.yaml backup.
"""

import base64
import contextlib
import datetime
import io
import json
import os
import random
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import yaml

try:
    from seed_doubles import bootstrap, calls, faults, kube, pki, versions
    from seed_doubles import etcd as etcdlib
    from seed_doubles import kubeadm_api as api
    from seed_doubles import kubeadm_objects as objs
    from seed_doubles import kubeadm_upgrade as up
    from seed_doubles import pflag
except ImportError:  # running from the source tree
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from seed_doubles import bootstrap, calls, faults, kube, pki, versions
    from seed_doubles import etcd as etcdlib
    from seed_doubles import kubeadm_api as api
    from seed_doubles import kubeadm_objects as objs
    from seed_doubles import kubeadm_upgrade as up
    from seed_doubles import pflag

VERSION = "v0.0.0"

KUBE_DIR = "/etc/kubernetes"
MANIFESTS = "/etc/kubernetes/manifests"
KUBELET_DIR = "/var/lib/kubelet"
PODS_HELPER = "/usr/lib/seed-doubles/pods"
STACK_HINT = "To see the stack trace of this error execute with --v=5 or higher"
PATTERN_HELP = "[a-z0-9]{6}\\.[a-z0-9]{16}"


def minor():
    try:
        return versions.parse(VERSION).minor
    except ValueError:
        return 0


# ---------------------------------------------------------------------------------------------
# filesystem, output

def root():
    return os.environ.get("SEED_DOUBLES_ROOT") or "/"


# The system directories a kubeadm node's files live in: below SEED_DOUBLES_ROOT in unit tests.
SYSTEM_DIRS = ("/etc/", "/var/", "/run/", "/usr/", "/opt/", "/lib/")


def host(path):
    """Where an absolute upstream path lives on this machine (below SEED_DOUBLES_ROOT)."""
    base = root()
    if base == "/" or not path.startswith(SYSTEM_DIRS):
        return path  # a test's own files (temporary configs, its work directory) stay where they are
    if path == base or path.startswith(base.rstrip("/") + "/"):
        return path  # already below the root (a test directory under /var, for example)
    return os.path.join(base, path.lstrip("/"))


def out(text=""):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def klog(level, where, msg):
    now = datetime.datetime.now()
    sys.stderr.write("%s%s %s %7d %s] %s\n" % (level, now.strftime("%m%d"), now.strftime("%H:%M:%S.%f"),
                                               os.getpid(), where, msg))
    sys.stderr.flush()


def warn(msg):
    klog("W", "kubeadm.go:1", msg)


class KubeadmError(Exception):
    """An error kubeadm returns; ``kind`` is "default", "preflight" or "validation"."""

    def __init__(self, msg, kind="default"):
        super().__init__(msg)
        self.kind = kind


class ExitSilently(Exception):
    """kubeadmutil.ErrExit: exit 1 without a message."""


def go_quote(text):
    return json.dumps(str(text))


def read_file(path):
    with open(host(path), "rb") as handle:
        return handle.read()


def exists(path):
    return os.path.exists(host(path))


class Writer:
    """Writes files below the root and fires the "in" fault of the running phase after the first."""

    def __init__(self):
        self.command = None
        self.phase = None
        self.fired = set()

    def touched(self):
        if self.command and self.phase and self.phase not in self.fired:
            self.fired.add(self.phase)
            faults.check(self.command, self.phase, "in")

    def write(self, path, data, mode=0o600):
        pki.write_file(host(path), data, mode)
        self.touched()


WRITER = Writer()


def run_cmd(argv, timeout=120):
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False)
        return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
    except FileNotFoundError as exc:
        return 127, "", str(exc)
    except subprocess.TimeoutExpired:
        return 124, "", "timed out"


def since(start):
    secs = time.time() - start
    if secs < 1:
        return "%gms" % round(secs * 1000, 3)
    return "%gs" % round(secs, 6)


# ---------------------------------------------------------------------------------------------
# command tree

F = pflag.Flag


def _flags_config():
    return [F("config", usage="Path to a kubeadm configuration file.")]


PERSISTENT = [F("v", "int", 0, "v", "number for the log level verbosity"), F("rootfs"),
              F("log-file"), F("add-dir-header", "bool"), F("log-file-max-size", "uint", 1800),
              F("one-output", "bool"), F("skip-headers", "bool"), F("skip-log-headers", "bool"),
              F("help", "bool", shorthand="h")]

ALLOWED_WITH_CONFIG = {"config", "ignore-preflight-errors", "dry-run", "kubeconfig", "node-name",
                       "kubeconfig-dir", "upload-certs", "print-join-command", "rootfs", "v", "log-file", "yes"}


def check_mixed(parsed):
    """validation.ValidateMixedArguments (flags visited in lexicographical order)."""
    if not parsed.is_set("config"):
        return
    bad = sorted(n for n in parsed.changed if n not in ALLOWED_WITH_CONFIG and not n.startswith("skip-")
                 and n != "help")
    if bad:
        raise KubeadmError("can not mix '--config' with arguments [%s]" % " ".join(bad))


def sub_cmd_run(cmd, parsed):
    """cmdutil.SubCmdRun of group commands."""
    if parsed.args:
        raise KubeadmError("invalid subcommand %s\nSee '%s -h' for help and examples"
                           % (go_quote(" ".join(parsed.args)), cmd.path()))
    sys.stdout.write(cmd.usage())
    raise ExitSilently()


def group(name, children, short=""):
    return pflag.Command(name, sub_cmd_run, children=children, args=None, short=short)


def not_emulated(cmd, parsed):
    raise KubeadmError("%s is not emulated by this test double" % go_quote(cmd.path()))


def build_tree():
    out_flags = [F("output", "string", "text", "o"), F("allow-missing-template-keys", "bool", True),
                 F("show-managed-fields", "bool")]
    init_flags = [F("apiserver-advertise-address"), F("apiserver-bind-port", "int", 6443),
                  F("apiserver-cert-extra-sans", "stringSlice"), F("cert-dir", default="/etc/kubernetes/pki"),
                  F("certificate-key"), F("config"), F("control-plane-endpoint"), F("cri-socket"),
                  F("dry-run", "bool"), F("feature-gates"), F("ignore-preflight-errors", "stringSlice"),
                  F("image-repository", default="registry.k8s.io"), F("kubernetes-version", default="stable-1"),
                  F("node-name"), F("patches"), F("pod-network-cidr"), F("service-cidr", default="10.96.0.0/12"),
                  F("service-dns-domain", default="cluster.local"), F("skip-certificate-key-print", "bool"),
                  F("skip-phases", "stringSlice"), F("skip-token-print", "bool"), F("token"),
                  F("token-ttl", "duration", 86400.0), F("upload-certs", "bool")]
    join_flags = [F("apiserver-advertise-address"), F("apiserver-bind-port", "int", 6443), F("certificate-key"),
                  F("config"), F("control-plane", "bool"), F("cri-socket"), F("discovery-file"),
                  F("discovery-token"), F("discovery-token-ca-cert-hash", "stringSlice"),
                  F("discovery-token-unsafe-skip-ca-verification", "bool"), F("dry-run", "bool"),
                  F("ignore-preflight-errors", "stringSlice"), F("node-name"), F("patches"),
                  F("skip-phases", "stringSlice"), F("tls-bootstrap-token"), F("token")]
    reset_flags = [F("cert-dir", default="/etc/kubernetes/pki"), F("cleanup-tmp-dir", "bool"), F("config"),
                   F("cri-socket"), F("dry-run", "bool"), F("force", "bool", shorthand="f"),
                   F("ignore-preflight-errors", "stringSlice"),
                   F("kubeconfig", default="/etc/kubernetes/admin.conf"), F("skip-phases", "stringSlice")]
    kubeconfig_flag = F("kubeconfig", default="/etc/kubernetes/admin.conf")
    token = group("token", [
        pflag.Command("create", cmd_token_create, [F("certificate-key"), F("config"), F("description"),
                                                   F("groups", "stringSlice", [bootstrap.DEFAULT_GROUP]),
                                                   F("print-join-command", "bool"), F("ttl", "duration", 86400.0),
                                                   F("usages", "stringSlice", list(bootstrap.DEFAULT_USAGES)),
                                                   F("dry-run", "bool"), kubeconfig_flag], args=1),
        pflag.Command("delete", cmd_token_delete, [F("dry-run", "bool"), kubeconfig_flag], args=None),
        pflag.Command("generate", cmd_token_generate, [F("dry-run", "bool"), kubeconfig_flag]),
        pflag.Command("list", cmd_token_list, out_flags + [F("dry-run", "bool"), kubeconfig_flag]),
    ])
    certs = group("certs", [
        pflag.Command("certificate-key", cmd_certs_key),
        pflag.Command("check-expiration", cmd_check_expiration,
                      [F("cert-dir", default="/etc/kubernetes/pki"), F("config"), kubeconfig_flag] + out_flags),
        group("renew", [pflag.Command(name, cmd_certs_renew,
                                      [F("cert-dir", default="/etc/kubernetes/pki"), F("config"), kubeconfig_flag])
                        for name in ["all"] + list(RENEWABLE)]),
        pflag.Command("generate-csr", not_emulated, [F("cert-dir"), F("config"), F("kubeconfig-dir")]),
    ])
    images_flags = [F("config"), F("feature-gates"), F("image-repository", default="registry.k8s.io"),
                    F("kubernetes-version", default="stable-1")]
    config = group("config", [
        group("images", [
            pflag.Command("list", cmd_images_list, images_flags + out_flags),
            pflag.Command("pull", cmd_images_pull, images_flags + [F("cri-socket")]),
        ]),
        pflag.Command("validate", cmd_config_validate, [F("config"), F("allow-experimental-api", "bool")]),
        pflag.Command("migrate", not_emulated, [F("old-config"), F("new-config"), F("allow-experimental-api", "bool")]),
        group("print", [
            pflag.Command("init-defaults", cmd_print_defaults, [F("component-configs", "stringSlice")]),
            pflag.Command("join-defaults", cmd_print_defaults, [F("component-configs", "stringSlice")]),
            pflag.Command("reset-defaults", cmd_print_defaults, [F("component-configs", "stringSlice")]),
            pflag.Command("upgrade-defaults", not_emulated, [F("component-configs", "stringSlice")]),
        ]),
    ])
    for child in config.children:
        child.flags.append(kubeconfig_flag)
    init = pflag.Command("init", cmd_init, init_flags)
    init.add(phase_commands(init_phases(), init_flags, "init"))
    join = pflag.Command("join", cmd_join, join_flags, args=1)
    join.add(group("phase", []))
    reset = pflag.Command("reset", cmd_reset, reset_flags)
    upgrade = upgrade_commands()
    root_cmd = pflag.Command("kubeadm", None, children=[
        certs, pflag.Command("completion", not_emulated, args=None), config, init, join,
        group("kubeconfig", [pflag.Command("user", not_emulated, [F("config"), F("client-name")])]),
        reset, token, upgrade, pflag.Command("version", cmd_version, [F("output", "string", "", "o")]),
        group("alpha", []),
    ])
    return root_cmd


def run_cli(argv):
    tree = build_tree()
    cmd, rest = pflag.find(tree, argv, PERSISTENT)
    if cmd is tree:
        # cobra's legacyArgs: the root command accepts no arbitrary positional arguments
        try:
            parsed = pflag.parse_flags(rest, cmd.all_flags(PERSISTENT))
        except pflag.FlagError as exc:
            raise KubeadmError(str(exc))
        if parsed.args:
            msg = "unknown command %s for %s" % (go_quote(parsed.args[0]), go_quote("kubeadm"))
            hints = pflag.suggest(tree, parsed.args[0])
            if hints:
                msg += "\n\nDid you mean this?\n" + "".join("\t%s\n" % h for h in hints)
            raise KubeadmError(msg)
        sys.stdout.write(tree.usage())
        return 0
    try:
        parsed = pflag.parse_flags(rest, cmd.all_flags(PERSISTENT))
    except pflag.FlagError as exc:
        raise KubeadmError(str(exc))
    if parsed["help"]:
        sys.stdout.write(cmd.usage())
        return 0
    if cmd.args == "none" and parsed.args:
        raise KubeadmError("unknown command %s for %s" % (go_quote(parsed.args[0]), go_quote(cmd.path())))
    if isinstance(cmd.args, int) and not isinstance(cmd.args, bool) and len(parsed.args) > cmd.args:
        raise KubeadmError("accepts at most %d arg(s), received %d" % (cmd.args, len(parsed.args)))
    return cmd.run(cmd, parsed) or 0


def main(argv):
    try:
        return run_cli(list(argv))
    except ExitSilently:
        return 1
    except KubeadmError as exc:
        msg = "%s\n%s" % (exc, STACK_HINT)
        if minor() >= 34:
            sys.stderr.write("error: " + msg + "\n")
            return 1
        sys.stderr.write(msg + "\n")
        return {"preflight": 2, "validation": 3}.get(exc.kind, 1)


# ---------------------------------------------------------------------------------------------
# configuration

def kube_version_text(text):
    """NormalizeKubernetesVersion: labels resolve to the build's version (offline), 'v' prefixed."""
    text = (text or "").strip()
    if not text or text.startswith("stable") or text.startswith("latest") or text.startswith("ci/"):
        return VERSION
    if not text.startswith("v"):
        text = "v" + text
    try:
        versions.parse(text)
    except ValueError:
        raise KubeadmError('couldn\'t parse Kubernetes version %s: could not parse "%s" as version'
                           % (go_quote(text), text))
    return text


def check_min_version(version):
    ver = versions.parse(version)
    kver = versions.parse(VERSION)
    minimum = "%d.%d.0" % (kver.major, kver.minor - 1)
    if (ver.major, ver.minor) < (kver.major, kver.minor - 1):
        raise KubeadmError("this version of kubeadm only supports deploying clusters with the control plane "
                           "version >= %s. Current version: %s" % (minimum, version))


def read_config_text(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise KubeadmError("unable to read config from %s : open %s: %s"
                           % (go_quote(path), path, (exc.strerror or str(exc)).lower()))


def load_docs(path, kinds, strict=False):
    if not path:
        return {}
    text = read_config_text(path)
    try:
        return api.load_documents(text, set(kinds), minor(), warn, strict_fatal=strict)
    except api.ConfigError as exc:
        raise KubeadmError(str(exc), "validation" if exc.aggregate else "default")


def feature_gates(text):
    gates = {}
    for item in [s for s in (text or "").split(",") if s.strip()]:
        name, _, value = item.partition("=")
        if value.strip().lower() not in ("true", "false"):
            raise KubeadmError("invalid value %s for feature gate %s" % (go_quote(value), go_quote(name)))
        gates[name.strip()] = value.strip().lower() == "true"
    return gates


def gate(cluster, name):
    gates = cluster.get("featureGates") or {}
    if name in gates:
        return bool(gates[name])
    # EtcdLearnerMode: alpha (off) in 1.27-1.28, beta (on) from 1.29 (features.go).
    defaults = {"WaitForAllControlPlaneComponents": minor() >= 33, "EtcdLearnerMode": minor() >= 29}
    return defaults.get(name, False)


def load_init_config(parsed, strict_validate=True):
    """LoadOrDefaultInitConfiguration: file or flags, defaults, dynamic defaults, validation."""
    check_mixed(parsed)
    cfg_path = parsed.get("config") or ""
    docs = load_docs(cfg_path, ("InitConfiguration", "ClusterConfiguration"))
    cfg = api.build_config(docs, "InitConfiguration", VERSION)
    cluster, node = cfg["cluster"], cfg["node"]
    if not cfg_path:
        flag = parsed.get
        if "kubernetes-version" in parsed.flags:
            cluster["kubernetesVersion"] = flag("kubernetes-version")
        if "image-repository" in parsed.flags:
            cluster["imageRepository"] = flag("image-repository")
        if parsed.is_set("pod-network-cidr"):
            cluster["networking"]["podSubnet"] = flag("pod-network-cidr")
        if "service-cidr" in parsed.flags:
            cluster["networking"]["serviceSubnet"] = flag("service-cidr")
        if "service-dns-domain" in parsed.flags:
            cluster["networking"]["dnsDomain"] = flag("service-dns-domain")
        if parsed.is_set("control-plane-endpoint"):
            cluster["controlPlaneEndpoint"] = flag("control-plane-endpoint")
        if parsed.is_set("apiserver-cert-extra-sans"):
            cluster["apiServer"]["certSANs"] = flag("apiserver-cert-extra-sans")
        if "cert-dir" in parsed.flags:
            cluster["certificatesDir"] = flag("cert-dir")
        if parsed.is_set("feature-gates"):
            cluster["featureGates"] = feature_gates(flag("feature-gates"))
        if parsed.is_set("apiserver-advertise-address"):
            node["localAPIEndpoint"]["advertiseAddress"] = flag("apiserver-advertise-address")
        if parsed.is_set("apiserver-bind-port"):
            node["localAPIEndpoint"]["bindPort"] = flag("apiserver-bind-port")
        if parsed.is_set("cri-socket"):
            node["nodeRegistration"]["criSocket"] = flag("cri-socket")
        if parsed.is_set("certificate-key"):
            node["certificateKey"] = flag("certificate-key")
        tok = node["bootstrapTokens"][0]
        tok["description"] = "The default bootstrap token generated by 'kubeadm init'."
        if parsed.is_set("token"):
            tok["token"] = flag("token")
        if parsed.is_set("token-ttl"):
            tok["ttl"] = pflag.format_duration(flag("token-ttl"))
    if parsed.is_set("node-name"):
        node["nodeRegistration"]["name"] = parsed["node-name"]
    ignored = list(node["nodeRegistration"].get("ignorePreflightErrors") or [])
    ignored += parsed.get("ignore-preflight-errors") or []
    node["nodeRegistration"]["ignorePreflightErrors"] = ignored
    cluster["kubernetesVersion"] = kube_version_text(cluster.get("kubernetesVersion"))
    check_min_version(cluster["kubernetesVersion"])
    if strict_validate:
        errs = api.validate_init(cfg)
        errs += validate_ignore(ignored)
        if errs:
            raise KubeadmError(api.aggregate(errs), "validation")
    return cfg


def validate_ignore(values):
    low = {v.lower() for v in values}
    if "all" in low and len(low) > 1:
        return ["ignorePreflightErrors: Invalid value: %s: don't specify individual checks if 'all' is used"
                % go_quote(",".join(values))]
    return []


# ---------------------------------------------------------------------------------------------
# version

def cmd_version(cmd, parsed):
    ver = versions.parse(VERSION) if minor() else None
    info = {"major": str(ver.major) if ver else "", "minor": str(ver.minor) if ver else "",
            "gitVersion": VERSION, "gitCommit": "0" * 40, "gitTreeState": "clean",
            "buildDate": "1970-01-01T00:00:00Z", "goVersion": "go1.23.0", "compiler": "gc",
            "platform": "linux/%s" % {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine,
                                                                              os.uname().machine)}
    fmt = parsed["output"]
    if fmt == "":
        fields = ", ".join('%s:"%s"' % (k[0].upper() + k[1:], v) for k, v in info.items())
        out("kubeadm version: &version.Info{%s}" % fields)
    elif fmt == "short":
        out(VERSION)
    elif fmt == "json":
        out(json.dumps({"clientVersion": info}, indent=2))
    elif fmt == "yaml":
        sys.stdout.write(yaml.safe_dump({"clientVersion": info}, default_flow_style=False))
    else:
        raise KubeadmError("invalid output format: %s" % fmt)
    return 0


# ---------------------------------------------------------------------------------------------
# output printers

def printer_check(fmt, allowed=("text", "json", "yaml")):
    if fmt not in allowed:
        raise KubeadmError("unable to match a printer suitable for the output format %s, allowed formats are: "
                           "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,text,yaml"
                           % go_quote(fmt))


def print_object(obj, fmt):
    if fmt == "json":
        out(json.dumps(obj, indent=4))
    else:
        sys.stdout.write(yaml.safe_dump(obj, default_flow_style=False, sort_keys=False))


def tabwrite(rows, minwidth=10, padding=3):
    """text/tabwriter (minwidth 10, padding 3, padchar ' '): tab-terminated cells are aligned."""
    cells = [r.split("\t") for r in rows]
    widths = {}
    for row in cells:
        for i, cell in enumerate(row[:-1]):
            widths[i] = max(widths.get(i, 0), len(cell))
    lines = []
    for row in cells:
        parts = [cell.ljust(max(widths[i] + padding, minwidth)) for i, cell in enumerate(row[:-1])]
        lines.append("".join(parts) + row[-1])
    return "\n".join(lines) + "\n"


def short_human_duration(seconds):
    secs = int(seconds)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60:
        return "%ds" % secs
    if secs // 60 < 60:
        return "%dm" % (secs // 60)
    hours = secs // 3600
    if hours < 24:
        return "%dh" % hours
    if hours < 24 * 365:
        return "%dd" % (hours // 24)
    return "%dy" % (hours // 24 // 365)


# ---------------------------------------------------------------------------------------------
# config images / validate / print

def images_config(parsed):
    # no ValidateMixedArguments here: with --config the file wins and the flags are ignored
    cfg_path = parsed.get("config") or ""
    docs = load_docs(cfg_path, ("InitConfiguration", "ClusterConfiguration"))
    cfg = api.build_config(docs, "InitConfiguration", VERSION, with_defaults=False)
    cluster = cfg["cluster"]
    if not cfg_path:
        cluster["kubernetesVersion"] = parsed["kubernetes-version"]
        cluster["imageRepository"] = parsed["image-repository"]
        if parsed.is_set("feature-gates"):
            cluster["featureGates"] = feature_gates(parsed["feature-gates"])
    cluster["kubernetesVersion"] = kube_version_text(cluster.get("kubernetesVersion"))
    check_min_version(cluster["kubernetesVersion"])
    errs = api.validate_cluster(cluster)
    if errs:
        raise KubeadmError(api.aggregate(errs), "validation")
    return cfg


def cmd_images_list(cmd, parsed):
    fmt = parsed["output"]
    printer_check(fmt)
    cfg = images_config(parsed)
    imgs = objs.images(cfg["cluster"], VERSION)
    if fmt == "text":
        for img in imgs:
            out(img)
    else:
        print_object({"kind": "Images", "apiVersion": "output.kubeadm.k8s.io/v1alpha3", "images": imgs}, fmt)
    return 0


def pull(ref):
    """(ok, error) of pulling ``ref`` into containerd's k8s.io namespace."""
    if root() != "/":  # a test tree: never touch the host's containerd, images count as present
        return True, ""
    rc, stdout, stderr = run_cmd(["ctr", "-n", "k8s.io", "images", "pull", "--hosts-dir",
                                  "/etc/containerd/certs.d", ref], 900)
    if rc == 0:
        return True, ""
    lines = (stderr or stdout).strip().splitlines()
    return False, lines[-1] if lines else "ctr exited with status %d" % rc


def image_present(ref):
    if root() != "/":
        return True
    rc, stdout, _ = run_cmd(["ctr", "-n", "k8s.io", "images", "ls", "-q", "name==" + ref], 60)
    return rc == 0 and ref in stdout.split()


def cmd_images_pull(cmd, parsed):
    cfg = images_config(parsed)
    for img in objs.images(cfg["cluster"], VERSION):
        ok, err = pull(img)
        if not ok:
            raise KubeadmError("failed to pull image %s: %s" % (go_quote(img), err))
        out("[config/images] Pulled %s" % img)
    return 0


def cmd_config_validate(cmd, parsed):
    path = parsed.get("config")
    if not path:
        raise KubeadmError("must specify a config file with --config")
    text = read_config_text(path)
    try:
        kinds = [k for _, k, _ in api.split_documents(text)]
    except api.ConfigError as exc:
        raise KubeadmError(str(exc))
    allowed = ("InitConfiguration", "ClusterConfiguration", "JoinConfiguration", "ResetConfiguration",
               "UpgradeConfiguration")
    docs = load_docs(path, allowed, strict=True)
    errs = []
    if "JoinConfiguration" in kinds and "InitConfiguration" not in kinds and "ClusterConfiguration" not in kinds:
        cfg = api.build_config(docs, "JoinConfiguration", VERSION)
        errs = api.validate_join(cfg)
    elif "InitConfiguration" in kinds or "ClusterConfiguration" in kinds:
        cfg = api.build_config(docs, "InitConfiguration", VERSION)
        cfg["cluster"]["kubernetesVersion"] = kube_version_text(cfg["cluster"].get("kubernetesVersion"))
        check_min_version(cfg["cluster"]["kubernetesVersion"])
        errs = api.validate_init(cfg)
    if errs:
        raise KubeadmError(api.aggregate(errs), "validation")
    out("ok")
    return 0


def _timeouts():
    return api.default_timeouts()


def cmd_print_defaults(cmd, parsed):
    ver = versions.parse(VERSION) if minor() else None
    kver = "%d.%d.0" % (ver.major, ver.minor) if ver else "0.0.0"
    node_reg = {"criSocket": api.DEFAULT_CRI_SOCKET, "imagePullPolicy": "IfNotPresent",
                "imagePullSerial": True, "name": "node", "taints": None}
    docs = []
    if cmd.name == "init-defaults":
        docs.append({"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "InitConfiguration",
                     "bootstrapTokens": [{"groups": [bootstrap.DEFAULT_GROUP], "token": "abcdef.0123456789abcdef",
                                          "ttl": "24h0m0s", "usages": ["signing", "authentication"]}],
                     "localAPIEndpoint": {"advertiseAddress": "1.2.3.4", "bindPort": 6443},
                     "nodeRegistration": node_reg, "timeouts": _timeouts()})
        cluster = api.default_cluster(kver)
        docs.append(api.cluster_document(cluster))
    elif cmd.name == "join-defaults":
        docs.append({"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "JoinConfiguration",
                     "caCertPath": "/etc/kubernetes/pki/ca.crt",
                     "discovery": {"bootstrapToken": {"apiServerEndpoint": "kube-apiserver:6443",
                                                      "token": "abcdef.0123456789abcdef",
                                                      "unsafeSkipCAVerification": True},
                                   "tlsBootstrapToken": "abcdef.0123456789abcdef"},
                     "nodeRegistration": node_reg, "timeouts": _timeouts()})
    else:
        docs.append({"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "ResetConfiguration",
                     "certificatesDir": "/etc/kubernetes/pki", "criSocket": api.DEFAULT_CRI_SOCKET,
                     "timeouts": _timeouts()})
    cluster = api.default_cluster(kver)
    for comp in parsed.get("component-configs") or []:
        if comp == "KubeletConfiguration":
            docs.append(objs.kubelet_config(cluster))
        elif comp == "KubeProxyConfiguration":
            docs.append(objs.kube_proxy_config(cluster))
        else:
            raise KubeadmError("unknown component config %s" % go_quote(comp))
    sys.stdout.write("---\n".join(api.dump_yaml(d) for d in docs))
    return 0


# ---------------------------------------------------------------------------------------------
# PKI (phases/certs, util/pkiutil)

CA_SPECS = [("ca", "ca", "kubernetes"), ("front-proxy-ca", "front-proxy-ca", "front-proxy-ca"),
            ("etcd-ca", "etcd/ca", "etcd-ca")]
# phase name, file base, CA phase name, CN (None: node name), organizations, usages, SAN kind
LEAF_SPECS = [
    ("apiserver", "apiserver", "ca", "kube-apiserver", (), ("server",), "apiserver"),
    ("apiserver-kubelet-client", "apiserver-kubelet-client", "ca", "kube-apiserver-kubelet-client",
     (objs.CLUSTER_ADMINS_GROUP,), ("client",), None),
    ("front-proxy-client", "front-proxy-client", "front-proxy-ca", "front-proxy-client", (), ("client",), None),
    ("etcd-server", "etcd/server", "etcd-ca", None, (), ("server", "client"), "etcd-server"),
    ("etcd-peer", "etcd/peer", "etcd-ca", None, (), ("server", "client"), "etcd-peer"),
    ("etcd-healthcheck-client", "etcd/healthcheck-client", "etcd-ca", "kube-etcd-healthcheck-client", (),
     ("client",), None),
    ("apiserver-etcd-client", "apiserver-etcd-client", "etcd-ca", "kube-apiserver-etcd-client", (),
     ("client",), None),
]
CERT_ORDER = ["ca", "apiserver", "apiserver-kubelet-client", "front-proxy-ca", "front-proxy-client", "etcd-ca",
              "etcd-server", "etcd-peer", "etcd-healthcheck-client", "apiserver-etcd-client"]


def validity(cluster, key):
    return datetime.timedelta(seconds=pflag.parse_duration(cluster.get(key) or
                                                          ("87600h" if key.startswith("ca") else "8760h")))


def _ip(text):
    import ipaddress
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def alt_names(kind, cluster, node_name, endpoint):
    """(dns, ips) of a serving certificate (certs.GetAPIServerAltNames / GetEtcdAltNames)."""
    addr = endpoint["advertiseAddress"]
    net = cluster.get("networking") or {}
    if kind == "apiserver":
        domain = net.get("dnsDomain", "cluster.local")
        dns = [node_name, "kubernetes", "kubernetes.default", "kubernetes.default.svc",
               "kubernetes.default.svc." + domain]
        ips = [objs.api_service_ip(net.get("serviceSubnet", "10.96.0.0/12")), addr]
        cpe = cluster.get("controlPlaneEndpoint") or ""
        if cpe:
            host_part = api._host_port(cpe)[0]
            (ips if _ip(host_part) else dns).append(host_part)
        extra = (cluster.get("apiServer") or {}).get("certSANs") or []
    else:
        dns = [node_name, "localhost"]
        ips = [addr, "127.0.0.1", "::1"]
        local = (cluster.get("etcd") or {}).get("local") or {}
        extra = local.get("serverCertSANs" if kind == "etcd-server" else "peerCertSANs") or []
    for san in extra:
        (ips if _ip(san) else dns).append(san)
    seen, uniq_ips = set(), []
    for ip in ips:
        norm = _ip(ip)
        if norm and norm not in seen:
            seen.add(norm)
            uniq_ips.append(norm)
    return sorted(set(dns)), uniq_ips


def cert_path(certs_dir, base):
    return "%s/%s" % (certs_dir.rstrip("/"), base)


def load_ca(certs_dir, base):
    cert, key = pki.read_pair(host(cert_path(certs_dir, base)))
    return cert, key


def ensure_ca(ctx, name):
    _, base, cn = next(s for s in CA_SPECS if s[0] == name)
    path = cert_path(ctx.certs_dir, base)
    cert, key = pki.read_pair(host(path))
    if cert is not None and key is not None:
        out("[certs] Using existing %s certificate authority" % base)
        return cert, key
    if cert is not None and key is None:
        out("[certs] Using existing %s keyless certificate authority" % base)
        return cert, None
    out('[certs] Generating "%s" certificate and key' % base)
    cert, key = pki.new_ca(cn, ctx.cluster.get("encryptionAlgorithm", "RSA-2048"),
                           validity(ctx.cluster, "caCertificateValidityPeriod"))
    pki.write_pair(host(path), cert, key)
    WRITER.touched()
    return cert, key


def ensure_leaf(ctx, name):
    _, base, ca_name, cn, orgs, usages, san_kind = next(s for s in LEAF_SPECS if s[0] == name)
    path = cert_path(ctx.certs_dir, base)
    existing, key = pki.read_pair(host(path))
    ca_base = next(s[1] for s in CA_SPECS if s[0] == ca_name)
    ca_cert, ca_key = load_ca(ctx.certs_dir, ca_base)
    if ca_cert is None:
        raise KubeadmError("couldn't load CA certificate %s: open %s.crt: no such file or directory"
                           % (ca_name, cert_path(ctx.certs_dir, ca_base)))
    if existing is not None and key is not None:
        if not pki.signed_by(existing, ca_cert):
            raise KubeadmError("certificate %s is not signed by corresponding CA" % base)
        out("[certs] Using existing %s certificate and key on disk" % base)
        return
    if ca_key is None:
        raise KubeadmError("couldn't load CA private key %s: open %s.key: no such file or directory"
                           % (ca_name, cert_path(ctx.certs_dir, ca_base)))
    out('[certs] Generating "%s" certificate and key' % base)
    dns, ips = alt_names(san_kind, ctx.cluster, ctx.node_name, ctx.endpoint) if san_kind else ((), ())
    cert, key = pki.new_signed(ca_cert, ca_key, cn or ctx.node_name, orgs, usages, dns, ips,
                               ctx.cluster.get("encryptionAlgorithm", "RSA-2048"),
                               validity(ctx.cluster, "certificateValidityPeriod"))
    if san_kind:
        sdns, sips = pki.sans(cert)
        out("[certs] %s serving cert is signed for DNS names [%s] and IPs [%s]"
            % (base, " ".join(sdns), " ".join(sips)))
    pki.write_pair(host(path), cert, key)
    WRITER.touched()


def ensure_sa(ctx):
    key_path = cert_path(ctx.certs_dir, "sa.key")
    if exists(key_path):
        out('[certs] Using the existing "sa" key')
        return
    out('[certs] Generating "sa" key and public key')
    key = pki.new_key(ctx.cluster.get("encryptionAlgorithm", "RSA-2048"))
    WRITER.write(key_path, pki.key_pem(key), 0o600)
    WRITER.write(cert_path(ctx.certs_dir, "sa.pub"), pki.public_pem(key), 0o644)


def ensure_cert(ctx, name):
    if any(s[0] == name for s in CA_SPECS):
        ensure_ca(ctx, name)
    else:
        ensure_leaf(ctx, name)


def etcd_local(cluster):
    return bool((cluster.get("etcd") or {}).get("local")) and not (cluster.get("etcd") or {}).get("external")


# ---------------------------------------------------------------------------------------------
# kubeconfig files (phases/kubeconfig)

KUBECONFIG_ORDER = ["admin", "super-admin", "kubelet", "controller-manager", "scheduler"]


def kubeconfig_spec(ctx, name):
    """(file name, user, CN, organizations, server)."""
    cpe_url = objs.control_plane_url(ctx.cluster, ctx.endpoint)
    local = objs.local_url(ctx.endpoint)
    return {
        "admin": ("admin.conf", "kubernetes-admin", "kubernetes-admin", [objs.CLUSTER_ADMINS_GROUP], cpe_url),
        "super-admin": ("super-admin.conf", "kubernetes-super-admin", "kubernetes-super-admin",
                        ["system:masters"], cpe_url),
        "kubelet": ("kubelet.conf", "system:node:" + ctx.node_name, "system:node:" + ctx.node_name,
                    ["system:nodes"], cpe_url),
        "controller-manager": ("controller-manager.conf", "system:kube-controller-manager",
                               "system:kube-controller-manager", [], local),
        "scheduler": ("scheduler.conf", "system:kube-scheduler", "system:kube-scheduler", [], local),
    }[name]


def ensure_kubeconfig(ctx, name):
    fname, user, cn, orgs, server = kubeconfig_spec(ctx, name)
    path = "%s/%s" % (ctx.kubeconfig_dir, fname)
    ca_cert, ca_key = load_ca(ctx.certs_dir, "ca")
    if ca_cert is None:
        raise KubeadmError("couldn't create a kubeconfig; the CA files couldn't be loaded: failed to load "
                           "certificate: couldn't load the certificate file %s/ca.crt: open %s/ca.crt: no such "
                           "file or directory" % (ctx.certs_dir, ctx.certs_dir))
    ca_pem = pki.cert_pem(ca_cert)
    if exists(path):
        try:
            cur_server, cur_ca = kube.load_kubeconfig(host(path))[:2]
        except (OSError, ValueError, KeyError, TypeError):
            cur_server, cur_ca = None, None
        if cur_ca and cur_ca.strip() != ca_pem.strip():
            raise KubeadmError("a kubeconfig file %s exists already but has got the wrong CA cert" % go_quote(path))
        if cur_server and cur_server != server:
            raise KubeadmError("a kubeconfig file %s exists already but has an unexpected API Server URL: "
                               "expected: %s, got: %s" % (go_quote(path), server, cur_server))
        out("[kubeconfig] Using existing kubeconfig file: %s" % go_quote(path))
        return
    if ca_key is None:
        raise KubeadmError("couldn't create a kubeconfig; the CA key is missing")
    cert, key = pki.new_signed(ca_cert, ca_key, cn, orgs, ("client",),
                               algorithm=ctx.cluster.get("encryptionAlgorithm", "RSA-2048"),
                               validity=validity(ctx.cluster, "certificateValidityPeriod"))
    doc = objs.kubeconfig(server, ctx.cluster.get("clusterName", "kubernetes"), user, ca_pem,
                          pki.cert_pem(cert), pki.key_pem(key))
    out('[kubeconfig] Writing "%s" kubeconfig file' % fname)
    WRITER.write(path, objs.dump(doc), 0o600)


# ---------------------------------------------------------------------------------------------
# API access

def api_message(exc):
    if isinstance(exc, kube.ApiError):
        return exc.body.get("message") or str(exc)
    return str(exc)


def retry(fn, timeout, interval=1.0, retry_statuses=(429, 500, 502, 503, 504)):
    """Call ``fn`` until it stops failing transiently (connection errors, 5xx; every API error when
    ``retry_statuses`` is None) or ``timeout`` passes."""
    deadline = time.time() + timeout
    while True:
        try:
            return fn()
        except kube.ApiError as exc:
            if (retry_statuses is not None and exc.status not in retry_statuses) or time.time() >= deadline:
                raise
        except (OSError, ssl.SSLError, ValueError):
            if time.time() >= deadline:
                raise
        time.sleep(interval)


def create_or_update(client, path, obj, timeout=60, retain=False):
    """apiclient.CreateOrUpdate* (or CreateOrRetain when ``retain``).

    Upstream (cmd/kubeadm/app/util/apiclient/idempotency.go) polls every
    KubernetesAPICallRetryInterval (500 ms) until KubernetesAPICall (1 min) passes and retries ANY
    error, a 403 included: right after the kubeadm:cluster-admins binding is created, the API
    server's RBAC authorizer may not know it yet, and the next attempt succeeds."""
    kind = obj.get("kind", "object")

    def attempt():
        try:
            return client.create(path, obj)
        except kube.ApiError as exc:
            if exc.status != 409:
                raise
        if retain:
            return None
        return client.create_or_update(path, obj)
    try:
        result = retry(attempt, timeout, interval=0.5, retry_statuses=None)
    except kube.ApiError as exc:
        raise KubeadmError("unable to create %s: %s" % (kind, api_message(exc)))
    except (OSError, ssl.SSLError) as exc:
        raise KubeadmError("unable to create %s: %s" % (kind, exc))
    WRITER.touched()
    return result


def client_from(path, timeout=10):
    try:
        return kube.Client.from_kubeconfig(host(path), timeout=timeout)
    except OSError as exc:
        raise KubeadmError("failed to load admin kubeconfig: open %s: %s" % (path, (exc.strerror or str(exc)).lower()))
    except (ValueError, KeyError, TypeError) as exc:
        raise KubeadmError("failed to load kubeconfig %s: %s" % (path, exc))


def ensure_cluster_admins(client, kube_dir, timeout):
    """EnsureAdminClusterRoleBinding: admin.conf may not create it before it exists; super-admin.conf can."""
    binding = objs.cluster_admins_binding()

    def attempt():
        try:
            client.create(objs.CRB, binding)
            return
        except kube.ApiError as exc:
            if exc.status == 409:
                return
            if exc.status != 403:
                raise
        sup = client_from(kube_dir + "/super-admin.conf")
        try:
            sup.create(objs.CRB, binding)
        except kube.ApiError as exc:
            if exc.status != 409:
                raise
    try:
        retry(attempt, timeout)
    except (kube.ApiError, OSError, ssl.SSLError) as exc:
        raise KubeadmError("could not bootstrap the admin user in file admin.conf: unable to create "
                           "ClusterRoleBinding: %s" % api_message(exc))


def wait_node(client, name, timeout):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            return client.get("/api/v1/nodes/" + name)
        except (kube.ApiError, OSError, ssl.SSLError) as exc:
            last = exc
        time.sleep(1)
    raise KubeadmError("error patching Node %s: timed out waiting for the Node to exist: %s"
                       % (go_quote(name), api_message(last) if last else "context deadline exceeded"))


def patch_node(client, name, mutate, timeout):
    """PatchNode: wait for the Node, apply ``mutate(node)``, PUT with conflict retries."""
    deadline = time.time() + timeout
    while True:
        node = wait_node(client, name, max(1, deadline - time.time()))
        mutate(node)
        try:
            client.replace("/api/v1/nodes/" + name, node)
            WRITER.touched()
            return
        except kube.ApiError as exc:
            if exc.status != 409 or time.time() >= deadline:
                raise KubeadmError("error patching Node %s: %s" % (go_quote(name), api_message(exc)))
        time.sleep(0.5)


def annotate_cri_socket(client, name, socket_path, timeout):
    def mutate(node):
        node["metadata"].setdefault("annotations", {})[objs.CRI_SOCKET_ANNOTATION] = socket_path
    patch_node(client, name, mutate, timeout)


def mark_control_plane(client, name, taints, timeout):
    labels = [objs.CONTROL_PLANE_LABEL, objs.EXCLUDE_LB_LABEL]
    out("[mark-control-plane] Marking the node %s as control-plane by adding the labels: [%s]"
        % (name, " ".join(labels)))
    if taints:
        out("[mark-control-plane] Marking the node %s as control-plane by adding the taints [%s]"
            % (name, " ".join(objs.taint_text(t) for t in taints)))

    def mutate(node):
        node_labels = node["metadata"].setdefault("labels", {})
        for label in labels:
            node_labels[label] = ""
        spec_taints = node.setdefault("spec", {}).setdefault("taints", [])
        for taint in taints or []:
            if not any(t.get("key") == taint["key"] and t.get("effect") == taint.get("effect") for t in spec_taints):
                spec_taints.append({k: v for k, v in taint.items() if k in ("key", "value", "effect")})
        if not spec_taints:
            node["spec"].pop("taints")
    patch_node(client, name, mutate, timeout)


# ---------------------------------------------------------------------------------------------
# health waits (util/apiclient/wait.go)

def http_ok(url, timeout=5, insecure=True):
    try:
        ctx = None
        if url.startswith("https"):
            ctx = ssl.create_default_context()
            if insecure:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(url, timeout=timeout, context=ctx) as resp:
            return resp.status == 200, ""
    except urllib.error.HTTPError as exc:
        return False, "Get %s: HTTP status code %d" % (go_quote(url), exc.code)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, "Get %s: %s" % (go_quote(url), reason)


def wait_kubelet(kubelet_cfg, timeout):
    addr = kubelet_cfg.get("healthzBindAddress") or "127.0.0.1"
    port = kubelet_cfg.get("healthzPort") or 10248
    url = "http://%s/healthz" % objs.host_port(addr, port)
    out("[kubelet-check] Waiting for a healthy kubelet at %s. This can take up to %s"
        % (url, pflag.format_duration(timeout)))
    start = time.time()
    last = ""
    while True:
        ok, last = http_ok(url)
        if ok:
            out("[kubelet-check] The kubelet is healthy after %s" % since(start))
            return
        if time.time() - start >= timeout:
            out("[kubelet-check] The kubelet is not healthy after %s" % since(start))
            raise KubeadmError("The HTTP call equal to 'curl -sSL %s' returned error: %s" % (url, last or
                                                                                          "context deadline exceeded"))
        time.sleep(1)


def wait_components(components, timeout):
    """[(name, url)] polled until each answers 200 (WaitForControlPlaneComponents)."""
    out("[control-plane-check] Waiting for healthy control plane components. This can take up to %s"
        % pflag.format_duration(timeout))
    for name, url in components:
        out("[control-plane-check] Checking %s at %s" % (name, url))
    start = time.time()
    pending = dict(components)
    last = {}
    while pending:
        for name, url in list(pending.items()):
            ok, err = http_ok(url)
            if ok:
                out("[control-plane-check] %s is healthy after %s" % (name, since(start)))
                del pending[name]
            else:
                last[name] = err
        if pending and time.time() - start >= timeout:
            errs = []
            for name, url in components:
                if name in pending:
                    out("[control-plane-check] %s is not healthy after %s" % (name, since(start)))
                    errs.append("%s check failed at %s: %s"
                        % (name, url, last.get(name) or "context deadline exceeded"))
            raise KubeadmError(api.aggregate(errs))
        if pending:
            time.sleep(1)


def wait_api(client, timeout):
    out("[api-check] Waiting for a healthy API server. This can take up to %s" % pflag.format_duration(timeout))
    start = time.time()
    while True:
        try:
            client.request("GET", "/healthz")
            out("[api-check] The API server is healthy after %s" % since(start))
            return
        except (kube.ApiError, OSError, ssl.SSLError, ValueError):
            pass
        if time.time() - start >= timeout:
            out("[api-check] The API server is not healthy after %s" % since(start))
            raise KubeadmError("context deadline exceeded")
        time.sleep(1)


KUBELET_FAIL = """
Unfortunately, an error has occurred, likely caused by:
	- The kubelet is not running
	- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)

If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:
	- 'systemctl status kubelet'
	- 'journalctl -xeu kubelet'
"""

CONTROL_PLANE_FAIL = """
A control plane component may have crashed or exited when started by the container runtime.
To troubleshoot, list all containers using your preferred container runtimes CLI.
Here is one example how you may list all running Kubernetes containers by using crictl:
	- 'crictl --runtime-endpoint %(socket)s ps -a | grep kube | grep -v pause'
	Once you have found the failing container, you can inspect its logs with:
	- 'crictl --runtime-endpoint %(socket)s logs CONTAINERID'
"""


def control_plane_components(endpoint):
    return [("kube-apiserver", "https://%s/livez" % objs.host_port(endpoint["advertiseAddress"],
                                                                   endpoint.get("bindPort", 6443))),
            ("kube-controller-manager", "https://127.0.0.1:10257/healthz"),
            ("kube-scheduler", "https://127.0.0.1:10259/livez")]


# ---------------------------------------------------------------------------------------------
# systemd and static pods

def systemctl(*args):
    if root() != "/":  # a test tree below SEED_DOUBLES_ROOT: never touch the host's services
        return 0, "", ""
    return run_cmd(["systemctl"] + list(args), 120)


def stop_kubelet():
    systemctl("stop", "kubelet")


def start_kubelet(prefix="[kubelet-start]"):
    """TryStartKubelet: daemon-reload + restart, warnings only."""
    rc, _, _ = systemctl("cat", "kubelet.service")
    if rc != 0:
        out("%s WARNING: Couldn't detect a kubelet service. Can't make sure the kubelet is running properly." % prefix)
        out("%s Please ensure kubelet is reloaded and running manually." % prefix)
        return
    rc1, _, err1 = systemctl("daemon-reload")
    rc2, _, err2 = systemctl("restart", "kubelet")
    if rc1 or rc2:
        out("%s WARNING: unable to start the kubelet service: [%s]" % (prefix, (err1 or err2).strip()))
        out("%s Please ensure kubelet is reloaded and running manually." % prefix)


def write_manifest(name, pod):
    pod = json.loads(json.dumps(pod))
    pod["metadata"]["creationTimestamp"] = None
    os.makedirs(host(MANIFESTS), mode=0o700, exist_ok=True)
    WRITER.write("%s/%s.yaml" % (MANIFESTS, name), objs.dump(pod), 0o600)


# ---------------------------------------------------------------------------------------------
# preflight (app/preflight/checks.go)

def port_in_use(port):
    for family, addr in ((socket.AF_INET6, "::"), (socket.AF_INET, "0.0.0.0")):
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError:
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((addr, port))
            sock.listen(1)
            return False
        except OSError:
            return True
        finally:
            sock.close()
    return False


def check_port(port):
    return ("Port-%d" % port, lambda: ([], ["Port %d is in use" % port] if port_in_use(port) else []))


def check_file_available(path):
    return ("FileAvailable-" + path.replace("/", "-"),
            lambda: ([], ["%s already exists" % path] if exists(path) else []))


def check_dir_available(path):
    def run():
        try:
            entries = os.listdir(host(path))
        except OSError:
            return [], []
        return [], (["%s is not empty" % path] if entries else [])
    return ("DirAvailable-" + path.replace("/", "-"), run)


def check_root():
    return ("IsPrivilegedUser", lambda: ([], [] if os.geteuid() == 0 else ["user is not running as root"]))


def check_swap():
    def run():
        try:
            with open("/proc/swaps", encoding="utf-8") as handle:
                lines = handle.read().strip().splitlines()
        except OSError:
            return [], []
        if len(lines) > 1:
            return ["swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. "
                    "Please refer to https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or "
                    "disable swap on the node"], []
        return [], []
    return ("Swap", run)


def check_kubernetes_version(version):
    def run():
        k8s, kadm = versions.parse(version), versions.parse(VERSION)
        if (k8s.major, k8s.minor) > (kadm.major, kadm.minor):
            return [], ["Kubernetes version is greater than kubeadm version. Please consider to upgrade kubeadm. "
                        "Kubernetes version: %s. Kubeadm version: %d.%d.x" % (str(k8s)[1:], kadm.major, kadm.minor)]
        return [], []
    return ("KubernetesVersion", run)


def run_checks(checks, ignored):
    """preflight.RunChecks: warnings on stderr, errors aggregated unless ignored."""
    ignore = {i.lower() for i in ignored}
    errors = []
    for name, fn in checks:
        warns, errs = fn()
        if errs and (name.lower() in ignore or "all" in ignore):
            warns, errs = warns + errs, []
        for msg in warns:
            sys.stderr.write("\t[WARNING %s]: %s\n" % (name, msg))
        errors += ["\t[ERROR %s]: %s\n" % (name, e) for e in errs]
    sys.stderr.flush()
    if errors:
        raise KubeadmError("[preflight] Some fatal errors occurred:\n%s[preflight] If you know what you are "
                           "doing, you can make a check non-fatal with `--ignore-preflight-errors=...`"
                           % "".join(errors), "preflight")


def pull_images_check(image_list, policy, ignored, prefix="[preflight]"):
    out("%s Pulling images required for setting up a Kubernetes cluster" % prefix)
    out("%s This might take a minute or two, depending on the speed of your internet connection" % prefix)
    out("%s You can also perform this action beforehand using 'kubeadm config images pull'" % prefix)

    def run():
        errs = []
        for img in image_list:
            if policy != "Always" and image_present(img):
                continue
            if policy == "Never":
                errs.append("image %s does not exist and image pull policy is Never" % img)
                continue
            ok, err = pull(img)
            if not ok:
                errs.append("failed to pull image %s: %s" % (img, err))
        return [], errs
    run_checks([("ImagePull", run)], ignored)


def control_plane_checks(cluster, node, endpoint):
    checks = [check_root(), check_kubernetes_version(cluster["kubernetesVersion"]),
              check_port(endpoint.get("bindPort", 6443)), check_port(10259), check_port(10257)]
    for comp in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"):
        checks.append(check_file_available("%s/%s.yaml" % (MANIFESTS, comp)))
    if etcd_local(cluster):
        checks += [check_port(2379), check_port(2380),
                   check_dir_available(cluster["etcd"]["local"].get("dataDir", "/var/lib/etcd"))]
    return checks


def common_checks():
    return [check_swap(), check_port(10250)]


# ---------------------------------------------------------------------------------------------
# workflow runner (app/cmd/phases/workflow)

class Phase:
    def __init__(self, name, run=None, subs=(), flags=(), short="", all_sub=True):
        self.name = name
        self.run = run
        self.subs = list(subs)
        self.flags = list(flags)
        self.short = short
        self.all_sub = all_sub


def skipped(name, skip):
    return name in skip or any(name.startswith(s + "/") for s in skip)


def run_phase(ctx, phase, full, skip):
    if phase.run:
        try:
            phase.run(ctx)
        except KubeadmError as exc:
            raise KubeadmError("error execution phase %s: %s" % (full, exc))
    for sub in phase.subs:
        name = full + "/" + sub.name
        if not skipped(name, skip):
            run_phase(ctx, sub, name, skip)


def run_workflow(ctx, phases, command, skip):
    WRITER.command = command
    for phase in phases:
        if skipped(phase.name, skip):
            continue
        WRITER.phase = phase.name
        run_phase(ctx, phase, phase.name, skip)
        WRITER.touched()
        faults.check(command, phase.name, "after")
    WRITER.phase = None


def phase_commands(phases, all_flags, kind):
    by_name = {f.name: f for f in all_flags}
    extra = {"kubeconfig": F("kubeconfig", default="/etc/kubernetes/admin.conf"),
             "kubeconfig-dir": F("kubeconfig-dir", default="/etc/kubernetes"),
             "print-manifest": F("print-manifest", "bool")}

    def flags_of(phase):
        return [by_name.get(n) or extra[n] for n in phase.flags]

    def leaf_runner(top, path_phases):
        def run(cmd, parsed):
            ctx = InitContext(parsed)
            ctx.cfg  # loaded (and validated) before any phase runs, as newInitData does
            WRITER.command = "kubeadm %s phase" % kind
            WRITER.phase = top.name
            full = "/".join(p.name for p in path_phases)
            run_phase(ctx, path_phases[-1], full, [])
            WRITER.touched()
            faults.check(WRITER.command, top.name, "after")
            return 0
        return run

    def all_runner(top):
        def run(cmd, parsed):
            ctx = InitContext(parsed)
            ctx.cfg
            WRITER.command = "kubeadm %s phase" % kind
            WRITER.phase = top.name
            run_phase(ctx, top, top.name, [])
            WRITER.touched()
            faults.check(WRITER.command, top.name, "after")
            return 0
        return run

    def missing_sub(cmd, parsed):
        if parsed.args:
            raise KubeadmError("invalid subcommand %s\nSee '%s -h' for help and examples"
                               % (go_quote(" ".join(parsed.args)), cmd.path()))
        raise KubeadmError("missing subcommand; %s is not meant to be run on its own" % go_quote(cmd.name))

    children = []
    for top in phases:
        if top.subs:
            subs = []
            if top.all_sub:
                subs.append(pflag.Command("all", all_runner(top), flags_of(top)))
            for sub in top.subs:
                subs.append(pflag.Command(sub.name, leaf_runner(top, [top, sub]), flags_of(sub) or flags_of(top)))
            children.append(pflag.Command(top.name, missing_sub, children=subs, args=None))
        else:
            children.append(pflag.Command(top.name, leaf_runner(top, [top]), flags_of(top)))
    return group("phase", children)


# ---------------------------------------------------------------------------------------------
# init

def set_active_timeouts(cfg):
    """kubeadmapi.SetActiveTimeouts: the loaded configuration's timeouts apply to what the command
    writes (the startup probes' failureThreshold)."""
    objs.ACTIVE_CONTROL_PLANE_TIMEOUT[0] = api.duration_of(cfg, "controlPlaneComponentHealthCheck")


class InitContext:
    def __init__(self, parsed, cfg=None):
        self.parsed = parsed
        self._cfg = cfg
        self._client = None
        self._key = None

    @property
    def cfg(self):
        if self._cfg is None:
            self._cfg = load_init_config(self.parsed)
            set_active_timeouts(self._cfg)
        return self._cfg

    @property
    def cluster(self):
        return self.cfg["cluster"]

    @property
    def node(self):
        return self.cfg["node"]

    @property
    def endpoint(self):
        return self.node["localAPIEndpoint"]

    @property
    def node_name(self):
        return self.node["nodeRegistration"]["name"]

    @property
    def certs_dir(self):
        return self.cluster.get("certificatesDir") or "/etc/kubernetes/pki"

    @property
    def kubeconfig_dir(self):
        return self.parsed.get("kubeconfig-dir") or KUBE_DIR

    @property
    def kubeconfig_path(self):
        return self.parsed.get("kubeconfig") or KUBE_DIR + "/admin.conf"

    @property
    def ignored(self):
        return self.node["nodeRegistration"].get("ignorePreflightErrors") or []

    def timeout(self, name):
        return api.duration_of(self.cfg, name)

    def certificate_key(self):
        if self._key is None:
            self._key = self.node.get("certificateKey") or bootstrap.new_certificate_key()
        return self._key

    def kubelet_cfg(self):
        user = dict(self.cfg["components"].get("KubeletConfiguration") or {})
        user.pop("apiVersion", None)
        user.pop("kind", None)
        return objs.kubelet_config(self.cluster, user)

    def client(self):
        if self._client is None:
            client = client_from(self.kubeconfig_path)
            if self.kubeconfig_path == KUBE_DIR + "/admin.conf" and exists(KUBE_DIR + "/super-admin.conf"):
                ensure_cluster_admins(client, KUBE_DIR, self.timeout("kubernetesAPICall"))
            self._client = client
        return self._client


def p_preflight(ctx):
    out("[preflight] Running pre-flight checks")
    run_checks(control_plane_checks(ctx.cluster, ctx.node, ctx.endpoint) + common_checks(), ctx.ignored)
    pull_images_check(objs.images(ctx.cluster, VERSION), ctx.node["nodeRegistration"].get("imagePullPolicy"),
                      ctx.ignored)


def p_certs(ctx):
    out("[certs] Using certificateDir folder %s" % go_quote(ctx.certs_dir))


def cert_phase(name):
    def run(ctx):
        if name.startswith("etcd") or name == "apiserver-etcd-client":
            if not etcd_local(ctx.cluster):
                out("[certs] External etcd mode: Skipping %s certificate generation" % name)
                return
        ensure_cert(ctx, name)
    return run


def p_kubeconfig(ctx):
    out("[kubeconfig] Using kubeconfig folder %s" % go_quote(ctx.kubeconfig_dir))


def kubeconfig_phase(name):
    return lambda ctx: ensure_kubeconfig(ctx, name)


def p_etcd_local(ctx):
    if not etcd_local(ctx.cluster):
        out("[etcd] External etcd mode: Skipping the creation of a manifest for local etcd")
        return
    out("[etcd] Creating static Pod manifest for local etcd in %s" % go_quote(MANIFESTS))
    write_manifest("etcd", objs.etcd_pod(ctx.cluster, ctx.endpoint, ctx.node_name, ctx.certs_dir, VERSION))


def p_control_plane(ctx):
    out("[control-plane] Using manifest folder %s" % go_quote(MANIFESTS))


def control_plane_phase(component):
    def run(ctx):
        out("[control-plane] Creating static Pod manifest for %s" % go_quote(component))
        if component == "kube-apiserver":
            pod = objs.apiserver_pod(ctx.cluster, ctx.endpoint, ctx.certs_dir)
        elif component == "kube-controller-manager":
            pod = objs.controller_manager_pod(ctx.cluster, ctx.certs_dir)
        else:
            pod = objs.scheduler_pod(ctx.cluster)
        write_manifest(component, pod)
    return run


def write_kubelet_files(cluster, node_reg, kubelet_cfg, register_taints, join=False):
    flags_path = KUBELET_DIR + "/kubeadm-flags.env"
    cfg_path = KUBELET_DIR + "/config.yaml"
    flags = objs.kubelet_flags(node_reg, objs.pause_image(cluster, VERSION), api.default_node_name(),
                               register_taints, with_pause=minor() <= 34)
    os.makedirs(host(KUBELET_DIR), mode=0o700, exist_ok=True)

    def write_flags():
        out("[kubelet-start] Writing kubelet environment file with flags to file %s" % go_quote(flags_path))
        WRITER.write(flags_path, flags, 0o644)

    def write_cfg():
        out("[kubelet-start] Writing kubelet configuration to file %s" % go_quote(cfg_path))
        WRITER.write(cfg_path, objs.dump(kubelet_cfg), 0o644)
    if join:
        write_cfg()
        write_flags()
    else:
        write_flags()
        write_cfg()


def p_kubelet_start(ctx):
    stop_kubelet()
    write_kubelet_files(ctx.cluster, ctx.node["nodeRegistration"], ctx.kubelet_cfg(), False)
    out("[kubelet-start] Starting the kubelet")
    start_kubelet()


def p_wait_control_plane(ctx):
    out("[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from "
        "directory %s" % go_quote(MANIFESTS))
    sock = ctx.node["nodeRegistration"].get("criSocket")
    try:
        wait_kubelet(ctx.kubelet_cfg(), ctx.timeout("kubeletHealthCheck"))
    except KubeadmError as exc:
        out(KUBELET_FAIL)
        raise KubeadmError("failed while waiting for the kubelet to start: %s" % exc)
    try:
        if gate(ctx.cluster, "WaitForAllControlPlaneComponents"):
            wait_components(control_plane_components(ctx.endpoint), ctx.timeout("controlPlaneComponentHealthCheck"))
        else:
            wait_api(client_from(ctx.kubeconfig_path), ctx.timeout("controlPlaneComponentHealthCheck"))
    except KubeadmError as exc:
        out(CONTROL_PLANE_FAIL % {"socket": sock})
        raise KubeadmError("failed while waiting for the control plane to start: %s" % exc)


def p_upload_kubeadm(ctx):
    client = ctx.client()
    out("[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" "
        "Namespace")
    doc = api.cluster_document(ctx.cluster)
    for path, obj in objs.upload_config_objects(api.dump_yaml(doc)):
        create_or_update(client, path, obj, ctx.timeout("kubernetesAPICall"))


def p_upload_kubelet(ctx):
    client = ctx.client()
    out("[kubelet] Creating a ConfigMap \"kubelet-config\" in namespace kube-system with the configuration for "
        "the kubelets in the cluster")
    for path, obj in objs.upload_kubelet_objects(objs.dump(ctx.kubelet_cfg())):
        create_or_update(client, path, obj, ctx.timeout("kubernetesAPICall"))
    if not gate(ctx.cluster, "NodeLocalCRISocket"):
        annotate_cri_socket(client, ctx.node_name, ctx.node["nodeRegistration"].get("criSocket"),
                            ctx.timeout("kubernetesAPICall"))


TRANSFER = [("ca.crt", "ca.crt"), ("ca.key", "ca.key"), ("front-proxy-ca.crt", "front-proxy-ca.crt"),
            ("front-proxy-ca.key", "front-proxy-ca.key"), ("sa.pub", "sa.pub"), ("sa.key", "sa.key"),
            ("etcd/ca.crt", "etcd-ca.crt"), ("etcd/ca.key", "etcd-ca.key")]


def certs_to_transfer(cluster, certs_dir):
    """[(secret key, path)] (copycerts.certsToTransfer)."""
    items = [(secret, "%s/%s" % (certs_dir, name)) for name, secret in TRANSFER
             if etcd_local(cluster) or not name.startswith("etcd/")]
    ext = (cluster.get("etcd") or {}).get("external")
    if ext:
        items += [("external-etcd-ca.crt", ext.get("caFile", "")), ("external-etcd.crt", ext.get("certFile", "")),
                  ("external-etcd.key", ext.get("keyFile", ""))]
    return items


def upload_certs(client, cluster, certs_dir, key, timeout):
    """copycerts.UploadCerts: a 2h token as owner, the AES-GCM encrypted files, RBAC."""
    out("[upload-certs] Storing the certificates in Secret \"kubeadm-certs\" in the \"kube-system\" Namespace")
    try:
        raw_key = bootstrap.decode_hex_key(key)
    except ValueError as exc:
        raise KubeadmError("error decoding certificate key: %s" % exc)
    calls.record_secret("certificate-key", key)
    token = bootstrap.generate_token()
    calls.record_secret("bootstrap-token", token)
    secret = bootstrap.token_secret(token, "Proxy for managing TTL for the kubeadm-certs secret", ttl=7200,
                                    usages=[], groups=[])
    create_or_update(client, "/api/v1/namespaces/kube-system/secrets", secret, timeout)
    owner = retry(lambda: client.get("/api/v1/namespaces/kube-system/secrets/" + secret["metadata"]["name"]),
                  timeout)
    data = {}
    for name, path in certs_to_transfer(cluster, certs_dir):
        try:
            plain = read_file(path) if path else None
        except FileNotFoundError:
            plain = None
        data[name] = objs.b64(bootstrap.encrypt(plain, raw_key)) if plain is not None else ""
    obj = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
           "metadata": {"name": "kubeadm-certs", "namespace": "kube-system",
                        "ownerReferences": [{"apiVersion": "v1", "kind": "Secret",
                                             "name": owner["metadata"]["name"],
                                             "uid": owner["metadata"].get("uid", ""),
                                             "controller": True, "blockOwnerDeletion": True}]},
           "data": data}
    create_or_update(client, "/api/v1/namespaces/kube-system/secrets", obj, timeout)
    for path, rbac in objs.kubeadm_certs_rbac():
        create_or_update(client, path, rbac, timeout)


def p_upload_certs(ctx):
    if not ctx.parsed.get("upload-certs"):
        out("[upload-certs] Skipping phase. Please see --upload-certs")
        return
    key = ctx.certificate_key()
    upload_certs(ctx.client(), ctx.cluster, ctx.certs_dir, key, ctx.timeout("kubernetesAPICall"))
    if not ctx.parsed.get("skip-certificate-key-print"):
        out("[upload-certs] Using certificate key:")
        out(key)


def p_mark_control_plane(ctx):
    taints = ctx.node["nodeRegistration"].get("taints")
    mark_control_plane(ctx.client(), ctx.node_name, taints, ctx.timeout("kubernetesAPICall"))


def create_tokens(client, tokens, timeout, fail_if_exists=False):
    for tok in tokens:
        calls.record_secret("bootstrap-token", tok["token"])
        ttl = pflag.parse_duration(tok["ttl"]) if tok.get("ttl") and not tok.get("expires") else None
        secret = bootstrap.token_secret(tok["token"], tok.get("description", ""), ttl=ttl,
                                        expires=tok.get("expires"), usages=tok.get("usages"),
                                        groups=tok.get("groups"))
        path = "/api/v1/namespaces/kube-system/secrets"
        if fail_if_exists:
            try:
                retry(lambda: client.create(path, secret), timeout)
            except kube.ApiError as exc:
                if exc.status == 409:
                    raise KubeadmError("a token with id %s already exists" % go_quote(tok["token"].split(".")[0]))
                raise KubeadmError("failed to create bootstrap token with name %s: %s"
                                   % (go_quote(secret["metadata"]["name"]), api_message(exc)))
            WRITER.touched()
        else:
            create_or_update(client, path, secret, timeout)


def p_bootstrap_token(ctx):
    client = ctx.client()
    tokens = ctx.node.get("bootstrapTokens") or []
    if not ctx.parsed.get("skip-token-print") and tokens:
        out("[bootstrap-token] Using token: %s" % tokens[0]["token"])
    out("[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles")
    timeout = ctx.timeout("kubernetesAPICall")
    create_tokens(client, tokens, timeout)
    for msg, items in objs.bootstrap_rbac_objects():
        for path, obj in items:
            create_or_update(client, path, obj, timeout)
        out("[bootstrap-token] " + msg)
    out("[bootstrap-token] Creating the \"cluster-info\" ConfigMap in the \"kube-public\" namespace")
    server, ca_pem = kube.load_kubeconfig(host(ctx.kubeconfig_path))[:2]
    for i, (path, obj) in enumerate(objs.cluster_info_objects(server, ca_pem)):
        create_or_update(client, path, obj, timeout, retain=(i == 0))


def p_kubelet_finalize(ctx):
    pem = KUBELET_DIR + "/pki/kubelet-client-current.pem"
    conf = KUBE_DIR + "/kubelet.conf"
    if not exists(pem):
        warn("[kubelet-finalize] the kubelet client certificate %s was not found, skipping the update of %s"
             % (go_quote(pem), go_quote(conf)))
        return
    out("[kubelet-finalize] Updating %s to point to a rotatable kubelet client certificate and key" % go_quote(conf))
    doc = yaml.safe_load(read_file(conf))
    for entry in doc.get("users") or []:
        entry["user"] = {"client-certificate": pem, "client-key": pem}
    WRITER.write(conf, objs.dump(doc), 0o600)


def p_addon_coredns(ctx):
    if (ctx.cluster.get("dns") or {}).get("disabled"):
        out("[addons] Skipping the CoreDNS addon (disabled in the configuration)")
        return
    client = ctx.client()
    timeout = ctx.timeout("kubernetesAPICall")
    for i, (path, obj) in enumerate(objs.coredns_objects(ctx.cluster, VERSION)):
        create_or_update(client, path, obj, timeout, retain=(i == 0))
    out("[addons] Applied essential addon: CoreDNS")


def p_addon_proxy(ctx):
    if (ctx.cluster.get("proxy") or {}).get("disabled"):
        out("[addons] Skipping the kube-proxy addon (disabled in the configuration)")
        return
    client = ctx.client()
    timeout = ctx.timeout("kubernetesAPICall")
    user = dict(ctx.cfg["components"].get("KubeProxyConfiguration") or {})
    user.pop("apiVersion", None)
    user.pop("kind", None)
    proxy_cfg = objs.kube_proxy_config(ctx.cluster, user)
    server = objs.control_plane_url(ctx.cluster, ctx.endpoint)
    for path, obj in objs.kube_proxy_objects(ctx.cluster, server, objs.dump(proxy_cfg)):
        create_or_update(client, path, obj, timeout)
    out("[addons] Applied essential addon: kube-proxy")


def join_command(endpoint, token, pins, control_plane=False, key=None, flat=False):
    """The join command template of cmd/kubeadm/app/util/join.go."""
    text = "kubeadm join %s --token %s \\\n\t" % (endpoint, token)
    text += "".join("--discovery-token-ca-cert-hash %s " % p for p in pins)
    if control_plane:
        text += "\\\n\t--control-plane "
        if key:
            text += "--certificate-key %s" % key
    if flat:
        text = text.replace("\\\n", "").replace("\t", "")
    return text


def p_show_join_command(ctx):
    server, ca_pem = kube.load_kubeconfig(host(ctx.kubeconfig_path))[:2]
    endpoint = server.split("://", 1)[-1]
    pins = [pki.pubkey_pin(pki.load_cert(ca_pem))]
    tokens = ctx.node.get("bootstrapTokens") or []
    token = tokens[0]["token"] if tokens else ""
    if ctx.parsed.get("skip-token-print"):
        token = "<value withheld>"
    upload = bool(ctx.parsed.get("upload-certs"))
    key = ctx.certificate_key() if upload else ""
    if upload and ctx.parsed.get("skip-certificate-key-print"):
        key = "<value withheld>"
    text = ["", "Your Kubernetes control-plane has initialized successfully!", "",
            "To start using your cluster, you need to run the following as a regular user:", "",
            "  mkdir -p $HOME/.kube", "  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config",
            "  sudo chown $(id -u):$(id -g) $HOME/.kube/config", "",
            "Alternatively, if you are the root user, you can run:", "",
            "  export KUBECONFIG=/etc/kubernetes/admin.conf", "",
            "You should now deploy a pod network to the cluster.",
            "Run \"kubectl apply -f [podnetwork].yaml\" with one of the options listed at:",
            "  https://kubernetes.io/docs/concepts/cluster-administration/addons/", ""]
    if ctx.cluster.get("controlPlaneEndpoint"):
        if upload:
            text += ["You can now join any number of control-plane nodes running the following command on each "
                     "as root:", "", "  " + join_command(endpoint, token, pins, True, key), "",
                     "Please note that the certificate-key gives access to cluster sensitive data, keep it secret!",
                     "As a safeguard, uploaded-certs will be deleted in two hours; If necessary, you can use",
                     "\"kubeadm init phase upload-certs --upload-certs\" to reload certs afterward.", ""]
        else:
            text += ["You can now join any number of control-plane nodes by copying certificate authorities",
                     "and service account keys on each node and then running the following as root:", "",
                     "  " + join_command(endpoint, token, pins, True), ""]
    text += ["Then you can join any number of worker nodes by running the following on each as root:", "",
             join_command(endpoint, token, pins)]
    out("\n".join(text))


CERT_PHASE_FLAGS = ["cert-dir", "config", "kubernetes-version", "dry-run", "apiserver-advertise-address",
                    "control-plane-endpoint", "apiserver-cert-extra-sans", "service-dns-domain", "service-cidr"]
KUBECONFIG_PHASE_FLAGS = ["config", "cert-dir", "kubeconfig-dir", "apiserver-advertise-address",
                          "apiserver-bind-port", "control-plane-endpoint", "kubernetes-version", "node-name",
                          "dry-run"]
CP_PHASE_FLAGS = ["cert-dir", "config", "kubernetes-version", "image-repository", "patches", "dry-run",
                  "apiserver-advertise-address", "apiserver-bind-port", "control-plane-endpoint", "service-cidr",
                  "pod-network-cidr", "feature-gates"]
ADDON_FLAGS = ["config", "kubeconfig", "kubernetes-version", "image-repository", "dry-run",
               "apiserver-advertise-address", "control-plane-endpoint", "apiserver-bind-port", "pod-network-cidr",
               "feature-gates", "service-cidr", "service-dns-domain", "print-manifest"]


def init_phases():
    certs = [Phase(n, cert_phase(n), flags=CERT_PHASE_FLAGS) for n in CERT_ORDER]
    certs.append(Phase("sa", ensure_sa, flags=["cert-dir", "config", "dry-run"]))
    return [
        Phase("preflight", p_preflight, flags=["config", "image-repository", "cri-socket",
                                                "ignore-preflight-errors", "dry-run"]),
        Phase("certs", p_certs, certs, CERT_PHASE_FLAGS),
        Phase("kubeconfig", p_kubeconfig, [Phase(n, kubeconfig_phase(n), flags=KUBECONFIG_PHASE_FLAGS)
                                           for n in KUBECONFIG_ORDER], KUBECONFIG_PHASE_FLAGS),
        Phase("etcd", None, [Phase("local", p_etcd_local, flags=["cert-dir", "config", "image-repository",
                                                                 "patches", "dry-run"])],
              ["cert-dir", "config", "image-repository", "patches", "dry-run"], all_sub=False),
        Phase("control-plane", p_control_plane,
              [Phase("apiserver", control_plane_phase("kube-apiserver"), flags=CP_PHASE_FLAGS),
               Phase("controller-manager", control_plane_phase("kube-controller-manager"), flags=CP_PHASE_FLAGS),
               Phase("scheduler", control_plane_phase("kube-scheduler"), flags=CP_PHASE_FLAGS)], CP_PHASE_FLAGS),
        Phase("kubelet-start", p_kubelet_start, flags=["config", "cri-socket", "node-name", "patches", "dry-run",
                                                        "image-repository"]),
        Phase("wait-control-plane", p_wait_control_plane, flags=["config", "dry-run"]),
        Phase("upload-config", None, [Phase("kubeadm", p_upload_kubeadm, flags=["config", "kubeconfig", "dry-run"]),
                                      Phase("kubelet", p_upload_kubelet, flags=["config", "kubeconfig", "dry-run"])],
              ["config", "kubeconfig", "dry-run"]),
        Phase("upload-certs", p_upload_certs, flags=["config", "kubeconfig", "upload-certs", "certificate-key",
                                                      "skip-certificate-key-print", "dry-run"]),
        Phase("mark-control-plane", p_mark_control_plane, flags=["config", "node-name", "dry-run"]),
        Phase("bootstrap-token", p_bootstrap_token, flags=["config", "kubeconfig", "skip-token-print", "dry-run"]),
        Phase("kubelet-finalize", None, [Phase("enable-client-cert-rotation", p_kubelet_finalize,
                                               flags=["config", "cert-dir", "dry-run"])],
              ["config", "cert-dir", "dry-run"]),
        Phase("addon", None, [Phase("coredns", p_addon_coredns, flags=ADDON_FLAGS),
                              Phase("kube-proxy", p_addon_proxy, flags=ADDON_FLAGS)], ADDON_FLAGS),
        Phase("show-join-command", p_show_join_command,
              flags=["config", "kubeconfig", "skip-token-print", "skip-certificate-key-print", "upload-certs",
                     "dry-run"]),
    ]


def refuse_dry_run(parsed):
    if parsed.get("dry-run"):
        raise KubeadmError("--dry-run is not emulated by this test double")
    if parsed.get("patches"):
        raise KubeadmError("--patches is not emulated by this test double")


def cmd_init(cmd, parsed):
    refuse_dry_run(parsed)
    ctx = InitContext(parsed)
    cfg = ctx.cfg
    skip = list(parsed.get("skip-phases") or []) or list(cfg["node"].get("skipPhases") or [])
    if cfg["node"].get("patches"):
        raise KubeadmError("patches are not emulated by this test double")
    out("[init] Using Kubernetes version: %s" % ctx.cluster["kubernetesVersion"])
    run_workflow(ctx, init_phases(), "kubeadm init", skip)
    return 0


# ---------------------------------------------------------------------------------------------
# join

def load_join_config(parsed, args):
    check_mixed(parsed)
    path = parsed.get("config") or ""
    docs = load_docs(path, ("JoinConfiguration",))
    if not path:
        flag = parsed.get
        disc = {}
        if flag("discovery-file"):
            disc["file"] = {"kubeConfigPath": flag("discovery-file")}
        else:
            disc["bootstrapToken"] = {"token": flag("discovery-token") or flag("token") or "",
                                      "apiServerEndpoint": args[0] if args else "",
                                      "caCertHashes": flag("discovery-token-ca-cert-hash") or [],
                                      "unsafeSkipCAVerification":
                                          bool(flag("discovery-token-unsafe-skip-ca-verification"))}
        disc["tlsBootstrapToken"] = flag("tls-bootstrap-token") or flag("token") or ""
        obj = {"discovery": disc, "nodeRegistration": {}}
        if flag("cri-socket"):
            obj["nodeRegistration"]["criSocket"] = flag("cri-socket")
        if flag("control-plane"):
            ep = {"bindPort": flag("apiserver-bind-port")}
            if flag("apiserver-advertise-address"):
                ep["advertiseAddress"] = flag("apiserver-advertise-address")
            obj["controlPlane"] = {"localAPIEndpoint": ep}
            if flag("certificate-key"):
                obj["controlPlane"]["certificateKey"] = flag("certificate-key")
        docs = {"JoinConfiguration": ("v1beta4", obj)}
    elif args:
        warn("[preflight] WARNING: the positional argument %s is ignored when --config is used" % go_quote(args[0]))
    cfg = api.build_config(docs, "JoinConfiguration", VERSION)
    node = cfg["node"]
    if parsed.is_set("node-name"):
        node["nodeRegistration"]["name"] = parsed["node-name"]
    ignored = list(node["nodeRegistration"].get("ignorePreflightErrors") or []) + list(
        parsed.get("ignore-preflight-errors") or [])
    node["nodeRegistration"]["ignorePreflightErrors"] = ignored
    if node.get("controlPlane") is not None and node["nodeRegistration"].get("taints") is None:
        node["nodeRegistration"]["taints"] = [{"key": objs.CONTROL_PLANE_LABEL, "effect": "NoSchedule"}]
    errs = api.validate_join(cfg) + validate_ignore(ignored)
    if errs:
        raise KubeadmError(api.aggregate(errs), "validation")
    return cfg


def validate_pins(pins):
    for pin in pins:
        parts = pin.split(":")
        if len(parts) != 2:
            raise KubeadmError("invalid hash, expected \"format:hex-value\". Known format(s) are: sha256")
        fmt, value = parts
        if fmt.lower() != "sha256":
            raise KubeadmError("unknown hash format %s. Known format(s) are: sha256" % go_quote(fmt))
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raise KubeadmError("invalid hash %s, encoding/hex: invalid byte" % go_quote(pin))
        if len(raw) != 32:
            raise KubeadmError("invalid hash %s, expected a 32 byte SHA-256 hash, found %d bytes"
                               % (go_quote(pin), len(raw)))


def token_discovery(btd, timeout):
    """discovery/token.RetrieveValidatedConfigInfo: (server, ca_pem)."""
    token = btd.get("token", "")
    tid, tsecret = token.split(".")
    endpoint = btd["apiServerEndpoint"]
    pins = btd.get("caCertHashes") or []
    try:
        validate_pins(pins)
    except KubeadmError as exc:
        raise KubeadmError("invalid discovery token CA certificate hash: %s" % exc)
    path = "/api/v1/namespaces/kube-public/configmaps/cluster-info"
    insecure = kube.Client("https://" + endpoint, insecure=True, timeout=10)
    deadline = time.time() + timeout
    last = ""
    cm = None
    while True:
        try:
            cm = insecure.get(path)
            if bootstrap.JWS_PREFIX + tid in (cm.get("data") or {}):
                break
            last = "could not find a JWS signature in the cluster-info ConfigMap for token ID %s" % go_quote(tid)
        except kube.ApiError as exc:
            last = "failed to request the cluster-info ConfigMap: %s" % api_message(exc)
        except (OSError, ssl.SSLError, ValueError) as exc:
            last = "failed to request the cluster-info ConfigMap: Get \"https://%s%s?timeout=10s\": %s" % (
                endpoint, path, exc)
        if time.time() >= deadline:
            raise KubeadmError(last)
        time.sleep(min(5, max(0.1, deadline - time.time())))
    content = cm["data"].get("kubeconfig", "")
    if not bootstrap.jws_valid(cm["data"][bootstrap.JWS_PREFIX + tid], content, tid, tsecret):
        raise KubeadmError("failed to verify JWS signature of received cluster info object, can't trust this "
                           "API Server")
    try:
        kcfg = yaml.safe_load(content) or {}
        cluster = (kcfg.get("clusters") or [{}])[0].get("cluster") or {}
        ca_pem = base64.b64decode(cluster.get("certificate-authority-data", ""))
        ca_cert = pki.load_cert(ca_pem)
    except (ValueError, yaml.YAMLError, AttributeError, TypeError) as exc:
        raise KubeadmError("couldn't parse the kubeconfig file in the cluster-info ConfigMap: %s" % exc)
    if not btd.get("unsafeSkipCAVerification"):
        pin = pki.pubkey_pin(ca_cert)
        if pin.lower() not in [p.lower() for p in pins]:
            raise KubeadmError("cluster CA found in cluster-info ConfigMap is invalid: none of the public keys %s "
                               "are pinned" % go_quote(pin))
    try:
        secure = kube.Client("https://" + endpoint, ca_pem=ca_pem, timeout=10)
        again = retry(lambda: secure.get(path), max(5, deadline - time.time()))
    except (kube.ApiError, OSError, ssl.SSLError) as exc:
        raise KubeadmError("failed to request the cluster-info ConfigMap: %s" % api_message(exc))
    if (again.get("data") or {}).get("kubeconfig") != content:
        raise KubeadmError("the second kubeconfig from the cluster-info ConfigMap (using validated TLS) was "
                           "different from the first")
    return "https://" + endpoint, ca_pem


def file_discovery(path):
    try:
        server, ca_pem, cert, key, token = kube.load_kubeconfig(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KubeadmError("couldn't load discovery file %s: %s" % (go_quote(path), exc))
    return server, ca_pem, cert, key, token


class JoinContext:
    def __init__(self, parsed, args):
        self.parsed = parsed
        self.args = args
        self._cfg = None
        self._tls = None
        self._cluster_cfg = None
        self._kubelet_cfg = None
        self._client = None

    @property
    def cfg(self):
        if self._cfg is None:
            self._cfg = load_join_config(self.parsed, self.args)
            set_active_timeouts(self._cfg)
        return self._cfg

    @property
    def node(self):
        return self.cfg["node"]

    @property
    def control_plane(self):
        return self.node.get("controlPlane")

    @property
    def node_name(self):
        return self.node["nodeRegistration"]["name"]

    @property
    def endpoint(self):
        return (self.control_plane or {}).get("localAPIEndpoint") or {"advertiseAddress": "127.0.0.1",
                                                                      "bindPort": 6443}

    @property
    def cluster(self):
        self.fetch_cluster()
        return self._cluster_cfg

    @property
    def certs_dir(self):
        return self.cluster.get("certificatesDir") or "/etc/kubernetes/pki"

    kubeconfig_dir = KUBE_DIR

    def timeout(self, name):
        return api.duration_of(self.cfg, name)

    def tls(self):
        """(server, ca_pem, token, cert, key) of the TLS bootstrap configuration (discovery.For)."""
        if self._tls is None:
            disc = self.node["discovery"]
            if disc.get("file"):
                server, ca_pem, cert, key, token = file_discovery(disc["file"]["kubeConfigPath"])
                if not (cert or token):
                    token = disc.get("tlsBootstrapToken")
                self._tls = (server, ca_pem, token, cert, key)
            else:
                try:
                    server, ca_pem = token_discovery(disc["bootstrapToken"], self.timeout("discovery"))
                except KubeadmError as exc:
                    raise KubeadmError("couldn't validate the identity of the API Server: %s" % exc)
                self._tls = (server, ca_pem, disc.get("tlsBootstrapToken"), None, None)
        return self._tls

    def bootstrap_client(self):
        server, ca_pem, token, cert, key = self.tls()
        return kube.Client(server, ca_pem, cert, key, token=token)

    def fetch_cluster(self):
        if self._cluster_cfg is not None:
            return
        client = self.bootstrap_client()
        out("[preflight] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...")
        out("[preflight] Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it.")
        timeout = self.timeout("kubernetesAPICall")
        try:
            cm = retry(lambda: client.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config"), timeout)
        except (kube.ApiError, OSError, ssl.SSLError) as exc:
            raise KubeadmError("unable to fetch the kubeadm-config ConfigMap: %s" % api_message(exc))
        text = (cm.get("data") or {}).get("ClusterConfiguration", "")
        try:
            docs = api.load_documents(text, {"ClusterConfiguration"}, minor(), warn)
        except api.ConfigError as exc:
            raise KubeadmError("unable to decode the kubeadm-config ConfigMap: %s" % exc)
        merged = dict(docs)
        merged["JoinConfiguration"] = ("v1beta4", {})
        self._cluster_cfg = api.build_config(merged, "JoinConfiguration", VERSION, with_defaults=False)["cluster"]
        try:
            kcm = retry(lambda: client.get("/api/v1/namespaces/kube-system/configmaps/kubelet-config"), timeout)
            self._kubelet_cfg = yaml.safe_load((kcm.get("data") or {}).get("kubelet", "")) or {}
        except (kube.ApiError, OSError, ssl.SSLError) as exc:
            raise KubeadmError("failed to get config map: %s" % api_message(exc))

    def kubelet_cfg(self):
        self.fetch_cluster()
        return self._kubelet_cfg

    def client(self):
        if self._client is None:
            self._client = client_from(KUBE_DIR + "/admin.conf")
        return self._client


def jp_preflight(ctx):
    out("[preflight] Running pre-flight checks")
    ignored = ctx.node["nodeRegistration"].get("ignorePreflightErrors") or []
    checks = [check_root(), check_file_available(KUBE_DIR + "/kubelet.conf"),
              check_file_available(KUBE_DIR + "/bootstrap-kubelet.conf"), check_port(10250), check_swap()]
    if not ctx.node["discovery"].get("file"):
        checks.append(check_file_available(ctx.node.get("caCertPath") or "/etc/kubernetes/pki/ca.crt"))
    if ctx.control_plane is not None:
        checks = [c for c in checks if not c[0].startswith("FileAvailable--etc-kubernetes-pki")]
    run_checks(checks, ignored)
    cluster = ctx.cluster
    if ctx.control_plane is None:
        return
    problem = None
    if not ctx.control_plane.get("certificateKey"):
        for name in ("ca.crt", "ca.key", "sa.key", "sa.pub", "front-proxy-ca.crt", "front-proxy-ca.key"):
            path = "%s/%s" % (ctx.certs_dir, name)
            if not exists(path):
                problem = "%s doesn't exist" % path
                break
    if problem is None and not cluster.get("controlPlaneEndpoint"):
        problem = ("unable to add a new control plane instance to a cluster that doesn't have a stable "
                   "controlPlaneEndpoint address")
    if problem:
        raise KubeadmError("\nOne or more conditions for hosting a new control plane instance is not satisfied.\n\n"
                           "%s\n\nPlease ensure that:\n* The cluster has a stable controlPlaneEndpoint address.\n"
                           "* The certificates that must be shared among control plane instances are provided.\n\n"
                           % problem)
    out("[preflight] Running pre-flight checks before initializing the new control plane instance")
    cluster["kubernetesVersion"] = kube_version_text(cluster.get("kubernetesVersion"))
    run_checks(control_plane_checks(cluster, ctx.node, ctx.endpoint), ignored)
    pull_images_check(objs.images(cluster, VERSION), ctx.node["nodeRegistration"].get("imagePullPolicy"), ignored)


def download_certs(client, cluster, certs_dir, key):
    out("[download-certs] Downloading the certificates in Secret \"kubeadm-certs\" in the \"kube-system\" Namespace")
    try:
        raw_key = bootstrap.decode_hex_key(key)
    except ValueError as exc:
        raise KubeadmError("error decoding certificate key: %s" % exc)
    try:
        secret = client.get("/api/v1/namespaces/kube-system/secrets/kubeadm-certs")
    except kube.ApiError as exc:
        if exc.status == 404:
            raise KubeadmError("error downloading the secret: Secret \"kubeadm-certs\" was not found in the "
                               "\"kube-system\" Namespace. This Secret might have expired. Please, run `kubeadm init "
                               "phase upload-certs --upload-certs` on a control plane to generate a new one")
        raise KubeadmError("error downloading the secret: %s" % api_message(exc))
    except (OSError, ssl.SSLError) as exc:
        raise KubeadmError("error downloading the secret: %s" % exc)
    plain = {}
    for name, value in (secret.get("data") or {}).items():
        data = base64.b64decode(value or "")
        if not data:
            plain[name] = b""
            continue
        try:
            plain[name] = bootstrap.decrypt(data, raw_key)
        except bootstrap.CertsDecryptError as exc:
            raise KubeadmError("error decoding secret data with provided key: %s" % exc)
    writes = []
    for name, path in certs_to_transfer(cluster, certs_dir):
        if name not in plain:
            raise KubeadmError("the Secret does not include the required certificate or key - name: %s, path: %s"
                               % (name, path))
        if plain[name]:
            writes.append((path, plain[name]))
    out("[download-certs] Saving the certificates to the folder: %s" % go_quote(certs_dir))
    for path, data in writes:
        mode = 0o600 if path.endswith(".key") else 0o644
        os.makedirs(os.path.dirname(host(path)), mode=0o700, exist_ok=True)
        WRITER.write(path, data, mode)


def jp_download_certs(ctx):
    key = (ctx.control_plane or {}).get("certificateKey")
    if ctx.control_plane is None or not key:
        return
    try:
        download_certs(ctx.bootstrap_client(), ctx.cluster, ctx.certs_dir, key)
    except KubeadmError as exc:
        raise KubeadmError("error downloading certs: %s" % exc)


def jp_certs(ctx):
    if ctx.control_plane is None:
        return
    out("[certs] Using certificateDir folder %s" % go_quote(ctx.certs_dir))
    for name in CERT_ORDER:
        if (name.startswith("etcd") or name == "apiserver-etcd-client") and not etcd_local(ctx.cluster):
            continue
        ensure_cert(ctx, name)
    out("[certs] Valid certificates and keys now exist in %s" % go_quote(ctx.certs_dir))
    ensure_sa(ctx)


def jp_kubeconfig(ctx):
    if ctx.control_plane is None:
        return
    out("[kubeconfig] Generating kubeconfig files")
    out("[kubeconfig] Using kubeconfig folder %s" % go_quote(KUBE_DIR))
    for name in ("admin", "controller-manager", "scheduler"):
        ensure_kubeconfig(ctx, name)


def jp_control_plane(ctx):
    if ctx.control_plane is None:
        return
    p_control_plane(ctx)
    for comp in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        control_plane_phase(comp)(ctx)


def etcd_endpoints(client, timeout=60):
    """Client URLs of the etcd members from the etcd static Pods' annotations (etcdutil.NewFromCluster ->
    getRawEtcdEndpointsFromPodAnnotation): polled every KubernetesAPICallRetryInterval for up to the
    kubernetesAPICall timeout, through API errors and until every etcd Pod carries the annotation."""
    deadline = time.time() + timeout
    last = None
    while True:
        urls = []
        try:
            pods = client.get("/api/v1/namespaces/kube-system/pods",
                              query={"labelSelector": "component=etcd,tier=control-plane"})
            items = pods.get("items") or []
            for pod in items:
                # Every annotation that is there counts, empty or repeated (as upstream appends them).
                annotations = (pod.get("metadata") or {}).get("annotations") or {}
                if objs.ETCD_URLS_ANNOTATION in annotations:
                    urls.append(annotations[objs.ETCD_URLS_ANNOTATION])
            last = None
            if urls and len(items) == len(urls):
                return urls
        except (kube.ApiError, OSError, ssl.SSLError, ValueError) as exc:
            last = exc
        if time.time() >= deadline:
            break
        time.sleep(POLL_INTERVAL)
    reason = api_message(last) if last is not None else "context deadline exceeded"
    raise KubeadmError("could not retrieve the list of etcd endpoints: %s" % reason)


def etcd_client(endpoints, certs_dir, timeout=10):
    # etcdutil.NewFromCluster: the etcd CA and the healthcheck client certificate (not the API server's)
    return etcdlib.Client(endpoints, host(certs_dir + "/etcd/ca.crt"), host(certs_dir + "/etcd/healthcheck-client.crt"),
                          host(certs_dir + "/etcd/healthcheck-client.key"), timeout=timeout)


def jp_check_etcd(ctx):
    if ctx.control_plane is None:
        return
    if not etcd_local(ctx.cluster):
        out("[check-etcd] Skipping etcd check in external mode")
        return
    out("[check-etcd] Checking that the etcd cluster is healthy")
    try:
        client = etcd_client(etcd_endpoints(ctx.client(), ctx.timeout("kubernetesAPICall")), ctx.certs_dir)
        etcdlib.retry(client.members, ctx.timeout("etcdAPICall"))
    except (etcdlib.EtcdError, kube.ApiError, OSError, ssl.SSLError) as exc:
        raise KubeadmError("etcd cluster is not healthy: %s" % api_message(exc))


def kubelet_conf_ready():
    try:
        kube.Client.from_kubeconfig(host(KUBE_DIR + "/kubelet.conf"))
        return True
    except (OSError, ValueError, KeyError, TypeError, ssl.SSLError):
        return False


JOIN_FAIL = """
Unfortunately, an error has occurred, likely caused by:
	- The kubelet is not running
	- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)

If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:
	- 'systemctl status kubelet'
	- 'journalctl -xeu kubelet'
"""


def jp_kubelet_start(ctx):
    server, ca_pem, token, cert, key = ctx.tls()
    ctx.fetch_cluster()  # getKubeletStartJoinData reads the InitConfiguration first
    boot_path = KUBE_DIR + "/bootstrap-kubelet.conf"
    doc = objs.kubeconfig(server, "kubernetes", "tls-bootstrap-token-user", ca_pem, cert, key, token)
    WRITER.write(boot_path, objs.dump(doc), 0o600)
    try:
        ca_path = ctx.node.get("caCertPath") or "/etc/kubernetes/pki/ca.crt"
        if not exists(ca_path):
            os.makedirs(os.path.dirname(host(ca_path)), exist_ok=True)
            WRITER.write(ca_path, ca_pem, 0o644)
        client = ctx.bootstrap_client()
        name = ctx.node_name
        try:
            node = retry(lambda: client.get("/api/v1/nodes/" + name), ctx.timeout("kubernetesAPICall"))
        except kube.ApiError as exc:
            if exc.status != 404:
                raise KubeadmError("cannot get Node %s: %s" % (go_quote(name), api_message(exc)))
            node = {}
        except (OSError, ssl.SSLError) as exc:
            raise KubeadmError("cannot get Node %s: %s" % (go_quote(name), exc))
        for cond in (node.get("status") or {}).get("conditions") or []:
            if cond.get("type") == "Ready" and cond.get("status") == "True":
                raise KubeadmError("a Node with name %s and status \"Ready\" already exists in the cluster. You must "
                                   "delete the existing Node or change the name of this new joining Node"
                                   % go_quote(name))
        stop_kubelet()
        kubelet_cfg = dict(ctx.kubelet_cfg())
        write_kubelet_files(ctx.cluster, ctx.node["nodeRegistration"], kubelet_cfg,
                            ctx.control_plane is None, join=True)
        out("[kubelet-start] Starting the kubelet")
        start_kubelet()
        try:
            wait_kubelet(kubelet_cfg, ctx.timeout("kubeletHealthCheck"))
        except KubeadmError:
            out(JOIN_FAIL)
            raise
        out("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap")
        deadline = time.time() + ctx.timeout("tlsBootstrap")
        while not kubelet_conf_ready():
            if time.time() >= deadline:
                out(JOIN_FAIL)
                raise KubeadmError("context deadline exceeded")
            time.sleep(1)
        if not gate(ctx.cluster, "NodeLocalCRISocket"):
            try:
                annotate_cri_socket(client_from(KUBE_DIR + "/kubelet.conf"), name,
                                    ctx.node["nodeRegistration"].get("criSocket"), ctx.timeout("kubernetesAPICall"))
            except KubeadmError as exc:
                raise KubeadmError("error writing CRISocket for this node: %s" % exc)
    finally:
        try:
            os.remove(host(boot_path))
        except OSError:
            pass


def jp_etcd_join(ctx):
    if ctx.control_plane is None or not etcd_local(ctx.cluster):
        return
    endpoint = ctx.endpoint
    peer = "https://" + objs.host_port(endpoint["advertiseAddress"], 2380)
    timeout = ctx.timeout("etcdAPICall")
    try:
        client = etcd_client(etcd_endpoints(ctx.client(), ctx.timeout("kubernetesAPICall")), ctx.certs_dir)
        members = etcdlib.retry(client.members, timeout)
        mine = next((m for m in members if peer in (m.get("peerURLs") or [])), None)
        learner = gate(ctx.cluster, "EtcdLearnerMode")
        if mine is None:
            mine, members = etcdlib.retry(lambda: client.add(peer, learner=learner), timeout)
        out("[etcd] Announced new etcd member joining to the existing etcd cluster")
    except (KubeadmError, etcdlib.EtcdError, kube.ApiError, OSError, ssl.SSLError) as exc:
        raise KubeadmError("error creating local etcd static pod manifest file: %s" % api_message(exc))
    initial = []
    for member in members:
        urls = member.get("peerURLs") or []
        if not urls:
            continue
        name = member.get("name") or (ctx.node_name if peer in urls else "")
        if name:
            initial.append((name, urls[0]))
    if not any(u == peer for _, u in initial):
        initial.append((ctx.node_name, peer))
    out("[etcd] Creating static Pod manifest for \"etcd\"")
    write_manifest("etcd", objs.etcd_pod(ctx.cluster, endpoint, ctx.node_name, ctx.certs_dir, VERSION, initial))
    member_id = int(mine.get("ID", 0))
    out("[etcd] Waiting for the new etcd member to join the cluster. This can take up to 40s")
    deadline = time.time() + timeout
    while True:
        try:
            current = next((m for m in client.members() if int(m.get("ID", 0)) == member_id), {})
            if not current.get("isLearner"):
                break
            client.promote(member_id)
            break
        except etcdlib.EtcdError as exc:
            if time.time() >= deadline:
                raise KubeadmError("error creating local etcd static pod manifest file: etcd member %x could not be "
                                   "promoted: %s" % (member_id, exc))
        time.sleep(1)
    local = etcd_client(["https://" + objs.host_port(endpoint["advertiseAddress"], 2379)], ctx.certs_dir)
    try:
        etcdlib.retry(local.members, max(1, deadline - time.time()))
    except etcdlib.EtcdError as exc:
        raise KubeadmError("error creating local etcd static pod manifest file: timeout waiting for etcd cluster "
                           "to be available: %s" % exc)


def jp_mark_control_plane(ctx):
    if ctx.control_plane is None:
        return
    mark_control_plane(ctx.client(), ctx.node_name, ctx.node["nodeRegistration"].get("taints"),
                       ctx.timeout("kubernetesAPICall"))


def jp_wait_control_plane(ctx):
    if ctx.control_plane is None or not gate(ctx.cluster, "WaitForAllControlPlaneComponents"):
        return
    out("[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from "
        "directory %s" % go_quote(MANIFESTS))
    try:
        wait_components(control_plane_components(ctx.endpoint), ctx.timeout("controlPlaneComponentHealthCheck"))
    except KubeadmError as exc:
        out(CONTROL_PLANE_FAIL % {"socket": ctx.node["nodeRegistration"].get("criSocket")})
        raise KubeadmError("failed while waiting for the control plane to start: %s" % exc)


def join_phases():
    return [
        Phase("preflight", jp_preflight),
        Phase("control-plane-prepare", None, [Phase("download-certs", jp_download_certs), Phase("certs", jp_certs),
                                              Phase("kubeconfig", jp_kubeconfig),
                                              Phase("control-plane", jp_control_plane)]),
        Phase("check-etcd", jp_check_etcd),
        Phase("kubelet-start", jp_kubelet_start),
        Phase("control-plane-join", None, [Phase("etcd", jp_etcd_join),
                                           Phase("mark-control-plane", jp_mark_control_plane)]),
        Phase("wait-control-plane", jp_wait_control_plane),
    ]


JOIN_WORKER_DONE = """
This node has joined the cluster:
* Certificate signing request was sent to apiserver and a response was received.
* The Kubelet was informed of the new secure connection details.

Run 'kubectl get nodes' on the control-plane to see this node join the cluster.
"""

JOIN_CP_DONE = """
This node has joined the cluster and a new control plane instance was created:

* Certificate signing request was sent to apiserver and approval was received.
* The Kubelet was informed of the new secure connection details.
* Control plane label and taint were applied to the new node.
* The Kubernetes control plane instances scaled up.
%s
To start administering your cluster from this node, you need to run the following as a regular user:

	mkdir -p $HOME/.kube
	sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config
	sudo chown $(id -u):$(id -g) $HOME/.kube/config

Run 'kubectl get nodes' to see this node join the cluster.
"""


def cmd_join(cmd, parsed):
    refuse_dry_run(parsed)
    ctx = JoinContext(parsed, parsed.args)
    cfg = ctx.cfg
    if cfg["node"].get("patches"):
        raise KubeadmError("patches are not emulated by this test double")
    skip = list(parsed.get("skip-phases") or []) or list(cfg["node"].get("skipPhases") or [])
    run_workflow(ctx, join_phases(), "kubeadm join", skip)
    if ctx.control_plane is not None:
        etcd_line = ("* A new etcd member was added to the local/stacked etcd cluster.\n"
                     if etcd_local(ctx.cluster) else "")
        out(JOIN_CP_DONE % etcd_line)
    else:
        out(JOIN_WORKER_DONE)
    return 0


# ---------------------------------------------------------------------------------------------
# reset

RESET_DONE = """
The reset process does not clean CNI configuration. To do so, you must remove /etc/cni/net.d

The reset process does not reset or clean up iptables rules or IPVS tables.
If you wish to reset iptables, you must do so manually by using the "iptables" command.

If your cluster was setup to utilize IPVS, run ipvsadm --clear (or similar)
to reset your system's IPVS tables.

The reset process does not clean your kubeconfig files and you must remove them manually.
Please, check the contents of the $HOME/.kube/config file.
"""


def fetch_cluster_config(kubeconfig_path, prefix, timeout=10, quiet=False):
    """ClusterConfiguration (internal dict) from the kubeadm-config ConfigMap, or None. `quiet`: the
    printer of a structured output (-o json|yaml) drops these lines (ResourcePrinterWrapper.Printf)."""
    if not exists(kubeconfig_path):
        return None, "open %s: no such file or directory" % kubeconfig_path
    try:
        client = kube.Client.from_kubeconfig(host(kubeconfig_path), timeout=timeout)
        cm = client.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
        text = (cm.get("data") or {}).get("ClusterConfiguration", "")
        docs = api.load_documents(text, {"ClusterConfiguration"}, minor(), lambda m: None)
    except (kube.ApiError, OSError, ssl.SSLError, ValueError, KeyError, TypeError, api.ConfigError) as exc:
        return None, api_message(exc)
    if not quiet:
        out("%s Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"..." % prefix)
        out("%s Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it." % prefix)
    docs = dict(docs)
    docs["JoinConfiguration"] = ("v1beta4", {})
    return api.build_config(docs, "JoinConfiguration", VERSION, with_defaults=False)["cluster"], None


def manifest_flags(name):
    try:
        pod = yaml.safe_load(read_file("%s/%s.yaml" % (MANIFESTS, name))) or {}
    except (OSError, yaml.YAMLError):
        return None, None
    flags = {}
    for arg in ((pod.get("spec") or {}).get("containers") or [{}])[0].get("command") or []:
        if arg.startswith("--"):
            key, _, value = arg[2:].partition("=")
            flags[key] = value
    return pod, flags


def clean_dir(path):
    real = host(path)
    if not os.path.isdir(real):
        return
    import shutil
    for entry in os.listdir(real):
        full = os.path.join(real, entry)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full, ignore_errors=True)
        else:
            try:
                os.remove(full)
            except OSError:
                pass


def remove_etcd_member(admin_path, certs_dir, etcd_flags, timeout=60):
    peer = (etcd_flags.get("initial-advertise-peer-urls") or "").split(",")[0]
    own_client = (etcd_flags.get("advertise-client-urls") or "").split(",")[0]
    client = kube.Client.from_kubeconfig(host(admin_path), timeout=10)
    # ResetConfiguration.timeouts.kubernetesAPICall (SetActiveTimeouts), default 1m.
    endpoints = etcd_endpoints(client, timeout)
    etcd = etcd_client(endpoints, certs_dir)
    members = etcd.members()
    if len(members) == 1 and own_client in endpoints:
        return
    for member in members:
        if peer in (member.get("peerURLs") or []):
            etcd.remove(member["ID"])
            return


def cmd_reset(cmd, parsed):
    refuse_dry_run(parsed)
    check_mixed(parsed)
    docs = load_docs(parsed.get("config") or "", ("ResetConfiguration",))
    rcfg = dict(docs["ResetConfiguration"][1]) if "ResetConfiguration" in docs else {}
    force = parsed.get("force") or rcfg.get("force")
    certs_dir = rcfg.get("certificatesDir") or parsed.get("cert-dir") or "/etc/kubernetes/pki"
    cleanup_tmp = parsed.get("cleanup-tmp-dir") or rcfg.get("cleanupTmpDir")
    ignored = list(rcfg.get("ignorePreflightErrors") or []) + list(parsed.get("ignore-preflight-errors") or [])
    skip = list(parsed.get("skip-phases") or []) or list(rcfg.get("skipPhases") or [])
    admin_path = parsed.get("kubeconfig") or KUBE_DIR + "/admin.conf"
    cluster, err = fetch_cluster_config(admin_path, "[reset]")
    if cluster is None:
        warn("[reset] Unable to fetch the kubeadm-config ConfigMap from cluster: failed to get config map: %s" % err)
    elif not (rcfg.get("certificatesDir") or parsed.is_set("cert-dir")):
        certs_dir = cluster.get("certificatesDir") or certs_dir
    state = {"dirs": []}

    def r_preflight(_):
        if not force:
            out("[reset] WARNING: Changes made to this host by 'kubeadm init' or 'kubeadm join' will be reverted.")
            sys.stdout.write("[reset] Are you sure you want to proceed? [y/N]: ")
            sys.stdout.flush()
            answer = sys.stdin.readline().strip()
            if answer.lower() != "y":
                raise KubeadmError("aborted reset operation")
        out("[preflight] Running pre-flight checks")
        run_checks([check_root()], ignored)

    def r_remove_etcd_member(_):
        pod, flags = manifest_flags("etcd")
        if pod is None:
            out("[reset] No etcd config found. Assuming external etcd")
            out("[reset] Please, manually reset etcd to prevent further issues")
            return
        if cluster is not None:
            try:
                api_call = ((rcfg.get("timeouts") or {}).get("kubernetesAPICall")) or "1m"
                remove_etcd_member(admin_path, certs_dir, flags, pflag.parse_duration(api_call))
                WRITER.touched()
            except (KubeadmError, etcdlib.EtcdError, kube.ApiError, OSError, ssl.SSLError, ValueError) as exc:
                warn("[reset] Failed to remove etcd member: %s, Please manually remove this etcd member using "
                     "etcdctl" % api_message(exc))
        data_dir = flags.get("data-dir") or "/var/lib/etcd"
        for vol in (pod.get("spec") or {}).get("volumes") or []:
            if vol.get("name") == "etcd-data":
                data_dir = (vol.get("hostPath") or {}).get("path") or data_dir
        state["dirs"].append(data_dir)

    def r_cleanup_node(_):
        out("[reset] Stopping the kubelet service")
        if root() == "/":
            systemctl("stop", "kubelet")
            if os.path.exists(PODS_HELPER):
                run_cmd([PODS_HELPER, "stop-all"], 300)
        WRITER.touched()
        out("[reset] Unmounting mounted directories in %s" % go_quote(KUBELET_DIR))
        if certs_dir != "/etc/kubernetes/pki":
            warn("[reset] WARNING: Cleaning a non-default certificates directory: %s" % go_quote(certs_dir))
        dirs = state["dirs"] + [MANIFESTS, KUBELET_DIR, certs_dir]
        if cleanup_tmp:
            dirs.append(KUBE_DIR + "/tmp")
        out("[reset] Deleting contents of directories: [%s]" % " ".join(dirs))
        for path in dirs:
            clean_dir(path)
        files = ["%s/%s" % (KUBE_DIR, f) for f in ("admin.conf", "super-admin.conf", "kubelet.conf",
                                                    "bootstrap-kubelet.conf", "controller-manager.conf",
                                                    "scheduler.conf")]
        out("[reset] Deleting files: [%s]" % " ".join(files))
        for path in files:
            try:
                os.remove(host(path))
            except OSError:
                pass

    phases = [Phase("preflight", r_preflight), Phase("remove-etcd-member", r_remove_etcd_member),
              Phase("cleanup-node", r_cleanup_node)]
    run_workflow(None, phases, "kubeadm reset", skip)
    out(RESET_DONE)
    return 0


# ---------------------------------------------------------------------------------------------
# upgrade (app/cmd/upgrade, app/cmd/phases/upgrade/{apply,node}, app/phases/upgrade)

CONTROL_PLANE_COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
RENEW_BY_COMPONENT = {
    "etcd": ["etcd-server", "etcd-peer", "etcd-healthcheck-client"],
    "kube-apiserver": ["apiserver", "apiserver-kubelet-client", "front-proxy-client", "apiserver-etcd-client"],
    "kube-controller-manager": ["controller-manager.conf"],
    "kube-scheduler": ["scheduler.conf"],
}
HEALTH_JOB_TIMEOUT = 15.0
POLL_INTERVAL = 0.5  # constants.KubernetesAPICallRetryInterval


def upgrade_phased():
    """`kubeadm upgrade apply` runs as a phase workflow from 1.32 (cmd/phases/upgrade/apply)."""
    return minor() >= 32


def apply_plan_flags():
    return [F("config"), F("kubeconfig", default=KUBE_DIR + "/admin.conf"), F("print-config", "bool"),
            F("ignore-preflight-errors", "stringSlice"), F("allow-experimental-upgrades", "bool"),
            F("allow-release-candidate-upgrades", "bool"), F("feature-gates")]


def upgrade_commands():
    apply_flags = apply_plan_flags() + [
        F("yes", "bool", shorthand="y"), F("force", "bool", shorthand="f"), F("dry-run", "bool"),
        F("etcd-upgrade", "bool", True), F("certificate-renewal", "bool", True), F("patches")]
    node_flags = [F("config"), F("kubeconfig"), F("dry-run", "bool"), F("certificate-renewal", "bool", True),
                  F("etcd-upgrade", "bool", True), F("ignore-preflight-errors", "stringSlice"), F("patches"),
                  F("skip-phases", "stringSlice")]
    plan_flags = apply_plan_flags() + [F("output", "string", "text", "o"),
                                       F("allow-missing-template-keys", "bool", True),
                                       F("show-managed-fields", "bool")]
    apply = pflag.Command("apply", cmd_upgrade_apply, apply_flags, args=None)
    if upgrade_phased():
        apply.flags.append(F("skip-phases", "stringSlice"))
        apply.add(pflag.Command("phase", not_emulated, args=None))
    node = pflag.Command("node", cmd_upgrade_node, node_flags)
    node.add(pflag.Command("phase", not_emulated, args=None))
    return group("upgrade", [
        apply, pflag.Command("diff", not_emulated, apply_plan_flags(), args=None), node,
        pflag.Command("plan", cmd_upgrade_plan, plan_flags, args=None)])


class UpgradeContext:
    """Configuration of one `kubeadm upgrade apply|node|plan` run (newApplyData / newNodeData /
    enforceRequirements): UpgradeConfiguration over flags, the cluster's configuration, the client."""

    def __init__(self, parsed, section, args=()):
        self.parsed = parsed
        self.section_name = section
        self.args = list(args)
        docs = load_docs(parsed.get("config") or "", ("UpgradeConfiguration",))
        self.ucfg = api.build_upgrade_config(docs)
        self.section = self.ucfg.get(section) or {}
        self.cluster = None
        self.node_registration = {}
        self.endpoint = None
        self.kubelet_config = None
        self.proxy_config = None
        self._client = None
        self.target = None
        self.is_control_plane = True

    def value(self, flag, key):
        """cmdutil.ValueFromFlagsOrConfig: a changed flag, else the config's value, else the flag default."""
        if self.parsed.is_set(flag):
            return self.parsed[flag]
        if self.section.get(key) is not None:
            return self.section[key]
        return self.parsed.get(flag)

    @property
    def ignored(self):
        return list(self.section.get("ignorePreflightErrors") or []) + list(
            self.parsed.get("ignore-preflight-errors") or [])

    @property
    def timeout(self):
        return pflag.parse_duration(self.ucfg["timeouts"].get("upgradeManifests") or "5m0s")

    def api_timeout(self):
        return pflag.parse_duration(self.ucfg["timeouts"].get("kubernetesAPICall") or "1m0s")

    @property
    def certs_dir(self):
        return self.cluster.get("certificatesDir") or "/etc/kubernetes/pki"

    @property
    def node_name(self):
        return self.node_registration.get("name", "")

    def client(self):
        return self._client

    def connect(self, path):
        try:
            self._client = kube.Client.from_kubeconfig(host(path), timeout=10)
        except OSError as exc:
            raise KubeadmError("couldn't create a Kubernetes client from file %s: failed to load admin kubeconfig: "
                               "open %s: %s" % (go_quote(path), path, (exc.strerror or str(exc)).lower()))
        except (ValueError, KeyError, TypeError) as exc:
            raise KubeadmError("couldn't create a Kubernetes client from file %s: %s" % (go_quote(path), exc))


def validate_upgrade_flags(parsed):
    for name in ("dry-run", "patches", "feature-gates"):
        if parsed.get(name):
            raise KubeadmError("--%s is not emulated by this test double" % name)


def fetch_upgrade_config(ctx, prefix, node_info, not_found_prefix=None):
    """FetchInitConfigurationFromCluster: ClusterConfiguration, component configs and, with
    ``node_info``, this node's registration (name from kubelet.conf, CRI socket, taints) and API endpoint."""
    for line in up.reading_lines(prefix, minor()):
        out(line)
    client = ctx.client()
    try:
        cm = retry(lambda: client.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config"), 10)
    except kube.ApiError as exc:
        if exc.status == 404 and not_found_prefix:
            out("%s In order to upgrade, a ConfigMap called \"kubeadm-config\" in the \"kube-system\" namespace "
                "must exist." % not_found_prefix)
            out("%s Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it."
                % not_found_prefix)
            raise KubeadmError("the ConfigMap \"kubeadm-config\" in the \"kube-system\" namespace was not found")
        raise KubeadmError("failed to get config map: %s" % api_message(exc))
    except (OSError, ssl.SSLError) as exc:
        raise KubeadmError("failed to get config map: %s" % exc)
    text = (cm.get("data") or {}).get("ClusterConfiguration", "")
    try:
        docs = api.load_documents(text, {"ClusterConfiguration"}, minor(), warn)
    except api.ConfigError as exc:
        raise KubeadmError(str(exc))
    docs = dict(docs)
    docs["JoinConfiguration"] = ("v1beta4", {})
    ctx.cluster = api.build_config(docs, "JoinConfiguration", VERSION, with_defaults=False)["cluster"]
    ctx.kubelet_config = read_component_config(client, "kubelet-config", "kubelet")
    if ctx.is_control_plane:
        ctx.proxy_config = read_component_config(client, "kube-proxy", "config.conf")
    if node_info:
        read_node_registration(ctx)
        ctx.endpoint = local_api_endpoint(ctx)


def read_component_config(client, name, key):
    try:
        cm = client.get("/api/v1/namespaces/kube-system/configmaps/" + name)
    except (kube.ApiError, OSError, ssl.SSLError):
        return None
    return yaml.safe_load((cm.get("data") or {}).get(key) or "") or None


def node_name_from_kubelet_conf():
    """The node name in the client certificate of /etc/kubernetes/kubelet.conf (CN system:node:<name>)."""
    path = KUBE_DIR + "/kubelet.conf"
    doc = yaml.safe_load(read_file(path)) or {}
    user = (doc.get("users") or [{}])[0].get("user") or {}
    if user.get("client-certificate-data"):
        pem = base64.b64decode(user["client-certificate-data"])
    else:
        pem = read_file(user.get("client-certificate") or KUBELET_DIR + "/pki/kubelet-client-current.pem")
    cn = pki.common_name(pki.load_cert(pem))
    if not cn.startswith("system:node:"):
        raise ValueError("the certificate in %s does not have a node identity" % path)
    return cn[len("system:node:"):]


def read_node_registration(ctx):
    try:
        name = node_name_from_kubelet_conf()
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
        reason = "open %s: no such file or directory" % (KUBE_DIR + "/kubelet.conf") \
            if isinstance(exc, FileNotFoundError) else str(exc)
        raise KubeadmError("failed to get node registration: failed to get node name from kubelet config: %s"
                           % reason)
    try:
        node = ctx.client().get("/api/v1/nodes/" + name)
    except (kube.ApiError, OSError, ssl.SSLError) as exc:
        raise KubeadmError("failed to get node registration: failed to get corresponding node: %s" % api_message(exc))
    annotations = node["metadata"].get("annotations") or {}
    ctx.node_registration = {"name": name, "criSocket": annotations.get(objs.CRI_SOCKET_ANNOTATION)
                             or api.DEFAULT_CRI_SOCKET,
                             "taints": (node.get("spec") or {}).get("taints") or []}


def local_api_endpoint(ctx):
    """localAPIEndpoint from the kube-apiserver advertise-address annotation (mirror Pod, else the manifest)."""
    value = ""
    try:
        pod = ctx.client().get("/api/v1/namespaces/kube-system/pods/kube-apiserver-" + ctx.node_name)
        value = (pod["metadata"].get("annotations") or {}).get(objs.APISERVER_ENDPOINT_ANNOTATION, "")
    except (kube.ApiError, OSError, ssl.SSLError):
        pass
    if not value:
        pod, _ = manifest_flags("kube-apiserver")
        value = (((pod or {}).get("metadata") or {}).get("annotations") or {}).get(
            objs.APISERVER_ENDPOINT_ANNOTATION, "")
    if not value:
        raise KubeadmError("failed to getAPIEndpoint: could not retrieve API endpoints for node %s using pod "
                           "annotations" % go_quote(ctx.node_name))
    address, _, port = value.rpartition(":")
    return {"advertiseAddress": address.strip("[]"), "bindPort": int(port)}


# -- preflight and health (phases/upgrade/health.go, preflight/checks.go)

def check_health_job(client, cluster):
    def run():
        try:
            query = {"fieldSelector": "spec.unschedulable=false", "limit": "1"}
            nodes = retry(lambda: client.get("/api/v1/nodes", query=query), HEALTH_JOB_TIMEOUT)
        except (kube.ApiError, OSError, ssl.SSLError) as exc:
            return [], ["could not check if there is at least one Node that can schedule a test Pod: %s"
                        % api_message(exc)]
        if not nodes.get("items"):
            warn("The preflight check \"CreateJob\" was skipped because there are no schedulable Nodes in the "
                 "cluster.")
            return [], []
        return [], run_health_job(client, cluster)
    return ("CreateJob", run)


def run_health_job(client, cluster):
    prefix, path = "upgrade-health-check", "/apis/batch/v1/namespaces/kube-system/jobs"
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"generateName": prefix + "-", "namespace": "kube-system"},
           "spec": {"backoffLimit": 0, "ttlSecondsAfterFinished": int(HEALTH_JOB_TIMEOUT) + 5,
                    "template": {"spec": {
                        "restartPolicy": "Never",
                        "securityContext": {"runAsUser": 999, "runAsGroup": 999, "runAsNonRoot": True},
                        "tolerations": [{"key": objs.CONTROL_PLANE_LABEL, "effect": "NoSchedule"}],
                        "containers": [{"name": prefix, "image": objs.pause_image(cluster, VERSION),
                                        "args": ["-v"]}]}}}}
    try:
        created = retry(lambda: client.create(path, job), HEALTH_JOB_TIMEOUT)
    except (kube.ApiError, OSError, ssl.SSLError) as exc:
        return ["could not create a Job with the prefix %s in the namespace \"kube-system\": %s"
                % (go_quote(prefix), api_message(exc))]
    name = created["metadata"]["name"]
    deadline = time.time() + HEALTH_JOB_TIMEOUT
    last = "no condition of type Complete"
    while True:
        try:
            current = client.get(path + "/" + name)
            if any(c.get("type") == "Complete" and c.get("status") == "True"
                   for c in (current.get("status") or {}).get("conditions") or []):
                return []
            last = "no condition of type Complete"
        except (kube.ApiError, OSError, ssl.SSLError) as exc:
            last = api_message(exc)
        if time.time() >= deadline:
            return ["Job %s in the namespace \"kube-system\" did not complete in %s: %s"
                    % (go_quote(name), pflag.format_duration(HEALTH_JOB_TIMEOUT), last)]
        time.sleep(1)


def check_control_plane_nodes_ready(client):
    def run():
        try:
            nodes = client.get("/api/v1/nodes", query={"labelSelector": objs.CONTROL_PLANE_LABEL})
        except (kube.ApiError, OSError, ssl.SSLError) as exc:
            return [], ["could not list nodes labeled with %s: %s"
                        % (go_quote(objs.CONTROL_PLANE_LABEL), api_message(exc))]
        not_ready = [n["metadata"]["name"] for n in nodes.get("items") or []
                     for c in (n.get("status") or {}).get("conditions") or []
                     if c.get("type") == "Ready" and c.get("status") != "True"]
        if not_ready:
            return [], ["there are NotReady control-planes in the cluster: %s" % up.go_list(not_ready)]
        return [], []
    return ("ControlPlaneNodesReady", run)


def check_static_pod_manifests():
    def run():
        missing = ["%s/%s.yaml" % (MANIFESTS, c) for c in CONTROL_PLANE_COMPONENTS
                   if not exists("%s/%s.yaml" % (MANIFESTS, c))]
        if not missing:
            return [], []
        return [], ["The control plane seems to be Static Pod-hosted, but some of the manifests don't seem to exist "
                    "on disk. This probably means you're running 'kubeadm upgrade' on a remote machine, which is not "
                    "supported for a Static Pod-hosted cluster. Manifest files not found: %s" % up.go_list(missing)]
    return ("StaticPodManifest", run)


def check_cluster_health(ctx):
    """upgrade.CheckClusterHealth: CreateJob, ControlPlaneNodesReady, StaticPodManifest."""
    out("[upgrade] Running cluster health checks")
    client = ctx.client()
    run_checks([check_health_job(client, ctx.cluster), check_control_plane_nodes_ready(client),
                check_static_pod_manifests()], ctx.ignored)


def confirm_upgrade():
    """cmdutil.InteractivelyConfirmAction("upgrade", "Are you sure you want to proceed?", os.Stdin)."""
    sys.stdout.write("[upgrade] Are you sure you want to proceed? [y/N]: ")
    sys.stdout.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise KubeadmError("won't proceed; the user didn't answer (Y|y) in order to continue")


def print_upgrade_config(ctx, prefix="[upgrade/config]"):
    out("%s Configuration used:" % prefix)
    for line in api.dump_yaml(api.cluster_document(ctx.cluster)).splitlines():
        out("\t" + line)


def cluster_api_version(client):
    """KubeVersionGetter.ClusterVersion: the answering API server's /version gitVersion."""
    try:
        info = client.get("/version")
        versions.parse(info.get("gitVersion", ""))
        return info["gitVersion"], None
    except (kube.ApiError, OSError, ssl.SSLError) as exc:
        return None, "Unable to fetch cluster version: Couldn't fetch cluster version from the API Server: %s" % (
            api_message(exc))
    except (ValueError, KeyError) as exc:
        return None, "Unable to fetch cluster version: %s" % exc


def node_kubelet_versions(client):
    try:
        nodes = client.get("/api/v1/nodes").get("items") or []
    except (kube.ApiError, OSError, ssl.SSLError):
        return None
    return sorted(up.kubelet_versions(nodes))


def enforce_version_policies(ctx, target, allow_exp, allow_rc, force):
    """EnforceVersionPolicies with the apply wrappers' texts per minor."""
    prefix = "[upgrade/version] You have chosen to change" if minor() <= 31 else \
        "[upgrade/preflight] You have chosen to upgrade"
    out("%s the cluster version to %s" % (prefix, go_quote(target)))
    cluster, err = cluster_api_version(ctx.client())
    if err:
        mandatory, skippable = [err], []
    else:
        out("[upgrade/versions] Cluster version: %s" % cluster)
        out("[upgrade/versions] kubeadm version: %s" % VERSION)
        kubelets = node_kubelet_versions(ctx.client())
        mandatory, skippable = up.skew_errors(target, cluster, VERSION, kubelets, allow_exp, allow_rc)
        if kubelets is None:
            skippable.insert(0, "Unable to fetch kubelet version: could not list the Nodes")
    error, forced = up.policy_error(mandatory, skippable, force, minor())
    if error:
        raise KubeadmError(error if minor() >= 32 else "[upgrade/version] FATAL: " + error)
    if forced:
        sys.stdout.write(forced)


def normalize_target(ctx):
    target = kube_version_text(ctx.target)
    check_min_version(target)
    ctx.target = target
    ctx.cluster["kubernetesVersion"] = target
    return target


# -- static Pod upgrade (phases/upgrade/staticpods.go, util/apiclient/wait.go)

def pod_hash(client, node, component):
    name = "%s-%s" % (component, node)
    try:
        pod = client.get("/api/v1/namespaces/kube-system/pods/" + name)
    except (kube.ApiError, OSError, ssl.SSLError) as exc:
        raise KubeadmError("failed to obtain static Pod hash for component %s on Node %s: %s"
                           % (component, node, api_message(exc)))
    return (pod["metadata"].get("annotations") or {}).get("kubernetes.io/config.hash", "")


def wait_single_hash(client, node, component, timeout):
    """WaitForStaticPodSingleHash: the mirror Pod's kubernetes.io/config.hash, the last error on timeout."""
    deadline = time.time() + timeout
    while True:
        try:
            return pod_hash(client, node, component)
        except KubeadmError:
            if time.time() >= deadline:
                raise
        time.sleep(POLL_INTERVAL)


def wait_hash_change(client, node, component, before, timeout):
    """WaitForStaticPodHashChange with upstream's timeout error."""
    deadline = time.time() + timeout
    last = None
    while True:
        try:
            if pod_hash(client, node, component) != before:
                return
            last = None
        except KubeadmError as exc:
            last = exc
        if time.time() >= deadline:
            if last is not None:
                raise last
            raise KubeadmError("static Pod hash for component %s on Node %s did not change after %s: context "
                               "deadline exceeded" % (component, node, pflag.format_duration(timeout)))
        time.sleep(POLL_INTERVAL)


def wait_pods_running(client, component, timeout):
    """WaitForPodsWithLabel("component=X"): every such Pod in kube-system is Running."""
    selector = "component=" + component
    deadline = time.time() + timeout
    last_count = -1
    while True:
        try:
            items = client.get("/api/v1/namespaces/kube-system/pods", query={"labelSelector": selector})["items"]
            if len(items) != last_count:
                out("[apiclient] Found %d Pods for label selector %s" % (len(items), selector))
                last_count = len(items)
            if items and all((p.get("status") or {}).get("phase") == "Running" for p in items):
                return
        except (kube.ApiError, OSError, ssl.SSLError) as exc:
            out("[apiclient] Error getting Pods with label selector %s [%s]" % (go_quote(selector), api_message(exc)))
        if time.time() >= deadline:
            raise KubeadmError("context deadline exceeded")
        time.sleep(POLL_INTERVAL)


def manifests_equal(path_a, path_b):
    try:
        return yaml.safe_load(read_file(path_a)) == yaml.safe_load(read_file(path_b))
    except (OSError, yaml.YAMLError):
        return False


def temp_name(prefix):
    return "%s/tmp/%s%d" % (KUBE_DIR, prefix, random.randint(10 ** 8, 10 ** 10))


def rename(src, dst):
    try:
        os.rename(host(src), host(dst))
    except OSError as exc:
        raise KubeadmError("rename %s %s: %s" % (src, dst, (exc.strerror or str(exc)).lower()))


class StaticPodUpgrade:
    """PerformStaticPodUpgrade: new manifests in kubeadm-upgraded-manifests<N>, old ones backed up to
    kubeadm-backup-manifests-<timestamp> (kept), etcd data copied to kubeadm-backup-etcd-<timestamp>
    (kept when etcd is upgraded), each component swapped and waited for, rolled back on failure."""

    def __init__(self, ctx, etcd_upgrade, renew):
        self.ctx, self.client, self.node = ctx, ctx.client(), ctx.node_name
        self.etcd_upgrade, self.renew, self.timeout = etcd_upgrade, renew, ctx.timeout
        stamp = time.strftime("%Y-%m-%d-%H-%M-%S")
        self.tmp_dir = temp_name("kubeadm-upgraded-manifests")
        self.backup_dir = "%s/tmp/kubeadm-backup-manifests-%s" % (KUBE_DIR, stamp)
        self.etcd_backup_dir = "%s/tmp/kubeadm-backup-etcd-%s" % (KUBE_DIR, stamp)
        for path in (self.tmp_dir, self.backup_dir, self.etcd_backup_dir):
            os.makedirs(host(path), mode=0o700, exist_ok=True)
        self.recover = {}
        self.moved = False

    def real(self, component):
        return "%s/%s.yaml" % (MANIFESTS, component)

    def temp(self, component):
        return "%s/%s.yaml" % (self.tmp_dir, component)

    def backup(self, component):
        return "%s/%s.yaml" % (self.backup_dir, component)

    def run(self):
        hashes = {c: wait_single_hash(self.client, self.node, c, self.timeout) for c in CONTROL_PLANE_COMPONENTS}
        local_etcd = etcd_local(self.ctx.cluster)
        if minor() >= 32:
            self.write_new_manifests()
        if local_etcd and self.etcd_upgrade:
            if minor() <= 31:
                out("[upgrade/etcd] Upgrading to TLS for etcd")
            self.upgrade_etcd()
        if minor() <= 31:
            self.write_new_manifests()
        for component in CONTROL_PLANE_COMPONENTS:
            self.upgrade_component(component, hashes[component])
        if self.renew and not renew_certificate(self.ctx.cluster, "admin.conf"):
            out("[upgrade/staticpods] External CA detected, admin.conf certificate can't be renewed")
        self.cleanup(keep_etcd=local_etcd and self.etcd_upgrade)

    def write_new_manifests(self):
        out("[upgrade/staticpods] Writing new Static Pod manifests to %s" % go_quote(self.tmp_dir))
        cluster, endpoint = self.ctx.cluster, self.ctx.endpoint
        pods = {"kube-apiserver": objs.apiserver_pod(cluster, endpoint, self.ctx.certs_dir),
                "kube-controller-manager": objs.controller_manager_pod(cluster, self.ctx.certs_dir),
                "kube-scheduler": objs.scheduler_pod(cluster)}
        for component, pod in pods.items():
            self.write_temp(component, pod)

    def write_temp(self, component, pod):
        pod = json.loads(json.dumps(pod))
        pod["metadata"]["creationTimestamp"] = None
        pki.write_file(host(self.temp(component)), objs.dump(pod), 0o600)

    def cleanup(self, keep_etcd):
        shutil.rmtree(host(self.tmp_dir), ignore_errors=True)
        if not keep_etcd:
            shutil.rmtree(host(self.etcd_backup_dir), ignore_errors=True)

    # -- one component
    def upgrade_component(self, component, before_hash):
        out("[upgrade/staticpods] Preparing for %s upgrade" % go_quote(component))
        restore_etcd = component == "etcd"
        self.recover[component] = self.backup(component)
        if manifests_equal(self.real(component), self.temp(component)):
            out("[upgrade/staticpods] Current and new manifests of %s are equal, skipping upgrade" % component)
            return
        if self.renew:
            try:
                self.renew_for(component)
            except KubeadmError as exc:
                self.rollback(KubeadmError("failed to renew certificates for component %s: %s"
                                           % (go_quote(component), exc)), restore_etcd)
        try:
            rename(self.real(component), self.backup(component))
            rename(self.temp(component), self.real(component))
        except KubeadmError as exc:
            self.rollback(exc, restore_etcd)
        if not self.moved:
            self.moved = True
            WRITER.touched()
        verb = ("Moved new manifest to %s and backed up old manifest to %s" if minor() <= 31 else
                "Moving new manifest to %s and backing up old manifest to %s")
        out("[upgrade/staticpods] " + verb % (go_quote(self.real(component)), go_quote(self.backup(component))))
        out("[upgrade/staticpods] Waiting for the kubelet to restart the component")
        out("[upgrade/staticpods] This can take up to %s" % pflag.format_duration(self.timeout))
        try:
            wait_hash_change(self.client, self.node, component, before_hash, self.timeout)
            wait_pods_running(self.client, component, self.timeout)
        except KubeadmError as exc:
            self.rollback(exc, restore_etcd)
        out("[upgrade/staticpods] Component %s upgraded successfully!" % go_quote(component))

    def renew_for(self, component):
        names = list(RENEW_BY_COMPONENT[component])
        if component == "kube-apiserver" and not etcd_local(self.ctx.cluster):
            names.remove("apiserver-etcd-client")
        for name in names:
            out("[upgrade/staticpods] Renewing %s certificate" % name)
            if not renew_certificate(self.ctx.cluster, name):
                raise KubeadmError("%s certificate does not exist" % name)

    def rollback(self, err, restore_etcd):
        """rollbackOldManifests: move every recorded backup back (etcd only when asked); always raises."""
        errs = [str(err)]
        for component, backup in self.recover.items():
            if component == "etcd" and not restore_etcd:
                continue
            try:
                rename(backup, self.real(component))
            except KubeadmError as exc:
                errs.append(str(exc))
        raise KubeadmError("couldn't upgrade control plane. kubeadm has tried to recover everything into the earlier "
                           "state. Errors faced: %s" % (errs[0] if len(errs) == 1 else "[%s]" % ", ".join(errs)))

    # -- etcd
    def etcd_client(self):
        return etcd_client(etcd_endpoints(self.client, self.ctx.api_timeout()), self.ctx.certs_dir)

    def wait_etcd(self, client):
        etcdlib.retry(client.members, 150, interval=1)

    def upgrade_etcd(self):
        """performEtcdStaticPodUpgrade (etcd versions compared as image tags, as 1.32+ reports them)."""
        cluster = self.ctx.cluster
        try:
            old_client = self.etcd_client()
            old_client.members()
        except (KubeadmError, etcdlib.EtcdError, kube.ApiError, OSError, ssl.SSLError) as exc:
            raise KubeadmError("etcd cluster is not healthy: %s" % api_message(exc))
        data_dir = (cluster["etcd"]["local"] or {}).get("dataDir") or "/var/lib/etcd"
        try:
            shutil.copytree(host(data_dir), os.path.join(host(self.etcd_backup_dir), os.path.basename(data_dir)),
                            symlinks=True)
        except (OSError, shutil.Error) as exc:
            raise KubeadmError("failed to back up etcd data: %s" % exc)
        desired = objs.etcd_image(cluster, VERSION).rsplit(":", 1)[1]
        pod, _ = manifest_flags("etcd")
        image = (((pod or {}).get("spec") or {}).get("containers") or [{}])[0].get("image", "")
        current = image.rsplit(":", 1)[-1]
        if current and up.tag_older(desired, current):
            if minor() <= 31:
                msg = ("the desired etcd version for this Kubernetes version %s is %s, but the current etcd version "
                       "is %s. Won't downgrade etcd, instead just continue"
                       % (go_quote(cluster["kubernetesVersion"]), go_quote(desired.split("-")[0]),
                          go_quote(current.split("-")[0])))
            else:
                msg = ("the desired etcd version %s is older than the currently installed %s. Skipping etcd upgrade"
                       % (go_quote(desired), go_quote(current)))
            out("[upgrade/etcd] Non fatal issue encountered during upgrade: %s" % msg)
            return
        try:
            before = wait_single_hash(self.client, self.node, "etcd", self.timeout)
        except KubeadmError as exc:
            raise KubeadmError("failed to get etcd pod's hash: %s" % exc)
        self.write_temp("etcd", objs.etcd_pod(cluster, self.ctx.endpoint, self.node, self.ctx.certs_dir, VERSION))
        try:
            self.upgrade_component("etcd", before)
        except KubeadmError as exc:
            out("[upgrade/etcd] Failed to upgrade etcd: %s" % exc)
            out("[upgrade/etcd] Waiting for previous etcd to become available")
            self.recover_etcd(old_client)
            out("[upgrade/etcd] Etcd was rolled back and is now available")
            raise KubeadmError("fatal error when trying to upgrade the etcd cluster, rolled the state back to "
                               "pre-upgrade state: %s" % exc)
        out("[upgrade/etcd] Waiting for etcd to become available")
        try:
            self.wait_etcd(self.etcd_client())
        except (KubeadmError, etcdlib.EtcdError, kube.ApiError, OSError, ssl.SSLError) as exc:
            out("[upgrade/etcd] Failed to healthcheck etcd: %s" % api_message(exc))
            raise KubeadmError("fatal error upgrading local etcd cluster, rolled the state back to pre-upgrade state: "
                               "%s" % api_message(exc))

    def recover_etcd(self, old_client):
        try:
            self.wait_etcd(old_client)
        except etcdlib.EtcdError as exc:
            out("[upgrade/etcd] Failed to healthcheck previous etcd: %s" % exc)
            raise KubeadmError("fatal error rolling back local etcd cluster manifest, the backup of etcd database is "
                               "stored here:(%s): %s" % (self.etcd_backup_dir, exc))


# -- post-control-plane phases

def up_upload_kubeadm(ctx):
    out("[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" "
        "Namespace")
    doc = api.cluster_document(ctx.cluster)
    for path, obj in objs.upload_config_objects(api.dump_yaml(doc)):
        create_or_update(ctx.client(), path, obj, ctx.api_timeout())


def up_upload_kubelet(ctx):
    out("[kubelet] Creating a ConfigMap \"kubelet-config\" in namespace kube-system with the configuration for "
        "the kubelets in the cluster")
    kubelet_cfg = ctx.kubelet_config or objs.kubelet_config(ctx.cluster)
    for path, obj in objs.upload_kubelet_objects(objs.dump(kubelet_cfg)):
        create_or_update(ctx.client(), path, obj, ctx.api_timeout())
    if not gate(ctx.cluster, "NodeLocalCRISocket"):
        annotate_cri_socket(ctx.client(), ctx.node_name, ctx.node_registration.get("criSocket"), ctx.api_timeout())


def write_upgraded_kubelet_config(ctx):
    """WriteKubeletConfigFiles: back config.yaml up below /etc/kubernetes/tmp, write the cluster's."""
    backup_dir = temp_name("kubeadm-kubelet-config")
    if minor() >= 32:
        warn("Using temporary directory %s for kubelet config. To override it set the environment variable "
             "KUBEADM_UPGRADE_DRYRUN_DIR" % backup_dir)
    src, dest = KUBELET_DIR + "/config.yaml", backup_dir + "/config.yaml"
    out("[upgrade] Backing up kubelet config file to %s" % dest)
    try:
        data = read_file(src)
    except OSError as exc:
        raise KubeadmError("error backing up the kubelet config file: open %s: %s"
                           % (src, (exc.strerror or str(exc)).lower()))
    os.makedirs(host(backup_dir), mode=0o700, exist_ok=True)
    WRITER.write(dest, data, 0o644)
    kubelet_cfg = ctx.kubelet_config or objs.kubelet_config(ctx.cluster)
    out("[kubelet-start] Writing kubelet configuration to file %s" % go_quote(src))
    WRITER.write(src, objs.dump(kubelet_cfg), 0o644)


def up_bootstrap_token(ctx, header=True):
    if header:
        out("[upgrade/bootstrap-token] Configuring bootstrap token and cluster-info RBAC rules")
    timeout = ctx.api_timeout()
    for msg, items in objs.bootstrap_rbac_objects():
        for path, obj in items:
            create_or_update(ctx.client(), path, obj, timeout)
        out("[bootstrap-token] " + msg)
    for path, obj in objs.cluster_info_objects("", b"")[1:]:
        create_or_update(ctx.client(), path, obj, timeout)


def unupgraded_control_planes(ctx):
    """UnupgradedControlPlaneInstances: nodes whose kube-apiserver image differs from this node's."""
    try:
        pods = ctx.client().get("/api/v1/namespaces/kube-system/pods",
                                query={"labelSelector": "component=kube-apiserver"})["items"]
    except (kube.ApiError, OSError, ssl.SSLError) as exc:
        raise KubeadmError("failed to list kube-apiserver Pod from cluster: %s" % api_message(exc))
    if not pods:
        raise KubeadmError("cannot find kube-apiserver Pod by label selector: component=kube-apiserver")
    images = {}
    for pod in pods:
        image = next((c.get("image") for c in pod["spec"].get("containers") or []
                      if c.get("name") == "kube-apiserver"), None)
        images[pod["spec"].get("nodeName", "")] = image
    mine = images.get(ctx.node_name)
    if mine is None:
        raise KubeadmError("cannot find kube-apiserver image for current control plane instance %s" % ctx.node_name)
    return sorted(n for n, image in images.items() if image != mine)


def addons_allowed(ctx):
    try:
        pending = unupgraded_control_planes(ctx)
    except KubeadmError as exc:
        raise KubeadmError("failed to determine whether all the control plane instances have been upgraded: %s" % exc)
    if pending:
        if minor() <= 31:
            out("[upgrade/addons] skip upgrade addons because control plane instances %s have not been upgraded"
                % up.go_list(pending))
        else:
            out("[upgrade/addon] Skipping upgrade of addons because control plane instances %s have not been "
                "upgraded" % up.go_list(pending))
        return False
    return True


def up_addon_coredns(ctx):
    if (ctx.cluster.get("dns") or {}).get("disabled"):
        out("[upgrade/addon] Skipping the addon/coredns phase. The addon is disabled.")
        return
    if not addons_allowed(ctx):
        return
    apply_coredns(ctx)


def apply_coredns(ctx):
    for i, (path, obj) in enumerate(objs.coredns_objects(ctx.cluster, VERSION)):
        create_or_update(ctx.client(), path, obj, ctx.api_timeout(), retain=(i == 0))
    out("[addons] Applied essential addon: CoreDNS")


def up_addon_proxy(ctx):
    if (ctx.cluster.get("proxy") or {}).get("disabled"):
        out("[upgrade/addon] Skipping the addon/kube-proxy phase. The addon is disabled.")
        return
    if not addons_allowed(ctx):
        return
    apply_kube_proxy(ctx)


def apply_kube_proxy(ctx):
    proxy_cfg = ctx.proxy_config or objs.kube_proxy_config(ctx.cluster)
    server = objs.control_plane_url(ctx.cluster, ctx.endpoint)
    for path, obj in objs.kube_proxy_objects(ctx.cluster, server, objs.dump(proxy_cfg)):
        create_or_update(ctx.client(), path, obj, ctx.api_timeout())
    out("[addons] Applied essential addon: kube-proxy")


def up_post_upgrade(_ctx):
    """post-upgrade: from 1.35 the deprecated --pod-infra-container-image is removed from kubeadm-flags.env
    (kubernetes/kubernetes#133778); 1.32-1.34 have nothing to do here."""
    if minor() < 35:
        return
    path = KUBELET_DIR + "/kubeadm-flags.env"
    try:
        text = read_file(path).decode()
    except OSError:
        return
    match = re.search(r'KUBELET_KUBEADM_ARGS="(.*)"', text)
    if not match:
        return
    args = [a for a in match.group(1).split() if not a.startswith("--pod-infra-container-image")]
    new = text[:match.start(1)] + " ".join(args) + text[match.end(1):]
    if new != text:
        WRITER.write(path, new, 0o644)


# -- upgrade apply

def apply_target(ctx):
    """The version argument, mandatory unless UpgradeConfiguration apply.kubernetesVersion is set."""
    ctx.target = ctx.section.get("kubernetesVersion") or ""
    if not ctx.target:
        valid = [a for a in ctx.args if a]
        if len(valid) > 1:
            raise KubeadmError("too many arguments. Required arguments: [version]")
        if not valid:
            raise KubeadmError("missing one or more required arguments. Required arguments: [version]")
    if len(ctx.args) == 1:
        ctx.target = ctx.args[0]


def apply_context(parsed):
    check_mixed(parsed)
    validate_upgrade_flags(parsed)
    try:
        ctx = UpgradeContext(parsed, "apply", parsed.args)
    except KubeadmError as exc:
        if upgrade_phased():
            raise
        raise KubeadmError("[upgrade/upgrade config] FATAL: %s" % exc)
    if upgrade_phased():
        apply_target(ctx)
    errs = validate_ignore(ctx.ignored)
    if errs:
        raise KubeadmError(api.aggregate(errs), "validation")
    ctx.force = bool(ctx.value("force", "forceUpgrade"))
    ctx.etcd_upgrade = bool(ctx.value("etcd-upgrade", "etcdUpgrade"))
    ctx.renew = bool(ctx.value("certificate-renewal", "certificateRenewal"))
    ctx.allow_exp = bool(ctx.value("allow-experimental-upgrades", "allowExperimentalUpgrades"))
    ctx.allow_rc = bool(ctx.value("allow-release-candidate-upgrades", "allowRCUpgrades"))
    ctx.print_config = bool(ctx.value("print-config", "printConfig"))
    ctx.interactive = not (parsed.get("yes") or ctx.force)
    return ctx


def apply_connect(ctx, prefix, not_found_prefix):
    ctx.connect(ctx.parsed.get("kubeconfig") or KUBE_DIR + "/admin.conf")
    fetch_upgrade_config(ctx, prefix, True, not_found_prefix)


def apply_pull_images(ctx, prefix):
    policy = ctx.section.get("imagePullPolicy") or "IfNotPresent"
    pull_images_check(objs.images(ctx.cluster, VERSION), policy, ctx.ignored, prefix)


def ap_preflight(ctx):
    """apply/preflight.go (1.32+)."""
    out("[upgrade/preflight] Running preflight checks")
    run_checks([check_root()], ctx.ignored)
    check_cluster_health(ctx)
    target = normalize_target(ctx)
    enforce_version_policies(ctx, target, ctx.allow_exp, ctx.allow_rc, ctx.force)
    if ctx.interactive:
        confirm_upgrade()
    apply_pull_images(ctx, "[upgrade/preflight]")


def ap_control_plane(ctx):
    out("[upgrade/control-plane] Upgrading your static Pod-hosted control plane to version %s (timeout: %s)..."
        % (go_quote(ctx.target), pflag.format_duration(ctx.timeout)))
    try:
        StaticPodUpgrade(ctx, ctx.etcd_upgrade, ctx.renew).run()
    except KubeadmError as exc:
        raise KubeadmError("couldn't complete the static pod upgrade: %s" % exc)
    out("[upgrade/control-plane] The control plane instance for this node was successfully upgraded!")


def kubeconfig_done_line():
    tag = "[upgrad/kubeconfig]" if minor() == 32 else "[upgrade/kubeconfig]"
    out("%s The kubeconfig files for this node were successfully upgraded!" % tag)


def up_kubelet_config(ctx):
    write_upgraded_kubelet_config(ctx)
    out("[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!")


def apply_phases():
    return [
        Phase("preflight", ap_preflight),
        Phase("control-plane", ap_control_plane),
        Phase("upload-config", None, [Phase("kubeadm", up_upload_kubeadm), Phase("kubelet", up_upload_kubelet)]),
        Phase("kubeconfig", lambda ctx: kubeconfig_done_line()),
        Phase("kubelet-config", up_kubelet_config),
        Phase("bootstrap-token", up_bootstrap_token),
        Phase("addon", None, [Phase("coredns", up_addon_coredns), Phase("kube-proxy", up_addon_proxy)]),
        Phase("post-upgrade", up_post_upgrade),
    ]


APPLY_DONE = """
[upgrade] SUCCESS! A control plane node of your cluster was upgraded to %s.

[upgrade] Now please proceed with upgrading the rest of the nodes by following the right order."""

APPLY_DONE_131 = """
[upgrade/successful] SUCCESS! Your cluster was upgraded to %s. Enjoy!

[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets if you \
haven't already done so."""


def cmd_upgrade_apply(cmd, parsed):
    ctx = apply_context(parsed)
    if not upgrade_phased():
        return apply_131(ctx)
    try:
        apply_connect(ctx, "[upgrade]", "[upgrade]")
    except KubeadmError as exc:
        if str(exc).startswith("couldn't create"):
            raise
        raise KubeadmError("[upgrade] FATAL: %s" % exc)
    if ctx.print_config:
        print_upgrade_config(ctx)
    skip = list(parsed.get("skip-phases") or []) or list(ctx.section.get("skipPhases") or [])
    run_workflow(ctx, apply_phases(), "kubeadm upgrade apply", skip)
    out(APPLY_DONE % go_quote(ctx.target))
    return 0


def run_steps(ctx, command, steps):
    """The 1.31 apply (no phases upstream): the double's steps named like 1.32's phases so faults can
    target them; each step wraps its error as runApply does."""
    WRITER.command = command
    for name, fn, wrap in steps:
        WRITER.phase = name
        try:
            fn(ctx)
        except KubeadmError as exc:
            if wrap:
                raise KubeadmError(wrap % exc)
            raise
        WRITER.touched()
        faults.check(command, name, "after")
    WRITER.phase = None


def apply_131(ctx):
    def requirements(_):
        ctx.connect(ctx.parsed.get("kubeconfig") or KUBE_DIR + "/admin.conf")
        out("[preflight] Running pre-flight checks.")
        run_checks([check_root()], ctx.ignored)
        try:
            fetch_upgrade_config(ctx, "[upgrade/config]", True, "[upgrade/config]")
        except KubeadmError as exc:
            raise KubeadmError("[upgrade/init config] FATAL: %s" % exc)
        apply_target(ctx)
        try:
            check_cluster_health(ctx)
        except KubeadmError as exc:
            raise KubeadmError("[upgrade/health] FATAL: %s" % exc)
        if ctx.print_config:
            print_upgrade_config(ctx)
        target = normalize_target(ctx)
        enforce_version_policies(ctx, target, ctx.allow_exp, ctx.allow_rc, ctx.force)
        if ctx.interactive:
            confirm_upgrade()
        apply_pull_images(ctx, "[upgrade/prepull]")

    def control_plane(_):
        out("[upgrade/apply] Upgrading your Static Pod-hosted control plane to version %s (timeout: %s)..."
            % (go_quote(ctx.target), pflag.format_duration(ctx.timeout)))
        StaticPodUpgrade(ctx, ctx.etcd_upgrade, ctx.renew).run()

    def upload(_):
        up_upload_kubeadm(ctx)
        up_upload_kubelet(ctx)

    def addons(_):
        if addons_allowed(ctx):
            apply_coredns(ctx)
            apply_kube_proxy(ctx)

    post = "[upgrade/postupgrade] FATAL post-upgrade error: %s"
    steps = [("preflight", requirements, None), ("control-plane", control_plane, "[upgrade/apply] FATAL: %s"),
             ("upload-config", upload, post), ("kubelet-config", write_upgraded_kubelet_config, post),
             ("bootstrap-token", lambda c: up_bootstrap_token(c, header=False), post), ("addon", addons, post)]
    run_steps(ctx, "kubeadm upgrade apply", steps)
    out(APPLY_DONE_131 % go_quote(ctx.target))
    return 0


# -- upgrade node

def node_context(parsed):
    check_mixed(parsed)
    validate_upgrade_flags(parsed)
    ctx = UpgradeContext(parsed, "node")
    ctx.is_control_plane = exists(MANIFESTS + "/kube-apiserver.yaml")
    path = parsed.get("kubeconfig") or (KUBE_DIR + ("/admin.conf" if ctx.is_control_plane else "/kubelet.conf"))
    ctx.connect(path)
    prefix = "[upgrade]"
    try:
        fetch_upgrade_config(ctx, prefix, ctx.is_control_plane)
    except KubeadmError as exc:
        raise KubeadmError("unable to fetch the kubeadm-config ConfigMap: %s" % exc)
    errs = validate_ignore(ctx.ignored)
    if errs:
        raise KubeadmError(api.aggregate(errs), "validation")
    ctx.target = ctx.cluster.get("kubernetesVersion")
    ctx.etcd_upgrade = bool(ctx.value("etcd-upgrade", "etcdUpgrade"))
    ctx.renew = bool(ctx.value("certificate-renewal", "certificateRenewal"))
    return ctx


def np_preflight(ctx):
    tag = "[preflight]" if minor() <= 31 else "[upgrade/preflight]"
    out("%s Running pre-flight checks" % tag)
    run_checks([check_root()], ctx.ignored)
    if not ctx.is_control_plane:
        out("%s Skipping prepull. Not a control plane node." % tag)
        return
    apply_pull_images(ctx, tag)


def np_control_plane(ctx):
    tag = "[upgrade]" if minor() <= 31 else "[upgrade/control-plane]"
    if not ctx.is_control_plane:
        out("%s Skipping phase. Not a control plane node." % tag)
        return
    out("%s Upgrading your Static Pod-hosted control plane instance to version %s..." % (tag, go_quote(ctx.target)))
    try:
        StaticPodUpgrade(ctx, ctx.etcd_upgrade, ctx.renew).run()
    except KubeadmError as exc:
        raise KubeadmError("couldn't complete the static pod upgrade: %s" % exc)
    if minor() <= 31:
        out("[upgrade] The control plane instance for this node was successfully updated!")
    else:
        out("[upgrade/control-plane] The control plane instance for this node was successfully upgraded!")


def np_kubeconfig(ctx):
    if not ctx.is_control_plane:
        out("%s Skipping phase. Not a control plane node." % ("[upgrade]" if minor() <= 31 else "[upgrade/kubeconfig]"))
        return
    if minor() >= 32:
        kubeconfig_done_line()


def np_kubelet_config(ctx):
    write_upgraded_kubelet_config(ctx)
    if minor() <= 31:
        out("[upgrade] The configuration for this node was successfully updated!")
        out("[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.")
    else:
        out("[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!")


def np_addon(name):
    def run(ctx):
        if not ctx.is_control_plane:
            if minor() >= 32:
                out("[upgrade/addon] Skipping the addon/%s phase. Not a control plane node." % name)
            return
        (up_addon_coredns if name == "coredns" else up_addon_proxy)(ctx)
    return run


def node_phases():
    return [
        Phase("preflight", np_preflight),
        Phase("control-plane", np_control_plane),
        Phase("kubeconfig", np_kubeconfig),
        Phase("kubelet-config", np_kubelet_config),
        Phase("addon", None, [Phase("coredns", np_addon("coredns")), Phase("kube-proxy", np_addon("kube-proxy"))]),
        Phase("post-upgrade", up_post_upgrade),
    ]


def cmd_upgrade_node(cmd, parsed):
    ctx = node_context(parsed)
    skip = list(parsed.get("skip-phases") or []) or list(ctx.section.get("skipPhases") or [])
    run_workflow(ctx, node_phases(), "kubeadm upgrade node", skip)
    return 0


# -- upgrade plan

def resolve_label(label, given):
    """OfflineVersionGetter + KubernetesReleaseVersion offline: the given version, else the kubeadm version."""
    if given:
        return given
    url = "https://dl.k8s.io/release/%s.txt" % label
    warn("could not fetch a Kubernetes version from the internet: unable to get URL %s: Get %s: dial tcp: lookup "
         "dl.k8s.io: no such host" % (go_quote(url), go_quote(url)))
    warn("falling back to the local client version: %s" % VERSION)
    return VERSION


def plan_state(ctx):
    client = ctx.client()
    pods = client.get("/api/v1/namespaces/kube-system/pods", query={"labelSelector": "tier=control-plane"})["items"]
    nodes = client.get("/api/v1/nodes")["items"]
    state = {"apiserver": up.component_versions(pods, "kube-apiserver"),
             "controller-manager": up.component_versions(pods, "kube-controller-manager"),
             "scheduler": up.component_versions(pods, "kube-scheduler"),
             "etcd": up.component_versions(pods, "etcd"), "kubelets": up.kubelet_versions(nodes),
             "kubeadm": VERSION, "dns": ""}
    try:
        dep = client.get("/apis/apps/v1/namespaces/kube-system/deployments/coredns")
        image = dep["spec"]["template"]["spec"]["containers"][0]["image"]
        state["dns"] = image.rsplit(":", 1)[-1]
    except (kube.ApiError, KeyError, IndexError):
        pass
    return state


def config_version_states(ctx):
    proxy = "v1alpha1" if ctx.proxy_config is not None else ""
    kubelet = "v1beta1" if ctx.kubelet_config is not None else ""
    return [{"group": "kubeproxy.config.k8s.io", "currentVersion": proxy, "preferredVersion": "v1alpha1"},
            {"group": "kubelet.config.k8s.io", "currentVersion": kubelet, "preferredVersion": "v1beta1"}]


def compute_plan(ctx, given):
    out("[upgrade] Fetching available versions to upgrade to")
    state = plan_state(ctx)
    if not state["apiserver"]:
        raise KubeadmError("[upgrade/versions] FATAL: could not find any kube-apiserver Pods in the cluster")
    if len(state["apiserver"]) > 1:
        warn("Different API server versions in the cluster were discovered: %s. Please upgrade your control plane "
             "nodes to the same version of Kubernetes" % ", ".join(
                 "%s on nodes %s" % (v, up.go_list(n)) for v, n in sorted(state["apiserver"].items())))
    cluster = up.latest_version(state["apiserver"])
    state["kube"] = up.core_text(cluster)
    out("[upgrade/versions] Cluster version: %s" % state["kube"])
    out("[upgrade/versions] kubeadm version: %s" % VERSION)
    stable = resolve_label("stable", given)
    out("[upgrade/versions] Target version: %s" % stable)
    patch = None
    if not versions.parse(stable) < cluster:
        patch = resolve_label("stable-%d.%d" % (cluster.major, cluster.minor), given)
        out("[upgrade/versions] Latest version in the v%d.%d series: %s" % (cluster.major, cluster.minor, patch))
    external = not state["etcd"]
    upgrades = up.compute_upgrades(state, cluster, stable, patch, VERSION, versions.pins(VERSION)[1],
                                   lambda v: "" if external else versions.etcd_tag(VERSION, v))
    out()
    return upgrades


def plan_requirements_and_compute(ctx, parsed):
    """enforceRequirements (plan) then GetAvailableUpgrades."""
    ctx.connect(parsed.get("kubeconfig") or KUBE_DIR + "/admin.conf")
    out("[preflight] Running pre-flight checks.")
    run_checks([check_root()], ctx.ignored)
    try:
        fetch_upgrade_config(ctx, "[upgrade/config]", True, "[upgrade/config]")
    except KubeadmError as exc:
        raise KubeadmError("[upgrade/init config] FATAL: %s" % exc)
    given = parsed.args[0] if len(parsed.args) == 1 else ctx.section.get("kubernetesVersion") or ""
    try:
        check_cluster_health(ctx)
    except KubeadmError as exc:
        raise KubeadmError("[upgrade/health] FATAL: %s" % exc)
    if ctx.value("print-config", "printConfig"):
        print_upgrade_config(ctx)
    try:
        return compute_plan(ctx, given)
    except (kube.ApiError, OSError, ssl.SSLError, ValueError) as exc:
        raise KubeadmError("[upgrade/versions] FATAL: %s" % api_message(exc))


def cmd_upgrade_plan(cmd, parsed):
    fmt = parsed["output"]
    try:
        printer_check(fmt)
    except KubeadmError as exc:
        raise KubeadmError("could not construct output printer: %s" % exc)
    check_mixed(parsed)
    validate_upgrade_flags(parsed)
    ctx = UpgradeContext(parsed, "plan", parsed.args)
    errs = validate_ignore(ctx.ignored)
    if errs:
        raise KubeadmError(api.aggregate(errs), "validation")
    text = fmt == "text"
    # the structured printers drop the text printer's progress lines; warnings stay on stderr
    sink = contextlib.nullcontext() if text else contextlib.redirect_stdout(io.StringIO())
    with sink:
        upgrades = plan_requirements_and_compute(ctx, parsed)
    if not upgrades:
        return 0
    plan = up.plan_object(upgrades, config_version_states(ctx))
    if text:
        sys.stdout.write(up.plan_text(plan, tabwrite))
    elif fmt == "json":
        out(json.dumps(plan, indent=4))
    else:
        sys.stdout.write(yaml.safe_dump(plan, default_flow_style=False, sort_keys=True))
    return 0


# ---------------------------------------------------------------------------------------------
# token

def token_client(parsed):
    return client_from(parsed.get("kubeconfig") or KUBE_DIR + "/admin.conf")


def cmd_token_generate(cmd, parsed):
    token = bootstrap.generate_token()
    calls.record_secret("bootstrap-token", token)
    out(token)
    return 0


def cmd_token_create(cmd, parsed):
    # cmd/kubeadm/app/cmd/token.go RunCreateToken: the positional token and the flags fill the
    # flag-built configuration; with --config, LoadOrDefaultInitConfiguration reads the file alone
    # (the flag-built one is ignored) and every bootstrapTokens entry is created, the first printed.
    check_mixed(parsed)
    toks = [{"usages": parsed["usages"], "groups": parsed["groups"], "description": parsed["description"],
             "ttl": pflag.format_duration(parsed["ttl"]) if parsed["ttl"] else None}]
    if parsed.args:
        toks[0]["token"] = parsed.args[0]
    if parsed.get("config"):
        docs = load_docs(parsed["config"], ("InitConfiguration", "ClusterConfiguration"))
        cfg = api.build_config(docs, "InitConfiguration", VERSION, with_defaults=False)
        toks = [{k: entry[k] for k in ("token", "usages", "groups", "description", "ttl", "expires") if k in entry}
                for entry in (cfg["node"].get("bootstrapTokens") or [{}])]
    for tok in toks:
        validate_new_token(tok)
    path = parsed.get("kubeconfig") or KUBE_DIR + "/admin.conf"
    client = client_from(path)
    create_tokens(client, toks, 60, fail_if_exists=True)
    tok = toks[0]
    if parsed.get("print-join-command"):
        server, ca_pem = kube.load_kubeconfig(host(path))[:2]
        pins = [pki.pubkey_pin(pki.load_cert(ca_pem))]
        key = parsed.get("certificate-key")
        out(join_command(server.split("://", 1)[-1], tok["token"], pins, bool(key), key, flat=True))
    else:
        out(tok["token"])
    return 0


def validate_new_token(tok):
    """SetDefaults_BootstrapToken then the token's validation, as token create runs them (in place)."""
    # SetDefaults_BootstrapToken (LoadOrDefaultInitConfiguration): empty usages and groups get the
    # defaults, before validation (so --usages signing with any --groups, even empty, is refused).
    if not tok.get("usages"):
        tok["usages"] = list(bootstrap.DEFAULT_USAGES)
    if not tok.get("groups"):
        tok["groups"] = [bootstrap.DEFAULT_GROUP]
    if not tok.get("token"):
        tok["token"] = bootstrap.generate_token()
    if not bootstrap.is_valid_token(tok["token"]):
        raise KubeadmError("the bootstrap token %s was not of the form %s"
                           % (go_quote(tok["token"]), go_quote(bootstrap.TOKEN_PATTERN)))
    err = bootstrap.validate_usages(tok.get("usages") or [])
    if err:
        raise KubeadmError(err)
    if tok.get("groups") and "authentication" not in (tok.get("usages") or []):
        raise KubeadmError("token groups cannot be specified unless --usages includes \"authentication\"")
    for grp in tok.get("groups") or []:
        err = bootstrap.validate_group(grp)
        if err:
            raise KubeadmError(err)


def cmd_token_delete(cmd, parsed):
    if not parsed.args:
        raise KubeadmError("missing argument; 'token delete' is missing token of form \"[a-z0-9]{6}\" or "
                           "\"[a-z0-9]{6}\\.[a-z0-9]{16}\"")
    client = token_client(parsed)
    for arg in parsed.args:
        if bootstrap.TOKEN_ID_RE.match(arg):
            tid = arg
        elif bootstrap.TOKEN_RE.match(arg):
            tid = arg.split(".")[0]
        else:
            raise KubeadmError("given token didn't match pattern %s or %s"
                               % (go_quote(bootstrap.TOKEN_ID_PATTERN), go_quote(bootstrap.TOKEN_PATTERN)))
        try:
            client.delete("/api/v1/namespaces/kube-system/secrets/" + bootstrap.SECRET_PREFIX + tid)
        except (kube.ApiError, OSError, ssl.SSLError) as exc:
            raise KubeadmError("failed to delete bootstrap token %s: %s" % (go_quote(tid), api_message(exc)))
        out("bootstrap token %s deleted" % go_quote(tid))
    return 0


def cmd_token_list(cmd, parsed):
    fmt = parsed["output"]
    printer_check(fmt)
    client = token_client(parsed)
    try:
        secrets = client.get("/api/v1/namespaces/kube-system/secrets",
                             query={"fieldSelector": "type=" + bootstrap.SECRET_TYPE})
    except (kube.ApiError, OSError, ssl.SSLError) as exc:
        raise KubeadmError("failed to list bootstrap tokens: %s" % api_message(exc))
    rows = ["TOKEN\tTTL\tEXPIRES\tUSAGES\tDESCRIPTION\tEXTRA GROUPS"]
    now = datetime.datetime.now(datetime.timezone.utc)
    for secret in secrets.get("items") or []:
        if secret.get("type") != bootstrap.SECRET_TYPE:
            continue
        tok = bootstrap.secret_to_token(secret)
        if tok is None:
            warn("[token] ignoring invalid bootstrap token secret %s" % go_quote(secret["metadata"]["name"]))
            continue
        if fmt != "text":
            obj = {"kind": "BootstrapToken", "apiVersion": "output.kubeadm.k8s.io/v1alpha3", "token": tok["token"]}
            for key in ("description", "expires", "usages", "groups"):
                if tok.get(key):
                    obj[key] = tok[key]
            print_object(obj, fmt)
            continue
        ttl, expires = "<forever>", "<never>"
        if tok["expires"]:
            when = bootstrap.parse_rfc3339(tok["expires"])
            ttl = short_human_duration((when - now).total_seconds())
            expires = tok["expires"]
        rows.append("\t".join([tok["token"], ttl, expires, ",".join(tok["usages"]), tok["description"] or "<none>",
                               ",".join(tok["groups"])]))
    if fmt == "text" and len(rows) > 1:
        sys.stdout.write(tabwrite(rows))
    return 0


# ---------------------------------------------------------------------------------------------
# certs

# name -> (kind, file, CA, message)
RENEWABLE = {
    "admin.conf": ("kubeconfig", "admin.conf", "ca",
                   "certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself"),
    "apiserver": ("cert", "apiserver", "ca", "certificate for serving the Kubernetes API"),
    "apiserver-etcd-client": ("cert", "apiserver-etcd-client", "etcd-ca",
                              "certificate the apiserver uses to access etcd"),
    "apiserver-kubelet-client": ("cert", "apiserver-kubelet-client", "ca",
                                 "certificate for the API server to connect to kubelet"),
    "controller-manager.conf": ("kubeconfig", "controller-manager.conf", "ca",
                                "certificate embedded in the kubeconfig file for the controller manager to use"),
    "etcd-healthcheck-client": ("cert", "etcd/healthcheck-client", "etcd-ca",
                                "certificate for liveness probes to healthcheck etcd"),
    "etcd-peer": ("cert", "etcd/peer", "etcd-ca", "certificate for etcd nodes to communicate with each other"),
    "etcd-server": ("cert", "etcd/server", "etcd-ca", "certificate for serving etcd"),
    "front-proxy-client": ("cert", "front-proxy-client", "front-proxy-ca", "certificate for the front proxy client"),
    "scheduler.conf": ("kubeconfig", "scheduler.conf", "ca",
                       "certificate embedded in the kubeconfig file for the scheduler manager to use"),
    "super-admin.conf": ("kubeconfig", "super-admin.conf", "ca",
                         "certificate embedded in the kubeconfig file for the super-admin"),
}
CA_FILES = {"ca": "ca", "etcd-ca": "etcd/ca", "front-proxy-ca": "front-proxy-ca"}


def certs_cluster(parsed, prefix, quiet=False):
    # `kubeadm certs` does not call ValidateMixedArguments; with --config the file's certificatesDir
    # wins (getInternalCfg applies --cert-dir only to a configuration read from the cluster).
    if parsed.get("config"):
        docs = load_docs(parsed["config"], ("InitConfiguration", "ClusterConfiguration"))
        cluster = api.build_config(docs, "InitConfiguration", VERSION, with_defaults=False)["cluster"]
    else:
        cluster, _ = fetch_cluster_config(parsed.get("kubeconfig") or KUBE_DIR + "/admin.conf", prefix, 5, quiet)
        if cluster is None and not quiet:
            out("%s Error reading configuration from the Cluster. Falling back to default configuration" % prefix)
        if cluster is None:
            cluster = api.default_cluster(VERSION)
        if parsed.is_set("cert-dir"):
            cluster["certificatesDir"] = parsed["cert-dir"]
    return cluster


def load_renewable(certs_dir, name):
    """(cert, kubeconfig doc or None) of a renewable certificate, or (None, None) when missing."""
    kind, fname = RENEWABLE[name][:2]
    if kind == "cert":
        cert, _ = pki.read_pair(host("%s/%s" % (certs_dir, fname)))
        return cert, None
    try:
        doc = yaml.safe_load(read_file("%s/%s" % (KUBE_DIR, fname))) or {}
        user = (doc.get("users") or [{}])[0].get("user") or {}
        if user.get("client-certificate-data"):
            return pki.load_cert(base64.b64decode(user["client-certificate-data"])), doc
        if user.get("client-certificate"):
            with open(host(user["client-certificate"]), "rb") as handle:
                return pki.load_cert(handle.read()), doc
    except (OSError, yaml.YAMLError, ValueError):
        pass
    return None, None


def cmd_check_expiration(cmd, parsed):
    fmt = parsed["output"]
    printer_check(fmt)
    cluster = certs_cluster(parsed, "[check-expiration]", quiet=fmt != "text")
    certs_dir = cluster.get("certificatesDir") or "/etc/kubernetes/pki"
    now = datetime.datetime.now(datetime.timezone.utc)
    certs, cas = [], []
    for name in sorted(RENEWABLE):
        kind, fname, ca_name, _ = RENEWABLE[name]
        if name.startswith("etcd") or name == "apiserver-etcd-client":
            if not etcd_local(cluster):
                continue
        cert, _ = load_renewable(certs_dir, name)
        certs.append((name, cert, ca_name))
    for name in sorted(CA_FILES):
        if name == "etcd-ca" and not etcd_local(cluster):
            continue
        cert, key = pki.read_pair(host("%s/%s" % (certs_dir, CA_FILES[name])))
        cas.append((name, cert, cert is not None and key is None))
    if fmt != "text":
        # output.kubeadm.k8s.io/v1alpha3 Certificate: residualTime is int64 SECONDS (ResidualTimeSeconds),
        # caName omitempty, missing and externallyManaged always present; expirationDate is a
        # metav1.Time (null for a missing certificate).
        def entry(name, cert, ca=None, external=False):
            item = {"name": name, "expirationDate": None, "residualTime": 0}
            if cert is not None:
                item["expirationDate"] = pki.not_after(cert).strftime("%Y-%m-%dT%H:%M:%SZ")
                item["residualTime"] = int((pki.not_after(cert) - now).total_seconds())
            item["externallyManaged"] = external
            if ca:
                item["caName"] = ca
            item["missing"] = cert is None
            return item
        # a leaf is externally managed when its CA is (renewal/manager.go: IsExternallyManaged(CABaseName))
        external_ca = dict((n, e) for n, _, e in cas)
        print_object({"kind": "CertificateExpirationInfo", "apiVersion": "output.kubeadm.k8s.io/v1alpha3",
                      "certificates": [entry(n, c, ca, external_ca.get(ca, False)) for n, c, ca in certs],
                      "certificateAuthorities": [entry(n, c, None, e) for n, c, e in cas]}, fmt)
        return 0

    def when(cert):
        return pki.not_after(cert).strftime("%b %d, %Y %H:%M UTC")

    def left(cert):
        return short_human_duration((pki.not_after(cert) - now).total_seconds())
    rows = ["CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tCERTIFICATE AUTHORITY\tEXTERNALLY MANAGED"]
    for name, cert, ca in certs:
        rows.append("!MISSING! %s\t\t\t\t" % name if cert is None else
                    "%s\t%s\t%s\t%s\t%-8s" % (name, when(cert), left(cert), ca, "no"))
    ca_rows = ["CERTIFICATE AUTHORITY\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED"]
    for name, cert, external in cas:
        ca_rows.append("!MISSING! %s\t\t\t" % name if cert is None else
                       "%s\t%s\t%s\t%-8s" % (name, when(cert), left(cert), "yes" if external else "no"))
    out()
    sys.stdout.write(tabwrite(rows))
    out()
    sys.stdout.write(tabwrite(ca_rows))
    return 0


def renew_one(cluster, name):
    msg = RENEWABLE[name][3]
    if renew_certificate(cluster, name):
        out("%s renewed" % msg)
    else:
        out("MISSING! %s" % msg)


def renew_certificate(cluster, name):
    """Renew ``name`` with the local CA, keeping subject, SANs and usages; False when it is missing."""
    certs_dir = cluster.get("certificatesDir") or "/etc/kubernetes/pki"
    kind, fname, ca_name, _ = RENEWABLE[name]
    cert, doc = load_renewable(certs_dir, name)
    if cert is None:
        return False
    try:
        ca_base = "%s/%s" % (certs_dir, CA_FILES[ca_name])
        ca_cert, ca_key = pki.read_pair(host(ca_base), ca_base)
    except pki.PkiError as exc:
        # certsphase.LoadCertificateAuthority; renewCert returns the error as it is
        raise KubeadmError("failure loading %s certificate authority: %s" % (CA_FILES[ca_name], exc))
    if ca_cert is None or ca_key is None:
        raise KubeadmError("failed to renew certificate %s: the CA %s or its key is missing" % (name, ca_name))
    from cryptography import x509 as _x509
    from cryptography.x509.oid import ExtendedKeyUsageOID
    usages = []
    try:
        ekus = cert.extensions.get_extension_for_class(_x509.ExtendedKeyUsage).value
        if ExtendedKeyUsageOID.SERVER_AUTH in ekus:
            usages.append("server")
        if ExtendedKeyUsageOID.CLIENT_AUTH in ekus:
            usages.append("client")
    except _x509.ExtensionNotFound:
        usages = ["client"]
    dns, ips = pki.sans(cert)
    algorithm = cluster.get("encryptionAlgorithm", "RSA-2048")
    new_cert, new_key = pki.new_signed(ca_cert, ca_key, pki.common_name(cert), pki.organizations(cert), usages,
                                       dns, ips, algorithm, validity(cluster, "certificateValidityPeriod"))
    if kind == "cert":
        pki.write_pair(host("%s/%s" % (certs_dir, fname)), new_cert, new_key)
    else:
        doc["users"][0]["user"] = {"client-certificate-data": objs.b64(pki.cert_pem(new_cert)),
                                   "client-key-data": objs.b64(pki.key_pem(new_key))}
        WRITER.write("%s/%s" % (KUBE_DIR, fname), objs.dump(doc), 0o600)
    return True


def cmd_certs_renew(cmd, parsed):
    cluster = certs_cluster(parsed, "[renew]")
    names = sorted(RENEWABLE) if cmd.name == "all" else [cmd.name]
    for name in names:
        if (name.startswith("etcd") or name == "apiserver-etcd-client") and not etcd_local(cluster):
            continue
        renew_one(cluster, name)
    if cmd.name == "all":
        out()
        out("Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, "
            "kube-scheduler and etcd, so that they can use the new certificates.")
    return 0


def cmd_certs_key(cmd, parsed):
    key = bootstrap.new_certificate_key()
    calls.record_secret("certificate-key", key)
    out(key)
    return 0


if __name__ == "__main__":
    calls.run_recorded("kubeadm", sys.argv[1:], main)
