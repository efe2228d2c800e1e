#!/usr/bin/env bash
# The real tetherbox binary records each frame's clock sync state in the journal and sidecar.
#   sim:      the sim board's virtual clock says "simulated", bound 0, the sim window (5 ms) alone.
#   vcamera:  a gphoto2 session on libgphoto2's virtual camera with the host clock, a `chronyc`
#             first on PATH answering with an answer captured from a real chronyd locked to a
#             real gpsd (board/chrony/chrony.conf's GPS line): every frame says chrony, its bound,
#             and trigger_uncertainty_s = the camera's window + that bound; then the same with a
#             chronyc saying "Not synchronised": the record says unsynchronised and 16 s.
source "$(dirname "$0")/../../integration/lib.sh"
MODE=${1:?sim or vcamera}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$WORK"

check() {  # check JOURNAL KIND: independent reading of the journal (python json)
  python3 - "$1" "$2" <<'PY'
import json, sys
journal, kind = sys.argv[1], sys.argv[2]
frames = [j for j in map(json.loads, open(journal)) if j.get("type") == "frame"]
assert frames, "no frame in the journal"
GPS = 0.100757346 + 10.170547485 + 0.200000003 / 2  # |offset| + root disp + root delay/2
for f in frames:
    ts, tu = f["time_sync"], f["trigger_uncertainty_s"]
    if kind == "sim":
        assert ts["source"] == "simulated" and ts["synchronised"] is True, ts
        assert ts["uncertainty_ms"] == 0 and abs(tu - 0.005) < 1e-12, (ts, tu)
        continue
    # The first frame may come before chronyc's first answer: then the kernel's view, said so.
    if ts["source"] == "adjtimex":
        assert f is frames[0], f"frame {f['seq']} without chrony's answer: {ts}"
        continue
    assert ts["source"] == "chrony", ts
    window = tu - ts["uncertainty_ms"] / 1000
    assert 0 < window < 5, f"window half-width {window} s (trigger {tu}, clock {ts})"
    if kind == "synced":
        assert ts["synchronised"] is True, ts
        # the bound grows by the skew (1e6 ppm in this answer) over the answer's age (< 48 s)
        assert GPS <= ts["uncertainty_ms"] / 1000 <= GPS + 48, ts
        assert "chrony ref GPS stratum 1" in ts["detail"], ts
    else:
        assert ts["synchronised"] is False and ts["uncertainty_ms"] == 16000, ts
        assert "Not synchronised" in ts["detail"], ts
assert frames[-1]["time_sync"]["source"] == ("simulated" if kind == "sim" else "chrony")
print(f"{len(frames)} frames: {frames[-1]['time_sync']}")
PY
}

if [ "$MODE" = sim ]; then
  config_variant "$ROOT/tests/integration/configs/small.yaml" small.yaml
  "$TB" run small.yaml --out "$WORK/out" >stdout.txt 2>stderr.txt || { cat stderr.txt; fail "sim run"; }
  BAG=$(tail -n 1 stdout.txt)
  check "$BAG/data/journal.jsonl" sim || fail "sim journal"
  pass "sim frames record the simulated clock"
  exit 0
fi

: "${TB_VCAMERA_PREFIX:?TB_VCAMERA_PREFIX: the vcamera fixture prefix}"
config_variant "$ROOT/config/examples/usb-camera.yaml" usb.yaml \
  's/- elevation_deg: 0   /- {elevation_deg: 0, positions: 3} #/' \
  's/- elevation_deg: 30  /- {elevation_deg: 30, positions: 2} #/' \
  's/speed_deg_s: 60 /speed_deg_s: 3600 /' 's/settle_ms: 200 /settle_ms: 0 /'
grep -q "positions: 3" usb.yaml || fail "config variant not applied"
mkdir -p bin
for kind in synced unsynced; do
  if [ "$kind" = synced ]; then
    line='47505300,GPS,1,1796522707.999739177,-0.100757346,0.100757346,0.100757346,0.000,-24.994,1000000.000,0.200000003,10.170547485,0.0,Normal'
  else
    line='00000000,,0,0.000000000,0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,1.000000000,1.000000000,0.0,Not synchronised'
  fi
  printf '#!/bin/sh\necho %s\n' "'$line'" >bin/chronyc
  chmod +x bin/chronyc
  PATH="$WORK/bin:$PATH" "$ROOT/tests/vcamera/with-vcamera.sh" --prefix "$TB_VCAMERA_PREFIX" -- \
    "$TB" run "$WORK/usb.yaml" --out "$WORK/out-$kind" >"stdout-$kind.txt" 2>"stderr-$kind.txt" ||
    { cat "stderr-$kind.txt"; fail "$kind: run against the virtual camera exited non-zero"; }
  BAG=$(tail -n 1 "stdout-$kind.txt")
  check "$BAG/data/journal.jsonl" "$kind" || fail "$kind journal"
  # The sidecar carries the same sum (exiftool reads the XMP independently).
  last=$(ls "$BAG"/data/frames/*.xmp | sort | tail -n 1)
  xmp=$(exiftool -s3 -XMP-tetherbox:TriggerUncertaintyS "$last")
  python3 -c "import sys; v=float(sys.argv[1]); assert v > 10 if sys.argv[2]=='synced' else v > 16, v" \
    "$xmp" "$kind" || fail "$kind: sidecar TriggerUncertaintyS $xmp"
done
pass "gphoto2 frames record chrony's bound (synchronised and not) on top of the camera window"
