#!/usr/bin/env bash
# Builds every libFuzzer target (fuzz/*.cpp) with ASan + UBSan into build-fuzz/ and runs each one
# for SECONDS (default 20). Exits non-zero if any target finds a crash, leak, sanitizer report,
# timeout or out-of-memory; the offending input is kept in build-fuzz/artifacts/<target>/.
#
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]     (default: all targets)
#   FILM_FUZZ_JOBS=N  build parallelism (default 2)
#
# Seeds for every target: tests/data/broken/ (the broken-file corpus), the valid files that
# tests/data/broken/make_broken.py --seeds writes, and tests/data/fuzz/<target>/ if it exists;
# fuzz_tf_checkpoint also gets the real checkpoint indexes of tests/data.
# Inputs a run finds interesting accumulate in build-fuzz/corpus/<target>/ for the next run.
#
# The whole build gets -fsanitize=fuzzer-no-link, not just the fuzz sources (which is all that
# CMake's FILM_FUZZ adds): without it libFuzzer would see no coverage inside the film libraries, where the
# parsers are, and would fuzz blind. System libraries (libpng, zlib) remain uninstrumented.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-20}
[[ $# -gt 0 ]] && shift
jobs=${FILM_FUZZ_JOBS:-2}
build=$root/build-fuzz

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for src in fuzz/*.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi
[[ ${#targets[@]} -gt 0 ]] || { echo "fuzz.sh: no fuzz/*.cpp targets" >&2; exit 1; }

echo "== configuring and building ${targets[*]} in build-fuzz/"
start=$SECONDS
# -O1: fuzzing wants coverage and sanitizers more than speed, and -O1 compiles faster than -O2.
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None \
  -DFILM_FUZZ=ON -DFILM_SANITIZE=ON -DFILM_BUILD_TESTS=OFF \
  "-DCMAKE_C_FLAGS=-O1 -g -fsanitize=fuzzer-no-link" "-DCMAKE_CXX_FLAGS=-O1 -g -fsanitize=fuzzer-no-link" >/dev/null
cmake --build "$build" -j"$jobs" --target "${targets[@]}"
echo "== build took $((SECONDS - start)) s"

seeds=$build/seeds
rm -rf "$seeds"
/usr/bin/python3 tests/data/broken/make_broken.py --seeds "$seeds"

# UBSan reports are only printed by default; make them fatal so they count as findings.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

failed=()
for t in "${targets[@]}"; do
  bin=$build/$t
  [[ -x $bin ]] || { echo "fuzz.sh: $t was not built" >&2; failed+=("$t(not built)"); continue; }
  corpus=$build/corpus/$t
  artifacts=$build/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  dirs=("$corpus" tests/data/broken "$seeds")
  [[ -d tests/data/fuzz/$t ]] && dirs+=("tests/data/fuzz/$t")
  # The checkpoint parsers also start from real TensorFlow checkpoint indexes (the fixtures'). Not
  # their SavedModel graphs: at 0.1-2.6 MB each they cut the executions per second 18-fold.
  if [[ $t == fuzz_tf_checkpoint ]]; then
    mkdir -p "$build/seeds-tf"
    for f in tests/data/film-savedmodel/*/saved_model/variables/variables.index \
             tests/data/tf-checkpoints/*/variables/variables.index; do
      cp "$f" "$build/seeds-tf/$(echo "${f#tests/data/}" | tr / _)"
    done
    dirs+=("$build/seeds-tf")
  fi
  echo "== $t: ${seconds}s, seeds: ${dirs[*]:1}"
  log=$build/$t.log
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "${dirs[@]}" >"$log" 2>&1; then
    grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" || true
  else
    echo "!! $t FAILED (exit $?); log: $log; inputs: $artifacts/"
    grep -E "ERROR|runtime error|SUMMARY|Test unit written|terminate called|what\(\)" "$log" | head -20 || true
    failed+=("$t")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "== fuzzing found problems in: ${failed[*]}"
  exit 1
fi
echo "== all ${#targets[@]} fuzz targets ran ${seconds}s without findings"
