#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: kubeadm_init
short_description: Initialise a kubeadm cluster, or complete an initialisation that stopped half-way
version_added: 0.2.0
description:
  - With O(action=init), optionally resets the node first (O(reset_first)), validates O(config)
    with C(kubeadm config validate), then runs C(kubeadm init --config).
  - With O(action=resume), runs the given C(kubeadm init phase) commands, in order, with O(config),
    what an init that stopped after C(upload-config) still owes the cluster. Each of those phases
    creates or updates its objects, so repeating one is harmless.
  - The decision which action a node needs is made from the live cluster
    (M(seed.kubeadm.kubeadm_state) and the P(seed.kubeadm.kubeadm_plan#filter) filter), not by this module.
  - kubeadm's output holds a bootstrap token and may hold a certificate key; both are masked in
    everything this module returns. Use C(no_log) on the task anyway.
author:
  - Seed developers (!UNKNOWN)
extends_documentation_fragment:
  - seed.kubeadm.attributes
  - seed.kubeadm.kubeadm
  - seed.kubeadm.kubeadm.progress
attributes:
  check_mode:
    support: full
    details: Validates the configuration (read-only) and reports a change without running init.
  diff_mode:
    support: none
options:
  config:
    description: The kubeadm init configuration file on the node.
    type: path
    required: true
  action:
    description: V(init) runs C(kubeadm init); V(resume) runs O(phases).
    type: str
    choices: [init, resume]
    default: init
  phases:
    description: C(kubeadm init phase) commands for O(action=resume), each a list of words.
    type: list
    elements: list
    default: []
  reset_first:
    description: Run C(kubeadm reset -f) before O(action=init) (leftovers of an init that stopped half-way).
    type: bool
    default: false
  validate:
    description: Run C(kubeadm config validate --config) before anything else.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Initialise the cluster
  seed.kubeadm.kubeadm_init:
    config: /etc/kubernetes/kubeadm-config.yaml
  no_log: true

- name: Complete an init that stopped after upload-config
  seed.kubeadm.kubeadm_init:
    config: /etc/kubernetes/kubeadm-config.yaml
    action: resume
    phases: [[bootstrap-token], [addon, coredns], [addon, kube-proxy]]
"""

RETURN = r"""
commands:
  description: The kubeadm commands run (arguments only, no secret is ever on them).
  returned: always
  type: list
  elements: list
  sample: [[config, validate, --config, /etc/kubernetes/kubeadm-config.yaml], [init, --config, /etc/kubernetes/kubeadm-config.yaml]]
output:
  description: The last lines of kubeadm's output, tokens and certificate keys masked.
  returned: always
  type: str
started:
  description: With O(background), that the detached run started.
  returned: when O(background=true)
  type: bool
pid:
  description: With O(background), the process group of the detached run.
  returned: when O(background=true)
  type: int
result_file:
  description: With O(background), where the detached run leaves its result.
  returned: when O(background=true)
  type: str
progress:
  description: The states the action saw while kubeadm ran, each with the seconds since the start.
  returned: when O(timeout) is above 0
  type: list
  elements: dict
  sample:
    - {after: 0, state: "started kubeadm init"}
    - {after: 12, state: "[control-plane-check] Waiting for healthy control plane components. This can take up to 4m0s"}
"""

import os
import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.seed.kubeadm.plugins.module_utils import kubeadm as kubeadm_utils


def run_all(module, runner, commands, progress=None):
    """Run each kubeadm command; fail with the masked output of the first that fails."""
    outputs = []
    for args in commands:
        words = []
        for arg in args:
            if arg.startswith('-'):
                break
            words.append(arg)
        try:
            outputs.append(runner.run(args, what='kubeadm ' + ' '.join(words)[:60], progress=progress))
        except kubeadm_utils.KubeadmError as exc:
            kubeadm_utils.fail_masked(module, exc, commands=commands)
        except Exception as exc:  # pragma: no cover - defensive
            module.fail_json(msg='kubeadm failed: %s' % exc, exception=traceback.format_exc())
    return kubeadm_utils.redact('\n'.join(outputs), 40)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type='path', required=True),
            action=dict(type='str', choices=['init', 'resume'], default='init'),
            phases=dict(type='list', elements='list', default=[]),
            reset_first=dict(type='bool', default=False),
            cri_socket=dict(type='str', default='unix:///run/containerd/containerd.sock'),
            validate=dict(type='bool', default=True),
            kubeadm_path=dict(type='path'),
            progress_file=dict(type='path'),
            background=dict(type='bool', default=False),
            # Read by the action plugin of the same name, not here.
            timeout=dict(type='int', default=0),
            poll_interval=dict(type='float', default=3),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not os.path.isfile(p['config']):
        module.fail_json(msg='config %s does not exist' % p['config'])
    if p['action'] == 'resume' and not p['phases']:
        module.fail_json(msg='action=resume needs the phases to run')
    runner = kubeadm_utils.Kubeadm(module, p['kubeadm_path'])
    if p['progress_file']:
        kubeadm_utils.refuse_if_running(module, p['progress_file'], 'kubeadm init')
    if p['progress_file'] and not module.check_mode:
        kubeadm_utils.open_progress(p['progress_file'], truncate=True).close()
    commands = []
    if p['validate']:
        validate = ['config', 'validate', '--config', p['config']]
        run_all(module, runner, [validate])
        commands.append(validate)
    work = []
    if p['action'] == 'init':
        if p['reset_first']:
            work.append(['reset', '-f', '--cri-socket', p['cri_socket']])
        work.append(['init', '--config', p['config']])
    else:
        work.extend(['init', 'phase'] + [str(w) for w in phase] + ['--config', p['config']] for phase in p['phases'])
    commands.extend(work)
    if module.check_mode:
        module.exit_json(changed=True, commands=commands, output='')
    if p['background']:
        if not p['progress_file']:
            module.fail_json(msg='background=true needs progress_file')
        kubeadm_utils.detach(module, p['progress_file'])
    output = run_all(module, runner, work, progress=p['progress_file'])
    module.exit_json(changed=True, commands=commands, output=output)


if __name__ == '__main__':
    main()
