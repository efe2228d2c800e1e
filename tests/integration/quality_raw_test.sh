#!/usr/bin/env bash
# Exposure from the RAW: an over-exposed session's per-channel clipped-highlight and
# crushed-shadow fractions, measured by tetherbox on the DNG at its own white/black level, are
# checked against an independent decode (dcraw -D: the raw photosites, no scaling) of every
# frame; they are in the journal's frame line, the sidecar (tetherbox namespace) and
# report.json, and crossing quality.max_clipped_high journals a warning.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v dcraw >/dev/null || fail "dcraw is needed (scripts/install-deps)"
# 1/4 s instead of 1/125: five stops over, the key-lit side of the subject clips.
config_variant "$HERE/configs/small.yaml" over.yaml \
  's|exposure: {shutter: "1/125", aperture: 8, iso: 100}|exposure: {shutter: "1/4", aperture: 8, iso: 100}|' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
printf 'quality: {max_clipped_high: 0.02, max_clipped_low: 0.5}\n' >>over.yaml
grep -q '"1/4"' over.yaml || fail "config variant not applied"
BAG=$(run_bag over.yaml "$WORK/out")
"$TB" verify "$BAG" >/dev/null || fail "bag does not verify"
python3 - "$BAG" <<'PY' || fail "RAW clipping records"
import json, re, subprocess, sys
bag = sys.argv[1]
lines = [json.loads(l) for l in open(bag + "/data/journal.jsonl")]
frames = [l for l in lines if l.get("type") == "frame"]
warnings = [l for l in lines if l.get("type") == "warning"]
assert len(frames) == 14, len(frames)

def pgm16(data):
    # P5 header: magic, width, height, maxval, then big-endian 16-bit samples.
    parts = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    w, h = int(parts.group(1)), int(parts.group(2))
    body = data[parts.end():]
    return w, h, [int.from_bytes(body[i:i + 2], "big") for i in range(0, 2 * w * h, 2)]

warned = 0
for f in frames:
    lv = f["raw_levels"]
    assert lv["measured"], lv
    dng = next(x["path"] for x in f["files"] if x["role"] == "original" and x["path"].endswith(".dng"))
    w, h, px = pgm16(subprocess.run(["dcraw", "-D", "-4", "-c", bag + "/" + dng],
                                    capture_output=True, check=True).stdout)
    white, black = lv["white_level"], lv["black_level"]
    assert white == 65535 and black == 512, lv  # the sim camera's levels, from the DNG
    n, hi, lo = [0, 0, 0], [0, 0, 0], [0, 0, 0]
    for y in range(h):
        row = px[y * w:(y + 1) * w]
        for x, v in enumerate(row):
            c = (0 if x % 2 == 0 else 1) if y % 2 == 0 else (1 if x % 2 == 0 else 2)  # RGGB
            n[c] += 1
            hi[c] += v >= white
            lo[c] += v <= black
    for c, k in enumerate("rgb"):
        assert abs(lv["clipped_high"][k] - hi[c] / n[c]) < 1e-9, (f["name"], k, lv, hi[c] / n[c])
        assert abs(lv["clipped_low"][k] - lo[c] / n[c]) < 1e-9, (f["name"], k, lv, lo[c] / n[c])
    over = max(hi[c] / n[c] for c in range(3)) > 0.02
    warned += over
    assert bool(lv["warnings"]) == over, (f["name"], lv)
    assert any(x["seq"] == f["seq"] for x in warnings) == over
    # The sidecar carries the same numbers in the tetherbox namespace.
    xmp = open(bag + "/" + dng[:-4] + ".xmp").read()
    m = re.search(r'tetherbox:RawClippedHighRed="([^"]+)"', xmp) or \
        re.search(r"<tetherbox:RawClippedHighRed>([^<]+)<", xmp)
    assert m and abs(float(m.group(1)) - hi[0] / n[0]) < 1e-6, (dng, m and m.group(1))
assert warned > 0, "the over-exposed session crossed no threshold: the test shows nothing"
r = json.load(open(bag + "/data/report.json"))["raw_clipping"]
assert r["frames_measured"] == 14 and r["frames_over_threshold"] == warned, r
print(f"14 frames measured on the RAW, matching dcraw; {warned} over the threshold, journaled")
PY
expect_contains "$WORK/out.stderr" "clipped"
pass "RAW clipping per channel at the DNG's levels, in journal, sidecar and report"
