#!/usr/bin/env bash
# scripts/lab.sh end to end where no artifact source is reachable (a mirror on a closed local port):
# bad options refused before anything is created; `up` creates the lab's containers as docs/lab.md
# says (a tty, no kmsg device, a containerd volume, the seed-lab network) and preflight stops naming
# the source with the lab profile accepted on them; `status` answers; a second `up` is refused;
# `down` leaves no container, volume, network or state behind. Exits non-zero on the first miss.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT" || exit 2
lab=./scripts/lab.sh out="$(mktemp)"
trap 'rm -f "$out"' EXIT
fail() { echo "lab check FAILED: $*" >&2; echo "---- last output ----" >&2; tail -n 40 "$out" >&2; "$lab" down >/dev/null 2>&1; exit 1; }
expect() { # expect RC PATTERN COMMAND...: the command exits RC and prints PATTERN
  local rc="$1" pattern="$2"; shift 2
  "$@" >"$out" 2>&1; local got=$?
  [[ $got -eq $rc ]] || fail "$* exited $got, expected $rc"
  grep -qE -- "$pattern" "$out" || fail "$* did not print /$pattern/"
}

[[ ! -e .cache/lab ]] || fail "a lab exists already: scripts/lab.sh down first"
expect 2 "--source offline needs --bundle PATH" "$lab" up --source offline
expect 2 "--bundle /nonexistent.tar: no such file" "$lab" up --source offline --bundle /nonexistent.tar
expect 2 "--source must be online, mirror or offline, got 'cloud'" "$lab" up --source cloud
expect 2 "--source mirror needs --mirror-packages URL and --mirror-images REPO" "$lab" up --source mirror
expect 2 "unknown option --nodes" "$lab" up --nodes 3
[[ -z "$(docker ps -aq --filter name=seed-lab-)" ]] || fail "a refused option created containers"

expect 2 "cannot reach the package source \(cluster_mirror_package_url\) at 127.0.0.1:9" \
  "$lab" up --source mirror --mirror-packages http://127.0.0.1:9/k8s --mirror-images 127.0.0.1:9/k8s
grep -q "cluster_lab_profile is true but the host is not a container" "$out" && fail "the lab's container was taken for a machine"
grep -q "nothing was changed on any host" "$out" || fail "preflight did not stop before changing the hosts"
[[ "$(docker inspect seed-lab-1 --format '{{.Config.Tty}} {{len .HostConfig.Devices}}')" == "true 0" ]] ||
  fail "seed-lab-1 lacks its tty or has a device: $(docker inspect seed-lab-1 --format '{{.Config.Tty}} {{.HostConfig.Devices}}')"
docker inspect seed-lab-1 --format '{{range .Mounts}}{{.Name}}:{{.Destination}} {{end}}' | grep -q "seed-lab-1-containerd:/var/lib/containerd" ||
  fail "no containerd volume on seed-lab-1"
expect 0 "endpoint: +https://172.30.100.11:6443" "$lab" status
expect 2 "a lab exists already \(seed-lab-1 \)" "$lab" up
expect 0 "lab removed" "$lab" down
[[ -z "$(docker ps -aq --filter name=seed-lab-)" ]] || fail "containers left after down"
[[ -z "$(docker volume ls -q --filter name=seed-lab-)" ]] || fail "volumes left after down"
[[ -z "$(docker network ls -q --filter name=seed-lab)" ]] || fail "network left after down"
[[ ! -e .cache/lab ]] || fail ".cache/lab left after down"
expect 0 "no lab" "$lab" status
echo "lab check passed"
