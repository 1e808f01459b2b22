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
#   5. a node started with another cluster.key (issue 14): n3 stopped
#      (module, then safed), its key replaced by a new valid one and its
#      <farm quorum="none"> (where a lone node serves), safed started with
#      boot on: 10 s next to a farm it cannot authenticate, then the right
#      key and configuration back and safed restarted on n3 (HF_WK_FIX, see
#      heartbeat_faults_lib.sh: restart by default; stopstart stops and
#      starts the module around it). n3 never UP and holds no
#      bucket meanwhile, says why (safectl status "!!" lines, refused_peers,
#      SF_PEER_REFUSED naming the senders, a few lines, not one a datagram),
#      n1 and n2 count n3's refused heartbeats in /metrics; fixed, n3 comes
#      UP and answers its clients again; no failed request throughout, and
#      n3's join resets none of the keep-alive connections open on n1 and n2
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
SCENARIOS=${HF_SCENARIOS:-1 2 3 4 5}
# One SYN retransmission (the client's 1 s initial RTO) plus the failover: a
# SYN that reaches a node whose lease just ran out, before the others took
# its buckets, is lost once.
MAX_WAIT_MS=${HF_MAX_WAIT_MS:-1500}

# shellcheck source=farm_lib.sh
source "$top/tests/lab/farm_lib.sh"
# shellcheck source=heartbeat_faults_lib.sh
source "$top/tests/lab/heartbeat_faults_lib.sh"
CHECK_WIDTH=52

echo "== lab: 3 nodes with safed + apache_farm.safe, $CLIENTS client addresses, heartbeat faults"
lab up --agent --nodes 3 --clients $((CLIENTS + 1)) || fatal "lab up" "scripts/lab up failed"
# shellcheck disable=SC1090
source <(lab env)
VIP4=$LAB_VIP4
lab safed || fatal "lab safed" "safed did not start on every node"
for i in 1 2 3; do safectl "$i" start -m apache_farm >/dev/null; done
ok=1
for i in 1 2 3; do wait_state "$i" 2 20 || ok=0; done
check "module UP on the 3 nodes" "$ok" ""
((ok)) || finish
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

# Scenario 5's checks from the agents (hf_wrong_key_n3's files and HF_WK_*).
wk_py() { # EXPR over d = n3's status (--json, arguments), n1 = n1's, m = {node: metrics text}
  python3 - "$tmp" <<PY 2>/dev/null || echo "?"
import json, re, sys
t = sys.argv[1]
def status(f):
    try:
        d = json.load(open(f))
        return d.get('arguments', d)
    except Exception:
        return {}
d, n1 = status(t + '/hf_wk.n3.json'), status(t + '/hf_wk.n1.json')
m = {}
for i in (1, 2, 3):
    try:
        m['n%d' % i] = open(t + '/hf_wk.n%d.metrics' % i).read()
    except OSError:
        m['n%d' % i] = ''
def metric(node, name, **labels):
    """The value of NAME{labels...} in node's /metrics, -1 if absent."""
    for line in m[node].splitlines():
        mm = re.match(r'^' + name + r'\{([^}]*)\} (\S+)$', line)
        if not mm:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', mm.group(1)))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(mm.group(2))
    return -1
def refused(name):
    return [p for p in d.get('refused_peers', []) if p.get('name') == name]
def own_buckets():
    return [n.get('buckets') for n in d.get('nodes', []) if n.get('id') == d.get('self')]
print($1)
PY
}
wrong_key_checks() { # SECONDS of the probe
  local n3s=$tmp/hf_wk.n3.status l3=$tmp/hf_wk.n3.log
  check "wrong key: n3 never UP, stays WAIT" \
    "$( ((HF_WK_MAX_STATE == 1)) && ! grep -q 'SF_MODULE_STATE.*-> UP' "$l3" && grep -q 'SF_MODULE_STATE.*-> WAIT' "$l3" && echo 1 || echo 0)" \
    "n3's state polled: $HF_WK_STATES; $(grep -c SF_MODULE_STATE "$l3") state lines: $(grep SF_MODULE_STATE "$l3" | sed 's/.*SF_MODULE_STATE //' | tr '\n' ';' | head -c 160)"
  check "wrong key: n3 holds no bucket, out of n1's view" \
    "$(wk_py "1 if own_buckets() == [0] and all(n.get('buckets') == 0 for n in n1.get('nodes', []) if n.get('name') == 'n3') and len(n1.get('nodes', [])) == 3 else 0")" \
    "n3's own buckets $(wk_py "own_buckets()"); n1 sees $(wk_py "' '.join('%s:%s/%s' % (n['name'], n['state'], n['buckets']) for n in n1.get('nodes', []))") (view $(wk_py "n1.get('view')"))"
  check "wrong key: safectl status on n3 says why (!! lines)" \
    "$(grep -q '!! takes no bucket' "$n3s" && grep -q '!! n1 198.18.0.11 refused: its heartbeats fail authentication' "$n3s" &&
       grep -q '!! n2 198.18.0.12 refused: its heartbeats fail authentication' "$n3s" && echo 1 || echo 0)" \
    "$(grep '!!' "$n3s" | tr -s ' ' | tr '\n' ';' | head -c 230)"
  check "wrong key: n3's JSON status: blocked, n1 n2 refused (key)" \
    "$(wk_py "1 if d.get('blocked_by_misconfigured_peers') is True and all(len(refused(n)) == 1 and refused(n)[0]['reason'] == 'key' and refused(n)[0]['current'] and refused(n)[0]['refused'] > 0 for n in ('n1', 'n2')) and len(d.get('refused_peers', [])) == 2 else 0")" \
    "blocked $(wk_py "d.get('blocked_by_misconfigured_peers')"); refused_peers $(wk_py "' '.join('%s/%s/%s:%s' % (p['name'], p.get('address'), p['reason'], p['refused']) for p in d.get('refused_peers', []))")"
  local lines3 lines_n1 lines_n2 refused_n3
  lines3=$(grep -c SF_PEER_REFUSED "$l3")
  lines_n1=$(grep -c SF_PEER_REFUSED "$tmp/hf_wk.n1.log")
  lines_n2=$(grep -c SF_PEER_REFUSED "$tmp/hf_wk.n2.log")
  refused_n3=$(wk_py "sum(p['refused'] for p in d.get('refused_peers', []))")
  # Once per peer a minute, and when the block begins: 3 lines in a phase
  # under a minute, whatever the datagrams (20 a second from each peer).
  check "wrong key: n3 logs SF_PEER_REFUSED naming n1 and n2, bounded" \
    "$(grep -q 'SF_PEER_REFUSED apache_farm: n1 (198.18.0.11) is refused: its heartbeats fail authentication' "$l3" &&
       grep -q 'SF_PEER_REFUSED apache_farm: n2 (198.18.0.12) is refused: its heartbeats fail authentication' "$l3" &&
       grep -q 'SF_PEER_REFUSED apache_farm: takes no bucket' "$l3" && ((lines3 <= 4 && refused_n3 >= 20)) && echo 1 || echo 0)" \
    "$lines3 lines for $refused_n3 datagrams refused at the snapshot"
  check "wrong key: n1 and n2 count n3's refused heartbeats" \
    "$(wk_py "1 if all(metric(n, 'safefarm_peer_refused_total', peer='n3', reason='key') > 0 and metric(n, 'safefarm_blocked_by_misconfigured_peers') == 0 for n in ('n1', 'n2')) and metric('n3', 'safefarm_blocked_by_misconfigured_peers') == 1 else 0")" \
    "/metrics peer_refused_total{peer=n3,reason=key} n1 $(wk_py "metric('n1', 'safefarm_peer_refused_total', peer='n3', reason='key')") n2 $(wk_py "metric('n2', 'safefarm_peer_refused_total', peer='n3', reason='key')"); blocked gauge n1/n2/n3 $(wk_py "'/'.join('%g' % metric(n, 'safefarm_blocked_by_misconfigured_peers') for n in ('n1', 'n2', 'n3'))"); SF_PEER_REFUSED lines n1 $lines_n1 n2 $lines_n2"
  local last3 lastall
  last3=$(hf_field "$tmp/hf_wrong_key_n3.probe" "sum(1 for c in d['per_client'].values() if c.get('last_node') == 'n3')")
  lastall=$(hf_field "$tmp/hf_wrong_key_n3.probe" "' '.join('%s:%d' % (n, sum(1 for c in d['per_client'].values() if c.get('last_node') == n)) for n in sorted(set(c.get('last_node') for c in d['per_client'].values())))")
  check "right key back: n3 UP, answers its clients again" \
    "$( ((HF_WK_UP_MS >= 0 && last3 > 0)) && ! grep -q 'SF_PEER_REFUSED' "$tmp/hf_wk.n3.after" && echo 1 || echo 0)" \
    "UP ${HF_WK_UP_MS} ms after the fix; last answer per client $lastall"
  local kaf=$tmp/hf_wk.ka
  ((${HF_WK_KEEPALIVE:-4} > 0)) &&
  check "right key back: n3's join resets no keep-alive connection" \
    "$(ka_clean "$kaf" && (($(ka "$kaf" "['connections']") >= ${HF_WK_KEEPALIVE:-4} * ${#HF_SRCS[@]})) && echo 1 || echo 0)" \
    "HF_WK_FIX=${HF_WK_FIX:-restart}; $(head -c 600 "$kaf" 2>/dev/null) $(tail -c 300 "$tmp/hf_wk.ka.err" 2>/dev/null)"
  # SYNs a client had to send again (its 1 s RTO): when, against the events.
  local resent
  resent=$(python3 - "$tmp/hf_wrong_key_n3.wire" "$HF_WK_T_STOP" "$HF_WK_T_START" "$HF_WK_T_FIX" "$HF_WK_T_UP" <<'PY' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))
t0 = d['start_wall_ms'] / 1000
ev = dict(zip(('stop', 'wrong_key_start', 'fix', 'up'), (int(x) / 1000 - t0 for x in sys.argv[2:])))
print('events (s on the wire clock): ' + ' '.join('%s %.2f' % kv for kv in ev.items()) + '; SYNs sent again: %d' % d['syns_retransmitted'] +
      ''.join(' [%s:%d first %.2f x%d %s]' % (r['client'], r['cport'], r['first_at'], r['copies'], '/'.join(r['nodes']) or '-')
              for r in d['retransmissions']))
PY
)
  echo "MEASURED wrong_key_n3 $resent"
  check "wrong key: the probe covered the whole scenario" \
    "$( ((HF_WK_ELAPSED_MS > 0 && HF_WK_ELAPSED_MS <= $1 * 1000)) && echo 1 || echo 0)" \
    "injection $HF_WK_ELAPSED_MS ms, probe $1 s"
  echo "MEASURED wrong_key_n3 {\"quorum_n3\":\"${HF_WK_QUORUM:-none}\",\"requests\":$HF_ATTEMPTS,\"failed\":$HF_FAILED,\"longest_wait_ms\":$HF_WAIT,\"double_answers\":$HF_DOUBLE,\"resets\":$HF_RESETS,\"n3_up_after_fix_ms\":$HF_WK_UP_MS,\"fix\":\"${HF_WK_FIX:-restart}\",\"keepalive_resets\":$(ka "$kaf" "['resets']"),\"peer_refused_lines\":{\"n1\":$lines_n1,\"n2\":$lines_n2,\"n3\":$lines3},\"n3_refused_datagrams\":$refused_n3,\"view_changes\":$HF_VIEWS}"
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
    5) wk_secs=$(( ${HF_WK_SECONDS:-10} + 14 ))
       hf_scenario wrong_key_n3 "$wk_secs" hf_wrong_key_n3
       scenario_checks "n3 restarted with another cluster.key" wrong_key_n3
       wrong_key_checks "$wk_secs" ;;
    *) echo "unknown scenario $s" ;;
  esac
done
keep
finish
