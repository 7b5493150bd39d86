#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: kubeadm_certs_info
short_description: Expiry report of the certificates kubeadm manages
version_added: 0.1.0
description:
  - Reads every certificate C(kubeadm certs check-expiration) reports straight from the files of
    a control-plane node, without kubeadm and without the API server (it works when the
    certificates have already expired).
  - Leaf certificates are C(admin.conf), C(super-admin.conf) (kubeadm 1.29 and later),
    C(apiserver), C(apiserver-etcd-client), C(apiserver-kubelet-client),
    C(controller-manager.conf), C(etcd-healthcheck-client), C(etcd-peer), C(etcd-server),
    C(front-proxy-client) and C(scheduler.conf); the client certificates of the C(.conf) files are
    read from the C(client-certificate-data) embedded in the kubeconfig (or the file it names).
  - Certificate authorities are C(ca), C(etcd-ca) and C(front-proxy-ca). A CA whose key is not on
    the node is reported as externally managed, and so are the certificates it signs.
  - Files that do not exist (for example the etcd certificates with an external etcd) are
    skipped and listed in RV(missing).
  - Read-only, never reports a change.
author:
  - Seed developers (!UNKNOWN)
requirements:
  - cryptography (Python library) on the managed node
  - PyYAML on the managed node is used when present (a line parser reads kubeadm's kubeconfig files otherwise)
extends_documentation_fragment:
  - seed.kubeadm.attributes
  - seed.kubeadm.attributes.read_only
options:
  cert_dir:
    description:
      - The kubeadm PKI directory. The module fails when it does not exist (not a control-plane node).
    type: path
    default: /etc/kubernetes/pki
  kubeconfig_dir:
    description: Directory of C(admin.conf), C(super-admin.conf), C(controller-manager.conf) and C(scheduler.conf).
    type: path
    default: /etc/kubernetes
seealso:
  - module: seed.kubeadm.kubeadm_certs_renew
  - name: Certificate management with kubeadm
    description: How kubeadm checks and renews certificates.
    link: https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/
"""

EXAMPLES = r"""
- name: Read the certificate expiry of the control plane
  seed.kubeadm.kubeadm_certs_info:
  register: certs

- name: Fail when a certificate expires within 30 days
  ansible.builtin.assert:
    that: certs.min_residual_days >= 30
    fail_msg: >-
      {{ certs.certificates | selectattr('residual_days', 'lt', 30) | map(attribute='name') | join(', ') }}
      expire within 30 days

- name: Show the discovery hash for kubeadm join
  ansible.builtin.debug:
    msg: "{{ certs.ca_cert_hash }}"
"""

RETURN = r"""
certificates:
  description: The leaf certificates found, in kubeadm's order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: kubeadm's name of the certificate (the argument of C(kubeadm certs renew)).
      type: str
      sample: apiserver
    kind:
      description: V(certificate) for a file of the PKI directory, V(kubeconfig) for a client certificate in a kubeconfig.
      type: str
      sample: certificate
    path:
      description: The file read.
      type: str
      sample: /etc/kubernetes/pki/apiserver.crt
    not_before:
      description: Start of validity, ISO 8601 UTC.
      type: str
      sample: '2025-08-19T08:58:00Z'
    not_after:
      description: Expiry, ISO 8601 UTC.
      type: str
      sample: '2026-08-19T09:03:00Z'
    residual_days:
      description: Whole days left (negative once expired).
      type: int
      sample: 364
    residual_seconds:
      description: Seconds left (negative once expired).
      type: int
    expired:
      description: Whether the certificate has expired.
      type: bool
    certificate_authority:
      description: Name of the signing CA (V(ca), V(etcd-ca) or V(front-proxy-ca)).
      type: str
      sample: ca
    external:
      description: Whether the signing CA is managed outside kubeadm (its key is not on the node).
      type: bool
    subject:
      description: Subject, RFC 4514.
      type: str
      sample: CN=kube-apiserver
    issuer:
      description: Issuer, RFC 4514.
      type: str
      sample: CN=kubernetes
    serial_number:
      description: Serial number, hexadecimal.
      type: str
certificate_authorities:
  description: The CAs found (V(ca), V(etcd-ca), V(front-proxy-ca)); same keys as RV(certificates), C(certificate_authority) is null and C(kind) is V(ca).
  returned: always
  type: list
  elements: dict
missing:
  description: Names whose file does not exist.
  returned: always
  type: list
  elements: str
  sample: [super-admin.conf]
min_residual_days:
  description: The fewest days left over all certificates and CAs found (null when none was found).
  returned: always
  type: int
  sample: 364
ca_cert_hash:
  description: C(sha256:) and the SHA-256 of the DER SubjectPublicKeyInfo of C(ca.crt), for C(--discovery-token-ca-cert-hash). Null without C(ca.crt).
  returned: always
  type: str
  sample: sha256:3aa3fe1dd88a80e7ea9e76408dd166947a606b7bd0f1ad089454ccf9a80c2365
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.seed.kubeadm.plugins.module_utils import pki


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cert_dir=dict(type='path', default=pki.DEFAULT_CERT_DIR),
            kubeconfig_dir=dict(type='path', default=pki.DEFAULT_KUBECONFIG_DIR),
        ),
        supports_check_mode=True,
    )
    if not pki.HAS_CRYPTOGRAPHY:  # pragma: no cover
        module.fail_json(msg=missing_required_lib('cryptography'), exception=pki.CRYPTOGRAPHY_IMPORT_ERROR)
    cert_dir = module.params['cert_dir']
    try:
        report = pki.expiration_report(cert_dir, module.params['kubeconfig_dir'])
        ca_path = os.path.join(cert_dir, 'ca.crt')
        ca_hash = pki.ca_cert_hash(ca_path) if os.path.exists(ca_path) else None
    except pki.PKIError as exc:
        module.fail_json(msg=str(exc))
    days = [entry['residual_days'] for entry in report['certificates'] + report['certificate_authorities']]
    module.exit_json(
        changed=False,
        certificates=report['certificates'],
        certificate_authorities=report['certificate_authorities'],
        missing=report['missing'],
        min_residual_days=min(days) if days else None,
        ca_cert_hash=ca_hash,
    )


if __name__ == '__main__':
    main()
