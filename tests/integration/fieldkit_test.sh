#!/usr/bin/env bash
# The field kit example: button presses shoot brackets, tagged with GPS or an explicit no-fix.
# Retakes are on by default (quality.max_retakes 2): the -2/0/+2 EV frames of a press share one
# sharpness median, and no sharp frame of any step is flagged or retaken (issue 12); a frame
# the sim defocuses is, whatever its step.
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
# The reader takes all of grep's output: one that stops after a line (head -n 1) can end grep
# with SIGPIPE between two of its writes, and pipefail then ends this script without a word.
nofix_name=$(grep '"type":"frame"' "$BAG/data/journal.jsonl" | grep '"fix":false' |
  python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[0])["name"])')
exiftool -j -G1 "$BAG/data/frames/$nofix_name.xmp" >nofix.json
grep -q "GPSLatitude" nofix.json && fail "no-fix frame has GPS coordinates"
grep -qi "no fix" nofix.json || fail "no-fix frame does not say 'no fix'"

# sharpness_check BAG DEFOCUSED_SEQ...: the frames the sim defocused (by capture index: one
# per plan position here, none retaken before them) are flagged and retaken once, sharp; no
# other frame is flagged, superseded or retaken; every step reads near the preset's median.
sharpness_check() {
  python3 - "$@" <<'PY'
import json, sys
bag, defocused = sys.argv[1], {int(s) for s in sys.argv[2:]}
lines = [json.loads(l) for l in open(bag + "/data/journal.jsonl")]
frames = [l for l in lines if l.get("type") == "frame"]
flagged = {f["seq"] for f in frames if f["sharpness"].get("blurred")}
assert flagged == defocused, f"flagged {sorted(flagged)}, the sim defocused {sorted(defocused)}"
superseded = {f["seq"] for f in frames if f.get("superseded_by")}
assert superseded == defocused, f"retaken {sorted(superseded)}"
retakes = [f for f in frames if f.get("retake_of")]
assert len(retakes) == len(defocused) and all(not r["sharpness"]["blurred"] for r in retakes)
assert len(frames) == 12 + len(defocused), len(frames)
ratios = {}
for f in frames:
    s = f["sharpness"]
    assert s["measured"], (f["name"], s)
    if s.get("ratio") is not None and not s["blurred"]:
        ratios[f["name"]] = s["ratio"]
assert len(ratios) >= 9, ratios  # all but the first bracket, which builds the median
# -2, 0 and +2 EV frames of one scene: within [0.8, 1.25] of the running median.
off = {n: r for n, r in ratios.items() if not 0.8 <= r <= 1.25}
assert not off, off
by_ev = {}
for n, r in ratios.items():
    by_ev.setdefault(n.split("_")[-1], []).append(r)
print(" ".join(f"EV {ev}: {min(v):.3f}..{max(v):.3f}" for ev, v in sorted(by_ev.items())))
PY
}
sharpness_check "$BAG" >ratios.txt || fail "sharpness across the brackets"
expect_contains "$WORK/stderr.txt" "0 blurred; "

# The sim defocuses capture 6 (the third press's -2 EV frame): flagged and retaken in place.
sed 's/^    seed: 7 .*/    seed: 7\n    faults: {defocus_at: [6]}/' \
  "$HERE/../../config/examples/field-kit.yaml" >defocus.yaml
grep -q defocus_at defocus.yaml || fail "config variant not applied"
"$TB" run defocus.yaml --out "$WORK/defocus" >defocus.stdout 2>defocus.stderr || {
  cat defocus.stderr; fail "field kit run with a defocused frame failed"; }
DBAG=$(tail -n 1 defocus.stdout)
"$TB" verify "$DBAG" >/dev/null || fail "bag with a retake does not verify"
sharpness_check "$DBAG" 6 >/dev/null || fail "the defocused bracket frame"
expect_contains defocus.stderr "1 blurred, retaken; "
pass "4 presses x 3 brackets; $with_fix frames with a fix, $no_fix recorded as no fix; sharpness $(cat ratios.txt); a defocused -2 EV frame retaken"
