#!/usr/bin/env bash
# Idle sync (issue 13 item 7): tetherboxd with sync.when_idle sends each finished bag to every
# one of sync.remotes between sessions (real rclone to two "local" remotes defined through
# RCLONE_CONFIG_* variables, and one remote rclone does not know), and `status` says per bag
# where it lives. The copies are checked by `tetherbox verify` on the remote folders and by the
# bag's delivery log; the failing remote's reason is shown, and the others are not held up.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v rclone >/dev/null || fail "rclone is required (scripts/install-deps)"
export RCLONE_CONFIG="$WORK/none.conf" RCLONE_CONFIG_DISK_TYPE=local
config_variant "$CONFIGS/small.yaml" box.yaml \
  '/elevation_deg: 40, positions: 3/d' \
  's/elevation_deg: 0, positions: 4/elevation_deg: 0, positions: 2/' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
{
  echo "sync:"
  echo "  remotes: [\"disk:$WORK/ra\", \"nosuchremote:x\", \"disk:$WORK/rb\"]"
  echo "  when_idle: true"
} >>box.yaml
start_daemon "$WORK/box.yaml" --storage "$WORK/out"
tbc start --wait >run.out 2>run.err || { cat run.err; fail "session"; }
BAG=$(ls -d "$WORK"/out/*_small | head -n 1)
[ -d "$BAG" ] || fail "no bag"
NAME=$(basename "$BAG")

# Both working remotes get the bag, verified; `status` lists them for this bag.
places="[p['place'] for b in j['bags'] if b['bag'] == '$BAG' for p in b['places']]"
wait_status "'disk:$WORK/ra/$NAME' in $places and 'disk:$WORK/rb/$NAME' in $places" 300
json_get "$WORK/status.json" "$places" >places.txt
expect_contains places.txt "'$BAG'" # this disk
for r in ra rb; do
  "$TB" verify "$WORK/$r/$NAME" >v.out || { cat v.out; fail "the idle sync's copy on $r does not verify"; }
done
[ "$(grep -c '"type":"sync"' "$BAG.delivery.jsonl")" -eq 2 ] || { cat "$BAG.delivery.jsonl"; fail "expected two sync lines"; }
grep -q nosuchremote "$BAG.delivery.jsonl" && fail "the failing remote was recorded"
pass "idle sync: the bag went to both remotes, verified, and status shows where it lives"

# The remote rclone does not know: its reason is in status, retried later, never recorded.
wait_status "(j['sync']['last_error'] or '').find('nosuchremote') >= 0" 120
json_get "$WORK/status.json" "j['sync']" >sync.txt
expect_contains sync.txt "'when_idle': True"
pass "a failing remote shows its reason and holds up no other"

# The human `status` says the same per bag: here, both remotes with the time each was verified,
# and a second copy once there is one (the idle sync's retry of the failing remote may hold the
# bag's lock for a moment: the copy is tried again while it says so).
for _ in $(seq 60); do
  "$TB" copy "$BAG" "$WORK/disk2" >copy.out 2>copy.err && break
  grep -q "being written by" copy.err || { cat copy.err; fail "second copy"; }
  sleep 1
done
[ -d "$WORK/disk2/$NAME" ] || { cat copy.err; fail "the second copy was never made"; }
tbc status >status.txt || fail "status"
expect_contains status.txt "bag      $BAG (4 places)"
expect_contains status.txt "  local    $BAG"
for r in ra rb; do
  grep -qE "^  synced   disk:$WORK/$r/$NAME, verified [0-9]{4}-[0-9]{2}-[0-9]{2}T" status.txt ||
    { cat status.txt; fail "human status does not show the bag synced to $r with its time"; }
done
grep -qE "^  copy     $WORK/disk2/$NAME, verified [0-9]{4}-" status.txt ||
  { cat status.txt; fail "human status does not show the second copy"; }
grep -q "nosuchremote" status.txt || { cat status.txt; fail "human status hides the failing remote's reason"; }
grep -q "^  synced   nosuchremote" status.txt && fail "human status lists a remote that never got the bag"
pass "human status lists every place the bag lives: here, two remotes, a second copy"

stop_daemon

# A session that starts stops the sync in flight (capture has the disk); it resumes after.
# A bag made before the daemon starts, sent at 50 kB/s (about half a minute a remote), so the
# session starts while the first upload runs.
config_variant "$CONFIGS/small.yaml" slow.yaml \
  '/elevation_deg: 40, positions: 3/d' \
  's/elevation_deg: 0, positions: 4/elevation_deg: 0, positions: 2/' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/' \
  's/^  name: small$/  name: later/' \
  's/seed: 7}/seed: 7, faults: {slow_download_ms: 500}}/'
{
  echo "sync:"
  echo "  remotes: [\"disk:$WORK/rc\"]"
  echo "  when_idle: true"
  echo "  bwlimit: 50k"
} >>slow.yaml
mkdir -p "$WORK/out2"
"$TB" run box.yaml --out "$WORK/out2" >first.out 2>first.err || { cat first.err; fail "first bag"; }
FIRST=$(tail -n 1 first.out)
start_daemon "$WORK/slow.yaml" --storage "$WORK/out2"
wait_status "j['sync']['state'] == 'syncing' and j['sync']['bag'] == '$FIRST'" 120
tbc start >/dev/null || fail "start during an idle sync"
wait_status "j['sync']['state'] != 'syncing'" 60
grep -q '"type":"sync"' "$FIRST.delivery.jsonl" 2>/dev/null && fail "a stopped sync was recorded"
grep -q "stopped (a session started" "$WORK"/daemon*.log || fail "the daemon did not say why the sync stopped"
# After the session both bags reach the remote, verified.
wait_status "all(any(p['type'] == 'sync' for p in b['places']) for b in j['bags']) and len(j['bags']) == 2" 400
for b in "$WORK"/out2/*_small "$WORK"/out2/*_later; do
  "$TB" verify "$WORK/rc/$(basename "$b")" >v.out || { cat v.out; fail "$(basename "$b") on the remote does not verify"; }
done
pass "a session stops the idle sync; it resumes and completes after"
stop_daemon
