"""``--encryption-provider-config`` of the kube-apiserver stand-in: encryption at rest (TEST DOUBLE).

Follows upstream's
- staging/src/k8s.io/apiserver/pkg/server/options/encryptionconfig/config.go: loading ("error while
  parsing file: ..."), the EncryptionConfiguration kinds (apiserver.config.k8s.io/v1
  EncryptionConfiguration, and ``kind: EncryptionConfig`` / ``apiVersion: v1`` registered in
  apiserver/pkg/apis/apiserver/v1/register.go "due to a docs bug"), one prefix transformer per
  provider and per key (``k8s:enc:<provider>:v1:<key name>:``), resources masked by an earlier
  ``*.group`` / ``*.*`` rule ("error while building transformers: ...");
- staging/src/k8s.io/apiserver/pkg/apis/apiserver/validation/validation_encryption.go: every check
  and message (resources, providers, one provider per list element, keys: name, base64 secret,
  16/24/32 bytes for aescbc and aesgcm, 32 for secretbox, printed as "REDACTED");
- staging/src/k8s.io/apiserver/pkg/storage/value/encrypt/aes/aes.go: aescbc stores IV(16) +
  AES-CBC ciphertext with PKCS#7 padding; aesgcm stores nonce(12) + ciphertext + tag(16), the etcd
  key being the additional authenticated data (etcd3/store.go authenticatedDataString);
- staging/src/k8s.io/apiserver/pkg/storage/value/encrypt/secretbox/secretbox.go: nonce(24) +
  secretbox.Seal (tag(16) + XSalsa20 ciphertext), no authenticated data. XSalsa20-Poly1305 is
  written here in Python (checked against NaCl's reference vector), PyNaCl is not needed;
- staging/src/k8s.io/apiserver/pkg/storage/value/encrypt/identity: ``identity`` writes plaintext
  and refuses to read data starting ``k8s:enc:`` ("identity transformer tried to read encrypted
  data"), the next provider is then tried;
- value.PrefixTransformers: writes use the FIRST provider (and its first key), reads use the
  provider and key whose prefix the stored value starts with, else "no matching prefix found";
  a resource in no rule is read and written by identity. A failed read is 500
  ``Internal error occurred: unable to transform key "<key>": <err>`` (etcd3/store.go).
Not emulated: the ``kms`` provider (refused at start with an error saying so), automatic reload,
the encryption-config hash / healthz checks, the stale-data rewrite. Which resource a key belongs
to is read from its etcd prefix; ``events`` share one prefix for both groups, as upstream stores
them.
"""

import base64
import hmac
import os
import struct

from seed_doubles import apiconfig as cfg
from seed_doubles import calls
from seed_doubles.apistore import StoreError

KIND, API_VERSION = "EncryptionConfiguration", "apiserver.config.k8s.io/v1"
SERVED = {(API_VERSION, KIND), ("v1", "EncryptionConfig")}
SCHEME = "k8s.io/apiserver/pkg/server/options/encryptionconfig/config.go"
ENCRYPTED_PREFIX = b"k8s:enc:"

MORE_THAN_ONE = "more than one provider specified in a single element, should split into different list elements"
KEY_LEN = "secret is not of the expected length, got %d, expected one of %s"
AT_LEAST_ONE = "at least one %s is required"
MANDATORY = "%s is a mandatory field for a %s"
BASE64_ERR = "secrets must be base64 encoded"
EVENTS_GROUP = ("'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in "
                "the config file")
EXTENSIONS_GROUP = "'extensions' group has been removed and cannot be used for encryption"
STAR_RESOURCE = "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources"
OVERLAP = ("using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they "
           "will be masked")
NON_REST = "resources which do not have REST API/s cannot be encrypted"
CAPITALS = "resource name should not contain capital letters"
ACROSS_GROUPS = "encrypting the same resource across groups is not supported"
DUPLICATE = "the same resource cannot be specified multiple times"
NO_PROVIDER = "provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity"
KEY_SIZES = {"aescbc": [16, 24, 32], "aesgcm": [16, 24, 32], "secretbox": [32]}
PROVIDERS = ("kms", "aesgcm", "aescbc", "secretbox", "identity")


class TransformError(Exception):
    pass


# ---------------------------------------------------------------- XSalsa20-Poly1305 (NaCl secretbox)

def _rotl(value, shift):
    return ((value << shift) | (value >> (32 - shift))) & 0xFFFFFFFF


def _salsa_rounds(state):
    x = list(state)
    for _ in range(10):
        for a, b, c, d in ((0, 4, 8, 12), (5, 9, 13, 1), (10, 14, 2, 6), (15, 3, 7, 11)):
            x[b] ^= _rotl((x[a] + x[d]) & 0xFFFFFFFF, 7)
            x[c] ^= _rotl((x[b] + x[a]) & 0xFFFFFFFF, 9)
            x[d] ^= _rotl((x[c] + x[b]) & 0xFFFFFFFF, 13)
            x[a] ^= _rotl((x[d] + x[c]) & 0xFFFFFFFF, 18)
        for a, b, c, d in ((0, 1, 2, 3), (5, 6, 7, 4), (10, 11, 8, 9), (15, 12, 13, 14)):
            x[b] ^= _rotl((x[a] + x[d]) & 0xFFFFFFFF, 7)
            x[c] ^= _rotl((x[b] + x[a]) & 0xFFFFFFFF, 9)
            x[d] ^= _rotl((x[c] + x[b]) & 0xFFFFFFFF, 13)
            x[a] ^= _rotl((x[d] + x[c]) & 0xFFFFFFFF, 18)
    return x


_SIGMA = struct.unpack("<4I", b"expand 32-byte k")


def _state(key, data16):
    k = struct.unpack("<8I", key)
    n = struct.unpack("<4I", data16)
    return [_SIGMA[0], k[0], k[1], k[2], k[3], _SIGMA[1], n[0], n[1], n[2], n[3], _SIGMA[2], k[4], k[5], k[6],
            k[7], _SIGMA[3]]


def _hsalsa20(key, nonce16):
    x = _salsa_rounds(_state(key, nonce16))
    return struct.pack("<8I", x[0], x[5], x[10], x[15], x[6], x[7], x[8], x[9])


def _salsa20_stream(key, nonce8, length):
    out = bytearray()
    counter = 0
    while len(out) < length:
        state = _state(key, nonce8 + struct.pack("<Q", counter))
        x = _salsa_rounds(state)
        out += struct.pack("<16I", *((x[i] + state[i]) & 0xFFFFFFFF for i in range(16)))
        counter += 1
    return bytes(out[:length])


def _poly1305(key, message):
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:32], "little")
    p = (1 << 130) - 5
    acc = 0
    for i in range(0, len(message), 16):
        block = message[i:i + 16] + b"\x01"
        acc = ((acc + int.from_bytes(block, "little")) * r) % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def secretbox_seal(message, nonce, key):
    """NaCl crypto_secretbox: tag(16) + ciphertext (golang.org/x/crypto/nacl/secretbox.Seal)."""
    subkey = _hsalsa20(key, nonce[:16])
    stream = _salsa20_stream(subkey, nonce[16:24], 32 + len(message))
    cipher = bytes(a ^ b for a, b in zip(message, stream[32:]))
    return _poly1305(stream[:32], cipher) + cipher


def secretbox_open(box, nonce, key):
    """The message of a sealed box, or None when the tag does not verify."""
    if len(box) < 16:
        return None
    subkey = _hsalsa20(key, nonce[:16])
    stream = _salsa20_stream(subkey, nonce[16:24], 32 + len(box) - 16)
    tag, cipher = box[:16], box[16:]
    if not hmac.compare_digest(_poly1305(stream[:32], cipher), tag):
        return None
    return bytes(a ^ b for a, b in zip(cipher, stream[32:]))


# ---------------------------------------------------------------- transformers

class Identity:
    prefix = b""

    @staticmethod
    def write(data, _context):
        return data

    @staticmethod
    def read(data, _context):
        if data.startswith(ENCRYPTED_PREFIX):
            raise TransformError("identity transformer tried to read encrypted data")
        return data


class AESCBC:
    def __init__(self, key):
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        self._new = lambda iv: Cipher(algorithms.AES(key), modes.CBC(iv))

    def write(self, data, _context):
        pad = 16 - len(data) % 16
        iv = os.urandom(16)
        enc = self._new(iv).encryptor()
        return iv + enc.update(data + bytes([pad]) * pad) + enc.finalize()

    def read(self, data, _context):
        if len(data) < 16:
            raise TransformError("the stored data was shorter than the required size")
        iv, body = data[:16], data[16:]
        if len(body) % 16:
            raise TransformError("the stored data is not a multiple of the block size")
        dec = self._new(iv).decryptor()
        plain = dec.update(body) + dec.finalize()
        pad = plain[-1] if plain else 0
        if pad == 0 or pad > len(plain):
            raise TransformError("invalid PKCS7 data (empty or not padded)")
        if plain[-pad:] != bytes([pad]) * pad:
            raise TransformError("invalid padding on input")
        return plain[:-pad]


class AESGCM:
    def __init__(self, key):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM as _GCM
        self._aead = _GCM(key)

    def write(self, data, context):
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, data, context)

    def read(self, data, context):
        from cryptography.exceptions import InvalidTag
        if len(data) < 12:
            raise TransformError("the stored data was shorter than the required size")
        try:
            return self._aead.decrypt(data[:12], data[12:], context)
        except InvalidTag as exc:
            raise TransformError("cipher: message authentication failed") from exc


class Secretbox:
    def __init__(self, key):
        self.key = key

    def write(self, data, _context):
        nonce = os.urandom(24)
        return nonce + secretbox_seal(data, nonce, self.key)

    def read(self, data, _context):
        if len(data) < 16 + 24:
            raise TransformError("the stored data was shorter than the required size")
        plain = secretbox_open(data[24:], data[:24], self.key)
        if plain is None:
            raise TransformError("output array was not large enough for encryption")
        return plain


class Prefixed:
    """value.PrefixTransformers: (prefix, transformer) pairs; writes with the first."""

    def __init__(self, pairs, error):
        self.pairs = pairs
        self.error = error
        self.prefix = None  # set by the owner

    def write(self, data, context):
        prefix, transformer = self.pairs[0]
        return prefix + transformer.write(data, context)

    def read(self, data, context):
        errors = []
        for prefix, transformer in self.pairs:
            if data.startswith(prefix):
                try:
                    return transformer.read(data[len(prefix):], context)
                except TransformError as exc:
                    if not prefix:
                        errors.append(str(exc))  # identity refused encrypted data: try the next one
                        continue
                    raise
        if errors:
            raise TransformError(errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
        raise TransformError(self.error)


def _provider(kind, body):
    keys = body.get("keys") or []
    if kind in ("aescbc", "aesgcm"):
        cls, label = (AESCBC if kind == "aescbc" else AESGCM), "AES"
    else:
        cls, label = Secretbox, "Secretbox"
    for k in keys:  # test instrumentation: the keys this server was given, for secret scans
        calls.record_secret("encryption-key", k["secret"])
    pairs = [((str(k["name"]) + ":").encode(), cls(base64.b64decode(k["secret"]))) for k in keys]
    inner = Prefixed(pairs, "no matching key was found for the provided %s transformer" % label)
    return ("k8s:enc:%s:v1:" % kind).encode(), inner


def _parse_gr(text):
    """schema.ParseGroupResource: "secrets" -> ("", "secrets"), "deployments.apps" -> ("apps", "deployments")."""
    resource, dot, group = text.partition(".")
    return (group, resource) if dot else ("", text)


def _gr_string(group, resource):
    if group == "" and resource == "*":
        return "*."
    return resource + "." + group if group else resource


# ---------------------------------------------------------------- validation

def _validate_names(resources, path):
    errors = []
    for j, res in enumerate(resources):
        item = "%s[%d]" % (path, j)
        res = str(res)
        group, _ = _parse_gr(res)
        if res.lower() != res:
            errors.append(cfg.invalid(item, res, CAPITALS))
        elif res == "*":
            errors.append(cfg.invalid(item, res, STAR_RESOURCE))
        elif res in ("apiserveripinfo", "serviceipallocations", "servicenodeportallocations"):
            errors.append(cfg.invalid(item, res, NON_REST))
        elif group == "events.k8s.io":
            errors.append(cfg.invalid(item, res, EVENTS_GROUP))
        elif group == "extensions":
            errors.append(cfg.invalid(item, res, EXTENSIONS_GROUP))
        elif group == "*" and _parse_gr(res)[1] != "*":
            errors.append(cfg.invalid(item, res, ACROSS_GROUPS))
    return errors


def _validate_overlap(resources, path):
    if len(resources) < 2:
        return []
    grs = [_parse_gr(str(r)) for r in resources]
    duplicate = overlap = False
    for i, r1 in enumerate(grs):
        for j, r2 in enumerate(grs):
            if i == j:
                continue
            if r1 == r2 and not duplicate:
                duplicate = True
                continue
            if overlap:
                continue
            if r1 == ("*", "*"):
                overlap = True
                continue
            if r1[0] != r2[0]:
                continue
            if r1[1] == "*" or r2[1] == "*":
                overlap = True
    value = [str(r) for r in resources]
    out = []
    if duplicate:
        out.append(cfg.invalid(path, value, DUPLICATE))
    if overlap:
        out.append(cfg.invalid(path, value, OVERLAP))
    return out


def _validate_keys(keys, path, sizes):
    if not keys:
        return [cfg.required(path, AT_LEAST_ONE % "keys")]
    errors = []
    for i, key in enumerate(keys):
        item = "%s[%d]" % (path, i)
        key = key or {}
        if not key.get("name"):
            errors.append(cfg.required(item + ".name", MANDATORY % ("name", "key")))
        secret = key.get("secret")
        if not secret:
            errors.append(cfg.required(item + ".secret", MANDATORY % ("secret", "key")))
            continue
        try:
            raw = base64.b64decode(str(secret), validate=True)
        except ValueError:
            errors.append(cfg.invalid(item + ".secret", "REDACTED", BASE64_ERR))
            continue
        if len(raw) not in sizes:
            errors.append(cfg.invalid(item + ".secret", "REDACTED",
                                      KEY_LEN % (len(raw), "[" + " ".join(str(s) for s in sizes) + "]")))
    return errors


def validate(obj):
    """ValidateEncryptionConfiguration (validation_encryption.go), KMS details excepted."""
    resources = obj.get("resources") or []
    if not resources:
        return [cfg.required("resources", AT_LEAST_ONE % "resources")]
    errors = []
    for i, conf in enumerate(resources):
        conf = conf or {}
        rpath, ppath = "resources[%d].resources" % i, "resources[%d].providers" % i
        names = conf.get("resources") or []
        if not names:
            errors.append(cfg.required(rpath, AT_LEAST_ONE % rpath))
        errors += _validate_overlap(names, rpath)
        errors += _validate_names(names, rpath)
        providers = conf.get("providers") or []
        if not providers:
            errors.append(cfg.required(ppath, AT_LEAST_ONE % ppath))
        for j, provider in enumerate(providers):
            path = "%s[%d]" % (ppath, j)
            provider = provider or {}
            found = [p for p in PROVIDERS if provider.get(p) is not None]
            shown = cfg.GoValue("apiserver.ProviderConfiguration{...}")  # upstream prints the whole struct (%#v)
            if not found:
                errors.append(cfg.invalid(path, shown, NO_PROVIDER))
            elif len(found) > 1:
                errors.append(cfg.invalid(path, shown, MORE_THAN_ONE))
            # then the keys of the first provider set, in upstream's switch order (kms is not emulated)
            if found and found[0] in KEY_SIZES:
                body = provider.get(found[0]) or {}
                errors += _validate_keys(body.get("keys") or [], "%s.%s.keys" % (path, found[0]), KEY_SIZES[found[0]])
    return errors


class EncryptionConfig:
    """Transformers per (group, resource) built from a valid configuration."""

    def __init__(self, obj):
        self.rules = {}
        for conf in obj.get("resources") or []:
            chain = []
            for provider in conf.get("providers") or []:
                kind = [p for p in PROVIDERS if provider.get(p) is not None][0]
                if kind == "kms":
                    raise cfg.ConfigError("error while building transformers: the kms provider is not emulated by this "
                                          "test double")
                if kind == "identity":
                    chain.append((b"", Identity()))
                else:
                    chain.append(_provider(kind, provider.get(kind) or {}))
            for name in conf.get("resources") or []:
                group, resource = _parse_gr(str(name))
                for mask in ((group, "*"), ("*", "*")):
                    if mask in self.rules and mask != (group, resource):
                        raise cfg.ConfigError('error while building transformers: resource "%s" is masked by earlier rule '
                                              '"%s"' % (_gr_string(group, resource), _gr_string(*mask)))
                self.rules.setdefault((group, resource), []).extend(chain)
        self.transformers = {gr: Prefixed(chain, "no matching prefix found") for gr, chain in self.rules.items()}

    def transformer_for(self, group, resource):
        """transformerFromOverrides: exact resource, then ``*.group``, then ``*.*``, else identity."""
        for gr in ((group, resource), (group, "*"), ("*", "*")):
            if gr in self.transformers:
                return self.transformers[gr]
        return Prefixed([(b"", Identity())], "no matching prefix found")


def load(path, mounts=None, reload=False):
    """EncryptionConfig from the file, or cfg.ConfigError with upstream's text."""
    del reload  # only KMS provider names depend on it
    head = "error while parsing file: "
    try:
        data = cfg.read_file(path, mounts)
    except OSError as exc:
        raise cfg.ConfigError(head + 'error while loading file: error reading encryption provider configuration file '
                              '"%s": %s' % (path, cfg.go_os_error(exc, "open", path))) from exc
    if not data:
        raise cfg.ConfigError(head + 'error while loading file: encryption provider configuration file "%s" is empty'
                              % path)
    try:
        obj, _, _ = cfg.decode(data.decode("utf-8", "replace"), SERVED, SCHEME)
    except ValueError as exc:
        raise cfg.ConfigError(head + 'error decoding encryption provider configuration file "%s": %s'
                              % (path, exc)) from exc
    errors = validate(obj)
    if errors:
        raise cfg.ConfigError(head + cfg.aggregate(errors))
    return EncryptionConfig(obj)


# ---------------------------------------------------------------- the store wrapper

class TransformingStore:
    """A store whose values are transformed on their way to and from the backend, per resource.
    ``resolve(key)`` -> (group, resource) of an etcd key, or None for keys of no resource."""

    # Values read back, by (key, stored bytes): upstream serves lists from its watch cache, which
    # holds objects already decrypted, so a list does not decrypt every object again; the double's
    # pure-Python XSalsa20 would otherwise take most of its CPU on every list of Secrets.
    READ_CACHE_SIZE = 4096

    def __init__(self, backend, config, resolve):
        self.backend = backend
        self.config = config
        self.resolve = resolve
        self._read_cache = {}

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def _transformer(self, key):
        gr = self.resolve(key)
        return None if gr is None else self.config.transformer_for(*gr)

    def _to_storage(self, key, value):
        transformer = self._transformer(key)
        return value if transformer is None else transformer.write(value, key.encode())

    def _from_storage(self, key, value):
        transformer = self._transformer(key)
        if transformer is None:
            return value
        cached = self._read_cache.get((key, value))
        if cached is not None:
            return cached
        try:
            plain = transformer.read(value, key.encode())
        except TransformError as exc:
            raise StoreError('unable to transform key "%s": %s' % (key, exc)) from exc
        if len(self._read_cache) >= self.READ_CACHE_SIZE:
            self._read_cache.clear()
        self._read_cache[(key, value)] = plain
        return plain

    def get(self, key):
        got = self.backend.get(key)
        if got is None:
            return None
        return self._from_storage(key, got[0]), got[1]

    def range(self, prefix):
        items, rev = self.backend.range(prefix)
        return [(k, self._from_storage(k, v), r) for k, v, r in items], rev

    def create(self, key, value):
        return self.backend.create(key, self._to_storage(key, value))

    def update(self, key, value, expected_rev=None):
        return self.backend.update(key, self._to_storage(key, value), expected_rev)

    def delete(self, key, expected_rev=None):
        return self.backend.delete(key, expected_rev)
