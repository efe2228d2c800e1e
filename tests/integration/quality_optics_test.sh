#!/usr/bin/env bash
# Constant optics: the sim camera's zoom creeps from capture 20 on. Every frame's focal length
# (read back here from its own file with exiftool) is held against the first frame's: the crept
# frames carry an optics fault in the journal and the record, the progress line says so, and
# with quality.stop_on_optics_change the session stops there (exit 3) and resumes to the end.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v exiftool >/dev/null || fail "exiftool is needed (scripts/install-deps)"
# 42 frames; creep 0.25 mm per capture from capture 20 with a 0.6 mm tolerance: captures
# 20, 21 stay within it, 22.. are faults.
config_variant "$HERE/configs/small.yaml" creep.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {zoom_creep_from: 20, zoom_creep_mm_per_frame: 0.25}}/'
printf 'quality: {focal_tolerance_mm: 0.6}\n' >>creep.yaml
grep -q zoom_creep_from creep.yaml || fail "config variant not applied"

# 1. Creep recorded, session completes.
BAG=$(run_bag creep.yaml "$WORK/out1")
"$TB" verify "$BAG" >/dev/null || fail "bag does not verify"
expect_contains "$WORK/out1.stderr" "optics changed on 20]"
python3 - "$BAG" <<'PY' || fail "optics records"
import json, subprocess, sys
bag = sys.argv[1]
lines = [json.loads(l) for l in open(bag + "/data/journal.jsonl")]
frames = sorted((l for l in lines if l.get("type") == "frame"), key=lambda f: f["seq"])
assert len(frames) == 42, len(frames)
faults = [l for l in lines if l.get("type") == "fault" and "optics changed" in l["message"]]
changed = [f for f in frames if f["optics"]["changed"]]
# The file's own Exif (exiftool, not tetherbox) is the truth the records are checked against.
for f in frames:
    raw = next(x["path"] for x in f["files"] if x["role"] == "original" and x["path"].endswith(".dng"))
    out = subprocess.run(["exiftool", "-n", "-s3", "-FocalLength", bag + "/" + raw],
                         capture_output=True, text=True, check=True).stdout.strip()
    focal = float(out)
    o = f["optics"]
    assert o["measured"] and abs(o["focal_length_mm"] - focal) < 0.01, (f["name"], o, focal)
    assert abs(o["reference_mm"] - 35) < 0.01, o
    expect = abs(focal - 35) > 0.6
    assert o["changed"] == expect, (f["seq"], focal, o)
    assert any("optics changed" in x for x in f["faults"]) == expect, f["faults"]
assert len(changed) == 20 and min(f["seq"] for f in changed) == 22, [f["seq"] for f in changed]
assert sorted(x["seq"] for x in faults) == [f["seq"] for f in changed]
print(f"{len(changed)} frames with crept optics, first at seq 22, matching exiftool")
PY

# 2. stop_on_optics_change: stops on the first crept frame (kept), exit 3, resumable.
sed -i 's/quality: {focal_tolerance_mm: 0.6}/quality: {focal_tolerance_mm: 0.6, stop_on_optics_change: true}/' creep.yaml
rc=0
"$TB" run creep.yaml --out "$WORK/out2" >out2.stdout 2>out2.stderr || rc=$?
[ "$rc" -eq 3 ] || { cat out2.stderr; fail "expected exit 3 on an optics change, got $rc"; }
expect_contains out2.stderr "quality.stop_on_optics_change"
expect_contains out2.stderr "resume with"
BAG2=$(tail -n 1 out2.stdout)
"$TB" verify "$BAG2" >/dev/null || fail "stopped bag does not verify"
python3 - "$BAG2" <<'PY' || fail "stopped session"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1] + "/data/journal.jsonl")]
frames = [l for l in lines if l.get("type") == "frame"]
stopped = [l for l in lines if l.get("type") == "stopped"]
assert len(frames) == 23, len(frames)  # seq 0..22: the crept frame is kept, nothing after it
assert frames[-1]["optics"]["changed"] and frames[-1]["seq"] == 22
assert stopped and stopped[0]["error"] == "mismatch" and "optics" in stopped[0]["message"], stopped
PY
# The resumed run's camera starts its capture count again (the creep "fixed"): the rest is taken
# against the bag's own first frame and the session completes.
rc=0
"$TB" run "$BAG2/data/session.yaml" --resume "$BAG2" >out3.stdout 2>out3.stderr || rc=$?
[ "$rc" -eq 0 ] || { cat out3.stderr; fail "resume after the optics stop exited $rc"; }
python3 - "$BAG2" <<'PY' || fail "resumed session"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1] + "/data/journal.jsonl")]
frames = [l for l in lines if l.get("type") == "frame"]
assert sorted(f["seq"] for f in frames) == list(range(42)), len(frames)
assert all(abs(f["optics"]["reference_mm"] - 35) < 0.01 for f in frames)
PY
"$TB" verify "$BAG2" >/dev/null || fail "resumed bag does not verify"
pass "zoom creep found per frame against the first frame, journaled, shown live, stops on request"
