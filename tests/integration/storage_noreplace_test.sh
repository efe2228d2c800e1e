#!/usr/bin/env bash
# Issue 8 item 1: two frames whose names render to the same text ("key light" / "key-light"
# sanitise alike, the template has no {seq}) must never overwrite each other. Either the plan
# is refused before a bag exists, or the second frame's commit is refused with a clear error:
# the first frame's files are intact (sha256sum against the journal), the bag verifies.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" clash.yaml \
  's/^storage:/storage:\n  name_template: "{session}_r{ring}_{light}_{ev:+.1f}_az{az:03}"/' \
  's/{name: cool, on: \[key\], settle_ms: 0}/{name: "key light", on: [key], settle_ms: 0}/' \
  's/{name: warm, on: \[warm\], settle_ms: 0}/{name: "key-light", on: [warm], settle_ms: 0}/'
grep -q '"key-light"' clash.yaml || fail "config variant not applied"
set +e
"$TB" run clash.yaml --out "$WORK/out" >stdout.txt 2>stderr.txt
rc=$?
set -e
[ "$rc" -ne 0 ] || { cat stderr.txt; fail "colliding names ran to exit 0"; }
BAG=$(ls -d "$WORK"/out/*/ 2>/dev/null | head -n 1 || true)
if [ -z "$BAG" ] || ! grep -q '"type":"frame"' "$BAG/data/journal.jsonl" 2>/dev/null; then
  grep -qiE "unique|same (file )?name|collid" stderr.txt || { cat stderr.txt; fail "refused without naming the collision"; }
  pass "colliding names refused before any frame (exit $rc)"
  exit 0
fi
BAG=${BAG%/}
expect_contains stderr.txt "refusing to replace data/frames/"
# Every file a frame line claims is on disk with the journaled hash: nothing was replaced.
python3 - "$BAG" <<'PY' || fail "a journaled frame file was replaced or lost"
import hashlib, json, sys, os
bag = sys.argv[1]
seen = set()
n = 0
for line in open(os.path.join(bag, "data/journal.jsonl")):
    j = json.loads(line)
    if j.get("type") != "frame":
        continue
    for f in j["files"]:
        assert f["path"] not in seen, f"{f['path']} claimed twice"
        seen.add(f["path"])
        h = hashlib.sha256(open(os.path.join(bag, f["path"]), "rb").read()).hexdigest()
        assert h == f["sha256"], f"{f['path']}: {h} != journaled {f['sha256']}"
        n += 1
print(f"{n} journaled files intact")
PY
(cd "$BAG" && sha256sum --strict -c manifest-sha256.txt >/dev/null) || fail "manifest does not match the files"
"$TB" verify "$BAG" >verify.txt || { cat verify.txt; fail "bag does not verify"; }
pass "second frame with the same name refused (exit $rc), first frame intact, bag verifies"
