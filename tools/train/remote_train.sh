#!/usr/bin/env bash
# Trains on a machine that has PyTorch but not the Debian training sources -- a GPU machine lent for a
# few minutes -- and mirrors the run, while it trains, into a folder whose files must stay small (the
# lent machine hands back at most 16 MiB per file, even when the command is killed at its time limit):
#   MIRROR/log.jsonl, MIRROR/run.json, MIRROR/train.log (stdout+stderr),
#   MIRROR/ckpt.pt.part00, part01, ... (the latest checkpoint cut into 15 MB pieces) and MIRROR/ckpt.sha256.
# Back here: cat MIRROR/ckpt.pt.part* > RUN/ckpt-NNNNNNNN.pt and check it against MIRROR/ckpt.sha256
# (docs/training.md, "The bundled model's runs", has the whole recipe).
#
# Usage: tools/train/remote_train.sh SOURCES_DIR RUN_DIR MIRROR_DIR [train.py flags ...]
#   SOURCES_DIR  made here by `tools/train/data.py --pack DIR`
#   PYTHON       the interpreter with torch (default python3)
set -uo pipefail
if (($# < 3)); then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
src=$(cd "$1" && pwd) || exit 2
run=$2 mirror=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
export FILM_TRAIN_SOURCES=$src
export FILM_TRAIN_CACHE=${FILM_TRAIN_CACHE:-/tmp/film-train-cache}
export PYTHONUNBUFFERED=1
mkdir -p "$run" "$mirror"

last=""
mirror_now() {
  local f ck
  for f in log.jsonl run.json; do
    [[ -f $run/$f ]] && cp "$run/$f" "$mirror/.$f" && mv "$mirror/.$f" "$mirror/$f"
  done
  ck=$(ls "$run"/ckpt-*.pt 2>/dev/null | tail -n 1)
  if [[ -n $ck && $ck != "$last" ]]; then
    rm -f "$mirror"/.part*
    split -b 15000000 -d "$ck" "$mirror/.part" || return
    rm -f "$mirror"/ckpt.pt.part* "$mirror/ckpt.sha256"
    for f in "$mirror"/.part*; do mv "$f" "$mirror/ckpt.pt.part${f##*/.part}"; done
    (cd "$run" && sha256sum "$(basename "$ck")") >"$mirror/ckpt.sha256"
    last=$ck
  fi
}

(while sleep 45; do mirror_now; done) &
loop=$!
"${PYTHON:-python3}" "$here/train.py" --run "$run" "$@" 2>&1 | tee "$mirror/train.log"
rc=${PIPESTATUS[0]}
kill "$loop" 2>/dev/null
wait "$loop" 2>/dev/null
mirror_now
echo "remote_train: train.py exited $rc; mirror:" && ls -l "$mirror"
exit "$rc"
