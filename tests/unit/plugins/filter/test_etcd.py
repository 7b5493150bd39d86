# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd_static_pod: the member kubeadm's etcd manifest runs (flags as cmd/kubeadm/app/phases/etcd/local.go writes them)."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter.etcd import FilterModule, etcd_static_pod

# A kubeadm etcd manifest (joined member), trimmed to the parts the filter reads.
MANIFEST = yaml.safe_load("""
apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://10.0.0.12:2379
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://10.0.0.12:2379
    - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    - --client-cert-auth=true
    - --data-dir=/var/lib/etcd
    - --initial-advertise-peer-urls=https://10.0.0.12:2380
    - --initial-cluster=cp1=https://10.0.0.11:2380,cp2=https://10.0.0.12:2380
    - --initial-cluster-state=existing
    - --listen-client-urls=https://127.0.0.1:2379,https://10.0.0.12:2379
    - --name=cp2
    image: registry.k8s.io/etcd:3.6.6-0
    name: etcd
""")


def test_reads_the_member_from_the_manifest():
    assert etcd_static_pod(MANIFEST) == {"name": "cp2", "peer_url": "https://10.0.0.12:2380", "data_dir": "/var/lib/etcd",
                                         "image": "registry.k8s.io/etcd:3.6.6-0", "client_url": "https://10.0.0.12:2379",
                                         "wal_dir": ""}
    assert FilterModule().filters() == {"etcd_static_pod": etcd_static_pod}


def test_separate_values_and_args():
    pod = {"spec": {"containers": [{"name": "etcd", "image": "x/etcd:1", "command": ["etcd"],
                                    "args": ["--name", "n1", "--data-dir", "/data", "--initial-advertise-peer-urls",
                                             "https://[fd00::1]:2380,https://10.0.0.1:2380", "--wal-dir=/wal"]}]}}
    assert etcd_static_pod(pod) == {"name": "n1", "peer_url": "https://[fd00::1]:2380", "data_dir": "/data", "image": "x/etcd:1",
                                    "client_url": "", "wal_dir": "/wal"}
    pod["spec"]["containers"][0]["args"][3] = "/data/"
    assert etcd_static_pod(pod)["data_dir"] == "/data"


@pytest.mark.parametrize("manifest, message", [
    ("not a pod", "as a dict"),
    ({"spec": {"containers": [{"name": "kube-apiserver"}]}}, "no container named etcd"),
    ({"spec": {"containers": [{"name": "etcd", "image": "e", "command": ["etcd", "--name=a"]}]}},
     "no --initial-advertise-peer-urls, --data-dir"),
    ({"spec": {"containers": [{"name": "etcd", "command": [
        "etcd", "--name=a", "--data-dir=/d", "--initial-advertise-peer-urls=https://x:2380"]}]}}, "no image"),
])
def test_refuses_what_is_not_an_etcd_member(manifest, message):
    with pytest.raises(AnsibleFilterError, match=message):
        etcd_static_pod(manifest)
