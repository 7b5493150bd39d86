#!/usr/bin/python3
"""Test double of the kubelet (TEST ONLY; packaged as /usr/bin/kubelet by tests/doubles/build.sh).

Behaviour derived from upstream kubernetes/kubernetes (cmd/kubelet/app: flag parsing and the
start-up sequence; pkg/kubelet/apis/config + staging k8s.io/kubelet/config/v1beta1: the
KubeletConfiguration fields and defaults, failCgroupV1; pkg/kubelet/certificate/bootstrap: TLS
bootstrap; pkg/kubelet/certificate/kubelet.go + staging/src/k8s.io/client-go/util/certificate
(certificate_manager.go, certificate_store.go, csr/csr.go): the serving certificate of
serverTLSBootstrap; pkg/kubelet/config: static pods and mirror pods; pkg/kubelet/nodestatus and
kubelet_node_status.go: the Node object) and from the kubelet.service / 10-kubeadm.conf files of
kubernetes/release that run it.

Emulated:
* pflag-style parsing of the kubelet's flags (the set of the baked minor: --pod-infra-container-image
  exists up to 1.34, --fail-cgroupv1 from 1.31); unknown flags, missing values and bad values exit 1;
  config-bound flags override the config file; --version / --help.
* /var/lib/kubelet/config.yaml (--config) loading: exits 1 with upstream's message while it is
  missing (systemd restarts the unit every 10 s); apiVersion/kind checked; unknown or duplicate
  fields are reported like upstream's strict decoder and, like upstream's lenient v1beta1 fallback,
  only logged (set SEED_KUBELET_STRICT_CONFIG=1 or {"strict_config": true} in
  /etc/seed-doubles/kubelet.json to make them fatal); wrongly typed values are fatal.
* refusal of cgroup v1 hosts when failCgroupV1 is true (default true from 1.35, false 1.31-1.34,
  field unknown before 1.31), of swap when failSwapOn is true, of --node-labels in the
  kubernetes.io / k8s.io namespaces that a kubelet may not set.
* the OOM watcher (pkg/kubelet/oom/oom_watcher_linux.go NewWatcher, via go-kmsg-parser NewParser:
  os.Open("/dev/kmsg")): NewMainKubelet returns the open error (outside a user namespace), so a host
  without a readable /dev/kmsg (a container the engine gave no such device) exits 1 with
  "failed to run Kubelet: failed to create kubelet: open /dev/kmsg: <errno text>".
* healthz on healthzBindAddress:healthzPort (127.0.0.1:10248).
* TLS bootstrap when the kubeconfig is missing and the bootstrap kubeconfig exists: ECDSA P-256 key,
  CSR CN=system:node:<node> O=system:nodes, usages digital signature + client auth, signer
  kubernetes.io/kube-apiserver-client-kubelet, named node-csr-<digest>; waits for the certificate;
  writes pki/kubelet-client-<date>.pem (0600) + the kubelet-client-current.pem link and the
  kubeconfig (0600) pointing at it. With rotateCertificates (kubeadm's default) the kubeconfig is
  written first and the request runs in the background, retried after failures (healthz and the
  static pods do not wait, as upstream's certificate manager); without it the kubelet waits for the
  certificate before it starts (bootstrap.LoadClientCert).
* server TLS bootstrap, only with serverTLSBootstrap: true (or --rotate-server-certificates; with the
  RotateKubeletServerCertificate gate turned off that is upstream's validation error, exit 1), in a
  thread of its own (ServingCertManager): no CSR until a Node status update returned addresses with
  an IP (1.31+; any address up to 1.30 or with the deprecated AllowDNSOnlyNodeCSR gate); then a new
  ECDSA P-256 key and a CSR with generateName csr-, signer kubernetes.io/kubelet-serving,
  CN=system:node:<node> O=system:nodes, DNS SANs from the Hostname/InternalDNS/ExternalDNS addresses and IP SANs from InternalIP/ExternalIP
  (deduplicated, sorted), usages digital signature + server auth (+ key encipherment for RSA only),
  created with the kubelet's own kubeconfig credentials; waits (up to 15 min per attempt) for
  Approved + certificate, Denied / Failed / deletion / another UID end the attempt; attempts are
  retried after 2, 4, 8, 16 s (+ up to 10 % jitter), then every 32 s; the pair is stored as
  <cert-dir>/kubelet-server-<local date>.pem (certificate then key, 0600) and the absolute
  kubelet-server-current.pem link (cert-dir: --cert-dir, default /var/lib/kubelet/pki). A restarted
  kubelet loads kubelet-server-current.pem (else tlsCertFile/tlsPrivateKeyFile, else
  kubelet-server.crt/.key) and requests nothing while it is valid, holds the template's CN, O, DNS
  names and IPs, and its rotation deadline (70-90 % of its lifetime after notBefore, jittered)
  has not passed; at the deadline, or when the Node's addresses change so that the certificate no
  longer covers them, it rotates the same way. A stored pair that does not load is fatal at start.
* static pods from staticPodPath (see seed_doubles.pods): image pulled through containerd,
  command run as a host process in its own transient systemd unit, restarted with upstream's
  crash-loop back-off (10 s doubling to 300 s), restarted on a manifest change, stopped when the
  manifest disappears (a change is ignored while faults.json lists the pod under
  {"kubelet": {"ignore_manifest_changes": [...]}}, so the mirror Pod keeps its config.hash);
  adopted (not restarted) by a restarted kubelet; startup, liveness and readiness probes as
  upstream's prober workers (a thread per probe: period, initial delay, thresholds, startup gating,
  a liveness or startup failure restarts the container; see ProbeWorker). On SIGTERM the kubelet exits and the pod
  units keep running, as containers outlive a stopped kubelet; ``/usr/lib/seed-doubles/pods
  stop-all`` stops them, what ``kubeadm reset`` does through the CRI.
* Node registration (labels, taints, InternalIP/Hostname addresses, nodeInfo, capacity, conditions),
  status computed every nodeStatusUpdateFrequency and written when it changed or every
  nodeStatusReportFrequency, node Lease renewed every nodeLeaseDurationSeconds / 4, mirror pods with
  kubernetes.io/config.hash / config.mirror / config.source / config.seen and a Node owner reference,
  replaced when the hash changes, deleted when the manifest is gone, their status kept current.
* /var/lib/seed-doubles/kubelet-effective.json: the flags given, the config file read, the effective
  configuration (defaults < file < flags), strict-decoding findings, node name and IP; with server
  TLS bootstrap, "serverCertificate": the last CSR name, its phase (Loaded, Pending, Issued, Denied,
  Failed, NotSigned, StoreFailed), the SANs requested, the certificate path and notAfter (no key
  material).

NOT emulated: pods from the API (DaemonSets, Deployments: nothing but static pods runs), CNI and pod
networking (Ready does not wait for a CNI configuration), the secured kubelet API on 10250 and the
read-only port (the serving certificate is only written to disk, nothing serves it; no self-signed
kubelet.crt without serverTLSBootstrap), client certificate rotation (rotateCertificates: the client
certificate is only bootstrapped), the certificate manager's CSR watch (the serving CSR is polled
every second), its v1beta1 CSR API fallback and metrics, volumes, resource limits,
eviction, image garbage collection, --config-dir drop-ins beyond a shallow merge, the CRI socket
(containerRuntimeEndpoint is recorded, containerd is driven with ctr).
"""

import base64
import copy
import datetime
import hashlib
import http.server
import ipaddress
import json
import os
import random
import re
import shutil
import signal
import socket
import stat
import ssl
import sys
import threading
import time
import urllib.request

import yaml

try:
    from seed_doubles import calls, faults, kube, pods
except ImportError:  # running from the source tree
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from seed_doubles import calls, faults, kube, pods

VERSION = "v0.0.0"

EFFECTIVE_FILE = os.environ.get("SEED_KUBELET_EFFECTIVE", "/var/lib/seed-doubles/kubelet-effective.json")
SETTINGS_FILE = os.environ.get("SEED_KUBELET_SETTINGS", "/etc/seed-doubles/kubelet.json")
SIGNER_NAME = "kubernetes.io/kube-apiserver-client-kubelet"
SERVING_SIGNER_NAME = "kubernetes.io/kubelet-serving"
CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
GROUP_VERSION = "kubelet.config.k8s.io/v1beta1"
CONFIG_DEPRECATION = ("This parameter should be set via the config file specified by the Kubelet's "
                      "--config flag. See https://kubernetes.io/docs/tasks/administer-cluster/"
                      "kubelet-config-file/ for more information.")


def minor_of(version=None):
    match = re.match(r"v?(\d+)\.(\d+)", version or VERSION)
    return int(match.group(2)) if match else 0


# ---------------------------------------------------------------------------------------------
# logging (klog text format)

_LOG_LOCK = threading.Lock()


def log(severity, msg, **kv):
    now = datetime.datetime.now()
    parts = [" %s=%s" % (k, json.dumps(v) if not isinstance(v, (int, float)) else v) for k, v in kv.items()]
    line = "%s%s %s %7d kubelet.go:0] %s%s\n" % (severity, now.strftime("%m%d"), now.strftime("%H:%M:%S.%f"),
                                                 os.getpid(), json.dumps(msg), "".join(parts))
    with _LOG_LOCK:
        sys.stderr.write(line)
        sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# flags


class FlagError(Exception):
    pass


class Flag:
    """One flag: kind (bool, string, int, float, duration, strings, map, mapbool, taints),
    config field path it sets (None: a KubeletFlags value), deprecation, minors it exists in."""

    def __init__(self, name, kind, field=None, deprecated=None, since=0, until=None, shorthand=None,
                 default=None):
        self.name, self.kind, self.field = name, kind, field
        self.deprecated, self.since, self.until = deprecated, since, until
        self.shorthand, self.default = shorthand, default


_DEP = "deprecated"  # placeholder: config-bound flags use CONFIG_DEPRECATION


def _flags():
    f = []
    add = lambda *a, **k: f.append(Flag(*a, **k))  # noqa: E731
    # KubeletFlags (cmd/kubelet/app/options/options.go AddFlags) and global flags.
    add("config", "string")
    add("config-dir", "string", since=28)
    add("kubeconfig", "string")
    add("bootstrap-kubeconfig", "string")
    add("cert-dir", "string", default="/var/lib/kubelet/pki")
    add("root-dir", "string", default="/var/lib/kubelet")
    add("hostname-override", "string")
    add("node-ip", "string")
    add("node-labels", "map")
    add("runonce", "bool")
    add("lock-file", "string")
    add("exit-on-lock-contention", "bool")
    add("image-credential-provider-config", "string")
    add("image-credential-provider-bin-dir", "string")
    add("pod-infra-container-image", "string", deprecated="will be removed in a future release. "
        "Image garbage collector will get sandbox image information from CRI.", until=35)
    add("cloud-provider", "string", deprecated="will be removed in a future release")
    add("cloud-config", "string", deprecated="will be removed in a future release")
    add("minimum-container-ttl-duration", "duration", deprecated="Use --eviction-hard or --eviction-soft instead. Will be removed in a future version.")
    add("maximum-dead-containers-per-container", "int", deprecated="Use --eviction-hard or --eviction-soft instead. Will be removed in a future version.")
    add("maximum-dead-containers", "int", deprecated="Use --eviction-hard or --eviction-soft instead. Will be removed in a future version.")
    add("experimental-mounter-path", "string", deprecated="will be removed in a future release")
    add("experimental-allocatable-ignore-eviction", "bool", deprecated="will be removed in a future release")
    add("keep-terminated-pod-volumes", "bool", deprecated="will be removed in a future version", until=31)
    add("v", "int", shorthand="v")
    add("vmodule", "string")
    add("log-flush-frequency", "duration")
    add("logging-format", "string")
    add("log-json-split-stream", "bool")
    add("log-json-info-buffer-size", "string")
    add("log-text-split-stream", "bool")
    add("log-text-info-buffer-size", "string")
    add("version", "version")
    add("help", "bool", shorthand="h")
    add("feature-gates", "mapbool", "featureGates", deprecated=_DEP)
    # KubeletConfiguration flags (AddKubeletConfigFlags), all deprecated in favour of --config.
    cfg = [
        ("address", "string", "address"), ("anonymous-auth", "bool", "authentication.anonymous.enabled"),
        ("authentication-token-webhook", "bool", "authentication.webhook.enabled"),
        ("authentication-token-webhook-cache-ttl", "duration", "authentication.webhook.cacheTTL"),
        ("authorization-mode", "string", "authorization.mode"),
        ("authorization-webhook-cache-authorized-ttl", "duration", "authorization.webhook.cacheAuthorizedTTL"),
        ("authorization-webhook-cache-unauthorized-ttl", "duration", "authorization.webhook.cacheUnauthorizedTTL"),
        ("cgroup-driver", "string", "cgroupDriver"), ("cgroup-root", "string", "cgroupRoot"),
        ("cgroups-per-qos", "bool", "cgroupsPerQOS"), ("client-ca-file", "string", "authentication.x509.clientCAFile"),
        ("cluster-dns", "strings", "clusterDNS"), ("cluster-domain", "string", "clusterDomain"),
        ("container-log-max-files", "int", "containerLogMaxFiles"), ("container-log-max-size", "string", "containerLogMaxSize"),
        ("container-log-max-workers", "int", "containerLogMaxWorkers"),
        ("container-log-monitor-interval", "duration", "containerLogMonitorInterval"),
        ("container-runtime-endpoint", "string", "containerRuntimeEndpoint"),
        ("contention-profiling", "bool", "enableContentionProfiling"), ("cpu-cfs-quota", "bool", "cpuCFSQuota"),
        ("cpu-cfs-quota-period", "duration", "cpuCFSQuotaPeriod"), ("cpu-manager-policy", "string", "cpuManagerPolicy"),
        ("cpu-manager-policy-options", "map", "cpuManagerPolicyOptions"),
        ("cpu-manager-reconcile-period", "duration", "cpuManagerReconcilePeriod"),
        ("enable-controller-attach-detach", "bool", "enableControllerAttachDetach"),
        ("enable-debugging-handlers", "bool", "enableDebuggingHandlers"), ("enable-server", "bool", "enableServer"),
        ("enforce-node-allocatable", "strings", "enforceNodeAllocatable"), ("event-burst", "int", "eventBurst"),
        ("event-qps", "int", "eventRecordQPS"), ("eviction-hard", "map", "evictionHard"),
        ("eviction-max-pod-grace-period", "int", "evictionMaxPodGracePeriod"),
        ("eviction-minimum-reclaim", "map", "evictionMinimumReclaim"),
        ("eviction-pressure-transition-period", "duration", "evictionPressureTransitionPeriod"),
        ("eviction-soft", "map", "evictionSoft"), ("eviction-soft-grace-period", "map", "evictionSoftGracePeriod"),
        ("fail-swap-on", "bool", "failSwapOn"), ("file-check-frequency", "duration", "fileCheckFrequency"),
        ("hairpin-mode", "string", "hairpinMode"), ("healthz-bind-address", "string", "healthzBindAddress"),
        ("healthz-port", "int", "healthzPort"), ("http-check-frequency", "duration", "httpCheckFrequency"),
        ("image-gc-high-threshold", "int", "imageGCHighThresholdPercent"),
        ("image-gc-low-threshold", "int", "imageGCLowThresholdPercent"),
        ("image-service-endpoint", "string", "imageServiceEndpoint"),
        ("iptables-drop-bit", "int", "iptablesDropBit"), ("iptables-masquerade-bit", "int", "iptablesMasqueradeBit"),
        ("kernel-memcg-notification", "bool", "kernelMemcgNotification"), ("kube-api-burst", "int", "kubeAPIBurst"),
        ("kube-api-content-type", "string", "contentType"), ("kube-api-qps", "int", "kubeAPIQPS"),
        ("kube-reserved", "map", "kubeReserved"), ("kube-reserved-cgroup", "string", "kubeReservedCgroup"),
        ("kubelet-cgroups", "string", "kubeletCgroups"),
        ("local-storage-capacity-isolation", "bool", "localStorageCapacityIsolation"),
        ("make-iptables-util-chains", "bool", "makeIPTablesUtilChains"),
        ("manifest-url", "string", "staticPodURL"), ("manifest-url-header", "strings", "staticPodURLHeader"),
        ("max-open-files", "int", "maxOpenFiles"), ("max-pods", "int", "maxPods"),
        ("memory-manager-policy", "string", "memoryManagerPolicy"),
        ("minimum-image-ttl-duration", "duration", "imageMinimumGCAge"),
        ("image-maximum-gc-age", "duration", "imageMaximumGCAge"),
        ("node-status-max-images", "int", "nodeStatusMaxImages"),
        ("node-status-update-frequency", "duration", "nodeStatusUpdateFrequency"),
        ("oom-score-adj", "int", "oomScoreAdj"), ("pod-cidr", "string", "podCIDR"),
        ("pod-manifest-path", "string", "staticPodPath"), ("pod-max-pids", "int", "podPidsLimit"),
        ("pods-per-core", "int", "podsPerCore"), ("port", "int", "port"),
        ("protect-kernel-defaults", "bool", "protectKernelDefaults"), ("provider-id", "string", "providerID"),
        ("qos-reserved", "map", "qosReserved"), ("read-only-port", "int", "readOnlyPort"),
        ("register-node", "bool", "registerNode"), ("register-with-taints", "taints", "registerWithTaints"),
        ("registry-burst", "int", "registryBurst"), ("registry-qps", "int", "registryPullQPS"),
        ("reserved-cpus", "string", "reservedSystemCPUs"), ("reserved-memory", "strings", "reservedMemory"),
        ("resolv-conf", "string", "resolvConf"), ("rotate-certificates", "bool", "rotateCertificates"),
        ("rotate-server-certificates", "bool", "serverTLSBootstrap"),
        ("runtime-request-timeout", "duration", "runtimeRequestTimeout"),
        ("seccomp-default", "bool", "seccompDefault"), ("serialize-image-pulls", "bool", "serializeImagePulls"),
        ("streaming-connection-idle-timeout", "duration", "streamingConnectionIdleTimeout"),
        ("sync-frequency", "duration", "syncFrequency"), ("system-cgroups", "string", "systemCgroups"),
        ("system-reserved", "map", "systemReserved"), ("system-reserved-cgroup", "string", "systemReservedCgroup"),
        ("tls-cert-file", "string", "tlsCertFile"), ("tls-cipher-suites", "strings", "tlsCipherSuites"),
        ("tls-min-version", "string", "tlsMinVersion"), ("tls-private-key-file", "string", "tlsPrivateKeyFile"),
        ("topology-manager-policy", "string", "topologyManagerPolicy"),
        ("topology-manager-policy-options", "map", "topologyManagerPolicyOptions"),
        ("topology-manager-scope", "string", "topologyManagerScope"),
        ("volume-plugin-dir", "string", "volumePluginDir"), ("volume-stats-agg-period", "duration", "volumeStatsAggPeriod"),
        ("allowed-unsafe-sysctls", "strings", "allowedUnsafeSysctls"),
    ]
    for name, kind, field in cfg:
        add(name, kind, field, deprecated=_DEP)
    add("fail-cgroupv1", "bool", "failCgroupV1", deprecated=_DEP, since=31)
    return f


ALL_FLAGS = _flags()


def flag_table(minor):
    """{name: Flag} of the flags the kubelet of ``minor`` knows."""
    return {fl.name: fl for fl in ALL_FLAGS
            if fl.since <= minor and (fl.until is None or minor < fl.until)}


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text):
    """Seconds of a Go duration string ("1m30s", "300ms", "0"); raises ValueError."""
    text = str(text).strip()
    if text in ("0", "+0", "-0"):
        return 0.0
    match = re.fullmatch(r"([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|ms|s|m|h))+", text)
    if not match:
        raise ValueError('time: invalid duration "%s"' % text)
    total = sum(float(num) * _DURATION_UNITS[unit]
                for num, unit in re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)", text))
    return -total if match.group(1) == "-" else total


def parse_taints(text):
    """--register-with-taints: key[=value]:Effect,... → list of Taint objects."""
    taints = []
    for spec in [s for s in text.split(",") if s]:
        keyval, sep, effect = spec.rpartition(":")
        if not sep or effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise ValueError("invalid taint spec: %s" % spec)
        key, _, value = keyval.partition("=")
        taint = {"key": key, "effect": effect}
        if value:
            taint["value"] = value
        taints.append(taint)
    return taints


def _convert(flag, raw, shown):
    kind = flag.kind
    try:
        if kind == "bool":
            low = raw.lower()
            if low in ("1", "t", "true"):
                return True
            if low in ("0", "f", "false"):
                return False
            raise ValueError('strconv.ParseBool: parsing "%s": invalid syntax' % raw)
        if kind == "int":
            if not re.fullmatch(r"[-+]?\d+", raw):
                raise ValueError('strconv.ParseInt: parsing "%s": invalid syntax' % raw)
            return int(raw)
        if kind == "duration":
            parse_duration(raw)
            return raw
        if kind == "strings":
            return [s for s in raw.split(",") if s != ""]
        if kind in ("map", "mapbool"):
            out = {}
            for item in [s for s in raw.split(",") if s.strip()]:
                key, eq, value = item.partition("=")
                if not eq:
                    raise ValueError("missing bool value for %s" % key if kind == "mapbool"
                                     else "malformed pair, expect string=string")
                if kind == "mapbool":
                    if value.strip().lower() not in ("true", "false", "1", "0", "t", "f"):
                        raise ValueError('invalid value of %s=%s, err: strconv.ParseBool: parsing "%s": invalid syntax'
                                         % (key, value, value))
                    out[key.strip()] = value.strip().lower() in ("true", "1", "t")
                else:
                    out[key.strip()] = value.strip()
            return out
        if kind == "taints":
            return parse_taints(raw)
    except ValueError as exc:
        raise FlagError('invalid argument "%s" for "%s" flag: %s' % (raw, shown, exc))
    return raw


def parse_flags(argv, minor):
    """pflag-like parse: (values {name: value}, order [names as given], warnings, positional)."""
    table = flag_table(minor)
    shorthands = {fl.shorthand: fl for fl in table.values() if fl.shorthand}
    values, order, warnings, positional = {}, [], [], []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            positional.extend(argv[i:])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, raw = arg[2:].partition("=")
            flag = table.get(name)
            shown = "--" + name
            if flag is None:
                raise FlagError("unknown flag: --%s" % name)
        elif arg.startswith("-") and len(arg) > 1:
            short, rest = arg[1], arg[2:]
            flag = shorthands.get(short)
            if flag is None:
                raise FlagError("unknown shorthand flag: '%s' in %s" % (short, arg))
            shown = "-%s, --%s" % (short, flag.name)
            eq = "=" if rest else ""
            raw = rest[1:] if rest.startswith("=") else rest
        else:
            positional.append(arg)
            continue
        if not eq:
            if flag.kind == "bool":
                raw = "true"
            elif flag.kind == "version":
                raw = "true"
            else:
                if i >= len(argv):
                    raise FlagError("flag needs an argument: %s" % ("--" + flag.name if shown.startswith("--")
                                                                    else "'%s' in -%s" % (flag.shorthand, flag.shorthand)))
                raw = argv[i]
                i += 1
        value = _convert(flag, raw, shown)
        if flag.kind in ("map", "mapbool") and isinstance(values.get(flag.name), dict):
            values[flag.name].update(value)
        elif flag.kind == "strings" and isinstance(values.get(flag.name), list) and flag.name != "cluster-dns":
            values[flag.name].extend(value)
        else:
            values[flag.name] = value
        order.append(flag.name)
        if flag.deprecated:
            msg = CONFIG_DEPRECATION if flag.deprecated == _DEP else flag.deprecated
            warnings.append("Flag --%s has been deprecated, %s" % (flag.name, msg))
    return values, order, warnings, positional


# ---------------------------------------------------------------------------------------------
# KubeletConfiguration


def _obj(fields):
    return ("object", fields)


_AUTHN = _obj({"x509": _obj({"clientCAFile": "string"}),
               "webhook": _obj({"enabled": "bool", "cacheTTL": "duration"}),
               "anonymous": _obj({"enabled": "bool"})})
_AUTHZ = _obj({"mode": "string", "webhook": _obj({"cacheAuthorizedTTL": "duration", "cacheUnauthorizedTTL": "duration"})})
_LOGGING = _obj({"format": "string", "flushFrequency": "any", "verbosity": "int", "vmodule": "any",
                 "options": _obj({"text": _obj({"splitStream": "bool", "infoBufferSize": "any"}),
                                  "json": _obj({"splitStream": "bool", "infoBufferSize": "any"})})})
_TAINT = _obj({"key": "string", "value": "string", "effect": "string", "timeAdded": "any"})

# field: schema, or (schema, first minor that has it). Source: k8s.io/kubelet/config/v1beta1 types.go.
CONFIG_SCHEMA = {
    "apiVersion": "string", "kind": "string",
    "enableServer": "bool", "staticPodPath": "string", "podLogsDir": ("string", 29),
    "syncFrequency": "duration", "fileCheckFrequency": "duration", "httpCheckFrequency": "duration",
    "staticPodURL": "string", "staticPodURLHeader": "any", "address": "string", "port": "int",
    "readOnlyPort": "int", "tlsCertFile": "string", "tlsPrivateKeyFile": "string",
    "tlsCipherSuites": "strings", "tlsCurvePreferences": ("any", 36), "tlsMinVersion": "string",
    "rotateCertificates": "bool", "serverTLSBootstrap": "bool", "authentication": _AUTHN,
    "authorization": _AUTHZ, "registryPullQPS": "int", "registryBurst": "int",
    "imagePullCredentialsVerificationPolicy": ("string", 33),
    "preloadedImagesVerificationAllowlist": ("strings", 33),
    "eventRecordQPS": "int", "eventBurst": "int", "enableDebuggingHandlers": "bool",
    "enableContentionProfiling": "bool", "healthzPort": "int", "healthzBindAddress": "string",
    "oomScoreAdj": "int", "clusterDomain": "string", "clusterDNS": "strings",
    "streamingConnectionIdleTimeout": "duration", "nodeStatusUpdateFrequency": "duration",
    "nodeStatusReportFrequency": "duration", "nodeLeaseDurationSeconds": "int",
    "imageMinimumGCAge": "duration", "imageMaximumGCAge": ("duration", 29),
    "imageGCHighThresholdPercent": "int", "imageGCLowThresholdPercent": "int",
    "volumeStatsAggPeriod": "duration", "kubeletCgroups": "string", "systemCgroups": "string",
    "cgroupRoot": "string", "cgroupsPerQOS": "bool", "cgroupDriver": "string",
    "cpuManagerPolicy": "string", "singleProcessOOMKill": ("bool", 32),
    "cpuManagerPolicyOptions": "map", "cpuManagerReconcilePeriod": "duration",
    "draManagerReconcilePeriod": ("duration", 35),
    "memoryManagerPolicy": "string", "topologyManagerPolicy": "string",
    "topologyManagerScope": "string", "topologyManagerPolicyOptions": "map", "qosReserved": "map",
    "runtimeRequestTimeout": "duration", "hairpinMode": "string", "maxPods": "int", "podCIDR": "string",
    "podPidsLimit": "int", "resolvConf": "string", "runOnce": "bool", "cpuCFSQuota": "bool",
    "cpuCFSQuotaPeriod": "duration", "nodeStatusMaxImages": "int", "maxOpenFiles": "int",
    "contentType": "string", "kubeAPIQPS": "int", "kubeAPIBurst": "int", "serializeImagePulls": "bool",
    "maxParallelImagePulls": "int", "evictionHard": "map", "evictionSoft": "map",
    "evictionSoftGracePeriod": "map", "evictionPressureTransitionPeriod": "duration",
    "evictionMaxPodGracePeriod": "int", "evictionMinimumReclaim": "map",
    "mergeDefaultEvictionSettings": ("bool", 34), "podsPerCore": "int",
    "enableControllerAttachDetach": "bool", "protectKernelDefaults": "bool",
    "makeIPTablesUtilChains": "bool", "iptablesMasqueradeBit": "int", "iptablesDropBit": "int",
    "featureGates": "mapbool", "failSwapOn": "bool", "memorySwap": _obj({"swapBehavior": "string"}),
    "containerLogMaxSize": "string", "containerLogMaxFiles": "int",
    "containerLogMaxWorkers": ("int", 30), "containerLogMonitorInterval": ("duration", 30),
    "configMapAndSecretChangeDetectionStrategy": "string", "systemReserved": "map",
    "kubeReserved": "map", "reservedSystemCPUs": "string", "showHiddenMetricsForVersion": "string",
    "systemReservedCgroup": "string", "kubeReservedCgroup": "string",
    "enforceNodeAllocatable": "strings", "allowedUnsafeSysctls": "strings",
    "volumePluginDir": "string", "providerID": "string", "kernelMemcgNotification": "bool",
    "logging": _LOGGING, "enableSystemLogHandler": "bool", "enableSystemLogQuery": "bool",
    "shutdownGracePeriod": "duration", "shutdownGracePeriodCriticalPods": "duration",
    "shutdownGracePeriodByPodPriority": ("list", _obj({"priority": "int", "shutdownGracePeriodSeconds": "int"})),
    "crashLoopBackOff": (_obj({"maxContainerRestartPeriod": "duration"}), 32),
    "reservedMemory": ("list", _obj({"numaNode": "int", "limits": "map"})),
    "enableProfilingHandler": "bool", "enableDebugFlagsHandler": "bool", "seccompDefault": "bool",
    "memoryThrottlingFactor": "float", "memoryReservationPolicy": ("string", 36),
    "registerWithTaints": ("list", _TAINT), "registerNode": "bool",
    "tracing": _obj({"endpoint": "string", "samplingRatePerMillion": "int"}),
    "localStorageCapacityIsolation": "bool", "containerRuntimeEndpoint": "string",
    "imageServiceEndpoint": "string", "failCgroupV1": ("bool", 31),
    "userNamespaces": (_obj({"idsPerPod": "int"}), 30),
}


def _field_schema(entry, minor):
    """(schema, known) of a CONFIG_SCHEMA entry for ``minor``."""
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], int):
        return entry[0], minor >= entry[1]
    return entry, True


def config_defaults(minor):
    """Defaults of v1beta1 (SetDefaults_KubeletConfiguration) for the fields the double uses or
    reports; failCgroupV1 is true from 1.35 (KEP-5573), false in 1.31-1.34, absent before."""
    d = {
        "enableServer": True, "syncFrequency": "1m0s", "fileCheckFrequency": "20s",
        "httpCheckFrequency": "20s", "address": "0.0.0.0", "port": 10250,
        "authentication": {"anonymous": {"enabled": False}, "webhook": {"enabled": True, "cacheTTL": "2m0s"},
                           "x509": {}},
        "authorization": {"mode": "Webhook", "webhook": {"cacheAuthorizedTTL": "5m0s", "cacheUnauthorizedTTL": "30s"}},
        "registryPullQPS": 5, "registryBurst": 10, "eventRecordQPS": 50, "eventBurst": 100,
        "enableDebuggingHandlers": True, "healthzPort": 10248, "healthzBindAddress": "127.0.0.1",
        "oomScoreAdj": -999, "streamingConnectionIdleTimeout": "4h0m0s",
        "nodeStatusUpdateFrequency": "10s", "nodeStatusReportFrequency": "5m0s",
        "nodeLeaseDurationSeconds": 40, "imageMinimumGCAge": "2m0s", "imageGCHighThresholdPercent": 85,
        "imageGCLowThresholdPercent": 80, "volumeStatsAggPeriod": "1m0s", "cgroupsPerQOS": True,
        "cgroupDriver": "cgroupfs", "cpuManagerPolicy": "none", "cpuManagerReconcilePeriod": "10s",
        "memoryManagerPolicy": "None", "topologyManagerPolicy": "none", "topologyManagerScope": "container",
        "runtimeRequestTimeout": "2m0s", "hairpinMode": "promiscuous-bridge", "maxPods": 110,
        "podPidsLimit": -1, "resolvConf": "/etc/resolv.conf", "cpuCFSQuota": True, "cpuCFSQuotaPeriod": "100ms",
        "nodeStatusMaxImages": 50, "maxOpenFiles": 1000000, "contentType": "application/vnd.kubernetes.protobuf",
        "kubeAPIQPS": 50, "kubeAPIBurst": 100, "serializeImagePulls": True,
        "evictionHard": {"memory.available": "100Mi", "nodefs.available": "10%", "nodefs.inodesFree": "5%",
                         "imagefs.available": "15%", "imagefs.inodesFree": "5%"},
        "evictionPressureTransitionPeriod": "5m0s", "enableControllerAttachDetach": True,
        "makeIPTablesUtilChains": True, "iptablesMasqueradeBit": 14, "iptablesDropBit": 15,
        "failSwapOn": True, "containerLogMaxSize": "10Mi", "containerLogMaxFiles": 5,
        "configMapAndSecretChangeDetectionStrategy": "Watch", "enforceNodeAllocatable": ["pods"],
        "volumePluginDir": "/usr/libexec/kubernetes/kubelet-plugins/volume/exec/",
        "logging": {"format": "text", "flushFrequency": "5s", "verbosity": 0,
                    "options": {"text": {"infoBufferSize": "0"}, "json": {"infoBufferSize": "0"}}},
        "enableSystemLogHandler": True, "enableSystemLogQuery": False, "shutdownGracePeriod": "0s",
        "shutdownGracePeriodCriticalPods": "0s", "enableProfilingHandler": True,
        "enableDebugFlagsHandler": True, "seccompDefault": False, "memoryThrottlingFactor": 0.9,
        "registerNode": True, "localStorageCapacityIsolation": True,
        "containerRuntimeEndpoint": "unix:///run/containerd/containerd.sock", "podLogsDir": "/var/log/pods",
        "staticPodPath": "",
    }
    if minor >= 29:
        d["imageMaximumGCAge"] = "0s"
    if minor >= 30:
        d["containerLogMaxWorkers"] = 1
        d["containerLogMonitorInterval"] = "10s"
    if minor >= 31:
        d["failCgroupV1"] = minor >= 35
    return d


class ConfigError(Exception):
    pass


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that records duplicate mapping keys (strict decoding rejects them)."""

    duplicates = None

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value
            if key in seen and self.duplicates is not None:
                self.duplicates.append('line %d: key "%s" already set in map' % (key_node.start_mark.line + 1, key))
            seen.add(key)
        return super().construct_mapping(node, deep)


def _check(value, schema, path, minor, unknown, type_errors):
    if schema == "any" or value is None:
        return
    if isinstance(schema, tuple) and schema[0] == "object":
        if not isinstance(value, dict):
            type_errors.append("%s: expected object, got %s" % (path, type(value).__name__))
            return
        for key, sub in value.items():
            if key not in schema[1]:
                unknown.append("%s.%s" % (path, key))
                continue
            _check(sub, schema[1][key], "%s.%s" % (path, key), minor, unknown, type_errors)
        return
    if isinstance(schema, tuple) and schema[0] == "list":
        if not isinstance(value, list):
            type_errors.append("%s: expected array, got %s" % (path, type(value).__name__))
            return
        for idx, item in enumerate(value):
            _check(item, schema[1], "%s[%d]" % (path, idx), minor, unknown, type_errors)
        return
    ok = {
        "bool": lambda v: isinstance(v, bool),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "strings": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
        "map": lambda v: isinstance(v, dict),
        "mapbool": lambda v: isinstance(v, dict) and all(isinstance(i, bool) for i in v.values()),
        "duration": lambda v: isinstance(v, str),
    }[schema]
    if not ok(value):
        type_errors.append("%s: cannot unmarshal %s into %s" % (path, type(value).__name__, schema))
        return
    if schema == "duration":
        try:
            parse_duration(value)
        except ValueError as exc:
            type_errors.append("%s: %s" % (path, exc))


def decode_config(text, minor, strict=False):
    """(config dict as written, strict-decoding findings) of a KubeletConfiguration document.

    Raises ConfigError for what upstream cannot decode at all (no kind, wrong group/version,
    wrong kind, wrongly typed values) and, when ``strict``, for unknown / duplicate fields too
    (upstream falls back to lenient v1beta1 decoding for those and only logs them)."""
    loader = _UniqueKeyLoader(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ConfigError("failed to decode: yaml: %s" % exc)
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ConfigError("failed to decode: couldn't get version/kind; json parse error")
    if not data.get("kind"):
        raise ConfigError("failed to decode: Object 'Kind' is missing in '%s'" % json.dumps(data, sort_keys=True))
    if data.get("apiVersion") != GROUP_VERSION or data.get("kind") != "KubeletConfiguration":
        raise ConfigError('failed to decode: no kind "%s" is registered for version "%s" in scheme '
                          '"pkg/runtime/scheme.go:100"' % (data.get("kind"), data.get("apiVersion")))
    unknown, type_errors = [], []
    for key, value in data.items():
        entry = CONFIG_SCHEMA.get(key)
        schema, known = _field_schema(entry, minor) if entry is not None else (None, False)
        if not known:
            unknown.append(key)
            continue
        _check(value, schema, key, minor, unknown, type_errors)
    if type_errors:
        raise ConfigError("failed to decode: json: %s" % "; ".join(type_errors))
    findings = ['unknown field "%s"' % u for u in unknown] + list(loader.duplicates)
    if findings and strict:
        raise ConfigError("failed lenient decoding: strict decoding error: %s" % ", ".join(findings))
    return data, findings


def _merge(base, over):
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in (
                "evictionHard", "evictionSoft", "featureGates", "systemReserved", "kubeReserved"):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _set_path(cfg, path, value):
    keys = path.split(".")
    node = cfg
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value


# Fields that are pointers in v1beta1: an explicit zero / false in the file is kept. Every other
# field with a default is defaulted when the file leaves it at its zero value ("0s", 0, "").
POINTER_FIELDS = {
    "enableServer", "registryPullQPS", "eventRecordQPS", "enableDebuggingHandlers", "healthzPort",
    "oomScoreAdj", "imageGCHighThresholdPercent", "imageGCLowThresholdPercent", "cgroupsPerQOS",
    "podPidsLimit", "resolvConf", "cpuCFSQuota", "cpuCFSQuotaPeriod", "nodeStatusMaxImages", "kubeAPIQPS",
    "serializeImagePulls", "enableControllerAttachDetach", "makeIPTablesUtilChains", "iptablesMasqueradeBit",
    "iptablesDropBit", "failSwapOn", "containerLogMaxFiles", "containerLogMaxWorkers",
    "containerLogMonitorInterval", "enableSystemLogHandler", "enableSystemLogQuery", "enableProfilingHandler",
    "enableDebugFlagsHandler", "seccompDefault", "memoryThrottlingFactor", "registerNode",
    "localStorageCapacityIsolation", "failCgroupV1", "singleProcessOOMKill", "mergeDefaultEvictionSettings",
}


def _is_zero(value):
    if isinstance(value, bool):
        return value is False
    if isinstance(value, (int, float)):
        return value == 0
    if isinstance(value, str):
        if value == "":
            return True
        try:
            return parse_duration(value) == 0
        except ValueError:
            return False
    return value is None


def _default_zero(cfg, defaults, file_cfg):
    for key, default in defaults.items():
        if key in POINTER_FIELDS or key not in file_cfg or isinstance(default, (dict, list)):
            continue
        if _is_zero(file_cfg[key]) and not isinstance(default, bool):
            cfg[key] = copy.deepcopy(default)
    for section, paths in (("authentication", (("webhook", "cacheTTL"),)),
                           ("authorization", (("webhook", "cacheAuthorizedTTL"), ("webhook", "cacheUnauthorizedTTL"),
                                              ("mode",)))):
        for path in paths:
            node, default = cfg.get(section) or {}, defaults[section]
            for key in path[:-1]:
                node, default = node.get(key) or {}, default.get(key) or {}
            if path[-1] in node and _is_zero(node[path[-1]]):
                node[path[-1]] = default.get(path[-1])


def effective_config(file_cfg, flag_values, minor):
    """defaults < config file < config-bound flags given on the command line (zero values of
    non-pointer fields in the file are defaulted, as SetDefaults_KubeletConfiguration does)."""
    defaults = config_defaults(minor)
    file_cfg = {k: v for k, v in file_cfg.items() if k not in ("apiVersion", "kind")}
    cfg = _merge(defaults, file_cfg)
    _default_zero(cfg, defaults, file_cfg)
    # A zero nodeStatusReportFrequency follows a nodeStatusUpdateFrequency the file sets (else 5m).
    if _is_zero(file_cfg.get("nodeStatusReportFrequency") or 0) and not _is_zero(file_cfg.get("nodeStatusUpdateFrequency") or 0):
        cfg["nodeStatusReportFrequency"] = file_cfg["nodeStatusUpdateFrequency"]
    if "evictionHard" in file_cfg and not file_cfg.get("mergeDefaultEvictionSettings"):
        cfg["evictionHard"] = copy.deepcopy(file_cfg["evictionHard"])
    table = flag_table(minor)
    for name, value in flag_values.items():
        flag = table.get(name)
        if flag and flag.field:
            if flag.field == "featureGates":
                cfg["featureGates"] = dict(cfg.get("featureGates") or {}, **value)
            else:
                _set_path(cfg, flag.field, value)
    return cfg


def cgroup_version():
    """2 when /sys/fs/cgroup is the unified cgroup2 mount, else 1 (legacy and hybrid layouts)."""
    forced = os.environ.get("SEED_KUBELET_CGROUP_VERSION")
    if forced:
        return int(forced)
    try:
        with open("/proc/mounts", encoding="utf-8") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) > 2 and fields[1] == "/sys/fs/cgroup":
                    return 2 if fields[2] == "cgroup2" else 1
    except OSError:
        pass
    return 1


def check_cgroup_v1(cfg, minor, version):
    """Upstream's validation error when failCgroupV1 forbids this cgroup v1 host, else None."""
    if minor < 31 or version != 1 or not cfg.get("failCgroupV1", minor >= 35):
        return None
    if minor >= 35:
        return ("kubelet is configured to not run on a host using cgroup v1. cgroup v1 support is "
                "unsupported and will be removed in a future release")
    return ("kubelet is configured to not run on a host using cgroup v1. cgroup v1 support is in "
            "maintenance mode, please migrate to cgroup v2")


def swap_error(cfg, swaps_file="/proc/swaps"):
    if not cfg.get("failSwapOn", True):
        return None
    try:
        with open(swaps_file, encoding="utf-8") as handle:
            lines = [ln.strip() for ln in handle.read().splitlines()[1:] if ln.strip()]
    except OSError:
        return None
    if lines:
        return ("running with swap on is not supported, please disable swap or set --fail-swap-on "
                "flag to false. /proc/swaps contained: %s" % lines)
    return None


def kmsg_error(path="/dev/kmsg"):
    """The error of the OOM watcher's os.Open(path), as Go prints it ("open /dev/kmsg: no such file or directory")."""
    try:
        with open(path, "rb"):
            return None
    except OSError as exc:
        text = os.strerror(exc.errno) if exc.errno else str(exc)
        return "open %s: %s" % (path, text[:1].lower() + text[1:])


_KUBELET_LABELS = {"kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch",
                   "beta.kubernetes.io/os", "beta.kubernetes.io/arch", "beta.kubernetes.io/instance-type",
                   "node.kubernetes.io/instance-type", "failure-domain.beta.kubernetes.io/region",
                   "failure-domain.beta.kubernetes.io/zone", "topology.kubernetes.io/region",
                   "topology.kubernetes.io/zone"}
_KUBELET_LABEL_NAMESPACES = ("kubelet.kubernetes.io", "node.kubernetes.io")


def unknown_node_labels(labels):
    """Labels --node-labels may not set (kubernetes.io / k8s.io namespace, not allowed for a kubelet)."""
    bad = []
    for key in labels:
        namespace = key.split("/", 1)[0] if "/" in key else ""
        in_k8s = any(namespace == ns or namespace.endswith("." + ns) for ns in ("kubernetes.io", "k8s.io"))
        if not in_k8s or key in _KUBELET_LABELS:
            continue
        if any(namespace == ns or namespace.endswith("." + ns) for ns in _KUBELET_LABEL_NAMESPACES):
            continue
        bad.append(key)
    return sorted(bad)


# ---------------------------------------------------------------------------------------------
# node


def node_name(flags):
    name = flags.get("hostname-override") or socket.gethostname()
    return name.strip().lower()


def detect_node_ip(name):
    try:
        for info in socket.getaddrinfo(name, None, socket.AF_INET):
            addr = info[4][0]
            if not addr.startswith("127."):
                return addr
    except OSError:
        pass
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.connect(("192.0.2.1", 9))
        addr = sock.getsockname()[0]
        sock.close()
        return addr
    except OSError:
        return "127.0.0.1"


def _read(path, default=""):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return default


def _os_image():
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return "Linux"


def _capacity(cfg):
    mem_kb = 0
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    try:
        st = os.statvfs(cfg.get("_rootDir", "/var/lib/kubelet") if os.path.isdir("/var/lib/kubelet") else "/")
        disk_ki = st.f_blocks * st.f_frsize // 1024
    except OSError:
        disk_ki = 0
    return {"cpu": str(os.cpu_count() or 1), "memory": "%dKi" % mem_kb,
            "ephemeral-storage": "%dKi" % disk_ki, "pods": str(cfg.get("maxPods", 110)),
            "hugepages-1Gi": "0", "hugepages-2Mi": "0"}


def _arch():
    machine = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def node_conditions(now, ready=True, previous=None):
    prev = {c["type"]: c for c in (previous or [])}

    def cond(ctype, status, reason, message):
        old = prev.get(ctype)
        transition = old["lastTransitionTime"] if old and old.get("status") == status else now
        return {"type": ctype, "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": now, "lastTransitionTime": transition}

    return [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        cond("Ready", "True" if ready else "False", "KubeletReady" if ready else "KubeletNotReady",
             "kubelet is posting ready status" if ready else "container runtime is down"),
    ]


def status_changed(old, new):
    """nodeStatusHasChanged: any difference but the conditions' lastHeartbeatTime."""
    def strip(status):
        status = dict(status)
        status["conditions"] = [{k: v for k, v in c.items() if k != "lastHeartbeatTime"}
                                for c in status.get("conditions") or []]
        return json.dumps(status, sort_keys=True)
    return strip(old) != strip(new)


def node_object(name, node_ip, cfg, node_labels=None, taints=None, version=None, now=None,
                runtime_version="containerd://unknown"):
    """The Node the kubelet registers (kubelet_node_status.go initialNode + nodestatus setters)."""
    version = version or VERSION
    now = now or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    arch = _arch()
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": arch,
              "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": arch}
    labels.update(node_labels or {})
    all_taints = [dict(t) for t in (cfg.get("registerWithTaints") or [])]
    for taint in taints or []:
        if taint not in all_taints:
            all_taints.append(dict(taint))
    spec = {}
    if all_taints:
        spec["taints"] = all_taints
    if cfg.get("providerID"):
        spec["providerID"] = cfg["providerID"]
    capacity = _capacity(cfg)
    node = {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": labels,
                     "annotations": {"volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": spec,
        "status": {
            "addresses": [{"type": "InternalIP", "address": node_ip}, {"type": "Hostname", "address": name}],
            "capacity": capacity, "allocatable": dict(capacity),
            "conditions": node_conditions(now),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": int(cfg.get("port", 10250))}},
            "nodeInfo": {
                "machineID": _read("/etc/machine-id"), "systemUUID": _read("/sys/class/dmi/id/product_uuid"),
                "bootID": _read("/proc/sys/kernel/random/boot_id"), "kernelVersion": os.uname().release,
                "osImage": _os_image(), "containerRuntimeVersion": runtime_version,
                "kubeletVersion": version, "operatingSystem": "linux", "architecture": arch,
            },
        },
    }
    # NodeSystemInfo's fields have no omitempty (staging/src/k8s.io/api/core/v1/types.go): the API
    # returns kubeProxyVersion "" once the kubelet stops reporting it (1.31, KEP-4004).
    node["status"]["nodeInfo"]["kubeProxyVersion"] = version if minor_of(version) < 31 else ""
    return node


# ---------------------------------------------------------------------------------------------
# TLS bootstrap (pkg/kubelet/certificate/bootstrap)


def generate_key():
    from cryptography.hazmat.primitives.asymmetric import ec
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key):
    from cryptography.hazmat.primitives import serialization
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def load_or_generate_key(path):
    from cryptography.hazmat.primitives import serialization
    try:
        with open(path, "rb") as handle:
            return serialization.load_pem_private_key(handle.read(), None)
    except (OSError, ValueError):
        key = generate_key()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _write_private(path, key_pem(key))
        return key


def _write_private(path, data):
    fd = os.open(path + ".seed-tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(path + ".seed-tmp", 0o600)
    os.replace(path + ".seed-tmp", path)


def make_csr(key, node):
    """PEM CSR with CN system:node:<node>, O system:nodes (no SANs, no extensions)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:nodes"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "system:node:" + node)])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


def csr_usages(key, auth="client auth"):
    """client-go util/certificate DefaultKubeletClientGetUsages / DefaultKubeletServingGetUsages:
    digital signature (+ key encipherment for an RSA key only) + client auth or server auth."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    usages = ["digital signature"]
    if isinstance(key, rsa.RSAPrivateKey):
        usages.append("key encipherment")
    return usages + [auth]


def digested_name(public_key, common_name, organizations, usages):
    """node-csr-<base64url(sha512/256 of the public key, subject and usages)> like upstream."""
    from cryptography.hazmat.primitives import serialization
    enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=")  # noqa: E731
    digest = hashlib.new("sha512_256")
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    for item in [der, common_name.encode()] + [o.encode() for o in organizations] + [u.encode() for u in usages]:
        digest.update(enc(item))
        digest.update(b"|")
    return "node-csr-" + enc(digest.digest()).decode()


def csr_object(key, node):
    csr_pem = make_csr(key, node)
    usages = csr_usages(key)
    name = digested_name(key.public_key(), "system:node:" + node, ["system:nodes"], usages)
    return {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"name": name},
            "spec": {"request": base64.b64encode(csr_pem).decode(), "signerName": SIGNER_NAME,
                     "usages": usages}}


def kubeconfig_valid(path):
    """Upstream's isClientConfigStillValid: loadable, and its client certificate not expired."""
    if not os.path.exists(path):
        return False
    try:
        server, _, cert_pem, _, token = kube.load_kubeconfig(path)
    except (OSError, ValueError, KeyError, yaml.YAMLError):
        return False
    if not server:
        return False
    if cert_pem:
        try:
            from cryptography import x509
            cert = x509.load_pem_x509_certificate(cert_pem)
            not_after = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(
                tzinfo=datetime.timezone.utc)
            return not_after > datetime.datetime.now(datetime.timezone.utc)
        except ValueError:
            return False
    return bool(token)


def bootstrap_client_cert(kubeconfig_path, bootstrap_path, cert_dir, node, client=None,
                          poll=1.0, timeout=3600.0, sleep=time.sleep):
    """TLS bootstrap; True when it wrote a new kubeconfig, False when none was needed."""
    if kubeconfig_valid(kubeconfig_path):
        return False
    if not bootstrap_path or not os.path.exists(bootstrap_path):
        return False
    log("I", "Using bootstrap kubeconfig to generate TLS client cert, key and kubeconfig file")
    server, ca_pem, _, _, token = kube.load_kubeconfig(bootstrap_path)
    if client is None:
        client = kube.Client(server, ca_pem=ca_pem, token=token)
    os.makedirs(cert_dir, exist_ok=True)
    key_path = os.path.join(cert_dir, "kubelet-client.key.tmp")
    key = load_or_generate_key(key_path)
    obj = csr_object(key, node)
    name = obj["metadata"]["name"]
    base = CSR_PATH
    try:
        created = client.create(base, obj)
    except kube.ApiError as exc:
        if exc.status != 409:
            raise
        created = client.get(base + "/" + name)
        if created.get("spec", {}).get("request") != obj["spec"]["request"]:
            raise RuntimeError("retrieved csr is not compatible: csr %s exists with another request" % name)
    uid = (created.get("metadata") or {}).get("uid", "")
    log("I", "Waiting for client certificate to be issued", csr=name)
    # requestNodeCertificate (pkg/kubelet/certificate/bootstrap/bootstrap.go): csr.WaitForCertificate
    # (staging/src/k8s.io/client-go/util/certificate/csr/csr.go) for up to 3600 s, which takes
    # status.certificate only once the CSR has the Approved condition (Denied, Failed, a deletion or a
    # changed UID end the wait): the serving certificate manager's wait, here without a template.
    import types
    waiter = types.SimpleNamespace(WAIT_TIMEOUT=timeout, poll=poll, sleep=sleep, now=time.time,
                                   stopped=lambda: False, template=lambda: None, satisfies=lambda _template: True)
    try:
        cert_pem = ServingCertManager.wait_for_certificate(waiter, client, name, uid, None)
    except CertificateWaitError as exc:
        raise RuntimeError(str(exc)) from exc
    pem_path = write_cert_store(cert_dir, cert_pem, key_pem(key))
    write_bootstrapped_kubeconfig(kubeconfig_path, server, ca_pem, pem_path)
    try:
        os.unlink(key_path)
    except OSError:
        pass
    log("I", "Certificate bootstrap complete", kubeconfig=kubeconfig_path)
    return True


_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----", re.S)


def _first_pem_block(data, what):
    """The first PEM block of ``data`` (pem.Decode), newline-terminated; ValueError without one."""
    match = _PEM_BLOCK.search(data if isinstance(data, bytes) else data.encode())
    if match is None:
        raise ValueError("invalid %s data" % what)
    return match.group(0).replace(b"\r\n", b"\n") + b"\n"


def write_cert_store(cert_dir, cert_pem, key_bytes, prefix="kubelet-client"):
    """fileStore.Update (client-go util/certificate/certificate_store.go): <cert dir>/<prefix>-<local
    time YYYY-MM-DD-HH-MM-SS>.pem holding the first certificate block then the key block (0600), and
    <prefix>-current.pem, a symlink to its absolute path, replaced through <prefix>-updated.pem."""
    cert_block = _first_pem_block(cert_pem, "certificate")
    key_block = _first_pem_block(key_bytes, "key")
    os.makedirs(cert_dir, mode=0o755, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d-%H-%M-%S", time.localtime())
    dated = os.path.abspath(os.path.join(cert_dir, "%s-%s.pem" % (prefix, stamp)))
    _write_private(dated, cert_block + key_block)
    current = os.path.join(cert_dir, prefix + "-current.pem")
    updated = os.path.join(cert_dir, prefix + "-updated.pem")
    for link in (current, updated):
        if os.path.lexists(link) and not os.path.islink(link):
            raise RuntimeError('expected "%s" to be a symlink but it is a file' % link)
    if os.path.lexists(updated):
        os.unlink(updated)
    os.symlink(dated, updated)
    os.replace(updated, current)
    return current


def point_kubeconfig_at_store(kubeconfig_path, bootstrap_path, cert_dir):
    """bootstrap.LoadClientConfig: with a kubeconfig that is not (or no longer) valid and a bootstrap
    kubeconfig, write the kubeconfig pointing at <cert dir>/kubelet-client-current.pem before that
    file exists; True when the certificate is still to be requested."""
    if kubeconfig_valid(kubeconfig_path) or not os.path.exists(bootstrap_path):
        return False
    server, ca_pem, _, _, _ = kube.load_kubeconfig(bootstrap_path)
    write_bootstrapped_kubeconfig(kubeconfig_path, server, ca_pem, os.path.join(cert_dir, "kubelet-client-current.pem"))
    log("I", "Client rotation is on, will bootstrap in background")
    return True


# The client certificate manager's retries (client-go util/certificate certificate_manager.go): an
# exponential back-off from 2 s (factor 2, 5 steps), then a try every 32 s (wait.PollInfinite).
BOOTSTRAP_BACKOFF = (2.0, 4.0, 8.0, 16.0, 32.0)
BOOTSTRAP_WAIT = 15 * 60.0  # certificateWaitTimeout


def bootstrap_in_background(kubeconfig_path, bootstrap_path, cert_dir, node, stop_event, sleep=None):
    """The certificate manager's first rotation with the bootstrap credentials: request the client
    certificate until it is issued, retrying after failures; True once the store holds it."""
    attempt = 0
    while not stop_event.is_set():
        try:
            bootstrap_client_cert(kubeconfig_path, bootstrap_path, cert_dir, node, timeout=BOOTSTRAP_WAIT)
            return True
        except (kube.ApiError, RuntimeError, OSError, ValueError, ssl.SSLError) as exc:
            log("E", "Failed while requesting a signed certificate from the control plane", err=str(exc),
                logger="kubernetes.io/kube-apiserver-client-kubelet")
        delay = BOOTSTRAP_BACKOFF[min(attempt, len(BOOTSTRAP_BACKOFF) - 1)]
        attempt += 1
        (sleep or stop_event.wait)(delay)
    return False


def write_bootstrapped_kubeconfig(path, server, ca_pem, pem_path):
    """The kubeconfig upstream writes after bootstrapping: default-cluster/-auth/-context."""
    cluster = {"server": server}
    if ca_pem:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    cfg = {"apiVersion": "v1", "kind": "Config",
           "clusters": [{"name": "default-cluster", "cluster": cluster}],
           "contexts": [{"name": "default-context",
                         "context": {"cluster": "default-cluster", "namespace": "default", "user": "default-auth"}}],
           "current-context": "default-context", "preferences": {},
           "users": [{"name": "default-auth", "user": {"client-certificate": pem_path, "client-key": pem_path}}]}
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    _write_private(path, yaml.safe_dump(cfg, default_flow_style=False))


# ---------------------------------------------------------------------------------------------
# server TLS bootstrap: the serving certificate manager (pkg/kubelet/certificate/kubelet.go
# NewKubeletServerCertificateManager; staging/src/k8s.io/client-go/util/certificate:
# certificate_manager.go, certificate_store.go, csr/csr.go)


def server_tls_bootstrap_enabled(cfg):
    """pkg/kubelet/kubelet.go: kubeCfg.ServerTLSBootstrap and the RotateKubeletServerCertificate
    feature gate (beta, default on)."""
    gates = cfg.get("featureGates") or {}
    return bool(cfg.get("serverTLSBootstrap")) and gates.get("RotateKubeletServerCertificate", True) is not False


def server_tls_bootstrap_error(cfg):
    """ValidateKubeletConfiguration (pkg/kubelet/apis/config/validation): serverTLSBootstrap needs the
    RotateKubeletServerCertificate gate; the error, or None."""
    if cfg.get("serverTLSBootstrap") and (cfg.get("featureGates") or {}).get("RotateKubeletServerCertificate") is False:
        return "invalid configuration: serverTLSBootstrap true requires feature gate RotateKubeletServerCertificate"
    return None


def parse_ip_sloppy(value):
    """k8s.io/utils/net ParseIPSloppy: an ipaddress address or None; IPv4 parts may carry leading
    zeros (read as decimal), no IPv6 zone; an IPv4-mapped IPv6 address is the IPv4 address."""
    if re.fullmatch(r"[0-9]+(\.[0-9]+){3}", value):
        parts = [int(p) for p in value.split(".")]
        return ipaddress.IPv4Address(".".join(map(str, parts))) if max(parts) <= 255 else None
    if "%" in value:
        return None
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    return ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped else ip


def addresses_to_hostnames_and_ips(addresses):
    """addressesToHostnamesAndIPs: DNS names from Hostname (unless it is an IP), InternalDNS and
    ExternalDNS; IPs from InternalIP / ExternalIP (and an IP Hostname); empty addresses skipped;
    deduplicated by the address text; both sorted (IPs by their text form)."""
    dns, ips = set(), set()
    for address in addresses or []:
        value, kind = address.get("address") or "", address.get("type")
        if not value:
            continue
        if kind == "Hostname":
            (ips if parse_ip_sloppy(value) is not None else dns).add(value)
        elif kind in ("ExternalIP", "InternalIP"):
            if parse_ip_sloppy(value) is not None:
                ips.add(value)
        elif kind in ("ExternalDNS", "InternalDNS"):
            dns.add(value)
    return sorted(dns), sorted((str(parse_ip_sloppy(v)) for v in ips))


def serving_template(node, addresses, minor, feature_gates=None):
    """newGetTemplateFn: the CSR template (CN system:node:<node>, O system:nodes, SANs from the
    Node's addresses), or None while there is nothing to request for: from 1.31 at least one IP is
    required unless the deprecated AllowDNSOnlyNodeCSR gate (default off) is on; up to 1.30 any
    address will do."""
    dns, ips = addresses_to_hostnames_and_ips(addresses)
    enough = bool(ips)
    if minor < 31 or (feature_gates or {}).get("AllowDNSOnlyNodeCSR"):
        enough = enough or bool(dns)
    if not enough:
        return None
    return {"commonName": "system:node:" + node, "organizations": ["system:nodes"], "dnsNames": dns,
            "ipAddresses": ips}


def make_serving_csr(key, template):
    """cert.MakeCSRFromTemplate: PEM CSR with the template's subject (O then CN, as pkix.Name orders
    them) and, when it has any, one non-critical SAN extension with the DNS names then the IPs."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in template["organizations"]] +
                        [x509.NameAttribute(NameOID.COMMON_NAME, template["commonName"])])
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    sans = [x509.DNSName(d) for d in template["dnsNames"]] + \
        [x509.IPAddress(ipaddress.ip_address(ip)) for ip in template["ipAddresses"]]
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def serving_csr_object(key, template):
    """csr.RequestCertificate with no name: metadata.generateName "csr-", signer
    kubernetes.io/kubelet-serving, no expirationSeconds (username, groups, uid and extra are the API
    server's to fill in)."""
    return {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"generateName": "csr-"},
            "spec": {"request": base64.b64encode(make_serving_csr(key, template)).decode(),
                     "signerName": SERVING_SIGNER_NAME, "usages": csr_usages(key, "server auth")}}


def _not_after(cert):
    return getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def _not_before(cert):
    return getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def load_cert_store(cert_dir, prefix, cert_file="", key_file=""):
    """fileStore recover + Current (certificate_store.go): (certificate, path) from
    <prefix>-current.pem (certificate block then key block; an interrupted update's
    <prefix>-updated.pem link is renamed to it first), else from cert_file + key_file (the
    tlsCertFile / tlsPrivateKeyFile fields), else <prefix>.crt + <prefix>.key in the cert dir; None
    when none of them exists; ValueError when the one found does not load."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    current = os.path.join(cert_dir, prefix + "-current.pem")
    updated = os.path.join(cert_dir, prefix + "-updated.pem")
    if not os.path.exists(current) and os.path.islink(updated):
        os.replace(updated, current)
    candidates = [(current, current), (cert_file, key_file),
                  (os.path.join(cert_dir, prefix + ".crt"), os.path.join(cert_dir, prefix + ".key"))]
    for cert_path, key_path in candidates:
        if not cert_path or not key_path or not os.path.exists(cert_path) or not os.path.exists(key_path):
            continue
        try:
            with open(cert_path, "rb") as handle:
                cert_data = handle.read()
            with open(key_path, "rb") as handle:
                key_data = handle.read()
            if cert_path == key_path:  # the pair file: first block the certificate, second the key
                blocks = [m.group(0) for m in _PEM_BLOCK.finditer(cert_data)]
                if len(blocks) < 2:
                    raise ValueError("could not decode the second block from %s from expected PEM format" % cert_path)
                cert_data, key_data = blocks[0], blocks[1]
            cert = x509.load_pem_x509_certificate(cert_data)
            key = serialization.load_pem_private_key(key_data, None)
        except (OSError, ValueError, TypeError) as exc:
            raise ValueError("could not convert data from %s into cert/key pair: %s" % (cert_path, exc))
        der = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        if cert.public_key().public_bytes(*der) != key.public_key().public_bytes(*der):
            raise ValueError("could not convert data from %s into cert/key pair: private key does not match "
                             "public key" % cert_path)
        return cert, cert_path
    return None


class CertificateWaitError(Exception):
    pass


class ServingCertManager:
    """certificate.Manager of the kubelet's serving certificate, run in a thread of its own.

    As upstream's manager.run: every second, the next rotation deadline is computed (now when there
    is no valid certificate or the one there lacks the CN, O, DNS names or IPs the template asks
    for, else 70-90 % of its lifetime after notBefore); waiting for it is cut short when the
    template changes and the certificate no longer satisfies it; no CSR is made while there is no
    template (no Node addresses observed yet). A rotation generates a new ECDSA P-256 key, creates
    the CSR (generateName csr-) with the kubelet's client and waits up to 15 minutes for it to be
    Approved and issued (a Denied or Failed condition, a deletion or a changed UID end the wait);
    failed rotations are retried with wait.Backoff{2s, x2, jitter 0.1, 5 steps}, then every 32 s.
    The issued certificate is stored as kubelet-server-<date>.pem + kubelet-server-current.pem.
    The CSR is polled (GET every ``poll`` seconds) where upstream watches it."""

    PREFIX = "kubelet-server"
    WAIT_TIMEOUT = 15 * 60.0  # certificateWaitTimeout
    BACKOFF = (2.0, 2.0, 0.1, 5)  # wait.Backoff{Duration, Factor, Jitter, Steps} of manager.run
    POLL_INFINITE = 32.0  # wait.PollInfiniteWithContext(ctx, 32*time.Second, m.rotateCerts)
    PERIOD = 1.0  # wait.UntilWithContext(..., time.Second) and the template check

    def __init__(self, node, cert_dir, cfg, minor, client_fn, get_addresses, stop_event=None, poll=1.0,
                 sleep=None, now=time.time, rand=random.random, on_status=None):
        self.node, self.cert_dir, self.cfg, self.minor = node, cert_dir, cfg, minor
        self.client_fn, self.get_addresses = client_fn, get_addresses
        self.stop_event = stop_event or threading.Event()
        self.poll, self.now, self.rand = poll, now, rand
        self.sleep = sleep or self.stop_event.wait
        self.on_status = on_status
        self.thread = None
        self.last_request = None
        self.status = {"enabled": True, "certificate": None, "csr": None, "phase": None}
        loaded = load_cert_store(cert_dir, self.PREFIX, cfg.get("tlsCertFile") or "", cfg.get("tlsPrivateKeyFile") or "")
        self.cert = None
        if loaded is not None and _not_after(loaded[0]).timestamp() > self.now():
            self.cert = loaded[0]
            self.status.update(certificate=loaded[1], phase="Loaded")
        # getCurrentCertificateOrBootstrap: no (valid) certificate and no bootstrap pair: rotate at once
        self.force_rotation = self.cert is None
        self._status()

    # -- state (for kubelet-effective.json: nothing secret)
    def _status(self, **changes):
        self.status.update(changes)
        if self.cert is not None:
            self.status["notAfter"] = _not_after(self.cert).strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.on_status is not None:
            try:
                self.on_status(dict(self.status))
            except Exception as exc:  # noqa: BLE001 - recording must not stop the manager
                log("E", "Could not record the serving certificate state", err=repr(exc))

    def stopped(self):
        return self.stop_event.is_set()

    def template(self):
        return serving_template(self.node, self.get_addresses(), self.minor, self.cfg.get("featureGates"))

    def satisfies(self, template):
        """certSatisfiesTemplateLocked: extra SANs or orgs in the certificate do not matter."""
        from cryptography import x509
        from cryptography.x509.oid import NameOID
        if self.cert is None:
            return False
        if template is None:
            return True
        subject = self.cert.subject
        cns = [a.value for a in subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if (cns[0] if cns else "") != template["commonName"]:
            return False
        orgs = {a.value for a in subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)}
        try:
            sans = self.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            dns = set(sans.get_values_for_type(x509.DNSName))
            ips = {str(parse_ip_sloppy(str(ip))) for ip in sans.get_values_for_type(x509.IPAddress)}
        except x509.ExtensionNotFound:
            dns, ips = set(), set()
        return set(template["dnsNames"]) <= dns and set(template["ipAddresses"]) <= ips and \
            set(template["organizations"]) <= orgs

    def next_rotation_deadline(self):
        """nextRotationDeadline + jitteryDuration: notBefore + (0.7 .. 0.9) x lifetime."""
        if self.force_rotation:
            self.force_rotation = False
            return self.now()
        if not self.satisfies(self.template()):
            return self.now()
        start, end = _not_before(self.cert).timestamp(), _not_after(self.cert).timestamp()
        total = end - start
        deadline = start + total * (1.0 + 0.2 * self.rand()) - total * 0.3
        log("I", "Certificate rotation deadline determined", logger=SERVING_SIGNER_NAME,
            expiration=_not_after(self.cert).isoformat(),
            deadline=datetime.datetime.fromtimestamp(deadline, datetime.timezone.utc).isoformat())
        return deadline

    def _template_changed(self):
        """The dynamic-template check: the certificate does not satisfy the template and it is not
        the template last requested."""
        template = self.template()
        return not self.satisfies(template) and template != self.last_request

    # -- one rotation (rotateCerts)
    def rotate_certs(self):
        """True when a new certificate was stored; False (logged) otherwise."""
        log("I", "Rotating certificates", logger=SERVING_SIGNER_NAME)
        template = self.template()
        if template is None:
            log("E", "Unable to generate a certificate signing request", logger=SERVING_SIGNER_NAME,
                err="unable to create a csr, no template available")
            return False
        key = generate_key()
        client = self.client_fn() if self.client_fn is not None else None
        if client is None:
            log("E", "Unable to load a client to request certificates", logger=SERVING_SIGNER_NAME)
            return False
        try:
            created = client.create(CSR_PATH, serving_csr_object(key, template))
        except (kube.ApiError, OSError, ssl.SSLError) as exc:
            log("E", "Failed while requesting a signed certificate from the control plane",
                logger=SERVING_SIGNER_NAME, err="cannot create certificate signing request: %s" % exc)
            return False
        meta = created.get("metadata") or {}
        name, uid = meta.get("name", ""), meta.get("uid", "")
        self.last_request = template
        self._status(csr=name, phase="Pending", dnsNames=template["dnsNames"], ipAddresses=template["ipAddresses"])
        try:
            cert_pem = self.wait_for_certificate(client, name, uid, template)
        except CertificateWaitError as exc:
            log("E", "Certificate request was not signed", logger=SERVING_SIGNER_NAME, err=str(exc))
            phase = "Denied" if "is denied" in str(exc) else "Failed" if "request failed" in str(exc) else "NotSigned"
            self._status(phase=phase)
            return False
        try:
            path = write_cert_store(self.cert_dir, cert_pem, key_pem(key), self.PREFIX)
            from cryptography import x509
            self.cert = x509.load_pem_x509_certificate(_first_pem_block(cert_pem, "certificate"))
        except (OSError, ValueError, RuntimeError) as exc:
            log("E", "Unable to store the new cert/key pair", logger=SERVING_SIGNER_NAME, err=str(exc))
            self._status(phase="StoreFailed")
            return False
        log("I", "Stored the kubelet serving certificate", logger=SERVING_SIGNER_NAME, csr=name, path=path)
        self._status(phase="Issued", certificate=path)
        return True

    def wait_for_certificate(self, client, name, uid, template):
        """csr.WaitForCertificate: the issued PEM once the CSR is Approved and has a certificate."""
        deadline = self.now() + self.WAIT_TIMEOUT
        while True:
            if self.stopped():
                raise CertificateWaitError("context canceled")
            wanted = self.template()
            if wanted != template and not self.satisfies(wanted):
                # the template goroutine cancels a request that no longer matches what is wanted
                raise CertificateWaitError("context canceled")
            try:
                csr = client.get(CSR_PATH + "/" + name)
            except kube.ApiError as exc:
                if exc.status == 404:
                    raise CertificateWaitError('csr "%s" was deleted' % name)
                csr = None
            except (OSError, ssl.SSLError):
                csr = None
            if csr is not None:
                if uid and (csr.get("metadata") or {}).get("uid") != uid:
                    raise CertificateWaitError('csr "%s" changed UIDs' % name)
                status = csr.get("status") or {}
                approved = False
                for cond in status.get("conditions") or []:
                    if cond.get("type") == "Denied":
                        raise CertificateWaitError("certificate signing request is denied, reason: %s, message: %s"
                                                   % (cond.get("reason", ""), cond.get("message", "")))
                    if cond.get("type") == "Failed":
                        raise CertificateWaitError("certificate signing request failed, reason: %s, message: %s"
                                                   % (cond.get("reason", ""), cond.get("message", "")))
                    if cond.get("type") == "Approved":
                        approved = True
                if approved and status.get("certificate"):
                    return base64.b64decode(status["certificate"])
            if self.now() >= deadline:
                raise CertificateWaitError("timed out waiting for the condition")
            self.sleep(self.poll)

    # -- the loop (manager.run)
    def rotate_round(self):
        """One run of the rotate func: wait for the deadline, then rotate with back-off."""
        deadline = self.next_rotation_deadline()
        while self.now() < deadline:
            if self.stopped():
                return
            if self._template_changed():
                log("I", "Certificate template changed, rotating", logger=SERVING_SIGNER_NAME)
                break
            self.sleep(min(self.PERIOD, max(0.0, deadline - self.now())))
        if self.stopped() or self.template() is None:
            return
        delay, factor, jitter, steps = self.BACKOFF
        for step in range(steps):
            if self.rotate_certs():
                return
            if self.stopped() or step == steps - 1:
                break
            self.sleep(delay * (1.0 + jitter * self.rand()))
            delay *= factor
        if self.stopped():
            return
        log("E", "Reached backoff limit, still unable to rotate certs", logger=SERVING_SIGNER_NAME)
        while not self.stopped():
            self.sleep(self.POLL_INFINITE)
            if self.stopped() or self.rotate_certs():
                return

    def run(self):
        if self.client_fn is None:
            log("I", "Certificate rotation is not enabled, no connection to the apiserver", logger=SERVING_SIGNER_NAME)
            return
        log("I", "Certificate rotation is enabled", logger=SERVING_SIGNER_NAME)
        while not self.stopped():
            try:
                self.rotate_round()
            except Exception as exc:  # noqa: BLE001 - the manager must survive (HandleCrash)
                log("E", "Serving certificate manager failed, will retry", err=repr(exc))
            self.sleep(self.PERIOD)

    def start(self):
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self.run, name="kubelet-serving-certificate", daemon=True)
            self.thread.start()
        return self.thread


# ---------------------------------------------------------------------------------------------
# static pods (pkg/kubelet/config/file.go, common.go)


def manifest_hash(pod, node):
    """md5 over the decoded manifest and the node name: the static pod UID / config.hash."""
    digest = hashlib.md5()
    digest.update(json.dumps(pod, sort_keys=True, separators=(",", ":")).encode())
    digest.update(("host:" + node).encode())
    return digest.hexdigest()


# file -> ((inode, size, mtime), decoded document): a file is decoded again only once it changed.
_MANIFEST_CACHE = {}


def read_manifests(path):
    """{pod name: (pod dict, file)} of the static pod files in ``path`` (a directory or a file);
    hidden files are ignored like upstream; undecodable files are logged and skipped."""
    files = []
    if not path:
        return {}
    if os.path.isdir(path):
        files = [os.path.join(path, f) for f in sorted(os.listdir(path)) if not f.startswith(".")]
    elif os.path.isfile(path):
        files = [path]
    out = {}
    for file in files:
        try:
            info = os.stat(file)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        key = (info.st_ino, info.st_size, info.st_mtime_ns)
        cached = _MANIFEST_CACHE.get(file)
        if cached is not None and cached[0] == key:
            pod = cached[1]
        else:
            try:
                with open(file, encoding="utf-8") as handle:
                    pod = yaml.safe_load(handle)
            except (OSError, yaml.YAMLError) as exc:
                log("E", "Could not process manifest file", err=str(exc), path=file)
                continue
            _MANIFEST_CACHE[file] = (key, pod)
        if not isinstance(pod, dict) or pod.get("kind") != "Pod" or not (pod.get("metadata") or {}).get("name"):
            log("E", "Could not process manifest file", err="invalid pod: not a Pod with a name", path=file)
            continue
        if not (pod.get("spec") or {}).get("containers"):
            log("E", "Could not process manifest file", err="invalid pod: spec.containers: Required value", path=file)
            continue
        problems = probe_errors(pod)
        if problems:
            log("E", "Could not process manifest file", err="invalid pod: [%s]" % ", ".join(problems), path=file)
            continue
        out[pod["metadata"]["name"]] = (pod, file)
    return out


def mirror_pod(pod, node, config_hash, node_uid=None, now=None):
    """The mirror Pod of a static pod: <name>-<node> in the manifest's namespace ("default" if unset)."""
    now = now or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    mirror = copy.deepcopy(pod)
    meta = mirror.setdefault("metadata", {})
    meta["name"] = "%s-%s" % (pod["metadata"]["name"], node)
    meta["namespace"] = meta.get("namespace") or "default"
    for key in ("uid", "resourceVersion", "creationTimestamp", "selfLink"):
        meta.pop(key, None)
    annotations = dict(meta.get("annotations") or {})
    annotations.update({"kubernetes.io/config.hash": config_hash, "kubernetes.io/config.mirror": config_hash,
                        "kubernetes.io/config.seen": now, "kubernetes.io/config.source": "file"})
    meta["annotations"] = annotations
    if node_uid:
        meta["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": node, "uid": node_uid,
                                    "controller": True}]
    spec = mirror.setdefault("spec", {})
    spec["nodeName"] = node
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("tolerations", [{"operator": "Exists", "effect": "NoExecute"}])
    mirror.pop("status", None)
    return mirror


def pod_status(pod, state, node_ip, ready, now=None, started=None):
    """status of a mirror pod from the runner state: phase, conditions, container status."""
    now = now or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    container = pod["spec"]["containers"][0]
    running = state.get("phase") == "Running"
    cstatus = {"name": container.get("name", "main"), "image": container.get("image", ""),
               "imageID": state.get("imageID", ""), "restartCount": state.get("restartCount", 0),
               "ready": bool(running and ready), "started": running if started is None else bool(running and started)}
    if running:
        cstatus["containerID"] = "containerd://" + state.get("containerID", "")
        cstatus["state"] = {"running": {"startedAt": state.get("startedAt", now)}}
    else:
        cstatus["state"] = {"waiting": {"reason": state.get("reason", "ContainerCreating"),
                                        "message": state.get("message", "")}}
    is_ready = "True" if running and ready else "False"
    conds = [{"type": "PodReadyToStartContainers", "status": "True" if running else "False"},
             {"type": "Initialized", "status": "True"},
             {"type": "Ready", "status": is_ready}, {"type": "ContainersReady", "status": is_ready},
             {"type": "PodScheduled", "status": "True"}]
    for cond in conds:
        cond["lastProbeTime"] = None
        cond["lastTransitionTime"] = state.get("startedAt", now)
    status = {"phase": "Running" if running else "Pending", "conditions": conds, "hostIP": node_ip,
              "hostIPs": [{"ip": node_ip}], "startTime": state.get("firstSeen", now),
              "containerStatuses": [cstatus], "qosClass": "Burstable"}
    if (pod.get("spec") or {}).get("hostNetwork"):
        status["podIP"] = node_ip
        status["podIPs"] = [{"ip": node_ip}]
    return status


_PROBE_CONTEXT = []


def _probe_context():
    """One TLS context for every HTTPS probe, built once and never verifying, as upstream's prober
    (pkg/probe/http: New() makes one tls.Config{InsecureSkipVerify: true}, keep-alives disabled)."""
    if not _PROBE_CONTEXT:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        _PROBE_CONTEXT.append(ctx)
    return _PROBE_CONTEXT[0]


PROBE_DEFAULTS = {"initialDelaySeconds": 0, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
                  "failureThreshold": 3}
SUCCESS, FAILURE, UNKNOWN = "Success", "Failure", "Unknown"
# The result a probe holds for a new container before it has run (prober/worker.go newWorker).
PROBE_INITIAL = {"readiness": FAILURE, "liveness": SUCCESS, "startup": UNKNOWN}
PROBE_FIELDS = {"readiness": "readinessProbe", "liveness": "livenessProbe", "startup": "startupProbe"}
# When the probe manager started: a worker created within one period of it waits a random part of
# its period before the first probe (prober/worker.go run()).
PROBER_START = [time.monotonic()]


def probe_errors(pod):
    """Field errors of the containers' probes as the pod validation of the static pod source
    reports them (validation.go validateProbe, validateLivenessProbe / validateStartupProbe): a
    probe that is no mapping, a negative number, or a liveness or startup successThreshold other
    than 1. Such a pod is not run."""
    errors = []
    for i, container in enumerate((pod.get("spec") or {}).get("containers") or []):
        for kind, field in PROBE_FIELDS.items():
            probe = container.get(field) if isinstance(container, dict) else None
            if probe is None:
                continue
            path = "spec.containers[%d].%s" % (i, field)
            if not isinstance(probe, dict):
                errors.append("%s: Invalid value: %s: must be an object" % (path, json.dumps(probe)))
                continue
            for key in PROBE_DEFAULTS:
                value = probe.get(key, 0)
                if not isinstance(value, int) or isinstance(value, bool):
                    errors.append("%s.%s: Invalid value: %s: must be an integer" % (path, key, json.dumps(value)))
                elif value < 0:
                    errors.append("%s.%s: Invalid value: %d: must be greater than or equal to 0" % (path, key, value))
            if kind != "readiness" and probe.get("successThreshold") not in (None, 0, 1):
                errors.append("%s.successThreshold: Invalid value: %s: must be 1" % (path, json.dumps(probe["successThreshold"])))
    return errors


def probe_spec(probe):
    """The probe with the API's defaults for the fields it leaves unset or zero (SetDefaults_Probe)."""
    spec = dict(PROBE_DEFAULTS)
    for key in PROBE_DEFAULTS:
        try:
            value = int(probe.get(key) or 0)
        except (TypeError, ValueError):
            value = 0
        if value > 0:
            spec[key] = value
    return spec


def http_probe(container, probe, timeout=1.0):
    """Result of an httpGet probe: 200-399 is success; an exec or tcpSocket probe, which the
    static pods of kubeadm do not use, counts as success."""
    if "httpGet" not in probe:
        return True
    get = probe["httpGet"]
    port = get.get("port")
    if isinstance(port, str):
        port = next((p.get("containerPort") for p in container.get("ports") or [] if p.get("name") == port), None)
    if not port:
        return False
    scheme = (get.get("scheme") or "HTTP").lower()
    host = get.get("host") or "127.0.0.1"
    url = "%s://%s:%s%s" % (scheme, host if ":" not in host else "[%s]" % host, port, get.get("path") or "/")
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=_probe_context() if scheme == "https" else None) \
                as resp:
            return 200 <= resp.status < 400
    except Exception:  # noqa: BLE001 - any failure is a failed probe
        return False


class ProbeWorker:
    """One probe (readiness, liveness or startup) of a static pod's container, in its own thread,
    as pkg/kubelet/prober/worker.go: probes once at start (after a random part of the period while
    the prober is young), then at every periodSeconds tick or when the pod status asks for an
    unready container (readiness only); nothing until initialDelaySeconds after the container
    started; liveness and readiness only once the container has started, startup only until then;
    a result is recorded after failureThreshold failures or successThreshold successes in a row; a
    new container starts from the initial result (readiness Failure, liveness Success, startup
    Unknown); a non-running container holds Failure; a liveness or startup failure kills the
    container (the pod worker restarts it, at once the first time, then with its back-off) and the
    probe waits for the next container."""

    def __init__(self, pod_worker, kind, probe):
        self.pod_worker, self.kind, self.probe = pod_worker, kind, probe
        self.spec = probe_spec(probe)
        self.container_id = ""
        self.result = None
        self.last, self.run_length = None, 0
        self.on_hold = False
        self.wake = threading.Event()
        self.stopped = threading.Event()
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.run, name="probe-%s-%s" % (self.kind, self.pod_worker.name),
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.stopped.set()
        self.wake.set()

    def run(self):
        period = float(self.spec["periodSeconds"])
        if period > time.monotonic() - PROBER_START[0] and self.stopped.wait(random.random() * period):
            return
        tick = time.monotonic() + period
        while not self.stopped.is_set():
            try:
                self.do_probe()
            except Exception as exc:  # noqa: BLE001 - a prober must not die silently
                log("E", "Probe failed", probeType=self.kind, pod=self.pod_worker.name, err=repr(exc))
            while not self.stopped.is_set():
                wait = tick - time.monotonic()
                if wait <= 0:
                    tick += period * (1 + int(-wait // period))  # a ticker drops the ticks it missed
                    break
                if self.wake.wait(wait):
                    self.wake.clear()
                    break

    def do_probe(self):
        """One pass of worker.doProbe; returns the recorded result (None: none yet)."""
        state = self.pod_worker.state
        container_id = state.get("containerID") or ""
        if not container_id:
            return self.result
        if container_id != self.container_id:
            self.container_id, self.result, self.on_hold = container_id, PROBE_INITIAL[self.kind], False
        if self.on_hold:
            return self.result
        if state.get("phase") != "Running":
            self.result = FAILURE
            return self.result
        if int(time.time() - state.get("startedEpoch", time.time())) < self.spec["initialDelaySeconds"]:
            return self.result
        if self.pod_worker.started() == (self.kind == "startup"):
            return self.result
        outcome = SUCCESS if http_probe(self.pod_worker.container(), self.probe, self.spec["timeoutSeconds"]) else FAILURE
        if outcome == self.last:
            self.run_length += 1
        else:
            self.last, self.run_length = outcome, 1
        threshold = self.spec["failureThreshold"] if outcome == FAILURE else self.spec["successThreshold"]
        if self.run_length < threshold:
            return self.result
        self.result = outcome
        if outcome == FAILURE and self.kind in ("liveness", "startup"):
            self.on_hold, self.run_length = True, 0
            self.pod_worker.kill("Container %s failed %s probe, will be restarted"
                                 % (self.pod_worker.container().get("name"), self.kind), container_id)
        return self.result


_POD_LOCKS = {}
_POD_LOCKS_GUARD = threading.Lock()


def _pod_lock(name):
    with _POD_LOCKS_GUARD:
        return _POD_LOCKS.setdefault(name, threading.Lock())


class PodWorker:
    """Runs one static pod (its first container) through seed_doubles.pods; crash-loop back-off.

    Image pulls and starts run in a thread per pod (like the kubelet's pod workers), so a slow or
    failing pull never delays node heartbeats or the other pods."""

    INITIAL_BACKOFF = 10.0
    MAX_BACKOFF = 300.0

    def __init__(self, name, pod, config_hash, max_backoff=None):
        self.name, self.pod, self.hash = name, pod, config_hash
        self.max_backoff = max_backoff or self.MAX_BACKOFF
        self.backoff = 0.0
        self.next_start = 0.0
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.state = {"phase": "Pending", "reason": "ContainerCreating", "restartCount": 0, "firstSeen": now}
        self.probes = {kind: ProbeWorker(self, kind, self._container()[field])
                       for kind, field in PROBE_FIELDS.items() if self._container().get(field)}
        self.pull_failures = 0
        self.thread = None
        self.cancelled = False

    def _container(self):
        return self.pod["spec"]["containers"][0]

    container = _container

    def start_probes(self):
        """Start a prober thread per probe of the container (prober manager AddPod)."""
        for probe in self.probes.values():
            if probe.thread is None:
                probe.start()

    def started(self):
        """containerStatuses[].started: running, and its startup probe has succeeded (no startup
        probe: started once running), as prober_manager.UpdatePodStatus."""
        if self.state.get("phase") != "Running":
            return False
        return "startup" not in self.probes or self._result("startup") == SUCCESS

    @property
    def ready(self):
        """containerStatuses[].ready: started, and its readiness probe's result is Success (no
        readiness probe: ready once started); an unready container with a readiness probe gets
        that probe run now (UpdatePodStatus's manual trigger)."""
        if not self.started():
            return False
        readiness = self.probes.get("readiness")
        if readiness is None:
            return True
        if self._result("readiness") != SUCCESS:
            readiness.wake.set()
            return False
        return True

    def kill(self, reason, container_id):
        """A liveness or startup probe of container ``container_id`` failed: stop it, if it is still
        the one running; sync() restarts it."""
        with _pod_lock(self.name):
            if self.cancelled or self.state.get("containerID") != container_id or self.state.get("phase") != "Running":
                return
            log("I", reason, pod=self.name)
            pods.stop_unit(self.name)

    def _result(self, kind):
        """The probe's result for the container running now (None: no result for it yet)."""
        probe = self.probes[kind]
        return probe.result if probe.container_id == self.state.get("containerID") else None

    def adopt(self):
        """True when a running unit with this manifest hash exists (kubelet restart)."""
        saved = pods.load_state(self.name)
        if saved and saved.get("hash") == self.hash and pods.unit_active(self.name):
            self.state.update(saved)
            self.state["phase"] = "Running"
            log("I", "Adopted running static pod", pod=self.name, unit=pods.unit_name(self.name))
            return True
        return False

    def sync(self, active=None):
        """Start the pod when it is not running and its back-off has expired (``active``: whether
        its unit runs, when the caller asked already)."""
        if self.state.get("phase") == "Running":
            if pods.unit_active(self.name) if active is None else active:
                started = self.state.get("startedEpoch", time.time())
                if time.time() - started > 600:
                    self.backoff = 0.0
                return
            # client-go flowcontrol.Backoff as the kubelet's doBackOff uses it: the first exit is
            # restarted at once, each later one after the back-off, which doubles from 10 s up to
            # the maximum (forgotten after 10 min of running, above).
            wait = self.backoff
            self.backoff = min(self.max_backoff, self.backoff * 2 if self.backoff else self.INITIAL_BACKOFF)
            self.next_start = time.time() + wait
            if not wait:
                self.state.update({"phase": "Pending", "reason": "Error", "message": ""})
                self.kick()
                return
            self.state.update({"phase": "Pending", "reason": "CrashLoopBackOff"})
            self.state["message"] = "back-off %ds restarting failed container=%s pod=%s" % (
                wait, self._container().get("name"), self.name)
            log("E", "Error syncing pod, skipping", pod=self.name, err=self.state["message"])
            return
        if time.time() < self.next_start:
            return
        self.kick()

    def kick(self):
        """Start the pod in the background unless a start is already under way."""
        if self.cancelled or (self.thread is not None and self.thread.is_alive()):
            return
        self.thread = threading.Thread(target=self._start_logged, name="pod-" + self.name, daemon=True)
        self.thread.start()

    def _start_logged(self):
        try:
            self.start()
        except Exception as exc:  # noqa: BLE001 - a pod worker must not die silently
            self.state.update({"phase": "Pending", "reason": "CreateContainerError", "message": repr(exc)})
            log("E", "Error syncing pod", pod=self.name, err=repr(exc))
            self.next_start = time.time() + self.INITIAL_BACKOFF

    def start(self):
        container = self._container()
        image = container.get("image", "")
        if not pods.image_digest(image):
            log("I", "Pulling image", image=image, pod=self.name)
            ok, error = pods.pull_image(image, attempts=3)
            if not ok:
                self.pull_failures += 1
                reason = "ErrImagePull" if self.pull_failures == 1 else "ImagePullBackOff"
                msg = 'failed to pull and unpack image "%s": %s' % (image, error)
                self.state.update({"phase": "Pending", "reason": reason, "message": msg})
                log("E", "Failed to pull image", err=msg, image=image, pod=self.name, reason=reason)
                self.next_start = time.time() + min(300.0, 10.0 * (2 ** min(self.pull_failures - 1, 5)))
                return
        self.pull_failures = 0
        try:
            rootfs, image_config = pods.image_rootfs(image)
            argv = pods.resolve_command(rootfs, container, image_config)
        except (RuntimeError, OSError, ValueError) as exc:
            self.state.update({"phase": "Pending", "reason": "CreateContainerError", "message": str(exc)})
            log("E", "Error creating container", err=str(exc), pod=self.name)
            self.next_start = time.time() + self.INITIAL_BACKOFF
            return
        env = {"SEED_COMPONENT_VERSION": image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else "",
               "PATH": pods.DEFAULT_PATH, "HOSTNAME": socket.gethostname()}
        for item in image_config.get("Env") or []:
            key, _, value = item.partition("=")
            env.setdefault(key, value)
        for item in container.get("env") or []:
            if "value" in item:
                env[item["name"]] = str(item["value"])
        with _pod_lock(self.name):
            if self.cancelled:
                return
            pods.stop_unit(self.name)
            ok, message = pods.start_unit(self.name, argv, env, container.get("workingDir") or "/")
            if ok:
                self._started(image)
        if not ok:
            self.state.update({"phase": "Pending", "reason": "RunContainerError", "message": message})
            log("E", "Error starting container", err=message, pod=self.name)
            self.next_start = time.time() + self.INITIAL_BACKOFF

    def _started(self, image):
        restarts = self.state.get("restartCount", 0) + (1 if self.state.get("startedAt") else 0)
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.state.update({"phase": "Running", "reason": "", "message": "", "startedAt": now,
                           "startedEpoch": time.time(), "restartCount": restarts, "hash": self.hash,
                           "image": image, "imageID": pods.image_digest(image) or "",
                           "containerID": hashlib.sha256(("%s/%s/%s" % (self.name, self.hash, now)).encode()).hexdigest(),
                           "unit": pods.unit_name(self.name)})
        pods.save_state(self.name, self.state)
        log("I", "Started static pod", pod=self.name, unit=pods.unit_name(self.name), restartCount=restarts)

    def stop(self):
        self.cancelled = True
        for probe in self.probes.values():
            probe.stop()
        with _pod_lock(self.name):
            pods.stop_unit(self.name)
            pods.drop_state(self.name)
        self.state["phase"] = "Pending"

# ---------------------------------------------------------------------------------------------
# the kubelet


class Kubelet:
    def __init__(self, flags, cfg, minor):
        self.flags, self.cfg, self.minor = flags, cfg, minor
        self.node = node_name(flags)
        self.node_ip = (flags.get("node-ip") or "").split(",")[0] or detect_node_ip(self.node)
        self.stop_event = threading.Event()
        self.workers = {}
        self.client = None
        self.api_error = None
        self.node_uid = None
        self.registered = False
        self.mirrors = {}
        self.last_status = {}
        self.last_heartbeat = 0.0
        self.last_report = 0.0
        self.last_lease = 0.0
        self.latest_lease = None
        self.lease_warned = False
        self.frozen_logged = {}
        self.observed_addresses = []  # lastObservedNodeAddresses: status.addresses the API returned
        self.serving = None

    def setup_serving_certificates(self, cert_dir, on_status=None):
        """NewMainKubelet: the server certificate manager when serverTLSBootstrap is true and the
        RotateKubeletServerCertificate gate is on; ValueError when the stored pair does not load."""
        if not server_tls_bootstrap_enabled(self.cfg):
            return None
        client_fn = self.api if self.flags.get("kubeconfig") else None  # standalone: no client
        self.serving = ServingCertManager(self.node, cert_dir, self.cfg, self.minor, client_fn,
                                          lambda: self.observed_addresses, self.stop_event, on_status=on_status)
        return self.serving

    # -- API
    def api(self):
        if self.client is not None:
            return self.client
        path = self.flags.get("kubeconfig")
        if not path or not os.path.exists(path):
            return None
        try:
            self.client = kube.Client.from_kubeconfig(path)
        except (OSError, ValueError, ssl.SSLError, yaml.YAMLError) as exc:
            # e.g. the certificate a background bootstrap has not written yet: said once per reason
            if str(exc) != self.api_error:
                self.api_error = str(exc)
                log("E", "Failed to load the kubeconfig", err=str(exc), path=path)
            return None
        return self.client

    def register(self):
        client = self.api()
        if client is None:
            return False
        node = node_object(self.node, self.node_ip, self.cfg, self.flags.get("node-labels") or {},
                           self.flags.get("register-with-taints") or [], runtime_version=runtime_version())
        log("I", "Attempting to register node", node=self.node)
        try:
            created = client.create("/api/v1/nodes", node)
            self.node_uid = (created.get("metadata") or {}).get("uid")
            log("I", "Successfully registered node", node=self.node)
        except kube.ApiError as exc:
            if exc.status != 409:
                log("E", "Unable to register node with API server", err=str(exc), node=self.node)
                return False
            existing = client.get("/api/v1/nodes/" + self.node)
            self.node_uid = (existing.get("metadata") or {}).get("uid")
            labels = dict((existing.get("metadata") or {}).get("labels") or {})
            changed = False
            for key in ("kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch",
                        "beta.kubernetes.io/os", "beta.kubernetes.io/arch"):
                if labels.get(key) != node["metadata"]["labels"][key]:
                    labels[key] = node["metadata"]["labels"][key]
                    changed = True
            if changed:
                client.patch("/api/v1/nodes/" + self.node, {"metadata": {"labels": labels}})
            log("I", "Node was previously registered", node=self.node)
        except (OSError, ssl.SSLError) as exc:
            log("E", "Unable to register node with API server", err=str(exc), node=self.node)
            return False
        self.registered = True
        self.heartbeat(force=True)
        return True

    def heartbeat(self, force=False):
        """Node status and Lease as upstream (kubelet_node_status.go tryUpdateNodeStatus, the
        nodelease controller): the status is computed every nodeStatusUpdateFrequency and written
        only when it changed (heartbeat times aside) or nodeStatusReportFrequency has passed since
        the last write; the Lease is renewed every nodeLeaseDurationSeconds / 4."""
        lease_every = int(self.cfg.get("nodeLeaseDurationSeconds", 40) or 40) * 0.25
        if force or time.time() - self.last_lease >= lease_every:
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            if self.renew_lease(now):
                self.last_lease = time.time()
        period = parse_duration(self.cfg.get("nodeStatusUpdateFrequency", "10s")) or 10.0
        if not force and time.time() - self.last_heartbeat < period:
            return
        report = parse_duration(self.cfg.get("nodeStatusReportFrequency", "5m")) or 300.0
        client = self.api()
        path = "/api/v1/nodes/" + self.node
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        try:
            current = client.get(path)
            self.node_uid = (current.get("metadata") or {}).get("uid") or self.node_uid
            fresh = node_object(self.node, self.node_ip, self.cfg, runtime_version=runtime_version(), now=now)
            before = current.get("status") or {}
            status = dict(before)
            for key in ("addresses", "capacity", "allocatable", "daemonEndpoints", "nodeInfo"):
                status[key] = fresh["status"][key]
            status["conditions"] = node_conditions(now, True, status.get("conditions"))
            self.last_heartbeat = time.time()
            if not force and not status_changed(before, status) and time.time() - self.last_report < report:
                self.observed_addresses = list(before.get("addresses") or [])
                return
            current["status"] = status
            try:
                updated = client.replace(path + "/status", current)
            except kube.ApiError as exc:
                if exc.status not in (404, 405):
                    raise
                updated = client.replace(path, current)
            self.last_report = time.time()
            self.observed_addresses = list(((updated or {}).get("status") or {}).get("addresses") or [])
        except kube.ApiError as exc:
            if exc.status == 404:
                log("E", "Node not found, registering again", node=self.node)
                self.registered = False
            else:
                log("E", "Error updating node status, will retry", err=str(exc))
        except (OSError, ssl.SSLError) as exc:
            log("E", "Error updating node status, will retry", err=str(exc))

    def renew_lease(self, now_rfc):
        """Renew the node Lease as the nodelease controller does: a PUT of the Lease last written
        (no GET); when that fails, ensure it (GET, create when missing) and update that one."""
        client = self.api()
        micro = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        base = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
        path = base + "/" + self.node

        def renewed(lease):
            lease = copy.deepcopy(lease)
            spec = lease.setdefault("spec", {})
            spec.update({"holderIdentity": self.node, "renewTime": micro,
                         "leaseDurationSeconds": int(self.cfg.get("nodeLeaseDurationSeconds", 40))})
            if self.node_uid and not lease["metadata"].get("ownerReferences"):
                lease["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": self.node,
                                                         "uid": self.node_uid}]
            return lease
        try:
            if self.latest_lease is not None:
                try:
                    self.latest_lease = client.replace(path, renewed(self.latest_lease))
                    return True
                except kube.ApiError:
                    self.latest_lease = None
            try:
                current = client.get(path)
            except kube.ApiError as exc:
                if exc.status != 404:
                    raise
                self.latest_lease = client.create(base, renewed(
                    {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                     "metadata": {"name": self.node, "namespace": "kube-node-lease"}, "spec": {}}))
                return True
            self.latest_lease = client.replace(path, renewed(current))
        except (kube.ApiError, OSError, ssl.SSLError, KeyError) as exc:
            self.latest_lease = None
            if not self.lease_warned:
                log("E", "Failed to ensure lease exists, will retry", err=str(exc))
                self.lease_warned = True
            return False
        return True

    def sync_mirrors(self):
        client = self.api()
        for name, worker in list(self.workers.items()):
            mirror_name = "%s-%s" % (name, self.node)
            namespace = (worker.pod.get("metadata") or {}).get("namespace") or "default"
            path = "/api/v1/namespaces/%s/pods" % namespace
            try:
                if self.mirrors.get(name) != worker.hash:
                    try:
                        existing = client.get(path + "/" + mirror_name)
                        annotations = (existing.get("metadata") or {}).get("annotations") or {}
                        if annotations.get("kubernetes.io/config.mirror") != worker.hash:
                            log("I", "Deleting outdated mirror pod", pod=mirror_name)
                            client.delete(path + "/" + mirror_name)
                            existing = None
                    except kube.ApiError as exc:
                        if exc.status != 404:
                            raise
                        existing = None
                    if existing is None:
                        log("I", "Creating a mirror pod for static pod", pod=mirror_name)
                        client.create(path, mirror_pod(worker.pod, self.node, worker.hash, self.node_uid))
                    self.mirrors[name] = worker.hash
                    self.last_status.pop(name, None)
                status = pod_status(worker.pod, worker.state, self.node_ip, worker.ready, started=worker.started())
                key = json.dumps(status, sort_keys=True)
                if self.last_status.get(name) != key:
                    current = client.get(path + "/" + mirror_name)
                    current["status"] = status
                    try:
                        client.replace(path + "/" + mirror_name + "/status", current)
                    except kube.ApiError as exc:
                        if exc.status not in (404, 405):
                            raise
                        client.replace(path + "/" + mirror_name, current)
                    self.last_status[name] = key
            except kube.ApiError as exc:
                log("E", "Failed syncing mirror pod", pod=mirror_name, err=str(exc))
                self.mirrors.pop(name, None)
            except (OSError, ssl.SSLError) as exc:
                log("E", "Failed syncing mirror pod", pod=mirror_name, err=str(exc))

    def delete_mirror(self, name, pod):
        client = self.api()
        self.mirrors.pop(name, None)
        self.last_status.pop(name, None)
        if client is None or not self.registered:
            return
        namespace = (pod.get("metadata") or {}).get("namespace") or "default"
        try:
            client.delete("/api/v1/namespaces/%s/pods/%s-%s" % (namespace, name, self.node))
        except (kube.ApiError, OSError, ssl.SSLError):
            pass

    # -- static pods
    def sync_pods(self, first=False):
        manifests = read_manifests(self.cfg.get("staticPodPath"))
        for name in list(self.workers):
            if name not in manifests:
                log("I", "Static pod manifest removed, stopping pod", pod=name)
                worker = self.workers.pop(name)
                worker.stop()
                self.delete_mirror(name, worker.pod)
        max_backoff = None
        crash = self.cfg.get("crashLoopBackOff") or {}
        if crash.get("maxContainerRestartPeriod"):
            max_backoff = parse_duration(crash["maxContainerRestartPeriod"])
        frozen = faults.ignored_manifest_changes()
        active = pods.units_active(name for name, worker in self.workers.items()
                                   if name in manifests and worker.state.get("phase") == "Running")
        for name, (pod, _file) in manifests.items():
            config_hash = manifest_hash(pod, self.node)
            worker = self.workers.get(name)
            if worker is not None and worker.hash != config_hash and name in frozen:
                if self.frozen_logged.get(name) != config_hash:
                    log("W", "Injected fault: ignoring the change of the static pod manifest", pod=name)
                    self.frozen_logged[name] = config_hash
                worker.sync(active.get(name))
                continue
            if worker is not None and worker.hash != config_hash:
                log("I", "Static pod manifest changed, restarting pod", pod=name)
                worker.stop()
                worker = None
            if worker is None:
                worker = PodWorker(name, pod, config_hash, max_backoff)
                self.workers[name] = worker
                if not worker.adopt():
                    worker.kick()
                worker.start_probes()
                continue
            worker.sync(active.get(name))
        if first:
            # Units of pods whose manifest is gone (removed while the kubelet was down).
            for name in pods.known_pods():
                if name not in manifests:
                    log("I", "Stopping pod whose manifest is gone", pod=name)
                    pods.stop_unit(name)
                    pods.drop_state(name)

    def run(self):
        first = True
        next_register = 0.0
        if self.serving is not None:
            self.serving.start()
        while not self.stop_event.is_set():
            try:
                self.sync_pods(first)
            except Exception as exc:  # noqa: BLE001 - the sync loop must survive
                log("E", "Static pod sync failed", err=repr(exc))
            first = False
            if self.cfg.get("registerNode", True) and self.api() is not None:
                try:
                    if not self.registered and time.time() >= next_register:
                        if not self.register():
                            next_register = time.time() + 5
                    if self.registered:
                        self.heartbeat()
                        self.sync_mirrors()
                except Exception as exc:  # noqa: BLE001
                    log("E", "API sync failed", err=repr(exc))
            self.stop_event.wait(2.0)


_RUNTIME_VERSION = {}


def runtime_version():
    """containerd://<version> from ``ctr --version``, asked again only when the ctr binary changed."""
    try:
        key = os.stat(shutil.which("ctr") or "/usr/bin/ctr").st_mtime_ns
    except OSError:
        key = None
    if key is None or key not in _RUNTIME_VERSION:
        rc, out, _ = pods._run(["ctr", "--version"], 10)
        if rc != 0 or not out.split():
            return "containerd://unknown"
        _RUNTIME_VERSION.clear()
        _RUNTIME_VERSION[key] = "containerd://" + out.split()[-1]
    return _RUNTIME_VERSION[key]


class _Healthz(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path.split("?")[0] in ("/healthz", "/healthz/"):
            body = b"ok"
            self.send_response(200)
        else:
            body = b"404 page not found\n"
            self.send_response(404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve_healthz(cfg):
    port = int(cfg.get("healthzPort", 10248) or 0)
    if port <= 0:
        return None
    address = cfg.get("healthzBindAddress") or "127.0.0.1"
    server_class = http.server.ThreadingHTTPServer
    if ":" in address:
        class V6(server_class):
            address_family = socket.AF_INET6
        server_class = V6
    server = server_class((address, port), _Healthz)
    threading.Thread(target=server.serve_forever, name="healthz", daemon=True).start()
    return server


def fail(msg):
    log("E", "command failed", err=msg)
    return 1


def _settings():
    try:
        with open(SETTINGS_FILE, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def write_effective(data):
    try:
        os.makedirs(os.path.dirname(EFFECTIVE_FILE), exist_ok=True)
        tmp = EFFECTIVE_FILE + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
        os.replace(tmp, EFFECTIVE_FILE)
    except OSError:
        pass


def load_config_files(flags, minor, strict):
    """(file config, findings, source files) from --config and --config-dir (*.conf, sorted)."""
    path = flags.get("config")
    file_cfg, findings, sources = {}, [], []
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            reason = "open %s: no such file or directory" % path if isinstance(exc, FileNotFoundError) \
                else "%s" % exc
            raise ConfigError('failed to load kubelet config file, path: %s, error: failed to load Kubelet '
                              'config file %s, error failed to read kubelet config file "%s", error: %s'
                              % (path, path, path, reason))
        try:
            file_cfg, findings = decode_config(text, minor, strict)
        except ConfigError as exc:
            raise ConfigError("failed to load kubelet config file, path: %s, error: failed to load Kubelet "
                              "config file %s, error %s" % (path, path, exc))
        sources.append(path)
    drop_dir = flags.get("config-dir")
    if drop_dir and os.path.isdir(drop_dir):
        for name in sorted(os.listdir(drop_dir)):
            if not name.endswith(".conf"):
                continue
            full = os.path.join(drop_dir, name)
            with open(full, encoding="utf-8") as handle:
                part, more = decode_config(handle.read(), minor, strict)
            file_cfg = _merge(file_cfg, part)
            findings.extend(more)
            sources.append(full)
    return file_cfg, findings, sources


def usage():
    return ("The kubelet is the primary \"node agent\" that runs on each node.\n\n"
            "Usage:\n  kubelet [flags]\n\n(test double %s: see its module docstring)\n" % VERSION)


def main(argv):
    minor = minor_of()
    try:
        flags, order, warnings, positional = parse_flags(argv, minor)
    except FlagError as exc:
        return fail("failed to parse kubelet flag: %s" % exc)
    for warning in warnings:
        sys.stderr.write(warning + "\n")
    if flags.get("help"):
        sys.stdout.write(usage())
        return 0
    if "version" in flags and flags["version"] not in ("false", "0"):
        sys.stdout.write("Kubernetes %s\n" % VERSION)
        return 0
    if positional:
        return fail("unknown command %s" % positional[0])
    bad = unknown_node_labels(flags.get("node-labels") or {})
    if bad:
        return fail("failed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels specified "
                    "with --node-labels: %s\n--node-labels in the 'kubernetes.io' namespace must begin with an "
                    "allowed prefix (%s) or be in the specifically allowed set (%s)"
                    % ("[" + " ".join(bad) + "]", ", ".join(_KUBELET_LABEL_NAMESPACES),
                       ", ".join(sorted(_KUBELET_LABELS))))
    settings = _settings()
    strict = os.environ.get("SEED_KUBELET_STRICT_CONFIG") == "1" or bool(settings.get("strict_config"))
    try:
        file_cfg, findings, sources = load_config_files(flags, minor, strict)
    except ConfigError as exc:
        return fail(str(exc))
    for finding in findings:
        log("I", "Using lenient decoding as strict decoding failed", err="strict decoding error: " + finding)
    cfg = effective_config(file_cfg, flags, minor)
    effective = {"version": VERSION, "argv": calls.redact_argv(argv), "flags": flags, "flagOrder": order,
                 "configFiles": sources, "configFile": file_cfg, "config": cfg,
                 "strictDecodingErrors": findings, "nodeName": node_name(flags),
                 "cgroupVersion": cgroup_version(), "pid": os.getpid(),
                 "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    error = check_cgroup_v1(cfg, minor, effective["cgroupVersion"]) or server_tls_bootstrap_error(cfg)
    if error:
        effective["error"] = error
        write_effective(effective)
        return fail("failed to validate kubelet configuration, error: %s, path: &TypeMeta{Kind:%s,APIVersion:%s,}"
                    % (error, file_cfg.get("kind", ""), file_cfg.get("apiVersion", "")))
    error = swap_error(cfg)
    if error:
        effective["error"] = error
        write_effective(effective)
        return fail("failed to run Kubelet: %s" % error)
    # NewMainKubelet (RunKubelet -> createAndInitKubelet): the OOM watcher opens /dev/kmsg, after
    # the container manager (whose swap check is above) and before the kubelet object exists.
    error = kmsg_error(os.environ.get("SEED_KUBELET_KMSG", "/dev/kmsg"))
    if error:
        effective["error"] = error
        write_effective(effective)
        return fail("failed to run Kubelet: failed to create kubelet: %s" % error)
    write_effective(effective)
    log("I", "Kubelet version", kubeletVersion=VERSION)
    calls.record("kubelet", argv, None, {"event": "started"})
    _RECORDED.append(True)

    kubelet_ref = {}

    def on_term(signum, _frame):
        # Upstream: the kubelet exits, the runtime keeps the containers (pods) running.
        log("I", "Received signal, shutting down", signal=signum)
        kubelet = kubelet_ref.get("k")
        if kubelet:
            kubelet.stop_event.set()
        else:
            raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    kubeconfig = flags.get("kubeconfig")
    cert_dir = flags.get("cert-dir") or "/var/lib/kubelet/pki"
    background_bootstrap = False
    if kubeconfig and flags.get("bootstrap-kubeconfig"):
        try:
            if cfg.get("rotateCertificates"):
                # buildKubeletClientConfig with RotateCertificates (kubeadm's default): the kubeconfig
                # points at the certificate store at once and the certificate manager bootstraps in
                # the background; healthz and the static pods do not wait for it.
                background_bootstrap = point_kubeconfig_at_store(kubeconfig, flags.get("bootstrap-kubeconfig"),
                                                                 cert_dir)
            else:
                # bootstrap.LoadClientCert: the kubelet waits for its client certificate before it runs.
                bootstrap_client_cert(kubeconfig, flags.get("bootstrap-kubeconfig"), cert_dir, node_name(flags))
        except (kube.ApiError, RuntimeError, OSError, ValueError, ssl.SSLError) as exc:
            return fail("failed to run Kubelet: unable to load bootstrap kubeconfig: %s" % exc)
    if kubeconfig and not os.path.exists(kubeconfig):
        log("I", "No API server defined - no node status update will be sent")
    kubelet = Kubelet(flags, cfg, minor)

    def record_serving(status):
        effective["serverCertificate"] = status
        write_effective(effective)

    try:
        kubelet.setup_serving_certificates(flags.get("cert-dir") or "/var/lib/kubelet/pki", record_serving)
    except (OSError, ValueError) as exc:
        return fail("failed to run Kubelet: failed to create kubelet: failed to initialize certificate manager: "
                    "failed to initialize server certificate manager: %s" % exc)
    try:
        healthz = serve_healthz(cfg)
    except OSError as exc:
        return fail("failed to run Kubelet: failed to listen on healthz: %s" % exc)
    kubelet_ref["k"] = kubelet
    if background_bootstrap:
        threading.Thread(target=bootstrap_in_background, name="client-bootstrap", daemon=True,
                         args=(kubeconfig, flags.get("bootstrap-kubeconfig"), cert_dir, node_name(flags),
                               kubelet.stop_event)).start()
    kubelet.run()
    if healthz:
        healthz.shutdown()
    calls.record("kubelet", argv, 0, {"event": "stopped"})
    return 0


_RECORDED = []


def entry(argv):
    try:
        rc = main(argv)
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 0
    if rc or not _RECORDED:
        calls.record("kubelet", argv, rc)
    raise SystemExit(rc)


if __name__ == "__main__":
    entry(sys.argv[1:])
