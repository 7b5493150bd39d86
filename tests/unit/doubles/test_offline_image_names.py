"""The init node's registry serves every image kubeadm asks for in offline mode.

Checked for each minor against the kubeadm double's `config images list` (derived from upstream's
cmd/kubeadm/app/images): the bundle holds images by their upstream names; the registry stores each
as <registry>/<upstream name> plus the collection's kubeadm_image_aliases; kubeadm, given
imageRepository <registry>/registry.k8s.io, must find every image it lists among those names.
"""

import pytest

from ansible_collections.seed.kubeadm.plugins.filter.image_ref import kubeadm_image_aliases

REGISTRY = "10.0.0.1:60080"


@pytest.mark.parametrize("version", ["1.31.9", "1.32.5", "1.33.7", "1.34.3", "1.35.6"])
def test_offline_registry_serves_what_kubeadm_requests(kubeadm, version):
    upstream = kubeadm.run(version, "config", "images", "list", "--kubernetes-version", "v" + version)
    offline = kubeadm.run(version, "config", "images", "list", "--kubernetes-version", "v" + version,
                          "--image-repository", REGISTRY + "/registry.k8s.io")
    assert upstream.returncode == 0 and offline.returncode == 0, upstream.stderr + offline.stderr
    bundle = upstream.stdout.split()
    served = set()
    for image in bundle:
        served.update(REGISTRY + "/" + name for name in [image] + kubeadm_image_aliases(image))
    requested = offline.stdout.split()
    assert len(requested) == len(bundle) >= 7
    assert [r for r in requested if r not in served] == []
    # Without the aliases CoreDNS would be missing: the rule matters.
    assert [r for r in requested if r.rsplit(":", 1)[0].endswith("/coredns")
            and r not in {REGISTRY + "/" + i for i in bundle}] != []
