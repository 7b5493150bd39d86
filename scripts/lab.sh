#!/usr/bin/env bash
# A local lab: two systemd containers (seed-lab-1: control plane + init node, seed-lab-2: worker)
# on their own Docker network, then site.yml against them (inventory/lab).
#   scripts/lab.sh up      create the hosts (if needed) and run site.yml
#   scripts/lab.sh site    run site.yml again (extra arguments go to ansible-playbook)
#   scripts/lab.sh down    remove the hosts
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
lab="$ROOT/inventory/lab"
state="$ROOT/.cache/lab"
mkdir -p "$state"
harness=(-i localhost, -e "@$lab/platforms.yml" -e "molecule_instance_config=$state/instances.yml")

cmd="${1:-up}"; shift || true
case "$cmd" in
  up)
    ensure_venv "$ROOT/tests/requirements.txt"
    ensure_host_images bookworm
    log "creating lab hosts"
    ansible-playbook "${harness[@]}" molecule/resources/create.yml
    ansible-playbook -i "$lab/hosts.yml" molecule/resources/prepare.yml
    log "running site.yml against inventory/lab"
    exec ansible-playbook -i "$lab/hosts.yml" site.yml "$@"
    ;;
  site)
    ensure_venv "$ROOT/tests/requirements.txt"
    exec ansible-playbook -i "$lab/hosts.yml" site.yml "$@"
    ;;
  down)
    ensure_venv "$ROOT/tests/requirements.txt"
    ansible-playbook "${harness[@]}" molecule/resources/destroy.yml
    log "lab removed"
    ;;
  *) echo "usage: scripts/lab.sh up|site|down" >&2; exit 2 ;;
esac
