# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubeconfig_server: the controller's admin kubeconfig talks to the API endpoint."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter.kubeconfig import FilterModule, kubeconfig_server
from unit_helpers import raises_exactly

# The layout kubeadm writes (kubeconfig phase), secrets shortened.
ADMIN_CONF = """apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTi==
    server: https://cp1.example:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: LS0tLS1CRUdJTi==
    client-key-data: LS0tLS1CRUdJTi==
"""


def test_replaces_the_server_and_keeps_the_rest():
    out = kubeconfig_server(ADMIN_CONF, "https://10.0.0.100:6443")
    assert yaml.safe_load(out)["clusters"][0]["cluster"]["server"] == "https://10.0.0.100:6443"
    assert out.replace("https://10.0.0.100:6443", "https://cp1.example:6443") == ADMIN_CONF
    assert kubeconfig_server(out, "https://[fd00::100]:6443").count("server: https://[fd00::100]:6443") == 1
    assert FilterModule().filters() == {"kubeconfig_server": kubeconfig_server}


NEEDS = "kubeconfig_server needs the kubeconfig text and an https:// server URL"


@pytest.mark.parametrize("text, server, message", [
    ("kind: Config\n", "https://x:6443", "kubeconfig_server: no cluster server in the text (not a kubeconfig)"),
    (ADMIN_CONF, "x:6443", NEEDS),
    (ADMIN_CONF, None, NEEDS),
    (None, "https://x:6443", NEEDS),
])
def test_refuses(text, server, message):
    with raises_exactly(AnsibleFilterError, message):
        kubeconfig_server(text, server)
