"""Bootstrap tokens, their Secrets, detached JWS signatures and the kubeadm-certs encryption.

Derived from k8s.io/cluster-bootstrap (token/api, token/util, token/jws), kubeadm's
apis/bootstraptoken/v1 (BootstrapTokenToSecret / BootstrapTokenFromSecret) and
util/crypto (AES-GCM with the nonce prepended).
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TOKEN_RE = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")
TOKEN_ID_RE = re.compile(r"^([a-z0-9]{6})$")
TOKEN_PATTERN = r"\A([a-z0-9]{6})\.([a-z0-9]{16})\z"
TOKEN_ID_PATTERN = r"\A([a-z0-9]{6})\z"
GROUP_RE = re.compile(r"^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$")
GROUP_PATTERN = r"\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z"
DEFAULT_GROUP = "system:bootstrappers:kubeadm:default-node-token"
DEFAULT_USAGES = ["signing", "authentication"]
KNOWN_USAGES = ["signing", "authentication"]
SECRET_TYPE = "bootstrap.kubernetes.io/token"
SECRET_PREFIX = "bootstrap-token-"
JWS_PREFIX = "jws-kubeconfig-"
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


class CertsDecryptError(Exception):
    """Decryption of a kubeadm-certs entry failed (Go's message in str())."""


def generate_token():
    return "%s.%s" % ("".join(secrets.choice(_ALPHABET) for _ in range(6)),
                      "".join(secrets.choice(_ALPHABET) for _ in range(16)))


def is_valid_token(token):
    return bool(TOKEN_RE.match(token or ""))


def validate_usages(usages):
    """None, or cluster-bootstrap's error for an unknown usage."""
    bad = [u for u in usages if u not in KNOWN_USAGES]
    if bad:
        return "invalid bootstrap token usage string: %s, valid usage options: %s" % (
            ",".join(bad), ",".join(KNOWN_USAGES))
    return None


def validate_group(group):
    if not GROUP_RE.match(group):
        return "bootstrap group %s is invalid (must match %s)" % (json.dumps(group), GROUP_PATTERN)
    return None


def rfc3339(when):
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text):
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.datetime.fromisoformat(text)


def token_secret(token, description="", ttl=None, expires=None, usages=None, groups=None, now=None):
    """The kube-system Secret kubeadm writes for a bootstrap token (BootstrapTokenToSecret)."""
    tid, tsecret = token.split(".")
    data = {"token-id": tid, "token-secret": tsecret}
    if description:
        data["description"] = description
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if expires:
        data["expiration"] = expires
    elif ttl:
        data["expiration"] = rfc3339(now + datetime.timedelta(seconds=ttl))
    for usage in (DEFAULT_USAGES if usages is None else usages):
        data["usage-bootstrap-%s" % usage] = "true"
    groups = [DEFAULT_GROUP] if groups is None else groups
    if groups:
        data["auth-extra-groups"] = ",".join(groups)
    return {
        "apiVersion": "v1", "kind": "Secret", "type": SECRET_TYPE,
        "metadata": {"name": SECRET_PREFIX + tid, "namespace": "kube-system"},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


def secret_to_token(secret):
    """dict(token, description, expires, usages, groups) of a token Secret, or None if malformed."""
    raw = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    tid, tsecret = raw.get("token-id", ""), raw.get("token-secret", "")
    if not TOKEN_ID_RE.match(tid) or secret["metadata"]["name"] != SECRET_PREFIX + tid:
        return None
    usages = sorted(k[len("usage-bootstrap-"):] for k, v in raw.items()
                    if k.startswith("usage-bootstrap-") and v == "true")
    groups = [g for g in raw.get("auth-extra-groups", "").split(",") if g]
    return {"token": "%s.%s" % (tid, tsecret), "id": tid, "secret": tsecret,
            "description": raw.get("description", ""), "expires": raw.get("expiration", ""),
            "usages": usages, "groups": groups}


def is_expired(token, now=None):
    if not token.get("expires"):
        return False
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return parse_rfc3339(token["expires"]) <= now


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws_detached(content, token_id, token_secret_value):
    """Detached compact JWS (HS256, kid = token id) over ``content``: ``header..signature``."""
    header = _b64(json.dumps({"alg": "HS256", "kid": token_id}, separators=(",", ":")).encode())
    payload = _b64(content.encode() if isinstance(content, str) else content)
    signature = hmac.new(token_secret_value.encode(), ("%s.%s" % (header, payload)).encode(),
                         hashlib.sha256).digest()
    return "%s..%s" % (header, _b64(signature))


def jws_valid(detached, content, token_id, token_secret_value):
    """DetachedTokenIsValid: the signature recomputed with the token matches."""
    try:
        header_b64 = detached.split("..")[0]
        header = json.loads(base64.urlsafe_b64decode(header_b64 + "=" * (-len(header_b64) % 4)))
    except (ValueError, IndexError):
        return False
    if header.get("kid") != token_id or header.get("alg") != "HS256":
        return False
    return hmac.compare_digest(detached, jws_detached(content, token_id, token_secret_value))


def new_certificate_key():
    return secrets.token_hex(32)


def encrypt(data, key):
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, data, None)


def decrypt(data, key):
    if len(key) not in (16, 24, 32):
        raise CertsDecryptError("crypto/aes: invalid key size %d" % len(key))
    if len(data) < 12:
        raise CertsDecryptError("size of data is less than the nonce")
    try:
        return AESGCM(key).decrypt(data[:12], data[12:], None)
    except InvalidTag:
        raise CertsDecryptError("cipher: message authentication failed")


def decode_hex_key(key):
    """bytes of a hex certificate key; ValueError with Go's encoding/hex message."""
    for idx, char in enumerate(key):
        if char not in "0123456789abcdefABCDEF":
            raise ValueError("encoding/hex: invalid byte: U+%04X %r" % (ord(char), char))
    if len(key) % 2:
        raise ValueError("encoding/hex: odd length hex string")
    return bytes.fromhex(key)
