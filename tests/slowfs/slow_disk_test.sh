#!/usr/bin/env bash
# A camera faster than the disk (issue 9, "Bad input"): the session's storage root is slowfs, a
# FUSE passthrough whose every write() sleeps. The camera must wait (back-pressure), the
# journal must say why the rate dropped ({"type":"backpressure"}), memory must stay bounded
# (peak RSS near a run on a fast disk, not growing with the frames held), and nothing is lost:
# every planned frame is in the bag and `tetherbox verify` passes.
source "$(dirname "$0")/../integration/lib.sh"
: "${SLOWFS:?SLOWFS must point at the slowfs binary}"
DELAY_MS=${TB_SLOWFS_DELAY_MS:-40}
cd "$WORK"
# A machine without /dev/fuse at all (a chroot such as fresh-machine) reports the test as
# skipped (ctest: "Skipped", never "Passed"), as the FUSE sysfs tests do; with /dev/fuse
# present, anything that stops the mount is a failure that says why.
if [ ! -c /dev/fuse ]; then
  echo "SKIP: no /dev/fuse on this machine: the slow-disk test needs FUSE (modprobe fuse; run as root)" >&2
  exit 77
fi

mount_tmpfs "$WORK/disk" 512m
mkdir -p "$WORK/disk/backing" "$WORK/slow" "$WORK/disk/fast"
"$SLOWFS" "$WORK/disk/backing" "$WORK/slow" --write-delay-ms "$DELAY_MS" -f >slowfs.log 2>&1 &
fuse_pid=$!
MOUNTS+=("$WORK/slow")
for _ in $(seq 1 200); do mountpoint -q "$WORK/slow" && break; sleep 0.05; done
mountpoint -q "$WORK/slow" || { cat slowfs.log; fail "slowfs did not mount on $WORK/slow (is /dev/fuse usable?)"; }
# The FUSE layer is really there and really slow.
t0=$(date +%s%N); echo probe >"$WORK/slow/probe"; t1=$(date +%s%N)
[ "$(cat "$WORK/disk/backing/probe")" = probe ] || fail "slowfs does not pass writes through"
[ $(((t1 - t0) / 1000000)) -ge "$DELAY_MS" ] || fail "a write through slowfs did not wait $DELAY_MS ms"
rm "$WORK/slow/probe"

config_variant "$HERE/configs/small.yaml" cam.yaml
run_peak() {  # run_peak OUT: runs the session into OUT, prints "peak_kB exit_code"
  python3 - "$1.log" "$TB" run cam.yaml --out "$1" <<'PY'
import os, subprocess, sys
p = subprocess.Popen(sys.argv[2:], stdout=open(sys.argv[1], "w"), stderr=subprocess.STDOUT)
_, status, usage = os.wait4(p.pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
PY
}
read -r fast_kb rc < <(run_peak "$WORK/disk/fast")
[ "$rc" = 0 ] || { cat "$WORK/disk/fast.log"; fail "the session on the fast disk exited $rc"; }
read -r slow_kb rc < <(run_peak "$WORK/slow")
[ "$rc" = 0 ] || { cat "$WORK/slow.log"; fail "the session on the slow disk exited $rc"; }
BAG=$(tail -n 1 "$WORK/slow.log")
[ -d "$BAG" ] || fail "no bag printed: $BAG"
echo "peak RSS: $fast_kb kB on tmpfs, $slow_kb kB on slowfs ($DELAY_MS ms per write)"

grep '"type":"backpressure"' "$BAG/data/journal.jsonl" >bp.txt ||
  fail "the camera outran a $DELAY_MS ms/write disk but the journal has no backpressure line"
echo "backpressure lines: $(wc -l <bp.txt): $(head -n 1 bp.txt)"
# The queue is bounded (4 frames and 256 MiB by default; these frames are ~0.4 MB): a slow
# disk may cost the queued frames, not the session. Generous: 64 MB over the fast run.
[ "$slow_kb" -le $((fast_kb + 65536)) ] ||
  fail "peak RSS on the slow disk $slow_kb kB vs $fast_kb kB on a fast one: frames piled up in memory"
python3 - "$BAG" <<'PY' || fail "frames missing from the slow-disk bag"
import json, sys
bag = sys.argv[1]
seqs = [json.loads(l)["seq"] for l in open(f"{bag}/data/journal.jsonl") if '"type":"frame"' in l]
assert sorted(seqs) == list(range(42)), sorted(seqs)
r = json.load(open(f"{bag}/data/report.json"))
assert r["frames"] == 42 and r["complete"], (r["frames"], r["complete"])
PY
"$TB" verify "$BAG" >verify.txt 2>&1 || { cat verify.txt; fail "the slow-disk bag does not verify"; }
umount "$WORK/slow" 2>/dev/null || umount -l "$WORK/slow"
wait "$fuse_pid" 2>/dev/null || true
pass "camera faster than a $DELAY_MS ms/write disk: back-pressure journaled, RSS bounded, 42/42 frames, verifies"
