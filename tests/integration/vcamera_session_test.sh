#!/usr/bin/env bash
# tetherbox run against libgphoto2's virtual PTP camera (real ptp2 driver): a turntable session
# in which the camera is unplugged until the runner notices, then comes back. Reconnect,
# continue, and the bag holds every position once, each bound to its own capture (DSC_0001..
# with no gap or repeat).
source "$(dirname "$0")/lib.sh"
: "${TB_VCAMERA_PREFIX:?TB_VCAMERA_PREFIX: the vcamera fixture prefix}"
cd "$WORK"
config_variant "$HERE/../../config/examples/usb-camera.yaml" usb.yaml \
  's/- elevation_deg: 0   /- {elevation_deg: 0, positions: 6} #/' \
  's/- elevation_deg: 30  /- {elevation_deg: 30, positions: 4} #/' \
  's/speed_deg_s: 60 /speed_deg_s: 3600 /' 's/settle_ms: 200 /settle_ms: 0 /'
grep -q "positions: 6" usb.yaml || fail "config variant not applied"
cat >inner.sh <<'INNER'
set -u
"$TB" run "$WORK/usb.yaml" --out "$WORK/out" >"$WORK/stdout.txt" 2>"$WORK/stderr.txt" &
pid=$!
j=$("$TB_IT_DIR/wait-frames.sh" "$WORK/out" 3 600) || { kill "$pid"; exit 1; }  # hang guard
faults() { grep -c '"type":"fault"' "$j" || true; }
before=$(faults)
touch "$VCAM_SCRATCH/unplug"
# The camera stays off the bus until the runner has seen it (a fault journaled: the capture or
# a reconnect attempt failed), however slow the machine; a timed unplug could fall between two
# port calls and go unnoticed. 600 s is only a hang guard.
for _ in $(seq 12000); do [ "$(faults)" -gt "$before" ] && break; sleep 0.05; done
rm -f "$VCAM_SCRATCH/unplug"
wait "$pid"
INNER
export WORK TB_IT_DIR=$HERE  # with-vcamera.sh sets a HERE of its own
"$HERE/../vcamera/with-vcamera.sh" --prefix "$TB_VCAMERA_PREFIX" -- bash "$WORK/inner.sh" ||
  { cat stderr.txt; fail "run against the virtual camera exited non-zero"; }
BAG=$(tail -n 1 stdout.txt)
"$TB" verify "$BAG" >/dev/null || fail "bag does not verify"
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 10 --no-brackets --no-lights || fail "independent checks"
grep -q 'camera reconnected' "$BAG/data/journal.jsonl" || { cat stderr.txt; fail "no reconnect recorded: the unplug was not seen"; }
python3 - "$BAG" <<'PY' || fail "capture binding"
import json, sys
names = [f["camera_name"] for line in open(sys.argv[1] + "/data/journal.jsonl")
         for j in [json.loads(line)] if j.get("type") == "frame"
         for f in j["files"] if f["role"] == "original"]
want = [f"DSC_{i:04d}.JPG" for i in range(1, len(names) + 1)]
assert sorted(names) == want, f"camera files {sorted(names)} != {want}"
PY
# Bad input against the real driver: no camera, a value the body refuses. Clear error, no bag.
config_variant usb.yaml refused.yaml 's/aperture: 8  /aperture: 1.4/'
set +e
"$HERE/../vcamera/with-vcamera.sh" --prefix "$TB_VCAMERA_PREFIX" -- bash -c \
  'touch "$VCAMERA_UNPLUG_FILE"; "$TB" run "$0" --out "$1"' "$WORK/usb.yaml" "$WORK/nocam" >/dev/null 2>nocam.txt
rc_nocam=$?
"$HERE/../vcamera/with-vcamera.sh" --prefix "$TB_VCAMERA_PREFIX" -- \
  "$TB" run "$WORK/refused.yaml" --out "$WORK/refused" >/dev/null 2>refused.txt
rc_refused=$?
set -e
[ "$rc_nocam" -eq 1 ] || fail "no camera: exit $rc_nocam"
expect_contains nocam.txt "no camera found"
[ "$rc_refused" -eq 1 ] || fail "refused aperture: exit $rc_refused"
expect_contains refused.txt "Nikon DSC D750: aperture f/1.4 is not available on widget 'f-number'"
[ ! -e "$WORK/nocam" ] && [ ! -e "$WORK/refused" ] || fail "a session that never started left a bag"
pass "10 frames from the virtual camera, unplugged mid-run, reconnected, none lost or doubled"
