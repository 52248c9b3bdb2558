#!/usr/bin/env bash
# Builds and runs the native engine's C++ tests.
#   scripts/native-tests.sh [host|sanitize|aarch64] [model.swp]
# host:     optimised build for this CPU (every SIMD path it has)
# sanitize: AddressSanitizer + UndefinedBehaviorSanitizer build
# aarch64:  cross-built with g++-aarch64-linux-gnu, run under qemu-aarch64 (NEON path)
# JOBS=N limits the build to N parallel jobs (default: every core).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-host}
model=${2:-}
build=build/native-tests-$mode
args=()
case "$mode" in
  host) ;;
  sanitize) args+=(-DSARWATCH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
  aarch64)
    command -v aarch64-linux-gnu-g++ >/dev/null || { echo "aarch64: g++-aarch64-linux-gnu is not installed (apt-get install g++-aarch64-linux-gnu qemu-user)" >&2; exit 2; }
    command -v qemu-aarch64 >/dev/null || { echo "aarch64: qemu-aarch64 is not installed (apt-get install qemu-user)" >&2; exit 2; }
    args+=(-DCMAKE_TOOLCHAIN_FILE="$PWD/native/cmake/aarch64-linux-gnu.cmake") ;;
  *) echo "usage: $0 [host|sanitize|aarch64] [model.swp]" >&2; exit 2 ;;
esac
cmake -S native -B "$build" "${args[@]}" >/dev/null
cmake --build "$build" -j"${JOBS:-$(nproc)}" >/dev/null
runner=()
[ "$mode" = aarch64 ] && runner=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
"${runner[@]}" "$build/engine_tests" ${model:+"$model"}
