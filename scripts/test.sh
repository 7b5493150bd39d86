#!/usr/bin/env bash
# The one test command of seed.kubeadm. Installs what it needs when missing (virtualenv with the
# pinned tools of tests/requirements.txt, Debian's docker.io, a running Docker daemon, the local
# systemd host images), then runs every check and ends with "N passed, N failed[, N skipped]".
#
#   scripts/test.sh                 everything: lint, sanity, units, every Molecule scenario
#   scripts/test.sh lint            yamllint + ansible-lint (production profile)
#   scripts/test.sh sanity          ansible-test sanity on the collection
#   scripts/test.sh units           pytest (tests/unit) with coverage of plugins/
#   scripts/test.sh molecule [S..]  the given (default: all) Molecule scenarios
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 2

export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1 MOLECULE_NO_COLOR=1 ANSIBLE_NOCOLOR=1
passed=0 failed=0 skipped=0
failures=()
results_dir="$ROOT/.cache/test-results"
mkdir -p "$results_dir"

record() { # record NAME STATUS(0 pass, 77 skip, else fail)
  case "$2" in
    0) passed=$((passed + 1)); printf 'PASSED  %s\n' "$1" ;;
    77) skipped=$((skipped + 1)); printf 'SKIPPED %s\n' "$1" ;;
    *) failed=$((failed + 1)); failures+=("$1"); printf 'FAILED  %s\n' "$1" ;;
  esac
}

run_lint() {
  log "yamllint"
  yamllint -s . ; record yamllint $?
  log "ansible-lint (production profile)"
  ansible-lint --offline --profile production ; record ansible-lint $?
}

run_sanity() {
  log "ansible-test sanity"
  ensure_ansible_test_pip
  # ansible-test needs the collection under ansible_collections/<ns>/<name>, outside any git
  # work tree (inside one it only sees files git tracks there).
  local base build
  base="$(mktemp -d "${TMPDIR:-/tmp}/seed-sanity.XXXXXX")"
  build="$base/ansible_collections/seed/kubeadm"
  mkdir -p "$build"
  # The test doubles (tests/doubles, tests/unit/doubles) are host programs that the orchestration
  # scenario packages as .deb files, not collection content: pytest covers them, sanity does not.
  tar -C "$ROOT" --exclude=./.venv --exclude=./.collections --exclude=./.cache --exclude=./.git \
    --exclude=./tests/doubles --exclude=./tests/unit/doubles \
    -cf - . | tar -C "$build" -xf -
  (cd "$build" && ansible-test sanity --python "$(python -c 'import sys;print("%d.%d"%sys.version_info[:2])')" \
      --requirements --color no 2>&1 | grep -vE '^ *(Collecting|Installing|Requirement|Downloading|Using cached|Looking in|Processing|Successfully|Attempting|Found existing|Uninstalling|WARNING: Location|━)') ; record ansible-test-sanity "${PIPESTATUS[0]}"
  rm -rf "$base"
}

run_units() {
  # The API server double's storage test runs against Debian's real etcd (it skips without it).
  apt_install etcd-server || { record "etcd-server for the unit tests" 1; return; }
  log "pytest units"
  local xml="$results_dir/units.xml" rc
  python -m pytest tests/unit -q -p no:cacheprovider --junitxml "$xml" \
    --cov=plugins --cov-report=term-missing:skip-covered --cov-fail-under="${SEED_COVERAGE_MIN:-90}"
  rc=$?
  if [[ $rc -eq 5 ]]; then record "pytest (no tests collected)" 1; return; fi
  if [[ -f "$xml" ]]; then
    read -r t f e s < <(python - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
suites = [r] if r.tag == "testsuite" else list(r)
tot = lambda k: sum(int(x.get(k, 0)) for x in suites)
print(tot("tests"), tot("failures"), tot("errors"), tot("skipped"))
PY
)
    passed=$((passed + t - f - e - s)); failed=$((failed + f + e)); skipped=$((skipped + s))
    [[ $((f + e)) -gt 0 ]] && failures+=("pytest: $((f + e)) tests")
  fi
  # A coverage shortfall fails the run even when every test passed.
  if [[ $rc -ne 0 && $((${f:-0} + ${e:-0})) -eq 0 ]]; then record "pytest (exit $rc: coverage or collection)" 1; fi
}

scenarios() { find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -rn1 basename | sort; }

run_molecule() {
  local list=("$@") s rc
  [[ ${#list[@]} -gt 0 ]] || mapfile -t list < <(scenarios)
  ensure_host_images bookworm trixie || { record "host images" 1; return; }
  for s in "${list[@]}"; do
    if [[ -x "molecule/$s/requirements.sh" ]]; then
      # A scenario that needs what this machine cannot reach says so and is SKIPPED, never passed.
      if ! msg=$("molecule/$s/requirements.sh" 2>&1); then
        printf 'SKIPPED molecule %s: %s\n' "$s" "$msg"; record "molecule $s" 77; continue
      fi
    fi
    log "molecule test -s $s"
    local start=$SECONDS
    molecule test -s "$s" >"$results_dir/molecule-$s.log" 2>&1; rc=$?
    if [[ $rc -ne 0 ]]; then
      echo "---- last 80 lines of molecule $s ----"; tail -n 80 "$results_dir/molecule-$s.log"
    fi
    echo "molecule $s took $((SECONDS - start)) s"
    record "molecule $s" $rc
  done
}

main() {
  local what="${1:-all}"; shift || true
  ensure_venv "$ROOT/tests/requirements.txt" || { record setup 1; what=none; }
  case "$what" in
    all) run_lint; run_sanity; run_units; run_molecule ;;
    lint) run_lint ;;
    sanity) run_sanity ;;
    units) run_units ;;
    molecule) run_molecule "$@" ;;
    none) ;;
    *) echo "unknown target $what (all|lint|sanity|units|molecule [SCENARIO...])" >&2; exit 2 ;;
  esac
  echo
  [[ ${#failures[@]} -gt 0 ]] && printf 'failed: %s\n' "${failures[@]}"
  echo "$passed passed, $failed failed, $skipped skipped"
  [[ $failed -eq 0 ]]
}
main "$@"
