#!/usr/bin/env bash
# Reload: a broken file is refused with its file:line:col and the old config stays in use (by
# `tetherbox reload` and by SIGHUP); a good file is applied; during a session a change to the
# running session's plan is refused naming the keys, a harmless change waits for the session.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$CONFIGS/small.yaml" small.yaml 's/seed: 7}/seed: 7, faults: {slow_download_ms: 80}}/'
cp small.yaml good.yaml
start_daemon "$WORK/small.yaml" --storage "$WORK/out"

# Broken: an unknown key on line 4.
sed -i 's/^  name: small$/  nmae: small/' small.yaml
line=$(grep -n "nmae" small.yaml | cut -d: -f1)
set +e; tbc reload >bad.out 2>bad.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "reload of a broken config exited $rc"
expect_contains bad.err "small.yaml:$line:"
expect_contains bad.err "config_error"
expect_contains bad.err "the old config stays in use"
tbc status >/dev/null || fail "daemon not serving after a bad reload"
kill -HUP "$DPID"
wait_status "True"
tbc log -n 50 --json >log1.json
grep -q '"event":"reload","ok":false' log1.json || grep -q '"ok":false' log1.json || fail "SIGHUP reload failure not in the log"
kill -0 "$DPID" || fail "daemon died on SIGHUP with a broken file"
tbc start --wait >run1.out 2>run1.err || { cat run1.err; fail "session after a bad reload"; }
grep -q "_small$" run1.out || fail "the old config (session small) was not kept: $(cat run1.out)"
pass "broken config: reload and SIGHUP refused at file:line:col, old config kept and used"

# Good, with another session name: applied.
sed 's/^  name: small$/  name: renamed/' good.yaml >small.yaml
tbc reload >good.out || fail "reload of a good config refused"
expect_contains good.out "config reloaded"
tbc start --wait >run2.out 2>run2.err || { cat run2.err; fail "session after a good reload"; }
grep -q "_renamed$" run2.out || fail "the reloaded config was not used: $(cat run2.out)"
pass "good config: applied, next session uses it"

# During a session: a change to the plan is refused naming the key; a log_level change waits.
tbc start >/dev/null
wait_status "j['session']['done'] >= 2"
sed -i 's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [-2, 0, 2]}/' small.yaml
grep -q "ev: \[-2, 0, 2\]" small.yaml || fail "config edit not applied"
set +e; tbc reload >mid.out 2>mid.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "plan change during a session: reload exited $rc"
expect_contains mid.err "brackets.ev"
expect_contains mid.err "(refused)"
sed -i 's/brackets: {ev: \[-2, 0, 2\]}/brackets: {ev: [-1, 0, 1]}/' small.yaml
echo "log_level: debug" >>small.yaml
tbc reload >mid2.out || fail "harmless reload during a session refused"
expect_contains mid2.out "applied when the running session ends"
tbc status --json >mid.json
[ "$(json_get mid.json "j['daemon']['pending_reload']")" = True ] || fail "pending reload not in status"
tbc stop >/dev/null
wait_status "j['session']['state']=='idle' and not j['daemon']['pending_reload']"
pass "during a session: plan change refused naming brackets.ev; harmless change applied after it"
stop_daemon
