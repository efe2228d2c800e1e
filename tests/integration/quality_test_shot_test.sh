#!/usr/bin/env bash
# exposure.test_shot (issue 12 item 2): one frame before the locked sequence, measured on its
# RAW, a suggestion journaled; the sequence is moved only with exposure.test_shot_apply, all of
# it by the same stops, and no frame inside it is ever adjusted. The journaled median is checked
# against dcraw's decode of the sequence's frame at the same pose, light and exposure.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v dcraw >/dev/null || fail "dcraw is needed (scripts/install-deps)"
config_variant "$HERE/configs/small.yaml" suggest.yaml
printf 'exposure: {test_shot: true}\n' >>suggest.yaml
config_variant "$HERE/configs/small.yaml" apply.yaml 's|shutter: "1/125"|shutter: "1/30"|'
grep -q '1/30' apply.yaml || fail "config variant not applied"
printf 'exposure: {test_shot: true, test_shot_apply: true}\n' >>apply.yaml
BAG1=$(run_bag suggest.yaml "$WORK/s")
BAG2=$(run_bag apply.yaml "$WORK/a")
expect_contains "$WORK/s.stderr" "not applied (exposure.test_shot_apply is off)"
expect_contains "$WORK/a.stderr" "applied to the whole sequence"
for b in "$BAG1" "$BAG2"; do "$TB" verify "$b" >/dev/null || fail "$b does not verify"; done
python3 - "$BAG1" "$BAG2" <<'PY' || fail "test shot"
import json, math, re, subprocess, sys

def green_median(path):
    data = subprocess.run(["dcraw", "-D", "-4", "-c", path], capture_output=True, check=True).stdout
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    w, h = int(m.group(1)), int(m.group(2))
    body = data[m.end():]
    g = sorted(max(0, int.from_bytes(body[2 * (y * w + x):2 * (y * w + x) + 2], "big") - 512)
               for y in range(0, h, 2) for x in range(1, w, 2))
    return g[len(g) // 2] / (65535 - 512)

def load(bag):
    lines = [json.loads(l) for l in open(bag + "/data/journal.jsonl")]
    shots = [l for l in lines if l.get("type") == "test_shot"]
    assert len(shots) == 1, shots
    frames = [l for l in lines if l.get("type") == "frame"]
    assert lines.index(shots[0]) < lines.index(frames[0]), "the test shot came after a frame"
    assert len(frames) == 42 and shots[0]["request_id"] not in {f["request_id"] for f in frames}
    return shots[0], frames

def check(bag, base_shutter, applied):
    shot, frames = load(bag)
    assert shot["applied"] is applied, shot
    ev = shot["suggested_ev"]
    assert abs(shot["taken_with"]["shutter_s"] - base_shutter) < 1e-9, shot["taken_with"]
    assert abs(shot["suggested"]["shutter_s"] - base_shutter * 2 ** ev) < 1e-9
    want = min(3, max(-3, math.log2(0.18 / shot["median"])))
    assert abs(ev - round(want * 3) / 3) < 1e-9, (ev, want)
    shift = 2 ** ev if applied else 1.0
    for f in frames:  # the whole sequence at one exposure per bracket step, never adjusted
        expect = base_shutter * shift * 2 ** f["position"]["ev_offset"]
        assert abs(f["commanded"]["shutter_s"] / expect - 1) < 1e-6, (f["seq"], f["commanded"], expect)
    # The test shot saw what the sequence's first frame at its pose, light and exposure saw.
    twin = next(f for f in frames if f["position"]["ev_offset"] == 0)
    dng = next(x["path"] for x in twin["files"] if x["path"].endswith(".dng"))
    got = green_median(bag + "/" + dng)
    if not applied:
        assert abs(got - shot["median"]) <= 0.05 * shot["median"], (got, shot["median"])
    return shot, got

s1, m1 = check(sys.argv[1], 1 / 125, False)
s2, m2 = check(sys.argv[2], 1 / 30, True)
# Two stops more light on the same scene: a suggestion about two stops darker.
assert s2["suggested_ev"] <= s1["suggested_ev"] - 1, (s1["suggested_ev"], s2["suggested_ev"])
assert s2["suggested_ev"] < 0
# Applied: the sequence's frames land nearer the target than the test shot did.
assert abs(math.log2(m2 / 0.18)) < abs(math.log2(s2["median"] / 0.18)), (m2, s2["median"])
print(f"1/125 s: median {s1['median']:.3f}, suggests {s1['suggested_ev']:+.2f} EV (not applied); "
      f"1/30 s: median {s2['median']:.3f}, suggests {s2['suggested_ev']:+.2f} EV, applied: "
      f"sequence median {m2:.3f}")
PY
pass "test shot measured, suggestion journaled, applied only when allowed, sequence never adjusted"
