#!/usr/bin/env bash
# Dataset skeletons (issue 13 item 3): at session close data/exports/ holds a COCO file and
# Pascal VOC annotations that list every frame's image with its real size and UTC capture time,
# categories from metadata.categories and no labels yet; an export writes them anew for the
# images it holds. Checked by a reader that follows the COCO format's spec, python's XML parser
# and exiftool's image sizes.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
# 3 positions x 1 preset x 2 brackets = 6 frames.
small() {  # small DST SED_EXPR...
  config_variant "$HERE/configs/small.yaml" "$@" \
    '/elevation_deg: 40, positions: 3/d' \
    's/elevation_deg: 0, positions: 4/elevation_deg: 0, positions: 3/' \
    '/- {name: warm, on: \[warm\]/d' \
    's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0, 1]}/'
}
small s.yaml 's/releases: \[model-release.pdf\]}/releases: [model-release.pdf], categories: [mug, "bottle \& cap", "tasse à café"]}/'
BAG=$(run_bag s.yaml "$WORK/out")
"$TB" verify "$BAG" >/dev/null || fail "the bag does not verify"

cat >check_dataset.py <<'PY'
# A COCO / Pascal VOC reader written from the formats' descriptions (cocodataset.org/#format-data,
# the VOC2012 devkit), checking a bag's skeletons against its journal and the image files.
import json, os, subprocess, sys, xml.etree.ElementTree as ET
bag, want_images, want_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cats_want = json.loads(sys.argv[4])
data = os.path.join(bag, "data")
frames = {}
for line in open(os.path.join(data, "journal.jsonl"), encoding="utf-8"):
    j = json.loads(line)
    if j.get("type") == "frame":
        frames[j["name"]] = j
coco = json.load(open(os.path.join(data, "exports/coco/annotations.json"), encoding="utf-8"))
for key, typ in (("info", dict), ("images", list), ("annotations", list), ("categories", list),
                 ("licenses", list)):
    assert isinstance(coco.get(key), typ), f"COCO: '{key}' missing or not a {typ.__name__}"
imgs = coco["images"]
assert len(imgs) == want_images, f"{len(imgs)} images, expected {want_images}"
ids = [i["id"] for i in imgs]
assert all(isinstance(i, int) and i > 0 for i in ids) and len(set(ids)) == len(ids), ids
assert coco["annotations"] == [], "a skeleton carries no annotation"
assert [c["name"] for c in coco["categories"]] == cats_want, coco["categories"]
cids = [c["id"] for c in coco["categories"]]
assert len(set(cids)) == len(cids) and all(isinstance(c, int) for c in cids), cids
paths = [os.path.join(data, i["file_name"]) for i in imgs]
sizes = {}
if paths:
    out = subprocess.run(["exiftool", "-j", "-ImageWidth", "-ImageHeight"] + paths,
                         capture_output=True, text=True, check=True).stdout
    sizes = {os.path.realpath(s["SourceFile"]): (s["ImageWidth"], s["ImageHeight"]) for s in json.loads(out)}
seen = set()
for img, path in zip(imgs, paths):
    assert os.path.dirname(img["file_name"]) == want_dir, img["file_name"]
    assert sizes[os.path.realpath(path)] == (img["width"], img["height"]), (img, sizes[os.path.realpath(path)])
    name = img["tetherbox"]["name"]
    assert name in frames, f"{name} is no frame of the journal"
    assert img["date_captured"] == frames[name]["trigger_utc"], (img["date_captured"], frames[name]["trigger_utc"])
    seen.add(name)
if want_images:
    assert seen == set(frames), f"frames without an image: {set(frames) - seen}"
# VOC: one annotation per image, its size, no object; the image set lists them all.
ann_dir = os.path.join(data, "exports/voc/Annotations")
anns = sorted(os.listdir(ann_dir)) if want_images else []  # a bag lists files, not empty folders
assert len(anns) == want_images, f"{len(anns)} VOC files"
by_file = {os.path.basename(i["file_name"]): i for i in imgs}
for a in anns:
    root = ET.parse(os.path.join(ann_dir, a)).getroot()
    assert root.tag == "annotation"
    fn = root.findtext("filename")
    img = by_file[fn]
    assert root.findtext("folder") == want_dir
    assert int(root.findtext("size/width")) == img["width"] and int(root.findtext("size/height")) == img["height"]
    assert int(root.findtext("size/depth")) == 3
    assert root.find("object") is None, f"{a}: an object in a skeleton"
    assert os.path.exists(os.path.join(data, root.findtext("path"))), root.findtext("path")
ids_txt = open(os.path.join(data, "exports/voc/ImageSets/Main/all.txt")).read().split()
assert sorted(ids_txt) == sorted(a[:-4] for a in anns), ids_txt
print(f"dataset OK: {len(imgs)} images, {len(cids)} categories")
PY
CATS='["mug", "bottle & cap", "tasse à café"]'
python3 check_dataset.py "$BAG" 6 frames "$CATS" || fail "the session's dataset skeletons"
pass "COCO and VOC skeletons at session close"

# An export writes them anew, for its own images, with the same categories.
"$TB" export "$BAG" --to "$WORK/exp" --strip-gps >exp.out 2>exp.err || { cat exp.err; fail "export"; }
python3 check_dataset.py "$WORK/exp" 6 frames "$CATS" || fail "the export's dataset skeletons"
"$TB" verify "$WORK/exp" >/dev/null || fail "the export does not verify"
# A RAW-only session has no image a labelling tool reads (no JPEG, no preview): the skeletons
# are still valid, with no image, and each frame is named as left out.
small raw.yaml 's/format: raw+jpeg/format: raw/'
RAW=$(run_bag raw.yaml "$WORK/raw")
python3 check_dataset.py "$RAW" 0 frames '[]' || fail "RAW-only session's skeletons"
grep -q "dataset skeletons: left out .*: no JPEG original or preview" "$WORK/raw.stderr" ||
  { cat "$WORK/raw.stderr"; fail "frames without an image are not named"; }
pass "dataset skeletons in exports"

# metadata.categories is checked with the config: a repeated name is refused with its place.
small bad.yaml 's/releases: \[model-release.pdf\]}/releases: [model-release.pdf], categories: [mug, mug]}/'
set +e; "$TB" run bad.yaml --out "$WORK/bad" >bad.out 2>bad.err; rc=$?; set -e
[ "$rc" -eq 2 ] || { cat bad.err; fail "repeated category: exit $rc, expected 2"; }
grep -qE "bad.yaml:[0-9]+:[0-9]+: metadata.categories\[1\]" bad.err || { cat bad.err; fail "no location for the repeated category"; }
pass "metadata.categories validated"
