#!/usr/bin/env bash
# Delivery benchmarks (issue 13), called by scripts/bench: TB DIR. Prints `ratio <name>: <x.xx>`.
#  sync_vs_rclone_copy: plain `rclone copy` time / `tetherbox sync` time (verify included) of a
#    sim bag of about TB_BENCH_SYNC_MB MB (default 1024) to a local s3rver; median of 3 rounds
#    (the remote then holds 6 copies of the bag: disk for about 7 times its size).
#    Profile (issue 13, round 3): sync ran 3 rclone processes one after the other (payload copy,
#    tag-file copy, an MD5 listing of the remote) against plain rclone's 1, and read the bag once
#    more than it (SHA-256 against the manifest, before the upload; rclone reads each file twice
#    itself: MD5, then the upload). Now the SHA-256 pass runs beside the payload upload
#    (--immutable until it passes), and the remote check comes from the copies' own MD5 checks
#    (their debug log) instead of a listing: 2 rclone processes. `sync timings` splits the time.
#  export_strip_gps_vs_exiftool: `cp -r` of the frames + `exiftool -gps:all=` over them / time of
#    `tetherbox export --strip-gps` of a TB_BENCH_EXPORT_FRAMES (default 1000) frame JPEG bag.
#    Profile: it was not fsync-bound on its payload alone: the dataset skeletons (one VOC file
#    per image, each through a bag commit with its fdatasync) and the XMP sidecar rewrite (exiv2's
#    toolkit, one packet at a time) took most of it. Now the payload and skeletons are written
#    unsynced on several threads, made durable by one syncfs, and committed by one rename.
#    Profile (round 4, 0.80 s): payload 0.49 s, most of it exiv2's XMP decode + encode of each
#    sidecar (the toolkit's global lock: one packet at a time), skeletons 0.14 s after it,
#    syncfs 0.07 s, verify 0.05 s. Now a sidecar as exiv2 wrote it is cleared as text (the same
#    bytes; anything else still goes through exiv2), and the skeletons are made beside the
#    payload from the journal and the source images' sizes.
#    `export timings` below splits tetherbox's time.
set -euo pipefail
TB=$(realpath "$1"); DIR=$2
mkdir -p "$DIR"; DIR=$(realpath "$DIR")
SYNC_MB=${TB_BENCH_SYNC_MB:-1024}
EXPORT_FRAMES=${TB_BENCH_EXPORT_FRAMES:-1000}
now() { date +%s.%N; }

# sim_config FILE FRAMES FORMAT WIDTH HEIGHT: FRAMES positions, one preset, one EV.
sim_config() {
  {
    printf 'board: sim\nsession: {name: bench}\n'
    printf 'camera: {backend: sim, exposure: {shutter: "1/125", aperture: 8, iso: 100}, format: %s, sim: {width: %d, height: %d, seed: 7}}\n' "$3" "$4" "$5"
    printf 'lens: {focal_length_mm: 35, sensor_width_mm: 36, sensor_height_mm: 24}\n'
    # A ring holds at most 720 positions: rings of at most 500, elevations 0, 10, ...
    local left=$2 r=0 rings=""
    while ((left > 0)); do
      local n=$((left > 500 ? 500 : left))
      rings+="${rings:+, }{elevation_deg: $((r * 10)), positions: $n}"
      left=$((left - n)); r=$((r + 1))
    done
    printf 'orbit: {subject_distance_m: 1.0, subject_radius_m: 0.15, rings: [%s]}\n' "$rings"
    printf 'turntable: {backend: sim, speed_deg_s: 3600, settle_ms: 0}\n'
    printf 'lighting:\n  backend: sim\n  lights:\n    - {name: key, colour_temp_k: 6500, azimuth_deg: 30, elevation_deg: 30}\n'
    printf '  presets:\n    - {name: a, on: [key], settle_ms: 0}\n'
    printf 'brackets: {ev: [0]}\n'
    printf 'gps: {backend: sim, sim: {lat_deg: 48.8584, lon_deg: 2.2945, alt_msl_m: 35}}\n'
    printf 'storage: {root: ./sessions, reserve_mb: 1, previews: {enabled: false}}\n'
  } >"$1"
}
make_bag() {  # make_bag NAME FRAMES FORMAT W H -> prints the bag
  sim_config "$DIR/$1.yaml" "$2" "$3" "$4" "$5"
  rm -rf "${DIR:?}/$1"; mkdir -p "$DIR/$1"
  "$TB" run "$DIR/$1.yaml" --out "$DIR/$1" -q >"$DIR/$1.log" 2>&1 || { cat "$DIR/$1.log" >&2; exit 1; }
  tail -n 1 "$DIR/$1.log"
}

# 1. sync vs rclone copy, to s3rver on loopback.
CACHE=${TB_TEST_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tetherbox-tests/npm}
if [ ! -x "$CACHE/node_modules/.bin/s3rver" ]; then
  mkdir -p "$CACHE"
  [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r /etc/ssl/certs/ca-certificates.crt ] &&
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  npm install --prefix "$CACHE" --no-audit --no-fund s3rver@3 >"$DIR/npm.log" 2>&1 ||
    { cat "$DIR/npm.log" >&2; echo "sync benchmark: cannot install s3rver" >&2; exit 1; }
fi
unset AWS_CA_BUNDLE
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export RCLONE_CONFIG="$DIR/none.conf" RCLONE_CONFIG_S3_TYPE=s3 RCLONE_CONFIG_S3_PROVIDER=Other
export RCLONE_CONFIG_S3_ENDPOINT="http://127.0.0.1:$PORT" RCLONE_CONFIG_S3_FORCE_PATH_STYLE=true
export RCLONE_CONFIG_S3_ACCESS_KEY_ID=S3RVER RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=S3RVER
rm -rf "$DIR/s3"; mkdir -p "$DIR/s3"
"$CACHE/node_modules/.bin/s3rver" -d "$DIR/s3" -p "$PORT" --silent --configure-bucket bench >"$DIR/s3.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 300); do rclone lsd s3: >/dev/null 2>&1 && break; sleep 0.2; done
rclone lsd s3: >/dev/null 2>&1 || { cat "$DIR/s3.log" >&2; echo "s3rver did not start" >&2; exit 1; }
# 4000 x 3000 16-bit DNGs: about 24 MB a frame.
SFRAMES=$(( (SYNC_MB + 23) / 24 )); ((SFRAMES >= 1)) || SFRAMES=1
SBAG=$(make_bag syncbag "$SFRAMES" raw 4000 3000)
SBYTES=$(du -sb "$SBAG" | cut -f1)
cat "$SBAG"/data/frames/* >/dev/null  # both ways read from the page cache
# Three rounds, the two ways taking turns, each to a new prefix (nothing on the remote to skip):
# the median of each way's three times, as for export below (one round's ratio swung 0.89-1.04
# with what else the machine did).
rc_times=() sy_times=()
# Each timed step starts after a `sync`: the previous step's writes (1 GB into s3rver's folder)
# are flushed before, not during, the next one, whichever way it is.
for round in 1 2 3; do
  sync
  t0=$(now)
  rclone copy "$SBAG" "s3:bench/plain-$round/$(basename "$SBAG")"
  t1=$(now)
  sync
  t2=$(now)
  "$TB" sync "$SBAG" "s3:bench/tb-$round" >"$DIR/sync.out" 2>&1 || { cat "$DIR/sync.out" >&2; exit 1; }
  t3=$(now)
  rc_times+=("$(python3 -c "print($t1 - $t0)")") sy_times+=("$(python3 -c "print($t3 - $t2)")")
done
python3 - "${rc_times[*]}" "${sy_times[*]}" <<PY
import statistics, sys
rcs = [float(x) for x in sys.argv[1].split()]
sys_ = [float(x) for x in sys.argv[2].split()]
rc, tb, mb = statistics.median(rcs), statistics.median(sys_), $SBYTES / 1e6
print(f"sync of a {mb:.0f} MB sim bag ($SFRAMES frames) to s3rver, median of 3: "
      f"rclone copy {rc:.2f} s ({mb / rc:.0f} MB/s; {', '.join(f'{x:.2f}' for x in rcs)}), "
      f"tetherbox sync with verify {tb:.2f} s ({mb / tb:.0f} MB/s; {', '.join(f'{x:.2f}' for x in sys_)})")
print(f"ratio sync_vs_rclone_copy: {rc / tb:.2f}")
PY
grep -o 'sync timings: .*' "$DIR/sync.out" || true
kill $SERVER 2>/dev/null || true
rm -rf "$DIR/s3" "$DIR/syncbag"

# 2. export --strip-gps vs exiftool -gps:all= over a copy. Three rounds, the two ways taking
#    turns, each into a new folder (nothing deleted until the end: a mass delete just before
#    makes ext4 slow to allocate inodes for a while, which would bill whichever way ran next);
#    the median of each way's three times.
EBAG=$(make_bag exportbag "$EXPORT_FRAMES" jpeg 640 480)
rm -rf "$DIR"/export-out-* "$DIR"/exif-copy-*
cat "$EBAG"/data/frames/* >/dev/null
tb_times=() ex_times=()
#    Each timed step starts after a `sync`, so that tetherbox's syncfs (which flushes the whole
#    filesystem) does not also write back the 1000 files exiftool rewrote just before it.
for round in 1 2 3; do
  sync
  t0=$(now)
  "$TB" export "$EBAG" --to "$DIR/export-out-$round" --strip-gps >"$DIR/export.out" 2>&1 || { cat "$DIR/export.out" >&2; exit 1; }
  t1=$(now)
  sync
  t2=$(now)
  cp -r "$EBAG/data/frames" "$DIR/exif-copy-$round"
  exiftool -q -q -overwrite_original -gps:all= "$DIR/exif-copy-$round" || true
  t3=$(now)
  tb_times+=("$(python3 -c "print($t1 - $t0)")") ex_times+=("$(python3 -c "print($t3 - $t2)")")
  left=$( (exiftool -q -q -r -if '$gpslatitude' -p '$filename' "$DIR/export-out-$round" || true) | wc -l)
  [ "$left" -eq 0 ] || { echo "export left GPS in $left files" >&2; exit 1; }
done
gps_before=$( (exiftool -q -q -r -if '$gpslatitude' -p '$filename' "$EBAG/data/frames" || true) | wc -l)
python3 - "${tb_times[*]}" "${ex_times[*]}" <<PY
import statistics, sys
tbs = [float(x) for x in sys.argv[1].split()]
exs = [float(x) for x in sys.argv[2].split()]
tb, ex = statistics.median(tbs), statistics.median(exs)
print(f"export --strip-gps of a $EXPORT_FRAMES-frame bag ($gps_before files with GPS), median of 3: "
      f"tetherbox {tb:.2f} s ({', '.join(f'{x:.2f}' for x in tbs)}), "
      f"cp + exiftool -gps:all= {ex:.2f} s ({', '.join(f'{x:.2f}' for x in exs)})")
print(f"ratio export_strip_gps_vs_exiftool: {ex / tb:.2f}")
PY
grep -o 'export timings: .*' "$DIR/export.out" || true
rm -rf "$DIR"/export-out-* "$DIR"/exif-copy-* "$DIR/exportbag"
