#!/usr/bin/env bash
# The socket is 0660 with the daemon's group; a peer that is not root, not the daemon's user
# and not in its group is refused, by the file mode and, when the mode is opened up, by the
# daemon's SO_PEERCRED check; a user whose group is the socket's is served.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to run a client as nobody"; exit 0; }
config_variant "$CONFIGS/small.yaml" small.yaml
start_daemon "$WORK/small.yaml" --storage "$WORK/out"
mode=$(stat -c %a "$SOCK"); group=$(stat -c %g "$SOCK")
[ "$mode" = 660 ] || fail "socket mode $mode, expected 660"
[ "$group" = "$(id -g)" ] || fail "socket group $group, expected the daemon's $(id -g)"
chmod 755 "$(dirname "$TB")" 2>/dev/null || true
NOBODY=$(id -u nobody); NOGROUP=$(id -g nobody)
as_nobody() { setpriv --reuid="$NOBODY" --regid="$NOGROUP" --clear-groups "$@"; }

set +e; as_nobody "$TB" --socket "$SOCK" status >n1.out 2>n1.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "nobody through a 0660 socket: exit $rc"
expect_contains n1.err "permission denied"
pass "nobody refused by the socket's mode"

# Opened up by mistake: the daemon's own check still refuses nobody.
chmod 666 "$SOCK"
set +e; as_nobody "$TB" --socket "$SOCK" --log-level off status >n2.out 2>n2.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "nobody through a 0666 socket: exit $rc"
expect_contains n2.err "not_allowed"
expect_contains n2.err "uid $NOBODY may not use"
grep -q "refused uid $NOBODY" "$WORK"/daemon0.log || fail "the refusal is not logged"
pass "nobody refused by SO_PEERCRED (not_allowed)"

# nobody with the socket's group as primary group is allowed.
setpriv --reuid="$NOBODY" --regid="$group" --clear-groups "$TB" --socket "$SOCK" status >n3.out 2>n3.err \
  || { cat n3.err; fail "a peer in the socket's group was refused"; }
expect_contains n3.out "camera"
tbc status >/dev/null || fail "daemon not serving after refusals"
stop_daemon
pass "a peer in the socket's group is served"
