#!/usr/bin/env bash
# `tetherbox rename` killed (SIGKILL, by the LD_PRELOAD shim) just before its Nth rename(2) or
# fsync/fdatasync, then `tetherbox rename --undo LOG`: every file must be back under its old
# name with its bytes (sha256), no temporary name left. Some undos are killed in turn and run
# again. The folder is a swap (new names are other files' old names), so both phases of the
# temporary-name path are cut too. Issue 13 item 5.
source "$(dirname "$0")/../integration/lib.sh"
: "${TB_SHIM:?TB_SHIM must point at libtb_syscall_shim.so}"
command -v exiftool >/dev/null && command -v cjpeg >/dev/null || fail "exiftool and cjpeg are needed"
cd "$WORK"

mkjpg() {
  python3 -c "
import sys; v = int(sys.argv[1])
sys.stdout.buffer.write(b'P6 8 8 255\n' + bytes([v % 256, (v * 7) % 256, (v * 13) % 256]) * 64)" "$2" |
    cjpeg >"$1"
}
snapshot() {  # every file (hidden ones too) but the logs: "sha256 hex(name)"
  python3 - "$1" <<'PY'
import hashlib, os, sys
d = os.fsencode(sys.argv[1])
for n in sorted(os.listdir(d)):
    if not n.startswith(b"tetherbox-rename-"):
        print(hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest(), n.hex())
PY
}
# Six shots s_000..s_005 dated in reverse, each with a sidecar: {seq} order reverses them,
# so s_000 <-> s_005 and so on: every new name is another file's old name.
mkdir seed
for i in 0 1 2 3 4 5; do
  mkjpg "seed/s_00$i.jpg" "$i"
  exiftool -q -overwrite_original -DateTimeOriginal="2021:01:01 00:00:0$((9 - i))" "seed/s_00$i.jpg"
  printf '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>\n<!-- %s -->\n' "$i" >"seed/s_00$i.xmp"
done
snapshot seed >before.txt
fresh() { rm -rf d; cp -a seed d; D=$(realpath d); }
shim() {  # shim KIND N ARGS... ("-" for no kill); the log of calls goes to calls.log
  local kind=$1 n=$2; shift 2
  rm -f calls.log
  env TB_SHIM_ROOT="$D" TB_SHIM_LOG="$WORK/calls.log" LD_PRELOAD="$TB_SHIM" \
    $([ "$kind" != - ] && echo "TB_SHIM_KILL_KIND=$kind TB_SHIM_KILL_AT=$n") "$TB" "$@"
}
the_log() { ls "$D"/tetherbox-rename-*.jsonl 2>/dev/null | head -n 1; }

fresh
shim - - rename "$D" --template 's_{seq:03}' >/dev/null 2>run.err || { cat run.err; fail "undisturbed rename"; }
RENAMES=$(awk '$2=="rename"' calls.log | wc -l)
SYNCS=$(awk '$2=="fsync" || $2=="fdatasync"' calls.log | wc -l)
[ "$RENAMES" -eq 24 ] || fail "12 files through temporary names are 24 renames, saw $RENAMES"
[ "$(exiftool -s3 -DateTimeOriginal "$D/s_000.jpg")" = "2021:01:01 00:00:04" ] || fail "not reversed"
echo "an undisturbed rename: $RENAMES renames, $SYNCS syncs"

checked=0
for point in $(seq 1 "$RENAMES" | sed 's/^/rename:/') $(seq 1 3 "$SYNCS" | sed 's/^/fsync:/'); do
  kind=${point%%:*} n=${point#*:}
  fresh
  set +e; shim "$kind" "$n" rename "$D" --template 's_{seq:03}' >/dev/null 2>&1; rc=$?; set -e
  [ "$rc" -ne 0 ] || continue   # the run ended before that call
  LOG=$(the_log)
  if [ -z "$LOG" ]; then         # killed before the log existed: nothing may have moved
    snapshot "$D" >now.txt; diff before.txt now.txt >/dev/null || fail "$point: files moved with no log"
    continue
  fi
  # A new rename is refused until the cut one is undone (files may sit under hidden names).
  if grep -q '"type":"intent"' "$LOG"; then
    set +e; "$TB" rename "$D" --template 's_{seq:03}' >again.out 2>&1; rc=$?; set -e
    [ "$rc" -eq 1 ] && grep -q "cut short" again.out || { cat again.out; fail "$point: a rename over a cut one was not refused"; }
  fi
  # Every third case, the undo is killed too (at its 2nd rename) and run again.
  if [ $((checked % 3)) -eq 2 ]; then
    set +e; shim rename 2 rename --undo "$LOG" >/dev/null 2>&1; set -e
  fi
  "$TB" rename --undo "$LOG" >undo.out 2>undo.err || { cat undo.err; fail "$point: undo failed"; }
  snapshot "$D" >now.txt
  diff before.txt now.txt || fail "$point: undo did not restore every name and byte"
  checked=$((checked + 1))
done
[ "$checked" -ge 20 ] || fail "only $checked kill points reached the rename"
pass "rename killed at $checked points (renames and syncs), undone: every name and byte restored"
