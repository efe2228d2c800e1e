#!/usr/bin/env bash
# Per-frame exposure truth: a frame whose exposure stays wrong through every re-take is kept,
# flagged in its journal record (exposure_mismatch, a flag exports and the report can read),
# and the record says where the verified exposure came from (reported_source).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
# Captures 10, 11 and 12 all apply a wrong exposure: frame 10's two re-takes (verify_retries 2)
# fail too, so it is kept with the mismatch recorded.
config_variant "$HERE/configs/small.yaml" wrong.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {wrong_exposure_at: [10, 11, 12]}}/'
grep -q "wrong_exposure_at" wrong.yaml || fail "config variant not applied"
"$TB" run wrong.yaml --out "$WORK/out" >stdout.txt 2>stderr.txt || { cat stderr.txt; fail "run failed"; }
BAG=$(tail -n 1 stdout.txt)
"$TB" verify "$BAG" >/dev/null || fail "bag does not verify"
python3 - "$BAG" <<'PY' || fail "journal records"
import json, sys
frames = [json.loads(l) for l in open(sys.argv[1] + "/data/journal.jsonl")]
frames = [f for f in frames if f.get("type") == "frame"]
assert len(frames) == 42, len(frames)
flagged = [f for f in frames if f.get("exposure_mismatch")]
assert len(flagged) == 1, [f["name"] for f in flagged]
f = flagged[0]
assert f["attempts"] == 3 and not f["exposure_verified"], f
assert any("kept after 3 attempts" in x for x in f["faults"]), f["faults"]
for g in frames:
    assert g["reported_source"] in ("camera", "none") or g["reported_source"].startswith("file EXIF"), g
    if g is not f:
        assert g["exposure_verified"] and not g["exposure_mismatch"], g["name"]
print(f"flagged: {f['name']} ({f['reported_source']})")
PY
pass "a frame kept with a wrong exposure is flagged; every record names its exposure source"
