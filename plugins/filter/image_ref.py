# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: rewrite a container image reference for the cluster's artifact source."""

from __future__ import annotations

import hashlib
import re

from ansible.errors import AnsibleFilterError

K8S_REGISTRIES = ("registry.k8s.io", "k8s.gcr.io")
# Paths kubeadm itself flattens under a custom imageRepository (cmd/kubeadm/app/images GetDNSImage).
KUBEADM_FLAT_PATHS = {"coredns/coredns": "coredns"}


# The distribution reference grammar (github.com/distribution/reference, regexp.go): lowercase path
# components joined by separators, a tag of word characters, dots and dashes, or an algorithm:hex digest.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(r"^%s(?:/%s)*$" % (_COMPONENT, _COMPONENT))
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")


def split_image(ref):
    """Split a reference into (registry, path, tag-or-digest suffix), with Docker's defaults."""
    if not isinstance(ref, str) or not ref or ref != ref.strip() or " " in ref:
        raise AnsibleFilterError("invalid image reference %r" % (ref,))
    first, rest = ref.split("/", 1) if "/" in ref else (ref, "")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, remainder = first, rest
    else:
        registry, remainder = "docker.io", ref
        if "/" not in remainder:
            remainder = "library/" + remainder
    if "@" in remainder:
        path, digest = remainder.split("@", 1)
        suffix = "@" + digest
    else:
        last = remainder.rsplit("/", 1)[-1]
        if ":" in last:
            path, tag = remainder.rsplit(":", 1)
        else:
            path, tag = remainder, "latest"
        suffix = ":" + tag
    if not _PATH.match(path) or not (_TAG.match(suffix[1:]) if suffix[0] == ":" else _DIGEST.match(suffix[1:])):
        raise AnsibleFilterError("invalid image reference %r" % (ref,))
    return registry, path, suffix


def image_ref(ref, settings):
    """Return the reference to deploy for the given cluster image settings."""
    if not isinstance(settings, dict):
        raise AnsibleFilterError("image_ref expects the cluster_facts.sources.image_rewrite dictionary")
    source = settings.get("source")
    registry, path, suffix = split_image(ref)
    if source == "online":
        return "%s/%s%s" % (registry, path, suffix)
    if source not in ("mirror", "offline"):
        raise AnsibleFilterError("cluster_source must be online, mirror or offline, not %r" % (source,))
    prefix = (settings.get("prefix") or "").rstrip("/")
    if prefix:
        return "%s/%s/%s%s" % (prefix, registry, path, suffix)
    if source == "offline":
        raise AnsibleFilterError("offline mode needs the init node's registry as prefix; is the init group empty?")
    if registry in K8S_REGISTRIES:
        repository = (settings.get("repository") or "").rstrip("/")
        if not repository:
            raise AnsibleFilterError("mirror mode needs cluster_mirror_image_repository")
        return "%s/%s%s" % (repository, KUBEADM_FLAT_PATHS.get(path, path), suffix)
    return "%s/%s%s" % (registry, path, suffix)


# kubeadm's GetDNSImage (cmd/kubeadm/app/images): CoreDNS lives at registry.k8s.io/coredns/coredns,
# but under any other imageRepository kubeadm asks for <repository>/coredns:<tag> (no sub-path).
_KUBEADM_DNS_IMAGE = "registry.k8s.io/coredns/coredns"


def kubeadm_image_aliases(ref):
    """Other names kubeadm asks for the image ``ref`` under a non-default image repository.

    The offline init node stores ``<registry>/<ref>`` and also each alias, so that kubeadm with
    imageRepository ``<init>:<port>/registry.k8s.io`` finds CoreDNS at the flat path it requests.
    """
    name, sep, tag = str(ref).rpartition(":")
    if sep and "/" not in tag and name == _KUBEADM_DNS_IMAGE:
        return ["registry.k8s.io/coredns:" + tag]
    return []


def _endpoint_host(url):
    """host[:port][/path] of a registry mirror endpoint URL, and whether it is plain HTTP."""
    text = str(url).strip().rstrip("/")
    plain = text.startswith("http://")
    for scheme in ("https://", "http://"):
        if text.startswith(scheme):
            text = text[len(scheme):]
    return text, plain


def bundle_images(refs, settings, mirrors=None):
    """What the offline bundle builder saves for each image: upstream name, source, archive name.

    ``refs`` are images by their upstream names (as the roles and kubeadm name them); ``settings``
    is the builder's C(cluster_facts.sources.image_rewrite) (online or mirror). In mirror mode an
    image outside registry.k8s.io is pulled from the first endpoint of its entry in ``mirrors``
    (C(cluster_registry_mirrors)), when there is one.
    """
    if not isinstance(settings, dict) or settings.get("source") not in ("online", "mirror"):
        raise AnsibleFilterError("bundle_images builds from the online or mirror source, got %r" % (settings,))
    by_registry = {}
    for mirror in mirrors or []:
        if isinstance(mirror, dict) and mirror.get("registry") and mirror.get("endpoints"):
            by_registry.setdefault(str(mirror["registry"]), list(mirror["endpoints"])[0])
    out, seen = [], set()
    for ref in refs or []:
        registry, path, suffix = split_image(str(ref))
        if suffix.startswith("@"):
            raise AnsibleFilterError("image %s is pinned by digest; the bundle stores images by tag, give it with its tag" % ref)
        image = "%s/%s%s" % (registry, path, suffix)
        if image in seen:
            continue
        seen.add(image)
        source, plain = image_ref(image, settings), False
        if settings["source"] == "mirror" and source == image and registry in by_registry:
            host, plain = _endpoint_host(by_registry[registry])
            source = "%s/%s%s" % (host, path, suffix)
        # readable, and unique: quay.io/a/b_c:1 and quay.io/a_b/c:1 read alike, their digests do not
        archive = "%s-%s.tar" % (re.sub(r"[^A-Za-z0-9_.-]+", "_", image), hashlib.sha256(image.encode("utf-8")).hexdigest()[:8])
        out.append({"image": image, "source": source, "archive": archive, "plain_http": plain,
                    "triple": "%s=%s=%s" % (archive, source, image),
                    "entry": {"archive": archive, "image": image},
                    "artifact": {"path": "images/" + archive, "kind": "image", "name": "%s/%s" % (registry, path),
                                 "version": suffix[1:], "source": source}})
    return out


class FilterModule:
    """Image reference filters."""

    def filters(self):
        return {"image_ref": image_ref, "kubeadm_image_aliases": kubeadm_image_aliases, "bundle_images": bundle_images}
