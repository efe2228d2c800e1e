#!/usr/bin/env bash
# --resume checks a journaled file by presence and size (a 100 000-frame bag resumes in
# seconds); --rehash re-hashes every file against the journal's SHA-256. One byte of a durable
# original flipped (same size) while the session was down: a plain resume does not notice
# (documented; `tetherbox verify` does), --resume --rehash names the file, quarantines it and
# takes its frame again, and the bag verifies.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" slow.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {slow_download_ms: 60}}/'
grep -q slow_download_ms slow.yaml || fail "config variant not applied"
"$TB" run slow.yaml --out "$WORK/out" >stdout1.txt 2>stderr1.txt &
pid=$!
journal=$("$HERE/wait-frames.sh" "$WORK/out" 8 60 || true)
[ -n "$journal" ] || fail "no journal appeared"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
BAG=$(dirname "$(dirname "$journal")")
before=$(grep -c '"type":"frame"' "$journal")
[ "$before" -lt 42 ] || fail "session finished before the kill ($before frames)"

# The first frame's JPEG original, as the journal names it; one byte in its middle flipped.
victim=$(python3 - "$journal" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    j = json.loads(line)
    if j.get("type") == "frame":
        print(next(f["path"] for f in j["files"] if f["role"] == "original" and f["path"].endswith(".jpg")))
        break
PY
)
[ -n "$victim" ] || fail "no JPEG original in the journal"
flip() {  # flip FILE: xor the middle byte, same size
  python3 - "$1" <<'PY'
import os, sys
p = sys.argv[1]
n = os.path.getsize(p)
with open(p, "r+b") as f:
    f.seek(n // 2); b = f.read(1); f.seek(n // 2); f.write(bytes([b[0] ^ 0x5A]))
PY
}
mkdir -p "$WORK/copy"
cp -a "$BAG" "$WORK/copy/"
BAG2="$WORK/copy/$(basename "$BAG")"
flip "$BAG/$victim"
flip "$BAG2/$victim"
sha_bad=$(sha256sum "$BAG/$victim" | cut -d' ' -f1)

# Plain resume: size only, the flipped byte goes unnoticed; verify is what finds it.
"$TB" run slow.yaml --resume "$BAG" >plain.out 2>plain.err || { cat plain.err; fail "plain resume exited non-zero"; }
[ "$(sha256sum "$BAG/$victim" | cut -d' ' -f1)" = "$sha_bad" ] || fail "plain resume touched $victim"
grep -q '"retake":true' "$BAG/data/journal.jsonl" && fail "plain resume retook a frame (it checks sizes only)"
if "$TB" verify "$BAG" >plain.verify 2>&1; then fail "verify passed a bag with a flipped byte"; fi
expect_contains plain.verify "$victim"

# --rehash: the file is named, quarantined, its frame taken again; the bag verifies.
"$TB" run slow.yaml --resume "$BAG2" --rehash >rehash.out 2>rehash.err ||
  { cat rehash.err; fail "--rehash resume exited non-zero"; }
expect_contains rehash.err "$victim was changed: its SHA-256 $sha_bad differs"
grep '"retake":true' "$BAG2/data/journal.jsonl" >retake.txt || fail "no retake line in the journal"
expect_contains retake.txt "$victim"
[ -f "$BAG2/quarantine/$victim" ] || fail "$victim not in quarantine"
[ "$(sha256sum "$BAG2/quarantine/$victim" | cut -d' ' -f1)" = "$sha_bad" ] || fail "quarantined copy differs"
"$TB" verify "$BAG2" >rehash.verify 2>&1 || { cat rehash.verify; fail "--rehash bag does not verify"; }
python3 - "$BAG2" <<'PY' || fail "the --rehash bag is not complete"
import json, sys
r = json.load(open(f"{sys.argv[1]}/data/report.json"))
assert r["frames"] == 42 and r["complete"], (r["frames"], r["complete"])
PY

# --rehash without --resume is a usage error, not a silent no-op.
rc=0; "$TB" run slow.yaml --rehash --out "$WORK/none" >usage.out 2>usage.err || rc=$?
[ "$rc" -ne 0 ] || fail "--rehash without --resume was accepted"
pass "plain resume misses a flipped byte (verify finds it); --rehash names $victim and retakes its frame"
