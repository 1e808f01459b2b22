#!/usr/bin/env bash
# tests/lab/heartbeat_faults_lab_test.sh [BUILD_DIR]
#
# Heartbeat faults with the client's eye (issue 13, point 6): 3 nodes in the
# netns lab with safed and apache_farm.safe, default settings (pulse 50 ms,
# slost_count 4), 24 client addresses each opening a new connection every
# 40 ms (tests/lab/conn_probe.py: each request waited for up to 3 s), and the
# wire watched in the switch namespace (tests/lab/wire_watch.py: every SYN to
# the VIP, every SYN-ACK and RST from it and the node that sent it).
# Scenarios (tests/lab/heartbeat_faults_lib.sh):
#   1. heartbeat blackout of n2: UDP to and from the membership port dropped
#      on n2 for 400 ms, five times, 2.5 s apart; client traffic untouched
#   2. 30% random loss of the heartbeats on every node's input, 20 s
#   3. one-way loss: n2's own heartbeats dropped on its output for 2 s
#   4. the control API flooded: 16 concurrent unauthenticated POST
#      /api/v1/login with a 1 MiB JSON body, in bursts, at n1:9010, 10 s:
#      n1's lease never runs out, no view change
# Each checks what a client would notice: no handshake answered by two
# nodes, no wait over one SYN retransmission (1500 ms); where the node is
# heard (30% loss), no reset from the VIP and no failed request. A node
# nobody hears for longer than the detection time (1, 3) cannot be told from
# a crashed one: its connections in flight are reset as after a crash, which
# is measured, not checked.
# The view changes and lease fences are printed (MEASURED lines, JSON).
#
# HF_SCENARIOS="1 3": run only those. HF_KEEP=DIR: the module logs and every
# tool's output copied there before the lab goes down.
# Not root: skip (77), or fail with REQUIRE_PRIVILEGED=1. Cleans up on any exit.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${SAFEFARM_BUILD:-$top/build}}
build=$(cd "$build" 2>/dev/null && pwd || echo "$build")
P=${SAFEFARM_LAB_TEST_PREFIX:-sfhf}
CLIENTS=${LAB_TEST_CLIENTS:-24}
# Scenario 4: the transports (HTTP, UNIX socket) have their own thread and
# the modules' thread (membership, lease, epochs) only runs commands
# (docs/design.md "Threads").
SCENARIOS=${HF_SCENARIOS:-1 2 3 4}
# One SYN retransmission (the client's 1 s initial RTO) plus the failover: a
# SYN that reaches a node whose lease just ran out, before the others took
# its buckets, is lost once.
MAX_WAIT_MS=${HF_MAX_WAIT_MS:-1500}

source "$top/tests/lab/farm_lib.sh"
source "$top/tests/lab/heartbeat_faults_lib.sh"
CHECK_WIDTH=52

echo "== lab: 3 nodes with safed + apache_farm.safe, $CLIENTS client addresses, heartbeat faults"
lab up --agent --nodes 3 --clients $((CLIENTS + 1)) || exit 1
# shellcheck disable=SC1090
source <(lab env)
VIP4=$LAB_VIP4
lab safed || exit 1
for i in 1 2 3; do safectl "$i" start -m apache_farm >/dev/null; done
ok=1
for i in 1 2 3; do wait_state "$i" 2 20 || ok=0; done
check "module UP on the 3 nodes" "$ok" ""
((ok)) || exit 1
sleep 1
hf_init "$CLIENTS"

keep() {
  [[ -n ${HF_KEEP:-} ]] || return 0
  mkdir -p "$HF_KEEP"
  for i in 1 2 3; do
    cp "$(hf_modlog "$i")" "$HF_KEEP/n$i.module.log" 2>/dev/null
    cp "/run/safefarm-lab/$P/safed/n$i/safed.out" "$HF_KEEP/n$i.safed.out" 2>/dev/null
  done
  cp "$tmp"/hf_* "$HF_KEEP/" 2>/dev/null
  return 0
}

scenario_checks() { # LABEL NAME [crash]
  local label=$1 name=$2 crash=${3:-}
  check "$label: no handshake answered by two nodes" \
    "$( ((HF_DOUBLE == 0 && HF_SYNS > 0 && HF_DROPS == 0)) && echo 1 || echo 0)" \
    "double answers $HF_DOUBLE; SYNs $HF_SYNS, SYN-ACKs $HF_SYNACKS (per node SYN-ACKs/RSTs $HF_PERNODE), capture drops $HF_DROPS"
  if [[ -n $crash ]]; then
    # Nobody hears the node: the farm cannot tell it from a crashed one, and
    # the connections it held when its buckets moved are reset, as after a
    # crash (docs/design.md "Leases"). Measured, not checked.
    echo "MEASURED $name resets=$HF_RESETS failed=$HF_FAILED of $HF_ATTEMPTS${HF_FAILURES:+ ($HF_FAILURES)}"
  else
    check "$label: no reset from the VIP" "$( ((HF_RESETS == 0)) && echo 1 || echo 0)" "resets $HF_RESETS"
    check "$label: no failed request" "$( ((HF_FAILED == 0)) && echo 1 || echo 0)" \
      "failed $HF_FAILED of $HF_ATTEMPTS${HF_FAILURES:+ ($HF_FAILURES)}"
  fi
  check "$label: longest wait <= $MAX_WAIT_MS ms" "$( ((HF_WAIT >= 0 && HF_WAIT <= MAX_WAIT_MS)) && echo 1 || echo 0)" \
    "longest wait $HF_WAIT ms (probe lag $HF_LAG ms); view changes $HF_VIEWS ($HF_VIEWS_NOQ without quorum), lease fences $HF_FENCES; $HF_FAULT"
  echo "MEASURED $name $HF_ROW"
}

for s in $SCENARIOS; do
  case $s in
    1) hf_scenario blackout_n2 12.5 hf_blackout_n2
       scenario_checks "n2 heartbeat blackout 5 x 400 ms" heartbeat_blackout_n2 crash ;;
    2) loss_s=${HF_LOSS_SECONDS:-20}
       hf_scenario random_loss "$loss_s" hf_random_loss
       scenario_checks "${HF_LOSS_PCT:-30}% heartbeat loss on every node" heartbeat_loss_30pct
       # Issue 13's target: at 30% loss no more than one view change a minute.
       # A 20 s run cannot resolve one a minute: at most one then, the
       # figure printed (bench/failover/run measures it too).
       max_views=$(( loss_s / 60 > 1 ? loss_s / 60 : 1 ))
       check "${HF_LOSS_PCT:-30}% heartbeat loss: at most $max_views view change(s) in $loss_s s" \
         "$( ((HF_VIEWS >= 0 && HF_VIEWS <= max_views)) && echo 1 || echo 0)" \
         "view changes $HF_VIEWS in $loss_s s" ;;
    3) hf_scenario oneway_n2 5 hf_oneway_n2
       scenario_checks "n2's heartbeats lost one way for 2 s" heartbeat_oneway_n2 crash ;;
    4) hf_scenario api_flood 11 hf_api_flood
       scenario_checks "API flood of n1 (16 x 1 MiB logins)" api_flood_n1
       flood_requests=$(hf_field "$tmp/hf_flood.json" "d['requests']")
       check "API flood of n1: its lease never ran out, no view change" \
         "$( ((HF_FENCES_N1 == 0 && HF_VIEWS == 0 && flood_requests > 0)) && echo 1 || echo 0)" \
         "lease lapses on n1 $HF_FENCES_N1, view changes $HF_VIEWS; $HF_FAULT"
       echo "MEASURED api_flood_n1 lease_fences_n1=$HF_FENCES_N1 $HF_FAULT" ;;
    *) echo "unknown scenario $s" ;;
  esac
done
keep
finish
