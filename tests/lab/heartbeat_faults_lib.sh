# tests/lab/heartbeat_faults_lib.sh - heartbeat faults and an API flood on a
# running 3-node farm (safed + apache_farm), seen with the client's eye.
# Sourced by tests/lab/heartbeat_faults_lab_test.sh and bench/failover/run.
#
# The caller sets top, build, P (the lab prefix, the farm UP on n1..n3),
# tmp (a scratch folder) and defines safectl NODE_INDEX args…; then calls
#   hf_init [CLIENTS]             the probe's source addresses (the lab must
#                                 have CLIENTS + 1: the last one floods), the port
#   hf_scenario NAME SECONDS FN   runs FN (the injection, in the foreground)
#                                 while conn_probe.py and wire_watch.py
#                                 watch; the figures land in HF_ROW (JSON),
#                                 HF_BENCH_ROW (bench/failover/run's row)
#                                 and HF_<field> variables; the farm is
#                                 brought back to 3 UP nodes afterwards.
# The injections: hf_blackout_n2, hf_random_loss, hf_oneway_n2, hf_api_flood,
# hf_wrong_key_n3 (which also needs the caller's lab and ms, as
# tests/lab/farm_lib.sh defines them).
#
# What is watched (per scenario):
#   conn_probe.py   from every client address a new connection every 40 ms,
#                   each request waited for up to 3 s: failed requests
#                   (reset, refused, unanswered in 3 s), the longest wait
#   wire_watch.py   in the switch namespace (${P}sw): every SYN to the VIP,
#                   every SYN-ACK and RST from it and the bridge port (= the
#                   node) it came from: handshakes answered by two nodes,
#                   resets from the VIP
#   module logs     SF_VIEW_COMMITTED: distinct view ids committed on any
#                   node during the scenario ("view changes"); SF_LEASE
#                   fences ("agent stalled")
# All bounded: every tool has a duration, every wait a limit.
# shellcheck shell=bash
: "${top:?heartbeat_faults_lib.sh: the caller sets top}" "${build:?the caller sets build}"
: "${P:?the caller sets P}" "${tmp:?the caller sets tmp}"

HF_VIP4=${HF_VIP4:-198.18.0.100}
HF_INTERVAL_MS=${HF_INTERVAL_MS:-40}
HF_TIMEOUT_MS=${HF_TIMEOUT_MS:-3000}

hf_log() { echo "hf: $*" >&2; }
hf_ns() { echo "/run/netns/${P}$1"; }
hf_modlog() { echo "/run/safefarm-lab/$P/safed/n$1/log/apache_farm/module.log"; }

hf_init() { # [CLIENTS]
  local n=${1:-24} j
  HF_SRCS=()
  for ((j = 1; j <= n; j++)); do HF_SRCS+=("198.18.$((1 + (j - 1) / 250)).$((1 + (j - 1) % 250))"); done
  # The API flood comes from the next address (the lab needs CLIENTS + 1).
  HF_FLOOD_SRC="198.18.$((1 + n / 250)).$((1 + n % 250))"
  # The membership port: <farm port> of the module (default 4803), and
  # safed must hold a UDP socket on it.
  local uc=/run/safefarm-lab/$P/safed/n1/etc/modules/apache_farm/conf/userconfig.xml
  HF_PORT=$(grep -o '<farm[^>]*port="[0-9]*"' "$uc" 2>/dev/null | grep -o '[0-9]*"$' | tr -d '"')
  HF_PORT=${HF_PORT:-4803}
  if ! nsenter --net="$(hf_ns n1)" -- ss -Hulnp 2>/dev/null | grep -q ":$HF_PORT .*safed"; then
    hf_log "warning: no safed UDP socket on port $HF_PORT in n1 ($(nsenter --net="$(hf_ns n1)" -- ss -Hulnp 2>/dev/null | tr -s ' \n' ' '))"
  fi
  hf_log "probe: ${#HF_SRCS[@]} client addresses, a connection each every $HF_INTERVAL_MS ms; membership port udp/$HF_PORT"
}

# Waits (bounded) until the line "$2" appears in file $1.
hf_wait_line() { # FILE TEXT LIMIT_S
  local t
  for ((t = 0; t < $3 * 20; t++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

hf_all_up() { # LIMIT_S: every node's module UP (state 2)
  local i t ok
  for ((t = 0; t < $1 * 5; t++)); do
    ok=1
    for i in 1 2 3; do
      safectl "$i" state -q -m apache_farm >/dev/null 2>&1
      [[ $? == 2 ]] || { ok=0; break; }
    done
    ((ok)) && return 0
    sleep 0.2
  done
  return 1
}

# nft helpers, in a node's namespace. One table per fault, removed after.
hf_nft() { nsenter --net="$(hf_ns "n$1")" -- nft "${@:2}"; }
hf_nft_drops() { # NODE: packets the fault table dropped
  hf_nft "$1" list counter inet sfhf drops 2>/dev/null | awk '/packets/ {print $2}'
}
hf_nft_clear() { local i; for i in 1 2 3; do hf_nft "$i" delete table inet sfhf 2>/dev/null; done; return 0; }

# 1. Heartbeat-only blackout of n2: UDP to and from the membership port
# dropped on n2 for 400 ms, five times, 2.5 s apart (a set element with a
# timeout: the kernel ends each blackout on time, whatever the scheduling).
hf_blackout_n2() {
  hf_nft 2 -f - <<NFT
table inet sfhf {
  counter drops {}
  set on { type inet_service; flags timeout; }
  chain in { type filter hook input priority -10; udp dport @on counter name drops drop; udp sport @on counter name drops drop; }
  chain out { type filter hook output priority -10; udp dport @on counter name drops drop; udp sport @on counter name drops drop; }
}
NFT
  local k
  for ((k = 1; k <= 5; k++)); do
    hf_nft 2 add element inet sfhf on "{ $HF_PORT timeout 400ms }"
    sleep 2.5
  done
  HF_FAULT="n2 dropped $(hf_nft_drops 2) heartbeats in 5 x 400 ms"
}

# 2. 30% random loss of the heartbeats every node receives, for 20 s.
hf_random_loss() {
  local i
  for i in 1 2 3; do
    hf_nft "$i" -f - <<NFT
table inet sfhf {
  counter drops {}
  chain in { type filter hook input priority -10; udp dport $HF_PORT numgen random mod 100 < ${HF_LOSS_PCT:-30} counter name drops drop; }
}
NFT
  done
  sleep "${HF_LOSS_SECONDS:-20}"
  HF_FAULT="dropped n1 $(hf_nft_drops 1), n2 $(hf_nft_drops 2), n3 $(hf_nft_drops 3) heartbeats in ${HF_LOSS_SECONDS:-20} s"
  hf_nft_clear
}

# 3. One-way loss: n2 hears the others, its own heartbeats are dropped on
# its output for 2 s.
hf_oneway_n2() {
  hf_nft 2 -f - <<NFT
table inet sfhf {
  counter drops {}
  set on { type inet_service; flags timeout; }
  chain out { type filter hook output priority -10; udp dport @on counter name drops drop; }
}
NFT
  hf_nft 2 add element inet sfhf on "{ $HF_PORT timeout 2s }"
  sleep 5
  HF_FAULT="n2's output dropped $(hf_nft_drops 2) heartbeats in 2 s"
}

# 4. The control API flooded: 16 concurrent unauthenticated logins with a
# 1 MiB JSON body each, in bursts, at n1:9010 for 10 s.
hf_api_flood() {
  nsenter --net="$(hf_ns cl)" -- timeout 40 python3 "$top/tests/lab/api_flood.py" \
    http://198.18.0.11:9010/api/v1/login --seconds "${HF_FLOOD_SECONDS:-10}" --concurrency 16 \
    --source "$HF_FLOOD_SRC" >"$tmp/hf_flood.json" 2>"$tmp/hf_flood.err"
  sleep 1
  HF_FAULT="flood: $(cat "$tmp/hf_flood.json" 2>/dev/null || tail -1 "$tmp/hf_flood.err")"
}

# 5. A node started with another cluster key (issue 14): n3's module is
# stopped (gracefully: its buckets drain to n1 and n2), its safed stopped,
# its cluster.key replaced by a new valid one (safectl cluster genkey), boot
# on, and safed started: the module starts at boot next to a farm it cannot
# authenticate. n3 also gets <farm quorum="none"> meanwhile (HF_WK_QUORUM,
# default none; "majority" leaves the module's default): the issue's setting,
# where a lone node serves (with the default a lone node has no quorum and
# owns no bucket anyway). HF_WK_SECONDS (default 10) with the wrong key,
# n3's state polled all along; then the right key and configuration are put
# back and n3 restarted, HF_WK_FIX:
#   restart    (default) safed restarted as systemd does (SIGTERM, a new
#              one at once): it resumes the waiting module within the lease
#              of its own view of one, which gives it no bucket, so it joins
#              as any node does, its buckets in transition. Before the fix
#              (ModuleTest.ResumeWithinTheLeaseOfATableWithoutItsBuckets...)
#              it took them outright and reset 24 to 44 of the 96
#              keep-alive connections n1 and n2 held in them, in every run.
#   stopstart  the module stopped first, safed restarted, the module
#              started again: a plain join
# and n3 must come UP. From half way through the wrong-key phase until 3 s
# after n3 is UP, keepalive.py holds HF_WK_KEEPALIVE (default 4; 0: none)
# keep-alive connections from every
# client address (on n1 and n2 then): n3's join must reset none (its buckets
# come in transition, the old owners keep their flows).
# What it saw lands in $tmp/hf_wk.* and HF_WK_*:
#   HF_WK_STATES      n3's states polled with the wrong key ("WAIT:52"...)
#   HF_WK_MAX_STATE   the highest state seen then (0 STOP, 1 WAIT, 2 UP)
#   HF_WK_UP_MS       key fixed -> n3 UP (ms), -1 if not within 30 s
#   HF_WK_ELAPSED_MS  the whole injection
#   HF_WK_T_STOP, _START, _FIX, _UP  when (wall ms) n3's stop began, its
#                     safed started with the wrong key, the fix began, n3
#                     was seen UP
#   hf_wk.n3.status, .n3.json  n3's safectl status (text, --json), taken
#                     HF_WK_SECONDS/2 into the wrong-key phase
#   hf_wk.n1.json     n1's status then
#   hf_wk.nK.metrics  /metrics of n1, n2, n3 then (from the client)
#   hf_wk.nK.log      the module logs' lines of the wrong-key phase
#   hf_wk.n3.after    n3's module log lines after the fix
#   hf_wk.ka          keepalive.py's JSON line
hf_wk_states() { # FILE -> "WAIT:n UP:m" (a count of each polled state)
  awk '{c[$1]++} END {for (k in c) printf "%s:%d ", k, c[k]}' "$1" 2>/dev/null | sed 's/ $//'
}
# shellcheck disable=SC2034 # HF_WK_*: the results, read by the callers
hf_wrong_key_n3() {
  local d=/run/safefarm-lab/$P/safed/n3 t0 pid t st i half wrong=${HF_WK_SECONDS:-10} ka="" fix=${HF_WK_FIX:-restart}
  local uc=/run/safefarm-lab/$P/safed/n3/etc/modules/apache_farm/conf/userconfig.xml
  local sctl=$build/agent/safectl/safectl
  local -a lines
  t0=$(ms)
  HF_WK_UP_MS=-1 HF_WK_MAX_STATE=-1 HF_WK_STATES="" HF_WK_STOP=""
  rm -f "$tmp"/hf_wk.*
  # A graceful stop first: n3's clients drain to n1 and n2.
  safectl 3 stop -m apache_farm >"$tmp/hf_wk.stop" 2>&1
  HF_WK_STOP="stop $(($(ms) - t0)) ms"
  HF_WK_T_STOP=$t0
  pid=$(cat "$d/run/safed.pid" 2>/dev/null)
  if [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null; then
    # Gone, or a zombie nobody reaped yet (≤ 10 s).
    for ((t = 0; t < 200; t++)); do
      [[ -r /proc/$pid/stat && $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || break
      sleep 0.05
    done
  fi
  install -m 0600 "$d/etc/cluster.key" "$tmp/hf_wk.key.good"
  "$sctl" cluster genkey --force "$d/etc/cluster.key" >/dev/null 2>"$tmp/hf_wk.genkey.err"
  cmp -s "$d/etc/cluster.key" "$tmp/hf_wk.key.good" && hf_log "wrong key: genkey left the key unchanged"
  cp -p "$uc" "$tmp/hf_wk.userconfig.good"
  if [[ ${HF_WK_QUORUM:-none} != majority ]]; then
    sed -i -e 's|<farm>|<farm quorum="none">|' "$uc"
    grep -q '<farm quorum="none">' "$uc" || hf_log "wrong key: quorum=\"none\" not set in $uc"
  fi
  "$sctl" boot on -m apache_farm --config-dir "$d/etc" --var-dir "$d/var" >/dev/null 2>&1
  for i in 1 2 3; do lines[i]=$(wc -l <"$(hf_modlog "$i")" 2>/dev/null || echo 0); done
  hf_log "wrong key: n3's safed starts with another cluster.key, boot on, quorum ${HF_WK_QUORUM:-none}"
  HF_WK_T_START=$(ms)
  lab safed n3 >/dev/null 2>&1 || hf_log "wrong key: safed n3 did not start"
  # n3's state every ~100 ms, the snapshots half way.
  half=$(($(ms) + wrong * 500))
  local end=$(($(ms) + wrong * 1000)) snap=0
  : >"$tmp/hf_wk.states"
  while (($(ms) < end)); do
    safectl 3 state -q -m apache_farm >/dev/null 2>&1
    st=$?
    case $st in 0) echo STOP ;; 1) echo WAIT ;; 2) echo UP ;; *) echo "rc$st" ;; esac >>"$tmp/hf_wk.states"
    ((st <= 2 && st > HF_WK_MAX_STATE)) && HF_WK_MAX_STATE=$st
    if ((!snap && $(ms) >= half)); then
      snap=1
      safectl 3 status -m apache_farm >"$tmp/hf_wk.n3.status" 2>&1
      safectl 3 status -m apache_farm --json >"$tmp/hf_wk.n3.json" 2>&1
      safectl 1 status -m apache_farm --json >"$tmp/hf_wk.n1.json" 2>&1
      for i in 1 2 3; do
        nsenter --net="$(hf_ns cl)" -- curl -s --max-time 5 "http://198.18.0.1$i:9010/metrics" >"$tmp/hf_wk.n$i.metrics" 2>&1
      done
      # Held until 3 s after n3 is UP (its --seconds bounds it; killed then).
      if ((${HF_WK_KEEPALIVE:-4} > 0)); then
        nsenter --net="$(hf_ns cl)" -- timeout 60 python3 "$top/tests/lab/keepalive.py" "$HF_VIP4" "${HF_SRCS[@]}" \
          --per-source "${HF_WK_KEEPALIVE:-4}" --seconds 50 >"$tmp/hf_wk.ka" 2>"$tmp/hf_wk.ka.err" &
        ka=$!
      fi
    fi
    sleep 0.1
  done
  HF_WK_STATES=$(hf_wk_states "$tmp/hf_wk.states")
  for i in 1 2 3; do tail -n +$((lines[i] + 1)) "$(hf_modlog "$i")" >"$tmp/hf_wk.n$i.log" 2>/dev/null; done
  lines[3]=$(wc -l <"$(hf_modlog 3)" 2>/dev/null || echo 0)
  # The fix: the right key back, n3 restarted (HF_WK_FIX).
  hf_log "wrong key: the right key back, n3 restarted ($fix)"
  local tfix
  tfix=$(ms)
  HF_WK_T_FIX=$tfix HF_WK_T_UP=0
  [[ $fix == stopstart ]] && safectl 3 stop -m apache_farm >>"$tmp/hf_wk.stop" 2>&1
  install -m 0600 "$tmp/hf_wk.key.good" "$d/etc/cluster.key"
  cp -p "$tmp/hf_wk.userconfig.good" "$uc"
  lab safed-restart n3 >/dev/null 2>&1
  if [[ $fix == stopstart ]]; then
    # Its socket first (bounded), then the start.
    for ((t = 0; t < 50; t++)); do safectl 3 state >/dev/null 2>&1 && break; sleep 0.1; done
    safectl 3 start -m apache_farm >>"$tmp/hf_wk.stop" 2>&1
  fi
  for ((t = 0; t < 300; t++)); do
    safectl 3 state -q -m apache_farm >/dev/null 2>&1
    if [[ $? == 2 ]]; then HF_WK_T_UP=$(ms) HF_WK_UP_MS=$((HF_WK_T_UP - tfix)); break; fi
    sleep 0.1
  done
  # Clients answered by n3 again before the probe ends.
  sleep 3
  if [[ -n $ka ]]; then
    # SIGINT: keepalive.py prints its figures and exits.
    kill -INT "$ka" 2>/dev/null
    wait "$ka" 2>/dev/null
  fi
  tail -n +$((lines[3] + 1)) "$(hf_modlog 3)" >"$tmp/hf_wk.n3.after" 2>/dev/null
  "$sctl" boot off -m apache_farm --config-dir "$d/etc" --var-dir "$d/var" >/dev/null 2>&1
  HF_WK_ELAPSED_MS=$(($(ms) - t0))
  HF_FAULT="n3 with another key (quorum ${HF_WK_QUORUM:-none}) for ${wrong} s (states $HF_WK_STATES); UP ${HF_WK_UP_MS} ms after the fix; injection ${HF_WK_ELAPSED_MS} ms ($HF_WK_STOP)"
}

hf_field() { # FILE EXPR -> a field of a JSON file, or -1
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null || echo -1
}

# hf_scenario NAME SECONDS INJECT_FN: the injection runs in the foreground
# (about SECONDS long); the probe and the wire watcher run around it.
# shellcheck disable=SC2034 # HF_*: the results, read by the callers
hf_scenario() {
  local name=$1 secs=$2 fn=$3 i w p
  local -a lines
  for i in 1 2 3; do lines[i]=$(wc -l <"$(hf_modlog "$i")" 2>/dev/null || echo 0); done
  rm -f "$tmp/hf_$name".*
  HF_FAULT=""
  # Everything computed here, never in a background command (an expansion
  # error there would run the caller's EXIT trap in the child: the lab down).
  local limit=$((${secs%.*} + 30)) wdur pdur
  wdur=$(awk -v s="$secs" 'BEGIN {print s + 4}')
  pdur=$(awk -v s="$secs" 'BEGIN {print s + 2.5}')
  nsenter --net="$(hf_ns sw)" -- timeout "$limit" python3 "$top/tests/lab/wire_watch.py" \
    --duration "$wdur" --vip "$HF_VIP4" >"$tmp/hf_$name.wire" 2>"$tmp/hf_$name.wire.err" &
  w=$!
  hf_wait_line "$tmp/hf_$name.wire.err" capturing 15 || hf_log "$name: the wire watcher did not start"
  nsenter --net="$(hf_ns cl)" -- timeout "$limit" python3 "$top/tests/lab/conn_probe.py" "$HF_VIP4" "${HF_SRCS[@]}" \
    --duration "$pdur" --interval-ms "$HF_INTERVAL_MS" --timeout-ms "$HF_TIMEOUT_MS" \
    >"$tmp/hf_$name.probe" 2>"$tmp/hf_$name.probe.err" &
  p=$!
  hf_wait_line "$tmp/hf_$name.probe.err" probing 15 || hf_log "$name: the probe did not start"
  sleep 0.7 # a baseline before the fault
  hf_log "$name: injecting ($fn)"
  "$fn"
  wait "$p"
  wait "$w"
  # View changes: distinct view ids any node committed meanwhile.
  local all=""
  for i in 1 2 3; do
    all+=$(tail -n +$((lines[i] + 1)) "$(hf_modlog "$i")" 2>/dev/null | grep SF_VIEW_COMMITTED | sed "s/^/n$i /")$'\n'
  done
  echo "$all" | grep -v '^$' >"$tmp/hf_$name.views" || true
  HF_VIEWS=$(grep -o 'view epoch [0-9]*@[0-9]*\.[0-9]*' "$tmp/hf_$name.views" 2>/dev/null | sort -u | wc -l)
  HF_VIEWS_NOQ=$(grep -o 'view epoch [0-9]*@[0-9]*\.[0-9]*.*no quorum' "$tmp/hf_$name.views" 2>/dev/null | awk '{print $3}' | sort -u | wc -l)
  HF_FENCES=0
  for i in 1 2 3; do
    HF_FENCES=$((HF_FENCES + $(tail -n +$((lines[i] + 1)) "$(hf_modlog "$i")" 2>/dev/null | grep SF_LEASE | grep -cE 'stalled|ran out')))
  done
  HF_FENCES_N1=$(tail -n +$((lines[1] + 1)) "$(hf_modlog 1)" 2>/dev/null | grep -cE 'SF_LEASE.*(stalled|ran out)')
  local pr=$tmp/hf_$name.probe wr=$tmp/hf_$name.wire
  HF_DOUBLE=$(hf_field "$wr" "d['syns_answered_twice']")
  HF_RESETS=$(hf_field "$wr" "d['rsts_from_vip']")
  HF_SYNS=$(hf_field "$wr" "d['syns_seen']")
  HF_SYNACKS=$(hf_field "$wr" "d['synacks']")
  HF_DROPS=$(hf_field "$wr" "d['capture_drops']")
  HF_RESENT=$(hf_field "$wr" "d['syns_retransmitted']")
  HF_FAILED=$(hf_field "$pr" "d['failed']")
  HF_ATTEMPTS=$(hf_field "$pr" "d['attempts']")
  HF_FAILURES=$(hf_field "$pr" "' '.join('%s %d' % kv for kv in sorted(d['failures'].items()) if kv[1])")
  HF_WAIT=$(hf_field "$pr" "d['longest_wait_ms']")
  HF_LAG=$(hf_field "$pr" "d['probe_lag_max_ms']")
  HF_PERNODE=$(hf_field "$wr" "' '.join('%s:%d/%d' % (k, v['synacks'], v['rsts']) for k, v in sorted(d['per_node'].items()))")
  HF_ROW=$(printf '{"double_answers":%s,"resets":%s,"failed_requests":%s,"requests":%s,"longest_wait_ms":%s,"view_changes":%s,"views_no_quorum":%s,"lease_fences":%s,"syns":%s,"synacks":%s,"capture_drops":%s,"probe_lag_max_ms":%s,"syns_retransmitted":%s}' \
    "$HF_DOUBLE" "$HF_RESETS" "$HF_FAILED" "$HF_ATTEMPTS" "$HF_WAIT" "$HF_VIEWS" "$HF_VIEWS_NOQ" "$HF_FENCES" "$HF_SYNS" "$HF_SYNACKS" "$HF_DROPS" "$HF_LAG" "$HF_RESENT")
  # The row of bench/failover/run's JSON.
  HF_BENCH_ROW=$(printf '{"double_answers":%s,"resets":%s,"failed_requests":%s,"longest_wait_ms":%s,"view_changes":%s,"lease_fences":%s}' \
    "$HF_DOUBLE" "$HF_RESETS" "$HF_FAILED" "$HF_WAIT" "$HF_VIEWS" "$HF_FENCES")
  hf_log "$name: $HF_ROW; $HF_FAULT; SYN-ACKs/RSTs per node: $HF_PERNODE"
  # Back to three UP nodes before the next scenario (bounded).
  hf_nft_clear
  hf_all_up 30 || hf_log "$name: not every node UP again within 30 s"
  sleep 1
}
