# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helpers for the kubeadm modules: real X.509 material, a fake kubeadm, an in-process runner.

Shared by the module and module_utils tests (``import kubeadm_testlib as lib``; tests/unit/conftest.py
puts tests/unit/utils on sys.path). Everything is generated in the test's tmp_path: CAs (RSA or
ECDSA), leaf certificates signed by them, kubeconfig files with embedded client certificates, a
complete /etc/kubernetes tree, and an executable ``kubeadm`` stand-in that keeps its tokens in a
JSON file and prints what the real kubeadm prints.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import io
import json
import os
import stat
import sys
import textwrap

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = datetime.timezone.utc

# (name, kind, relative file, CA name, common name, days of validity)
LEAVES = (
    ('admin.conf', 'kubeconfig', 'admin.conf', 'ca', 'kubernetes-admin', 300),
    ('apiserver', 'certificate', 'pki/apiserver.crt', 'ca', 'kube-apiserver', 301),
    ('apiserver-etcd-client', 'certificate', 'pki/apiserver-etcd-client.crt', 'etcd-ca', 'kube-apiserver-etcd-client', 302),
    ('apiserver-kubelet-client', 'certificate', 'pki/apiserver-kubelet-client.crt', 'ca', 'kube-apiserver-kubelet-client', 303),
    ('controller-manager.conf', 'kubeconfig', 'controller-manager.conf', 'ca', 'system:kube-controller-manager', 304),
    ('etcd-healthcheck-client', 'certificate', 'pki/etcd/healthcheck-client.crt', 'etcd-ca', 'kube-etcd-healthcheck-client', 305),
    ('etcd-peer', 'certificate', 'pki/etcd/peer.crt', 'etcd-ca', 'cp1', 306),
    ('etcd-server', 'certificate', 'pki/etcd/server.crt', 'etcd-ca', 'cp1', 307),
    ('front-proxy-client', 'certificate', 'pki/front-proxy-client.crt', 'front-proxy-ca', 'front-proxy-client', 308),
    ('scheduler.conf', 'kubeconfig', 'scheduler.conf', 'ca', 'system:kube-scheduler', 309),
    ('super-admin.conf', 'kubeconfig', 'super-admin.conf', 'ca', 'kubernetes-super-admin', 310),
)
CAS = (
    ('ca', 'pki/ca.crt', 'pki/ca.key', 'kubernetes'),
    ('etcd-ca', 'pki/etcd/ca.crt', 'pki/etcd/ca.key', 'etcd-ca'),
    ('front-proxy-ca', 'pki/front-proxy-ca.crt', 'pki/front-proxy-ca.key', 'front-proxy-ca'),
)
SERVER = 'https://192.0.2.10:6443'

_KEY_CACHE = {}


def new_key(kind='ec', slot=None):
    """A private key; RSA keys are cached per slot because they are slow to generate."""
    if kind == 'rsa':
        if slot is not None and ('rsa', slot) in _KEY_CACHE:
            return _KEY_CACHE[('rsa', slot)]
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if slot is not None:
            _KEY_CACHE[('rsa', slot)] = key
        return key
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _now():
    return datetime.datetime.now(UTC).replace(microsecond=0)


def make_ca(common_name, key_kind='rsa', days=3650, slot=None):
    key = new_key(key_kind, slot)
    now = _now()
    cert = (x509.CertificateBuilder()
            .subject_name(_name(common_name)).issuer_name(_name(common_name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def make_leaf(ca_cert, ca_key, common_name, days=365, key=None, not_after=None):
    key = key or new_key('ec')
    now = _now()
    not_after = not_after or (now + datetime.timedelta(days=days, seconds=37))
    not_before = min(now - datetime.timedelta(minutes=5), not_after - datetime.timedelta(days=30))
    cert = (x509.CertificateBuilder()
            .subject_name(_name(common_name)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return cert, key


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(str(path), 'wb') as handle:
        handle.write(data)
    os.chmod(str(path), mode)
    return str(path)


def kubeconfig_text(cert, key, ca_cert, server=SERVER, user='kubernetes-admin', embed=True, cert_file=None):
    """A kubeconfig like kubeadm writes, with the client certificate embedded (or referenced)."""
    def b64(data):
        return base64.b64encode(data).decode('ascii')

    if embed:
        cred = ('    client-certificate-data: %s\n    client-key-data: %s\n'
                % (b64(pem(cert)), b64(key_pem(key))))
    else:
        cred = '    client-certificate: %s\n    client-key: client.key\n' % cert_file
    return (
        'apiVersion: v1\n'
        'clusters:\n'
        '- cluster:\n'
        '    certificate-authority-data: %s\n'
        '    server: %s\n'
        '  name: kubernetes\n'
        'contexts:\n'
        '- context:\n'
        '    cluster: kubernetes\n'
        '    user: %s\n'
        '  name: %s@kubernetes\n'
        'current-context: %s@kubernetes\n'
        'kind: Config\n'
        'preferences: {}\n'
        'users:\n'
        '- name: %s\n'
        '  user:\n'
        '%s'
    ) % (b64(pem(ca_cert)), server, user, user, user, user, cred)


def write_kubeconfig(directory, name='admin.conf', user='kubernetes-admin', **kwargs):
    """A fresh CA and a client certificate for ``user``, written as the kubeconfig ``directory/name``.

    Returns (path, client certificate); ``kwargs`` go to kubeconfig_text (server, embed, cert_file).
    """
    ca, ca_key = make_ca('kubernetes', 'ec')
    cert, key = make_leaf(ca, ca_key, user)
    path = write(os.path.join(str(directory), name), kubeconfig_text(cert, key, ca, user=user, **kwargs).encode())
    return path, cert


class KubeTree(object):
    """A fake /etc/kubernetes of a kubeadm control-plane node under ``root``."""

    def __init__(self, root, ca_key_kind='rsa', leaf_days=None, skip=(), der_files=()):
        self.root = str(root)
        self.cert_dir = os.path.join(self.root, 'pki')
        self.kubeconfig_dir = self.root
        self.cas = {}
        self.paths = {}
        self.certs = {}
        for index, (name, cert_file, key_file, cn) in enumerate(CAS):
            cert, key = make_ca(cn, ca_key_kind, slot=index if ca_key_kind == 'rsa' else None)
            self.cas[name] = (cert, key)
            self.paths[name] = write(os.path.join(self.root, cert_file), pem(cert))
            write(os.path.join(self.root, key_file), key_pem(key), 0o600)
            self.certs[name] = cert
        for name, kind, rel, ca_name, cn, days in LEAVES:
            if name in skip:
                continue
            if leaf_days and name in leaf_days:
                days = leaf_days[name]
            ca_cert, ca_key = self.cas[ca_name]
            cert, key = make_leaf(ca_cert, ca_key, cn, days)
            path = os.path.join(self.root, rel)
            if kind == 'kubeconfig':
                write(path, kubeconfig_text(cert, key, ca_cert, user=cn).encode(), 0o600)
            else:
                write(path, der(cert) if name in der_files else pem(cert))
                write(path[:-4] + '.key', key_pem(key), 0o600)
            self.paths[name] = path
            self.certs[name] = cert

    @property
    def ca_cert(self):
        return self.paths['ca']

    @property
    def admin_conf(self):
        return self.paths.get('admin.conf', os.path.join(self.root, 'admin.conf'))


FAKE_KUBEADM = r'''#!@PYTHON@
"""Fake kubeadm for the unit tests of seed.kubeadm (prints what kubeadm prints)."""
import base64, datetime, json, os, re, secrets, string, sys

STATE = os.environ['FAKE_KUBEADM_STATE']
ARGV = sys.argv[1:]
with open(os.path.join(STATE, 'calls.log'), 'a') as log:
    log.write(json.dumps(ARGV) + '\n')
UTC = datetime.timezone.utc
HINT = 'To see the stack trace of this error execute with --v=5 or higher'


def die(msg, rc=1):
    if os.environ.get('FAKE_KUBEADM_ECHO_ARGS'):
        msg += ' (args: %s)' % ' '.join(ARGV)
    sys.stderr.write(msg + '\n' + HINT + '\n')
    sys.exit(rc)


def flag(name, default=None):
    if name in ARGV:
        return ARGV[ARGV.index(name) + 1]
    return default


fail = os.environ.get('FAKE_KUBEADM_FAIL')
if fail and ' '.join(ARGV).startswith(fail):
    die(os.environ.get('FAKE_KUBEADM_FAIL_MSG', 'error: injected failure'))


def duration(text):
    if text in ('0', '0s'):
        return 0
    total = 0
    for num, unit in re.findall(r'(\d+)(h|m|s)', text):
        total += int(num) * {'h': 3600, 'm': 60, 's': 1}[unit]
    return total


def load_tokens():
    path = os.path.join(STATE, 'tokens.json')
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return json.load(handle)


def save_tokens(tokens):
    with open(os.path.join(STATE, 'tokens.json'), 'w') as handle:
        json.dump(tokens, handle)


def need_kubeconfig():
    path = flag('--kubeconfig', '/etc/kubernetes/admin.conf')
    if not os.path.exists(path):
        die('failed to load admin kubeconfig: open %s: no such file or directory' % path)


def token_cmd():
    sub = ARGV[1]
    need_kubeconfig()
    tokens = load_tokens()
    if sub == 'list':
        if os.environ.get('FAKE_KUBEADM_LIST_OUTPUT') is not None:
            sys.stdout.write(os.environ['FAKE_KUBEADM_LIST_OUTPUT'])
            return
        for tok in tokens:
            obj = {'kind': 'BootstrapToken', 'apiVersion': 'output.kubeadm.k8s.io/v1alpha3',
                   'token': tok['token']}
            if tok.get('description'):
                obj['description'] = tok['description']
            if tok.get('expires'):
                obj['expires'] = tok['expires']
            obj['usages'] = sorted(tok['usages'])
            if tok.get('groups'):
                obj['groups'] = tok['groups']
            sys.stdout.write(json.dumps(obj, indent=4) + '\n')
    elif sub == 'create':
        value = ARGV[2] if len(ARGV) > 2 and not ARGV[2].startswith('-') else None
        if value is None:
            alphabet = string.ascii_lowercase + string.digits
            value = ''.join(secrets.choice(alphabet) for _ in range(6)) + '.' + \
                ''.join(secrets.choice(alphabet) for _ in range(16))
        elif not re.match(r'^[a-z0-9]{6}\.[a-z0-9]{16}$', value):
            die('the bootstrap token "%s" was not of the form "%s"' % (value, '^([a-z0-9]{6})\\.([a-z0-9]{16})$'))
        token_id = value.split('.')[0]
        if any(t['token'].split('.')[0] == token_id for t in tokens):
            die('failed to create or update bootstrap token with name "bootstrap-token-%s": secrets '
                '"bootstrap-token-%s" already exists' % (token_id, token_id))
        ttl = duration(flag('--ttl', '24h'))
        expires = None
        if ttl:
            expires = (datetime.datetime.now(UTC) + datetime.timedelta(seconds=ttl)).strftime('%Y-%m-%dT%H:%M:%SZ')
        usages = flag('--usages', 'signing,authentication').split(',')
        groups = [g for g in flag('--groups', '').split(',') if g]
        tokens.append({'token': value, 'description': flag('--description', ''), 'expires': expires,
                       'usages': usages, 'groups': groups})
        save_tokens(tokens)
        sys.stderr.write('W0304 19:51:22.390054 2541130 configset.go:202] WARNING: kubeadm cannot '
                         'validate component configs for API groups [kubelet.config.k8s.io '
                         'kubeproxy.config.k8s.io]\n')
        if os.environ.get('FAKE_KUBEADM_CREATE_SILENT'):
            return
        sys.stdout.write(value + '\n')
    elif sub == 'delete':
        token_id = ARGV[2]
        left = [t for t in tokens if t['token'].split('.')[0] != token_id]
        if len(left) == len(tokens):
            die('failed to delete bootstrap token "%s": secrets "bootstrap-token-%s" not found'
                % (token_id, token_id))
        save_tokens(left)
        sys.stdout.write('bootstrap token "%s" deleted\n' % token_id)


RENEW_TEXT = {
    'admin.conf': 'certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself',
    'super-admin.conf': 'certificate embedded in the kubeconfig file for the super-admin',
    'apiserver': 'certificate for serving the Kubernetes API',
    'apiserver-etcd-client': 'certificate the apiserver uses to access etcd',
    'apiserver-kubelet-client': 'certificate for the API server to connect to kubelet',
    'controller-manager.conf': 'certificate embedded in the kubeconfig file for the controller manager to use',
    'etcd-healthcheck-client': 'certificate for liveness probes to healthcheck etcd',
    'etcd-peer': 'certificate for etcd nodes to communicate with each other',
    'etcd-server': 'certificate for serving etcd',
    'front-proxy-client': 'certificate for the front proxy client',
    'scheduler.conf': 'certificate embedded in the kubeconfig file for the scheduler manager to use',
}
FILES = {
    'apiserver': ('apiserver.crt', 'ca'), 'apiserver-etcd-client': ('apiserver-etcd-client.crt', 'etcd/ca'),
    'apiserver-kubelet-client': ('apiserver-kubelet-client.crt', 'ca'),
    'etcd-healthcheck-client': ('etcd/healthcheck-client.crt', 'etcd/ca'),
    'etcd-peer': ('etcd/peer.crt', 'etcd/ca'), 'etcd-server': ('etcd/server.crt', 'etcd/ca'),
    'front-proxy-client': ('front-proxy-client.crt', 'front-proxy-ca'),
}


def reissue(old, ca_dir_base):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    with open(ca_dir_base + '.crt', 'rb') as handle:
        ca = x509.load_pem_x509_certificate(handle.read())
    with open(ca_dir_base + '.key', 'rb') as handle:
        ca_key = serialization.load_pem_private_key(handle.read(), None)
    now = datetime.datetime.now(UTC).replace(microsecond=0)
    builder = (x509.CertificateBuilder().subject_name(old.subject).issuer_name(ca.subject)
               .public_key(old.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=365)))
    for ext in old.extensions:
        builder = builder.add_extension(ext.value, ext.critical)
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def certs_cmd():
    from cryptography import x509
    name = ARGV[2]
    cert_dir = flag('--cert-dir', os.environ.get('FAKE_KUBEADM_CERT_DIR', '/etc/kubernetes/pki'))
    if any(a.split('=')[0] == '--kubeconfig-dir' for a in ARGV):
        die('unknown flag: --kubeconfig-dir')  # `kubeadm certs renew` has no such flag
    kc_dir = os.environ.get('FAKE_KUBEADM_KUBECONFIG_DIR', '/etc/kubernetes')
    sys.stdout.write("[renew] Reading configuration from the cluster...\n"
                     "[renew] FYI: You can look at this config file with 'kubectl -n kube-system get cm "
                     "kubeadm-config -o yaml'\n\n")
    if name not in RENEW_TEXT:
        die('unknown command "%s" for "kubeadm certs renew"' % name)
    noop = os.environ.get('FAKE_KUBEADM_NOOP_RENEW')
    if name.endswith('.conf'):
        path = os.path.join(kc_dir, name)
        if not os.path.exists(path):
            die('failed to load kubeconfig file %s: open %s: no such file or directory' % (path, path))
        with open(path) as handle:
            text = handle.read()
        data = re.search(r'client-certificate-data: (\S+)', text).group(1)
        old = x509.load_pem_x509_certificate(base64.b64decode(data))
        new = base64.b64encode(reissue(old, os.path.join(cert_dir, 'ca'))).decode()
        if not noop:
            with open(path, 'w') as handle:
                handle.write(text.replace(data, new))
    else:
        rel, ca = FILES[name]
        path = os.path.join(cert_dir, rel)
        if not os.path.exists(path):
            die('failed to load existing certificate %s: open %s: no such file or directory' % (name, path))
        with open(path, 'rb') as handle:
            old = x509.load_pem_x509_certificate(handle.read())
        new = reissue(old, os.path.join(cert_dir, ca))
        if not noop:
            with open(path, 'wb') as handle:
                handle.write(new)
    sys.stdout.write('%s renewed\n' % RENEW_TEXT[name])


def upload_certs_cmd():
    need_kubeconfig()
    config = flag('--config')
    if config:
        # ValidateMixedArguments: only a few flags may stand next to --config.
        mixed = [a[2:].split('=')[0] for a in ARGV[3:] if a.startswith('--')
                 and a[2:].split('=')[0] not in ('config', 'upload-certs', 'kubeconfig', 'skip-certificate-key-print', 'v')]
        if mixed:
            die("can not mix '--config' with arguments %s" % ('[' + ' '.join(mixed) + ']'))
        with open(config) as handle:
            found = re.search(r'^certificateKey:\s*"?([^"\s]*)"?\s*$', handle.read(), re.MULTILINE)
        key = found.group(1) if found else None
    else:
        key = flag('--certificate-key')
    if not re.match(r'^[0-9a-fA-F]{64}$', key or ''):
        die('error execution phase upload-certs: error uploading certs: error decoding certificate key: '
            'encoding/hex: invalid byte')
    printed = os.environ.get('FAKE_KUBEADM_PRINT_KEY', key)
    sys.stdout.write('[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the '
                     '"kube-system" Namespace\n[upload-certs] Using certificate key:\n%s\n' % printed)


if ARGV == ['version', '-o', 'short']:
    sys.stdout.write(os.environ.get('FAKE_KUBEADM_VERSION', 'v1.35.6') + '\n')
elif ARGV[:1] == ['token']:
    token_cmd()
elif ARGV[:2] == ['certs', 'renew']:
    certs_cmd()
elif ARGV[:3] == ['init', 'phase', 'upload-certs']:
    upload_certs_cmd()
elif ARGV[:2] == ['config', 'validate'] or ARGV[:1] in (['init'], ['join'], ['reset']):
    config = flag('--config')
    if config is not None and not os.path.exists(config):
        die('unable to read config from "%s"' % config)
    if config is not None:
        with open(os.path.join(STATE, 'configs.log'), 'a') as log, open(config) as handle:
            log.write(json.dumps([ARGV[0], oct(os.stat(config).st_mode & 0o777), handle.read()]) + '\n')
    sys.stdout.write('%s done\nkubeadm join 192.0.2.10:6443 --token abcdef.0123456789abcdef '
                     '--discovery-token-ca-cert-hash sha256:%s --certificate-key %s\n' % (ARGV[0], '1' * 64, '2' * 64))
else:
    die('unknown command "%s" for "kubeadm"' % ' '.join(ARGV))
'''


class FakeKubeadm(object):
    """The fake kubeadm installed in ``directory``; state (tokens, call log) next to it."""

    def __init__(self, directory, monkeypatch):
        self.dir = str(directory)
        self.state = os.path.join(self.dir, 'state')
        os.makedirs(self.state, exist_ok=True)
        self.path = os.path.join(self.dir, 'bin', 'kubeadm')
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, 'w') as handle:
            handle.write(FAKE_KUBEADM.replace('@PYTHON@', sys.executable))
        os.chmod(self.path, os.stat(self.path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        monkeypatch.setenv('FAKE_KUBEADM_STATE', self.state)
        self.monkeypatch = monkeypatch

    def on_path(self):
        self.monkeypatch.setenv('PATH', os.path.dirname(self.path) + os.pathsep + os.environ.get('PATH', ''))

    def calls(self):
        log = os.path.join(self.state, 'calls.log')
        if not os.path.exists(log):
            return []
        with open(log) as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def tokens(self):
        path = os.path.join(self.state, 'tokens.json')
        if not os.path.exists(path):
            return []
        with open(path) as handle:
            return json.load(handle)

    def set_tokens(self, tokens):
        with open(os.path.join(self.state, 'tokens.json'), 'w') as handle:
            json.dump(tokens, handle)

    def fail(self, prefix, msg='error: injected failure'):
        self.monkeypatch.setenv('FAKE_KUBEADM_FAIL', prefix)
        self.monkeypatch.setenv('FAKE_KUBEADM_FAIL_MSG', msg)


@contextlib.contextmanager
def _module_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # pragma: no cover - ansible-core < 2.19
        from ansible.module_utils import basic
        from ansible.module_utils.common.text.converters import to_bytes
        old = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = old
        return
    with patch_module_args(args):
        yield


def run_module(module, args, check_mode=False):
    """Run ``module.main()`` in-process; return (result dict, rc). Output goes through exit_json."""
    args = dict(args)
    if check_mode:
        args['_ansible_check_mode'] = True
    buf = io.StringIO()
    rc = None
    with _module_args(args), contextlib.redirect_stdout(buf):
        try:
            module.main()
        except SystemExit as exc:
            rc = exc.code
    lines = [line for line in buf.getvalue().splitlines() if line.strip()]
    assert lines, 'module printed nothing'
    result = json.loads(lines[-1])
    result['_raw'] = buf.getvalue()
    return result, rc


def dedent(text):
    return textwrap.dedent(text).lstrip()
