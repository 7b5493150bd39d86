#!/usr/bin/python3
"""kube-apiserver stand-in (TEST DOUBLE): a Kubernetes API server over real etcd, in Python.

Emulates, from upstream's behaviour (cmd/kube-apiserver, staging/src/k8s.io/apiserver,
pkg/registry, plugin/pkg/auth):
- the command line of kube-apiserver (pflag syntax; the flags of upstream's option sets; unknown
  flags exit 1 with ``Error: unknown flag: --x``);
- HTTPS on --bind-address:--secure-port with --tls-cert-file/--tls-private-key-file, optional
  client certificates verified against --client-ca-file;
- storage in etcd through its v3 JSON gateway (--etcd-servers, --etcd-cafile/certfile/keyfile),
  keys /registry/<resource>/<namespace>/<name> as upstream, resourceVersion = etcd mod_revision,
  optimistic concurrency by etcd transactions; several servers may share one etcd cluster;
- authentication: client certificates (user = CN, groups = O; from 1.32 the extra
  authentication.kubernetes.io/credential-id "X509SHA256=<hex SHA-256 of the certificate's DER>", as
  request/x509/x509.go, which a CSR's spec.extra then carries), bootstrap tokens
  (--enable-bootstrap-token-auth; kube-system/bootstrap-token-<id> Secrets, upstream's rules),
  anonymous (unless --anonymous-auth=false); a bad token is 401, as upstream;
- authorization: RBAC evaluated on the stored (Cluster)Roles and (Cluster)RoleBindings, with the
  default ClusterRoles/Bindings created at start (a subset of upstream's bootstrap policy), the
  system:masters shortcut, a simplified Node authorizer (fixed rules, not the pod graph) and a
  simplified NodeRestriction (a node may only write its own Node, Lease and mirror pods; with
  NodeRestriction in --enable-admission-plugins, from 1.31 unless the Deprecated feature gate
  AllowInsecureKubeletCertificateSigningRequests is true, a node may create kubelet-serving and
  kube-apiserver-client-kubelet CSRs only with CN=system:node:<its name>, as admitCSR);
- discovery (/api, /apis, per group/version resource lists) of the built-in resources and of every
  served version of every CustomResourceDefinition; custom resources then work generically;
- GET, LIST (label and field selectors), WATCH (by polling the store), POST (generateName, uid,
  creationTimestamp, generation), PUT (409 on a stale resourceVersion), PATCH (merge, strategic
  merge with the merge keys of the commonly patched lists, JSON patch, server-side apply), DELETE
  (finalizers honoured), deletecollection, status/approval subresources, pods/eviction,
  pods/binding, (self)subjectaccessreviews, selfsubjectreviews, dryRun=All;
- errors as upstream's meta/v1 Status objects (NotFound, AlreadyExists, Conflict, Invalid,
  Forbidden, Unauthorized, BadRequest, MethodNotAllowed) with upstream's messages;
- /healthz /livez /readyz (with ?verbose) and /version (SEED_COMPONENT_VERSION, else v0.0.0);
- the hardening files a kubeadm ClusterConfiguration passes through apiServer.extraArgs, each
  loaded at start with upstream's errors (a bad or missing file: exit 1, see startup_failed), the
  details and their upstream sources in the module docstring of each:
  - ``--authentication-config`` (seed_doubles/apiauthn.py): AuthenticationConfiguration v1alpha1,
    v1beta1 (1.30+), v1 (1.34+) with ``anonymous`` (1.31+, gate AnonymousAuthConfigurableEndpoints:
    alpha 1.31, beta 1.32, GA 1.34): anonymous only on the listed paths (exact URL path, query
    ignored), the ``--anonymous-auth`` conflict, validation; ``jwt`` entries checked, not used;
  - ``--encryption-provider-config`` (seed_doubles/apiencryption.py): EncryptionConfiguration
    validated as upstream; values really encrypted in etcd with the first provider (aescbc,
    aesgcm with the etcd key as authenticated data, secretbox in pure Python, identity), read with
    any configured key by prefix; ``kms`` refused as not emulated;
  - ``--audit-policy-file`` / ``--audit-log-*`` (seed_doubles/apiaudit.py): Policy validation,
    rules evaluated as upstream's checker, audit.k8s.io/v1 events as JSON lines (or legacy) in a
    0600 file created at start (or "-" for stdout), size rotation;
  - ``--admission-control-config-file`` (seed_doubles/podsecurity.py): AdmissionConfiguration with
    a PodSecurity PodSecurityConfiguration (v1alpha1/v1beta1/v1) validated at start; PodSecurity
    enforcement of five baseline checks on Pod create/update, with namespace labels and
    exemptions (also without a file: the namespace labels over a "privileged" default);
  - ``--profiling`` is accepted (as by the controller-manager and scheduler doubles);
- file visibility of a static pod: with ``SEED_POD_MOUNTS`` (set by the pods helper from the
  container's volumeMounts, seed_doubles/pods.py), every file read from a flag (the TLS, client CA
  and etcd files, the four configuration files above, and the service account, kubelet client
  and front proxy files kubeadm writes) must lie under a mount, or it is "no such file or
  directory" as in the real container; an audit log under a read-only mount fails to open
  ("ensureLogFile: open ...: read-only file system"), one under no mount is written inside the
  container only (a private directory), never to the host path. Without SEED_POD_MOUNTS nothing is
  hidden and the service account / kubelet / front proxy files are not checked at all.

Does NOT emulate: admission webhooks or any admission plugin beyond NamespaceLifecycle, the
NodeRestriction subset and the PodSecurity subset above (PodSecurity's warn and audit modes, its
restricted-only checks and the other baseline checks, pod controllers); OpenAPI (/openapi/* is 404)
and schema validation or pruning of custom resources; aggregated APIs (APIService objects are
stored only); protobuf or Table output (JSON only; values are stored in etcd as JSON, encrypted
when configured); server-side apply field ownership (apply merges the applied object into the live
one, never removes fields an earlier apply set, never reports a conflict; managedFields hold one
entry per manager with an empty field set); garbage collection (ownerReferences are stored only);
graceful pod deletion (immediate); namespace termination (deleting a namespace deletes its contents
at once); KMS encryption, automatic reload of any configuration file, audit webhooks, batching,
truncation and compression, priority and fairness, service account tokens, OIDC / JWT
authentication, authentication and authorization webhooks, feature gates other than the two the
authentication configuration depends on and AllowInsecureKubeletCertificateSigningRequests;
limit/continue paging (whole lists).
"""

import base64
import copy
import datetime
import hashlib
import ipaddress
import hmac
import json
import os
import re
import platform
import random
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

from seed_doubles import apiaudit
from seed_doubles import apiauthn
from seed_doubles import apiconfig as cfg
from seed_doubles import apiencryption
from seed_doubles import apimachinery as am
from seed_doubles import apiresources as ar
from seed_doubles import podsecurity
from seed_doubles.apistore import EtcdStore, StoreError
from seed_doubles.pflag import parse_duration

# ------------------------------------------------------------------ command line

_FLAGS = """
admission-control admission-control-config-file advertise-address aggregator-reject-forwarding-redirect
allow-metric-labels allow-metric-labels-manifest allow-privileged anonymous-auth api-audiences
audit-log-batch-buffer-size audit-log-batch-max-size audit-log-batch-max-wait audit-log-batch-throttle-burst
audit-log-batch-throttle-enable audit-log-batch-throttle-qps audit-log-compress audit-log-format
audit-log-maxage audit-log-maxbackup audit-log-maxsize audit-log-mode audit-log-path
audit-log-truncate-enabled audit-log-truncate-max-batch-size audit-log-truncate-max-event-size
audit-log-version audit-policy-file audit-webhook-batch-buffer-size audit-webhook-batch-initial-backoff
audit-webhook-batch-max-size audit-webhook-batch-max-wait audit-webhook-batch-throttle-burst
audit-webhook-batch-throttle-enable audit-webhook-batch-throttle-qps audit-webhook-config-file
audit-webhook-initial-backoff audit-webhook-mode audit-webhook-truncate-enabled
audit-webhook-truncate-max-batch-size audit-webhook-truncate-max-event-size audit-webhook-version
authentication-config authentication-token-webhook-cache-ttl authentication-token-webhook-config-file
authentication-token-webhook-version authorization-config authorization-mode authorization-policy-file
authorization-webhook-cache-authorized-ttl authorization-webhook-cache-unauthorized-ttl
authorization-webhook-config-file authorization-webhook-version bind-address cert-dir client-ca-file
cloud-config cloud-provider cloud-provider-gce-l7lb-src-cidrs cloud-provider-gce-lb-src-cidrs
contention-profiling coordinated-leadership-lease-duration coordinated-leadership-renew-deadline
coordinated-leadership-retry-period cors-allowed-origins debug-socket-path default-not-ready-toleration-seconds
default-unreachable-toleration-seconds default-watch-cache-size delete-collection-workers
disable-admission-plugins disable-http2-serving disabled-metrics egress-selector-config-file
emulated-version emulation-forward-compatible enable-admission-plugins enable-aggregator-routing
enable-bootstrap-token-auth enable-garbage-collector enable-logs-handler enable-priority-and-fairness
encryption-provider-config encryption-provider-config-automatic-reload endpoint-reconciler-type
etcd-cafile etcd-certfile etcd-compaction-interval etcd-count-metric-poll-period etcd-db-metric-poll-interval
etcd-healthcheck-timeout etcd-keyfile etcd-prefix etcd-readycheck-timeout etcd-servers
etcd-servers-overrides event-ttl external-hostname feature-gates goaway-chance help
http2-max-streams-per-connection identity-lease-duration-seconds identity-lease-renew-interval-seconds
kubelet-certificate-authority kubelet-client-certificate kubelet-client-key kubelet-port
kubelet-preferred-address-types kubelet-read-only-port kubelet-timeout kubernetes-service-node-port
lease-reuse-duration-seconds livez-grace-period log-flush-frequency log-json-info-buffer-size
log-json-split-stream log-text-info-buffer-size log-text-split-stream logging-format
max-connection-bytes-per-sec max-mutating-requests-inflight max-requests-inflight min-request-timeout
oidc-ca-file oidc-client-id oidc-groups-claim oidc-groups-prefix oidc-issuer-url oidc-required-claim
oidc-signing-algs oidc-username-claim oidc-username-prefix peer-advertise-ip peer-advertise-port
peer-ca-file permit-address-sharing permit-port-sharing profiling proxy-client-cert-file
proxy-client-key-file request-timeout requestheader-allowed-names requestheader-client-ca-file
requestheader-extra-headers-prefix requestheader-group-headers requestheader-uid-headers
requestheader-username-headers runtime-config runtime-config-emulation-forward-compatible secure-port
service-account-extend-token-expiration service-account-issuer service-account-jwks-uri
service-account-key-file service-account-lookup service-account-max-token-expiration
service-account-signing-endpoint service-account-signing-key-file service-cluster-ip-range
service-node-port-range show-hidden-metrics-for-version shutdown-delay-duration shutdown-send-retry-after
shutdown-watch-termination-grace-period storage-backend storage-initialization-timeout storage-media-type
strict-transport-security-directives tls-cert-file tls-cipher-suites tls-min-version tls-private-key-file
tls-sni-cert-key token-auth-file tracing-config-file v version vmodule watch-cache watch-cache-sizes
"""
KNOWN_FLAGS = frozenset(_FLAGS.split())
BOOL_FLAGS = frozenset("""
aggregator-reject-forwarding-redirect allow-privileged anonymous-auth audit-log-batch-throttle-enable
audit-log-compress audit-log-truncate-enabled audit-webhook-batch-throttle-enable
audit-webhook-truncate-enabled contention-profiling disable-http2-serving emulation-forward-compatible
enable-aggregator-routing enable-bootstrap-token-auth enable-garbage-collector enable-logs-handler
enable-priority-and-fairness encryption-provider-config-automatic-reload help log-json-split-stream
log-text-split-stream permit-address-sharing permit-port-sharing profiling
runtime-config-emulation-forward-compatible service-account-extend-token-expiration service-account-lookup
version watch-cache
""".split())

VERBOSITY = 0


def log(level, msg, *args):
    """klog-like line on stderr (I for info, W warning, E error)."""
    if level == "I" and VERBOSITY < 0:
        return
    stamp = datetime.datetime.now().strftime("%m%d %H:%M:%S.%f")
    sys.stderr.write("%s%s %7d apiserver] %s\n" % (level, stamp, os.getpid(), (msg % args) if args else msg))
    sys.stderr.flush()


def component_version():
    version = os.environ.get("SEED_COMPONENT_VERSION", "") or "v0.0.0"
    if not version.startswith("v"):
        version = "v" + version
    return version


def version_info():
    version = component_version()
    core = version[1:].split("-")[0].split("+")[0].split(".")
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return {"major": core[0] if core else "0", "minor": core[1] if len(core) > 1 else "0",
            "gitVersion": version, "gitCommit": "", "gitTreeState": "clean",
            "buildDate": "1970-01-01T00:00:00Z", "goVersion": "go1.22.0", "compiler": "gc",
            "platform": "linux/" + arch}


# ------------------------------------------------------------------ helpers

GENERATE_CHARS = "bcdfghjklmnpqrstvwxz2456789"
BOOTSTRAP_GROUP_RE = r"system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]"
# user.CredentialIDKey (staging/src/k8s.io/apiserver/pkg/authentication/user/user.go); the x509
# authenticator sets it from 1.32 (request/x509/x509.go CommonNameUserConversion, kubernetes#125634)
CREDENTIAL_ID_KEY = "authentication.kubernetes.io/credential-id"
X509_CREDENTIAL_ID_MINOR = 32
# The signers NodeRestriction's admitCSR guards (plugin/pkg/admission/noderestriction/admission.go).
NODE_CSR_SIGNERS = ("kubernetes.io/kubelet-serving", "kubernetes.io/kube-apiserver-client-kubelet")
# pkg/features/kube_features.go: added in 1.31 as Deprecated, default false; true skips admitCSR. Known to
# --feature-gates (seed_doubles/apiconfig.py GATES, its parsing and errors) from 1.31, as upstream.
INSECURE_KUBELET_CSRS_GATE = "AllowInsecureKubeletCertificateSigningRequests"


def admission_plugin_enabled(flags, name):
    """Whether the admission plugin ``name``, off by default (as NodeRestriction:
    pkg/kubeapiserver/options/plugins.go DefaultOffAdmissionPlugins), runs: listed by
    --enable-admission-plugins, or by the deprecated --admission-control that replaces the whole set
    (pkg/kubeapiserver/options/admission.go; staging/src/k8s.io/apiserver/pkg/server/options/admission.go
    enabledPluginNames: an enabled plugin is never disabled)."""
    def listed(flag):
        return {p.strip() for p in (flags.get(flag) or "").split(",") if p.strip()}
    return name in (listed("admission-control") or listed("enable-admission-plugins"))


def parse_csr(pem):
    """certificates.ParseCSR (pkg/apis/certificates/helpers.go): (the x509 request, None) or (None, why);
    a PEM block that is not a DER request gets one fixed text where Go reports its asn1 parser's error."""
    from cryptography import x509
    match = re.search(rb"-----BEGIN ([^\r\n-]+)-----\r?\n(.*?)-----END \1-----", pem or b"", re.S)
    if match is None or match.group(1) != b"CERTIFICATE REQUEST":
        return None, "PEM block type must be CERTIFICATE REQUEST"
    try:
        return x509.load_der_x509_csr(base64.b64decode(match.group(2))), None
    except ValueError:
        return None, "x509: malformed certificate request"


def strip_meta(obj):
    """The object without what changes on every write (resourceVersion, managedFields)."""
    out = copy.deepcopy(obj)
    meta = out.get("metadata") or {}
    meta.pop("resourceVersion", None)
    meta.pop("managedFields", None)
    return out


def spec_part(obj):
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


def encode(obj):
    stored = copy.deepcopy(obj)
    stored.get("metadata", {}).pop("resourceVersion", None)
    return json.dumps(stored, sort_keys=True, separators=(",", ":")).encode()


def decode(raw, rev):
    obj = json.loads(raw)
    obj.setdefault("metadata", {})["resourceVersion"] = str(rev)
    return obj


class User:
    def __init__(self, name, groups=(), uid="", extra=None):
        self.name = name
        self.groups = list(groups)
        self.uid = uid
        self.extra = extra or {}

    def info(self):
        info = {"username": self.name, "groups": list(self.groups)}
        if self.uid:
            info["uid"] = self.uid
        if self.extra:
            info["extra"] = self.extra
        return info


class Attrs:
    """Authorization attributes of one request (upstream authorizer.Attributes)."""

    def __init__(self, verb, path=None, group="", resource="", subresource="", namespace="", name=""):
        self.verb = verb
        self.path = path
        self.group = group
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name

    @property
    def is_resource(self):
        return self.path is None

    def forbidden_message(self, user):
        if not self.is_resource:
            return 'User "%s" cannot %s path "%s"' % (user.name, self.verb, self.path)
        resource = self.resource + ("/" + self.subresource if self.subresource else "")
        if self.namespace:
            return ('User "%s" cannot %s resource "%s" in API group "%s" in the namespace "%s"'
                    % (user.name, self.verb, resource, self.group, self.namespace))
        return ('User "%s" cannot %s resource "%s" in API group "%s" at the cluster scope'
                % (user.name, self.verb, resource, self.group))


def rule_allows(rule, attrs):
    verbs = rule.get("verbs") or []
    if "*" not in verbs and attrs.verb not in verbs:
        return False
    if not attrs.is_resource:
        for url in rule.get("nonResourceURLs") or []:
            if url == "*" or url == attrs.path or (url.endswith("*") and attrs.path.startswith(url[:-1])):
                return True
        return False
    if rule.get("nonResourceURLs") and not rule.get("resources"):
        return False
    groups = rule.get("apiGroups") or []
    if "*" not in groups and attrs.group not in groups:
        return False
    combined = attrs.resource + ("/" + attrs.subresource if attrs.subresource else "")
    resources = rule.get("resources") or []
    if not ("*" in resources or combined in resources
            or (attrs.subresource and "*/" + attrs.subresource in resources)):
        return False
    names = rule.get("resourceNames") or []
    return not names or attrs.name in names


def subject_matches(subject, user, namespace):
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "User":
        return user.name == name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        ns = subject.get("namespace") or namespace
        return user.name == "system:serviceaccount:%s:%s" % (ns, name)
    return False


# ------------------------------------------------------------------ the server core

class ApiServer:
    """Request handling independent of HTTP: ``handle()`` takes a parsed request, returns
    (code, body, content type) or a generator of watch events."""

    def __init__(self, store, flags=None, mounts=None):
        """Raises cfg.ConfigError when a configuration file of the flags is missing or invalid.
        ``mounts``: the container's volume mounts when run as a static pod (cfg.PodMounts)."""
        self.flags = dict(flags or {})
        self.mounts = mounts
        self.load_configuration(store)
        self.bootstrap_tokens = am.flag_bool(self.flags, "enable-bootstrap-token-auth", False)
        self.node_restriction = admission_plugin_enabled(self.flags, "NodeRestriction")
        # admitCSR: from 1.31 (with its gate), unless the gate is set to true
        self.node_csr_check = self.node_restriction and self.gates.get(INSECURE_KUBELET_CSRS_GATE, True) is False
        modes = self.flags.get("authorization-mode", "Node,RBAC" if "authorization-config" not in self.flags
                               else "RBAC")
        self.authz_modes = [m.strip() for m in modes.split(",") if m.strip()]
        self.advertise = self.flags.get("advertise-address") or ""
        self.port = int(self.flags.get("secure-port", "6443"))
        self.service_ranges = [ipaddress.ip_network(r.strip(), strict=False) for r in
                               self.flags.get("service-cluster-ip-range", "10.0.0.0/24").split(",") if r.strip()]
        self.bootstrapped = threading.Event()
        self._rbac_cache = (0.0, None)
        # The etcd checks of /livez, /healthz and /readyz (storagebackend/factory/etcd3.go
        # newETCD3Check): one etcd request per half of --etcd-healthcheck-timeout /
        # --etcd-readycheck-timeout (2s each by default), the last result given in between.
        self._etcd_checks = {}
        for kind, flag in (("health", "etcd-healthcheck-timeout"), ("ready", "etcd-readycheck-timeout")):
            try:
                timeout = parse_duration(self.flags.get(flag) or "2s")
            except ValueError:
                timeout = 2.0
            self._etcd_checks[kind] = {"every": (timeout or 2.0) / 2.0, "sent": None, "result": None,
                                       "lock": threading.Lock()}
        self._crd_cache = (0.0, None)
        self._lock = threading.Lock()
        self._request = threading.local()
        self.min_watch_poll = 0.5

    def load_configuration(self, store):
        """The files given by flags, in the order upstream's kube-apiserver meets them: the options'
        validation, the storage (encryption at rest), then authentication, audit and admission."""
        self.minor = cfg.component_minor()
        self.gates = cfg.feature_gates(self.flags.get("feature-gates"), self.minor)
        errors = apiauthn.validate_flags(self.flags, self.gates) + apiaudit.validate_log_flags(self.flags)
        if errors:
            raise cfg.ConfigError(cfg.aggregate(errors))
        self.store = store
        self.encryption = None
        if self.flags.get("encryption-provider-config"):
            self.encryption = apiencryption.load(self.flags["encryption-provider-config"], self.mounts)
            self.store = apiencryption.TransformingStore(store, self.encryption, self.resource_of_key)
        self.anonymous_config = apiauthn.load(self.flags, self.minor, self.gates, self.mounts)
        self.anonymous = self.anonymous_config.enabled
        private = os.path.join(tempfile.gettempdir(), "seed-apiserver-container-%d" % os.getpid())
        self.auditor = apiaudit.build(self.flags, self.mounts, lambda msg: log("W", "%s", msg), private)
        if self.flags.get("audit-log-path") and not self.flags.get("audit-policy-file") and VERBOSITY >= 2:
            log("I", "No audit policy file provided, no events will be recorded for log backend")
        self.pod_security = podsecurity.load(self.flags, self.mounts)

    _KEY_PREFIXES = None

    def resource_of_key(self, key):
        """(group, resource) an etcd key belongs to, from the storage prefixes; None for other keys."""
        if ApiServer._KEY_PREFIXES is None:
            prefixes = {}
            for res in ar.BUILTIN:
                if res.plural in ar.REVIEWS or res.verbs == ar.CREATE_ONLY:
                    continue
                prefixes.setdefault(res.prefix + "/", (res.group, res.plural))
            prefixes["/registry/events/"] = ("", "events")  # both event groups are stored as core events
            ApiServer._KEY_PREFIXES = sorted(prefixes.items(), key=lambda item: -len(item[0]))
        for prefix, gr in ApiServer._KEY_PREFIXES:
            if key.startswith(prefix):
                return gr
        parts = key.split("/")
        if len(parts) > 4 and parts[1] == "registry" and "." in parts[2]:
            return parts[2], parts[3]  # a custom resource: /registry/<group>/<plural>/...
        return None

    # -------------------------------------------------------------- resources

    def crds(self):
        stamp, cached = self._crd_cache
        if cached is not None and time.monotonic() - stamp < 1.0:
            return cached
        res = self.builtin("apiextensions.k8s.io", "customresourcedefinitions")
        items, _ = self.store.range(res.key(None))
        crds = [decode(raw, rev) for _, raw, rev in items]
        self._crd_cache = (time.monotonic(), crds)
        return crds

    def invalidate(self, res):
        if res.plural == "customresourcedefinitions":
            self._crd_cache = (0.0, None)
        if res.group == "rbac.authorization.k8s.io":
            self._rbac_cache = (0.0, None)

    def builtin(self, group, plural):
        for res in ar.BUILTIN:
            if res.group == group and res.plural == plural:
                return res
        raise KeyError(plural)

    def all_resources(self):
        """{(group, version): [Resource]} of everything served now."""
        out = {}
        for res in ar.BUILTIN:
            out.setdefault((res.group, res.version), []).append(res)
        for crd in self.crds():
            for res in ar.crd_resources(crd):
                out.setdefault((res.group, res.version), []).append(res)
        return out

    def find(self, group, version, plural):
        for attempt in range(2):
            for res in self.all_resources().get((group, version), []):
                if res.plural == plural:
                    return res
            # a CRD created through another API server may be younger than the cache
            if attempt == 0 and time.monotonic() - self._crd_cache[0] > 0.1:
                self._crd_cache = (0.0, None)
            else:
                break
        return None

    def find_kind(self, group, kind):
        for (g, _), resources in self.all_resources().items():
            for res in resources:
                if g == group and res.kind == kind:
                    return res
        return None

    # -------------------------------------------------------------- discovery

    def groups(self):
        versions = {}
        for (group, version) in self.all_resources():
            if group:
                versions.setdefault(group, set()).add(version)
        out = []
        for group in sorted(versions, key=lambda g: (0 if "." not in g or g.endswith(".k8s.io") else 1, g)):
            vers = sorted(versions[group], key=ar.version_priority)
            entries = [{"groupVersion": group + "/" + v, "version": v} for v in vers]
            out.append({"name": group, "versions": entries, "preferredVersion": entries[0]})
        return out

    def discovery(self, parts):
        if parts == ["api"]:
            address = self.advertise or "127.0.0.1"
            if ":" in address:
                address = "[%s]" % address
            return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "%s:%d" % (address, self.port)}]}
        if parts == ["apis"]:
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": self.groups()}
        if len(parts) == 2 and parts[0] == "apis":
            for group in self.groups():
                if group["name"] == parts[1]:
                    return dict(kind="APIGroup", apiVersion="v1", **group)
            return None
        if parts == ["api", "v1"]:
            group, version = "", "v1"
        elif len(parts) == 3 and parts[0] == "apis":
            group, version = parts[1], parts[2]
        else:
            return None
        resources = self.all_resources().get((group, version))
        if resources is None:
            return None
        entries = []
        for res in sorted(resources, key=lambda r: r.plural):
            entries.extend(res.discovery())
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": group + "/" + version if group else version, "resources": entries}

    # -------------------------------------------------------------- authentication

    def authenticate(self, cert_subject, headers, path=None, cert_der=None):
        """The user of a request; ``path``: its URL path, for the anonymous conditions of an
        AuthenticationConfiguration (request/anonymous/anonymous.go: exact URL path match);
        ``cert_der``: the client certificate (DER), for its credential ID."""
        auth = headers.get("Authorization") or ""
        if cert_subject is not None:
            name, groups = "", []
            for rdn in cert_subject:
                for key, value in rdn:
                    if key == "commonName":
                        name = value
                    elif key == "organizationName":
                        groups.append(value)
            if name:
                # request/x509/x509.go CommonNameUserConversion: from 1.32 the extra
                # authentication.kubernetes.io/credential-id ["X509SHA256=<hex SHA-256 of the DER>"]
                extra = None
                if cert_der and self.minor >= X509_CREDENTIAL_ID_MINOR:
                    extra = {CREDENTIAL_ID_KEY: ["X509SHA256=" + hashlib.sha256(cert_der).hexdigest()]}
                return User(name, groups + ["system:authenticated"], extra=extra)
        if auth.lower().startswith("bearer "):
            token = auth.split(None, 1)[1].strip()
            user = self.token_user(token)
            if user is None:
                raise am.unauthorized()
            return user
        if self.anonymous_config.allows(path if path is not None else "/"):
            return User("system:anonymous", ["system:unauthenticated"])
        raise am.unauthorized()

    def token_user(self, token):
        """User of a bootstrap token (plugin/pkg/auth/authenticator/token/bootstrap), or None."""
        if not self.bootstrap_tokens:
            return None
        match = re.fullmatch(r"([a-z0-9]{6})\.([a-z0-9]{16})", token)
        if not match:
            return None
        token_id, secret = match.groups()
        got = self.store.get("/registry/secrets/kube-system/bootstrap-token-" + token_id)
        if got is None:
            log("W", "bootstrap token %s: secret not found", token_id)
            return None
        obj = decode(*got)
        if obj.get("type") != "bootstrap.kubernetes.io/token":
            return None
        if obj.get("metadata", {}).get("deletionTimestamp"):
            return None
        data = {k: base64.b64decode(v).decode(errors="replace") for k, v in (obj.get("data") or {}).items()}
        if data.get("token-id", token_id) != token_id:
            return None
        if not hmac.compare_digest(data.get("token-secret", ""), secret):
            log("W", "bootstrap token %s: secret does not match", token_id)
            return None
        expiration = data.get("expiration")
        if expiration:
            when = am.parse_time(expiration)
            if when is None or when < time.time():
                log("W", "bootstrap token %s: expired", token_id)
                return None
        if data.get("usage-bootstrap-authentication") != "true":
            return None
        groups = ["system:bootstrappers"]
        for group in (data.get("auth-extra-groups") or "").split(","):
            group = group.strip()
            if not group:
                continue
            if not re.fullmatch(BOOTSTRAP_GROUP_RE, group):
                return None
            groups.append(group)
        return User("system:bootstrap:" + token_id, groups + ["system:authenticated"])

    # -------------------------------------------------------------- authorization

    def rbac_snapshot(self, max_age=1.0):
        stamp, snap = self._rbac_cache
        if snap is not None and time.monotonic() - stamp < max_age:
            return snap
        snap = {}
        for plural in ("clusterroles", "clusterrolebindings", "roles", "rolebindings"):
            res = self.builtin("rbac.authorization.k8s.io", plural)
            items, _ = self.store.range(res.prefix + "/")
            snap[plural] = [json.loads(raw) for _, raw, _ in items]
        self._rbac_cache = (time.monotonic(), snap)
        return snap

    def authorize(self, user, attrs):
        """(allowed, reason) like upstream's union of the Node and RBAC authorizers."""
        if "system:masters" in user.groups:
            return True, ""
        if not attrs.is_resource and attrs.verb == "get" and attrs.path in ar.PUBLIC_INFO_URLS:
            return True, ""
        if ("Node" in self.authz_modes and "system:nodes" in user.groups
                and user.name.startswith("system:node:")):
            if any(rule_allows(rule, attrs) for rule in ar.NODE_RULES):
                return True, ""
        if "AlwaysAllow" in self.authz_modes:
            return True, ""
        if "RBAC" not in self.authz_modes:
            return False, ""
        if self.rbac_allows(user, attrs, self.rbac_snapshot()):
            return True, ""
        # a binding written through another API server may be younger than the snapshot: look again
        if time.monotonic() - self._rbac_cache[0] > 0.1:
            return self.rbac_allows(user, attrs, self.rbac_snapshot(0.1)), ""
        return False, ""

    @staticmethod
    def rbac_allows(user, attrs, snap):
        roles = {r["metadata"]["name"]: r for r in snap["clusterroles"]}
        local_roles = {(r["metadata"].get("namespace"), r["metadata"]["name"]): r for r in snap["roles"]}
        for binding in snap["clusterrolebindings"]:
            if not any(subject_matches(s, user, "") for s in binding.get("subjects") or []):
                continue
            role = roles.get((binding.get("roleRef") or {}).get("name"))
            if role and any(rule_allows(rule, attrs) for rule in role.get("rules") or []):
                return True
        if attrs.namespace and attrs.is_resource:
            for binding in snap["rolebindings"]:
                meta = binding.get("metadata") or {}
                if meta.get("namespace") != attrs.namespace:
                    continue
                if not any(subject_matches(s, user, attrs.namespace) for s in binding.get("subjects") or []):
                    continue
                ref = binding.get("roleRef") or {}
                role = roles.get(ref.get("name")) if ref.get("kind") == "ClusterRole" else \
                    local_roles.get((attrs.namespace, ref.get("name")))
                if role and any(rule_allows(rule, attrs) for rule in role.get("rules") or []):
                    return True
        return False

    def require(self, user, attrs):
        allowed, reason = self.authorize(user, attrs)
        if getattr(self._request, "decision", None) is None:
            self._request.decision = "allow" if allowed else "forbid"
        if allowed:
            return
        message = attrs.forbidden_message(user) + ((": " + reason) if reason else "")
        if not attrs.is_resource:
            raise am.ApiStatus(403, "Forbidden", "forbidden: " + message, {})
        raise am.forbidden(attrs.resource, attrs.group, attrs.name, message)

    # -------------------------------------------------------------- storage primitives

    def read(self, res, namespace, name):
        got = self.store.get(res.key(namespace, name))
        return None if got is None else decode(*got)

    def list_objects(self, res, namespace=None):
        items, rev = self.store.range(res.key(namespace if res.namespaced else None))
        out = []
        for key, raw, mod in items:
            # the prefix of a cluster-wide list also matches longer resource names: check the depth
            rest = key[len(res.prefix) + 1:]
            if rest.count("/") != (1 if res.namespaced else 0):
                continue
            out.append(decode(raw, mod))
        return out, rev

    def namespace_exists(self, name):
        return self.store.get("/registry/namespaces/" + name) is not None

    # -------------------------------------------------------------- bootstrap (post-start hooks)

    def bootstrap(self):
        """System namespaces, default RBAC, priority classes, the kubernetes Service (upstream's
        post-start hooks and bootstrap controller); safe to run on several servers at once."""
        system = User("system:apiserver", ["system:masters"])
        ns = self.builtin("", "namespaces")
        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.ensure(ns, None, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}, system)
        for plural, obj in ar.default_rbac_objects():
            self.ensure(self.builtin("rbac.authorization.k8s.io", plural), None, obj, system)
        for name, value in (("system-node-critical", 2000001000), ("system-cluster-critical", 2000000000)):
            self.ensure(self.builtin("scheduling.k8s.io", "priorityclasses"), None, {
                "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
                "value": value, "description": "Used for system critical pods that must not be moved from their "
                "current node.", "preemptionPolicy": "PreemptLowerPriority"}, system)
        client_ca = self.flags.get("client-ca-file")
        if client_ca and os.path.exists(client_ca):
            with open(client_ca, encoding="utf-8") as handle:
                data = {"client-ca-file": handle.read()}
            self.ensure(self.builtin("", "configmaps"), "kube-system", {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "extension-apiserver-authentication", "namespace": "kube-system"},
                "data": data}, system)
        first_ip = str(next(self.service_ranges[0].hosts())) if self.service_ranges else None
        if first_ip:
            self.ensure(self.builtin("", "services"), "default", {
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "kubernetes", "namespace": "default",
                             "labels": {"component": "apiserver", "provider": "kubernetes"}},
                "spec": {"type": "ClusterIP", "clusterIP": first_ip, "ports": [
                    {"name": "https", "port": 443, "protocol": "TCP", "targetPort": self.port}]}}, system)
        self.reconcile_endpoints()
        self.bootstrapped.set()

    def reconcile_endpoints(self):
        if not self.advertise:
            return
        res = self.builtin("", "endpoints")
        system = User("system:apiserver", ["system:masters"])
        for _ in range(5):
            current = self.read(res, "default", "kubernetes")
            if current is None:
                try:
                    self.create(res, "default", {
                        "apiVersion": "v1", "kind": "Endpoints",
                        "metadata": {"name": "kubernetes", "namespace": "default",
                                     "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
                        "subsets": [{"addresses": [{"ip": self.advertise}],
                                     "ports": [{"name": "https", "port": self.port, "protocol": "TCP"}]}]},
                        system, {})
                    return
                except am.ApiStatus:
                    continue
            subsets = current.get("subsets") or [{"addresses": [], "ports": [
                {"name": "https", "port": self.port, "protocol": "TCP"}]}]
            addresses = subsets[0].setdefault("addresses", [])
            if any(a.get("ip") == self.advertise for a in addresses):
                return
            addresses.append({"ip": self.advertise})
            current["subsets"] = subsets
            try:
                self.update(res, "default", "kubernetes", lambda _old, new=current: new, system, {}, "")
                return
            except am.ApiStatus:
                continue

    def ensure(self, res, namespace, obj, user):
        try:
            self.create(res, namespace, obj, user, {})
        except am.ApiStatus as exc:
            if exc.code != 409:
                raise

    # -------------------------------------------------------------- write paths

    def manager_name(self, query, headers):
        manager = (query.get("fieldManager") or [""])[0]
        if manager:
            return manager
        agent = (headers.get("User-Agent") or "unknown").split("/")[0]
        return agent[:128] or "unknown"

    @staticmethod
    def touch_managed(obj, manager, operation, api_version, subresource=""):
        meta = obj.setdefault("metadata", {})
        entries = [e for e in meta.get("managedFields") or []
                   if not (e.get("manager") == manager and e.get("operation") == operation
                           and e.get("subresource", "") == subresource)]
        entry = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": am.now_rfc3339(),
                 "fieldsType": "FieldsV1", "fieldsV1": {}}
        if subresource:
            entry["subresource"] = subresource
        entries.append(entry)
        meta["managedFields"] = entries

    def check_body_identity(self, res, namespace, obj, name=None):
        if not isinstance(obj, dict):
            raise am.bad_request("the body of the request was in an unknown format - accepted media types "
                                 "include: application/json, application/yaml")
        api_version = obj.get("apiVersion")
        if api_version and api_version != res.group_version:
            raise am.bad_request("the API version in the data (%s) does not match the expected API version (%s)"
                                 % (api_version, res.group_version))
        if obj.get("kind") and obj.get("kind") != res.kind:
            raise am.bad_request("the kind in the data (%s) does not match the expected kind (%s)"
                                 % (obj["kind"], res.kind))
        obj["apiVersion"], obj["kind"] = res.group_version, res.kind
        meta = obj.get("metadata")
        if meta is None or not isinstance(meta, dict):
            meta = obj["metadata"] = {}
        if res.namespaced:
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise am.bad_request("the namespace of the provided object does not match the namespace sent on "
                                     "the request")
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if name is not None and meta.get("name") and meta["name"] != name:
            raise am.bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                 % (meta["name"], name))
        if name is not None:
            meta["name"] = name
        return obj

    def validate(self, res, obj):
        meta = obj["metadata"]
        name = meta.get("name") or ""
        causes = []
        if (res.group, res.plural) in ar.DNS_LABEL_NAMES:
            errs = am.dns1123_label_errors(name)
        elif (res.group, res.plural) in ar.DNS1035_NAMES:
            errs = am.dns1035_label_errors(name)
        elif (res.group, res.plural) in ar.PATH_SEGMENT_NAMES:
            errs = am.path_segment_errors(name)
        else:
            errs = am.dns1123_subdomain_errors(name)
        causes += [("metadata.name", name, e) for e in errs]
        for key, value in (meta.get("labels") or {}).items():
            causes += [("metadata.labels", key, e) for e in am.label_key_errors(key)]
            if not isinstance(value, str):
                raise am.bad_request("json: cannot unmarshal %s into Go struct field ObjectMeta.metadata.labels of "
                                     "type string" % type(value).__name__)
            causes += [("metadata.labels", value, e) for e in am.label_value_errors(value)]
        for key, value in (meta.get("annotations") or {}).items():
            if not isinstance(value, str):
                raise am.bad_request("json: cannot unmarshal %s into Go struct field ObjectMeta.metadata.annotations"
                                     " of type string" % type(value).__name__)
        causes += self.validate_kind(res, obj)
        if causes:
            raise am.invalid(res.kind, res.group, name, causes)

    def validate_kind(self, res, obj):
        causes = []
        if res.plural == "customresourcedefinitions":
            spec = obj.get("spec") or {}
            names = spec.get("names") or {}
            expected = "%s.%s" % (names.get("plural", ""), spec.get("group", ""))
            if obj["metadata"]["name"] != expected:
                causes.append(("metadata.name", obj["metadata"]["name"], 'must be spec.names.plural+"."+spec.group'))
            versions = spec.get("versions") or []
            if not versions:
                causes.append(("spec.versions", [], "must have exactly one version marked as storage version"))
            elif sum(1 for v in versions if v.get("storage")) != 1:
                causes.append(("spec.versions", [v.get("name") for v in versions],
                               "must have exactly one version marked as storage version"))
            if spec.get("scope") not in ("Namespaced", "Cluster"):
                causes.append(("spec.scope", spec.get("scope", ""), 'supported values: "Cluster", "Namespaced"'))
        elif res.group == "apps" and res.plural in ("deployments", "daemonsets", "statefulsets", "replicasets"):
            spec = obj.get("spec") or {}
            selector = spec.get("selector")
            labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
            if not selector:
                causes.append(("spec.selector", None, "Required value"))
            elif not am.selector_matches(selector, labels):
                causes.append(("spec.template.metadata.labels", labels,
                               "`selector` does not match template `labels`"))
        elif res.plural == "certificatesigningrequests":
            spec = obj.get("spec") or {}
            try:
                from cryptography import x509
                x509.load_pem_x509_csr(base64.b64decode(spec.get("request", "")))
            except Exception:  # noqa: BLE001 - any parse failure is an invalid request
                causes.append(("spec.request", "<request>", "PEM block type must be CERTIFICATE REQUEST"))
            if not spec.get("signerName"):
                causes.append(("spec.signerName", "", "Required value"))
        return causes

    def prepare(self, res, obj, old, user, subresource):
        """Per-kind defaulting and strategy (upstream PrepareForCreate/Update + defaults)."""
        kind = (res.group, res.plural)
        if kind == ("", "secrets"):
            string_data = obj.pop("stringData", None) or {}
            if string_data:
                data = obj.setdefault("data", {})
                for key, value in string_data.items():
                    data[key] = base64.b64encode(str(value).encode()).decode()
            obj.setdefault("type", "Opaque")
        elif kind == ("", "namespaces"):
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            obj.setdefault("status", {}).setdefault("phase", "Active")
            labels = obj["metadata"].setdefault("labels", {})
            labels["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
        elif kind == ("", "pods"):
            if old is None:
                status = obj.setdefault("status", {})
                status.setdefault("phase", "Pending")
            spec = obj.setdefault("spec", {})
            spec.setdefault("restartPolicy", "Always")
            spec.setdefault("dnsPolicy", "ClusterFirst")
            spec.setdefault("schedulerName", "default-scheduler")
            spec.setdefault("terminationGracePeriodSeconds", 30)
        elif kind == ("", "services"):
            self.prepare_service(obj, old)
        elif kind in (("apps", "deployments"), ("apps", "statefulsets"), ("apps", "replicasets")):
            obj.setdefault("spec", {}).setdefault("replicas", 1)
            obj["spec"].setdefault("revisionHistoryLimit", 10)
        elif kind == ("apps", "daemonsets"):
            spec = obj.setdefault("spec", {})
            spec.setdefault("revisionHistoryLimit", 10)
            spec.setdefault("updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {
                "maxSurge": 0, "maxUnavailable": 1}})
        elif kind == ("certificates.k8s.io", "certificatesigningrequests") and old is None:
            spec = obj.setdefault("spec", {})
            spec["username"] = user.name
            spec["groups"] = list(user.groups)
            if user.uid:
                spec["uid"] = user.uid
            else:
                spec.pop("uid", None)
            spec.pop("extra", None)
            if user.extra:
                spec["extra"] = user.extra
        elif kind == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self.prepare_crd(obj)

    def prepare_crd(self, obj):
        """Naming and establishing controllers of apiextensions-apiserver, done at write time."""
        spec = obj.setdefault("spec", {})
        names = spec.setdefault("names", {})
        names.setdefault("singular", (names.get("kind") or "").lower())
        names.setdefault("listKind", (names.get("kind") or "") + "List")
        spec.setdefault("conversion", {"strategy": "None"})
        status = obj.setdefault("status", {})
        now = am.now_rfc3339()
        conditions = {c.get("type"): c for c in status.get("conditions") or []}
        for ctype, reason, message in (("NamesAccepted", "NoConflicts", "no conflicts found"),
                                       ("Established", "InitialNamesAccepted",
                                        "the initial names have been accepted")):
            cond = conditions.get(ctype)
            if not cond or cond.get("status") != "True":
                conditions[ctype] = {"type": ctype, "status": "True", "lastTransitionTime": now,
                                     "reason": reason, "message": message}
        status["conditions"] = [conditions[k] for k in ("NamesAccepted", "Established")] + \
            [c for k, c in conditions.items() if k not in ("NamesAccepted", "Established")]
        status["acceptedNames"] = {k: v for k, v in names.items()}
        stored = list(status.get("storedVersions") or [])
        for ver in spec.get("versions") or []:
            if ver.get("storage") and ver.get("name") not in stored:
                stored.append(ver.get("name"))
        status["storedVersions"] = stored

    def prepare_service(self, obj, old):
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            if "targetPort" not in port and "port" in port:
                port["targetPort"] = port["port"]
        if spec["type"] == "ExternalName":
            return
        old_ip = ((old or {}).get("spec") or {}).get("clusterIP")
        if not spec.get("clusterIP") and old_ip:
            spec["clusterIP"] = old_ip
        if not spec.get("clusterIP") and self.service_ranges:
            used = set()
            for svc in self.list_objects(self.builtin("", "services"))[0]:
                used.update((svc.get("spec") or {}).get("clusterIPs") or [(svc.get("spec") or {}).get("clusterIP")])
            for ip in self.service_ranges[0].hosts():
                if str(ip) not in used and ip != next(self.service_ranges[0].hosts()):
                    spec["clusterIP"] = str(ip)
                    break
        if spec.get("clusterIP"):
            spec["clusterIPs"] = [spec["clusterIP"]]
            if spec["clusterIP"] != "None":
                family = "IPv6" if ":" in spec["clusterIP"] else "IPv4"
                spec.setdefault("ipFamilies", [family])
                spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        obj.setdefault("status", {}).setdefault("loadBalancer", {})

    def admit(self, res, obj, user, verb, namespace, name, old=None, subresource="", requested_name=None):
        """NamespaceLifecycle, the NodeRestriction subset and PodSecurity (seed_doubles/podsecurity.py);
        ``requested_name``: the name of a create as sent (empty with generateName)."""
        if verb == "create" and res.namespaced and res.plural not in ar.REVIEWS:
            if not self.namespace_exists(namespace):
                raise am.not_found("namespaces", "", namespace)
        self.admit_pod_security(res, obj, user, verb, namespace, name, old, subresource)
        if "system:nodes" in user.groups and user.name.startswith("system:node:"):
            node = user.name[len("system:node:"):]
            if res.group == "" and res.plural == "nodes" and name and name != node:
                raise am.forbidden("nodes", "", name, 'node "%s" is not allowed to modify node "%s"' % (node, name))
            if res.plural == "leases" and res.group == "coordination.k8s.io":
                if namespace != "kube-node-lease" or (name and name != node):
                    raise am.forbidden("leases", "coordination.k8s.io", name,
                                       "can only access node lease with the same name as the requesting node")
            if res.plural == "pods" and res.group == "" and verb == "create" and obj is not None:
                annotations = obj.get("metadata", {}).get("annotations") or {}
                if "kubernetes.io/config.mirror" not in annotations:
                    raise am.forbidden("pods", "", name, "pod does not have \"kubernetes.io/config.mirror\" "
                                       "annotation, node \"%s\" can only create mirror pods" % node)
                if (obj.get("spec") or {}).get("nodeName") != node:
                    raise am.forbidden("pods", "", name, 'node "%s" can only create pods with spec.nodeName set '
                                       'to itself' % node)
            if res.group == "certificates.k8s.io" and res.plural == "certificatesigningrequests" and verb == "create":
                self.admit_node_csr(node, obj, name if requested_name is None else requested_name)

    def admit_node_csr(self, node, obj, name):
        """NodeRestriction's admitCSR (plugin/pkg/admission/noderestriction/admission.go), when the plugin is
        enabled, from 1.31 unless AllowInsecureKubeletCertificateSigningRequests=true: a node may create
        a CSR for the kubelet-serving or kube-apiserver-client-kubelet signer only with its own CN."""
        spec = (obj or {}).get("spec") or {}
        if not self.node_csr_check or spec.get("signerName") not in NODE_CSR_SIGNERS:
            return
        try:
            pem = base64.b64decode(spec.get("request") or "")
        except ValueError:
            pem = b""
        request, why = parse_csr(pem)
        if request is None:
            raise am.forbidden("certificatesigningrequests", "certificates.k8s.io", name, "unable to parse csr: " + why)
        from cryptography.x509.oid import NameOID
        cns = request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if (cns[-1].value if cns else "") != "system:node:" + node:
            raise am.forbidden("certificatesigningrequests", "certificates.k8s.io", name,
                               "can only create a node CSR with CN=system:node:%s" % node)

    def admit_pod_security(self, res, obj, user, verb, namespace, name, old, subresource):
        if self.pod_security is None or obj is None or res.group != "" or res.plural != "pods":
            return
        if verb not in ("create", "update"):
            return
        ns = self.read(self.builtin("", "namespaces"), None, namespace) or {}
        labels = (ns.get("metadata") or {}).get("labels") or {}
        why = self.pod_security.check(obj, namespace, labels, user.name, old if verb == "update" else None, subresource)
        if why:
            raise am.forbidden("pods", "", name, why)

    def create(self, res, namespace, obj, user, query, dry_run=False, manager="unknown", operation="Update"):
        obj = self.check_body_identity(res, namespace, copy.deepcopy(obj))
        meta = obj["metadata"]
        requested_name = meta.get("name") or ""  # mutating admission runs before generateName is resolved
        if not meta.get("name"):
            if meta.get("generateName"):
                meta["name"] = meta["generateName"] + "".join(random.choice(GENERATE_CHARS) for _ in range(5))
            else:
                raise am.ApiStatus(422, "Invalid", '%s "" is invalid: metadata.name: Required value: name or '
                                   'generateName is required' % res.kind, {"kind": res.kind, "causes": [
                                       {"reason": "FieldValueRequired", "message": "Required value: name or "
                                        "generateName is required", "field": "metadata.name"}]})
        self.admit(res, obj, user, "create", namespace, meta["name"], requested_name=requested_name)
        for field in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
            meta.pop(field, None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = am.now_rfc3339()
        if res.generation:
            meta["generation"] = 1
        else:
            meta.pop("generation", None)
        if res.has_status and not res.keep_status_on_create:
            obj.pop("status", None)
        self.prepare(res, obj, None, user, "")
        self.validate(res, obj)
        self.touch_managed(obj, manager, operation, res.group_version)
        if dry_run:
            meta["resourceVersion"] = ""
            return obj
        rev = self.store.create(res.key(namespace, meta["name"]), encode(obj))
        if rev is None:
            raise am.already_exists(res.plural, res.group, meta["name"])
        self.invalidate(res)
        meta["resourceVersion"] = str(rev)
        return obj

    def update(self, res, namespace, name, mutate, user, query, subresource, manager="unknown", operation="Update",
               dry_run=False, create_missing=None):
        """Read-modify-write with optimistic concurrency; ``mutate(old) -> new`` may raise."""
        key = res.key(namespace, name)
        for attempt in range(20):
            got = self.store.get(key)
            if got is None:
                if create_missing is not None:
                    obj = create_missing()
                    return self.create(res, namespace, obj, user, query, dry_run, manager, operation), 201
                raise am.not_found(res.plural, res.group, name)
            old = decode(*got)
            new = mutate(copy.deepcopy(old))
            new = self.check_body_identity(res, namespace, new, name)
            pinned = (new.get("metadata") or {}).get("resourceVersion")
            if pinned and str(pinned) != old["metadata"]["resourceVersion"]:
                raise am.conflict(res.plural, res.group, name)
            merged = self.merge_update(res, old, new, subresource)
            self.admit(res, merged, user, "update", namespace, name, old, subresource)
            self.prepare(res, merged, old, user, subresource)
            self.validate(res, merged)
            if res.generation and spec_part(merged) != spec_part(old):
                merged["metadata"]["generation"] = int(old["metadata"].get("generation") or 1) + 1
            meta = merged["metadata"]
            if meta.get("deletionTimestamp") and not meta.get("finalizers"):
                if not dry_run:
                    if self.store.delete(key, old["metadata"]["resourceVersion"]) is None:
                        if pinned:
                            raise am.conflict(res.plural, res.group, name)
                        continue
                    self.invalidate(res)
                return merged, 200
            if strip_meta(merged) == strip_meta(old) and (
                    operation != "Apply" or self.has_manager(old, manager, operation, subresource)):
                return old, 200
            self.touch_managed(merged, manager, operation, res.group_version, subresource)
            if dry_run:
                return merged, 200
            rev = self.store.update(key, encode(merged), old["metadata"]["resourceVersion"])
            if rev is None:
                if pinned:
                    raise am.conflict(res.plural, res.group, name)
                time.sleep(0.01 * attempt)
                continue
            self.invalidate(res)
            merged["metadata"]["resourceVersion"] = str(rev)
            return merged, 200
        raise am.conflict(res.plural, res.group, name)

    @staticmethod
    def has_manager(obj, manager, operation, subresource):
        return any(e.get("manager") == manager and e.get("operation") == operation
                   and e.get("subresource", "") == subresource
                   for e in (obj.get("metadata") or {}).get("managedFields") or [])

    @staticmethod
    def merge_update(res, old, new, subresource):
        """Apply the strategy's field resets: immutable metadata, status vs main resource."""
        new_meta = new.setdefault("metadata", {})
        old_meta = old["metadata"]
        for field in ("uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds",
                      "namespace", "name"):
            if field in old_meta:
                new_meta[field] = old_meta[field]
            else:
                new_meta.pop(field, None)
        new_meta["managedFields"] = old_meta.get("managedFields") or []
        if subresource in ("status", "approval"):
            merged = copy.deepcopy(old)
            if subresource == "approval":
                status = merged.setdefault("status", {})
                status["conditions"] = (new.get("status") or {}).get("conditions") or []
            else:
                merged["status"] = new.get("status") or {}
            return merged
        if res.has_status:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        return new

    def delete(self, res, namespace, name, user, dry_run=False, options=None):
        key = res.key(namespace, name)
        for _ in range(20):
            got = self.store.get(key)
            if got is None:
                raise am.not_found(res.plural, res.group, name)
            old = decode(*got)
            pre = (options or {}).get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != old["metadata"].get("uid"):
                raise am.conflict(res.plural, res.group, name, "Precondition failed: UID in precondition: %s, UID "
                                  "in object meta: %s" % (pre["uid"], old["metadata"].get("uid")))
            if pre.get("resourceVersion") and pre["resourceVersion"] != old["metadata"]["resourceVersion"]:
                raise am.conflict(res.plural, res.group, name, "Precondition failed: ResourceVersion in "
                                  "precondition: %s, ResourceVersion in object meta: %s"
                                  % (pre["resourceVersion"], old["metadata"]["resourceVersion"]))
            if res.plural == "namespaces" and res.group == "" and name in ("default", "kube-system", "kube-public"):
                raise am.forbidden("namespaces", "", name, "this namespace may not be deleted")
            if old["metadata"].get("finalizers"):
                if not old["metadata"].get("deletionTimestamp"):
                    old["metadata"]["deletionTimestamp"] = am.now_rfc3339()
                    old["metadata"]["deletionGracePeriodSeconds"] = 0
                    if not dry_run:
                        rev = self.store.update(key, encode(old), old["metadata"]["resourceVersion"])
                        if rev is None:
                            continue
                        old["metadata"]["resourceVersion"] = str(rev)
                return old, 200
            if dry_run:
                return old, 200
            if self.store.delete(key, old["metadata"]["resourceVersion"]) is None:
                continue
            self.invalidate(res)
            if res.plural == "namespaces" and res.group == "":
                self.purge_namespace(name)
            if res.plural == "customresourcedefinitions":
                self.purge_crd(old)
            return old, 200
        raise am.conflict(res.plural, res.group, name)

    def purge_namespace(self, namespace):
        for resources in self.all_resources().values():
            for res in resources:
                if res.namespaced and res.plural not in ar.REVIEWS and res.verbs != ar.CREATE_ONLY:
                    items, _ = self.store.range(res.key(namespace))
                    for key, _, _ in items:
                        self.store.delete(key)

    def purge_crd(self, crd):
        spec = crd.get("spec") or {}
        prefix = "/registry/%s/%s/" % (spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))
        items, _ = self.store.range(prefix)
        for key, _, _ in items:
            self.store.delete(key)

    # -------------------------------------------------------------- request dispatch

    def handle(self, method, raw_path, headers, body, cert_subject, client_ip="", cert_der=None):
        url = urllib.parse.urlsplit(raw_path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        path = url.path.rstrip("/") or "/"
        self._request.decision = None
        event = None
        try:
            try:
                user = self.authenticate(cert_subject, headers, urllib.parse.unquote(url.path) or "/", cert_der)
            except am.ApiStatus as exc:
                self.audit_unauthenticated(method, path, query, raw_path, headers, client_ip, exc)
                raise
            if self.auditor is not None:
                event = self.audit_start(method, path, query, raw_path, headers, body, user, client_ip)
            code, payload, ctype = self.route(method, path, query, headers, body, user)
        except am.ApiStatus as exc:
            code, payload, ctype = exc.code, exc.body(), "application/json"
        except StoreError as exc:
            log("E", "storage error: %s", exc)
            status = am.ApiStatus(500, "InternalError", "Internal error occurred: %s" % exc,
                                  {"causes": [{"message": str(exc)}]})
            code, payload, ctype = 500, status.body(), "application/json"
        if event is not None:
            decision = self._request.decision
            if hasattr(payload, "__next__"):
                self.auditor.finish(event, code, None, "ResponseStarted", decision)
                payload = self.audit_stream(event, code, payload, decision)
            else:
                self.auditor.finish(event, code, payload if isinstance(payload, dict) else None,
                                    decision=decision)
        return code, payload, ctype

    # -------------------------------------------------------------- audit (seed_doubles/apiaudit.py)

    @staticmethod
    def request_info(method, path, query):
        """Upstream's RequestInfo (apiserver/pkg/endpoints/request/requestinfo.go) of a request, as
        the attributes the audit policy is evaluated on."""
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/") if p]
        info = {"is_resource": False, "verb": method.lower(), "path": path}
        if not parts or parts[0] not in ("api", "apis"):
            return info
        if parts[0] == "api":
            group, version, rest = "", parts[1] if len(parts) > 1 else "", parts[2:]
        else:
            group, version, rest = (parts[1] if len(parts) > 1 else ""), (parts[2] if len(parts) > 2 else ""), parts[3:]
        if not rest:
            return info
        namespace = ""
        if rest[0] == "namespaces" and len(rest) > 1:
            namespace = rest[1]
            if len(rest) > 2 and rest[2] not in ("status", "finalize"):
                rest = rest[2:]
        name = rest[1] if len(rest) > 1 else ""
        watch = (query.get("watch") or ["false"])[0] in ("true", "1")
        if method == "GET":
            verb = "watch" if watch else ("get" if name else "list")
        else:
            verb = {"POST": "create", "PUT": "update", "PATCH": "patch",
                    "DELETE": "delete" if name else "deletecollection"}.get(method, method.lower())
        info.update({"is_resource": True, "verb": verb, "group": group, "version": version, "resource": rest[0],
                     "subresource": rest[2] if len(rest) > 2 else "", "namespace": namespace, "name": name})
        return info

    def audit_start(self, method, path, query, raw_path, headers, body, user, client_ip):
        attrs = dict(self.request_info(method, path, query), user=user)
        event = self.auditor.start(attrs, raw_path, headers.get("User-Agent"), client_ip, headers.get("Audit-ID"))
        if event is not None and body and method in ("POST", "PUT", "PATCH", "DELETE"):
            try:
                obj = self.parse_body(body, headers)
            except am.ApiStatus:
                obj = None
            self.auditor.request_object(event, obj)
        return event

    def audit_unauthenticated(self, method, path, query, raw_path, headers, client_ip, exc):
        """A request refused by authentication: one event, empty user, at ResponseStarted."""
        if self.auditor is None:
            return
        attrs = dict(self.request_info(method, path, query), user=None)
        event = self.auditor.start(attrs, raw_path, headers.get("User-Agent"), client_ip, headers.get("Audit-ID"),
                                   emit=False)
        self.auditor.finish(event, exc.code, exc.body(), "ResponseStarted")

    def audit_stream(self, event, code, events, decision):
        try:
            for item in events:
                yield item
        finally:
            self.auditor.finish(event, code, None, decision=decision)

    def route(self, method, path, query, headers, body, user):
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/") if p]
        if path in ("/healthz", "/livez", "/readyz") or (parts and parts[0] in ("healthz", "livez", "readyz")):
            self.require(user, Attrs("get" if method == "GET" else method.lower(), path="/" + parts[0]))
            return self.health(parts, query)
        if path == "/version":
            self.require(user, Attrs("get", path="/version"))
            return 200, version_info(), "application/json"
        if not parts or parts[0] not in ("api", "apis"):
            self.require(user, Attrs(method.lower(), path=path))
            if parts and parts[0] == "openapi":
                return 404, b"404 page not found\n", "text/plain; charset=utf-8"
            return 404, b"404 page not found\n", "text/plain; charset=utf-8"
        # discovery
        if (parts[0] == "api" and len(parts) <= 2) or (parts[0] == "apis" and len(parts) <= 3):
            self.require(user, Attrs("get", path=path))
            if method != "GET":
                raise am.ApiStatus(405, "MethodNotAllowed", "the server does not allow this method on the "
                                   "requested resource")
            doc = self.discovery(parts)
            if doc is None:
                raise am.ApiStatus(404, "NotFound", "the server could not find the requested resource", {})
            return 200, doc, "application/json"
        if parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        else:
            group, version, rest = parts[1], parts[2], parts[3:]
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3 and not (len(rest) == 3 and rest[2] in ("status", "finalize")
                                                               and group == ""):
            namespace, rest = rest[1], rest[2:]
        plural = rest[0]
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else ""
        if len(rest) > 3:
            raise am.ApiStatus(404, "NotFound", "the server could not find the requested resource", {})
        res = self.find(group, version, plural)
        if res is None or (namespace is not None and not res.namespaced):
            raise am.ApiStatus(404, "NotFound", "the server could not find the requested resource", {})
        if plural == "namespaces" and group == "":
            namespace = None
        watch = (query.get("watch") or ["false"])[0] in ("true", "1")
        if method == "GET":
            verb = "watch" if watch else ("get" if name else "list")
        else:
            verb = {"POST": "create", "PUT": "update", "PATCH": "patch",
                    "DELETE": "delete" if name else "deletecollection"}.get(method)
        if verb is None:
            raise am.method_not_supported(res.plural, res.group, method)
        if sub and sub not in res.subresources:
            raise am.ApiStatus(404, "NotFound", "the server could not find the requested resource", {})
        attr_ns = namespace or (name if res.plural == "namespaces" and res.group == "" else "")
        if res.plural in ar.REVIEWS:
            attr_ns = namespace or ""
        self.require(user, Attrs(verb, None, group, plural, sub, attr_ns, name or ""))
        if res.plural in ar.REVIEWS:
            if method != "POST":
                raise am.method_not_supported(res.plural, res.group, method)
            return self.review(res, namespace, body, user)
        if res.verbs == ar.CREATE_ONLY and verb != "create":
            raise am.method_not_supported(res.plural, res.group, verb)
        if res.namespaced and namespace is None and verb not in ("list", "watch") and \
                not (plural == "namespaces" and group == ""):
            raise am.ApiStatus(404, "NotFound", "the server could not find the requested resource", {})
        dry_run = "All" in query.get("dryRun", [])
        manager = self.manager_name(query, headers)
        if verb in ("list", "watch"):
            return self.do_list(res, namespace, query, watch, name)
        if verb == "get":
            if sub in ("log", "exec", "attach", "portforward", "proxy"):
                raise am.bad_request("%s is not emulated by this API server" % sub)
            obj = self.read(res, namespace, name)
            if obj is None:
                raise am.not_found(res.plural, res.group, name)
            return 200, obj, "application/json"
        if verb == "create":
            obj = self.parse_body(body, headers)
            if sub == "eviction":
                return self.evict(res, namespace, name, user)
            if sub == "binding":
                target = (obj or {}).get("target") or {}

                def bind(old):
                    old.setdefault("spec", {})["nodeName"] = target.get("name")
                    return old
                self.update(res, namespace, name, bind, user, query, "", manager)
                return 201, am.status_success(), "application/json"
            if name:
                raise am.method_not_supported(res.plural, res.group, "create")
            if res.group == "" and plural == "bindings":
                target = (obj or {}).get("target") or {}
                pods = self.builtin("", "pods")

                def bind2(old):
                    old.setdefault("spec", {})["nodeName"] = target.get("name")
                    return old
                self.update(pods, namespace, (obj.get("metadata") or {}).get("name"), bind2, user, query, "",
                            manager)
                return 201, am.status_success(), "application/json"
            return 201, self.create(res, namespace, obj, user, query, dry_run, manager), "application/json"
        if verb == "update":
            obj = self.parse_body(body, headers)
            if sub == "approval":
                self.check_signer(user, obj, "approve")
            if sub == "status" and res.plural == "certificatesigningrequests" and \
                    (obj.get("status") or {}).get("certificate"):
                self.check_signer(user, obj, "sign")
            create = None
            if res.plural in ("endpoints", "leases") and not sub:
                create = lambda: obj  # noqa: E731 - upstream AllowCreateOnUpdate for these kinds
            result, code = self.update(res, namespace, name, lambda _old: copy.deepcopy(obj), user, query, sub,
                                       manager, "Update", dry_run, create)
            return code, result, "application/json"
        if verb == "patch":
            return self.patch(res, namespace, name, sub, query, headers, body, user, manager, dry_run)
        if verb == "delete":
            options = self.parse_body(body, headers) if body else {}
            obj, code = self.delete(res, namespace, name, user, dry_run, options)
            if obj.get("metadata", {}).get("deletionTimestamp") and obj["metadata"].get("finalizers"):
                return 200, obj, "application/json"
            if res.plural == "pods" or res.crd:
                return 200, obj, "application/json"
            return 200, am.status_success(name, res.group, res.plural, obj["metadata"].get("uid")), "application/json"
        if verb == "deletecollection":
            items = self.filter_items(res, self.list_objects(res, namespace)[0], query)
            for item in items:
                try:
                    self.delete(res, item["metadata"].get("namespace"), item["metadata"]["name"], user, dry_run)
                except am.ApiStatus:
                    pass
            return 200, am.status_success(), "application/json"
        raise am.method_not_supported(res.plural, res.group, method)

    @staticmethod
    def parse_body(body, headers):
        if not body:
            raise am.bad_request("the body of the request was empty")
        ctype = (headers.get("Content-Type") or "application/json").split(";")[0].strip()
        try:
            if ctype in ("application/yaml", "application/apply-patch+yaml"):
                return yaml.safe_load(body)
            return json.loads(body)
        except (ValueError, yaml.YAMLError) as exc:
            raise am.bad_request("the body of the request could not be decoded: %s" % exc) from exc

    def check_signer(self, user, obj, verb):
        signer = (obj.get("spec") or {}).get("signerName", "")
        attrs = Attrs(verb, None, "certificates.k8s.io", "signers", "", "", signer)
        if self.authorize(user, attrs)[0]:
            return
        domain = signer.split("/")[0] + "/*"
        if self.authorize(user, Attrs(verb, None, "certificates.k8s.io", "signers", "", "", domain))[0]:
            return
        raise am.forbidden("certificatesigningrequests", "certificates.k8s.io", (obj.get("metadata") or {})
                           .get("name", ""), 'user not permitted to %s requests with signerName "%s"'
                           % (verb, signer))

    def patch(self, res, namespace, name, sub, query, headers, body, user, manager, dry_run):
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype == "application/apply-patch+yaml":
            applied = self.parse_body(body, headers)
            if not (query.get("fieldManager") or [""])[0]:
                raise am.bad_request("PATCH request must have fieldManager for apply")
            if not isinstance(applied, dict):
                raise am.bad_request("error decoding YAML: expected a map")
            meta = applied.get("metadata") or {}
            if meta.get("name") and meta["name"] != name:
                raise am.bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                     % (meta["name"], name))
            merge = am.strategic_merge if not res.crd else am.merge_patch

            def mutate(old):
                new = merge(old, applied)
                return new

            def create_missing():
                obj = copy.deepcopy(applied)
                obj.setdefault("metadata", {})["name"] = name
                return obj
            result, code = self.update(res, namespace, name, mutate, user, query, sub, manager, "Apply", dry_run,
                                       create_missing if not sub else None)
            return code, result, "application/json"
        patch = self.parse_body(body, headers)
        if ctype == "application/json-patch+json":
            def mutate(old):
                return am.json_patch(old, patch)
        elif ctype == "application/merge-patch+json":
            def mutate(old):
                return am.merge_patch(old, patch)
        elif ctype == "application/strategic-merge-patch+json":
            if res.crd:
                raise am.ApiStatus(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                                   "accepted media types include: application/json-patch+json, "
                                   "application/merge-patch+json, application/apply-patch+yaml")

            def mutate(old):
                return am.strategic_merge(old, patch)
        else:
            raise am.ApiStatus(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                               "accepted media types include: application/json-patch+json, "
                               "application/merge-patch+json, application/apply-patch+yaml")
        if sub == "approval":
            current = self.read(res, namespace, name) or {}
            self.check_signer(user, current, "approve")
        result, code = self.update(res, namespace, name, mutate, user, query, sub, manager, "Update", dry_run)
        return code, result, "application/json"

    def evict(self, res, namespace, name, user):
        """pods/eviction as pkg/registry/core/pod/storage/eviction.go: a terminal, pending or deleting
        pod goes at once; otherwise the one PodDisruptionBudget selecting it must allow a disruption
        (429 when it does not or was not processed yet, 500 for more than one), which the eviction
        spends (status.disruptionsAllowed - 1, the pod in status.disruptedPods)."""
        pod = self.read(res, namespace, name)
        if pod is None:
            raise am.not_found("pods", "", name)
        phase = (pod.get("status") or {}).get("phase") or "Pending"  # the phase a pod is created with
        if phase not in ("Succeeded", "Failed", "Pending") and not (pod.get("metadata") or {}).get("deletionTimestamp"):
            self.spend_disruption(pod, namespace, name, user)
        self.delete(res, namespace, name, user)
        return 201, am.status_success(), "application/json"

    def spend_disruption(self, pod, namespace, name, user):
        pdb_res = self.builtin("policy", "poddisruptionbudgets")
        labels = (pod.get("metadata") or {}).get("labels") or {}
        budgets = [b for b in self.list_objects(pdb_res, namespace)[0]
                   if (b.get("spec") or {}).get("selector") is not None
                   and am.selector_matches(b["spec"]["selector"], labels)]
        if not budgets:
            return
        if len(budgets) > 1:
            raise am.ApiStatus(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the "
                               "eviction subresource does not support.")
        budget = budgets[0]
        bname = budget["metadata"]["name"]
        status = budget.get("status") or {}
        violate = "Cannot evict pod as it would violate the pod's disruption budget."
        if status.get("observedGeneration", 0) < budget["metadata"].get("generation", 1):
            raise am.ApiStatus(429, "TooManyRequests", violate, {"causes": [{
                "reason": "DisruptionBudget",
                "message": "The disruption budget %s is still being processed by the server." % bname}]})
        allowed = int(status.get("disruptionsAllowed", 0))
        if allowed < 0:
            raise am.forbidden("poddisruptionbudgets", "policy", bname, "pdb disruptions allowed is negative")
        if allowed == 0:
            raise am.ApiStatus(429, "TooManyRequests", violate, {"causes": [{
                "reason": "DisruptionBudget",
                "message": "The disruption budget %s needs %d healthy pods and has %d currently"
                           % (bname, int(status.get("desiredHealthy", 0)), int(status.get("currentHealthy", 0)))}]})

        def spend(old):
            new = copy.deepcopy(old)
            st = new.setdefault("status", {})
            st["disruptionsAllowed"] = int(st.get("disruptionsAllowed", 0)) - 1
            st.setdefault("disruptedPods", {})[name] = am.now_rfc3339()
            return new
        self.update(pdb_res, namespace, bname, spend, user, {}, "status")

    def review(self, res, namespace, body, user):
        obj = self.parse_body(body, {"Content-Type": "application/json"})
        obj = copy.deepcopy(obj or {})
        spec = obj.get("spec") or {}
        if res.plural == "selfsubjectreviews":
            obj["status"] = {"userInfo": user.info()}
            obj.setdefault("metadata", {})["creationTimestamp"] = None
            return 201, obj, "application/json"
        if res.plural == "selfsubjectaccessreviews":
            subject = user
        else:
            subject = User(spec.get("user", ""), spec.get("groups") or [], spec.get("uid", ""))
        if spec.get("resourceAttributes"):
            ra = spec["resourceAttributes"]
            ns = namespace if res.plural == "localsubjectaccessreviews" else ra.get("namespace", "")
            attrs = Attrs(ra.get("verb", ""), None, ra.get("group", ""), ra.get("resource", ""),
                          ra.get("subresource", ""), ns or "", ra.get("name", ""))
        elif spec.get("nonResourceAttributes"):
            nra = spec["nonResourceAttributes"]
            attrs = Attrs(nra.get("verb", ""), path=nra.get("path", ""))
        else:
            raise am.invalid(res.kind, res.group, "", [("spec.resourceAttributes", None,
                                                        "exactly one of nonResourceAttributes or "
                                                        "resourceAttributes must be specified")])
        allowed, reason = self.authorize(subject, attrs)
        obj["status"] = {"allowed": allowed}
        if reason:
            obj["status"]["reason"] = reason
        obj.setdefault("metadata", {})["creationTimestamp"] = None
        return 201, obj, "application/json"

    def filter_items(self, res, items, query):
        try:
            labels = am.parse_label_selector((query.get("labelSelector") or [""])[0])
            fields = am.parse_field_selector((query.get("fieldSelector") or [""])[0])
        except am.SelectorError as exc:
            raise am.bad_request(str(exc)) from exc
        return [i for i in items if am.match_labels(labels, i["metadata"].get("labels"))
                and am.match_fields(fields, i)]

    def do_list(self, res, namespace, query, watch, name=None):
        if watch:
            return self.watch(res, namespace, query, name)
        items, rev = self.list_objects(res, namespace)
        items = self.filter_items(res, items, query)
        if not res.crd:
            for item in items:
                item.pop("kind", None)
                item.pop("apiVersion", None)
        return 200, {"kind": res.list_kind, "apiVersion": res.group_version,
                     "metadata": {"resourceVersion": str(rev)}, "items": items}, "application/json"

    def watch(self, res, namespace, query, name=None):
        """A watch answered by polling the store: ADDED/MODIFIED/DELETED events as JSON lines."""
        since = (query.get("resourceVersion") or [""])[0]
        timeout = float((query.get("timeoutSeconds") or ["300"])[0] or 300)
        if name:
            query = dict(query, fieldSelector=["metadata.name=" + name])

        def events():
            deadline = time.monotonic() + timeout
            seen = {}
            first = True
            while time.monotonic() < deadline:
                items, _ = self.list_objects(res, namespace)
                items = self.filter_items(res, items, query)
                current = {(i["metadata"].get("namespace"), i["metadata"]["name"]): i for i in items}
                for key, obj in current.items():
                    rv = obj["metadata"]["resourceVersion"]
                    if key not in seen:
                        if first and since not in ("", "0") and int(rv) <= int(since):
                            pass
                        else:
                            yield {"type": "ADDED", "object": obj}
                    elif seen[key]["metadata"]["resourceVersion"] != rv:
                        yield {"type": "MODIFIED", "object": obj}
                for key, obj in seen.items():
                    if key not in current:
                        yield {"type": "DELETED", "object": obj}
                seen = current
                first = False
                time.sleep(self.min_watch_poll)
        return 200, events(), "application/json"

    def etcd_check(self, kind):
        """(ok, reason) of the rate-limited etcd check ``kind`` ("health" or "ready")."""
        state = self._etcd_checks[kind]
        with state["lock"]:
            now = time.monotonic()
            if state["result"] is not None and now - state["sent"] < state["every"]:
                return state["result"]
            state["sent"] = now
        result = self.store.health()
        with state["lock"]:
            state["result"] = result
        return result

    def health(self, parts, query):
        check = parts[0]
        verbose = "verbose" in query
        excluded = set(query.get("exclude", []))
        ok, reason = self.etcd_check("health")
        checks = [("ping", True), ("log", True), ("etcd", ok)]
        if check == "readyz":
            ready, ready_reason = self.etcd_check("ready")
            checks.append(("etcd-readiness", ready))
            reason = reason if not ok else ready_reason
            checks.append(("informer-sync", True))
        if check in ("readyz", "healthz"):
            checks.append(("poststarthook/rbac/bootstrap-roles", self.bootstrapped.is_set()))
            checks.append(("poststarthook/scheduling/bootstrap-system-priority-classes", self.bootstrapped.is_set()))
            checks.append(("poststarthook/bootstrap-controller", self.bootstrapped.is_set()))
        if check == "readyz":
            checks.append(("shutdown", True))
        if len(parts) > 1:
            wanted = "/".join(parts[1:])
            checks = [c for c in checks if c[0] == wanted]
            if not checks:
                return 404, b"404 page not found\n", "text/plain; charset=utf-8"
        checks = [c for c in checks if c[0] not in excluded]
        failed = [c for c, good in checks if not good]
        if not failed and not verbose:
            return 200, b"ok", "text/plain; charset=utf-8"
        lines = []
        for cname, good in checks:
            lines.append("[+]%s ok" % cname if good else "[-]%s failed: reason withheld" % cname)
        for name in sorted(excluded):
            lines.append("[+]%s excluded: ok" % name)
        if failed:
            log("W", "%s check failed: %s (%s)", check, ",".join(failed), reason)
            lines.append("%s check failed" % check)
            return 500, ("\n".join(lines) + "\n").encode(), "text/plain; charset=utf-8"
        lines.append("%s check passed" % check)
        return 200, ("\n".join(lines) + "\n").encode(), "text/plain; charset=utf-8"


# ------------------------------------------------------------------ HTTP(S)

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-apiserver"
    sys_version = ""
    # Kept-alive connections idle this long are closed, as upstream's secure serving does
    # (k8s.io/apiserver pkg/server/secure_serving.go: http.Server IdleTimeout 90 s).
    timeout = 90

    def log_message(self, fmt, *args):  # quiet: the server logs its own lines
        if VERBOSITY >= 4:
            log("I", "%s %s", self.address_string(), fmt % args)

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        subject = der = None
        try:
            cert = self.connection.getpeercert()
            if cert:
                subject = cert.get("subject", ())
                der = self.connection.getpeercert(binary_form=True)
        except (AttributeError, ValueError):
            subject = der = None
        code, payload, ctype = self.server.app.handle(self.command, self.path, self.headers, body, subject,
                                                      self.client_address[0], der)
        if VERBOSITY >= 2 or code >= 400 and code != 404:
            log("I", "%s %s %s -> %d", self.command, self.path, self.client_address[0], code)
        if hasattr(payload, "__next__"):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for event in payload:
                    data = json.dumps(event).encode() + b"\n"
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                self.close_connection = True
            return
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, app, context):
        self.app = app
        self.context = context
        host = address[0]
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__(address, Handler)

    def server_bind(self):
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            if VERBOSITY >= 2:
                log("I", "http: TLS handshake error from %s: %s", client_address[0], exc)
            return
        tls.settimeout(None)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def server_context(cert_file, key_file, client_ca=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_file, key_file)
    if client_ca:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx


def self_signed(cert_dir, host):
    """Certificate and key files for --cert-dir when no --tls-cert-file is given (as upstream)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    os.makedirs(cert_dir, exist_ok=True)
    crt, key_path = os.path.join(cert_dir, "apiserver.crt"), os.path.join(cert_dir, "apiserver.key")
    if os.path.exists(crt) and os.path.exists(key_path):
        return crt, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "%s@%d" % (host, int(time.time())))])
    now = datetime.datetime.now(datetime.timezone.utc)
    sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False).sign(key, hashes.SHA256()))
    with open(crt, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return crt, key_path


def start(app, bind, port, context):
    """Serve ``app`` in a daemon thread; returns the server (``server.server_address``)."""
    server = TLSServer((bind, port), app, context)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="apiserver",
                              daemon=True)
    thread.start()
    return server


USAGE = """The Kubernetes API server validates and configures data
for the api objects which include pods, services, replicationcontrollers, and
others. The API Server services REST operations and provides the frontend to the
cluster's shared state through which all other components interact.

Usage:
  kube-apiserver [flags]
"""


# Files the double reads from its flags; a missing one stops it at start.
READ_FILE_FLAGS = ("tls-cert-file", "tls-private-key-file", "client-ca-file", "etcd-cafile", "etcd-certfile",
                   "etcd-keyfile")
# Files the double does not read but the real server loads at start: checked (present, and inside a
# volume mount) only when run as a static pod, where kubeadm has written them.
POD_FILE_FLAGS = ("service-account-key-file", "service-account-signing-key-file", "kubelet-client-certificate",
                  "kubelet-client-key", "kubelet-certificate-authority", "proxy-client-cert-file",
                  "proxy-client-key-file", "requestheader-client-ca-file")


def startup_failed(exc):
    """Report a start-up failure as component-base/cli/run.go does; returns the exit code."""
    if exc.stage == "flags":
        sys.stderr.write("Error: %s\n" % exc.message)
    elif exc.stage == "fatal":
        log("F", "%s", exc.message)
    else:
        log("E", '"command failed" err=%s', cfg.go_quote(exc.message))
    return exc.exit_code


def main(argv):
    global VERBOSITY
    try:
        flags, _ = am.parse_flags(argv, KNOWN_FLAGS, BOOL_FLAGS)
    except am.FlagError as exc:
        sys.stderr.write("Error: %s\n%s" % (exc, USAGE))
        return 1
    if am.flag_bool(flags, "help", False):
        sys.stdout.write(USAGE)
        return 0
    if "version" in flags and flags["version"].lower() not in ("false", "0"):
        sys.stdout.write("Kubernetes %s\n" % component_version())
        return 0
    try:
        VERBOSITY = int(flags.get("v", "0"))
    except ValueError:
        sys.stderr.write('Error: invalid argument "%s" for "-v, --v" flag\n' % flags["v"])
        return 1
    try:  # --feature-gates is parsed with the command line, before logging starts
        cfg.feature_gates(flags.get("feature-gates"), cfg.component_minor())
    except cfg.ConfigError as exc:
        return startup_failed(exc)
    if not flags.get("etcd-servers"):
        sys.stderr.write("Error: [--etcd-servers must be specified]\n")
        return 1
    # Run as a static pod, the container sees its image and its volume mounts only (seed_doubles/pods.py).
    mounts = cfg.PodMounts.from_env()
    checked = READ_FILE_FLAGS + (POD_FILE_FLAGS if mounts is not None else ())
    for name in checked:
        path = flags.get(name)
        if path and (not os.path.exists(path) or (mounts is not None and not mounts.visible(path))):
            sys.stderr.write("Error: %s: open %s: no such file or directory\n" % (name, path))
            return 1
    log("I", "Version: %s", component_version())
    store = EtcdStore(flags["etcd-servers"], flags.get("etcd-cafile"), flags.get("etcd-certfile"),
                      flags.get("etcd-keyfile"))
    try:
        app = ApiServer(store, flags, mounts)
    except cfg.ConfigError as exc:
        return startup_failed(exc)
    cert, key = flags.get("tls-cert-file"), flags.get("tls-private-key-file")
    if not cert or not key:
        cert, key = self_signed(flags.get("cert-dir") or os.path.join(tempfile.gettempdir(), "apiserver-certs"),
                                socket.gethostname())
    context = server_context(cert, key, flags.get("client-ca-file"))
    bind = flags.get("bind-address") or "0.0.0.0"
    port = int(flags.get("secure-port", "6443"))
    try:
        server = start(app, bind, port, context)
    except OSError as exc:
        log("E", "failed to listen on %s:%d: %s", bind, port, exc)
        return 1
    log("I", "Serving securely on %s:%d", bind, port)

    def bootstrap_loop():
        delay = 0.5
        while True:
            try:
                app.bootstrap()
                log("I", "post-start hooks completed (namespaces, default RBAC, priority classes, "
                    "kubernetes service)")
                break
            except (StoreError, am.ApiStatus) as exc:
                log("W", "waiting for storage: %s", exc)
                time.sleep(delay)
                delay = min(delay * 2, 5)
        while True:
            time.sleep(10)
            try:
                app.reconcile_endpoints()
            except (StoreError, am.ApiStatus) as exc:
                log("W", "endpoint reconciler: %s", exc)

    threading.Thread(target=bootstrap_loop, name="bootstrap", daemon=True).start()
    stop = threading.Event()

    def on_signal(signum, _frame):
        log("I", "received signal %d, shutting down", signum)
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop.is_set():
        stop.wait(1)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
