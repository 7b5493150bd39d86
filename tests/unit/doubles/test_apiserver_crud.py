"""API server stand-in: CRUD semantics, Status errors, patches, server-side apply, discovery,
CustomResourceDefinitions and custom resources, watch."""

import http.client
import json
import ssl

import pytest

from seed_doubles.kube import ApiError

CM = "/api/v1/namespaces/default/configmaps"
DS = "/apis/apps/v1/namespaces/kube-system/daemonsets"


def error(call, *args, **kwargs):
    with pytest.raises(ApiError) as err:
        call(*args, **kwargs)
    return err.value


def test_system_namespaces_and_defaults_exist(api):
    admin = api.admin()
    names = {n["metadata"]["name"] for n in admin.get("/api/v1/namespaces")["items"]}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names
    svc = admin.get("/api/v1/namespaces/default/services/kubernetes")
    assert svc["spec"]["clusterIP"] == "10.96.0.1"
    assert admin.get("/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin")["rules"]


def test_create_get_conflict_and_errors(api):
    admin = api.admin()
    created = admin.create(CM, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"},
                                "data": {"k": "v"}})
    meta = created["metadata"]
    assert meta["namespace"] == "default" and meta["uid"] and meta["creationTimestamp"]
    assert int(meta["resourceVersion"]) > 0 and "generation" not in meta
    assert admin.get(CM + "/a")["data"] == {"k": "v"}

    exists = error(admin.create, CM, {"metadata": {"name": "a"}})
    assert exists.status == 409 and exists.body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'configmaps "a" already exists', "reason": "AlreadyExists",
        "details": {"name": "a", "kind": "configmaps"}, "code": 409}

    missing = error(admin.get, "/apis/apps/v1/namespaces/default/deployments/nope")
    assert missing.status == 404 and missing.body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'deployments.apps "nope" not found', "reason": "NotFound",
        "details": {"name": "nope", "group": "apps", "kind": "deployments"}, "code": 404}

    stale = dict(created, data={"k": "2"})
    updated = admin.replace(CM + "/a", stale)
    assert int(updated["metadata"]["resourceVersion"]) > int(meta["resourceVersion"])
    conflict = error(admin.replace, CM + "/a", dict(created, data={"k": "3"}))
    assert conflict.status == 409 and conflict.reason == "Conflict"
    assert conflict.body["message"] == ('Operation cannot be fulfilled on configmaps "a": the object has been '
                                        'modified; please apply your changes to the latest version and try again')
    # without resourceVersion the update is unconditional
    nover = dict(created, data={"k": "4"})
    nover["metadata"] = {"name": "a"}
    assert admin.replace(CM + "/a", nover)["data"] == {"k": "4"}

    bad = error(admin.create, CM, {"metadata": {"name": "Bad_Name"}})
    assert bad.status == 422 and bad.reason == "Invalid"
    assert bad.body["message"].startswith('ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: '
                                          '"Bad_Name": a lowercase RFC 1123 subdomain must consist of')
    assert bad.body["details"]["causes"][0]["field"] == "metadata.name"

    nons = error(admin.create, "/api/v1/namespaces/ghost/configmaps", {"metadata": {"name": "x"}})
    assert nons.status == 404 and nons.body["message"] == 'namespaces "ghost" not found'

    assert admin.delete(CM + "/a")["status"] == "Success"
    assert error(admin.get, CM + "/a").status == 404


def test_generate_name_and_selectors(api):
    admin = api.admin()
    one = admin.create(CM, {"metadata": {"generateName": "gen-", "labels": {"app": "x", "tier": "a"}}})
    assert one["metadata"]["name"].startswith("gen-") and len(one["metadata"]["name"]) == 9
    admin.create(CM, {"metadata": {"name": "b", "labels": {"app": "y"}}})
    admin.create("/api/v1/namespaces/kube-system/configmaps", {"metadata": {"name": "c", "labels": {"app": "x"}}})

    def names(path, **query):
        return sorted(i["metadata"]["name"] for i in admin.get(path, query=query)["items"])
    assert names(CM, labelSelector="app=x") == [one["metadata"]["name"]]
    assert names("/api/v1/configmaps", labelSelector="app in (x,y)") == sorted([one["metadata"]["name"], "b", "c"])
    assert names("/api/v1/configmaps", labelSelector="app,!tier") == ["b", "c"]
    assert names("/api/v1/configmaps", fieldSelector="metadata.name=c") == ["c"]
    assert names("/api/v1/configmaps", labelSelector="app", fieldSelector="metadata.namespace!=default") == ["c"]
    listed = admin.get(CM)
    assert listed["kind"] == "ConfigMapList" and listed["apiVersion"] == "v1"
    assert int(listed["metadata"]["resourceVersion"]) >= int(one["metadata"]["resourceVersion"])


def test_patches(api):
    admin = api.admin()
    admin.create(CM, {"metadata": {"name": "p", "labels": {"a": "1"}}, "data": {"x": "1", "y": "2"}})
    merged = admin.patch(CM + "/p", {"metadata": {"labels": {"b": "2"}}, "data": {"y": None}})
    assert merged["metadata"]["labels"] == {"a": "1", "b": "2"} and merged["data"] == {"x": "1"}
    patched = admin.patch(CM + "/p", [{"op": "replace", "path": "/data/x", "value": "9"},
                                      {"op": "add", "path": "/data/z", "value": "3"}], kind="json")
    assert patched["data"] == {"x": "9", "z": "3"}
    assert error(admin.patch, CM + "/p", [{"op": "test", "path": "/data/x", "value": "0"}], kind="json").status == 422
    assert error(admin.patch, CM + "/missing", {"data": {}}).status == 404

    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
            "spec": {"taints": [{"key": "a", "effect": "NoSchedule"}]},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"},
                                      {"type": "DiskPressure", "status": "False"}]}}
    admin.create("/api/v1/nodes", node)
    out = admin.patch("/api/v1/nodes/n1/status", {"status": {"conditions": [
        {"type": "Ready", "status": "False"}]}}, kind="strategic")
    conds = {c["type"]: c for c in out["status"]["conditions"]}
    assert conds["Ready"] == {"type": "Ready", "status": "False", "reason": "KubeletReady"}
    assert conds["DiskPressure"]["status"] == "False"
    # taints are an atomic list: a strategic patch replaces it
    out = admin.patch("/api/v1/nodes/n1", {"spec": {"taints": [{"key": "b", "effect": "NoExecute"}]}},
                      kind="strategic")
    assert out["spec"]["taints"] == [{"key": "b", "effect": "NoExecute"}]
    # the main resource does not write status
    out = admin.patch("/api/v1/nodes/n1", {"status": {"phase": "x"}}, kind="merge")
    assert "phase" not in out["status"]


def daemonset(image="kube-proxy:v1.31.0"):
    return {"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": {"k8s-app": "kube-proxy"}},
            "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                     "template": {"metadata": {"labels": {"k8s-app": "kube-proxy"}},
                                  "spec": {"containers": [{"name": "kube-proxy", "image": image}],
                                           "tolerations": [{"operator": "Exists"}]}}}}


def test_server_side_apply_is_idempotent(api):
    admin = api.admin()
    path = DS + "/kube-proxy?fieldManager=ansible&force=true"
    first = admin.request("PATCH", path, json.dumps(daemonset()), content_type="application/apply-patch+yaml")
    assert first["metadata"]["generation"] == 1
    assert [(m["manager"], m["operation"]) for m in first["metadata"]["managedFields"]] == [("ansible", "Apply")]
    second = admin.request("PATCH", path, json.dumps(daemonset()), content_type="application/apply-patch+yaml")
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    third = admin.request("PATCH", path, json.dumps(daemonset("kube-proxy:v1.32.0")),
                          content_type="application/apply-patch+yaml")
    assert third["metadata"]["resourceVersion"] != first["metadata"]["resourceVersion"]
    assert third["metadata"]["generation"] == 2
    assert third["spec"]["template"]["spec"]["containers"][0]["image"].endswith("v1.32.0")
    assert third["spec"]["updateStrategy"]["type"] == "RollingUpdate"  # server default kept
    # YAML body, as the Python client sends it
    import yaml
    yaml_body = yaml.safe_dump(daemonset("kube-proxy:v1.32.0"))
    fourth = admin.request("PATCH", path, yaml_body, content_type="application/apply-patch+yaml")
    assert fourth["metadata"]["resourceVersion"] == third["metadata"]["resourceVersion"]
    missing = error(admin.request, "PATCH", DS + "/kube-proxy", json.dumps(daemonset()),
                    content_type="application/apply-patch+yaml")
    assert missing.status == 400


def test_status_subresource_and_generation(api):
    admin = api.admin()
    created = admin.create(DS, dict(daemonset(), status={"numberReady": 5}))
    assert "status" not in created or not created["status"].get("numberReady")
    status = dict(created, status={"numberReady": 1, "desiredNumberScheduled": 1, "observedGeneration": 1})
    status["spec"] = dict(created["spec"], minReadySeconds=30)
    out = admin.replace(DS + "/kube-proxy/status", status)
    assert out["status"]["numberReady"] == 1 and "minReadySeconds" not in out["spec"]
    assert out["metadata"]["generation"] == 1
    main = dict(out, status={"numberReady": 7})
    main["spec"] = dict(out["spec"], minReadySeconds=5)
    out2 = admin.replace(DS + "/kube-proxy", main)
    assert out2["status"]["numberReady"] == 1 and out2["spec"]["minReadySeconds"] == 5
    assert out2["metadata"]["generation"] == 2


def test_dry_run_does_not_persist(api):
    admin = api.admin()
    out = admin.request("POST", CM + "?dryRun=All", {"metadata": {"name": "dry"}})
    assert out["metadata"]["name"] == "dry"
    assert error(admin.get, CM + "/dry").status == 404


def test_discovery_shape(api):
    admin = api.admin()
    core = admin.get("/api")
    assert core["kind"] == "APIVersions" and core["versions"] == ["v1"]
    groups = {g["name"]: g for g in admin.get("/apis")["groups"]}
    for name in ("apps", "rbac.authorization.k8s.io", "certificates.k8s.io", "coordination.k8s.io",
                 "storage.k8s.io", "networking.k8s.io", "policy", "apiextensions.k8s.io",
                 "admissionregistration.k8s.io", "scheduling.k8s.io", "discovery.k8s.io"):
        assert groups[name]["preferredVersion"] == {"groupVersion": name + "/v1", "version": "v1"}
    v1 = {r["name"]: r for r in admin.get("/api/v1")["resources"]}
    assert v1["pods"] == {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod",
                          "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update",
                                    "watch"], "shortNames": ["po"], "categories": ["all"]}
    assert v1["pods/eviction"]["kind"] == "Eviction" and v1["pods/eviction"]["verbs"] == ["create"]
    assert v1["nodes"]["namespaced"] is False and "nodes/status" in v1
    apps = admin.get("/apis/apps/v1")
    assert apps["groupVersion"] == "apps/v1"
    assert {"daemonsets", "deployments", "replicasets", "statefulsets"} <= {r["name"] for r in apps["resources"]}
    csr = {r["name"] for r in admin.get("/apis/certificates.k8s.io/v1")["resources"]}
    assert {"certificatesigningrequests", "certificatesigningrequests/approval",
            "certificatesigningrequests/status"} <= csr
    assert error(admin.get, "/apis/nope.example.com/v1").status == 404


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "ippools.crd.projectcalico.org"},
    "spec": {"group": "crd.projectcalico.org", "scope": "Cluster",
             "names": {"plural": "ippools", "singular": "ippool", "kind": "IPPool", "listKind": "IPPoolList"},
             "versions": [{"name": "v1", "served": True, "storage": True,
                           "schema": {"openAPIV3Schema": {"type": "object"}}}]}}


def test_crd_then_custom_resources(api):
    admin = api.admin()
    crd = admin.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)
    conds = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conds == {"NamesAccepted": "True", "Established": "True"}
    assert crd["status"]["acceptedNames"]["kind"] == "IPPool" and crd["status"]["storedVersions"] == ["v1"]

    assert "crd.projectcalico.org" in {g["name"] for g in admin.get("/apis")["groups"]}
    resources = admin.get("/apis/crd.projectcalico.org/v1")["resources"]
    assert resources == [{"name": "ippools", "singularName": "ippool", "namespaced": False, "kind": "IPPool",
                          "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update",
                                    "watch"]}]
    pool = admin.create("/apis/crd.projectcalico.org/v1/ippools", {
        "apiVersion": "crd.projectcalico.org/v1", "kind": "IPPool", "metadata": {"name": "default-ipv4"},
        "spec": {"cidr": "192.168.0.0/16"}})
    assert pool["metadata"]["generation"] == 1
    listed = admin.get("/apis/crd.projectcalico.org/v1/ippools")
    assert listed["kind"] == "IPPoolList" and listed["items"][0]["kind"] == "IPPool"
    assert api.store.get("/registry/crd.projectcalico.org/ippools/default-ipv4") is not None
    bad = error(admin.create, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                dict(CRD, metadata={"name": "wrong.example.com"}))
    assert bad.status == 422
    admin.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/ippools.crd.projectcalico.org")

    assert error(admin.get, "/apis/crd.projectcalico.org/v1/ippools").status == 404
    assert api.store.get("/registry/crd.projectcalico.org/ippools/default-ipv4") is None


def test_finalizers_delay_deletion(api):
    admin = api.admin()
    admin.create(CM, {"metadata": {"name": "f", "finalizers": ["example.com/keep"]}})
    pending = admin.delete(CM + "/f")
    assert pending["metadata"]["deletionTimestamp"]
    current = admin.get(CM + "/f")
    current["metadata"]["finalizers"] = []
    admin.replace(CM + "/f", current)
    assert error(admin.get, CM + "/f").status == 404


def test_secret_string_data_and_eviction(api):
    admin = api.admin()
    secret = admin.create("/api/v1/namespaces/default/secrets", {"metadata": {"name": "s"},
                                                                "stringData": {"a": "b"}})
    assert secret["data"] == {"a": "Yg=="} and "stringData" not in secret and secret["type"] == "Opaque"
    admin.create("/api/v1/namespaces/default/pods", {"metadata": {"name": "p"},
                                                    "spec": {"nodeName": "n1", "containers": [{"name": "c",
                                                                                               "image": "i"}]}})
    out = admin.create("/api/v1/namespaces/default/pods/p/eviction", {
        "apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "p", "namespace": "default"}})
    assert out["status"] == "Success"
    assert error(admin.get, "/api/v1/namespaces/default/pods/p").status == 404


def test_eviction_respects_the_pod_disruption_budget(api):
    """pkg/registry/core/pod/storage/eviction.go: 429 while the budget allows no disruption or is not
    processed yet, 500 with two budgets; an allowed eviction spends one disruption."""
    admin = api.admin()
    pods = "/api/v1/namespaces/default/pods"
    pdbs = "/apis/policy/v1/namespaces/default/poddisruptionbudgets"
    for name in ("web-1", "web-2", "other"):
        admin.create(pods, {"metadata": {"name": name, "labels": {"app": "web" if name != "other" else "x"}},
                            "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}]}})
        pod = admin.get(pods + "/" + name)
        pod["status"] = {"phase": "Running"}
        admin.replace(pods + "/" + name + "/status", pod)
    admin.create(pdbs, {"metadata": {"name": "web"}, "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}})

    def evict(name):
        return admin.create(pods + "/" + name + "/eviction", {
            "apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": "default"}})

    unprocessed = error(evict, "web-1")
    assert unprocessed.status == 429
    assert unprocessed.body["message"] == "Cannot evict pod as it would violate the pod's disruption budget."
    assert unprocessed.body["details"]["causes"][0]["message"] == \
        "The disruption budget web is still being processed by the server."
    budget = admin.get(pdbs + "/web")
    budget["status"] = {"observedGeneration": budget["metadata"]["generation"], "disruptionsAllowed": 1,
                        "currentHealthy": 2, "desiredHealthy": 1, "expectedPods": 2}
    admin.replace(pdbs + "/web/status", budget)
    assert evict("web-1")["status"] == "Success"
    spent = admin.get(pdbs + "/web")["status"]
    assert spent["disruptionsAllowed"] == 0 and "web-1" in spent["disruptedPods"]
    refused = error(evict, "web-2")
    assert refused.status == 429 and refused.body["reason"] == "TooManyRequests"
    assert refused.body["details"]["causes"][0]["message"] == "The disruption budget web needs 1 healthy pods and has 2 currently"
    assert admin.get(pods + "/web-2")["metadata"]["name"] == "web-2"
    assert evict("other")["status"] == "Success"  # no budget selects it
    admin.create(pdbs, {"metadata": {"name": "all"}, "spec": {"minAvailable": 0, "selector": {}}})
    two = error(evict, "web-2")
    assert two.status == 500 and "more than one PodDisruptionBudget" in two.body["message"]


def test_watch_reports_changes(api):
    admin = api.admin()
    admin.create(CM, {"metadata": {"name": "w1"}})
    cert, key = api.pki.issue("watcher", ["system:masters"])
    import os
    import tempfile
    fd, name = tempfile.mkstemp()
    with os.fdopen(fd, "wb") as handle:
        handle.write(cert + key)
    ctx = ssl.create_default_context(cadata=api.pki.ca_pem.decode())
    ctx.load_cert_chain(name)
    os.unlink(name)
    conn = http.client.HTTPSConnection("127.0.0.1", api.port, context=ctx)
    conn.request("GET", CM + "?watch=1&timeoutSeconds=1")
    resp = conn.getresponse()
    import threading
    threading.Timer(0.3, lambda: admin.create(CM, {"metadata": {"name": "w2"}})).start()
    events = [json.loads(line) for line in resp.read().decode().splitlines() if line.strip()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "w1"), ("ADDED", "w2")]
