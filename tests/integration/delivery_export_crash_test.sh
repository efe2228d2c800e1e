#!/usr/bin/env bash
# `tetherbox export --strip-gps` killed (SIGKILL, by the LD_PRELOAD syscall shim of tests/crash)
# just before its Nth write, fsync or rename: the target never exists half made (it is absent,
# or a complete export that verifies), and the next export to the same target removes the
# killed run's hidden staging folder and delivers a complete, verifiable export with the same
# manifest as an export never interrupted. The source bag is byte-for-byte untouched.
# Issue 13 item 2 (export speed: the payload is no longer fsync'd file by file, so the commit
# point is the final rename).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
SHIM=${TB_SHIM:-$(dirname "$TB")/../tests/crash/libtb_syscall_shim.so}
[ -f "$SHIM" ] || fail "the syscall shim is not built: $SHIM (cmake --build ... --target tb_syscall_shim)"
config_variant "$HERE/configs/small.yaml" s.yaml \
  '/elevation_deg: 40, positions: 3/d' \
  '/- {name: warm, on: \[warm\]/d' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
BAG=$(run_bag s.yaml "$WORK/out")
snapshot() { (cd "$BAG" && find . -type f ! -name .tetherbox.lock -exec sha256sum {} + | sort -k2); }
snapshot >before.sha

# An export never interrupted: the reference, and the count of each call it makes.
mkdir exp
env TB_SHIM_ROOT="$WORK/exp" TB_SHIM_LOG="$WORK/ref.log" LD_PRELOAD="$SHIM" \
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
  "$TB" export "$BAG" --to "$WORK/exp/ref" --strip-gps >ref.out 2>ref.err || { cat ref.err; fail "reference export"; }
"$TB" verify "$WORK/exp/ref" >/dev/null || fail "the reference export does not verify"
count() { awk -v k="$1" '$2 == k || (k == "fsync" && $2 == "fdatasync") || (k == "rename" && $2 == "link") {n++} END {print n + 0}' ref.log; }
WRITES=$(count write) FSYNCS=$(count fsync) RENAMES=$(count rename)
((WRITES > 20 && FSYNCS > 2 && RENAMES > 2)) ||
  { head -n 50 ref.log; fail "the shim saw too few calls (writes $WRITES, fsyncs $FSYNCS, renames $RENAMES)"; }

# The target after a kill: absent, or (killed after the rename that commits it) complete.
check_after_kill() {  # check_after_kill WHAT
  if [ -e "$WORK/exp/deliv" ]; then
    "$TB" verify "$WORK/exp/deliv" >v.out 2>&1 || { cat v.out; fail "$1: a killed export left an incomplete $WORK/exp/deliv"; }
    cmp -s "$WORK/exp/deliv/manifest-sha256.txt" "$WORK/exp/ref/manifest-sha256.txt" ||
      fail "$1: the export left by the kill differs from the reference"
    rm -rf "$WORK/exp/deliv"
  fi
}
kills=0
for point in "write 1" "write $((WRITES / 3))" "write $((WRITES * 2 / 3))" "write $WRITES" \
  "fsync 1" "fsync $((FSYNCS / 2))" "fsync $FSYNCS" \
  "rename 1" "rename $((RENAMES - 1))" "rename $RENAMES"; do
  set -- $point
  set +e
  env TB_SHIM_ROOT="$WORK/exp" TB_SHIM_KILL_KIND="$1" TB_SHIM_KILL_AT="$2" LD_PRELOAD="$SHIM" \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    "$TB" export "$BAG" --to "$WORK/exp/deliv" --strip-gps >kill.out 2>kill.err
  rc=$?
  set -e
  [ "$rc" -eq 137 ] || { cat kill.err; fail "$point: the export was not killed (exit $rc)"; }
  kills=$((kills + 1))
  check_after_kill "$point"
  # Killed before its commit, the export's work is there, hidden, and nothing names it done.
  if [ "$point" = "rename $RENAMES" ]; then
    ls -d "$WORK"/exp/.deliv.export-*/deliv/data/frames >/dev/null 2>&1 ||
      fail "killed before its last rename, the export has no staging folder (is the rename the commit point?)"
  fi
  # The next export to the same target cleans up and completes.
  "$TB" export "$BAG" --to "$WORK/exp/deliv" --strip-gps >again.out 2>again.err ||
    { cat again.err; fail "$point: the export run again after the kill failed"; }
  "$TB" verify "$WORK/exp/deliv" >v.out 2>&1 || { cat v.out; fail "$point: the export run again does not verify"; }
  (cd "$WORK/exp/deliv" && sha256sum -c --quiet manifest-sha256.txt) || fail "$point: sha256sum disagrees"
  cmp -s "$WORK/exp/deliv/manifest-sha256.txt" "$WORK/exp/ref/manifest-sha256.txt" ||
    { diff "$WORK/exp/ref/manifest-sha256.txt" "$WORK/exp/deliv/manifest-sha256.txt"; fail "$point: the export run again differs from the reference"; }
  left=$(find "$WORK/exp" -maxdepth 1 -name '.deliv.export-*' | wc -l)
  [ "$left" -eq 0 ] || { ls -la "$WORK/exp"; fail "$point: the killed run's staging folder was left behind"; }
  rm -rf "$WORK/exp/deliv"
done
pass "export killed at $kills points: never a half export under its name; run again, complete and verified"

# An export running now is not mistaken for a leftover: its staging folder is locked.
mkdir -p "$WORK/exp/.deliv.export-999999999"
python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(600)' \
  "$WORK/exp/.deliv.export-999999999" "$WORK/held" & HOLDER=$!
trap 'kill "$HOLDER" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 600); do [ -e "$WORK/held" ] && break; sleep 0.1; done
[ -e "$WORK/held" ] || fail "the lock holder did not start"
"$TB" export "$BAG" --to "$WORK/exp/deliv" --strip-gps >held.out 2>held.err || { cat held.err; fail "export beside a locked staging folder"; }
[ -d "$WORK/exp/.deliv.export-999999999" ] || fail "a staging folder still locked (an export running) was removed"
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null || true
pass "a locked staging folder (an export still running) is left alone"

snapshot >after.sha
diff before.sha after.sha || fail "the killed exports changed the source bag"
