#!/usr/bin/env bash
# prune (issue 13 item 1): removes a bag only when it is finalized, not locked, and verified
# copies of its current content are in --copies places (a copy deleted since no longer counts);
# --dry-run removes nothing; the delivery log beside a removed bag stays.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" s.yaml \
  '/elevation_deg: 40, positions: 3/d' \
  's/elevation_deg: 0, positions: 4/elevation_deg: 0, positions: 2/' \
  '/- {name: warm, on: \[warm\]/d' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
A=$(run_bag s.yaml "$WORK/root")
R="$WORK/root"
cp -a "$A" "$R/bag-b"; cp -a "$A" "$R/bag-c"; cp -a "$A" "$R/bag-d"
for b in "$A" "$R/bag-c" "$R/bag-d"; do
  "$TB" copy "$b" "$WORK/disk2" >/dev/null 2>&1 || fail "copy $b to disk2"
  "$TB" copy "$b" "$WORK/disk3" >/dev/null 2>&1 || fail "copy $b to disk3"
done
"$TB" copy "$R/bag-b" "$WORK/disk2" >/dev/null 2>&1 || fail "copy bag-b"
rm -rf "$WORK/disk3/bag-c"                    # one of bag-c's copies is gone
rm "$R/bag-d/tagmanifest-sha256.txt"          # bag-d is not finalized
state() { (cd "$R" && find . -type f ! -name .tetherbox.lock -exec sha256sum {} + | sort -k2); }

# A locked bag (a session writing it) is never judged.
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(600)' \
  "$A/.tetherbox.lock" "$WORK/locked" & HOLDER=$!
trap 'kill "$HOLDER" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 600); do [ -e "$WORK/locked" ] && break; sleep 0.1; done
state >before.sha
"$TB" prune "$R" --dry-run >p0.out 2>p0.err || { cat p0.err; fail "prune --dry-run"; }
grep -q "^kept: $(basename "$A"): open (being written)" p0.out || { cat p0.out; fail "a locked bag was not kept as open"; }
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null || true

"$TB" prune "$R" --dry-run >p1.out 2>p1.err || { cat p1.err; fail "prune --dry-run"; }
grep -q "^would remove: $(basename "$A"): 2 places hold it" p1.out || { cat p1.out; fail "dry run: A"; }
grep -q "^kept: bag-b: 1 of 2 places hold it" p1.out || { cat p1.out; fail "dry run: bag-b"; }
grep -q "^kept: bag-c: 1 of 2 places hold it" p1.out || { cat p1.out; fail "dry run: a deleted copy still counted"; }
grep -q "^kept: bag-d: not finalized" p1.out || { cat p1.out; fail "dry run: an unfinalized bag"; }
state >after.sha; diff before.sha after.sha || fail "--dry-run changed something"

"$TB" prune "$R" >p2.out 2>p2.err || { cat p2.err; fail "prune"; }
grep -q "^removed: $(basename "$A")" p2.out || { cat p2.out; fail "A was not removed"; }
[ ! -e "$A" ] || fail "A is still there"
for b in bag-b bag-c bag-d; do [ -f "$R/$b/bagit.txt" ] || fail "$b was removed"; done
[ -s "$A.delivery.jsonl" ] || fail "the delivery log of a removed bag is gone"
"$TB" verify "$WORK/disk2/$(basename "$A")" >/dev/null && "$TB" verify "$WORK/disk3/$(basename "$A")" >/dev/null ||
  fail "the copies of a removed bag do not verify"
"$TB" verify "$R/bag-b" >/dev/null || fail "a kept bag no longer verifies"
# With one place required, bag-b and bag-c go too; the unfinalized one never does.
"$TB" prune "$R" --copies 1 >p3.out 2>p3.err || { cat p3.err; fail "prune --copies 1"; }
[ ! -e "$R/bag-b" ] && [ ! -e "$R/bag-c" ] || { cat p3.out; fail "--copies 1 kept bags held in one place"; }
[ -f "$R/bag-d/bagit.txt" ] || fail "an unfinalized bag was removed"
pass "prune"
