#!/usr/bin/env bash
# A local lab: systemd containers on their own Docker network, made to run a kubelet (docs/lab.md),
# then site.yml against them with the lab profile (cluster_lab_profile: true, inventory/lab).
#
#   scripts/lab.sh up [OPTIONS] [-- ANSIBLE-PLAYBOOK ARGS]   create the hosts (if needed) and run site.yml
#   scripts/lab.sh site [ANSIBLE-PLAYBOOK ARGS]              run site.yml again with the same options
#   scripts/lab.sh status                                    endpoint, kubeconfig, kubectl get nodes
#   scripts/lab.sh down                                      remove containers, volumes, network, state
#
# OPTIONS of `up` (kept for `site` and `status` until `down`):
#   --ha                       3 control planes behind the API VIP 172.30.100.100, plus a worker
#                              (default: 1 control plane, which also runs the workloads)
#   --source online            upstream packages and images (default)
#   --source mirror --mirror-packages URL --mirror-images REPO
#                              a package mirror (the per-minor pkgs.k8s.io layout) and an image mirror
#   --source offline --bundle PATH
#                              a bundle made with playbooks/offline_bundle.yml; the first host serves it
#   --version X.Y.Z            cluster_kubernetes_version (default: the collection's)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
state="$ROOT/.cache/lab"
inv="$state/inventory"
network=seed-lab subnet=172.30.100.0/24 prefix=172.30.100 vip=172.30.100.100

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

write_state() { # write_state HA SOURCE BUNDLE MIRROR_PACKAGES MIRROR_IMAGES VERSION
  local ha="$1" source="$2" bundle="$3" mpkg="$4" mimg="$5" version="$6" n names=() i
  case "$source" in
    online) ;;
    mirror) [[ -n "$mpkg" && -n "$mimg" ]] || { echo "--source mirror needs --mirror-packages URL and --mirror-images REPO" >&2; exit 2; } ;;
    offline)
      [[ -n "$bundle" ]] || { echo "--source offline needs --bundle PATH (made with playbooks/offline_bundle.yml)" >&2; exit 2; }
      [[ -f "$bundle" ]] || { echo "--bundle $bundle: no such file" >&2; exit 2; }
      bundle="$(cd "$(dirname "$bundle")" && pwd)/$(basename "$bundle")" ;;
    *) echo "--source must be online, mirror or offline, got '$source'" >&2; exit 2 ;;
  esac
  if [[ "$ha" == 1 ]]; then n=4; else n=1; fi
  for ((i = 1; i <= n; i++)); do names+=("seed-lab-$i"); done
  mkdir -p "$inv"
  rm -rf "$inv/group_vars" && cp -r "$ROOT/inventory/lab/group_vars" "$inv/group_vars"
  # The hosts as the shared create playbook reads them: a tty (/dev/console, which the lab profile
  # links /dev/kmsg to), no kmsg device, /lib/modules read-only where this machine has it.
  {
    echo "# Written by scripts/lab.sh up; removed by scripts/lab.sh down."
    echo "molecule_yml:"
    echo "  platforms:"
    for ((i = 1; i <= n; i++)); do
      echo "    - {name: seed-lab-$i, network: $network, subnet: $subnet, ipv4_address: $prefix.$((10 + i)), tty: true, devices: []$(
        [[ -d /lib/modules ]] && echo ", volumes: ['/lib/modules:/lib/modules:ro']")}"
    done
  } >"$state/platforms.yml"
  {
    echo "# Written by scripts/lab.sh up from its options; removed by scripts/lab.sh down."
    echo "all:"
    echo "  children:"
    echo "    control_plane:"
    echo "      hosts:"
    if [[ "$ha" == 1 ]]; then
      for i in 1 2 3; do echo "        seed-lab-$i: {cluster_node_ip: $prefix.$((10 + i))}"; done
      echo "    workers:"
      echo "      hosts:"
      echo "        seed-lab-4: {cluster_node_ip: $prefix.14}"
      echo "    apiserver_lb:"
      echo "      children:"
      echo "        control_plane:"
    else
      echo "        seed-lab-1: {cluster_node_ip: $prefix.11}"
      echo "    workers:"
      echo "      hosts: {}"
      echo "    apiserver_lb:"
      echo "      hosts: {}"
    fi
    echo "    k8s_cluster:"
    echo "      children:"
    echo "        control_plane:"
    echo "        workers:"
    echo "    init:"
    echo "      hosts:"
    echo "        seed-lab-1:"
    echo "    ingress:"
    echo "      hosts: {}"
    echo "    nfs_server:"
    echo "      hosts: {}"
    echo "  vars:"
    echo "    ansible_connection: community.docker.docker"
    echo "    ansible_user: root"
    echo "    cluster_source: $source"
    [[ "$ha" == 1 ]] && echo "    cluster_api_vip: $vip"
    [[ -n "$version" ]] && echo "    cluster_kubernetes_version: \"$version\""
    if [[ "$source" == mirror ]]; then
      echo "    cluster_mirror_package_url: \"$mpkg\""
      echo "    cluster_mirror_image_repository: \"$mimg\""
    fi
    [[ "$source" == offline ]] && echo "    offline_repo_bundle_path: \"$bundle\""
    # A single control plane runs the workloads too.
    [[ "$ha" == 1 ]] || echo "    control_plane_remove_taint: true"
  } >"$inv/hosts.yml"
  printf '%s\n' "${names[@]}" >"$state/hosts"
}

harness() { echo -i localhost, -e "@$state/platforms.yml" -e "molecule_instance_config=$state/instances.yml"; }

cmd="${1:-up}"; shift || true
case "$cmd" in
  up)
    ha=0 source=online bundle="" mpkg="" mimg="" version=""
    while [[ $# -gt 0 ]]; do
      case "$1" in
        --ha) ha=1 ;;
        --source) source="${2:?--source needs a value}"; shift ;;
        --bundle) bundle="${2:?--bundle needs a path}"; shift ;;
        --mirror-packages) mpkg="${2:?--mirror-packages needs a URL}"; shift ;;
        --mirror-images) mimg="${2:?--mirror-images needs a repository}"; shift ;;
        --version) version="${2:?--version needs X.Y.Z}"; shift ;;
        --) shift; break ;;
        -h|--help) usage ;;
        *) echo "unknown option $1" >&2; usage ;;
      esac
      shift
    done
    if [[ -f "$state/hosts" ]]; then
      echo "a lab exists already ($(tr '\n' ' ' <"$state/hosts")); scripts/lab.sh down first, or scripts/lab.sh site" >&2
      exit 2
    fi
    write_state "$ha" "$source" "$bundle" "$mpkg" "$mimg" "$version"
    ensure_venv "$ROOT/tests/requirements.txt"
    ensure_host_images bookworm
    log "creating lab hosts: $(tr '\n' ' ' <"$state/hosts")"
    # shellcheck disable=SC2046
    ansible-playbook $(harness) molecule/resources/create.yml
    ansible-playbook -i "$inv/hosts.yml" molecule/resources/prepare.yml
    log "running site.yml against $inv/hosts.yml (cluster_source: $source)"
    exec ansible-playbook -i "$inv/hosts.yml" playbooks/site.yml "$@"
    ;;
  site)
    [[ -f "$inv/hosts.yml" ]] || { echo "no lab: scripts/lab.sh up first" >&2; exit 2; }
    ensure_venv "$ROOT/tests/requirements.txt"
    exec ansible-playbook -i "$inv/hosts.yml" playbooks/site.yml "$@"
    ;;
  status)
    [[ -f "$inv/hosts.yml" ]] || { echo "no lab (scripts/lab.sh up creates one)"; exit 0; }
    if grep -q "cluster_api_vip" "$inv/hosts.yml"; then endpoint="https://$vip:16443"; else endpoint="https://$prefix.11:6443"; fi
    echo "hosts:      $(tr '\n' ' ' <"$state/hosts")"
    echo "endpoint:   $endpoint"
    echo "kubeconfig: $inv/artifacts/admin.conf (on the controller), /etc/kubernetes/admin.conf (on seed-lab-1)"
    docker exec seed-lab-1 kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes -o wide ||
      echo "(kubectl get nodes failed: is the cluster up? scripts/lab.sh site runs site.yml again)"
    ;;
  down)
    ensure_venv "$ROOT/tests/requirements.txt"
    if [[ -f "$state/platforms.yml" ]]; then
      # shellcheck disable=SC2046
      ansible-playbook $(harness) molecule/resources/destroy.yml
    fi
    rm -rf "$state"
    log "lab removed (containers, their containerd volumes, the $network network, $state)"
    ;;
  *) usage ;;
esac
