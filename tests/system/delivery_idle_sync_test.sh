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

stop_daemon
