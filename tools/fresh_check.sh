#!/usr/bin/env bash
# Proves the README's promise: on a brand-new Debian 12 with nothing beside the clone, its two
# commands work. Builds a minimal Debian 12 root with debootstrap (--variant=minbase, the mirror must
# be reachable), clones the committed HEAD into /root/film of a fresh copy of that root for each
# command (nothing beside the clone, nothing preinstalled, nothing left by the other command), runs the command
# exactly as the README writes it, as root, and prints one line per command with its exit code and
# time; then what the demo wrote and the test suite's ctest summary (with the names of any skipped
# test cases). Unmounts everything it mounted and removes the roots, also when interrupted.
#
# Usage (as root): tools/fresh_check.sh [--keep] [--only 1|2]
#   --keep     keep the roots (under the work folder it prints) for a look afterwards
#   --only N   run only the README's command N (1: the demo, 2: the test suite)
# Environment: FRESH_MIRROR (default http://deb.debian.org/debian),
#   FRESH_WORK (parent of the work folder, default /var/tmp; needs about 8 GB free).
# Logs of each command stay in the work folder's logs/ (printed at the end), even without --keep.
# Exit status: 0 when both commands exit 0 and their checks pass, 1 otherwise, 2 on a usage error.
set -euo pipefail

keep=0
only=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --keep) keep=1 ;;
    --only) only=${2:-}; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh_check.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -z $only || $only == 1 || $only == 2 ]] || { echo "fresh_check.sh: --only takes 1 or 2" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "fresh_check.sh: needs root (debootstrap, chroot, mounts)" >&2; exit 2; }

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
head=$(git -C "$repo" rev-parse HEAD)
if [[ -n $(git -C "$repo" status --porcelain --untracked-files=no) ]]; then
  echo "fresh_check.sh: note: uncommitted changes are not checked; this checks the committed HEAD ${head:0:10}" >&2
fi
mapfile -t commands < <(awk '/^```/ { if (inside) exit; inside = 1; next } inside && NF' "$repo/README.md" | head -2)
[[ ${#commands[@]} -eq 2 ]] || { echo "fresh_check.sh: README.md does not start with a block of two commands" >&2; exit 1; }

mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
work=$(mktemp -d "${FRESH_WORK:-/var/tmp}/film-fresh-XXXXXX")
mkdir -p "$work/logs"
mounted=()

unmount_all() {  # in the reverse order of mounting
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" 2>/dev/null || true
  done
  mounted=()
}

cleanup() {
  unmount_all
  if [[ $keep -eq 0 ]]; then
    rm -rf --one-file-system "$work/base" "$work/root1" "$work/root2"
  fi
}
trap cleanup EXIT
trap 'echo "fresh_check.sh: interrupted" >&2; exit 130' INT TERM

mount_into() {  # mount_into ROOT: what a booted system has and a chroot lacks
  local root=$1
  mount --bind /dev "$root/dev"
  mounted+=("$root/dev")
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
  mounted+=("$root/dev/pts")
  mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
  mounted+=("$root/dev/shm")
  mount -t proc proc "$root/proc"
  mounted+=("$root/proc")
  mount -t sysfs sysfs "$root/sys"
  mounted+=("$root/sys")
}

if ! command -v debootstrap >/dev/null; then
  echo "fresh_check: installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

echo "fresh_check: HEAD ${head:0:10}, work folder $work"
start=$SECONDS
debootstrap --variant=minbase bookworm "$work/base" "$mirror" >"$work/logs/debootstrap.log" 2>&1 ||
  { echo "fresh_check: debootstrap failed (log: $work/logs/debootstrap.log)"; exit 1; }
# As a Debian 12 image has it: the release, its updates and its security archive.
security=${mirror%/debian}/debian-security
[[ $security == "$mirror" ]] && security=http://deb.debian.org/debian-security
cat >"$work/base/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
# No daemons started by package scripts inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$work/base/usr/sbin/policy-rc.d"
chmod +x "$work/base/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$work/base/etc/resolv.conf"
echo "fresh_check: minimal Debian 12 root in $((SECONDS - start)) s ($(du -sh "$work/base" | cut -f1))"

failed=0
for n in 1 2; do
  [[ -n $only && $only != "$n" ]] && continue
  cmd=${commands[n - 1]}
  root=$work/root$n
  cp -a "$work/base" "$root"
  git clone --quiet --no-hardlinks "$repo" "$root/root/film"
  git -C "$root/root/film" checkout --quiet --detach "$head"
  [[ ! -e $root/root/shared ]] || { echo "fresh_check: $root/root/shared exists" >&2; exit 1; }
  mount_into "$root"
  log=$work/logs/command$n.log
  start=$SECONDS
  set +e
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c "cd /root/film && $cmd" >"$log" 2>&1
  rc=$?
  set -e
  shown=${cmd%%#*}
  echo "fresh_check: [$n] ${shown%"${shown##*[![:space:]]}"} -> exit $rc in $((SECONDS - start)) s"
  [[ $rc -eq 0 ]] || { failed=1; tail -n 30 "$log" | sed 's/^/    /'; }

  if [[ $n -eq 1 ]]; then  # the demo's outputs, as tools/demo.sh promises them
    missing=()
    for f in out/mid.png out/frames/frame_000.png out/frames/frame_008.png out/slowmo.mp4 out/slowmo.gif; do
      [[ -s $root/root/film/$f ]] || missing+=("$f")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
      echo "fresh_check:     demo outputs: $(cd "$root/root/film" && ls out/mid.png out/slowmo.mp4 out/slowmo.gif | tr '\n' ' ')+ $(ls "$root/root/film/out/frames" | wc -l) frames"
    else
      echo "fresh_check:     demo outputs missing: ${missing[*]}"
      failed=1
    fi
  else  # the suite's own summary, and which cases it skipped
    # (ctest runs one entry per test file: its closing line, and the files it skipped)
    summary=$(grep -oE '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1 || true)
    echo "fresh_check:     ${summary:-no ctest summary in the log}"
    grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*Skipped' "$log" | sed 's/^ */fresh_check:     skipped file: /' || true
    [[ -n $summary ]] || failed=1
    bin=$root/root/film/build/film_tests
    if [[ -x $bin ]]; then
      skipped=$(comm -13 <(chroot "$root" /root/film/build/film_tests --list-test-cases 2>/dev/null | sort) \
                         <(chroot "$root" /root/film/build/film_tests --list-test-cases --no-skip 2>/dev/null | sort) |
                grep -v '^\[doctest\]\|^=*$' || true)
      [[ -z $skipped ]] || echo "$skipped" | sed 's/^/fresh_check:     skipped: /'
    fi
  fi
  unmount_all
  [[ $keep -eq 1 ]] || rm -rf --one-file-system "$root"
done

echo "fresh_check: logs in $work/logs$([[ $keep -eq 1 ]] && echo ", roots kept in $work")"
[[ $failed -eq 0 ]] && echo "fresh_check: PASS" || echo "fresh_check: FAIL"
exit $failed
