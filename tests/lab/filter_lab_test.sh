#!/usr/bin/env bash
# tests/lab/filter_lab_test.sh [BUILD_DIR]
#
# End-to-end test of the farm XDP filter (DESIGN §1, §2) in the netns lab:
# 3 nodes running real Apache behind one VIP/vMAC (vmac_invisible), the
# filter driven by safefarm-filter in skb mode (veth), 200 client source
# addresses. Every request must be answered by exactly the node that
# `safefarm-filter owner` predicts, with on_addr and on_port, over IPv4 and
# IPv6; the client must resolve the VIP to the vMAC; the switch must never
# learn the vMAC; traffic matching no rule goes to the designated node only;
# after node 2 leaves the view (first: new epoch on every node; then: node 2's
# filter and VIP removed), nodes 1 and 3 answer every client.
#
# Not root: skip (77), or fail with REQUIRE_PRIVILEGED=1. Cleans up on any
# exit (lab down: namespaces, Apache processes, pins).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${SAFEFARM_BUILD:-$top/build}}
build=$(cd "$build" 2>/dev/null && pwd || echo "$build")
tool=$build/agent/tools/safefarm-filter
P=${SAFEFARM_LAB_TEST_PREFIX:-sflt}
CLIENTS=${LAB_TEST_CLIENTS:-200}
V6_CLIENTS=${LAB_TEST_V6_CLIENTS:-50}
PARALLEL=16
# eth0 (DESIGN §1) or lo: see scripts/lab on why eth0 breaks IPv6.
VIP6_DEV=${LAB_TEST_VIP6_DEV:-lo}
KEY=${LAB_TEST_KEY:-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')}

CHECK_WIDTH=44
# shellcheck source=../support/assert.sh
source "$top/tests/support/assert.sh"
require_root "the lab test"
[[ -x $tool ]] || fatal "safefarm-filter built" "$tool missing"

lab() { "$top/scripts/lab" --prefix "$P" --build "$build" "$@"; }
tmp=$(mktemp -d /tmp/safefarm-labtest.XXXXXX)
# shellcheck disable=SC2317 # run by the EXIT trap (shellcheck 0.9 takes it for
# unreachable in a script that calls a function that exits: fatal, finish)
cleanup() {
  local rc=$?
  lab down >/dev/null 2>&1 || lab down || true
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

t0=$(date +%s)
lab down >/dev/null 2>&1 || true # leftovers of a killed run
lab up --nodes 3 --clients "$CLIENTS" --vip6-dev "$VIP6_DEV" || fatal "lab up" "scripts/lab up failed"
lab apache || fatal "lab apache" "Apache did not start"
# shellcheck disable=SC1090
source <(lab env)
CL=/run/netns/$LAB_CLIENT
in_cl() { timeout 20 nsenter --net="$CL" -- "$@"; }
in_node() { local i=$1; shift; timeout 30 nsenter --net="/run/netns/${P}n$i" -- "$@"; }
client4() { echo "198.18.$((1 + ($1 - 1) / 250)).$((1 + ($1 - 1) % 250))"; }
client6() { printf '2001:db8::c:%x\n' "$1"; }
node_macs=()
for i in 1 2 3; do
  v=LAB_NODE${i}_MAC
  node_macs+=(--node "$i=${!v}")
done

check "host namespace has no lab address" \
  "$(! ip -o addr show | grep -E ' 198\.1[89]\.| 2001:db8:' >/dev/null && echo 1 || echo 0)" "198.18.0.0/15 only inside the lab"

# filter VERB NODE RULE MEMBER… : up/install on one node.
filter() {
  local verb=$1 i=$2 rule=$3 m out
  shift 3
  local margs=()
  for m in "$@"; do margs+=(--member "$m"); done
  if ! out=$(in_node "$i" "$tool" "$verb" --instance "${P}n$i" --ifname eth0 --xdp-mode skb \
    --node-id "$i" "${node_macs[@]}" "${margs[@]}" --vip "$LAB_VIP4" --vip "$LAB_VIP6" \
    --mode invisible --rule "$rule" --key "$KEY" 2>&1); then
    echo "$out" >&2
    return 1
  fi
  echo "  n$i: $out"
}
counters() { in_node "$1" "$tool" counters --instance "${P}n$1" --ifname eth0; }
counter() { # NODE REASON -> packets
  counters "$1" | tr -d ' \n' | grep -o "\"$2\":{[^}]*}" | grep -o '"packets":[0-9]*' | cut -d: -f2 || echo 0
}
owner() { # MEMBERS(csv) ADDR [PORT]
  local margs=() m
  for m in ${1//,/ }; do margs+=(--member "$m"); done
  if [[ -n ${3:-} ]]; then
    "$tool" owner --key "$KEY" "${margs[@]}" --addr "$2" --port "$3" --filter on_port
  else
    "$tool" owner --key "$KEY" "${margs[@]}" --addr "$2"
  fi
}

# Task file lines: ID SRC PORT(- = any) EXPECTED_NODE URL
# round NAME TASKFILE [MUST_ANSWER_NODES]: run every request (PARALLEL at a
# time, each bounded by --max-time 3), compare each answer with EXPECTED.
round() {
  local name=$1 tasks=$2 must=${3:-} res=$tmp/res.$RANDOM
  : >"$res"
  local id src port exp url
  while read -r id src port exp url; do
    (
      pa=()
      [[ $port != - ]] && pa=(--local-port "$port")
      r=$(timeout 10 nsenter --net="$CL" -- curl -sg --max-time 3 --interface "$src" "${pa[@]}" "$url" 2>/dev/null)
      echo "$id $exp ${r:-NONE}" >>"$res"
    ) &
    while (($(jobs -rp | wc -l) >= PARALLEL)); do wait -n; done
  done <"$tasks"
  wait
  local total ok bad
  total=$(wc -l <"$tasks")
  ok=$(awk '"n"$2 == $3' "$res" | wc -l)
  bad=$(awk '"n"$2 != $3' "$res" | head -5 | awk '{printf "%s expected n%s got %s; ", $1, $2, $3}')
  local per
  per=$(awk '{c[$3]++} END {for (k in c) printf "%s=%d ", k, c[k]}' "$res" | tr ' ' '\n' | sort | tr '\n' ' ')
  check "$name" "$([[ $ok -eq $total ]] && echo 1 || echo 0)" "$ok/$total as predicted; answers: ${per}${bad:+; $bad}"
  if [[ -n $must ]]; then
    local n miss=""
    for n in $must; do
      grep -q " n$n\$" "$res" || miss+=" n$n"
    done
    if [[ -z $miss ]]; then
      check "$name: every member answers" 1 "members $must all answered"
    else
      check "$name: every member answers" 0 "no answer from$miss"
    fi
  fi
}

# make_tasks MEMBERS FAMILY(4|6) COUNT PORTBASE(- = ephemeral) > file
make_tasks() {
  local members=$1 fam=$2 count=$3 pbase=$4 j src port exp url
  for ((j = 1; j <= count; j++)); do
    if [[ $fam == 4 ]]; then
      src=$(client4 "$j")
      url="http://$LAB_VIP4/whoami"
    else
      src=$(client6 "$j")
      url="http://[$LAB_VIP6]/whoami"
    fi
    if [[ $pbase == - ]]; then
      port=-
      exp=$(owner "$members" "$src")
    else
      port=$((pbase + j))
      exp=$(owner "$members" "$src" "$port")
    fi
    echo "c$fam.$j $src $port $exp $url"
  done
}

fdb_check() { # NAME
  local fdb
  fdb=$(timeout 10 nsenter --net="/run/netns/$LAB_SWITCH" -- bridge fdb show br br0)
  check "$1" "$(grep -qi "$LAB_VMAC" <<<"$fdb" && echo 0 || echo 1)" \
    "switch fdb: $(grep -c . <<<"$fdb") entries, vMAC $LAB_VMAC $(grep -qi "$LAB_VMAC" <<<"$fdb" && echo LEARNED || echo absent)"
}

echo "key $KEY, $CLIENTS IPv4 + $V6_CLIENTS IPv6 client addresses, IPv6 VIP on $LAB_VIP6_DEV"

# ---- epoch 1: members 1 2 3, on_addr ------------------------------------
echo "== epoch 1: members 1,2,3, rule tcp:80:on_addr"
ok=1
for i in 1 2 3; do filter up "$i" tcp:80:on_addr 1 2 3 || ok=0; done
check "safefarm-filter up on 3 nodes" "$ok" "skb mode, vmac_invisible"
((ok)) || finish
xdp=0
for i in 1 2 3; do ip -n "${P}n$i" link show eth0 | grep -q 'xdpgeneric' && xdp=$((xdp + 1)); done
check "XDP attached in generic (skb) mode" "$([[ $xdp == 3 ]] && echo 1 || echo 0)" "$xdp/3 nodes show xdpgeneric"

make_tasks 1,2,3 4 "$CLIENTS" - >"$tmp/t1"
round "on_addr IPv4: owner answers" "$tmp/t1" "1 2 3"

neigh=$(in_cl ip neigh show "$LAB_VIP4" dev eth0)
check "client ARP: VIP -> vMAC" "$(grep -qi "lladdr $LAB_VMAC" <<<"$neigh" && echo 1 || echo 0)" "${neigh:-no entry}"

make_tasks 1,2,3 6 "$V6_CLIENTS" - >"$tmp/t1v6"
round "on_addr IPv6: owner answers" "$tmp/t1v6" "1 2 3"
neigh=$(in_cl ip -6 neigh show "$LAB_VIP6" dev eth0)
check "client NDP: VIP6 -> vMAC" "$(grep -qi "lladdr $LAB_VMAC" <<<"$neigh" && echo 1 || echo 0)" "${neigh:-no entry}"
fdb_check "switch never learns the vMAC (epoch 1)"

# Traffic to the VIP matching no rule (tcp:81): the designated node (1) only,
# which has no listener there and answers RST: "connection refused" (curl 7).
in_cl curl -s --max-time 3 --interface "$(client4 1)" "http://$LAB_VIP4:81/" >/dev/null 2>&1
rc=$?
d1=$(counter 1 ACCEPT_DESIGNATED)
nd2=$(counter 2 DROP_NOT_DESIGNATED)
nd3=$(counter 3 DROP_NOT_DESIGNATED)
d23=$(($(counter 2 ACCEPT_DESIGNATED) + $(counter 3 ACCEPT_DESIGNATED)))
check "no rule matches: designated node only" \
  "$([[ $rc == 7 && ${d1:-0} -gt 0 && ${nd2:-0} -gt 0 && ${nd3:-0} -gt 0 && $d23 == 0 ]] && echo 1 || echo 0)" \
  "curl rc=$rc (7=refused); n1 ACCEPT_DESIGNATED=$d1, n2/n3 DROP_NOT_DESIGNATED=$nd2/$nd3, n2+n3 ACCEPT_DESIGNATED=$d23"

# ---- epoch 2: on_port ------------------------------------------------------
echo "== epoch 2: members 1,2,3, rule tcp:80:on_port"
ok=1
for i in 1 2 3; do filter install "$i" tcp:80:on_port 1 2 3 || ok=0; done
check "safefarm-filter install on_port" "$ok" ""
make_tasks 1,2,3 4 "$CLIENTS" 30000 >"$tmp/t2"
# One client address, 30 ports: its connections spread over the nodes.
for ((k = 1; k <= 30; k++)); do
  echo "s.$k $(client4 1) $((40000 + k)) $(owner 1,2,3 "$(client4 1)" $((40000 + k))) http://$LAB_VIP4/whoami"
done >"$tmp/t2s"
round "on_port IPv4: owner answers (pinned ports)" "$tmp/t2" "1 2 3"
round "on_port: one client, 30 ports, spread" "$tmp/t2s" "1 2 3"
make_tasks 1,2,3 6 "$V6_CLIENTS" 31000 >"$tmp/t2v6"
round "on_port IPv6: owner answers (pinned ports)" "$tmp/t2v6"
fdb_check "switch never learns the vMAC (epoch 2)"

# ---- epoch 3: node 2 leaves the view; every node installs members 1,3 ------
echo "== epoch 3: members 1,3 (node 2 left the view), rule tcp:80:on_addr"
ok=1
for i in 1 2 3; do filter install "$i" tcp:80:on_addr 1 3 || ok=0; done
check "safefarm-filter install members 1,3" "$ok" ""
make_tasks 1,3 4 "$CLIENTS" - >"$tmp/t3"
round "members 1,3: every client answered by owner" "$tmp/t3" "1 3"
n2=$(awk '$4 == 2' "$tmp/t3" | wc -l)
check "members 1,3: node 2 owns nothing" "$([[ $n2 == 0 ]] && echo 1 || echo 0)" "owner predicts node 2 for $n2 clients"

# ---- node 2 gone: its filter down, VIP removed (as stopping the module does) -
echo "== node 2 stopped: filter down, VIP removed; nodes 1,3 keep epoch 3"
in_node 2 "$tool" down --instance "${P}n2" --ifname eth0
rc=$?
ip -n "${P}n2" addr del "$LAB_VIP4/32" dev eth0 2>/dev/null
ip -n "${P}n2" -6 addr del "$LAB_VIP6/128" dev "$LAB_VIP6_DEV" 2>/dev/null
pins=$([[ -e /sys/fs/bpf/safefarm/${P}n2 ]] && echo left || echo removed)
att=$(ip -n "${P}n2" link show eth0 | grep -c xdp)
check "safefarm-filter down on node 2" "$([[ $rc == 0 && $pins == removed && $att == 0 ]] && echo 1 || echo 0)" \
  "rc=$rc, pins $pins, XDP attached: $att"
# Forget the VIP's neighbour entry: the client must resolve it again (ARP
# answered by the designated node 1 with the vMAC; node 2 no longer has it).
in_cl ip neigh flush to "$LAB_VIP4" dev eth0 >/dev/null 2>&1
round "node 2 down: every client answered by 1 or 3" "$tmp/t3" "1 3"
neigh=$(in_cl ip neigh show "$LAB_VIP4" dev eth0)
check "client ARP after re-resolution: VIP -> vMAC" "$(grep -qi "lladdr $LAB_VMAC" <<<"$neigh" && echo 1 || echo 0)" "${neigh:-no entry}"
fdb_check "switch never learns the vMAC (end)"

# ---- counters -----------------------------------------------------------------
for i in 1 3; do
  a=$(counter "$i" ACCEPT_OWNER)
  d=$(counter "$i" DROP_NOT_OWNER)
  check "n$i counters: accepts and drops" "$([[ ${a:-0} -gt 0 && ${d:-0} -gt 0 ]] && echo 1 || echo 0)" \
    "ACCEPT_OWNER=$a DROP_NOT_OWNER=$d TX_ARP_REPLY=$(counter "$i" TX_ARP_REPLY) TX_NDP_ADVERT=$(counter "$i" TX_NDP_ADVERT) DROP_NOT_RESPONDER=$(counter "$i" DROP_NOT_RESPONDER)"
done

echo "elapsed $(($(date +%s) - t0)) s"
finish
