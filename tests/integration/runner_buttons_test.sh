#!/usr/bin/env bash
# Field kit (buttons mode): a bracket cut short by kill -9 is taken again whole on resume and
# the bag is complete only with max_brackets whole brackets; a session ended by Ctrl-C between
# presses is complete (exit 0, "N frames, M brackets"), not "N of 0 frames — incomplete".
source "$(dirname "$0")/lib.sh"
cd "$WORK"
KIT="$HERE/../../config/examples/field-kit.yaml"
brackets() {  # brackets JOURNAL: "complete partial" bracket groups of 3 frames
  python3 - "$1" <<'PY'
import json, sys, collections
n = collections.Counter()
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j.get("type") == "frame":
        n[j["seq"] // 3] += 1
print(sum(1 for c in n.values() if c == 3), sum(1 for c in n.values() if c < 3))
PY
}

# 1. kill -9 in the middle of the second bracket (slow downloads leave time to land in it).
config_variant "$KIT" kit.yaml 's/    seed: 7                      # same seed, same images/    seed: 7\n    faults: {slow_download_ms: 700}/' \
  's/width: 1536/width: 480/' 's/height: 1024 /height: 320 /'
grep -q slow_download_ms kit.yaml || fail "config variant not applied"
"$TB" run kit.yaml --out "$WORK/out" >stdout1.txt 2>stderr1.txt &
pid=$!
J=$("$HERE/wait-frames.sh" "$WORK/out" 4 120) || fail "no frames journaled"
kill -KILL "$pid"
wait "$pid" || true
BAG=$(dirname "$(dirname "$J")")
read -r whole cut <<<"$(brackets "$J")"
[ "$cut" -eq 1 ] || fail "expected one bracket cut short by kill -9, got $whole whole / $cut cut"
"$TB" run kit.yaml --resume "$BAG" >stdout2.txt 2>stderr2.txt || { cat stderr2.txt; fail "resume after kill -9 mid-bracket"; }
"$TB" verify "$BAG" >/dev/null || fail "resumed field bag does not verify"
read -r whole cut <<<"$(brackets "$BAG/data/journal.jsonl")"
[ "$whole" -eq 4 ] || fail "expected 4 whole brackets after resume, got $whole"
expect_contains stderr2.txt "4 brackets"
grep -q "Tetherbox-Complete: true" "$BAG/bag-info.txt" || fail "bag-info does not say complete"
grep -q "cut short" "$BAG/data/journal.jsonl" || fail "the cut-short bracket is not recorded"
pass "bracket cut short by kill -9: taken again whole, 4 whole brackets, complete"

# 2. Unbounded presses, ended by Ctrl-C: a complete session.
config_variant "$KIT" open.yaml 's/max_brackets: 4 /max_brackets: 0 /' 's/width: 1536/width: 480/' 's/height: 1024 /height: 320 /'
grep -q "max_brackets: 0" open.yaml || fail "config variant not applied"
"$TB" run open.yaml --out "$WORK/open" >stdout3.txt 2>stderr3.txt &
pid=$!
"$HERE/wait-frames.sh" "$WORK/open" 6 120 >/dev/null || fail "no frames journaled"
kill -INT "$pid"
set +e; wait "$pid"; rc=$?; set -e
[ "$rc" -eq 0 ] || { cat stderr3.txt; fail "Ctrl-C in buttons mode: exit $rc, expected 0"; }
expect_contains stderr3.txt "brackets in the bag"
grep -q "incomplete" stderr3.txt && { cat stderr3.txt; fail "a session ended by Ctrl-C reported incomplete"; }
BAG=$(tail -n 1 stdout3.txt)
"$TB" verify "$BAG" >/dev/null || fail "field bag ended by Ctrl-C does not verify"
grep -q "Tetherbox-Complete: true" "$BAG/bag-info.txt" || fail "bag-info does not say complete"
pass "buttons session ended by Ctrl-C: exit 0, complete"

# 3. An orbit bag resumed with a buttons config is refused.
config_variant "$HERE/configs/small.yaml" orbit.yaml 's/seed: 7}/seed: 7, faults: {slow_download_ms: 60}}/'
"$TB" run orbit.yaml --out "$WORK/orbit" >stdout4.txt 2>stderr4.txt &
pid=$!
"$HERE/wait-frames.sh" "$WORK/orbit" 3 60 >/dev/null || fail "no frames journaled"
kill -TERM "$pid"; wait "$pid" || true
OBAG=$(tail -n 1 stdout4.txt)
set +e; "$TB" run open.yaml --resume "$OBAG" >stdout5.txt 2>stderr5.txt; rc=$?; set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] || fail "orbit bag resumed with a buttons config: exit $rc"
expect_contains stderr5.txt "session.mode"
grep -q "Tetherbox-Complete: false" "$OBAG/bag-info.txt" || fail "the refused resume marked the orbit bag complete"
pass "orbit bag resumed with a buttons config: refused"
