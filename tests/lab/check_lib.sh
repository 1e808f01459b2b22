# What the shell tests (lab, install) share: `require_root WHAT` skips (77)
# without root, or fails under REQUIRE_PRIVILEGED=1 (CI); `check NAME OK
# DETAIL` counts and prints a PASS/FAIL line (OK is 1 or 0); `finish` prints
# the tally and exits with whether every check passed and at least one ran.
# CHECK_WIDTH: the name column.
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
  if [[ $2 == 1 ]]; then
    passed=$((passed + 1)); printf "PASS  %-${CHECK_WIDTH:-46}s %s\n" "$1" "$3"
  else
    failed=$((failed + 1)); printf "FAIL  %-${CHECK_WIDTH:-46}s %s\n" "$1" "$3"
  fi
}
finish() { echo "$passed passed, $failed failed"; ((failed == 0 && passed > 0)); exit $?; }
