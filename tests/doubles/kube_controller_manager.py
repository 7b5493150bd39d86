#!/usr/bin/python3
"""kube-controller-manager stand-in (TEST DOUBLE): a few of upstream's controllers, nothing else.

Runs, as the user of --kubeconfig, every 1 s while it holds the kube-system/kube-controller-manager
Lease (--leader-elect, default true; client-go leader election semantics):
- csrapproving (pkg/controller/certificates/approver/sarapprove.go): approves kubelet client CSRs
  (signerName kubernetes.io/kube-apiserver-client-kubelet, O=system:nodes, CN=system:node:<name>,
  no SANs, client usages) when a SubjectAccessReview says the requester may create
  certificatesigningrequests/selfnodeclient (CN equals the requester) or .../nodeclient;
- csrsigning (pkg/controller/certificates/signer): signs approved CSRs of the kube-apiserver-client,
  kube-apiserver-client-kubelet, kubelet-serving and legacy-unknown signers with
  --cluster-signing-cert-file/--cluster-signing-key-file (or the per-signer flags), for
  --cluster-signing-duration (default 8760h) or spec.expirationSeconds (at least 600 s), capped at
  the CA's expiry, backdated 5 minutes; an approved request its signer refuses gets a Failed
  condition (reason SignerValidationFailure, upstream's message) and no certificate: kubelet-serving
  and kube-apiserver-client-kubelet requests that fail ValidateKubeletServingCSR /
  ValidateKubeletClientCSR (pkg/apis/certificates/helpers.go: O exactly system:nodes, CN prefix
  system:node:, serving: a DNS or IP SAN and no email or URI SAN, client: no SAN at all, the usages
  exactly one of the signer's two sets), kube-apiserver-client requests without "client auth" or
  with a usage other than "digital signature", "key encipherment", "client auth";
- bootstrapsigner and tokencleaner (pkg/controller/bootstrap): detached JWS signatures of
  kube-public/cluster-info for bootstrap tokens with usage-bootstrap-signing, deletion of expired
  bootstrap-token Secrets;
- root-ca-cert-publisher: ConfigMap kube-root-ca.crt (--root-ca-file) in every namespace;
- workload status, without pods: DaemonSet status counts the Ready nodes that match the pod
  template's nodeSelector / required node affinity and whose NoSchedule/NoExecute taints the pod
  tolerates (with the tolerations the DaemonSet controller adds), all of them ready, available and
  updated; Deployment and StatefulSet status report all replicas ready when at least one such node
  exists, none otherwise; observedGeneration = generation;
- job, without pods: a Job gets succeeded=1 and the SuccessCriteriaMet and Complete conditions as soon as
  a Ready node its Pod template fits (tolerations, node selector) exists, active=1 otherwise; the
  ttl-after-finished controller deletes it spec.ttlSecondsAfterFinished after completionTime;
- node lifecycle (pkg/controller/nodelifecycle): a node whose last heartbeat (Ready condition
  lastHeartbeatTime or its kube-node-lease Lease renewTime) is older than
  --node-monitor-grace-period (default 40s) gets Ready/MemoryPressure/DiskPressure/PIDPressure
  Unknown; not-ready / unreachable NoSchedule and NoExecute taints follow the Ready condition.

Does NOT run any other controller: no pods, ReplicaSets or ControllerRevisions are created, nothing
is scheduled or evicted, no garbage collection, namespace deletion, service account tokens,
endpoints, node IPAM (--allocate-node-cidrs is accepted and ignored), PV binding or cloud provider.
Serves HTTPS /healthz, /livez, /readyz on --bind-address:--secure-port (default 10257).
"""

import base64
import copy
import datetime
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time

from seed_doubles import apimachinery as am
from seed_doubles import component
from seed_doubles.kube import ApiError, Client

_FLAGS = """
allocate-node-cidrs attach-detach-reconcile-sync-period cidr-allocator-type cloud-config cloud-provider
cluster-cidr cluster-name cluster-signing-cert-file cluster-signing-duration cluster-signing-key-file
cluster-signing-kube-apiserver-client-cert-file cluster-signing-kube-apiserver-client-key-file
cluster-signing-kubelet-client-cert-file cluster-signing-kubelet-client-key-file
cluster-signing-kubelet-serving-cert-file cluster-signing-kubelet-serving-key-file
cluster-signing-legacy-unknown-cert-file cluster-signing-legacy-unknown-key-file concurrent-cron-job-syncs
concurrent-deployment-syncs concurrent-endpoint-syncs concurrent-ephemeralvolume-syncs concurrent-gc-syncs
concurrent-horizontal-pod-autoscaler-syncs concurrent-job-syncs concurrent-namespace-syncs
concurrent-rc-syncs concurrent-replicaset-syncs concurrent-resource-quota-syncs concurrent-service-endpoint-syncs
concurrent-service-syncs concurrent-serviceaccount-token-syncs concurrent-statefulset-syncs
concurrent-ttl-after-finished-syncs concurrent-validating-admission-policy-status-syncs
concurrent-daemonset-syncs concurrent-job-syncs concurrent-pod-gc-syncs
configure-cloud-routes controller-start-interval controllers disable-attach-detach-reconcile-sync
disable-force-detach-on-timeout enable-dynamic-provisioning enable-garbage-collector enable-hostpath-provisioner
enable-leader-migration endpoint-updates-batch-period endpointslice-updates-batch-period
external-cloud-volume-plugin flex-volume-plugin-dir horizontal-pod-autoscaler-cpu-initialization-period
horizontal-pod-autoscaler-downscale-stabilization horizontal-pod-autoscaler-initial-readiness-delay
horizontal-pod-autoscaler-sync-period horizontal-pod-autoscaler-tolerance large-cluster-size-threshold
leader-migration-config legacy-service-account-token-clean-up-period max-endpoints-per-slice
min-resync-period mirroring-concurrent-service-endpoint-syncs mirroring-endpointslice-updates-batch-period
mirroring-max-endpoints-per-subset namespace-sync-period node-cidr-mask-size node-cidr-mask-size-ipv4
node-cidr-mask-size-ipv6 node-eviction-rate node-monitor-grace-period node-monitor-period
node-startup-grace-period persistent-volume-binder-sync-period pv-recycler-increment-timeout-nfs
pv-recycler-minimum-timeout-hostpath pv-recycler-minimum-timeout-nfs pv-recycler-pod-template-filepath-hostpath
pv-recycler-pod-template-filepath-nfs pv-recycler-timeout-increment-hostpath pvclaimbinder-sync-period
resource-quota-sync-period root-ca-file route-reconciliation-period secondary-node-eviction-rate
service-account-private-key-file service-cluster-ip-range terminated-pod-gc-threshold
unhealthy-zone-threshold use-service-account-credentials volume-host-allow-local-loopback
volume-host-cidr-denylist
"""
KNOWN_FLAGS = component.COMMON_FLAGS | frozenset(_FLAGS.split())
BOOL_FLAGS = component.COMMON_BOOLS | frozenset("""
allocate-node-cidrs configure-cloud-routes disable-attach-detach-reconcile-sync disable-force-detach-on-timeout
enable-dynamic-provisioning enable-garbage-collector enable-hostpath-provisioner enable-leader-migration
use-service-account-credentials volume-host-allow-local-loopback
""".split())

USAGE = """The Kubernetes controller manager is a daemon that embeds
the core control loops shipped with Kubernetes.

Usage:
  kube-controller-manager [flags]
"""

KUBELET_CLIENT = "kubernetes.io/kube-apiserver-client-kubelet"
SIGNERS = {
    "kubernetes.io/kube-apiserver-client": "kube-apiserver-client",
    KUBELET_CLIENT: "kubelet-client",
    "kubernetes.io/kubelet-serving": "kubelet-serving",
    "kubernetes.io/legacy-unknown": "legacy-unknown",
}
CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
# Tolerations the DaemonSet controller adds to every daemon pod (pkg/controller/daemon/util).
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]
NODE_CONDITIONS_UNKNOWN = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws_detached(content, token_id, token_secret):
    """Detached compact JWS, HS256 keyed with the token secret, kid = token id
    (k8s.io/cluster-bootstrap/token/jws ComputeDetachedSignature)."""
    header = b64url(json.dumps({"alg": "HS256", "kid": token_id}, separators=(",", ":")).encode())
    payload = b64url(content.encode())
    signature = hmac.new(token_secret.encode(), ("%s.%s" % (header, payload)).encode(), hashlib.sha256).digest()
    return "%s..%s" % (header, b64url(signature))


def tolerates(tolerations, taint):
    for tol in tolerations:
        if tol.get("effect") and tol.get("effect") != taint.get("effect"):
            continue
        operator = tol.get("operator") or "Equal"
        if not tol.get("key") and operator == "Exists":
            return True
        if tol.get("key") != taint.get("key"):
            continue
        if operator == "Exists" or tol.get("value", "") == taint.get("value", ""):
            return True
    return False


def node_matches_term(term, node):
    labels = node.get("metadata", {}).get("labels") or {}
    for expr in term.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        value = labels.get(key)
        if op == "In" and value not in values:
            return False
        if op == "NotIn" and value in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
        if op in ("Gt", "Lt"):
            try:
                if (op == "Gt") != (int(value) > int(values[0])) or int(value) == int(values[0]):
                    return False
            except (TypeError, ValueError, IndexError):
                return False
    for field in term.get("matchFields") or []:
        name = node.get("metadata", {}).get("name")
        if field.get("key") == "metadata.name":
            if field.get("operator") == "In" and name not in (field.get("values") or []):
                return False
            if field.get("operator") == "NotIn" and name in (field.get("values") or []):
                return False
    return True


def pod_fits_node(pod_spec, node, extra_tolerations=()):
    """Node selector, required node affinity and NoSchedule/NoExecute taints of a pod template."""
    labels = node.get("metadata", {}).get("labels") or {}
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms") or []
    if terms and not any(node_matches_term(t, node) for t in terms):
        return False
    tolerations = list(pod_spec.get("tolerations") or []) + list(extra_tolerations)
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, taint):
            return False
    return True


def node_ready(node):
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def template_hash(obj):
    spec = json.dumps((obj.get("spec") or {}).get("template") or {}, sort_keys=True).encode()
    digest = hashlib.sha256(spec).hexdigest()
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    number = int(digest[:16], 16)
    out = ""
    for _ in range(10):
        out += alphabet[number % len(alphabet)]
        number //= len(alphabet)
    return out


def same_status(old, new):
    """Status equality ignoring condition timestamps."""
    def strip(status):
        status = json.loads(json.dumps(status or {}))
        for cond in status.get("conditions") or []:
            for field in ("lastTransitionTime", "lastUpdateTime", "lastHeartbeatTime", "lastProbeTime"):
                cond.pop(field, None)
        return status
    return strip(old) == strip(new)


class Signer:
    """One CA able to sign CSRs (pkg/controller/certificates/authority)."""

    def __init__(self, cert_file, key_file):
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        with open(cert_file, "rb") as handle:
            self.cert = x509.load_pem_x509_certificate(handle.read())
        with open(key_file, "rb") as handle:
            self.key = serialization.load_pem_private_key(handle.read(), password=None)

    def sign(self, csr_pem, usages, duration):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.x509.oid import ExtendedKeyUsageOID
        request = x509.load_pem_x509_csr(csr_pem)
        now = datetime.datetime.now(datetime.timezone.utc)
        not_before = now - datetime.timedelta(minutes=5)
        not_after = now + datetime.timedelta(seconds=duration)
        ca_after = self.cert.not_valid_after_utc if hasattr(self.cert, "not_valid_after_utc") else \
            self.cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
        not_after = min(not_after, ca_after)
        builder = (x509.CertificateBuilder().subject_name(request.subject).issuer_name(self.cert.subject)
                   .public_key(request.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(not_before).not_valid_after(not_after)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
        key_usage = dict(digital_signature=False, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                         encipher_only=False, decipher_only=False)
        ext = []
        for usage in usages:
            if usage == "digital signature":
                key_usage["digital_signature"] = True
            elif usage == "key encipherment":
                key_usage["key_encipherment"] = True
            elif usage == "client auth":
                ext.append(ExtendedKeyUsageOID.CLIENT_AUTH)
            elif usage == "server auth":
                ext.append(ExtendedKeyUsageOID.SERVER_AUTH)
        if any(key_usage.values()):
            builder = builder.add_extension(x509.KeyUsage(**key_usage), critical=True)
        if ext:
            builder = builder.add_extension(x509.ExtendedKeyUsage(ext), critical=False)
        try:
            ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                                            critical=False)
        except x509.ExtensionNotFound:
            pass
        try:
            sans = request.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            builder = builder.add_extension(sans, critical=False)
        except x509.ExtensionNotFound:
            pass
        cert = builder.sign(self.key, hashes.SHA256())
        return cert.public_bytes(serialization.Encoding.PEM)


# pkg/apis/certificates/helpers.go: the error texts of ValidateKubeletServingCSR / ValidateKubeletClientCSR
ORGANIZATION_NOT_SYSTEM_NODES = "subject organization is not system:nodes"
COMMON_NAME_NOT_SYSTEM_NODE = "subject common name does not begin with system:node:"
# both usage sets of each signer are accepted since 1.25 (kubernetes#111061); sets.String.List() is sorted
KUBELET_SERVING_USAGES = ({"digital signature", "key encipherment", "server auth"}, {"digital signature", "server auth"})
KUBELET_CLIENT_USAGES = ({"digital signature", "key encipherment", "client auth"}, {"digital signature", "client auth"})


def _go_list(values):
    """fmt's %v of a sorted []string: [a b c]."""
    return "[%s]" % " ".join(sorted(values))


def _request_names(request):
    """(organizations, common name, DNS names, emails, IPs, URIs) of a CSR as Go's
    x509.ParseCertificateRequest fills them (pkix.Name: every O in order, the last CN)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    orgs = [a.value for a in request.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    cns = [a.value for a in request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    try:
        sans = request.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        sans = x509.SubjectAlternativeName([])
    return (orgs, cns[-1] if cns else "", sans.get_values_for_type(x509.DNSName),
            sans.get_values_for_type(x509.RFC822Name), sans.get_values_for_type(x509.IPAddress),
            sans.get_values_for_type(x509.UniformResourceIdentifier))


def kubelet_serving_error(request, usages):
    """ValidateKubeletServingCSR (pkg/apis/certificates/helpers.go): the first reason a CSR is not a
    valid kubernetes.io/kubelet-serving request, or None."""
    orgs, cn, dns, emails, ips, uris = _request_names(request)
    if orgs != ["system:nodes"]:
        return ORGANIZATION_NOT_SYSTEM_NODES
    if not dns and not ips:  # at least one of dnsNames or ipAddresses must be specified
        return "DNS or IP subjectAltName is required"
    if emails:
        return "Email subjectAltNames are not allowed"
    if uris:
        return "URI subjectAltNames are not allowed"
    if set(usages) not in KUBELET_SERVING_USAGES:
        return "usages did not match %s" % _go_list(KUBELET_SERVING_USAGES[0])
    if not cn.startswith("system:node:"):
        return COMMON_NAME_NOT_SYSTEM_NODE
    return None


def kubelet_client_error(request, usages):
    """ValidateKubeletClientCSR (pkg/apis/certificates/helpers.go): the first reason a CSR is not a
    valid kubernetes.io/kube-apiserver-client-kubelet request, or None (the approver's
    isNodeClientCert and the signer's isKubeletClient both use it)."""
    orgs, cn, dns, emails, ips, uris = _request_names(request)
    if orgs != ["system:nodes"]:
        return ORGANIZATION_NOT_SYSTEM_NODES
    if dns:
        return "DNS subjectAltNames are not allowed"
    if emails:
        return "Email subjectAltNames are not allowed"
    if ips:
        return "IP subjectAltNames are not allowed"
    if uris:
        return "URI subjectAltNames are not allowed"
    if not cn.startswith("system:node:"):
        return COMMON_NAME_NOT_SYSTEM_NODE
    if set(usages) not in KUBELET_CLIENT_USAGES:
        return "usages did not match %s" % _go_list(KUBELET_CLIENT_USAGES[0])
    return None


def apiserver_client_error(_request, usages):
    """validAPIServerClientUsages (pkg/controller/certificates/signer/signer.go) of the
    kubernetes.io/kube-apiserver-client signer, or None."""
    for usage in usages:
        if usage not in ("digital signature", "key encipherment", "client auth"):
            return "invalid usage for client certificate: %s" % usage
    if "client auth" not in usages:
        return "missing required usage for client certificate: client auth"
    return None


# getCSRVerificationFuncForSignerName (pkg/controller/certificates/signer/signer.go); legacy-unknown: no
# restrictions. An approved request failing its signer's check gets a Failed condition, no certificate.
SIGNER_CHECKS = {
    "kubernetes.io/kubelet-serving": kubelet_serving_error,
    KUBELET_CLIENT: kubelet_client_error,
    "kubernetes.io/kube-apiserver-client": apiserver_client_error,
}


class PassReads:
    """The client one pass of the controllers uses: each GET is sent once per pass and its answer
    shared by the controllers that read the same thing (upstream's controllers share informer caches:
    nodes, CSRs, Jobs are listed once, not by each controller); any write forgets what was read."""

    WRITES = ("create", "replace", "patch", "delete", "request", "create_or_update")

    def __init__(self, client):
        self._client, self._reads = client, {}

    def get(self, path, **kw):
        key = (path, json.dumps(kw, sort_keys=True, default=str))
        if key not in self._reads:
            self._reads[key] = self._client.get(path, **kw)
        return copy.deepcopy(self._reads[key])

    def __getattr__(self, name):
        attr = getattr(self._client, name)
        if name not in self.WRITES:
            return attr

        def write(*args, **kw):
            self._reads.clear()
            return attr(*args, **kw)
        return write


class ControllerManager:
    def __init__(self, client, flags, log):
        self.client = client
        self.flags = flags
        self.log = log
        self.grace = component._duration(flags.get("node-monitor-grace-period"), 40)
        self.startup_grace = component._duration(flags.get("node-startup-grace-period"), 60)
        self.duration = component._duration(flags.get("cluster-signing-duration"), 8760 * 3600)
        self.signers = {}
        for signer, prefix in SIGNERS.items():
            cert = flags.get("cluster-signing-%s-cert-file" % prefix) or flags.get("cluster-signing-cert-file")
            key = flags.get("cluster-signing-%s-key-file" % prefix) or flags.get("cluster-signing-key-file")
            if cert and key and os.path.exists(cert) and os.path.exists(key):
                self.signers[signer] = Signer(cert, key)
        self.root_ca = None
        if flags.get("root-ca-file") and os.path.exists(flags["root-ca-file"]):
            with open(flags["root-ca-file"], encoding="utf-8") as handle:
                self.root_ca = handle.read()
        controllers = [c.strip() for c in (flags.get("controllers") or "*").split(",") if c.strip()]
        self.enabled = set()
        default_on = {"csrapproving", "csrsigning", "root-ca-cert-publisher", "daemonset", "deployment",
                      "statefulset", "node-lifecycle", "job", "ttl-after-finished"}
        for name in default_on | {"bootstrapsigner", "tokencleaner"}:
            if "-" + name in controllers:
                continue
            if name in controllers or ("*" in controllers and name in default_on):
                self.enabled.add(name)

    # ------------------------------------------------------------ loop

    def sync_once(self):
        steps = [("csrapproving", self.approve_csrs), ("csrsigning", self.sign_csrs),
                 ("tokencleaner", self.clean_tokens), ("bootstrapsigner", self.sign_cluster_info),
                 ("root-ca-cert-publisher", self.publish_root_ca), ("node-lifecycle", self.node_lifecycle),
                 ("daemonset", self.daemonsets), ("deployment", self.deployments),
                 ("statefulset", self.statefulsets), ("job", self.jobs),
                 ("ttl-after-finished", self.finished_jobs)]
        client, self.client = self.client, PassReads(self.client)
        try:
            for name, step in steps:
                if name not in self.enabled:
                    continue
                try:
                    step()
                except (ApiError, OSError, ValueError, KeyError) as exc:
                    self.log("E", "controller %s: %s", name, exc)
        finally:
            self.client = client

    # ------------------------------------------------------------ certificates

    def approve_csrs(self):
        from cryptography import x509
        for csr in self.client.get(CSR_PATH).get("items", []):
            spec, status = csr.get("spec") or {}, csr.get("status") or {}
            if spec.get("signerName") != KUBELET_CLIENT:
                continue
            if any(c.get("type") in ("Approved", "Denied") for c in status.get("conditions") or []):
                continue
            try:
                request = x509.load_pem_x509_csr(base64.b64decode(spec.get("request", "")))
            except ValueError:
                continue
            if kubelet_client_error(request, spec.get("usages") or []) is not None:
                continue
            cn = request.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value
            recognizers = []
            if spec.get("username") == cn:
                recognizers.append(("selfnodeclient", "Auto approving self kubelet client certificate after "
                                    "SubjectAccessReview."))
            recognizers.append(("nodeclient", "Auto approving kubelet client certificate after "
                                "SubjectAccessReview."))
            for subresource, message in recognizers:
                review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                          "spec": {"user": spec.get("username", ""), "groups": spec.get("groups") or [],
                                   "uid": spec.get("uid", ""), "extra": spec.get("extra") or {},
                                   "resourceAttributes": {"group": "certificates.k8s.io",
                                                          "resource": "certificatesigningrequests",
                                                          "verb": "create", "subresource": subresource}}}
                answer = self.client.create("/apis/authorization.k8s.io/v1/subjectaccessreviews", review)
                if (answer.get("status") or {}).get("allowed"):
                    now = am.now_rfc3339()
                    csr.setdefault("status", {}).setdefault("conditions", []).append({
                        "type": "Approved", "status": "True", "reason": "AutoApproved", "message": message,
                        "lastUpdateTime": now, "lastTransitionTime": now})
                    self.client.replace("%s/%s/approval" % (CSR_PATH, csr["metadata"]["name"]), csr)
                    self.log("I", "approved CSR %s (%s)", csr["metadata"]["name"], subresource)
                    break

    def sign_csrs(self):
        from cryptography import x509
        for csr in self.client.get(CSR_PATH).get("items", []):
            spec, status = csr.get("spec") or {}, csr.get("status") or {}
            conditions = {c.get("type"): c for c in status.get("conditions") or []}
            if status.get("certificate") or "Approved" not in conditions or "Failed" in conditions \
                    or "Denied" in conditions:
                continue
            signer = self.signers.get(spec.get("signerName"))
            if signer is None:
                continue
            pem = base64.b64decode(spec.get("request", ""))
            usages = spec.get("usages") or []
            problem = None
            try:
                request = x509.load_pem_x509_csr(pem)
            except ValueError as exc:
                problem = "unable to parse csr: %s" % exc
                request = None
            check = SIGNER_CHECKS.get(spec.get("signerName"))
            if request is not None and check is not None:
                problem = check(request, usages)
            name = csr["metadata"]["name"]
            if problem:
                # signer.handle: the check's error as a Failed condition, reason SignerValidationFailure
                now = am.now_rfc3339()
                status.setdefault("conditions", []).append({
                    "type": "Failed", "status": "True", "reason": "SignerValidationFailure",
                    "message": problem, "lastUpdateTime": now, "lastTransitionTime": now})
                csr["status"] = status
                self.client.replace("%s/%s/status" % (CSR_PATH, name), csr)
                self.log("W", "CSR %s failed validation: %s", name, problem)
                continue
            duration = self.duration
            if spec.get("expirationSeconds"):
                duration = min(duration, max(600, int(spec["expirationSeconds"])))
            cert = signer.sign(pem, usages, duration)
            status["certificate"] = base64.b64encode(cert).decode()
            csr["status"] = status
            self.client.replace("%s/%s/status" % (CSR_PATH, name), csr)
            self.log("I", "signed CSR %s for %s", name, spec.get("username"))

    # ------------------------------------------------------------ bootstrap tokens

    def token_secrets(self):
        secrets = self.client.get("/api/v1/namespaces/kube-system/secrets",
                                  query={"fieldSelector": "type=bootstrap.kubernetes.io/token"}).get("items", [])
        out = []
        for secret in secrets:
            data = {k: base64.b64decode(v).decode(errors="replace") for k, v in (secret.get("data") or {}).items()}
            out.append((secret, data))
        return out

    @staticmethod
    def expired(data):
        when = am.parse_time(data.get("expiration")) if data.get("expiration") else None
        return when is not None and when < time.time()

    def clean_tokens(self):
        for secret, data in self.token_secrets():
            if self.expired(data):
                name = secret["metadata"]["name"]
                try:
                    self.client.delete("/api/v1/namespaces/kube-system/secrets/" + name)
                    self.log("I", "deleted expired bootstrap token secret %s", name)
                except ApiError as exc:
                    if exc.status != 404:
                        raise

    def sign_cluster_info(self):
        path = "/api/v1/namespaces/kube-public/configmaps/cluster-info"
        try:
            cm = self.client.get(path)
        except ApiError as exc:
            if exc.status == 404:
                return
            raise
        data = dict(cm.get("data") or {})
        content = data.get("kubeconfig")
        if content is None:
            return
        wanted = {}
        for secret, tdata in self.token_secrets():
            token_id = tdata.get("token-id", "")
            if secret["metadata"]["name"] != "bootstrap-token-" + token_id or self.expired(tdata):
                continue
            if tdata.get("usage-bootstrap-signing") != "true" or not tdata.get("token-secret"):
                continue
            wanted["jws-kubeconfig-" + token_id] = jws_detached(content, token_id, tdata["token-secret"])
        new = {k: v for k, v in data.items() if not k.startswith("jws-kubeconfig-")}
        new.update(wanted)
        if new != data:
            cm["data"] = new
            self.client.replace(path, cm)
            self.log("I", "updated cluster-info signatures: %s", sorted(wanted))

    def publish_root_ca(self):
        if not self.root_ca:
            return
        for ns in self.client.get("/api/v1/namespaces").get("items", []):
            if (ns.get("status") or {}).get("phase") == "Terminating":
                continue
            name = ns["metadata"]["name"]
            path = "/api/v1/namespaces/%s/configmaps" % name
            try:
                current = self.client.get(path + "/kube-root-ca.crt")
            except ApiError as exc:
                if exc.status != 404:
                    raise
                try:
                    self.client.create(path, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
                        "name": "kube-root-ca.crt", "namespace": name,
                        "annotations": {"kubernetes.io/description": "Contains a CA bundle that can be used to "
                                        "verify the kube-apiserver when using internal endpoints such as the "
                                        "internal service IP or kubernetes.default.svc. No other usage is "
                                        "guaranteed across distributions of Kubernetes clusters."}},
                        "data": {"ca.crt": self.root_ca}})
                except ApiError as exc2:
                    if exc2.status not in (404, 409):
                        raise
                continue
            if (current.get("data") or {}).get("ca.crt") != self.root_ca:
                current["data"] = {"ca.crt": self.root_ca}
                self.client.replace(path + "/kube-root-ca.crt", current)

    # ------------------------------------------------------------ nodes

    def nodes(self):
        return self.client.get("/api/v1/nodes").get("items", [])

    def node_lifecycle(self):
        leases = {l["metadata"]["name"]: l for l in
                  self.client.get("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases").get("items", [])}
        now = time.time()
        for node in self.nodes():
            name = node["metadata"]["name"]
            conditions = {c.get("type"): c for c in (node.get("status") or {}).get("conditions") or []}
            ready = conditions.get("Ready")
            beats = [am.parse_time((ready or {}).get("lastHeartbeatTime")),
                     am.parse_time(((leases.get(name) or {}).get("spec") or {}).get("renewTime"))]
            beats = [b for b in beats if b]
            if beats:
                stale = now - max(beats) > self.grace
            else:
                created = am.parse_time(node["metadata"].get("creationTimestamp")) or now
                stale = now - created > self.startup_grace
            if stale and (ready is None or ready.get("status") != "Unknown"):
                stamp = am.now_rfc3339()
                patched = []
                for ctype in NODE_CONDITIONS_UNKNOWN:
                    cond = dict(conditions.get(ctype) or {"type": ctype})
                    cond.update({"status": "Unknown", "reason": "NodeStatusUnknown",
                                 "message": "Kubelet stopped posting node status.", "lastTransitionTime": stamp})
                    if ctype not in conditions:
                        cond["reason"] = "NodeStatusNeverUpdated"
                        cond["message"] = "Kubelet never posted node status."
                        cond["lastHeartbeatTime"] = node["metadata"].get("creationTimestamp")
                    patched.append(cond)
                node = self.client.patch("/api/v1/nodes/%s/status" % name, {"status": {"conditions": patched}},
                                         kind="strategic")
                self.log("I", "node %s: no heartbeat for %ds, Ready=Unknown", name, self.grace)
                ready = {"status": "Unknown"}
            self.taint_by_condition(node, (ready or {}).get("status", "Unknown"))

    def taint_by_condition(self, node, ready_status):
        wanted = {"False": "node.kubernetes.io/not-ready", "Unknown": "node.kubernetes.io/unreachable"}.get(ready_status)
        managed = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
        taints = list((node.get("spec") or {}).get("taints") or [])
        kept = [t for t in taints if t.get("key") not in managed or t.get("key") == wanted]
        if wanted:
            for effect in ("NoSchedule", "NoExecute"):
                if not any(t.get("key") == wanted and t.get("effect") == effect for t in kept):
                    taint = {"key": wanted, "effect": effect}
                    if effect == "NoExecute":
                        taint["timeAdded"] = am.now_rfc3339()
                    kept.append(taint)
        if kept == taints:
            return
        node.setdefault("spec", {})["taints"] = kept
        if not kept:
            del node["spec"]["taints"]
        try:
            self.client.replace("/api/v1/nodes/" + node["metadata"]["name"], node)
        except ApiError as exc:
            if exc.status != 409:
                raise

    # ------------------------------------------------------------ workloads

    def fitting_ready_nodes(self, pod_spec, extra=()):
        return [n for n in self.nodes() if node_ready(n) and pod_fits_node(pod_spec, n, extra)
                and not ((n.get("spec") or {}).get("unschedulable") and not extra)]

    def write_status(self, path, obj, status):
        if same_status(obj.get("status"), status):
            return
        old = {c.get("type"): c for c in (obj.get("status") or {}).get("conditions") or []}
        for cond in status.get("conditions") or []:
            prev = old.get(cond["type"])
            if prev and prev.get("status") == cond.get("status") and prev.get("lastTransitionTime"):
                cond["lastTransitionTime"] = prev["lastTransitionTime"]
        obj["status"] = status
        try:
            self.client.replace(path + "/status", obj)
        except ApiError as exc:
            if exc.status not in (404, 409):
                raise

    def daemonsets(self):
        for ds in self.client.get("/apis/apps/v1/daemonsets").get("items", []):
            meta = ds["metadata"]
            pod_spec = ((ds.get("spec") or {}).get("template") or {}).get("spec") or {}
            extra = list(DAEMON_TOLERATIONS)
            if pod_spec.get("hostNetwork"):
                extra.append({"key": "node.kubernetes.io/network-unavailable", "operator": "Exists",
                              "effect": "NoSchedule"})
            count = len(self.fitting_ready_nodes(pod_spec, extra))
            status = {"currentNumberScheduled": count, "desiredNumberScheduled": count, "numberMisscheduled": 0,
                      "numberReady": count, "numberAvailable": count, "updatedNumberScheduled": count,
                      "observedGeneration": meta.get("generation", 1)}
            if not count:
                status.pop("numberAvailable")
            self.write_status("/apis/apps/v1/namespaces/%s/daemonsets/%s" % (meta["namespace"], meta["name"]), ds,
                              status)

    def deployments(self):
        for dep in self.client.get("/apis/apps/v1/deployments").get("items", []):
            meta, spec = dep["metadata"], dep.get("spec") or {}
            replicas = spec.get("replicas", 1)
            pod_spec = (spec.get("template") or {}).get("spec") or {}
            ready = replicas if self.fitting_ready_nodes(pod_spec) else 0
            now = am.now_rfc3339()
            rs_name = "%s-%s" % (meta["name"], template_hash(dep))
            available = ready >= replicas
            status = {"observedGeneration": meta.get("generation", 1), "replicas": replicas,
                      "updatedReplicas": replicas, "conditions": [
                          {"type": "Available", "status": "True" if available else "False",
                           "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                           "message": "Deployment has minimum availability." if available
                           else "Deployment does not have minimum availability.",
                           "lastUpdateTime": now, "lastTransitionTime": now},
                          {"type": "Progressing", "status": "True",
                           "reason": "NewReplicaSetAvailable" if available else "ReplicaSetUpdated",
                           "message": ('ReplicaSet "%s" has successfully progressed.' if available
                                       else 'ReplicaSet "%s" is progressing.') % rs_name,
                           "lastUpdateTime": now, "lastTransitionTime": now}]}
            if ready:
                status["readyReplicas"] = ready
                status["availableReplicas"] = ready
            if replicas - ready > 0:
                status["unavailableReplicas"] = replicas - ready
            if replicas == 0:
                status.pop("replicas")
                status.pop("updatedReplicas")
            self.write_status("/apis/apps/v1/namespaces/%s/deployments/%s" % (meta["namespace"], meta["name"]), dep,
                              status)

    def statefulsets(self):
        for sts in self.client.get("/apis/apps/v1/statefulsets").get("items", []):
            meta, spec = sts["metadata"], sts.get("spec") or {}
            replicas = spec.get("replicas", 1)
            pod_spec = (spec.get("template") or {}).get("spec") or {}
            ready = replicas if self.fitting_ready_nodes(pod_spec) else 0
            revision = "%s-%s" % (meta["name"], template_hash(sts))
            status = {"observedGeneration": meta.get("generation", 1), "replicas": replicas,
                      "readyReplicas": ready, "currentReplicas": replicas, "updatedReplicas": replicas,
                      "availableReplicas": ready, "currentRevision": revision, "updateRevision": revision,
                      "collisionCount": 0}
            self.write_status("/apis/apps/v1/namespaces/%s/statefulsets/%s" % (meta["namespace"], meta["name"]),
                              sts, status)

    def jobs(self):
        """A Job completes (one succeeded Pod) as soon as a Ready node its Pod template fits exists."""
        for job in self.client.get("/apis/batch/v1/jobs").get("items", []):
            meta, status = job["metadata"], dict(job.get("status") or {})
            if any(c.get("type") in ("Complete", "Failed") for c in status.get("conditions") or []):
                continue
            pod_spec = ((job.get("spec") or {}).get("template") or {}).get("spec") or {}
            now = am.now_rfc3339()
            status.setdefault("startTime", now)
            if not self.fitting_ready_nodes(pod_spec):
                status["active"] = 1
            else:
                status.pop("active", None)
                status.update({"succeeded": 1, "completionTime": now, "conditions": [
                    {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached",
                     "message": "Reached expected number of succeeded pods", "lastProbeTime": now,
                     "lastTransitionTime": now},
                    {"type": "Complete", "status": "True", "reason": "CompletionsReached",
                     "message": "Reached expected number of succeeded pods", "lastProbeTime": now,
                     "lastTransitionTime": now}]})
            self.write_status("/apis/batch/v1/namespaces/%s/jobs/%s" % (meta["namespace"], meta["name"]), job,
                              status)

    def finished_jobs(self):
        """ttl-after-finished: delete a finished Job once spec.ttlSecondsAfterFinished has passed."""
        for job in self.client.get("/apis/batch/v1/jobs").get("items", []):
            ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
            done = am.parse_time((job.get("status") or {}).get("completionTime"))
            if ttl is None or not done or time.time() < done + ttl:
                continue
            meta = job["metadata"]
            try:
                self.client.delete("/apis/batch/v1/namespaces/%s/jobs/%s" % (meta["namespace"], meta["name"]))
            except ApiError as exc:
                if exc.status != 404:
                    raise


def main(argv):
    log = component.Logger("controller-manager")
    flags, rc = component.parse_command_line(argv, KNOWN_FLAGS, BOOL_FLAGS, USAGE, log)
    if rc is not None:
        return rc
    if not flags.get("kubeconfig") and not flags.get("master"):
        log("W", "neither --kubeconfig nor --master was specified; the controllers need a kubeconfig")
    log("I", "Version: %s", component.component_version())
    try:
        server = component.serve_health(flags, 10257, "kube-controller-manager")
    except OSError as exc:
        log("E", "failed to serve health endpoints: %s", exc)
        return 1
    log("I", "Serving securely on %s:%s", *server.server_address[:2])
    stop = threading.Event()

    def on_signal(signum, _frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    manager = elector = None
    while not stop.is_set():
        try:
            if manager is None:
                client = Client.from_kubeconfig(flags["kubeconfig"])
                elector = component.LeaderElector(client, "kube-controller-manager", "kube-system", flags, log)
                if elector.error():
                    server.shutdown()
                    return component.go_panic(elector.error())
                manager = ControllerManager(client, flags, log)
                log("I", "controllers enabled: %s", ",".join(sorted(manager.enabled)))
            if elector.try_acquire():
                manager.sync_once()
        except component.LeaderElectionLost:
            log("E", "leaderelection lost")
            server.shutdown()
            return 1
        except (ApiError, OSError, ValueError, KeyError) as exc:
            log("E", "%s", exc)
        # One pass of every controller per leader-election retry period (2 s by default), as the
        # lease is renewed upstream. Upstream's controllers react to watch events at once and stay
        # idle otherwise; a pass every second listed every resource through etcd twice as often.
        stop.wait(elector.next_wait() if elector is not None else 2)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
