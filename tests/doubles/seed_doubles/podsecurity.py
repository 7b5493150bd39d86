"""``--admission-control-config-file`` and the PodSecurity admission plugin of the kube-apiserver
stand-in (TEST DOUBLE).

Follows upstream's
- staging/src/k8s.io/apiserver/pkg/admission/config.go (ReadAdmissionConfiguration): the file is
  read at start ("failed to read plugin config: unable to read admission control configuration from
  ..."), decoded leniently as AdmissionConfiguration of apiserver.config.k8s.io/v1 or v1alpha1 (or the
  legacy apiserver.k8s.io/v1alpha1); a plugin's configuration is embedded (``configuration``) or in
  the file named by ``path`` (relative to the configuration file; unreadable: klog.Fatalf
  "Couldn't open admission plugin configuration ...", exit 255);
- staging/src/k8s.io/apiserver/pkg/admission/plugins.go (InitPlugin): "couldn't init admission
  plugin "PodSecurity": ..." for a configuration that does not decode, "failed to initialize
  admission plugin "PodSecurity": ..." for one that does not validate;
- staging/src/k8s.io/pod-security-admission/admission/api (scheme.go, load/load.go, helpers.go,
  v1/defaults.go, validation/validation.go): PodSecurityConfiguration of
  pod-security.admission.config.k8s.io/v1alpha1, v1beta1 and v1 (all three registered in every minor
  emulated), decoded strictly, empty levels defaulting to "privileged" and versions to "latest";
  levels privileged/baseline/restricted, versions "latest" or "v1.X", exemptions (namespace names,
  runtime class names, non-empty usernames, no duplicates); plugin/pkg/admission/security/
  podsecurity/admission.go wraps the errors ("PodSecurity configuration error: ...",
  "PodSecurity invalid: ...");
- staging/src/k8s.io/pod-security-admission/admission/admission.go (ValidatePod, EvaluatePod) and
  api/helpers.go (PolicyToEvaluate): Pod create and update (updates only when an image or the
  number of containers changes), exempt namespaces and usernames first, then the namespace's
  ``pod-security.kubernetes.io/enforce`` / ``enforce-version`` labels over the configured defaults
  (an unparsable level enforces "restricted"), fully privileged namespaces skipped, exempt runtime
  classes; a violation is 403 ``pods "<name>" is forbidden: violates PodSecurity "<level>:<version>":
  <reason> (<detail>), ...`` with the checks in upstream's order (by check ID);
- the baseline checks of staging/src/k8s.io/pod-security-admission/policy: capabilities_baseline
  (check_capabilities_baseline.go), hostNamespaces, hostPathVolumes, hostPorts, privileged, with
  their reason and detail texts. Mirror pods are not exempt (upstream evaluates them too).
Not emulated: the other baseline checks (AppArmor, SELinux, /proc mount, seccomp Unconfined,
sysctls, Windows host process) and every restricted-only check (a "restricted" namespace gets the
baseline checks above); ``warn`` and ``audit`` modes (no Warning headers, no audit annotations);
pod controllers (Deployments...) are not checked; namespace label validation; the other admission
plugins a configuration file may configure (their entries are read and ignored).
"""

import json
import os

from seed_doubles import apiconfig as cfg
from seed_doubles import apimachinery as am

ADMISSION_SERVED = {("apiserver.config.k8s.io/v1", "AdmissionConfiguration"),
                    ("apiserver.config.k8s.io/v1alpha1", "AdmissionConfiguration"),
                    ("apiserver.k8s.io/v1alpha1", "AdmissionConfiguration")}
ADMISSION_SCHEME = "k8s.io/kubernetes/pkg/kubeapiserver/options/admission.go"
PSA_GROUP = "pod-security.admission.config.k8s.io"
PSA_SERVED = {(PSA_GROUP + "/" + v, "PodSecurityConfiguration") for v in ("v1alpha1", "v1beta1", "v1")}
PSA_SCHEME = "k8s.io/pod-security-admission/admission/api/scheme/scheme.go"
_PSA_SCHEMA = {"apiVersion": None, "kind": None,
               "defaults": {"enforce": None, "enforce-version": None, "audit": None, "audit-version": None,
                            "warn": None, "warn-version": None},
               "exemptions": {"usernames": None, "runtimeClasses": None, "namespaces": None}}
LEVELS = ["privileged", "baseline", "restricted"]
LABEL_PREFIX = "pod-security.kubernetes.io/"
CAPABILITIES_ALLOWED = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                        "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}


def parse_level(value):
    if value in LEVELS:
        return value, None
    return "restricted", "must be one of " + ", ".join(LEVELS)


def parse_version(value):
    if value == "latest":
        return "latest", None
    text = str(value)
    if text.startswith("v1.") and text[3:].isdigit() and (text[3:] == "0" or not text[3:].startswith("0")):
        return text, None
    return "latest", 'must be "latest" or "v1.x"'


class PodSecurity:
    """The plugin's configuration and its Pod evaluation."""

    def __init__(self, doc=None):
        doc = doc or {}
        defaults = doc.get("defaults") or {}
        self.defaults = {}
        for mode in ("enforce", "audit", "warn"):
            self.defaults[mode] = (defaults.get(mode) or "privileged", defaults.get(mode + "-version") or "latest")
        exemptions = doc.get("exemptions") or {}
        self.exempt_namespaces = [str(n) for n in exemptions.get("namespaces") or []]
        self.exempt_users = [str(u) for u in exemptions.get("usernames") or []]
        self.exempt_runtime_classes = [str(r) for r in exemptions.get("runtimeClasses") or []]

    # -- configuration checks (CompleteConfiguration then ValidateConfiguration)

    def to_policy_errors(self):
        errors = []
        for mode, title in (("enforce", "Enforce"), ("audit", "Audit"), ("warn", "Warn")):
            level, version = self.defaults[mode]
            err = parse_level(level)[1]
            if err:
                errors.append("%s.Level: %s" % (title, err))
            err = parse_version(version)[1]
            if err:
                errors.append("%s.Version: %s" % (title, err))
        return errors

    def validation_errors(self):
        errors = []
        for mode in ("enforce", "audit", "warn"):
            level, version = self.defaults[mode]
            if parse_level(level)[1]:
                errors.append(cfg.invalid("defaults.%s" % mode, level, parse_level(level)[1]))
            if parse_version(version)[1]:
                errors.append(cfg.invalid("defaults.%s-version" % mode, version, parse_version(version)[1]))
        for field, values, check in (("namespaces", self.exempt_namespaces, am.dns1123_label_errors),
                                     ("runtimeClasses", self.exempt_runtime_classes, am.dns1123_subdomain_errors),
                                     ("usernames", self.exempt_users, None)):
            seen = set()
            for i, value in enumerate(values):
                path = "exemptions.%s[%d]" % (field, i)
                problems = check(value) if check else (["username must not be empty"] if not value else [])
                if problems:
                    errors.append(cfg.invalid(path, value, ", ".join(problems)))
                    continue
                if value in seen:
                    errors.append(cfg.duplicate(path, value))
                    continue
                seen.add(value)
        return errors

    # -- admission

    def enforce_policy(self, labels):
        """(level, version) enforced in a namespace with these labels (PolicyToEvaluate)."""
        level, version = self.defaults["enforce"]
        labels = labels or {}
        if LABEL_PREFIX + "enforce" in labels:
            level = parse_level(labels[LABEL_PREFIX + "enforce"])[0]
        if LABEL_PREFIX + "enforce-version" in labels:
            version = parse_version(labels[LABEL_PREFIX + "enforce-version"])[0]
        return level, version

    def fully_privileged(self, labels):
        labels = labels or {}
        for mode in ("enforce", "audit", "warn"):
            level = self.defaults[mode][0]
            if LABEL_PREFIX + mode in labels:
                level, err = parse_level(labels[LABEL_PREFIX + mode])
                if err:
                    return False
            if level != "privileged":
                return False
        return True

    def check(self, pod, namespace, namespace_labels, username, old_pod=None, subresource=""):
        """None when admitted, else the message of the 403 (without the ``pods "x" is forbidden: `` head)."""
        if subresource in ("exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"):
            return None
        if namespace and namespace in self.exempt_namespaces:
            return None
        if username and username in self.exempt_users:
            return None
        if self.fully_privileged(namespace_labels):
            return None
        if old_pod is not None and not significant_update(pod, old_pod):
            return None
        spec = pod.get("spec") or {}
        if spec.get("runtimeClassName") and spec["runtimeClassName"] in self.exempt_runtime_classes:
            return None
        level, version = self.enforce_policy(namespace_labels)
        if level == "privileged":
            return None
        results = baseline_results(spec)
        if not results:
            return None
        detail = ", ".join("%s (%s)" % (reason, why) if why else reason for reason, why in results)
        return 'violates PodSecurity "%s:%s": %s' % (level, version, detail)


def significant_update(pod, old):
    """isSignificantPodUpdate: container counts or images changed."""
    spec, old_spec = pod.get("spec") or {}, old.get("spec") or {}
    for field in ("containers", "initContainers"):
        new_list, old_list = spec.get(field) or [], old_spec.get(field) or []
        if len(new_list) != len(old_list):
            return True
        if any((a or {}).get("image") != (b or {}).get("image") for a, b in zip(new_list, old_list)):
            return True
    old_eph = {c.get("name"): c for c in old_spec.get("ephemeralContainers") or []}
    for container in spec.get("ephemeralContainers") or []:
        previous = old_eph.get(container.get("name"))
        if previous is None or previous.get("image") != container.get("image"):
            return True
    return False


def _containers(spec):
    """visitContainers order: init containers, containers, ephemeral containers."""
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or []:
            yield container or {}


def _join_quote(items):
    return '"' + '", "'.join(items) + '"' if items else ""


def _plural(singular, plural, count):
    return singular if count == 1 else plural


def baseline_results(spec):
    """[(reason, detail)] of the emulated baseline checks that fail, in check-ID order."""
    out = []
    # capabilities_baseline
    bad, caps = [], set()
    for c in _containers(spec):
        added = (((c.get("securityContext") or {}).get("capabilities") or {}).get("add")) or []
        extra = [str(a) for a in added if str(a) not in CAPABILITIES_ALLOWED]
        if extra:
            bad.append(c.get("name", ""))
            caps.update(extra)
    if bad:
        out.append(("non-default capabilities", "%s %s must not include %s in securityContext.capabilities.add"
                    % (_plural("container", "containers", len(bad)), _join_quote(bad), _join_quote(sorted(caps)))))
    # hostNamespaces
    host = [name + "=true" for name in ("hostNetwork", "hostPID", "hostIPC") if spec.get(name)]
    if host:
        out.append(("host namespaces", ", ".join(host)))
    # hostPathVolumes
    volumes = [v.get("name", "") for v in spec.get("volumes") or [] if (v or {}).get("hostPath") is not None]
    if volumes:
        out.append(("hostPath volumes", "%s %s" % (_plural("volume", "volumes", len(volumes)), _join_quote(volumes))))
    # hostPorts
    bad, ports = [], set()
    for c in _containers(spec):
        used = [int(p.get("hostPort")) for p in c.get("ports") or [] if (p or {}).get("hostPort")]
        if used:
            bad.append(c.get("name", ""))
            ports.update(str(p) for p in used)
    if bad:
        out.append(("hostPort", "%s %s %s %s %s" % (_plural("container", "containers", len(bad)), _join_quote(bad),
                                                   _plural("uses", "use", len(bad)),
                                                   _plural("hostPort", "hostPorts", len(ports)),
                                                   ", ".join(sorted(ports)))))
    # privileged
    bad = [c.get("name", "") for c in _containers(spec) if (c.get("securityContext") or {}).get("privileged") is True]
    if bad:
        out.append(("privileged", "%s %s must not set securityContext.privileged=true"
                    % (_plural("container", "containers", len(bad)), _join_quote(bad))))
    return out


# ---------------------------------------------------------------- loading

def _plugin_config(entry, config_path, mounts):
    """The raw configuration document of one plugin entry (embedded or ``path``), or None."""
    if entry.get("configuration") is not None:
        return entry["configuration"]
    path = entry.get("path")
    if not path:
        return None
    if not os.path.isabs(path):
        path = os.path.join(os.path.dirname(config_path) or os.getcwd(), path)
    try:
        data = cfg.read_file(path, mounts)
    except OSError:
        raise cfg.ConfigError('Couldn\'t open admission plugin configuration %s: &fs.PathError{Op:"open", Path:"%s", '
                              'Err:0x2}' % (path, path), "fatal") from None
    return data.decode("utf-8", "replace")


def load(flags, mounts=None):
    """The PodSecurity plugin (None when disabled with --disable-admission-plugins), configured from
    --admission-control-config-file; raises cfg.ConfigError."""
    disabled = [p.strip() for p in (flags.get("disable-admission-plugins") or "").split(",")]
    enabled = "PodSecurity" not in disabled
    path = flags.get("admission-control-config-file")
    plugin_doc = None
    if path:
        try:
            data = cfg.read_file(path, mounts)
        except OSError as exc:
            raise cfg.ConfigError('failed to read plugin config: unable to read admission control configuration from '
                                  '"%s" [%s]' % (path, cfg.go_os_error(exc, "open", path))) from exc
        try:
            doc, _, _ = cfg.decode(data.decode("utf-8", "replace"), ADMISSION_SERVED, ADMISSION_SCHEME)
        except ValueError as exc:
            raise cfg.ConfigError("failed to read plugin config: %s" % exc) from exc
        if enabled:
            for entry in doc.get("plugins") or []:
                if (entry or {}).get("name") == "PodSecurity":
                    plugin_doc = _plugin_config(entry, path, mounts)
                    break
    if not enabled:
        return None
    return build(plugin_doc)


def build(raw):
    """PodSecurity from its configuration document (dict or text; None: the defaults)."""
    head = 'couldn\'t init admission plugin "PodSecurity": '
    if raw is None or raw == "" or raw == {}:
        return PodSecurity()
    text = raw if isinstance(raw, str) else json.dumps(raw)
    try:
        doc, _, _ = cfg.decode(text, PSA_SERVED, PSA_SCHEME, lambda o: cfg.unknown_fields(o, _PSA_SCHEMA))
    except ValueError as exc:
        raise cfg.ConfigError(head + str(exc)) from exc
    plugin = PodSecurity(doc)
    init = 'failed to initialize admission plugin "PodSecurity": '
    errors = plugin.to_policy_errors()
    if errors:
        raise cfg.ConfigError(init + "PodSecurity configuration error: " + cfg.aggregate(errors))
    errors = plugin.validation_errors()
    if errors:
        raise cfg.ConfigError(init + "PodSecurity invalid: " + cfg.aggregate(errors))
    return plugin
