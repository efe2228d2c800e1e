#!/usr/bin/env bash
# The shoot report (issue 12 item 5) as a person sees it: a real sim session's
# data/report.html rendered by Debian's headless Chromium (screenshot + DOM), its charts'
# numbers (data-* attributes) checked against the journal read independently here; the page
# loads nothing from the network; `tetherbox report BAG` rebuilds it and the bag verifies.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || fail "chromium is not installed: the report cannot be rendered (scripts/install-deps installs Debian's chromium)"

config_variant "$HERE/configs/small.yaml" s.yaml
BAG=$(run_bag s.yaml "$WORK/out")
"$TB" verify "$BAG" >/dev/null || fail "verify failed on the fresh bag"

# render FILE PREFIX: PREFIX.dom (the DOM after load) and PREFIX.png (a screenshot).
render() {
  local prof; prof=$(mktemp -d "$WORK/chromium.XXXXXX")
  local flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
               --disable-component-update --disable-sync --user-data-dir="$prof")
  timeout 300 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$1" >"$2.dom" 2>"$2.err" \
    || { tail -5 "$2.err"; fail "chromium could not render $1"; }
  timeout 300 "$CHROMIUM" "${flags[@]}" --window-size=1200,3000 --screenshot="$2.png" "file://$1" \
    >/dev/null 2>>"$2.err" || { tail -5 "$2.err"; fail "chromium could not screenshot $1"; }
  [ -s "$2.png" ] || fail "no screenshot of $1"
}
render "$BAG/data/report.html" first

# Independent reading of the journal; the DOM's numbers must match it.
check_dom() {  # check_dom DOM BAG
python3 - "$1" "$2" <<'PY'
import json, math, os, sys
from html.parser import HTMLParser
dom, bag = sys.argv[1], sys.argv[2]
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.els = []; self.chart = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs); a["_tag"] = tag
        if tag == "svg" and "data-chart" in a: self.chart = a["data-chart"]
        a["_chart"] = self.chart; self.els.append(a)
    def handle_endtag(self, tag):
        if tag == "svg": self.chart = None
p = P(); p.feed(open(dom, encoding="utf-8").read())
def one(pred, what):
    m = [e for e in p.els if pred(e)]
    assert len(m) == 1, f"{what}: {len(m)} elements"
    return m[0]
chart = lambda c: one(lambda e: e["_tag"] == "svg" and e.get("data-chart") == c, "chart " + c)
close = lambda a, b: math.isclose(float(a), float(b), rel_tol=1e-5, abs_tol=1e-9)

lines = [json.loads(l) for l in open(os.path.join(bag, "data/journal.jsonl"))]
frames = [l for l in lines if l["type"] == "frame"]
previews = {l["seq"]: l for l in lines if l["type"] == "preview" and l.get("file")}
n = len(frames)
assert n == 42, f"the session journaled {n} frames, expected 42"

s = one(lambda e: e.get("id") == "summary", "summary")
assert int(s["data-frames"]) == n, ("summary frames", s["data-frames"], n)
assert int(s["data-ok"]) + int(s["data-retaken"]) + int(s["data-fault"]) + int(s["data-superseded"]) == n

pos = chart("positions")
az = [f["position"]["azimuth_deg"] for f in frames]
el = [f["position"]["elevation_deg"] for f in frames]
assert int(pos["data-frames"]) == n, pos
assert int(pos["data-positions"]) == len({(round(a, 2), round(e, 2)) for a, e in zip(az, el)}), pos
assert close(pos["data-az-min"], min(az)) and close(pos["data-az-max"], max(az)), pos
assert close(pos["data-el-min"], min(el)) and close(pos["data-el-max"], max(el)), pos
dots = [e for e in p.els if e["_chart"] == "positions" and "pos" in e.get("class", "").split()]
assert sum(int(d["data-frames"]) for d in dots) == n, "position dots do not add up to the frames"

ov = chart("overlap")
rings = [e for e in p.els if e["_chart"] == "overlap" and e["_tag"] == "g"]
assert int(ov["data-rings"]) == len(rings) == 2, ov
for r in rings:
    taken = {f["position"]["azimuth_deg"] for f in frames if f["position"]["ring"] == int(r["data-ring"])}
    assert int(r["data-positions-taken"]) == len(taken) == int(r["data-positions-planned"]), r

clip = chart("clipping")
hi = [e for e in p.els if e["_chart"] == "clipping" and e.get("data-series") == "clipped high (preview)"]
assert len(hi) == len(previews) == n, ("clipping points", len(hi), len(previews))
for e in hi:
    assert close(e["data-y"], previews[int(e["data-seq"])]["histogram"]["clipped_high"]), e
means = [pv["histogram"]["mean"] for pv in previews.values()]
assert float(clip["data-y-max"]) >= max(means) - 1e-6, clip

sh = [f["sharpness"]["value"] for f in frames if f.get("sharpness", {}).get("measured")]
if sh:
    c = chart("sharpness")
    assert int(c["data-points"]) == len(sh), c
    assert close(c["data-y-min"], min(sh)) and close(c["data-y-max"], max(sh)), c

for key, cid in (("temperature_c", "temperature"), ("humidity_pct", "humidity"), ("pressure_hpa", "pressure")):
    v = [f["ambient"][key] for f in frames if f["ambient"].get("available") and f["ambient"].get(key) is not None]
    c = chart(cid)
    assert int(c["data-points"]) == len(v) > 0, (cid, c)
    assert close(c["data-y-min"], min(v)) and close(c["data-y-max"], max(v)), (cid, c, min(v), max(v))
g = chart("gps")
assert int(g["data-points"]) == n and float(g["data-y-max"]) == 1.0, g

sheet = one(lambda e: e.get("id") == "contact-sheet", "contact sheet")
imgs = [e for e in p.els if e["_tag"] == "img"]
assert int(sheet["data-previews"]) == len(imgs) == len(os.listdir(os.path.join(bag, "data/previews"))), sheet
for i in imgs:
    src = i["src"]
    assert not src.startswith(("http:", "https:", "//", "/")), src
    assert os.path.isfile(os.path.join(bag, "data", src)), f"contact sheet links {src}, not in the bag"
# Self-contained: nothing refers to the network, no script.
assert not [e for e in p.els if e["_tag"] == "script"], "the report carries a script"
for e in p.els:
    for k in ("src", "href"):
        assert not str(e.get(k, "")).startswith(("http:", "https:", "//")), e
rel = one(lambda e: e.get("id") == "releases", "releases")
assert "model-release.pdf" in open(dom, encoding="utf-8").read(), "the session's release is not listed"
print(f"DOM holds the session's numbers: {n} frames, {len(dots)} positions, {len(imgs)} previews")
PY
}
check_dom first.dom "$BAG" || fail "report.html (written at close) does not hold the session's numbers"
grep -q "not measured: no dust map yet" first.dom || fail "the dust section does not say it was not measured"

# The rebuilt report: same numbers, manifest and tag manifest updated, the bag verifies.
cp "$BAG/data/report.json" before.json
sed -i 's/<h1>/<h1>EDITED /' "$BAG/data/report.html"
"$TB" verify "$BAG" >/dev/null 2>&1 && fail "verify did not notice an edited report.html"
set +e; "$TB" report "$BAG" >rep.out 2>rep.err; rc=$?; set -e
[ "$rc" -eq 1 ] || { cat rep.err; fail "report on a bag that does not verify: exit $rc, expected 1"; }
expect_contains rep.err "does not verify"
grep -q "EDITED" "$BAG/data/report.html" || fail "a refused rebuild changed the bag"
sed -i 's/<h1>EDITED /<h1>/' "$BAG/data/report.html"
"$TB" verify "$BAG" >/dev/null || fail "the bag does not verify after undoing the edit"
"$TB" report "$BAG/" >rep.out 2>rep.err || { cat rep.err; fail "tetherbox report failed"; }
expect_contains rep.out "42 frames"
"$TB" verify "$BAG" >/dev/null || fail "the bag does not verify after tetherbox report"
python3 - before.json "$BAG/data/report.json" <<'PY' || fail "the rebuilt report.json differs"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
assert a == b, [k for k in a if a[k] != b.get(k)]
PY
ls -A "$(dirname "$BAG")" | grep -q report-rebuild && fail "the rebuild left its twin folder"
render "$BAG/data/report.html" rebuilt
check_dom rebuilt.dom "$BAG" || fail "the rebuilt report.html does not hold the session's numbers"

# A bag whose session was not closed is refused, unchanged.
mkdir -p open/data && cp "$BAG/bagit.txt" open/ && cp "$BAG/data/journal.jsonl" open/data/
set +e; "$TB" report open >rep.out 2>rep.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "report on an unclosed bag: exit $rc, expected 1"
expect_contains rep.err "not closed"
[ ! -e open/data/report.html ] || fail "a refused rebuild wrote a report"
pass "report.html renders in chromium with the session's numbers; tetherbox report rebuilds it"
