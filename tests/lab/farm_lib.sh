# tests/lab/farm_lib.sh - sourced by the farm lab tests (farm_lab_test.sh,
# farm_directed_lab_test.sh): the privilege check, the lab's clean-up on any
# exit, check(), and the client-side probes. The caller sets top, build, P
# (the lab prefix) and CLIENTS first.
# shellcheck shell=bash
: "${top:?farm_lib.sh: the caller sets top}" "${build:?farm_lib.sh: the caller sets build}"
: "${P:?farm_lib.sh: the caller sets P}" "${CLIENTS:?farm_lib.sh: the caller sets CLIENTS}"
PARALLEL=${PARALLEL:-16}

# shellcheck source=../support/assert.sh
source "$top/tests/support/assert.sh"
require_root "the lab test"
for b in agent/safed/safed agent/safectl/safectl modules/apache_farm.safe; do
  [[ -e $build/$b ]] || fatal "$b built" "$build/$b missing"
done

# The clean-up takes down only a lab this run brought up: a lab with the
# same prefix that exists already is another run's (a CI's scripts/test
# next to a developer's run), and `lab up` refuses it.
LAB_OURS=0
lab() {
  if [[ $1 == up ]]; then
    if ip netns list 2>/dev/null | awk '{print $1}' | grep -qxE "${P}(sw|cl|n[0-9]+)"; then
      echo "lab: a lab with prefix '$P' is up already (another run's?): left alone; SAFEFARM_LAB_TEST_PREFIX=... to run beside it" >&2
      return 1
    fi
    LAB_OURS=1
  fi
  "$top/scripts/lab" --prefix "$P" --build "$build" "$@"
}
tmp=$(mktemp -d /tmp/safefarm-farmtest.XXXXXX)
# shellcheck disable=SC2317 # run by the EXIT trap (shellcheck 0.9 takes it for
# unreachable in a script that calls a function that exits: fatal, finish)
cleanup() {
  local rc=$?
  if ((!LAB_OURS)); then
    rm -rf -- "$tmp"
    exit "$rc"
  fi
  if ((rc)); then
    for d in /run/safefarm-lab/"$P"/safed/n*; do
      [[ -d $d ]] || continue
      echo "---- ${d##*/}: safed.out (last 30 lines)"
      tail -30 "$d/safed.out" 2>/dev/null
      echo "---- ${d##*/}: module log (last 30 lines)"
      tail -30 "$d/log/apache_farm/module.log" 2>/dev/null
    done
  fi
  lab down >/dev/null 2>&1 || lab down || true
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ms() { echo $(($(date +%s%N) / 1000000)); }
node_ns() { echo "${P}n$1"; }
safectl() { local i=$1; shift; timeout 60 "$top/scripts/lab" --prefix "$P" --build "$build" safectl "n$i" "$@"; }
client_ip() { local j=$1; echo "198.18.$((1 + (j - 1) / 250)).$((1 + (j - 1) % 250))"; }

# Every client address asks the VIP who answers: "ADDR NODE" lines in $1.
survey() { # OUT [MAX_TIME]
  local out=$1 max=${2:-2} j
  : >"$out"
  for ((j = 1; j <= CLIENTS; j++)); do
    (
      src=$(client_ip "$j")
      r=$(timeout 10 nsenter --net="/run/netns/${P}cl" -- \
        curl -s --max-time "$max" --interface "$src" "http://$VIP4/whoami" 2>/dev/null || true)
      echo "$src ${r:-NONE}" >>"$out"
    ) &
    (($(jobs -rp | wc -l) >= PARALLEL)) && wait -n
  done
  wait
}
answered() { grep -cv ' NONE$' "$1"; }
count_of() { grep -c " $2\$" "$1"; }

# Watches every client for $1 seconds in the background (probe.py --watch):
# start it, inject the failure, then outage_of reads the longest time a
# client went unanswered and the nodes that answered last.
watch_start() { # SECONDS OUT
  local j srcs=()
  for ((j = 1; j <= CLIENTS; j++)); do srcs+=("$(client_ip "$j")"); done
  nsenter --net="/run/netns/${P}cl" -- python3 "$top/tests/lab/probe.py" "$VIP4" "${srcs[@]}" \
    --watch "$1" >"$2" 2>/dev/null &
  WATCH_PID=$!
  sleep 0.5 # python's start-up, and a baseline
}
# The longest gap, or -1 when the probe reported nothing or a client never
# got an answer (wait runs here, not in a $(…) subshell, which has no child).
# shellcheck disable=SC2034 # GAP: the result, read by the caller
watch_worst() { # OUT -> GAP
  wait "$WATCH_PID"
  if [[ $(wc -l <"$1") != "$CLIENTS" ]] || grep -q ' NONE ' "$1"; then
    GAP=-1
  else
    GAP=$(awk '{print $3}' "$1" | sort -n | tail -1)
  fi
}

# The same with safefarm-gap-probe (bench/failover/GapProbe.cpp): an HTTP
# request every 20 ms from every client, overlapping, so the gap is measured
# to 20 ms whatever one request costs under load (probe.py's is one attempt,
# 250 ms). For the checks that expect no outage at all.
gap_start() { # SECONDS OUT
  local j srcs=()
  for ((j = 1; j <= CLIENTS; j++)); do srcs+=("$(client_ip "$j")"); done
  nsenter --net="/run/netns/${P}cl" -- "$build/bench/failover/safefarm-gap-probe" "$VIP4" "${srcs[@]}" \
    --duration-s "$1" --interval-ms 20 >"$2" 2>/dev/null &
  WATCH_PID=$!
  sleep 0.3
}
# shellcheck disable=SC2034 # GAP: the result, read by the caller
gap_worst() { # OUT -> GAP
  wait "$WATCH_PID"
  if [[ $(wc -l <"$1") != "$CLIENTS" ]] || grep -q ' -1$' "$1"; then
    GAP=-1
  else
    GAP=$(awk '{print $2}' "$1" | sort -n | tail -1)
  fi
}

# Clients of a survey not answered by the node that node 1's bucket table
# names for them (safectl who): 0 when the spread is exactly the table's.
mismatches() { # SURVEY_OUT
  local src node want n=0
  while read -r src node; do
    want=$(safectl 1 who -m apache_farm "$src" 2>/dev/null | awk '{print $3}')
    [[ $node == "$want" ]] || n=$((n + 1))
  done <"$1"
  echo "$n"
}
share_of() { # NODE_NAME -> share % from safectl status --json on node 1
  safectl 1 status -m apache_farm --json 2>/dev/null |
    python3 -c "import json,sys; d=json.load(sys.stdin); d=d.get('arguments',d); print(round([n['share'] for n in d['nodes'] if n['name']=='$1'][0]))"
}

wait_state() { # NODE STATE(0|1|2) LIMIT_S
  local i=$1 want=$2 t
  for ((t = 0; t < $3 * 10; t++)); do
    safectl "$i" state -q -m apache_farm >/dev/null 2>&1
    [[ $? == "$want" ]] && return 0
    sleep 0.1
  done
  return 1
}


# A field of keepalive.py's JSON: ka FILE "['resets']".
ka() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d$2)" "$1" 2>/dev/null || echo '?'; }
# keepalive.py's stats in FILE show no broken connection: no reset, no
# unanswered request, no error, no failed connect.
ka_clean() { # FILE
  [[ $(ka "$1" "['resets']") == 0 && $(ka "$1" "['timeouts'] + d['errors']") == 0 && $(ka "$1" "['connect_failures']") == 0 ]]
}
# The broken connections keepalive.py saw from SECONDS on (its "failures",
# timed from its start): what an action taken then broke.
ka_broken_from() { # FILE SECONDS
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for f in d.get('failures', []) if f['at'] >= float(sys.argv[2])))" "$1" "$2" 2>/dev/null || echo '?'
}
