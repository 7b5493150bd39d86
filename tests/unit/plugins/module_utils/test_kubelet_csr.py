# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubelet_csr: the checks of a serving request on request objects alone (real X.509; the module's
tests run the same checks through the API server double)."""

from __future__ import annotations

import base64
import copy
import ipaddress

import pytest

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


# --- whole messages and values, each check on a request built as the kubelet (or a forger) would -------------------

WHEN = '2026-01-01T00:00:00Z'
WHEN_EPOCH = 1767225600.0  # WHEN in seconds since the epoch
NOT_A_NODE = 'made by %s, not by a node (system:node:<name>)'


def request_bytes(subject=(('O', 'system:nodes'), ('CN', 'system:node:w1')), sans=None, key=None, tamper=False):
    """A PEM CSR signed by ``key`` (ECDSA P-256 as the kubelet uses); ``sans`` None: no SAN extension at all;
    ``tamper``: the last byte of the signature changed (a request not signed by its own key)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    oids = {'O': NameOID.ORGANIZATION_NAME, 'CN': NameOID.COMMON_NAME}
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(oids[kind], value) for kind, value in subject]))
    if sans is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    der = builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    if tamper:
        der = der[:-1] + bytes([der[-1] ^ 0x01])
    return x509.load_der_x509_csr(der).public_bytes(serialization.Encoding.PEM)


def node_request(raw, username='system:node:w1', usages=('digital signature', 'server auth')):
    """A pending certificates.k8s.io/v1 request as the API server lists it (no kind, no apiVersion on items)."""
    return {'metadata': {'name': 'csr-7xk2p', 'creationTimestamp': WHEN, 'resourceVersion': '42'},
            'spec': {'request': base64.b64encode(raw).decode(), 'signerName': kubelet_csr.SIGNER,
                     'usages': list(usages), 'username': username, 'groups': ['system:nodes', 'system:authenticated']}}


def ip(text):
    return x509.IPAddress(ipaddress.ip_address(text))


def test_a_request_the_api_server_holds_without_a_requester_is_named_as_such():
    """A request with no spec.username (a manifest's object, before the API server fills it in) is not a node's:
    the user reads who made it, or that nobody is known, instead of a crash or a blank."""
    obj = node_request(request_bytes(sans=[ip('10.0.0.21')]))
    del obj['spec']['username']
    assert kubelet_csr.problems(obj, NODES) == [NOT_A_NODE % 'an unknown user']
    assert kubelet_csr.problems(node_request(request_bytes(), username='system:kube-controller-manager'), NODES) == \
        [NOT_A_NODE % 'system:kube-controller-manager']


def test_a_node_outside_the_inventory_is_named_alone():
    """A node the inventory does not know gets one reason naming it (its other checks are meaningless)."""
    obj = node_request(request_bytes(subject=(('O', 'system:nodes'), ('CN', 'system:node:w9'))),
                       username='system:node:w9', usages=('client auth',))
    assert kubelet_csr.problems(obj, NODES) == ['node w9 is not a node of the inventory']


def test_client_usages_are_named_in_full():
    """A request that also asks for client auth (a serving certificate usable as a client identity) is named
    with every usage it asks for, sorted, and the serving usages the signer accepts."""
    obj = node_request(request_bytes(sans=[ip('10.0.0.21')]),
                       usages=('server auth', 'client auth', 'digital signature'))
    assert kubelet_csr.problems(obj, NODES) == [
        'usages client auth, digital signature, server auth are not those of a serving certificate'
        ' (digital signature, server auth[, key encipherment])']


def test_a_request_not_signed_by_its_own_key_is_refused():
    """A request whose signature does not verify with its own public key (altered on the way, or forged)
    proves no possession of the key: it is refused with that reason alone."""
    obj = node_request(request_bytes(sans=[ip('10.0.0.21'), x509.DNSName('w1')], tamper=True))
    assert kubelet_csr.problems(obj, NODES) == ['the request is not signed by its own key']


@pytest.mark.parametrize('subject, found', [
    ((('O', 'system:nodes'),), 'its subject names no common name, not system:node:w1'),
    ((('O', 'system:nodes'), ('CN', 'system:node:w1'), ('CN', 'system:node:w2')),
     'its subject names system:node:w1, system:node:w2, not system:node:w1'),
    ((('CN', 'system:node:w1'),), 'its organization is empty, not system:nodes'),
    ((('O', 'system:nodes'), ('O', 'system:masters'), ('CN', 'system:node:w1')),
     'its organization is system:nodes, system:masters, not system:nodes'),
])
def test_a_subject_other_than_the_node_s_own_is_named(subject, found):
    """The kubelet-serving signer requires exactly CN=system:node:<name> and O=system:nodes: a missing or extra
    common name or organization is named with every value the subject carries."""
    obj = node_request(request_bytes(subject=subject, sans=[ip('10.0.0.21')]))
    assert kubelet_csr.problems(obj, NODES) == [found]


def test_a_request_without_any_subject_alternative_name_is_refused_once():
    """A serving certificate without an address or name serves nobody: one reason, and no count of other names."""
    assert kubelet_csr.problems(node_request(request_bytes()), NODES) == ['it asks for no IP address or DNS name']


def test_a_node_with_addresses_only_passes():
    """A node that reports IP addresses only (no Hostname address) asks for those alone: approved."""
    assert kubelet_csr.problems(node_request(request_bytes(sans=[ip('10.0.0.21'), ip('fd00::21')])), NODES) == []
    assert kubelet_csr.problems(node_request(request_bytes(sans=[x509.DNSName('w1')])), NODES) == []


def test_names_other_than_addresses_and_dns_names_are_counted():
    """The kubelet-serving signer forbids e-mail addresses and URIs in a serving certificate: their number is named."""
    sans = [ip('10.0.0.21'), x509.RFC822Name('w1@example.com'), x509.UniformResourceIdentifier('spiffe://x/w1')]
    assert kubelet_csr.problems(node_request(request_bytes(sans=sans)), NODES) == [
        'it asks for 2 subject alternative name(s) other than IP addresses and DNS names']


def test_foreign_addresses_and_names_are_named_with_what_the_node_has():
    """Every address and name the inventory does not give the node is named, and what it does give it."""
    sans = [ip('10.0.0.21'), ip('192.0.2.9'), x509.DNSName('w1'), x509.DNSName('api.example.com')]
    assert kubelet_csr.problems(node_request(request_bytes(sans=sans)), NODES) == [
        'it asks for 192.0.2.9, api.example.com, which the inventory does not give node w1'
        ' (it has 10.0.0.21, fd00::21, w1)']
    assert kubelet_csr.problems(node_request(request_bytes(sans=[ip('10.0.0.21')])), {'w1': []}) == [
        'it asks for 10.0.0.21, which the inventory does not give node w1 (it has nothing)']


def test_a_request_without_request_bytes_is_named_with_the_parser_s_reason():
    """A request object without spec.request is named as no certificate request, with the parser's own words."""
    obj = node_request(request_bytes())
    del obj['spec']['request']
    with pytest.raises(ValueError) as err:
        x509.load_der_x509_csr(b'')
    assert kubelet_csr.problems(obj, NODES) == ['the request is not a certificate request: %s' % err.value]


def test_allowed_sans_skips_blank_entries():
    """Blank entries of a node's list (an empty inventory variable) allow nothing, in particular no empty name."""
    assert kubelet_csr.allowed_sans(['10.0.0.21', '', '  ', ' W1 ', 'fd00:0::21']) == \
        (set(['10.0.0.21', 'fd00::21']), set(['w1']))
    assert kubelet_csr.allowed_sans(None) == (set(), set())


def test_approved_is_the_condition_kubectl_certificate_approve_adds():
    """The body PUT to .../approval: the listed object with kind and apiVersion (list items carry neither), its
    conditions kept, and an Approved condition with status True, the reason, the message and lastUpdateTime."""
    obj = node_request(request_bytes(sans=[ip('10.0.0.21')]))
    obj['status'] = {'conditions': [{'type': 'SeenByAudit', 'status': 'True', 'reason': 'Audit', 'message': 'seen'}]}
    before = copy.deepcopy(obj)
    body = kubelet_csr.approved(obj, 'The node w1 asked for its own addresses and names.', WHEN)
    assert body == {'apiVersion': 'certificates.k8s.io/v1', 'kind': 'CertificateSigningRequest',
                    'metadata': before['metadata'], 'spec': before['spec'],
                    'status': {'conditions': [
                        {'type': 'SeenByAudit', 'status': 'True', 'reason': 'Audit', 'message': 'seen'},
                        {'type': 'Approved', 'status': 'True', 'reason': 'SeedKubeadmApprove',
                         'message': 'The node w1 asked for its own addresses and names.', 'lastUpdateTime': WHEN}]}}
    assert obj == before


def test_decided_means_approved_denied_or_failed():
    """A request denied by `kubectl certificate deny` is decided: nobody approves it afterwards."""
    denied = {'status': {'conditions': [{'type': 'Denied', 'status': 'True', 'reason': 'KubectlDeny',
                                         'message': 'This CSR was denied by kubectl certificate deny.'}]}}
    assert kubelet_csr.decided(denied) is True
    assert kubelet_csr.decided({'status': {'conditions': [{'type': 'SeenByAudit', 'status': 'True'}]}}) is False
    assert kubelet_csr.decided({'metadata': {'name': 'csr-1'}}) is False


@pytest.mark.parametrize('conditions, expected', [
    ([{'type': 'Denied', 'status': 'True', 'reason': 'KubectlDeny',
       'message': 'This CSR was denied by kubectl certificate deny.'}],
     'Denied: KubectlDeny: This CSR was denied by kubectl certificate deny.'),
    ([{'type': 'Approved', 'status': 'True', 'reason': 'KubectlApprove', 'message': 'ok'},
      {'type': 'Failed', 'status': 'True', 'reason': 'SignerValidationFailure', 'message': 'invalid usage'}],
     'Failed: SignerValidationFailure: invalid usage'),
    ([{'type': 'Failed', 'status': 'True'}], 'Failed: : '),
    ([{'type': 'Approved', 'status': 'True'}], None),
    ([], None),
])
def test_refusal_names_the_denial_or_failure(conditions, expected):
    """Why a node has no certificate: the Denied or Failed condition's type, reason and message (reason and
    message are optional in the API: left empty, not 'None')."""
    assert kubelet_csr.refusal({'status': {'conditions': conditions}}) == expected


def test_an_approval_counts_from_the_second_the_kubelet_started():
    """creationTimestamp has a resolution of one second: a request made in the very second the kubelet started
    (not_before) is one of this kubelet's; an earlier one, a failed one, or any without not_before is not."""
    approved = {'metadata': {'creationTimestamp': WHEN},
                'status': {'conditions': [{'type': 'Approved', 'status': 'True'}]}}
    assert kubelet_csr.created(approved) == WHEN_EPOCH
    assert kubelet_csr.approved_since(approved, WHEN_EPOCH) is True
    assert kubelet_csr.approved_since(approved, WHEN_EPOCH + 1) is False
    assert kubelet_csr.approved_since(approved, None) is False
    failed = copy.deepcopy(approved)
    failed['status']['conditions'].append({'type': 'Failed', 'status': 'True'})
    assert kubelet_csr.approved_since(failed, WHEN_EPOCH) is False


def test_a_request_without_a_readable_creation_time_is_the_oldest():
    """Without a readable creationTimestamp a request counts as made at the epoch: never newer than a real one,
    and not made after any kubelet start."""
    assert kubelet_csr.created({}) == 0.0
    assert kubelet_csr.created({'metadata': {'creationTimestamp': 'yesterday'}}) == 0.0
    approved = {'status': {'conditions': [{'type': 'Approved', 'status': 'True'}]}}
    assert kubelet_csr.approved_since(approved, 1.0) is False
