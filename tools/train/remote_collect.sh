#!/usr/bin/env bash
# Turns what remote_train.sh mirrored back (MIRROR: ckpt.pt.part*, ckpt.sha256, log.jsonl, run.json,
# train.log) into a run folder here that train.py, export.py and plot.py read: the pieces are joined
# into RUN/ckpt-NNNNNNNN.pt (the name recorded in ckpt.sha256) and checked against that sha256 before
# anything is written under its final name. An existing checkpoint of that name is never overwritten.
# Usage: tools/train/remote_collect.sh MIRROR_DIR RUN_DIR
set -euo pipefail
if (($# != 2)); then
  sed -n '2,6p' "$0" >&2
  exit 2
fi
mirror=$1 run=$2
[[ -f $mirror/ckpt.sha256 ]] || { echo "remote_collect: $mirror/ckpt.sha256 is missing (no checkpoint was mirrored)" >&2; exit 1; }
read -r sum name <"$mirror/ckpt.sha256"
[[ $name =~ ^ckpt-[0-9]{8}\.pt$ ]] || { echo "remote_collect: $mirror/ckpt.sha256 names '$name', expected ckpt-NNNNNNNN.pt" >&2; exit 1; }
parts=("$mirror"/ckpt.pt.part*)
[[ -f ${parts[0]} ]] || { echo "remote_collect: no $mirror/ckpt.pt.part* pieces" >&2; exit 1; }
mkdir -p "$run"
[[ -e $run/$name ]] && { echo "remote_collect: $run/$name exists; not overwriting it" >&2; exit 1; }
tmp=$(mktemp "$run/.collect.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat "${parts[@]}" >"$tmp"
got=$(sha256sum "$tmp" | cut -d' ' -f1)
if [[ $got != "$sum" ]]; then
  echo "remote_collect: the joined pieces (${#parts[@]}) hash to $got, $mirror/ckpt.sha256 says $sum" >&2
  exit 1
fi
mv "$tmp" "$run/$name"
for f in log.jsonl run.json train.log; do
  [[ -f $mirror/$f ]] && cp "$mirror/$f" "$run/$f"
done
echo "remote_collect: $run/$name ($(du -h "$run/$name" | cut -f1), sha256 verified, ${#parts[@]} pieces)"
