"""Files and API objects kubeadm writes, for the kubeadm double (TEST ONLY).

Shapes follow upstream kubernetes/kubernetes cmd/kubeadm/app:
- phases/controlplane/manifests.go, phases/etcd/local.go, util/staticpod: static Pod manifests
  (command lines, probes, host-path volumes, annotations);
- phases/kubeconfig/kubeconfig.go, util/kubeconfig: kubeconfig files;
- componentconfigs/kubelet.go, phases/kubelet/flags.go: /var/lib/kubelet/config.yaml and
  kubeadm-flags.env;
- phases/uploadconfig, phases/bootstraptoken/{clusterinfo,node}, phases/copycerts,
  phases/addons/{dns,proxy}: ConfigMaps, Secrets, RBAC objects, the CoreDNS and kube-proxy addons.
Everything is a plain dict ready for JSON; nothing here talks to a server or the disk.
"""

import base64
import ipaddress
import math
import urllib.parse

import yaml

from . import versions

RBAC = "rbac.authorization.k8s.io"
RBAC_V1 = RBAC + "/v1"
NODE_BOOTSTRAP_GROUP = "system:bootstrappers:kubeadm:default-node-token"
NODES_GROUP = "system:nodes"
CLUSTER_ADMINS_GROUP = "kubeadm:cluster-admins"
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
EXCLUDE_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"
CRI_SOCKET_ANNOTATION = "kubeadm.alpha.kubernetes.io/cri-socket"
APISERVER_ENDPOINT_ANNOTATION = "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"
ETCD_URLS_ANNOTATION = "kubeadm.kubernetes.io/etcd.advertise-client-urls"


def b64(data):
    return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()


def dump(obj):
    return yaml.safe_dump(obj, default_flow_style=False, sort_keys=True)


# ---------------------------------------------------------------------------------------------
# networking helpers (kubeadm's constants.GetAPIServerVirtualIP / GetDNSIP)

def _first_subnet(subnets):
    return ipaddress.ip_network(subnets.split(",")[0].strip(), strict=False)


def api_service_ip(service_subnet):
    return str(_first_subnet(service_subnet)[1])


def dns_ip(service_subnet):
    return str(_first_subnet(service_subnet)[10])


def host_port(address, port):
    try:
        if ipaddress.ip_address(address).version == 6:
            return "[%s]:%s" % (address, port)
    except ValueError:
        pass
    return "%s:%s" % (address, port)


def control_plane_url(cluster, endpoint):
    """https URL of controlPlaneEndpoint (its port defaulting to bindPort) or of the local endpoint."""
    cpe = cluster.get("controlPlaneEndpoint") or ""
    port = endpoint.get("bindPort", 6443)
    if cpe:
        if cpe.startswith("["):
            host, _, rest = cpe[1:].partition("]")
            cport = rest[1:] if rest.startswith(":") else str(port)
            return "https://[%s]:%s" % (host, cport)
        if cpe.count(":") == 1:
            return "https://" + cpe
        return "https://" + host_port(cpe, port)
    return "https://" + host_port(endpoint["advertiseAddress"], port)


def local_url(endpoint):
    return "https://" + host_port(endpoint["advertiseAddress"], endpoint.get("bindPort", 6443))


# ---------------------------------------------------------------------------------------------
# argument lists (util.ArgumentsToCommand: defaults overridden by extra args, sorted by name)

def arguments(base, extra):
    extra = list(extra or [])
    overridden = {a["name"] for a in extra}
    merged = [(k, v) for k, v in base.items() if k not in overridden]
    merged += [(a["name"], a.get("value", "")) for a in extra]
    merged.sort(key=lambda kv: kv[0])
    return ["--%s=%s" % (k, v) for k, v in merged]


# ---------------------------------------------------------------------------------------------
# images (phases/images, constants)

def image_repository(cluster):
    return cluster.get("imageRepository") or versions.DEFAULT_IMAGE_REPOSITORY


def image_tag(version):
    return str(version).replace("+", "_")


def control_plane_image(cluster, name):
    return "%s/%s:%s" % (image_repository(cluster), name, image_tag(cluster["kubernetesVersion"]))


def etcd_image(cluster, kubeadm_version):
    local = (cluster.get("etcd") or {}).get("local") or {}
    repo = local.get("imageRepository") or image_repository(cluster)
    tag = local.get("imageTag") or versions.etcd_tag(kubeadm_version, cluster["kubernetesVersion"])
    return "%s/etcd:%s" % (repo, tag)


def pause_image(cluster, kubeadm_version):
    return "%s/pause:%s" % (image_repository(cluster), versions.pins(kubeadm_version)[2])


def coredns_image(cluster, kubeadm_version):
    dns = cluster.get("dns") or {}
    tag = dns.get("imageTag") or versions.pins(kubeadm_version)[1]
    return versions.coredns_image(image_repository(cluster), tag, dns.get("imageRepository", ""))


def images(cluster, kubeadm_version):
    """The list `kubeadm config images list` prints (GetControlPlaneImages + addons + pause + etcd)."""
    out = [control_plane_image(cluster, n) for n in
           ("kube-apiserver", "kube-controller-manager", "kube-scheduler")]
    if not (cluster.get("proxy") or {}).get("disabled"):
        out.append(control_plane_image(cluster, "kube-proxy"))
    if not (cluster.get("dns") or {}).get("disabled"):
        out.append(coredns_image(cluster, kubeadm_version))
    out.append(pause_image(cluster, kubeadm_version))
    if (cluster.get("etcd") or {}).get("local") is not None:
        out.append(etcd_image(cluster, kubeadm_version))
    return out


# ---------------------------------------------------------------------------------------------
# kubeconfig files

def kubeconfig(server, cluster_name, user, ca_pem, cert_pem=None, key_pem=None, token=None):
    creds = {}
    if cert_pem:
        creds = {"client-certificate-data": b64(cert_pem), "client-key-data": b64(key_pem)}
    if token:
        creds = {"token": token}
    context = "%s@%s" % (user, cluster_name)
    return {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"cluster": {"certificate-authority-data": b64(ca_pem), "server": server},
                      "name": cluster_name}],
        "contexts": [{"context": {"cluster": cluster_name, "user": user}, "name": context}],
        "current-context": context, "preferences": {},
        "users": [{"name": user, "user": creds}],
    }


# ---------------------------------------------------------------------------------------------
# static pods

def _volume(name, path, kind="DirectoryOrCreate"):
    return {"hostPath": {"path": path, "type": kind}, "name": name}


def _mount(name, path, read_only=False):
    mount = {"mountPath": path, "name": name}
    if read_only:
        mount["readOnly"] = True
    return mount


_CA_DIRS = [("ca-certs", "/etc/ssl/certs"), ("etc-ca-certificates", "/etc/ca-certificates"),
            ("usr-local-share-ca-certificates", "/usr/local/share/ca-certificates"),
            ("usr-share-ca-certificates", "/usr/share/ca-certificates")]


# kubeadmapi.GetActiveTimeouts().ControlPlaneComponentHealthCheck of the running command, in
# seconds (set from the configuration it loaded; 4m0s by default).
ACTIVE_CONTROL_PLANE_TIMEOUT = [240.0]


def _startup_probe(host, path, port, scheme):
    """staticpod.StartupProbe: failureThreshold covers the control-plane health-check timeout."""
    return _probe(host, path, port, scheme, int(math.ceil(ACTIVE_CONTROL_PLANE_TIMEOUT[0] / 10.0)))


def etcd_probe_endpoint(local, ipv6=False):
    """staticpod.GetEtcdProbeEndpoint: host, port and scheme of the first listen-metrics-urls
    URL of the local etcd's extraArgs, else 127.0.0.1 (::1), 2381, HTTP."""
    localhost = "::1" if ipv6 else "127.0.0.1"
    value = next((a.get("value", "") for a in reversed(local.get("extraArgs") or [])
                  if a.get("name") == "listen-metrics-urls"), None)
    if value is None:
        return localhost, 2381, "HTTP"
    try:
        url = urllib.parse.urlsplit(value.split(",")[0])
        host = url.hostname
    except ValueError:
        return localhost, 2381, "HTTP"
    text = url.netloc.rpartition("@")[2].rpartition("]")[2].rpartition(":")[2] if ":" in url.netloc.rpartition("]")[2] else ""
    port = int(text) if text.isdigit() and 0 < int(text) < 65536 else 2381   # kubeadmutil.ParsePort, else the default
    return host or localhost, port, "HTTPS" if url.scheme == "https" else "HTTP"


def _probe(host, path, port, scheme, failure, initial=10, timeout=15, period=10):
    probe = {"failureThreshold": failure,
             "httpGet": {"host": host, "path": path, "port": port, "scheme": scheme},
             "initialDelaySeconds": initial, "periodSeconds": period, "timeoutSeconds": timeout}
    if not initial:
        probe.pop("initialDelaySeconds")
    return probe


def _extra(component):
    vols, mounts = [], []
    for vol in component.get("extraVolumes") or []:
        vols.append({"hostPath": {"path": vol["hostPath"], "type": vol.get("pathType") or ""},
                     "name": vol["name"]})
        mounts.append(_mount(vol["name"], vol["mountPath"], bool(vol.get("readOnly"))))
    return vols, mounts


def static_pod(name, image, command, volumes, mounts, probes, cpu, annotations=None, memory=None,
               env=None, priority=True):
    requests = {"cpu": cpu}
    if memory:
        requests["memory"] = memory
    container = {"command": command, "image": image, "imagePullPolicy": "IfNotPresent",
                 "name": name, "resources": {"requests": requests}, "volumeMounts": mounts}
    container.update(probes)
    if env:
        container["env"] = env
    meta = {"labels": {"component": name, "tier": "control-plane"}, "name": name,
            "namespace": "kube-system"}
    if annotations:
        meta["annotations"] = annotations
    spec = {"containers": [container], "hostNetwork": True,
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "volumes": volumes}
    if priority:
        spec["priority"] = 2000001000
        spec["priorityClassName"] = "system-node-critical"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {}}


def apiserver_pod(cluster, endpoint, certs_dir, etcd_servers=None):
    comp = cluster.get("apiServer") or {}
    net = cluster.get("networking") or {}
    addr, port = endpoint["advertiseAddress"], endpoint.get("bindPort", 6443)
    pki = certs_dir
    etcd = cluster.get("etcd") or {}
    base = {
        "advertise-address": addr, "allow-privileged": "true", "authorization-mode": "Node,RBAC",
        "client-ca-file": pki + "/ca.crt", "enable-admission-plugins": "NodeRestriction",
        "enable-bootstrap-token-auth": "true",
        "kubelet-client-certificate": pki + "/apiserver-kubelet-client.crt",
        "kubelet-client-key": pki + "/apiserver-kubelet-client.key",
        "kubelet-preferred-address-types": "InternalIP,ExternalIP,Hostname",
        "proxy-client-cert-file": pki + "/front-proxy-client.crt",
        "proxy-client-key-file": pki + "/front-proxy-client.key",
        "requestheader-allowed-names": "front-proxy-client",
        "requestheader-client-ca-file": pki + "/front-proxy-ca.crt",
        "requestheader-extra-headers-prefix": "X-Remote-Extra-",
        "requestheader-group-headers": "X-Remote-Group",
        "requestheader-username-headers": "X-Remote-User",
        "secure-port": str(port),
        "service-account-issuer": "https://kubernetes.default.svc.%s" % net.get("dnsDomain", "cluster.local"),
        "service-account-key-file": pki + "/sa.pub",
        "service-account-signing-key-file": pki + "/sa.key",
        "service-cluster-ip-range": net.get("serviceSubnet", "10.96.0.0/12"),
        "tls-cert-file": pki + "/apiserver.crt", "tls-private-key-file": pki + "/apiserver.key",
    }
    if etcd.get("external"):
        ext = etcd["external"]
        base["etcd-servers"] = ",".join(ext.get("endpoints") or [])
        for flag, key in (("etcd-cafile", "caFile"), ("etcd-certfile", "certFile"), ("etcd-keyfile", "keyFile")):
            if ext.get(key):
                base[flag] = ext[key]
    else:
        base["etcd-servers"] = etcd_servers or "https://127.0.0.1:2379"
        base["etcd-cafile"] = pki + "/etcd/ca.crt"
        base["etcd-certfile"] = pki + "/apiserver-etcd-client.crt"
        base["etcd-keyfile"] = pki + "/apiserver-etcd-client.key"
    command = ["kube-apiserver"] + arguments(base, comp.get("extraArgs"))
    volumes = [_volume(n, p) for n, p in _CA_DIRS[:2]] + [_volume("k8s-certs", pki)] + \
        [_volume(n, p) for n, p in _CA_DIRS[2:]]
    mounts = [_mount(n, p, True) for n, p in _CA_DIRS[:2]] + [_mount("k8s-certs", pki, True)] + \
        [_mount(n, p, True) for n, p in _CA_DIRS[2:]]
    ev, em = _extra(comp)
    probes = {"livenessProbe": _probe(addr, "/livez", port, "HTTPS", 8),
              "readinessProbe": _probe(addr, "/readyz", port, "HTTPS", 3, initial=0, period=1),
              "startupProbe": _startup_probe(addr, "/livez", port, "HTTPS")}
    return static_pod("kube-apiserver", control_plane_image(cluster, "kube-apiserver"), command,
                      sorted(volumes + ev, key=lambda v: v["name"]), sorted(mounts + em, key=lambda m: m["name"]),
                      probes, "250m", {APISERVER_ENDPOINT_ANNOTATION: host_port(addr, port)},
                      env=comp.get("extraEnvs"))


def controller_manager_pod(cluster, certs_dir, kubeconfig_dir="/etc/kubernetes"):
    comp = cluster.get("controllerManager") or {}
    net = cluster.get("networking") or {}
    pki = certs_dir
    conf = kubeconfig_dir + "/controller-manager.conf"
    base = {
        "authentication-kubeconfig": conf, "authorization-kubeconfig": conf, "bind-address": "127.0.0.1",
        "client-ca-file": pki + "/ca.crt", "cluster-name": cluster.get("clusterName", "kubernetes"),
        "cluster-signing-cert-file": pki + "/ca.crt", "cluster-signing-key-file": pki + "/ca.key",
        "controllers": "*,bootstrapsigner,tokencleaner", "kubeconfig": conf, "leader-elect": "true",
        "requestheader-client-ca-file": pki + "/front-proxy-ca.crt", "root-ca-file": pki + "/ca.crt",
        "service-account-private-key-file": pki + "/sa.key",
        "service-cluster-ip-range": net.get("serviceSubnet", "10.96.0.0/12"),
        "use-service-account-credentials": "true",
    }
    if net.get("podSubnet"):
        base["allocate-node-cidrs"] = "true"
        base["cluster-cidr"] = net["podSubnet"]
    command = ["kube-controller-manager"] + arguments(base, comp.get("extraArgs"))
    flex = "/usr/libexec/kubernetes/kubelet-plugins/volume/exec"
    volumes = [_volume(n, p) for n, p in _CA_DIRS[:2]] + [
        _volume("flexvolume-dir", flex), _volume("k8s-certs", pki),
        _volume("kubeconfig", conf, "FileOrCreate")] + [_volume(n, p) for n, p in _CA_DIRS[2:]]
    mounts = [_mount(n, p, True) for n, p in _CA_DIRS[:2]] + [
        _mount("flexvolume-dir", flex), _mount("k8s-certs", pki, True), _mount("kubeconfig", conf, True)] + \
        [_mount(n, p, True) for n, p in _CA_DIRS[2:]]
    ev, em = _extra(comp)
    probes = {"livenessProbe": _probe("127.0.0.1", "/healthz", 10257, "HTTPS", 8),
              "startupProbe": _startup_probe("127.0.0.1", "/healthz", 10257, "HTTPS")}
    return static_pod("kube-controller-manager", control_plane_image(cluster, "kube-controller-manager"),
                      command, sorted(volumes + ev, key=lambda v: v["name"]),
                      sorted(mounts + em, key=lambda m: m["name"]), probes, "200m", env=comp.get("extraEnvs"))


def scheduler_pod(cluster, kubeconfig_dir="/etc/kubernetes"):
    comp = cluster.get("scheduler") or {}
    conf = kubeconfig_dir + "/scheduler.conf"
    base = {"authentication-kubeconfig": conf, "authorization-kubeconfig": conf,
            "bind-address": "127.0.0.1", "kubeconfig": conf, "leader-elect": "true"}
    command = ["kube-scheduler"] + arguments(base, comp.get("extraArgs"))
    ev, em = _extra(comp)
    probes = {"livenessProbe": _probe("127.0.0.1", "/livez", 10259, "HTTPS", 8),
              "readinessProbe": _probe("127.0.0.1", "/readyz", 10259, "HTTPS", 3, initial=0, period=1),
              "startupProbe": _startup_probe("127.0.0.1", "/livez", 10259, "HTTPS")}
    return static_pod("kube-scheduler", control_plane_image(cluster, "kube-scheduler"), command,
                      sorted([_volume("kubeconfig", conf, "FileOrCreate")] + ev, key=lambda v: v["name"]),
                      sorted([_mount("kubeconfig", conf, True)] + em, key=lambda m: m["name"]),
                      probes, "100m", env=comp.get("extraEnvs"))


def etcd_pod(cluster, endpoint, node_name, certs_dir, kubeadm_version, initial_cluster=None):
    """Local etcd (phases/etcd/local.go). ``initial_cluster`` [(name, peerURL)] for a joining member."""
    local = (cluster.get("etcd") or {}).get("local") or {}
    addr = endpoint["advertiseAddress"]
    pki = certs_dir + "/etcd"
    data_dir = local.get("dataDir", "/var/lib/etcd")
    client_url = "https://" + host_port(addr, 2379)
    peer_url = "https://" + host_port(addr, 2380)
    image = etcd_image(cluster, kubeadm_version)
    tag = image.rsplit(":", 1)[1]
    etcd36 = tag.startswith("3.6")
    base = {
        "advertise-client-urls": client_url, "cert-file": pki + "/server.crt", "client-cert-auth": "true",
        "data-dir": data_dir, "initial-advertise-peer-urls": peer_url,
        "key-file": pki + "/server.key",
        "listen-client-urls": "https://127.0.0.1:2379,%s" % client_url,
        "listen-metrics-urls": "http://127.0.0.1:2381", "listen-peer-urls": peer_url, "name": node_name,
        "peer-cert-file": pki + "/peer.crt", "peer-client-cert-auth": "true",
        "peer-key-file": pki + "/peer.key", "peer-trusted-ca-file": pki + "/ca.crt",
        "snapshot-count": "10000", "trusted-ca-file": pki + "/ca.crt",
    }
    if etcd36:
        base["feature-gates"] = "InitialCorruptCheck=true"
        base["watch-progress-notify-interval"] = "5s"
    else:
        base["experimental-initial-corrupt-check"] = "true"
        base["experimental-watch-progress-notify-interval"] = "5s"
    if initial_cluster:
        base["initial-cluster"] = ",".join("%s=%s" % (n, u) for n, u in initial_cluster)
        base["initial-cluster-state"] = "existing"
    else:
        base["initial-cluster"] = "%s=%s" % (node_name, peer_url)
    command = ["etcd"] + arguments(base, local.get("extraArgs"))
    # etcd's /livez and /readyz (etcd >= 3.5.11) from kubeadm 1.31 on, whatever the etcd version
    # (kubernetes/kubernetes#124465; the doubles start at 1.31).
    host, port, scheme = etcd_probe_endpoint(local, ":" in addr)
    probes = {"livenessProbe": _probe(host, "/livez", port, scheme, 8),
              "readinessProbe": _probe(host, "/readyz", port, scheme, 3, initial=0, period=1),
              "startupProbe": _startup_probe(host, "/readyz", port, scheme)}
    volumes = [_volume("etcd-certs", pki), _volume("etcd-data", data_dir)]
    mounts = [_mount("etcd-certs", pki), _mount("etcd-data", data_dir)]
    return static_pod("etcd", image, command, volumes, mounts, probes, "100m",
                      {ETCD_URLS_ANNOTATION: client_url}, memory="100Mi", env=local.get("extraEnvs"))


# ---------------------------------------------------------------------------------------------
# kubelet

def kubelet_config(cluster, user=None):
    """The KubeletConfiguration kubeadm stores in kubelet-config and writes to config.yaml."""
    net = cluster.get("networking") or {}
    cfg = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
        "authentication": {"anonymous": {"enabled": False},
                           "webhook": {"cacheTTL": "0s", "enabled": True},
                           "x509": {"clientCAFile": cluster.get("certificatesDir", "/etc/kubernetes/pki") + "/ca.crt"}},
        "authorization": {"mode": "Webhook", "webhook": {"cacheAuthorizedTTL": "0s", "cacheUnauthorizedTTL": "0s"}},
        "cgroupDriver": "systemd",
        "clusterDNS": [dns_ip(net.get("serviceSubnet", "10.96.0.0/12"))],
        "clusterDomain": net.get("dnsDomain", "cluster.local"),
        "containerRuntimeEndpoint": "",
        "cpuManagerReconcilePeriod": "0s", "evictionPressureTransitionPeriod": "0s",
        "fileCheckFrequency": "0s", "healthzBindAddress": "127.0.0.1", "healthzPort": 10248,
        "httpCheckFrequency": "0s", "imageMaximumGCAge": "0s", "imageMinimumGCAge": "0s",
        "logging": {"flushFrequency": 0, "options": {"json": {"infoBufferSize": "0"},
                                                     "text": {"infoBufferSize": "0"}}, "verbosity": 0},
        "memorySwap": {}, "nodeStatusReportFrequency": "0s", "nodeStatusUpdateFrequency": "0s",
        "rotateCertificates": True, "runtimeRequestTimeout": "0s", "shutdownGracePeriod": "0s",
        "shutdownGracePeriodCriticalPods": "0s", "staticPodPath": "/etc/kubernetes/manifests",
        "streamingConnectionIdleTimeout": "0s", "syncFrequency": "0s", "volumeStatsAggPeriod": "0s",
    }
    if user:
        _deep_merge(cfg, user)
    return cfg


def _deep_merge(base, over):
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_merge(base[key], value)
        else:
            base[key] = value
    return base


def kubelet_flags(node_reg, pause, hostname, register_taints, with_pause=True):
    """KUBELET_KUBEADM_ARGS of kubeadm-flags.env (buildKubeletArgsCommon + kubeletExtraArgs)."""
    base = {"container-runtime-endpoint": node_reg.get("criSocket")}
    if with_pause and pause:
        base["pod-infra-container-image"] = pause
    taints = node_reg.get("taints") or []
    if register_taints and taints:
        base["register-with-taints"] = ",".join(taint_text(t) for t in taints)
    name = node_reg.get("name") or hostname
    if name != hostname:
        base["hostname-override"] = name
    args = arguments(base, node_reg.get("kubeletExtraArgs"))
    return 'KUBELET_KUBEADM_ARGS="%s"\n' % " ".join(args).replace("\\", "\\\\").replace('"', '\\"')


def taint_text(taint):
    text = taint["key"]
    if taint.get("value"):
        text += "=" + taint["value"]
    return text + ":" + taint.get("effect", "")


# ---------------------------------------------------------------------------------------------
# RBAC

def role(name, namespace, rules):
    return {"apiVersion": RBAC_V1, "kind": "Role", "metadata": {"name": name, "namespace": namespace},
            "rules": rules}


def role_binding(name, namespace, role_name, subjects, kind="Role"):
    return {"apiVersion": RBAC_V1, "kind": "RoleBinding", "metadata": {"name": name, "namespace": namespace},
            "roleRef": {"apiGroup": RBAC, "kind": kind, "name": role_name}, "subjects": subjects}


def cluster_role(name, rules):
    return {"apiVersion": RBAC_V1, "kind": "ClusterRole", "metadata": {"name": name}, "rules": rules}


def cluster_role_binding(name, role_name, subjects):
    return {"apiVersion": RBAC_V1, "kind": "ClusterRoleBinding", "metadata": {"name": name},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role_name}, "subjects": subjects}


def group(name):
    return {"apiGroup": RBAC, "kind": "Group", "name": name}


def user(name):
    return {"apiGroup": RBAC, "kind": "User", "name": name}


def service_account_subject(name, namespace="kube-system"):
    return {"kind": "ServiceAccount", "name": name, "namespace": namespace}


def rule(resources, verbs, names=None, groups=("",)):
    out = {"apiGroups": list(groups), "resources": list(resources), "verbs": list(verbs)}
    if names:
        out["resourceNames"] = list(names)
    return out


def config_map(name, namespace, data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace},
            "data": data}


def upload_config_objects(cluster_yaml):
    """(collection path, object) of the upload-config/kubeadm phase."""
    ns = "/api/v1/namespaces/kube-system"
    rb = "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system"
    return [
        (ns + "/configmaps", config_map("kubeadm-config", "kube-system", {"ClusterConfiguration": cluster_yaml})),
        (rb + "/roles", role("kubeadm:nodes-kubeadm-config", "kube-system",
                             [rule(["configmaps"], ["get"], ["kubeadm-config"])])),
        (rb + "/rolebindings", role_binding("kubeadm:nodes-kubeadm-config", "kube-system",
                                            "kubeadm:nodes-kubeadm-config",
                                            [group(NODE_BOOTSTRAP_GROUP), group(NODES_GROUP)])),
    ]


def upload_kubelet_objects(kubelet_yaml):
    ns = "/api/v1/namespaces/kube-system"
    rb = "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system"
    return [
        (ns + "/configmaps", config_map("kubelet-config", "kube-system", {"kubelet": kubelet_yaml})),
        (rb + "/roles", role("kubeadm:kubelet-config", "kube-system",
                             [rule(["configmaps"], ["get"], ["kubelet-config"])])),
        (rb + "/rolebindings", role_binding("kubeadm:kubelet-config", "kube-system", "kubeadm:kubelet-config",
                                            [group(NODES_GROUP), group(NODE_BOOTSTRAP_GROUP)])),
    ]


CRB = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
CR = "/apis/rbac.authorization.k8s.io/v1/clusterroles"


def bootstrap_rbac_objects():
    """[(message, [(path, object)])] of the bootstrap-token phase (phases/bootstraptoken/node)."""
    return [
        ("Configured RBAC rules to allow Node Bootstrap tokens to get nodes", [
            (CR, cluster_role("kubeadm:get-nodes", [rule(["nodes"], ["get"])])),
            (CRB, cluster_role_binding("kubeadm:get-nodes", "kubeadm:get-nodes", [group(NODE_BOOTSTRAP_GROUP)]))]),
        ("Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long "
         "term certificate credentials", [
            (CRB, cluster_role_binding("kubeadm:kubelet-bootstrap", "system:node-bootstrapper",
                                       [group(NODE_BOOTSTRAP_GROUP)]))]),
        ("Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node "
         "Bootstrap Token", [
            (CRB, cluster_role_binding("kubeadm:node-autoapprove-bootstrap",
                                       "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                                       [group(NODE_BOOTSTRAP_GROUP)]))]),
        ("Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster", [
            (CRB, cluster_role_binding("kubeadm:node-autoapprove-certificate-rotation",
                                       "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
                                       [group(NODES_GROUP)]))]),
    ]


def cluster_info_objects(server, ca_pem):
    kubecfg = {"apiVersion": "v1", "kind": "Config",
               "clusters": [{"cluster": {"certificate-authority-data": b64(ca_pem), "server": server}, "name": ""}],
               "contexts": None, "current-context": "", "preferences": {}, "users": None}
    pub = "/api/v1/namespaces/kube-public"
    rb = "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public"
    return [
        (pub + "/configmaps", config_map("cluster-info", "kube-public", {"kubeconfig": dump(kubecfg)})),
        (rb + "/roles", role("kubeadm:bootstrap-signer-clusterinfo", "kube-public",
                             [rule(["configmaps"], ["get"], ["cluster-info"])])),
        (rb + "/rolebindings", role_binding("kubeadm:bootstrap-signer-clusterinfo", "kube-public",
                                            "kubeadm:bootstrap-signer-clusterinfo", [user("system:anonymous")])),
    ]


def kubeadm_certs_rbac():
    rb = "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system"
    return [
        (rb + "/roles", role("kubeadm:kubeadm-certs", "kube-system",
                             [rule(["secrets"], ["get"], ["kubeadm-certs"])])),
        (rb + "/rolebindings", role_binding("kubeadm:kubeadm-certs", "kube-system", "kubeadm:kubeadm-certs",
                                            [group(NODE_BOOTSTRAP_GROUP)])),
    ]


def cluster_admins_binding():
    return cluster_role_binding("kubeadm:cluster-admins", "cluster-admin", [group(CLUSTER_ADMINS_GROUP)])


# ---------------------------------------------------------------------------------------------
# addons

COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes %(domain)s in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success %(domain)s
       disable denial %(domain)s
    }
    loop
    reload
    loadbalance
}
"""


def coredns_objects(cluster, kubeadm_version):
    net = cluster.get("networking") or {}
    domain = net.get("dnsDomain", "cluster.local")
    ns = "/api/v1/namespaces/kube-system"
    labels = {"k8s-app": "kube-dns"}
    tolerations = [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                   {"effect": "NoSchedule", "key": CONTROL_PLANE_LABEL}]
    container = {
        "name": "coredns", "image": coredns_image(cluster, kubeadm_version), "imagePullPolicy": "IfNotPresent",
        "args": ["-conf", "/etc/coredns/Corefile"],
        "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
        "volumeMounts": [{"mountPath": "/etc/coredns", "name": "config-volume", "readOnly": True}],
        "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                  {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                  {"containerPort": 9153, "name": "metrics", "protocol": "TCP"}],
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"add": ["NET_BIND_SERVICE"],
                                                                                "drop": ["ALL"]},
                            "readOnlyRootFilesystem": True},
        "livenessProbe": {"httpGet": {"path": "/health", "port": 8080, "scheme": "HTTP"},
                          "initialDelaySeconds": 60, "timeoutSeconds": 5, "successThreshold": 1,
                          "failureThreshold": 5},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"}},
    }
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "coredns", "namespace": "kube-system", "labels": dict(labels)},
        "spec": {"replicas": 2, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                 "selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"labels": dict(labels)}, "spec": {
                     "priorityClassName": "system-cluster-critical", "serviceAccountName": "coredns",
                     "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                         {"weight": 100, "podAffinityTerm": {
                             "labelSelector": {"matchExpressions": [
                                 {"key": "k8s-app", "operator": "In", "values": ["kube-dns"]}]},
                             "topologyKey": "kubernetes.io/hostname"}}]}},
                     "tolerations": tolerations, "nodeSelector": {"kubernetes.io/os": "linux"},
                     "containers": [container], "dnsPolicy": "Default",
                     "volumes": [{"name": "config-volume", "configMap": {
                         "name": "coredns", "items": [{"key": "Corefile", "path": "Corefile"}]}}]}}},
    }
    service = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kube-dns", "namespace": "kube-system",
                     "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                "kubernetes.io/name": "CoreDNS"},
                     "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}},
        "spec": {"clusterIP": dns_ip(net.get("serviceSubnet", "10.96.0.0/12")), "selector": dict(labels),
                 "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                           {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                           {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]},
    }
    return [
        (ns + "/configmaps", config_map("coredns", "kube-system", {"Corefile": COREFILE % {"domain": domain}})),
        (CR, cluster_role("system:coredns", [
            rule(["endpoints", "services", "pods", "namespaces"], ["list", "watch"]),
            rule(["endpointslices"], ["list", "watch"], groups=("discovery.k8s.io",))])),
        (CRB, cluster_role_binding("system:coredns", "system:coredns", [service_account_subject("coredns")])),
        (ns + "/serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                   "metadata": {"name": "coredns", "namespace": "kube-system"}}),
        ("/apis/apps/v1/namespaces/kube-system/deployments", deployment),
        (ns + "/services", service),
    ]


def kube_proxy_config(cluster, user=None):
    net = cluster.get("networking") or {}
    cfg = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration",
        "bindAddress": "0.0.0.0", "bindAddressHardFail": False,
        "clientConnection": {"acceptContentTypes": "", "burst": 0, "contentType": "",
                             "kubeconfig": "/var/lib/kube-proxy/kubeconfig.conf", "qps": 0},
        "clusterCIDR": net.get("podSubnet", ""), "configSyncPeriod": "0s",
        "conntrack": {"maxPerCore": None, "min": None, "tcpBeLiberal": False, "tcpCloseWaitTimeout": None,
                      "tcpEstablishedTimeout": None, "udpStreamTimeout": "0s", "udpTimeout": "0s"},
        "detectLocal": {"bridgeInterface": "", "interfaceNamePrefix": ""}, "detectLocalMode": "",
        "enableProfiling": False, "healthzBindAddress": "", "hostnameOverride": "",
        "iptables": {"localhostNodePorts": None, "masqueradeAll": False, "masqueradeBit": None,
                     "minSyncPeriod": "0s", "syncPeriod": "0s"},
        "ipvs": {"excludeCIDRs": None, "minSyncPeriod": "0s", "scheduler": "", "strictARP": False,
                 "syncPeriod": "0s", "tcpFinTimeout": "0s", "tcpTimeout": "0s", "udpTimeout": "0s"},
        "logging": {"flushFrequency": 0, "options": {"json": {"infoBufferSize": "0"},
                                                     "text": {"infoBufferSize": "0"}}, "verbosity": 0},
        "metricsBindAddress": "", "mode": "", "nftables": {"masqueradeAll": False, "masqueradeBit": None,
                                                          "minSyncPeriod": "0s", "syncPeriod": "0s"},
        "nodePortAddresses": None, "oomScoreAdj": None, "portRange": "", "showHiddenMetricsForVersion": "",
        "winkernel": {"enableDSR": False, "forwardHealthCheckVip": False, "networkName": "",
                      "rootHnsEndpointName": "", "sourceVip": ""},
    }
    if user:
        _deep_merge(cfg, user)
    return cfg


def kube_proxy_objects(cluster, server, proxy_config_yaml):
    ns = "/api/v1/namespaces/kube-system"
    rb = "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system"
    kubecfg = {"apiVersion": "v1", "kind": "Config",
               "clusters": [{"cluster": {"certificate-authority":
                                         "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
                                         "server": server}, "name": "default"}],
               "contexts": [{"context": {"cluster": "default", "namespace": "default", "user": "default"},
                             "name": "default"}],
               "current-context": "default",
               "users": [{"name": "default", "user": {
                   "tokenFile": "/var/run/secrets/kubernetes.io/serviceaccount/token"}}]}
    labels = {"k8s-app": "kube-proxy"}
    ds = {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": dict(labels)},
        "spec": {"selector": {"matchLabels": dict(labels)},
                 "updateStrategy": {"type": "RollingUpdate"},
                 "template": {"metadata": {"labels": dict(labels)}, "spec": {
                     "priorityClassName": "system-node-critical", "hostNetwork": True,
                     "serviceAccountName": "kube-proxy", "tolerations": [{"operator": "Exists"}],
                     "nodeSelector": {"kubernetes.io/os": "linux"},
                     "containers": [{
                         "name": "kube-proxy", "image": control_plane_image(cluster, "kube-proxy"),
                         "imagePullPolicy": "IfNotPresent",
                         "command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                                     "--hostname-override=$(NODE_NAME)"],
                         "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
                         "securityContext": {"privileged": True},
                         "volumeMounts": [{"mountPath": "/var/lib/kube-proxy", "name": "kube-proxy"},
                                          {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                                          {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True}]}],
                     "volumes": [{"name": "kube-proxy", "configMap": {"name": "kube-proxy"}},
                                 {"name": "xtables-lock", "hostPath": {"path": "/run/xtables.lock",
                                                                       "type": "FileOrCreate"}},
                                 {"name": "lib-modules", "hostPath": {"path": "/lib/modules"}}]}}},
    }
    return [
        (ns + "/serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                   "metadata": {"name": "kube-proxy", "namespace": "kube-system"}}),
        (CRB, cluster_role_binding("kubeadm:node-proxier", "system:node-proxier",
                                   [service_account_subject("kube-proxy")])),
        (rb + "/roles", role("kube-proxy", "kube-system", [rule(["configmaps"], ["get"], ["kube-proxy"])])),
        (rb + "/rolebindings", role_binding("kube-proxy", "kube-system", "kube-proxy",
                                            [group(NODE_BOOTSTRAP_GROUP)])),
        (ns + "/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                              "metadata": {"name": "kube-proxy", "namespace": "kube-system",
                                           "labels": {"app": "kube-proxy"}},
                              "data": {"config.conf": proxy_config_yaml, "kubeconfig.conf": dump(kubecfg)}}),
        ("/apis/apps/v1/namespaces/kube-system/daemonsets", ds),
    ]
