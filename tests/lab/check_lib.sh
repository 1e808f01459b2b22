# The PASS/FAIL lines of the shell tests (lab, install): `check NAME OK
# DETAIL` counts and prints one (OK is 1 or 0), `finish` prints the tally
# and exits with whether every check passed and at least one ran.
# CHECK_WIDTH: the name column.
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
