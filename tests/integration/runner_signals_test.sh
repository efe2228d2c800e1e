#!/usr/bin/env bash
# An SSH session dropping (SIGHUP) stops a run like Ctrl-C: the frame in flight is finished,
# the bag closed and its path printed, exit 3; verify OK; --resume completes it. A reader that
# closes stderr (`2>&1 | head`, a fifo whose reader exits) never kills the run.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" slow.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {slow_download_ms: 60}}/'
grep -q slow_download_ms slow.yaml || fail "config variant not applied"

# 1. SIGHUP mid-run.
"$TB" run slow.yaml --out "$WORK/hup" >stdout1.txt 2>stderr1.txt &
pid=$!
"$HERE/wait-frames.sh" "$WORK/hup" 5 60 >/dev/null || fail "no frames journaled"
kill -HUP "$pid"
set +e; wait "$pid"; rc=$?; set -e
[ "$rc" -eq 3 ] || { cat stderr1.txt; fail "SIGHUP: exit $rc, expected 3"; }
BAG=$(tail -n 1 stdout1.txt)
[ -d "$BAG" ] || fail "SIGHUP: no bag path on stdout"
"$TB" verify "$BAG" >/dev/null || fail "bag stopped by SIGHUP does not verify"
grep -q "Tetherbox-Complete: false" "$BAG/bag-info.txt" || fail "bag-info does not say incomplete"
"$TB" run slow.yaml --resume "$BAG" >stdout2.txt 2>stderr2.txt || { cat stderr2.txt; fail "resume failed"; }
"$TB" verify "$BAG" >/dev/null || fail "resumed bag does not verify"
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 42 || fail "independent checks after resume"
pass "SIGHUP: exit 3, closed bag that verifies, resume completes it"

# 2. stderr is a fifo whose reader takes 10 bytes and leaves: every later write gets EPIPE.
mkfifo err.fifo
head -c 10 <err.fifo >/dev/null &
reader=$!
set +e
"$TB" --log-level debug run slow.yaml --out "$WORK/pipe" >stdout3.txt 2>err.fifo
rc=$?
set -e
wait "$reader" || true
[ "$rc" -eq 0 ] || fail "stderr closed by its reader: exit $rc, expected 0 (run killed by SIGPIPE?)"
BAG=$(tail -n 1 stdout3.txt)
"$TB" verify "$BAG" >/dev/null || fail "bag written with a closed stderr does not verify"
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 42 || fail "independent checks (closed stderr)"
pass "stderr closed by its reader: the run completes, bag verifies"

# 3. The shell idiom: both streams into `head -c 10`; the bag path is lost with stdout, so the
#    bag is found on disk.
set +e
"$TB" run slow.yaml --out "$WORK/head" 2>&1 | head -c 10 >/dev/null
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || fail "'2>&1 | head -c 10': exit $rc, expected 0"
BAG=$(ls -d "$WORK"/head/*/)
"$TB" verify "$BAG" >/dev/null || fail "bag written into '| head' does not verify"
grep -q "Tetherbox-Complete: true" "$BAG/bag-info.txt" || fail "run into '| head' did not complete"
pass "'2>&1 | head -c 10': the run completes"
