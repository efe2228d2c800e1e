#!/usr/bin/env bash
# Privacy-safe export (issue 13 item 2): `tetherbox export BAG --to DIR --strip-gps` makes a new
# bag that verifies, in which exiftool finds no GPS tag in any file (sidecars, images with
# metadata embedded, a release JPEG that carried EXIF GPS) and no text file holds a coordinate,
# while UTC times stay; the source bag's files are byte-for-byte as before. Refusals: a target
# inside the bag or not empty, a source that fails verify, is not finalized or is being written.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v exiftool >/dev/null || fail "exiftool is required (scripts/install-deps)"
# 2 positions x 1 preset x 1 bracket, RAW+JPEG, sim GPS at -33.8568, 151.2153.
config_variant "$HERE/configs/small.yaml" s.yaml \
  '/elevation_deg: 40, positions: 3/d' \
  's/elevation_deg: 0, positions: 4/elevation_deg: 0, positions: 2/' \
  '/- {name: warm, on: \[warm\]/d' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
# A release that is a photo with the place it was signed in its EXIF (as a phone writes it).
python3 - <<'PY'
import struct
# A minimal baseline JPEG (8x8 grey) built by hand: SOI, DQT, SOF0, DHT x2, SOS, data, EOI.
q = bytes([0xFF, 0xDB, 0, 67, 0]) + bytes([1] * 64)
sof = bytes([0xFF, 0xC0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0])
dc = bytes([0xFF, 0xC4, 0, 20, 0x00]) + bytes([1] + [0] * 15) + bytes([0])
ac = bytes([0xFF, 0xC4, 0, 20, 0x10]) + bytes([1] + [0] * 15) + bytes([0])
sos = bytes([0xFF, 0xDA, 0, 8, 1, 1, 0x00, 0, 63, 0])
open("release-photo.jpg", "wb").write(b"\xFF\xD8" + q + sof + dc + ac + sos + bytes([0x00] * 2) + b"\xFF\xD9")
PY
exiftool -q -overwrite_original -GPSLatitude=48.8584 -GPSLatitudeRef=N -GPSLongitude=2.2945 \
  -GPSLongitudeRef=E -DateTimeOriginal="2026:01:02 03:04:05" release-photo.jpg
exiftool -s3 -GPSLatitude release-photo.jpg | grep -q 48 || fail "the release photo has no GPS to strip"
sed -i 's/releases: \[model-release.pdf\]/releases: [model-release.pdf, release-photo.jpg]/' s.yaml
BAG=$(run_bag s.yaml "$WORK/out")
"$TB" verify "$BAG" >/dev/null || fail "the source bag does not verify"
# The bag carries positions: in sidecars, journal, report, snapshot, the release's EXIF.
grep -q '"lat_deg"' "$BAG/data/journal.jsonl" || fail "the source journal has no position to strip"
grep -q 'GPSLatitude' "$BAG"/data/frames/*.xmp || fail "the source sidecars have no GPS"
(cd "$BAG" && find . -type f ! -name .tetherbox.lock -exec sha256sum {} + | sort -k2) >before.sha

# What must not appear anywhere in an export that had its positions removed.
no_gps_anywhere() {  # no_gps_anywhere DIR
  # exiftool: the EXIF GPS IFD of any image (-gps:all) and XMP exif:GPS* (sidecars, embedded).
  exiftool -q -q -a -G1 -r -gps:all '-xmp-exif:gps*' "$1" >gps.txt 2>/dev/null || true
  [ ! -s gps.txt ] || { cat gps.txt; fail "exiftool finds GPS tags in $1"; }
  exiftool -q -q -a -G1 -r '-xmp-tetherbox:all' "$1" | grep -iE "gps" | grep -viE "Gps Status +: stripped" >tbgps.txt || true
  [ ! -s tbgps.txt ] || { cat tbgps.txt; fail "tetherbox GPS properties left in $1"; }
  # Text: no coordinate key and none of the coordinates (as JSON/YAML/XMP would write them).
  if grep -rIlE 'lat_deg|lon_deg|alt_msl_m|-33\.85|151\.21|33,51\.|151,12\.|48\.85|2\.294' "$1" >txt.txt; then
    cat txt.txt; fail "a text file in $1 still holds a position"
  fi
}

# 1. The export with every option that touches metadata.
"$TB" export "$BAG" --to "$WORK/deliv" --strip-gps --embed-metadata --previews >exp.out 2>exp.err ||
  { cat exp.err; fail "export exited $?"; }
[ "$(tail -n 1 exp.out)" = "$WORK/deliv" ] || { cat exp.out; fail "export does not print its folder"; }
"$TB" verify "$WORK/deliv" >verify.txt || { cat verify.txt; fail "the export does not verify"; }
(cd "$WORK/deliv" && sha256sum -c --quiet manifest-sha256.txt) || fail "sha256sum disagrees with the export's manifest"
[ ! -e "$WORK/deliv/.tetherbox.lock" ] || fail "the export carries a lock file"
no_gps_anywhere "$WORK/deliv"
expect_contains "$WORK/deliv/bag-info.txt" "Tetherbox-Location: removed on export (privacy)"
expect_contains "$WORK/deliv/bag-info.txt" "Tetherbox-Exported-From: $(basename "$BAG")"
ls "$WORK"/deliv/data/previews/*.jpg >/dev/null || fail "--previews: no previews"
[ -f "$WORK/deliv/data/releases/release-photo.jpg" ] || fail "the release photo is not in the export"
python3 - "$BAG" "$WORK/deliv" <<'PY' || fail "times or records lost in the export"
import json, os, subprocess, sys
src, dst = sys.argv[1:]
def frames(b):
    return [json.loads(l) for l in open(os.path.join(b, "data/journal.jsonl")) if '"type":"frame"' in l]
a, b = frames(src), frames(dst)
assert len(a) == len(b) == 2, (len(a), len(b))
for x, y in zip(a, b):
    assert y["trigger_utc"] == x["trigger_utc"], "UTC time changed"
    assert y["gps"] == {"fix": False, "reason": "removed on export (privacy)"}, y["gps"]
    x.pop("gps"); y.pop("gps")
    assert x == y, "something else than the position changed in the journal"
r = json.load(open(os.path.join(dst, "data/report.json")))
assert r["started_utc"] and r["ended_utc"], "report times lost"
html = open(os.path.join(dst, "data/report.html")).read()
assert r["started_utc"] in html and "removed on export" in html, "report.html not rebuilt"
# Embedded metadata: each JPEG copy carries its frame's record and UTC time, with no position.
for f in b:
    jpg = [x["path"] for x in f["files"] if x["path"].endswith(".jpg")][0]
    out = subprocess.run(["exiftool", "-s3", "-XMP-tetherbox:Name", "-XMP-exif:DateTimeOriginal",
                          os.path.join(dst, jpg)], capture_output=True, text=True).stdout.split("\n")
    assert out[0] == f["name"], f"{jpg}: embedded name {out[0]!r}"
    assert out[1].startswith(f["trigger_utc"][:10].replace("-", ":")), f"{jpg}: time {out[1]!r}"
PY
exiftool -s3 -DateTimeOriginal "$WORK/deliv/data/releases/release-photo.jpg" | grep -q "2026:01:02 03:04:05" ||
  fail "the release photo lost its time with its GPS"
# The source: every file byte-for-byte as before, and it still verifies.
(cd "$BAG" && find . -type f ! -name .tetherbox.lock -exec sha256sum {} + | sort -k2) >after.sha
diff before.sha after.sha || fail "the export changed the source bag"
"$TB" verify "$BAG" >/dev/null || fail "the source bag no longer verifies"
pass "strip-gps export: no GPS in any file, times kept, source untouched"

# 2. Without --strip-gps the same checks find the positions (they can fail), and --jpeg-only
# leaves the RAW originals out while the bag still verifies.
"$TB" export "$BAG" --to "$WORK/plain" --jpeg-only >plain.out 2>plain.err || { cat plain.err; fail "plain export"; }
"$TB" verify "$WORK/plain" >/dev/null || fail "the --jpeg-only export does not verify"
if (no_gps_anywhere "$WORK/plain") >/dev/null 2>&1; then fail "an export without --strip-gps has no GPS: the check proves nothing"; fi
! ls "$WORK"/plain/data/frames/*.dng >/dev/null 2>&1 || fail "--jpeg-only exported RAW files"
ls "$WORK"/plain/data/frames/*.jpg >/dev/null || fail "--jpeg-only has no JPEG"
! ls "$WORK"/plain/data/previews/*.jpg >/dev/null 2>&1 || fail "previews exported without --previews"
grep -q "left out: data/frames/.*\.dng: not a JPEG original" plain.out || { cat plain.out; fail "left-out RAW not reported"; }
pass "plain and --jpeg-only exports"

# 3. Refusals: exit 1, the cause named, nothing created or changed.
refuse() {  # refuse NAME TEXT ARGS...: export must exit 1 naming TEXT
  local name=$1 pat=$2; shift 2
  set +e; "$TB" export "$@" >"$name.out" 2>"$name.err"; local rc=$?; set -e
  [ "$rc" -eq 1 ] || { cat "$name.err"; fail "$name: exit $rc, expected 1"; }
  grep -qF -- "$pat" "$name.err" || { cat "$name.err"; fail "$name: the error does not say '$pat'"; }
  ! ls -a "$WORK" | grep -q '\.export-' || fail "$name: a staging folder was left"
}
refuse inside "inside the source bag" "$BAG" --to "$BAG/data/exports/out" --strip-gps
[ ! -e "$BAG/data/exports/out" ] || fail "an export target inside the bag was created"
mkdir -p full && echo keep >full/mine.txt
refuse nonempty "is not empty" "$BAG" --to full --strip-gps
[ "$(cat full/mine.txt)" = keep ] && [ "$(ls full)" = mine.txt ] || fail "a non-empty target was touched"
cp -a "$BAG" changed && f=$(ls changed/data/frames/*.jpg | head -n 1) && printf 'x' >>"$f"
refuse changed "changed: data/frames/$(basename "$f")" changed --to t1 --strip-gps
[ ! -e t1 ] || fail "a refused export left its target"
# The payload is hashed once, as the export reads it: a file it does not deliver (a preview,
# without --previews) is hashed all the same, and every changed file is named.
cp -a "$BAG" changed2 && p=$(ls changed2/data/previews/*.jpg | head -n 1) &&
  f2=$(ls changed2/data/frames/*.jpg | tail -n 1) &&
  python3 -c 'import sys
for p in sys.argv[1:]:
    b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 1; open(p, "wb").write(b)' "$p" "$f2"
refuse changed-unsent "changed: data/previews/$(basename "$p")" changed2 --to t4 --strip-gps
grep -qF "changed: data/frames/$(basename "$f2")" changed-unsent.err ||
  { cat changed-unsent.err; fail "the second changed file is not named"; }
[ ! -e t4 ] || fail "a refused export left its target"
cp -a "$BAG" unfinal && rm unfinal/bag-info.txt
refuse unfinalized "not finalized" unfinal --to t2
# A session still writing the bag holds its lock: the export is refused, naming the holder.
# (python holds the flock itself, so killing it releases the lock and leaves no child behind.)
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(600)' \
  "$BAG/.tetherbox.lock" "$WORK/locked" & HOLDER=$!
trap 'kill "$HOLDER" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 600); do [ -e "$WORK/locked" ] && break; sleep 0.1; done
[ -e "$WORK/locked" ] || fail "the lock holder did not start"
refuse busy "being written by" "$BAG" --to t3
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null || true
[ ! -e t3 ] || fail "a refused export left its target"
(cd "$BAG" && find . -type f ! -name .tetherbox.lock -exec sha256sum {} + | sort -k2) >after2.sha
diff before.sha after2.sha || fail "a refused export changed the source bag"
pass "export refusals"
