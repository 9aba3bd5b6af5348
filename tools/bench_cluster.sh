#!/usr/bin/env bash
# What docs/scale-out.md's cost model is made of, measured on this machine with the bundled model
# at 1920x1080 (FFmpeg's testsrc2, 24 fps, a sine track):
#   1. one film video run (--factor 2): seconds per model run, time outside the model
#   2. a piece's start-up: process start to its first frame (model loading, planning,
#      the jump to the piece), from film video --progress, for the first and the last of 400 pieces
#      of a 60 s clip, beside what decoding everything before the last piece costs (ffmpeg)
#   3. model runs per output frame for 24 -> 60 fps (the midpoint recursion)
#   4. the same 1 s clip through film cluster on a throwaway local Slurm (tools/slurm_local.sh) in
#      1, 2 and 4 pieces: wall time against the single run, and the join's time
# Usage: tools/bench_cluster.sh [STEP...]   (all four: about 15 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
film=$PWD/build/film
tmp=$(mktemp -d)
trap 'tools/slurm_local.sh stop "$tmp/slurm" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
clip() {  # name size fps seconds
  ffmpeg -v error -y -f lavfi -i "testsrc2=s=$2:r=$3:d=$4" -f lavfi -i "sine=frequency=440:duration=$4" \
    -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$tmp/$1.mp4"
}
clip hd 1920x1080 24 1
clip long 1920x1080 24 60
clip small 320x192 24 1
py() { /usr/bin/python3 -c "$1"; }
steps=("$@")
want() { ((${#steps[@]} == 0)) || [[ " ${steps[*]} " == *" $1 "* ]]; }
now() { date +%s.%N; }

if want 1; then
echo "== 1. one run, 1920x1080, 24 frames -> 48 (--factor 2), 2 threads"
t0=$(now)
"$film" video "$tmp/hd.mp4" -o "$tmp/one.mkv" --factor 2 --codec ffv1 --threads 2 --json >"$tmp/one.json"
t1=$(now)
py "import json; j=json.load(open('$tmp/one.json')); runs=j['decoder_runs']+j['whole_runs']
print('wall %.1f s, model %.1f s for %d runs: %.2f s per run; outside the model %.1f%%' % ($t1-$t0, j['model_seconds'], runs, j['model_seconds']/runs, 100*(j['seconds']-j['model_seconds'])/j['seconds']))"

fi
if want 2; then
echo "== 2. a piece's start-up (1920x1080, 60 s clip in 400 pieces), 2 threads"
# The frame times as film cluster saves them for its tasks (from ffprobe here).
ffprobe -v error -select_streams v:0 -show_entries packet=pts_time -of csv=p=0 "$tmp/long.mp4" |
  py "import sys,json; t=sorted(float(x) for x in sys.stdin if x.strip()); print(json.dumps([x-t[0] for x in t]))" >"$tmp/times.json"
for seg in 0/400 399/400; do
  for times in "" "--frame-times $tmp/times.json"; do
    t0=$(now)
    "$film" video "$tmp/long.mp4" -o "$tmp/piece.mkv" --factor 2 --codec ffv1 --threads 2 --force \
      --segment $seg --progress "$tmp/progress.json" --json $times >"$tmp/piece.json"
    t1=$(now)
    py "import json; p=json.load(open('$tmp/progress.json')); j=json.load(open('$tmp/piece.json'))
print('piece $seg%s: first frame after %.2f s (model loading, planning, jump), %d frames decoded of %d, wall %.1f s for %d frames' % (' (--frame-times)' if '$times' else '', p['startup_seconds'], j['frames_decoded'], j['frames_in'], $t1-$t0, j['frames_written']))"
  done
done
t0=$(now)
ffmpeg -v error -i "$tmp/long.mp4" -t 59.85 -map 0:v -f null -
t1=$(now)
py "print('decoding the 59.85 s before the last piece (ffmpeg, no RGB conversion): %.1f s' % ($t1-$t0))"

fi
if want 3; then
echo "== 3. model runs per output frame, 24 -> 60 fps"
"$film" video "$tmp/small.mp4" -o "$tmp/s60.mkv" --fps 60 --codec ffv1 --json |
  py "import json,sys; j=json.load(sys.stdin); runs=j['decoder_runs']+j['whole_runs']
print('%d output frames from %d input: %d model runs, %.2f per output frame' % (j['frames_out'], j['frames_in'], runs, runs/j['frames_out']))"
"$film" video "$tmp/small.mp4" -o "$tmp/s48.mkv" --factor 2 --codec ffv1 --json |
  py "import json,sys; j=json.load(sys.stdin); runs=j['decoder_runs']+j['whole_runs']
print('(--factor 2: %d model runs for %d output frames, %.2f each)' % (runs, j['frames_out'], runs/j['frames_out']))"

fi
if want 4; then
echo "== 4. film cluster on a local single-node Slurm (2 CPUs), the 1 s 1920x1080 clip"
eval "$(tools/slurm_local.sh start "$tmp/slurm")"
export SLURM_CONF
for pieces in 1 2 4; do
  cpus=$((pieces == 1 ? 2 : 1))
  t0=$(now)
  "$film" cluster submit "$tmp/hd.mp4" -o "$tmp/c$pieces.mkv" --factor 2 --codec ffv1 \
    --pieces $pieces --cpus-per-task $cpus --wait 2>/dev/null
  t1=$(now)
  py "import json,glob; r=json.load(open('$tmp/c$pieces.mkv.film-cluster/result.json'))
d=[json.load(open(f)) for f in sorted(glob.glob('$tmp/c$pieces.mkv.film-cluster/piece-*.done'))]
print('%d pieces x %d CPUs: wall %.1f s (submit to joined); join %.2f s; per piece: start-up %s s, %s s' % ($pieces, $cpus, $t1-$t0, r['join_seconds'], ' '.join('%.1f' % x['startup_seconds'] for x in d), ' '.join('%.1f' % (x['finished']-x['started']) for x in d)))"
done
fi
