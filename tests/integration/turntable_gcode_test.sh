#!/usr/bin/env bash
# A sim-camera orbit on a G-code turntable: the real driver talks to a controller played on a
# pseudo-terminal by a python emulator. Every azimuth in the journal was commanded over the
# wire and acknowledged; a controller that goes silent mid-session stops the run (exit 3) with
# the port named, and the bag resumes to completion once the controller answers again.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

cat >emulator.py <<'PY'
# emulator.py MODE LINK LOG: a GRBL-like controller on a fresh pty, reachable through LINK.
# MODE ok: `ok` to every line; silent-after:N: no reply at all from the (N+1)-th G1 on.
import os, select, sys, tty
mode, link, log_path = sys.argv[1:4]
silent_after = int(mode.split(":")[1]) if mode.startswith("silent-after:") else None
master, slave = os.openpty()  # the slave stays open here, so the driver may close and reopen
tty.setraw(master)
if os.path.lexists(link):
    os.unlink(link)
os.symlink(os.ttyname(slave), link)
print(os.ttyname(slave), flush=True)
moves, silent, buf = 0, False, b""
with open(log_path, "a") as log:
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if not ready:
            continue
        buf += os.read(master, 1024)
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.decode("ascii", "replace").strip()
            log.write(text + "\n")
            log.flush()
            if text.startswith("G1 "):
                moves += 1
                if silent_after is not None and moves > silent_after:
                    silent = True
            if not silent:
                os.write(master, b"ok\r\n")
PY

EMU_PIDS=()
stop_emulators() { for p in "${EMU_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap 'stop_emulators; cleanup' EXIT
start_emulator() {  # start_emulator MODE LOG: waits until the pty link exists
  python3 emulator.py "$1" "$WORK/ttyTB" "$2" >"$2.path" &
  EMU_PIDS+=($!)
  for _ in $(seq 1 200); do [ -s "$2.path" ] && [ -L "$WORK/ttyTB" ] && return 0; sleep 0.05; done
  fail "emulator did not start"
}

config_variant "$HERE/configs/small.yaml" gcode.yaml \
  '/elevation_deg: 40/d' \
  's/- {elevation_deg: 0, positions: 4}/- {elevation_deg: 0, positions: 6}/' \
  "s|turntable: {backend: sim, speed_deg_s: 3600, settle_ms: 0}|turntable: {backend: gcode, settle_ms: 0, gcode: {port: $WORK/ttyTB, units_per_rev: 360, feed: 36000}}|"
grep -q "backend: gcode" gcode.yaml || fail "config variant not applied"

# plan shows the backend and accepts the config without touching the port.
"$TB" plan gcode.yaml >plan.txt 2>&1 || { cat plan.txt; fail "plan refused the gcode config"; }
expect_contains plan.txt "gcode"

# Bad input: no port is a config error at its file:line:col; a port that is not a tty or does
# not exist stops `run` before any bag is made (exit 2), naming the device.
config_variant gcode.yaml noport.yaml "s|port: $WORK/ttyTB, ||"
set +e
"$TB" plan noport.yaml >noport.txt 2>&1; rc_noport=$?
config_variant gcode.yaml devnull.yaml "s|port: $WORK/ttyTB|port: /dev/null|"
"$TB" run devnull.yaml --out "$WORK/out-bad" >devnull.txt 2>&1; rc_devnull=$?
config_variant gcode.yaml missing.yaml "s|port: $WORK/ttyTB|port: $WORK/ttyNONE|"
"$TB" run missing.yaml --out "$WORK/out-bad" >missing.txt 2>&1; rc_missing=$?
set -e
[ "$rc_noport" -eq 2 ] || { cat noport.txt; fail "no port: expected exit 2, got $rc_noport"; }
expect_contains noport.txt "noport.yaml:16:"
expect_contains noport.txt "turntable.gcode.port: is empty"
[ "$rc_devnull" -eq 2 ] || { cat devnull.txt; fail "/dev/null: expected exit 2, got $rc_devnull"; }
expect_contains devnull.txt "/dev/null is not a serial port (not a tty)"
[ "$rc_missing" -eq 2 ] || { cat missing.txt; fail "missing port: expected exit 2, got $rc_missing"; }
expect_contains missing.txt "serial port $WORK/ttyNONE does not exist"
[ ! -e "$WORK/out-bad" ] || [ -z "$(ls -A "$WORK/out-bad")" ] || fail "a bag was made for a bad port"

# 1. A whole session against a controller that answers.
start_emulator ok ok.log
"$TB" run gcode.yaml --out "$WORK/out" >stdout.txt 2>stderr.txt || { cat stderr.txt; fail "run failed"; }
BAG=$(tail -n 1 stdout.txt)
"$TB" verify "$BAG" >/dev/null || fail "bag does not verify"
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 36 || fail "independent checks"
python3 - "$BAG" ok.log <<'PY' || fail "journal and controller disagree"
import json, sys
frames = [json.loads(l) for l in open(sys.argv[1] + "/data/journal.jsonl")]
frames = [f for f in frames if f.get("type") == "frame"]
sent = [l.strip() for l in open(sys.argv[2])]
moves = [float(l.split()[1][1:]) for l in sent if l.startswith("G1 ")]
azimuths = sorted({round(f["position"]["azimuth_deg"], 4) for f in frames})
assert len(frames) == 36, len(frames)
assert azimuths == [0, 60, 120, 180, 240, 300], azimuths
# Each pose was commanded once, in order, each move followed by the wait for completion.
assert moves == azimuths, (moves, azimuths)
for i, l in enumerate(sent):
    if l.startswith("G1 "):
        assert sent[i + 1] == "G4 P0", sent[i:i + 2]
assert sent[:3] == ["G4 P0", "G90", "G92 X0"], sent[:3]
print(f"{len(frames)} frames at {len(azimuths)} azimuths; {len(sent)} lines sent, "
      f"{len(moves)} moves, {sum(len(l) + 1 for l in sent)} bytes")
PY
stop_emulators; EMU_PIDS=()

# 2. The controller goes silent after three moves: exit 3, the port named, a resumable bag.
rm -rf "$WORK/out2"
config_variant gcode.yaml silent.yaml 's/feed: 36000}/feed: 36000, timeout_ms: 500}/'
grep -q "timeout_ms: 500" silent.yaml || fail "silent variant not applied"
start_emulator silent-after:3 silent.log
set +e
"$TB" run silent.yaml --out "$WORK/out2" >stdout2.txt 2>stderr2.txt
rc=$?
set -e
[ "$rc" -eq 3 ] || { cat stderr2.txt; fail "expected exit 3 for a silent controller, got $rc"; }
expect_contains stderr2.txt "$WORK/ttyTB"
expect_contains stderr2.txt "no 'ok'"
BAG2=$(tail -n 1 stdout2.txt)
[ -d "$BAG2" ] || fail "no bag path printed"
taken=$(grep -c '"type":"frame"' "$BAG2/data/journal.jsonl")
[ "$taken" -eq 18 ] || fail "expected the 18 frames of the first three positions, got $taken"
stop_emulators; EMU_PIDS=()

start_emulator ok resumed.log
"$TB" run silent.yaml --resume "$BAG2" >stdout3.txt 2>stderr3.txt || { cat stderr3.txt; fail "resume failed"; }
"$TB" verify "$BAG2" >/dev/null || fail "resumed bag does not verify"
python3 "$HERE/check_bag.py" "$BAG2" --expect-frames 36 || fail "independent checks after resume"
grep -q "^G1 X180.0000" resumed.log || fail "resume did not move to the first missing azimuth"
pass "gcode orbit: 36 frames over the wire; silent controller -> exit 3 at $taken frames, resumed"
