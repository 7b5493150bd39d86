#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: kubeadm_join
short_description: Join a node (worker or control plane) with a configuration that holds its secrets
version_added: 0.2.0
description:
  - Writes O(config_content) (a JoinConfiguration with the bootstrap token and, for a control
    plane, the certificate key) to a private temporary file (mode 0600), validates it with
    C(kubeadm config validate), optionally resets the node first, runs C(kubeadm join --config) and
    removes the file, whatever happened. No secret is ever on a command line.
  - Whether a node must join is decided from the live cluster (M(seed.kubeadm.kubeadm_state) and
    the P(seed.kubeadm.kubeadm_plan#filter) filter), not by this module.
author:
  - Seed developers (!UNKNOWN)
extends_documentation_fragment:
  - seed.kubeadm.attributes
  - seed.kubeadm.kubeadm
  - seed.kubeadm.kubeadm.progress
attributes:
  check_mode:
    support: full
    details: Reports a change without writing the file or running kubeadm.
  diff_mode:
    support: none
options:
  config_content:
    description: The kubeadm join configuration (YAML). It holds secrets; the task needs C(no_log).
    type: str
    required: true
  reset_first:
    description: Run C(kubeadm reset -f) first (leftovers of a join that stopped half-way).
    type: bool
    default: false
  validate:
    description: Run C(kubeadm config validate) on the configuration first.
    type: bool
    default: true
  directory:
    description: Where the temporary configuration file is created.
    type: path
    default: /etc/kubernetes
"""

EXAMPLES = r"""
- name: Join this worker
  seed.kubeadm.kubeadm_join:
    config_content: "{{ join_documents | seed.kubeadm.kubeadm_yaml }}"
  no_log: true
"""

RETURN = r"""
commands:
  description: The kubeadm commands run, with the temporary file's path.
  returned: always
  type: list
  elements: list
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
  sample: [{after: 0, state: "started kubeadm join"}, {after: 9, state: "[check-etcd] Checking that the etcd cluster is healthy"}]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.seed.kubeadm.plugins.module_utils import kubeadm as kubeadm_utils


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config_content=dict(type='str', required=True, no_log=True),
            reset_first=dict(type='bool', default=False),
            cri_socket=dict(type='str', default='unix:///run/containerd/containerd.sock'),
            validate=dict(type='bool', default=True),
            directory=dict(type='path', default='/etc/kubernetes'),
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
    runner = kubeadm_utils.Kubeadm(module, p['kubeadm_path'])
    if module.check_mode:
        module.exit_json(changed=True, commands=[], output='')
    if not os.path.isdir(p['directory']):
        os.makedirs(p['directory'], 0o755)
    progress = p['progress_file']
    if progress:
        kubeadm_utils.refuse_if_running(module, progress, 'kubeadm join')
        kubeadm_utils.open_progress(progress, truncate=True).close()
    if p['background']:
        if not progress:
            module.fail_json(msg='background=true needs progress_file')
        kubeadm_utils.detach(module, progress)
    commands = []
    outputs = []
    try:
        if p['reset_first']:
            args = ['reset', '-f', '--cri-socket', p['cri_socket']]
            commands.append(args)
            outputs.append(runner.run(args, progress=progress))
        # kubeadm reset empties /etc/kubernetes (the directory stays): the file is written after it.
        with kubeadm_utils.ConfigFile(p['config_content'], p['directory']) as path:
            if p['validate']:
                args = ['config', 'validate', '--config', path]
                commands.append(args)
                outputs.append(runner.run(args))
            args = ['join', '--config', path]
            commands.append(args)
            outputs.append(runner.run(args, progress=progress))
    except kubeadm_utils.KubeadmError as exc:
        kubeadm_utils.fail_masked(module, exc, commands=commands)
    except Exception as exc:  # a detached run has nobody else to report it (see kubeadm_utils.detach)
        module.fail_json(msg='kubeadm join failed: %s' % kubeadm_utils.redact(str(exc)), commands=commands)
    module.exit_json(changed=True, commands=commands, output=kubeadm_utils.redact('\n'.join(outputs), 40))


if __name__ == '__main__':
    main()
