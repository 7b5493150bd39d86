# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helpers for the kubeadm modules: real X.509 material, the kubeadm double, an in-process runner.

Shared by the module and module_utils tests (``import kubeadm_testlib as lib``; tests/unit/conftest.py
puts tests/unit/utils on sys.path). Everything is generated in the test's tmp_path: CAs (RSA or
ECDSA), leaf certificates signed by them, kubeconfig files with embedded client certificates, a
complete /etc/kubernetes tree, and ``KubeadmDouble``: the kubeadm double of tests/doubles with its
API server running in-process (fixture ``kubeadm_double``).
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import io
import json
import os
import shlex
import sys
import textwrap

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from ansible.module_utils.common import warnings as _module_warnings

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
# Organizations of the kubeconfig users, as kubeadm writes them (admin.conf: kubeadm:cluster-admins since 1.29).
ORGS = {'admin.conf': ('kubeadm:cluster-admins',), 'super-admin.conf': ('system:masters',)}
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


def make_leaf(ca_cert, ca_key, common_name, days=365, key=None, not_after=None, orgs=()):
    key = key or new_key('ec')
    now = _now()
    not_after = not_after or (now + datetime.timedelta(days=days, seconds=37))
    not_before = min(now - datetime.timedelta(minutes=5), not_after - datetime.timedelta(days=30))
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in orgs]
                        + [x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(ca_cert.subject)
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
    """The /etc/kubernetes of a kubeadm control-plane node, written under ``root``.

    ``host_root``: the directory the kubeadm double takes for ``/`` (SEED_DOUBLES_ROOT) when ``root``
    ends in etc/kubernetes, so that its default paths (/etc/kubernetes/admin.conf, .../pki) are this tree.
    """

    def __init__(self, root, ca_key_kind='rsa', leaf_days=None, skip=(), der_files=()):
        self.root = str(root)
        suffix = os.path.join('etc', 'kubernetes')
        self.host_root = self.root[:-len(suffix)].rstrip(os.sep) if self.root.endswith(suffix) else self.root
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
            cert, key = make_leaf(ca_cert, ca_key, cn, days, orgs=ORGS.get(name, ()))
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

    def point_at(self, server):
        """Point every kubeconfig of the tree at ``server`` (the running API server)."""
        for name, kind, rel, dummy_ca, dummy_cn, dummy_days in LEAVES:
            path = os.path.join(self.root, rel)
            if kind != 'kubeconfig' or not os.path.exists(path):
                continue
            with open(path) as handle:
                text = handle.read()
            with open(path, 'w') as handle:
                handle.write(text.replace('server: %s\n' % SERVER, 'server: %s\n' % server))

    @property
    def admin_conf(self):
        return self.paths.get('admin.conf', os.path.join(self.root, 'admin.conf'))


class KubeadmDouble(object):
    """tests/doubles/kubeadm.py, baked for ``version``, as the kubeadm of a module under test.

    The same double the orchestration scenario installs on its hosts (flags parsed like cobra/pflag,
    kubeadm's validation, messages and exit codes), here talking to the API server double running
    in-process with the in-memory store. ``tree`` (a KubeTree) is the node's /etc/kubernetes: its CA
    signs the API server's serving certificate and authenticates the kubeconfigs' client
    certificates, and its kubeconfigs are pointed at the running API server. The calls come from
    the double's own call log (secrets redacted as on the hosts).
    """

    def __init__(self, directory, tree, version='v1.35.6'):
        import doubles_harness
        self.dir = str(directory)
        self.tree = tree
        self.version = version
        os.makedirs(os.path.join(self.dir, 'bin'), exist_ok=True)
        self.log = os.path.join(self.dir, 'calls.jsonl')
        self.faults = os.path.join(self.dir, 'faults.json')
        baked = doubles_harness.KubeadmRunner(self.dir).path(version)
        self.path = os.path.join(self.dir, 'bin', 'kubeadm')
        self.configs_log = os.path.join(self.dir, 'configs.jsonl')
        env = ('PYTHONPATH=%s SEED_DOUBLES_LOG=%s SEED_DOUBLES_FAULTS=%s SEED_DOUBLES_ROOT=%s'
               % (doubles_harness.DOUBLES, self.log, self.faults, tree.host_root))
        stub = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'kubeadm_workflow_stub.py')
        # init, join and reset (but upload-certs) stop after the double's argument and configuration
        # checks (kubeadm_workflow_stub); every other command runs the double.
        self._launcher = ('case "$*" in\n'
                          '"init phase upload-certs"*) ;;\n'
                          'init*|join*|reset*) %s exec %s %s %s %s "$@" ;;\n'
                          'esac\n%s exec %s %s "$@"'
                          % (env, sys.executable, stub, baked, self.configs_log, env, sys.executable, baked))
        with open(self.path, 'w') as handle:
            handle.write('#!/bin/sh\n%s\n' % self._launcher)
        os.chmod(self.path, 0o755)
        ca_cert, ca_key = tree.cas['ca']
        self.pki = doubles_harness.Pki(os.path.join(self.dir, 'api-pki'), ca=(ca_cert, ca_key))
        self.api = doubles_harness.RunningApi(self.pki, {})
        self._stopped = False
        self.endpoint = '127.0.0.1:%d' % self.api.port
        tree.point_at(self.api.url)
        # kubeadm init binds its kubeadm:cluster-admins group (admin.conf's) to cluster-admin.
        self.admin = self.api.admin()
        self.admin.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
            'apiVersion': 'rbac.authorization.k8s.io/v1', 'kind': 'ClusterRoleBinding',
            'metadata': {'name': 'kubeadm:cluster-admins'},
            'roleRef': {'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'ClusterRole', 'name': 'cluster-admin'},
            'subjects': [{'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'Group', 'name': 'kubeadm:cluster-admins'}]})

    def stop(self):
        """Stop the API server (kubeadm then meets a refused connection); safe to call twice."""
        if not self._stopped:
            self._stopped = True
            self.api.stop()

    def on_path(self, monkeypatch):
        """Put the double first on PATH as ``kubeadm``."""
        monkeypatch.setenv('PATH', os.path.dirname(self.path) + os.pathsep + os.environ.get('PATH', ''))

    def configs(self):
        """[command, octal mode, content] of every --config file init, join and reset were given."""
        if not os.path.exists(self.configs_log):
            return []
        with open(self.configs_log) as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def calls(self):
        """argv of every call, in order (secrets redacted)."""
        if not os.path.exists(self.log):
            return []
        with open(self.log) as handle:
            return [json.loads(line)['argv'] for line in handle if line.strip()]

    def tokens(self):
        """The bootstrap tokens in the API, as kubeadm reads them (token, description, expires, usages, groups)."""
        from seed_doubles import bootstrap
        listed = self.admin.get('/api/v1/namespaces/kube-system/secrets')
        found = [bootstrap.secret_to_token(item) for item in listed.get('items') or []
                 if item.get('type') == bootstrap.SECRET_TYPE]
        return [tok for tok in found if tok]

    def add_token(self, token, description='', expires=None, usages=('signing', 'authentication'),
                  groups=('system:bootstrappers:kubeadm:default-node-token',)):
        """A bootstrap token Secret as kubeadm writes it (``expires``: RFC 3339 text or None)."""
        token_id, secret = token.split('.')
        data = {'token-id': token_id, 'token-secret': secret}
        if description:
            data['description'] = description
        if expires:
            data['expiration'] = expires
        for usage in usages:
            data['usage-bootstrap-%s' % usage] = 'true'
        if groups:
            data['auth-extra-groups'] = ','.join(groups)
        self.admin.create('/api/v1/namespaces/kube-system/secrets', {
            'apiVersion': 'v1', 'kind': 'Secret', 'type': 'bootstrap.kubernetes.io/token',
            'metadata': {'name': 'bootstrap-token-' + token_id, 'namespace': 'kube-system'},
            'stringData': data})

    def misbehave(self, prefix, stdout='', stderr='', rc=0):
        """From now on, a call whose argv starts with ``prefix`` prints ``stdout``/``stderr`` and exits
        ``rc`` instead of running the double: output upstream's kubeadm does not print, to test what a
        module does with it (every other call still runs the double)."""
        launcher = self._launcher
        with open(self.path, 'w') as handle:
            handle.write('#!/bin/sh\ncase "$*" in\n"%s"*) printf %%s %s; printf %%s %s >&2; exit %d ;;\nesac\n%s\n'
                         % (' '.join(prefix), shlex.quote(stdout), shlex.quote(stderr), rc, launcher))

    def grant(self, user, verbs, resource='secrets'):
        """A kubeconfig for ``user``, bound by RBAC to ``verbs`` on ``resource`` (kube-system) only."""
        name = 'seed-test-' + user
        self.admin.create('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
            'apiVersion': 'rbac.authorization.k8s.io/v1', 'kind': 'ClusterRole', 'metadata': {'name': name},
            'rules': [{'apiGroups': [''], 'resources': [resource], 'verbs': list(verbs)}]})
        self.admin.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
            'apiVersion': 'rbac.authorization.k8s.io/v1', 'kind': 'ClusterRoleBinding', 'metadata': {'name': name},
            'roleRef': {'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'ClusterRole', 'name': name},
            'subjects': [{'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'User', 'name': user}]})
        return self.kubeconfig_for(user + '.conf', user)

    def kubeconfig_for(self, name, user, orgs=()):
        """A kubeconfig for ``user`` (in ``orgs``) signed by the tree's CA, next to the tree's."""
        ca_cert, ca_key = self.tree.cas['ca']
        cert, key = make_leaf(ca_cert, ca_key, user, orgs=orgs)
        text = kubeconfig_text(cert, key, ca_cert, server=self.api.url, user=user)
        return write(os.path.join(self.tree.root, name), text.encode(), 0o600)


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


def forget_module_warnings():
    """ansible-core before 2.19 keeps a module's warnings and deprecations in process-wide lists: a module
    run in-process would report those of every run before it in the same test session."""
    for name in ('_global_warnings', '_global_deprecations'):
        store = getattr(_module_warnings, name, None)
        if isinstance(store, list):
            del store[:]


def run_module(module, args, check_mode=False):
    """Run ``module.main()`` in-process; return (result dict, rc). Output goes through exit_json."""
    forget_module_warnings()
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
