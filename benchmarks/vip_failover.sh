#!/usr/bin/env bash
# Failover time of the API VIP (role apiserver_lb) on the containers of the ha_lb Molecule scenario.
# Never part of the pass/fail test run.
#
#   benchmarks/vip_failover.sh            uses running seed-halb-* containers, else creates them
#                                         (molecule create + converge -s ha_lb, left running)
#   RUNS=10 benchmarks/vip_failover.sh    more repetitions (default 5)
#   benchmarks/vip_failover.sh -- -e apiserver_lb_check_script_interval=2 ...
#                                         (extra args: converge first with them, e.g. the role defaults)
#
# One run: a prober container requests https://VIP:16443/ every 50 ms; haproxy is stopped on the VIP
# holder; failover time = first answer after the first failure minus the moment the stop began
# (both read from the same kernel clock). haproxy is started again and keepalived given time to
# leave FAULT before the next run (nopreempt: the VIP stays on its new holder). The figures reflect
# the scenario's timings (molecule/ha_lb/molecule.yml: advert_int 1, haproxy check every 1 s, fall 1).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

VIP="${VIP:-172.30.4.100}"
PORT="${PORT:-16443}"
RUNS="${RUNS:-5}"
PAUSE="${PAUSE:-5}" # seconds between runs: the former holder leaves FAULT (check rise x interval)
HOSTS=(seed-halb-1 seed-halb-2 seed-halb-3)
RESULTS="$ROOT/benchmarks/results"

running() { docker exec "$1" systemctl is-active --quiet haproxy keepalived 2>/dev/null; }

ensure_lab() {
  local h ok=1
  for h in "${HOSTS[@]}"; do running "$h" || ok=0; done
  [[ $ok -eq 1 ]] && return 0
  log "ha_lb containers not running: molecule create + converge -s ha_lb"
  ensure_venv "$ROOT/tests/requirements.txt"
  ensure_host_images bookworm
  molecule create -s ha_lb >/dev/null
  molecule converge -s ha_lb >/dev/null
}

holder() {
  local h
  for h in "${HOSTS[@]}"; do
    if [[ -n $(docker exec "$h" ip -4 -o addr show to "$VIP/32") ]]; then echo "$h"; return 0; fi
  done
  return 1
}

wait_holder() { # wait up to 15 s for exactly one VIP holder
  local i
  for i in $(seq 1 150); do holder >/dev/null && return 0; sleep 0.1; done
  echo "no host holds $VIP" >&2; return 1
}

# Runs inside the prober container. The stop moment t0 arrives in /tmp/vip_failover_t0 once the
# stop command ran; failures before t0 (a slow answer under load) are ignored.
# Prints "<first failure after t0> <first answer after it> <backend that answered>" (epoch seconds).
PROBE='
import os, ssl, sys, time, urllib.request
url, t0_file = sys.argv[1], sys.argv[2]
ctx = ssl._create_unverified_context()
log = []
deadline = time.time() + 30
while time.time() < deadline:
    t = time.time()
    try:
        body = urllib.request.urlopen(url, context=ctx, timeout=0.25).read().decode().strip()
    except Exception:
        body = None
    log.append((t, body))
    if os.path.exists(t0_file):
        with open(t0_file) as f:
            t0 = float(f.read() or "inf")
        fails = [x for x, b in log if b is None and x >= t0]
        if fails:
            ok = [(x, b) for x, b in log if b is not None and x > fails[0]]
            if ok:
                print("%.3f %.3f %s" % (fails[0], ok[0][0], ok[0][1]))
                sys.exit(0)
    time.sleep(max(0.0, 0.05 - (time.time() - t)))
sys.exit("no failover seen within 30 s")
'

[[ ${1:-} == "--" ]] && shift
ensure_lab
if [[ $# -gt 0 ]]; then
  log "molecule converge -s ha_lb -- $*"
  molecule converge -s ha_lb -- "$@" >/dev/null
  sleep "$PAUSE"
fi
wait_holder
mkdir -p "$RESULTS"
out="$RESULTS/vip_failover-$(date +%Y%m%d-%H%M%S).txt"
times=()
for run in $(seq 1 "$RUNS"); do
  old=$(holder)
  prober=$(printf '%s\n' "${HOSTS[@]}" | grep -vx "$old" | head -n1)
  tmp=$(mktemp)
  docker exec "$prober" rm -f /tmp/vip_failover_t0
  docker exec "$prober" python3 -c "$PROBE" "https://$VIP:$PORT/" /tmp/vip_failover_t0 >"$tmp" &
  probe_pid=$!
  sleep 0.7 # the prober is polling (answers from the current holder)
  t0=$(docker exec "$old" sh -c 'date +%s.%N; systemctl stop haproxy' | head -n1)
  docker exec "$prober" sh -c "echo $t0 >/tmp/vip_failover_t0"
  if ! wait "$probe_pid"; then
    echo "run $run: no failover" >&2; docker exec "$old" systemctl start haproxy; exit 1
  fi
  read -r failed_at answered_at backend <"$tmp"; rm -f "$tmp"
  new=$(holder || echo "?")
  secs=$(python3 -c "print('%.3f' % ($answered_at - $t0))")
  times+=("$secs")
  printf 'run %d: %s s (VIP %s -> %s, first refused %.3f s after stop, answered by backend %s)\n' \
    "$run" "$secs" "$old" "$new" "$(python3 -c "print($failed_at - $t0)")" "$backend" | tee -a "$out"
  docker exec "$old" systemctl start haproxy
  sleep "$PAUSE"
done
python3 - "${times[@]}" <<'PY' | tee -a "$out"
import statistics, sys
t = [float(x) for x in sys.argv[1:]]
print("failover over %d runs: median %.3f s, min %.3f s, max %.3f s" % (len(t), statistics.median(t), min(t), max(t)))
PY
echo "results: ${out#"$ROOT"/}"
