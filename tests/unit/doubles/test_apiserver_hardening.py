"""API server stand-in: the hardening settings a kubeadm ClusterConfiguration can give it
(--authentication-config anonymous conditions, --encryption-provider-config, --audit-*,
--admission-control-config-file with PodSecurity, --profiling) and what a static pod's container
can see of the host (SEED_POD_MOUNTS from the pods helper).

Expected texts and byte layouts come from upstream (kubernetes/kubernetes), not from the double:
pkg/kubeapiserver/options/authentication.go, staging/src/k8s.io/apiserver/pkg/apis/apiserver/
validation/{validation,validation_encryption}.go, .../authentication/request/anonymous/anonymous.go,
.../server/options/encryptionconfig/config.go, .../storage/value/encrypt/{aes,secretbox},
.../audit/policy/{reader,checker}.go, .../apis/audit/validation/validation.go,
.../server/options/audit.go, .../admission/{config,plugins}.go, staging/src/k8s.io/pod-security-
admission/{admission,api,policy}, golang.org/x/crypto/nacl/secretbox's reference vector."""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import yaml

import kube_apiserver
import kube_controller_manager
import kube_scheduler
from seed_doubles import apiconfig as cfg
from seed_doubles import apiencryption
from seed_doubles import apimachinery as am
from seed_doubles import pods
from seed_doubles.apistore import MemoryStore
from seed_doubles.kube import ApiError

from .conftest import DOUBLES, ETCD as ETCD_BINARY, free_port, wait_for
from .test_apiserver_etcd import start_apiserver

KEY16 = base64.b64encode(bytes(range(16))).decode()
KEY32 = base64.b64encode(bytes(range(32))).decode()
KEY32B = base64.b64encode(bytes(range(32, 64))).decode()
ETCD = "http://127.0.0.1:1"  # never dialled by the start-up failures below


def write(tmp_path, name, doc):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return str(path)


def authn(anonymous=None, version="apiserver.config.k8s.io/v1beta1", jwt=None):
    doc = {"apiVersion": version, "kind": "AuthenticationConfiguration"}
    if jwt is not None:
        doc["jwt"] = jwt
    if anonymous is not None:
        doc["anonymous"] = anonymous
    return doc


def start_failure(capsys, argv, version="v1.33.2", monkeypatch=None, env=None):
    """(exit code, stderr) of the double's main() for a start-up that must fail."""
    monkeypatch.setenv("SEED_COMPONENT_VERSION", version)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    rc = kube_apiserver.main(["--etcd-servers=" + ETCD] + argv)
    return rc, capsys.readouterr().err


def command_failed(err):
    """The error text of a klog ``"command failed" err="..."`` line (component-base/cli/run.go)."""
    line = [entry for entry in err.splitlines() if '"command failed" err=' in entry]
    assert line, err
    return json.loads(line[0].split('"command failed" err=', 1)[1])


# ---------------------------------------------------------------- --authentication-config: anonymous

ANON_HEALTH = {"enabled": True, "conditions": [{"path": "/livez"}, {"path": "/readyz"}, {"path": "/healthz"}]}
CLUSTER_INFO = "/api/v1/namespaces/kube-public/configmaps/cluster-info"


def kubeadm_cluster_info(admin):
    """cluster-info and the anonymous read access kubeadm grants to it (phases/bootstraptoken/clusterinfo)."""
    admin.create("/api/v1/namespaces/kube-public/configmaps",
                 {"metadata": {"name": "cluster-info"}, "data": {"kubeconfig": "x"}})
    admin.create("/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/roles", {
        "metadata": {"name": "kubeadm:bootstrap-signer-clusterinfo"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["cluster-info"],
                   "verbs": ["get"]}]})
    admin.create("/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/rolebindings", {
        "metadata": {"name": "kubeadm:bootstrap-signer-clusterinfo"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                    "name": "kubeadm:bootstrap-signer-clusterinfo"},
        "subjects": [{"kind": "User", "name": "system:anonymous"}]})


def test_anonymous_conditions_allow_only_listed_paths(api_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("SEED_COMPONENT_VERSION", "v1.33.2")
    api = api_factory({"authentication-config": write(tmp_path, "authn.yaml", authn(ANON_HEALTH))})
    kubeadm_cluster_info(api.admin())
    anon = api.client()
    assert anon.request("GET", "/readyz") == {"message": "ok"}
    assert anon.request("GET", "/livez") == {"message": "ok"}
    assert anon.request("GET", "/readyz", query={"verbose": "1"})  # the query string is not part of the path
    for path in ("/api/v1/namespaces", "/version", CLUSTER_INFO, "/readyz/etcd"):
        with pytest.raises(ApiError) as err:
            anon.get(path)
        assert err.value.status == 401, path
    # an authenticated client is unaffected
    assert api.admin().get("/api/v1/namespaces/default")["metadata"]["name"] == "default"
    # listed, the cluster-info path is anonymous again, and RBAC lets system:anonymous read it
    listed = dict(ANON_HEALTH, conditions=ANON_HEALTH["conditions"] + [{"path": CLUSTER_INFO}])
    api2 = api_factory({"authentication-config": write(tmp_path, "authn2.yaml", authn(listed))}, store=api.store)
    assert api2.client().get(CLUSTER_INFO)["data"] == {"kubeconfig": "x"}
    with pytest.raises(ApiError) as err:
        api2.client().get("/api/v1/namespaces/kube-public/configmaps")
    assert err.value.status == 401


def test_anonymous_enabled_without_conditions_and_disabled(api_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("SEED_COMPONENT_VERSION", "v1.34.1")
    every = api_factory({"authentication-config": write(tmp_path, "a.yaml", authn({"enabled": True}, jwt=[]))})
    assert every.client().get("/version")["minor"] == "34"
    off = api_factory({"authentication-config": write(tmp_path, "b.yaml", authn({"enabled": False},
                                                                                "apiserver.config.k8s.io/v1"))})
    with pytest.raises(ApiError) as err:
        off.client().request("GET", "/livez")
    assert err.value.status == 401
    # no anonymous field: --anonymous-auth (default true) decides
    flag = api_factory({"authentication-config": write(tmp_path, "c.yaml", authn())})
    assert flag.client().get("/version")["major"] == "1"


def test_empty_and_duplicate_condition_paths_are_accepted(api_factory, tmp_path, monkeypatch):
    # upstream validates neither (validation.go); an empty path matches no request
    monkeypatch.setenv("SEED_COMPONENT_VERSION", "v1.33.2")
    anonymous = {"enabled": True, "conditions": [{"path": ""}, {"path": "/livez"}, {"path": "/livez"}]}
    api = api_factory({"authentication-config": write(tmp_path, "a.yaml", authn(anonymous))})
    assert api.client().request("GET", "/livez") == {"message": "ok"}
    with pytest.raises(ApiError):
        api.client().get("/version")


@pytest.mark.parametrize("flag", ["--anonymous-auth=false", "--anonymous-auth=true"])
def test_anonymous_field_and_flag_are_exclusive(capsys, tmp_path, monkeypatch, flag):
    path = write(tmp_path, "authn.yaml", authn(ANON_HEALTH))
    rc, err = start_failure(capsys, ["--authentication-config=" + path, flag], monkeypatch=monkeypatch)
    assert rc == 1
    assert command_failed(err) == ("anonymous: Forbidden: --anonymous-auth flag cannot be set when anonymous field "
                                   "is configured in authentication configuration file")


def test_anonymous_conditions_need_enabled(capsys, tmp_path, monkeypatch):
    path = write(tmp_path, "authn.yaml", authn({"enabled": False, "conditions": [{"path": "/livez"}]}))
    rc, err = start_failure(capsys, ["--authentication-config=" + path], monkeypatch=monkeypatch)
    assert rc == 1
    assert command_failed(err) == (
        'invalid authentication configuration: anonymous.conditions: Invalid value: '
        '[]apiserver.AnonymousAuthCondition{apiserver.AnonymousAuthCondition{Path:"/livez"}}: '
        'enabled should be set to true when conditions are defined')


@pytest.mark.parametrize("version,extra,expected", [
    # 1.30: no anonymous field in the API (KEP-4633 came in 1.31), strict decoding refuses it
    ("v1.30.9", [], 'strict decoding error: unknown field "anonymous"'),
    # 1.31: alpha, gate off by default
    ("v1.31.4", [], "invalid authentication configuration: anonymous: Forbidden: anonymous is not supported when "
                    "AnonymousAuthConfigurableEndpoints feature gate is disabled"),
    ("v1.31.4", ["--feature-gates=AnonymousAuthConfigurableEndpoints=true"], None),
    ("v1.32.0", [], None),
    ("v1.32.0", ["--feature-gates=AnonymousAuthConfigurableEndpoints=false"],
     "invalid authentication configuration: anonymous: Forbidden: anonymous is not supported when "
     "AnonymousAuthConfigurableEndpoints feature gate is disabled"),
])
def test_anonymous_field_per_minor(tmp_path, monkeypatch, version, extra, expected):
    monkeypatch.setenv("SEED_COMPONENT_VERSION", version)
    path = write(tmp_path, "authn.yaml", authn(ANON_HEALTH))
    flags = {"authentication-config": path}
    flags.update(am.parse_flags(extra, kube_apiserver.KNOWN_FLAGS, kube_apiserver.BOOL_FLAGS)[0])
    if expected is None:
        server = kube_apiserver.ApiServer(MemoryStore(), flags)
        assert server.anonymous_config.paths == {"/livez", "/readyz", "/healthz"}
        return
    with pytest.raises(cfg.ConfigError) as err:
        kube_apiserver.ApiServer(MemoryStore(), flags)
    assert err.value.message.endswith(expected)
    assert err.value.message.startswith('failed to load authentication configuration from file "%s": ' % path) or \
        err.value.message.startswith("invalid authentication configuration: ")


def test_authentication_config_versions_kinds_and_files(capsys, tmp_path, monkeypatch):
    # v1 is served from 1.34 (structured authentication configuration GA), v1beta1 from 1.30
    v1 = write(tmp_path, "v1.yaml", authn(ANON_HEALTH, "apiserver.config.k8s.io/v1"))
    rc, err = start_failure(capsys, ["--authentication-config=" + v1], "v1.33.2", monkeypatch)
    assert rc == 1 and command_failed(err).startswith(
        'failed to load authentication configuration from file "%s": no kind "AuthenticationConfiguration" is '
        'registered for version "apiserver.config.k8s.io/v1" in scheme ' % v1)
    monkeypatch.setenv("SEED_COMPONENT_VERSION", "v1.34.1")
    assert kube_apiserver.ApiServer(MemoryStore(), {"authentication-config": v1}).anonymous_config.enabled
    wrong = write(tmp_path, "wrong.yaml", {"apiVersion": "apiserver.config.k8s.io/v1beta1",
                                           "kind": "AuthorizationConfiguration"})
    rc, err = start_failure(capsys, ["--authentication-config=" + wrong], "v1.33.2", monkeypatch)
    assert 'no kind "AuthorizationConfiguration" is registered for version "apiserver.config.k8s.io/v1beta1"' in \
        command_failed(err)
    missing = str(tmp_path / "missing.yaml")
    rc, err = start_failure(capsys, ["--authentication-config=" + missing], "v1.33.2", monkeypatch)
    assert rc == 1 and command_failed(err) == (
        'failed to load authentication configuration from file "%s": open %s: no such file or directory'
        % (missing, missing))
    empty = write(tmp_path, "empty.yaml", "")
    rc, err = start_failure(capsys, ["--authentication-config=" + empty], "v1.33.2", monkeypatch)
    assert command_failed(err).endswith(": empty config data")
    # GA and locked in 1.34: the gate cannot be switched off (component-base/featuregate)
    rc, err = start_failure(capsys, ["--authentication-config=" + v1,
                                     "--feature-gates=AnonymousAuthConfigurableEndpoints=false"], "v1.34.1",
                            monkeypatch)
    assert rc == 1 and err.startswith('Error: invalid argument "AnonymousAuthConfigurableEndpoints=false" for '
                                      '"--feature-gates" flag: cannot set feature gate '
                                      'AnonymousAuthConfigurableEndpoints to false, feature is locked to true')
    # the --oidc-* flags and the file are mutually exclusive (validateOIDCOptions)
    rc, err = start_failure(capsys, ["--authentication-config=" + v1, "--oidc-issuer-url=https://x"], "v1.34.1",
                            monkeypatch)
    assert command_failed(err) == "authentication-config file and oidc-* flags are mutually exclusive"


def test_jwt_entries_are_checked_but_not_emulated(tmp_path, monkeypatch):
    monkeypatch.setenv("SEED_COMPONENT_VERSION", "v1.33.2")
    good = [{"issuer": {"url": "https://issuer.example", "audiences": ["kubernetes"]},
             "claimMappings": {"username": {"claim": "sub", "prefix": ""}}}]
    kube_apiserver.ApiServer(MemoryStore(), {"authentication-config": write(tmp_path, "g.yaml", authn(jwt=good))})
    bad = [{"issuer": {"url": "http://issuer.example", "audiences": []}}]
    with pytest.raises(cfg.ConfigError) as err:
        kube_apiserver.ApiServer(MemoryStore(), {"authentication-config": write(tmp_path, "b.yaml", authn(jwt=bad))})
    assert err.value.message == (
        'invalid authentication configuration: [jwt[0].issuer.url: Invalid value: "http://issuer.example": URL scheme '
        'must be https, jwt[0].issuer.audiences: Required value: at least one jwt[0].issuer.audiences is required]')


# ---------------------------------------------------------------- --encryption-provider-config

def enc_config(providers, resources=("secrets",)):
    return {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
            "resources": [{"resources": list(resources), "providers": providers}]}


def aes_cbc_open(key, stored):
    """Decrypt an aescbc value as upstream lays it out (aes.go: IV(16) + CBC ciphertext, PKCS#7)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    iv, body = stored[:16], stored[16:]
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = dec.update(body) + dec.finalize()
    assert 1 <= plain[-1] <= 16 and plain.endswith(bytes([plain[-1]]) * plain[-1])
    return plain[:-plain[-1]]


SECRET = {"metadata": {"name": "db"}, "stringData": {"password": "hunter2-plaintext"}}


def test_aescbc_round_trip_and_raw_value(api_factory, tmp_path):
    store = MemoryStore()
    path = write(tmp_path, "enc.yaml", enc_config([{"aescbc": {"keys": [{"name": "key1", "secret": KEY32}]}},
                                                   {"identity": {}}]))
    api = api_factory({"encryption-provider-config": path}, store=store)
    admin = api.admin()
    admin.create("/api/v1/namespaces/default/secrets", SECRET)
    admin.create("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "plain"}, "data": {"k": "visible"}})
    raw, _ = store.get("/registry/secrets/default/db")
    assert raw.startswith(b"k8s:enc:aescbc:v1:key1:")
    assert b"hunter2" not in raw and base64.b64encode(b"hunter2-plaintext") not in raw
    body = raw[len(b"k8s:enc:aescbc:v1:key1:"):]
    assert (len(body) - 16) % 16 == 0
    decoded = json.loads(aes_cbc_open(bytes(range(32)), body))
    assert decoded["data"]["password"] == base64.b64encode(b"hunter2-plaintext").decode()
    got = admin.get("/api/v1/namespaces/default/secrets/db")
    assert base64.b64decode(got["data"]["password"]) == b"hunter2-plaintext"
    assert admin.get("/api/v1/namespaces/default/secrets")["items"][0]["metadata"]["name"] == "db"
    # resources not listed stay plaintext (identity)
    assert json.loads(store.get("/registry/configmaps/default/plain")[0])["data"] == {"k": "visible"}


def test_aesgcm_uses_the_etcd_key_as_authenticated_data(api_factory, tmp_path):
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    store = MemoryStore()
    path = write(tmp_path, "enc.yaml", enc_config([{"aesgcm": {"keys": [{"name": "k1", "secret": KEY16}]}}]))
    api = api_factory({"encryption-provider-config": path}, store=store)
    api.admin().create("/api/v1/namespaces/default/secrets", SECRET)
    key = "/registry/secrets/default/db"
    raw, _ = store.get(key)
    assert raw.startswith(b"k8s:enc:aesgcm:v1:k1:")
    body = raw[len(b"k8s:enc:aesgcm:v1:k1:"):]
    nonce, sealed = body[:12], body[12:]
    plain = AESGCM(bytes(range(16))).decrypt(nonce, sealed, key.encode())
    assert json.loads(plain)["metadata"]["name"] == "db"
    with pytest.raises(InvalidTag):
        AESGCM(bytes(range(16))).decrypt(nonce, sealed, b"/registry/secrets/default/other")
    # a value copied under another key does not decrypt there
    store.create("/registry/secrets/default/copy", raw)
    with pytest.raises(ApiError) as err:
        api.admin().get("/api/v1/namespaces/default/secrets/copy")
    assert err.value.status == 500
    assert err.value.body["message"].startswith('Internal error occurred: unable to transform key '
                                                '"/registry/secrets/default/copy": ')


def test_secretbox_matches_nacl_reference_vector():
    # golang.org/x/crypto/nacl/secretbox TestSecretBox ("generated using the C implementation of NaCl")
    box = apiencryption.secretbox_seal(bytes([3]) * 64, bytes([2]) * 24, bytes([1]) * 32)
    assert box.hex() == ("8442bc313f4626f1359e3b50122b6ce6fe66ddfe7d39d14e637eb4fd5b45beadab55198df6ab5368439792a23c87"
                         "db70acb6156dc5ef957ac04f6276cf6093b84be77ff0849cc33e34b7254d5a8f65ad")
    assert apiencryption.secretbox_open(box, bytes([2]) * 24, bytes([1]) * 32) == bytes([3]) * 64
    tampered = bytes([box[0] ^ 1]) + box[1:]
    assert apiencryption.secretbox_open(tampered, bytes([2]) * 24, bytes([1]) * 32) is None


def test_secretbox_round_trip(api_factory, tmp_path):
    store = MemoryStore()
    path = write(tmp_path, "enc.yaml", enc_config([{"secretbox": {"keys": [{"name": "sb", "secret": KEY32}]}}]))
    api = api_factory({"encryption-provider-config": path}, store=store)
    api.admin().create("/api/v1/namespaces/default/secrets", SECRET)
    raw, _ = store.get("/registry/secrets/default/db")
    assert raw.startswith(b"k8s:enc:secretbox:v1:sb:")
    body = raw[len(b"k8s:enc:secretbox:v1:sb:"):]
    # secretbox.go: nonce(24) + Seal output (16-byte tag + ciphertext as long as the JSON)
    plain = apiencryption.secretbox_open(body[24:], body[:24], bytes(range(32)))
    assert json.loads(plain)["metadata"]["name"] == "db" and len(body) == 24 + 16 + len(plain)
    try:
        import nacl.secret
    except ImportError:
        nacl = None
    if nacl is not None:
        assert nacl.secret.SecretBox(bytes(range(32))).decrypt(body[24:], body[:24]) == plain
    assert b"hunter2" not in raw
    assert base64.b64decode(api.admin().get("/api/v1/namespaces/default/secrets/db")["data"]["password"]) == \
        b"hunter2-plaintext"


def test_a_stored_value_is_decrypted_once_and_a_changed_one_again(api_factory, tmp_path, monkeypatch):
    store = MemoryStore()
    path = write(tmp_path, "enc.yaml", enc_config([{"secretbox": {"keys": [{"name": "sb", "secret": KEY32}]}}]))
    api = api_factory({"encryption-provider-config": path}, store=store)
    admin = api.admin()
    admin.create("/api/v1/namespaces/default/secrets", SECRET)
    opened = []
    real_open = apiencryption.secretbox_open
    monkeypatch.setattr(apiencryption, "secretbox_open", lambda *a: opened.append(1) or real_open(*a))
    for _ in range(3):
        admin.get("/api/v1/namespaces/default/secrets")
        admin.get("/api/v1/namespaces/default/secrets/db")
    assert len(opened) <= 1                      # the watch cache's decrypted copy, not one per read
    secret = admin.get("/api/v1/namespaces/default/secrets/db")
    secret["data"]["password"] = base64.b64encode(b"changed").decode()
    admin.replace("/api/v1/namespaces/default/secrets/db", secret)
    got = admin.get("/api/v1/namespaces/default/secrets/db")
    assert base64.b64decode(got["data"]["password"]) == b"changed"
    # a value changed behind the server's back (another server, a restore) is read afresh
    raw, _ = store.get("/registry/secrets/default/db")
    store.update("/registry/secrets/default/db", raw[:-1] + bytes([raw[-1] ^ 1]))
    with pytest.raises(ApiError) as err:
        admin.get("/api/v1/namespaces/default/secrets/db")
    assert err.value.status == 500


def test_reads_follow_the_prefix_rotation_and_identity(api_factory, tmp_path):
    store = MemoryStore()
    store.create("/registry/secrets/default/old", json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {
        "name": "old", "namespace": "default", "uid": "u", "creationTimestamp": "2024-01-01T00:00:00Z"},
        "type": "Opaque", "data": {"a": "Yg=="}}).encode())
    first = write(tmp_path, "one.yaml", enc_config([{"aescbc": {"keys": [{"name": "key1", "secret": KEY32}]}},
                                                    {"identity": {}}]))
    one = api_factory({"encryption-provider-config": first}, store=store)
    assert one.admin().get("/api/v1/namespaces/default/secrets/old")["data"] == {"a": "Yg=="}  # plaintext via identity
    one.admin().create("/api/v1/namespaces/default/secrets", SECRET)
    # rotation: key2 first writes with key2, key1 still reads what it wrote
    rotated = write(tmp_path, "two.yaml", enc_config([{"aescbc": {"keys": [{"name": "key2", "secret": KEY32B},
                                                                           {"name": "key1", "secret": KEY32}]}}]))
    two = api_factory({"encryption-provider-config": rotated}, store=store)
    assert two.admin().get("/api/v1/namespaces/default/secrets/db")["metadata"]["name"] == "db"
    two.admin().create("/api/v1/namespaces/default/secrets", {"metadata": {"name": "new"}, "data": {"x": "eQ=="}})
    assert store.get("/registry/secrets/default/new")[0].startswith(b"k8s:enc:aescbc:v1:key2:")
    # without identity, plaintext left in etcd no longer reads (no matching prefix)
    with pytest.raises(ApiError) as err:
        two.admin().get("/api/v1/namespaces/default/secrets/old")
    assert err.value.status == 500 and err.value.body["message"] == (
        'Internal error occurred: unable to transform key "/registry/secrets/default/old": no matching prefix found')
    # identity first: writes plaintext, still reads encrypted values with the listed keys
    back = write(tmp_path, "back.yaml", enc_config([{"identity": {}},
                                                    {"aescbc": {"keys": [{"name": "key2", "secret": KEY32B}]}}]))
    three = api_factory({"encryption-provider-config": back}, store=store)
    assert three.admin().get("/api/v1/namespaces/default/secrets/new")["data"] == {"x": "eQ=="}
    three.admin().create("/api/v1/namespaces/default/secrets", {"metadata": {"name": "clear"}, "data": {"y": "eg=="}})
    assert json.loads(store.get("/registry/secrets/default/clear")[0])["data"] == {"y": "eg=="}
    # a resource in no rule reads encrypted data through identity: refused
    none = api_factory({"encryption-provider-config": write(tmp_path, "cm.yaml", enc_config(
        [{"identity": {}}], ["configmaps"]))}, store=store)
    with pytest.raises(ApiError) as err:
        none.admin().get("/api/v1/namespaces/default/secrets/new")
    assert err.value.body["message"].endswith(": identity transformer tried to read encrypted data")


def test_wildcard_resources_encrypt_core_and_custom_resources(api_factory, tmp_path):
    store = MemoryStore()
    path = write(tmp_path, "enc.yaml", enc_config([{"aesgcm": {"keys": [{"name": "k", "secret": KEY32}]}}],
                                                  ["*.*"]))
    api = api_factory({"encryption-provider-config": path}, store=store)
    api.admin().create("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "c"}, "data": {"a": "b"}})
    assert store.get("/registry/configmaps/default/c")[0].startswith(b"k8s:enc:aesgcm:v1:k:")
    assert api.admin().get("/api/v1/namespaces/default/configmaps/c")["data"] == {"a": "b"}


@pytest.mark.parametrize("providers,resources,expected", [
    ([{"aescbc": {"keys": [{"name": "k", "secret": base64.b64encode(b"12345678").decode()}]}}], ["secrets"],
     'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected '
     'length, got 8, expected one of [16 24 32]'),
    ([{"aesgcm": {"keys": [{"name": "k", "secret": base64.b64encode(b"x" * 20).decode()}]}}], ["secrets"],
     'resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected '
     'length, got 20, expected one of [16 24 32]'),
    ([{"secretbox": {"keys": [{"name": "k", "secret": KEY16}]}}], ["secrets"],
     'resources[0].providers[0].secretbox.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected '
     'length, got 16, expected one of [32]'),
    ([{"aescbc": {"keys": [{"name": "k", "secret": "not base64!"}]}}], ["secrets"],
     'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secrets must be base64 encoded'),
    ([{"aescbc": {"keys": [{"secret": KEY32}]}}], ["secrets"],
     "resources[0].providers[0].aescbc.keys[0].name: Required value: name is a mandatory field for a key"),
    ([{"aescbc": {"keys": []}}], ["secrets"],
     "resources[0].providers[0].aescbc.keys: Required value: at least one keys is required"),
    ([], ["secrets"], "resources[0].providers: Required value: at least one resources[0].providers is required"),
    ([{"identity": {}}], ["*"], 'resources[0].resources[0]: Invalid value: "*": use \'*.\' to encrypt all the '
                                'resources from core API group or *.* to encrypt all resources'),
    ([{"identity": {}}], ["Secrets"],
     'resources[0].resources[0]: Invalid value: "Secrets": resource name should not contain capital letters'),
    ([{"identity": {}}], ["secrets", "secrets"],
     'resources[0].resources: Invalid value: []string{"secrets", "secrets"}: the same resource cannot be specified '
     'multiple times'),
])
def test_encryption_config_validation(capsys, tmp_path, monkeypatch, providers, resources, expected):
    path = write(tmp_path, "enc.yaml", enc_config(providers, resources))
    rc, err = start_failure(capsys, ["--encryption-provider-config=" + path], monkeypatch=monkeypatch)
    assert rc == 1
    assert command_failed(err) == "error while parsing file: " + expected


def test_encryption_config_files_and_masking(capsys, tmp_path, monkeypatch):
    two = {"aescbc": {"keys": [{"name": "k", "secret": KEY32}]}, "identity": {}}
    path = write(tmp_path, "enc.yaml", enc_config([two]))
    rc, err = start_failure(capsys, ["--encryption-provider-config=" + path], monkeypatch=monkeypatch)
    assert command_failed(err) == ("error while parsing file: resources[0].providers[0]: Invalid value: "
                                   "apiserver.ProviderConfiguration{...}: more than one provider specified in a single "
                                   "element, should split into different list elements")
    missing = str(tmp_path / "nope.yaml")
    rc, err = start_failure(capsys, ["--encryption-provider-config=" + missing], monkeypatch=monkeypatch)
    assert command_failed(err) == ('error while parsing file: error while loading file: error reading encryption '
                                   'provider configuration file "%s": open %s: no such file or directory'
                                   % (missing, missing))
    masked = {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration", "resources": [
        {"resources": ["*."], "providers": [{"identity": {}}]},
        {"resources": ["secrets"], "providers": [{"aescbc": {"keys": [{"name": "k", "secret": KEY32}]}}]}]}
    rc, err = start_failure(capsys, ["--encryption-provider-config=" + write(tmp_path, "m.yaml", masked)],
                            monkeypatch=monkeypatch)
    assert command_failed(err) == 'error while building transformers: resource "secrets" is masked by earlier rule "*."'
    # the documented-by-mistake kind EncryptionConfig in apiVersion v1 is accepted (apiserver v1/register.go)
    legacy = dict(enc_config([{"identity": {}}]), apiVersion="v1", kind="EncryptionConfig")
    kube_apiserver.ApiServer(MemoryStore(), {"encryption-provider-config": write(tmp_path, "l.yaml", legacy)})


# ---------------------------------------------------------------- --audit-policy-file, --audit-log-*

POLICY = {"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "omitStages": ["RequestReceived"], "rules": [
    {"level": "None", "nonResourceURLs": ["/healthz*", "/livez*", "/readyz*", "/version"]},
    {"level": "None", "resources": [{"group": "", "resources": ["configmaps"], "resourceNames": ["quiet"]}]},
    {"level": "Metadata", "resources": [{"group": "", "resources": ["secrets", "configmaps"]}]},
    {"level": "RequestResponse", "verbs": ["create"], "namespaces": ["loud"]},
    {"level": "Metadata"}]}


def audit_events(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_audit_events_follow_the_policy(api_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("SEED_COMPONENT_VERSION", "v1.33.2")
    log_path = tmp_path / "audit" / "sub" / "audit.log"
    api = api_factory({"audit-policy-file": write(tmp_path, "policy.yaml", POLICY), "audit-log-path": str(log_path),
                       "audit-log-maxage": "30", "audit-log-maxbackup": "10", "audit-log-maxsize": "100"})
    assert oct(os.stat(log_path).st_mode & 0o777) == "0o600"  # ensureLogFile at start
    assert oct(os.stat(log_path.parent).st_mode & 0o777) == "0o700"
    admin = api.admin()
    admin.create("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "quiet"}, "data": {"a": "b"}})
    # a create has no name in its request attributes: the resourceNames rule does not match it
    assert [e["objectRef"]["name"] for e in audit_events(log_path)] == ["quiet"]
    before = len(audit_events(log_path))
    admin.request("GET", "/readyz")
    admin.get("/api/v1/namespaces/default/configmaps/quiet")
    assert len(audit_events(log_path)) == before  # level None: nothing
    admin.create("/api/v1/namespaces/default/secrets", SECRET)
    events = audit_events(log_path)[before:]
    assert len(events) == 1  # RequestReceived omitted
    ev = events[0]
    assert ev["kind"] == "Event" and ev["apiVersion"] == "audit.k8s.io/v1" and ev["level"] == "Metadata"
    assert ev["stage"] == "ResponseComplete" and ev["verb"] == "create"
    assert ev["requestURI"] == "/api/v1/namespaces/default/secrets"
    assert ev["objectRef"] == {"resource": "secrets", "namespace": "default", "name": "db", "apiVersion": "v1"}
    assert ev["responseStatus"]["code"] == 201 and ev["user"]["username"] == "kubernetes-super-admin"
    assert "system:masters" in ev["user"]["groups"] and ev["sourceIPs"] == ["127.0.0.1"]
    assert ev["auditID"] and ev["requestReceivedTimestamp"].endswith("Z") and ev["stageTimestamp"]
    assert ev["annotations"]["authorization.k8s.io/decision"] == "allow"
    assert "requestObject" not in ev and "responseObject" not in ev
    line = log_path.read_text()
    assert "hunter2" not in line and base64.b64encode(b"hunter2-plaintext").decode() not in line
    # RequestResponse in namespace "loud": bodies logged; a forbidden request is logged too
    admin.create("/api/v1/namespaces", {"metadata": {"name": "loud"}})
    admin.create("/api/v1/namespaces/loud/serviceaccounts", {"metadata": {"name": "sa"}})
    ev = audit_events(log_path)[-1]
    assert ev["level"] == "RequestResponse" and ev["requestObject"]["metadata"]["name"] == "sa"
    assert ev["responseObject"]["kind"] == "ServiceAccount"
    nobody = api.client("nobody")
    with pytest.raises(ApiError):
        nobody.get("/api/v1/namespaces/default/secrets/db")
    ev = audit_events(log_path)[-1]
    assert ev["verb"] == "get" and ev["responseStatus"]["code"] == 403
    assert ev["responseStatus"]["reason"] == "Forbidden" and ev["annotations"]["authorization.k8s.io/decision"] == \
        "forbid"


def test_audit_legacy_format_and_stdout_path(api_factory, tmp_path, capsys):
    log_path = tmp_path / "legacy.log"
    policy = {"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "rules": [{"level": "Metadata"}]}
    api = api_factory({"audit-policy-file": write(tmp_path, "p.yaml", policy), "audit-log-path": str(log_path),
                       "audit-log-format": "legacy"})
    api.admin().get("/api/v1/namespaces/default")
    lines = log_path.read_text().splitlines()
    assert any(' AUDIT: id="' in ln and 'stage="RequestReceived"' in ln and 'response="<deferred>"' in ln
               for ln in lines)
    assert any('stage="ResponseComplete"' in ln and 'method="get"' in ln and 'namespace="default"' in ln
               and 'uri="/api/v1/namespaces/default"' in ln and 'response="200"' in ln for ln in lines)
    api2 = api_factory({"audit-policy-file": write(tmp_path, "p.yaml", policy), "audit-log-path": "-"})
    api2.admin().get("/api/v1/namespaces/kube-system")
    assert '"requestURI":"/api/v1/namespaces/kube-system"' in capsys.readouterr().out


@pytest.mark.parametrize("policy,expected", [
    ({"rules": [{"level": "Foo"}]},
     'rules[0].level: Unsupported value: "Foo": supported values: "None", "Metadata", "Request", "RequestResponse"'),
    ({"rules": [{}]}, "rules[0].level: Required value"),
    ({"rules": [{"level": "Metadata", "omitStages": ["Done"]}]},
     'rules[0].omitStages[0]: Invalid value: "Done": allowed stages are '
     'RequestReceived,ResponseStarted,ResponseComplete,Panic'),
    ({"rules": [{"level": "Metadata", "nonResourceURLs": ["healthz"]}]},
     'rules[0].nonResourceURLs[0]: Invalid value: "healthz": non-resource URL rules must begin with a \'/\' character'),
    ({"rules": [{"level": "Metadata", "nonResourceURLs": ["/a*b"]}]},
     'rules[0].nonResourceURLs[0]: Invalid value: "/a*b": non-resource URL wildcards \'*\' must be the final character '
     'of the rule'),
    ({"rules": [{"level": "Metadata", "nonResourceURLs": ["/x"], "namespaces": ["a"]}]},
     'rules[0].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and '
     'non-resource URLs'),
    ({"rules": []}, "loaded illegal policy with 0 rules"),
])
def test_invalid_audit_policy_refused(capsys, tmp_path, monkeypatch, policy, expected):
    doc = dict({"apiVersion": "audit.k8s.io/v1", "kind": "Policy"}, **policy)
    path = write(tmp_path, "policy.yaml", doc)
    rc, err = start_failure(capsys, ["--audit-policy-file=" + path, "--audit-log-path=" + str(tmp_path / "a.log")],
                            monkeypatch=monkeypatch)
    assert rc == 1
    assert command_failed(err) == "loading audit policy file: %s: from file %s" % (expected, path)


def test_audit_policy_file_and_flag_errors(capsys, tmp_path, monkeypatch):
    missing = str(tmp_path / "none.yaml")
    rc, err = start_failure(capsys, ["--audit-policy-file=" + missing, "--audit-log-path=-"], monkeypatch=monkeypatch)
    assert command_failed(err) == ('loading audit policy file: failed to read file path "%s": open %s: no such file '
                                   'or directory' % (missing, missing))
    beta = write(tmp_path, "beta.yaml", {"apiVersion": "audit.k8s.io/v1beta1", "kind": "Policy",
                                         "rules": [{"level": "Metadata"}]})
    rc, err = start_failure(capsys, ["--audit-policy-file=" + beta, "--audit-log-path=-"], monkeypatch=monkeypatch)
    assert command_failed(err).startswith('loading audit policy file: failed decoding: no kind "Policy" is registered '
                                          'for version "audit.k8s.io/v1beta1"')
    good = write(tmp_path, "good.yaml", {"apiVersion": "audit.k8s.io/v1", "kind": "Policy",
                                         "rules": [{"level": "Metadata"}]})
    rc, err = start_failure(capsys, ["--audit-policy-file=" + good, "--audit-log-path=" + str(tmp_path / "x.log"),
                                     "--audit-log-maxage=-1", "--audit-log-format=xml"], monkeypatch=monkeypatch)
    assert command_failed(err) == ('[invalid audit log format xml, allowed formats are "legacy,json", '
                                   "--audit-log-maxage -1 can't be a negative number]")
    # without --audit-log-path the log options are not validated and no events are written
    kube_apiserver.ApiServer(MemoryStore(), {"audit-policy-file": good, "audit-log-maxage": "-1"})


# ---------------------------------------------------------------- --admission-control-config-file: PodSecurity

def admission(psa, version="pod-security.admission.config.k8s.io/v1"):
    conf = dict({"apiVersion": version, "kind": "PodSecurityConfiguration"}, **psa)
    return {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration",
            "plugins": [{"name": "PodSecurity", "configuration": conf}]}


BASELINE = {"defaults": {"enforce": "baseline", "enforce-version": "latest"}, "exemptions": {"namespaces": ["kube-system"]}}


def pod(name, **spec):
    container = {"name": "c", "image": "registry.k8s.io/pause:3.10"}
    container.update(spec.pop("container", {}))
    body = {"containers": [container]}
    body.update(spec)
    return {"metadata": {"name": name}, "spec": body}


def test_pod_security_baseline_enforced(api_factory, tmp_path):
    api = api_factory({"admission-control-config-file": write(tmp_path, "adm.yaml", admission(BASELINE))})
    admin = api.admin()
    admin.create("/api/v1/namespaces/default/pods", pod("fine"))
    bad = pod("bad", hostNetwork=True, container={"securityContext": {"privileged": True}})
    with pytest.raises(ApiError) as err:
        admin.create("/api/v1/namespaces/default/pods", bad)
    assert err.value.status == 403 and err.value.body["reason"] == "Forbidden"
    assert err.value.body["message"] == ('pods "bad" is forbidden: violates PodSecurity "baseline:latest": host '
                                         'namespaces (hostNetwork=true), privileged (container "c" must not set '
                                         'securityContext.privileged=true)')
    worse = pod("worse", hostPID=True, hostIPC=True, volumes=[{"name": "root", "hostPath": {"path": "/"}}],
                container={"ports": [{"containerPort": 80, "hostPort": 8080}],
                           "securityContext": {"capabilities": {"add": ["NET_RAW", "SYS_ADMIN", "CHOWN"]}}})
    with pytest.raises(ApiError) as err:
        admin.create("/api/v1/namespaces/default/pods", worse)
    assert err.value.body["message"] == (
        'pods "worse" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "c" '
        'must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add), host namespaces (hostPID=true, '
        'hostIPC=true), hostPath volumes (volume "root"), hostPort (container "c" uses hostPort 8080)')
    # exempt namespace, and a namespace label lowering the level
    admin.create("/api/v1/namespaces/kube-system/pods", bad)
    admin.create("/api/v1/namespaces", {"metadata": {"name": "ops", "labels": {
        "pod-security.kubernetes.io/enforce": "privileged"}}})
    admin.create("/api/v1/namespaces/ops/pods", bad)
    # a namespace label naming a version is printed as given
    admin.create("/api/v1/namespaces", {"metadata": {"name": "pinned", "labels": {
        "pod-security.kubernetes.io/enforce-version": "v1.30"}}})
    with pytest.raises(ApiError) as err:
        admin.create("/api/v1/namespaces/pinned/pods", bad)
    assert 'violates PodSecurity "baseline:v1.30": ' in err.value.body["message"]


def test_pod_security_namespace_label_without_config(api):
    admin = api.admin()
    admin.create("/api/v1/namespaces", {"metadata": {"name": "strict", "labels": {
        "pod-security.kubernetes.io/enforce": "baseline"}}})
    with pytest.raises(ApiError) as err:
        admin.create("/api/v1/namespaces/strict/pods", pod("p", hostNetwork=True))
    assert err.value.body["message"] == ('pods "p" is forbidden: violates PodSecurity "baseline:latest": host '
                                         'namespaces (hostNetwork=true)')
    admin.create("/api/v1/namespaces/default/pods", pod("p", hostNetwork=True))  # default policy: privileged
    # updates are only evaluated when an image changes (isSignificantPodUpdate)
    admin.patch("/api/v1/namespaces/default/pods/p", {"metadata": {"labels": {"a": "b"}}})


@pytest.mark.parametrize("psa,expected", [
    ({"defaults": {"enforce": "strict"}},
     'failed to initialize admission plugin "PodSecurity": PodSecurity configuration error: Enforce.Level: must be one '
     'of privileged, baseline, restricted'),
    ({"defaults": {"audit-version": "1.30"}},
     'failed to initialize admission plugin "PodSecurity": PodSecurity configuration error: Audit.Version: must be '
     '"latest" or "v1.x"'),
    ({"exemptions": {"namespaces": ["Bad_NS"]}},
     'failed to initialize admission plugin "PodSecurity": PodSecurity invalid: exemptions.namespaces[0]: Invalid '
     'value: "Bad_NS": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and '
     'must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for '
     'validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')'),
    ({"exemptions": {"usernames": ["a", "a", ""]}},
     'failed to initialize admission plugin "PodSecurity": PodSecurity invalid: [exemptions.usernames[1]: Duplicate '
     'value: "a", exemptions.usernames[2]: Invalid value: "": username must not be empty]'),
    ({"defaults": {"enforce": "baseline", "mode": "x"}},
     'couldn\'t init admission plugin "PodSecurity": strict decoding error: unknown field "defaults.mode"'),
])
def test_pod_security_configuration_refused(capsys, tmp_path, monkeypatch, psa, expected):
    path = write(tmp_path, "adm.yaml", admission(psa))
    rc, err = start_failure(capsys, ["--admission-control-config-file=" + path], monkeypatch=monkeypatch)
    assert rc == 1
    assert command_failed(err) == expected


def test_admission_configuration_versions_and_files(capsys, tmp_path, monkeypatch):
    for version in ("v1alpha1", "v1beta1", "v1"):
        doc = admission(BASELINE, "pod-security.admission.config.k8s.io/" + version)
        kube_apiserver.ApiServer(MemoryStore(), {"admission-control-config-file": write(tmp_path, version, doc)})
    old = dict(admission(BASELINE), apiVersion="apiserver.config.k8s.io/v1alpha1")
    kube_apiserver.ApiServer(MemoryStore(), {"admission-control-config-file": write(tmp_path, "old.yaml", old)})
    missing = str(tmp_path / "none.yaml")
    rc, err = start_failure(capsys, ["--admission-control-config-file=" + missing], monkeypatch=monkeypatch)
    assert command_failed(err) == ('failed to read plugin config: unable to read admission control configuration from '
                                   '"%s" [open %s: no such file or directory]' % (missing, missing))
    wrong = write(tmp_path, "w.yaml", admission(BASELINE, "pod-security.admission.config.k8s.io/v2"))
    rc, err = start_failure(capsys, ["--admission-control-config-file=" + wrong], monkeypatch=monkeypatch)
    assert command_failed(err).startswith('couldn\'t init admission plugin "PodSecurity": no kind '
                                          '"PodSecurityConfiguration" is registered for version '
                                          '"pod-security.admission.config.k8s.io/v2"')
    # the plugin configuration in a file of its own, relative to the admission configuration
    write(tmp_path, "psa.yaml", dict({"apiVersion": "pod-security.admission.config.k8s.io/v1",
                                      "kind": "PodSecurityConfiguration"}, **BASELINE))
    by_path = {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration",
               "plugins": [{"name": "PodSecurity", "path": "psa.yaml"}]}
    server = kube_apiserver.ApiServer(MemoryStore(), {"admission-control-config-file": write(tmp_path, "p.yaml",
                                                                                              by_path)})
    assert server.pod_security.defaults["enforce"] == ("baseline", "latest")
    by_path["plugins"][0]["path"] = "gone.yaml"
    rc, err = start_failure(capsys, ["--admission-control-config-file=" + write(tmp_path, "g.yaml", by_path)],
                            monkeypatch=monkeypatch)
    assert rc == 255 and "Couldn't open admission plugin configuration %s" % (tmp_path / "gone.yaml") in err
    # PodSecurity disabled: its configuration is not read
    server = kube_apiserver.ApiServer(MemoryStore(), {"admission-control-config-file": write(tmp_path, "x.yaml", admission(
        {"defaults": {"enforce": "strict"}})), "disable-admission-plugins": "PodSecurity"})
    assert server.pod_security is None


# ---------------------------------------------------------------- --profiling

def test_profiling_flag_accepted_by_the_control_plane_doubles():
    for module in (kube_apiserver, kube_controller_manager, kube_scheduler):
        flags = am.parse_flags(["--profiling=false"], module.KNOWN_FLAGS, module.BOOL_FLAGS)[0]
        assert flags["profiling"] == "false"
    kube_apiserver.ApiServer(MemoryStore(), {"profiling": "false"})


# ---------------------------------------------------------------- what a static pod's container sees

def test_pods_helper_passes_the_volume_mounts(tmp_path, monkeypatch):
    binary = tmp_path / "usr" / "local" / "bin" / "kube-apiserver"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    container = {"command": ["kube-apiserver", "--v=2"], "volumeMounts": [
        {"mountPath": "/etc/kubernetes/pki", "name": "k8s-certs", "readOnly": True},
        {"mountPath": "/var/log/kubernetes/audit", "name": "audit-log"}]}
    argv = pods.resolve_command(str(tmp_path), container, {"Env": ["PATH=/usr/local/bin"]})
    assert argv == [str(binary), "--v=2"]
    expected = [{"mountPath": "/etc/kubernetes/pki", "readOnly": True},
                {"mountPath": "/var/log/kubernetes/audit", "readOnly": False}]
    assert argv.mounts == expected and json.loads(pods.mounts_env(container)) == expected
    monkeypatch.setattr(pods, "LOG_DIR", str(tmp_path / "logs"))
    calls = []
    ok, _ = pods.start_unit("kube-apiserver", argv, {"A": "1"}, runner=lambda cmd, timeout: calls.append(cmd) or (0, "", ""))
    run = [c for c in calls if c[0] == "systemd-run"][0]
    env = [a for a in run if a.startswith("--setenv=SEED_POD_MOUNTS=")]
    assert ok and len(env) == 1 and json.loads(env[0].split("=", 2)[2]) == expected
    # a container without volumeMounts sees nothing of the host
    bare = pods.resolve_command(str(tmp_path), {"command": ["kube-apiserver"]}, {"Env": ["PATH=/usr/local/bin"]})
    assert bare.mounts == []


def test_kubelet_starts_static_pods_with_their_mounts(tmp_path, monkeypatch):
    from ._kubelet_helpers import load
    kubelet = load("kubelet_double_mounts", "kubelet.py", "v1.35.6")
    binary = tmp_path / "rootfs" / "usr" / "local" / "bin" / "kube-apiserver"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    monkeypatch.setattr(kubelet.pods, "LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(kubelet.pods, "STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(kubelet.pods, "image_digest", lambda ref, runner=None: "sha256:abc")
    monkeypatch.setattr(kubelet.pods, "image_rootfs", lambda ref, runner=None: (str(tmp_path / "rootfs"), {
        "Env": ["PATH=/usr/local/bin"]}))
    monkeypatch.setattr(kubelet.pods, "stop_unit", lambda name, runner=None: None)
    calls = []
    real = kubelet.pods.start_unit

    def start_unit(name, argv, env, workdir="/", runner=None):
        return real(name, argv, env, workdir, lambda cmd, timeout: calls.append(cmd) or (0, "", ""))

    monkeypatch.setattr(kubelet.pods, "start_unit", start_unit)
    manifest = {"metadata": {"name": "kube-apiserver"}, "spec": {"containers": [{
        "name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.35.6", "command": ["kube-apiserver"],
        "volumeMounts": [{"mountPath": "/etc/kubernetes/pki", "name": "k8s-certs", "readOnly": True}]}]}}
    kubelet.PodWorker("kube-apiserver", manifest, "h").start()
    run = [c for c in calls if c[0] == "systemd-run"][0]
    assert '--setenv=SEED_POD_MOUNTS=[{"mountPath":"/etc/kubernetes/pki","readOnly":true}]' in run


def test_pod_mounts_visibility():
    mounts = cfg.PodMounts([{"mountPath": "/etc/kubernetes/pki", "readOnly": True},
                            {"mountPath": "/etc/kubernetes/enc.yaml", "readOnly": True},
                            {"mountPath": "/var/log/kubernetes/audit/"}])
    assert mounts.visible("/etc/kubernetes/pki/ca.crt") and mounts.visible("/etc/kubernetes/pki")
    assert mounts.visible("/etc/kubernetes/enc.yaml") and not mounts.visible("/etc/kubernetes/enc.yaml.bak")
    assert not mounts.visible("/etc/kubernetes/pki2/ca.crt") and not mounts.visible("/etc/kubernetes/admin.conf")
    assert mounts.mount_for("/var/log/kubernetes/audit/a.log") == ("/var/log/kubernetes/audit", False)
    assert cfg.PodMounts.from_env({}) is None
    assert cfg.PodMounts.from_env({"SEED_POD_MOUNTS": "[]"}).visible("/etc") is False


def test_kubeadm_manifest_mounts_cover_kubeadm_flags():
    from seed_doubles import kubeadm_objects
    cluster = {"kubernetesVersion": "v1.33.2", "networking": {}, "apiServer": {}}
    manifest = kubeadm_objects.apiserver_pod(cluster, {"advertiseAddress": "192.168.56.10", "bindPort": 6443},
                                             "/etc/kubernetes/pki")
    container = manifest["spec"]["containers"][0]
    mounts = cfg.PodMounts(pods.container_mounts(container))
    flags = am.parse_flags(container["command"][1:], kube_apiserver.KNOWN_FLAGS, kube_apiserver.BOOL_FLAGS)[0]
    for name in kube_apiserver.READ_FILE_FLAGS + kube_apiserver.POD_FILE_FLAGS:
        if flags.get(name):
            assert mounts.visible(flags[name]), name
    assert mounts.visible("/etc/ssl/certs/ca-certificates.crt") and not mounts.visible("/etc/kubernetes/enc.yaml")


def test_flag_files_outside_the_mounts_are_missing(capsys, tmp_path, monkeypatch):
    authn_path = write(tmp_path, "authn.yaml", authn(ANON_HEALTH))
    inside = json.dumps([{"mountPath": str(tmp_path / "pki"), "readOnly": True}])
    rc, err = start_failure(capsys, ["--authentication-config=" + authn_path], monkeypatch=monkeypatch,
                            env={"SEED_POD_MOUNTS": inside})
    assert rc == 1 and command_failed(err) == (
        'failed to load authentication configuration from file "%s": open %s: no such file or directory'
        % (authn_path, authn_path))
    for flag, doc in (("--encryption-provider-config", enc_config([{"identity": {}}])),
                      ("--admission-control-config-file", admission(BASELINE))):
        path = write(tmp_path, flag.strip("-") + ".yaml", doc)
        rc, err = start_failure(capsys, [flag + "=" + path], monkeypatch=monkeypatch, env={"SEED_POD_MOUNTS": inside})
        assert rc == 1 and "open %s: no such file or directory" % path in command_failed(err)
    cert = tmp_path / "apiserver.crt"
    cert.write_text("x")
    rc, err = start_failure(capsys, ["--tls-cert-file=" + str(cert)], monkeypatch=monkeypatch,
                            env={"SEED_POD_MOUNTS": inside})
    assert rc == 1 and err == "Error: tls-cert-file: open %s: no such file or directory\n" % cert
    # the same files in a mounted directory (or mounted as files) are read
    monkeypatch.setenv("SEED_COMPONENT_VERSION", "v1.33.2")
    mounts = cfg.PodMounts([{"mountPath": authn_path, "readOnly": True}])
    server = kube_apiserver.ApiServer(MemoryStore(), {"authentication-config": authn_path}, mounts)
    assert server.anonymous_config.paths == {"/livez", "/readyz", "/healthz"}


def test_audit_log_and_mounts(tmp_path, monkeypatch):
    policy = write(tmp_path, "p.yaml", {"apiVersion": "audit.k8s.io/v1", "kind": "Policy",
                                        "rules": [{"level": "Metadata"}]})
    logs = tmp_path / "logs"
    logs.mkdir()
    flags = {"audit-policy-file": policy, "audit-log-path": str(logs / "audit.log")}
    read_only = cfg.PodMounts([{"mountPath": policy, "readOnly": True}, {"mountPath": str(logs), "readOnly": True}])
    with pytest.raises(cfg.ConfigError) as err:
        kube_apiserver.ApiServer(MemoryStore(), flags, read_only)
    assert err.value.message == "ensureLogFile: open %s: read-only file system" % (logs / "audit.log")
    writable = cfg.PodMounts([{"mountPath": policy, "readOnly": True}, {"mountPath": str(logs)}])
    kube_apiserver.ApiServer(MemoryStore(), flags, writable)
    assert (logs / "audit.log").exists()
    (logs / "audit.log").unlink()
    # a hostPath of type FileOrCreate mounted as the log file itself
    as_file = cfg.PodMounts([{"mountPath": policy, "readOnly": True}, {"mountPath": str(logs / "audit.log")}])
    kube_apiserver.ApiServer(MemoryStore(), flags, as_file)
    assert (logs / "audit.log").exists()
    (logs / "audit.log").unlink()
    # not mounted: the real server writes inside its container, the host file never appears
    unmounted = cfg.PodMounts([{"mountPath": policy, "readOnly": True}])
    server = kube_apiserver.ApiServer(MemoryStore(), flags, unmounted)
    try:
        server.bootstrap()
        assert not (logs / "audit.log").exists()
        assert server.auditor.writer.file != str(logs / "audit.log") and os.path.exists(server.auditor.writer.file)
    finally:
        shutil.rmtree(os.path.join(tempfile.gettempdir(), "seed-apiserver-container-%d" % os.getpid()),
                      ignore_errors=True)


def test_program_starts_as_a_pod_with_mounted_files(pki, tmp_path):
    """The program itself, with SEED_POD_MOUNTS naming the directory its files are in."""
    conf = tmp_path / "conf"
    conf.mkdir()
    authn_path = write(conf, "authn.yaml", authn(ANON_HEALTH))
    port = free_port()
    argv = [sys.executable, os.path.join(DOUBLES, "kube_apiserver.py"), "--etcd-servers=" + ETCD,
            "--bind-address=127.0.0.1", "--secure-port=%d" % port, "--authentication-config=" + authn_path,
            "--tls-cert-file=" + pki.server_cert_file, "--tls-private-key-file=" + pki.server_key_file]
    env = dict(os.environ, PYTHONPATH=DOUBLES, SEED_COMPONENT_VERSION="v1.33.2",
               SEED_POD_MOUNTS=json.dumps([{"mountPath": str(conf), "readOnly": True},
                                           {"mountPath": pki.dir, "readOnly": True}]))
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                time.sleep(0.1)
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(10)


# ---------------------------------------------------------------- the program on a real etcd



@pytest.mark.skipif(ETCD_BINARY is None, reason="etcd is not installed (apt-get install etcd-server)")
def test_program_on_etcd_encrypts_and_audits(pki, etcd, tmp_path):
    enc = write(tmp_path, "enc.yaml", enc_config([{"aesgcm": {"keys": [{"name": "key1", "secret": KEY32}]}},
                                                  {"identity": {}}]))
    policy = write(tmp_path, "policy.yaml", POLICY)
    audit_log = tmp_path / "audit.log"
    extra = ["--encryption-provider-config=" + enc, "--audit-policy-file=" + policy, "--audit-log-path=" + str(audit_log),
             "--authentication-config=" + write(tmp_path, "authn.yaml", authn(ANON_HEALTH)), "--profiling=false"]
    proc, port = start_apiserver(pki, etcd, tmp_path, "hardened", extra)
    try:
        from seed_doubles.kube import Client
        cert, key = pki.issue("kubernetes-super-admin", ["system:masters"])
        admin = Client("https://127.0.0.1:%d" % port, pki.ca_pem, cert, key)
        assert wait_for(lambda: admin.request("GET", "/readyz") == {"message": "ok"}), \
            (tmp_path / "hardened.log").read_text()[-3000:]
        name = "enc-%d" % time.time_ns()
        admin.create("/api/v1/namespaces/default/secrets", {"metadata": {"name": name}, "stringData": {"token": "s3cr3t"}})
        raw, _ = etcd["store"].get("/registry/secrets/default/" + name)
        assert raw.startswith(b"k8s:enc:aesgcm:v1:key1:") and b"s3cr3t" not in raw
        assert base64.b64decode(admin.get("/api/v1/namespaces/default/secrets/" + name)["data"]["token"]) == b"s3cr3t"
        anon = Client("https://127.0.0.1:%d" % port, pki.ca_pem)
        assert anon.request("GET", "/livez") == {"message": "ok"}
        with pytest.raises(ApiError) as err:
            anon.get("/api/v1/namespaces")
        assert err.value.status == 401
        events = audit_events(audit_log)
        assert any(e["objectRef"].get("name") == name and e["level"] == "Metadata" for e in events if "objectRef" in e)
        assert "s3cr3t" not in audit_log.read_text()
    finally:
        proc.terminate()
        proc.wait(10)
