#!/usr/bin/env bash
# Dust (issue 12 item 4): a sim session whose sensor carries fixed dust specks (camera.sim.dust),
# two rings so the content moves; `tetherbox dustmap BAG` must find the specks the sim put there
# (its ground truth, `dustmap --sim-truth`) with recall >= 0.8 and at most one false positive,
# write them into report.json ("dust"), a mask PNG that any PNG reader opens and that covers the
# specks, and draw them on report.html; the bag verifies after, and a second run replaces the
# map. A clean sensor yields no speck; a RAW-only bag is refused with the reason.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
dusty_variant() {  # dusty_variant DST SED_EXPR...
  config_variant "$HERE/configs/small.yaml" "$@" \
    's/elevation_deg: 0, positions: 4/elevation_deg: 0, positions: 12/' \
    's/elevation_deg: 40, positions: 3/elevation_deg: 40, positions: 8/' \
    's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/' \
    '/- {name: warm, on: \[warm\]/d'
}
dusty_variant dusty.yaml 's/seed: 7}/seed: 7, dust: true}/'
grep -q "dust: true" dusty.yaml && grep -q "positions: 12" dusty.yaml || fail "config variant not applied"
BAG=$(run_bag dusty.yaml "$WORK/dusty")

"$TB" dustmap "$BAG" --sim-truth >truth.json 2>truth.err || { cat truth.err; fail "no sim ground truth"; }
"$TB" dustmap "$BAG" >dust.out 2>dust.err || { cat dust.err; fail "dustmap failed"; }
cat dust.out
"$TB" verify "$BAG" >/dev/null || fail "the bag does not verify after dustmap"

check_dust() {  # check_dust BAG TRUTH: recall / false positives, mask, report.html
python3 - "$1" "$2" <<'PY'
import json, math, os, struct, sys, zlib
from html.parser import HTMLParser
bag, truth = sys.argv[1], json.load(open(sys.argv[2]))
rep = json.load(open(os.path.join(bag, "data/report.json")))
d = rep["dust"]
found = d["specks"]
assert len(truth) >= 5, f"the sim put {len(truth)} specks on the sensor"
def near(t, f):  # a detection within the speck's radius (at least 3 px) of its centre
    return math.hypot(t["x"] - f["x"], t["y"] - f["y"]) <= max(3.0, t["radius"])
hit = [t for t in truth if any(near(t, f) for f in found)]
fp = [f for f in found if not any(near(t, f) for t in truth)]
recall = len(hit) / len(truth)
print(f"dust: {len(truth)} specks on the sensor, {len(found)} found, recall {recall:.2f}, "
      f"false positives {len(fp)}")
assert recall >= 0.8, f"recall {recall:.2f} < 0.8; missed {[t for t in truth if t not in hit]}"
assert len(fp) <= 1, f"{len(fp)} false positives: {fp}"
for f in found:
    assert f["radius"] > 0 and 0 < f["contrast"] < 1, f
assert d["width"] == 480 and d["height"] == 320 and d["mask"] == "data/dust-mask.png", d

# The mask, read by an independent decoder (zlib + the PNG layout).
png = open(os.path.join(bag, "data/dust-mask.png"), "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, ihdr = 8, b"", None
while pos < len(png):
    n, kind = struct.unpack(">I4s", png[pos:pos + 8])
    data = png[pos + 8:pos + 8 + n]
    assert struct.unpack(">I", png[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + data), kind
    if kind == b"IHDR": ihdr = struct.unpack(">IIBBBBB", data)
    if kind == b"IDAT": idat += data
    pos += 12 + n
w, h, depth, ctype = ihdr[:4]
assert (w, h, depth, ctype) == (d["mask_width"], d["mask_height"], 8, 0), ihdr
raw = zlib.decompress(idat)
rows = [raw[y * (w + 1) + 1:(y + 1) * (w + 1)] for y in range(h)]
s = d["mask_scale"]
for t in hit:
    x, y = int(t["x"] / s), int(t["y"] / s)
    assert rows[min(y, h - 1)][min(x, w - 1)] == 255, f"the mask does not cover the speck at {t}"
covered = sum(r.count(255) for r in rows) / (w * h)
assert 0 < covered < 0.05, f"the mask covers {covered:.3f} of the sensor"

# Drawn on the report.
class P(HTMLParser):
    def __init__(self): super().__init__(); self.svg = None; self.circles = []
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "svg" and a.get("data-chart") == "dust": self.svg = a
        if tag == "circle" and "speck" in a.get("class", ""): self.circles.append(a)
p = P(); p.feed(open(os.path.join(bag, "data/report.html"), encoding="utf-8").read())
assert p.svg and int(p.svg["data-specks"]) == len(found) == len(p.circles), (p.svg, len(p.circles))
for c, f in zip(p.circles, found):
    assert math.isclose(float(c["data-x"]), f["x"], rel_tol=1e-5), (c, f)
PY
}
check_dust "$BAG" truth.json || fail "the dust map does not match the sim's specks"

# A second run replaces the map (the mask is rewritten, nothing else lost).
"$TB" dustmap "$BAG" >/dev/null 2>dust2.err || { cat dust2.err; fail "a second dustmap failed"; }
"$TB" verify "$BAG" >/dev/null || fail "the bag does not verify after a second dustmap"
check_dust "$BAG" truth.json || fail "the second dust map does not match"
# `tetherbox report` keeps the dust map.
"$TB" report "$BAG" >/dev/null 2>rep.err || { cat rep.err; fail "report after dustmap failed"; }
check_dust "$BAG" truth.json || fail "report lost the dust map"

# A clean sensor: no speck (the same scene, the same motion).
dusty_variant clean.yaml
CLEAN=$(run_bag clean.yaml "$WORK/clean")
"$TB" dustmap "$CLEAN" --sim-truth | grep -qx '\[\]' || fail "the clean sensor has specks in its truth"
"$TB" dustmap "$CLEAN" >clean.out 2>clean.err || { cat clean.err; fail "dustmap on the clean bag failed"; }
python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['dust']['specks']; assert len(s) <= 1, s" \
  "$CLEAN/data/report.json" || fail "specks found on a clean sensor"

# RAW only: nothing to read, refused with the reason, the bag unchanged.
dusty_variant raw.yaml 's/seed: 7}/seed: 7, dust: true}/' 's/format: raw+jpeg/format: raw/' \
  '/previews:/d'
RAW=$(run_bag raw.yaml "$WORK/raw")
sha_before=$(sha256sum "$RAW/manifest-sha256.txt")
set +e; "$TB" dustmap "$RAW" >raw.out 2>raw.err; rc=$?; set -e
[ "$rc" -eq 1 ] || { cat raw.err; fail "dustmap on a RAW-only bag: exit $rc, expected 1"; }
expect_contains raw.err "RAW-only"
[ "$(sha256sum "$RAW/manifest-sha256.txt")" = "$sha_before" ] || fail "a refused dustmap changed the bag"
pass "dustmap finds the sim's dust specks, writes the mask and report, and the bag verifies"
