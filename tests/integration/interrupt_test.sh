#!/usr/bin/env bash
# Ctrl-C / SIGTERM mid-session: the frame in hand is finished, the bag is closed and verifies,
# the exit code says "stopped early" (3), and --resume completes it.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" slow.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {slow_download_ms: 60}}/'
"$TB" run slow.yaml --out "$WORK/out" >stdout1.txt 2>stderr1.txt &
pid=$!
"$HERE/wait-frames.sh" "$WORK/out" 5 30 >/dev/null || fail "no frames journaled"
kill -TERM "$pid"
set +e; wait "$pid"; rc=$?; set -e
[ "$rc" -eq 3 ] || { cat stderr1.txt; fail "SIGTERM: exit $rc, expected 3"; }
BAG=$(tail -n 1 stdout1.txt)
"$TB" verify "$BAG" >/dev/null || fail "interrupted bag does not verify"
grep -q "Tetherbox-Complete: false" "$BAG/bag-info.txt" || fail "bag-info does not say incomplete"
expect_contains stderr1.txt "--resume"
"$TB" run slow.yaml --resume "$BAG" >stdout2.txt 2>stderr2.txt || { cat stderr2.txt; fail "resume failed"; }
"$TB" verify "$BAG" >/dev/null || fail "resumed bag does not verify"
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 42 || fail "independent checks after resume"
grep -q "Tetherbox-Complete: true" "$BAG/bag-info.txt" || fail "bag-info does not say complete"
pass "SIGTERM: exit 3, closed bag that verifies, resume completes it"
