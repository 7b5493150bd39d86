"""Kubernetes version arithmetic and kubeadm's per-release constants, for the doubles.

The image tags are those kubeadm's ``cmd/kubeadm/app/constants/constants.go`` pins in each release
(``DefaultEtcdVersion`` / ``SupportedEtcdVersion``, ``CoreDNSVersion``, ``PauseVersion``); patch
releases that bumped a pin are listed by the first patch carrying the new value.
"""

import re

DEFAULT_IMAGE_REPOSITORY = "registry.k8s.io"

_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")

# (minor, first patch) -> (etcd tag, coredns tag, pause tag); the last entry not after the patch wins.
_PINS = [
    ((31, 0), ("3.5.15-0", "v1.11.1", "3.10")),
    ((31, 1), ("3.5.15-0", "v1.11.3", "3.10")),
    ((31, 14), ("3.5.24-0", "v1.11.3", "3.10")),
    ((32, 0), ("3.5.16-0", "v1.11.3", "3.10")),
    ((32, 10), ("3.5.24-0", "v1.11.3", "3.10")),
    ((33, 0), ("3.5.21-0", "v1.12.0", "3.10")),
    ((33, 6), ("3.5.24-0", "v1.12.0", "3.10")),
    ((34, 0), ("3.6.4-0", "v1.12.1", "3.10.1")),
    ((34, 2), ("3.6.5-0", "v1.12.1", "3.10.1")),
    ((35, 0), ("3.6.6-0", "v1.13.1", "3.10.1")),
]


class Version:
    """A parsed semantic version (``v1.31.2``, ``1.32.0-rc.1``)."""

    def __init__(self, text):
        match = _SEMVER.match(str(text).strip())
        if not match:
            raise ValueError('could not parse "%s" as version' % text)
        self.major, self.minor, self.patch = (int(g) for g in match.group(1, 2, 3))
        self.pre = match.group(4) or ""
        self.text = str(text).strip()

    def key(self):
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, self.pre)

    def __lt__(self, other):
        return self.key() < other.key()

    def __le__(self, other):
        return self.key() <= other.key()

    def __eq__(self, other):
        return isinstance(other, Version) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())

    def __str__(self):
        return "v%d.%d.%d%s" % (self.major, self.minor, self.patch, "-" + self.pre if self.pre else "")


def parse(text):
    return Version(text)


def pins(version):
    """(etcd, coredns, pause) tags kubeadm of ``version`` pins."""
    ver = parse(version)
    chosen = _PINS[0][1]
    for (minor, patch), values in _PINS:
        if (ver.minor, ver.patch) >= (minor, patch):
            chosen = values
    return chosen


def etcd_tag(kubeadm_version, kubernetes_version):
    """etcd tag kubeadm ``kubeadm_version`` deploys for a control plane of ``kubernetes_version``.

    Same minor: the build's own pin. Another minor: the newest pin of that minor (kubeadm's
    SupportedEtcdVersion map carries the newest value per minor), nearest minor when unknown.
    """
    kver, target = parse(kubeadm_version), parse(kubernetes_version)
    if kver.minor == target.minor:
        return pins(kver)[0]
    minors = sorted({m for (m, _), _ in _PINS})
    minor = min(max(target.minor, minors[0]), minors[-1])
    return [values for (m, _), values in _PINS if m == minor][-1][0]


def skew(version, n):
    ver = parse(version)
    return parse("v%d.%d.0" % (ver.major, ver.minor + n))


def coredns_image(repository, tag, dns_repository=""):
    """CoreDNS image as GetDNSImage builds it: ``/coredns`` is appended only to the default repo."""
    if dns_repository:
        repo = dns_repository
    elif repository == DEFAULT_IMAGE_REPOSITORY:
        repo = repository + "/coredns"
    else:
        repo = repository
    return "%s/coredns:%s" % (repo, tag)
