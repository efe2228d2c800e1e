#!/usr/bin/env bash
# Field kit through the daemon: with session.mode buttons the daemon arms at start; the sim's
# scripted presses each shoot a bracket and every frame's journal records the press edge and
# the edge-to-trigger latency. With no scripted presses: `tetherbox trigger` shoots brackets,
# a long press ends the session (complete) and, idle, a long press starts the next one.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
KIT="$EXAMPLES/field-kit.yaml"
press_check() {  # press_check BAG FRAMES: every frame has a press line with a latency >= 0
  python3 - "$1/data/journal.jsonl" "$2" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
frames = {j["seq"] for j in lines if j.get("type") == "frame"}
press = {j["seq"]: j for j in lines if j.get("type") == "press"}
want = int(sys.argv[2])
assert len(frames) == want, "%d frames, expected %d" % (len(frames), want)
missing = frames - set(press)
assert not missing, "frames without a press record: %s" % sorted(missing)
for s in frames:
    p = press[s]
    assert p["edge_utc"] and p["trigger_utc"], p
    assert 0 <= p["edge_to_trigger_s"] < 600, p
PY
}

# press OUT [ARGS...]: `tetherbox trigger` during a buttons session; a session whose devices
# are still coming up (state running, trigger not armed yet) says so: pressed again until armed.
press() {
  local out=$1; shift
  local deadline=$((SECONDS + 120))
  until tbc trigger "$@" >"$out" 2>"$out.err"; do
    grep -q "still starting" "$out.err" || { cat "$out.err"; fail "trigger $* refused"; }
    [ "$SECONDS" -lt "$deadline" ] || fail "the buttons session was not armed within 120 s"
    sleep 0.1
  done
}

# 1. Scripted sim presses, max_brackets 4: armed at start, 4 brackets of 3, then the end.
config_variant "$KIT" kit.yaml 's/width: 1536/width: 480/' 's/height: 1024 /height: 320 /'
start_daemon "$WORK/kit.yaml" --storage "$WORK/out"
wait_status "j['last_session'] is not None and j['session']['state']=='idle'" 300
[ "$(json_get "$WORK/status.json" "j['last_session']['brackets']")" = 4 ] || { cat "$WORK/status.json"; fail "expected 4 brackets"; }
[ "$(json_get "$WORK/status.json" "j['last_session']['complete']")" = True ] || fail "field session not complete"
BAG=$(json_get "$WORK/status.json" "j['last_session']['bag']")
"$TB" verify "$BAG" >/dev/null || fail "field bag does not verify"
press_check "$BAG" 12 || fail "press records"
stop_daemon
pass "armed at start: 4 sim presses, 4 brackets, every frame with its press edge and latency"

# 2. No scripted presses, unbounded: the CLI presses.
config_variant "$KIT" open.yaml 's/width: 1536/width: 480/' 's/height: 1024 /height: 320 /' \
  's/max_brackets: 4 /max_brackets: 0 /' 's/sim_press_at_s: \[1, 4, 9, 15\]/sim_press_at_s: []/'
grep -q "sim_press_at_s: \[\]" open.yaml || fail "config variant not applied"
rm -rf "$WORK/out"
start_daemon "$WORK/open.yaml" --storage "$WORK/out"
wait_status "j['session']['state']=='running'"
press t1.txt
expect_contains t1.txt "pressed"
wait_status "j['session']['done'] >= 3"
press t2.txt
wait_status "j['session']['done'] >= 6"
press t3.txt --long
expect_contains t3.txt "the session ends"
wait_status "j['session']['state']=='idle' and j['last_session'] is not None"
[ "$(json_get "$WORK/status.json" "j['last_session']['brackets']")" = 2 ] || { cat "$WORK/status.json"; fail "expected 2 brackets"; }
[ "$(json_get "$WORK/status.json" "j['last_session']['complete']")" = True ] || fail "session ended by a long press not complete"
BAG=$(json_get "$WORK/status.json" "j['last_session']['bag']")
press_check "$BAG" 6 || fail "press records (CLI presses)"
"$TB" verify "$BAG" >/dev/null || fail "bag does not verify"
pass "CLI presses: 2 brackets; a long press ends the session, complete"

set +e; tbc trigger >t4.out 2>t4.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "short press while idle exited $rc"
expect_contains t4.err "long press"
tbc trigger --long >t5.txt || fail "idle long press refused"
expect_contains t5.txt "session 'field-kit' started"
wait_status "j['session']['state']=='running'"
tbc stop >/dev/null
wait_status "j['session']['state']=='idle'"
stop_daemon
pass "idle: a short press is refused with a hint, a long press starts a session"

# 3. trigger during an orbit session is refused.
config_variant "$CONFIGS/small.yaml" small.yaml 's/seed: 7}/seed: 7, faults: {slow_download_ms: 80}}/'
start_daemon "$WORK/small.yaml" --storage "$WORK/out2"
tbc start >/dev/null
set +e; tbc trigger >t6.out 2>t6.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "trigger during an orbit session exited $rc"
expect_contains t6.err "trigger is for buttons sessions"
tbc stop >/dev/null
wait_status "j['session']['state']=='idle'"
stop_daemon
pass "trigger during an orbit session: refused"
