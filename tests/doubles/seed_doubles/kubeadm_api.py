"""kubeadm's configuration API (kubeadm.k8s.io/v1beta3 and v1beta4) for the kubeadm double.

Loading follows cmd/kubeadm/app/util/config (documents split on ``---``, GVK checks, strict
decoding), defaults follow apis/kubeadm/v1beta4/defaults.go, validation follows
apis/kubeadm/validation/validation.go. The whole configuration is kept as one internal dict
(``Config``) shaped like the v1beta4 documents.
"""

import copy
import ipaddress
import re
import socket
import urllib.parse

import yaml

from . import bootstrap
from .pflag import format_duration, parse_duration

GROUP = "kubeadm.k8s.io"
DEFAULT_CRI_SOCKET = "unix:///var/run/containerd/containerd.sock"

# ---------------------------------------------------------------------------------------------
# Schemas: (GoTypeName, {jsonField: type}); a type is a scalar name, ("list", T), ("map", T) or a
# schema tuple. Scalars: str, bool, int32, duration, time, any, intstr.
_ARG = ("Arg", {"name": "str", "value": "str"})
_ENV = ("EnvVar", {"name": "str", "value": "str", "valueFrom": "any"})
_VOLUME = ("HostPathMount", {"name": "str", "hostPath": "str", "mountPath": "str", "readOnly": "bool",
                             "pathType": "str"})
_TAINT = ("Taint", {"key": "str", "value": "str", "effect": "str", "timeAdded": "time"})
_ENDPOINT = ("APIEndpoint", {"advertiseAddress": "str", "bindPort": "int32"})
_PATCHES = ("Patches", {"directory": "str"})
_BOOTSTRAP_TOKEN = ("BootstrapToken", {"token": "str", "description": "str", "ttl": "duration",
                                       "expires": "time", "usages": ("list", "str"),
                                       "groups": ("list", "str")})
_TIMEOUTS = ("Timeouts", {k: "duration" for k in (
    "controlPlaneComponentHealthCheck", "kubeletHealthCheck", "kubernetesAPICall", "etcdAPICall",
    "tlsBootstrap", "discovery", "upgradeManifests")})


_UPGRADE_COMMON = {"dryRun": "bool", "ignorePreflightErrors": ("list", "str")}
_UPGRADE_APPLY = ("UpgradeApplyConfiguration", dict(
    _UPGRADE_COMMON, kubernetesVersion="str", allowExperimentalUpgrades="bool", allowRCUpgrades="bool",
    certificateRenewal="bool", etcdUpgrade="bool", forceUpgrade="bool", patches=_PATCHES, printConfig="bool",
    skipPhases=("list", "str"), imagePullPolicy="str", imagePullSerial="bool"))
_UPGRADE_NODE = ("UpgradeNodeConfiguration", dict(
    _UPGRADE_COMMON, certificateRenewal="bool", etcdUpgrade="bool", patches=_PATCHES, skipPhases=("list", "str"),
    imagePullPolicy="str", imagePullSerial="bool"))
_UPGRADE_PLAN = ("UpgradePlanConfiguration", dict(
    _UPGRADE_COMMON, kubernetesVersion="str", allowExperimentalUpgrades="bool", allowRCUpgrades="bool",
    printConfig="bool"))


def upgrade_defaults():
    """SetDefaults_UpgradeConfiguration (v1beta4) of the fields the double reads."""
    node_like = {"certificateRenewal": True, "etcdUpgrade": True, "imagePullPolicy": "IfNotPresent",
                 "imagePullSerial": True}
    return {"apply": dict(node_like), "node": dict(node_like), "plan": {}, "diff": {},
            "timeouts": default_timeouts()}


def build_upgrade_config(docs):
    """Internal UpgradeConfiguration: the file's UpgradeConfiguration (if any) over the defaults."""
    cfg = upgrade_defaults()
    if "UpgradeConfiguration" in docs:
        _merge(cfg, _to_internal(docs["UpgradeConfiguration"][1], docs["UpgradeConfiguration"][0]))
    return cfg


def _schemas(version):
    v4 = version == "v1beta4"
    args = ("list", _ARG) if v4 else ("map", "str")
    comp = {"extraArgs": args, "extraVolumes": ("list", _VOLUME)}
    if v4:
        comp["extraEnvs"] = ("list", _ENV)
    control_plane_component = ("ControlPlaneComponent", dict(comp))
    api_server = ("APIServer", dict(comp, certSANs=("list", "str"),
                                    **({} if v4 else {"timeoutForControlPlane": "duration"})))
    node_reg = {"name": "str", "criSocket": "str", "taints": ("list", _TAINT), "kubeletExtraArgs": args,
                "ignorePreflightErrors": ("list", "str"), "imagePullPolicy": "str"}
    if v4:
        node_reg["imagePullSerial"] = "bool"
    node_reg = ("NodeRegistrationOptions", node_reg)
    local_etcd = {"imageRepository": "str", "imageTag": "str", "dataDir": "str", "extraArgs": args,
                  "serverCertSANs": ("list", "str"), "peerCertSANs": ("list", "str")}
    if v4:
        local_etcd["extraEnvs"] = ("list", _ENV)
    etcd = ("Etcd", {"local": ("LocalEtcd", local_etcd),
                     "external": ("ExternalEtcd", {"endpoints": ("list", "str"), "caFile": "str",
                                                   "certFile": "str", "keyFile": "str"})})
    dns = {"imageRepository": "str", "imageTag": "str"}
    if v4:
        dns["disabled"] = "bool"
    cluster = {
        "apiVersion": "str", "kind": "str",
        "etcd": etcd,
        "networking": ("Networking", {"serviceSubnet": "str", "podSubnet": "str", "dnsDomain": "str"}),
        "kubernetesVersion": "str", "controlPlaneEndpoint": "str",
        "apiServer": api_server, "controllerManager": control_plane_component,
        "scheduler": control_plane_component, "dns": ("DNS", dns),
        "certificatesDir": "str", "imageRepository": "str", "featureGates": ("map", "bool"),
        "clusterName": "str",
    }
    if v4:
        cluster.update({"proxy": ("Proxy", {"disabled": "bool"}), "encryptionAlgorithm": "str",
                        "certificateValidityPeriod": "duration",
                        "caCertificateValidityPeriod": "duration"})
    init = {"apiVersion": "str", "kind": "str", "bootstrapTokens": ("list", _BOOTSTRAP_TOKEN),
            "nodeRegistration": node_reg, "localAPIEndpoint": _ENDPOINT, "certificateKey": "str",
            "skipPhases": ("list", "str"), "patches": _PATCHES}
    if v4:
        init.update({"dryRun": "bool", "timeouts": _TIMEOUTS})
    btd = {"token": "str", "apiServerEndpoint": "str", "caCertHashes": ("list", "str"),
           "unsafeSkipCAVerification": "bool"}
    discovery = {"bootstrapToken": ("BootstrapTokenDiscovery", btd),
                 "file": ("FileDiscovery", {"kubeConfigPath": "str"}), "tlsBootstrapToken": "str"}
    if not v4:
        discovery["timeout"] = "duration"
    join = {"apiVersion": "str", "kind": "str", "nodeRegistration": node_reg, "caCertPath": "str",
            "discovery": ("Discovery", discovery),
            "controlPlane": ("JoinControlPlane", {"localAPIEndpoint": _ENDPOINT, "certificateKey": "str"}),
            "skipPhases": ("list", "str"), "patches": _PATCHES}
    if v4:
        join.update({"dryRun": "bool", "timeouts": _TIMEOUTS})
    out = {"InitConfiguration": ("InitConfiguration", init),
           "ClusterConfiguration": ("ClusterConfiguration", cluster),
           "JoinConfiguration": ("JoinConfiguration", join)}
    if v4:
        out["ResetConfiguration"] = ("ResetConfiguration", {
            "apiVersion": "str", "kind": "str", "cleanupTmpDir": "bool", "certificatesDir": "str",
            "criSocket": "str", "dryRun": "bool", "force": "bool",
            "ignorePreflightErrors": ("list", "str"), "skipPhases": ("list", "str"),
            "unmountFlags": ("list", "str"), "timeouts": _TIMEOUTS})
        out["UpgradeConfiguration"] = ("UpgradeConfiguration", {
            "apiVersion": "str", "kind": "str", "apply": _UPGRADE_APPLY, "diff": "any", "node": _UPGRADE_NODE,
            "plan": _UPGRADE_PLAN, "timeouts": _TIMEOUTS})
    return out


class ConfigError(Exception):
    """A configuration error; ``aggregate`` marks field-validation errors (exit code 3 up to 1.33)."""

    def __init__(self, msg, aggregate=False):
        super().__init__(msg)
        self.aggregate = aggregate


def _go_type(spec):
    if isinstance(spec, tuple) and spec[0] == "list":
        return "[]" + _go_type(spec[1])
    if isinstance(spec, tuple) and spec[0] == "map":
        return "map[string]" + _go_type(spec[1])
    if isinstance(spec, tuple):
        return "v1beta4." + spec[0]
    return {"str": "string", "duration": "v1.Duration", "time": "v1.Time"}.get(spec, spec)


def _json_kind(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def check_types(value, spec, path, struct, unknown, errors):
    """Walk ``value`` against ``spec``; collect unknown fields (strict) and type errors (fatal)."""
    if value is None or spec == "any":
        return
    if isinstance(spec, tuple) and spec[0] == "list":
        if not isinstance(value, list):
            errors.append("json: cannot unmarshal %s into Go struct field %s.%s of type %s"
                          % (_json_kind(value), struct, path, _go_type(spec)))
            return
        for item in value:
            check_types(item, spec[1], path, struct, unknown, errors)
        return
    if isinstance(spec, tuple) and spec[0] == "map":
        if not isinstance(value, dict):
            errors.append("json: cannot unmarshal %s into Go struct field %s.%s of type %s"
                          % (_json_kind(value), struct, path, _go_type(spec)))
            return
        for key, item in value.items():
            check_types(item, spec[1], path, struct, unknown, errors)
        return
    if isinstance(spec, tuple):
        name, fields = spec
        if not isinstance(value, dict):
            errors.append("json: cannot unmarshal %s into Go struct field %s.%s of type %s"
                          % (_json_kind(value), struct, path, _go_type(spec)))
            return
        for key, item in value.items():
            sub = "%s.%s" % (path, key) if path else key
            if key not in fields:
                unknown.append(sub)
                continue
            check_types(item, fields[key], sub, name, unknown, errors)
        return
    ok = {"str": isinstance(value, str) or (isinstance(value, (int, float)) and False),
          "bool": isinstance(value, bool),
          "int32": isinstance(value, int) and not isinstance(value, bool) and -2**31 <= value < 2**31,
          "duration": isinstance(value, str),
          "time": isinstance(value, str)}.get(spec, True)
    if not ok:
        go = _go_type(spec)
        if spec == "int32" and isinstance(value, int) and not isinstance(value, bool):
            errors.append("json: cannot unmarshal number %s into Go struct field %s.%s of type int32"
                          % (value, struct, path))
        else:
            errors.append("json: cannot unmarshal %s into Go struct field %s.%s of type %s"
                          % (_json_kind(value), struct, path, go))
        return
    if spec == "duration":
        try:
            parse_duration(value)
        except ValueError as exc:
            errors.append(str(exc))


def gvk_text(version, kind, group=GROUP):
    return 'schema.GroupVersionKind{Group:"%s", Version:"%s", Kind:"%s"}' % (group, version, kind)


def split_documents(data):
    """[(apiVersion, kind, dict)] of a multi-document YAML text; ConfigError on broken YAML."""
    docs = []
    for raw in re.split(r"^---[ \t]*$", data, flags=re.M):
        if not raw.strip():
            continue
        try:
            obj = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise ConfigError("error converting YAML to JSON: yaml: %s" % str(exc).replace("\n", " "))
        if obj is None:
            continue
        if not isinstance(obj, dict):
            raise ConfigError("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
                              "%s into Go value of type struct { APIVersion string \"json:\\\"apiVersion,"
                              "omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }" % _json_kind(obj))
        api, kind = obj.get("apiVersion", ""), obj.get("kind", "")
        if not kind:
            raise ConfigError("Object 'Kind' is missing in '%s'" % raw.strip())
        if not api:
            raise ConfigError("Object 'apiVersion' is missing in '%s'" % raw.strip())
        docs.append((api, kind, obj))
    return docs


def supported_versions(kubeadm_version):
    """{version: deprecated?} of the kubeadm API versions a kubeadm release reads."""
    return {"v1beta3": True, "v1beta4": False}


def check_version(api, kind, kubeadm_minor, warn):
    group, _, version = api.partition("/")
    if version in ("v1alpha1", "v1alpha2", "v1alpha3", "v1beta1", "v1beta2"):
        use = {"v1alpha1": "v1.11", "v1alpha2": "v1.12", "v1alpha3": "v1.14", "v1beta1": "v1.20",
               "v1beta2": "v1.25"}[version]
        raise ConfigError("your configuration file uses an old API spec: %q (kind: %q). Please use "
                          "kubeadm %s instead and run 'kubeadm config migrate --old-config old.yaml "
                          "--new-config new.yaml', which will write the new, similar spec using a "
                          "newer API version." % (api, kind, use))
    if version == "v1beta3":
        warn("your configuration file uses a deprecated API spec: %q (kind: %q). Please use "
             "'kubeadm config migrate --old-config old.yaml --new-config new.yaml', which will write "
             "the new, similar spec using a newer API version." % (api, kind))
    if version not in ("v1beta3", "v1beta4"):
        raise ConfigError('no kind "%s" is registered for version "%s" in scheme '
                          '"k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"' % (kind, api))


COMPONENT_KINDS = {("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration"): "kubelet",
                   ("kubeproxy.config.k8s.io/v1alpha1", "KubeProxyConfiguration"): "kube-proxy"}


def load_documents(data, allowed_kinds, kubeadm_minor, warn, strict_fatal=False):
    """{kind: (version, obj)} of kubeadm documents plus component configs.

    Unknown fields are warnings (strict_fatal False: init/join) or errors (config validate).
    Type errors are always errors.
    """
    found = {}
    for api, kind, obj in split_documents(data):
        group, _, version = api.partition("/")
        if (api, kind) in COMPONENT_KINDS:
            found[kind] = (version, obj)
            continue
        if group != GROUP:
            warn("[config] WARNING: Ignored configuration document with GroupVersionKind %s/%s, Kind=%s"
                 % (group, version, kind))
            continue
        check_version(api, kind, kubeadm_minor, warn)
        schemas = _schemas(version)
        if kind not in schemas:
            raise ConfigError('no kind "%s" is registered for version "%s" in scheme '
                              '"k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"'
                              % (kind, api))
        if kind not in allowed_kinds:
            warn("[config] WARNING: Ignored configuration document with GroupVersionKind %s"
                 % gvk_text(version, kind))
            continue
        if kind in found:
            raise ConfigError("invalid configuration: kind %q is specified twice in YAML file" % kind)
        unknown, errors = [], []
        name, fields = schemas[kind]
        check_types(obj, schemas[kind], "", name, unknown, errors)
        if errors:
            raise ConfigError(errors[0])
        if unknown:
            msg = "error unmarshaling configuration %s: strict decoding error: %s" % (
                gvk_text(version, kind), ", ".join('unknown field "%s"' % u for u in unknown))
            if strict_fatal:
                raise ConfigError(msg)
            warn(msg)
        found[kind] = (version, _drop_unknown(obj, schemas[kind]))
    return found


def _drop_unknown(value, spec):
    if value is None or spec == "any" or not isinstance(spec, tuple):
        return value
    if spec[0] == "list":
        return [_drop_unknown(v, spec[1]) for v in value]
    if spec[0] == "map":
        return {k: _drop_unknown(v, spec[1]) for k, v in value.items()}
    return {k: _drop_unknown(v, spec[1][k]) for k, v in value.items() if k in spec[1]}


# ---------------------------------------------------------------------------------------------
# Conversion to the internal (v1beta4-shaped) form and defaults

def args_list(value):
    """extraArgs of either version as [{name, value}] (a v1beta3 map is sorted by name)."""
    if isinstance(value, dict):
        return [{"name": k, "value": str(v)} for k, v in sorted(value.items())]
    return [dict(a) for a in (value or [])]


def _to_internal(obj, version):
    obj = copy.deepcopy(obj)
    obj.pop("apiVersion", None)
    obj.pop("kind", None)
    if version != "v1beta3":
        return obj
    for key in ("apiServer", "controllerManager", "scheduler"):
        if key in obj and obj[key] and "extraArgs" in obj[key]:
            obj[key]["extraArgs"] = args_list(obj[key]["extraArgs"])
    local = (obj.get("etcd") or {}).get("local")
    if local and "extraArgs" in local:
        local["extraArgs"] = args_list(local["extraArgs"])
    nreg = obj.get("nodeRegistration")
    if nreg and "kubeletExtraArgs" in nreg:
        nreg["kubeletExtraArgs"] = args_list(nreg["kubeletExtraArgs"])
    timeout = (obj.get("apiServer") or {}).pop("timeoutForControlPlane", None)
    if timeout:
        obj.setdefault("timeouts", {})["controlPlaneComponentHealthCheck"] = timeout
    disc_timeout = (obj.get("discovery") or {}).pop("timeout", None)
    if disc_timeout:
        obj.setdefault("timeouts", {})["discovery"] = disc_timeout
    return obj


def default_node_name():
    return socket.gethostname().lower()


def default_advertise_address():
    """The host's address on the default route (kubeadm's ChooseHostInterface)."""
    try:
        with open("/proc/net/route", encoding="utf-8") as handle:
            lines = handle.read().splitlines()[1:]
        for line in lines:
            parts = line.split()
            if len(parts) > 1 and parts[1] == "00000000":
                iface = parts[0]
                import fcntl
                import struct
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                try:
                    packed = fcntl.ioctl(sock.fileno(), 0x8915, struct.pack("256s", iface[:15].encode()))
                    return socket.inet_ntoa(packed[20:24])
                finally:
                    sock.close()
    except (OSError, ImportError):
        pass
    return "127.0.0.1"


def default_timeouts():
    return {"controlPlaneComponentHealthCheck": "4m0s", "discovery": "5m0s", "etcdAPICall": "2m0s",
            "kubeletHealthCheck": "4m0s", "kubernetesAPICall": "1m0s", "tlsBootstrap": "5m0s",
            "upgradeManifests": "5m0s"}


def default_cluster(kubernetes_version):
    return {
        "apiServer": {}, "controllerManager": {}, "scheduler": {}, "dns": {}, "proxy": {},
        "etcd": {"local": {"dataDir": "/var/lib/etcd"}},
        "networking": {"dnsDomain": "cluster.local", "serviceSubnet": "10.96.0.0/12"},
        "kubernetesVersion": kubernetes_version, "certificatesDir": "/etc/kubernetes/pki",
        "imageRepository": "registry.k8s.io", "clusterName": "kubernetes",
        "encryptionAlgorithm": "RSA-2048", "certificateValidityPeriod": "8760h0m0s",
        "caCertificateValidityPeriod": "87600h0m0s",
    }


def _merge(base, over):
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def build_config(docs, kind, kubernetes_version, with_defaults=True):
    """Internal config dict from loaded documents for an init ("InitConfiguration") or join."""
    cfg = {"cluster": default_cluster(kubernetes_version), "components": {}}
    if "ClusterConfiguration" in docs:
        version, obj = docs["ClusterConfiguration"]
        cluster = _to_internal(obj, version)
        if cluster.get("etcd", {}).get("external"):
            cfg["cluster"]["etcd"] = {}
        _merge(cfg["cluster"], cluster)
    if kind == "InitConfiguration":
        node = {"bootstrapTokens": [{"token": bootstrap.generate_token(), "ttl": "24h0m0s",
                                     "usages": list(bootstrap.DEFAULT_USAGES),
                                     "groups": [bootstrap.DEFAULT_GROUP]}],
                "localAPIEndpoint": {"bindPort": 6443}, "nodeRegistration": {}}
    else:
        node = {"caCertPath": "/etc/kubernetes/pki/ca.crt", "discovery": {}, "nodeRegistration": {}}
    node["timeouts"] = default_timeouts()
    if kind in docs:
        version, obj = docs[kind]
        user = _to_internal(obj, version)
        if kind == "InitConfiguration" and "bootstrapTokens" in user:
            tokens = []
            for tok in user.pop("bootstrapTokens") or []:
                tok = dict(tok)
                if not tok.get("token"):
                    tok["token"] = bootstrap.generate_token()
                tok.setdefault("usages", list(bootstrap.DEFAULT_USAGES))
                tok.setdefault("groups", [bootstrap.DEFAULT_GROUP])
                if not tok.get("expires"):
                    tok.setdefault("ttl", "24h0m0s")
                tokens.append(tok)
            node["bootstrapTokens"] = tokens
        _merge(node, user)
    cfg["node"] = node
    for comp_kind in ("KubeletConfiguration", "KubeProxyConfiguration"):
        if comp_kind in docs:
            cfg["components"][comp_kind] = docs[comp_kind][1]
    nreg = node["nodeRegistration"]
    nreg.setdefault("criSocket", DEFAULT_CRI_SOCKET)
    nreg.setdefault("imagePullPolicy", "IfNotPresent")
    if with_defaults:
        nreg.setdefault("name", default_node_name())
    if kind == "InitConfiguration":
        nreg.setdefault("taints", [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}])
        ep = node["localAPIEndpoint"]
        if not ep.get("advertiseAddress") and with_defaults:
            ep["advertiseAddress"] = default_advertise_address()
        ep.setdefault("bindPort", 6443)
    else:
        disc = node.get("discovery") or {}
        if disc.get("bootstrapToken") and not disc.get("tlsBootstrapToken"):
            disc["tlsBootstrapToken"] = disc["bootstrapToken"].get("token", "")
        cp = node.get("controlPlane")
        if cp is not None:
            cp.setdefault("localAPIEndpoint", {})
            if not cp["localAPIEndpoint"].get("advertiseAddress") and with_defaults:
                cp["localAPIEndpoint"]["advertiseAddress"] = default_advertise_address()
            cp["localAPIEndpoint"].setdefault("bindPort", 6443)
    return cfg


def duration_of(cfg, name):
    return parse_duration(cfg["node"].get("timeouts", {}).get(name) or default_timeouts()[name])


# ---------------------------------------------------------------------------------------------
# Validation (field.ErrorList texts)

_DNS1123_SUB = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
                "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
_IMAGE_REPO = re.compile(r"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
                         r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?"
                         r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$")


def _quote(value):
    if isinstance(value, str):
        return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')
    if isinstance(value, list):
        return "[]string{%s}" % ", ".join(_quote(v) for v in value)
    return str(value)


def _invalid(path, value, msg):
    return "%s: Invalid value: %s: %s" % (path, _quote(value), msg)


def _required(path, msg):
    return "%s: Required value: %s" % (path, msg)


def is_dns1123_subdomain(name):
    return len(name) <= 253 and bool(_DNS1123_SUB.match(name))


def _valid_ip(text):
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _cert_sans(sans, path):
    errs = []
    for san in sans or []:
        if is_dns1123_subdomain(san) or _valid_ip(san):
            continue
        if san.startswith("*.") and is_dns1123_subdomain(san[2:]):
            continue
        errs.append(_invalid(path, san, "altname is not a valid IP address, DNS label or a DNS label "
                                        "with subdomain wildcards: %s; %s" % (
                                            _DNS1123_MSG,
                                            "a wildcard DNS-1123 subdomain must start with '*.', followed "
                                            "by a valid DNS subdomain, which must consist of lower case "
                                            "alphanumeric characters, '-' or '.' and end with an "
                                            "alphanumeric character (e.g. '*.example.com', regex used for "
                                            "validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]"
                                            "([-a-z0-9]*[a-z0-9])?)*')")))
    return errs


def _subnet(value, minimum, path):
    errs = []
    parts = value.split(",")
    nets = []
    for part in parts:
        try:
            nets.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            return [_invalid(path, value, "couldn't parse subnet")]
    if len(nets) > 2 or (len(nets) == 2 and nets[0].version == nets[1].version):
        errs.append(_invalid(path, value, "expected one (IPv4 or IPv6) CIDR or two CIDRs from each "
                                          "family for dual-stack networking"))
    for net in nets:
        if net.num_addresses < minimum:
            errs.append(_invalid(path, str(net), "subnet with %d address(es) is too small, the minimum is %d"
                                 % (net.num_addresses, minimum)))
    return errs, nets


ENCRYPTION_ALGORITHMS = ["ECDSA-P256", "ECDSA-P384", "RSA-2048", "RSA-3072", "RSA-4096"]


def _extra_args(args, path):
    return [_invalid(path, "index %d" % i, "argument has no name") for i, a in enumerate(args or [])
            if not a.get("name")]


def _socket(sock, path):
    if not sock:
        return [_invalid(path, sock, "empty CRI socket")]
    scheme = urllib.parse.urlsplit(sock).scheme
    if scheme != "unix":
        return [_invalid(path, sock, 'only URL scheme "unix" is supported, got "%s"' % scheme)]
    return []


def _node_registration(nreg, path):
    errs = []
    name = nreg.get("name", "")
    if not name:
        errs.append(_required(path, "--node-name or .nodeRegistration.name in the config file is a "
                                    "required value. It seems like this value couldn't be automatically "
                                    "detected in your environment, please specify the desired value "
                                    "using the CLI or config file."))
    elif not is_dns1123_subdomain(name):
        errs.append(_invalid(path + ".name", name, _DNS1123_MSG))
    errs += _socket(nreg.get("criSocket", ""), path + ".criSocket")
    errs += _extra_args(nreg.get("kubeletExtraArgs"), path + ".kubeletExtraArgs")
    policy = nreg.get("imagePullPolicy", "")
    if policy and policy not in ("Always", "IfNotPresent", "Never"):
        errs.append("%s.imagePullPolicy: Unsupported value: %s: supported values: \"Always\", "
                    "\"IfNotPresent\", \"Never\"" % (path, _quote(policy)))
    return errs


def _endpoint(ep, path):
    errs = []
    if not _valid_ip(ep.get("advertiseAddress", "")):
        errs.append(_invalid(path + ".advertiseAddress", ep.get("advertiseAddress", ""), "ip address is not valid"))
    port = ep.get("bindPort", 0)
    if not (isinstance(port, int) and 0 < port < 65536):
        errs.append(_invalid(path + ".bindPort", port, "port number is not valid"))
    return errs


def _certificate_key(key, path):
    if not key:
        return []
    try:
        raw = bootstrap.decode_hex_key(key)
    except ValueError as exc:
        return [_invalid(path, key, "certificate key decoding error: %s" % exc)]
    if len(raw) != 32:
        return [_invalid(path, key, "invalid certificate key size %d, the key must be an AES key of size 32"
                         % len(raw))]
    return []


def _token(token, path):
    if not bootstrap.is_valid_token(token):
        return [_invalid(path, token, "the bootstrap token is invalid")]
    return []


def _host_port(endpoint):
    host, port = endpoint, ""
    if endpoint.startswith("["):
        host, _, rest = endpoint[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif endpoint.count(":") == 1:
        host, port = endpoint.split(":")
    return host, port


def validate_cluster(cluster):
    errs = []
    net = cluster.get("networking", {})
    dom = net.get("dnsDomain", "")
    if not is_dns1123_subdomain(dom):
        errs.append(_invalid("networking.dnsDomain", dom, _DNS1123_MSG))
    if net.get("serviceSubnet"):
        res = _subnet(net["serviceSubnet"], 10, "networking.serviceSubnet")
        if isinstance(res, list):
            errs += res
        else:
            sub_errs, nets = res
            errs += sub_errs
            for n in nets:
                if n.max_prefixlen - n.prefixlen > 20:
                    errs.append(_invalid("networking.serviceSubnet", str(n),
                                         "specified service subnet is too large; for %d-bit addresses, the "
                                         "mask must be >= %d" % (n.max_prefixlen, n.max_prefixlen - 20)))
    if net.get("podSubnet"):
        res = _subnet(net["podSubnet"], 14, "networking.podSubnet")
        if isinstance(res, list):
            errs += res
        else:
            sub_errs, nets = res
            errs += sub_errs
            kcm_args = {a.get("name"): a.get("value") for a in cluster.get("controllerManager", {}).get("extraArgs") or []}
            if kcm_args.get("allocate-node-cidrs") != "false":
                for n in nets:
                    key = "node-cidr-mask-size-ipv6" if n.version == 6 else "node-cidr-mask-size-ipv4"
                    mask = int(kcm_args.get(key) or (64 if n.version == 6 else 24))
                    if n.prefixlen > mask:
                        errs.append(_invalid("networking.podSubnet", str(n),
                                             "the size of pod subnet with mask %d is smaller than the size of "
                                             "node subnet with mask %d" % (n.prefixlen, mask)))
                    elif mask - n.prefixlen > 16:
                        errs.append(_invalid("networking.podSubnet", str(n),
                                             "pod subnet mask (%d) and node-mask (%d) difference is greater "
                                             "than 16" % (n.prefixlen, mask)))
    errs += _cert_sans(cluster.get("apiServer", {}).get("certSANs"), "apiServer.certSANs")
    for comp in ("apiServer", "controllerManager", "scheduler"):
        errs += _extra_args(cluster.get(comp, {}).get("extraArgs"), comp + ".extraArgs")
    if not str(cluster.get("certificatesDir", "")).startswith("/"):
        errs.append(_invalid("certificatesDir", cluster.get("certificatesDir", ""), "path is not absolute"))
    for gate in cluster.get("featureGates") or {}:
        if gate not in FEATURE_GATES:
            errs.append(_invalid("featureGates", cluster["featureGates"], "%s is not a valid feature name." % gate))
    cpe = cluster.get("controlPlaneEndpoint", "")
    if cpe:
        host, port = _host_port(cpe)
        if not host or (port and not (port.isdigit() and 0 < int(port) < 65536)) or (
                not _valid_ip(host) and not is_dns1123_subdomain(host)):
            errs.append(_invalid("controlPlaneEndpoint", cpe, "endpoint is not valid"))
    repo = cluster.get("imageRepository", "")
    if not _IMAGE_REPO.match(repo + "/name"):
        errs.append(_invalid("imageRepository", repo, "invalid image repository format"))
    dns_repo = cluster.get("dns", {}).get("imageRepository", "")
    if dns_repo and not _IMAGE_REPO.match(dns_repo + "/name"):
        errs.append(_invalid("dns.imageRepository", dns_repo, "invalid image repository format"))
    etcd = cluster.get("etcd", {})
    if not etcd.get("local") and not etcd.get("external"):
        errs.append(_invalid("etcd", "", "either .Etcd.Local or .Etcd.External is required"))
    elif etcd.get("local") and etcd.get("external"):
        errs.append(_invalid("etcd", "", ".Etcd.Local and .Etcd.External are mutually exclusive"))
    elif etcd.get("local"):
        local = etcd["local"]
        if not str(local.get("dataDir", "")).startswith("/"):
            errs.append(_invalid("etcd.local.dataDir", local.get("dataDir", ""), "path is not absolute"))
        errs += _cert_sans(local.get("serverCertSANs"), "etcd.local.serverCertSANs")
        errs += _cert_sans(local.get("peerCertSANs"), "etcd.local.peerCertSANs")
        errs += _extra_args(local.get("extraArgs"), "etcd.local.extraArgs")
    else:
        ext = etcd["external"]
        cert, key, ca = ext.get("certFile", ""), ext.get("keyFile", ""), ext.get("caFile", "")
        if bool(cert) != bool(key):
            errs.append(_invalid("etcd.external", "", "either both or none of .Etcd.External.CertFile and "
                                                      ".Etcd.External.KeyFile must be set"))
        if cert and key and not ca:
            errs.append(_invalid("etcd.external", "", "setting .Etcd.External.CertFile and "
                                                      ".Etcd.External.KeyFile requires .Etcd.External.CAFile"))
        https = bool(cert or key or ca)
        for url in ext.get("endpoints") or []:
            scheme = urllib.parse.urlsplit(url).scheme
            if https and scheme != "https":
                errs.append(_invalid("etcd.external.endpoints", url, "the URL must be using the HTTPS scheme"))
            if not scheme:
                errs.append(_invalid("etcd.external.endpoints", url, "the URL without scheme is not allowed"))
    algo = cluster.get("encryptionAlgorithm", "RSA-2048")
    if algo not in ENCRYPTION_ALGORITHMS:
        errs.append(_invalid("encryptionAlgorithm", algo, "Invalid encryption algorithm %s. Must be one of [%s]"
                             % (_quote(algo), " ".join(ENCRYPTION_ALGORITHMS))))
    return errs


FEATURE_GATES = {"ControlPlaneKubeletLocalMode", "EtcdLearnerMode", "NodeLocalCRISocket",
                 "PublicKeysECDSA", "RootlessControlPlane", "WaitForAllControlPlaneComponents",
                 "UpgradeAddonsBeforeControlPlane"}


def validate_init(cfg):
    node = cfg["node"]
    errs = _node_registration(node.get("nodeRegistration", {}), "nodeRegistration")
    for i, tok in enumerate(node.get("bootstrapTokens") or []):
        path = "bootstrapTokens[%d]" % i
        errs += _token(tok.get("token", ""), path + ".token")
        usage_err = bootstrap.validate_usages(tok.get("usages") or [])
        if usage_err:
            errs.append(_invalid(path + ".usages", tok.get("usages"), usage_err))
        if tok.get("groups") and "authentication" not in (tok.get("usages") or []):
            errs.append(_invalid(path + ".groups", tok.get("groups"),
                                 'token groups cannot be specified unless --usages includes "authentication"'))
        for group in tok.get("groups") or []:
            gerr = bootstrap.validate_group(group)
            if gerr:
                errs.append(_invalid(path + ".groups", tok.get("groups"), gerr))
        if tok.get("expires") and tok.get("ttl") and tok["ttl"] != "24h0m0s":
            errs.append(_invalid(path, "", "the BootstrapToken .TTL and .Expires fields are mutually exclusive"))
    errs += validate_cluster(cfg["cluster"])
    errs += _endpoint(node.get("localAPIEndpoint", {}), "localAPIEndpoint")
    errs += _certificate_key(node.get("certificateKey", ""), "certificateKey")
    return errs


def validate_join(cfg):
    node = cfg["node"]
    errs = []
    disc = node.get("discovery") or {}
    btd, fdisc = disc.get("bootstrapToken"), disc.get("file")
    if not btd and not fdisc:
        errs.append(_invalid("discovery", "", "bootstrapToken or file must be set"))
    if btd and fdisc:
        errs.append(_invalid("discovery", "", "bootstrapToken and file cannot both be set"))
    if btd:
        if not btd.get("apiServerEndpoint"):
            errs.append(_required("discovery.bootstrapToken", "APIServerEndpoint is not set"))
        if not btd.get("caCertHashes") and not btd.get("unsafeSkipCAVerification"):
            errs.append(_invalid("discovery.bootstrapToken.caCertHashes", "",
                                 "using token-based discovery without caCertHashes can be unsafe. Set "
                                 "unsafeSkipCAVerification as true in your kubeadm config file or pass "
                                 "--discovery-token-unsafe-skip-ca-verification flag to continue"))
        errs += _token(btd.get("token", ""), "discovery.bootstrapToken.token")
        ep = btd.get("apiServerEndpoint", "")
        host, port = _host_port(ep)
        if ep and (not port or ":" not in ep):
            errs.append(_invalid("discovery.bootstrapToken.apiServerEndpoint", ep,
                                 "address %s: missing port in address" % ep))
        errs += _token(disc.get("tlsBootstrapToken", ""), "discovery.tlsBootstrapToken")
    if fdisc:
        path = fdisc.get("kubeConfigPath", "")
        scheme = urllib.parse.urlsplit(path).scheme
        if scheme and scheme != "https":
            errs.append(_invalid("discovery.file.kubeConfigPath", path, "if a URL is used, the scheme must be https"))
    errs += _node_registration(node.get("nodeRegistration", {}), "nodeRegistration")
    cp = node.get("controlPlane")
    if cp is not None:
        errs += _endpoint(cp.get("localAPIEndpoint", {}), "controlPlane.localAPIEndpoint")
        errs += _certificate_key(cp.get("certificateKey", ""), "controlPlane.certificateKey")
    ca = node.get("caCertPath", "")
    if not ca.startswith("/") or not ca.endswith(".crt"):
        errs.append(_invalid("caCertPath", ca, "the ca certificate path must be an absolute path"))
    return errs


def aggregate(errs):
    """The text of a utilerrors.Aggregate of ``errs``."""
    if len(errs) == 1:
        return errs[0]
    return "[" + ", ".join(errs) + "]"


# ---------------------------------------------------------------------------------------------
# Serialisation (the kubeadm-config ConfigMap, config print)

def cluster_document(cluster, version="v1beta4"):
    doc = {"apiVersion": "%s/%s" % (GROUP, version), "kind": "ClusterConfiguration"}
    order = ["apiServer", "caCertificateValidityPeriod", "certificateValidityPeriod", "certificatesDir",
             "clusterName", "controlPlaneEndpoint", "controllerManager", "dns", "encryptionAlgorithm",
             "etcd", "featureGates", "imageRepository", "kubernetesVersion", "networking", "proxy", "scheduler"]
    for key in order:
        if key in cluster and cluster[key] not in (None, ""):
            doc[key] = copy.deepcopy(cluster[key])
    return doc


def dump_yaml(obj):
    return yaml.safe_dump(obj, default_flow_style=False, sort_keys=True)


def duration_text(seconds):
    return format_duration(seconds)
