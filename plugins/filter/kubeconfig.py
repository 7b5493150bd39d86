# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: adapt a kubeconfig for use elsewhere (role control_plane)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: kubeconfig_server
short_description: A kubeconfig with the server of its clusters replaced
version_added: 0.1.0
description:
  - Replaces the C(server) URL of every cluster of a kubeconfig (the text C(kubeadm) writes to
    C(/etc/kubernetes/admin.conf)) and keeps everything else byte for byte, so the copy of
    C(admin.conf) on the controller talks to the API endpoint (the VIP) whatever the node's copy says.
  - A text with no C(server) line fails the filter (not a kubeconfig).
positional: _input, server
options:
  _input:
    description: The kubeconfig text.
    type: str
    required: true
  server:
    description: The server URL, for example C(https://10.0.0.100:6443).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Admin kubeconfig that talks to the API VIP
  ansible.builtin.copy:
    content: "{{ admin_conf | seed.kubeadm.kubeconfig_server('https://10.0.0.100:6443') }}"
    dest: artifacts/admin.conf
    mode: "0600"
  no_log: true
"""

RETURN = r"""
_value:
  description: The kubeconfig text with the new server.
  type: str
"""

import re

from ansible.errors import AnsibleFilterError

SERVER_RE = re.compile(r"^(\s+server:)[ \t]*\S.*$", re.M)


def kubeconfig_server(text, server):
    """The kubeconfig text with the server of every cluster set to server."""
    if not isinstance(text, str) or not str(server or "").startswith("https://"):
        raise AnsibleFilterError("kubeconfig_server needs the kubeconfig text and an https:// server URL")
    out, count = SERVER_RE.subn(lambda match: "%s %s" % (match.group(1), server), text)
    if not count:
        raise AnsibleFilterError("kubeconfig_server: no cluster server in the text (not a kubeconfig)")
    return out


class FilterModule:
    """kubeconfig filters."""

    def filters(self):
        return {"kubeconfig_server": kubeconfig_server}
