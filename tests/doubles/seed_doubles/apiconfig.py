"""Configuration files of the kube-apiserver stand-in: what the files given by its flags have in
common (TEST DOUBLE; every rule below follows kubernetes/kubernetes, the upstream file is named).

- ``ConfigError``: a start-up failure, reported as upstream reports it. Errors of the command line
  itself are printed ``Error: <err>`` before logging starts; errors met while building the server
  are logged ``E... "command failed" err="<err>"`` (staging/src/k8s.io/component-base/cli/run.go);
  both exit 1. ``klog.Fatalf`` paths exit 255.
- ``FieldError`` / ``aggregate``: the text of upstream's field errors and error aggregates
  (staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go, pkg/util/errors/errors.go).
- ``decode``: apiVersion/kind dispatch of a YAML or JSON document as runtime decoders do
  (missing apiVersion/kind, "no kind ... is registered", strict decoding's unknown fields).
  Simplified: the scheme name in "no kind is registered" errors is the file that builds the scheme,
  without upstream's line number; YAML syntax errors carry PyYAML's text, not sigs.k8s.io/yaml's.
- ``feature_gates``: the gates these configuration files depend on, per minor (versioned specs of
  staging/src/k8s.io/apiserver/pkg/features/kube_features.go); other gate names are not interpreted.
- ``PodMounts``: what a static pod's container sees. The pods helper of the kubelet double passes
  the container's volumeMounts in ``SEED_POD_MOUNTS`` (JSON list of {"mountPath", "readOnly"}); a
  file outside every mount does not exist for a real container (its image has no such file), so
  the double answers "no such file or directory" for it, and a read-only mount refuses writes with
  "read-only file system". Without ``SEED_POD_MOUNTS`` (the double run directly) nothing is hidden.
"""

import errno
import json
import os
import re

import yaml

LATEST_MINOR = 36  # the newest minor the doubles know; v0.0.0 (no SEED_COMPONENT_VERSION) acts as it


class ConfigError(Exception):
    """A start-up failure. ``stage``: "flags" (printed "Error: ...", before logging is set up),
    "run" (logged ``"command failed" err=...``) or "fatal" (klog.Fatalf, exit 255)."""

    def __init__(self, message, stage="run"):
        super().__init__(message)
        self.message = message
        self.stage = stage

    @property
    def exit_code(self):
        return 255 if self.stage == "fatal" else 1


def go_quote(text):
    """Go's %q of a string (printable ASCII as is; \\" and \\\\ escaped)."""
    out = []
    for char in str(text):
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append("\\x%02x" % ord(char))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


class GoValue:
    """A value whose Go rendering (%#v of a struct or slice) is given as text."""

    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text


OMIT = object()


def go_value(value):
    """Rendering of a bad value in a field error (field/errors.go ErrorBody)."""
    if isinstance(value, GoValue):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return "[]string{" + ", ".join(go_quote(v) for v in value) + "}"
    return json.dumps(value, sort_keys=True)


class FieldError:
    """One field.Error: ``<path>: <type>[: <value>][: <detail>]``."""

    NO_VALUE_TYPES = ("Required value", "Forbidden", "Too long", "Internal error")

    def __init__(self, etype, path, value=OMIT, detail=""):
        self.etype, self.path, self.value, self.detail = etype, path, value, detail

    def body(self):
        text = self.etype
        if self.etype not in self.NO_VALUE_TYPES and self.value is not OMIT:
            text = "%s: %s" % (self.etype, go_value(self.value))
        if self.detail:
            text += ": " + self.detail
        return text

    def __str__(self):
        return "%s: %s" % (self.path, self.body()) if self.path else self.body()


def invalid(path, value, detail):
    return FieldError("Invalid value", path, value, detail)


def required(path, detail=""):
    return FieldError("Required value", path, OMIT, detail)


def forbidden(path, detail):
    return FieldError("Forbidden", path, OMIT, detail)


def duplicate(path, value):
    return FieldError("Duplicate value", path, value)


def not_supported(path, value, supported):
    return FieldError("Unsupported value", path, value, "supported values: " + ", ".join(go_quote(s) for s in supported))


def aggregate(errors):
    """utilerrors.NewAggregate(...).Error(): one error as is, several as ``[a, b]``."""
    texts = []
    for err in errors:
        text = str(err)
        if text not in texts:  # the aggregate prints each distinct message once
            texts.append(text)
    if not texts:
        return ""
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


# ---------------------------------------------------------------- versions and feature gates

def component_minor(version=None):
    """The minor of SEED_COMPONENT_VERSION (v1.33.2 -> 33); LATEST_MINOR for v0.0.0 or garbage."""
    version = version if version is not None else os.environ.get("SEED_COMPONENT_VERSION", "")
    match = re.match(r"v?(\d+)\.(\d+)", version or "")
    if not match or int(match.group(1)) == 0:
        return LATEST_MINOR
    return int(match.group(2))


# name -> [(from minor, default, prerelease, locked)] (kube_features.go versioned specs)
GATES = {
    "StructuredAuthenticationConfiguration": [(29, False, "Alpha", False), (30, True, "Beta", False),
                                              (34, True, "GA", True)],
    "AnonymousAuthConfigurableEndpoints": [(31, False, "Alpha", False), (32, True, "Beta", False),
                                           (34, True, "GA", True)],
    # true skips NodeRestriction's admitCSR (kube_apiserver.py admit_node_csr)
    "AllowInsecureKubeletCertificateSigningRequests": [(31, False, "Deprecated", False)],
}


def gate_spec(name, minor):
    spec = None
    for entry in GATES.get(name, []):
        if minor >= entry[0]:
            spec = entry
    return spec


def feature_gates(value, minor):
    """{gate: enabled} of the gates in GATES for ``--feature-gates`` at ``minor``; raises
    ConfigError(stage="flags") as pflag reports a bad value (component-base/featuregate)."""
    gates = {}
    for name in GATES:
        spec = gate_spec(name, minor)
        if spec:
            gates[name] = spec[1]
    for item in (value or "").split(","):
        item = item.strip()
        if not item:
            continue
        name, eq, raw = item.partition("=")
        name = name.strip()
        if name not in GATES:
            continue  # not interpreted by the double
        bad = 'invalid argument "%s" for "--feature-gates" flag: ' % value
        spec = gate_spec(name, minor)
        if spec is None:
            raise ConfigError(bad + "unrecognized feature gate: %s" % name, "flags")
        if not eq:
            raise ConfigError(bad + "missing bool value for %s" % name, "flags")
        raw = raw.strip()
        if raw.lower() not in ("true", "false", "1", "0", "t", "f"):
            raise ConfigError(bad + 'invalid value of %s=%s, err: strconv.ParseBool: parsing "%s": invalid syntax'
                              % (name, raw, raw), "flags")
        enabled = raw.lower() in ("true", "1", "t")
        if spec[3] and enabled != spec[1]:
            raise ConfigError(bad + "cannot set feature gate %s to %s, feature is locked to %s"
                              % (name, str(enabled).lower(), str(spec[1]).lower()), "flags")
        gates[name] = enabled
    return gates


# ---------------------------------------------------------------- decoding

def decode(data, served, scheme, strict_fields=None):
    """(object, apiVersion, kind) of a YAML/JSON document; ``served``: the accepted
    (apiVersion, kind) pairs; ``strict_fields(obj)`` -> [unknown field paths] for strict decoders.
    Raises ValueError with the decoder's message."""
    try:
        obj = yaml.safe_load(data) if data.strip() else None
    except yaml.YAMLError as exc:
        raise ValueError("error converting YAML to JSON: %s" % str(exc).replace("\n", " ")) from exc
    if obj is None:
        obj = {}
    if not isinstance(obj, dict):
        raise ValueError("couldn't get version/kind; json parse error: json: cannot unmarshal %s into Go value "
                         "of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string "
                         "\"json:\\\"kind,omitempty\\\"\" }" % _json_type(obj))
    shown = json.dumps(obj, separators=(",", ":"), default=str)
    api_version, kind = obj.get("apiVersion") or "", obj.get("kind") or ""
    if not kind:
        raise ValueError("Object 'Kind' is missing in '%s'" % shown)
    if not api_version:
        raise ValueError("Object 'apiVersion' is missing in '%s'" % shown)
    if (api_version, kind) not in served:
        raise ValueError('no kind "%s" is registered for version "%s" in scheme "%s"' % (kind, api_version, scheme))
    if strict_fields is not None:
        unknown = strict_fields(obj)
        if unknown:
            raise ValueError("strict decoding error: " + ", ".join('unknown field "%s"' % f for f in unknown))
    return obj, api_version, kind


def _json_type(value):
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "object"


def unknown_fields(obj, schema, prefix=""):
    """Field paths of ``obj`` not in ``schema`` ({field: sub-schema or None}; a list schema is
    ``[sub-schema]``), as the strict JSON decoder names them (``a.b[0].c``)."""
    out = []
    if not isinstance(obj, dict) or schema is None:
        return out
    for key, value in obj.items():
        path = prefix + "." + key if prefix else key
        if key not in schema:
            out.append(path)
            continue
        sub = schema[key]
        if isinstance(sub, list) and isinstance(value, list):
            for i, item in enumerate(value):
                out += unknown_fields(item, sub[0], "%s[%d]" % (path, i))
        elif isinstance(sub, dict):
            out += unknown_fields(value, sub, path)
    return out


# ---------------------------------------------------------------- files as a static pod's container sees them

_ERRNO_TEXT = {errno.ENOENT: "no such file or directory", errno.EACCES: "permission denied",
               errno.EISDIR: "is a directory", errno.ENOTDIR: "not a directory",
               errno.EROFS: "read-only file system"}


def go_os_error(exc, op, path):
    """Go's *PathError text: ``open /x: no such file or directory``."""
    return "%s %s: %s" % (op, path, _ERRNO_TEXT.get(exc.errno, (exc.strerror or str(exc)).lower()))


class PodMounts:
    """The container's volumeMounts (mountPath, readOnly) given by the pods helper."""

    ENV = "SEED_POD_MOUNTS"

    def __init__(self, mounts):
        self.mounts = []
        for mount in mounts:
            path = os.path.normpath(str(mount.get("mountPath") or ""))
            if path.startswith("/"):
                self.mounts.append((path, bool(mount.get("readOnly"))))
        self.mounts.sort(key=lambda m: len(m[0]), reverse=True)

    @classmethod
    def from_env(cls, environ=None):
        raw = (environ if environ is not None else os.environ).get(cls.ENV)
        if raw is None:
            return None
        try:
            mounts = json.loads(raw)
        except ValueError:
            return None
        return cls(mounts if isinstance(mounts, list) else [])

    def mount_for(self, path):
        """(mountPath, readOnly) of the mount ``path`` lies in (the deepest), or None."""
        path = os.path.normpath(os.path.join("/", path))
        for mount, read_only in self.mounts:
            if path == mount or path.startswith(mount.rstrip("/") + "/"):
                return mount, read_only
        return None

    def visible(self, path):
        return self.mount_for(path) is not None


def check_visible(path, mounts):
    """Raise FileNotFoundError when ``path`` lies outside every volume mount of the container."""
    if mounts is not None and not mounts.visible(path):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)


def read_file(path, mounts=None):
    """The bytes of ``path`` as the container would read them (OSError as the OS raises it)."""
    check_visible(path, mounts)
    with open(path, "rb") as handle:
        return handle.read()
