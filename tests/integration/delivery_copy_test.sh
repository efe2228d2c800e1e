#!/usr/bin/env bash
# Second copy (issue 13 item 1): `tetherbox copy BAG DIR` writes DIR/<bag>, verified by hash on
# the destination, and records it in <bag>.delivery.jsonl beside the bag. A
# copy cut by a full disk is not recorded, leaves no DIR/<bag>, and resumes: files already
# copied with the right hash are kept, a damaged one is written again. An existing different
# copy and a source with a changed file are refused.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" s.yaml \
  '/elevation_deg: 40, positions: 3/d' \
  's/elevation_deg: 0, positions: 4/elevation_deg: 0, positions: 2/' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
BAG=$(run_bag s.yaml "$WORK/out")
NAME=$(basename "$BAG")
bag_state() { (cd "$BAG" && find . -type f ! -name .tetherbox.lock -exec sha256sum {} + | sort -k2); }
bag_state >before.sha
same_tree() {  # same_tree COPY: byte-for-byte the bag (lock and delivery log aside)
  (cd "$1" && find . -type f -exec sha256sum {} + | sort -k2) >copy.sha
  diff before.sha copy.sha || fail "$1 is not a byte-for-byte copy of the bag"
}

# 1. A plain copy.
"$TB" copy "$BAG" "$WORK/disk2" >c1.out 2>c1.err || { cat c1.err; fail "copy exited $?"; }
[ "$(tail -n 1 c1.out)" = "$WORK/disk2/$NAME" ] || { cat c1.out; fail "copy does not print the copy's path"; }
"$TB" verify "$WORK/disk2/$NAME" >/dev/null || fail "the copy does not verify"
same_tree "$WORK/disk2/$NAME"
python3 - "$BAG.delivery.jsonl" "$WORK/disk2/$NAME" "$BAG/manifest-sha256.txt" <<'PY' || fail "the copy is not recorded"
import hashlib, json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 1 and lines[0]["type"] == "copy" and lines[0]["place"] == sys.argv[2], lines
assert lines[0]["manifest_sha256"] == hashlib.sha256(open(sys.argv[3], "rb").read()).hexdigest()
assert lines[0]["utc"].endswith("+00:00")
PY
"$TB" verify "$BAG" >/dev/null || fail "recording the copy broke the source bag"
pass "copy: verified, byte-for-byte, recorded"

# 2. Cut by a full disk: a tmpfs smaller than the bag.
BYTES=$(du -sb "$BAG/data" | cut -f1)
mount_tmpfs "$WORK/small" "$((BYTES / 2 / 4096 * 4096))"
set +e; "$TB" copy "$BAG" "$WORK/small" >c2.out 2>c2.err; rc=$?; set -e
[ "$rc" -eq 1 ] || { cat c2.err; fail "a copy onto a full disk exited $rc, expected 1"; }
grep -qi "space\|ENOSPC\|no space" c2.err || { cat c2.err; fail "the full disk is not named"; }
[ ! -e "$WORK/small/$NAME" ] || fail "a cut copy left DIR/<bag>"
[ -d "$WORK/small/.$NAME.copy-partial" ] || fail "no partial copy kept to resume"
[ "$(wc -l <"$BAG.delivery.jsonl")" -eq 1 ] || fail "a cut copy was recorded"
KEPT=$(find "$WORK/small/.$NAME.copy-partial" -type f ! -name '.*tmp*' | wc -l)
[ "$KEPT" -gt 0 ] || fail "the cut copy wrote nothing before the disk filled (test too small)"
# Damage one of the copied files: the resume must not trust it.
DAMAGED=$(find "$WORK/small/.$NAME.copy-partial/data" -type f | head -n 1)
printf 'X' | dd of="$DAMAGED" bs=1 seek=0 conv=notrunc 2>/dev/null
mount -o remount,size=$((BYTES * 4)) "$WORK/small"
"$TB" copy "$BAG" "$WORK/small" >c3.out 2>c3.err || { cat c3.err; fail "the resumed copy exited $?"; }
grep -qE "copied and verified: [0-9]+ files written, [1-9][0-9]* already there" c3.out ||
  { cat c3.out; fail "the resume did not keep the files already copied"; }
same_tree "$WORK/small/$NAME"
[ ! -e "$WORK/small/.$NAME.copy-partial" ] || fail "the partial folder is left after the resume"
[ "$(wc -l <"$BAG.delivery.jsonl")" -eq 2 ] || fail "the resumed copy is not recorded"
pass "copy cut by a full disk, resumed, damaged file rewritten"

# 3. Refusals.
mkdir -p "$WORK/disk3/$NAME" && echo mine >"$WORK/disk3/$NAME/notes.txt"
set +e; "$TB" copy "$BAG" "$WORK/disk3" >c4.out 2>c4.err; rc=$?; set -e
[ "$rc" -eq 1 ] && grep -q "is not a verified copy" c4.err || { cat c4.err; fail "an existing different folder was not refused"; }
[ "$(cat "$WORK/disk3/$NAME/notes.txt")" = mine ] || fail "the existing folder was touched"
cp -a "$BAG" "$WORK/changed" && f=$(ls "$WORK"/changed/data/frames/*.xmp | head -n 1) && echo >>"$f"
set +e; "$TB" copy "$WORK/changed" "$WORK/disk4" >c5.out 2>c5.err; rc=$?; set -e
[ "$rc" -eq 1 ] && grep -qF "changed: data/frames/$(basename "$f")" c5.err || { cat c5.err; fail "a changed source was not refused by name"; }
[ ! -e "$WORK/disk4/changed" ] || fail "a refused copy was written"
set +e; "$TB" copy "$BAG" "$BAG/data" >c6.out 2>c6.err; rc=$?; set -e
[ "$rc" -eq 1 ] && grep -q "inside the bag" c6.err || { cat c6.err; fail "a copy into the bag was not refused"; }
bag_state >after.sha; diff before.sha after.sha || fail "copy changed the source bag"
pass "copy refusals"
