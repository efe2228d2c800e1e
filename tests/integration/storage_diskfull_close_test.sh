#!/usr/bin/env bash
# Issue 8 item 8 (storage side): another process fills the disk — during a run, and before a
# resume. The run stops non-zero; nothing is half written: no temp file, every file the
# manifest lists has its hash (the journal excepted: it grows until close lists it); the bag
# is resumable once space is back, and then verifies complete.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mount_tmpfs "$WORK/disk" 48m
config_variant "$HERE/configs/small.yaml" slow.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {slow_download_ms: 60}}/'
grep -q slow_download_ms slow.yaml || fail "config variant not applied"

consistent() {  # BAG LABEL: no temp, no half file, manifest lines (but the journal's) hold
  local b=$1
  local temps
  temps=$(find "$b" -name '.*.tmp-*')
  [ -z "$temps" ] || fail "$2: temp files left: $temps"
  (cd "$b" && grep -v '  data/journal.jsonl$' manifest-sha256.txt | sha256sum --strict -c --quiet -) \
    || fail "$2: a file the manifest lists does not match it"
}
fill_disk() { dd if=/dev/zero of="$WORK/disk/filler" bs=1M 2>/dev/null || true; sync; }

"$TB" run slow.yaml --out "$WORK/disk" >run.out 2>run.err &
pid=$!
journal=$("$HERE/wait-frames.sh" "$WORK/disk" 5 60 || true)
[ -n "$journal" ] || { kill -9 "$pid"; fail "no journal appeared"; }
BAG=$(dirname "$(dirname "$journal")")
fill_disk
echo "disk filled from outside: $(df -k --output=avail "$WORK/disk" | tail -n 1) KiB free"
set +e; wait "$pid"; rc=$?; set -e
echo "run exit: $rc"
[ "$rc" -ne 0 ] || fail "a run on a disk filled under it exited 0"
grep -qiE "space|free" run.err || { cat run.err; fail "no message about the full disk"; }
consistent "$BAG" "after the run"

# Still full: a resume is refused or stops, and damages nothing.
manifest_before=$(sha256sum <"$BAG/manifest-sha256.txt")
set +e; "$TB" run slow.yaml --resume "$BAG" >res1.out 2>res1.err; rc=$?; set -e
echo "resume on the full disk: exit $rc"
[ "$rc" -ne 0 ] || fail "resume on a full disk exited 0"
consistent "$BAG" "after a resume on the full disk"
frames_listed() { grep -c '  data/frames/' "$BAG/manifest-sha256.txt" || true; }
[ "$(frames_listed)" -gt 0 ] || fail "frames lost from the manifest"

rm -f "$WORK/disk/filler"
"$TB" run slow.yaml --resume "$BAG" >res2.out 2>res2.err || { cat res2.err; fail "resume after freeing space failed"; }
"$TB" verify "$BAG" >verify.txt || { cat verify.txt; fail "bag does not verify after the resume"; }
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 42 || fail "independent checks after resume"
pass "disk filled by another process: run stopped (nothing half written), resumed to a complete bag"
