#!/usr/bin/env bash
# tetherboxd with a gphoto2 camera (libgphoto2's virtual PTP camera, real ptp2 driver) that is
# not plugged in at start: the daemon comes up and says READY, status says "not connected" with
# the reason; plugged in, status shows the model and the battery; live view is refused with a
# clear reason (this body has no live view) and fires no shutter; a session runs, the camera is
# unplugged mid-session (status shows it) and replugged (status shows it again), and the bag
# holds every position once. Then a camera call that hangs (slow bus) withholds the watchdog
# pings until it returns, seen in the stand-in notify socket's message order.
: "${TB_VCAMERA_PREFIX:?TB_VCAMERA_PREFIX: the vcamera fixture prefix}"
# The whole test runs inside with-vcamera.sh (IOLIBS and the fault files for the daemon).
if [ -z "${VCAM_SCRATCH:-}" ]; then
  exec "$(dirname "$0")/../vcamera/with-vcamera.sh" --prefix "$TB_VCAMERA_PREFIX" -- \
    bash "$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
fi
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$EXAMPLES/usb-camera.yaml" usb.yaml \
  's/- elevation_deg: 0   /- {elevation_deg: 0, positions: 6} #/' \
  's/- elevation_deg: 30  /- {elevation_deg: 30, positions: 4} #/' \
  's/speed_deg_s: 60 /speed_deg_s: 3600 /' 's/settle_ms: 200 /settle_ms: 0 /'
grep -q "positions: 6" usb.yaml || fail "config variant not applied"

python3 "$HERE/../integration/service_journal_listen.py" "$WORK/notify.sock" notify.jsonl >listen.out &
lp=$!
DAEMON_PIDS+=($lp)
for _ in $(seq 600); do grep -q READY listen.out 2>/dev/null && break; sleep 0.1; done
touch "$VCAMERA_UNPLUG_FILE"
export NOTIFY_SOCKET=$WORK/notify.sock
start_daemon usb.yaml --storage "$WORK/out" --camera-call-limit-s 3
unset NOTIFY_SOCKET
for _ in $(seq 600); do grep -q '"READY": "1"' notify.jsonl && break; sleep 0.1; done
grep -q '"READY": "1"' notify.jsonl || fail "no READY=1 with the camera unplugged"

# 1. Unplugged at start: the daemon serves; status names the cause once the bus was scanned.
wait_status 'j["camera"]["error"] not in ("starting", "not probed yet")' 120
[ "$(json_get status.json 'j["camera"]["connected"]')" = False ] || fail "camera connected while unplugged"
tbc status >status-unplugged.txt
expect_contains status-unplugged.txt "gphoto2 not connected: "
grep -qi "camera" status-unplugged.txt || fail "no reason"

# 2. Plugged in: opened without a restart, with its model and battery level.
rm -f "$VCAMERA_UNPLUG_FILE"
wait_status 'j["camera"]["connected"]' 120
[ "$(json_get status.json 'j["camera"]["model"]')" = "Nikon DSC D750" ] || fail "model not shown"
[ "$(json_get status.json 'j["camera"]["battery_pct"]')" = 50 ] || fail "battery level not shown"
tbc status >status-plugged.txt
expect_contains status-plugged.txt "camera   Nikon DSC D750 (gphoto2) connected; battery 50 %"

# 3. Live view through libgphoto2: this body has none, so a clear refusal, and no shutter fired
#    (the session's files below start at DSC_0001).
rc=0
tbc liveview --out lv.jpg >lv.out 2>lv.err || rc=$?
[ "$rc" -ne 0 ] || fail "live view on a body without it succeeded"
expect_contains lv.err "Nikon DSC D750"
grep -qi "live.view\|preview" lv.err || { cat lv.err; fail "live view refusal does not say why"; }
[ ! -e lv.jpg ] || fail "a refused live view wrote a file"

# 4. A session; the camera unplugged mid-way and replugged. A USB-2-like bus (20 ms per read)
#    keeps the session running long enough to pull the cable after the third frame.
echo 20 >"$VCAMERA_SLOW_FILE"
tbc start >start.out || fail "start refused"
wait_status 'j["session"].get("done", 0) >= 3 or j["last_session"]' 600
touch "$VCAMERA_UNPLUG_FILE"
wait_status 'not j["camera"]["connected"]' 600
tbc status >status-mid.txt
expect_contains status-mid.txt "not connected"
rm -f "$VCAMERA_UNPLUG_FILE"
wait_status 'j["camera"]["connected"] or j["last_session"]' 600
[ "$(json_get status.json 'j["camera"]["connected"]')" = True ] || fail "replug not shown in status"
wait_status 'j["session"]["state"] == "idle" and j["last_session"]' 600
[ "$(json_get status.json 'j["last_session"]["ok"] and j["last_session"]["done"]')" = 10 ] ||
  fail "session did not take its 10 frames"
json_get status.json 'j["last_session"]["bag"]' >bag.txt

# 5. A camera call that hangs: the bus slowed so the next idle probe's gp_camera_init (about
#    5 reads) runs far past the 3 s limit. The pings stop while it runs and resume after.
count() { grep -c "$1" notify.jsonl || true; }
w0=$(count 'pings withheld') r0=$(count 'pings resume')
echo 2000 >"$VCAMERA_SLOW_FILE"
for _ in $(seq 6000); do [ "$(count 'pings withheld')" -gt "$w0" ] && break; sleep 0.1; done
[ "$(count 'pings withheld')" -gt "$w0" ] || fail "a hung camera call did not withhold the pings"
tbc status >/dev/null || fail "the daemon stopped serving while a camera call hung"
rm -f "$VCAMERA_SLOW_FILE"
for _ in $(seq 6000); do [ "$(count 'pings resume')" -gt "$r0" ] && break; sleep 0.1; done
[ "$(count 'pings resume')" -gt "$r0" ] || fail "pings did not resume after the call returned"
for _ in $(seq 600); do
  python3 -c "import json,sys; e=[json.loads(l) for l in open('notify.jsonl')]; i=max(k for k,x in enumerate(e) if 'pings resume' in x.get('STATUS','')); sys.exit(0 if any(x.get('WATCHDOG')=='1' for x in e[i:]) else 1)" && break
  sleep 0.1
done
stop_daemon

python3 - notify.jsonl <<'PY' || fail "watchdog order"
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
w = [i for i, x in enumerate(e) if "pings withheld" in x.get("STATUS", "")]
r = [i for i, x in enumerate(e) if "pings resume" in x.get("STATUS", "")]
assert w and r, "no withheld/resume episode"
for a in w:
    b = min(i for i in r if i > a)
    assert not any(x.get("WATCHDOG") == "1" for x in e[a:b]), f"WATCHDOG=1 between {a} and {b}"
assert any(x.get("WATCHDOG") == "1" for x in e[r[-1]:]), "no ping after the resume"
assert any(x.get("WATCHDOG") == "1" for x in e[: w[0]]), "no ping before the hang"
assert any("frames" in x.get("STATUS", "") for x in e), "no STATUS= with the session's progress"
PY
BAG=$(cat bag.txt)
"$TB" verify "$BAG" >/dev/null || fail "bag does not verify"
python3 "$HERE/../integration/check_bag.py" "$BAG" --expect-frames 10 --no-brackets --no-lights ||
  fail "independent checks"
python3 - "$BAG" <<'PY' || fail "capture binding (a shutter fired outside the session?)"
import json, sys
names = [f["camera_name"] for line in open(sys.argv[1] + "/data/journal.jsonl")
         for j in [json.loads(line)] if j.get("type") == "frame"
         for f in j["files"] if f["role"] == "original"]
want = [f"DSC_{i:04d}.JPG" for i in range(1, len(names) + 1)]
assert sorted(names) == want, f"camera files {sorted(names)} != {want}"
PY
grep -q 'camera reconnected' "$BAG/data/journal.jsonl" || fail "no reconnect in the journal"
pass "camera plugged in after start, opened with model and battery; unplug/replug mid-session shown; hung call withholds the watchdog"
