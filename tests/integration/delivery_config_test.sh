#!/usr/bin/env bash
# sync.remotes and delivery.copies_required (issue 13 item 1): `tetherbox sync BAG` with no
# REMOTE sends to every configured remote (two rclone "local" remotes defined through
# RCLONE_CONFIG_* variables: real rclone, real files), each verified and recorded in the bag's
# delivery log; `tetherbox prune --config` frees the bag only when copies_required places hold
# it. Bad values are refused at file:line:col.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v rclone >/dev/null || fail "rclone is required (scripts/install-deps)"
export RCLONE_CONFIG="$WORK/none.conf" RCLONE_CONFIG_DISK_TYPE=local

config_variant "$HERE/configs/small.yaml" s.yaml \
  '/elevation_deg: 40, positions: 3/d' \
  's/elevation_deg: 0, positions: 4/elevation_deg: 0, positions: 2/' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
cp s.yaml box.yaml
cat >>box.yaml <<EOF
sync:
  remotes: ["disk:$WORK/remote-a", "disk:$WORK/remote-b"]
delivery: {copies_required: 2}
EOF
"$TB" plan box.yaml >/dev/null 2>plan.err || { cat plan.err; fail "a config with sync.remotes is refused"; }
mkdir -p "$WORK/root"
BAG=$(run_bag s.yaml "$WORK/root")
NAME=$(basename "$BAG")

# 1. No REMOTE and no config: a clear usage error (2), nothing sent.
rc=0; "$TB" sync "$BAG" --config s.yaml >n.out 2>n.err || rc=$?
[ "$rc" -eq 2 ] || fail "sync without a remote or sync.remotes exited $rc, expected 2"
expect_contains n.err "lists no sync.remotes"
[ ! -e "$BAG.delivery.jsonl" ] || fail "something was recorded"

# 2. Prune before any sync keeps the bag (0 of 2 places).
"$TB" prune "$WORK/root" --config box.yaml >p0.out 2>&1 || { cat p0.out; fail "prune exited $?"; }
expect_contains p0.out "copies required: 2 (delivery.copies_required of"
expect_contains p0.out "kept: $NAME: 0 of 2 places"
[ -d "$BAG" ] || fail "prune removed a bag held nowhere"

# 3. sync BAG: both configured remotes, each verified (rclone hashsum) and recorded.
"$TB" sync "$BAG" --config box.yaml >s.out 2>s.err || { cat s.err; fail "sync to sync.remotes exited $?"; }
for r in remote-a remote-b; do
  expect_contains s.out "disk:$WORK/$r/$NAME"
  "$TB" verify "$WORK/$r/$NAME" >v.out || { cat v.out; fail "the copy on $r does not verify"; }
  grep -q "\"place\":\"disk:$WORK/$r/$NAME\"" "$BAG.delivery.jsonl" || fail "$r not recorded"
done
pass "sync with no REMOTE sends to every one of sync.remotes, verified and recorded"

# 4. copies_required 3: still kept; 2: freed, and the delivery log stays.
sed 's/copies_required: 2/copies_required: 3/' box.yaml >box3.yaml
"$TB" prune "$WORK/root" --config box3.yaml >p3.out 2>&1 || { cat p3.out; fail "prune exited $?"; }
expect_contains p3.out "kept: $NAME: 2 of 3 places"
[ -d "$BAG" ] || fail "prune freed a bag held in 2 of 3 required places"
# A remote counts only while its manifest reads back with the bag's hash.
mv "$WORK/remote-b/$NAME/manifest-sha256.txt" "$WORK/manifest.away"
"$TB" prune "$WORK/root" --config box.yaml >pb.out 2>&1 || { cat pb.out; fail "prune exited $?"; }
expect_contains pb.out "kept: $NAME: 1 of 2 places hold it; disk:$WORK/remote-b/$NAME: its manifest cannot be read back"
[ -d "$BAG" ] || fail "prune counted a remote whose manifest is gone"
mv "$WORK/manifest.away" "$WORK/remote-b/$NAME/manifest-sha256.txt"
"$TB" prune "$WORK/root" --config box.yaml >p2.out 2>&1 || { cat p2.out; fail "prune exited $?"; }
expect_contains p2.out "removed: $NAME"
[ ! -e "$BAG" ] || fail "prune kept a bag held in the 2 required places"
[ -f "$BAG.delivery.jsonl" ] || fail "the delivery log went with the bag"
pass "prune follows delivery.copies_required"

# 5. Bad values: file:line:col and a reason; exit 2.
bad() {  # bad SNIPPET TEXT
  cp s.yaml bad.yaml
  printf '%s\n' "$1" >>bad.yaml
  local rc=0
  "$TB" plan bad.yaml >/dev/null 2>bad.err || rc=$?
  [ "$rc" -eq 2 ] || { cat bad.err; fail "'$1' exited $rc, expected 2"; }
  expect_contains bad.err "$2"
}
bad "delivery: {copies_required: 0}" "delivery.copies_required: 0 is out of range; expected 1..16"
bad "delivery: {copies_required: 99}" "99 is out of range"
bad 'sync: {remotes: ["nocolon"]}' "'nocolon' is not an rclone remote"
bad 'sync: {remotes: ["a:x", "a:x"]}' "'a:x' is listed twice"
bad 'sync: {when_idle: true}' "sync.when_idle: is true but sync.remotes is empty"
bad 'sync: {remote: ["a:x"]}' "remote"
grep -q "bad.yaml:[0-9]*:[0-9]*" bad.err || { cat bad.err; fail "no file:line:col"; }
pass "bad sync/delivery values refused with file:line:col"
