"""Audit logging of the kube-apiserver stand-in: ``--audit-policy-file`` and ``--audit-log-*``
(TEST DOUBLE).

Follows upstream's
- staging/src/k8s.io/apiserver/pkg/server/options/audit.go: the log options' validation (only when
  ``--audit-log-path`` is set: negative maxage/maxbackup/maxsize, unknown format or mode), no
  policy file meaning no events ("No audit policy file provided"), ``-`` meaning standard output,
  ensureLogFile (directory created 0700, file opened O_CREATE|O_APPEND 0600 at start; a failure
  stops the server with "ensureLogFile: <err>"), "loading audit policy file: ..." errors;
- staging/src/k8s.io/apiserver/pkg/audit/policy/reader.go: audit.k8s.io/v1 Policy only (the beta and
  alpha versions are gone from the minors emulated), strict decoding first, lenient on unknown
  fields with a warning, "loaded illegal policy with 0 rules", ": from file <path>" suffix;
- staging/src/k8s.io/apiserver/pkg/apis/audit/validation/validation.go: levels, omitStages (policy
  and rules), nonResourceURLs ('/' prefix, '*' only last), group names, resourceNames needing
  resources, rules mixing resources and non-resource URLs;
- staging/src/k8s.io/apiserver/pkg/audit/policy/checker.go: rules in order, first match wins
  (users, userGroups, verbs, resources {group, resources with "*", "resource/subresource",
  "*/subresource", "resource/*", resourceNames}, namespaces, nonResourceURLs with a trailing "*");
  no match is level None; rule omitStages are united with the policy's;
- audit.k8s.io/v1 Event (staging/src/k8s.io/apiserver/pkg/apis/audit/v1/types.go) as JSON lines,
  or format ``legacy`` as staging/src/k8s.io/apiserver/pkg/audit/format.go EventString; stages
  RequestReceived, ResponseStarted (watches only) and ResponseComplete; MicroTime timestamps;
  the file rotated as lumberjack does (``--audit-log-maxsize`` MB, default 100; ``maxbackup`` /
  ``maxage`` prune the backups named ``<name>-<time>.<ext>``).
Simplified: batch mode writes synchronously as blocking mode does; compression, truncation,
webhooks and dynamic backends are not emulated; requestObject is the request body as sent (JSON or
YAML parsed), responseObject the response body (both only at Request / RequestResponse, never at
Metadata: a Secret's data reaches the log only at those levels, as upstream); a request refused by
authentication is logged with an empty user at stage ResponseStarted; annotations carry only the
authorization decision.
"""

import datetime
import json
import os
import re
import sys
import threading
import time
import uuid

from seed_doubles import apiconfig as cfg
from seed_doubles import apimachinery as am

API_VERSION = "audit.k8s.io/v1"
SCHEME = "k8s.io/apiserver/pkg/audit/scheme.go"
LEVELS = ["None", "Metadata", "Request", "RequestResponse"]
STAGES = ["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"]
FORMATS = ["legacy", "json"]
MODES = ["batch", "blocking", "blocking-strict"]
_GROUP_RESOURCES = {"group": None, "resources": None, "resourceNames": None}
_RULE = {"level": None, "users": None, "userGroups": None, "verbs": None, "resources": [_GROUP_RESOURCES],
         "namespaces": None, "nonResourceURLs": None, "omitStages": None, "omitManagedFields": None}
_POLICY = {"apiVersion": None, "kind": None, "metadata": None, "rules": [_RULE], "omitStages": None,
           "omitManagedFields": None}


def micro_time(when=None):
    stamp = datetime.datetime.fromtimestamp(time.time() if when is None else when, datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------- options

def validate_log_flags(flags):
    """AuditLogOptions.Validate: nothing unless --audit-log-path is set."""
    if not flags.get("audit-log-path"):
        return []
    errors = []
    mode = flags.get("audit-log-mode", "blocking")
    if mode not in MODES:
        errors.append('invalid audit log mode %s, allowed modes are "%s"' % (mode, ",".join(MODES)))
    fmt = flags.get("audit-log-format", "json")
    if fmt not in FORMATS:
        errors.append('invalid audit log format %s, allowed formats are "%s"' % (fmt, ",".join(FORMATS)))
    for flag in ("audit-log-maxage", "audit-log-maxbackup", "audit-log-maxsize"):
        raw = flags.get(flag)
        if raw is None:
            continue
        try:
            number = int(raw, 10)
        except ValueError:
            raise cfg.ConfigError('invalid argument "%s" for "--%s" flag: strconv.ParseInt: parsing "%s": invalid syntax'
                                  % (raw, flag, raw), "flags") from None
        if number < 0:
            errors.append("--%s %d can't be a negative number" % (flag, number))
    return errors


# ---------------------------------------------------------------- the policy

def _validate_rule(rule, path):
    errors = []
    level = rule.get("level") or ""
    if not level:
        errors.append(cfg.required(path + ".level"))
    elif level not in LEVELS:
        errors.append(cfg.not_supported(path + ".level", level, LEVELS))
    urls = rule.get("nonResourceURLs") or []
    for i, url in enumerate(urls):
        url = str(url)
        if url == "*":
            continue
        if not url.startswith("/"):
            errors.append(cfg.invalid("%s.nonResourceURLs[%d]" % (path, i), url,
                                      "non-resource URL rules must begin with a '/' character"))
        if url and "*" in url[:-1]:
            errors.append(cfg.invalid("%s.nonResourceURLs[%d]" % (path, i), url,
                                      "non-resource URL wildcards '*' must be the final character of the rule"))
    for gr in rule.get("resources") or []:
        gr = gr or {}
        group = str(gr.get("group") or "")
        problems = am.dns1123_subdomain_errors(group) if group else []
        if problems:
            errors.append(cfg.invalid(path + ".resources.group", group, ",".join(problems)))
        if gr.get("resourceNames") and not gr.get("resources"):
            errors.append(cfg.invalid(path + ".resources.resourceNames", [str(n) for n in gr["resourceNames"]],
                                      "using resourceNames requires at least one resource"))
    errors += _validate_stages(rule.get("omitStages") or [], path + ".omitStages")
    if urls and (rule.get("resources") or rule.get("namespaces")):
        errors.append(cfg.invalid(path + ".nonResourceURLs", [str(u) for u in urls],
                                  "rules cannot apply to both regular resources and non-resource URLs"))
    return errors


def _validate_stages(stages, path):
    return [cfg.invalid("%s[%d]" % (path, i), str(stage), "allowed stages are " + ",".join(STAGES))
            for i, stage in enumerate(stages) if stage not in STAGES]


def validate_policy(policy):
    errors = []
    for i, rule in enumerate(policy.get("rules") or []):
        errors += _validate_rule(rule or {}, "rules[%d]" % i)
    errors += _validate_stages(policy.get("omitStages") or [], "omitStages")
    return errors


def load_policy(path, mounts=None, warn=None):
    """The Policy in ``path`` (LoadPolicyFromFile), or cfg.ConfigError."""
    head = "loading audit policy file: "
    try:
        data = cfg.read_file(path, mounts)
    except OSError as exc:
        raise cfg.ConfigError(head + 'failed to read file path "%s": %s' % (path, cfg.go_os_error(exc, "open", path))) \
            from exc
    text = data.decode("utf-8", "replace")
    served = {(API_VERSION, "Policy")}
    try:
        policy, _, _ = cfg.decode(text, served, SCHEME, lambda o: cfg.unknown_fields(o, _POLICY))
    except ValueError as exc:
        if not str(exc).startswith("strict decoding error"):
            raise cfg.ConfigError(head + "failed decoding: %s: from file %s" % (exc, path)) from exc
        if warn:
            warn("Audit policy contains errors, falling back to lenient decoding: %s" % exc)
        policy, _, _ = cfg.decode(text, served, SCHEME)
    errors = validate_policy(policy)
    if errors:
        raise cfg.ConfigError(head + "%s: from file %s" % (cfg.aggregate(errors), path))
    if not policy.get("rules"):
        raise cfg.ConfigError(head + "loaded illegal policy with 0 rules: from file %s" % path)
    return Policy(policy)


class Policy:
    """policyChecker: the level and omitted stages of a request."""

    def __init__(self, doc):
        self.omit = set(doc.get("omitStages") or [])
        self.rules = []
        for rule in doc.get("rules") or []:
            rule = dict(rule)
            rule["_omit"] = self.omit | set(rule.get("omitStages") or [])
            self.rules.append(rule)

    def evaluate(self, attrs):
        for rule in self.rules:
            if rule_matches(rule, attrs):
                return rule.get("level"), rule["_omit"]
        return "None", self.omit


def rule_matches(rule, attrs):
    """ruleMatches of checker.go; ``attrs``: dict with user (None or object with name/groups), verb,
    is_resource, path, group, resource, subresource, namespace, name."""
    user = attrs.get("user")
    if rule.get("users") and (user is None or user.name not in rule["users"]):
        return False
    if rule.get("userGroups"):
        if user is None or not any(g in rule["userGroups"] for g in user.groups):
            return False
    if rule.get("verbs") and attrs.get("verb") not in rule["verbs"]:
        return False
    if rule.get("namespaces") or rule.get("resources"):
        return _matches_resource(rule, attrs)
    if rule.get("nonResourceURLs"):
        if attrs.get("is_resource"):
            return False
        return any(_path_matches(attrs.get("path") or "", spec) for spec in rule["nonResourceURLs"])
    return True


def _path_matches(path, spec):
    return spec == "*" or spec == path or (spec.endswith("*") and path.startswith(spec.rstrip("*")))


def _matches_resource(rule, attrs):
    if not attrs.get("is_resource"):
        return False
    if rule.get("namespaces") and (attrs.get("namespace") or "") not in rule["namespaces"]:
        return False
    if not rule.get("resources"):
        return True
    resource, sub, name = attrs.get("resource") or "", attrs.get("subresource") or "", attrs.get("name") or ""
    combined = resource + "/" + sub if sub else resource
    for gr in rule["resources"]:
        gr = gr or {}
        if (gr.get("group") or "") != (attrs.get("group") or ""):
            continue
        if not gr.get("resources"):
            return True
        for res in gr["resources"]:
            if gr.get("resourceNames") and name not in gr["resourceNames"]:
                continue
            if res in (combined, "*"):
                return True
            if sub and res.startswith("*/") and sub == res[2:]:
                return True
            if res.endswith("/*") and resource == res[:-2]:
                return True
    return False


# ---------------------------------------------------------------- the log backend

class LogWriter:
    """lumberjack.Logger-like file with size rotation, or standard output for "-"."""

    def __init__(self, path, max_age=0, max_backups=0, max_size=0, real_path=None):
        self.path = path                  # the path the server was told
        self.file = real_path or path     # where it lands (a container-private copy when not mounted)
        self.max_age, self.max_backups = max_age, max_backups
        self.max_size = (max_size or 100) * 1024 * 1024
        self._lock = threading.Lock()

    def open_check(self):
        """ensureLogFile: MkdirAll(dir, 0700) then OpenFile(O_CREATE|O_APPEND|O_RDWR, 0600)."""
        if self.path == "-":
            return
        os.makedirs(os.path.dirname(self.file) or ".", mode=0o700, exist_ok=True)
        fd = os.open(self.file, os.O_CREAT | os.O_APPEND | os.O_RDWR, 0o600)
        os.close(fd)

    def write(self, line):
        data = line.encode()
        with self._lock:
            if self.path == "-":
                sys.stdout.write(line)
                sys.stdout.flush()
                return
            try:
                size = os.path.getsize(self.file)
            except OSError:
                size = 0
            if size and size + len(data) > self.max_size:
                self._rotate()
            fd = os.open(self.file, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)

    def _rotate(self):
        base, ext = os.path.splitext(self.file)
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H-%M-%S.%f")[:-3]
        os.rename(self.file, "%s-%s%s" % (base, stamp, ext))
        directory, prefix = os.path.dirname(base) or ".", os.path.basename(base) + "-"
        backups = sorted((f for f in os.listdir(directory) if f.startswith(prefix) and f.endswith(ext)), reverse=True)
        for i, name in enumerate(backups):
            full = os.path.join(directory, name)
            too_old = self.max_age and os.path.getmtime(full) < time.time() - self.max_age * 86400
            if (self.max_backups and i >= self.max_backups) or too_old:
                os.unlink(full)


def event_string(ev):
    """format.go EventString (the legacy format)."""
    user = ev.get("user") or {}
    username, groups = "<none>", "<none>"
    if user.get("username"):
        username = user["username"]
        if user.get("groups"):
            groups = ",".join(cfg.go_quote(g) for g in user["groups"])
    namespace = ((ev.get("objectRef") or {}).get("namespace")) or "<none>"
    status = ev.get("responseStatus")
    response = str(status.get("code")) if status else "<deferred>"
    ips = ev.get("sourceIPs") or []
    stamp = _rfc3339_nano(ev.get("requestReceivedTimestamp", ""))
    return ("%s AUDIT: id=%s stage=%s ip=%s method=%s user=%s groups=%s as=%s asgroups=%s user-agent=%s namespace=%s "
            'uri=%s response="%s"' % (stamp, cfg.go_quote(ev.get("auditID", "")), cfg.go_quote(ev.get("stage", "")),
                                      cfg.go_quote(ips[0] if ips else "<unknown>"), cfg.go_quote(ev.get("verb", "")),
                                      cfg.go_quote(username), cfg.go_quote(groups), cfg.go_quote("<self>"),
                                      cfg.go_quote("<lookup>"), cfg.go_quote(ev.get("userAgent", "")),
                                      cfg.go_quote(namespace), cfg.go_quote(ev.get("requestURI", "")), response))


def _rfc3339_nano(micro):
    """time.RFC3339Nano of a MicroTime text: trailing zeros of the fraction dropped."""
    match = re.fullmatch(r"(.*T\d\d:\d\d:\d\d)\.(\d+)Z", micro)
    if not match:
        return micro
    fraction = match.group(2).rstrip("0")
    return match.group(1) + ("." + fraction if fraction else "") + "Z"


class Auditor:
    """Builds and writes the events of each request."""

    def __init__(self, policy, writer, fmt="json"):
        self.policy, self.writer, self.fmt = policy, writer, fmt

    def start(self, attrs, request_uri, user_agent, source_ip, audit_id=None, emit=True):
        """A per-request event (or None for level None); writes RequestReceived unless omitted (or
        ``emit`` is false: a request refused by authentication is only logged at ResponseStarted,
        filters/authn_audit.go)."""
        level, omit = self.policy.evaluate(attrs)
        if level == "None":
            return None
        ev = {"kind": "Event", "apiVersion": API_VERSION, "level": level,
              "auditID": audit_id or str(uuid.uuid4()), "stage": "RequestReceived", "requestURI": request_uri,
              "verb": attrs.get("verb") or "", "user": _user_info(attrs.get("user")),
              "sourceIPs": [source_ip] if source_ip else [], "userAgent": user_agent or ""}
        if attrs.get("is_resource"):
            ref = {"resource": attrs.get("resource") or ""}
            for field, key in (("namespace", "namespace"), ("name", "name"), ("apiGroup", "group"),
                               ("apiVersion", "version"), ("subresource", "subresource")):
                if attrs.get(key):
                    ref[field] = attrs[key]
            ev["objectRef"] = ref
        ev["requestReceivedTimestamp"] = micro_time()
        ev["stageTimestamp"] = ev["requestReceivedTimestamp"]
        ev["_omit"] = omit
        if emit:
            self._emit(ev)
        return ev

    def request_object(self, ev, obj):
        if ev is None or not isinstance(obj, dict):
            return
        ref = ev.get("objectRef")
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        if ref is not None and not ref.get("name") and meta.get("name"):
            ref["name"] = meta["name"]
        if LEVELS.index(ev["level"]) >= LEVELS.index("Request"):
            ev["requestObject"] = obj

    def finish(self, ev, code, body=None, stage="ResponseComplete", decision=None):
        if ev is None:
            return
        status = {"metadata": {}, "code": code}
        if isinstance(body, dict) and body.get("kind") == "Status" and body.get("status") == "Failure":
            for field in ("status", "message", "reason"):
                if body.get(field):
                    status[field] = body[field]
        ev["responseStatus"] = status
        if decision:
            ev.setdefault("annotations", {})["authorization.k8s.io/decision"] = decision
        if stage == "ResponseComplete" and ev["level"] == "RequestResponse" and isinstance(body, dict):
            ev["responseObject"] = body
        ev["stage"] = stage
        ev["stageTimestamp"] = micro_time()
        self._emit(ev)

    def _emit(self, ev):
        if ev["stage"] in ev.get("_omit", ()):
            return
        out = {k: v for k, v in ev.items() if not k.startswith("_")}
        if self.fmt == "legacy":
            line = event_string(out) + "\n"
        else:
            line = json.dumps(out, separators=(",", ":")) + "\n"
        try:
            self.writer.write(line)
        except OSError:
            pass  # the blocking (default) and batch modes ignore backend errors (options/audit.go ignoreErrorsBackend)


def _user_info(user):
    if user is None:
        return {}
    info = {"username": user.name, "groups": list(user.groups)}
    if getattr(user, "uid", ""):
        info["uid"] = user.uid
    if getattr(user, "extra", None):
        info["extra"] = user.extra
    return info


def _int_flag(flags, name):
    try:
        return int(flags.get(name) or 0)
    except ValueError:
        return 0


def build(flags, mounts=None, warn=None, private_root=None):
    """The Auditor of the flags, or None (no --audit-log-path, or no policy file). Raises
    cfg.ConfigError: invalid flags, an invalid or missing policy, a log file that cannot be opened.

    With ``mounts`` (a static pod's container), a log path outside every volume mount is written
    inside the container only (``private_root``), as the real server writes into its container's
    file system where the host never sees it; a path in a read-only mount fails to open."""
    errors = validate_log_flags(flags)
    if errors:
        raise cfg.ConfigError(cfg.aggregate(errors))
    policy = load_policy(flags["audit-policy-file"], mounts, warn) if flags.get("audit-policy-file") else None
    path = flags.get("audit-log-path")
    if not path or policy is None:
        return None
    real = path
    if path != "-" and mounts is not None:
        mount = mounts.mount_for(os.path.abspath(path))  # a directory mount holding it, or the file mounted itself
        if mount is None:
            real = os.path.join(private_root or "/nonexistent", os.path.abspath(path).lstrip("/"))
        elif mount[1]:
            target = path if os.path.isdir(os.path.dirname(path) or "/") else os.path.dirname(path)
            op = "open" if target == path else "mkdir"
            raise cfg.ConfigError("ensureLogFile: %s %s: read-only file system" % (op, target))
    writer = LogWriter(path, _int_flag(flags, "audit-log-maxage"), _int_flag(flags, "audit-log-maxbackup"),
                       _int_flag(flags, "audit-log-maxsize"), real)
    try:
        writer.open_check()
    except OSError as exc:
        op = "mkdir" if not os.path.isdir(os.path.dirname(os.path.abspath(real))) else "open"
        raise cfg.ConfigError("ensureLogFile: " + cfg.go_os_error(exc, op, exc.filename or path)) from exc
    return Auditor(policy, writer, flags.get("audit-log-format", "json"))
