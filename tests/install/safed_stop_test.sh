#!/usr/bin/env bash
# tests/install/safed_stop_test.sh: packaging/safed-stop, the unit's ExecStop,
# against a fake systemctl (the job systemd runs) and a fake safectl:
# modules are stopped on a stop job, kept on a restart job, and SAFED_STOP
# overrides; a safed that is not running (exit 2) is not an error.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../support/assert.sh
source "$top/tests/support/assert.sh"
tmp=$(mktemp -d /tmp/safed-stop-test.XXXXXX)
trap 'rm -rf -- "$tmp"' EXIT
cat >"$tmp/systemctl" <<'SH'
#!/bin/sh
# list-jobs --no-legend: JOB UNIT TYPE STATE
[ -n "${FAKE_JOB:-}" ] && echo "42 safed.service $FAKE_JOB running"
echo "43 other.service stop waiting"
exit 0
SH
cat >"$tmp/safectl" <<'SH'
#!/bin/sh
echo "$*" >>"$CALLS"
exit "${FAKE_SAFECTL_RC:-0}"
SH
chmod 755 "$tmp/systemctl" "$tmp/safectl"
run() { # NAME EXPECTED_CALLS EXPECTED_RC env...
  local name=$1 want=$2 wantrc=$3 got rc
  shift 3
  : >"$tmp/calls"
  env PATH="$tmp:$PATH" CALLS="$tmp/calls" "$@" "$top/packaging/safed-stop" safed.service
  rc=$?
  got=$(paste -sd';' "$tmp/calls")
  check "$name" "$([[ $got == "$want" && $rc == "$wantrc" ]] && echo 1 || echo 0)" "calls '$got' rc $rc"
}
run "systemctl stop: every module stopped" "stop" 0 FAKE_JOB=stop
run "shutdown (no job seen): modules stopped" "stop" 0
run "systemctl restart: modules kept" "" 0 FAKE_JOB=restart
run "try-restart (upgrade): modules kept" "" 0 FAKE_JOB=try-restart
run "SAFED_STOP=detach: kept on stop" "" 0 FAKE_JOB=stop SAFED_STOP=detach
run "SAFED_STOP=modules: stopped on restart" "stop" 0 FAKE_JOB=restart SAFED_STOP=modules
run "safed not running (exit 2): not an error" "stop" 0 FAKE_JOB=stop FAKE_SAFECTL_RC=2
run "a failed stop is reported" "stop" 1 FAKE_JOB=stop FAKE_SAFECTL_RC=1
finish
