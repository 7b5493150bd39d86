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
    kubeadm gives a stacked etcd member) or the member with the peer URL O(peer_url), if it exists.
  - A member that was added but never started has no name yet; O(peer_url) finds it.
  - A learner (a member added as non-voting, not promoted yet) is removed like any member; it does
    not count towards O(min_members).
  - Used before a wiped control-plane host joins again (its old member would otherwise block the
    join) and when a control plane is removed.
  - Refuses to remove the member the request goes through, a voting member whose removal would
    leave fewer than O(min_members) voting members, and a removal where O(name) and O(peer_url) name
    two different members.
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
    description:
      - Name of the etcd member (the Kubernetes node name of its host).
      - With O(state=absent), O(name), O(peer_url) or both are required.
    type: str
  peer_url:
    description:
      - A peer URL of the member (C(https://<address>:2380) for kubeadm's stacked etcd).
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
    description: Voting members that must remain after the removal.
    type: int
    default: 1
"""

EXAMPLES = r"""
- name: Remove the etcd member of a wiped control-plane host
  seed.kubeadm.etcd_member:
    name: cp1
    local_name: "{{ inventory_hostname }}"
  delegate_to: cp2

- name: Remove the member of cp1's address, named or not (added by a join that never started it)
  seed.kubeadm.etcd_member:
    name: cp1
    peer_url: https://192.0.2.11:2380
    local_name: cp2
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
  description: Peer URLs of each named member after the change, by member name.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.seed.kubeadm.plugins.module_utils import kubeapi


def listing(members):
    """The names of ``members`` (empty for a member never started) and the peer URLs of the named ones."""
    return [m['name'] for m in members], dict((m['name'], m['peer_urls']) for m in members if m['name'])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str'),
            peer_url=dict(type='str'),
            state=dict(type='str', choices=['absent', 'query'], default='absent'),
            endpoint=dict(type='str', default='https://127.0.0.1:2379'),
            pki_dir=dict(type='path', default='/etc/kubernetes/pki'),
            local_name=dict(type='str'),
            min_members=dict(type='int', default=1),
        ),
        required_if=[('state', 'absent', ('name', 'peer_url'), True)],
        supports_check_mode=True,
    )
    p = module.params
    try:
        creds = kubeapi.etcd_credentials(p['pki_dir'], p['endpoint'])
        members = kubeapi.etcd_members(creds)
    except (kubeapi.ApiUnreachable, IOError, OSError) as exc:
        module.fail_json(msg='cannot list the etcd members through %s: %s' % (p['endpoint'], exc))
    names, peer_urls = listing(members)
    if p['state'] == 'query':
        module.exit_json(changed=False, members=names, removed=None, peer_urls=peer_urls)
    by_name = next((m for m in members if p['name'] and m['name'] == p['name']), None)
    by_url = next((m for m in members if p['peer_url'] and p['peer_url'] in m['peer_urls']), None)
    if by_name and by_url and by_name['id'] != by_url['id']:
        module.fail_json(msg='etcd member %s has the peer URLs %s, and %s belongs to another member (ID %x): '
                             'name and peer_url must name the same member'
                             % (p['name'], ', '.join(by_name['peer_urls']), p['peer_url'], int(by_url['id'])))
    target = by_name or by_url
    if target is None:
        module.exit_json(changed=False, members=names, removed=None, peer_urls=peer_urls)
    label = target['name'] or p['peer_url']
    if p['local_name'] and target['name'] == p['local_name']:
        module.fail_json(msg='refusing to remove etcd member %s through itself; run this on another '
                             'control-plane node' % label)
    voters = len([m for m in members if not m.get('learner')])
    if not target.get('learner') and voters - 1 < p['min_members']:
        module.fail_json(msg='removing etcd member %s would leave %d voting member(s), fewer than min_members=%d'
                             % (label, voters - 1, p['min_members']))
    member_id = int(target['id'])
    if not module.check_mode:
        try:
            status, body = kubeapi.request(creds, '/v3/cluster/member/remove', method='POST',
                                           body={'ID': str(member_id)})
        except kubeapi.ApiUnreachable as exc:
            module.fail_json(msg='etcd member remove %s failed: %s' % (label, exc))
        if status != 200:
            module.fail_json(msg='etcd member remove %s answered HTTP %s: %s' % (label, status, kubeapi.etcd_error(body)))
        names, peer_urls = listing([m for m in members if m is not target])
    module.exit_json(changed=True, members=names, removed='%x' % member_id, peer_urls=peer_urls)


if __name__ == '__main__':
    main()
