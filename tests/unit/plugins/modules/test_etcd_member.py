# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd_member: what it asks etcd, what it refuses, and what it returns.

etcd's v3 JSON gateway is replaced by a recorder of kubeapi's calls (the orchestration scenario runs
the module against a real etcd); the calls must carry exactly what etcd's
``/v3/cluster/member/remove`` wants: a POST with the member ID as a decimal string."""

from __future__ import annotations

import pytest

import kubeadm_testlib as lib
from ansible_collections.seed.kubeadm.plugins.modules import etcd_member

MEMBERS = [{'name': 'cp1', 'peer_urls': ['https://10.0.0.11:2380'], 'id': '17'},
           {'name': 'cp2', 'peer_urls': ['https://10.0.0.12:2380'], 'id': '171'},
           {'name': 'cp3', 'peer_urls': ['https://10.0.0.13:2380'], 'id': '4660'}]


class Etcd(object):
    """Records kubeapi's calls; answers the member list and a remove with ``answer``."""

    def __init__(self, monkeypatch, members=None, answer=(200, {}), list_error=None):
        self.creds = object()
        self.calls = []
        self.members = MEMBERS if members is None else members
        self.answer = answer
        self.list_error = list_error
        monkeypatch.setattr(etcd_member.kubeapi, 'etcd_credentials', self.credentials)
        monkeypatch.setattr(etcd_member.kubeapi, 'etcd_members', self.member_list)
        monkeypatch.setattr(etcd_member.kubeapi, 'request', self.request)

    def credentials(self, pki_dir, endpoint):
        self.calls.append(('credentials', pki_dir, endpoint))
        return self.creds

    def member_list(self, creds):
        assert creds is self.creds
        if self.list_error:
            raise self.list_error
        return [dict(m) for m in self.members]

    def request(self, creds, path, method='GET', body=None, **kwargs):
        assert creds is self.creds and not kwargs
        self.calls.append(('request', path, method, body))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def removals(self):
        return [c[1:] for c in self.calls if c[0] == 'request']


def test_members_are_listed_through_the_given_endpoint_and_pki(monkeypatch):
    etcd = Etcd(monkeypatch)
    result, rc = lib.run_module(etcd_member, {'state': 'query', 'pki_dir': '/srv/pki',
                                              'endpoint': 'https://10.0.0.12:2379'})
    assert rc == 0 and etcd.calls == [('credentials', '/srv/pki', 'https://10.0.0.12:2379')]
    assert result['changed'] is False and result['removed'] is None
    assert result['members'] == ['cp1', 'cp2', 'cp3']
    assert result['peer_urls'] == {'cp1': ['https://10.0.0.11:2380'], 'cp2': ['https://10.0.0.12:2380'],
                                   'cp3': ['https://10.0.0.13:2380']}


def test_default_endpoint_and_pki_are_the_local_stacked_etcd(monkeypatch):
    etcd = Etcd(monkeypatch)
    lib.run_module(etcd_member, {'state': 'query'})
    assert etcd.calls == [('credentials', '/etc/kubernetes/pki', 'https://127.0.0.1:2379')]


def test_query_of_a_member_never_removes_it(monkeypatch):
    etcd = Etcd(monkeypatch)
    result, rc = lib.run_module(etcd_member, {'state': 'query', 'name': 'cp2'})
    assert rc == 0 and result['changed'] is False and result['removed'] is None and etcd.removals() == []
    assert result['members'] == ['cp1', 'cp2', 'cp3']


def test_a_name_that_is_no_member_is_already_absent(monkeypatch):
    etcd = Etcd(monkeypatch)
    result, rc = lib.run_module(etcd_member, {'name': 'cp9'})
    assert rc == 0 and result['changed'] is False and result['removed'] is None and etcd.removals() == []


def test_remove_posts_the_decimal_id_and_returns_it_in_hex(monkeypatch):
    etcd = Etcd(monkeypatch)
    result, rc = lib.run_module(etcd_member, {'name': 'cp2', 'local_name': 'cp1'})
    assert rc == 0 and result['changed'] is True
    assert etcd.removals() == [('/v3/cluster/member/remove', 'POST', {'ID': '171'})]
    assert result['removed'] == 'ab'
    assert result['members'] == ['cp1', 'cp3']
    assert result['peer_urls'] == {'cp1': ['https://10.0.0.11:2380'], 'cp3': ['https://10.0.0.13:2380']}


def test_check_mode_reports_the_removal_without_it(monkeypatch):
    etcd = Etcd(monkeypatch)
    result, rc = lib.run_module(etcd_member, {'name': 'cp3'}, check_mode=True)
    assert rc == 0 and result['changed'] is True and result['removed'] == '1234' and etcd.removals() == []
    assert result['members'] == ['cp1', 'cp2', 'cp3'] and sorted(result['peer_urls']) == ['cp1', 'cp2', 'cp3']


@pytest.mark.parametrize('args, message', [
    ({'name': 'cp1', 'local_name': 'cp1'},
     'refusing to remove etcd member cp1 through itself; run this on another control-plane node'),
    ({'name': 'cp2', 'min_members': 3},
     'removing etcd member cp2 would leave 2 voting member(s), fewer than min_members=3'),
    ({'name': 'cp2', 'peer_url': 'https://10.0.0.13:2380'},
     'etcd member cp2 has the peer URLs https://10.0.0.12:2380, and https://10.0.0.13:2380 belongs to another '
     'member (ID 1234): name and peer_url must name the same member'),
    ({'peer_url': 'https://10.0.0.11:2380', 'local_name': 'cp1'},
     'refusing to remove etcd member cp1 through itself; run this on another control-plane node'),
])
def test_refusals_name_the_member_and_the_reason(monkeypatch, args, message):
    etcd = Etcd(monkeypatch)
    result, rc = lib.run_module(etcd_member, args)
    assert rc == 1 and result['msg'] == message and etcd.removals() == []


def test_removal_down_to_min_members_is_allowed(monkeypatch):
    etcd = Etcd(monkeypatch)
    result, rc = lib.run_module(etcd_member, {'name': 'cp2', 'min_members': 2})
    assert rc == 0 and result['changed'] is True and len(etcd.removals()) == 1


def test_state_absent_needs_a_name(monkeypatch):
    etcd = Etcd(monkeypatch)
    result, rc = lib.run_module(etcd_member, {'state': 'absent'})
    assert rc == 1 and result['msg'] == 'state is absent but any of the following are missing: name, peer_url'
    assert etcd.calls == []


UNSTARTED = MEMBERS[:2] + [{'name': '', 'peer_urls': ['https://10.0.0.13:2380'], 'id': '4660', 'learner': False}]


@pytest.mark.parametrize('args', [{'peer_url': 'https://10.0.0.13:2380'},
                                  {'name': 'cp3', 'peer_url': 'https://10.0.0.13:2380'}])
def test_a_member_never_started_is_found_by_its_peer_url(monkeypatch, args):
    """kubeadm join adds the member before etcd starts: until it starts, the member has no name."""
    etcd = Etcd(monkeypatch, members=UNSTARTED)
    result, rc = lib.run_module(etcd_member, dict(args, local_name='cp1'))
    assert rc == 0 and result['changed'] is True and result['removed'] == '1234'
    assert etcd.removals() == [('/v3/cluster/member/remove', 'POST', {'ID': '4660'})]
    assert result['members'] == ['cp1', 'cp2'] and sorted(result['peer_urls']) == ['cp1', 'cp2']


def test_a_member_never_started_is_not_found_by_an_empty_name(monkeypatch):
    etcd = Etcd(monkeypatch, members=UNSTARTED)
    result, rc = lib.run_module(etcd_member, {'name': '', 'peer_url': 'https://10.0.0.99:2380'})
    assert rc == 0 and result['changed'] is False and etcd.removals() == []


def test_a_learner_is_removed_without_counting_as_a_voter(monkeypatch):
    """Two voters and a learner: removing the learner keeps both voters, so min_members=2 allows it;
    removing a voter would leave one."""
    members = MEMBERS[:2] + [dict(MEMBERS[2], learner=True)]
    etcd = Etcd(monkeypatch, members=members)
    result, rc = lib.run_module(etcd_member, {'name': 'cp3', 'min_members': 2})
    assert rc == 0 and result['changed'] is True and etcd.removals() == [('/v3/cluster/member/remove', 'POST', {'ID': '4660'})]
    etcd = Etcd(monkeypatch, members=members)
    result, rc = lib.run_module(etcd_member, {'name': 'cp2', 'min_members': 2})
    assert rc == 1 and etcd.removals() == []
    assert result['msg'] == 'removing etcd member cp2 would leave 1 voting member(s), fewer than min_members=2'


@pytest.mark.parametrize('answer, message', [
    (etcd_member.kubeapi.ApiUnreachable('connection reset'), 'etcd member remove cp2 failed: connection reset'),
    # etcd 3.6 (grpc-gateway v2): FailedPrecondition is HTTP 400 with code and message
    ((400, {'code': 9, 'message': 'etcdserver: re-configuration failed due to not enough started members'}),
     'etcd member remove cp2 answered HTTP 400: etcdserver: re-configuration failed due to not enough started members'),
    # etcd 3.5 (grpc-gateway v1) repeats the message as "error"
    ((400, {'error': 'etcdserver: re-configuration failed due to not enough started members', 'code': 9}),
     'etcd member remove cp2 answered HTTP 400: etcdserver: re-configuration failed due to not enough started members'),
    ((502, 'Bad Gateway'), 'etcd member remove cp2 answered HTTP 502: Bad Gateway'),
])
def test_a_failed_remove_names_the_member_and_etcd_s_answer(monkeypatch, answer, message):
    Etcd(monkeypatch, answer=answer)
    result, rc = lib.run_module(etcd_member, {'name': 'cp2'})
    assert rc == 1 and result['msg'] == message


@pytest.mark.parametrize('error', [etcd_member.kubeapi.ApiUnreachable('connection refused'),
                                   OSError('connection refused')])
def test_an_unreachable_etcd_names_the_endpoint(monkeypatch, error):
    Etcd(monkeypatch, list_error=error)
    result, rc = lib.run_module(etcd_member, {'name': 'cp2', 'endpoint': 'https://10.0.0.12:2379'})
    assert rc == 1 and result['msg'] == 'cannot list the etcd members through https://10.0.0.12:2379: connection refused'
