#!/usr/bin/env bash
# tests/install/safectl_files_test.sh SAFECTL
# The verbs of safectl that work on files, without safed and without root:
# cluster genkey (mode 600, atomic, no overwrite without --force) and
# boot on|off|status (the override safed reads, safed/BootFlag.h).
set -uo pipefail
safectl=$1
# shellcheck source=../support/assert.sh
source "$(dirname "$0")/../support/assert.sh"
tmp=$(mktemp -d /tmp/safectl-files.XXXXXX)
trap 'rm -rf -- "$tmp"' EXIT

# --- cluster genkey
(umask 000 && "$safectl" cluster genkey "$tmp/k" >/dev/null)
check "genkey writes 32 bytes, mode 600 whatever the umask" "$([[ $(stat -c '%a %s' "$tmp/k") == "600 32" ]] && echo 1 || echo 0)" "$(stat -c '%a %s' "$tmp/k")"
sum=$(sha256sum <"$tmp/k")
"$safectl" cluster genkey "$tmp/k" 2>"$tmp/err"
rc=$?
check "genkey refuses an existing key (exit 1, key unchanged)" \
  "$([[ $rc == 1 && $(sha256sum <"$tmp/k") == "$sum" ]] && grep -q -- --force "$tmp/err" && echo 1 || echo 0)" "rc=$rc"
"$safectl" cluster genkey --force "$tmp/k" >/dev/null
check "genkey --force replaces it" "$([[ $(sha256sum <"$tmp/k") != "$sum" && $(stat -c '%a %s' "$tmp/k") == "600 32" ]] && echo 1 || echo 0)" ""
others=$(find "$tmp" -mindepth 1 -maxdepth 1 ! -name k ! -name err -printf '%f ')
check "genkey leaves no temporary file" "$([[ -z $others ]] && echo 1 || echo 0)" "$others"
"$safectl" cluster genkey "$tmp/nosuch/k" 2>/dev/null
rc=$?
check "genkey into a missing folder fails" "$([[ $rc == 1 ]] && echo 1 || echo 0)" "rc=$rc"
mkdir -p "$tmp/etc" && SAFEFARM_CONFIG_DIR=$tmp/etc "$safectl" cluster genkey >/dev/null
check "genkey default path: \$SAFEFARM_CONFIG_DIR/cluster.key" "$([[ -f $tmp/etc/cluster.key ]] && echo 1 || echo 0)" ""

# --- boot on|off|status
b() { "$safectl" boot "$@" --config-dir "$tmp/etc" --var-dir "$tmp/var"; }
module() { # NAME BOOT: a valid module folder (as docs/samples/minimal.xml)
  local d=$tmp/etc/modules/$1
  mkdir -p "$d/conf" "$d/bin"
  printf '#!/bin/sh\nexit 0\n' >"$d/bin/start_both"
  cp "$d/bin/start_both" "$d/bin/stop_both"
  chmod 755 "$d/bin/"*
  cat >"$d/conf/userconfig.xml" <<XML
<safe><service mode="farm" $2><farm><lan name="default"/></farm>
  <vip><interface_list><interface><virtual_interface><virtual_addr addr="192.0.2.99"/></virtual_interface></interface></interface_list>
  <loadbalancing_list><group name="web"><rule port="80"/></group></loadbalancing_list></vip>
</service></safe>
XML
}
module web 'boot="on"'
module api ''
module .web.new ''
out=$(b status)
check "status without overrides: userconfig.xml decides" \
  "$([[ $out == $'api: boot off (userconfig.xml)\nweb: boot on (userconfig.xml)' ]] && echo 1 || echo 0)" "$out"
b off -m web >/dev/null
b on -m api >/dev/null
out=$(b status)
check "on/off -m: overrides, status says so" \
  "$([[ $out == $'api: boot on (safectl boot)\nweb: boot off (safectl boot)' && $(cat "$tmp/var/boot/web") == off ]] && echo 1 || echo 0)" "$out"
b on >/dev/null
check "on without -m: every installed module (not .NAME.new)" \
  "$([[ $(cat "$tmp/var/boot/web") == on && ! -e $tmp/var/boot/.web.new ]] && echo 1 || echo 0)" "$(ls -A "$tmp/var/boot")"
b on -m nosuch 2>"$tmp/err"
rc=$?
check "an unknown module is refused" "$([[ $rc == 1 ]] && grep -q "no module 'nosuch'" "$tmp/err" && echo 1 || echo 0)" "$(cat "$tmp/err")"
b maybe 2>/dev/null
rc=$?
check "on|off|status only" "$([[ $rc == 1 ]] && echo 1 || echo 0)" "rc=$rc"
finish
