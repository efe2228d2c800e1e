#!/usr/bin/env bash
# A whole turntable session driven only by the CLI through tetherboxd: status before and after,
# start, pause / continue, the bag verified by `verify` and by sha256sum; then a stop mid-run
# closes the bag (resumable) and the daemon keeps serving. Without a daemon the CLI says so.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

# No daemon: a clear message naming the socket, exit 1.
set +e; "$TB" --socket "$WORK/none.sock" status >nodaemon.out 2>nodaemon.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "status without a daemon exited $rc, expected 1"
expect_contains nodaemon.err "no tetherboxd is listening on $WORK/none.sock"
pass "no daemon: exit 1 naming the socket"

# Slow downloads leave time to pause mid-run.
config_variant "$CONFIGS/small.yaml" small.yaml 's/seed: 7}/seed: 7, faults: {slow_download_ms: 80}}/'
grep -q slow_download_ms small.yaml || fail "config variant not applied"
start_daemon "$WORK/small.yaml" --storage "$WORK/out"
tbc status >status0.txt
expect_contains status0.txt "camera"
wait_status "j['camera']['connected'] and j['gps']['fix']=='3d' and j['ambient']['age_s'] is not None"
wait_status "j['session']['state']=='idle' and j['disk']['free_bytes'] > 0"
pass "idle status: camera connected, GPS fix, ambient reading, free disk"

tbc log -f --json >follow.jsonl 2>follow.err &
FOLLOW=$!
tbc status --watch --json >watch.jsonl 2>watch.err &
WATCH=$!
tbc start >start.txt || fail "start refused"
expect_contains start.txt "started (42 frames planned)"
set +e; tbc start >start2.txt 2>start2.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "a second start during a session exited $rc"
expect_contains start2.err "(busy)"
wait_status "j['session']['done'] >= 3"
tbc pause >pause.txt
expect_contains pause.txt "paused"
wait_status "j['session']['state']=='paused'"
# Paused: the frame in flight finishes, then no new one starts (checked twice, a second apart).
sleep 1
tbc status --json >p1.json
sleep 1
tbc status --json >p2.json
d1=$(json_get p1.json "j['session']['done']"); d2=$(json_get p2.json "j['session']['done']")
[ "$d1" = "$d2" ] || fail "frames advanced while paused ($d1 -> $d2)"
[ "$d1" -lt 42 ] || fail "the session ended before the pause took effect"
tbc pause --off >/dev/null
wait_status "j['last_session'] is not None and j['session']['state']=='idle'"
[ "$(json_get "$WORK/status.json" "j['last_session']['complete']")" = True ] || fail "session not complete"
BAG=$(json_get "$WORK/status.json" "j['last_session']['bag']")
"$TB" verify "$BAG" >/dev/null || fail "the daemon's bag does not verify"
(cd "$BAG" && sha256sum -c --quiet manifest-sha256.txt) || fail "sha256sum disagrees with the manifest"
read -r n distinct <<<"$(journal_seqs "$BAG")"
[ "$n" -eq 42 ] && [ "$distinct" -eq 42 ] || fail "journal has $n frames ($distinct distinct), expected 42"
pass "paused at $d1 frames, continued, 42 frames, bag verifies"
kill "$FOLLOW" "$WATCH"; wait "$FOLLOW" "$WATCH" 2>/dev/null || true
[ "$(grep -c '"event":"frame"' follow.jsonl)" -eq 42 ] || fail "log -f saw $(grep -c '"event":"frame"' follow.jsonl) frame events, expected 42"
grep -q '"event":"paused"' follow.jsonl || fail "log -f did not see the pause"
grep -q '"event":"session_end"' follow.jsonl || fail "log -f did not see the session end"
grep -q '"state":"running"' watch.jsonl || fail "status --watch never showed the session running"
pass "log -f streamed every frame, the pause and the end; status --watch followed the run"

# status after a session knows the frame size, so how many frames the disk still holds.
tbc status --json >after.json
[ "$(json_get after.json "j['disk']['frames_left'] is not None and j['disk']['frames_left'] > 0")" = True ] \
  || fail "no frames_left estimate after a session"
tbc status >after.txt
expect_contains after.txt "room for ~"
tbc sessions >sessions.txt
expect_contains sessions.txt "complete"
tbc log -n 200 --json >log.json
grep -q '"event":"session_end"' log.json || fail "log has no session_end"
pass "status estimates frames left; sessions and log list the session"

# stop mid-run: the frame in flight finishes, the bag is closed as incomplete and verifies.
tbc start >/dev/null
wait_status "j['session']['done'] >= 2"
tbc stop >stop.txt
expect_contains stop.txt "stopping"
wait_status "j['session']['state']=='idle' and j['last_session']['bag'] != '$BAG'"
[ "$(json_get "$WORK/status.json" "j['last_session']['complete']")" = False ] || fail "a stopped session says complete"
BAG2=$(json_get "$WORK/status.json" "j['last_session']['bag']")
"$TB" verify "$BAG2" >/dev/null || fail "stopped bag does not verify"
grep -q "Tetherbox-Complete: false" "$BAG2/bag-info.txt" || fail "stopped bag not marked incomplete"
tbc status >/dev/null || fail "daemon not serving after stop"
pass "stop: bag closed incomplete, verifies; daemon keeps serving"

set +e; tbc trigger >trig.out 2>trig.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "trigger with no session exited $rc"
expect_contains trig.err "no_session"
stop_daemon
[ ! -e "$SOCK" ] || fail "socket left behind after SIGTERM"
pass "SIGTERM: exit 0, socket removed"
