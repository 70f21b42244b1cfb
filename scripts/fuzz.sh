#!/usr/bin/env bash
# Builds the fuzz targets (clang, ./build-fuzz) and runs one of them for
# longer than CI does, growing a corpus in a scratch directory.
#   scripts/fuzz.sh TARGET [SECONDS] [-- LIBFUZZER_FLAGS...]
#   scripts/fuzz.sh frame_decode 600
# TARGET: frame_decode, token_verify, http_router, snapshot_load, game_move.
# SECONDS defaults to 300. The corpus grows in $PARLOR_FUZZ_WORK/TARGET
# (default build-fuzz/work/TARGET), seeded from fuzz/corpus/TARGET, which is
# only read; crashes land in that directory's crashes/. To keep what a run
# found: `-merge=1 fuzz/corpus/TARGET WORKDIR` keeps only the inputs that
# add coverage (see docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(frame_decode token_verify http_router snapshot_load game_move)
target=${1:-}
if [[ ! " ${targets[*]} " =~ " $target " ]]; then
  echo "usage: scripts/fuzz.sh TARGET [SECONDS] [-- FLAGS...]" >&2
  echo "targets: ${targets[*]}" >&2
  exit 2
fi
shift
seconds=300
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
[[ ${1:-} == -- ]] && shift

if [[ ! -f build-fuzz/CMakeCache.txt ]]; then
  CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DPARLOR_FUZZ=ON >/dev/null
fi
cmake --build build-fuzz -j "${PARLOR_JOBS:-2}" --target "fuzz_$target"

work=${PARLOR_FUZZ_WORK:-build-fuzz/work}/$target
mkdir -p "$work/corpus" "$work/crashes"
args=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1
      -artifact_prefix="$work/crashes/")
[[ -f fuzz/dict/$target.dict ]] && args+=(-dict="fuzz/dict/$target.dict")
echo "fuzz: $target for ${seconds} s, corpus in $work/corpus"
exec "build-fuzz/bin/fuzz_$target" "${args[@]}" "$@" "$work/corpus" "fuzz/corpus/$target"
