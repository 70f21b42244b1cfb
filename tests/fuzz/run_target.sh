#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed time, for ctest (label `fuzz`).
#   run_target.sh BINARY CORPUS DICT SECONDS ARTIFACTS REQUIRED
# The committed corpus is only read: libFuzzer writes what it finds into
# the first directory it is given, here a scratch one. A crashing input is
# kept under ARTIFACTS and printed in the log. Without the binary (no
# clang build) the test fails when REQUIRED is ON (CI) and is skipped
# (exit 77) otherwise.
set -euo pipefail
bin=$1 corpus=$2 dict=$3 seconds=$4 artifacts=$5 required=$6

if [[ ! -x $bin ]]; then
  echo "fuzz: $bin is missing: scripts/setup.sh --test builds it into" \
       "build-fuzz (needs clang-14 and libfuzzer-14-dev)" >&2
  [[ $required == ON ]] && exit 1
  exit 77
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"
# libFuzzer exits 77 on a crash by default, which ctest reads as "skipped"
# (SKIP_RETURN_CODE): every finding would pass unseen.
args=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1
      -error_exitcode=1 -timeout_exitcode=1
      -artifact_prefix="$artifacts/")
[[ -f $dict ]] && args+=(-dict="$dict")
"$bin" "${args[@]}" "$scratch" "$corpus"
