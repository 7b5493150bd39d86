"""API server stand-in driven by the official Python client, as kubernetes.core's modules use it:
DynamicClient discovery, server-side apply of a DaemonSet, list with selectors, CRD + custom
resource, delete."""

import os

import pytest

kubernetes = pytest.importorskip("kubernetes", reason="the kubernetes Python client is not installed")


@pytest.fixture
def dyn(api, tmp_path):
    from kubernetes import client, dynamic
    cert, key = api.pki.issue("kubernetes-super-admin", ["system:masters"])
    (tmp_path / "c.crt").write_bytes(cert)
    (tmp_path / "c.key").write_bytes(key)
    cfg = client.Configuration()
    cfg.host = api.url
    cfg.ssl_ca_cert = api.pki.ca_file
    cfg.cert_file = str(tmp_path / "c.crt")
    cfg.key_file = str(tmp_path / "c.key")
    old = os.environ.get("HOME")
    os.environ["HOME"] = str(tmp_path)  # the discovery cache goes to a temporary directory
    try:
        yield dynamic.DynamicClient(client.ApiClient(configuration=cfg))
    finally:
        if old is not None:
            os.environ["HOME"] = old


DAEMONSET = {
    "apiVersion": "apps/v1", "kind": "DaemonSet",
    "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": {"k8s-app": "kube-proxy"}},
    "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
             "template": {"metadata": {"labels": {"k8s-app": "kube-proxy"}},
                          "spec": {"containers": [{"name": "kube-proxy",
                                                   "image": "kube-proxy:v1.31.0"}],
                                   "tolerations": [{"operator": "Exists"}]}}}}


def test_discovery_and_server_side_apply(dyn):
    ds_api = dyn.resources.get(api_version="apps/v1", kind="DaemonSet")
    assert ds_api.namespaced and ds_api.name == "daemonsets"
    assert dyn.resources.get(api_version="v1", kind="Node").namespaced is False
    first = ds_api.server_side_apply(body=DAEMONSET, namespace="kube-system", field_manager="ansible",
                                     force_conflicts=True)
    second = ds_api.server_side_apply(body=DAEMONSET, namespace="kube-system", field_manager="ansible",
                                      force_conflicts=True)
    assert first.metadata.resourceVersion == second.metadata.resourceVersion
    listed = ds_api.get(namespace="kube-system", label_selector="k8s-app=kube-proxy")
    assert [i.metadata.name for i in listed.items] == ["kube-proxy"]
    assert ds_api.get(name="kube-proxy", namespace="kube-system").spec.template.spec.containers[0].name == \
        "kube-proxy"
    from kubernetes.dynamic.exceptions import NotFoundError
    ds_api.delete(name="kube-proxy", namespace="kube-system")
    with pytest.raises(NotFoundError):
        ds_api.get(name="kube-proxy", namespace="kube-system")


def test_crd_then_custom_resource(dyn, api):
    crd_api = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    crd_api.create(body={
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
                 "versions": [{"name": "v1beta1", "served": True, "storage": False},
                              {"name": "v1", "served": True, "storage": True,
                               "subresources": {"status": {}}}]}})
    established = crd_api.get(name="widgets.example.com")
    assert [c.status for c in established.status.conditions if c.type == "Established"] == ["True"]

    dyn.resources.invalidate_cache()
    widget_api = dyn.resources.get(api_version="example.com/v1", kind="Widget")
    assert widget_api.short_names == ["wd"]
    assert dyn.resources.get(api_version="example.com/v1beta1", kind="Widget").namespaced
    created = widget_api.server_side_apply(body={"apiVersion": "example.com/v1", "kind": "Widget",
                                                 "metadata": {"name": "w", "namespace": "default"},
                                                 "spec": {"size": 3}}, field_manager="ansible")
    assert created.spec.size == 3 and created.metadata.generation == 1
    assert dyn.resources.get(api_version="example.com/v1", kind="Widget").get(namespace="default").items[0] \
        .metadata.name == "w"
