#!/usr/bin/env bash
# Can this machine reach what a real kubeadm cluster needs? The Kubernetes package repository
# (pkgs.k8s.io, or $SEED_CLUSTER_PACKAGE_URL) and the image registry (registry.k8s.io, or the host of
# $SEED_CLUSTER_IMAGE_REPOSITORY). Each probe waits at most 5 seconds; nothing else is contacted.
# Exit 0 when both answer; otherwise print ONE line naming what is missing and exit 1, so that
# scripts/test.sh reports the scenario as SKIPPED (never as passed).
set -u
timeout=5
package_url="${SEED_CLUSTER_PACKAGE_URL:-https://pkgs.k8s.io/core:/stable:}"
image_repository="${SEED_CLUSTER_IMAGE_REPOSITORY:-registry.k8s.io}"
registry_host="${image_repository%%/*}"
case "$registry_host" in
  *:*) registry_url="http://${registry_host}/v2/" ;;   # host:port, e.g. an init node's registry
  *) registry_url="https://${registry_host}/v2/" ;;
esac

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

missing=()
answers "$package_url/" || missing+=("package repository $package_url")
answers "$registry_url" || missing+=("image registry $registry_host")
if [[ ${#missing[@]} -gt 0 ]]; then
  printf 'cluster scenario needs a real kubeadm install: cannot reach %s within %ss; set SEED_CLUSTER_SOURCE=mirror with SEED_CLUSTER_PACKAGE_URL and SEED_CLUSTER_IMAGE_REPOSITORY to mirrors (e.g. https://mirrors.aliyun.com/kubernetes-new/core/stable and registry.aliyuncs.com/google_containers)\n' \
    "$(IFS=,; echo "${missing[*]}" | sed 's/,/ and /g')" "$timeout"
  exit 1
fi
exit 0
