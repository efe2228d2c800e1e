#!/usr/bin/env bash
# kill -9 in the middle of a session, then --resume: a complete bag, nothing doubled or missing.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" slow.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {slow_download_ms: 60}}/'
grep -q slow_download_ms slow.yaml || fail "config variant not applied"
"$TB" run slow.yaml --out "$WORK/out" >stdout1.txt 2>stderr1.txt &
pid=$!
journal=$("$HERE/wait-frames.sh" "$WORK/out" 12 30 || true)
[ -n "$journal" ] || fail "no journal appeared"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
BAG=$(dirname "$(dirname "$journal")")
before=$(grep -c '"type":"frame"' "$journal")
[ "$before" -lt 42 ] || fail "session finished before the kill ($before frames)"
echo "killed after $before frames"
"$TB" run slow.yaml --resume "$BAG" >stdout2.txt 2>stderr2.txt || { cat stderr2.txt; fail "resume exited non-zero"; }
[ "$(tail -n 1 stdout2.txt)" = "$BAG" ] || fail "resume printed another bag: $(tail -n 1 stdout2.txt)"
grep -q '"type":"session_resume"' "$BAG/data/journal.jsonl" || fail "no resume event in the journal"
"$TB" verify "$BAG" >verify.txt || { cat verify.txt; fail "resumed bag does not verify"; }
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 42 || fail "independent checks after resume"
pass "killed at $before/42 frames, resumed to a complete bag that verifies"
