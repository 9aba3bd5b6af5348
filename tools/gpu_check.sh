#!/bin/bash
# The vulkan backend's check on a machine with a real GPU (docs/benchmarks.md, "Vulkan"), in two
# halves, because that machine need not have the project's dependencies (and may have no network):
#
#   tools/gpu_check.sh pack          here: builds build/film_gpu_check (the engine and the vulkan
#                                    backend only) and copies it with every library it loads,
#                                    glibc's loader and the Vulkan loader included, into the
#                                    git-ignored .gpu/vulkan/ (about 10 MB)
#   tools/gpu_check.sh run [OUT]     there, from the repository root with .gpu/vulkan carried:
#                                    the FILM-port golden fixtures on the GPU through Vulkan, then
#                                    FILM "Style" (released options, random weights) at 1920x1088:
#                                    film's vulkan fp32 and fp16 beside PyTorch CUDA fp32 and fp16
#                                    (tools/bench_torch.py), one table; JSON lines into OUT
#
# With the device tool: run `tools/gpu_check.sh pack` here, then
#   run(command="bash tools/gpu_check.sh run $OUT", carry=[".gpu/vulkan"], timeout_s=420)
# Sized to finish in under 5 minutes on an H200 (pipelines compile in the first, untimed run).
# Exit status: non-zero when a fixture fails or the Vulkan run cannot start.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
pack=.gpu/vulkan

case "$mode" in
pack)
  cmake --build build --target film_gpu_check -j"$(nproc)" >/dev/null
  rm -rf "$pack" && mkdir -p "$pack"
  cp build/film_gpu_check "$pack/"
  # Every library it loads, resolved here (the other machine's may be older or absent).
  ldd build/film_gpu_check | awk '/=>/ {print $3} /ld-linux/ {print $1}' | while read -r lib; do
    [ -f "$lib" ] && cp -L "$lib" "$pack/"
  done
  du -sh "$pack"
  ;;
run)
  out=${2:-/tmp/gpu_check}
  mkdir -p "$out"
  [ -x "$pack/film_gpu_check" ] || { echo "gpu_check: $pack is missing: run 'tools/gpu_check.sh pack' first and carry it" >&2; exit 1; }
  # NVIDIA's Vulkan driver manifest where the container runtime puts it, if the loader's default
  # places have none.
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
             /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd; fi
  done
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
  loader=$(ls "$pack"/ld-linux* | head -1)
  start=$(date +%s)
  status=0
  "$loader" --library-path "$pack" "$pack/film_gpu_check" . --size 1920x1088 --runs 5 \
    | tee "$out/vulkan.json" || status=1
  py=/usr/bin/python3; command -v "$py" >/dev/null || py=python3
  for half in "" "--half"; do
    "$py" tools/bench_torch.py --released --size 1920x1088 --runs 5 --device cuda $half \
      | tee -a "$out/torch.jsonl" || echo '{"impl": "pytorch cuda '"${half:-fp32}"' failed"}' >>"$out/torch.jsonl"
  done
  "$py" - "$out" <<'PY'
import json, sys
out = sys.argv[1]
v = json.load(open(out + "/vulkan.json"))
rows = []
for b in v["bench"]:
    if "error" in b:
        rows.append((b["impl"] + ": " + b["error"][:60], None, None))
        continue
    rows.append((b["impl"] + " (wall)", b["min_s"], b["median_s"]))
    rows.append((b["impl"] + " (device time)", b["device_min_s"], b["device_median_s"]))
for line in open(out + "/torch.jsonl"):
    t = json.loads(line)
    rows.append((t["impl"], t.get("min_s"), t.get("median_s")))
print(f"\nFILM 'Style' (released options), {v['bench'][0].get('size')}, device:", v["bench"][0].get("device"))
for f in v["fixtures"]:
    print(f"  fixture {f['fixture']}: image max err {f['image_max_err']:.2e}, flows {f['flow_max_err']:.2e}:",
          "PASS" if f["pass"] else "FAIL")
base = next((r[1] for r in rows if r[0].endswith("cuda fp32") and r[1]), None)
print(f"{'implementation':40} {'min s':>8} {'median s':>9} {'vs torch fp32':>14}")
for name, mn, md in rows:
    if mn is None:
        print(f"{name}")
        continue
    ratio = f"{base / mn:.2f}x" if base else "-"
    print(f"{name:40} {mn:8.3f} {md:9.3f} {ratio:>14}")
PY
  echo "gpu_check: $(( $(date +%s) - start )) s"
  exit $status
  ;;
*)
  echo "usage: tools/gpu_check.sh pack | run [OUT]" >&2
  exit 2
  ;;
esac
