#!/usr/bin/env bash
# A storage root that is read-only or full: the daemon stays up, `start` gets a `storage` error
# reply naming the cause, status shows it under disk.error, and nothing already written is lost
# (a session that filled the disk stopped cleanly; its bag still verifies, byte for byte the
# same after the refused start). Real file systems: tmpfs mounts in a private mount namespace
# (root, as CI is; root ignores permission bits, so a chmod would prove nothing).
if [ -z "${TB_IN_MOUNT_NS:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (tmpfs mounts in a private namespace)" >&2; exit 1; }
  TB_IN_MOUNT_NS=1 exec unshare -m --propagation private bash "$0"
fi
source "$(dirname "$0")/lib.sh"
cd "$WORK"
cp "$CONFIGS/small.yaml" "$CONFIGS/model-release.pdf" .
mkdir ro full
mount -t tmpfs -o size=4m,ro tmpfs ro
mount -t tmpfs -o size=3m tmpfs full
trap 'umount "$WORK/ro" "$WORK/full" 2>/dev/null; cleanup' EXIT

# 1. Read-only root.
start_daemon small.yaml --storage "$WORK/ro"
tbc status --json >status-ro.json
json_get status-ro.json 'j["disk"]["error"]' | grep -q "read-only" || { cat status-ro.json; fail "status does not show the read-only root"; }
rc=0
tbc start >start-ro.out 2>start-ro.err || rc=$?
[ "$rc" -ne 0 ] || fail "start on a read-only root succeeded"
expect_contains start-ro.err "is on a read-only file system"
expect_contains start-ro.err "(storage)"
tbc status >status-ro.txt || fail "the daemon stopped serving after the refusal"
[ "$(json_get <(tbc status --json) 'j["session"]["state"]')" = idle ] || fail "a session runs on a read-only root"
[ -z "$(ls -A ro)" ] || fail "something was written to the read-only root"
stop_daemon

# 2. A root that fills up mid-session: the runner stops cleanly before it corrupts anything.
start_daemon small.yaml --storage "$WORK/full"
tbc start >/dev/null || fail "start on an empty 3 MB root refused"
wait_status 'j["session"]["state"] == "idle" and j["last_session"]' 600
BAG=$(json_get status.json 'j["last_session"]["bag"]')
[ -d "$BAG" ] || fail "no bag"
"$TB" verify "$BAG" >/dev/null || fail "the bag of the session that filled the disk does not verify"
(cd "$BAG" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >before.sha
# Whatever room the session left is taken by another writer: the disk is now really full.
dd if=/dev/zero of=full/filler bs=64k 2>/dev/null || true
tbc status --json >status-full.json
json_get status-full.json 'j["disk"]["error"]' | grep -q "is full" || { cat status-full.json; fail "status does not show the full root"; }
rc=0
tbc start >start-full.out 2>start-full.err || rc=$?
[ "$rc" -ne 0 ] || fail "start on a full root succeeded"
expect_contains start-full.err "is full"
expect_contains start-full.err "storage.reserve_mb"
tbc status --json >status-after.json || fail "the daemon stopped serving"
[ "$(json_get status-after.json 'j["session"]["state"]')" = idle ] || fail "a session runs on a full root"
(cd "$BAG" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >after.sha
cmp before.sha after.sha || fail "the refused start changed the earlier bag"
"$TB" verify "$BAG" >/dev/null || fail "the earlier bag no longer verifies"
stop_daemon
pass "read-only and full storage roots: start refused with the cause, status shows it, the daemon serves on, the earlier bag intact"
