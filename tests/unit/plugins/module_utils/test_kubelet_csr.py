# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubelet_csr: the checks of a serving request on request objects alone (real X.509; the module's
tests run the same checks through the API server double)."""

from __future__ import annotations

import base64
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.seed.kubeadm.plugins.module_utils import kubelet_csr

NODES = {'w1': ['10.0.0.21', 'W1', 'fd00::21']}


def serving(der=False, ips=('10.0.0.21',), names=('w1',), request=None, **spec):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'system:nodes'),
                         x509.NameAttribute(NameOID.COMMON_NAME, 'system:node:w1')])
    sans = [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips] + [x509.DNSName(n) for n in names]
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).add_extension(
        x509.SubjectAlternativeName(sans), critical=False).sign(key, hashes.SHA256())
    raw = csr.public_bytes(serialization.Encoding.DER if der else serialization.Encoding.PEM)
    body = dict({'username': 'system:node:w1', 'groups': ['system:nodes', 'system:authenticated'],
                 'usages': ['digital signature', 'server auth'], 'signerName': kubelet_csr.SIGNER,
                 'request': base64.b64encode(request if request is not None else raw).decode()}, **spec)
    return {'metadata': {'name': 'csr-1'}, 'spec': body}


def test_pem_and_der_requests_with_the_node_s_own_sans_pass():
    assert kubelet_csr.problems(serving(), NODES) == []
    assert kubelet_csr.problems(serving(der=True), NODES) == []


def test_names_compare_without_case_and_ipv6_in_any_spelling():
    assert kubelet_csr.problems(serving(ips=('fd00:0:0:0:0:0:0:21',), names=('W1',)), NODES) == []


def test_a_requester_outside_system_nodes_and_bad_bytes_are_named():
    found = kubelet_csr.problems(serving(groups=['system:authenticated'], request=b'not a request'), NODES)
    assert found[0] == 'its requester is not in the group system:nodes'
    assert found[1].startswith('the request is not a certificate request')


def test_a_user_named_system_node_without_a_name_is_not_a_node():
    assert kubelet_csr.requester({'spec': {'username': 'system:node:'}}) is None


def test_conditions_decide():
    obj = serving()
    assert not kubelet_csr.decided(obj)
    now = kubelet_csr.approved(obj, 'ok', '2026-01-01T00:00:00Z')
    assert kubelet_csr.decided(now) and kubelet_csr.conditions(now) == ['Approved'] and 'status' not in obj
    assert kubelet_csr.decided({'status': {'conditions': [{'type': 'Failed'}]}})
