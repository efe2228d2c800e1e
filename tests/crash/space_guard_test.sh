#!/usr/bin/env bash
# The free-space check before a frame (issue 8 item 16): on a small tmpfs the session must stop
# with exit 3 on the guard's own message, BEFORE a frame's first byte is written — so the
# sync recorder sees no frame temp file created and then thrown away, and the disk never
# reaches ENOSPC. Without the check, the frame that does not fit is half written and unlinked
# (or hits ENOSPC), and this test fails.
source "$(dirname "$0")/../integration/lib.sh"
: "${TB_SHIM:?TB_SHIM must point at libtb_syscall_shim.so}"
cd "$WORK"
mount_tmpfs "$WORK/disk" 48m
config_variant "$HERE/configs/small.yaml" big.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 1536, height: 1024, seed: 7}/' \
  's/reserve_mb: 1/reserve_mb: 4/' \
  's/previews: {max_size: 320}/previews: {enabled: false}/' \
  's/- {elevation_deg: 0, positions: 4}/- {elevation_deg: 0, positions: 24}/'
grep -q "enabled: false" big.yaml && grep -q "positions: 24" big.yaml || fail "config variant not applied"
set +e
TB_SHIM_ROOT="$WORK/disk" TB_SHIM_LOG="$WORK/calls.log" LD_PRELOAD="$TB_SHIM" \
  "$TB" run big.yaml --out "$WORK/disk" >stdout.txt 2>stderr.txt
rc=$?
set -e
[ "$rc" -eq 3 ] || { cat stderr.txt; fail "expected exit 3 (stopped by the space guard), got $rc"; }
expect_contains stderr.txt "reserve"
grep -q "No space left on device" stderr.txt && { cat stderr.txt; fail "the disk filled up (ENOSPC) instead of the guard stopping first"; }
[ "$(grep -c ' rename ' calls.log)" -gt 10 ] || fail "the recorder saw too few calls (shim not loaded?)"
wasted=$(awk '$2 == "unlink" && $3 ~ /\/data\/frames\/\./' calls.log)
[ -z "$wasted" ] || { echo "$wasted"; fail "frame temp files were written and thrown away: the check came too late"; }
BAG=$(tail -n 1 stdout.txt)
free_kb=$(df -k --output=avail "$WORK/disk" | tail -n 1 | tr -d ' ')
echo "free after the session: ${free_kb} KiB"
# The reserve is kept for closing the bag (report, exports, tag files): most of it remains.
[ "$free_kb" -ge $((3 * 1024)) ] || fail "only ${free_kb} KiB left of the 4 MB reserve"
"$TB" verify "$BAG" >verify.txt || { cat verify.txt; fail "bag does not verify"; }
frames=$(grep -c '"type":"frame"' "$BAG/data/journal.jsonl")
[ "$frames" -gt 0 ] || fail "no frame was stored"
pass "space guard stopped capture after $frames frames before writing the next one; ${free_kb} KiB free"
