# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenPGP public keys as package repositories publish them (standard library only).

Reads an ASCII-armored or binary transferable public key (RFC 4880 / RFC 9580), checks the armor's
CRC-24, walks the packets and reports each primary key with its fingerprint and user IDs, so a
downloaded repository key can be compared with pinned fingerprints without gpg on the host.
Version 4 keys (what apt's gpgv and every major repository use) are supported; other versions are
refused by name. Errors are PgpError with a message for the user.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct

PUBLIC_KEY = 6
PUBLIC_SUBKEY = 14
USER_ID = 13
# Packets a transferable public key may hold (RFC 9580 10.1): keys, user IDs and attributes, signatures;
# trust (12) and marker (10) packets are ignored and dropped. Anything else (a secret key, compressed
# data, ...) is refused: some verifiers trust a secret-key packet's public part.
ALLOWED = {PUBLIC_KEY: "public key", PUBLIC_SUBKEY: "public subkey", USER_ID: "user ID", 17: "user attribute", 2: "signature"}
DROPPED = {12: "trust", 10: "marker"}
PACKET_NAMES = {1: "public-key encrypted session key", 3: "symmetric-key encrypted session key", 4: "one-pass signature",
                5: "secret key", 7: "secret subkey", 8: "compressed data", 9: "symmetrically encrypted data",
                11: "literal data", 18: "encrypted and integrity protected data"}
_ARMOR = re.compile(r"^-----BEGIN PGP PUBLIC KEY BLOCK-----[ \t]*\r?\n(.*?)^-----END PGP PUBLIC KEY BLOCK-----[ \t]*\r?$",
                    re.DOTALL | re.MULTILINE)
_ANY_ARMOR = re.compile(r"^-----BEGIN ([^\r\n]*?)-----[ \t]*\r?$", re.MULTILINE)
_CRC24_INIT = 0xB704CE
_CRC24_POLY = 0x1864CFB
_FINGERPRINT = re.compile(r"^[0-9A-F]{40}$")


class PgpError(ValueError):
    """A key file that cannot be read as OpenPGP public keys."""


def crc24(data):
    """The CRC-24 of RFC 4880 section 6.1 (the armor checksum)."""
    crc = _CRC24_INIT
    for byte in data:
        crc ^= byte << 16
        for _bit in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= _CRC24_POLY
    return crc & 0xFFFFFF


def dearmor(text):
    """The bytes of every PUBLIC KEY BLOCK of an armored text, concatenated; the checksum is verified."""
    blocks = _ARMOR.findall(text)
    if not blocks:
        raise PgpError("no '-----BEGIN PGP PUBLIC KEY BLOCK-----' armor")
    labels = _ANY_ARMOR.findall(text)
    others = [label for label in labels if label != "PGP PUBLIC KEY BLOCK"]
    if others or len(labels) != len(blocks) or "-----BEGIN" in _ARMOR.sub("", text):
        # apt reads every armored block of the file, whatever its label: one the check skipped could carry another key
        raise PgpError("the file holds armor other than complete PUBLIC KEY BLOCKs (%s)" % ", ".join(repr(label) for label in others or labels))
    data = b""
    for block in blocks:
        lines = [line.strip() for line in block.replace("\r\n", "\n").split("\n")]
        if "" in lines:  # armor headers (Version:, Comment:) end at the first empty line
            lines = lines[lines.index("") + 1:]
        lines = [line for line in lines if line]
        checksum = None
        if lines and lines[-1].startswith("="):
            checksum = lines.pop()[1:]
        try:
            body = base64.b64decode("".join(lines), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PgpError("the armored key is not valid base64: %s" % exc)
        if checksum is not None:
            try:
                expected = int.from_bytes(base64.b64decode(checksum, validate=True), "big")
            except (binascii.Error, ValueError):
                raise PgpError("the armor checksum %r is not valid base64" % checksum)
            if crc24(body) != expected:
                raise PgpError("the armor checksum does not match the key (the file is damaged or altered)")
        data += body
    return data


def packets(data):
    """(tag, body) of each OpenPGP packet of binary data, old and new packet formats."""
    offset, size = 0, len(data)
    while offset < size:
        header = data[offset]
        if not header & 0x80:
            raise PgpError("byte %d is not an OpenPGP packet header" % offset)
        if header & 0x40:  # new format: tag in 6 bits, length in 1, 2 or 5 octets
            tag = header & 0x3F
            if offset + 1 >= size:
                raise PgpError("packet at byte %d is truncated" % offset)
            first = data[offset + 1]
            if first < 192:
                length, start = first, offset + 2
            elif first < 224:
                if offset + 2 >= size:
                    raise PgpError("packet at byte %d is truncated" % offset)
                length, start = ((first - 192) << 8) + data[offset + 2] + 192, offset + 3
            elif first == 255:
                if offset + 6 > size:
                    raise PgpError("packet at byte %d is truncated" % offset)
                length, start = struct.unpack(">I", data[offset + 2:offset + 6])[0], offset + 6
            else:
                raise PgpError("packet at byte %d has a partial body length, which keys never use" % offset)
        else:  # old format: tag in 4 bits, length type in 2
            tag, kind = (header >> 2) & 0x0F, header & 0x03
            if kind == 3:
                raise PgpError("packet at byte %d has an indeterminate length, which keys never use" % offset)
            width = (1, 2, 4)[kind]
            if offset + 1 + width > size:
                raise PgpError("packet at byte %d is truncated" % offset)
            length = int.from_bytes(data[offset + 1:offset + 1 + width], "big")
            start = offset + 1 + width
        end = start + length
        if end > size:
            raise PgpError("packet at byte %d is truncated (%d bytes announced, %d left)" % (offset, length, size - start))
        yield tag, data[start:end]
        offset = end


def fingerprint(body):
    """The fingerprint of a version 4 public-key packet body: SHA-1 of 0x99, its 2-octet length, the body."""
    if not body:
        raise PgpError("empty public-key packet")
    if body[0] != 4:
        raise PgpError("version %d keys are not supported (apt's gpgv reads version 4 keys)" % body[0])
    if len(body) > 0xFFFF:
        raise PgpError("public-key packet of %d bytes is too long for a version 4 key" % len(body))
    return hashlib.sha1(b"\x99" + struct.pack(">H", len(body)) + body).hexdigest().upper()  # OpenPGP v4 defines it


def read_keys(data):
    """The primary keys of key material (armored text or binary bytes), in order.

    Each is a dict: fingerprint (40 upper-case hex digits), created (Unix time), algorithm (the
    OpenPGP algorithm number), user_ids (list of str) and subkeys (fingerprints).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if data.lstrip()[:5] == b"-----":
        data = dearmor(data.decode("utf-8", "replace"))
    if not data:
        raise PgpError("the key file is empty")
    keys = []
    for tag, body in packets(data):
        if tag not in ALLOWED and tag not in DROPPED:
            raise PgpError("packet type %d (%s) does not belong in a public key file" % (tag, PACKET_NAMES.get(tag, "unknown")))
        if tag == PUBLIC_KEY:
            if len(body) < 6:
                raise PgpError("public-key packet of %d bytes is too short" % len(body))
            keys.append({"fingerprint": fingerprint(body), "created": struct.unpack(">I", body[1:5])[0],
                         "algorithm": body[5], "user_ids": [], "subkeys": []})
        elif not keys:
            raise PgpError("the key material does not start with a public key (packet tag %d first)" % tag)
        elif tag == USER_ID:
            keys[-1]["user_ids"].append(body.decode("utf-8", "replace"))
        elif tag == PUBLIC_SUBKEY:
            keys[-1]["subkeys"].append(fingerprint(body))
    # Non-empty data yields a first packet or raises, and a first packet that is no public key raises:
    # keys is never empty here.
    return keys


def public_packets(data):
    """The binary packets of key material that belong in a keyring (trust and marker packets dropped)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if data.lstrip()[:5] == b"-----":
        data = dearmor(data.decode("utf-8", "replace"))
    out = b""
    for tag, body in packets(data):
        if tag in DROPPED:
            continue
        if tag not in ALLOWED:
            raise PgpError("packet type %d (%s) does not belong in a public key file" % (tag, PACKET_NAMES.get(tag, "unknown")))
        out += _header(tag, len(body)) + body
    return out


def _header(tag, length):
    """A new-format packet header (RFC 4880 4.2.2)."""
    if length < 192:
        return bytes([0xC0 | tag, length])
    if length < 8384:
        return bytes([0xC0 | tag, ((length - 192) >> 8) + 192, (length - 192) & 0xFF])
    return bytes([0xC0 | tag, 0xFF]) + struct.pack(">I", length)


def armor(binary):
    """One PUBLIC KEY BLOCK of binary packets: 64-column base64 and the CRC-24 line (RFC 4880 6.2)."""
    text = base64.b64encode(binary).decode("ascii")
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    checksum = base64.b64encode(crc24(binary).to_bytes(3, "big")).decode("ascii")
    return "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n%s\n=%s\n-----END PGP PUBLIC KEY BLOCK-----\n" % ("\n".join(lines), checksum)


def normalize_fingerprint(value):
    """40 upper-case hex digits from a fingerprint as people write it (spaces, 0x, lower case)."""
    text = re.sub(r"\s+", "", str(value)).upper()
    if text.startswith("0X"):
        text = text[2:]
    if not _FINGERPRINT.match(text):
        raise PgpError("%r is not a version 4 key fingerprint (40 hexadecimal digits)" % (value,))
    return text


def unpinned(keys, pins):
    """Fingerprints of the primary keys that are not among the pins (normalized); every key must be pinned."""
    wanted = {normalize_fingerprint(pin) for pin in pins}
    return [key["fingerprint"] for key in keys if key["fingerprint"] not in wanted]
