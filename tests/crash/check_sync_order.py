#!/usr/bin/env python3
"""Checks the order of file system calls recorded by syscall_shim.c (TB_SHIM_LOG) against the
durability protocol in capture/include/tetherbox/capture/storage.hpp. For every commit of
frame (and preview) files, on the thread that made it:
  payload temps fdatasync'd -> the manifest appended and fdatasync'd (its lines list the files
  before they have their names) -> renamed -> their directory fsync'd -> journal written and
  fdatasync'd -> only then the next commit's first write.
Preview commits must come from the thread that commits frames (the idle-priority preview thread
only decodes). It also checks that a frame commit never rewrites the whole manifest (no manifest rename
between a session's first and last frame commits other than the replace path of rewritable
files, which frames never take): the per-frame cost must not grow with the session.
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

    manifest_rewrites = [0]
    commit_tids = collections.defaultdict(set)  # "frames"/"previews" -> threads that committed
    for tid, ev in by_tid.items():
        i = 0
        prev_end = 0
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
            # The manifest lines of this batch: the last manifest write before the renames,
            # made after the previous commit's journal line, then fdatasync'd before them.
            mw = next((x for x in range(i - 1, prev_end - 1, -1)
                       if ev[x][0] == "write" and ev[x][1].endswith("/manifest-sha256.txt")), None)
            if mw is None:
                problems.append(f"{what}: renamed without a manifest append before it")
            elif not any(e[0] in ("fsync", "fdatasync") and e[1].endswith("/manifest-sha256.txt")
                         for e in ev[mw + 1:i]):
                problems.append(f"{what}: renamed before the manifest append was fdatasync'd")
            # The journal line that makes the commit count: after the directory fsync.
            w = next((x for x in range(j, len(ev))
                      if ev[x][0] == "write" and ev[x][1].endswith("/data/journal.jsonl")), None)
            if w is None:
                problems.append(f"{what}: no journal write after its renames")
                break
            for d in sorted({os.path.dirname(dst) for _, _, dst in batch}):
                if not any(kind == "fsync" and a == d for kind, a, _ in ev[j:w]):
                    problems.append(f"{what}: directory {d} not fsync'd between the renames "
                                    f"and the journal line")
            for e in ev[j:w]:
                if e[0] == "rename" and e[2].endswith("/manifest-sha256.txt"):
                    manifest_rewrites[0] += 1
            # The next commit of this kind starts with a write to a temp in the same folder.
            n = next((x for x in range(j, len(ev)) if ev[x][0] in ("create", "write")
                      and f"/data/{sub}/" in ev[x][1] and is_temp(ev[x][1])), len(ev))
            seg = ev[w:n]
            if not any(e[0] in ("fdatasync", "fsync") and e[1].endswith("/data/journal.jsonl")
                       for e in seg[1:]):
                problems.append(f"{what}: journal line not fdatasync'd before the next "
                                f"{sub} write")
            prev_end = w
            k = w
            counts[sub] += 1
            commit_tids[sub].add(tid)
            i = k + 1
    # Issue 9 item 5: the idle-priority preview thread only decodes; preview files are written,
    # listed and journaled by the pipeline thread, the one that commits frames.
    stray = commit_tids["previews"] - commit_tids["frames"]
    if stray:
        problems.append(f"preview commits on thread(s) {sorted(stray)} that commit no frame "
                        f"(the preview thread must not write the bag or the journal)")
    if manifest_rewrites[0]:
        problems.append(f"{manifest_rewrites[0]} payload commits rewrote the whole manifest "
                        f"(frames and previews must append)")
    for p in problems[:20]:
        print("ORDER: " + p)
    if counts["frames"] != expected:
        problems.append(f"saw {counts['frames']} frame commits, expected {expected}")
        print(f"ORDER: saw {counts['frames']} frame commits in the log, expected {expected}")
    print(f"checked {counts['frames']} frame commits and {counts['previews']} preview commits")
    sys.exit(1 if problems else 0)


main()
