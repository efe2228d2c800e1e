#!/usr/bin/env bash
# The field kit example: button presses shoot brackets, tagged with GPS or an explicit no-fix.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
"$TB" run "$HERE/../../config/examples/field-kit.yaml" --out "$WORK/out" >stdout.txt 2>stderr.txt || {
  cat stderr.txt; fail "field kit run failed"; }
BAG=$(tail -n 1 stdout.txt)
"$TB" verify "$BAG" >/dev/null || fail "field kit bag does not verify"
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 12 --no-lights --repeat-positions || fail "independent checks"
presses=$(grep -c '"type":"button"' "$BAG/data/journal.jsonl")
[ "$presses" -eq 4 ] || fail "expected 4 button presses in the journal, got $presses"
with_fix=$(grep '"type":"frame"' "$BAG/data/journal.jsonl" | grep -c '"fix":true' || true)
no_fix=$(grep '"type":"frame"' "$BAG/data/journal.jsonl" | grep -c '"fix":false' || true)
[ "$with_fix" -gt 0 ] && [ "$no_fix" -gt 0 ] || fail "expected frames with and without a fix ($with_fix / $no_fix)"
# A frame without a fix says so in its sidecar and carries no coordinates (read by exiftool).
nofix_name=$(grep '"type":"frame"' "$BAG/data/journal.jsonl" | grep '"fix":false' | head -n 1 |
  python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["name"])')
exiftool -j -G1 "$BAG/data/frames/$nofix_name.xmp" >nofix.json
grep -q "GPSLatitude" nofix.json && fail "no-fix frame has GPS coordinates"
grep -qi "no fix" nofix.json || fail "no-fix frame does not say 'no fix'"
pass "4 presses x 3 brackets; $with_fix frames with a fix, $no_fix recorded as no fix"
