"""``--authentication-config`` of the kube-apiserver stand-in (TEST DOUBLE), after upstream's
pkg/kubeapiserver/options/authentication.go (loading, the ``--anonymous-auth`` conflict),
staging/src/k8s.io/apiserver/pkg/apis/apiserver/validation/validation.go (ValidateAuthenticationConfiguration)
and staging/src/k8s.io/apiserver/pkg/authentication/request/anonymous/anonymous.go (the conditions).

Emulated:
- AuthenticationConfiguration of apiserver.config.k8s.io/v1alpha1 (1.29+), v1beta1 (1.30+) and v1
  (1.34+, when the structured authentication configuration went GA), decoded strictly (unknown
  fields refused); the ``anonymous`` field exists from 1.31 (KEP-4633; gate
  AnonymousAuthConfigurableEndpoints alpha in 1.31, beta and on by default in 1.32, GA and locked on
  in 1.34), so a 1.30 server refuses it as an unknown field and a 1.31 one without the gate refuses
  it in validation;
- ``anonymous.enabled`` with ``conditions``: an unauthenticated request is anonymous only when its
  URL path (query string ignored, no normalisation) equals one condition's ``path``; no conditions
  means every path; ``enabled: false`` means no anonymous requests. Upstream validates neither empty
  nor duplicate paths (an empty path simply never matches);
- the errors: file missing or empty, wrong kind/apiVersion, the anonymous field with the
  ``--anonymous-auth`` flag given (whatever its value), conditions with ``enabled: false``, the
  StructuredAuthenticationConfiguration gate off, ``--oidc-*`` flags together with the file.
Not emulated: the JWT authenticators themselves (``jwt`` entries are checked for an https issuer
URL, at least one audience and unique issuers, then ignored: no token is ever accepted from them),
CEL expressions, reloading the file.
"""

from seed_doubles import apiconfig as cfg

GROUP = "apiserver.config.k8s.io"
KIND = "AuthenticationConfiguration"
# apiVersion -> first minor serving it
VERSIONS = {GROUP + "/v1alpha1": 29, GROUP + "/v1beta1": 30, GROUP + "/v1": 34}
SCHEME = "k8s.io/kubernetes/pkg/kubeapiserver/options/authentication.go"
ANONYMOUS_FIELD_MINOR = 31
OIDC_FLAGS = ("oidc-issuer-url", "oidc-client-id", "oidc-ca-file", "oidc-username-claim", "oidc-username-prefix",
              "oidc-groups-claim", "oidc-groups-prefix", "oidc-signing-algs", "oidc-required-claim")


class Anonymous:
    """The anonymous authenticator's settings: ``enabled`` and the allowed paths (None: all)."""

    def __init__(self, enabled, paths=None, from_file=False):
        self.enabled = enabled
        self.paths = None if not paths else frozenset(paths)
        self.from_file = from_file

    def allows(self, raw_path):
        """Whether a request for this URL path (query excluded) may be anonymous."""
        if not self.enabled:
            return False
        return self.paths is None or raw_path in self.paths


def _schema(minor):
    top = {"apiVersion": None, "kind": None, "jwt": None}
    if minor >= ANONYMOUS_FIELD_MINOR:
        top["anonymous"] = {"enabled": None, "conditions": [{"path": None}]}
    return top


def validate_flags(flags, gates):
    """Errors of BuiltInAuthenticationOptions.Validate (validateOIDCOptions) about the file."""
    errors = []
    if not flags.get("authentication-config"):
        return errors
    if not gates.get("StructuredAuthenticationConfiguration", False):
        errors.append("set --feature-gates=StructuredAuthenticationConfiguration=true to use authentication-config file")
    if any(name in flags for name in OIDC_FLAGS):
        errors.append("authentication-config file and oidc-* flags are mutually exclusive")
    return errors


def load(flags, minor, gates, mounts=None):
    """Anonymous settings from ``--anonymous-auth`` and ``--authentication-config``; raises
    cfg.ConfigError with upstream's message."""
    flag_set = "anonymous-auth" in flags
    flag_value = (flags.get("anonymous-auth") or "true").lower() in ("true", "1", "t")
    path = flags.get("authentication-config")
    if not path:
        return Anonymous(flag_value)
    errors = validate_flags(flags, gates)
    if errors:
        raise cfg.ConfigError(cfg.aggregate(errors))
    prefix = 'failed to load authentication configuration from file "%s": ' % path
    try:
        data = cfg.read_file(path, mounts)
    except OSError as exc:
        raise cfg.ConfigError(prefix + cfg.go_os_error(exc, "open", path)) from exc
    if not data:
        raise cfg.ConfigError(prefix + "empty config data")
    served = {(v, KIND) for v, first in VERSIONS.items() if minor >= first}
    try:
        obj, _, _ = cfg.decode(data.decode("utf-8", "replace"), served, SCHEME,
                               lambda o: cfg.unknown_fields(o, _schema(minor)))
    except ValueError as exc:
        raise cfg.ConfigError(prefix + str(exc)) from exc
    anonymous = obj.get("anonymous") if "anonymous" in obj else None
    enabled = (anonymous or {}).get("enabled") if isinstance(anonymous, dict) else None
    if enabled is not None and not isinstance(enabled, bool):
        raise cfg.ConfigError(prefix + "json: cannot unmarshal %s into Go struct field AnonymousAuthConfig.anonymous.enabled "
                              "of type bool" % ("string" if isinstance(enabled, str) else "number"))
    if anonymous is not None and flag_set:
        # flags and the file's anonymous field are mutually exclusive (ToAuthenticationConfig)
        raise cfg.ConfigError(str(cfg.forbidden("anonymous", "--anonymous-auth flag cannot be set when anonymous "
                                                "field is configured in authentication configuration file")))
    errors = validate(obj, gates)
    if errors:
        raise cfg.ConfigError("invalid authentication configuration: " + cfg.aggregate(errors))
    if anonymous is None:
        return Anonymous(flag_value)
    anonymous = anonymous or {}
    conditions = anonymous.get("conditions") or []
    return Anonymous(bool(anonymous.get("enabled")), [str((c or {}).get("path") or "") for c in conditions], True)


def _conditions_value(conditions):
    items = ", ".join('apiserver.AnonymousAuthCondition{Path:%s}' % cfg.go_quote(str((c or {}).get("path") or ""))
                      for c in conditions)
    return cfg.GoValue("[]apiserver.AnonymousAuthCondition{%s}" % items)


def validate(obj, gates):
    """ValidateAuthenticationConfiguration: the jwt checks the double makes, then anonymous."""
    errors = []
    jwt = obj.get("jwt") or []
    if len(jwt) > 64:
        return [cfg.FieldError("Too many", "jwt", len(jwt), "must have at most 64 items")]
    seen = set()
    for i, auth in enumerate(jwt):
        base = "jwt[%d].issuer" % i
        issuer = (auth or {}).get("issuer") or {}
        url = str(issuer.get("url") or "")
        if not url:
            errors.append(cfg.required(base + ".url"))
        elif not url.startswith("https://"):
            errors.append(cfg.invalid(base + ".url", url, "URL scheme must be https"))
        audiences = issuer.get("audiences") or []
        if not audiences:
            errors.append(cfg.required(base + ".audiences", "at least one %s.audiences is required" % base))
        if url and url in seen:
            errors.append(cfg.duplicate(base + ".url", url))
        seen.add(url)
    if "anonymous" in obj and obj.get("anonymous") is not None:
        anonymous = obj.get("anonymous") or {}
        if not gates.get("AnonymousAuthConfigurableEndpoints", False):
            errors.append(cfg.forbidden("anonymous", "anonymous is not supported when AnonymousAuthConfigurableEndpoints "
                                        "feature gate is disabled"))
        conditions = anonymous.get("conditions") or []
        if not anonymous.get("enabled") and conditions:
            errors.append(cfg.invalid("anonymous.conditions", _conditions_value(conditions),
                                      "enabled should be set to true when conditions are defined"))
    return errors
