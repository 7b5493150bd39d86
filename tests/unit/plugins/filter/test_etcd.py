# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd_static_pod: the member kubeadm's etcd manifest runs (flags as cmd/kubeadm/app/phases/etcd/local.go writes them)."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter.etcd import FilterModule, etcd_static_pod
from unit_helpers import raises_exactly

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
    ("not a pod", "etcd_static_pod needs the manifest as a dict, got str"),
    ({"spec": {"containers": [{"name": "kube-apiserver"}]}},
     "the manifest has no container named etcd (not kubeadm's etcd static pod)"),
    ({"spec": {"containers": [{"name": "etcd", "image": "e", "command": ["etcd", "--name=a"]}]}},
     "the etcd static pod has no --initial-advertise-peer-urls, --data-dir"),
    ({"spec": {"containers": [{"name": "etcd", "command": [
        "etcd", "--name=a", "--data-dir=/d", "--initial-advertise-peer-urls=https://x:2380"]}]}},
     "the etcd static pod has no image"),
])
def test_refuses_what_is_not_an_etcd_member(manifest, message):
    with raises_exactly(AnsibleFilterError, message):
        etcd_static_pod(manifest)


def member(*argv):
    return etcd_static_pod({"spec": {"containers": [{"name": "etcd", "image": "e:1", "command": ["etcd"], "args": list(argv)}]}})


@pytest.mark.parametrize("argv, expected", [
    # A value given apart follows its flag, also as the last argument and after another flag.
    (["--client-cert-auth", "--name", "n1", "--initial-advertise-peer-urls=https://a:2380", "--data-dir", "/d"],
     {"name": "n1", "data_dir": "/d"}),
    # A flag without value takes neither the next flag nor runs past the end.
    (["--name=n1", "--wal-dir", "--initial-advertise-peer-urls=https://a:2380", "--data-dir=/d", "--advertise-client-urls"],
     {"wal_dir": "", "client_url": "", "peer_url": "https://a:2380"}),
    # --flag=value keeps its value whatever follows; only URL lists are cut to their first entry.
    (["--name=a,b", "stray", "--initial-advertise-peer-urls=https://a:2380,https://b:2380", "--data-dir=/d,e"],
     {"name": "a,b", "peer_url": "https://a:2380", "data_dir": "/d,e"}),
    # A data directory keeps the root and loses a trailing slash.
    (["--name=n", "--initial-advertise-peer-urls=https://a:2380", "--data-dir=//"], {"data_dir": "/"}),
    (["--name=n", "--initial-advertise-peer-urls=https://a:2380", "--data-dir=/"], {"data_dir": "/"}),
    (["--name=n", "--initial-advertise-peer-urls=https://a:2380", "--data-dir=d/"], {"data_dir": "d"}),
    (["--name=n", "--initial-advertise-peer-urls=https://a:2380", "--data-dir=/srv/etcd-X/"], {"data_dir": "/srv/etcd-X"}),
])
def test_argument_forms(argv, expected):
    got = member(*argv)
    assert {key: got[key] for key in expected} == expected
