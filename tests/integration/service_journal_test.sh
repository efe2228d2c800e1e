#!/usr/bin/env bash
# Under systemd (stderr is the journal stream) every log line reaches journald as a structured
# entry with the right PRIORITY, MESSAGE and SYSLOG_IDENTIFIER, and none goes to stderr; a
# JOURNAL_STREAM that does not name stderr (a service that redirected it) keeps plain lines.
# journald is played by a listener on /run/systemd/journal/socket inside a private mount
# namespace (root, as CI is), so the real socket of the machine is never touched.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
[ "$(id -u)" -eq 0 ] || fail "needs root (a private mount namespace for a stand-in journal socket)"
command -v unshare >/dev/null || fail "unshare not found: install util-linux"
cp "$HERE/configs/small.yaml" "$HERE/configs/model-release.pdf" .

cat >inner.sh <<'SH'
set -eu
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/journal
python3 "$HERE/service_journal_listen.py" /run/systemd/journal/socket entries.jsonl >listen.out &
lp=$!
for _ in $(seq 600); do grep -q READY listen.out 2>/dev/null && break; sleep 0.1; done
grep -q READY listen.out || { echo "listener did not start"; exit 1; }
# 1. stderr is the journal stream: JOURNAL_STREAM names stderr's device:inode.
exec 3>stderr-journal.txt
JOURNAL_STREAM=$(stat -L -c '%d:%i' /proc/self/fd/3) "$TB" run small.yaml --out out1 2>&3 >stdout1.txt
# 2. JOURNAL_STREAM set but stderr elsewhere: plain lines on stderr, nothing sent.
JOURNAL_STREAM=1:2 "$TB" plan small.yaml 2>stderr-plain.txt >/dev/null
sleep 0.5
kill $lp
SH
HERE=$HERE TB=$TB unshare -m --propagation private bash inner.sh || fail "run under the stand-in journal"

python3 - <<'PY' || fail "journal entries"
import json, sys
entries = [json.loads(l) for l in open("entries.jsonl")]
def need(cond, what):
    if not cond:
        print(json.dumps(entries, indent=1)); sys.exit("missing: " + what)
need(entries, "any entry")
need(all(e.get("SYSLOG_IDENTIFIER") == "tetherbox" for e in entries), "SYSLOG_IDENTIFIER=tetherbox on every entry")
need(any(e.get("PRIORITY") == "4" and "positions give" in e.get("MESSAGE", "") for e in entries),
     "the overlap warning at PRIORITY=4")
need(any(e.get("PRIORITY") == "6" and e.get("MESSAGE", "").startswith("bag created at ") for e in entries),
     "'bag created' at PRIORITY=6")
print(f"{len(entries)} journal entries")
PY
! grep -q "positions give" stderr-journal.txt || { cat stderr-journal.txt; fail "a log line went to stderr as well as the journal"; }
expect_contains stderr-plain.txt "<warning> orbit ring 0"
n_plain=$(grep -c "positions give" entries.jsonl || true)
[ "$n_plain" -eq 2 ] || fail "expected the 2 overlap warnings of the run only, the journal got $n_plain"
pass "journald: structured entries (PRIORITY, MESSAGE, SYSLOG_IDENTIFIER), nothing on stderr; a foreign JOURNAL_STREAM keeps stderr"
