#!/usr/bin/env bash
# tetherboxd under systemd logs to journald with the session's context as structured fields:
# lines logged while a session runs carry TB_SESSION (the session's name), lines from inside a
# camera call or after it TB_REQUEST_ID (the capture request), lines after a frame TB_FRAME;
# lines outside a session carry none. journald is played by a listener on
# /run/systemd/journal/socket in a private mount namespace (root), as service_journal_test does.
if [ -z "${TB_IN_MOUNT_NS:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (a private mount namespace)" >&2; exit 1; }
  command -v unshare >/dev/null || { echo "FAIL: unshare not found: install util-linux" >&2; exit 1; }
  TB_IN_MOUNT_NS=1 exec unshare -m --propagation private bash "$0"
fi
source "$(dirname "$0")/lib.sh"
cd "$WORK"
# The sim camera drops off the bus at its 10th capture call (logged from inside the call).
config_variant "$CONFIGS/small.yaml" journal.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {disconnect_at: [10]}}/'
grep -q "disconnect_at" journal.yaml || fail "config variant not applied"
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/journal
python3 "$HERE/../integration/service_journal_listen.py" /run/systemd/journal/socket entries.jsonl >listen.out &
DAEMON_PIDS+=($!)
for _ in $(seq 600); do grep -q READY listen.out 2>/dev/null && break; sleep 0.1; done
grep -q READY listen.out || fail "listener did not start"

exec 3>"$WORK/daemon-stderr.log"
JOURNAL_STREAM=$(stat -L -c '%d:%i' /proc/self/fd/3) "$TBD" --config journal.yaml --socket "$SOCK" \
  --storage "$WORK/out" 2>&3 >/dev/null &
DPID=$!
DAEMON_PIDS+=($DPID)
exec 3>&-
for _ in $(seq 1200); do tbc status >/dev/null 2>&1 && break; sleep 0.1; done
tbc start >/dev/null || fail "start refused"
wait_status 'j["session"]["state"] == "idle" and j["last_session"]' 600
[ "$(json_get status.json 'j["last_session"]["complete"]')" = True ] || fail "session incomplete"
stop_daemon
sleep 0.5  # the listener writes what the socket already holds

python3 - entries.jsonl <<'PY' || fail "journal fields"
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
def need(cond, what):
    if not cond:
        print(json.dumps(entries, indent=1)); sys.exit("missing: " + what)
need(entries, "any entry")
need(all(e.get("SYSLOG_IDENTIFIER") == "tetherboxd" for e in entries), "SYSLOG_IDENTIFIER=tetherboxd")
drop = [e for e in entries if "injected disconnect" in e.get("MESSAGE", "")]
need(drop, "the sim camera's disconnect line")
need(all(e.get("TB_SESSION") == "small" for e in drop), "TB_SESSION=small on the camera's line")
need(all(e.get("TB_REQUEST_ID", "").isdigit() for e in drop), "TB_REQUEST_ID on the camera's line")
need(all(e.get("TB_FRAME", "").startswith("small_") for e in drop),
     "TB_FRAME (the last frame made durable) on a line after the first frames")
bag = [e for e in entries if e.get("MESSAGE", "").startswith("bag created at ")]
need(bag and bag[0].get("TB_SESSION") == "small", "TB_SESSION on the runner's 'bag created' line")
ready = [e for e in entries if e.get("MESSAGE", "").startswith("tetherboxd ready")]
need(ready and "TB_SESSION" not in ready[0] and "TB_REQUEST_ID" not in ready[0],
     "no session fields on lines outside a session")
stopping = [e for e in entries if e.get("MESSAGE", "").startswith("stopping:")]
need(stopping and "TB_SESSION" not in stopping[0], "session fields cleared after the session")
print(f"{len(entries)} journal entries, {len(drop)} with the camera fault")
PY
! grep -q "injected disconnect" daemon-stderr.log || fail "a log line went to stderr as well as the journal"
pass "journald: TB_SESSION / TB_REQUEST_ID / TB_FRAME on session lines, none outside"
