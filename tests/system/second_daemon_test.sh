#!/usr/bin/env bash
# A second tetherboxd on the same socket refuses to start with a clear message and leaves the
# first one serving; a stale socket file left by a crashed daemon is replaced.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$CONFIGS/small.yaml" small.yaml
start_daemon "$WORK/small.yaml" --storage "$WORK/out"
first=$DPID
set +e; "$TBD" --config "$WORK/small.yaml" --socket "$SOCK" >second.out 2>second.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "second daemon exited $rc, expected 1"
expect_contains second.err "another tetherboxd (pid $first) is already serving $SOCK"
tbc status >/dev/null || fail "first daemon no longer serving"
pass "second daemon refused, naming the first one's pid"

kill -KILL "$first"; wait "$first" 2>/dev/null || true
[ -S "$SOCK" ] || fail "expected a stale socket after kill -9"
start_daemon "$WORK/small.yaml" --storage "$WORK/out"
tbc status >/dev/null || fail "daemon did not replace the stale socket"
stop_daemon
pass "stale socket from a killed daemon replaced"

# A path that is not a socket is never replaced.
echo keep >notasocket
set +e; "$TBD" --config "$WORK/small.yaml" --socket "$WORK/notasocket" >ns.out 2>ns.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "daemon on a regular file exited $rc"
expect_contains ns.err "is not a socket"
[ "$(cat notasocket)" = keep ] || fail "the regular file was replaced"
pass "a regular file at the socket path is refused, not replaced"
