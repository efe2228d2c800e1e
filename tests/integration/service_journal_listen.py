#!/usr/bin/env python3
"""A stand-in journald (or systemd's notify socket): binds the native-protocol socket given, decodes every datagram
(KEY=value lines, or KEY\\n<le64 length><bytes>\\n for values with newlines; memfd-passed
entries are not expected for short lines) and writes one JSON object per entry to OUT.
Writes READY to stdout once bound; runs until killed."""
import json, os, socket, struct, sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
print("READY", flush=True)
with open(out, "w") as f:
    while True:
        data = s.recv(1 << 20)
        entry, pos = {}, 0
        while pos < len(data):
            nl = data.find(b"\n", pos)
            if nl < 0:  # sd_notify messages end without a newline
                nl = len(data)
            line = data[pos:nl]
            if b"=" in line:
                k, v = line.split(b"=", 1)
                pos = nl + 1
            else:
                k = line
                (n,) = struct.unpack_from("<Q", data, nl + 1)
                v = data[nl + 9 : nl + 9 + n]
                pos = nl + 9 + n + 1
            entry[k.decode()] = v.decode("utf-8", "replace")
        f.write(json.dumps(entry) + "\n")
        f.flush()
