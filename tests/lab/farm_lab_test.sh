#!/usr/bin/env bash
# tests/lab/farm_lab_test.sh [BUILD_DIR]
#
# The product end to end (issue 5): 3 nodes in the netns lab, each running
# safed with apache_farm.safe (real Apache started by start_both), clients
# from many source addresses on the VIP. Checks: the module comes UP on every
# node; the clients spread over the nodes as the bucket shares say; a node
# lost by kill -9 of safed, by SIGSTOP of safed past the detection time and
# by link down: every client answered again, each by one node, and the time
# it took is printed (no duplicate SYN-ACK while a frozen node wakes); the
# node comes back and takes its share again; a safed restart: no outage;
# `safectl stop` with 200 keep-alive connections on the node and a join with
# 200 open on the others: none reset; a graceful stop drains: a download in
# progress on the stopping node completes; the stopped module leaves nothing
# behind (no VIP, no XDP); checkers, maxloop, a hanging stop_both, power,
# safectl restart, module install and remove.
#
# Not root: skip (77), or fail with REQUIRE_PRIVILEGED=1. Cleans up on any exit.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${SAFEFARM_BUILD:-$top/build}}
build=$(cd "$build" 2>/dev/null && pwd || echo "$build")
P=${SAFEFARM_LAB_TEST_PREFIX:-sfft}
CLIENTS=${LAB_TEST_CLIENTS:-90}

# shellcheck source=farm_lib.sh
source "$top/tests/lab/farm_lib.sh"

echo "== lab: 3 nodes with safed + apache_farm.safe, $CLIENTS client addresses"
lab up --agent --nodes 3 --clients "$CLIENTS" || fatal "lab up" "scripts/lab up failed"
# shellcheck disable=SC1090
source <(lab env)
VIP4=$LAB_VIP4
lab safed || fatal "lab safed" "safed did not start on every node"

for i in 1 2 3; do safectl "$i" start -m apache_farm >/dev/null; done
ok=1
for i in 1 2 3; do wait_state "$i" 2 20 || ok=0; done
check "module UP on the 3 nodes" "$ok" "$(for i in 1 2 3; do printf 'n%s:' "$i"; safectl "$i" state -m apache_farm 2>&1 | tr -s ' \n' ' '; done)"
((ok)) || finish

survey "$tmp/s1"
a=$(answered "$tmp/s1")
c1=$(count_of "$tmp/s1" n1) c2=$(count_of "$tmp/s1" n2) c3=$(count_of "$tmp/s1" n3)
check "every client answered" "$([[ $a == "$CLIENTS" ]] && echo 1 || echo 0)" "$a/$CLIENTS"
# Every client answered by the node the bucket table names, and the table
# gives each node a third.
mis=$(mismatches "$tmp/s1")
sh="$(share_of n1)/$(share_of n2)/$(share_of n3)"
check "each client served by its bucket's owner" "$([[ $mis == 0 ]] && echo 1 || echo 0)" "n1=$c1 n2=$c2 n3=$c3, $mis not by the predicted node"
check "bucket shares 1/3 each" "$([[ $sh == 33/33/33 ]] && echo 1 || echo 0)" "shares % $sh"
safectl 1 status -m apache_farm >"$tmp/status" 2>&1
check "safectl status lists the 3 nodes UP" "$([[ $(grep -cE 'n[123].*UP' "$tmp/status") == 3 ]] && echo 1 || echo 0)" "$(tr -s ' \n' ' ' <"$tmp/status" | head -c 200)"
# Every node's traffic in node 1's status (the heartbeats carry it, read
# once a second).
sleep 1.2
traffic=$(safectl 1 status -m apache_farm --json 2>/dev/null | python3 -c "
import json,sys; d=json.load(sys.stdin); d=d.get('arguments',d)
print(' '.join('%s:%s/%s' % (n['name'], n.get('connections','-'), n.get('packets','-')) for n in d['nodes']))")
check "safectl status on n1: every node's connections and packets" \
  "$(echo "$traffic" | python3 -c "import sys; t=sys.stdin.read().split(); print(1 if len(t)==3 and all(x.split(':')[1].split('/')[1] not in ('-','0') for x in t) else 0)")" "$traffic"

# --- the control API on port 9010 (issue 6), from the client namespace -------
# HTTPS by default (issue 14): n1 made its own certificate at first start,
# for its cluster.xml address; curl checks it against that file.
n1cert=/run/safefarm-lab/$P/safed/n1/etc/tls/api.crt
api() { nsenter --net="/run/netns/${P}cl" -- curl -s --max-time 5 --cacert "$n1cert" "$@"; }
code() { api -o /dev/null -w '%{http_code}' "$@"; }
n1api=https://198.18.0.11:9010
check "port 9010: ready.txt answers 200 on an UP node" "$([[ $(code "$n1api/var/modules/apache_farm/ready.txt") == 200 ]] && echo 1 || echo 0)" ""
check "port 9010: HTTPS by default, n1's own certificate names 198.18.0.11 (checked by curl), key 0600" \
  "$([[ $(code "$n1api/") == 200 && $(stat -c %a "${n1cert%.crt}.key") == 600 ]] && echo 1 || echo 0)" ""
check "port 9010: plain HTTP answers ready.txt, sends the console and API to https (308)" \
  "$([[ $(code "http://198.18.0.11:9010/var/modules/apache_farm/ready.txt") == 200 && \
        $(code "http://198.18.0.11:9010/api/v1/commands/status") == 308 ]] && echo 1 || echo 0)" ""
vip_code=$(code --max-time 3 "http://$VIP4:9010/var/modules/apache_farm/ready.txt")
check "port 9010: not on the VIP (a web client of the farm gets no answer)" "$([[ $vip_code == 000 ]] && echo 1 || echo 0)" "$vip_code"
check "port 9010: no change without authentication (401)" \
  "$([[ $(code -X POST -H 'Content-Type: application/json' -d '{"module":"apache_farm"}' "$n1api/api/v1/commands/stop") == 401 ]] && echo 1 || echo 0)" ""
users1=/run/safefarm-lab/$P/safed/n1/etc/users.json
key=$("$build/agent/safectl/safectl" user key ops monitor --users-file "$users1" 2>&1)
admin_key=$("$build/agent/safectl/safectl" user key deploy admin --users-file "$users1" 2>&1)
kill -HUP "$(cat "/run/safefarm-lab/$P/safed/n1/run/safed.pid")"
sleep 0.3
api -H "Authorization: Bearer $key" "$n1api/api/v1/commands/status?module=apache_farm" >"$tmp/api_status" 2>&1
check "port 9010: a monitor's API key reads the cluster's status" \
  "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['arguments']; print(1 if len(d['nodes'])==3 and all(n['state']=='UP' for n in d['nodes']) else 0)" "$tmp/api_status" 2>/dev/null || echo 0)" \
  "$(head -c 120 "$tmp/api_status")"
check "port 9010: a monitor's API key may not stop (403)" \
  "$([[ $(code -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d '{"module":"apache_farm"}' "$n1api/api/v1/commands/stop") == 403 ]] && echo 1 || echo 0)" ""
api -H "Authorization: Bearer $key" "$n1api/api/v1/commands/buckets?module=apache_farm" >"$tmp/api_buckets" 2>&1
check "port 9010: the bucket map, one owner per bucket" \
  "$(python3 -c "
import base64, json, sys
d = json.load(open(sys.argv[1]))['arguments']
owners = base64.b64decode(d['owners'])
print(1 if d['buckets'] == len(owners) == 16384 and sorted(set(owners)) == [1, 2, 3] and len(d['nodes']) == 3 else 0)" "$tmp/api_buckets" 2>/dev/null || echo 0)" \
  "$(head -c 80 "$tmp/api_buckets")"
api -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"module":"apache_farm","args":{"lines":2,"grep":"SF_VIEW_COMMITTED"}}' "$n1api/api/v1/commands/logs" >"$tmp/api_logs" 2>&1
check "port 9010: the module log's last lines, filtered" \
  "$(python3 -c "
import json, sys
l = json.load(open(sys.argv[1]))['arguments']['lines']
print(1 if len(l) == 2 and all('SF_VIEW_COMMITTED' in x for x in l) else 0)" "$tmp/api_logs" 2>/dev/null || echo 0)" \
  "$(head -c 400 "$tmp/api_logs")"
# The configuration, shown and checked as a start would check it (admin).
api -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' -d '{"module":"apache_farm"}' \
  "$n1api/api/v1/commands/config-show" >"$tmp/api_conf" 2>&1
python3 -c "
import json, sys
f = json.load(open(sys.argv[1]))['arguments']['files']
good = f['conf/userconfig.xml']
bad = good.replace('<farm>', '<farm bogus=\"1\">', 1)
for name, text in (('good', good), ('bad', bad)):
    json.dump({'module': 'apache_farm', 'args': {'userconfig': text}}, open(sys.argv[2] + '.' + name, 'w'))
print(1 if 'bin/start_both' in f else 0)" "$tmp/api_conf" "$tmp/check" >"$tmp/conf_ok" 2>&1
for v in good bad; do
  api -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' --data-binary "@$tmp/check.$v" \
    "$n1api/api/v1/commands/config-check" >"$tmp/check_$v.out" 2>&1
done
check "port 9010: the configuration shown, and checked as a start would" \
  "$([[ $(cat "$tmp/conf_ok") == 1 ]] && python3 -c "
import json, sys
g = json.load(open(sys.argv[1]))['arguments']; b = json.load(open(sys.argv[2]))['arguments']
print(1 if g['valid'] and not b['valid'] and any('bogus' in e for e in b['errors']) else 0)" "$tmp/check_good.out" "$tmp/check_bad.out" 2>/dev/null || echo 0)" \
  "$(head -c 160 "$tmp/check_bad.out")"
check "port 9010: a monitor's key may not read the configuration (403)" \
  "$([[ $(code -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d '{"module":"apache_farm"}' "$n1api/api/v1/commands/config-show") == 403 ]] && echo 1 || echo 0)" ""
api "$n1api/metrics" >"$tmp/metrics" 2>&1
check "port 9010: /metrics in Prometheus text" \
  "$(grep -q '^safefarm_module_state{.*module="apache_farm".*state="UP".*} 1' "$tmp/metrics" && grep -q '^safefarm_packets_total{' "$tmp/metrics" && echo 1 || echo 0)" \
  "$(grep -c '^safefarm_' "$tmp/metrics") samples"

# --- one API for every node: n1 forwards, signed with the cluster key ------
api -H "Authorization: Bearer $key" "$n1api/api/v1/commands/status?module=apache_farm&node=all" >"$tmp/api_all" 2>&1
# How long a read takes here, through n1 to n2, and to every node (ms).
took() { api -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $key" "$n1api/api/v1/commands/status?module=apache_farm$1" | awk '{printf "%.1f", $1 * 1000}'; }
timing="status here $(took '') ms, on n2 $(took '&node=n2') ms, on all $(took '&node=all') ms"
check "port 9010: every node's own status through n1 (node all)" \
  "$(python3 -c "
import json, sys
n = json.load(open(sys.argv[1]))['arguments']['nodes']
print(1 if sorted(n) == ['n1', 'n2', 'n3'] and all(v['status'] == 200 and v['arguments']['state'] == 'UP' for v in n.values()) else 0)" "$tmp/api_all" 2>/dev/null || echo 0)" \
  "$timing"
api -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"module":"apache_farm","node":"n3","args":{"lines":2}}' "$n1api/api/v1/commands/logs" >"$tmp/api_logs3" 2>&1
check "port 9010: n3's module log read through n1" \
  "$(python3 -c "
import json, sys
a = json.load(open(sys.argv[1]))['arguments']
print(1 if '/n3/' in a['path'] and len(a['lines']) == 2 else 0)" "$tmp/api_logs3" 2>/dev/null || echo 0)" \
  "$(head -c 160 "$tmp/api_logs3")"
# Deploy: a configuration one node refuses is written nowhere; a good one
# everywhere, the previous kept.
python3 -c "
import json, sys
good = json.load(open(sys.argv[1]))['arguments']['files']['conf/userconfig.xml']
for name, text in (('good', good + '<!-- deployed by the lab -->\n'),
                   ('bad', good.replace('<farm>', '<farm bogus=\"1\">', 1) + '<!-- refused -->\n')):
    json.dump({'module': 'apache_farm', 'node': 'all', 'args': {'userconfig': text, 'files': {'conf/userconfig.xml': text}}},
              open(sys.argv[2] + '.' + name, 'w'))
json.dump({'module': 'apache_farm', 'node': 'all', 'args': {'files': {'bin/start_both': 'echo no interpreter'}}},
          open(sys.argv[2] + '.script', 'w'))" "$tmp/api_conf" "$tmp/deploy"
deploy_code() {
  api -o "$tmp/deploy_$1.out" -w '%{http_code}' -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' \
    --data-binary "@$tmp/deploy.$1" "$n1api/api/v1/commands/config-deploy"
}
uc() { echo "/run/safefarm-lab/$P/safed/n$1/etc/modules/apache_farm/conf/userconfig.xml"; }
bad_code=$(deploy_code bad)
script_code=$(deploy_code script)
check "port 9010: a deploy refused by the check is written on no node (409)" \
  "$([[ $bad_code == 409 && $script_code == 409 ]] && ! grep -q 'refused' "$(uc 1)" "$(uc 2)" "$(uc 3)" \
      && ! grep -q 'no interpreter' /run/safefarm-lab/"$P"/safed/n*/etc/modules/apache_farm/bin/start_both && echo 1 || echo 0)" \
  "$bad_code $(head -c 160 "$tmp/deploy_bad.out"); $script_code $(head -c 200 "$tmp/deploy_script.out")"
good_code=$(deploy_code good)
check "port 9010: a deploy to every node, a result each, the previous file kept" \
  "$([[ $good_code == 200 ]] && grep -q 'deployed by the lab' "$(uc 1)" && grep -q 'deployed by the lab' "$(uc 2)" && grep -q 'deployed by the lab' "$(uc 3)" \
      && [[ -f /run/safefarm-lab/$P/safed/n3/etc/modules/apache_farm/.previous/conf/userconfig.xml ]] && python3 -c "
import json, sys
n = json.load(open(sys.argv[1]))['arguments']['nodes']
print(1 if all(v['arguments']['written'] == ['conf/userconfig.xml'] for v in n.values()) and len(n) == 3 else 0)" "$tmp/deploy_good.out" 2>/dev/null || echo 0)" \
  "$good_code $(head -c 200 "$tmp/deploy_good.out")"
snap_code=$(api -o "$tmp/snapshot.zip" -w '%{http_code}' -H "Authorization: Bearer $admin_key" "$n1api/api/v1/snapshot?module=apache_farm")
check "port 9010: the snapshot .zip holds every node's status, logs and configuration" \
  "$([[ $snap_code == 200 ]] && python3 -c "
import sys, zipfile
names = {n.split('/', 1)[1] for n in zipfile.ZipFile(sys.argv[1]).namelist()}
need = {'summary.txt'} | {f'{n}/{f}' for n in ('n1', 'n2', 'n3') for f in ('status.json', 'metrics.txt', 'logs/module.log', 'conf/userconfig.xml', 'bin/start_both')}
print(1 if need <= names and not any(n.endswith('ERROR.txt') for n in names) else 0)" "$tmp/snapshot.zip" 2>/dev/null || echo 0)" \
  "$snap_code, $(stat -c %s "$tmp/snapshot.zip" 2>/dev/null) bytes"
safectl 1 snapshot -m apache_farm -o "$tmp/local_snapshot.zip" >"$tmp/local_snapshot.out" 2>&1
check "safectl snapshot: this node's files in a .zip without the API" \
  "$(python3 -c "
import sys, zipfile
names = {n.split('/', 1)[1] for n in zipfile.ZipFile(sys.argv[1]).namelist()}
print(1 if {'n1/status.json', 'n1/logs/module.log', 'n1/conf/userconfig.xml'} <= names else 0)" "$tmp/local_snapshot.zip" 2>/dev/null || echo 0)" \
  "$(head -c 120 "$tmp/local_snapshot.out")"
# An action for every node at once: the application restarted everywhere
# (stop_both, start_both; the nodes stay in the farm), an answer each.
restart_code=$(nsenter --net="/run/netns/${P}cl" -- curl -s --max-time 60 --cacert "$n1cert" -o "$tmp/restart_all" -w '%{http_code}' \
  -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' \
  -d '{"module":"apache_farm","node":"all"}' "$n1api/api/v1/commands/restart")
ok=1
for i in 1 2 3; do wait_state "$i" 2 20 || ok=0; done
check "port 9010: restart on every node through n1, an answer each, all UP after" \
  "$([[ $restart_code == 200 && $ok == 1 ]] && python3 -c "
import json, sys
n = json.load(open(sys.argv[1]))['arguments']['nodes']
print(1 if sorted(n) == ['n1', 'n2', 'n3'] and all(v['result'] == 0 and 'restarted' in v['text'] for v in n.values()) else 0)" "$tmp/restart_all" 2>/dev/null || echo 0)" \
  "$restart_code $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['text'])" "$tmp/restart_all" 2>/dev/null)"

# --- kill -9 of safed on node 2 -------------------------------------------
pid=$(cat "/run/safefarm-lab/$P/safed/n2/run/safed.pid")
watch_start 3 "$tmp/w2"
kill -9 "$pid"
watch_worst "$tmp/w2"
gap=$GAP
check "kill -9 safed n2: longest outage of a client" "$( ((gap >= 0 && gap <= 1500)) && echo 1 || echo 0)" "${gap} ms (n2's filter serves until its lease ends, then the others take over)"
check "kill -9 safed n2: n2 answers nobody afterwards" "$([[ $(grep -c ' n2 ' "$tmp/w2") == 0 && $(grep -c ' NONE ' "$tmp/w2") == 0 ]] && echo 1 || echo 0)" "last answers: $(awk '{print $2}' "$tmp/w2" | sort | uniq -c | tr -s ' \n' ' ')"
echo "MEASURED kill9_gap_ms=$gap"

# Node 2 back: its Apache still runs; safed adopts nothing (the lease ran out)
# and the module starts again, taking its buckets through transitions.
lab safed n2 >/dev/null 2>&1
safectl 2 start -m apache_farm >/dev/null
wait_state 2 2 20
survey "$tmp/s3"
check "n2 back: every client answered" "$([[ $(answered "$tmp/s3") == "$CLIENTS" ]] && echo 1 || echo 0)" "$(answered "$tmp/s3")/$CLIENTS"
# Its new buckets drain first (transitions): new connections of its share
# go to it at once, so it answers again.
check "n2 back: n2 answers its share" "$([[ $(count_of "$tmp/s3" n2) -ge 15 ]] && echo 1 || echo 0)" "n2=$(count_of "$tmp/s3" n2)"
modlog1=/run/safefarm-lab/$P/safed/n1/log/apache_farm/module.log
check "n1's module log: n2 lost at the kill, joined again (what operators alert on)" \
  "$(grep -q 'W SF_NODE_LOST apache_farm: n2 (id 2) is no longer heard' "$modlog1" && grep -q 'SF_NODE_JOINED apache_farm: n2 (id 2)' "$modlog1" && echo 1 || echo 0)" \
  "$(grep -m2 SF_NODE_ "$modlog1" | cut -c1-110 | tr '\n' ' ')"

# --- safed restarted (upgrade, systemd restart) while UP ---------------------
# The new safed adopts the pinned filter within the lease: no client waits
# longer than a normal answer, and no view is committed without the node.
views_before=$(grep -c SF_VIEW_COMMITTED "/run/safefarm-lab/$P/safed/n1/log/apache_farm/module.log")
gap_start 2 "$tmp/wr"
lab safed-restart n2
gap_worst "$tmp/wr"
gap=$GAP
sleep 0.5
lost=$(awk -v n="$views_before" 'NR > 0 && /SF_VIEW_COMMITTED/ {c++; if (c > n) print}' \
  "/run/safefarm-lab/$P/safed/n1/log/apache_farm/module.log" | grep -vc ' 2/[0-9]*:ready')
check "safed restart on n2: adopted within the lease" "$(grep -q 'resumed within the lease' "/run/safefarm-lab/$P/safed/n2/log/apache_farm/module.log" && echo 1 || echo 0)" ""
check "safed restart on n2: no view without n2" "$([[ $lost == 0 ]] && echo 1 || echo 0)" "views without n2: $lost"
# 32-56 ms on this host until issue 13; 512-967 ms on loaded hosts before
# and after it, while the new safed loaded its BPF program at RT priority
# (the whole lab starved); 586 ms once safed takes SCHED_RR only after the
# modules are resumed. At most one SYN retransmission, the figure printed.
check "safed restart on n2: longest wait <= 1000 ms" "$( ((gap >= 0 && gap <= 1000)) && echo 1 || echo 0)" "longest wait ${gap} ms (requests every 20 ms)"
echo "MEASURED restart_gap_ms=$gap"

# --- SIGSTOP of safed on node 3 past the detection time --------------------
pid=$(cat "/run/safefarm-lab/$P/safed/n3/run/safed.pid")
watch_start 3 "$tmp/w4"
kill -STOP "$pid"
watch_worst "$tmp/w4"
gap=$GAP
check "SIGSTOP safed n3: longest outage of a client" "$( ((gap >= 0 && gap <= 1500)) && echo 1 || echo 0)" "${gap} ms"
check "SIGSTOP safed n3: n3 answers nobody while frozen" "$([[ $(grep -c ' n3 ' "$tmp/w4") == 0 && $(grep -c ' NONE ' "$tmp/w4") == 0 ]] && echo 1 || echo 0)" ""
echo "MEASURED sigstop_gap_ms=$gap"
sleep 1
# Packet level, in the switch namespace: which node sent each SYN-ACK (the
# bridge port it came in on, tests/lab/wire_watch.py). A node answering on a
# stale view while another one serves the same client is a handshake (same
# 4-tuple and client ISN) answered by two nodes; a node resending its own
# SYN-ACK (the client's ACK was late) is not. (Counting SYN-ACKs against
# SYNs in the client could not tell the two apart: issue 13.)
wake_s=25
nsenter --net="/run/netns/${P}sw" -- timeout $((wake_s + 30)) python3 "$top/tests/lab/wire_watch.py" \
  --duration "$wake_s" --vip "$VIP4" >"$tmp/wake.wire" 2>"$tmp/wake.wire.err" &
wire=$!
wake_t0=$(ms)
for ((t = 0; t < 150; t++)); do grep -q capturing "$tmp/wake.wire.err" 2>/dev/null && break; sleep 0.1; done
kill -CONT "$pid"
# Waking up, n3 must not serve on its stale view: every client still answered
# exactly once while it rejoins.
none=0
for _ in 1 2 3 4 5; do
  survey "$tmp/s5"
  none=$((none + CLIENTS - $(answered "$tmp/s5")))
done
check "n3 wakes: every client answered in 5 rounds" "$([[ $none == 0 ]] && echo 1 || echo 0)" "unanswered=$none"
# The watcher stops by itself after wake_s seconds (the rounds take less).
wait "$wire" 2>/dev/null
echo "wire watch of the wake ($(($(ms) - wake_t0)) ms): $(cat "$tmp/wake.wire" 2>/dev/null) $(tail -2 "$tmp/wake.wire.err" 2>/dev/null)"
wj() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d$1)" "$tmp/wake.wire" 2>/dev/null || echo '?'; }
twice=$(wj "['syns_answered_twice']")
check "n3 wakes: no handshake answered by two nodes" "$([[ $twice == 0 && $(wj "['syns_seen']") != 0 && $(wj "['syns_seen']") != '?' ]] && echo 1 || echo 0)" \
  "answered twice $twice; SYNs $(wj "['syns_seen']"), SYN-ACKs $(wj "['synacks']"), resent by the same node $(wj "['synacks_repeated']")"
wait_state 3 2 20 && ok=1 || ok=0
check "n3 UP again" "$ok" ""

# --- link down of node 1 ----------------------------------------------------
watch_start 3 "$tmp/w6"
ip -n "$(node_ns 1)" link set eth0 down
watch_worst "$tmp/w6"
gap=$GAP
check "link down n1: longest outage of a client" "$( ((gap >= 0 && gap <= 1500)) && echo 1 || echo 0)" "${gap} ms"
check "link down n1: every client answered by n2/n3" "$([[ $(grep -c ' n1 ' "$tmp/w6") == 0 && $(grep -c ' NONE ' "$tmp/w6") == 0 ]] && echo 1 || echo 0)" ""
echo "MEASURED linkdown_gap_ms=$gap"
ip -n "$(node_ns 1)" link set eth0 up
sleep 2

# --- 200 keep-alive connections: a graceful stop and a join reset none -------
# keepalive.py holds them (a request on each every 0.5 s); a clean close by
# Apache's graceful stop is reconnected and a request it carried sent again,
# as HTTP clients do; a reset, an unanswered request or an error fails.
survey "$tmp/ka"
mapfile -t ka_srcs < <(awk '$2 == "n2" {print $1}' "$tmp/ka")
per=$(((200 + ${#ka_srcs[@]} - 1) / ${#ka_srcs[@]}))
ka_t0=$(ms)
nsenter --net="/run/netns/${P}cl" -- python3 "$top/tests/lab/keepalive.py" "$VIP4" "${ka_srcs[@]}" \
  --per-source "$per" --seconds 16 >"$tmp/ka_stop" 2>&1 &
kapid=$!
sleep 2
t0=$(ms)
safectl 2 stop -m apache_farm >"$tmp/ka_stop_out" 2>&1
stop_ms=$(($(ms) - t0))
wait "$kapid"
on_n2=$(ka "$tmp/ka_stop" ".get('first_nodes',{}).get('n2',0)")
# The stop's moment on keepalive.py's clock (its failures are timed from
# its start, which it reports as wall-clock ms).
ka_start=$(ka "$tmp/ka_stop" "['start_wall_ms']")
[[ $ka_start =~ ^[0-9]+$ ]] || ka_start=$ka_t0
stop_at=$(awk -v a="$ka_start" -v b="$t0" 'BEGIN {printf "%.3f", (b - a) / 1000}')
broken=$(ka_broken_from "$tmp/ka_stop" "$stop_at")
before=$(ka_broken_from "$tmp/ka_stop" 0)
# Issue 13: 1-3 of ~200 were reset 160-490 ms after the stop in 5 of 6
# runs: n1 and n3 kept flows they recorded while they held n2's buckets
# (kill -9 above); a keep-alive connection reusing such a 5-tuple on n2 was
# taken (and reset) by them as soon as the bucket moved in transition. A
# SYN for another node's bucket now forgets the flow recorded on its
# 5-tuple (tests/bpf FarmFilterTransitionTest "...ForgetsAStaleOwnFlow").
check "stop n2 with $((per * ${#ka_srcs[@]})) keep-alive connections on it: none reset by the stop" \
  "$( [[ $broken == 0 && $(ka "$tmp/ka_stop" "['timeouts'] + d['errors']") == 0 && $on_n2 -ge 200 && $(ka "$tmp/ka_stop" ".get('last_nodes',{}).get('n2',0)") == 0 ]] && echo 1 || echo 0)" \
  "broken from the stop ($stop_at s) on: $broken; $(cat "$tmp/ka_stop"), stop took ${stop_ms} ms"
# Connections reset before the stop (1-2 seen once about 1.7 s into this
# phase) are measured.
echo "MEASURED keepalive_broken_before_stop=$((before - broken))"
wait_state 2 0 30 || true
# n2 joins while the same clients hold 200 connections on n1 and n3: the
# buckets move in transition, the old owners keep the flows they hold.
nsenter --net="/run/netns/${P}cl" -- python3 "$top/tests/lab/keepalive.py" "$VIP4" "${ka_srcs[@]}" \
  --per-source "$per" --seconds 10 >"$tmp/ka_join" 2>&1 &
kapid=$!
sleep 2
safectl 2 start -m apache_farm >/dev/null 2>&1
wait_state 2 2 20 && ok=1 || ok=0
wait "$kapid"
check "n2 joins with 200 connections open on n1/n3: none reset" \
  "$(ka_clean "$tmp/ka_join" && [[ $ok == 1 && $(ka "$tmp/ka_join" "['connections']") -ge 200 && $(ka "$tmp/ka_join" ".get('last_nodes',{}).get('n2',0)") == 0 ]] && echo 1 || echo 0)" \
  "$(cat "$tmp/ka_join")"
sleep 1

# --- graceful stop drains ----------------------------------------------------
# A slow download from a client served by n2; stopping n2 must not break it.
survey "$tmp/s7"
src=$(awk '$2 == "n2" {print $1; exit}' "$tmp/s7")
root=/run/safefarm-lab/$P/apache/n2/htdocs
head -c 1500000 /dev/zero >"$root/big"
for i in 1 3; do head -c 1500000 /dev/zero >"/run/safefarm-lab/$P/apache/n$i/htdocs/big"; done
timeout 60 nsenter --net="/run/netns/${P}cl" -- curl -s -o /dev/null -w '%{size_download} %{http_code}\n' \
  --limit-rate 500k --interface "$src" "http://$VIP4/big" >"$tmp/dl" 2>&1 &
dl=$!
sleep 1
t0=$(ms)
safectl 2 stop -m apache_farm >"$tmp/stop" 2>&1
stop_ms=$(($(ms) - t0))
wait "$dl"
check "graceful stop n2: the download in progress completed" "$([[ $(cat "$tmp/dl") == "1500000 200" ]] && echo 1 || echo 0)" "$(cat "$tmp/dl"), stop took ${stop_ms} ms"
check "graceful stop n2: n2 served it, the stop waited for it" "$(grep -q "^$src .*GET /big HTTP/1.1\" 200" "$root/../logs/access.log" && ((stop_ms >= 2000)) && echo 1 || echo 0)" "client $src"
wait_state 2 0 30 && ok=1 || ok=0
check "n2 STOP" "$ok" ""
survey "$tmp/s8"
check "n2 stopped: every client answered by n1/n3" "$([[ $(answered "$tmp/s8") == "$CLIENTS" && $(count_of "$tmp/s8" n2) == 0 ]] && echo 1 || echo 0)" "$(answered "$tmp/s8")/$CLIENTS, n2=$(count_of "$tmp/s8" n2)"
left=$(ip -n "$(node_ns 2)" -br addr show | grep -c "$VIP4"; ip -n "$(node_ns 2)" link show dev eth0 | grep -c 'prog/xdp')
check "n2 stopped: no VIP, no XDP program left" "$([[ $(echo "$left" | paste -sd+ | bc) == 0 ]] && echo 1 || echo 0)" "$(echo "$left" | tr '\n' ' ')"
check "n2 stopped: n1's module log says it left after its drain" \
  "$(grep -q 'I SF_NODE_LOST apache_farm: n2 (id 2) left the farm after its drain' "$modlog1" && echo 1 || echo 0)" \
  "$(grep SF_NODE_LOST "$modlog1" | tail -1 | cut -c1-120)"
check "n2 stopped: its ready.txt answers 404" "$([[ $(code "http://198.18.0.12:9010/var/modules/apache_farm/ready.txt") == 404 ]] && echo 1 || echo 0)" ""

# --- the application dies: the checker restarts it; past maxloop, STOP ------
apache_pid() { cat "/run/safefarm-lab/$P/apache/n$1/run/httpd.pid" 2>/dev/null; }
kill_apache() { local pid; pid=$(apache_pid "$1") && [[ -n $pid ]] && pkill -KILL -s "$pid"; }
log3=/run/safefarm-lab/$P/safed/n3/log/apache_farm/module.log
old=$(apache_pid 3)
kill_apache 3
ok=0
for ((t = 0; t < 150; t++)); do # ≤ 15 s
  new=$(apache_pid 3)
  if [[ -n $new && $new != "$old" ]] && kill -0 "$new" 2>/dev/null && grep -qE 'SF_CHECK_FAILED|SF_ERRD' "$log3"; then
    ok=1
    break
  fi
  sleep 0.1
done
# The tcp checker or <errd> (both poll every 10 s) sees it first: SF_CHECK_FAILED or SF_ERRD.
check "apache killed on n3: a checker restarts it" "$ok" "$(grep -cE 'SF_CHECK_FAILED|SF_ERRD' "$log3") checker or errd failures logged"
wait_state 3 2 20 && ok=1 || ok=0
check "n3 UP again after the restart" "$ok" ""
# maxloop is 3 within 24h: the next failures exhaust it.
for _ in 1 2 3; do
  sleep 1
  kill_apache 3
  for ((t = 0; t < 100; t++)); do
    safectl 3 state -q -m apache_farm >/dev/null 2>&1
    st=$?
    [[ $st == 0 ]] && break
    [[ $st == 2 && $(apache_pid 3) != "" ]] && kill -0 "$(apache_pid 3)" 2>/dev/null && ((t > 5)) && break
    sleep 0.2
  done
done
wait_state 3 0 30 && ok=1 || ok=0
check "past maxloop the module goes to STOP, saying why" "$([[ $ok == 1 ]] && grep -q SF_MAXLOOP "$log3" && echo 1 || echo 0)" "$(grep SF_MAXLOOP "$log3" | tail -1 | cut -c1-120)"

# --- a hanging stop_both is forced within its bounds --------------------------
mod1=/run/safefarm-lab/$P/safed/n1/etc/modules/apache_farm
cp "$mod1/bin/stop_both" "$tmp/stop_both.orig"
printf '#!/bin/sh\nsleep 1000\n' >"$mod1/bin/stop_both"
t0=$(ms)
safectl 1 stop -m apache_farm >/dev/null 2>&1
took=$(($(ms) - t0))
# Drain (up to 2 s) + nicestoptimeout 8 s + forcestoptimeout 3 s, then killed.
check "hanging stop_both: forced, STOP within the bounds" "$( ((took <= 16000)) && safectl 1 state -q -m apache_farm >/dev/null 2>&1 && echo 1 || echo 0)" "stop took ${took} ms"
check "hanging stop_both: its processes are gone" "$( pgrep -f 'sleep 1000' >/dev/null && echo 0 || echo 1)" ""
cp "$tmp/stop_both.orig" "$mod1/bin/stop_both"

# --- power: the spread follows the weights ------------------------------------
# <host power>: n1 2, n3 1 (n2 is stopped above, and n1 by the hanging
# stop_both test): start all three with the group's hosts, expect n1 about
# half, n2 and n3 a quarter each.
for i in 1 2 3; do safectl "$i" stop -m apache_farm --force >/dev/null 2>&1; done
for i in 1 2 3; do
  sed -i 's|<group name="apache">|<group name="apache"><cluster><host name="n1" power="2"/><host name="n2" power="1"/><host name="n3" power="1"/></cluster>|' \
    "/run/safefarm-lab/$P/safed/n$i/etc/modules/apache_farm/conf/userconfig.xml"
done
for i in 1 2 3; do safectl "$i" start -m apache_farm >/dev/null 2>&1; done
ok=1
for i in 1 2 3; do wait_state "$i" 2 20 || ok=0; done
sleep 1
survey "$tmp/sp"
p1=$(count_of "$tmp/sp" n1) p2=$(count_of "$tmp/sp" n2) p3=$(count_of "$tmp/sp" n3)
mis=$(mismatches "$tmp/sp")
sh="$(share_of n1)/$(share_of n2)/$(share_of n3)"
check "power 2/1/1: shares 50/25/25, each client by its owner" "$( ((ok && p1 + p2 + p3 == CLIENTS)) && [[ $mis == 0 && $sh == 50/25/25 ]] && echo 1 || echo 0)" "shares % $sh; n1=$p1 n2=$p2 n3=$p3, $mis not by the predicted node"

# --- safectl restart: the application only, the node stays in the farm ------
old=$(apache_pid 1)
safectl 1 restart -m apache_farm >"$tmp/restart" 2>&1
rc=$?
wait_state 1 2 20 && ok=1 || ok=0
new=$(apache_pid 1)
check "safectl restart: a new Apache, UP again" "$( ((rc == 0 && ok)) && [[ -n $new && $new != "$old" ]] && echo 1 || echo 0)" "$(cat "$tmp/restart"), apache $old -> $new"
# The application start_both started holds none of safed's descriptors
# (its heartbeat sockets, module.log): Apache's workers read heartbeats and
# wrote into the log through inherited ones (issue 14).
spid=$(cat "/run/safefarm-lab/$P/safed/n1/run/safed.pid")
safed_fds=$(for f in /proc/"$spid"/fd/*; do readlink "$f"; done 2>/dev/null | grep -E '^socket:|module\.log' | sort -u)
shared=""
for ap in $(pgrep -s "$new" 2>/dev/null); do
  for f in /proc/"$ap"/fd/*; do readlink "$f"; done 2>/dev/null | sort -u | grep -Fx -f <(echo "$safed_fds") | grep -q . && shared="$shared $ap"
done
check "Apache (started by start_both) holds no descriptor of safed's" \
  "$([[ -n $safed_fds && -n $(pgrep -s "$new") && -z $shared ]] && echo 1 || echo 0)" \
  "apache processes $(pgrep -s "$new" | wc -l), sharing safed's sockets or log:${shared:- none}"

# --- modules installed and removed through safed -----------------------------
safectl 1 module install "$build/modules/farm.safe" >"$tmp/inst" 2>&1
safectl 1 module list >"$tmp/list" 2>&1
safectl 1 stop -m farm >"$tmp/stop_never" 2>&1
check "stop of a module never started: already stopped" "$(grep -q 'already stopped' "$tmp/stop_never" && echo 1 || echo 0)" "$(head -c 80 "$tmp/stop_never")"
log1=/run/safefarm-lab/$P/safed/n1/log/farm/module.log
check "the module log says who asked (safectl's pid and uid)" \
  "$(grep -Eq 'SF_COMMAND farm: stop asked by safectl \(pid [0-9]+, uid 0\)' "$log1" && echo 1 || echo 0)" "$(grep -m1 SF_COMMAND "$log1")"
api -H "Authorization: Bearer $key" "$n1api/api/v1/commands/status?module=farm" >"$tmp/status_never" 2>&1
check "status of a module never started: the farm's nodes named, this one STOP" \
  "$(python3 -c "
import json, sys
a = json.load(open(sys.argv[1]))['arguments']
n = {x['name']: x['state'] for x in a['nodes']}
print(1 if n == {'n1': 'STOP', 'n2': 'UNKNOWN', 'n3': 'UNKNOWN'} and a['self'] == 1 else 0)" "$tmp/status_never" 2>/dev/null || echo 0)" \
  "$(head -c 160 "$tmp/status_never")"
check "module install farm.safe: listed next to apache_farm" "$(grep -q '^farm' "$tmp/list" && grep -q '^apache_farm' "$tmp/list" && echo 1 || echo 0)" "$(tr -s ' \n' ' ' <"$tmp/list")"
printf 'not a zip' >"$tmp/broken.safe"
safectl 1 module install "$tmp/broken.safe" >"$tmp/inst2" 2>&1
rc=$?
check "module install of a broken .safe is refused" "$([[ $rc == 1 ]] && grep -q 'not a zip' "$tmp/inst2" && echo 1 || echo 0)" "$(head -c 100 "$tmp/inst2")"
# A bad configuration: start refused with the error, nothing on the node
# changed (addresses, XDP, pins, the other module).
ucfg=/run/safefarm-lab/$P/safed/n1/etc/modules/farm/conf/userconfig.xml
sed -i '0,/<farm/s//<farm bogus="1"/' "$ucfg"
snap() { ip -n "$(node_ns 1)" -br addr; ip -n "$(node_ns 1)" link show dev eth0 | grep -o 'prog/xdp id [0-9]*'; ls "$BPFFS_DIR" 2>/dev/null; safectl 1 state -m apache_farm 2>&1; }
BPFFS_DIR=/sys/fs/bpf/safefarm
before=$(snap)
safectl 1 start -m farm >"$tmp/bad" 2>&1
rc=$?
after=$(snap)
safectl 1 state -q -m farm >/dev/null 2>&1
st=$?
check "a bad configuration: start refused with the error, nothing changed" \
  "$([[ $rc == 1 && $st == 0 && "$before" == "$after" ]] && grep -q "bogus" "$tmp/bad" && echo 1 || echo 0)" "$(head -c 160 "$tmp/bad" | tr '\n' ' ')"
safectl 1 module remove farm >/dev/null 2>&1
safectl 1 module list >"$tmp/list2" 2>&1
mods=/run/safefarm-lab/$P/safed/n1/etc/modules
# Renamed to .farm.removedN at once, deleted off the modules' thread.
farm_left() { [[ -n $(find "$mods" -mindepth 1 -maxdepth 1 \( -name farm -o -name '.farm.*' \) -print -quit) ]]; }
for _ in $(seq 20); do farm_left || break; sleep 0.1; done
check "module remove farm: gone, its folder deleted" \
  "$(! grep -q '^farm' "$tmp/list2" && ! farm_left && echo 1 || echo 0)" "$(find "$mods" -mindepth 1 -maxdepth 1 -printf '%f ')"

finish
