#!/usr/bin/env bash
# A camera that stays busy forever: the runner gives up within its per-shot budget (attempts
# and reconnects counted, not wall time) with a resumable stop that says why; the journal
# holds a bounded number of fault lines; the bag verifies.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" busy.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {busy_probability: 1.0}}/'
grep -q "busy_probability: 1.0" busy.yaml || fail "config variant not applied"
set +e
"$TB" run busy.yaml --out "$WORK/out" >stdout.txt 2>stderr.txt
rc=$?
set -e
[ "$rc" -eq 3 ] || { cat stderr.txt; fail "busy forever: exit $rc, expected 3"; }
expect_contains stderr.txt "camera busy for 16 attempts"
expect_contains stderr.txt "on frame 0"
expect_contains stderr.txt "--resume"
BAG=$(tail -n 1 stdout.txt)
[ -d "$BAG" ] || fail "no bag path on stdout"
"$TB" verify "$BAG" >/dev/null || fail "bag does not verify"
python3 - "$BAG" <<'PY' || fail "journal checks"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1] + "/data/journal.jsonl")]
faults = [l for l in lines if l.get("type") == "fault"]
frames = [l for l in lines if l.get("type") == "frame"]
stopped = [l for l in lines if l.get("type") == "stopped"]
assert not frames, frames
assert len(faults) <= 12, f"{len(faults)} fault lines for one shot: unbounded"
assert sum("reconnected" in f["message"] for f in faults) >= 1, "no session reset tried"
assert stopped and stopped[0]["error"] == "busy", stopped
print(f"{len(faults)} fault lines, stopped: {stopped[0]['message']}")
PY
pass "busy forever: exit 3 after 16 attempts, bounded journal, bag verifies"
