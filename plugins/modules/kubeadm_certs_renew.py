#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: kubeadm_certs_renew
short_description: Renew kubeadm certificates that are about to expire
version_added: 0.1.0
description:
  - Reads the expiry of the kubeadm certificates from the files (like
    M(seed.kubeadm.kubeadm_certs_info)) and runs C(kubeadm certs renew <name>) for each selected
    certificate with fewer than O(threshold_days) days left.
  - Reports a change only when something was renewed, so a second run does nothing.
  - Returns which control-plane static pods must restart to load the renewed certificates
    (RV(restart_components)); kubeadm does not restart them. A handler of the calling role
    restarts them, for example by moving their manifest out of C(/etc/kubernetes/manifests) and back.
  - Run it on every control-plane node; each has its own certificates.
author:
  - Seed developers (!UNKNOWN)
requirements:
  - kubeadm on the managed node
  - cryptography (Python library) on the managed node
extends_documentation_fragment:
  - seed.kubeadm.attributes
attributes:
  check_mode:
    support: full
    details: Reports what would be renewed and restarted without running kubeadm.
  diff_mode:
    support: none
options:
  certificates:
    description:
      - kubeadm names of the certificates to consider; V(all) means every leaf certificate.
      - CAs are never renewed (kubeadm cannot renew them).
    type: list
    elements: str
    choices: [all, admin.conf, apiserver, apiserver-etcd-client, apiserver-kubelet-client,
              controller-manager.conf, etcd-healthcheck-client, etcd-peer, etcd-server,
              front-proxy-client, scheduler.conf, super-admin.conf]
    default: [all]
  threshold_days:
    description: Renew a certificate when it has fewer whole days than this left.
    type: int
    default: 30
  force:
    description: Renew the selected certificates whatever their expiry.
    type: bool
    default: false
  cert_dir:
    description:
      - The kubeadm PKI directory. The module fails when it does not exist (not a control-plane node).
      - Passed to kubeadm as C(--cert-dir) when it is not the default and O(config) is not set.
    type: path
    default: /etc/kubernetes/pki
  kubeconfig_dir:
    description:
      - Directory the module reads the kubeconfig files from for the expiry report.
      - C(kubeadm certs renew) has no option for it (its flags are C(--config), C(--cert-dir) and
        C(--kubeconfig)); it always renews the kubeconfig files in C(/etc/kubernetes). Set this only
        to report on a copy.
    type: path
    default: /etc/kubernetes
  config:
    description:
      - A kubeadm configuration file passed as C(--config) (its C(certificatesDir) must be O(cert_dir)).
      - Without it kubeadm reads the C(kubeadm-config) ConfigMap, or its defaults when the API server is down.
    type: path
  kubeadm_path:
    description: Path of the kubeadm binary. Defaults to C(kubeadm) found on PATH.
    type: path
notes:
  - Certificates signed by an externally managed CA (no CA key on the node) cannot be renewed by
    kubeadm; they are listed in RV(skipped).
seealso:
  - module: seed.kubeadm.kubeadm_certs_info
  - name: Certificate management with kubeadm
    description: Manual certificate renewal.
    link: https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/
"""

EXAMPLES = r"""
- name: Renew the certificates that expire within 60 days
  seed.kubeadm.kubeadm_certs_renew:
    threshold_days: 60
  register: renew
  notify: Restart control-plane static pods

- name: Restart what the renewal asks for (handler body, one static pod at a time)
  ansible.builtin.debug:
    msg: "restart {{ item }}"
  loop: "{{ renew.restart_components }}"

- name: Renew only the API server serving certificate, now
  seed.kubeadm.kubeadm_certs_renew:
    certificates: [apiserver]
    force: true
"""

RETURN = r"""
renewed:
  description: Names of the certificates renewed (in check mode, that would be renewed).
  returned: always
  type: list
  elements: str
  sample: [apiserver, admin.conf]
restart_components:
  description:
    - Static pods (manifest names in C(/etc/kubernetes/manifests)) that must restart to use the
      renewed certificates, in restart order; a subset of V(etcd), V(kube-apiserver),
      V(kube-controller-manager), V(kube-scheduler).
  returned: always
  type: list
  elements: str
  sample: [kube-apiserver]
skipped:
  description: Selected certificates that were not considered, with the reason (V(missing) or V(external CA)).
  returned: always
  type: list
  elements: dict
  sample: [{name: super-admin.conf, reason: missing}]
certificates:
  description:
    - Expiry of the selected certificates after the run (before it in check mode); the same
      entries as the C(certificates) result of M(seed.kubeadm.kubeadm_certs_info).
  returned: always
  type: list
  elements: dict
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.seed.kubeadm.plugins.module_utils import kubeadm as kubeadm_utils
from ansible_collections.seed.kubeadm.plugins.module_utils import pki


def selected_names(requested):
    if 'all' in requested:
        return list(pki.LEAF_NAMES)
    return [name for name in pki.LEAF_NAMES if name in requested]


def renew_args(params, name):
    args = ['certs', 'renew', name]
    if params['config']:
        args += ['--config', params['config']]
    elif params['cert_dir'] != pki.DEFAULT_CERT_DIR:
        args += ['--cert-dir', params['cert_dir']]
    return args


def main():
    module = AnsibleModule(
        argument_spec=dict(
            certificates=dict(type='list', elements='str', default=['all'],
                              choices=['all'] + sorted(pki.LEAF_NAMES)),
            threshold_days=dict(type='int', default=30),
            force=dict(type='bool', default=False),
            cert_dir=dict(type='path', default=pki.DEFAULT_CERT_DIR),
            kubeconfig_dir=dict(type='path', default=pki.DEFAULT_KUBECONFIG_DIR),
            config=dict(type='path'),
            kubeadm_path=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    if not pki.HAS_CRYPTOGRAPHY:  # pragma: no cover
        module.fail_json(msg=missing_required_lib('cryptography'), exception=pki.CRYPTOGRAPHY_IMPORT_ERROR)
    params = module.params
    names = selected_names(params['certificates'])

    def read_report():
        try:
            report = pki.expiration_report(params['cert_dir'], params['kubeconfig_dir'])
        except pki.PKIError as exc:
            module.fail_json(msg=str(exc))
        return dict((entry['name'], entry) for entry in report['certificates'])

    before = read_report()
    skipped = []
    due = []
    for name in names:
        entry = before.get(name)
        if entry is None:
            skipped.append({'name': name, 'reason': 'missing'})
        elif entry['external']:
            skipped.append({'name': name, 'reason': 'external CA'})
        elif params['force'] or entry['residual_days'] < params['threshold_days']:
            due.append(name)

    after = before
    if due and not module.check_mode:
        runner = kubeadm_utils.Kubeadm(module, params['kubeadm_path'])
        try:
            for name in due:
                runner.run(renew_args(params, name), what='kubeadm certs renew %s' % name)
        except kubeadm_utils.KubeadmError as exc:
            module.fail_json(**exc.fail_kwargs())
        except Exception as exc:  # pragma: no cover - defensive
            module.fail_json(msg='kubeadm certs renew failed: %s' % exc, exception=traceback.format_exc())
        after = read_report()
        stale = [name for name in due
                 if name in after and after[name]['not_after'] == before[name]['not_after']
                 and after[name]['serial_number'] == before[name]['serial_number']]
        if stale:
            module.warn('kubeadm reported success but these certificates did not change: %s' % ', '.join(stale))

    module.exit_json(
        changed=bool(due),
        renewed=due,
        restart_components=pki.restart_components(due),
        skipped=skipped,
        certificates=[after[name] for name in names if name in after],
    )


if __name__ == '__main__':
    main()
