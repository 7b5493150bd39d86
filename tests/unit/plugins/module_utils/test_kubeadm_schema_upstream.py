# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The strict kubeadm configuration model against what upstream Kubernetes declares.

tests/unit/fixtures/kubeadm_upstream_fields.json lists, for every type kubeadm_schema.py models, the
JSON field names and Go types of the upstream Go structs and the values of the upstream enums (its
``_source`` names the files and the release). It was written from upstream source only, so these
tests catch a field our model misspells, gives a wrong type or puts in the wrong apiVersion, an enum
value list that differs from upstream's constants, and (for the kubeadm kinds) a valid upstream field
our model lacks and would therefore refuse.
"""

from __future__ import annotations

import copy
import json
import os

import pytest

from ansible_collections.seed.kubeadm.plugins.module_utils import kubeadm_schema as schema

FIXTURE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures", "kubeadm_upstream_fields.json"
)
with open(FIXTURE, encoding="utf-8") as handle:
    UPSTREAM = json.load(handle)

TYPES = UPSTREAM["types"]
ENUMS = UPSTREAM["enums"]
FIELD_ENUMS = UPSTREAM["field_enums"]
NAMED_TYPES = UPSTREAM["named_types"]
KUBEADM_API_VERSIONS = (schema.KUBEADM_V1BETA3, schema.KUBEADM_V1BETA4)

# Upstream enums our model deliberately accepts as any string (path -> reason). Everything else that
# upstream declares as an enum must be an enum in our model, with exactly upstream's values.
FREE_STRING_ENUMS = {
    # The value set is feature-gated upstream (KubeletEnsureSecretPulledImages) and the kubelet
    # validates it when it starts; kubeadm passes the KubeletConfiguration through unchanged.
    "%s KubeletConfiguration.imagePullCredentialsVerificationPolicy" % schema.KUBELET_V1BETA1:
        "feature-gated, validated by the kubelet",
}

# Fields of the kubeadm kinds that upstream accepts but our model leaves out on purpose (path ->
# reason). A strict model without an upstream field refuses a valid configuration, so this stays
# empty unless there is a real reason.
ALLOWED_MISSING = {}

GO_SCALARS = {
    "string": "string",
    "bool": "bool",
    "int": "int",
    "int32": "int",
    "int64": "int",
    "uint32": "int",
    "float32": "float",
    "float64": "float",
}

# Upstream kind of a scalar -> the Scalar kind our model must use for it.
OUR_SCALAR_KIND = {
    "string": "str",
    "time": "str",
    "enum": "str",
    "bool": "bool",
    "int": "int",
    "float": "float",
    "duration": "duration",
    "duration_or_int": "duration_or_int",
    "quantity": "quantity",
}


def resolve(go_type):
    """(kind, detail) of an upstream Go type.

    kind is list or map (detail: the Go type of an item/value), struct (detail: the type name, a key
    of TYPES unless upstream's fields are not listed), enum (detail: a key of ENUMS) or a scalar kind.
    """
    go_type = go_type.lstrip("*")
    if go_type.startswith("[]"):
        return "list", go_type[2:]
    if go_type.startswith("map[string]"):
        return "map", go_type[len("map[string]"):]
    if go_type in GO_SCALARS:
        return GO_SCALARS[go_type], go_type
    if go_type in TYPES:
        return "struct", go_type
    if go_type in ENUMS:
        return "enum", go_type
    named = NAMED_TYPES[go_type]
    if "alias" in named:
        return resolve(named["alias"])
    return named["kind"], go_type


def upstream_fields(type_name):
    """JSON name -> (Go type, declaring type) of an upstream struct, embedded structs inlined."""
    entry = TYPES[type_name]
    fields = {}
    for embedded in entry.get("inline", ()):
        fields.update(upstream_fields(embedded))
    for name, go_type in entry["fields"].items():
        fields[name] = (go_type, type_name)
    return fields


def upstream_values(kind, detail, field_id):
    """The values upstream allows for an enum-like field, or None for a free value."""
    if kind == "enum":
        enum = ENUMS[detail]
        values = list(enum["values"])
        if enum.get("unset_allowed") and "" not in values:
            values.append("")
        return values
    if field_id in FIELD_ENUMS:
        return list(FIELD_ENUMS[field_id]["values"])
    return None


class Comparison:
    """Walks one kind of our model alongside its upstream type and collects the differences."""

    def __init__(self, api_version, kind):
        self.problems = []  # our field unknown upstream, of another type, or other enum values
        self.missing = []  # upstream fields a struct of ours lacks
        self.enums = []  # (path, our values, upstream values) of every enum of our model
        root = "%s %s" % (api_version, kind)
        model = schema.KINDS.get(api_version, {}).get(kind)
        type_name = UPSTREAM["kinds"].get(api_version, {}).get(kind)
        if model is None or type_name is None:
            self.problems.append("%s: served by our model: %s, described upstream: %s" % (root, model is not None, type_name))
            return
        self.struct(model, type_name, root)

    def struct(self, model, type_name, path):
        if not isinstance(model, schema.Struct):
            self.problems.append("%s: upstream %s is a struct, our model is %r" % (path, type_name, model))
            return
        upstream = upstream_fields(type_name)
        for name in sorted(model.fields):
            sub = "%s.%s" % (path, name)
            if name not in upstream:
                spelled = [other for other in upstream if other.lower() == name.lower()]
                hint = " (upstream spells it %s)" % spelled[0] if spelled else ""
                self.problems.append("%s: %s has no field %r%s" % (sub, type_name, name, hint))
                continue
            go_type, owner = upstream[name]
            self.value(model.fields[name], go_type, sub, "%s.%s" % (owner, name))
        for name in model.required:
            if name not in model.fields:
                self.problems.append("%s: required field %r is not a field" % (path, name))
        self.missing.extend("%s.%s" % (path, name) for name in sorted(set(upstream) - set(model.fields)))

    def value(self, model, go_type, path, field_id):
        kind, detail = resolve(go_type)
        if isinstance(model, schema.AnyValue):
            if kind != "struct" or detail in TYPES:
                self.problems.append("%s: our model takes anything where upstream declares %s" % (path, go_type))
        elif isinstance(model, schema.Scalar):
            self.scalar(model, kind, detail, path, field_id)
        elif isinstance(model, schema.ListOf):
            if kind == "list":
                self.value(model.item, detail, path + "[]", field_id)
            else:
                self.problems.append("%s: our model is a list, upstream %s" % (path, go_type))
        elif isinstance(model, schema.MapOf):
            if kind == "map":
                self.value(model.value, detail, path + "{}", field_id)
            else:
                self.problems.append("%s: our model is a mapping, upstream %s" % (path, go_type))
        elif isinstance(model, schema.Struct):
            if kind == "struct" and detail in TYPES:
                self.struct(model, detail, path)
            else:
                self.problems.append("%s: our model is a struct, upstream %s" % (path, go_type))
        else:
            self.problems.append("%s: %r is not a model (upstream %s)" % (path, model, go_type))

    def scalar(self, model, kind, detail, path, field_id):
        values = upstream_values(kind, detail, field_id)
        if model.choices is not None:
            if model.kind != "str" or values is None:
                self.problems.append(
                    "%s: our model is an enum of %s, upstream a plain %s (%s)" % (path, model.kind, kind, detail)
                )
                return
            self.enums.append((path, list(model.choices), values))
            if sorted(model.choices) != sorted(values):
                self.problems.append("%s: our values %s, upstream %s" % (path, sorted(model.choices), sorted(values)))
            return
        if kind == "enum" and path not in FREE_STRING_ENUMS:
            self.problems.append("%s: upstream enum %s %s, our model takes any string" % (path, detail, values))
        elif kind not in OUR_SCALAR_KIND:
            self.problems.append("%s: our model is a %s scalar, upstream %s" % (path, model.kind, detail))
        elif model.kind != OUR_SCALAR_KIND[kind]:
            self.problems.append(
                "%s: our model is %s, upstream %s (%s) needs %s" % (path, model.kind, detail, kind, OUR_SCALAR_KIND[kind])
            )


ALL_KINDS = sorted(
    {(api_version, kind) for api_version, kinds in schema.KINDS.items() for kind in kinds}
    | {(api_version, kind) for api_version, kinds in UPSTREAM["kinds"].items() for kind in kinds}
)
KUBEADM_KINDS = [(api_version, kind) for api_version, kind in ALL_KINDS if api_version in KUBEADM_API_VERSIONS]
COMPARISONS = {key: Comparison(*key) for key in ALL_KINDS}
ENUM_CASES = [case for key in ALL_KINDS for case in COMPARISONS[key].enums]


def _kind_id(key):
    return "%s-%s" % key


# --- the fixture ---------------------------------------------------------------------------------
def test_fixture_names_its_upstream_sources():
    source = UPSTREAM["_source"]
    assert "1.36" in source["release"]
    files = source["files"]
    for entry in files.values():
        assert entry["repo"].count("/") == 1 and entry["path"] and len(entry["commit"]) == 40
    described = list(TYPES.values()) + list(ENUMS.values()) + list(FIELD_ENUMS.values()) + list(NAMED_TYPES.values())
    assert {entry["file"] for entry in described} <= set(files)


def test_fixture_types_resolve():
    """Every Go type the fixture mentions resolves (no dangling type name)."""
    for type_name in TYPES:
        for go_type, owner in upstream_fields(type_name).values():
            kind, detail = resolve(go_type)
            while kind in ("list", "map"):
                kind, detail = resolve(detail)
            assert kind in OUR_SCALAR_KIND or kind == "struct", (owner, go_type)


def test_our_model_serves_exactly_the_described_kinds():
    ours = {api_version: sorted(kinds) for api_version, kinds in schema.KINDS.items()}
    assert ours == {api_version: sorted(kinds) for api_version, kinds in UPSTREAM["kinds"].items()}


# --- names, types and enum values ---------------------------------------------------------------
@pytest.mark.parametrize("key", ALL_KINDS, ids=_kind_id)
def test_every_field_of_our_model_matches_upstream(key):
    """Each field our model accepts exists upstream, spelled the same, with the same type."""
    assert COMPARISONS[key].problems == []


@pytest.mark.parametrize("key", KUBEADM_KINDS, ids=_kind_id)
def test_kubeadm_kinds_lack_no_upstream_field(key):
    """KubeletConfiguration is a deliberate subset; the kubeadm kinds must accept every upstream field."""
    assert [path for path in COMPARISONS[key].missing if path not in ALLOWED_MISSING] == []


def test_allow_lists_name_real_paths():
    missing = {path for key in KUBEADM_KINDS for path in COMPARISONS[key].missing}
    assert set(ALLOWED_MISSING) <= missing
    free = set()
    for key in ALL_KINDS:
        root = "%s %s." % key
        fields = schema.KINDS[key[0]][key[1]].fields
        free.update(path for path in FREE_STRING_ENUMS if path.startswith(root) and path[len(root):] in fields)
    assert free == set(FREE_STRING_ENUMS)


@pytest.mark.parametrize("path,ours,upstream", ENUM_CASES, ids=[case[0] for case in ENUM_CASES])
def test_enum_values_are_upstream_constants(path, ours, upstream):
    assert sorted(ours) == sorted(upstream)
    assert len(set(ours)) == len(ours)


def test_enum_cases_cover_every_enum_of_our_model():
    paths = {case[0] for case in ENUM_CASES}
    for expected in (
        "%s ClusterConfiguration.encryptionAlgorithm" % schema.KUBEADM_V1BETA4,
        "%s InitConfiguration.nodeRegistration.imagePullPolicy" % schema.KUBEADM_V1BETA3,
        "%s JoinConfiguration.nodeRegistration.taints[].effect" % schema.KUBEADM_V1BETA4,
        "%s ClusterConfiguration.apiServer.extraVolumes[].pathType" % schema.KUBEADM_V1BETA3,
        "%s KubeletConfiguration.cgroupDriver" % schema.KUBELET_V1BETA1,
        "%s KubeletConfiguration.memorySwap.swapBehavior" % schema.KUBELET_V1BETA1,
        "%s KubeProxyConfiguration.mode" % schema.KUBEPROXY_V1ALPHA1,
        "%s KubeProxyConfiguration.detectLocalMode" % schema.KUBEPROXY_V1ALPHA1,
    ):
        assert expected in paths


# --- complete configurations from upstream's types ---------------------------------------------
OPAQUE_SAMPLES = {
    "corev1.EnvVarSource": {"fieldRef": {"fieldPath": "metadata.name"}},
    "logsapi.FormatOptions": {"json": {"splitStream": True}},
}
SCALAR_SAMPLES = {
    "string": "sample",
    "time": "2026-01-01T00:00:00Z",
    "bool": True,
    "int": 1,
    "float": 0.5,
    "duration": "90s",
    "duration_or_int": "5s",
    "quantity": "1Gi",
}


def sample(go_type, field_id, model=None):
    """A valid value of an upstream type; with model (kubelet, kube-proxy), only the fields it names."""
    kind, detail = resolve(go_type)
    if kind == "list":
        return [sample(detail, field_id, model.item if isinstance(model, schema.ListOf) else None)]
    if kind == "map":
        return {"key": sample(detail, field_id, model.value if isinstance(model, schema.MapOf) else None)}
    if kind == "struct":
        if detail not in TYPES:
            return copy.deepcopy(OPAQUE_SAMPLES[detail])
        return sample_struct(detail, model)
    values = upstream_values(kind, detail, field_id)
    if values:
        return [value for value in values if value][0]
    if detail == "bootstraptokenv1.BootstrapTokenString":
        return "abcdef.0123456789abcdef"
    return SCALAR_SAMPLES[kind]


def sample_struct(type_name, model=None):
    fields = upstream_fields(type_name)
    if isinstance(model, schema.Struct):
        names = [name for name in fields if name in model.fields]
        return {name: sample(fields[name][0], "%s.%s" % (fields[name][1], name), model.fields[name]) for name in names}
    return {name: sample(go_type, "%s.%s" % (owner, name)) for name, (go_type, owner) in fields.items()}


def complete_document(api_version, kind):
    """Every upstream field for the kubeadm kinds; the fields our model names for the others."""
    type_name = UPSTREAM["kinds"][api_version][kind]
    model = None if api_version in KUBEADM_API_VERSIONS else schema.KINDS[api_version][kind]
    doc = {"apiVersion": api_version, "kind": kind}
    doc.update(sample_struct(type_name, model))
    return doc


@pytest.mark.parametrize("api_version", KUBEADM_API_VERSIONS)
def test_complete_kubeadm_configuration_is_valid(api_version):
    docs = [complete_document(api_version, kind) for kind in sorted(UPSTREAM["kinds"][api_version])]
    assert len(docs) == 3
    assert schema.validate_documents(docs) == []
    cluster = docs[0]
    assert cluster["kind"] == "ClusterConfiguration" and "certFile" in cluster["etcd"]["external"]


def test_complete_component_configurations_are_valid():
    docs = [complete_document(schema.KUBELET_V1BETA1, "KubeletConfiguration"),
            complete_document(schema.KUBEPROXY_V1ALPHA1, "KubeProxyConfiguration")]
    assert schema.validate_documents(docs) == []
    # Each of our fields is in the sample (a field missing upstream would be left out silently).
    for doc in docs:
        model = schema.KINDS[doc["apiVersion"]][doc["kind"]]
        assert sorted(set(doc) - {"apiVersion", "kind"}) == sorted(model.fields)


WRONG_VALUES = {
    "string": [12345],
    "time": [12345],
    "enum": [12345, "Not-An-Upstream-Value"],
    "bool": ["true", 1],
    "int": ["1", True, 1.5],
    "float": ["0.5", False],
    "duration": [90, "ninety"],
    "duration_or_int": [True, "ninety", 1.5],
    "quantity": [True, ["1Gi"]],
    "list": ["sample", {"key": "sample"}],
    "map": ["sample", ["sample"]],
    "struct": ["sample", ["sample"]],
}


def _wrong_type_cases():
    """(document, keys to one node, error path, wrong value) for every node of the complete documents."""
    cases = []

    def walk(doc, keys, path, go_type, field_id):
        kind, detail = resolve(go_type)
        node = _get(doc, keys)
        if kind == "struct" and detail not in TYPES:
            return  # upstream fields not described: our model takes anything there
        wrong = list(WRONG_VALUES[kind])
        if kind == "string" and upstream_values(kind, detail, field_id):
            wrong.append("Not-An-Upstream-Value")
        if "%s %s" % (doc["apiVersion"], path) in FREE_STRING_ENUMS:
            wrong.remove("Not-An-Upstream-Value")
        cases.extend((doc, keys, path, value) for value in wrong)
        if kind == "list":
            walk(doc, keys + [0], "%s[0]" % path, detail, field_id)
        elif kind == "map":
            walk(doc, keys + ["key"], "%s.key" % path, detail, field_id)
        elif kind == "struct":
            fields = upstream_fields(detail)
            for name in node:
                walk(doc, keys + [name], "%s.%s" % (path, name), fields[name][0], "%s.%s" % (fields[name][1], name))

    for api_version, kind in ALL_KINDS:
        doc = complete_document(api_version, kind)
        fields = upstream_fields(UPSTREAM["kinds"][api_version][kind])
        for name in doc:
            if name not in ("apiVersion", "kind"):
                walk(doc, [name], "%s.%s" % (kind, name), fields[name][0], "%s.%s" % (fields[name][1], name))
    return cases


def _get(node, keys):
    for key in keys:
        node = node[key]
    return node


WRONG_TYPE_CASES = _wrong_type_cases()


@pytest.mark.parametrize(
    "doc,keys,path,value",
    WRONG_TYPE_CASES,
    ids=["%s %s=%r" % (case[0]["apiVersion"], case[2], case[3]) for case in WRONG_TYPE_CASES],
)
def test_each_field_with_a_wrong_type_is_reported(doc, keys, path, value):
    bad = copy.deepcopy(doc)
    _get(bad, keys[:-1])[keys[-1]] = value
    errors = schema.validate_document(bad)
    assert [error for error in errors if error.startswith(path + ":")], errors


def test_wrong_type_cases_cover_the_reported_mutants():
    """A few of the nodes mutation testing showed unchecked."""
    paths = {(case[0]["apiVersion"], case[2]) for case in WRONG_TYPE_CASES}
    for expected in (
        (schema.KUBEADM_V1BETA4, "JoinConfiguration.controlPlane.certificateKey"),
        (schema.KUBEADM_V1BETA3, "ClusterConfiguration.etcd.external.certFile"),
        (schema.KUBEADM_V1BETA3, "ClusterConfiguration.apiServer.timeoutForControlPlane"),
        (schema.KUBEADM_V1BETA4, "InitConfiguration.nodeRegistration.imagePullSerial"),
        (schema.KUBEADM_V1BETA4, "JoinConfiguration.timeouts.upgradeManifests"),
        (schema.KUBEADM_V1BETA4, "ClusterConfiguration.encryptionAlgorithm"),
    ):
        assert expected in paths
