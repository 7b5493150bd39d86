"""The built-in resources served by the API server stand-in, and the default RBAC objects it
creates at start (a subset of upstream's bootstrap policy, plugin/pkg/auth/authorizer/rbac/
bootstrappolicy), with the per-resource facts the server needs: scope, kind, short names,
subresources, etcd key prefix (upstream's, pkg/registry/*/storage), whether metadata.generation
is maintained."""

import re

VERBS_ALL = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


class Resource:
    """One served resource of one group/version."""

    def __init__(self, group, version, plural, kind, namespaced, short=(), subresources=(), prefix=None,
                 generation=False, verbs=None, singular=None, categories=(), crd=None, status_on_create=False):
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
        self.short = list(short)
        self.subresources = list(subresources)
        self.prefix = "/registry/" + (prefix or plural)
        self.generation = generation
        self.verbs = list(verbs or VERBS_ALL)
        self.singular = singular or kind.lower()
        self.categories = list(categories)
        self.crd = crd
        self.keep_status_on_create = status_on_create

    @property
    def group_version(self):
        return self.group + "/" + self.version if self.group else self.version

    @property
    def has_status(self):
        return "status" in self.subresources

    @property
    def list_kind(self):
        return self.kind + "List"

    def key(self, namespace, name=None):
        base = self.prefix + "/" + namespace if self.namespaced and namespace else self.prefix
        return base + "/" + name if name is not None else base + "/"

    def discovery(self):
        entries = [{"name": self.plural, "singularName": self.singular, "namespaced": self.namespaced,
                    "kind": self.kind, "verbs": list(self.verbs)}]
        if self.short:
            entries[0]["shortNames"] = list(self.short)
        if self.categories:
            entries[0]["categories"] = list(self.categories)
        for sub in self.subresources:
            kind, verbs = self.kind, ["get", "patch", "update"]
            if sub == "eviction":
                kind, verbs = "Eviction", ["create"]
            elif sub == "binding":
                kind, verbs = "Binding", ["create"]
            elif sub == "token":
                kind, verbs = "TokenRequest", ["create"]
            elif sub == "scale":
                kind = "Scale"
            elif sub == "finalize":
                verbs = ["update"]
            elif sub in ("proxy", "log", "exec", "attach", "portforward"):
                continue
            entry = {"name": self.plural + "/" + sub, "singularName": "", "namespaced": self.namespaced,
                     "kind": kind, "verbs": verbs}
            if sub == "scale":
                entry["group"] = "autoscaling"
                entry["version"] = "v1"
            entries.append(entry)
        return entries


R = Resource
CREATE_ONLY = ["create"]

BUILTIN = [
    R("", "v1", "bindings", "Binding", True, verbs=CREATE_ONLY),
    R("", "v1", "configmaps", "ConfigMap", True, ["cm"]),
    R("", "v1", "endpoints", "Endpoints", True, ["ep"], prefix="services/endpoints"),
    R("", "v1", "events", "Event", True, ["ev"]),
    R("", "v1", "limitranges", "LimitRange", True, ["limits"]),
    R("", "v1", "namespaces", "Namespace", False, ["ns"], ["finalize", "status"],
      verbs=["create", "delete", "get", "list", "patch", "update", "watch"]),
    R("", "v1", "nodes", "Node", False, ["no"], ["proxy", "status"], prefix="minions", status_on_create=True),
    R("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ["pvc"], ["status"]),
    R("", "v1", "persistentvolumes", "PersistentVolume", False, ["pv"], ["status"]),
    R("", "v1", "pods", "Pod", True, ["po"], ["attach", "binding", "eviction", "exec", "log", "portforward",
                                             "proxy", "status"], categories=["all"], status_on_create=True),
    R("", "v1", "podtemplates", "PodTemplate", True),
    R("", "v1", "replicationcontrollers", "ReplicationController", True, ["rc"], ["scale", "status"],
      prefix="controllers", generation=True, categories=["all"]),
    R("", "v1", "resourcequotas", "ResourceQuota", True, ["quota"], ["status"]),
    R("", "v1", "secrets", "Secret", True),
    R("", "v1", "serviceaccounts", "ServiceAccount", True, ["sa"], ["token"]),
    R("", "v1", "services", "Service", True, ["svc"], ["proxy", "status"], prefix="services/specs",
      categories=["all"], status_on_create=True),
    R("apps", "v1", "controllerrevisions", "ControllerRevision", True),
    R("apps", "v1", "daemonsets", "DaemonSet", True, ["ds"], ["status"], generation=True, categories=["all"]),
    R("apps", "v1", "deployments", "Deployment", True, ["deploy"], ["scale", "status"], generation=True,
      categories=["all"]),
    R("apps", "v1", "replicasets", "ReplicaSet", True, ["rs"], ["scale", "status"], generation=True,
      categories=["all"]),
    R("apps", "v1", "statefulsets", "StatefulSet", True, ["sts"], ["scale", "status"], generation=True,
      categories=["all"]),
    R("batch", "v1", "jobs", "Job", True, subresources=["status"], generation=True, categories=["all"]),
    R("batch", "v1", "cronjobs", "CronJob", True, ["cj"], ["status"], generation=True, categories=["all"]),
    R("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    R("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    R("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    R("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    R("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", False, ["csr"],
      ["approval", "status"]),
    R("coordination.k8s.io", "v1", "leases", "Lease", True),
    R("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, ["sc"]),
    R("storage.k8s.io", "v1", "csidrivers", "CSIDriver", False),
    R("storage.k8s.io", "v1", "csinodes", "CSINode", False),
    R("storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment", False, subresources=["status"]),
    R("networking.k8s.io", "v1", "ingresses", "Ingress", True, ["ing"], ["status"], prefix="ingress",
      generation=True),
    R("networking.k8s.io", "v1", "ingressclasses", "IngressClass", False),
    R("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ["netpol"], generation=True),
    R("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ["pdb"], ["status"],
      generation=True),
    R("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False,
      ["crd", "crds"], ["status"], prefix="apiextensions.k8s.io/customresourcedefinitions", generation=True,
      categories=["api-extensions"]),
    R("apiregistration.k8s.io", "v1", "apiservices", "APIService", False, subresources=["status"],
      prefix="apiregistration.k8s.io/apiservices", categories=["api-extensions"]),
    R("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration",
      False, generation=True, categories=["api-extensions"]),
    R("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
      "ValidatingWebhookConfiguration", False, generation=True, categories=["api-extensions"]),
    R("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False, ["pc"]),
    R("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    R("events.k8s.io", "v1", "events", "Event", True, ["ev"]),
    R("node.k8s.io", "v1", "runtimeclasses", "RuntimeClass", False),
    R("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", False, verbs=CREATE_ONLY),
    R("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False,
      verbs=CREATE_ONLY),
    R("authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", True,
      verbs=CREATE_ONLY),
    R("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", False, verbs=CREATE_ONLY),
]

# Create-only review resources: answered, never stored.
REVIEWS = {"subjectaccessreviews", "selfsubjectaccessreviews", "localsubjectaccessreviews",
           "selfsubjectreviews"}

# Names validated as path segments (upstream ValidatePathSegmentName) rather than DNS subdomains.
PATH_SEGMENT_NAMES = {("rbac.authorization.k8s.io", p) for p in
                      ("clusterroles", "clusterrolebindings", "roles", "rolebindings")}
PATH_SEGMENT_NAMES |= {("certificates.k8s.io", "certificatesigningrequests")}
DNS_LABEL_NAMES = {("", "namespaces")}
DNS1035_NAMES = {("", "services")}


def version_priority(version):
    """Sort key of a Kubernetes API version: GA > beta > alpha, higher numbers first, then others."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (3, 0, 0, version)
    major = int(match.group(1))
    stage = {"": 0, "beta": 1, "alpha": 2}[match.group(2) or ""]
    minor = int(match.group(3) or 0)
    return (stage, -major, -minor, version)


def crd_resources(crd):
    """Resource objects for every served version of a CustomResourceDefinition."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group", "")
    out = []
    for ver in spec.get("versions") or []:
        if not ver.get("served", True):
            continue
        subs = []
        for sub in ("status", "scale"):
            if sub in (ver.get("subresources") or {}):
                subs.append(sub)
        out.append(Resource(group, ver.get("name"), names.get("plural", ""), names.get("kind", ""),
                            spec.get("scope", "Namespaced") == "Namespaced", names.get("shortNames") or (),
                            subs, prefix=group + "/" + names.get("plural", ""), generation=True,
                            singular=names.get("singular") or names.get("kind", "").lower(),
                            categories=names.get("categories") or (), crd=crd.get("metadata", {}).get("name")))
    return out


# ------------------------------------------------------------------ default RBAC policy

def _rule(groups, resources, verbs, names=None):
    rule = {"apiGroups": list(groups), "resources": list(resources), "verbs": list(verbs)}
    if names:
        rule["resourceNames"] = list(names)
    return rule


def _nonres(urls, verbs=("get",)):
    return {"nonResourceURLs": list(urls), "verbs": list(verbs)}


READ = ("get", "list", "watch")
KUBELET_SIGNERS = ("kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/kube-apiserver-client",
                   "kubernetes.io/kubelet-serving", "kubernetes.io/legacy-unknown")

# What a kubelet (user system:node:<name>, group system:nodes) may do. A simplification of the Node
# authorizer (plugin/pkg/auth/authorizer/node): upstream lets a node read only the secrets,
# configmaps and volumes referenced by pods bound to it; no pod references them here, so a node
# reads none, except through RBAC (kubeadm's Roles for kubeadm-config and kubelet-config).
NODE_RULES = [
    _rule([""], ["nodes"], ("get", "list", "watch", "create", "update", "patch", "delete")),
    _rule([""], ["nodes/status"], ("get", "patch", "update")),
    _rule([""], ["pods"], ("get", "list", "watch", "create", "delete")),
    _rule([""], ["pods/status"], ("get", "patch", "update")),
    _rule([""], ["pods/eviction"], ("create",)),
    _rule([""], ["services", "endpoints", "persistentvolumeclaims", "persistentvolumes", "namespaces"], READ),
    _rule([""], ["events"], ("create", "patch", "update")),
    _rule(["events.k8s.io"], ["events"], ("create", "patch", "update")),
    _rule([""], ["serviceaccounts/token"], ("create",)),
    _rule(["coordination.k8s.io"], ["leases"], ("get", "create", "update", "patch", "delete")),
    _rule(["certificates.k8s.io"], ["certificatesigningrequests"], ("create", "get", "list", "watch")),
    _rule(["storage.k8s.io"], ["csinodes"], ("get", "create", "update", "patch", "delete")),
    _rule(["storage.k8s.io"], ["csidrivers", "volumeattachments"], READ),
    _rule(["node.k8s.io"], ["runtimeclasses"], READ),
    _rule(["discovery.k8s.io"], ["endpointslices"], READ),
    _rule(["authentication.k8s.io"], ["tokenreviews"], ("create",)),
    _rule(["authorization.k8s.io"], ["subjectaccessreviews", "localsubjectaccessreviews"], ("create",)),
]

# What the controller-manager stand-in needs with its own credentials (upstream runs each
# controller with a service account and narrower system:controller:* roles).
CONTROLLER_MANAGER_RULES = [
    _rule([""], ["nodes", "nodes/status", "pods", "pods/status", "namespaces", "namespaces/status",
                 "namespaces/finalize", "configmaps", "secrets", "serviceaccounts", "services", "endpoints",
                 "persistentvolumes", "persistentvolumeclaims"],
          ("get", "list", "watch", "create", "update", "patch", "delete")),
    _rule([""], ["events"], ("create", "patch", "update")),
    _rule(["apps"], ["daemonsets", "deployments", "replicasets", "statefulsets", "controllerrevisions",
                     "daemonsets/status", "deployments/status", "replicasets/status", "statefulsets/status"],
          ("get", "list", "watch", "create", "update", "patch", "delete")),
    _rule(["batch"], ["jobs", "jobs/status", "cronjobs", "cronjobs/status"],
          ("get", "list", "watch", "update", "patch", "delete")),
    _rule(["certificates.k8s.io"], ["certificatesigningrequests"], ("get", "list", "watch", "delete")),
    _rule(["certificates.k8s.io"], ["certificatesigningrequests/approval", "certificatesigningrequests/status"],
          ("update", "patch")),
    _rule(["certificates.k8s.io"], ["signers"], ("approve", "sign"), KUBELET_SIGNERS),
    _rule(["coordination.k8s.io"], ["leases"], ("get", "list", "watch", "create", "update", "patch")),
    _rule(["apiextensions.k8s.io"], ["customresourcedefinitions", "customresourcedefinitions/status"],
          ("get", "list", "watch", "update", "patch")),
    _rule(["authorization.k8s.io"], ["subjectaccessreviews"], ("create",)),
    _rule(["authentication.k8s.io"], ["tokenreviews"], ("create",)),
    _rule(["discovery.k8s.io"], ["endpointslices"], ("get", "list", "watch", "create", "update", "delete")),
]

SCHEDULER_RULES = [
    _rule([""], ["nodes", "pods", "namespaces", "services", "persistentvolumes", "persistentvolumeclaims",
                 "replicationcontrollers"], READ),
    _rule([""], ["pods/binding", "bindings"], ("create",)),
    _rule([""], ["pods/status"], ("patch", "update")),
    _rule([""], ["events"], ("create", "patch", "update")),
    _rule(["events.k8s.io"], ["events"], ("create", "patch", "update")),
    _rule([""], ["configmaps"], READ),
    _rule(["coordination.k8s.io"], ["leases"], ("get", "list", "watch", "create", "update", "patch")),
    _rule(["apps"], ["replicasets", "statefulsets"], READ),
    _rule(["policy"], ["poddisruptionbudgets"], READ),
    _rule(["storage.k8s.io"], ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities"], READ),
    _rule(["authorization.k8s.io"], ["subjectaccessreviews"], ("create",)),
    _rule(["authentication.k8s.io"], ["tokenreviews"], ("create",)),
]

DISCOVERY_URLS = ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
                  "/readyz", "/version", "/version/"]
PUBLIC_INFO_URLS = ["/healthz", "/livez", "/readyz", "/version", "/version/"]

DEFAULT_CLUSTER_ROLES = {
    "cluster-admin": [_rule(["*"], ["*"], ["*"]), _nonres(["*"], ["*"])],
    "system:discovery": [_nonres(DISCOVERY_URLS)],
    "system:public-info-viewer": [_nonres(PUBLIC_INFO_URLS)],
    "system:basic-user": [
        _rule(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"]),
        _rule(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"])],
    "system:node-bootstrapper": [_rule(["certificates.k8s.io"], ["certificatesigningrequests"],
                                       ["create", "get", "list", "watch"])],
    "system:certificates.k8s.io:certificatesigningrequests:nodeclient": [
        _rule(["certificates.k8s.io"], ["certificatesigningrequests/nodeclient"], ["create"])],
    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient": [
        _rule(["certificates.k8s.io"], ["certificatesigningrequests/selfnodeclient"], ["create"])],
    "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver": [
        _rule(["certificates.k8s.io"], ["signers"], ["approve"], ["kubernetes.io/kube-apiserver-client-kubelet"])],
    "system:node": NODE_RULES,
    "system:node-proxier": [
        _rule([""], ["endpoints", "services", "nodes"], READ),
        _rule([""], ["events"], ["create", "patch", "update"]),
        _rule(["discovery.k8s.io"], ["endpointslices"], READ)],
    "system:kube-controller-manager": CONTROLLER_MANAGER_RULES,
    "system:kube-scheduler": SCHEDULER_RULES,
    "system:monitoring": [_nonres(["/healthz", "/healthz/*", "/livez", "/livez/*", "/readyz", "/readyz/*",
                                   "/metrics", "/metrics/slis"])],
}

DEFAULT_CLUSTER_ROLE_BINDINGS = {
    "cluster-admin": ("cluster-admin", [("Group", "system:masters")]),
    "system:discovery": ("system:discovery", [("Group", "system:authenticated")]),
    "system:basic-user": ("system:basic-user", [("Group", "system:authenticated")]),
    "system:public-info-viewer": ("system:public-info-viewer", [("Group", "system:authenticated"),
                                                                ("Group", "system:unauthenticated")]),
    "system:node": ("system:node", []),
    "system:node-proxier": ("system:node-proxier", [("User", "system:kube-proxy")]),
    "system:kube-controller-manager": ("system:kube-controller-manager",
                                       [("User", "system:kube-controller-manager")]),
    "system:kube-scheduler": ("system:kube-scheduler", [("User", "system:kube-scheduler")]),
    "system:monitoring": ("system:monitoring", [("Group", "system:monitoring")]),
}

BOOTSTRAP_META = {"labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
                  "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}}


def default_rbac_objects():
    """(resource plural, object) of the default ClusterRoles and ClusterRoleBindings."""
    out = []
    for name, rules in DEFAULT_CLUSTER_ROLES.items():
        out.append(("clusterroles", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                     "metadata": dict(name=name, **BOOTSTRAP_META), "rules": rules}))
    for name, (role, subjects) in DEFAULT_CLUSTER_ROLE_BINDINGS.items():
        binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                   "metadata": dict(name=name, **BOOTSTRAP_META),
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role}}
        if subjects:
            binding["subjects"] = [{"apiGroup": "rbac.authorization.k8s.io", "kind": k, "name": n}
                                   for k, n in subjects]
        out.append(("clusterrolebindings", binding))
    return out
