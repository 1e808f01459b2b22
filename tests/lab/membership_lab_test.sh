#!/usr/bin/env bash
# tests/lab/membership_lab_test.sh [BUILD_DIR]
#
# End-to-end test of the membership protocol (DESIGN §4) in the netns lab:
# 5 nodes each run safefarm-membership (real UDP, pulse 100 ms, slost_count
# 5, given: the tool's defaults are the table's, 50 ms and 4) and agree on a view of all 5. Node 1 (the coordinator) is killed with
# kill -9: nodes 2..5 must commit a view without it within
# slost_count*pulse + 3 pulses (800 ms, CLOCK_MONOTONIC, as the views are
# timestamped). Then, from the client namespace: an instance with a wrong
# key, and datagrams node 2 sent (recorded by --capture) replayed at every
# node: each is counted (forged / replayed+stale+misdirected) and no node installs
# another view.
#
# Not root: skip (77), or fail with REQUIRE_PRIVILEGED=1. Cleans up on any exit.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${SAFEFARM_BUILD:-$top/build}}
build=$(cd "$build" 2>/dev/null && pwd || echo "$build")
tool=$build/agent/membership/safefarm-membership
P=${SAFEFARM_LAB_TEST_PREFIX:-sfmt}
PORT=5405
BOUND_MS=800

CHECK_WIDTH=44
# shellcheck source=../support/assert.sh
source "$top/tests/support/assert.sh"
require_root "the lab test"
[[ -x $tool ]] || fatal "safefarm-membership built" "$tool missing"

lab() { "$top/scripts/lab" --prefix "$P" --build "$build" "$@"; }
tmp=$(mktemp -d /tmp/safefarm-membership-lab.XXXXXX)
pids=()
# shellcheck disable=SC2317 # run by the EXIT trap (shellcheck 0.9 takes it for
# unreachable in a script that calls a function that exits: fatal, finish)
cleanup() {
  local rc=$?
  local p
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  lab down >/dev/null 2>&1 || true
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mono_ms() { python3 -c 'import time; print(int(time.monotonic() * 1000))'; }
# Reads a node's output: the last view's member count, or a counter.
views() { grep -c '"event":"view"' "$tmp/out$1" || true; }
last_members() { grep '"event":"view"' "$tmp/out$1" | tail -1 | python3 -c 'import json,sys; l=sys.stdin.read().strip(); print(",".join(str(m["id"]) for m in json.loads(l)["members"]) if l else "")'; }
counter() { grep '"event":"counters"' "$tmp/out$1" | tail -1 | python3 -c "import json,sys; l=sys.stdin.read().strip(); print(json.loads(l)[\"$2\"] if l else 0)"; }

lab down >/dev/null 2>&1 || true
lab up --nodes 5 --clients 1 >/dev/null || fatal "lab up" "scripts/lab up failed"
# shellcheck disable=SC1090
source <(lab env)
lanspec=""
for i in 1 2 3 4 5; do v=LAB_NODE${i}_IP4; lanspec+="${lanspec:+,}$i=${!v}"; done
head -c 32 /dev/urandom >"$tmp/key" && chmod 600 "$tmp/key"
head -c 32 /dev/urandom >"$tmp/wrongkey" && chmod 600 "$tmp/wrongkey"

for i in 1 2 3 4 5; do
  extra=()
  [[ $i == 2 ]] && extra=(--capture "$tmp/capture")
  nsenter --net="/run/netns/${P}n$i" "$tool" --id "$i" --key "$tmp/key" --incarnation-file "$tmp/inc$i" \
    --lan "$lanspec" --port $PORT --pulse-ms 100 --slost 5 "${extra[@]}" >"$tmp/out$i" 2>&1 &
  pids[i]=$!
done

ok=0
for _ in $(seq 50); do
  ok=1
  for i in 1 2 3 4 5; do [[ $(last_members $i) == 1,2,3,4,5 ]] || ok=0; done
  ((ok)) && break
  sleep 0.1
done
check "5 nodes agree on a view of 5" "$ok" "$(last_members 3)"

before=()
for i in 2 3 4 5; do before[i]=$(views $i); done
t_kill=$(mono_ms) # before the kill: the measured time can only be longer
kill -KILL "${pids[1]}"
{ wait "${pids[1]}"; } 2>/dev/null
sleep 2
worst=0
all=1
for i in 2 3 4 5; do
  line=$(grep '"event":"view"' "$tmp/out$i" | tail -1)
  m=$(last_members $i)
  t=$(echo "$line" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["t_ms"])')
  [[ $m == 2,3,4,5 ]] || all=0
  d=$((t - t_kill))
  ((d > worst)) && worst=$d
done
check "survivors commit a view without node 1" "$all" "members $(last_members 2)"
ok=0; ((all && worst <= BOUND_MS)) && ok=1
check "within slost*pulse + 3 pulses" "$ok" "worst ${worst} ms (bound ${BOUND_MS} ms)"

for i in 2 3 4 5; do before[i]=$(views $i); done
# A node with the wrong key in the client namespace, claiming id 1.
cl_ip=$(ip -n "${P}cl" -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1 | head -1)
nsenter --net="/run/netns/${P}cl" "$tool" --id 1 --key "$tmp/wrongkey" --incarnation-file "$tmp/incx" \
  --lan "1=$cl_ip,${lanspec#1=*,}" --port $PORT >"$tmp/outx" 2>&1 &
pids[6]=$!
sleep 1.5
kill -TERM "${pids[6]}"
{ wait "${pids[6]}"; } 2>/dev/null
# Datagrams node 2 sent, replayed from the client namespace.
nsenter --net="/run/netns/${P}cl" "$tool" --replay "$tmp/capture" --port $PORT >"$tmp/replay" 2>&1
replayed_n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["datagrams"])' "$tmp/replay" 2>/dev/null || echo 0)
sleep 0.5
for i in 2 3 4 5; do kill -USR1 "${pids[i]}"; done
sleep 0.3
forged_ok=1; replay_ok=1; views_ok=1
for i in 3 4 5; do
  (( $(counter $i forged) > 0 )) || forged_ok=0
  (( $(counter $i replayed) + $(counter $i stale) + $(counter $i misdirected) > 0 )) || replay_ok=0
done
for i in 2 3 4 5; do [[ $(views $i) == "${before[i]}" ]] || views_ok=0; done
check "wrong-key datagrams counted as forged" "$forged_ok" "node 3 forged=$(counter 3 forged)"
check "replayed datagrams counted" "$replay_ok" "$replayed_n sent; node 3 replayed=$(counter 3 replayed) stale=$(counter 3 stale) misdirected=$(counter 3 misdirected)"
check "no view change from forged or replayed" "$views_ok" "members $(last_members 3)"
finish
