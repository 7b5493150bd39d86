#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: etcd_member
short_description: List the members of a kubeadm control plane's stacked etcd, or remove one
version_added: 0.2.0
description:
  - Run on a healthy control-plane node. Lists the etcd members through the local member with the
    API server's etcd client certificate and removes the member called O(name) (the node name
    kubeadm gives a stacked etcd member), if it exists.
  - Used before a wiped control-plane host joins again (its old member would otherwise block the
    join) and when a control plane is removed.
  - Refuses to remove the member the request goes through, and a member whose removal would
    leave fewer than O(min_members).
  - With O(state=query) it only lists the members (RV(members), RV(peer_urls)), for example to
    check a restored cluster.
author:
  - Seed developers (!UNKNOWN)
extends_documentation_fragment:
  - seed.kubeadm.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
options:
  name:
    description: Name of the etcd member (the Kubernetes node name of its host); required with O(state=absent).
    type: str
  state:
    description:
      - V(absent) removes the member O(name); V(query) changes nothing. Members are added by C(kubeadm join).
    type: str
    choices: [absent, query]
    default: absent
  endpoint:
    description: Client URL of the local etcd member.
    type: str
    default: https://127.0.0.1:2379
  pki_dir:
    description: kubeadm's certificate directory (C(etcd/ca.crt), C(apiserver-etcd-client.crt/.key)).
    type: path
    default: /etc/kubernetes/pki
  local_name:
    description: Name of the member the request goes through (never removed).
    type: str
  min_members:
    description: Members that must remain after the removal.
    type: int
    default: 1
"""

EXAMPLES = r"""
- name: Remove the etcd member of a wiped control-plane host
  seed.kubeadm.etcd_member:
    name: cp1
    local_name: "{{ inventory_hostname }}"
  delegate_to: cp2
"""

RETURN = r"""
members:
  description: Member names after the change (before it in check mode).
  returned: always
  type: list
  elements: str
removed:
  description: ID of the removed member (hexadecimal, as C(etcdctl member list) prints it), or null.
  returned: always
  type: str
peer_urls:
  description: Peer URLs of each member after the change, by member name.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.seed.kubeadm.plugins.module_utils import kubeapi


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str'),
            state=dict(type='str', choices=['absent', 'query'], default='absent'),
            endpoint=dict(type='str', default='https://127.0.0.1:2379'),
            pki_dir=dict(type='path', default='/etc/kubernetes/pki'),
            local_name=dict(type='str'),
            min_members=dict(type='int', default=1),
        ),
        required_if=[('state', 'absent', ('name',))],
        supports_check_mode=True,
    )
    p = module.params
    try:
        creds = kubeapi.etcd_credentials(p['pki_dir'], p['endpoint'])
        members = kubeapi.etcd_members(creds)
    except (kubeapi.ApiUnreachable, IOError, OSError) as exc:
        module.fail_json(msg='cannot list the etcd members through %s: %s' % (p['endpoint'], exc))
    names = [m['name'] for m in members]
    peer_urls = dict((m['name'], m['peer_urls']) for m in members)
    target = next((m for m in members if m['name'] == p['name']), None)
    if p['state'] == 'query' or target is None:
        module.exit_json(changed=False, members=names, removed=None, peer_urls=peer_urls)
    if p['local_name'] and p['name'] == p['local_name']:
        module.fail_json(msg='refusing to remove etcd member %s through itself; run this on another '
                             'control-plane node' % p['name'])
    if len(members) - 1 < p['min_members']:
        module.fail_json(msg='removing etcd member %s would leave %d member(s), fewer than min_members=%d'
                             % (p['name'], len(members) - 1, p['min_members']))
    member_id = int(target['id'])
    if not module.check_mode:
        try:
            status, body = kubeapi.request(creds, '/v3/cluster/member/remove', method='POST',
                                           body={'ID': str(member_id)})
        except kubeapi.ApiUnreachable as exc:
            module.fail_json(msg='etcd member remove %s failed: %s' % (p['name'], exc))
        if status != 200:
            module.fail_json(msg='etcd member remove %s answered HTTP %s: %s' % (p['name'], status, kubeapi.etcd_error(body)))
        names = [n for n in names if n != p['name']]
        peer_urls.pop(p['name'], None)
    module.exit_json(changed=True, members=names, removed='%x' % member_id, peer_urls=peer_urls)


if __name__ == '__main__':
    main()
