#!/usr/bin/env bash
# Live view runs off the control loop: while one client waits for a frame from a slow camera
# (a large sim render stands in for a slow USB body), other clients' status requests are
# answered; the frame then arrives whole, and a second live view or a start asked meanwhile is
# refused with the reason instead of queueing behind it.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$CONFIGS/small.yaml" big.yaml 's/width: 480, height: 320/width: 3000, height: 2000/'
start_daemon "$WORK/big.yaml" --storage "$WORK/out"
wait_status "j['camera']['connected']"
python3 - "$SOCK" <<'PY' || fail "status was not served while a live view frame was fetched"
import json, select, socket, sys, time

def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    return s

def call(s, req):
    s.sendall(json.dumps(req).encode() + b"\n")
    buf = b""
    while not buf.endswith(b"\n"):
        b = s.recv(1 << 20)
        assert b, "daemon closed the connection"
        buf += b
    return json.loads(buf)

viewer = connect()
viewer.sendall(b'{"id": "lv", "cmd": "liveview"}\n')
other = connect()
served = 0
refused_second = refused_start = False
deadline = time.monotonic() + 300  # catches a hang only
while time.monotonic() < deadline:
    r = call(other, {"id": served, "cmd": "status"})
    assert r["ok"], r
    # Answered while the viewer's reply has not come: the loop was not held by the camera.
    if select.select([viewer], [], [], 0)[0]:
        break
    served += 1
    if served == 1:
        lv2 = call(connect(), {"id": "lv2", "cmd": "liveview"})
        refused_second = not lv2["ok"] and "being fetched" in lv2["error"]["message"]
        st = call(connect(), {"id": "st", "cmd": "start"})
        refused_start = not st["ok"] and "live view" in st["error"]["message"]
buf = b""
viewer.settimeout(300)
while not buf.endswith(b"\n"):
    b = viewer.recv(1 << 20)
    assert b, "daemon closed the viewer's connection"
    buf += b
lv = json.loads(buf)
assert lv["id"] == "lv" and lv["ok"], str(lv)[:300]
assert (lv["width"], lv["height"]) == (3000, 2000), (lv["width"], lv["height"])
assert lv["focus"] > 0
print(f"status answered {served} times while the frame was fetched; "
      f"second liveview refused: {refused_second}; start refused: {refused_start}")
assert served >= 1, "no status reply came while the live view frame was fetched"
assert refused_second, "a second live view did not say one is being fetched"
assert refused_start, "start during a live view fetch did not say why it was refused"
PY
# The connection that asked stays usable: its next request is answered in order.
tbc status --json >st.json
[ "$(json_get st.json "j['session']['state']")" = idle ] || fail "a session started after all"
stop_daemon
pass "liveview: status served while a frame is fetched; a second live view and a start refused meanwhile"
