#!/usr/bin/env bash
# Clients that misbehave cannot take the daemon down or block others: malformed JSON, unknown
# commands and bad args get an error reply on a connection that stays usable; a line over 1 MB
# gets too_large and a closed connection; half a line then silence is closed after the read
# deadline; a slow (trickled) request is answered. Another client is served throughout.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$CONFIGS/small.yaml" small.yaml
start_daemon "$WORK/small.yaml" --storage "$WORK/out" --read-timeout-ms 2000
python3 - "$SOCK" <<'PY' || fail "bad clients (see above)"
import json, socket, sys, time
path = sys.argv[1]

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(60)  # only catches a hang
    return s

bufs = {}
def line(s):
    buf = bufs.get(s.fileno(), b"")
    while b"\n" not in buf:
        b = s.recv(65536)
        if not b:
            raise EOFError("closed with %r" % buf)
        buf += b
    first, rest = buf.split(b"\n", 1)
    bufs[s.fileno()] = rest
    return json.loads(first)

def closed(s):
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True

def check(cond, msg):
    if not cond:
        print("FAIL:", msg); sys.exit(1)

other = conn()
def other_served(tag):
    other.sendall(b'{"id":"other","cmd":"status"}\n')
    r = line(other)
    check(r["ok"] and r["id"] == "other", "other client not served " + tag)

# A stalled client holds half a line while the others are served.
stall = conn()
stall.sendall(b'{"id":1,"cmd":"sta')
other_served("while a client stalls")

# Malformed, unknown, bad args: error replies, same connection still usable.
c = conn()
for req, code in [(b'not json\n', "bad_json"), (b'{"id":5,"cmd":"format"}\n', "unknown_cmd"),
                  (b'{"id":6,"cmd":"log","args":{"lines":"x"}}\n', "bad_args"),
                  (b'[1,2,3]\n', "bad_request"), (b'{"id":7,"cmd":"log","args":{"lines":0}}\n', "bad_args")]:
    c.sendall(req)
    r = line(c)
    check(r["ok"] is False and r["error"]["code"] == code, "%r -> %r" % (req, r))
c.sendall(b'{"id":8,"cmd":"status"}\n')
check(line(c)["ok"], "connection not usable after errors")
print("PASS: malformed / unknown / bad args: error replies, connection kept")

# Oversized: 1.1 MB without a newline -> too_large, closed.
big = conn()
try:
    big.sendall(b'{"id":9,"cmd":"status","args":{"x":"' + b"a" * (1100 * 1024))
except (BrokenPipeError, ConnectionResetError):
    pass
r = line(big)
check(r["error"]["code"] == "too_large", "oversized: %r" % r)
check(closed(big), "oversized connection not closed")
other_served("after an oversized request")
print("PASS: oversized request: too_large, connection closed")

# Slow: a request trickled byte by byte (each gap well inside the deadline) is answered.
slow = conn()
for b in b'{"id":"slow","cmd":"status"}\n':
    slow.sendall(bytes([b]))
    time.sleep(0.02)
r = line(slow)
check(r["ok"] and r["id"] == "slow", "slow request: %r" % r)
print("PASS: slow request answered")

# The stalled client: closed after the deadline with a timeout error.
r = line(stall)
check(r["error"]["code"] == "timeout", "stalled: %r" % r)
check(closed(stall), "stalled connection not closed")
other_served("after the stalled client was closed")
print("PASS: half-sent request: timeout, connection closed; other client served throughout")

# Flood: many requests in one write are all answered, in order.
f = conn()
f.sendall(b"".join(b'{"id":%d,"cmd":"status"}\n' % i for i in range(200)))
ids = [line(f)["id"] for _ in range(200)]
check(ids == list(range(200)), "flood replies out of order or missing")
print("PASS: 200 pipelined requests answered in order")

# A flooder that does not read its replies: the daemon stops reading it once 4 MB of replies
# wait (its memory stays bounded), serves others meanwhile, and answers the rest as it reads.
import threading
N = 20000
fl = conn()
sender = threading.Thread(target=lambda: fl.sendall(
    b"".join(b'{"id":%d,"cmd":"status"}\n' % i for i in range(N))), daemon=True)
sender.start()
time.sleep(1)
other_served("while a flooder does not read")
got = 0
while got < N:
    r = line(fl)
    check(r["id"] == got, "flood reply %r out of order at %d" % (r.get("id"), got))
    got += 1
sender.join(60)
print("PASS: %d pipelined requests from a client that did not read: all answered, others served" % N)
PY
tbc status >/dev/null || fail "daemon not serving after the bad clients"
kill -0 "$DPID" || fail "daemon died"
stop_daemon
pass "daemon survived every bad client"
