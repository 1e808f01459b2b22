# shellcheck shell=bash
# tests/install/lib.sh: shared by the package tests (sourced).
# A fresh Debian 12 root made by debootstrap from the mirror this machine's
# apt uses, the package built and installed in it with apt-get.

# require_root, check and finish.
# shellcheck source=../support/assert.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/assert.sh"

# A tool the test cannot run without: skip, or fail with REQUIRE_PRIVILEGED=1.
require_tool() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [[ ${REQUIRE_PRIVILEGED:-0} == 1 ]]; then
    echo "FAIL: $1 is not installed (scripts/setup installs it)"
    exit 1
  fi
  echo "SKIP: $1 is not installed (scripts/setup installs it)"
  exit 77
}

# The Debian mirror of this machine's apt (deb822 .sources or one-line
# sources.list), for the suite bookworm; $SAFEFARM_DEBIAN_MIRROR wins.
debian_mirror() {
  if [[ -n ${SAFEFARM_DEBIAN_MIRROR:-} ]]; then
    echo "$SAFEFARM_DEBIAN_MIRROR"
    return
  fi
  local f m
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] || continue
    # Paragraphs with "Suites: ... bookworm ..." (the release, not -security).
    m=$(awk 'BEGIN{RS=""; FS="\n"} {
          uri=""; ok=0
          for (i = 1; i <= NF; i++) {
            if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri=a[2] }
            if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) ok=1
          }
          if (ok && uri != "") { print uri; exit }
        }' "$f")
    [[ -n $m ]] && { echo "$m"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] || continue
    m=$(awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                           if ($(i+1) == "bookworm") { print $i; exit } }' "$f")
    [[ -n $m ]] && { echo "$m"; return; }
  done
  echo "http://deb.debian.org/debian"
}

# Seconds since $1 (date +%s.%N), one decimal.
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}'; }

# make_root DIR: debootstrap --variant=minbase bookworm, with services kept
# from starting (policy-rc.d: nothing installed in the root may start a
# daemon on the host) and the host's resolver.
make_root() {
  local root=$1 mirror
  mirror=$(debian_mirror)
  echo "== debootstrap --variant=minbase bookworm from $mirror"
  if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1; then
    tail -20 "$root.debootstrap.log"
    return 1
  fi
  rm -f "$root.debootstrap.log"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
}

# /proc in the root (debootstrap made the device nodes already; no bind of
# the host's /dev, whose mounts could propagate back to the host), undone by
# umount_root (also from traps).
mount_root() {
  mount -t proc proc "$1/proc"
}
umount_root() {
  local root=$1 m
  [[ -n $root && -d $root ]] || return 0
  # Deepest first; lazily if something is still busy.
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done < <(awk -v r="$root" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/self/mounts | sort -r)
}

# remove_work WORK ROOT: never through a mount left under the root.
remove_work() {
  local work=$1 root=$2
  if awk -v r="$root" 'index($2, r "/") == 1 || $2 == r {found = 1} END {exit !found}' /proc/self/mounts; then
    echo "cleanup: mounts left under $root, not removing $work" >&2
    return 1
  fi
  rm -rf --one-file-system -- "$work"
}

in_root() { local root=$1; shift; chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

# build_deb BUILD_DIR -> path of safefarm_<version>_<arch>.deb
build_deb() {
  "$(dirname "${BASH_SOURCE[0]}")/../../packaging/build-deb" "$1" | tail -1
}

# Issue 14: configuration, state and logs are root:safefarm, nothing for
# others. farm_gid ROOT: the group's id in that root's /etc/group (empty
# when it is missing). perms_problems GID DIR...: one line per path under
# the folders that breaks the rule (a folder not 0750 root:GID; a file that
# others may touch, that the group may write, not root's, or not of GID;
# cluster.key, users.json and the API's tls/api.key stay root:root 0600),
# nothing when all holds.
farm_gid() { awk -F: '$1 == "safefarm" {print $3}' "$1/etc/group"; }
perms_problems() {
  local gid=$1
  shift
  # No group: said, and every path still judged (no gid matches).
  [[ -n $gid ]] || { echo "no group safefarm"; gid=2147483646; }
  find "$@" -xdev ! -type l \( \
    \( -type d \( ! -perm 0750 -o ! -group "$gid" \) \) -o \
    \( \( -name cluster.key -o -name users.json -o -name api.key \) ! -perm 0600 ! -perm 0400 \) -o \
    \( ! -type d ! -name cluster.key ! -name users.json ! -name api.key \( ! -group "$gid" -o -perm /g=w \) \) -o \
    -perm /o=rwx -o ! -user 0 \) -printf '%m %U:%G %p\n'
}
