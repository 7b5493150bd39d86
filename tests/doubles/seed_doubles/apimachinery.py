"""API machinery shared by the control-plane doubles: Status errors, label and field selectors,
merge / strategic-merge / JSON patches, name validation, pflag-style command lines.

Shapes and messages follow k8s.io/apimachinery (pkg/api/errors, pkg/labels, pkg/fields,
pkg/util/validation, pkg/util/strategicpatch) and spf13/pflag as used by the components.
"""

import copy
import datetime
import json
import re


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value):
    """Seconds since the epoch of an RFC 3339 time (fractions allowed), None if unparsable."""
    if not value:
        return None
    text = str(value).strip().replace("z", "Z")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    text = re.sub(r"\.(\d{1,6})\d*", lambda m: "." + m.group(1).ljust(6, "0"), text)
    try:
        return datetime.datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


# ---------------------------------------------------------------- errors (meta/v1 Status)

class ApiStatus(Exception):
    """An error answered as a meta/v1 Status object."""

    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def body(self):
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": self.message, "reason": self.reason, "code": self.code}
        if self.details is not None:
            status["details"] = self.details
        if not self.reason:
            del status["reason"]
        return status


def qualified(resource, group):
    return resource + "." + group if group else resource


def _details(name, group, kind):
    details = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = kind
    return details


def not_found(resource, group, name):
    return ApiStatus(404, "NotFound", '%s "%s" not found' % (qualified(resource, group), name),
                     _details(name, group, resource))


def already_exists(resource, group, name):
    return ApiStatus(409, "AlreadyExists", '%s "%s" already exists' % (qualified(resource, group), name),
                     _details(name, group, resource))


def conflict(resource, group, name, why="the object has been modified; please apply your changes to the "
                                         "latest version and try again"):
    return ApiStatus(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": %s'
                     % (qualified(resource, group), name, why), _details(name, group, resource))


def forbidden(resource, group, name, why):
    target = qualified(resource, group)
    message = ('%s "%s" is forbidden: %s' % (target, name, why)) if name else "%s is forbidden: %s" % (target, why)
    return ApiStatus(403, "Forbidden", message, _details(name, group, resource))


def invalid(kind, group, name, causes):
    """causes: [(field, bad value, detail)] of FieldValueInvalid errors."""
    parts, cause_objs = [], []
    for field, value, detail in causes:
        shown = json.dumps(value) if not isinstance(value, str) else '"%s"' % value
        text = "Invalid value: %s: %s" % (shown, detail)
        parts.append("%s: %s" % (field, text))
        cause_objs.append({"reason": "FieldValueInvalid", "message": text, "field": field})
    summary = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    details = _details(name, group, kind)
    details["causes"] = cause_objs
    return ApiStatus(422, "Invalid", '%s.%s "%s" is invalid: %s' % (kind, group, name, summary) if group
                     else '%s "%s" is invalid: %s' % (kind, name, summary), details)


def bad_request(message):
    return ApiStatus(400, "BadRequest", message)


def unauthorized():
    return ApiStatus(401, "Unauthorized", "Unauthorized")


def method_not_supported(resource, group, action):
    return ApiStatus(405, "MethodNotAllowed", "%s is not supported on resources of kind %s"
                     % (action, qualified(resource, group)), {"group": group, "kind": resource} if group
                     else {"kind": resource})


def status_success(name=None, group=None, kind=None, uid=None):
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    if kind:
        details = _details(name, group, kind)
        if uid:
            details["uid"] = uid
        status["details"] = details
    return status


# ---------------------------------------------------------------- validation

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = _DNS1123_LABEL + r"(\." + _DNS1123_LABEL + r")*"
_DNS1035_LABEL = r"[a-z]([-a-z0-9]*[a-z0-9])?"


def dns1123_subdomain_errors(value):
    errs = []
    if len(value) > 253:
        errs.append("must be no more than 253 characters")
    if not re.fullmatch(_DNS1123_SUBDOMAIN, value):
        errs.append("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
                    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
                    "regex used for validation is '%s')" % _DNS1123_SUBDOMAIN)
    return errs


def dns1123_label_errors(value):
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not re.fullmatch(_DNS1123_LABEL, value):
        errs.append("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                    "and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                    "'123-abc', regex used for validation is '%s')" % _DNS1123_LABEL)
    return errs


def dns1035_label_errors(value):
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not re.fullmatch(_DNS1035_LABEL, value):
        errs.append("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
                    "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
                    "'abc-123', regex used for validation is '%s')" % _DNS1035_LABEL)
    return errs


def path_segment_errors(value):
    if value in (".", ".."):
        return ['may not be \'%s\'' % value]
    for bad in ("/", "%"):
        if bad in value:
            return ["may not contain '%s'" % bad]
    return []


_QUALIFIED_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"


def label_key_errors(key):
    prefix, _, name = key.rpartition("/")
    errs = []
    if prefix and dns1123_subdomain_errors(prefix):
        errs.append("prefix part must be a lowercase RFC 1123 subdomain")
    if not name or len(name) > 63 or not re.fullmatch(_QUALIFIED_NAME, name):
        errs.append("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                    "end with an alphanumeric character")
    return errs


def label_value_errors(value):
    if value == "":
        return []
    if len(value) > 63 or not re.fullmatch(_QUALIFIED_NAME, value):
        return ["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                "'.', and must start and end with an alphanumeric character"]
    return []


# ---------------------------------------------------------------- selectors

class SelectorError(ValueError):
    pass


def _split_top(text):
    """Split at commas that are not inside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def parse_label_selector(text):
    """List of (key, op, values): op in =, !=, in, notin, exists, !exists."""
    reqs = []
    for part in _split_top(text or ""):
        m = re.fullmatch(r"([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)", part)
        if m:
            values = [v.strip() for v in m.group(3).split(",") if v.strip()]
            reqs.append((m.group(1), m.group(2), values))
            continue
        m = re.fullmatch(r"([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=(),]*)", part)
        if m:
            reqs.append((m.group(1), "!=" if m.group(2) == "!=" else "=", [m.group(3)]))
            continue
        m = re.fullmatch(r"!\s*([^\s!=()]+)", part)
        if m:
            reqs.append((m.group(1), "!exists", []))
            continue
        if re.fullmatch(r"[^\s!=()]+", part):
            reqs.append((part, "exists", []))
            continue
        raise SelectorError("unable to parse requirement: %s" % part)
    return reqs


def match_labels(reqs, labels):
    labels = labels or {}
    for key, op, values in reqs:
        present = key in labels
        value = labels.get(key)
        if op == "=" and value != values[0]:
            return False
        if op == "!=" and present and value == values[0]:
            return False
        if op == "in" and value not in values:
            return False
        if op == "notin" and present and value in values:
            return False
        if op == "exists" and not present:
            return False
        if op == "!exists" and present:
            return False
    return True


def parse_field_selector(text):
    reqs = []
    for part in _split_top(text or ""):
        m = re.fullmatch(r"([^=!]+?)\s*(==|=|!=)\s*(.*)", part)
        if not m:
            raise SelectorError("invalid selector: '%s'; can't understand '%s'" % (text, part))
        reqs.append((m.group(1).strip(), "!=" if m.group(2) == "!=" else "=", m.group(3).strip()))
    return reqs


# Field labels whose value the API server reports when the object leaves the field unset (a Node's
# spec.unschedulable is a bool field label: "false" unless set; pkg/registry/core/node/strategy.go).
FIELD_DEFAULTS = {"spec.unschedulable": "false"}


def field_value(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return FIELD_DEFAULTS.get(path, "")
        cur = cur.get(part)
    if cur is None:
        return FIELD_DEFAULTS.get(path, "")
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def match_fields(reqs, obj):
    for path, op, value in reqs:
        actual = field_value(obj, path)
        if (op == "=") != (actual == value):
            return False
    return True


def selector_matches(selector, labels):
    """A meta/v1 LabelSelector ({matchLabels, matchExpressions}) against labels; None matches all."""
    if not selector:
        return True
    labels = labels or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


# ---------------------------------------------------------------- patches

def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# patchMergeKey of the list fields the clients patch (from the API types' struct tags); lists not
# named here are replaced whole, as for atomic lists.
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "volumes": "name",
    "env": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath", "imagePullSecrets": "name",
    "conditions": "type", "addresses": "type", "ports": None, "hostAliases": "ip",
    "ownerReferences": "uid", "containerStatuses": "name", "initContainerStatuses": "name",
    "topologySpreadConstraints": "topologyKey", "resourceClaims": "name",
}


def _port_key(item):
    if isinstance(item, dict):
        if "containerPort" in item:
            return ("containerPort", item.get("containerPort"), item.get("protocol", "TCP"))
        return ("port", item.get("port"), item.get("protocol", "TCP"))
    return item


def _list_key(field, item):
    if field == "ports":
        return _port_key(item)
    key = MERGE_KEYS.get(field)
    return item.get(key) if isinstance(item, dict) else item


def strategic_merge(target, patch, field=None):
    """Strategic merge patch, simplified: maps merge, lists in MERGE_KEYS merge by their key
    (``$patch: delete`` items remove), other lists are replaced; ``$setElementOrder``,
    ``$retainKeys`` and ``$deleteFromPrimitiveList`` directives are accepted and ignored."""
    if isinstance(patch, dict):
        if patch.get("$patch") == "replace":
            return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
        if patch.get("$patch") == "delete":
            return None
        result = copy.deepcopy(target) if isinstance(target, dict) else {}
        for key, value in patch.items():
            if key.startswith("$"):
                continue
            if value is None:
                result.pop(key, None)
                continue
            merged = strategic_merge(result.get(key), value, key)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        return result
    if isinstance(patch, list) and field in MERGE_KEYS and isinstance(target, list):
        result = copy.deepcopy(target)
        for item in patch:
            if isinstance(item, dict) and item.get("$patch") == "replace":
                return [copy.deepcopy(i) for i in patch if not (isinstance(i, dict) and "$patch" in i)]
            key = _list_key(field, item)
            index = next((i for i, cur in enumerate(result) if _list_key(field, cur) == key), None)
            if isinstance(item, dict) and item.get("$patch") == "delete":
                if index is not None:
                    del result[index]
                continue
            if index is None:
                result.append(strategic_merge(None, item, None))
            else:
                result[index] = strategic_merge(result[index], item, None)
        return result
    if isinstance(patch, list):
        return [strategic_merge(None, i, None) if isinstance(i, dict) else copy.deepcopy(i) for i in patch]
    return copy.deepcopy(patch)


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request('the server rejected our request due to an error in our request')
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc, parts):
    cur = doc
    for part in parts:
        if isinstance(cur, list):
            cur = cur[int(part)]
        else:
            cur = cur[part]
    return cur


def json_patch(doc, ops):
    """RFC 6902 JSON patch; raises ApiStatus 422-like errors as upstream answers them."""
    doc = copy.deepcopy(doc)
    if not isinstance(ops, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    for op in ops:
        kind = op.get("op")
        parts = _pointer(op.get("path", ""))
        try:
            if kind == "test":
                if _walk(doc, parts) != op.get("value"):
                    raise ApiStatus(422, "Invalid", "the server rejected our request due to an error in our "
                                    "request")
                continue
            if kind in ("move", "copy"):
                src = _pointer(op.get("from", ""))
                value = copy.deepcopy(_walk(doc, src))
                if kind == "move":
                    parent = _walk(doc, src[:-1])
                    if isinstance(parent, list):
                        del parent[int(src[-1])]
                    else:
                        del parent[src[-1]]
                kind, op = "add", dict(op, value=value)
            if not parts:
                if kind in ("add", "replace"):
                    doc = copy.deepcopy(op.get("value"))
                    continue
                raise bad_request("cannot remove the whole document")
            parent = _walk(doc, parts[:-1])
            last = parts[-1]
            if kind == "add":
                if isinstance(parent, list):
                    index = len(parent) if last == "-" else int(last)
                    parent.insert(index, copy.deepcopy(op.get("value")))
                else:
                    parent[last] = copy.deepcopy(op.get("value"))
            elif kind == "remove":
                if isinstance(parent, list):
                    del parent[int(last)]
                else:
                    del parent[last]
            elif kind == "replace":
                if isinstance(parent, list):
                    parent[int(last)] = copy.deepcopy(op.get("value"))
                else:
                    if last not in parent:
                        raise KeyError(last)
                    parent[last] = copy.deepcopy(op.get("value"))
            else:
                raise bad_request("Unexpected kind: %s" % kind)
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise ApiStatus(422, "Invalid", "the server rejected our request due to an error in our request: "
                            "jsonpatch %s operation does not apply: doc is missing path: \"%s\": %s"
                            % (kind, op.get("path"), exc)) from exc
    return doc


# ---------------------------------------------------------------- command lines (spf13/pflag)

class FlagError(Exception):
    pass


def parse_flags(argv, known, bools=()):
    """pflag-style parse of ``argv`` against the flag names in ``known``.

    ``--name=value``, ``--name value``, ``-name`` and bare boolean ``--flag`` forms; a repeated flag
    keeps the last value. Unknown flags raise FlagError("unknown flag: --x"), a missing value
    FlagError("flag needs an argument: --x"). Returns (values, positional args).
    """
    values, args = {}, []
    i = 0
    argv = list(argv)
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            args.extend(argv[i:])
            break
        if not arg.startswith("-") or arg == "-":
            args.append(arg)
            continue
        dashes = "--" if arg.startswith("--") else "-"
        name, eq, value = arg[len(dashes):].partition("=")
        if dashes == "-" and name == "h":
            name = "help"
        if dashes == "-" and name not in ("v", "help"):
            raise FlagError("unknown shorthand flag: '%s' in %s" % (name[:1], arg))
        if name not in known:
            raise FlagError("unknown flag: --%s" % name)
        if not eq:
            if name in bools:
                value = "true"
            elif i < len(argv):
                value = argv[i]
                i += 1
            else:
                raise FlagError("flag needs an argument: --%s" % name)
        if name in bools and value.lower() not in ("true", "false", "1", "0", "t", "f"):
            raise FlagError('invalid argument "%s" for "--%s" flag: strconv.ParseBool: parsing "%s": invalid '
                            'syntax' % (value, name, value))
        values[name] = value
    return values, args


def flag_bool(values, name, default):
    value = values.get(name)
    if value is None:
        return default
    return value.lower() in ("true", "1", "t")
