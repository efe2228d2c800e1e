#!/usr/bin/env bash
# A full orbit x lighting x bracket session on the sim board, checked by independent tools.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
"$TB" run "$HERE/configs/small.yaml" --out "$WORK/out" >stdout.txt 2>stderr.txt || {
  cat stderr.txt; fail "run exited $?"; }
BAG=$(tail -n 1 stdout.txt)
[ -d "$BAG" ] || fail "last stdout line is not a bag: $BAG"
expect_contains stderr.txt "frames 42/42"
"$TB" verify "$BAG" >verify.txt || { cat verify.txt; fail "verify failed on a fresh bag"; }
expect_contains verify.txt "OK"
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 42 || fail "independent checks"
# Every DNG is also read by libraw (raw-identify) and exiftool as a DNG.
for d in "$BAG"/data/frames/*.dng; do
  raw-identify "$d" | grep -q "tetherbox" || fail "libraw raw-identify cannot read $d"
done
exiftool -s3 -DNGVersion "$BAG"/data/frames/*_00000_*.dng | grep -q "1.4" || fail "exiftool: no DNGVersion"
# The report names the conditions of the shoot.
python3 - "$BAG" <<'PY' || fail "report.json"
import json, sys
r = json.load(open(sys.argv[1] + "/data/report.json"))
assert r["frames"] == 42 and r["complete"] is True, r
assert r["gps"]["frames_with_fix"] > 0 and r["gps"]["lat_deg"]["min"] < -33, r["gps"]
assert r["ambient"]["humidity_pct"]["count"] > 0, r["ambient"]
assert set(r["frames_per_light"]) == {"cool", "warm"}, r["frames_per_light"]
PY
# The model release is stored byte for byte and hashed in the manifest.
cmp "$HERE/configs/model-release.pdf" "$BAG/data/releases/model-release.pdf" || fail "release not copied"
grep -q "  data/releases/model-release.pdf$" "$BAG/manifest-sha256.txt" || fail "release not in the manifest"
# Tampering is caught and named.
first=$(ls "$BAG"/data/frames/*.jpg | head -n 1)
printf 'x' | dd of="$first" bs=1 seek=100 conv=notrunc status=none
touch "$BAG/data/frames/stray.txt"
if "$TB" verify "$BAG" >verify2.txt; then fail "verify passed a tampered bag"; fi
expect_contains verify2.txt "changed: data/frames/$(basename "$first")"
expect_contains verify2.txt "extra: data/frames/stray.txt"
pass "42-frame session verified by sha256sum, exiftool, dcraw, libraw; tampering detected"
