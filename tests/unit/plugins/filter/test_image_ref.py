# -*- coding: utf-8 -*-
"""Unit tests for the image_ref filter."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.kubeadm.plugins.filter.image_ref import FilterModule, image_ref, kubeadm_image_aliases, split_image
from unit_helpers import filter_names, raises_exactly

ONLINE = {"source": "online", "repository": "registry.k8s.io", "prefix": ""}
MIRROR = {"source": "mirror", "repository": "registry.aliyuncs.com/google_containers", "prefix": ""}
MIRROR_PREFIX = {"source": "mirror", "repository": "registry.aliyuncs.com/google_containers", "prefix": "m.daocloud.io"}
OFFLINE = {"source": "offline", "repository": "10.0.0.5:60080/registry.k8s.io", "prefix": "10.0.0.5:60080"}


@pytest.mark.parametrize("ref,expected", [
    ("busybox", ("docker.io", "library/busybox", ":latest")),
    ("flannel/flannel:v0.26.7", ("docker.io", "flannel/flannel", ":v0.26.7")),
    ("registry.k8s.io/pause:3.10.1", ("registry.k8s.io", "pause", ":3.10.1")),
    ("localhost/x", ("localhost", "x", ":latest")),
    ("10.0.0.5:60080/a/b:1", ("10.0.0.5:60080", "a/b", ":1")),
    ("quay.io/calico/node@sha256:" + "ab" * 32, ("quay.io", "calico/node", "@sha256:" + "ab" * 32)),
    ("ghcr.io/a_b/c__d/e-f--g.h:v1_2-3.4", ("ghcr.io", "a_b/c__d/e-f--g.h", ":v1_2-3.4")),
    ("a@x:" + "0" * 32, ("docker.io", "library/a", "@x:" + "0" * 32)),
    # A registry is the first component only when it looks like a host: a dot, a port or localhost.
    ("myreg:5000/team/app:1", ("myreg:5000", "team/app", ":1")),
    ("localhost", ("docker.io", "library/localhost", ":latest")),
    ("my.registry", ("docker.io", "library/my.registry", ":latest")),
    ("team/app", ("docker.io", "team/app", ":latest")),
])
def test_split_image(ref, expected):
    assert split_image(ref) == expected


@pytest.mark.parametrize("bad", ["", " x", "a b", None, 5, b"x", "docker.io/:tag", "Team/App", "a/b:c/d", "a/b:", "a/.b", "a/b:c:d",
                                 "a@sha256:" + "0" * 64 + "@x", "a@sha256:zz", "a@" + "0" * 64, "a:" + "t" * 129])
def test_split_image_rejects(bad):
    with raises_exactly(AnsibleFilterError, "invalid image reference %r" % (bad,)):
        split_image(bad)


def test_online_only_normalizes():
    assert image_ref("flannel/flannel:v1", ONLINE) == "docker.io/flannel/flannel:v1"
    assert image_ref("registry.k8s.io/sig-storage/x:v4", ONLINE) == "registry.k8s.io/sig-storage/x:v4"


def test_offline_prefixes_every_registry():
    assert image_ref("registry.k8s.io/pause:3.10.1", OFFLINE) == "10.0.0.5:60080/registry.k8s.io/pause:3.10.1"
    assert image_ref("ghcr.io/flannel-io/flannel:v0.27", OFFLINE) == "10.0.0.5:60080/ghcr.io/flannel-io/flannel:v0.27"
    assert image_ref("busybox", OFFLINE) == "10.0.0.5:60080/docker.io/library/busybox:latest"


def test_offline_without_prefix_fails():
    with raises_exactly(AnsibleFilterError, "offline mode needs the init node's registry as prefix; is the init group empty?"):
        image_ref("busybox", dict(OFFLINE, prefix=""))


def test_mirror_with_prefix():
    assert image_ref("quay.io/calico/node:v3.30", MIRROR_PREFIX) == "m.daocloud.io/quay.io/calico/node:v3.30"


def test_mirror_without_prefix_moves_k8s_images_only():
    assert image_ref("registry.k8s.io/pause:3.10.1", MIRROR) == "registry.aliyuncs.com/google_containers/pause:3.10.1"
    assert image_ref("docker.io/flannel/flannel:v1", MIRROR) == "docker.io/flannel/flannel:v1"
    with raises_exactly(AnsibleFilterError, "mirror mode needs cluster_mirror_image_repository"):
        image_ref("registry.k8s.io/pause:3.10", dict(MIRROR, repository=""))


def test_bad_settings():
    with raises_exactly(AnsibleFilterError, "image_ref expects the cluster_facts.sources.image_rewrite dictionary"):
        image_ref("busybox", "online")
    with raises_exactly(AnsibleFilterError, "cluster_source must be online, mirror or offline, not 'elsewhere'"):
        image_ref("busybox", {"source": "elsewhere"})


def test_trailing_slashes_of_prefix_and_repository():
    assert image_ref("busybox", dict(OFFLINE, prefix="10.0.0.5:60080/")) == "10.0.0.5:60080/docker.io/library/busybox:latest"
    assert image_ref("registry.k8s.io/pause:3.10.1", dict(MIRROR, repository="r.example/k8s/")) == "r.example/k8s/pause:3.10.1"
    # Only slashes go: a host name may end in any letter.
    assert image_ref("busybox", dict(OFFLINE, prefix="MIRRORX")) == "MIRRORX/docker.io/library/busybox:latest"
    assert image_ref("registry.k8s.io/pause:3.10.1", dict(MIRROR, repository="REGX")) == "REGX/pause:3.10.1"


def test_filter_module():
    assert FilterModule().filters()["image_ref"] is image_ref
    assert filter_names(FilterModule) == {"image_ref", "kubeadm_image_aliases"}


@pytest.mark.parametrize("ref, expected", [
    ("registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:v4.0.2",
     "registry.aliyuncs.com/google_containers/sig-storage/nfs-subdir-external-provisioner:v4.0.2"),
    ("registry.k8s.io/ingress-nginx/controller:v1.14.1",
     "registry.aliyuncs.com/google_containers/ingress-nginx/controller:v1.14.1"),
    ("k8s.gcr.io/sig-storage/nfs:v4", "registry.aliyuncs.com/google_containers/sig-storage/nfs:v4"),
    ("registry.k8s.io/kube-apiserver:v1.35.6", "registry.aliyuncs.com/google_containers/kube-apiserver:v1.35.6"),
    # kubeadm's own rule for a custom imageRepository: coredns/coredns is served as <repository>/coredns.
    ("registry.k8s.io/coredns/coredns:v1.12.1", "registry.aliyuncs.com/google_containers/coredns:v1.12.1"),
    # An image the user points at the mirror directly is left alone.
    ("registry.aliyuncs.com/google_containers/nginx-ingress-controller:v1.14.1",
     "registry.aliyuncs.com/google_containers/nginx-ingress-controller:v1.14.1"),
])
def test_mirror_keeps_the_path_below_registry_k8s_io(ref, expected):
    assert image_ref(ref, MIRROR) == expected


@pytest.mark.parametrize("ref, aliases", [
    ("registry.k8s.io/coredns/coredns:v1.13.1", ["registry.k8s.io/coredns:v1.13.1"]),
    ("registry.k8s.io/coredns/coredns:v1.11.3", ["registry.k8s.io/coredns:v1.11.3"]),
    ("registry.k8s.io/coredns:v1.13.1", []),
    ("registry.k8s.io/pause:3.10.1", []),
    ("docker.io/coredns/coredns:1.13.1", []),
    # kubeadm asks by tag: a digest-pinned reference has no flat alias.
    ("registry.k8s.io/coredns/coredns:v1.13.1@sha256:" + "01" * 32, []),
    ("registry.k8s.io/coredns/coredns", []),
])
def test_kubeadm_image_aliases(ref, aliases):
    """Defect 2: kubeadm asks for <repo>/coredns:<tag> under the offline repository; the init node serves it."""
    assert kubeadm_image_aliases(ref) == aliases
