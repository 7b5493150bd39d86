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
    assert filter_names(FilterModule) == {"image_ref", "kubeadm_image_aliases", "bundle_images"}


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


# bundle_images: what the offline bundle builder saves for each image.
import hashlib  # noqa: E402

from ansible_collections.seed.kubeadm.plugins.filter.image_ref import bundle_images  # noqa: E402


def test_bundle_images_online_keeps_upstream_names_and_makes_safe_archive_names():
    out = bundle_images(["registry.k8s.io/pause:3.10.1", "flannel/flannel:v0.26.7", "registry.k8s.io/pause:3.10.1",
                         "docker.io/flannel/flannel:v0.26.7"], ONLINE)
    assert [e["image"] for e in out] == ["registry.k8s.io/pause:3.10.1", "docker.io/flannel/flannel:v0.26.7"]
    assert [e["source"] for e in out] == [e["image"] for e in out]
    pause = "registry.k8s.io_pause_3.10.1-%s.tar" % hashlib.sha256(b"registry.k8s.io/pause:3.10.1").hexdigest()[:8]
    flannel = "docker.io_flannel_flannel_v0.26.7-%s.tar" % hashlib.sha256(b"docker.io/flannel/flannel:v0.26.7").hexdigest()[:8]
    assert [e["archive"] for e in out] == [pause, flannel]
    assert out[0]["triple"] == pause + "=registry.k8s.io/pause:3.10.1=registry.k8s.io/pause:3.10.1"
    assert out[0]["entry"] == {"archive": pause, "image": "registry.k8s.io/pause:3.10.1"}
    assert out[1]["artifact"] == {"path": "images/" + flannel, "kind": "image",
                                  "name": "docker.io/flannel/flannel", "version": "v0.26.7",
                                  "source": "docker.io/flannel/flannel:v0.26.7"}
    assert all(e["plain_http"] is False for e in out)


def test_bundle_images_mirror_pulls_from_the_mirror_but_stores_upstream_names():
    mirrors = [{"registry": "docker.io", "endpoints": ["http://10.1.1.1:5000/", "https://second"]},
               {"registry": "quay.io", "endpoints": ["https://quay.example.cn"]}, {"registry": "ghcr.io", "endpoints": []}]
    out = bundle_images(["registry.k8s.io/coredns/coredns:v1.12.0", "registry.k8s.io/sig-storage/nfs:v4",
                         "docker.io/traefik:v3", "quay.io/calico/node:v3.29", "ghcr.io/flannel-io/flannel:v1"], MIRROR, mirrors)
    by_image = {e["image"]: e for e in out}
    # kubeadm's flat CoreDNS path under a custom repository, paths kept otherwise
    assert by_image["registry.k8s.io/coredns/coredns:v1.12.0"]["source"] == "registry.aliyuncs.com/google_containers/coredns:v1.12.0"
    assert by_image["registry.k8s.io/sig-storage/nfs:v4"]["source"] == "registry.aliyuncs.com/google_containers/sig-storage/nfs:v4"
    assert by_image["docker.io/traefik:v3"]["source"] == "10.1.1.1:5000/traefik:v3"
    assert by_image["docker.io/traefik:v3"]["plain_http"] is True
    assert by_image["quay.io/calico/node:v3.29"]["source"] == "quay.example.cn/calico/node:v3.29"
    assert by_image["quay.io/calico/node:v3.29"]["plain_http"] is False
    # no endpoint: pulled by its upstream name
    assert by_image["ghcr.io/flannel-io/flannel:v1"]["source"] == "ghcr.io/flannel-io/flannel:v1"


def test_bundle_images_archive_names_never_collide():
    one, two = bundle_images(["quay.io/a/b_c:1", "quay.io/a_b/c:1"], ONLINE)
    assert one["archive"] != two["archive"]
    assert one["archive"].startswith("quay.io_a_b_c_1-") and two["archive"].startswith("quay.io_a_b_c_1-")


@pytest.mark.parametrize("refs,settings,text", [
    (["registry.k8s.io/pause@sha256:" + "ab" * 32], ONLINE, "pinned by digest"),
    (["Bad/Name"], ONLINE, "invalid image reference"),
    (["registry.k8s.io/pause:3.10"], OFFLINE, "online or mirror source"),
    (["registry.k8s.io/pause:3.10"], None, "online or mirror source"),
])
def test_bundle_images_refuses(refs, settings, text):
    with pytest.raises(AnsibleFilterError, match=text):
        bundle_images(refs, settings)
