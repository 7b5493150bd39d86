#!/usr/bin/env bash
# Can this machine reach what a real kubeadm cluster needs? The Kubernetes package repository
# (pkgs.k8s.io, or $SEED_CLUSTER_PACKAGE_URL), the image registry (registry.k8s.io, or the host of
# $SEED_CLUSTER_IMAGE_REPOSITORY) and the registries of the add-on and test images: docker.io
# (Traefik, busybox) and ghcr.io (flannel) or quay.io (calico, SEED_CLUSTER_CNI=calico), or instead
# of these the host of $SEED_CLUSTER_REGISTRY_PREFIX when set. Each probe waits at most 5 seconds;
# nothing else is contacted, and the probes run in parallel.
# Exit 0 when all answer; otherwise print ONE line naming what is missing and exit 1, so that
# scripts/test.sh reports the scenario as SKIPPED (never as passed).
set -u
timeout=5
package_url="${SEED_CLUSTER_PACKAGE_URL:-https://pkgs.k8s.io/core:/stable:}"
image_repository="${SEED_CLUSTER_IMAGE_REPOSITORY:-registry.k8s.io}"
registry_host="${image_repository%%/*}"

answers() { # answers URL: any HTTP response (even 401/404) within the timeout counts
  if command -v curl >/dev/null 2>&1; then
    curl -sS -o /dev/null --connect-timeout "$timeout" --max-time "$timeout" "$1" >/dev/null 2>&1
  else
    python3 - "$1" "$timeout" <<'PY' >/dev/null 2>&1
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2]))
except urllib.error.HTTPError:
    pass
PY
  fi
}

registry_v2_url() { # registry_v2_url HOST[:PORT]: the registry API root of that host
  case "$1" in
    *:*) printf 'http://%s/v2/' "$1" ;;   # host:port, e.g. an init node's registry
    *) printf 'https://%s/v2/' "$1" ;;
  esac
}

# Registries of the images outside registry.k8s.io (the API host of docker.io is registry-1.docker.io).
if [[ -n "${SEED_CLUSTER_REGISTRY_PREFIX:-}" ]]; then
  addon_registries=("${SEED_CLUSTER_REGISTRY_PREFIX%%/*}")
elif [[ "${SEED_CLUSTER_CNI:-flannel}" == calico ]]; then
  addon_registries=(registry-1.docker.io quay.io)
else
  addon_registries=(registry-1.docker.io ghcr.io)
fi

# name|URL of each probe; all run at once, so the answer comes within one timeout.
probes=("package repository $package_url|$package_url/" "image registry $registry_host|$(registry_v2_url "$registry_host")")
for registry in "${addon_registries[@]}"; do
  probes+=("image registry $registry|$(registry_v2_url "$registry")")
done
pids=()
for probe in "${probes[@]}"; do
  answers "${probe#*|}" &
  pids+=($!)
done
missing=()
for i in "${!probes[@]}"; do
  wait "${pids[$i]}" || missing+=("${probes[$i]%%|*}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  printf 'cluster scenario needs a real kubeadm install: cannot reach %s within %ss; set SEED_CLUSTER_SOURCE=mirror with SEED_CLUSTER_PACKAGE_URL and SEED_CLUSTER_IMAGE_REPOSITORY to mirrors (e.g. https://mirrors.aliyun.com/kubernetes-new/core/stable and registry.aliyuncs.com/google_containers) and SEED_CLUSTER_REGISTRY_PREFIX to a prefix mirror for the other registries (e.g. m.daocloud.io)\n' \
    "$(IFS=,; echo "${missing[*]}" | sed 's/,/ and /g')" "$timeout"
  exit 1
fi
exit 0
