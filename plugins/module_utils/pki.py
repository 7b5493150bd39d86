# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PKI helpers for the kubeadm modules of seed.kubeadm.

Reads the certificates a kubeadm control plane keeps under /etc/kubernetes (PEM or DER files in
the PKI directory and client certificates embedded in kubeconfig files), computes the discovery
hash of the cluster CA and builds the expiration report that ``kubeadm certs check-expiration``
shows, without calling kubeadm.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import datetime
import hashlib
import os
import re
import traceback

try:
    from cryptography import x509
    from cryptography.hazmat.backends import default_backend
    from cryptography.hazmat.primitives import serialization
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised only on hosts without cryptography
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML ships with Ansible, the fallback parser is tested
    HAS_YAML = False

DEFAULT_CERT_DIR = '/etc/kubernetes/pki'
DEFAULT_KUBECONFIG_DIR = '/etc/kubernetes'

UTC = datetime.timezone.utc
SECONDS_PER_DAY = 86400

# The certificate authorities of a kubeadm cluster: name, certificate and key, relative to cert_dir.
CERTIFICATE_AUTHORITIES = (
    ('ca', 'ca.crt', 'ca.key'),
    ('etcd-ca', 'etcd/ca.crt', 'etcd/ca.key'),
    ('front-proxy-ca', 'front-proxy-ca.crt', 'front-proxy-ca.key'),
)

# The leaf certificates ``kubeadm certs check-expiration`` lists, in its order: name, kind
# ('kubeconfig' files live in kubeconfig_dir, 'certificate' files in cert_dir), file, signing CA.
LEAF_CERTIFICATES = (
    ('admin.conf', 'kubeconfig', 'admin.conf', 'ca'),
    ('apiserver', 'certificate', 'apiserver.crt', 'ca'),
    ('apiserver-etcd-client', 'certificate', 'apiserver-etcd-client.crt', 'etcd-ca'),
    ('apiserver-kubelet-client', 'certificate', 'apiserver-kubelet-client.crt', 'ca'),
    ('controller-manager.conf', 'kubeconfig', 'controller-manager.conf', 'ca'),
    ('etcd-healthcheck-client', 'certificate', 'etcd/healthcheck-client.crt', 'etcd-ca'),
    ('etcd-peer', 'certificate', 'etcd/peer.crt', 'etcd-ca'),
    ('etcd-server', 'certificate', 'etcd/server.crt', 'etcd-ca'),
    ('front-proxy-client', 'certificate', 'front-proxy-client.crt', 'front-proxy-ca'),
    ('scheduler.conf', 'kubeconfig', 'scheduler.conf', 'ca'),
    ('super-admin.conf', 'kubeconfig', 'super-admin.conf', 'ca'),
)

LEAF_NAMES = tuple(entry[0] for entry in LEAF_CERTIFICATES)

# Which control-plane static pods (manifest names under /etc/kubernetes/manifests) read a
# certificate: they must restart to pick up a renewed one. admin.conf and super-admin.conf are
# used by people and kubeadm only; etcd-healthcheck-client by tools (etcdctl), not by a pod.
RESTART_COMPONENTS = {
    'admin.conf': (),
    'super-admin.conf': (),
    'apiserver': ('kube-apiserver',),
    'apiserver-etcd-client': ('kube-apiserver',),
    'apiserver-kubelet-client': ('kube-apiserver',),
    'front-proxy-client': ('kube-apiserver',),
    'controller-manager.conf': ('kube-controller-manager',),
    'scheduler.conf': ('kube-scheduler',),
    'etcd-server': ('etcd',),
    'etcd-peer': ('etcd',),
    'etcd-healthcheck-client': (),
}
COMPONENT_ORDER = ('etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler')


class PKIError(Exception):
    """A certificate or kubeconfig could not be read or parsed; the message names the file."""


def _backend():
    # cryptography < 3.1 needs an explicit backend argument; later versions ignore it.
    return default_backend()


def parse_certificate(data, source):
    """Parse one X.509 certificate from PEM (first block) or DER bytes; ``source`` names it."""
    if not data or not data.strip():
        raise PKIError('%s: empty, no certificate in it' % source)
    try:
        if b'-----BEGIN' in data:
            return x509.load_pem_x509_certificate(data, _backend())
        return x509.load_der_x509_certificate(data, _backend())
    except ValueError as exc:
        raise PKIError('%s: not a valid PEM or DER X.509 certificate (%s)' % (source, exc))


def _read_bytes(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise PKIError('%s: cannot be read (%s)' % (path, exc.strerror or exc))


def load_certificate(path):
    """Load the certificate stored in ``path`` (PEM or DER)."""
    return parse_certificate(_read_bytes(path), path)


_KUBECONFIG_SERVER_RE = re.compile(r'^\s*server:\s*["\']?([^"\'\s]+)', re.MULTILINE)
_KUBECONFIG_CERT_DATA_RE = re.compile(r'^\s*client-certificate-data:\s*["\']?([A-Za-z0-9+/=]+)', re.MULTILINE)
_KUBECONFIG_CERT_FILE_RE = re.compile(r'^\s*client-certificate:\s*["\']?([^"\'\s]+)', re.MULTILINE)


def _named(entries, name):
    """The value of the entry called ``name`` in a kubeconfig list (clusters, users, contexts)."""
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get('name') == name:
            return entry
    return None


def read_kubeconfig(path):
    """Return ``(server, client_certificate_data, client_certificate_file)`` of the current context.

    kubeadm writes one cluster, one user and one context per file; with PyYAML the current
    context is followed, without it the first matching lines are taken.
    """
    text = _read_bytes(path).decode('utf-8', 'replace')
    if HAS_YAML:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PKIError('%s: not a valid kubeconfig, YAML error: %s' % (path, exc))
        if not isinstance(doc, dict):
            raise PKIError('%s: not a valid kubeconfig (no YAML mapping)' % path)
        context = _named(doc.get('contexts'), doc.get('current-context')) or \
            ((doc.get('contexts') or [None])[0])
        context = (context or {}).get('context') or {}
        cluster = _named(doc.get('clusters'), context.get('cluster')) or ((doc.get('clusters') or [None])[0])
        user = _named(doc.get('users'), context.get('user')) or ((doc.get('users') or [None])[0])
        cluster = (cluster or {}).get('cluster') or {}
        user = (user or {}).get('user') or {}
        return cluster.get('server'), user.get('client-certificate-data'), user.get('client-certificate')
    return _read_kubeconfig_lines(text)


def _read_kubeconfig_lines(text):
    """Line based fallback for hosts without PyYAML."""
    found = []
    for regex in (_KUBECONFIG_SERVER_RE, _KUBECONFIG_CERT_DATA_RE, _KUBECONFIG_CERT_FILE_RE):
        match = regex.search(text)
        found.append(match.group(1) if match else None)
    return tuple(found)


def kubeconfig_server(path):
    """The API server URL of a kubeconfig (``clusters[].cluster.server``)."""
    server = read_kubeconfig(path)[0]
    if not server:
        raise PKIError('%s: no cluster server in this kubeconfig' % path)
    return server


def load_kubeconfig_certificate(path):
    """The client certificate of a kubeconfig: embedded base64 data or a referenced file."""
    dummy, data, cert_file = read_kubeconfig(path)
    if data:
        try:
            raw = base64.b64decode(data, validate=True)
        except (TypeError, ValueError) as exc:
            raise PKIError('%s: client-certificate-data is not valid base64 (%s)' % (path, exc))
        return parse_certificate(raw, '%s (client-certificate-data)' % path)
    if cert_file:
        if not os.path.isabs(cert_file):
            cert_file = os.path.join(os.path.dirname(path), cert_file)
        return load_certificate(cert_file)
    raise PKIError('%s: no client-certificate-data or client-certificate in this kubeconfig' % path)


def public_key_hash(cert):
    """kubeadm discovery hash: ``sha256:`` and the SHA-256 of the DER SubjectPublicKeyInfo."""
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return 'sha256:' + hashlib.sha256(spki).hexdigest()


def ca_cert_hash(path):
    """The ``--discovery-token-ca-cert-hash`` value of the CA certificate file ``path``."""
    return public_key_hash(load_certificate(path))


def not_valid_after(cert):
    """Expiry as an aware UTC datetime (works with every cryptography version)."""
    value = getattr(cert, 'not_valid_after_utc', None)
    if value is None:  # pragma: no cover - cryptography < 42
        value = cert.not_valid_after.replace(tzinfo=UTC)
    return value


def not_valid_before(cert):
    """Start of validity as an aware UTC datetime."""
    value = getattr(cert, 'not_valid_before_utc', None)
    if value is None:  # pragma: no cover - cryptography < 42
        value = cert.not_valid_before.replace(tzinfo=UTC)
    return value


def utcnow():
    return datetime.datetime.now(UTC)


def isoformat(value):
    """ISO 8601 UTC with a ``Z`` suffix, to the second: ``2026-08-19T09:03:00Z``."""
    return value.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def residual_seconds(cert, now=None):
    """Seconds left until the certificate expires (negative when it has expired)."""
    now = now or utcnow()
    delta = not_valid_after(cert) - now
    return int(delta.total_seconds())


def residual_days(seconds):
    """Whole days left, rounded down like kubeadm (an expired certificate has negative days)."""
    return int(seconds // SECONDS_PER_DAY)


def describe(cert, now=None):
    """The expiry facts of one certificate as a dict of plain values."""
    seconds = residual_seconds(cert, now)
    return {
        'subject': cert.subject.rfc4514_string(),
        'issuer': cert.issuer.rfc4514_string(),
        'serial_number': '%x' % cert.serial_number,
        'not_before': isoformat(not_valid_before(cert)),
        'not_after': isoformat(not_valid_after(cert)),
        'residual_seconds': seconds,
        'residual_days': residual_days(seconds),
        'expired': seconds <= 0,
    }


def expiration_report(cert_dir=DEFAULT_CERT_DIR, kubeconfig_dir=DEFAULT_KUBECONFIG_DIR, now=None):
    """What ``kubeadm certs check-expiration`` reports, read from the files.

    Returns a dict with ``certificates`` (leaf certificates and kubeconfig client certificates),
    ``certificate_authorities`` and ``missing`` (names whose file does not exist). Raises
    PKIError when the PKI directory does not exist or a file cannot be parsed.
    """
    if not os.path.isdir(cert_dir):
        raise PKIError('%s: PKI directory does not exist; this is not a kubeadm control-plane node '
                       '(or set cert_dir)' % cert_dir)
    now = now or utcnow()
    missing = []
    authorities = []
    external = {}
    for name, cert_file, key_file in CERTIFICATE_AUTHORITIES:
        path = os.path.join(cert_dir, cert_file)
        if not os.path.exists(path):
            missing.append(name)
            continue
        entry = {'name': name, 'kind': 'ca', 'path': path, 'certificate_authority': None}
        entry.update(describe(load_certificate(path), now))
        # A CA whose key is not on the node is managed outside kubeadm (external CA mode).
        entry['external'] = not os.path.exists(os.path.join(cert_dir, key_file))
        external[name] = entry['external']
        authorities.append(entry)

    certificates = []
    for name, kind, filename, ca_name in LEAF_CERTIFICATES:
        base = kubeconfig_dir if kind == 'kubeconfig' else cert_dir
        path = os.path.join(base, filename)
        if not os.path.exists(path):
            missing.append(name)
            continue
        if kind == 'kubeconfig':
            cert = load_kubeconfig_certificate(path)
        else:
            cert = load_certificate(path)
        entry = {'name': name, 'kind': kind, 'path': path, 'certificate_authority': ca_name,
                 'external': external.get(ca_name, False)}
        entry.update(describe(cert, now))
        certificates.append(entry)
    return {'certificates': certificates, 'certificate_authorities': authorities, 'missing': missing}


def restart_components(names):
    """The static pods that must restart after renewing the certificates ``names``, in start order."""
    wanted = set()
    for name in names:
        wanted.update(RESTART_COMPONENTS.get(name, ()))
    return [component for component in COMPONENT_ORDER if component in wanted]
