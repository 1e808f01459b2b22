# shellcheck shell=bash
# tests/support/assert.sh: the one assertion convention of the shell tests
# (lab, install, the modules' scripts), sourced. Every check prints one line
#   PASS  NAME                                           DETAIL
#   FAIL  NAME                                           DETAIL
# and `finish` closes with "N passed, M failed" (the plain closing line CI
# reads) and the test's exit status.
#
#   require_root WHAT      skip (exit 77) without root, or fail under
#                          REQUIRE_PRIVILEGED=1 (CI)
#   check NAME OK DETAIL   counts and prints; OK is 1 (passed) or 0
#   fatal NAME DETAIL      a failed check the test cannot go on after: finish
#   finish                 the tally; exits 0 only if every check passed and
#                          at least one ran
# CHECK_WIDTH: the name column (46 unless the test sets it).

require_root() {
  if [[ $(id -u) -ne 0 ]]; then
    if [[ ${REQUIRE_PRIVILEGED:-0} == 1 ]]; then
      echo "FAIL: $1 needs root (REQUIRE_PRIVILEGED=1)"
      exit 1
    fi
    echo "SKIP: $1 needs root"
    exit 77
  fi
}

passed=0
failed=0
check() { # NAME OK(0|1) DETAIL
  local detail=${3:-}
  detail=${detail//$'\n'/ } # one line per check
  if [[ $2 == 1 ]]; then
    passed=$((passed + 1))
    printf "PASS  %-${CHECK_WIDTH:-46}s %s\n" "$1" "$detail"
  else
    failed=$((failed + 1))
    printf "FAIL  %-${CHECK_WIDTH:-46}s %s\n" "$1" "$detail"
  fi
}
fatal() { # NAME DETAIL
  check "$1" 0 "${2:-}"
  finish
}
finish() {
  echo "$passed passed, $failed failed"
  ((failed == 0 && passed > 0))
  exit $?
}
