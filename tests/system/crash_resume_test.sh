#!/usr/bin/env bash
# kill -9 of the daemon mid-session: the next start reports the open session (status, log),
# `resume-session` continues it, the bag verifies and holds every planned position exactly
# once. With daemon.on_open_session: resume the next start continues it by itself.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$CONFIGS/small.yaml" small.yaml 's/seed: 7}/seed: 7, faults: {slow_download_ms: 150}}/'
start_daemon "$WORK/small.yaml" --storage "$WORK/out"
tbc start >/dev/null
wait_status "j['session']['done'] >= 5"
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null || true
BAG=$(ls -d "$WORK"/out/*_small)
[ ! -f "$BAG/tagmanifest-sha256.txt" ] || fail "bag finalized despite kill -9"

start_daemon "$WORK/small.yaml" --storage "$WORK/out"
tbc status --json >s.json
[ "$(json_get s.json "j['open_sessions'] == ['$BAG']")" = True ] || { cat s.json; fail "open session not reported"; }
tbc status >s.txt
expect_contains s.txt "not finalized: tetherbox resume-session"
[ "$(json_get s.json "j['session']['state']")" = idle ] || fail "report mode resumed by itself"
tbc resume-session --wait >resume.out 2>resume.err || { cat resume.err; fail "resume-session"; }
[ "$(tail -n 1 resume.out)" = "$BAG" ] || fail "resumed another bag: $(tail -n 1 resume.out)"
"$TB" verify "$BAG" >/dev/null || fail "resumed bag does not verify"
read -r n distinct <<<"$(journal_seqs "$BAG")"
[ "$n" -eq 42 ] && [ "$distinct" -eq 42 ] || fail "after resume: $n frames, $distinct distinct; expected 42 and 42"
grep -q "Tetherbox-Complete: true" "$BAG/bag-info.txt" || fail "resumed bag not complete"
set +e; tbc resume-session >none.out 2>none.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "resume-session with nothing open exited $rc"
expect_contains none.err "no_session"
pass "kill -9: open session reported, resumed by resume-session, 42 positions once each, verifies"
stop_daemon

# on_open_session: resume — the next start continues the session by itself.
printf 'daemon:\n  on_open_session: resume\n' >>small.yaml
rm -rf "$WORK/out"
start_daemon "$WORK/small.yaml" --storage "$WORK/out"
tbc start >/dev/null
wait_status "j['session']['done'] >= 5"
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null || true
BAG=$(ls -d "$WORK"/out/*_small)
start_daemon "$WORK/small.yaml" --storage "$WORK/out"
wait_status "j['last_session'] is not None and j['session']['state']=='idle'" 300
[ "$(json_get "$WORK/status.json" "j['last_session']['bag']")" = "$BAG" ] || fail "auto-resume used another bag"
"$TB" verify "$BAG" >/dev/null || fail "auto-resumed bag does not verify"
read -r n distinct <<<"$(journal_seqs "$BAG")"
[ "$n" -eq 42 ] && [ "$distinct" -eq 42 ] || fail "after auto-resume: $n frames, $distinct distinct"
stop_daemon
pass "on_open_session: resume: continued at start, 42 positions once each"
