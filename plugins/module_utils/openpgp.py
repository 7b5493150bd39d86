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
_ARMOR = re.compile(r"-----BEGIN PGP PUBLIC KEY BLOCK-----\r?\n(.*?)-----END PGP PUBLIC KEY BLOCK-----", re.DOTALL)
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
    if not keys:
        raise PgpError("no public key in the key material")
    return keys


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
