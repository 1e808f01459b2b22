#!/usr/bin/env bash
# tests/install/install_test.sh [BUILD_DIR]
#
# The Debian package on a fresh Debian 12 (issue 7): builds
# safefarm_<version>_<arch>.deb, makes a minbase bookworm root with
# debootstrap from this machine's mirror, and in it:
#   apt-get install ./safefarm_*.deb       every dependency pulled by apt
#   safectl --version, the FHS layout, the unit, man pages, completion
#   the cluster key: made at install, root only (600), never replaced
#   issue 14: the group safefarm; /etc/safefarm, /var/lib/safefarm,
#     /var/log/safefarm 0750 root:safefarm, nothing in them others may
#     read; an upgrade fixes what an older version left 0644/0755
#   safectl config check on the installed example modules
#   safectl boot on|off|status, safectl cluster genkey refusing to overwrite
#   an upgrade (the same package, a higher version) keeps the conffiles
#     and the key; remove keeps them too; purge removes them
#   apt-get purge safefarm (+ autoremove): not one path more than before
# Prints the time of each step. Not root: skip (77), or fail with
# REQUIRE_PRIVILEGED=1. Cleans up (mounts, the root) on any exit.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${SAFEFARM_BUILD:-$top/build}}
# shellcheck source=lib.sh
source "$top/tests/install/lib.sh"
require_root "the install test"
require_tool debootstrap
require_tool dpkg-shlibdeps

t_all=$(date +%s.%N)
work=$(mktemp -d /tmp/safefarm-install.XXXXXX)
root=$work/root
# shellcheck disable=SC2317 # run by the EXIT trap (shellcheck 0.9 takes it for
# unreachable in a script that calls a function that exits: fatal, finish)
cleanup() {
  local rc=$?
  umount_root "$root"
  remove_work "$work" "$root"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

CHECK_WIDTH=52
ok() { "$@" >/dev/null 2>&1 && echo 1 || echo 0; }
R() { in_root "$root" "$@"; }

t=$(date +%s.%N)
deb=$(build_deb "$build")
[[ -f $deb ]] || fatal "packaging/build-deb" "no package in $build/package"
version=$(dpkg-deb -f "$deb" Version)
echo "TIME build_deb=$(since "$t")s  ($(basename "$deb"), Depends: $(dpkg-deb -f "$deb" Depends))"
check "package named safefarm_<version>_<arch>.deb" \
  "$([[ $(basename "$deb") == "safefarm_${version}_$(dpkg --print-architecture).deb" ]] && echo 1 || echo 0)" "$(basename "$deb")"

t=$(date +%s.%N)
make_root "$root" || fatal "debootstrap" "a minbase bookworm root"
echo "TIME debootstrap=$(since "$t")s"
mount_root "$root"

# Every path of the root before, to compare after the purge (apt's and
# dpkg's own bookkeeping and logs excepted; and /etc/group-, /etc/gshadow-,
# the backups groupadd leaves: the group safefarm stays after a purge).
snapshot() {
  (cd "$root" && find . -xdev \( -path ./proc -o -path ./var/cache/apt -o -path ./var/lib/apt \
    -o -path ./var/lib/dpkg -o -path ./var/log/apt -o -path ./var/cache/debconf -o -path ./tmp \
    -o -path ./var/cache/ldconfig \) -prune -o -print | grep -v -e '^./var/log/dpkg.log' \
    -e '^./var/log/alternatives.log' -e '^./etc/group-$' -e '^./etc/gshadow-$' | sort)
}
cp "$deb" "$root/tmp/"
t=$(date +%s.%N)
R apt-get update -qq >"$work/update.log" 2>&1 || fatal "apt-get update in the root" "$(tail -3 "$work/update.log" | tr '\n' ' ')"
snapshot >"$work/before"
if R apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" >"$work/install.log" 2>&1; then
  check "apt-get install ./$(basename "$deb")" 1 "$(grep -c '^Setting up' "$work/install.log") packages set up"
else
  check "apt-get install ./$(basename "$deb")" 0 "$(tail -5 "$work/install.log" | tr '\n' ' ')"
  exit 1
fi
echo "TIME apt_install=$(since "$t")s"
grep -q "generated /etc/safefarm/cluster.key" "$work/install.log" && gen=1 || gen=0
check "postinst says it generated the cluster key" "$gen" ""

out=$(R safectl --version 2>&1)
check "safectl --version" "$([[ $out == "safectl $version" ]] && echo 1 || echo 0)" "$out"
out=$(R safekit --version 2>&1)
check "safekit --version (the link)" "$([[ $out == "safekit $version" ]] && echo 1 || echo 0)" "$out"
check "safed runs (--help)" "$(ok R /usr/sbin/safed --help)" ""

missing=""
for f in /usr/sbin/safed /usr/bin/safectl /usr/bin/safekit /usr/lib/safefarm/safekit /usr/lib/safefarm/safed-stop \
  /usr/lib/safefarm/safefarm-filter /usr/lib/safefarm/bpf/farm_filter.bpf.o \
  /usr/share/safefarm/modules/farm.safe /usr/share/safefarm/modules/apache_farm.safe \
  /usr/share/safefarm/modules/apache_farm/conf/userconfig.xml /usr/share/safefarm/modules/apache_farm/bin/start_both \
  /usr/share/doc/safefarm/README.md /usr/share/doc/safefarm/examples/cluster.xml \
  /usr/share/man/man8/safed.8.gz /usr/share/man/man8/safectl.8.gz /usr/share/man/man8/safekit.8.gz \
  /usr/share/bash-completion/completions/safectl /usr/share/bash-completion/completions/safekit \
  /usr/share/safefarm/web/index.html /usr/share/safefarm/web/app.js \
  /lib/systemd/system/safed.service /etc/safefarm/cluster.xml /etc/default/safed /etc/logrotate.d/safefarm; do
  [[ -e $root$f ]] || missing+=" $f"
done
for d in /etc/safefarm/modules /var/lib/safefarm /var/log/safefarm; do [[ -d $root$d ]] || missing+=" $d/"; done
check "FHS layout: every file and folder in place" "$([[ -z $missing ]] && echo 1 || echo 0)" "${missing:-}"
check "safekit links to safectl (PATH and \$SAFE)" \
  "$([[ $(readlink -f "$root/usr/bin/safekit") == "$root/usr/bin/safectl" && $(readlink -f "$root/usr/lib/safefarm/safekit") == "$root/usr/bin/safectl" ]] && echo 1 || echo 0)" ""
# shellcheck disable=SC2016 # ${Conffiles}: dpkg-query's field, not the shell's
conff=$(R dpkg-query -W -f='${Conffiles}' safefarm | awk '{print $1}' | sort | tr '\n' ' ')
check "conffiles: cluster.xml, default, logrotate" \
  "$([[ $conff == "/etc/default/safed /etc/logrotate.d/safefarm /etc/safefarm/cluster.xml " ]] && echo 1 || echo 0)" "$conff"
unit=$root/lib/systemd/system/safed.service
check "unit: after network-online, Restart=always, RestartSec=0" \
  "$(grep -qx 'After=network-online.target' "$unit" && grep -qx 'Restart=always' "$unit" && grep -qx 'RestartSec=0' "$unit" && echo 1 || echo 0)" ""
if command -v systemd-analyze >/dev/null; then
  # The unit as systemd reads it (the host's systemd; the root's paths).
  # The root has no systemd: its targets are missing, nothing else may be.
  sa=$(systemd-analyze verify --man=no --root="$root" safed.service 2>&1 | grep -v 'sysinit.target not found')
  check "systemd-analyze verify safed.service" "$([[ -z $sa ]] && echo 1 || echo 0)" "$(head -c 300 <<<"$sa")"
fi
check "man safed, man safectl readable" "$(zcat "$root/usr/share/man/man8/safed.8.gz" | grep -q '^.TH SAFED 8' && zcat "$root/usr/share/man/man8/safectl.8.gz" | grep -q '^.TH SAFECTL 8' && echo 1 || echo 0)" ""
check "bash completion parses and registers safectl" \
  "$(bash -c "complete() { [[ \$* == *safectl* ]] && exit 0; }; _init_completion() { :; }; source $root/usr/share/bash-completion/completions/safectl; exit 1" && echo 1 || echo 0)" ""

gid=$(farm_gid "$root")
check "group safefarm made by postinst (a system group)" "$([[ -n $gid && $gid -lt 1000 ]] && echo 1 || echo 0)" "gid ${gid:-none}"
trees=("$root/etc/safefarm" "$root/var/lib/safefarm" "$root/var/log/safefarm")
# Numbers: the root's group names are not the host's.
dirs=$(stat -c '%a %u %g %n' "$root/etc/safefarm" "$root/etc/safefarm/modules" "$root/var/lib/safefarm" \
  "$root/var/log/safefarm" | sed "s|$root||g")
check "folders 0750 root:safefarm" "$([[ $(awk -v g="$gid" '$1 != "750" || $2 != "0" || $3 != g' <<<"$dirs") == "" ]] && echo 1 || echo 0)" "$(tr '\n' ' ' <<<"$dirs")"
bad=$(perms_problems "$gid" "${trees[@]}" | sed "s|$root||g")
check "installed: nothing others may read (issue 14)" "$([[ -z $bad ]] && echo 1 || echo 0)" "$(head -5 <<<"$bad" | tr '\n' ' ')"

key=$root/etc/safefarm/cluster.key
check "cluster key: regular file, mode 600, root, 32 bytes" \
  "$([[ -f $key && ! -L $key && $(stat -c '%a %U %G %s' "$key") == "600 root root 32" ]] && echo 1 || echo 0)" "$(stat -c '%a %U %G %s bytes' "$key")"
sum0=$(sha256sum <"$key")
R safectl cluster genkey >"$work/genkey" 2>&1
rc=$?
check "cluster genkey refuses to replace the key" "$([[ $rc == 1 && $(sha256sum <"$key") == "$sum0" ]] && echo 1 || echo 0)" "$(head -c 120 "$work/genkey")"
R sh -c 'umask 000; safectl cluster genkey /tmp/other.key' >/dev/null 2>&1
check "cluster genkey PATH: mode 600 whatever the umask" "$([[ $(stat -c '%a %s' "$root/tmp/other.key" 2>/dev/null) == "600 32" ]] && echo 1 || echo 0)" ""
check "cluster genkey --force replaces it" "$(ok R safectl cluster genkey --force /tmp/other.key)" ""
rm -f "$root/tmp/other.key"

for m in apache_farm farm; do
  if out=$(R safectl config check "/usr/share/safefarm/modules/$m" 2>&1) && [[ $out == OK* ]]; then r=1; else r=0; fi
  check "safectl config check (installed example $m)" "$r" "$(head -c 120 <<<"$out")"
done
if out=$(R safectl config check /etc/safefarm/cluster.xml 2>&1); then r=1; else r=0; fi
check "safectl config check of the default cluster.xml" "$r" "$(head -c 120 <<<"$out")"

# boot on|off|status on a module as `safectl module install` leaves it.
cp -a "$root/usr/share/safefarm/modules/apache_farm" "$root/etc/safefarm/modules/"
s1=$(R safectl boot status 2>&1)
R safectl boot on -m apache_farm >/dev/null 2>&1
s2=$(R safectl boot status -m apache_farm 2>&1)
f2=$(cat "$root/var/lib/safefarm/boot/apache_farm" 2>/dev/null)
R safectl boot off >/dev/null 2>&1
s3=$(R safectl boot status 2>&1)
R safectl boot on -m nosuch >/dev/null 2>&1
rc=$?
check "safectl boot on|off|status" \
  "$([[ $s1 == "apache_farm: boot off (userconfig.xml)" && $s2 == "apache_farm: boot on (safectl boot)" && $f2 == on && $s3 == "apache_farm: boot off (safectl boot)" && $rc == 1 ]] && echo 1 || echo 0)" "$s1 | $s2 | $s3"
# safectl boot under the loosest umask: the flag 0640, its folder 0750.
R sh -c 'umask 000; safectl boot on -m apache_farm' >/dev/null 2>&1
flag=$(stat -c '%a %u %g' "$root/var/lib/safefarm/boot" "$root/var/lib/safefarm/boot/apache_farm" 2>&1 | tr '\n' ' ')
check "safectl boot (umask 000): folder 750, flag 640" "$([[ $flag == "750 0 $gid 640 0 $gid " ]] && echo 1 || echo 0)" "$flag"

# --- upgrade: a higher version of the same package keeps what the admin set.
echo '<!-- edited by the admin -->' >>"$root/etc/safefarm/cluster.xml"
# What an older version left: folders 0755, files 0644 (scripts 0755),
# root's group; the key 600. The upgrade's postinst must fix them.
find "${trees[@]}" ! -type l ! -name cluster.key -exec chgrp root {} + -exec chmod go+rX {} +
sed -i 's/^SAFED_OPTS=""/SAFED_OPTS="--xdp-mode skb"/' "$root/etc/default/safed"
conf0=$(sha256sum <"$root/etc/safefarm/cluster.xml")
mkdir -p "$work/up"
dpkg-deb -R "$deb" "$work/up/pkg"
sed -i "s/^Version: .*/Version: ${version}+test1/" "$work/up/pkg/DEBIAN/control"
dpkg-deb -b --root-owner-group "$work/up/pkg" "$root/tmp/safefarm_${version}+test1_up.deb" >/dev/null
t=$(date +%s.%N)
R apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "/tmp/safefarm_${version}+test1_up.deb" >"$work/upgrade.log" 2>&1
rc=$?
echo "TIME upgrade=$(since "$t")s"
# shellcheck disable=SC2016 # ${Version}: dpkg-query's field
check "upgrade to ${version}+test1" "$([[ $rc == 0 && $(R dpkg-query -W -f='${Version}' safefarm) == "${version}+test1" ]] && echo 1 || echo 0)" "$(tail -2 "$work/upgrade.log" | tr '\n' ' ')"
bad=$(perms_problems "$gid" "${trees[@]}" | sed "s|$root||g")
check "upgrade: 0644/0755 of an older version fixed" "$([[ -z $bad && $(stat -c '%a %U %G' "$key") == "600 root root" ]] && echo 1 || echo 0)" "$(head -5 <<<"$bad" | tr '\n' ' ') key $(stat -c '%a %U %G' "$key")"
check "upgrade keeps cluster.xml, /etc/default/safed, the key, modules, boot flags" \
  "$([[ $(sha256sum <"$root/etc/safefarm/cluster.xml") == "$conf0" && $(sha256sum <"$key") == "$sum0" ]] && grep -q 'xdp-mode skb' "$root/etc/default/safed" && [[ -d $root/etc/safefarm/modules/apache_farm && -f $root/var/lib/safefarm/boot/apache_farm ]] && echo 1 || echo 0)" ""

# --- remove keeps the configuration; purge removes everything.
R apt-get remove -y -q safefarm >"$work/remove.log" 2>&1
check "remove: binaries gone, configuration and key kept" \
  "$([[ ! -e $root/usr/sbin/safed && -f $root/etc/safefarm/cluster.xml && $(sha256sum <"$key") == "$sum0" ]] && echo 1 || echo 0)" ""
t=$(date +%s.%N)
R apt-get purge -y -q safefarm >"$work/purge.log" 2>&1
rc1=$?
R apt-get autoremove --purge -y -q >>"$work/purge.log" 2>&1
rc2=$?
echo "TIME purge=$(since "$t")s"
check "apt-get purge safefarm, autoremove --purge" "$([[ $rc1 == 0 && $rc2 == 0 ]] && echo 1 || echo 0)" "$(tail -2 "$work/purge.log" | tr '\n' ' ')"
left=""
for p in /etc/safefarm /var/lib/safefarm /var/log/safefarm /run/safefarm /usr/lib/safefarm /usr/share/safefarm \
  /usr/share/doc/safefarm /etc/default/safed /etc/logrotate.d/safefarm /lib/systemd/system/safed.service \
  /etc/systemd/system/multi-user.target.wants/safed.service /usr/bin/safectl /usr/bin/safekit /usr/sbin/safed; do
  [[ -e $root$p || -L $root$p ]] && left+=" $p"
done
check "purge: nothing of the package left" "$([[ -z $left ]] && echo 1 || echo 0)" "${left:-}"
check "purge keeps the group safefarm (Debian's practice)" "$([[ $(farm_gid "$root") == "$gid" ]] && echo 1 || echo 0)" ""
snapshot >"$work/after"
extra=$(comm -13 "$work/before" "$work/after")
check "purge: not one path more than before the install" "$([[ -z $extra ]] && echo 1 || echo 0)" "$(head -20 <<<"$extra" | tr '\n' ' ')"

echo "TIME total=$(since "$t_all")s"
finish
