#!/usr/bin/env bash
# Sharpness: the sim camera renders captures 9 and 25 out of focus (defocus fault). Every
# frame's sharpness is measured on its RAW's green plane and held against the running median of
# its lighting preset: exactly the defocused frames are marked blurred (fault in the journal
# and the record, count on the progress line), no sharp frame is. The record's values match an
# independent computation on dcraw's raw decode.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v dcraw >/dev/null || fail "dcraw is needed (scripts/install-deps)"
config_variant "$HERE/configs/small.yaml" blur.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {defocus_at: [9, 25], defocus_radius_px: 3}}/'
grep -q defocus_at blur.yaml || fail "config variant not applied"
# Flagged only here (retakes are quality_retake_test's): the defocused frames stay as they are.
printf 'quality: {max_retakes: 0}\n' >>blur.yaml
BAG=$(run_bag blur.yaml "$WORK/out")
"$TB" verify "$BAG" >/dev/null || fail "bag does not verify"
expect_contains "$WORK/out.stderr" "2 blurred, not retaken"
python3 - "$BAG" <<'PY' || fail "sharpness records"
import json, re, subprocess, sys
bag = sys.argv[1]
lines = [json.loads(l) for l in open(bag + "/data/journal.jsonl")]
frames = sorted((l for l in lines if l.get("type") == "frame"), key=lambda f: f["seq"])
assert len(frames) == 42
blurred = [f["seq"] for f in frames if f["sharpness"].get("blurred")]
assert blurred == [9, 25], blurred
faults = sorted(l["seq"] for l in lines if l.get("type") == "fault" and "blurred" in l["message"])
assert faults == [9, 25], faults

def green_sharpness(path):
    data = subprocess.run(["dcraw", "-D", "-4", "-c", path], capture_output=True, check=True).stdout
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    w, h = int(m.group(1)), int(m.group(2))
    body = data[m.end():]
    px = lambda x, y: int.from_bytes(body[2 * (y * w + x):2 * (y * w + x) + 2], "big")
    gw, gh = w // 2, h // 2
    g = [[max(0, px(2 * x + 1, 2 * y) - 512) for x in range(gw)] for y in range(gh)]  # RGGB: G at (odd, even)
    mean = sum(map(sum, g)) / (gw * gh)
    s = s2 = 0.0
    n = 0
    for y in range(1, gh - 1):
        for x in range(1, gw - 1):
            l = g[y][x - 1] + g[y][x + 1] + g[y - 1][x] + g[y + 1][x] - 4 * g[y][x]
            s += l; s2 += l * l; n += 1
    return (s2 / n - (s / n) ** 2) / mean ** 2

for f in frames:
    if f["seq"] not in (0, 9, 25, 41):
        continue
    dng = next(x["path"] for x in f["files"] if x["role"] == "original" and x["path"].endswith(".dng"))
    ref = green_sharpness(bag + "/" + dng)
    got = f["sharpness"]["value"]
    assert abs(got - ref) <= 1e-3 * ref, (f["seq"], got, ref)
sharp = [f["sharpness"]["ratio"] for f in frames
         if f["sharpness"].get("ratio") is not None and not f["sharpness"]["blurred"]]
print(f"blurred {blurred}; the sharp frames' ratios run {min(sharp):.2f}..{max(sharp):.2f}")
PY
pass "defocused frames caught as blurred, sharp frames never"
