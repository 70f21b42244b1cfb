#!/usr/bin/env bash
# Installs whatever is missing on Debian 12, then builds Parlor into ./build.
#   scripts/setup.sh          build dependencies, the node, the web client
#   scripts/setup.sh --test   the same plus what the test suite needs (Chromium,
#                             and clang with libFuzzer: the fuzz targets are
#                             built into ./build-fuzz)
# Environment: PARLOR_WERROR=ON treats warnings as errors (CI sets it);
# PARLOR_BUILD_TYPE (default RelWithDebInfo); PARLOR_JOBS (default: cores).
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) with_tests=1 ;;
    *) echo "setup.sh: unknown argument '$arg' (use --test)" >&2; exit 2 ;;
  esac
done

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

packages=(g++ cmake ninja-build pkg-config libcaf-dev libboost-dev
          nlohmann-json3-dev libsqlite3-dev libssl-dev libspdlog-dev catch2
          libcli11-dev)
((with_tests)) && packages+=(chromium clang-14 libfuzzer-14-dev strace)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
# Node.js may come from elsewhere; only install Debian's if none is present.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages (phoenix, esbuild, playwright-core, ws), from the lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi

fuzz_required=OFF
((with_tests)) && fuzz_required=ON
cmake -S . -B build -G Ninja \
  -DCMAKE_BUILD_TYPE="${PARLOR_BUILD_TYPE:-RelWithDebInfo}" \
  -DPARLOR_WERROR="${PARLOR_WERROR:-OFF}" \
  -DPARLOR_FUZZ_REQUIRED="$fuzz_required" >/dev/null
cmake --build build -j "${PARLOR_JOBS:-$(nproc)}"

# The fuzz targets, which ctest runs briefly (label fuzz): clang, own dir.
if ((with_tests)); then
  CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DPARLOR_FUZZ=ON \
    -DPARLOR_WERROR="${PARLOR_WERROR:-OFF}" >/dev/null
  cmake --build build-fuzz -j "${PARLOR_JOBS:-$(nproc)}"
fi
