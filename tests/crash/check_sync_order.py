#!/usr/bin/env python3
"""Checks the order of file system calls recorded by syscall_shim.c (TB_SHIM_LOG) against the
durability protocol in capture/include/tetherbox/capture/storage.hpp. For every commit of
frame (and preview) files, on the thread that made it:
  payload temps fsync'd -> renamed -> their directory fsync'd -> manifest temp fsync'd and
  renamed -> journal written and fdatasync'd -> only then the next frame's first write.
Usage: check_sync_order.py LOG EXPECTED_FRAMES. Exits 1 naming the first violation."""
import collections, os, re, sys

TEMP = re.compile(r"^\..+\.tmp-\d+-\d+$")


def is_temp(path):
    return bool(TEMP.match(os.path.basename(path)))


def main():
    log, expected = sys.argv[1], int(sys.argv[2])
    by_tid = collections.defaultdict(list)
    for line in open(log, encoding="utf-8", errors="replace"):
        parts = line.rstrip("\n").split(" ")
        if len(parts) < 3:
            continue
        by_tid[parts[0]].append((parts[1], parts[2], parts[3] if len(parts) > 3 else ""))
    counts = collections.Counter()
    problems = []

    def payload_rename(e, sub):
        return e[0] == "rename" and f"/data/{sub}/" in e[2] and not is_temp(e[2]) and is_temp(e[1])

    for tid, ev in by_tid.items():
        i = 0
        while i < len(ev):
            sub = next((s for s in ("frames", "previews") if payload_rename(ev[i], s)), None)
            if sub is None:
                i += 1
                continue
            j = i
            while j < len(ev) and payload_rename(ev[j], sub):
                j += 1
            batch = ev[i:j]
            what = os.path.basename(batch[0][2])
            for _, src, dst in batch:
                if not any(k in ("fsync", "fdatasync") and a == src for k, a, _ in ev[:i]):
                    problems.append(f"{dst}: renamed before its temp was fsync'd")
            k = next((x for x in range(j, len(ev))
                      if ev[x][0] == "rename" and ev[x][2].endswith("/manifest-sha256.txt")), None)
            if k is None:
                problems.append(f"{what}: no manifest rename after the payload renames")
                break
            for d in sorted({os.path.dirname(dst) for _, _, dst in batch}):
                if not any(kind == "fsync" and a == d for kind, a, _ in ev[j:k]):
                    problems.append(f"{what}: directory {d} not fsync'd between the renames "
                                    f"and the manifest")
            if not any(kind == "fsync" and a == ev[k][1] for kind, a, _ in ev[:k]):
                problems.append(f"{what}: manifest temp renamed before it was fsync'd")
            # The next commit of this kind starts with a write to a temp in the same folder.
            n = next((x for x in range(k + 1, len(ev)) if ev[x][0] in ("create", "write")
                      and f"/data/{sub}/" in ev[x][1] and is_temp(ev[x][1])), len(ev))
            seg = ev[k + 1:n]
            w = next((x for x, e in enumerate(seg)
                      if e[0] == "write" and e[1].endswith("/data/journal.jsonl")), None)
            if w is None:
                problems.append(f"{what}: no journal write between its manifest and the next "
                                f"{sub} write")
            elif not any(e[0] in ("fdatasync", "fsync") and e[1].endswith("/data/journal.jsonl")
                         for e in seg[w + 1:]):
                problems.append(f"{what}: journal line not fdatasync'd before the next "
                                f"{sub} write")
            counts[sub] += 1
            i = k + 1
    for p in problems[:20]:
        print("ORDER: " + p)
    if counts["frames"] != expected:
        problems.append(f"saw {counts['frames']} frame commits, expected {expected}")
        print(f"ORDER: saw {counts['frames']} frame commits in the log, expected {expected}")
    print(f"checked {counts['frames']} frame commits and {counts['previews']} preview commits")
    sys.exit(1 if problems else 0)


main()
