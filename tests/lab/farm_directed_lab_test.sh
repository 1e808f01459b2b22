#!/usr/bin/env bash
# tests/lab/farm_directed_lab_test.sh [BUILD_DIR]
#
# vmac_directed end to end (issue 5, DESIGN §1): 3 nodes in the netns lab,
# each running safed with apache_farm.safe switched to
# <virtual_interface type="vmac_directed"> and an ARP rule. No vMAC: the
# client's ARP entry for the VIP is one node's own MAC (its entry node),
# which keeps what it owns and relays the rest to the owners at the MACs
# their heartbeats carry. Checks: no vMAC anywhere; every client answered by
# its bucket's owner; the entry node relayed; kill -9 of the entry node's
# safed: every client answered again, each by one node, the VIP announced at
# a survivor's MAC; the node back; `safectl stop` of a node with 200
# keep-alive connections on it, and its join with 200 open on the others:
# none reset (the entry node relays the old flows to their old owner); the
# stopped module leaves nothing behind.
#
# Not root: skip (77), or fail with REQUIRE_PRIVILEGED=1. Cleans up on any exit.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${SAFEFARM_BUILD:-$top/build}}
build=$(cd "$build" 2>/dev/null && pwd || echo "$build")
P=${SAFEFARM_LAB_TEST_PREFIX:-sffd}
CLIENTS=${LAB_TEST_CLIENTS:-60}

# shellcheck source=farm_lib.sh
source "$top/tests/lab/farm_lib.sh"

echo "== lab: 3 nodes with safed + apache_farm.safe in vmac_directed, $CLIENTS client addresses"
lab up --agent --delivery directed --nodes 3 --clients "$CLIENTS" || fatal "lab up" "scripts/lab up failed"
# shellcheck disable=SC1090
source <(lab env)
VIP4=$LAB_VIP4
lab safed || fatal "lab safed" "safed did not start on every node"

for i in 1 2 3; do safectl "$i" start -m apache_farm >/dev/null; done
ok=1
for i in 1 2 3; do wait_state "$i" 2 20 || ok=0; done
check "module UP on the 3 nodes (vmac_directed)" "$ok" "$(grep -ho 'type="vmac_[a-z]*"' /run/safefarm-lab/"$P"/safed/n*/etc/modules/apache_farm/conf/userconfig.xml | sort -u | tr '\n' ' ')"
((ok)) || finish

node_mac() { printf '02:5f:ab:00:00:%02x' "$1"; }
# The node whose MAC the client's ARP entry for the VIP names.
entry_node() {
  local mac i
  mac=$(ip -n "${P}cl" neigh show "$VIP4" dev eth0 | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
  for i in 1 2 3; do [[ $mac == "$(node_mac "$i")" ]] && { echo "$i"; return; }; done
  echo "?$mac"
}
verdict() { # NODE REASON -> packets
  safectl "$1" status -m apache_farm --json 2>/dev/null |
    python3 -c "import json,sys; d=json.load(sys.stdin); d=d.get('arguments',d); print(d.get('verdicts',{}).get('$2',0))"
}

# On a failure: what each node's filter did, by verdict.
verdicts_all() {
  local i
  for i in 1 2 3; do
    echo "---- n$i verdicts: $(safectl "$i" status -m apache_farm --json 2>/dev/null |
      python3 -c "import json,sys; d=json.load(sys.stdin); d=d.get('arguments',d); print(json.dumps(d.get('verdicts',{}), sort_keys=True))")"
  done
}

vmac_left=0
for i in 1 2 3; do
  ns=$(node_ns "$i")
  vmac_left=$((vmac_left + $(bridge -n "$ns" fdb show dev eth0 2>/dev/null | grep -ci '^5a:fe') +
    $(ip -n "$ns" link show dev eth0 | grep -c PROMISC)))
done
check "no vMAC: no fdb entry, no promiscuous mode" "$([[ $vmac_left == 0 ]] && echo 1 || echo 0)" "$vmac_left found"

survey "$tmp/s1"
a=$(answered "$tmp/s1")
check "every client answered" "$([[ $a == "$CLIENTS" ]] && echo 1 || echo 0)" "$a/$CLIENTS"
mis=$(mismatches "$tmp/s1")
check "each client served by its bucket's owner" "$([[ $mis == 0 ]] && echo 1 || echo 0)" "n1=$(count_of "$tmp/s1" n1) n2=$(count_of "$tmp/s1" n2) n3=$(count_of "$tmp/s1" n3), $mis not by the predicted node"
e=$(entry_node)
check "the VIP is at a node's own MAC (the client's ARP entry)" "$([[ $e =~ ^[123]$ ]] && echo 1 || echo 0)" "entry node n$e"
sleep 1.2
relayed=$(verdict "$e" TX_RELAY)
check "the entry node relayed the others' clients to their owners" "$([[ $relayed =~ ^[0-9]+$ ]] && ((relayed > 0)) && echo 1 || echo 0)" "n$e TX_RELAY=$relayed"

# --- kill -9 of the entry node's safed ---------------------------------------
# Its filter relays until its lease ends, then drops; the survivors take its
# buckets and the designated one announces the VIP at its own MAC.
pid=$(cat "/run/safefarm-lab/$P/safed/n$e/run/safed.pid")
gap_start 3 "$tmp/g2"
kill -9 "$pid"
gap_worst "$tmp/g2"
gap=$GAP
check "kill -9 safed n$e (entry): longest wait of a client" "$( ((gap >= 0 && gap <= 1500)) && echo 1 || echo 0)" "${gap} ms (requests every 20 ms)"
echo "MEASURED directed_kill9_gap_ms=$gap"
survey "$tmp/s2"
e2=$(entry_node)
check "kill -9: every client answered by the others, the VIP at a survivor" \
  "$([[ $(answered "$tmp/s2") == "$CLIENTS" && $(count_of "$tmp/s2" "n$e") == 0 && $e2 =~ ^[123]$ && $e2 != "$e" ]] && echo 1 || echo 0)" \
  "$(answered "$tmp/s2")/$CLIENTS, n$e=$(count_of "$tmp/s2" "n$e"), entry now n$e2"

lab safed "n$e" >/dev/null 2>&1
safectl "$e" start -m apache_farm >/dev/null 2>&1
wait_state "$e" 2 20 && ok=1 || ok=0
survey "$tmp/s3"
check "n$e back: every client answered, by its bucket's owner" \
  "$([[ $ok == 1 && $(answered "$tmp/s3") == "$CLIENTS" && $(mismatches "$tmp/s3") == 0 && $(count_of "$tmp/s3" "n$e") -gt 0 ]] && echo 1 || echo 0)" \
  "$(answered "$tmp/s3")/$CLIENTS, n$e=$(count_of "$tmp/s3" "n$e")"

# --- 200 keep-alive connections on a node that is not the entry ----------------
# Its clients' packets reach it relayed by the entry node; during its drain
# the entry node keeps relaying their flows to it.
e=$(entry_node)
s=1
[[ $s == "$e" ]] && s=2
survey "$tmp/ka"
mapfile -t ka_srcs < <(awk -v n="n$s" '$2 == n {print $1}' "$tmp/ka")
per=$(((200 + ${#ka_srcs[@]} - 1) / ${#ka_srcs[@]}))
nsenter --net="/run/netns/${P}cl" -- python3 "$top/tests/lab/keepalive.py" "$VIP4" "${ka_srcs[@]}" \
  --per-source "$per" --seconds 16 >"$tmp/ka_stop" 2>&1 &
kapid=$!
sleep 2
t0=$(ms)
safectl "$s" stop -m apache_farm >/dev/null 2>&1
stop_ms=$(($(ms) - t0))
wait "$kapid"
check "stop n$s with $((per * ${#ka_srcs[@]})) keep-alive connections on it: none reset" \
  "$(ka_clean "$tmp/ka_stop" && [[ $(ka "$tmp/ka_stop" ".get('first_nodes',{}).get('n$s',0)") -ge 200 && $(ka "$tmp/ka_stop" ".get('last_nodes',{}).get('n$s',0)") == 0 ]] && echo 1 || echo 0)" \
  "$(cat "$tmp/ka_stop"), stop took ${stop_ms} ms"
ka_clean "$tmp/ka_stop" || verdicts_all
wait_state "$s" 0 30 && ok=1 || ok=0
left=$(($(ip -n "$(node_ns "$s")" -br addr show | grep -c "$VIP4") + $(ip -n "$(node_ns "$s")" link show dev eth0 | grep -c 'prog/xdp')))
check "n$s stopped: no VIP, no XDP program left" "$([[ $ok == 1 && $left == 0 ]] && echo 1 || echo 0)" "$left left"

nsenter --net="/run/netns/${P}cl" -- python3 "$top/tests/lab/keepalive.py" "$VIP4" "${ka_srcs[@]}" \
  --per-source "$per" --seconds 10 >"$tmp/ka_join" 2>&1 &
kapid=$!
sleep 2
safectl "$s" start -m apache_farm >/dev/null 2>&1
wait_state "$s" 2 20 && ok=1 || ok=0
wait "$kapid"
check "n$s joins with 200 connections open on the others: none reset" \
  "$(ka_clean "$tmp/ka_join" && [[ $ok == 1 && $(ka "$tmp/ka_join" "['connections']") -ge 200 && $(ka "$tmp/ka_join" ".get('last_nodes',{}).get('n$s',0)") == 0 ]] && echo 1 || echo 0)" \
  "$(cat "$tmp/ka_join")"
ka_clean "$tmp/ka_join" || verdicts_all

finish
