# shellcheck shell=bash
# Shared helpers for scripts/*.sh: a project virtualenv with pinned tools, the collection made
# importable from the checkout, and a Docker engine with the local systemd host image for tests.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SEED_VENV:-$ROOT/.venv}"
COLLECTIONS_DIR="$ROOT/.collections"
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS_DIR${ANSIBLE_COLLECTIONS_PATH:+:$ANSIBLE_COLLECTIONS_PATH}"
export ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$ROOT/ansible.cfg}"
export PATH="$VENV/bin:$PATH"

# Each step names the second of the script's run it started at: a slow run shows where its time went.
log() { printf '\033[1m==> [%5d s] %s\033[0m\n' "$SECONDS" "$*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  # Install Debian/Ubuntu packages that are missing (one apt-get update per script run).
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  command -v apt-get >/dev/null || { echo "missing packages ${missing[*]} and no apt-get: install them by hand" >&2; return 1; }
  log "apt-get install ${missing[*]}"
  if [[ -z "${_SEED_APT_UPDATED:-}" ]]; then as_root apt-get update -qq; _SEED_APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ensure_venv REQUIREMENTS_FILE: create .venv and install pinned requirements when they changed.
ensure_venv() {
  local req="$1" stamp
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    apt_install python3-venv
  fi
  [[ -x "$VENV/bin/python" ]] || { log "creating virtualenv $VENV"; python3 -m venv "$VENV"; }
  stamp="$VENV/.seed-$(basename "$(dirname "$req")")-$(sha256sum "$req" | cut -c1-16)"
  if [[ ! -f "$stamp" ]]; then
    log "installing Python requirements from ${req#"$ROOT"/}"
    # The stamp only after a complete install: an interrupted or failed one is tried again.
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$req" || return 1
    touch "$stamp"
  fi
  ensure_collection_link
}

# The checkout itself is the collection seed.kubeadm: .collections/ansible_collections/seed/kubeadm is
# a relative link to the checkout, committed so that ansible-lint and ansible-playbook work from a
# plain clone (ansible.cfg's collections_path); this puts it back should it be missing.
ensure_collection_link() {
  mkdir -p "$COLLECTIONS_DIR/ansible_collections/seed"
  ln -sfn ../../.. "$COLLECTIONS_DIR/ansible_collections/seed/kubeadm"
}

ensure_docker() {
  command -v docker >/dev/null && command -v dockerd >/dev/null || apt_install docker.io
  if ! docker info >/dev/null 2>&1; then
    log "starting the Docker daemon"
    if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
      as_root systemctl start docker
    else
      as_root sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
    fi
    local i
    for i in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { echo "Docker daemon did not start (see /var/log/dockerd.log)" >&2; return 1; }
  fi
}

# Every systemd host container takes inotify instances of the machine's root user (systemd, journald,
# logind ...): with the background lanes' containers side by side (about 25), the kernel's default of
# 128 runs out and a new container's systemd exits at boot ("Container ... is not running"). Raise the
# limits when they are lower than the scenarios need.
ensure_inotify_limits() {
  local key want have
  for key in fs.inotify.max_user_instances:1024 fs.inotify.max_user_watches:524288; do
    want=${key#*:}; key=${key%%:*}
    have=$(sysctl -n "$key" 2>/dev/null || echo 0)
    if [[ $have -lt $want ]]; then
      as_root sysctl -q -w "$key=$want" || echo "WARNING: cannot raise $key from $have to $want: systemd host containers may fail to boot" >&2
    fi
  done
}

# ensure_host_images SUITE...: build the local systemd host images that are missing (and what the
# scenarios need on the controller besides Docker).
ensure_host_images() {
  local suite
  ensure_docker
  ensure_inotify_limits
  # the node scenario reaches one host over SSH (ssh, ssh-keyscan on the controller)
  apt_install openssh-client || return 1
  for suite in "$@"; do
    # An image of the current recipe (scripts/build-host-image.sh) is kept; any other is built again.
    [[ "$(docker image inspect -f '{{ index .Config.Labels "seed.recipe" }}' "seed-kubeadm-host:$suite" 2>/dev/null)" \
      == "$(sha256sum "$ROOT/scripts/build-host-image.sh" | cut -c1-16)" ]] && continue
    apt_install debootstrap
    "$ROOT/scripts/build-host-image.sh" "$suite" || return 1
  done
}

# ansible-test bootstraps pip in each sanity virtualenv with a get-pip script it downloads from a
# host outside the package registries. Provide an equivalent from the standard library instead:
# ensurepip installs the bundled pip, which then installs the pinned pip from the package index.
ensure_ansible_test_pip() { # ensure_ansible_test_pip [PYTHON]: for the ansible-test of PYTHON (default: the venv's)
  local version cache
  version=$("${1:-$VENV/bin/python}" - <<'PY'
import re, pathlib, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
m = re.search(r"pip='([0-9.]+)'", src.read_text())
print(m.group(1) if m else "")
PY
)
  [[ -n "$version" ]] || return 0
  cache="$HOME/.ansible/test/cache/get_pip_${version//./_}.py"
  [[ -f "$cache" ]] && return 0
  mkdir -p "$(dirname "$cache")"
  cat >"$cache" <<'PY'
"""Stand-in for get-pip.py: bootstrap pip with ensurepip, then pip-install the given arguments."""
import ensurepip
import os
import subprocess
import sys

env = dict(os.environ)  # ensurepip points PIP_CONFIG_FILE at /dev/null for the whole process
ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args, env=env))
PY
}
