#!/usr/bin/env bash
# bench_gphoto2.sh [BUILD_DIR] [FRAMES] — per-frame capture + download on the virtual camera:
# the tetherbox gphoto2 backend (one open session, gphoto2_vcamera_test's 50-frame run)
# against the gphoto2 CLI loop in the same run (baseline), reported as a ratio.
# Use a release build without sanitizers for figures worth quoting.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
FRAMES=${2:-3}
BIN=$BUILD/tests/unit/gphoto2/gphoto2_vcamera_test
[[ -x $BIN ]] || { echo "bench_gphoto2: $BIN not built (cmake --build $BUILD --target gphoto2_vcamera_test)" >&2; exit 1; }
WITH=$ROOT/tests/vcamera/with-vcamera.sh
PREFIX=$BUILD/vcamera

ours=$("$WITH" --prefix "$PREFIX" -- bash -c \
	'TB_VCAMERA_SEED_DIR=$1/card TB_VCAM_TMP=$VCAM_SCRATCH/t VCAMERA_DIR=$VCAM_SCRATCH/t/card ASAN_OPTIONS=detect_leaks=0 "$0" --gtest_filter=VCamera.FiftyCaptures*' "$BIN" "$PREFIX" |
	sed -n 's/^vcamera: capture+download \([0-9.]*\) ms per frame.*/\1/p')
[[ -n $ours ]] || { echo "bench_gphoto2: backend run failed" >&2; exit 1; }

start=$(date +%s.%N)
"$WITH" --prefix "$PREFIX" -- gphoto2 --quiet --capture-image-and-download --force-overwrite \
	-F "$FRAMES" -I 1 > /dev/null 2>&1
end=$(date +%s.%N)
cli=$(echo "($end - $start) * 1000 / $FRAMES" | bc -l)

printf 'gphoto2 backend (one session): %8.1f ms/frame\n' "$ours"
printf 'gphoto2 CLI loop (baseline):   %8.1f ms/frame\n' "$cli"
printf 'speed-up: %.1fx\n' "$(echo "$cli / $ours" | bc -l)"
