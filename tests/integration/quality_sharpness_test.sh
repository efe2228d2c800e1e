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
import collections, json, math, re, subprocess, sys
bag = sys.argv[1]
lines = [json.loads(l) for l in open(bag + "/data/journal.jsonl")]
frames = sorted((l for l in lines if l.get("type") == "frame"), key=lambda f: f["seq"])
assert len(frames) == 42
blurred = [f["seq"] for f in frames if f["sharpness"].get("blurred")]
assert blurred == [9, 25], blurred
faults = sorted(l["seq"] for l in lines if l.get("type") == "fault" and "blurred" in l["message"])
assert faults == [9, 25], faults

def green_sharpness(path):
    """The measure (capture/quality_sharpness.hpp), recomputed from dcraw's raw decode."""
    data = subprocess.run(["dcraw", "-D", "-4", "-c", path], capture_output=True, check=True).stdout
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    w, h = int(m.group(1)), int(m.group(2))
    body = data[m.end():]
    px = lambda x, y: int.from_bytes(body[2 * (y * w + x):2 * (y * w + x) + 2], "big")
    gw, gh = w // 2, h // 2
    # RGGB: the first green at (odd x, even y), the second at (even x, odd y).
    g1 = [[max(0, px(2 * x + 1, 2 * y) - 512) for x in range(gw)] for y in range(gh)]
    g2 = [[max(0, px(2 * x, 2 * y + 1) - 512) for x in range(gw)] for y in range(gh)]
    white = 65535 - 512
    lo, hi = 1e-3 * white, 0.95 * white
    usable = lambda v: lo < v < hi
    level = lambda v: min(39, max(0, math.floor(2 * math.log2(white / v))))  # half stops down
    # Noise of log(photosite) per half stop: a second green against its 4 diagonal first greens.
    diffs = collections.defaultdict(list)
    for y in range(1, gh - 1, 8):  # a sample: every 8th row, every 4th cell
        for x in range(1, gw - 1, 4):
            c = g2[y][x]
            around = [g1[y][x - 1], g1[y][x], g1[y + 1][x - 1], g1[y + 1][x]]
            if usable(c) and all(map(usable, around)):
                diffs[level(c)].append(math.log(c / (sum(around) / 4)))
    var = {}
    for k, d in diffs.items():
        if len(d) >= 64:
            med = sorted(d)[len(d) // 2]
            mad = sorted(abs(e - med) for e in d)[len(d) // 2]
            var[k] = (1.4826 * mad) ** 2 / 1.25
    def noise(k):
        for r in range(40):
            for j in (k - r, k + r):
                if j in var:
                    return var[j]
        return 0.0
    # log of each 2x2 block of cells (both greens: 8 photosites), shadow held at the floor,
    # None where a photosite is clipped.
    bw, bh = gw // 2, gh // 2
    b = [[None] * bw for _ in range(bh)]
    for y in range(bh):
        for x in range(bw):
            vals = [g[2 * y + r][2 * x + c] for g in (g1, g2) for r in (0, 1) for c in (0, 1)]
            if all(v < hi for v in vals):
                b[y][x] = math.log(sum(max(v, lo) for v in vals) / 8)
    total, n = 0.0, 0
    for y in range(1, bh - 1):
        for x in range(1, bw - 1):
            st = [b[y][x - 1], b[y][x + 1], b[y - 1][x], b[y + 1][x], b[y][x]]
            if None in st:
                continue
            lap = sum(st[:4]) - 4 * st[4]
            total += lap * lap - 20 / 8 * noise(level(math.exp(st[4])))
            n += 1
    return max(0.0, total / n)

for f in frames:
    if f["seq"] not in (0, 9, 25, 41):
        continue
    dng = next(x["path"] for x in f["files"] if x["role"] == "original" and x["path"].endswith(".dng"))
    ref = green_sharpness(bag + "/" + dng)
    got = f["sharpness"]["value"]
    assert abs(got - ref) <= 1e-3 * ref + 1e-6, (f["seq"], got, ref)
sharp = [f["sharpness"]["ratio"] for f in frames
         if f["sharpness"].get("ratio") is not None and not f["sharpness"]["blurred"]]
print(f"blurred {blurred}; the sharp frames' ratios run {min(sharp):.2f}..{max(sharp):.2f}")
PY
pass "defocused frames caught as blurred, sharp frames never"
