# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks a kubelet serving certificate request must pass before seed.kubeadm approves it.

kube-controller-manager never approves requests for the ``kubernetes.io/kubelet-serving`` signer
(its csrapproving controller handles kubelet client certificates only) and signs whatever is
approved after checking little more than their form. What a node may get signed is therefore
decided here: the request must come from the node itself (``spec.username`` ``system:node:<n>``,
group ``system:nodes``), name that node in its subject, ask for exactly the usages a serving
certificate has, and carry only the addresses and names the inventory knows for that node.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import calendar
import ipaddress
import time

try:
    from cryptography import x509
    from cryptography.hazmat.backends import default_backend
    from cryptography.x509.oid import NameOID
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - exercised only on hosts without cryptography
    HAS_CRYPTOGRAPHY = False

SIGNER = 'kubernetes.io/kubelet-serving'
CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests'
NODE_USER_PREFIX = 'system:node:'
NODES_GROUP = 'system:nodes'
# The two usage sets the kubelet-serving signer accepts (key encipherment only with an RSA key).
SERVING_USAGES = (frozenset(['digital signature', 'key encipherment', 'server auth']),
                  frozenset(['digital signature', 'server auth']))
APPROVE_REASON = 'SeedKubeadmApprove'


def conditions(obj):
    return [c.get('type') for c in ((obj.get('status') or {}).get('conditions') or [])]


def decided(obj):
    """Approved, Denied or Failed: nothing left to decide."""
    return bool(set(conditions(obj)) & set(['Approved', 'Denied', 'Failed']))


def created(obj):
    """metadata.creationTimestamp in seconds since the epoch (0 when missing or unreadable)."""
    stamp = (obj.get('metadata') or {}).get('creationTimestamp') or ''
    try:
        return float(calendar.timegm(time.strptime(stamp, '%Y-%m-%dT%H:%M:%SZ')))
    except (TypeError, ValueError):
        return 0.0


def approved_since(obj, not_before):
    """Approved (and neither denied nor failed since), made at ``not_before`` or later; False without ``not_before``."""
    found = conditions(obj)
    return (not_before is not None and 'Approved' in found and 'Denied' not in found and 'Failed' not in found
            and created(obj) >= not_before)


def refusal(obj):
    """'<type>: <reason>: <message>' of a Denied or Failed condition, or None."""
    for cond in (obj.get('status') or {}).get('conditions') or []:
        if cond.get('type') in ('Denied', 'Failed'):
            return '%s: %s: %s' % (cond.get('type'), cond.get('reason') or '', cond.get('message') or '')
    return None


def requester(obj):
    """The node name a request comes from (its spec.username without system:node:), or None."""
    user = (obj.get('spec') or {}).get('username') or ''
    return user[len(NODE_USER_PREFIX):] if user.startswith(NODE_USER_PREFIX) and len(user) > len(NODE_USER_PREFIX) else None


def _canonical_ip(text):
    try:
        return str(ipaddress.ip_address(u'%s' % text))
    except ValueError:
        return None


def allowed_sans(values):
    """(set of IP addresses, set of DNS names, lower case) from a node's list of addresses and names."""
    ips, names = set(), set()
    for value in values or []:
        ip = _canonical_ip(str(value).strip())
        if ip:
            ips.add(ip)
        elif str(value).strip():
            names.add(str(value).strip().lower())
    return ips, names


def _load(obj):
    request = base64.b64decode((obj.get('spec') or {}).get('request') or '')
    if b'-----BEGIN' in request:
        return x509.load_pem_x509_csr(request, default_backend())
    return x509.load_der_x509_csr(request, default_backend())


def problems(obj, allowed):
    """Why a kubelet-serving request must not be approved (empty: approve it).

    ``allowed`` maps node names to the addresses and names their certificates may carry.
    """
    spec = obj.get('spec') or {}
    node = requester(obj)
    if node is None:
        return ['made by %s, not by a node (system:node:<name>)' % (spec.get('username') or 'an unknown user')]
    if node not in allowed:
        return ['node %s is not a node of the inventory' % node]
    out = []
    if NODES_GROUP not in (spec.get('groups') or []):
        out.append('its requester is not in the group %s' % NODES_GROUP)
    usages = frozenset(spec.get('usages') or [])
    if usages not in SERVING_USAGES:
        out.append('usages %s are not those of a serving certificate (digital signature, server auth'
                   '[, key encipherment])' % ', '.join(sorted(usages)))
    try:
        csr = _load(obj)
    except (TypeError, ValueError) as exc:
        return out + ['the request is not a certificate request: %s' % exc]
    if not csr.is_signature_valid:
        out.append('the request is not signed by its own key')
    common = [a.value for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    orgs = [a.value for a in csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    if common != [NODE_USER_PREFIX + node]:
        out.append('its subject names %s, not %s%s' % (', '.join(common) or 'no common name', NODE_USER_PREFIX, node))
    if orgs != [NODES_GROUP]:
        out.append('its organization is %s, not %s' % (', '.join(orgs) or 'empty', NODES_GROUP))
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] if san else []
    names = [str(name) for name in san.get_values_for_type(x509.DNSName)] if san else []
    others = len(list(san)) - len(ips) - len(names) if san else 0
    if not ips and not names:
        out.append('it asks for no IP address or DNS name')
    if others:
        out.append('it asks for %d subject alternative name(s) other than IP addresses and DNS names' % others)
    ok_ips, ok_names = allowed_sans(allowed[node])
    foreign = [ip for ip in ips if _canonical_ip(ip) not in ok_ips] + [n for n in names if n.lower() not in ok_names]
    if foreign:
        out.append('it asks for %s, which the inventory does not give node %s (it has %s)'
                   % (', '.join(foreign), node, ', '.join(sorted(ok_ips) + sorted(ok_names)) or 'nothing'))
    return out


def approved(obj, message, now):
    """The request with the Approved condition `kubectl certificate approve` would add."""
    status = dict(obj.get('status') or {})
    status['conditions'] = list(status.get('conditions') or []) + [{
        'type': 'Approved', 'status': 'True', 'reason': APPROVE_REASON, 'message': message,
        'lastUpdateTime': now}]
    out = dict(obj, apiVersion='certificates.k8s.io/v1', kind='CertificateSigningRequest')
    out['status'] = status
    return out
