#!/usr/bin/env bash
# The sync recorder (issue 8): a kill -9 test cannot see a missing fsync (the page cache
# survives it; a power cut does not), so the calls themselves are recorded by the LD_PRELOAD
# shim and their order checked for every frame (check_sync_order.py). Fails if the journal's
# fdatasync or the bag commit's directory fsync is removed.
source "$(dirname "$0")/../integration/lib.sh"
: "${TB_SHIM:?TB_SHIM must point at libtb_syscall_shim.so}"
CRASH=$(cd "$(dirname "$0")" && pwd)
cd "$WORK"
cp "$HERE/configs/model-release.pdf" .
mkdir -p out
OUT=$(realpath out)
TB_SHIM_ROOT="$OUT" TB_SHIM_LOG="$WORK/calls.log" LD_PRELOAD="$TB_SHIM" \
  "$TB" run "$HERE/configs/small.yaml" --out "$OUT" >stdout.txt 2>stderr.txt || { cat stderr.txt; fail "run under the recorder failed"; }
BAG=$(tail -n 1 stdout.txt)
"$TB" verify "$BAG" >/dev/null || fail "bag does not verify"
[ "$(grep -c ' rename ' calls.log)" -gt 42 ] || fail "the recorder saw too few calls (shim not loaded?)"
python3 "$CRASH/check_sync_order.py" calls.log 42 || fail "durability order violated (see ORDER lines)"
pass "every frame: temps fsync'd -> renamed -> dir fsync'd -> manifest -> journal fdatasync -> next frame"
