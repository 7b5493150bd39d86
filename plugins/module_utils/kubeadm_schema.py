# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A strict, offline model of the kubeadm configuration file.

kubeadm decodes its ``--config`` file on the node: a value of the wrong type or a kind that the
given apiVersion does not serve aborts ``kubeadm init``/``join``, usually after packages are
installed and half the play has run; an unknown or misspelled field only draws a warning and is
dropped (``kubeadm config validate`` refuses it), so the setting silently does not apply. This model
catches both on the controller, before anything changes.

It describes, field by field, the kinds seed.kubeadm renders and that users may extend:

* ``kubeadm.k8s.io/v1beta3`` (Kubernetes 1.22 - 1.30 default): InitConfiguration,
  ClusterConfiguration, JoinConfiguration;
* ``kubeadm.k8s.io/v1beta4`` (Kubernetes >= 1.31): the same kinds with structured ``extraArgs``
  (a list of ``{name, value}``), ``extraEnvs``, ``timeouts``, ``encryptionAlgorithm``, certificate
  validity periods, ``dns.disabled``/``proxy.disabled``, ``dryRun`` and ``imagePullSerial``;
* ``kubelet.config.k8s.io/v1beta1`` KubeletConfiguration (the commonly used fields);
* ``kubeproxy.config.k8s.io/v1alpha1`` KubeProxyConfiguration.

Entry points: :func:`validate_documents` (a list of parsed documents) and :func:`validate_yaml`
(a multi-document YAML string). Both return a list of human-readable error strings, empty when
the configuration is valid, for example::

    ClusterConfiguration.networking.podSubnt: unknown field (did you mean podSubnet?)
"""

from __future__ import annotations

import difflib
import re

try:  # pragma: no cover - PyYAML always ships with ansible-core
    import yaml
except ImportError:  # pragma: no cover
    yaml = None

KUBEADM_V1BETA3 = "kubeadm.k8s.io/v1beta3"
KUBEADM_V1BETA4 = "kubeadm.k8s.io/v1beta4"
KUBELET_V1BETA1 = "kubelet.config.k8s.io/v1beta1"
KUBEPROXY_V1ALPHA1 = "kubeproxy.config.k8s.io/v1alpha1"

# Go's time.ParseDuration syntax (what metav1.Duration accepts from YAML/JSON): "90s", "1h30m", "0".
_DURATION_RE = re.compile(r"^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h))+)$")


# --- type descriptions --------------------------------------------------------------------------
class Scalar:
    """A leaf value: str, int, bool, float, duration, duration-or-int or quantity; optional allowed values."""

    def __init__(self, kind, choices=None):
        self.kind = kind
        self.choices = tuple(choices) if choices else None

    def describe(self):
        return {
            "str": "string",
            "int": "integer",
            "bool": "boolean",
            "float": "number",
            "duration": "duration string (e.g. 30s, 4m0s, 1h)",
            "duration_or_int": "duration string or integer nanoseconds",
            "quantity": "quantity (e.g. 1Gi, 500m) or number",
        }[self.kind]


class ListOf:
    """A YAML sequence whose items all have one type."""

    def __init__(self, item):
        self.item = item


class MapOf:
    """A YAML mapping with string keys and values of one type."""

    def __init__(self, value):
        self.value = value


class Struct:
    """A YAML mapping with a fixed set of fields (anything else is an unknown field)."""

    def __init__(self, fields, required=()):
        self.fields = dict(fields)
        self.required = tuple(required)

    def extend(self, fields=None, drop=(), required=None):
        """Return a copy with more fields, some removed, or other required fields."""
        merged = {k: v for k, v in self.fields.items() if k not in drop}
        merged.update(fields or {})
        return Struct(merged, self.required if required is None else required)


class AnyValue:
    """Anything goes (free-form sub-objects the model does not describe)."""


STR = Scalar("str")
INT = Scalar("int")
BOOL = Scalar("bool")
FLOAT = Scalar("float")
DURATION = Scalar("duration")
DURATION_OR_INT = Scalar("duration_or_int")
# resource.Quantity decodes a string or a bare number (its UnmarshalJSON strips optional quotes).
QUANTITY = Scalar("quantity")
ANY = AnyValue()
STR_LIST = ListOf(STR)
STR_MAP = MapOf(STR)
BOOL_MAP = MapOf(BOOL)

PULL_POLICY = Scalar("str", ["Always", "IfNotPresent", "Never"])
TAINT = Struct(
    {
        "key": STR,
        "value": STR,
        "effect": Scalar("str", ["NoSchedule", "PreferNoSchedule", "NoExecute"]),
        "timeAdded": STR,
    },
    required=("key", "effect"),
)
ENV_VAR = Struct({"name": STR, "value": STR, "valueFrom": ANY}, required=("name",))
HOST_PATH_MOUNT = Struct(
    {
        "name": STR,
        "hostPath": STR,
        "mountPath": STR,
        "readOnly": BOOL,
        "pathType": Scalar(
            "str", ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]
        ),
    },
    required=("name", "hostPath", "mountPath"),
)
ARG = Struct({"name": STR, "value": STR}, required=("name", "value"))
BOOTSTRAP_TOKEN = Struct(
    {
        "token": STR,
        "description": STR,
        "ttl": DURATION,
        "expires": STR,
        "usages": STR_LIST,
        "groups": STR_LIST,
    },
    # kubeadm generates the token when it is missing (SetBootstrapTokensDynamicDefaults).
)
API_ENDPOINT = Struct({"advertiseAddress": STR, "bindPort": INT})
PATCHES = Struct({"directory": STR})
NETWORKING = Struct({"serviceSubnet": STR, "podSubnet": STR, "dnsDomain": STR})
IMAGE_META = {"imageRepository": STR, "imageTag": STR}
FILE_DISCOVERY = Struct({"kubeConfigPath": STR}, required=("kubeConfigPath",))
BOOTSTRAP_TOKEN_DISCOVERY = Struct(
    {"token": STR, "apiServerEndpoint": STR, "caCertHashes": STR_LIST, "unsafeSkipCAVerification": BOOL},
    required=("token",),
)


def _kubeadm_kinds(v4):
    """The kubeadm.k8s.io kinds of v1beta3 (v4=False) or v1beta4 (v4=True)."""
    extra_args = ListOf(ARG) if v4 else STR_MAP
    component_fields = {"extraArgs": extra_args, "extraVolumes": ListOf(HOST_PATH_MOUNT)}
    if v4:
        component_fields["extraEnvs"] = ListOf(ENV_VAR)
    component = Struct(component_fields)
    api_server = component.extend({"certSANs": STR_LIST})
    if not v4:
        api_server = api_server.extend({"timeoutForControlPlane": DURATION})

    local_etcd_fields = dict(IMAGE_META)
    local_etcd_fields.update(
        {"dataDir": STR, "extraArgs": extra_args, "serverCertSANs": STR_LIST, "peerCertSANs": STR_LIST}
    )
    external_etcd_fields = {"endpoints": STR_LIST, "caFile": STR, "certFile": STR, "keyFile": STR}
    dns_fields = dict(IMAGE_META)
    if v4:
        local_etcd_fields["extraEnvs"] = ListOf(ENV_VAR)
        external_etcd_fields["httpEndpoints"] = STR_LIST  # Kubernetes >= 1.35
        dns_fields["disabled"] = BOOL
    etcd = Struct(
        {
            "local": Struct(local_etcd_fields),
            "external": Struct(external_etcd_fields, required=("endpoints",)),
        }
    )

    node_registration_fields = {
        "name": STR,
        "criSocket": STR,
        "taints": ListOf(TAINT),
        "kubeletExtraArgs": extra_args,
        "ignorePreflightErrors": STR_LIST,
        "imagePullPolicy": PULL_POLICY,
    }
    if v4:
        node_registration_fields["imagePullSerial"] = BOOL
    node_registration = Struct(node_registration_fields)

    cluster_fields = {
        "etcd": etcd,
        "networking": NETWORKING,
        "kubernetesVersion": STR,
        "controlPlaneEndpoint": STR,
        "apiServer": api_server,
        "controllerManager": component,
        "scheduler": component,
        "dns": Struct(dns_fields),
        "certificatesDir": STR,
        "imageRepository": STR,
        "featureGates": BOOL_MAP,
        "clusterName": STR,
    }
    if v4:
        cluster_fields.update(
            {
                "proxy": Struct({"disabled": BOOL}),
                "encryptionAlgorithm": Scalar(
                    "str", ["RSA-2048", "RSA-3072", "RSA-4096", "ECDSA-P256", "ECDSA-P384"]
                ),
                "certificateValidityPeriod": DURATION,
                "caCertificateValidityPeriod": DURATION,
            }
        )

    init_fields = {
        "bootstrapTokens": ListOf(BOOTSTRAP_TOKEN),
        "nodeRegistration": node_registration,
        "localAPIEndpoint": API_ENDPOINT,
        "certificateKey": STR,
        "skipPhases": STR_LIST,
        "patches": PATCHES,
    }
    discovery_fields = {
        "bootstrapToken": BOOTSTRAP_TOKEN_DISCOVERY,
        "file": FILE_DISCOVERY,
        "tlsBootstrapToken": STR,
    }
    join_fields = {
        "nodeRegistration": node_registration,
        "caCertPath": STR,
        "discovery": None,  # set below
        "controlPlane": Struct({"localAPIEndpoint": API_ENDPOINT, "certificateKey": STR}),
        "skipPhases": STR_LIST,
        "patches": PATCHES,
    }
    if v4:
        timeouts = Struct(
            {
                "controlPlaneComponentHealthCheck": DURATION,
                "kubeletHealthCheck": DURATION,
                "kubernetesAPICall": DURATION,
                "etcdAPICall": DURATION,
                "tlsBootstrap": DURATION,
                "discovery": DURATION,
                "upgradeManifests": DURATION,
            }
        )
        init_fields.update({"dryRun": BOOL, "timeouts": timeouts})
        join_fields.update({"dryRun": BOOL, "timeouts": timeouts})
    else:
        discovery_fields["timeout"] = DURATION
    join_fields["discovery"] = Struct(discovery_fields)

    return {
        "InitConfiguration": Struct(init_fields),
        "ClusterConfiguration": Struct(cluster_fields),
        "JoinConfiguration": Struct(join_fields, required=("discovery",)),
    }


_LOGGING = Struct(
    {
        "format": STR,
        "flushFrequency": DURATION_OR_INT,
        "verbosity": INT,
        "vmodule": ListOf(Struct({"filePattern": STR, "verbosity": INT})),
        "options": ANY,
    }
)

KUBELET_CONFIGURATION = Struct(
    {
        "enableServer": BOOL,
        "staticPodPath": STR,
        "podLogsDir": STR,
        "syncFrequency": DURATION,
        "fileCheckFrequency": DURATION,
        "httpCheckFrequency": DURATION,
        "staticPodURL": STR,
        "staticPodURLHeader": MapOf(STR_LIST),
        "address": STR,
        "port": INT,
        "readOnlyPort": INT,
        "tlsCertFile": STR,
        "tlsPrivateKeyFile": STR,
        "tlsCipherSuites": STR_LIST,
        "tlsMinVersion": STR,
        "rotateCertificates": BOOL,
        "serverTLSBootstrap": BOOL,
        "authentication": Struct(
            {
                "x509": Struct({"clientCAFile": STR}),
                "webhook": Struct({"enabled": BOOL, "cacheTTL": DURATION}),
                "anonymous": Struct({"enabled": BOOL}),
            }
        ),
        "authorization": Struct(
            {
                "mode": Scalar("str", ["AlwaysAllow", "Webhook"]),
                "webhook": Struct({"cacheAuthorizedTTL": DURATION, "cacheUnauthorizedTTL": DURATION}),
            }
        ),
        "registryPullQPS": INT,
        "registryBurst": INT,
        "imagePullCredentialsVerificationPolicy": STR,
        "preloadedImagesVerificationAllowlist": STR_LIST,
        "eventRecordQPS": INT,
        "eventBurst": INT,
        "enableDebuggingHandlers": BOOL,
        "enableContentionProfiling": BOOL,
        "healthzPort": INT,
        "healthzBindAddress": STR,
        "oomScoreAdj": INT,
        "clusterDomain": STR,
        "clusterDNS": STR_LIST,
        "streamingConnectionIdleTimeout": DURATION,
        "nodeStatusUpdateFrequency": DURATION,
        "nodeStatusReportFrequency": DURATION,
        "nodeLeaseDurationSeconds": INT,
        "imageMinimumGCAge": DURATION,
        "imageMaximumGCAge": DURATION,
        "imageGCHighThresholdPercent": INT,
        "imageGCLowThresholdPercent": INT,
        "volumeStatsAggPeriod": DURATION,
        "kubeletCgroups": STR,
        "systemCgroups": STR,
        "cgroupRoot": STR,
        "cgroupsPerQOS": BOOL,
        "cgroupDriver": Scalar("str", ["systemd", "cgroupfs"]),
        "cpuManagerPolicy": STR,
        "cpuManagerPolicyOptions": STR_MAP,
        "cpuManagerReconcilePeriod": DURATION,
        "singleProcessOOMKill": BOOL,
        "memoryManagerPolicy": STR,
        "topologyManagerPolicy": STR,
        "topologyManagerScope": STR,
        "topologyManagerPolicyOptions": STR_MAP,
        "qosReserved": STR_MAP,
        "runtimeRequestTimeout": DURATION,
        "hairpinMode": STR,
        "maxPods": INT,
        "podCIDR": STR,
        "podPidsLimit": INT,
        "resolvConf": STR,
        "runOnce": BOOL,
        "cpuCFSQuota": BOOL,
        "cpuCFSQuotaPeriod": DURATION,
        "nodeStatusMaxImages": INT,
        "maxOpenFiles": INT,
        "contentType": STR,
        "kubeAPIQPS": INT,
        "kubeAPIBurst": INT,
        "serializeImagePulls": BOOL,
        "maxParallelImagePulls": INT,
        "evictionHard": STR_MAP,
        "evictionSoft": STR_MAP,
        "evictionSoftGracePeriod": STR_MAP,
        "evictionPressureTransitionPeriod": DURATION,
        "evictionMaxPodGracePeriod": INT,
        "evictionMinimumReclaim": STR_MAP,
        "mergeDefaultEvictionSettings": BOOL,
        "podsPerCore": INT,
        "enableControllerAttachDetach": BOOL,
        "protectKernelDefaults": BOOL,
        "makeIPTablesUtilChains": BOOL,
        "iptablesMasqueradeBit": INT,
        "iptablesDropBit": INT,
        "featureGates": BOOL_MAP,
        "failSwapOn": BOOL,
        "failCgroupV1": BOOL,
        "memorySwap": Struct({"swapBehavior": Scalar("str", ["", "NoSwap", "LimitedSwap"])}),
        "containerLogMaxSize": STR,
        "containerLogMaxFiles": INT,
        "containerLogMaxWorkers": INT,
        "containerLogMonitorInterval": DURATION,
        "configMapAndSecretChangeDetectionStrategy": Scalar("str", ["Get", "Cache", "Watch"]),
        "systemReserved": STR_MAP,
        "kubeReserved": STR_MAP,
        "reservedSystemCPUs": STR,
        "showHiddenMetricsForVersion": STR,
        "systemReservedCgroup": STR,
        "kubeReservedCgroup": STR,
        "enforceNodeAllocatable": STR_LIST,
        "allowedUnsafeSysctls": STR_LIST,
        "volumePluginDir": STR,
        "providerID": STR,
        "kernelMemcgNotification": BOOL,
        "logging": _LOGGING,
        "enableSystemLogHandler": BOOL,
        "enableSystemLogQuery": BOOL,
        "shutdownGracePeriod": DURATION,
        "shutdownGracePeriodCriticalPods": DURATION,
        "shutdownGracePeriodByPodPriority": ListOf(
            Struct({"priority": INT, "shutdownGracePeriodSeconds": INT})
        ),
        "crashLoopBackOff": Struct({"maxContainerRestartPeriod": DURATION}),
        "reservedMemory": ListOf(Struct({"numaNode": INT, "limits": MapOf(QUANTITY)})),
        "enableProfilingHandler": BOOL,
        "enableDebugFlagsHandler": BOOL,
        "seccompDefault": BOOL,
        "memoryThrottlingFactor": FLOAT,
        "registerWithTaints": ListOf(TAINT),
        "registerNode": BOOL,
        "tracing": Struct({"endpoint": STR, "samplingRatePerMillion": INT}),
        "localStorageCapacityIsolation": BOOL,
        "containerRuntimeEndpoint": STR,
        "imageServiceEndpoint": STR,
        "userNamespaces": Struct({"idsPerPod": INT}),
    }
)

_PROXY_SYNC = {"syncPeriod": DURATION, "minSyncPeriod": DURATION}
KUBE_PROXY_CONFIGURATION = Struct(
    {
        "featureGates": BOOL_MAP,
        "clientConnection": Struct(
            {"kubeconfig": STR, "acceptContentTypes": STR, "contentType": STR, "qps": FLOAT, "burst": INT}
        ),
        "logging": _LOGGING,
        "hostnameOverride": STR,
        "bindAddress": STR,
        "healthzBindAddress": STR,
        "metricsBindAddress": STR,
        "bindAddressHardFail": BOOL,
        "enableProfiling": BOOL,
        "showHiddenMetricsForVersion": STR,
        "mode": Scalar("str", ["", "iptables", "ipvs", "nftables", "kernelspace"]),
        "iptables": Struct(
            dict(_PROXY_SYNC, masqueradeBit=INT, masqueradeAll=BOOL, localhostNodePorts=BOOL)
        ),
        "ipvs": Struct(
            dict(
                _PROXY_SYNC,
                scheduler=STR,
                excludeCIDRs=STR_LIST,
                strictARP=BOOL,
                tcpTimeout=DURATION,
                tcpFinTimeout=DURATION,
                udpTimeout=DURATION,
            )
        ),
        "nftables": Struct(dict(_PROXY_SYNC, masqueradeBit=INT, masqueradeAll=BOOL)),
        "winkernel": Struct(
            {
                "networkName": STR,
                "sourceVip": STR,
                "enableDSR": BOOL,
                "rootHnsEndpointName": STR,
                "forwardHealthCheckVip": BOOL,
            }
        ),
        "detectLocalMode": Scalar("str", ["", "ClusterCIDR", "NodeCIDR", "BridgeInterface", "InterfaceNamePrefix"]),
        "detectLocal": Struct({"bridgeInterface": STR, "interfaceNamePrefix": STR}),
        "clusterCIDR": STR,
        "nodePortAddresses": STR_LIST,
        "oomScoreAdj": INT,
        "conntrack": Struct(
            {
                "maxPerCore": INT,
                "min": INT,
                "tcpEstablishedTimeout": DURATION,
                "tcpCloseWaitTimeout": DURATION,
                "tcpBeLiberal": BOOL,
                "udpTimeout": DURATION,
                "udpStreamTimeout": DURATION,
            }
        ),
        "configSyncPeriod": DURATION,
        "portRange": STR,
        "windowsRunAsService": BOOL,
    }
)

# apiVersion -> kind -> model. Anything not listed here is rejected.
KINDS = {
    KUBEADM_V1BETA3: _kubeadm_kinds(v4=False),
    KUBEADM_V1BETA4: _kubeadm_kinds(v4=True),
    KUBELET_V1BETA1: {"KubeletConfiguration": KUBELET_CONFIGURATION},
    KUBEPROXY_V1ALPHA1: {"KubeProxyConfiguration": KUBE_PROXY_CONFIGURATION},
}
ALL_KINDS = sorted({kind for kinds in KINDS.values() for kind in kinds})


def api_versions_for(kind):
    """The apiVersions that serve a kind (sorted, possibly empty)."""
    return sorted(version for version, kinds in KINDS.items() if kind in kinds)


# --- validation ---------------------------------------------------------------------------------
def _type_name(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


def _suggest(name, candidates):
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return " (did you mean %s?)" % close[0] if close else ""


def _check_scalar(model, value, path, errors):
    kind = model.kind
    ok = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "duration": isinstance(value, str) and bool(_DURATION_RE.match(value)),
        "duration_or_int": (isinstance(value, str) and bool(_DURATION_RE.match(value)))
        or (isinstance(value, int) and not isinstance(value, bool)),
        "quantity": isinstance(value, (str, int, float)) and not isinstance(value, bool),
    }[kind]
    if not ok:
        errors.append("%s: expected %s, got %s" % (path, model.describe(), _type_name(value)))
        return
    if model.choices is not None and value not in model.choices:
        errors.append(
            "%s: %r is not one of %s" % (path, value, ", ".join(repr(c) for c in model.choices))
        )


def _check(model, value, path, errors):
    """Append to errors every mismatch between value and model below path."""
    if isinstance(model, AnyValue):
        return
    if value is None:
        # A YAML null is what Go decodes as "unset"; kubeadm accepts it for every optional field.
        return
    if isinstance(model, Scalar):
        _check_scalar(model, value, path, errors)
    elif isinstance(model, ListOf):
        if not isinstance(value, (list, tuple)):
            errors.append("%s: expected list, got %s" % (path, _type_name(value)))
            return
        for index, item in enumerate(value):
            _check(model.item, item, "%s[%d]" % (path, index), errors)
    elif isinstance(model, MapOf):
        if not isinstance(value, dict):
            errors.append("%s: expected mapping, got %s" % (path, _type_name(value)))
            return
        for key, item in value.items():
            if not isinstance(key, str):
                errors.append("%s: key %r must be a string" % (path, key))
                continue
            _check(model.value, item, "%s.%s" % (path, key), errors)
    else:
        _check_struct(model, value, path, errors)


def _check_struct(model, value, path, errors, skip=()):
    if not isinstance(value, dict):
        errors.append("%s: expected mapping, got %s" % (path, _type_name(value)))
        return
    for key, item in value.items():
        if key in skip:
            continue
        if not isinstance(key, str):
            errors.append("%s: key %r must be a string" % (path, key))
            continue
        sub = "%s.%s" % (path, key)
        if key not in model.fields:
            errors.append("%s: unknown field%s" % (sub, _suggest(key, list(model.fields))))
            continue
        _check(model.fields[key], item, sub, errors)
    for key in model.required:
        if value.get(key) is None:
            errors.append("%s.%s: required field is missing" % (path, key))


def validate_document(doc, index=0):
    """Errors of one parsed document (index is its position, used in messages)."""
    errors = []
    if doc is None:
        return errors  # an empty document between two '---' is ignored by kubeadm
    label = "document %d" % (index + 1)
    if not isinstance(doc, dict):
        return ["%s: expected a mapping with apiVersion and kind, got %s" % (label, _type_name(doc))]
    kind = doc.get("kind")
    api_version = doc.get("apiVersion")
    if not kind:
        errors.append("%s: kind is missing" % label)
    elif not isinstance(kind, str):
        errors.append("%s: kind must be a string, got %s" % (label, _type_name(kind)))
    elif kind not in ALL_KINDS:
        return ["%s: unknown kind %s%s" % (label, kind, _suggest(kind, ALL_KINDS))]
    else:
        label = "%s (%s)" % (label, kind)
    if not api_version:
        errors.append("%s: apiVersion is missing" % label)
    elif not isinstance(api_version, str):
        errors.append("%s: apiVersion must be a string, got %s" % (label, _type_name(api_version)))
    if errors:
        return errors
    if api_version not in KINDS or kind not in KINDS[api_version]:
        errors.append(
            "%s: apiVersion %s does not serve kind %s (valid: %s)"
            % (label, api_version, kind, ", ".join(api_versions_for(kind)))
        )
        return errors
    _check_struct(KINDS[api_version][kind], doc, kind, errors, skip=("apiVersion", "kind"))
    return errors


def validate_documents(docs):
    """Errors of a list of parsed documents (a whole kubeadm --config file).

    Besides each document on its own, the file as a whole must not hold one kind twice nor mix
    two kubeadm.k8s.io API versions.
    """
    if isinstance(docs, dict):
        docs = [docs]
    if not isinstance(docs, (list, tuple)):
        return ["expected a list of documents, got %s" % _type_name(docs)]
    errors = []
    seen = {}
    kubeadm_versions = set()
    for index, doc in enumerate(docs):
        errors.extend(validate_document(doc, index))
        if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str):
            continue
        kind = doc["kind"]
        if kind in seen:
            errors.append("document %d: second %s (first is document %d)" % (index + 1, kind, seen[kind] + 1))
        else:
            seen[kind] = index
        version = doc.get("apiVersion")
        if isinstance(version, str) and version.startswith("kubeadm.k8s.io/"):
            kubeadm_versions.add(version)
    if len(kubeadm_versions) > 1:
        errors.append("the file mixes kubeadm API versions: %s" % ", ".join(sorted(kubeadm_versions)))
    return errors


if yaml is not None:
    class GoYamlLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
        """SafeLoader that also resolves what kubeadm's Go YAML decoder (YAML 1.1) reads as non-strings.

        PyYAML leaves y, Y, n, N and exponents without a dot (1e3) as strings; go-yaml reads booleans
        and floats. Checking the rendered file with this loader catches an unquoted node name "n".
        """

    GoYamlLoader.yaml_implicit_resolvers = dict(
        (key, list(value)) for key, value in yaml.SafeLoader.yaml_implicit_resolvers.items())
    GoYamlLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))
    GoYamlLoader.add_implicit_resolver(
        "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"), list("-+0123456789"))

    def _construct_go_bool(loader, node):
        return loader.construct_scalar(node).lower() in ("y", "yes", "true", "on")

    GoYamlLoader.add_constructor("tag:yaml.org,2002:bool", _construct_go_bool)
else:  # pragma: no cover
    GoYamlLoader = None


def validate_yaml(text):
    """Errors of a multi-document YAML string (a parse error is reported as one error).

    The text is read as kubeadm reads it (YAML 1.1 types of go-yaml, see GoYamlLoader).
    """
    try:
        docs = list(yaml.load_all(text, Loader=GoYamlLoader))  # nosec B506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        return ["not valid YAML: %s" % str(exc).replace("\n", " ")]
    return validate_documents(docs)
