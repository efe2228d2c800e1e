#!/usr/bin/env bash
# bench_gphoto2.sh BUILD_DIR OUT_DIR [FRAMES] [CLI_FRAMES] — per-frame capture + download on
# libgphoto2's virtual PTP camera (a Nikon D750 handing out a 12 MB JPEG), three ways in one run:
#  1. tetherbox: `tetherbox run` of config/examples/usb-camera.yaml cut to one ring of FRAMES
#     positions with no turntable or light settling, so the camera is the bottleneck; the whole
#     pipeline runs (store + fsync, SHA-256, sidecar, preview, journal). The positions are one
#     step of the sim turntable (0.1 deg) apart: the sim table sleeps its travel time before every
#     shot, and a full turn cost 360/FRAMES deg at 3600 deg/s (3.3 ms of every 30-frame interval)
#     that the bare loop has no counterpart of. Steady state comes from the journal's
#     trigger_utc (first to last frame, session set-up excluded); wall time too (it includes the
#     set-up, the bag's close and the previews still queued when the last frame is stored).
#  2. the shell way: one `gphoto2 --capture-image-and-download` process per frame (baseline),
#     and, for reference, one process shooting CLI_FRAMES with `-F N -I 1`.
#  3. bench_gphoto2_bare: libgphoto2 alone, one session, capture + download into memory (no
#     file written, no hash, no fsync: the bare loop does less than tetherbox must). Also, when
#     built, bench_gphoto2_bare_quiet: the same loop without libgphoto2 2.5.30's hexdump of every
#     port read, which tetherbox's backend skips; its ratio is printed beside the aim's
#     (tetherbox_vs_bare_libgphoto2, against the plain loop, unchanged).
# Details go to stderr; stdout gets a summary line and `ratio <name>: <x.xx>` lines.
# Needs a Release build without sanitizers with targets tetherbox and bench_gphoto2_bare.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:?usage: bench_gphoto2.sh BUILD_DIR OUT_DIR [FRAMES] [CLI_FRAMES]}" && pwd)
OUT=${2:?usage: bench_gphoto2.sh BUILD_DIR OUT_DIR [FRAMES] [CLI_FRAMES]}
FRAMES=${3:-30}
CLI_FRAMES=${4:-5}
TB=$BUILD/firmware/tetherbox
BARE=$BUILD/tests/bench/gphoto2/bench_gphoto2_bare
BARE_QUIET=$BUILD/tests/bench/gphoto2/bench_gphoto2_bare_quiet
for b in "$TB" "$BARE"; do
	[[ -x $b ]] || { echo "bench_gphoto2: $b not built (cmake --build $BUILD --target tetherbox bench_gphoto2_bare)" >&2; exit 1; }
done
WITH=$ROOT/tests/vcamera/with-vcamera.sh
PREFIX=$BUILD/vcamera
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)  # with-vcamera.sh runs the command in its scratch folder
now() { date +%s.%N; }
"$WITH" --prefix "$PREFIX" -- true 2>/dev/null  # builds the fixture on first use, outside the timings

# 1. tetherbox run, the camera the only thing that takes time.
CFG=$OUT/usb-camera-bench.yaml
COVERAGE=$(python3 -c "print(f'{0.1 * ($FRAMES - 1):.1f}')")  # FRAMES positions 0.1 deg apart
sed -e '/^    - elevation_deg: 30 /d' \
	-e "s/^    - elevation_deg: 0 .*/    - {elevation_deg: 0, positions: $FRAMES}/" \
	-e "s/^  coverage_deg: [0-9.]*/  coverage_deg: $COVERAGE/" \
	-e 's/^  speed_deg_s: [0-9.]*/  speed_deg_s: 3600/' \
	-e 's/^  settle_ms: [0-9]*/  settle_ms: 0/' \
	-e 's/^      settle_ms: [0-9]*/      settle_ms: 0/' \
	-e 's/^log_level: .*/log_level: warn/' \
	"$ROOT/config/examples/usb-camera.yaml" >"$CFG"
grep -q "positions: $FRAMES}" "$CFG" && ! grep -q -- '- elevation_deg: 30' "$CFG" &&
	grep -q "coverage_deg: $COVERAGE " "$CFG" && grep -q 'step_deg: 0.1 ' "$CFG" &&
	grep -q 'speed_deg_s: 3600' "$CFG" && ! grep -Eq 'settle_ms: [1-9]' "$CFG" || {
	echo "bench_gphoto2: the example config changed shape; fix the sed in $0" >&2; exit 1; }
rm -rf "$OUT/tb"
# Timed inside the scratch environment: the card copy is not tetherbox's.
"$WITH" --prefix "$PREFIX" -- bash -c 'date +%s.%N >"$0.t0"; "$@"; rc=$?; date +%s.%N >"$0.t1"; exit $rc' \
	"$OUT/tb-run" "$TB" run "$CFG" --out "$OUT/tb" -q >"$OUT/tb-run.out" 2>"$OUT/tb-run.err" || {
	echo "bench_gphoto2: tetherbox run failed:" >&2; cat "$OUT/tb-run.err" >&2; exit 1; }
t0=$(cat "$OUT/tb-run.t0"); t1=$(cat "$OUT/tb-run.t1")
BAG=$(tail -n 1 "$OUT/tb-run.out")
read -r tb_ms tb_n < <(python3 - "$BAG/data/journal.jsonl" "$FRAMES" <<'PY'
import json, sys
from datetime import datetime
t = sorted(datetime.fromisoformat(j["trigger_utc"]) for j in map(json.loads, open(sys.argv[1]))
           if j.get("type") == "frame")
if len(t) != int(sys.argv[2]):
    sys.exit(f"bench_gphoto2: {len(t)} frames in the journal, {sys.argv[2]} planned")
print(f"{(t[-1] - t[0]).total_seconds() * 1000 / (len(t) - 1):.3f} {len(t)}")
PY
)
tb_wall=$(python3 -c "print(f'{($t1 - $t0) * 1000 / $tb_n:.1f}')")
files=$(find "$BAG/data" -type f | wc -l)
echo "tetherbox run: $tb_n frames, steady $tb_ms ms/frame (trigger_utc first..last)," \
	"wall $tb_wall ms/frame incl. set-up and bag close; $files files in $BAG/data" >&2

# 2. The shell way: one gphoto2 process per frame, then one process with -F N -I 1.
mkdir -p "$OUT/cli"
t0=$(now)
"$WITH" --prefix "$PREFIX" -- bash -c 'for i in $(seq 1 "$1"); do
	gphoto2 --quiet --capture-image-and-download --filename "$2/f$i.jpg" --force-overwrite >/dev/null
done' _ "$CLI_FRAMES" "$OUT/cli" 2>"$OUT/cli.err"
t1=$(now)  # includes copying the 12 MB card once (~0.1 s of ~35 s)
cli_ms=$(python3 -c "print(f'{($t1 - $t0) * 1000 / $CLI_FRAMES:.1f}')")
got=$(find "$OUT/cli" -name 'f*.jpg' -size +1M | wc -l)
((got == CLI_FRAMES)) || { echo "bench_gphoto2: CLI loop wrote $got of $CLI_FRAMES files" >&2; cat "$OUT/cli.err" >&2; exit 1; }
rm -rf "$OUT/cli"; mkdir -p "$OUT/cli"
t0=$(now)
"$WITH" --prefix "$PREFIX" -- gphoto2 --quiet --capture-image-and-download -F "$CLI_FRAMES" -I 1 \
	--filename "$OUT/cli/g%n.jpg" --force-overwrite >/dev/null 2>>"$OUT/cli.err"
t1=$(now)
cli_f_ms=$(python3 -c "print(f'{($t1 - $t0) * 1000 / $CLI_FRAMES:.1f}')")
got=$(find "$OUT/cli" -name 'g*.jpg' -size +1M | wc -l)
((got == CLI_FRAMES)) || { echo "bench_gphoto2: CLI -F wrote $got of $CLI_FRAMES files" >&2; exit 1; }
echo "gphoto2 CLI: $cli_ms ms/frame one process per frame; $cli_f_ms ms/frame with -F $CLI_FRAMES -I 1" >&2

# 3. Bare libgphoto2, no pipeline.
"$WITH" --prefix "$PREFIX" -- "$BARE" "$FRAMES" >"$OUT/bare.out" 2>"$OUT/bare.err" || {
	echo "bench_gphoto2: bench_gphoto2_bare failed:" >&2; cat "$OUT/bare.err" >&2; exit 1; }
head -n 1 "$OUT/bare.out" >&2
bare_ms=$(sed -n 's/^bare_ms_per_frame: //p' "$OUT/bare.out")
quiet_ms=
if [[ -x $BARE_QUIET ]]; then
	"$WITH" --prefix "$PREFIX" -- "$BARE_QUIET" "$FRAMES" >"$OUT/bare-quiet.out" 2>"$OUT/bare-quiet.err" || {
		echo "bench_gphoto2: bench_gphoto2_bare_quiet failed:" >&2; cat "$OUT/bare-quiet.err" >&2; exit 1; }
	sed -n '1s/^bare libgphoto2/bare libgphoto2 without the per-read hexdump/p' "$OUT/bare-quiet.out" >&2
	quiet_ms=$(sed -n 's/^bare_ms_per_frame: //p' "$OUT/bare-quiet.out")
fi
# For the diagnosis only: the same loop plus a fixed event drain after each frame (what tetherbox's
# backend did before it collected a frame's files from the events as they come).
"$WITH" --prefix "$PREFIX" -- "$BARE" "$FRAMES" 10 2>/dev/null | sed -n 's/^/  with an event drain: /;1p;2p' >&2 || true
rm -rf "$OUT/tb" "$OUT/cli"

python3 - "$tb_ms" "$tb_wall" "$cli_ms" "$cli_f_ms" "$bare_ms" "$CLI_FRAMES" "$quiet_ms" <<'PY'
import sys
tb, wall, cli, cli_f, bare = map(float, sys.argv[1:6])
quiet = float(sys.argv[7]) if sys.argv[7] else None
print(f"per frame (12 MB JPEG capture + download, virtual PTP camera): tetherbox {tb:.1f} ms "
      f"({1000 / tb:.2f} fr/s; wall {wall:.1f} ms), bare libgphoto2 {bare:.1f} ms, gphoto2 CLI "
      f"per process {cli:.1f} ms, gphoto2 CLI -F {sys.argv[6]} -I 1 {cli_f:.1f} ms")
print(f"ratio tetherbox_vs_gphoto2_cli: {cli / tb:.2f}")
print(f"ratio tetherbox_vs_bare_libgphoto2: {bare / tb:.2f}")
if quiet:
    print(f"ratio tetherbox_vs_bare_libgphoto2_no_hexdump: {quiet / tb:.2f}")
PY
