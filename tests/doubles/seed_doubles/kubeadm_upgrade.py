"""Pure helpers of the kubeadm double's `kubeadm upgrade` (TEST ONLY): version skew policy, the
`upgrade plan` computation and output, per-minor texts. Nothing here prints, talks to a server or
touches the disk; kubeadm.py drives the workflow.

Derived from kubernetes/kubernetes cmd/kubeadm/app:
- phases/upgrade/policy.go (EnforceVersionPolicies: mandatory and skippable skew errors; the kubelet
  skew is 3 minors since 1.29, kubernetes/kubernetes#120825);
- phases/upgrade/compute.go (GetAvailableUpgrades: cluster version from the kube-apiserver mirror
  Pods, "stable" and "stable-1.X" labels, which resolve to the kubeadm version offline);
- cmd/upgrade/plan.go (text printer with NODE column, output.kubeadm.k8s.io/v1alpha3 UpgradePlan);
- cmd/upgrade/apply.go, cmd/phases/upgrade/apply/preflight.go (error wording per minor).
"""

from . import versions

MAX_UPGRADE_SKEW = 1
MAX_DOWNGRADE_SKEW = 1
MAX_KUBELET_SKEW = 3
OUTPUT_API = "output.kubeadm.k8s.io/v1alpha3"
SEPARATOR = "_" * 69
COMPONENT_CONFIG_TEXT = (
    "The table below shows the current state of component configs as understood by this version of kubeadm.\n"
    "Configs that have a \"yes\" mark in the \"MANUAL UPGRADE REQUIRED\" column require manual config upgrade or\n"
    "resetting to kubeadm defaults before a successful upgrade can be performed. The version to manually\n"
    "upgrade to is denoted in the \"PREFERRED VERSION\" column.\n")


def go_quote(text):
    return '"%s"' % str(text).replace("\\", "\\\\").replace('"', '\\"')


def go_list(items):
    """fmt's %v of a []string."""
    return "[%s]" % " ".join(items)


# ---------------------------------------------------------------------------------------------
# version policy (phases/upgrade/policy.go)

def minimum_control_plane(kubeadm_version):
    kver = versions.parse(kubeadm_version)
    return versions.parse("v%d.%d.0" % (kver.major, kver.minor - 1))


def _at_least(ver, other):
    return (ver.major, ver.minor, ver.patch) >= (other.major, other.minor, other.patch) and not (
        (ver.major, ver.minor, ver.patch) == (other.major, other.minor, other.patch) and ver.pre and not other.pre)


def skew_errors(new_str, cluster_str, kubeadm_str, kubelets, allow_experimental=False, allow_rc=False):
    """(mandatory, skippable) error texts of EnforceVersionPolicies, in upstream's order.

    ``kubelets`` is a list of kubelet version strings, or None when they could not be read.
    """
    mandatory, skippable = [], []
    new, cluster, kadm = versions.parse(new_str), versions.parse(cluster_str), versions.parse(kubeadm_str)
    if not _at_least(new, minimum_control_plane(kubeadm_str)):
        mandatory.append("Specified version to upgrade to %s is equal to or lower than the minimum supported "
                         "version %s. Please specify a higher version to upgrade to"
                         % (go_quote(new_str), go_quote(cluster_str)))
    if new.minor > cluster.minor + MAX_UPGRADE_SKEW:
        err = ("Specified version to upgrade to %s is too high; kubeadm can upgrade only %d minor version at a time"
               % (go_quote(new_str), MAX_UPGRADE_SKEW))
        (skippable if new.pre else mandatory).append(err)
    if new.minor < cluster.minor - MAX_DOWNGRADE_SKEW:
        err = ("Specified version to downgrade to %s is too low; kubeadm can downgrade only %d minor version at a "
               "time" % (go_quote(new_str), MAX_DOWNGRADE_SKEW))
        (skippable if new.pre else mandatory).append(err)
    if kadm < new:
        if new.minor > kadm.minor:
            err = ("Specified version to upgrade to %s is at least one minor release higher than the kubeadm minor "
                   "release (%d > %d). Such an upgrade is not supported" % (go_quote(new_str), new.minor, kadm.minor))
            (skippable if new.pre else mandatory).append(err)
        else:
            skippable.append("Specified version to upgrade to %s is higher than the kubeadm version %s. Upgrade "
                             "kubeadm first using the tool you used to install kubeadm"
                             % (go_quote(new_str), go_quote(kubeadm_str)))
    if kadm.major > new.major or kadm.minor > new.minor:
        skippable.append("Kubeadm version %s can only be used to upgrade to Kubernetes version %d.%d"
                         % (kubeadm_str, kadm.major, kadm.minor))
    if new.pre and not allow_experimental and not (new.pre.startswith("rc") and allow_rc):
        skippable.append("Specified version to upgrade to %s is an unstable version and such upgrades weren't "
                         "allowed via setting the --allow-*-upgrades flags" % go_quote(new_str))
    if kubelets is not None:
        old = [v for v in kubelets if new.minor > versions.parse(v).minor + MAX_KUBELET_SKEW]
        if old:
            skippable.append("There are kubelets in this cluster that are too old that have these versions %s"
                             % go_list(old))
    return mandatory, skippable


def format_errors(errs):
    """kubeadmutil.FormatErrMsg / formatErrorMsg: one "\\t- msg\\n" line per error."""
    return "".join("\t- %s\n" % e for e in errs)


def policy_error(mandatory, skippable, force, kubeadm_minor):
    """(error text or None, text printed when --force skips the skippable errors)."""
    arg = "the --version argument" if kubeadm_minor <= 31 else "the version argument"
    if mandatory:
        return ("%s is invalid due to these fatal errors:\n\n%s\nPlease fix the misalignments highlighted above and "
                "try upgrading again" % (arg, format_errors(mandatory))), ""
    if skippable and not force:
        return ("%s is invalid due to these errors:\n\n%s\nCan be bypassed if you pass the --force flag"
                % (arg, format_errors(skippable))), ""
    if skippable:
        prefix = "[upgrade/version]" if kubeadm_minor <= 31 else "[upgrade/preflight]"
        return None, ("%s Found %d potential version compatibility errors but skipping since the --force flag is "
                      "set: \n\n%s" % (prefix, len(skippable), format_errors(skippable)))
    return None, ""


# ---------------------------------------------------------------------------------------------
# etcd versions (constants.SupportedEtcdVersion, compared as image tags)

def tag_key(tag):
    core, _, build = str(tag).partition("-")
    parts = [int(p) for p in core.split(".") if p.isdigit()]
    return parts, int(build) if build.isdigit() else 0


def tag_older(desired, current):
    return tag_key(desired) < tag_key(current)


# ---------------------------------------------------------------------------------------------
# upgrade plan (phases/upgrade/compute.go, cmd/upgrade/plan.go)

def component_versions(pods, component):
    """{image tag: [node names]} of the mirror Pods of ``component`` (ComponentVersions)."""
    out = {}
    for pod in pods:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if labels.get("component") != component:
            continue
        image = next((c.get("image", "") for c in (pod.get("spec") or {}).get("containers") or []
                      if c.get("name") == component), "")
        tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""
        out.setdefault(tag, []).append((pod.get("spec") or {}).get("nodeName", ""))
    return out


def kubelet_versions(nodes):
    out = {}
    for node in nodes:
        ver = (((node.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion")) or ""
        out.setdefault(ver, []).append(node["metadata"]["name"])
    return out


def latest_version(version_map):
    latest = None
    for text in version_map:
        ver = versions.parse(text)
        if latest is None or not ver < latest:
            latest = ver
    return latest


def core_text(ver):
    return "%d.%d.%d%s" % (ver.major, ver.minor, ver.patch, "-" + ver.pre if ver.pre else "")


def compute_upgrades(before, cluster, stable_str, patch_str, kubeadm_str, coredns_target, etcd_target):
    """[Upgrade] as GetAvailableUpgrades builds it once the labels are resolved.

    ``before`` is the current state (dict), ``cluster`` the latest kube-apiserver Version, ``patch_str``
    the resolved "stable-1.X" label or None, ``etcd_target(version) -> tag``.
    """
    stable = versions.parse(stable_str)
    upgrades = []
    can_minor = cluster < stable
    if patch_str is not None and not stable < cluster:
        patch = versions.parse(patch_str)
        can_minor = patch < stable
        if cluster < patch:
            kadm = versions.parse(kubeadm_str)
            new_kubeadm = kubeadm_str if not kadm < patch else patch_str
            upgrades.append({"description": "version in the v%d.%d series" % (cluster.major, cluster.minor),
                             "before": before, "after": {"kube": patch_str, "dns": coredns_target,
                                                         "kubeadm": new_kubeadm, "etcd": etcd_target(patch_str)}})
    if can_minor:
        upgrades.append({"description": "stable version", "before": before,
                         "after": {"kube": stable_str, "dns": coredns_target, "kubeadm": stable_str,
                                   "etcd": etcd_target(stable_str)}})
    return upgrades


def _can_upgrade_kubelets(up):
    kubelets = up["before"]["kubelets"]
    if len(kubelets) > 1:
        return True
    if not kubelets:
        return False
    return up["after"]["kube"] not in kubelets


def plan_components(up):
    """[{name, currentVersion, newVersion, nodeName}] of one AvailableUpgrade (genAvailableUpgrade)."""
    before, after = up["before"], up["after"]
    comps = []

    def add(name, cur, new, node=""):
        item = {"name": name, "currentVersion": cur, "newVersion": new}
        if node:
            item["nodeName"] = node
        comps.append(item)
    if _can_upgrade_kubelets(up):
        for ver in sorted(before["kubelets"]):
            for node in before["kubelets"][ver]:
                add("kubelet", ver, after["kube"], node)
    for comp, key in (("kube-apiserver", "apiserver"), ("kube-controller-manager", "controller-manager"),
                      ("kube-scheduler", "scheduler")):
        for ver in sorted(before[key]):
            for node in before[key][ver]:
                add(comp, ver, after["kube"], node)
    add("kube-proxy", before["kube"], after["kube"])
    if before.get("dns") or after.get("dns"):
        add("CoreDNS", before.get("dns", ""), after.get("dns", ""))
    add("kubeadm", before["kubeadm"], after["kubeadm"])
    for ver in sorted(before["etcd"]):
        for node in before["etcd"][ver]:
            add("etcd", ver, after["etcd"], node)
    return comps


def plan_object(upgrades, config_states):
    return {"kind": "UpgradePlan", "apiVersion": OUTPUT_API,
            "availableUpgrades": [{"description": up["description"], "components": plan_components(up)}
                                  for up in upgrades],
            "configVersions": config_states}


def plan_text(plan, tabwrite):
    """The text printer of `kubeadm upgrade plan` for an UpgradePlan object."""
    lines = []
    for avail in plan["availableUpgrades"]:
        comps = avail["components"]
        kube = next((c["newVersion"] for c in comps if c["name"] == "kube-apiserver"), "")
        kadm = next((c for c in comps if c["name"] == "kubeadm"), {})
        flag = ""
        pre = versions.parse(kube).pre if kube else ""
        if pre:
            flag = " --allow-release-candidate-upgrades" if pre.startswith("rc") else " --allow-experimental-upgrades"
        lines.append("Components that must be upgraded manually after you have upgraded the control plane with "
                     "'kubeadm upgrade apply':\n")
        rows = ["COMPONENT\tNODE\tCURRENT\tTARGET"]
        rows += ["%s\t%s\t%s\t%s" % (c["name"], c.get("nodeName", ""), c["currentVersion"], c["newVersion"])
                 for c in comps if c["name"] == "kubelet"]
        lines.append(tabwrite(rows))
        lines.append("\nUpgrade to the latest %s:\n\n" % avail["description"])
        rows = ["COMPONENT\tNODE\tCURRENT\tTARGET"]
        rows += ["%s\t%s\t%s\t%s" % (c["name"], c.get("nodeName", ""), c["currentVersion"], c["newVersion"])
                 for c in comps if c["name"] not in ("kubelet", "kubeadm")]
        lines.append(tabwrite(rows))
        lines.append("\nYou can now apply the upgrade by executing the following command:\n\n")
        lines.append("\tkubeadm upgrade apply %s%s\n\n" % (kube, flag))
        if kadm.get("currentVersion") != kadm.get("newVersion"):
            lines.append("Note: Before you can perform this upgrade, you have to update kubeadm to %s.\n\n"
                         % kadm.get("newVersion"))
        lines.append(SEPARATOR + "\n\n")
    states = plan["configVersions"]
    if not states:
        lines.append("No information available on component configs.\n")
        return "".join(lines)
    lines.append("\n" + COMPONENT_CONFIG_TEXT + "\n")
    rows = ["API GROUP\tCURRENT VERSION\tPREFERRED VERSION\tMANUAL UPGRADE REQUIRED"]
    rows += ["%s\t%s\t%s\t%s" % (s["group"], s.get("currentVersion") or "-", s.get("preferredVersion") or "-",
                                 "yes" if s.get("manualUpgradeRequired") else "no") for s in states]
    lines.append(tabwrite(rows))
    lines.append(SEPARATOR + "\n\n")
    return "".join(lines)


# ---------------------------------------------------------------------------------------------
# per-minor texts

def reupload_hint(kubeadm_minor):
    """The second line FetchInitConfigurationFromCluster prints (observed in 1.32, 1.33, 1.34, 1.35 runs)."""
    if kubeadm_minor >= 34:
        return "Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it."
    if kubeadm_minor == 33:
        return "Use 'kubeadm init phase upload-config --config your-config-file' to re-upload it."
    return "Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it."


def reading_lines(prefix, kubeadm_minor):
    if kubeadm_minor <= 31:
        return ["%s Reading configuration from the cluster..." % prefix,
                "%s FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o "
                "yaml'" % prefix]
    return ["%s Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"..." % prefix,
            "%s %s" % (prefix, reupload_hint(kubeadm_minor))]
