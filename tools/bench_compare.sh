#!/bin/bash
# FILM side by side on this machine, in one run, with one thread count: film bench (cpu backend),
# PyTorch (tools/bench_torch.py) and ONNX Runtime (npm's onnxruntime-node running the same network
# exported to ONNX at opset 16 by tools/bench_onnx_export.py). Random weights, the same options and
# size for all three; each times one warm-up frame then RUNS frames. Prints one table with min and
# median seconds per frame, peak RSS and each peer's time over film's (docs/benchmarks.md).
#
# Usage: tools/bench_compare.sh [--released | --options OPTIONS.json] [--size 256x256] [--threads 2]
#                               [--runs 3] [--out DIR]
# Needs: build/film, Debian's /usr/bin/python3 with python3-torch, node and npm; onnxruntime-node
# is installed once into the git-ignored .bench/ (npm install --ignore-scripts: the CPU binaries
# ship in the package). JSON lines of each run go to DIR (default /tmp/film-bench-compare).
set -euo pipefail
cd "$(dirname "$0")/.."
src=(--released); size=256x256; threads=2; runs=3; out=/tmp/film-bench-compare
while [ $# -gt 0 ]; do
  case "$1" in
    --released) src=(--released); shift ;;
    --options) src=(--options "$2"); shift 2 ;;
    --size) size=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "bench_compare: unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
done
[ -x build/film ] || { echo "bench_compare: build/film is missing: run tools/build.sh first" >&2; exit 1; }
if [ ! -d .bench/node_modules/onnxruntime-node ]; then
  mkdir -p .bench
  (cd .bench && npm install --no-audit --no-fund --ignore-scripts onnxruntime-node@1.30.0 >/dev/null)
fi
mkdir -p "$out"
: >"$out/results.jsonl"
echo "FILM ${src[*]} at $size, $threads threads, $runs runs; $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 tools/bench_onnx_export.py "${src[@]}" --size "$size" -o "$out/film.onnx" 2>/dev/null >/dev/null
# film fp32 (Winograd where it fits), timed as a whole process too: its wall time less the timed
# runs is what a one-frame process pays (start, weights, plan, first frame); then film bf16 where
# this CPU runs it.
t0=$(date +%s.%N)
OMP_WAIT_POLICY=passive build/film bench "${src[@]}" --size "$size" --threads "$threads" --runs "$runs" --json \
  | tail -1 >"$out/film.json"
t1=$(date +%s.%N)
/usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); r['process_s']=float(sys.argv[3])-float(sys.argv[2]); print(json.dumps(r))" \
  "$out/film.json" "$t0" "$t1" >>"$out/results.jsonl"
OMP_WAIT_POLICY=passive build/film bench "${src[@]}" --size "$size" --threads "$threads" --runs "$runs" \
  --precision bf16 --json 2>/dev/null | tail -1 >>"$out/results.jsonl" || echo "(film bf16: not on this CPU)"
/usr/bin/python3 tools/bench_torch.py "${src[@]}" --size "$size" --threads "$threads" --runs "$runs" \
  >>"$out/results.jsonl"
NODE_PATH=.bench/node_modules node tools/bench_onnx.js "$out/film.onnx" "$threads" "$runs" >>"$out/results.jsonl"
/usr/bin/python3 - "$out/results.jsonl" "$runs" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
film = rows[0]
name = lambda r: (f"film {r.get('backend', 'cpu')} {r.get('precision', 'fp32')}") if "backend" in r else r["impl"]
print(f"{'implementation':28} {'min s':>8} {'median s':>9} {'peak RSS MiB':>13} {'x film fp32 (min)':>18}")
for r in rows:
    print(f"{name(r):28} {r['min_s']:8.3f} {r['median_s']:9.3f} {r.get('peak_rss_mib', 0):13.0f} "
          f"{r['min_s'] / film['min_s']:17.2f}x")
runs = int(sys.argv[2])
cold = film["process_s"] - runs * film["mean_s"]
print(f"film fp32 one-frame process (start, weights, plan, first frame): {cold:.3f} s; "
      + ", ".join(f"{name(r)} warm min / that: {r['min_s'] / cold:.2f}x" for r in rows[1:] if "impl" in r))
PY
