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
import json
import os
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


def test_old_format_four_octet_lengths():
    binary = _read("seed-test-two.gpg")
    out = b""
    for tag, body in openpgp.packets(binary):
        out += bytes([0x80 | (tag << 2) | 2]) + struct.pack(">I", len(body)) + body
    assert openpgp.read_keys(out) == EXPECTED["seed-test-two.gpg"]


def _armor(body, checksum=True, headers=""):
    text = base64.b64encode(body).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    crc = base64.b64encode(openpgp.crc24(body).to_bytes(3, "big")).decode()
    return ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n%s\n%s\n%s-----END PGP PUBLIC KEY BLOCK-----\n"
            % (headers, "\n".join(lines), ("=" + crc + "\n") if checksum else ""))


def test_crc24_of_rfc_examples_and_armor_checksum():
    # RFC 4880 6.1: the CRC of nothing is the initial value; the published keys' checksums verify.
    assert openpgp.crc24(b"") == 0xB704CE
    body = openpgp.dearmor(_read("docker.asc").decode())
    assert base64.b64encode(openpgp.crc24(body).to_bytes(3, "big")) == b"0YYh"
    assert openpgp.read_keys(_armor(body, checksum=False)) == EXPECTED["docker.asc"]
    assert openpgp.read_keys(_armor(body, headers="Version: x\nComment: y\n\n")) == EXPECTED["docker.asc"]


@pytest.mark.parametrize("damage, message", [
    (lambda t: t.replace("=0YYh", "=0YYi"), "checksum does not match"),
    (lambda t: t.replace("=0YYh", "=!!!!"), "checksum"),
    (lambda t: t.replace("mQINBFit2ioBEADhWpZ8", "mQINBFit2ioBEADhWpZ9"), "checksum does not match"),
    (lambda t: t.replace("mQINBFit2ioBEADhWpZ8", "mQINBFit2ioBEADhWp*8"), "not valid base64"),
    (lambda t: t.replace("PUBLIC KEY BLOCK", "PRIVATE KEY BLOCK"), "no '-----BEGIN PGP PUBLIC KEY BLOCK-----' armor"),
])
def test_damaged_armor_is_refused(damage, message):
    with pytest.raises(openpgp.PgpError, match=message):
        openpgp.read_keys(damage(_read("docker.asc").decode()))


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"\x01\x02", "not an OpenPGP packet header"),
    (b"\x99\x01", "truncated"),
    (b"\x99\x00\x10\x04", "truncated"),
    (b"\x9b", "indeterminate"),
    (b"\xc6", "truncated"),
    (b"\xc6\xc0", "truncated"),
    (b"\xc6\xff\x00", "truncated"),
    (b"\xc6\xe1" + b"\x00" * 4, "partial body length"),
    (b"\xb4\x03abc", "does not start with a public key"),
    (b"\x98\x00", "packet of 0 bytes is too short"),
    (b"\x98\x03\x04\x00\x00", "too short"),
    (b"\x99\x00\x06\x05\x00\x00\x00\x00\x16", "version 5 keys are not supported"),
    (b"\x99\x00\x06\x03\x00\x00\x00\x00\x01", "version 3 keys are not supported"),
])
def test_malformed_packets_are_refused(data, message):
    with pytest.raises(openpgp.PgpError, match=message):
        openpgp.read_keys(data)


def test_a_subkey_with_a_foreign_version_is_refused_too():
    binary = _read("seed-test-two.gpg")
    sub = b"\xb8\x06\x06\x00\x00\x00\x00\x16"  # public-subkey packet, version 6
    with pytest.raises(openpgp.PgpError, match="version 6"):
        openpgp.read_keys(binary + sub)
    with pytest.raises(openpgp.PgpError, match="empty public-key packet"):
        openpgp.read_keys(binary + b"\xb8\x00")


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
        with pytest.raises(openpgp.PgpError, match=r"packet type %d \(%s\) does not belong" % (tag, name)):
            reader(binary)


def test_a_version_4_key_packet_longer_than_its_length_field_is_refused():
    body = b"\x04" + b"\x00" * 0x10000
    with pytest.raises(openpgp.PgpError, match="too long for a version 4 key"):
        openpgp.read_keys(b"\xc6\xff" + len(body).to_bytes(4, "big") + body)
