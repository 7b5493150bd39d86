# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/openpgp.py against keys and fingerprints made by GnuPG, not by this code.

tests/unit/fixtures/openpgp holds Docker's and pkgs.k8s.io's published repository keys and two keys
generated with GnuPG 2.2 (an Ed25519 key with two user IDs and an RSA signing subkey, armored; an RSA
key, binary). expected.json is what ``gpg --show-keys --with-colons`` printed for each file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess

import pytest

from ansible_collections.seed.kubeadm.plugins.module_utils import openpgp

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "openpgp")
with open(os.path.join(FIXTURES, "expected.json"), encoding="utf-8") as _handle:
    EXPECTED = json.load(_handle)["keys"]


def _read(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read()


def _refusal(reader, data):
    """The whole message of the PgpError that reader raises for data."""
    with pytest.raises(openpgp.PgpError) as caught:
        reader(data)
    return str(caught.value)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_keys_match_what_gpg_reports(name):
    assert openpgp.read_keys(_read(name)) == EXPECTED[name]


def test_published_repository_keys_have_their_well_known_fingerprints():
    assert [k["fingerprint"] for k in openpgp.read_keys(_read("docker.asc"))] == ["9DC858229FC7DD38854AE2D88D81803C0EBFCD88"]
    assert [k["fingerprint"] for k in openpgp.read_keys(_read("kubernetes-release.asc"))] == [
        "DE15B14486CD377B9E876E1A234654DA9A296436"]


def test_text_and_bytes_and_several_blocks_and_crlf():
    one, docker = _read("seed-test-one.asc"), _read("docker.asc")
    assert openpgp.read_keys(one.decode()) == openpgp.read_keys(one)
    both = openpgp.read_keys(one + b"\n" + docker)
    assert [k["fingerprint"] for k in both] == [EXPECTED["seed-test-one.asc"][0]["fingerprint"], "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"]
    assert openpgp.read_keys(docker.replace(b"\n", b"\r\n")) == EXPECTED["docker.asc"]
    # binary keys concatenated (a .gpg keyring of two keys)
    binary = openpgp.dearmor(one.decode()) + _read("seed-test-two.gpg")
    assert [k["fingerprint"] for k in openpgp.read_keys(binary)] == [
        EXPECTED["seed-test-one.asc"][0]["fingerprint"], EXPECTED["seed-test-two.gpg"][0]["fingerprint"]]


def _new_format(data):
    """The same packets with new-format headers (RFC 4880 4.2.2), each length form in turn."""
    out, forms = b"", 0
    for tag, body in openpgp.packets(data):
        length = len(body)
        form = forms % 3
        forms += 1
        if form == 0 and length < 192:
            head = bytes([length])
        elif form <= 1 and 192 <= length <= 8383:
            head = bytes([((length - 192) >> 8) + 192, (length - 192) & 0xFF])
        else:
            head = b"\xff" + struct.pack(">I", length)
        out += bytes([0xC0 | tag]) + head + body
    return out


@pytest.mark.parametrize("name", ["seed-test-one.asc", "docker.asc", "seed-test-two.gpg"])
def test_new_format_packet_headers_give_the_same_keys(name):
    data = _read(name)
    binary = openpgp.dearmor(data.decode()) if name.endswith(".asc") else data
    assert openpgp.read_keys(_new_format(binary)) == EXPECTED[name]


def _old_format(data, after=b""):
    """The same packets with old-format headers and 4-octet lengths (RFC 4880 4.2.1), each followed by after."""
    return b"".join(bytes([0x80 | (tag << 2) | 2]) + struct.pack(">I", len(body)) + body + after
                    for tag, body in openpgp.packets(data))


def test_old_format_four_octet_lengths():
    assert openpgp.read_keys(_old_format(_read("seed-test-two.gpg"))) == EXPECTED["seed-test-two.gpg"]


def _armor(body, checksum=True, headers=""):
    text = base64.b64encode(body).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    crc = base64.b64encode(openpgp.crc24(body).to_bytes(3, "big")).decode()
    return ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n%s\n%s\n%s-----END PGP PUBLIC KEY BLOCK-----\n"
            % (headers, "\n".join(lines), ("=" + crc + "\n") if checksum else ""))


def test_crc24_of_rfc_examples_and_armor_checksum():
    # RFC 4880 6.1: the CRC of nothing is the initial value; the published keys' checksums verify.
    assert openpgp.crc24(b"") == 0xB704CE
    assert openpgp.crc24(b"123456789") == 0x21CF02  # the check value of CRC-24/OPENPGP
    body = openpgp.dearmor(_read("docker.asc").decode())
    assert base64.b64encode(openpgp.crc24(body).to_bytes(3, "big")) == b"0YYh"
    assert openpgp.read_keys(_armor(body, checksum=False)) == EXPECTED["docker.asc"]
    assert openpgp.read_keys(_armor(body, headers="Version: x\nComment: y\n\n")) == EXPECTED["docker.asc"]


DAMAGED = "the armor checksum does not match the key (the file is damaged or altered)"
NOT_BASE64 = r"the armored key is not valid base64: \S.*"  # then binascii's own words, which vary with Python


@pytest.mark.parametrize("damage, message", [
    (lambda t: t.replace("=0YYh", "=0YYi"), re.escape(DAMAGED)),
    (lambda t: t.replace("=0YYh", "=!!!!"), re.escape("the armor checksum '!!!!' is not valid base64")),
    # a character outside the alphabet is refused, not skipped (here the rest would decode to the right key)
    (lambda t: t.replace("=0YYh", "=0Y*Yh"), re.escape("the armor checksum '0Y*Yh' is not valid base64")),
    (lambda t: t.replace("mQINBFit2ioBEADhWpZ8", "mQINBFit2ioBEADhWpZ9"), re.escape(DAMAGED)),
    (lambda t: t.replace("mQINBFit2ioBEADhWpZ8", "mQINBFit2ioBEADhWp*8"), NOT_BASE64),
    (lambda t: t.replace("mQINBFit2ioBEADhWpZ8", "mQINBFit2ioBEADhWp*Z8"), NOT_BASE64),
    (lambda t: t.replace("PUBLIC KEY BLOCK", "PRIVATE KEY BLOCK"), re.escape("no '-----BEGIN PGP PUBLIC KEY BLOCK-----' armor")),
])
def test_damaged_armor_is_refused(damage, message):
    with pytest.raises(openpgp.PgpError, match="^%s$" % message):
        openpgp.read_keys(damage(_read("docker.asc").decode()))


TRUNCATED = "packet at byte 0 is truncated"
PARTIAL = "packet at byte 0 has a partial body length, which keys never use"


@pytest.mark.parametrize("data, message", [
    (b"", "the key file is empty"),
    (b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK-----\n", "the key file is empty"),
    (b"\x01\x02", "byte 0 is not an OpenPGP packet header"),
    # old format (RFC 4880 4.2.1): a 1-, 2- or 4-octet length; length type 3 is indeterminate
    (b"\x98", TRUNCATED),
    (b"\x99\x01", TRUNCATED),
    (b"\x9a\x00\x00\x01", TRUNCATED),
    (b"\x99\x00\x10\x04", "packet at byte 0 is truncated (16 bytes announced, 1 left)"),
    (b"\x9b", "packet at byte 0 has an indeterminate length, which keys never use"),
    # new format (RFC 4880 4.2.2): 0-191 one octet, 192-223 two octets, 255 five octets, 224-254 partial lengths
    (b"\xc6", TRUNCATED),
    (b"\xc6\xc0", TRUNCATED),
    (b"\xc6\xc0\x00", "packet at byte 0 is truncated (192 bytes announced, 0 left)"),
    (b"\xc6\xff\x00", TRUNCATED),
    (b"\xc6\xff\x00\x00\x00", TRUNCATED),
    (b"\xc6\xff\x80\x00\x00\x00", "packet at byte 0 is truncated (2147483648 bytes announced, 0 left)"),
    (b"\xc6\xe0" + b"\x00" * 4, PARTIAL),
    (b"\xc6\xe1" + b"\x00" * 4, PARTIAL),
    (b"\xc6\xfe" + b"\x00" * 4, PARTIAL),
    (b"\xb4\x03abc", "the key material does not start with a public key (packet tag 13 first)"),
    (b"\x98\x00", "public-key packet of 0 bytes is too short"),
    (b"\x98\x03\x04\x00\x00", "public-key packet of 3 bytes is too short"),
    (b"\x99\x00\x06\x05\x00\x00\x00\x00\x16", "version 5 keys are not supported (apt's gpgv reads version 4 keys)"),
    (b"\x99\x00\x06\x03\x00\x00\x00\x00\x01", "version 3 keys are not supported (apt's gpgv reads version 4 keys)"),
])
def test_malformed_packets_are_refused(data, message):
    assert _refusal(openpgp.read_keys, data) == message


@pytest.mark.parametrize("subkey, message", [
    (b"\xb8\x06\x06\x00\x00\x00\x00\x16", "version 6 keys are not supported (apt's gpgv reads version 4 keys)"),
    (b"\xb8\x00", "empty public-key packet"),
])
def test_a_subkey_with_a_foreign_version_is_refused_too(subkey, message):
    assert _refusal(openpgp.read_keys, _read("seed-test-two.gpg") + subkey) == message


def test_signature_and_trust_packets_are_skipped():
    binary = _read("seed-test-two.gpg")
    keys = openpgp.read_keys(binary + b"\x88\x02\x04\x00" + b"\xb0\x02\x00\x00")  # a signature, a trust packet
    assert keys == EXPECTED["seed-test-two.gpg"]


@pytest.mark.parametrize("value, expected", [
    ("9DC8 5822 9FC7 DD38 854A  E2D8 8D81 803C 0EBF CD88", "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"),
    ("0x9dc858229fc7dd38854ae2d88d81803c0ebfcd88", "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"),
])
def test_fingerprints_as_people_write_them(value, expected):
    assert openpgp.normalize_fingerprint(value) == expected


@pytest.mark.parametrize("value", ["0EBFCD88", "9DC858229FC7DD38854AE2D88D81803C0EBFCD8G", "", None,
                                   "9DC858229FC7DD38854AE2D88D81803C0EBFCD8800"])
def test_short_ids_and_garbage_are_not_fingerprints(value):
    with pytest.raises(openpgp.PgpError, match="is not a version 4 key fingerprint"):
        openpgp.normalize_fingerprint(value)


def test_every_primary_key_must_be_pinned():
    keys = openpgp.read_keys(_read("docker.asc") + _read("kubernetes-release.asc"))
    docker, kube = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88", "DE15B14486CD377B9E876E1A234654DA9A296436"
    assert openpgp.unpinned(keys, [docker.lower(), kube]) == []
    assert openpgp.unpinned(keys, [docker]) == [kube]
    assert openpgp.unpinned(keys, []) == [docker, kube]
    # a subkey's fingerprint does not stand for its primary key
    assert openpgp.unpinned(keys, ["D3306A018370199E527AE7997EA0A9C3F273FCD8", kube]) == [docker]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_key_written_again_is_the_same_key_for_gpg(name, tmp_path):
    """armor(public_packets(...)) is what repo_key writes: it must read back to the same keys, here and,
    where GnuPG is installed, for gpg itself."""
    again = openpgp.armor(openpgp.public_packets(_read(name)))
    assert openpgp.read_keys(again) == EXPECTED[name]
    gpg = shutil.which("gpg")
    if gpg:
        path = tmp_path / "again.asc"
        path.write_text(again)
        out = subprocess.run([gpg, "--homedir", str(tmp_path), "--batch", "--show-keys", "--with-colons", str(path)],
                             capture_output=True, text=True, check=True).stdout
        assert [line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:")][0] == EXPECTED[name][0]["fingerprint"]


def test_trust_and_marker_packets_are_dropped_and_the_rest_kept():
    binary = _read("seed-test-two.gpg")
    packed = openpgp.public_packets(binary + b"\xb0\x02\x00\x00" + b"\xa8\x03PGP")
    assert [packet[0] for packet in openpgp.packets(packed)] == [packet[0] for packet in openpgp.packets(binary)]


@pytest.mark.parametrize("tag, name", [(5, "secret key"), (7, "secret subkey"), (8, "compressed data"), (11, "literal data"),
                                       (60, "unknown")])
def test_packets_that_do_not_belong_in_a_public_key_file(tag, name):
    binary = _read("seed-test-two.gpg") + bytes([0xC0 | tag, 1, 0])
    for reader in (openpgp.read_keys, openpgp.public_packets):
        assert _refusal(reader, binary) == "packet type %d (%s) does not belong in a public key file" % (tag, name)


def _v4_key_body(length):
    """A version 4 public-key packet body of the given length (creation time 0, EdDSA, zero key material)."""
    return b"\x04\x00\x00\x00\x00\x16" + b"\x00" * (length - 6)


@pytest.mark.parametrize("length", [0x10000, 0x10001])
def test_a_version_4_key_packet_longer_than_its_length_field_is_refused(length):
    packet = b"\xc6\xff" + length.to_bytes(4, "big") + _v4_key_body(length)
    assert _refusal(openpgp.read_keys, packet) == "public-key packet of %d bytes is too long for a version 4 key" % length


def test_a_version_4_key_packet_as_long_as_its_length_field_allows():
    """RFC 4880 12.2: the fingerprint is the SHA-1 of 0x99, the 2-octet length and the body, which is
    exactly this key written as an old-format packet with a 2-octet length."""
    packet = b"\x99\xff\xff" + _v4_key_body(0xFFFF)
    assert openpgp.read_keys(packet) == [{"fingerprint": hashlib.sha1(packet).hexdigest().upper(), "created": 0,
                                          "algorithm": 22, "user_ids": [], "subkeys": []}]


# Made with GnuPG 2.2.40: gpg --faked-system-time 20400101T000000! --quick-gen-key '...' ed25519 sign never;
# gpg --show-keys --with-colons printed the fingerprint and the creation time 2208988800 (after 2038).
KEY_CREATED_IN_2040 = """-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEg6p+gBYJKwYBBAHaRw8BAQdA+N3qnalToXjTGJdwBb0NrgkVrCzC5TWXbB6H
GnOPrSC0JlNlZWQgdGVzdCAyMDQwIDx5MjAzOEBleGFtcGxlLmludmFsaWQ+iJAE
ExYIADgWIQS+p4vqKre4kkvlww55OdRsdvi0SgUCg6p+gAIbAwULCQgHAgYVCgkI
CwIEFgIDAQIeAQIXgAAKCRB5OdRsdvi0SnCXAP4g+mUgo1Tay5G00B+n5onn5NoW
Wf6K3B/3dckbK8bIOQEA9xMUX1exQAVd0Pn/NWsBLaLAP6cIF13HyhYOwzX1YAY=
=e9PY
-----END PGP PUBLIC KEY BLOCK-----
"""


def test_a_creation_time_after_2038_is_an_unsigned_32_bit_number():
    assert openpgp.read_keys(KEY_CREATED_IN_2040) == [{
        "fingerprint": "BEA78BEA2AB7B8924BE5C30E7939D46C76F8B44A", "created": 2208988800, "algorithm": 22,
        "user_ids": ["Seed test 2040 <y2038@example.invalid>"], "subkeys": []}]


def test_a_user_id_that_is_not_utf8_is_read_with_replacement_characters():
    name = "José <jose@example.invalid>".encode("latin-1")
    keys = openpgp.read_keys(_read("seed-test-two.gpg") + bytes([0xB4, len(name)]) + name)
    assert keys[0]["user_ids"] == ["Seed test two <two@example.invalid>", "Jos\ufffd <jose@example.invalid>"]


@pytest.mark.parametrize("variant", [
    pytest.param(lambda data: data.decode(), id="text"),
    pytest.param(lambda data: b"\n \t\n" + data, id="leading-blank-lines"),
    pytest.param(lambda data: data.replace(b"-----\n\n", b"-----\nComment: Jos\xe9's mirror\n\n", 1), id="latin-1-header"),
])
def test_armored_files_as_they_come(variant):
    """Text or bytes, blank lines before the armor, an armor header that is not UTF-8: the same key, the same packets."""
    data = _read("docker.asc")
    assert openpgp.read_keys(variant(data)) == EXPECTED["docker.asc"]
    assert openpgp.public_packets(variant(data)) == openpgp.public_packets(data)


def test_trust_packets_between_the_packets_of_a_keyring_are_dropped():
    """GnuPG 1 keyrings (pubring.gpg) follow every key, user ID and signature with a trust packet."""
    binary = _read("seed-test-one.asc")
    keyring = _old_format(openpgp.dearmor(binary.decode()), after=b"\xb0\x02\x00\x00")
    assert openpgp.public_packets(keyring) == openpgp.public_packets(binary)
    assert openpgp.read_keys(keyring) == EXPECTED["seed-test-one.asc"]


def test_crlf_armor_lines_may_break_anywhere():
    """Armor lines of any length with CRLF ends, one break inside a run of 'XXXX' (a signature packet
    whose bytes encode so): the packets come back byte for byte."""
    key = _read("seed-test-two.gpg")
    pad = -(len(key) + 2) % 3  # the signature's bytes start a base64 group
    binary = key + bytes([0x88, pad + 3]) + b"\x00" * pad + base64.b64decode("XXXX")
    text = base64.b64encode(binary).decode()
    cut = text.index("XXXX") + 2
    crc = base64.b64encode(openpgp.crc24(binary).to_bytes(3, "big")).decode()
    armored = "\r\n".join(["-----BEGIN PGP PUBLIC KEY BLOCK-----", "", text[:cut], text[cut:], "=" + crc,
                           "-----END PGP PUBLIC KEY BLOCK-----", ""])
    assert openpgp.dearmor(armored) == binary
    assert openpgp.read_keys(armored) == EXPECTED["seed-test-two.gpg"]


_SIGNATURE = "-----BEGIN PGP SIGNATURE-----\n\niQ==\n-----END PGP SIGNATURE-----\n"
_MESSAGE = "-----BEGIN PGP MESSAGE-----\n\nyA==\n-----END PGP MESSAGE-----\n"
_UNTERMINATED = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQ==\n"


@pytest.mark.parametrize("around, labels", [
    (lambda key: key + _SIGNATURE + _MESSAGE, "'PGP SIGNATURE', 'PGP MESSAGE'"),
    (lambda key: _UNTERMINATED + key, "'PGP PUBLIC KEY BLOCK', 'PGP PUBLIC KEY BLOCK'"),
    (lambda key: key + "  " + _SIGNATURE, "'PGP PUBLIC KEY BLOCK'"),
])
def test_armor_other_than_complete_public_key_blocks_is_refused(around, labels):
    text = around(_read("docker.asc").decode())
    assert _refusal(openpgp.dearmor, text) == "the file holds armor other than complete PUBLIC KEY BLOCKs (%s)" % labels


@pytest.mark.parametrize("data, expected", [
    (b"\xb4\x01u", [(13, b"u")]),
    (b"\xb5\x00\x01u", [(13, b"u")]),
    (b"\xb6\x00\x00\x00\x01u", [(13, b"u")]),
    (b"\xcd\x00", [(13, b"")]),
    (b"\xcd\xbf" + b"u" * 191, [(13, b"u" * 191)]),
    (b"\xcd\xc0\x00" + b"u" * 192, [(13, b"u" * 192)]),
    (b"\xcd\xc5\xfb" + b"u" * 1723, [(13, b"u" * 1723)]),  # the two-octet example of RFC 4880 4.2.3
    (b"\xcd\xdf\xff" + b"u" * 8383, [(13, b"u" * 8383)]),
    (b"\xcd\xff\x00\x00\x00\x00", [(13, b"")]),
    (b"\xcd\xff\x00\x01\x86\xa0" + b"u" * 100000, [(13, b"u" * 100000)]),  # the five-octet example
    (b"\xb4\x01u\xcd\x00\xcd\xff\x00\x00\x00\x01v", [(13, b"u"), (13, b""), (13, b"v")]),
])
def test_packet_lengths_in_every_form_of_the_rfc(data, expected):
    assert list(openpgp.packets(data)) == expected


@pytest.mark.parametrize("length, header", [
    (0, b"\x00"), (100, b"\x64"), (191, b"\xbf"),  # one octet
    (192, b"\xc0\x00"), (1723, b"\xc5\xfb"), (8383, b"\xdf\xff"),  # two octets
    (8384, b"\xff\x00\x00\x20\xc0"), (100000, b"\xff\x00\x01\x86\xa0"),  # five octets
])
def test_packets_are_written_with_new_format_headers_of_the_shortest_length(length, header):
    """RFC 4880 4.2.2 (the examples of 4.2.3 among them): a signature packet (tag 2) read with an old-format
    header is written back with the new-format one."""
    key, body = _read("seed-test-two.gpg"), b"s" * length
    packed = openpgp.public_packets(key + b"\x8a" + struct.pack(">I", length) + body)
    assert packed == openpgp.public_packets(key) + b"\xc2" + header + body


def test_the_largest_five_octet_length():
    """A 4 GiB packet is not built here; the header for the largest length RFC 4880 allows is."""
    assert openpgp._header(openpgp.PUBLIC_KEY, 0xFFFFFFFF) == b"\xc6\xff\xff\xff\xff\xff"
