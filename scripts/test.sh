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
#   scripts/test.sh docs            diagrams up to date, antsibull-docs lint, per-filter docs, release tarball
#                                   and CHANGELOG.rst, ansible-builder create of the execution environment
#   scripts/test.sh lab             scripts/lab.sh end to end where no artifact source answers (tests/lab/check_lab.sh)
#   scripts/test.sh compat          the collection's unit tests (roles, plugins) and ansible-test sanity on
#                                   ansible-core 2.16, 2.17, 2.18
#   scripts/test.sh mutation [F..]  mutation testing of plugins/ (mutmut; default: every file; hours on 2 cores)
#   scripts/test.sh mutation-roles [ID..]  plant the bugs of tests/mutation/roles.yml, run the tests that should catch each
# With more than one scenario to run, the orchestration, faults, upgrade and ha_lb scenarios run in the background
# beside the rest (logs: .cache/test-results/molecule-<scenario>.log), and in a full run compat runs in
# the background beside the other scenarios (.cache/test-results/compat.log); SEED_TEST_PARALLEL=0
# runs one thing at a time.
set -uo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 2

export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1 MOLECULE_NO_COLOR=1 ANSIBLE_NOCOLOR=1
passed=0 failed=0 skipped=0
failures=()
results_dir="$ROOT/.cache/test-results"
mkdir -p "$results_dir"
# The scenarios keep the output of every playbook they run (day 2, faults, upgrades) here, beside their
# own logs, so a failed run can be read after the hosts are gone.
export SEED_TEST_RESULTS="${SEED_TEST_RESULTS:-$results_dir/runs}"

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

sanity_with() { # sanity_with NAME PYTHON: ansible-test sanity of the collection with PYTHON's ansible-core
  local name="$1" python="$2" base build rc
  # ansible-test needs the collection under ansible_collections/<ns>/<name>, outside any git
  # work tree (inside one it only sees files git tracks there).
  base="$(mktemp -d "${TMPDIR:-/tmp}/seed-sanity.XXXXXX")"
  build="$base/ansible_collections/seed/kubeadm"
  mkdir -p "$build"
  # The test doubles (tests/doubles, tests/unit/doubles) are host programs that the orchestration
  # scenario packages as .deb files, not collection content: pytest covers them, sanity does not.
  tar -C "$ROOT" --exclude=./.venv --exclude=./.collections --exclude=./.cache --exclude=./.git \
    --exclude=./tests/doubles --exclude=./tests/unit/doubles \
    -cf - . | tar -C "$build" -xf -
  (cd "$build" && PATH="$(dirname "$python"):$PATH" "$(dirname "$python")/ansible-test" sanity \
      --python "$("$python" -c 'import sys;print("%d.%d"%sys.version_info[:2])')" \
      --requirements --color no 2>&1 | grep -vE '^ *(Collecting|Installing|Requirement|Downloading|Using cached|Looking in|Processing|Successfully|Attempting|Found existing|Uninstalling|WARNING: Location|━)')
  rc=${PIPESTATUS[0]}
  rm -rf "$base"
  record "$name" "$rc"
}

run_sanity() {
  log "ansible-test sanity"
  ensure_ansible_test_pip
  sanity_with ansible-test-sanity "$(command -v python)"
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

run_mutation() {
  # Not part of `all`: mutmut runs the unit tests once per mutant (tests/mutation/mutation_plugins.py).
  ensure_venv "$ROOT/tests/requirements-mutation.txt" || { record "mutmut install" 1; return; }
  log "mutation testing of plugins/ (mutmut)"
  python tests/mutation/mutation_plugins.py "$@"; record "mutation testing of plugins" $?
}

run_mutation_roles() {
  log "role-level mutations (tests/mutation/roles.yml)"
  python tests/mutation/mutation_roles.py "$@"; record "role-level mutations" $?
}

run_docs() {
  # Pictures of docs/architecture.md: each docs/diagrams/*.svg is generated from its .dot source.
  apt_install graphviz || { record "graphviz for the docs" 1; return; }
  log "docs diagrams (docs/diagrams/render.sh --check)"
  docs/diagrams/render.sh --check; record "docs diagrams" $?
  # The docs site: what antsibull-docs builds from the plugins' and roles' documentation.
  log "antsibull-docs lint-collection-docs --plugin-docs"
  (cd "$COLLECTIONS_DIR/ansible_collections/seed/kubeadm" &&
    antsibull-docs lint-collection-docs --plugin-docs .); record "antsibull-docs lint" $?
  log "every filter has its own documentation (tests/docs/check_plugin_docs.py)"
  python tests/docs/check_plugin_docs.py; record "filter documentation" $?
  # The release: changelog, tarball contents, execution environment build context.
  log "release: CHANGELOG.rst, tarball contents, ansible-builder create (tests/docs/check_release.py)"
  python tests/docs/check_release.py; record "release tarball and execution environment" $?
}

# The ansible-core minors README.md claims besides the one pinned in tests/requirements.txt, with
# the controller Pythons each supports: MINOR PYTHON_MIN PYTHON_MAX REQUIREMENT... (ansible-core
# alone: role variables and templates use no collection but seed.kubeadm; should one need another
# collection, add the `ansible` release of that minor, e.g. ansible==9.13.0 for 2.16).
COMPAT_MATRIX=(
  "2.16 3.10 3.12 ansible-core==2.16.19"
  "2.17 3.10 3.12 ansible-core==2.17.14"
  "2.18 3.11 3.13 ansible-core==2.18.19"
)
# Every unit test of the collection's code (roles and plugins: filters, modules, module_utils);
# tests/unit/doubles tests the test doubles, which do not use ansible-core.
COMPAT_TESTS=(tests/unit/roles tests/unit/plugins)

compat_setup() { # compat_setup VENV REQUIREMENT...: a venv with the requirements (kept while they stay the same)
  local venv="$1" stamp; shift
  stamp="$venv/.seed-compat-$(printf '%s\n' "$@" | sha256sum | cut -c1-16)"
  [[ -f "$stamp" ]] && return 0
  rm -rf "$venv" && python3 -m venv "$venv" &&
    PIP_CACHE_DIR="$ROOT/.cache/pip" "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@" &&
    touch "$stamp"
}

version_between() { # version_between V LOW HIGH
  [[ "$(printf '%s\n' "$2" "$1" | sort -V | head -n 1)" == "$2" && "$(printf '%s\n' "$1" "$3" | sort -V | head -n 1)" == "$1" ]]
}

run_compat() {
  # The collection's unit tests on every older ansible-core the collection claims: one venv per
  # minor under .cache/compat (pip cache: .cache/pip), venvs made and tests run in parallel.
  local py entry minor low high requirements i rc log start=$SECONDS
  local -a extra=() minors=() venvs=() wanted=() pids=() reqs=()
  py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  mapfile -t extra < <(grep -E '^(pytest|kubernetes-validate)==' "$ROOT/tests/requirements.txt")
  for entry in "${COMPAT_MATRIX[@]}"; do
    read -r minor low high requirements <<<"$entry"
    if ! version_between "$py" "$low" "$high"; then
      printf 'SKIPPED compat ansible-core %s: it runs on controller Python %s - %s, this machine has %s\n' "$minor" "$low" "$high" "$py"
      record "compat ansible-core $minor" 77; continue
    fi
    minors+=("$minor"); venvs+=("$ROOT/.cache/compat/ansible-core-$minor"); wanted+=("$requirements")
  done
  [[ ${#minors[@]} -gt 0 ]] || return 0
  log "compat: virtualenvs for ansible-core ${minors[*]} (.cache/compat)"
  mkdir -p "$ROOT/.cache/compat" "$ROOT/.cache/pip"
  for i in "${!minors[@]}"; do
    read -r -a reqs <<<"${wanted[$i]}"
    compat_setup "${venvs[$i]}" "${reqs[@]}" "${extra[@]}" >"$results_dir/compat-${minors[$i]}-setup.log" 2>&1 &
    pids[i]=$!
  done
  for i in "${!minors[@]}"; do
    if ! wait "${pids[$i]}"; then
      grep -v '^WARNING: Location' "$results_dir/compat-${minors[$i]}-setup.log" | tail -n 20
      record "compat ansible-core ${minors[$i]} (virtualenv)" 1; venvs[i]=""
    fi
  done
  echo "compat: virtualenvs ready after $((SECONDS - start)) s"
  log "compat: ${COMPAT_TESTS[*]} on ansible-core ${minors[*]}"
  start=$SECONDS
  for i in "${!minors[@]}"; do
    [[ -n "${venvs[$i]}" ]] || continue
    "${venvs[$i]}/bin/python" -m pytest "${COMPAT_TESTS[@]}" -q -p no:cacheprovider \
      --junitxml "$results_dir/compat-${minors[$i]}.xml" >"$results_dir/compat-${minors[$i]}.log" 2>&1 &
    pids[i]=$!
  done
  for i in "${!minors[@]}"; do
    [[ -n "${venvs[$i]}" ]] || continue
    wait "${pids[$i]}"; rc=$?
    log="$results_dir/compat-${minors[$i]}.log"
    if [[ $rc -ne 0 ]]; then echo "---- last 60 lines of compat ansible-core ${minors[$i]} ----"; tail -n 60 "$log"; fi
    printf 'ansible-core %s: %s\n' "$("${venvs[$i]}/bin/python" -c 'import ansible.release as r; print(r.__version__)')" "$(tail -n 1 "$log")"
    record "compat ansible-core ${minors[$i]}" "$rc"
  done
  echo "compat: tests took $((SECONDS - start)) s"
  # ansible-test sanity with each ansible-core (its own pinned linters; one at a time: pylint and
  # validate-modules take both cores).
  for i in "${!minors[@]}"; do
    [[ -n "${venvs[$i]}" ]] || continue
    log "compat: ansible-test sanity on ansible-core ${minors[$i]}"
    start=$SECONDS
    ensure_ansible_test_pip "${venvs[$i]}/bin/python"
    sanity_with "compat sanity ansible-core ${minors[$i]}" "${venvs[$i]}/bin/python"
    echo "compat: sanity on ansible-core ${minors[$i]} took $((SECONDS - start)) s"
  done
}

scenarios() { find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -rn1 basename | sort; }

# The four longest scenarios run in the background beside everything else, each in its own lane
# (SEED_TEST_PARALLEL=0: one thing at a time). They spend most of their time waiting (polls, VRRP
# timers, the doubles' start-up), so more lanes than cores shorten the run on two cores; the
# orchestration scenario's fault cases are a scenario of their own (faults) for that reason. Scenarios use separate networks, subnets and
# container names, so they do not meet; only the machine's CPUs are shared.
# SEED_TEST_BACKGROUND: another list of background scenarios (space-separated).
read -r -a BACKGROUND_SCENARIOS <<<"${SEED_TEST_BACKGROUND:-orchestration faults upgrade ha_lb}"
declare -A bg_pid=() bg_start=()

scenario_runnable() { # scenario_runnable S: 0 to run, 77 (and a SKIPPED line) when it cannot here
  local msg
  [[ -x "molecule/$1/requirements.sh" ]] || return 0
  # A scenario that needs what this machine cannot reach says so and is SKIPPED, never passed.
  msg=$("molecule/$1/requirements.sh" 2>&1) && return 0
  printf 'SKIPPED molecule %s: %s\n' "$1" "$msg"; return 77
}

molecule_report() { # molecule_report S RC SECONDS
  if [[ $2 -ne 0 ]]; then
    # The failed tasks first (the log's tail is mostly the summary and the destroy step), then the tail.
    echo "---- failed tasks in molecule $1 (with the task names and 12 lines after) ----"
    grep -n -B 3 -A 12 -E '^(fatal|failed): |^ERROR! |^An exception occurred' "$results_dir/molecule-$1.log" | head -n 300
    echo "---- last 80 lines of molecule $1 ----"; tail -n 80 "$results_dir/molecule-$1.log"
  fi
  echo "molecule $1 took $3 s"
  record "molecule $1" "$2"
}

molecule_start_background() { # molecule_start_background [S..]: start the background scenarios among S (default: all)
  local list=("$@") s
  [[ "${SEED_TEST_PARALLEL:-1}" != 0 ]] || return 0
  [[ ${#list[@]} -gt 0 ]] || mapfile -t list < <(scenarios)
  [[ ${#list[@]} -gt 1 ]] || return 0
  for s in "${BACKGROUND_SCENARIOS[@]}"; do
    [[ " ${list[*]} " == *" $s "* ]] || continue
    ensure_host_images bookworm trixie || return 0
    scenario_runnable "$s" || { record "molecule $s" 77; bg_pid[$s]=skipped; continue; }
    log "molecule test -s $s (in the background, log: $results_dir/molecule-$s.log)"
    bg_start[$s]=$SECONDS
    rm -f "$results_dir/molecule-$s.seconds"
    # The job writes its own duration: it may end long before it is waited for.
    ( molecule test -s "$s" >"$results_dir/molecule-$s.log" 2>&1; rc=$?
      echo $((SECONDS - bg_start[$s])) >"$results_dir/molecule-$s.seconds"; exit $rc ) &
    bg_pid[$s]=$!
  done
}

molecule_wait_background() {
  local s rc
  for s in "${!bg_pid[@]}"; do
    [[ ${bg_pid[$s]} != skipped ]] || continue
    log "waiting for molecule $s (background)"
    wait "${bg_pid[$s]}"; rc=$?
    molecule_report "$s" "$rc" "$(cat "$results_dir/molecule-$s.seconds" 2>/dev/null || echo $((SECONDS - bg_start[$s])))"
  done
}

run_molecule() {
  local list=("$@") s rc start
  [[ ${#list[@]} -gt 0 ]] || mapfile -t list < <(scenarios)
  ensure_host_images bookworm trixie || { record "host images" 1; return; }
  for s in "${list[@]}"; do
    [[ -z "${bg_pid[$s]:-}" ]] || continue
    scenario_runnable "$s"; rc=$?
    if [[ $rc -eq 77 ]]; then record "molecule $s" 77; continue; fi
    log "molecule test -s $s"
    start=$SECONDS
    molecule test -s "$s" >"$results_dir/molecule-$s.log" 2>&1; rc=$?
    molecule_report "$s" "$rc" $((SECONDS - start))
  done
}

run_lab() {
  ensure_host_images bookworm || { record "host images" 1; return; }
  log "scripts/lab.sh: options, containers, preflight's stop, status, down (tests/lab/check_lab.sh)"
  tests/lab/check_lab.sh; record "lab (scripts/lab.sh)" $?
}

# compat is CPU work (pytest, pylint) and the Molecule scenarios mostly wait (VRRP timers, polls):
# in a full run compat runs in the background beside the foreground scenarios, as its own
# `scripts/test.sh compat` (log: .cache/test-results/compat.log), and its counts join this run's.
compat_pid=""
compat_start_background() {
  if [[ "${SEED_TEST_PARALLEL:-1}" == 0 ]]; then run_compat; return; fi
  log "compat (in the background, log: $results_dir/compat.log)"
  "$ROOT/scripts/test.sh" compat >"$results_dir/compat.log" 2>&1 &
  compat_pid=$!
}

compat_wait_background() {
  local rc line p f s
  [[ -n "$compat_pid" ]] || return 0
  log "waiting for compat (background)"
  wait "$compat_pid"; rc=$?
  grep -E '^(PASSED|FAILED|SKIPPED) |^compat: |^ansible-core ' "$results_dir/compat.log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$results_dir/compat.log" | tail -n 1)
  if [[ -z "$line" ]]; then
    echo "---- last 60 lines of compat ----"; tail -n 60 "$results_dir/compat.log"
    record "compat (no summary, exit $rc)" 1; return
  fi
  read -r p _ f _ s _ <<<"$line"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  if [[ $f -gt 0 || $rc -ne 0 ]]; then
    echo "---- failures of compat ----"; sed -n '/^failed: /p' "$results_dir/compat.log"
    failures+=("compat: $f failed (see $results_dir/compat.log)")
    [[ $f -gt 0 ]] || record "compat (exit $rc)" 1
  fi
}

cpu_ticks() { # cpu_ticks: "BUSY TOTAL" clock ticks of every CPU of the machine since boot (/proc/stat)
  awk '/^cpu /{t=0; for (i=2; i<=NF; i++) t+=$i; print t-$5-$6, t}' /proc/stat
}

cpu_report() { # cpu_report BUSY0 TOTAL0: how busy the machine's CPUs were since then (the run's load)
  local busy total
  read -r busy total < <(cpu_ticks)
  [[ $total -gt $2 ]] || return 0
  echo "machine CPUs busy $(( 100 * (busy - $1) / (total - $2) )) % over the $SECONDS s of this run ($(nproc) CPUs)"
}

main() {
  local what="${1:-all}" busy0 total0; shift || true
  read -r busy0 total0 < <(cpu_ticks)
  ensure_venv "$ROOT/tests/requirements.txt" || { record setup 1; what=none; }
  case "$what" in
    all) molecule_start_background; run_lint; run_docs; run_sanity; run_units; compat_start_background; run_lab; run_molecule
         compat_wait_background; molecule_wait_background ;;
    lint) run_lint ;;
    docs) run_docs ;;
    sanity) run_sanity ;;
    units) run_units ;;
    compat) run_compat ;;
    lab) run_lab ;;
    mutation) run_mutation "$@" ;;
    mutation-roles) ensure_host_images bookworm trixie || record "host images" 1; run_mutation_roles "$@" ;;
    molecule) molecule_start_background "$@"; run_molecule "$@"; molecule_wait_background ;;
    none) ;;
    *) echo "unknown target $what (all|lint|docs|sanity|units|compat|lab|molecule [SCENARIO...]|mutation [FILE...]|mutation-roles [ID...])" >&2; exit 2 ;;
  esac
  echo
  [[ ${#failures[@]} -gt 0 ]] && printf 'failed: %s\n' "${failures[@]}"
  cpu_report "$busy0" "$total0"
  echo "$passed passed, $failed failed, $skipped skipped"
  [[ $failed -eq 0 ]]
}
main "$@"
