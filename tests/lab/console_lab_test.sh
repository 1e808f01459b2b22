#!/usr/bin/env bash
# tests/lab/console_lab_test.sh [BUILD_DIR]
#
# The web console in a browser (issue 6): 3 nodes in the netns lab with safed
# and apache_farm.safe; an admin user on n1; tests/web/console.test.mjs
# (playwright-core, Debian's chromium, headless) runs inside the client
# namespace against n1's console on port 9010: log in, every node green and
# the bucket map, stop n2 from n1's console (its buckets go, red), start it
# again (green, buckets back), n3's log, the configuration checked and
# deployed to every node, the snapshot downloaded. The screenshots (and
# the snapshot) are kept in BUILD_DIR/artifacts/console/.
#
# Not root: skip (77), or fail with REQUIRE_PRIVILEGED=1. Cleans up on any exit.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${SAFEFARM_BUILD:-$top/build}}
build=$(cd "$build" 2>/dev/null && pwd || echo "$build")
P=${SAFEFARM_LAB_TEST_PREFIX:-sfwc}
CLIENTS=1

# shellcheck source=farm_lib.sh
source "$top/tests/lab/farm_lib.sh"
for f in "$top/tests/web/node_modules/playwright-core" /usr/bin/chromium; do
  [[ -e $f ]] || fatal "${f##*/} installed" "$f missing (scripts/setup installs it)"
done

echo "== lab: 3 nodes with safed + apache_farm.safe, the console in chromium"
lab up --agent --nodes 3 --clients 1 || fatal "lab up" "scripts/lab up failed"
lab safed || fatal "lab safed" "safed did not start on every node"
for i in 1 2 3; do safectl "$i" start -m apache_farm >/dev/null; done
ok=1
for i in 1 2 3; do wait_state "$i" 2 20 || ok=0; done
check "module UP on the 3 nodes" "$ok" ""
((ok)) || finish

password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
echo "$password" | "$build/agent/safectl/safectl" user add admin admin \
  --users-file "/run/safefarm-lab/$P/safed/n1/etc/users.json" >/dev/null
kill -HUP "$(cat "/run/safefarm-lab/$P/safed/n1/run/safed.pid")"
sleep 0.3

shots=$build/artifacts/console
rm -rf "$shots"
# n1's own certificate (made at its first start): chromium trusts exactly
# its key; node (playwright's side, which fetches a status to alter it)
# trusts it as a CA.
n1cert=/run/safefarm-lab/$P/safed/n1/etc/tls/api.crt
nsenter --net="/run/netns/${P}cl" -- env NODE_EXTRA_CA_CERTS="$n1cert" timeout 300 node "$top/tests/web/console.test.mjs" \
  --url https://198.18.0.11:9010 --cacert "$n1cert" --user admin --password "$password" --node n1 --shots "$shots" >"$tmp/browser" 2>&1
rc=$?
cat "$tmp/browser"
check "the console in chromium: every step" "$([[ $rc == 0 ]] && echo 1 || echo 0)" "screenshots: $(find "$shots" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null)"
log2=/run/safefarm-lab/$P/safed/n2/log/apache_farm/module.log
check "n2's module log says who stopped it, and through which node" \
  "$(grep -q 'SF_COMMAND apache_farm: stop asked by admin (admin) via n1' "$log2" && grep -q 'SF_COMMAND apache_farm: start asked by admin (admin) via n1' "$log2" && echo 1 || echo 0)" \
  "$(grep -m1 SF_COMMAND "$log2")"
check "the snapshot downloaded from the console holds every node's files" \
  "$(python3 -c "
import sys, zipfile
names = {n.split('/', 1)[1] for n in zipfile.ZipFile(sys.argv[1]).namelist()}
need = {f'{n}/{f}' for n in ('n1', 'n2', 'n3') for f in ('status.json', 'logs/module.log', 'conf/userconfig.xml')}
print(1 if need <= names else 0)" "$shots/snapshot.zip" 2>/dev/null || echo 0)" "$(stat -c %s "$shots/snapshot.zip" 2>/dev/null) bytes"

finish
