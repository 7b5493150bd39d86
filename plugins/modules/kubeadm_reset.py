#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: kubeadm_reset
short_description: Undo what kubeadm init or join left on a node
version_added: 0.2.0
description:
  - Runs C(kubeadm reset -f) with the node's CRI socket. kubeadm stops the kubelet and the static
    pods, removes a control plane's stacked etcd member, and deletes its files under
    C(/etc/kubernetes), C(/var/lib/kubelet) and the etcd data directory.
  - kubeadm does not delete the Node object; delete it after the reset (the kubelet no longer
    recreates it then) when the node joins again, since C(kubeadm join) refuses while a Ready Node of
    the same name exists.
  - Whether a node must be reset is decided from the live cluster (M(seed.kubeadm.kubeadm_state)
    and the P(seed.kubeadm.kubeadm_plan#filter) filter), never by this module.
author:
  - Seed developers (!UNKNOWN)
extends_documentation_fragment:
  - seed.kubeadm.attributes
  - seed.kubeadm.kubeadm
attributes:
  check_mode:
    support: full
    details: Reports a change without running kubeadm.
  diff_mode:
    support: none
options:
  cleanup_tmp_dir:
    description:
      - Also delete C(/etc/kubernetes/tmp) (C(kubeadm reset --cleanup-tmp-dir)), where
        C(kubeadm upgrade) keeps its backups of the manifests and of the etcd data (every Secret).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Reset a node whose join stopped half-way
  seed.kubeadm.kubeadm_reset:

- name: Tear a node down, kubeadm's temporary directory included
  seed.kubeadm.kubeadm_reset:
    cleanup_tmp_dir: true
"""

RETURN = r"""
output:
  description: The last lines of kubeadm's output.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.seed.kubeadm.plugins.module_utils import kubeadm as kubeadm_utils


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cri_socket=dict(type='str', default='unix:///run/containerd/containerd.sock'),
            kubeadm_path=dict(type='path'),
            cleanup_tmp_dir=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    runner = kubeadm_utils.Kubeadm(module, module.params['kubeadm_path'])
    if module.check_mode:
        module.exit_json(changed=True, output='')
    try:
        args = ['reset', '-f', '--cri-socket', module.params['cri_socket']]
        if module.params['cleanup_tmp_dir']:
            args.append('--cleanup-tmp-dir')
        out = runner.run(args)
    except kubeadm_utils.KubeadmError as exc:
        kubeadm_utils.fail_masked(module, exc)
    module.exit_json(changed=True, output=kubeadm_utils.redact(out, 40))


if __name__ == '__main__':
    main()
