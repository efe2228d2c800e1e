#!/usr/bin/env python3
"""Independent checks of a finished session bag, with tools tetherbox does not use itself:
sha256sum (manifests), exiftool (sidecars), dcraw (DNGs), djpeg (previews).
Usage: check_bag.py BAG [--expect-frames N] [--no-brackets] [--no-lights]
Exits non-zero with a message for the first failed check."""
import argparse, array, collections, json, os, subprocess, sys

def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)

def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, check=False, **kw)

def read_pnm(data):
    """Parses binary P5/P6 output; returns (width, height, channels, maxval, samples)."""
    parts, pos = [], 0
    while len(parts) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        parts.append(data[pos:end])
        pos = end
    pos += 1
    magic, w, h, maxval = parts[0], int(parts[1]), int(parts[2]), int(parts[3])
    ch = 3 if magic == b"P6" else 1
    body = data[pos:]
    if maxval > 255:
        a = array.array("H")
        a.frombytes(body[: w * h * ch * 2])
        if sys.byteorder == "little":
            a.byteswap()
    else:
        a = array.array("B", body[: w * h * ch])
    return w, h, ch, maxval, a

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bag")
    ap.add_argument("--expect-frames", type=int)
    ap.add_argument("--no-brackets", action="store_true")
    ap.add_argument("--no-lights", action="store_true")
    ap.add_argument("--honour-retakes", action="store_true",
                    help="a {type: fault, retake: true, seq: N} line (resume found the frame's "
                         "files missing or changed) supersedes the earlier lines of seq N")
    ap.add_argument("--repeat-positions", action="store_true",
                    help="buttons mode: every press shoots the same position again")
    args = ap.parse_args()
    bag = args.bag
    data = os.path.join(bag, "data")

    # 1. sha256sum -c on both manifests.
    for m in ("manifest-sha256.txt", "tagmanifest-sha256.txt"):
        r = run(["sha256sum", "--strict", "-c", m], cwd=bag)
        if r.returncode != 0:
            fail(f"sha256sum -c {m}: {r.stdout.decode()[-500:]} {r.stderr.decode()[-500:]}")
    for f in ("bagit.txt", "bag-info.txt"):
        if not os.path.exists(os.path.join(bag, f)):
            fail(f"{f} missing")

    # 2. journal: one frame line per planned seq, no duplicates.
    frames, previews = [], {}
    with open(os.path.join(data, "journal.jsonl")) as fh:
        for line in fh:
            j = json.loads(line)
            if j.get("type") == "frame":
                frames.append(j)
            elif args.honour_retakes and j.get("type") == "fault" and j.get("retake"):
                frames = [f for f in frames if f["seq"] != j["seq"]]
                previews.pop(j["seq"], None)
            elif j.get("type") == "preview":
                if j["seq"] in previews:
                    fail(f"two preview lines for seq {j['seq']}")
                previews[j["seq"]] = j
    # Previews are made after a frame is durable: their own journal line names the file.
    for f in frames:
        p = previews.get(f["seq"])
        if p is None:
            fail(f"frame {f['name']}: no preview line (made or skipped) in the journal")
        if p.get("file"):
            f["files"].append(p["file"])
            if not os.path.exists(os.path.join(bag, p["file"]["path"])):
                fail(f"preview {p['file']['path']} missing")
    seqs = [f["seq"] for f in frames]
    if len(seqs) != len(set(seqs)):
        dup = [s for s, c in collections.Counter(seqs).items() if c > 1]
        fail(f"duplicated seq in journal: {dup[:10]}")
    if args.expect_frames is not None:
        if len(frames) != args.expect_frames or sorted(seqs) != list(range(args.expect_frames)):
            fail(f"expected seqs 0..{args.expect_frames - 1}, journal has {len(frames)} frames")
    names = [f["name"] for f in frames]
    if len(names) != len(set(names)):
        fail("frame names are not unique")
    reqs = [f["request_id"] for f in frames]
    if len(reqs) != len(set(reqs)):
        fail("request ids are not unique")
    poses = collections.Counter((f["position"]["ring"], f["position"]["azimuth_deg"],
                                 f["position"]["light"], f["position"]["ev_offset"]) for f in frames)
    if not args.repeat_positions and any(c > 1 for c in poses.values()):
        fail("a position/light/bracket was recorded twice")

    # 3. exiftool reads every sidecar: GPS or explicit no-fix, UTC time, humidity, position.
    xmps = [os.path.join(bag, fr["path"]) for f in frames for fr in f["files"] if fr["path"].endswith(".xmp")]
    if len(xmps) != len(frames):
        fail(f"{len(frames)} frames but {len(xmps)} sidecars")
    r = run(["exiftool", "-j", "-n", "-G1", "-a"] + xmps)
    if r.returncode != 0:
        fail("exiftool failed: " + r.stderr.decode()[-500:])
    by_file = {os.path.abspath(e["SourceFile"]): e for e in json.loads(r.stdout)}
    for f in frames:
        xmp = [fr["path"] for fr in f["files"] if fr["path"].endswith(".xmp")][0]
        e = by_file[os.path.abspath(os.path.join(bag, xmp))]
        dto = str(e.get("XMP-exif:DateTimeOriginal", ""))
        if not dto.endswith("+00:00") or "." not in dto:
            fail(f"{xmp}: DateTimeOriginal {dto!r} lacks subseconds or +00:00")
        if f["gps"]["fix"]:
            lat, lon = e.get("XMP-exif:GPSLatitude"), e.get("XMP-exif:GPSLongitude")
            if lat is None or abs(float(lat) - f["gps"]["lat_deg"]) > 1e-5 or abs(float(lon) - f["gps"]["lon_deg"]) > 1e-5:
                fail(f"{xmp}: GPS {lat},{lon} != journal {f['gps']['lat_deg']},{f['gps']['lon_deg']}")
        else:
            if "XMP-exif:GPSLatitude" in e:
                fail(f"{xmp}: GPS written while the record says no fix")
        if f["ambient"]["available"]:
            h = e.get("XMP-exifEX:Humidity")
            if h is None or abs(float(h) - f["ambient"]["humidity_pct"]) > 0.05:
                fail(f"{xmp}: Humidity {h} != journal {f['ambient']['humidity_pct']}")
        az = e.get("XMP-tetherbox:Azimuth")
        if az is None or abs(float(az) - f["position"]["azimuth_deg"]) > 1e-3:
            fail(f"{xmp}: Azimuth {az} != journal {f['position']['azimuth_deg']}")

    # 4. dcraw decodes every DNG; raw means per (ring, az, light) follow the EV steps.
    groups = collections.defaultdict(dict)
    for f in frames:
        for fr in f["files"]:
            if fr["path"].endswith(".dng"):
                p = os.path.join(bag, fr["path"])
                r = run(["dcraw", "-D", "-4", "-c", p])
                if r.returncode != 0 or len(r.stdout) < 1000:
                    fail(f"dcraw could not decode {p}: {r.stderr.decode()[-300:]}")
                w, h, ch, maxval, a = read_pnm(r.stdout)
                black = 512  # the sim camera's black level; subtracted before ratios
                mean = sum(a) / len(a) - black
                clipped = sum(1 for v in a[:: max(1, len(a) // 20000)] if v >= maxval - 1) / max(1, len(a[:: max(1, len(a) // 20000)]))
                key = (f["position"]["ring"], f["position"]["azimuth_deg"], f["position"]["light"])
                groups[key][f["position"]["ev_offset"]] = (mean, clipped)
    if not args.no_brackets:
        checked = 0
        for key, evs in groups.items():
            steps = sorted(evs)
            for lo, hi in zip(steps, steps[1:]):
                (m_lo, c_lo), (m_hi, c_hi) = evs[lo], evs[hi]
                if c_lo >= 0.01 or c_hi >= 0.01 or m_lo <= 0:
                    continue  # clipped highlights break the linear law; compare clean pairs only
                want = 2.0 ** (hi - lo)
                ratio = m_hi / m_lo
                if not 0.8 * want < ratio < 1.2 * want:
                    fail(f"{key}: raw mean ratio EV{hi:+}/EV{lo:+} = {ratio:.2f}, expected {want:.2f}")
                checked += 1
        if checked == 0:
            fail("no unclipped bracket pair to compare")
        print(f"brackets: {checked} neighbouring EV pairs follow 2^dEV in raw")

    # 5. lighting presets differ in colour balance (previews, decoded by djpeg).
    if not args.no_lights:
        rb = collections.defaultdict(list)
        for f in frames:
            if f["position"]["ev_offset"] != 0:
                continue
            for fr in f["files"]:
                if fr["role"] == "preview":
                    r = run(["djpeg", "-pnm", os.path.join(bag, fr["path"])])
                    if r.returncode != 0:
                        fail("djpeg failed on " + fr["path"])
                    w, h, ch, maxval, a = read_pnm(r.stdout)
                    rs, bs = sum(a[0::3]), sum(a[2::3])
                    rb[f["position"]["light"]].append(rs / max(1, bs))
        means = {k: sum(v) / len(v) for k, v in rb.items() if v}
        if len(means) >= 2:
            vals = sorted(means.values())
            if vals[-1] / vals[0] < 1.15:
                fail(f"lighting presets have the same colour balance: {means}")
            print("colour balance R/B per preset: " + ", ".join(f"{k}={v:.2f}" for k, v in means.items()))
    print(f"OK: {len(frames)} frames, {len(xmps)} sidecars read by exiftool, DNGs decoded by dcraw, manifests pass sha256sum -c")

main()
