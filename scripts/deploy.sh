#!/usr/bin/env bash
# Install the controller tools (a virtualenv in .venv with requirements.txt) and run site.yml.
# Usage: scripts/deploy.sh -i inventory/<cluster> [any ansible-playbook option...]
#        SEED_PLAYBOOK=<another playbook> scripts/deploy.sh -i inventory/<cluster>
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_venv "$ROOT/requirements.txt"
exec ansible-playbook "${SEED_PLAYBOOK:-site.yml}" "$@"
