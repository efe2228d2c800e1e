#!/usr/bin/env bash
# Builds one libFuzzer target in a clang build tree (every library with
# -fsanitize=fuzzer-no-link) and fuzzes for a fixed time (TB_FUZZ_SECONDS, default 60) with a
# memory and per-input time limit. A crash, a leak, a slow input or a violated property fails
# the run; the input is saved under the work directory and printed: copy it to the target's
# corpus folder as a regression input.
#   tests/fuzz/run.sh config|control [BUILD_DIR]
# Both targets share one tree (ctest serialises them with a RESOURCE_LOCK), so the libraries
# they have in common compile once.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WHICH=${1:?usage: run.sh config|control [BUILD_DIR]}
BUILD=${2:-$ROOT/build-fuzz}
SECONDS_TO_RUN=${TB_FUZZ_SECONDS:-60}
CXX_BIN=$(command -v clang++ || command -v clang++-14)
CC_BIN=$(command -v clang || command -v clang-14)

case "$WHICH" in
  config) TARGET=fuzz_config DICT=config.dict MAX_LEN=8192 TIMEOUT=20
    WHAT="config -> preflight -> names" ;;
  control) TARGET=fuzz_control DICT=fuzz_control.dict MAX_LEN=4096 TIMEOUT=10
    WHAT="control request lines" ;;
  *) echo "run.sh: unknown target '$WHICH' (config or control)" >&2; exit 2 ;;
esac

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER="$CC_BIN" -DCMAKE_CXX_COMPILER="$CXX_BIN" \
  -DTETHERBOX_SANITIZE=ON -DTETHERBOX_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >"$BUILD.configure.log" 2>&1 \
  || { cat "$BUILD.configure.log"; exit 1; }
cmake --build "$BUILD" --target "$TARGET" -j2

WORK=$(mktemp -d "/tmp/tb-$TARGET.XXXXXX")
trap 'rm -rf "$WORK/corpus"' EXIT
mkdir -p "$WORK/corpus" "$WORK/crashes"
# Seeds and every regression input; new inputs stay in the work directory (the source tree is
# not written).
if [ "$WHICH" = config ]; then
  cp "$ROOT"/config/examples/*.yaml "$ROOT"/tests/integration/configs/*.yaml "$WORK/corpus/"
  cp "$HERE"/corpus/* "$WORK/corpus/" 2>/dev/null || true
else
  cp "$HERE"/fuzz_control_corpus/* "$WORK/corpus/"
fi
cd "$WORK"  # relative release paths in config inputs resolve here
set +e
"$BUILD/tests/fuzz/$TARGET" "$WORK/corpus" -dict="$HERE/$DICT" \
  -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout="$TIMEOUT" \
  -max_len="$MAX_LEN" -artifact_prefix="$WORK/crashes/" -print_final_stats=1 2>"$WORK/fuzz.log"
rc=$?
set -e
tail -n 25 "$WORK/fuzz.log"
if [ "$rc" -ne 0 ]; then
  echo "FAIL: the fuzzer found an input that breaks $TARGET's property (exit $rc); saved in:" >&2
  ls -l "$WORK/crashes" >&2
  exit 1
fi
rm -rf "$WORK"
echo "PASS: ${SECONDS_TO_RUN}s of fuzzing $WHAT found nothing"
