# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PKI helpers checked against openssl on real certificates."""

from __future__ import annotations

import base64
import datetime
import os
import shutil
import subprocess

import pytest

import kubeadm_testlib as lib
from unit_helpers import raises_exactly
from ansible_collections.seed.kubeadm.plugins.module_utils import pki

OPENSSL = shutil.which('openssl')


def openssl_ca_hash(path):
    """The hash recipe of the kubeadm documentation, run with the real openssl."""
    pub = subprocess.run([OPENSSL, 'x509', '-pubkey', '-noout', '-in', path], check=True,
                         capture_output=True).stdout
    spki = subprocess.run([OPENSSL, 'pkey', '-pubin', '-outform', 'der'], input=pub, check=True,
                          capture_output=True).stdout
    digest = subprocess.run([OPENSSL, 'dgst', '-sha256', '-hex'], input=spki, check=True,
                            capture_output=True).stdout.decode()
    return 'sha256:' + digest.strip().split()[-1]


def openssl_enddate(path, inform='PEM'):
    out = subprocess.run([OPENSSL, 'x509', '-enddate', '-noout', '-inform', inform, '-in', path],
                         check=True, capture_output=True).stdout.decode().strip()
    stamp = out.split('=', 1)[1]
    parsed = datetime.datetime.strptime(stamp, '%b %d %H:%M:%S %Y GMT').replace(tzinfo=datetime.timezone.utc)
    return parsed.strftime('%Y-%m-%dT%H:%M:%SZ')


@pytest.mark.parametrize('kind', ['rsa', 'ec'])
def test_ca_hash_matches_openssl(tmp_path, kind):
    cert, key = lib.make_ca('kubernetes', kind)
    path = lib.write(tmp_path / 'ca.crt', lib.pem(cert))
    value = pki.ca_cert_hash(path)
    assert value.startswith('sha256:') and len(value) == len('sha256:') + 64
    # DER input gives the same hash.
    der_path = lib.write(tmp_path / 'ca.der', lib.der(cert))
    assert pki.ca_cert_hash(der_path) == value
    if OPENSSL is None:
        pytest.skip('openssl not installed')
    assert value == openssl_ca_hash(path)


@pytest.mark.parametrize('kind', ['rsa', 'ec'])
def test_expiry_of_every_file_matches_openssl(tmp_path, kind):
    tree = lib.KubeTree(tmp_path / 'kubernetes', ca_key_kind=kind, der_files=('apiserver',))
    report = pki.expiration_report(tree.cert_dir, tree.kubeconfig_dir)
    entries = report['certificates'] + report['certificate_authorities']
    assert report['missing'] == []
    assert sorted(e['name'] for e in entries) == sorted(list(pki.LEAF_NAMES) + ['ca', 'etcd-ca', 'front-proxy-ca'])
    for entry in entries:
        expected = tree.certs[entry['name']].not_valid_after_utc.strftime('%Y-%m-%dT%H:%M:%SZ')
        assert entry['not_after'] == expected, entry['name']
        if OPENSSL is None:
            continue
        path = entry['path']
        inform = 'DER' if entry['name'] == 'apiserver' else 'PEM'
        if entry['kind'] == 'kubeconfig':
            # Extract the embedded client certificate like an operator would.
            path = lib.write(tmp_path / ('%s.pem' % entry['name']), lib.pem(tree.certs[entry['name']]))
        assert entry['not_after'] == openssl_enddate(path, inform), entry['name']


def test_report_fields(tmp_path):
    tree = lib.KubeTree(tmp_path / 'k', leaf_days={'apiserver': 10})
    report = pki.expiration_report(tree.cert_dir, tree.kubeconfig_dir)
    by_name = dict((e['name'], e) for e in report['certificates'])
    api = by_name['apiserver']
    assert api['kind'] == 'certificate'
    assert api['certificate_authority'] == 'ca'
    assert api['external'] is False
    assert api['residual_days'] == 10
    assert api['expired'] is False
    assert api['subject'] == 'CN=kube-apiserver'
    assert api['issuer'] == 'CN=kubernetes'
    assert by_name['etcd-peer']['certificate_authority'] == 'etcd-ca'
    assert by_name['front-proxy-client']['certificate_authority'] == 'front-proxy-ca'
    assert by_name['admin.conf']['kind'] == 'kubeconfig'
    assert by_name['admin.conf']['path'] == os.path.join(tree.root, 'admin.conf')
    cas = dict((e['name'], e) for e in report['certificate_authorities'])
    assert cas['ca']['kind'] == 'ca' and cas['ca']['certificate_authority'] is None
    assert cas['ca']['residual_days'] in (3649, 3650)


def test_report_missing_and_external(tmp_path):
    tree = lib.KubeTree(tmp_path / 'k', skip=('super-admin.conf', 'etcd-peer'))
    os.remove(os.path.join(tree.cert_dir, 'front-proxy-ca.key'))
    os.remove(os.path.join(tree.cert_dir, 'etcd', 'ca.crt'))
    report = pki.expiration_report(tree.cert_dir, tree.kubeconfig_dir)
    assert report['missing'] == ['etcd-ca', 'etcd-peer', 'super-admin.conf']
    by_name = dict((e['name'], e) for e in report['certificates'])
    assert by_name['front-proxy-client']['external'] is True
    assert by_name['apiserver']['external'] is False
    # Signed by a CA whose certificate is gone: not known as external.
    assert by_name['etcd-server']['external'] is False
    cas = dict((e['name'], e) for e in report['certificate_authorities'])
    assert cas['front-proxy-ca']['external'] is True


def test_report_without_pki_dir(tmp_path):
    with pytest.raises(pki.PKIError, match='not a kubeadm control-plane node'):
        pki.expiration_report(str(tmp_path / 'nope'), str(tmp_path))


def test_expired_certificate(tmp_path):
    ca, ca_key = lib.make_ca('kubernetes', 'ec')
    past = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - datetime.timedelta(days=3, hours=1)
    cert, dummy = lib.make_leaf(ca, ca_key, 'old', not_after=past)
    info = pki.describe(cert)
    assert info['expired'] is True
    assert info['residual_days'] == -4
    assert info['residual_seconds'] < 0


def test_load_certificate_errors(tmp_path):
    empty = lib.write(tmp_path / 'empty.crt', b'')
    with pytest.raises(pki.PKIError, match='empty.crt: empty'):
        pki.load_certificate(empty)
    garbage = lib.write(tmp_path / 'garbage.crt', b'-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n')
    with pytest.raises(pki.PKIError, match='garbage.crt: not a valid PEM or DER'):
        pki.load_certificate(garbage)
    binary = lib.write(tmp_path / 'binary.der', b'\x30\x03\x02\x01\x00')
    with pytest.raises(pki.PKIError, match='binary.der: not a valid'):
        pki.load_certificate(binary)
    with pytest.raises(pki.PKIError, match='missing.crt: cannot be read'):
        pki.load_certificate(str(tmp_path / 'missing.crt'))
    os.mkdir(str(tmp_path / 'dir.crt'))
    with pytest.raises(pki.PKIError, match='dir.crt: cannot be read'):
        pki.load_certificate(str(tmp_path / 'dir.crt'))


def test_pem_bundle_reads_first_certificate(tmp_path):
    first, dummy = lib.make_ca('first', 'ec')
    second, dummy = lib.make_ca('second', 'ec')
    path = lib.write(tmp_path / 'bundle.pem', lib.pem(first) + lib.pem(second))
    assert pki.load_certificate(path).subject == first.subject


@pytest.mark.parametrize('with_yaml', [True, False])
def test_kubeconfig_embedded(tmp_path, monkeypatch, with_yaml):
    monkeypatch.setattr(pki, 'HAS_YAML', with_yaml)
    path, cert = lib.write_kubeconfig(tmp_path, server='https://[2001:db8::1]:6443')
    assert pki.kubeconfig_server(path) == 'https://[2001:db8::1]:6443'
    assert pki.load_kubeconfig_certificate(path).serial_number == cert.serial_number


@pytest.mark.parametrize('with_yaml', [True, False])
def test_kubeconfig_referenced_file(tmp_path, monkeypatch, with_yaml):
    monkeypatch.setattr(pki, 'HAS_YAML', with_yaml)
    path, cert = lib.write_kubeconfig(tmp_path, embed=False, cert_file='client.crt')
    lib.write(tmp_path / 'client.crt', lib.pem(cert))
    assert pki.load_kubeconfig_certificate(path).serial_number == cert.serial_number
    # Absolute path too.
    path, cert = lib.write_kubeconfig(tmp_path, embed=False, cert_file=str(tmp_path / 'abs.crt'))
    lib.write(tmp_path / 'abs.crt', lib.pem(cert))
    assert pki.load_kubeconfig_certificate(path).serial_number == cert.serial_number


def test_kubeconfig_follows_current_context(tmp_path):
    ca, ca_key = lib.make_ca('kubernetes', 'ec')
    one, dummy = lib.make_leaf(ca, ca_key, 'one')
    two, dummy = lib.make_leaf(ca, ca_key, 'two')

    def b64(cert):
        return base64.b64encode(lib.pem(cert)).decode()

    text = lib.dedent("""
        apiVersion: v1
        kind: Config
        clusters:
        - name: a
          cluster: {server: 'https://a:6443'}
        - name: b
          cluster: {server: 'https://b:6443'}
        users:
        - name: one
          user: {client-certificate-data: %s}
        - name: two
          user: {client-certificate-data: %s}
        contexts:
        - name: ctx-a
          context: {cluster: a, user: one}
        - name: ctx-b
          context: {cluster: b, user: two}
        current-context: ctx-b
        """) % (b64(one), b64(two))
    path = lib.write(tmp_path / 'multi.conf', text.encode())
    assert pki.kubeconfig_server(path) == 'https://b:6443'
    assert pki.load_kubeconfig_certificate(path).subject == two.subject


def test_kubeconfig_errors(tmp_path, monkeypatch):
    bad_yaml = lib.write(tmp_path / 'bad.conf', b'clusters: [\n')
    with pytest.raises(pki.PKIError, match='bad.conf: not a valid kubeconfig, YAML error'):
        pki.kubeconfig_server(bad_yaml)
    scalar = lib.write(tmp_path / 'scalar.conf', b'just text\n')
    with pytest.raises(pki.PKIError, match='scalar.conf: not a valid kubeconfig'):
        pki.kubeconfig_server(scalar)
    empty = lib.write(tmp_path / 'empty.conf', b'apiVersion: v1\nkind: Config\n')
    with pytest.raises(pki.PKIError, match='empty.conf: no cluster server'):
        pki.kubeconfig_server(empty)
    with pytest.raises(pki.PKIError, match='empty.conf: no client-certificate-data'):
        pki.load_kubeconfig_certificate(empty)
    bad_b64 = lib.write(tmp_path / 'b64.conf', b'users:\n- name: x\n  user:\n    client-certificate-data: "@@@"\n')
    with pytest.raises(pki.PKIError, match='b64.conf: client-certificate-data is not valid base64'):
        pki.load_kubeconfig_certificate(bad_b64)
    not_cert = base64.b64encode(b'hello').decode()
    wrong = lib.write(tmp_path / 'wrong.conf',
                      ('users:\n- name: x\n  user:\n    client-certificate-data: %s\n' % not_cert).encode())
    with pytest.raises(pki.PKIError, match=r'wrong.conf \(client-certificate-data\): not a valid'):
        pki.load_kubeconfig_certificate(wrong)
    monkeypatch.setattr(pki, 'HAS_YAML', False)
    with pytest.raises(pki.PKIError, match='empty.conf: no cluster server'):
        pki.kubeconfig_server(empty)


def test_malformed_kubeconfig_in_report_names_file(tmp_path):
    tree = lib.KubeTree(tmp_path / 'k')
    lib.write(tree.paths['scheduler.conf'], b'users:\n- name: x\n  user:\n    client-certificate-data: "%%"\n')
    with pytest.raises(pki.PKIError, match='scheduler.conf'):
        pki.expiration_report(tree.cert_dir, tree.kubeconfig_dir)


def test_restart_components():
    assert pki.restart_components([]) == []
    assert pki.restart_components(['admin.conf', 'super-admin.conf', 'etcd-healthcheck-client']) == []
    assert pki.restart_components(['scheduler.conf', 'apiserver', 'etcd-peer']) == \
        ['etcd', 'kube-apiserver', 'kube-scheduler']
    assert pki.restart_components(list(pki.LEAF_NAMES)) == \
        ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']


def test_isoformat_converts_to_utc():
    zone = datetime.timezone(datetime.timedelta(hours=2))
    assert pki.isoformat(datetime.datetime(2030, 1, 1, 2, 0, 0, tzinfo=zone)) == '2030-01-01T00:00:00Z'
    assert pki.residual_days(86399) == 0 and pki.residual_days(-1) == -1


def test_named_takes_the_entry_of_that_name():
    entries = [{'name': 'a', 'v': 1}, 'junk', {'name': 'b', 'v': 2}]
    assert pki._named(entries, 'b') == {'name': 'b', 'v': 2}
    assert pki._named(entries, 'c') is None and pki._named(None, 'a') is None


@pytest.fixture
def leaf():
    ca, ca_key = lib.make_ca('kubernetes', 'ec')
    end = datetime.datetime(2031, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc)
    return lib.make_leaf(ca, ca_key, 'leaf', not_after=end)[0], end


def test_describe_counts_from_the_given_moment(leaf):
    cert, end = leaf
    info = pki.describe(cert, end - datetime.timedelta(days=2, seconds=1))
    assert sorted(info) == ['expired', 'issuer', 'not_after', 'not_before', 'residual_days', 'residual_seconds',
                            'serial_number', 'subject']
    assert info['residual_seconds'] == 2 * 86400 + 1 and info['residual_days'] == 2 and info['expired'] is False
    assert info['not_after'] == '2031-03-04T05:06:07Z'
    assert info['not_before'] == pki.isoformat(cert.not_valid_before_utc)
    assert info['serial_number'] == format(cert.serial_number, 'x') and info['serial_number'] != '%X' % cert.serial_number


def test_a_certificate_is_expired_from_its_last_second(leaf):
    cert, end = leaf
    assert pki.describe(cert, end - datetime.timedelta(seconds=1))['expired'] is False
    at_end = pki.describe(cert, end)
    assert at_end['expired'] is True and at_end['residual_seconds'] == 0 and at_end['residual_days'] == 0


def test_report_counts_from_the_given_moment(tmp_path):
    tree = lib.KubeTree(tmp_path / 'k')
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=400)
    report = pki.expiration_report(tree.cert_dir, tree.kubeconfig_dir, now=later)
    leaves = report['certificates']
    assert leaves and all(e['expired'] for e in leaves), [(e['name'], e['residual_days']) for e in leaves]
    cas = report['certificate_authorities']
    assert cas and all(3649 - 400 <= e['residual_days'] <= 3650 - 400 for e in cas)


def test_whole_messages_of_pki_and_kubeconfig_errors(tmp_path):
    missing = str(tmp_path / 'nope')
    with raises_exactly(pki.PKIError, '%s: PKI directory does not exist; this is not a kubeadm control-plane node '
                                      '(or set cert_dir)' % missing):
        pki.expiration_report(missing, str(tmp_path))
    empty = lib.write(tmp_path / 'empty.conf', b'apiVersion: v1\nkind: Config\n')
    with raises_exactly(pki.PKIError, '%s: no cluster server in this kubeconfig' % empty):
        pki.kubeconfig_server(empty)
    with raises_exactly(pki.PKIError, '%s: no client-certificate-data or client-certificate in this kubeconfig' % empty):
        pki.load_kubeconfig_certificate(empty)
    bad_b64 = lib.write(tmp_path / 'b64.conf', b'users:\n- name: x\n  user:\n    client-certificate-data: "AAA"\n')
    with raises_exactly(pki.PKIError, '%s: client-certificate-data is not valid base64 (Incorrect padding)' % bad_b64):
        pki.load_kubeconfig_certificate(bad_b64)


def test_kubeconfig_with_bytes_that_are_not_utf8_still_reads(tmp_path):
    path = lib.write(tmp_path / 'latin1.conf', b'# r\xe9seau\nclusters:\n- name: k\n  cluster:\n'
                     b'    server: https://192.0.2.10:6443\n')
    assert pki.kubeconfig_server(path) == 'https://192.0.2.10:6443'


def test_validity_dates_use_the_current_cryptography_api(leaf):
    cert, end = leaf
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert pki.not_valid_after(cert) == end
        assert pki.not_valid_before(cert) == cert.not_valid_before_utc


def test_validity_dates_with_cryptography_before_42():
    class OldCertificate(object):
        not_valid_after = datetime.datetime(2031, 3, 4, 5, 6, 7)
        not_valid_before = datetime.datetime(2030, 3, 4, 5, 6, 7)

    after, before = pki.not_valid_after(OldCertificate()), pki.not_valid_before(OldCertificate())
    assert after == datetime.datetime(2031, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc) and after.tzinfo is not None
    assert before == datetime.datetime(2030, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc) and before.tzinfo is not None


def test_isoformat_is_utc_whatever_the_host_time_zone(monkeypatch):
    import time
    monkeypatch.setenv('TZ', 'CST-8')  # a host in China
    time.tzset()
    try:
        value = datetime.datetime(2030, 1, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)
        assert pki.isoformat(value) == '2030-01-01T00:00:00Z'
    finally:
        monkeypatch.undo()
        time.tzset()


def test_unknown_names_restart_nothing():
    assert pki.restart_components(['no-such-certificate', 'apiserver']) == ['kube-apiserver']
