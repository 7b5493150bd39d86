"""API server stand-in: authentication (client certificates, bootstrap tokens, anonymous) and the
RBAC / Node authorization it evaluates."""

import base64
import datetime

import pytest

from seed_doubles.kube import ApiError


def b64(text):
    return base64.b64encode(text.encode()).decode()


def token_secret(token_id, secret, expiration=None, usages=("authentication", "signing"),
                 groups="system:bootstrappers:kubeadm:default-node-token", kind="bootstrap.kubernetes.io/token"):
    data = {"token-id": b64(token_id), "token-secret": b64(secret)}
    for usage in usages:
        data["usage-bootstrap-" + usage] = b64("true")
    if expiration:
        data["expiration"] = b64(expiration)
    if groups:
        data["auth-extra-groups"] = b64(groups)
    return {"apiVersion": "v1", "kind": "Secret", "type": kind,
            "metadata": {"name": "bootstrap-token-" + token_id, "namespace": "kube-system"}, "data": data}


def in_hours(hours):
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=hours)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def kubeadm_bootstrap_rbac(admin):
    """The RBAC objects kubeadm init creates for joining nodes (phases/bootstraptoken/node)."""
    crb = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
    admin.create(crb, {"metadata": {"name": "kubeadm:kubelet-bootstrap"},
                       "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                   "name": "system:node-bootstrapper"},
                       "subjects": [{"kind": "Group", "name": "system:bootstrappers:kubeadm:default-node-token"}]})
    admin.create(crb, {"metadata": {"name": "kubeadm:node-autoapprove-bootstrap"},
                       "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                   "name": "system:certificates.k8s.io:certificatesigningrequests:nodeclient"},
                       "subjects": [{"kind": "Group", "name": "system:bootstrappers:kubeadm:default-node-token"}]})
    admin.create(crb, {"metadata": {"name": "kubeadm:node-autoapprove-certificate-rotation"},
                       "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                   "name": "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"},
                       "subjects": [{"kind": "Group", "name": "system:nodes"}]})


def test_health_and_version_are_public(api, monkeypatch):
    anon = api.client()
    assert anon.request("GET", "/readyz") == {"message": "ok"}
    monkeypatch.setenv("SEED_COMPONENT_VERSION", "v1.33.4")
    version = anon.get("/version")
    assert version["gitVersion"] == "v1.33.4" and version["major"] == "1" and version["minor"] == "33"


def test_readyz_verbose_lists_checks(api):
    import http.client
    import ssl
    ctx = ssl.create_default_context(cadata=api.pki.ca_pem.decode())
    conn = http.client.HTTPSConnection("127.0.0.1", api.port, context=ctx)
    conn.request("GET", "/readyz?verbose")
    resp = conn.getresponse()
    text = resp.read().decode()
    assert resp.status == 200
    assert "[+]etcd ok" in text and text.strip().endswith("readyz check passed")


def test_anonymous_cannot_read_secrets(api):
    with pytest.raises(ApiError) as err:
        api.client().get("/api/v1/namespaces/kube-system/secrets")
    assert err.value.status == 403
    assert err.value.body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'secrets is forbidden: User "system:anonymous" cannot list resource "secrets" in API group "" '
                   'in the namespace "kube-system"',
        "reason": "Forbidden", "details": {"kind": "secrets"}, "code": 403}


def test_anonymous_cluster_info_needs_kubeadm_role(api):
    admin, anon = api.admin(), api.client()
    admin.create("/api/v1/namespaces/kube-public/configmaps",
                 {"metadata": {"name": "cluster-info"}, "data": {"kubeconfig": "x"}})
    with pytest.raises(ApiError) as err:
        anon.get("/api/v1/namespaces/kube-public/configmaps/cluster-info")
    assert err.value.status == 403
    assert err.value.body["message"].startswith('configmaps "cluster-info" is forbidden: User "system:anonymous" '
                                                'cannot get resource "configmaps"')
    admin.create("/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/roles", {
        "metadata": {"name": "kubeadm:bootstrap-signer-clusterinfo"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["cluster-info"],
                   "verbs": ["get"]}]})
    admin.create("/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/rolebindings", {
        "metadata": {"name": "kubeadm:bootstrap-signer-clusterinfo"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                    "name": "kubeadm:bootstrap-signer-clusterinfo"},
        "subjects": [{"kind": "User", "name": "system:anonymous"}]})

    assert anon.get("/api/v1/namespaces/kube-public/configmaps/cluster-info")["data"] == {"kubeconfig": "x"}
    # the rule names one object: others stay forbidden
    with pytest.raises(ApiError) as err:
        anon.get("/api/v1/namespaces/kube-public/configmaps/other")
    assert err.value.status == 403


def test_anonymous_disabled_is_unauthorized(api_factory):
    api = api_factory({"anonymous-auth": "false"})
    with pytest.raises(ApiError) as err:
        api.client().get("/api/v1/namespaces")
    assert err.value.status == 401
    assert err.value.body["reason"] == "Unauthorized" and err.value.body["message"] == "Unauthorized"


@pytest.mark.parametrize("case", ["valid", "expired", "unknown", "wrong-secret", "no-auth-usage", "wrong-type"])
def test_bootstrap_token(api, case):
    admin = api.admin()
    kubeadm_bootstrap_rbac(admin)
    secret = token_secret("abcdef", "0123456789abcdef", expiration=in_hours(-1 if case == "expired" else 24),
                          usages=("signing",) if case == "no-auth-usage" else ("authentication", "signing"),
                          kind="Opaque" if case == "wrong-type" else "bootstrap.kubernetes.io/token")
    admin.create("/api/v1/namespaces/kube-system/secrets", secret)
    token = {"unknown": "zzzzzz.0123456789abcdef", "wrong-secret": "abcdef.aaaaaaaaaaaaaaaa"}.get(
        case, "abcdef.0123456789abcdef")
    client = api.client(token=token)
    if case != "valid":
        with pytest.raises(ApiError) as err:
            client.get("/apis/certificates.k8s.io/v1/certificatesigningrequests")
        assert err.value.status == 401
        return
    assert client.get("/apis/certificates.k8s.io/v1/certificatesigningrequests")["items"] == []
    review = client.create("/apis/authentication.k8s.io/v1/selfsubjectreviews",
                           {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    assert review["status"]["userInfo"] == {
        "username": "system:bootstrap:abcdef",
        "groups": ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token",
                   "system:authenticated"]}
    # a bootstrapper may not read secrets
    with pytest.raises(ApiError) as err:
        client.get("/api/v1/namespaces/kube-system/secrets")
    assert err.value.status == 403


def test_cluster_admin_binding(api):
    admin = api.admin()
    user = api.client("kubernetes-admin", ["kubeadm:cluster-admins"])
    with pytest.raises(ApiError) as err:
        user.get("/api/v1/namespaces/kube-system/configmaps")
    assert err.value.status == 403
    admin.create("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
        "metadata": {"name": "kubeadm:cluster-admins"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "Group", "name": "kubeadm:cluster-admins"}]})

    assert user.get("/api/v1/namespaces/kube-system/configmaps")["kind"] == "ConfigMapList"
    assert user.get("/api/v1/nodes")["items"] == []


def test_discovery_needs_authentication(api):
    with pytest.raises(ApiError) as err:
        api.client().get("/apis")
    assert err.value.status == 403
    assert err.value.body["message"] == 'forbidden: User "system:anonymous" cannot get path "/apis"'
    assert api.client("someone").get("/apis")["kind"] == "APIGroupList"


def test_node_may_only_write_itself(api):
    node = api.client("system:node:n1", ["system:nodes"])
    body = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    created = node.create("/api/v1/nodes", body)
    assert created["status"]["conditions"][0]["status"] == "True"
    with pytest.raises(ApiError) as err:
        node.create("/api/v1/nodes", dict(body, metadata={"name": "n2"}))
    assert err.value.status == 403
    assert err.value.body["message"] == 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'
    node.patch("/api/v1/nodes/n1/status", {"status": {"conditions": [{"type": "Ready", "status": "False"}]}},
               kind="strategic")
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "n1"},
             "spec": {"holderIdentity": "n1", "leaseDurationSeconds": 40}}
    node.create("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease)
    with pytest.raises(ApiError) as err:
        node.create("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
                    dict(lease, metadata={"name": "n2"}))
    assert err.value.status == 403
    mirror = {"apiVersion": "v1", "kind": "Pod",
              "metadata": {"name": "etcd-n1", "annotations": {"kubernetes.io/config.mirror": "abc"}},
              "spec": {"nodeName": "n1", "containers": [{"name": "etcd", "image": "etcd"}]}}
    assert node.create("/api/v1/namespaces/kube-system/pods", mirror)["status"]["phase"] == "Pending"
    with pytest.raises(ApiError) as err:
        node.create("/api/v1/namespaces/kube-system/pods", dict(mirror, metadata={"name": "x"}))
    assert err.value.status == 403


def test_subject_access_review(api):
    admin = api.admin()
    kubeadm_bootstrap_rbac(admin)
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": {
        "user": "system:bootstrap:abcdef", "groups": ["system:bootstrappers",
                                                     "system:bootstrappers:kubeadm:default-node-token"],
        "resourceAttributes": {"group": "certificates.k8s.io", "resource": "certificatesigningrequests",
                               "verb": "create", "subresource": "nodeclient"}}}
    assert admin.create("/apis/authorization.k8s.io/v1/subjectaccessreviews", review)["status"]["allowed"] is True
    review["spec"]["resourceAttributes"]["subresource"] = "selfnodeclient"
    assert admin.create("/apis/authorization.k8s.io/v1/subjectaccessreviews", review)["status"]["allowed"] is False


def test_etcd_checks_are_rate_limited_as_upstream(api_factory):
    """newETCD3Check: one etcd request per half of the check's timeout, the last result in between."""
    import time as _time
    from seed_doubles.apistore import MemoryStore

    class CountingStore(MemoryStore):
        calls = 0
        healthy = True

        def health(self):
            CountingStore.calls += 1
            return (True, "") if self.healthy else (False, "etcd down")
    store = CountingStore()
    api = api_factory({"etcd-healthcheck-timeout": "4s", "etcd-readycheck-timeout": "4s"}, store=store)
    admin = api.admin()
    assert admin.request("GET", "/livez") == {"message": "ok"}
    before = CountingStore.calls
    for _ in range(5):
        admin.request("GET", "/livez")
        admin.request("GET", "/healthz")
    assert CountingStore.calls == before          # within 2 s: the last result
    store.healthy = False
    assert admin.request("GET", "/livez") == {"message": "ok"}   # still the cached success
    _time.sleep(2.1)
    with pytest.raises(ApiError) as err:
        admin.request("GET", "/livez")
    assert err.value.status == 500 and CountingStore.calls == before + 1
