#!/usr/bin/env bash
# A config naming a device that is not there (a G-code turntable on a serial port that does not
# exist): the daemon comes up with what works (camera, GPS, ambient in status), status names the
# missing device and why, `start` gets a `device` error naming it, and the daemon keeps serving.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$CONFIGS/small.yaml" missing.yaml \
  's|turntable: {backend: sim, speed_deg_s: 3600, settle_ms: 0}|turntable: {backend: gcode, speed_deg_s: 3600, settle_ms: 0, gcode: {port: /dev/ttyTB-not-there}}|' \
  '/- {elevation_deg: 40, positions: 3}/d'
grep -q "ttyTB-not-there" missing.yaml || fail "config variant not applied"
"$TB" plan missing.yaml >/dev/null 2>&1 || fail "the config itself must be valid (only the device is missing)"

start_daemon missing.yaml --storage "$WORK/out"
wait_status 'j["devices"]["left_out"] and j["camera"]["connected"]' 120
json_get status.json 'j["devices"]["left_out"][0]' >left.txt
expect_contains left.txt "turntable (gcode)"
expect_contains left.txt "/dev/ttyTB-not-there"
[ "$(json_get status.json 'j["gps"]["configured"] and j["ambient"]["configured"]')" = True ] ||
  fail "GPS and ambient are not served although they work"
wait_status 'j["ambient"]["age_s"] is not None' 120
tbc status >status.txt
expect_contains status.txt "turntable (gcode)"
rc=0
tbc start >start.out 2>start.err || rc=$?
[ "$rc" -ne 0 ] || fail "start with a missing turntable succeeded"
expect_contains start.err "/dev/ttyTB-not-there"
expect_contains start.err "(device)"
wait_status 'j["session"]["state"] == "idle" and j["camera"]["connected"] and j["devices"]["left_out"]' 120
[ ! -e "$WORK/out" ] || [ -z "$(ls -A "$WORK/out")" ] || fail "a refused start left a bag"
stop_daemon
pass "a missing device is named in status and in start's refusal; the rest keeps working"
