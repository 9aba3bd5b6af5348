#!/usr/bin/env bash
# film video at 1280x720 with the bundled model: what encoder reuse saves (--factor 2, --factor 8
# (the --times 3 recursion), 24 -> 60 fps), and the time outside the model (decode, pad, encode).
# Clips from FFmpeg's testsrc2 with a sine track. Usage: tools/bench_video.sh [runs] (default 2).
# Prints one line per run: case, reuse on/off, total s, model s, encoder and decoder runs.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2}
film=build/film
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
clip() {  # name fps frames
  ffmpeg -v error -y -f lavfi -i "testsrc2=s=1280x720:r=$2" -f lavfi -i sine=frequency=440 \
    -frames:v "$3" -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$tmp/$1.mp4"
}
clip c12 12 24   # 2 s
clip c12short 12 4
clip c24 24 6
row() {  # label input args...
  local label=$1 in=$2
  shift 2
  for reuse in on off; do
    local flag=""
    [ "$reuse" = on ] && flag=--reuse
    "$film" video "$tmp/$in.mp4" -o "$tmp/out.mp4" --force --threads 2 --json $flag "$@" |
      /usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); print('%-16s reuse=%-3s total %6.2f s  model %6.2f s  outside %4.1f%%  encoder %3d  decoder %3d  whole %3d  peak %4.0f MiB' % ('$label', '$reuse', j['seconds'], j['model_seconds'], 100*(j['seconds']-j['model_seconds'])/j['seconds'], j['encoder_runs'], j['decoder_runs'], j['whole_runs'], j['peak_rss_mib']))"
  done
}
for i in $(seq "$runs"); do
  row "factor 2" c12 --factor 2
  row "factor 8" c12short --factor 8
  [ -n "${QUICK:-}" ] || row "24 -> 60 fps" c24 --fps 60
done
