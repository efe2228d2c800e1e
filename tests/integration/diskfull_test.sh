#!/usr/bin/env bash
# A 64 MB tmpfs fills up: capture stops cleanly with a clear error, and the bag verifies.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mount_tmpfs "$WORK/disk" 64m
config_variant "$HERE/configs/small.yaml" big.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 1536, height: 1024, seed: 7}/' \
  's/reserve_mb: 1/reserve_mb: 4/' \
  's/- {elevation_deg: 0, positions: 4}/- {elevation_deg: 0, positions: 24}/'
grep -q "positions: 24" big.yaml || fail "config variant not applied"
set +e
"$TB" run big.yaml --out "$WORK/disk" >stdout.txt 2>stderr.txt
rc=$?
set -e
[ "$rc" -eq 3 ] || { cat stderr.txt; fail "expected exit 3 (stopped early), got $rc"; }
grep -qiE "no space|free" stderr.txt || { cat stderr.txt; fail "no clear disk-full message"; }
BAG=$(tail -n 1 stdout.txt)
"$TB" verify "$BAG" >verify.txt || { cat verify.txt; fail "bag on the full disk does not verify"; }
frames=$(grep -c '"type":"frame"' "$BAG/data/journal.jsonl")
[ "$frames" -gt 0 ] || fail "no frame was stored before the disk filled"
ls "$BAG"/data/frames | grep -q '\.tmp' && fail "temp files left behind"
python3 "$HERE/check_bag.py" "$BAG" --no-brackets --no-lights || fail "independent checks on the partial bag"
grep -qiE "space|free" "$BAG/data/report.json" || { cat "$BAG/data/report.json"; fail "report does not say why it stopped"; }
pass "disk full after $frames frames: exit 3, clear message, bag verifies"
