#!/usr/bin/env bash
# tests/support/assert_test.sh: the shell tests' assertions (assert.sh): the
# PASS/FAIL lines, the closing tally, the exit status of finish and fatal,
# and require_root's skip or failure (id -u faked). No root needed. (It
# cannot use assert.sh to judge assert.sh: it counts on its own.)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/assert.sh
passed=0 failed=0
# expect NAME WANT_STATUS WANT_OUTPUT SCRIPT: SCRIPT run by a fresh bash that
# sourced assert.sh, without the caller's REQUIRE_PRIVILEGED (CI exports it:
# a case sets it itself when it is about it).
expect() {
  local out rc
  out=$(env -u REQUIRE_PRIVILEGED bash -c "source '$lib'; $4" 2>&1)
  rc=$?
  if [[ $rc == "$2" && $out == "$3" ]]; then
    passed=$((passed + 1))
    echo "PASS  $1"
  else
    failed=$((failed + 1))
    echo "FAIL  $1: status $rc (want $2), output:"
    printf '%s\n' "$out" | sed 's/^/      | /'
  fi
}
line() { printf "%s  %-${3:-46}s %s" "$1" "$2" "${4:-}"; } # a check's line, as assert.sh prints it

expect "a passed check, finish exits 0" 0 \
  "$(line PASS one 46 detail)"$'\n1 passed, 0 failed' 'check one 1 detail; finish'
expect "a failed check fails the test" 1 \
  "$(line PASS one)"$'\n'"$(line FAIL two 46 why)"$'\n1 passed, 1 failed' 'check one 1; check two 0 why; finish'
expect "no check at all fails the test" 1 "0 passed, 0 failed" 'finish'
expect "CHECK_WIDTH sets the name column" 0 \
  "$(line PASS ab 4 x)"$'\n1 passed, 0 failed' 'CHECK_WIDTH=4; check ab 1 x; finish'
expect "a detail on several lines stays on one" 0 \
  "$(line PASS n 46 'a b')"$'\n1 passed, 0 failed' "check n 1 \$'a\\nb'; finish"
expect "fatal: a failed check, the tally, nothing after" 1 \
  "$(line PASS one)"$'\n'"$(line FAIL two 46 gone)"$'\n1 passed, 1 failed' 'check one 1; fatal two gone; echo after'
expect "require_root as root: goes on" 0 "on" 'id() { echo 0; }; require_root "the test"; echo on'
expect "require_root without root: skip (77)" 77 "SKIP: the test needs root" \
  'id() { echo 1000; }; require_root "the test"; echo on'
expect "require_root without root under REQUIRE_PRIVILEGED=1: fail" 1 \
  "FAIL: the test needs root (REQUIRE_PRIVILEGED=1)" \
  'id() { echo 1000; }; REQUIRE_PRIVILEGED=1 require_root "the test"; echo on'
echo "$passed passed, $failed failed"
((failed == 0))
