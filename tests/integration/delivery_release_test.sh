#!/usr/bin/env bash
# Releases (issue 13 item 4): `tetherbox release add BAG FILE --kind --subject [--frames GLOB]`
# stores a PDF/JPEG/PNG (type by content) in data/releases/, hashed in the manifest, linked to the
# frames it covers by a journal line and in report.json; `release list` shows it; the bag still
# verifies. A file that is not a PDF or image (whatever its name), a glob that matches nothing,
# a locked or unfinalized bag are refused with the bag unchanged.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" s.yaml \
  '/elevation_deg: 40, positions: 3/d' \
  's/elevation_deg: 0, positions: 4/elevation_deg: 0, positions: 2/' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
BAG=$(run_bag s.yaml "$WORK/out")   # 2 positions x 2 presets = 4 frames
bag_state() { (cd "$BAG" && find . -type f ! -name .tetherbox.lock -exec sha256sum {} + | sort -k2); }

# 1. A PDF for the frames lit 'warm'.
"$TB" release add "$BAG" "$HERE/configs/model-release.pdf" --kind model --subject "Ann Lee" \
  --frames '*_warm_*' >add.out 2>add.err || { cat add.err; fail "release add exited $?"; }
REL=$(tail -n 1 add.out)
[ -f "$BAG/$REL" ] || fail "release add did not print the stored path ($REL)"
cmp "$BAG/$REL" "$HERE/configs/model-release.pdf" || fail "the stored release differs from the file"
grep -qF "  $REL" "$BAG/manifest-sha256.txt" || fail "$REL is not in the manifest"
(cd "$BAG" && sha256sum -c --quiet manifest-sha256.txt && sha256sum -c --quiet tagmanifest-sha256.txt) ||
  fail "sha256sum disagrees with the manifests after release add"
"$TB" verify "$BAG" >verify.txt || { cat verify.txt; fail "the bag does not verify after release add"; }
# 2. A PNG (as a phone would send a photographed release) named .dat, for every frame.
python3 -c 'import struct, zlib, sys
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
sys.stdout.buffer.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0\0")) + chunk(b"IEND", b""))' >prop.dat
"$TB" release add "$BAG" prop.dat --kind property --subject "Villa Rosa" >add2.out 2>add2.err ||
  { cat add2.err; fail "a PNG release was refused"; }
"$TB" release list "$BAG" >list.out || fail "release list"
[ "$(wc -l <list.out)" -eq 2 ] || { cat list.out; fail "release list does not show 2 releases"; }
grep -qP "^$REL\tmodel\tAnn Lee\tPDF\t2 frames" list.out || { cat list.out; fail "the PDF release line"; }
grep -qP "\tproperty\tVilla Rosa\tPNG\t4 frames" list.out || { cat list.out; fail "the PNG release line"; }
python3 - "$BAG" <<'PY' || fail "the release links"
import fnmatch, hashlib, json, os, sys
bag = sys.argv[1]
lines = [json.loads(l) for l in open(os.path.join(bag, "data/journal.jsonl"))]
frames = [l["name"] for l in lines if l["type"] == "frame"]
rel = [l for l in lines if l["type"] == "release"]
assert len(rel) == 2, rel
assert rel[0]["frames"] == [f for f in frames if fnmatch.fnmatch(f, "*_warm_*")] and len(rel[0]["frames"]) == 2, rel[0]
assert rel[1]["frames"] == frames, rel[1]
for r in rel:
    data = open(os.path.join(bag, r["path"]), "rb").read()
    assert hashlib.sha256(data).hexdigest() == r["sha256"], r["path"]
report = json.load(open(os.path.join(bag, "data/report.json")))
assert [(r["path"], r["frames"]) for r in report["releases"]] == [(r["path"], r["frames"]) for r in rel], report["releases"]
PY
"$TB" verify "$BAG" >/dev/null || fail "the bag does not verify after two releases"
pass "release add / list"

# 3. Refusals leave the bag as it was.
bag_state >before.sha
refuse() {  # refuse NAME TEXT ARGS...
  local name=$1 text=$2; shift 2
  set +e; "$TB" release add "$@" >"$name.out" 2>"$name.err"; local rc=$?; set -e
  [ "$rc" -eq 1 ] || { cat "$name.err"; fail "$name: exit $rc, expected 1"; }
  grep -qF -- "$text" "$name.err" || { cat "$name.err"; fail "$name: the error does not say '$text'"; }
  bag_state >after.sha; diff before.sha after.sha || fail "$name: the bag changed"
}
printf 'I agree\n' >fake.pdf
refuse notpdf "not a PDF, JPEG or PNG by its content" "$BAG" fake.pdf --kind model --subject x
refuse kind "expected model or property" "$BAG" "$HERE/configs/model-release.pdf" --kind modle --subject x
refuse glob "matches none of the bag's 4 frames" "$BAG" "$HERE/configs/model-release.pdf" --kind model --subject x --frames 'nope*'
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(600)' \
  "$BAG/.tetherbox.lock" "$WORK/locked" & HOLDER=$!
trap 'kill "$HOLDER" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 600); do [ -e "$WORK/locked" ] && break; sleep 0.1; done
refuse busy "being written by" "$BAG" "$HERE/configs/model-release.pdf" --kind model --subject x
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null || true
cp -a "$BAG" unfinal && rm unfinal/tagmanifest-sha256.txt
set +e; "$TB" release add unfinal "$HERE/configs/model-release.pdf" --kind model --subject x >u.out 2>u.err; rc=$?; set -e
[ "$rc" -eq 1 ] && grep -q "not finalized" u.err || { cat u.err; fail "an unfinalized bag was not refused"; }
pass "release refusals"
