#!/usr/bin/env bash
# Builds the control-protocol libFuzzer target with clang in its own tree and fuzzes request
# lines for a fixed time (TB_FUZZ_SECONDS, default 60). A crash, a leak, a slow input or a
# violated property fails the run; the input is saved under the work directory and printed:
# copy it to tests/fuzz/fuzz_control_corpus/ as a regression input.
#   tests/fuzz/fuzz_control_run.sh [BUILD_DIR]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build-fuzz-control}
SECONDS_TO_RUN=${TB_FUZZ_SECONDS:-60}
CXX_BIN=$(command -v clang++ || command -v clang++-14)
CC_BIN=$(command -v clang || command -v clang-14)

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER="$CC_BIN" -DCMAKE_CXX_COMPILER="$CXX_BIN" \
  -DTETHERBOX_SANITIZE=ON -DTETHERBOX_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >"$BUILD.configure.log" 2>&1 \
  || { cat "$BUILD.configure.log"; exit 1; }
cmake --build "$BUILD" --target fuzz_control -j2

WORK=$(mktemp -d /tmp/tb-fuzz-control.XXXXXX)
trap 'rm -rf "$WORK/corpus"' EXIT
mkdir -p "$WORK/corpus" "$WORK/crashes"
cp "$HERE"/fuzz_control_corpus/* "$WORK/corpus/"
set +e
"$BUILD/tests/fuzz/fuzz_control" "$WORK/corpus" -dict="$HERE/fuzz_control.dict" \
  -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
  -max_len=4096 -artifact_prefix="$WORK/crashes/" -print_final_stats=1 2>"$WORK/fuzz.log"
rc=$?
set -e
tail -n 25 "$WORK/fuzz.log"
if [ "$rc" -ne 0 ]; then
  echo "FAIL: the fuzzer found a request line that breaks the property (exit $rc); saved in:" >&2
  ls -l "$WORK/crashes" >&2
  exit 1
fi
rm -rf "$WORK"
echo "PASS: ${SECONDS_TO_RUN}s of fuzzing control request lines found nothing"
