# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""seed.kubeadm.repo_key against a real HTTP server on the loopback address.

The server hands out Docker's and pkgs.k8s.io's published keys (tests/unit/fixtures/openpgp), can
fail a number of requests first (with a chosen HTTP status), answer 404, stall a path, or cut the
body of a number of answers short; it records every request, so a refusal before any download is
visible as zero requests.
"""

from __future__ import annotations

import http.server
import os
import ssl
import stat
import threading

import pytest

import kubeadm_testlib as lib
from doubles_harness import Pki
from unit_helpers import closed_port
from ansible_collections.seed.kubeadm.plugins.module_utils import openpgp
from ansible_collections.seed.kubeadm.plugins.modules import repo_key

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "openpgp")
DOCKER = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"
KUBE = "DE15B14486CD377B9E876E1A234654DA9A296436"
ONE = "E805578992E56EF65995F785FAE9DE28E64D7319"
TWO = "FFE55D0D150D8AD7E164F9632C5B294924BC47CE"


def _fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read()


def _written(name):
    """What the module writes for a fixture: its checked packets as one armored block."""
    return openpgp.armor(openpgp.public_packets(_fixture(name))).encode("ascii")


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        server = self.server
        server.requests.append(self.path)
        if self.path in server.redirects:
            self.send_response(302)
            self.send_header("Location", server.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path in server.stalls:
            server.stalls[self.path].wait(5)  # longer than a 1 s timeout, shorter than fetch_url's default 10 s
        if server.failures > 0:
            server.failures -= 1
            self.send_response(server.failure_status)
            self.end_headers()
            return
        body = server.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        if body and server.cuts > 0:
            server.cuts -= 1
            body = body[:100]  # the connection closes before the announced length
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


def _serving(httpd, scheme, files, redirects):
    """Serve in a thread for the length of a fixture."""
    httpd.requests, httpd.failures, httpd.failure_status, httpd.cuts, httpd.stalls = [], 0, 503, 0, {}
    httpd.files, httpd.redirects = files, redirects
    httpd.url = "%s://127.0.0.1:%d" % (scheme, httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    for stall in httpd.stalls.values():
        stall.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    files = {"/docker/gpg": _fixture("docker.asc"), "/v1.35/deb/Release.key": _fixture("kubernetes-release.asc"),
             "/both": _fixture("docker.asc") + _fixture("kubernetes-release.asc"),
             "/damaged": _fixture("docker.asc").replace(b"mQINBFit2ioBEADhWpZ8", b"mQINBFit2ioBEADhWpZ9"),
             "/html": b"<html>mirror login page</html>"}
    yield from _serving(httpd, "http", files, {})


def _run(args, check_mode=False, rc=0):
    result, code = lib.run_module(repo_key, dict({"retries": 0, "delay": 0}, **args), check_mode=check_mode)
    assert code == rc, result
    return result


def _failure(out):
    """What a caller reads from a failed run: the message, dest and the download attempts."""
    return {key: out.get(key) for key in ("msg", "dest", "attempts")}


def test_a_pinned_key_is_written_once_with_its_mode(server, tmp_path):
    dest = tmp_path / "docker.asc"
    old = os.umask(0o077)
    try:
        out = _run({"url": server.url + "/docker/gpg", "dest": str(dest), "fingerprints": ["9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88"]})
    finally:
        os.umask(old)
    assert out["changed"] is True and out["fingerprints"] == [DOCKER] and out["attempts"] == 1
    assert out["dest"] == str(dest)
    assert out["user_ids"] == ["Docker Release (CE deb) <docker@docker.com>"]
    assert dest.read_bytes() == _written("docker.asc") and stat.S_IMODE(dest.stat().st_mode) == 0o644
    assert openpgp.read_keys(dest.read_bytes()) == openpgp.read_keys(_fixture("docker.asc"))
    assert os.listdir(tmp_path) == ["docker.asc"]  # no temporary file left
    again = _run({"url": server.url + "/docker/gpg", "dest": str(dest), "fingerprints": [DOCKER]})
    assert again["changed"] is False
    dest.chmod(0o600)
    assert _run({"url": server.url + "/docker/gpg", "dest": str(dest), "fingerprints": [DOCKER]})["changed"] is True
    assert stat.S_IMODE(dest.stat().st_mode) == 0o644


def test_another_key_is_refused_and_nothing_is_written(server, tmp_path):
    dest = tmp_path / "kubernetes.asc"
    out = _run({"url": server.url + "/docker/gpg", "dest": str(dest), "fingerprints": [KUBE],
                "pins_variable": "kube_packages_repo_key_fingerprints"}, rc=1)
    assert _failure(out) == {"msg": (
        "the key at %s/docker/gpg has fingerprint %s, which kube_packages_repo_key_fingerprints does not pin (%s). "
        "If the repository really changed its key, check the new fingerprint with its publisher and add it to "
        "kube_packages_repo_key_fingerprints" % (server.url, DOCKER, KUBE)), "dest": str(dest), "attempts": 1}
    assert out["fingerprints"] == [DOCKER] and not dest.exists()
    # every unpinned key and every pin is named
    out = _run({"url": server.url + "/both", "dest": str(dest), "fingerprints": [ONE, TWO.lower()]}, rc=1)
    assert out["msg"] == (
        "the key at %s/both has fingerprint %s, %s, which fingerprints does not pin (%s, %s). If the repository really "
        "changed its key, check the new fingerprint with its publisher and add it to fingerprints" % (server.url, DOCKER, KUBE, ONE, TWO))
    # a file with the pinned key AND another one: apt would trust both, so it is refused
    out = _run({"url": server.url + "/both", "dest": str(dest), "fingerprints": [DOCKER]}, rc=1)
    assert "has fingerprint %s," % KUBE in out["msg"] and not dest.exists()
    assert _run({"url": server.url + "/both", "dest": str(dest), "fingerprints": [KUBE, DOCKER]})["fingerprints"] == [DOCKER, KUBE]


def test_an_existing_file_with_another_key_is_replaced_only_by_a_pinned_key(server, tmp_path):
    dest = tmp_path / "k.asc"
    dest.write_bytes(b"old key")
    _run({"url": server.url + "/docker/gpg", "dest": str(dest), "fingerprints": [KUBE]}, rc=1)
    assert dest.read_bytes() == b"old key"
    assert _run({"url": server.url + "/v1.35/deb/Release.key", "dest": str(dest), "fingerprints": [KUBE]})["changed"] is True
    assert dest.read_bytes() == _written("kubernetes-release.asc")


@pytest.mark.parametrize("path, message", [
    ("/damaged", "is not an OpenPGP public key: the armor checksum does not match the key (the file is damaged or altered)"),
    ("/html", "is not an OpenPGP public key: byte 0 is not an OpenPGP packet header"),
])
def test_what_is_not_a_key_is_refused(server, tmp_path, path, message):
    out = _run({"url": server.url + path, "dest": str(tmp_path / "k.asc"), "fingerprints": [DOCKER]}, rc=1)
    assert _failure(out) == {"msg": server.url + path + " " + message, "dest": str(tmp_path / "k.asc"), "attempts": 1}
    assert not (tmp_path / "k.asc").exists()


def test_plain_http_without_pins_is_refused_before_any_download(server, tmp_path):
    out = _run({"url": server.url + "/docker/gpg", "dest": str(tmp_path / "k.asc"), "fingerprints": [],
                "pins_variable": "container_runtime_upstream_key_fingerprints"}, rc=1)
    assert _failure(out) == {"msg": ("url %s/docker/gpg is plain HTTP and container_runtime_upstream_key_fingerprints is empty: "
                                     "anybody on the way could hand out another key. Pin the key's fingerprint in "
                                     "container_runtime_upstream_key_fingerprints or use https://" % server.url),
                             "dest": str(tmp_path / "k.asc"), "attempts": 0}
    assert server.requests == []


@pytest.mark.parametrize("args, message", [
    ({"url": "ftp://x/key"}, "url 'ftp://x/key': give an https://, http:// or file:// URL of the repository key"),
    ({"url": "download.docker.com/gpg"}, "url 'download.docker.com/gpg': give an https://, http:// or file:// URL of the repository key"),
    # a bare scheme name is no URL either
    ({"url": "https"}, "url 'https': give an https://, http:// or file:// URL of the repository key"),
    ({"fingerprints": ["0EBFCD88"]}, "fingerprints: '0EBFCD88' is not a version 4 key fingerprint (40 hexadecimal digits)"),
    ({"timeout": 0}, "timeout must be at least 1, not 0"),
    ({"retries": -1}, "retries must be 0 or more, not -1"),
    ({"delay": -2}, "delay must be 0 or more, not -2"),
])
def test_bad_arguments_are_refused_before_any_download(server, tmp_path, args, message):
    base = {"url": server.url + "/docker/gpg", "dest": str(tmp_path / "k.asc"), "fingerprints": [DOCKER]}
    out = _run(dict(base, **args), rc=1)
    assert _failure(out) == {"msg": message, "dest": str(tmp_path / "k.asc"), "attempts": 0}
    assert server.requests == []


def test_a_url_whose_query_holds_another_url_is_read_by_its_own_scheme(server, tmp_path):
    path = "/key?mirror=ftp://mirror.example.invalid/gpg"
    server.files[path] = _fixture("docker.asc")
    out = _run({"url": server.url + path, "dest": str(tmp_path / "k.asc"), "fingerprints": [DOCKER]})
    assert out["fingerprints"] == [DOCKER] and server.requests == [path]


def test_failures_are_retried_and_a_404_is_not(server, tmp_path):
    dest = str(tmp_path / "k.asc")
    server.failures = 2
    out = _run({"url": server.url + "/docker/gpg", "dest": dest, "fingerprints": [DOCKER], "retries": 2})
    assert out["attempts"] == 3 and out["changed"] is True and len(server.requests) == 3
    server.failures, server.requests[:] = 3, []
    out = _run({"url": server.url + "/docker/gpg", "dest": dest, "fingerprints": [DOCKER], "retries": 2}, rc=1)
    assert _failure(out) == {"msg": "could not download the repository key %s/docker/gpg (3 attempts): HTTP 503: "
                                    "HTTP Error 503: Service Unavailable" % server.url, "dest": dest, "attempts": 3}
    assert len(server.requests) == 3
    server.requests[:] = []
    out = _run({"url": server.url + "/missing", "dest": dest, "fingerprints": [DOCKER], "retries": 5}, rc=1)
    assert _failure(out) == {"msg": "could not download the repository key %s/missing (1 attempt): HTTP 404: "
                                    "HTTP Error 404: Not Found" % server.url, "dest": dest, "attempts": 1}
    assert server.requests == ["/missing"]


@pytest.mark.parametrize("status", [408, 429, 500])
def test_timeouts_throttling_and_server_errors_are_retried(server, tmp_path, status):
    server.failures, server.failure_status = 2, status
    out = _run({"url": server.url + "/docker/gpg", "dest": str(tmp_path / "k.asc"), "fingerprints": [DOCKER], "retries": 2})
    assert (out["changed"], out["attempts"], len(server.requests)) == (True, 3, 3)


def test_a_bad_request_is_not_retried(server, tmp_path):
    server.failures, server.failure_status = 1, 400
    dest = str(tmp_path / "k.asc")
    out = _run({"url": server.url + "/docker/gpg", "dest": dest, "fingerprints": [DOCKER], "retries": 2}, rc=1)
    assert _failure(out) == {"msg": "could not download the repository key %s/docker/gpg (1 attempt): HTTP 400: "
                                    "HTTP Error 400: Bad Request" % server.url, "dest": dest, "attempts": 1}
    assert server.requests == ["/docker/gpg"]


def test_a_body_cut_short_is_retried(server, tmp_path):
    dest = tmp_path / "k.asc"
    server.cuts = 1
    out = _run({"url": server.url + "/docker/gpg", "dest": str(dest), "fingerprints": [DOCKER], "retries": 1})
    assert out["attempts"] == 2 and dest.read_bytes() == _written("docker.asc")
    server.cuts = 2
    out = _run({"url": server.url + "/docker/gpg", "dest": str(dest), "fingerprints": [DOCKER], "retries": 1}, rc=1)
    assert _failure(out) == {"msg": "could not download the repository key %s/docker/gpg (2 attempts): IncompleteRead(100 bytes "
                                    "read, %d more expected)" % (server.url, len(_fixture("docker.asc")) - 100),
                             "dest": str(dest), "attempts": 2}


def test_a_server_slower_than_the_timeout_fails_the_attempt(server, tmp_path):
    """timeout: 1 is allowed and bounds each attempt (fetch_url's own default would wait 10 s)."""
    server.stalls["/docker/gpg"] = threading.Event()
    dest = str(tmp_path / "k.asc")
    out = _run({"url": server.url + "/docker/gpg", "dest": dest, "fingerprints": [DOCKER], "timeout": 1}, rc=1)
    assert (out["dest"], out["attempts"]) == (dest, 1) and out["msg"].endswith("timed out"), out["msg"]
    assert out["msg"].startswith("could not download the repository key %s/docker/gpg (1 attempt): HTTP -1: " % server.url)


def test_a_refused_connection_is_retried(tmp_path):
    url = "http://127.0.0.1:%d/gpg" % closed_port()
    out = _run({"url": url, "dest": str(tmp_path / "k.asc"), "fingerprints": [DOCKER], "retries": 1}, rc=1)
    assert out["attempts"] == 2 and out["msg"].startswith("could not download the repository key %s (2 attempts): " % url)


def test_check_mode_downloads_and_checks_but_writes_nothing(server, tmp_path):
    dest = tmp_path / "k.asc"
    out = _run({"url": server.url + "/docker/gpg", "dest": str(dest), "fingerprints": [DOCKER]}, check_mode=True)
    assert out["changed"] is True and not dest.exists() and server.requests == ["/docker/gpg"]
    _run({"url": server.url + "/docker/gpg", "dest": str(dest), "fingerprints": [KUBE]}, check_mode=True, rc=1)
    _run({"url": server.url + "/docker/gpg", "dest": str(dest), "fingerprints": [DOCKER]})
    dest.chmod(0o600)
    assert _run({"url": server.url + "/docker/gpg", "dest": str(dest), "fingerprints": [DOCKER]}, check_mode=True)["changed"] is True
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


def test_file_urls_and_a_missing_directory(tmp_path):
    source = tmp_path / "docker.asc"
    source.write_bytes(_fixture("docker.asc"))
    out = _run({"url": "file://" + str(source), "dest": str(tmp_path / "copy.asc"), "fingerprints": []})
    assert out["changed"] is True and out["fingerprints"] == [DOCKER]
    out = _run({"url": "file://" + str(tmp_path / "none.asc"), "dest": str(tmp_path / "copy.asc"), "retries": 3}, rc=1)
    assert out["attempts"] == 1 and "No such file or directory" in out["msg"]
    out = _run({"url": "file://" + str(source), "dest": str(tmp_path / "no" / "k.asc")}, rc=1)
    assert _failure(out) == {"msg": "the directory of dest %s does not exist" % (tmp_path / "no" / "k.asc"),
                             "dest": str(tmp_path / "no" / "k.asc"), "attempts": 1}


def test_a_binary_key_behind_a_file_url_is_read_as_bytes(tmp_path):
    source = tmp_path / "two.gpg"
    source.write_bytes(_fixture("seed-test-two.gpg"))
    dest = tmp_path / "copy.gpg"
    assert _run({"url": "file://" + str(source), "dest": str(dest)})["fingerprints"] == [TWO]
    assert dest.read_bytes() == openpgp.public_packets(_fixture("seed-test-two.gpg"))


def test_a_relative_dest_is_replaced_in_the_working_directory(server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k.asc").write_bytes(b"old key")
    out = _run({"url": server.url + "/docker/gpg", "dest": "k.asc", "fingerprints": [DOCKER]})
    assert out["dest"] == "k.asc" and out["changed"] is True
    assert os.listdir(tmp_path) == ["k.asc"] and (tmp_path / "k.asc").read_bytes() == _written("docker.asc")


def test_a_temporary_file_left_by_an_interrupted_run_is_replaced(server, tmp_path, monkeypatch):
    """The new key is staged next to dest (same file system, so the rename is atomic), whatever the working directory."""
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / ".k.asc.seed-new").write_bytes(b"half a key")
    monkeypatch.chdir(tmp_path)
    _run({"url": server.url + "/docker/gpg", "dest": str(keys / "k.asc"), "fingerprints": [DOCKER]})
    assert os.listdir(keys) == ["k.asc"] and os.listdir(tmp_path) == ["keys"]
    assert (keys / "k.asc").read_bytes() == _written("docker.asc")


def test_a_dest_that_is_a_directory_fails_and_leaves_no_temporary_file(server, tmp_path):
    (tmp_path / "k.asc").mkdir()
    args = {"url": server.url + "/docker/gpg", "dest": str(tmp_path / "k.asc"), "fingerprints": [DOCKER], "retries": 0}
    try:
        out, code = lib.run_module(repo_key, args)
    except Exception as exc:  # pylint: disable=broad-except  # ansible-core 2.19 atomic_move raises, older ones fail_json
        message = str(exc)
    else:
        assert code == 1, out
        message = out["msg"]
    assert message.startswith("Could not replace "), message
    assert os.listdir(tmp_path) == ["k.asc"] and os.listdir(tmp_path / "k.asc") == []


def _block(binary, label="PGP PUBLIC KEY BLOCK"):
    return openpgp.armor(binary).replace("PGP PUBLIC KEY BLOCK", label)


@pytest.mark.parametrize("extra, message", [
    # a second block with another label, which apt reads and the check would skip
    (lambda other: _block(other, "PGP ARMORED FILE"), "armor other than complete PUBLIC KEY BLOCKs"),
    (lambda other: _block(other).replace("-----END PGP PUBLIC KEY BLOCK-----", ""), "armor other than complete PUBLIC KEY BLOCKs"),
    (lambda other: "  " + _block(other), "armor other than complete PUBLIC KEY BLOCKs"),
])
def test_armor_the_check_would_not_read_is_refused(server, tmp_path, extra, message):
    other = openpgp.public_packets(_fixture("seed-test-two.gpg"))
    server.files["/evil"] = _fixture("docker.asc") + extra(other).encode()
    out = _run({"url": server.url + "/evil", "dest": str(tmp_path / "k.asc"), "fingerprints": [DOCKER]}, rc=1)
    assert message in out["msg"] and not (tmp_path / "k.asc").exists()


def test_trailing_whitespace_on_armor_lines_is_read_and_every_block_checked(server, tmp_path):
    other = openpgp.public_packets(_fixture("seed-test-two.gpg"))
    server.files["/spaces"] = _fixture("docker.asc") + _block(other).replace("BLOCK-----\n", "BLOCK----- \n").encode()
    out = _run({"url": server.url + "/spaces", "dest": str(tmp_path / "k.asc"), "fingerprints": [DOCKER]}, rc=1)
    assert "has fingerprint FFE55D0D150D8AD7E164F9632C5B294924BC47CE," in out["msg"]


def test_a_secret_key_packet_is_refused(server, tmp_path):
    binary = openpgp.public_packets(_fixture("docker.asc"))
    tag, body = next(openpgp.packets(binary))
    secret = bytes([0xC5, 0xFF]) + len(body).to_bytes(4, "big") + body  # the same key material as a secret-key packet
    server.files["/secret"] = openpgp.armor(binary + secret).encode()
    out = _run({"url": server.url + "/secret", "dest": str(tmp_path / "k.asc"), "fingerprints": [DOCKER]}, rc=1)
    assert "packet type 5 (secret key) does not belong in a public key file" in out["msg"] and tag == 6


def test_a_binary_key_is_written_armored_and_what_it_hides_is_not(server, tmp_path):
    """A user ID whose text is an armored block: apt reads a .asc file as armor, so the raw bytes must
    never reach it; the module writes the checked packets, armored, where that text is base64."""
    binary = openpgp.public_packets(_fixture("docker.asc"))
    hidden = _block(openpgp.public_packets(_fixture("seed-test-two.gpg"))).encode()
    server.files["/binary"] = binary + bytes([0xCD, 0xFF]) + len(hidden).to_bytes(4, "big") + hidden
    dest = tmp_path / "k.asc"
    out = _run({"url": server.url + "/binary", "dest": str(dest), "fingerprints": [DOCKER]})
    assert out["fingerprints"] == [DOCKER]
    text = dest.read_text()
    assert text.count("-----BEGIN") == 1 and text.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n")
    assert [k["fingerprint"] for k in openpgp.read_keys(text)] == [DOCKER]
    gpg = tmp_path / "k.gpg"
    _run({"url": server.url + "/docker/gpg", "dest": str(gpg), "fingerprints": [DOCKER]})
    assert gpg.read_bytes() == openpgp.public_packets(_fixture("docker.asc"))


@pytest.fixture
def tls_server(server, tmp_path):
    pki = Pki(tmp_path / "pki")
    cert, key = pki.issue("keys", server=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.write("s.crt", cert), pki.write("s.key", key))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    yield from _serving(httpd, "https", dict(server.files), {"/to-http": server.url + "/docker/gpg", "/to-https": "/docker/gpg"})


def test_without_pins_the_key_must_arrive_over_https(tls_server, server, tmp_path):
    dest = tmp_path / "k.asc"
    base = {"dest": str(dest), "fingerprints": [], "validate_certs": False}
    assert _run(dict(base, url=tls_server.url + "/docker/gpg"))["fingerprints"] == [DOCKER]
    assert _run(dict(base, url=tls_server.url + "/to-https"))["changed"] is False
    dest.unlink()
    out = _run(dict(base, url=tls_server.url + "/to-http", pins_variable="kube_packages_repo_key_fingerprints"), rc=1)
    assert _failure(out) == {"msg": ("url %s/to-http was redirected to %s/docker/gpg, which is not https://, and "
                                     "kube_packages_repo_key_fingerprints is empty; pin the key's fingerprint or give the final "
                                     "https:// URL" % (tls_server.url, server.url)), "dest": str(dest), "attempts": 1}
    assert not dest.exists()
    # with a pin, where the key came from does not matter: its fingerprint does
    assert _run(dict(base, url=tls_server.url + "/to-http", fingerprints=[DOCKER]))["changed"] is True


def test_file_url_forms(tmp_path):
    source = tmp_path / "a key.asc"
    source.write_bytes(_fixture("docker.asc"))
    for url in ("file://" + str(source).replace(" ", "%20"), "file://localhost" + str(source).replace(" ", "%20")):
        assert _run({"url": url, "dest": str(tmp_path / "copy.asc")})["fingerprints"] == [DOCKER]
