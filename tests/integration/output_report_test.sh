#!/usr/bin/env bash
# The report and the pose exports from the user's side (issue 8 items 10 and 12): a RAW-only
# session reports clipping as not measured (never "max 0.0"); a frame whose exposure failed
# verification is left out of transforms.json and the COLMAP model and listed; two presets
# whose safe names collide ("a.b", "a_b") each get their own export file; every export says
# where its poses come from.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
# One ring of 3 positions, no bracket.
small_variant() {  # small_variant DST SED_EXPR...
  config_variant "$HERE/configs/small.yaml" "$@" \
    '/elevation_deg: 40, positions: 3/d' \
    's/elevation_deg: 0, positions: 4/elevation_deg: 0, positions: 3/' \
    's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
}
# 1. format: raw -> no JPEG, no preview: clipping is "not measured", in JSON and HTML.
small_variant raw.yaml 's/format: raw+jpeg/format: raw/' '/- {name: warm, on: \[warm\]/d'
grep -q "format: raw$" raw.yaml || fail "raw variant not applied"
BAG=$(run_bag raw.yaml "$WORK/raw")
"$TB" verify "$BAG" >/dev/null || fail "verify failed on the raw bag"
ls "$BAG"/data/frames/*.jpg >/dev/null 2>&1 && fail "a RAW-only session wrote JPEGs"
python3 - "$BAG/data/report.json" <<'PY' || fail "report.json of a RAW-only session"
import json, sys
r = json.load(open(sys.argv[1]))
c = r["clipping"]
assert c["frames_measured"] == 0 and c["frames_not_measured"] == 3, c
assert "no JPEG/preview" in c["not_measured_reason"], c
for k in ("clipped_high", "clipped_low", "mean_luminance"):
    assert "max" not in c[k] and c[k]["not_measured"].startswith("not measured"), (k, c[k])
assert not isinstance(c["frames_over_1pct_highlights"], int), c
PY
expect_contains "$BAG/data/report.html" "clipped_high not measured: no JPEG/preview"
if grep -qE "max 0(\.0)?[;}]" "$BAG/data/report.html"; then fail "report.html shows a max of 0"; fi

# 2. Presets "a.b" and "a_b" would share file name parts (frame names, export files): refused
# before anything runs, by plan and run alike, naming both.
small_variant clash.yaml \
  's/{name: cool, on: \[key\], settle_ms: 0}/{name: a.b, on: [key], settle_ms: 0}/' \
  's/{name: warm, on: \[warm\], settle_ms: 0}/{name: a_b, on: [warm], settle_ms: 0}/'
for cmd in plan run; do
  set +e; "$TB" $cmd clash.yaml $([ $cmd = run ] && echo --out "$WORK/clash") >clash.out 2>clash.err; rc=$?; set -e
  [ "$rc" -eq 2 ] || { cat clash.err; fail "$cmd with presets a.b / a_b: exit $rc, expected 2"; }
  expect_contains clash.err "'a.b'"
  expect_contains clash.err "'a_b'"
done
[ -z "$(ls -A "$WORK/clash" 2>/dev/null)" ] || fail "a refused config left a bag"

# 3. A frame whose exposure is wrong and not retaken.
small_variant presets.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {wrong_exposure_at: [2]}}/' \
  's/format: raw+jpeg/format: raw+jpeg\n  verify_retries: 0/'
grep -q "verify_retries: 0" presets.yaml || fail "preset variant not applied"
BAG2=$(run_bag presets.yaml "$WORK/presets")
"$TB" verify "$BAG2" >/dev/null || fail "verify failed on the presets bag"
python3 - "$BAG2" <<'PY' || fail "exports of the presets session"
import json, os, sys
bag = sys.argv[1]
ex = os.path.join(bag, "data/exports")
frames = [json.loads(l) for l in open(os.path.join(bag, "data/journal.jsonl")) if '"type":"frame"' in l]
bad = [f for f in frames if not f["exposure_verified"]]
assert len(bad) == 1, [(f["name"], f["exposure_verified"], f["faults"]) for f in frames]
bad = bad[0]
manifest = open(os.path.join(bag, "manifest-sha256.txt")).read()
by_light = {}
for name, light in (("transforms_cool.json", "cool"), ("transforms_warm.json", "warm")):
    assert "data/exports/" + name in manifest, f"{name} not in the manifest"
    j = json.load(open(os.path.join(ex, name)))
    assert j["tetherbox"]["light"] == light, (name, j["tetherbox"]["light"])
    assert all(fr["tetherbox"]["light"] == light for fr in j["frames"]), name
    assert j["tetherbox"]["pose_source"] == "sim_rendered" and j["tetherbox"]["poses_usable"], j["tetherbox"]
    by_light[light] = j
names = {fr["tetherbox"]["name"] for j in by_light.values() for fr in j["frames"]}
assert bad["name"] not in names, f"{bad['name']} failed verification but is exported"
assert len(names) == len(frames) - 1, (len(names), len(frames))
assert any(bad["name"] in e for e in by_light[bad["position"]["light"]]["tetherbox"]["excluded_frames"])
images = open(os.path.join(ex, "colmap/images.txt")).read()
assert bad["name"] not in images, "the failed frame is in the COLMAP model"
assert "# tetherbox poses_usable: true" in images, images[:400]
readme = open(os.path.join(ex, "README.txt")).read()
assert "Left out (exposure verification failed" in readme and bad["name"] in readme, readme
PY
pass "report: RAW-only clipping not measured; colliding presets refused, failed frame left out and listed, provenance said"
