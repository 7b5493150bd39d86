"""kubeadm double: `kubeadm upgrade plan|apply|node` against a cluster on this machine (the kube-apiserver
double on a real etcd, the kubelet double's mirror Pods, the controller-manager double's Job controller).
Skipped when the etcd binary is not installed."""

import json

import pytest
import yaml

from ._upgrade_cluster import ETCD, Cluster, upgrade_config, wait_for

pytestmark = pytest.mark.skipif(ETCD is None, reason="etcd is not installed (apt-get install etcd-server)")

OLD, NEW = "v1.33.5", "v1.34.1"
STACK = "To see the stack trace of this error execute with --v=5 or higher"


@pytest.fixture
def cluster(kubeadm, tmp_path, monkeypatch):
    built = Cluster(kubeadm, tmp_path, monkeypatch, OLD)
    yield built
    built.close()


def lines(text):
    return text.splitlines()


def in_order(text, expected):
    """Every expected line is in ``text``, in this order."""
    got = lines(text)
    pos = 0
    for line in expected:
        assert line in got[pos:], "%r not found after line %d in:\n%s" % (line, pos, text)
        pos = got.index(line, pos) + 1


def test_plan_offline_falls_back_to_the_kubeadm_version(cluster):
    res = cluster.run(NEW, "upgrade", "plan")
    assert res.returncode == 0, res.stderr
    in_order(res.stdout, [
        "[preflight] Running pre-flight checks.",
        '[upgrade/config] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...',
        "[upgrade/config] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.",
        "[upgrade] Running cluster health checks",
        "[upgrade] Fetching available versions to upgrade to",
        "[upgrade/versions] Cluster version: 1.33.5",
        "[upgrade/versions] kubeadm version: v1.34.1",
        "[upgrade/versions] Target version: v1.34.1",
        "[upgrade/versions] Latest version in the v1.33 series: v1.34.1",
        "",
        "Components that must be upgraded manually after you have upgraded the control plane with "
        "'kubeadm upgrade apply':",
        "COMPONENT   NODE      CURRENT   TARGET",
        "kubelet     cp1       v1.33.5   v1.34.1",
        "kubelet     w1        v1.33.5   v1.34.1",
        "",
        "Upgrade to the latest version in the v1.33 series:",
        "",
        "COMPONENT                 NODE      CURRENT    TARGET",
        "kube-apiserver            cp1       v1.33.5    v1.34.1",
        "kube-controller-manager   cp1       v1.33.5    v1.34.1",
        "kube-scheduler            cp1       v1.33.5    v1.34.1",
        "kube-proxy                          1.33.5     v1.34.1",
        "CoreDNS                             v1.12.0    v1.12.1",
        "etcd                      cp1       3.5.21-0   3.6.4-0",
        "",
        "You can now apply the upgrade by executing the following command:",
        "",
        "\tkubeadm upgrade apply v1.34.1",
        "",
        "_" * 69,
        "API GROUP                 CURRENT VERSION   PREFERRED VERSION   MANUAL UPGRADE REQUIRED",
        "kubeproxy.config.k8s.io   v1alpha1          v1alpha1            no",
        "kubelet.config.k8s.io     v1beta1           v1beta1             no",
    ])
    assert "falling back to the local client version: v1.34.1" in res.stderr
    assert 'unable to get URL "https://dl.k8s.io/release/stable.txt"' in res.stderr

    res = cluster.run(NEW, "upgrade", "plan", NEW, "-o", "json")
    assert res.returncode == 0, res.stderr
    plan = json.loads(res.stdout)
    assert plan["kind"] == "UpgradePlan" and plan["apiVersion"] == "output.kubeadm.k8s.io/v1alpha3"
    (avail,) = plan["availableUpgrades"]
    assert avail["description"] == "version in the v1.33 series"
    assert {"name": "kube-apiserver", "currentVersion": "v1.33.5", "newVersion": NEW, "nodeName": "cp1"} \
        in avail["components"]
    assert {"name": "kubeadm", "currentVersion": NEW, "newVersion": NEW} in avail["components"]
    assert "falling back" not in res.stderr  # a version argument skips the internet lookup


def test_apply_one_minor_then_node_on_worker_and_control_plane(cluster, tmp_path):
    cfg = upgrade_config(tmp_path / "upgrade.yaml")
    before = {c: cluster.manifest(c) for c in ("etcd", "kube-apiserver", "kube-controller-manager",
                                               "kube-scheduler")}
    old_hash = cluster.admin.get("/api/v1/namespaces/kube-system/pods/kube-apiserver-cp1")["metadata"][
        "annotations"]["kubernetes.io/config.hash"]
    res = cluster.run(NEW, "upgrade", "apply", NEW, "--config", cfg, "-y")
    assert res.returncode == 0, res.stdout + res.stderr
    in_order(res.stdout, [
        '[upgrade] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...',
        "[upgrade/preflight] Running preflight checks",
        "[upgrade] Running cluster health checks",
        '[upgrade/preflight] You have chosen to upgrade the cluster version to "v1.34.1"',
        "[upgrade/versions] Cluster version: v1.33.5",
        "[upgrade/versions] kubeadm version: v1.34.1",
        '[upgrade/control-plane] Upgrading your static Pod-hosted control plane to version "v1.34.1" '
        "(timeout: 20s)...",
        '[upgrade/staticpods] Preparing for "etcd" upgrade',
        "[upgrade/staticpods] Renewing etcd-server certificate",
        '[upgrade/staticpods] Component "etcd" upgraded successfully!',
        "[upgrade/etcd] Waiting for etcd to become available",
        '[upgrade/staticpods] Preparing for "kube-apiserver" upgrade',
        "[apiclient] Found 1 Pods for label selector component=kube-apiserver",
        '[upgrade/staticpods] Component "kube-scheduler" upgraded successfully!',
        "[upgrade/control-plane] The control plane instance for this node was successfully upgraded!",
        '[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" '
        "Namespace",
        "[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!",
        "[upgrade/bootstrap-token] Configuring bootstrap token and cluster-info RBAC rules",
        "[addons] Applied essential addon: CoreDNS",
        "[addons] Applied essential addon: kube-proxy",
        "",
        '[upgrade] SUCCESS! A control plane node of your cluster was upgraded to "v1.34.1".',
        "",
        "[upgrade] Now please proceed with upgrading the rest of the nodes by following the right order.",
    ])
    assert "Are you sure" not in res.stdout
    for comp in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        assert cluster.image(comp) == "registry.k8s.io/%s:v1.34.1" % comp
    assert cluster.image("etcd") == "registry.k8s.io/etcd:3.6.4-0"
    tmp = cluster.root / "etc/kubernetes/tmp"
    (backup,) = tmp.glob("kubeadm-backup-manifests-*")
    for comp, pod in before.items():
        assert yaml.safe_load((backup / (comp + ".yaml")).read_text()) == pod
    (etcd_backup,) = tmp.glob("kubeadm-backup-etcd-*")
    assert (etcd_backup / "etcd/member/snap/db").read_bytes() == b"etcd data"
    assert not list(tmp.glob("kubeadm-upgraded-manifests*"))
    (kubelet_backup,) = tmp.glob("kubeadm-kubelet-config*")
    assert (kubelet_backup / "config.yaml").exists()
    assert cluster.cluster_config()["kubernetesVersion"] == NEW
    new_hash = cluster.admin.get("/api/v1/namespaces/kube-system/pods/kube-apiserver-cp1")["metadata"][
        "annotations"]["kubernetes.io/config.hash"]
    assert new_hash != old_hash
    dep = cluster.admin.get("/apis/apps/v1/namespaces/kube-system/deployments/coredns")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.k8s.io/coredns/coredns:v1.12.1"
    ds = cluster.admin.get("/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy")
    assert ds["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.k8s.io/kube-proxy:v1.34.1"
    apply_call = [c for c in cluster.calls() if c["argv"][:2] == ["upgrade", "apply"]][-1]
    assert apply_call["tool"] == "kubeadm" and apply_call["rc"] == 0

    # the worker: kubelet configuration only
    res = cluster.run(NEW, "upgrade", "node", root=cluster.worker)
    assert res.returncode == 0, res.stdout + res.stderr
    assert lines(res.stdout)[2:5] == ["[upgrade/preflight] Running pre-flight checks",
                                      "[upgrade/preflight] Skipping prepull. Not a control plane node.",
                                      "[upgrade/control-plane] Skipping phase. Not a control plane node."]
    in_order(res.stdout, [
        "[upgrade/kubeconfig] Skipping phase. Not a control plane node.",
        '[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"',
        "[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!",
        "[upgrade/addon] Skipping the addon/coredns phase. Not a control plane node.",
        "[upgrade/addon] Skipping the addon/kube-proxy phase. Not a control plane node."])
    assert not (cluster.worker / "etc/kubernetes/manifests").exists()
    assert list((cluster.worker / "etc/kubernetes/tmp").glob("kubeadm-kubelet-config*/config.yaml"))

    # the upgraded control plane again: nothing left to change in its static Pods
    res = cluster.run(NEW, "upgrade", "node", "--config", cfg)
    assert res.returncode == 0, res.stdout + res.stderr
    in_order(res.stdout, [
        '[upgrade/control-plane] Upgrading your Static Pod-hosted control plane instance to version "v1.34.1"...',
        "[upgrade/staticpods] Current and new manifests of kube-apiserver are equal, skipping upgrade",
        "[upgrade/control-plane] The control plane instance for this node was successfully upgraded!",
        "[addons] Applied essential addon: CoreDNS"])
    assert "Moving new manifest" not in res.stdout


def test_upgrade_node_on_another_control_plane_upgrades_its_static_pods(cluster, tmp_path):
    # what `kubeadm upgrade apply` on the first control plane leaves for the others: the new version in
    # kubeadm-config, and (here) one more control plane whose kube-apiserver is still old
    cluster.set_cluster_version(NEW)
    pod = cluster.admin.create("/api/v1/namespaces/kube-system/pods", {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "kube-apiserver-cp2", "namespace": "kube-system",
                     "labels": {"component": "kube-apiserver", "tier": "control-plane"}},
        "spec": {"nodeName": "cp2", "containers": [
            {"name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:" + OLD}]}})
    pod["status"] = {"phase": "Running"}  # WaitForPodsWithLabel waits for every kube-apiserver Pod
    cluster.admin.replace("/api/v1/namespaces/kube-system/pods/kube-apiserver-cp2/status", pod)
    cfg = upgrade_config(tmp_path / "upgrade.yaml")
    res = cluster.run(NEW, "upgrade", "node", "--config", cfg)
    assert res.returncode == 0, res.stdout + res.stderr
    in_order(res.stdout, [
        "[upgrade/preflight] Running pre-flight checks",
        "[upgrade/preflight] Pulling images required for setting up a Kubernetes cluster",
        '[upgrade/control-plane] Upgrading your Static Pod-hosted control plane instance to version "v1.34.1"...',
        '[upgrade/staticpods] Component "etcd" upgraded successfully!',
        '[upgrade/staticpods] Component "kube-apiserver" upgraded successfully!',
        "[upgrade/control-plane] The control plane instance for this node was successfully upgraded!",
        "[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!",
        "[upgrade/addon] Skipping upgrade of addons because control plane instances [cp2] have not been upgraded",
        "[upgrade/addon] Skipping upgrade of addons because control plane instances [cp2] have not been upgraded"])
    assert cluster.image("kube-apiserver") == "registry.k8s.io/kube-apiserver:v1.34.1"
    dep = cluster.admin.get("/apis/apps/v1/namespaces/kube-system/deployments/coredns")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":v1.12.0")


def test_apply_refusals(cluster, tmp_path):
    def fails(version, *args, stdin=None):
        res = cluster.run(version, "upgrade", "apply", *args, stdin=stdin)
        assert res.returncode == 1, res.stdout + res.stderr
        assert res.stderr.startswith("error: ") and res.stderr.rstrip().endswith(STACK)
        return res.stderr[len("error: "):]

    assert fails(NEW).startswith("missing one or more required arguments. Required arguments: [version]\n")
    assert fails(NEW, NEW, "v1.34.2").startswith("too many arguments. Required arguments: [version]\n")
    cfg = upgrade_config(tmp_path / "upgrade.yaml")
    assert fails(NEW, NEW, "--config", cfg, "--force").startswith(
        "can not mix '--config' with arguments [force]\n")

    # skipping a minor
    err = fails("v1.35.0", "v1.35.0", "-y")
    assert err.startswith(
        "error execution phase preflight: the version argument is invalid due to these fatal errors:\n\n"
        '\t- Specified version to upgrade to "v1.35.0" is too high; kubeadm can upgrade only 1 minor version at a '
        "time\n\nPlease fix the misalignments highlighted above and try upgrading again\n")
    # a target newer than the kubeadm binary: a newer minor is fatal, a newer patch needs --force
    err = fails(NEW, "v1.35.0", "-y")
    assert '\t- Specified version to upgrade to "v1.35.0" is at least one minor release higher than the kubeadm ' \
           "minor release (35 > 34). Such an upgrade is not supported\n" in err
    err = fails(NEW, "v1.34.9", "-y")
    assert err.startswith("error execution phase preflight: the version argument is invalid due to these errors:\n\n"
                          '\t- Specified version to upgrade to "v1.34.9" is higher than the kubeadm version '
                          '"v1.34.1". Upgrade kubeadm first using the tool you used to install kubeadm\n\n'
                          "Can be bypassed if you pass the --force flag\n")
    # a control plane version this kubeadm cannot deploy
    assert fails(NEW, "v1.32.0", "-y").startswith(
        "error execution phase preflight: this version of kubeadm only supports deploying clusters with the "
        "control plane version >= 1.33.0. Current version: v1.32.0\n")
    # an older kubeadm minor than the target: skippable
    assert "Kubeadm version v1.34.1 can only be used to upgrade to Kubernetes version 1.34" in fails(
        NEW, "v1.33.6", "-y")
    # no -y: the question is asked on stdin; EOF or "n" aborts
    res = cluster.run(OLD, "upgrade", "apply", OLD, stdin="")
    assert res.returncode == 1
    assert res.stdout.endswith("[upgrade] Are you sure you want to proceed? [y/N]: ")
    assert res.stderr.startswith("error execution phase preflight: won't proceed; the user didn't answer (Y|y) in "
                                 "order to continue\n")
    # an unhealthy control plane
    cluster.set_ready("cp1", False)
    err = fails(NEW, NEW, "-y")
    assert err.startswith("error execution phase preflight: [preflight] Some fatal errors occurred:\n"
                          "\t[ERROR ControlPlaneNodesReady]: there are NotReady control-planes in the cluster: "
                          "[cp1]\n[preflight] If you know what you are doing, you can make a check non-fatal with "
                          "`--ignore-preflight-errors=...`\n")
    cluster.set_ready("cp1", True)
    manifest = cluster.root / "etc/kubernetes/manifests/kube-scheduler.yaml"
    manifest.rename(tmp_path / "kube-scheduler.yaml")
    err = fails(NEW, NEW, "-y")
    assert "[ERROR StaticPodManifest]: The control plane seems to be Static Pod-hosted, but some of the manifests " \
           "don't seem to exist on disk." in err
    assert "Manifest files not found: [/etc/kubernetes/manifests/kube-scheduler.yaml]" in err
    (tmp_path / "kube-scheduler.yaml").rename(manifest)
    # nothing was changed by any refused run
    assert cluster.image("kube-apiserver") == "registry.k8s.io/kube-apiserver:" + OLD
    assert not list((cluster.root / "etc/kubernetes/tmp").glob("kubeadm-backup-*"))


def test_apply_hash_timeout_rolls_back(cluster, tmp_path):
    cluster.set_faults({"kubelet": {"ignore_manifest_changes": ["kube-apiserver"]}})
    original = cluster.manifest("kube-apiserver")
    cfg = upgrade_config(tmp_path / "upgrade.yaml", timeout="2s")
    res = cluster.run(NEW, "upgrade", "apply", NEW, "--config", cfg, "-y")
    assert res.returncode == 1
    assert res.stderr.startswith(
        "error: error execution phase control-plane: couldn't complete the static pod upgrade: couldn't upgrade "
        "control plane. kubeadm has tried to recover everything into the earlier state. Errors faced: static Pod "
        "hash for component kube-apiserver on Node cp1 did not change after 2s: context deadline exceeded\n")
    assert '[upgrade/staticpods] Component "etcd" upgraded successfully!' in res.stdout
    assert "Component \"kube-apiserver\" upgraded successfully!" not in res.stdout
    assert cluster.manifest("kube-apiserver") == original  # rolled back
    assert cluster.image("etcd") == "registry.k8s.io/etcd:3.6.4-0"  # etcd is not rolled back for another component
    assert cluster.cluster_config()["kubernetesVersion"] == OLD
    tmp = cluster.root / "etc/kubernetes/tmp"
    assert list(tmp.glob("kubeadm-backup-manifests-*")) and list(tmp.glob("kubeadm-upgraded-manifests*"))


def test_kill_in_control_plane_then_rerun(cluster, tmp_path):
    cluster.set_faults({"kubeadm upgrade apply": {"kill_in": "control-plane"}})
    cfg = upgrade_config(tmp_path / "upgrade.yaml")
    res = cluster.run(NEW, "upgrade", "apply", NEW, "--config", cfg, "-y")
    assert res.returncode == -9
    assert cluster.image("etcd") == "registry.k8s.io/etcd:3.6.4-0"  # killed after the first manifest swap
    assert cluster.image("kube-apiserver") == "registry.k8s.io/kube-apiserver:" + OLD
    assert json.loads(cluster.faults.read_text()) == {}
    assert wait_for(lambda: cluster.admin.get("/api/v1/namespaces/kube-system/pods/etcd-cp1")["spec"][
        "containers"][0]["image"].endswith("3.6.4-0"))
    res = cluster.run(NEW, "upgrade", "apply", NEW, "--config", cfg, "-y")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "[upgrade/staticpods] Current and new manifests of etcd are equal, skipping upgrade" in res.stdout
    assert cluster.image("kube-apiserver") == "registry.k8s.io/kube-apiserver:v1.34.1"
    # a killed process records nothing; the re-run is recorded
    assert [c["rc"] for c in cluster.calls() if c["argv"][:2] == ["upgrade", "apply"]] == [0]


@pytest.fixture
def cluster_130(kubeadm, tmp_path, monkeypatch):
    built = Cluster(kubeadm, tmp_path, monkeypatch, "v1.30.9", init_with="v1.31.4")
    yield built
    built.close()


def test_apply_131_has_no_phases(cluster_130, tmp_path):
    cfg = upgrade_config(tmp_path / "upgrade.yaml")
    res = cluster_130.run("v1.31.4", "upgrade", "apply", "v1.31.4", "--config", cfg, "-y")
    assert res.returncode == 0, res.stdout + res.stderr
    in_order(res.stdout, [
        "[preflight] Running pre-flight checks.",
        "[upgrade/config] Reading configuration from the cluster...",
        "[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config "
        "-o yaml'",
        "[upgrade] Running cluster health checks",
        '[upgrade/version] You have chosen to change the cluster version to "v1.31.4"',
        "[upgrade/versions] Cluster version: v1.30.9",
        "[upgrade/prepull] Pulling images required for setting up a Kubernetes cluster",
        '[upgrade/apply] Upgrading your Static Pod-hosted control plane to version "v1.31.4" (timeout: 20s)...',
        "[upgrade/etcd] Upgrading to TLS for etcd",
        '[upgrade/etcd] Non fatal issue encountered during upgrade: the desired etcd version for this Kubernetes '
        'version "v1.31.4" is "3.5.15", but the current etcd version is "3.5.24". Won\'t downgrade etcd, instead '
        "just continue",
        "[upgrade/staticpods] Moved new manifest to \"/etc/kubernetes/manifests/kube-apiserver.yaml\" and backed "
        "up old manifest to \"%s/kube-apiserver.yaml\"" % (
            "/etc/kubernetes/tmp/" + next((cluster_130.root / "etc/kubernetes/tmp").glob(
                "kubeadm-backup-manifests-*")).name),
        '[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" '
        "Namespace",
        "[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes",
        "[addons] Applied essential addon: kube-proxy",
        "",
        '[upgrade/successful] SUCCESS! Your cluster was upgraded to "v1.31.4". Enjoy!',
        "",
        "[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets if "
        "you haven't already done so."])
    assert cluster_130.image("etcd").endswith(":3.5.24-0")
    res = cluster_130.run("v1.31.4", "upgrade", "node", root=cluster_130.worker)
    assert res.returncode == 0, res.stdout + res.stderr
    assert lines(res.stdout) == [
        "[upgrade] Reading configuration from the cluster...",
        "[upgrade] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'",
        "[preflight] Running pre-flight checks",
        "[preflight] Skipping prepull. Not a control plane node.",
        "[upgrade] Skipping phase. Not a control plane node.",
        "[upgrade] Skipping phase. Not a control plane node.",
        "[upgrade] Backing up kubelet config file to /etc/kubernetes/tmp/%s/config.yaml" % next(
            (cluster_130.worker / "etc/kubernetes/tmp").glob("kubeadm-kubelet-config*")).name,
        '[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"',
        "[upgrade] The configuration for this node was successfully updated!",
        "[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager."]


# ---------------------------------------------------------------------------------------------
# the pieces, without a cluster

def test_kubelet_restarts_a_changed_static_pod_unless_told_to_ignore_it(api, pki, tmp_path, monkeypatch):
    from seed_doubles import faults

    from ._kubelet_helpers import load
    from ._upgrade_cluster import instant_pod_workers
    kubelet = load("kubelet_double_upgrade_unit", "kubelet.py", NEW)
    instant_pod_workers(kubelet, monkeypatch)
    fault_file = tmp_path / "faults.json"
    fault_file.write_text("{}")
    monkeypatch.setattr(faults, "FAULTS_FILE", str(fault_file))
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "kube-scheduler", "namespace": "kube-system",
                        "labels": {"component": "kube-scheduler", "tier": "control-plane"}},
           "spec": {"hostNetwork": True, "containers": [{"name": "kube-scheduler",
                                                         "image": "registry.k8s.io/kube-scheduler:" + OLD}]}}
    (manifests / "kube-scheduler.yaml").write_text(yaml.safe_dump(pod))
    kubeconfig = pki.kubeconfig("kubelet-%s.conf" % tmp_path.name, api.url, "kubernetes-super-admin",
                                ["system:masters"])
    node = kubelet.Kubelet({"hostname-override": "cp9", "kubeconfig": kubeconfig, "node-ip": "127.0.0.1"},
                           {"staticPodPath": str(manifests)}, 34)
    node.registered = True
    admin = api.admin()
    path = "/api/v1/namespaces/kube-system/pods/kube-scheduler-cp9"

    def sync():
        node.sync_pods()
        node.sync_mirrors()
        return admin.get(path)

    first = sync()
    first_hash = first["metadata"]["annotations"]["kubernetes.io/config.hash"]
    assert first["status"]["phase"] == "Running"
    pod["spec"]["containers"][0]["image"] = "registry.k8s.io/kube-scheduler:" + NEW
    (manifests / "kube-scheduler.yaml").write_text(yaml.safe_dump(pod))
    fault_file.write_text(json.dumps({"kubelet": {"ignore_manifest_changes": ["kube-scheduler"]}}))
    frozen = sync()
    assert frozen["metadata"]["annotations"]["kubernetes.io/config.hash"] == first_hash
    assert frozen["spec"]["containers"][0]["image"].endswith(OLD)
    fault_file.write_text("{}")
    restarted = sync()
    assert restarted["metadata"]["annotations"]["kubernetes.io/config.hash"] != first_hash
    assert restarted["spec"]["containers"][0]["image"].endswith(NEW)
    assert restarted["status"]["phase"] == "Running"


def test_version_skew_policy():
    from seed_doubles import kubeadm_upgrade as up
    assert up.skew_errors("v1.34.1", "v1.33.5", "v1.34.1", ["v1.33.5", "v1.31.0"]) == ([], [])
    assert up.skew_errors("v1.34.1", "v1.33.5", "v1.34.1", ["v1.30.4"]) == (
        [], ["There are kubelets in this cluster that are too old that have these versions [v1.30.4]"])
    mandatory, skippable = up.skew_errors("v1.35.0-rc.1", "v1.33.5", "v1.35.0", [])
    assert mandatory == []
    assert skippable == [
        'Specified version to upgrade to "v1.35.0-rc.1" is too high; kubeadm can upgrade only 1 minor version at a '
        "time", 'Specified version to upgrade to "v1.35.0-rc.1" is an unstable version and such upgrades weren\'t '
        "allowed via setting the --allow-*-upgrades flags"]
    assert up.skew_errors("v1.35.0-rc.1", "v1.34.5", "v1.35.0", [], allow_rc=True) == ([], [])
    # the same version and a one-minor downgrade are not refused upstream
    assert up.skew_errors("v1.34.1", "v1.34.1", "v1.34.1", []) == ([], [])
    assert up.skew_errors("v1.34.1", "v1.35.0", "v1.34.1", []) == ([], [])
    assert up.skew_errors("v1.33.9", "v1.35.0", "v1.34.1", [])[0] == [
        'Specified version to downgrade to "v1.33.9" is too low; kubeadm can downgrade only 1 minor version at a '
        "time"]
    # the minimum-version error quotes the cluster version (as upstream's does)
    assert up.skew_errors("v1.32.9", "v1.34.1", "v1.34.1", [])[0] == [
        'Specified version to upgrade to "v1.32.9" is equal to or lower than the minimum supported version '
        '"v1.34.1". Please specify a higher version to upgrade to',
        'Specified version to downgrade to "v1.32.9" is too low; kubeadm can downgrade only 1 minor version at a '
        "time"]
    error, forced = up.policy_error([], ["x"], True, 31)
    assert error is None and forced == ("[upgrade/version] Found 1 potential version compatibility errors but "
                                        "skipping since the --force flag is set: \n\n\t- x\n")
    assert up.policy_error(["y"], [], False, 31)[0] == (
        "the --version argument is invalid due to these fatal errors:\n\n\t- y\n\nPlease fix the misalignments "
        "highlighted above and try upgrading again")


def test_post_upgrade_135_drops_the_pod_infra_container_image_flag(kubeadm, tmp_path, monkeypatch):
    flags = tmp_path / "var/lib/kubelet/kubeadm-flags.env"
    flags.parent.mkdir(parents=True)
    text = ('KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock '
            '--pod-infra-container-image=registry.k8s.io/pause:3.10.1 --node-ip=10.0.0.5"\n')
    flags.write_text(text)
    monkeypatch.setenv("SEED_DOUBLES_ROOT", str(tmp_path))
    kubeadm.module("v1.34.1").up_post_upgrade(None)
    assert flags.read_text() == text
    kubeadm.module("v1.35.0").up_post_upgrade(None)
    assert flags.read_text() == ('KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/'
                                 'containerd.sock --node-ip=10.0.0.5"\n')
