#!/usr/bin/env bash
# Issue 8 item 3 (+ item 16's "resume's repair of unjournaled files"), from the user's side, on
# one bag killed with -9 mid-session and then damaged four ways before --resume:
#  A. the manifest line of a journaled frame's RAW removed -> the RAW is kept (same bytes),
#     listed again; the frame is not retaken;
#  B. a journaled frame's JPEG deleted by hand -> the frame is retaken (fault line names the
#     file), its other files go to quarantine, never deleted;
#  C. a user file dropped into data/frames -> moved to quarantine/, reported;
#  D. the last frame's journal line removed (a crash between the manifest and the journal):
#     its listed files are removed and the frame taken again (without that repair the retake
#     is refused because the names exist).
# Then: exit 0, every planned position exactly once, `tetherbox verify` OK.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" slow.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {slow_download_ms: 60}}/'
grep -q slow_download_ms slow.yaml || fail "config variant not applied"
"$TB" run slow.yaml --out "$WORK/out" >stdout1.txt 2>stderr1.txt &
pid=$!
journal=$("$HERE/wait-frames.sh" "$WORK/out" 12 60 || true)
[ -n "$journal" ] || { kill -9 "$pid"; fail "no journal appeared"; }
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
BAG=$(dirname "$(dirname "$journal")")

# The damage, and what it should turn into (python: reads the journal, edits the bag).
python3 - "$BAG" >plan.txt <<'PY'
import json, os, sys
bag = sys.argv[1]
jpath = os.path.join(bag, "data/journal.jsonl")
lines = open(jpath).read().splitlines(keepends=True)
frames = [(i, json.loads(l)) for i, l in enumerate(lines) if json.loads(l).get("type") == "frame"]
assert len(frames) >= 4, len(frames)
a, b = frames[0][1], frames[1][1]
last_i, d = frames[-1]
raw_a = next(f for f in a["files"] if f["path"].endswith(".dng"))
jpg_b = next(f for f in b["files"] if f["path"].endswith(".jpg"))
# A: drop the RAW's manifest line.
mpath = os.path.join(bag, "manifest-sha256.txt")
m = [l for l in open(mpath) if not l.rstrip("\n").endswith("  " + raw_a["path"])]
open(mpath, "w").writelines(m)
# B: delete a JPEG by hand.
os.unlink(os.path.join(bag, jpg_b["path"]))
# C: a user's file.
open(os.path.join(bag, "data/frames/notes.txt"), "w").write("my notes\n")
# D: the last frame line (and what follows it) never reached the journal.
open(jpath, "w").writelines(lines[:last_i])
d_files = [f["path"] for f in d["files"]]
assert all(os.path.exists(os.path.join(bag, p)) for p in d_files)
print(raw_a["path"], raw_a["sha256"], b["seq"], jpg_b["path"], d["seq"])
PY
read -r RAW_A RAW_A_SHA SEQ_B JPG_B SEQ_D <plan.txt
echo "A: $RAW_A  B: seq $SEQ_B ($JPG_B)  D: seq $SEQ_D"

"$TB" run slow.yaml --resume "$BAG" >stdout2.txt 2>stderr2.txt || { cat stderr2.txt; fail "resume exited non-zero"; }
J="$BAG/data/journal.jsonl"
# A: kept, same bytes, listed.
[ "$(sha256sum "$BAG/$RAW_A" | cut -c1-64)" = "$RAW_A_SHA" ] || fail "A: $RAW_A changed or lost"
grep -qF "  $RAW_A" "$BAG/manifest-sha256.txt" || fail "A: $RAW_A not listed again"
grep -q "removed orphan" stderr2.txt && fail "A: resume removed a file"
# B: retaken, named in a fault line, old files quarantined.
grep '"retake":true' "$J" | grep -qF "$JPG_B" || fail "B: no retake fault line naming $JPG_B"
[ -f "$BAG/$JPG_B" ] || fail "B: $JPG_B was not retaken"
B_DNG="${JPG_B%.jpg}.dng"
[ -f "$BAG/quarantine/$B_DNG" ] || { find "$BAG/quarantine"; fail "B: old $B_DNG not in quarantine"; }
# C: quarantined and reported.
[ "$(cat "$BAG/quarantine/data/frames/notes.txt")" = "my notes" ] || fail "C: user file not in quarantine"
[ ! -e "$BAG/data/frames/notes.txt" ] || fail "C: user file still under data/"
expect_contains stderr2.txt "quarantine"
expect_contains stderr2.txt "data/frames/notes.txt"
# D: the frame whose line was lost is journaled again, once.
n=$(grep '"type":"frame"' "$J" | python3 -c "import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)['seq'] == $SEQ_D))")
[ "$n" -eq 1 ] || fail "D: seq $SEQ_D journaled $n times"

"$TB" verify "$BAG" >verify.txt || { cat verify.txt; fail "resumed bag does not verify"; }
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 42 --honour-retakes || fail "independent checks after resume"
find "$BAG" -name '*.tmp-*' | grep -q . && fail "temp files left in the bag"
pass "resume kept the journaled RAW, retook the deleted frame, quarantined the stray, redid the unjournaled frame"
