#!/usr/bin/env bash
# Retake in place (issue 12 item 3). The sim rig needs 400 ms to stop wobbling after a move but
# the config waits 0 ms: the sim camera motion-blurs every frame exposed before the rig is
# still and says which request it blurred (its ground truth, on stderr). Each blurred frame is
# caught, kept, marked superseded (journal, sidecar, report) and retaken at the same position
# and preset under a new request id after quality.retake_extra_settle_ms; no sharp frame is
# ever retaken. Then a kill between a blurred frame and its retake: the resume takes the retake
# under the promised name, neither losing nor doubling a frame.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v exiftool >/dev/null || fail "exiftool is needed (scripts/install-deps)"
config_variant "$HERE/configs/small.yaml" wobble.yaml \
  's/turntable: {backend: sim, speed_deg_s: 3600, settle_ms: 0}/turntable: {backend: sim, speed_deg_s: 3600, settle_ms: 0, sim: {needed_settle_ms: 400}}/'
grep -q needed_settle_ms wobble.yaml || fail "config variant not applied"
printf 'quality: {min_sharpness_ratio: 0.5, max_retakes: 2, retake_extra_settle_ms: 600}\n' >>wobble.yaml
BAG=$(run_bag wobble.yaml "$WORK/out")
"$TB" verify "$BAG" >/dev/null || fail "bag does not verify"
expect_contains "$WORK/out.stderr" "blurred, retaken; "
# Positions done, not files: a superseded frame and its retake are one position.
expect_contains "$WORK/out.stderr" "42 of 42 frames in the bag"

check_bag() {  # check_bag BAG STDERR...: the retake invariants, against the sim's ground truth
  python3 - "$@" <<'PY'
import json, re, subprocess, sys
bag, logs = sys.argv[1], sys.argv[2:]
truth = set()
for log in logs:
    truth |= {int(m) for m in re.findall(r"sim camera: motion blur at capture call \d+ request (\d+)",
                                         open(log).read())}
lines = [json.loads(l) for l in open(bag + "/data/journal.jsonl")]
frames = [l for l in lines if l.get("type") == "frame"]
by_name = {f["name"]: f for f in frames}
assert len(by_name) == len(frames), "a frame name is doubled"
assert len({f["request_id"] for f in frames}) == len(frames), "a request id is doubled"
blurred = {f["request_id"] for f in frames if f["sharpness"].get("blurred")}
superseded = [f for f in frames if f.get("superseded_by")]
retakes = [f for f in frames if f.get("retake_of")]
assert truth, "the sim blurred nothing: the test proves nothing"
# Every frame the sim blurred after a preset had its median is caught; nothing else is.
judged = {f["request_id"] for f in frames if f["sharpness"].get("ratio") is not None}
assert blurred == truth & judged, (sorted(blurred), sorted(truth & judged))
assert {f["request_id"] for f in superseded} == blurred, "a blurred frame was not retaken (or a sharp one was)"
for f in superseded:
    r = by_name.get(f["superseded_by"])
    assert r, f"{f['name']}: its retake {f['superseded_by']} is not in the bag"
    assert r["retake_of"] == f["name"] and r["seq"] == f["seq"], (f["name"], r["name"])
    assert r["position"] == f["position"], "retaken elsewhere"
    assert r["request_id"] != f["request_id"]
    assert not r["sharpness"].get("blurred"), f"the retake {r['name']} is blurred too"
    assert r["request_id"] not in truth, f"the sim blurred the retake {r['name']}"
    assert any("retaken in place as " + r["name"] in x for x in f["faults"]), f["faults"]
for r in retakes:
    assert by_name[r["retake_of"]]["superseded_by"] == r["name"]
# Every planned position, each with exactly one frame that is not superseded.
live = sorted(f["seq"] for f in frames if not f.get("superseded_by"))
assert live == list(range(42)), live
rep = json.load(open(bag + "/data/report.json"))
q = rep["quality"]["retakes"]
assert q["frames_superseded"] == len(superseded) and q["retakes_pending"] == 0, q
assert rep["frames"] == len(frames)
# Each preview joined its own frame (a retake shares its seq with the frame it replaces).
assert rep["clipping"]["frames_measured"] == len(frames), rep["clipping"]
print(f"{len(truth)} frames blurred by the sim, {len(blurred)} judged and retaken, "
      f"{len(frames)} frames in the bag")
for f in superseded:
    print(f["name"], f["superseded_by"])
PY
}
check_bag "$BAG" "$WORK/out.stderr" >pairs.txt || fail "retake invariants"
head -n 1 pairs.txt
# The sidecars (tetherbox namespace), read by exiftool: the superseded frame names its retake,
# the retake names the frame it replaces.
read -r first retake < <(sed -n 2p pairs.txt)
[ -n "$retake" ] || fail "no retake pair"
sup=$(exiftool -s3 -XMP-tetherbox:SupersededBy "$BAG/data/frames/$first.xmp")
[ "$sup" = "$retake" ] || fail "sidecar of $first: SupersededBy '$sup', expected '$retake'"
of=$(exiftool -s3 -XMP-tetherbox:RetakeOf "$BAG/data/frames/$retake.xmp")
[ "$of" = "$first" ] || fail "sidecar of $retake: RetakeOf '$of', expected '$first'"

# Kill between a blurred frame and its retake: the journal is cut right after the second
# superseded frame's line, as a kill -9 at that instant leaves it (the later frames' files are
# on disk and listed but never journaled). The first pair, whole before the cut, must come
# through the resume's journal reading with both frames and their files.
"$TB" run wobble.yaml --out "$WORK/kill" >kill.stdout 2>kill.stderr &
pid=$!
journal=$("$HERE/wait-frames.sh" "$WORK/kill" 22 120 || true)
[ -n "$journal" ] || { kill -9 "$pid"; fail "no journal appeared"; }
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
BAG2=$(dirname "$(dirname "$journal")")
python3 - "$journal" >cut.txt <<'PY' || fail "cutting the journal"
import json, sys
lines = open(sys.argv[1]).read().splitlines(keepends=True)
lines = [l for l in lines if l.endswith("\n")]
cut = [i for i, l in enumerate(lines)
       if json.loads(l).get("type") == "frame" and json.loads(l).get("superseded_by")][1]
f = json.loads(lines[cut])
open(sys.argv[1], "w").writelines(lines[:cut + 1])
print(f["name"], f["superseded_by"], next(x["sha256"] for x in f["files"] if x["path"].endswith(".dng")))
PY
read -r sname spromised ssha <cut.txt
rc=0
"$TB" run "$BAG2/data/session.yaml" --resume "$BAG2" >resume.stdout 2>resume.stderr || rc=$?
[ "$rc" -eq 0 ] || { cat resume.stderr; fail "resume exited $rc"; }
expect_contains resume.stderr "retaking $sname as $spromised"
"$TB" verify "$BAG2" >/dev/null || fail "resumed bag does not verify"
check_bag "$BAG2" kill.stderr resume.stderr >/dev/null || fail "retake invariants after the resume"
python3 - "$BAG2" "$sname" "$spromised" "$ssha" <<'PY' || fail "the superseded frame after the resume"
import json, sys
bag, name, promised, sha = sys.argv[1:]
frames = [json.loads(l) for l in open(bag + "/data/journal.jsonl") if '"type":"frame"' in l]
mine = [f for f in frames if f["name"] == name]
assert len(mine) == 1 and mine[0]["superseded_by"] == promised, "the blurred frame was lost or doubled"
assert next(x["sha256"] for x in mine[0]["files"] if x["path"].endswith(".dng")) == sha
assert sum(f["name"] == promised for f in frames) == 1, "the promised retake is missing or doubled"
# Every file any frame line claims is there with its bytes (nothing the journal holds deleted).
import hashlib, os
for f in frames:
    for x in f["files"]:
        p = os.path.join(bag, x["path"])
        assert os.path.exists(p), f"{x['path']} of {f['name']} is gone"
        assert hashlib.sha256(open(p, "rb").read()).hexdigest() == x["sha256"], x["path"]
PY
pass "blurred frames caught and retaken in place, sharp never; a kill between them resumes exactly"
