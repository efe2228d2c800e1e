#!/usr/bin/env bash
# Live view through the daemon: a JPEG of the sim camera's current view with a focus measure,
# written whole to --out; refused during a session (its sequence is locked).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$CONFIGS/small.yaml" small.yaml 's/seed: 7}/seed: 7, faults: {slow_download_ms: 80}}/'
start_daemon "$WORK/small.yaml" --storage "$WORK/out"
tbc liveview --out "$WORK/live.jpg" >lv.txt || fail "liveview refused"
expect_contains lv.txt "focus "
expect_contains lv.txt "(480x320)"
python3 - "$WORK/live.jpg" <<'PY' || fail "live.jpg is not a whole 480x320 JPEG"
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:2] == b"\xff\xd8" and d[-2:] == b"\xff\xd9", "not a whole JPEG"
i = 2
while i < len(d):
    assert d[i] == 0xFF
    m = d[i + 1]
    n = struct.unpack(">H", d[i + 2:i + 4])[0]
    if m in (0xC0, 0xC1, 0xC2):
        h, w = struct.unpack(">HH", d[i + 5:i + 9])
        assert (w, h) == (480, 320), (w, h)
        break
    i += 2 + n
else:
    raise SystemExit("no frame header")
PY
[ ! -e "$WORK/live.jpg.tmp" ] || fail "temp file left behind"
tbc liveview --json >lv.json
[ "$(json_get lv.json "j['focus'] > 0 and 'jpeg_base64' not in j")" = True ] || fail "focus measure missing or zero"
pass "liveview: a whole 480x320 JPEG and a focus measure"

tbc start >/dev/null
wait_status "j['session']['state']=='running'"
set +e; tbc liveview >lv2.out 2>lv2.err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "liveview during a session exited $rc"
expect_contains lv2.err "locked"
tbc stop >/dev/null
wait_status "j['session']['state']=='idle'"
stop_daemon
pass "liveview refused during a session"
