#!/usr/bin/env bash
# Builds the libFuzzer target with clang in its own tree and fuzzes config text for a fixed
# time (TB_FUZZ_SECONDS, default 60) with a memory and per-input time limit. A crash, a leak,
# an input over the limits or a violated property fails the run; the input is saved under the
# work directory and printed: copy it to tests/fuzz/corpus/ as a regression input.
#   tests/fuzz/run.sh [BUILD_DIR]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build-fuzz}
SECONDS_TO_RUN=${TB_FUZZ_SECONDS:-60}
CXX_BIN=$(command -v clang++ || command -v clang++-14)
CC_BIN=$(command -v clang || command -v clang-14)

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER="$CC_BIN" -DCMAKE_CXX_COMPILER="$CXX_BIN" \
  -DTETHERBOX_SANITIZE=ON -DTETHERBOX_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >"$BUILD.configure.log" 2>&1 \
  || { cat "$BUILD.configure.log"; exit 1; }
cmake --build "$BUILD" --target fuzz_config -j2

WORK=$(mktemp -d /tmp/tb-fuzz.XXXXXX)
trap 'rm -rf "$WORK/corpus"' EXIT
mkdir -p "$WORK/corpus" "$WORK/crashes"
# Seeds: the shipped examples, the test configs and the regression inputs; new inputs stay in
# the work directory (the source tree is not written).
cp "$ROOT"/config/examples/*.yaml "$ROOT"/tests/integration/configs/*.yaml "$WORK/corpus/"
cp "$HERE"/corpus/* "$WORK/corpus/" 2>/dev/null || true
cd "$WORK"  # relative release paths in inputs resolve here
set +e
"$BUILD/tests/fuzz/fuzz_config" "$WORK/corpus" -dict="$HERE/config.dict" \
  -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=20 \
  -max_len=8192 -artifact_prefix="$WORK/crashes/" -print_final_stats=1 2>"$WORK/fuzz.log"
rc=$?
set -e
tail -n 25 "$WORK/fuzz.log"
if [ "$rc" -ne 0 ]; then
  echo "FAIL: the fuzzer found an input that breaks the property (exit $rc); saved in:" >&2
  ls -l "$WORK/crashes" >&2
  exit 1
fi
rm -rf "$WORK"
echo "PASS: ${SECONDS_TO_RUN}s of fuzzing config -> preflight -> names found nothing"
