#!/usr/bin/env bash
# `tetherbox rename DIR --template T` (issue 13 item 5) on real files: DNG + JPEG + XMP shots
# from a sim session (the project's own encoder), JPEGs made by cjpeg and dated by exiftool,
# a RAW+JPEG pair with a darktable sidecar, a file with no date, a name that is not UTF-8.
# Checked with exiftool (each new name carries its file's own date) and sha256 (every byte
# unchanged, each sidecar still with its image); then --undo restores every name byte for byte.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v exiftool >/dev/null || fail "exiftool is needed"
command -v cjpeg >/dev/null || fail "cjpeg (libjpeg-turbo-progs) is needed"

# mkjpg FILE SEED: a small real JPEG whose pixels (so hash) depend on SEED.
mkjpg() {
  python3 -c "
import sys; v = int(sys.argv[1])
sys.stdout.buffer.write(b'P6 16 16 255\n' + bytes([v % 256, (v * 7) % 256, (v * 13) % 256]) * 256)" "$2" |
    cjpeg -quality 90 >"$1"
}
# snapshot DIR: "sha256 name" per file, names hex-encoded (byte-exact, any encoding), sorted.
snapshot() {
  python3 - "$1" <<'EOF'
import hashlib, os, sys
d = os.fsencode(sys.argv[1])
for n in sorted(os.listdir(d)):
    p = os.path.join(d, n)
    if os.path.isfile(p) and not n.startswith(b"tetherbox-rename-"):
        print(hashlib.sha256(open(p, "rb").read()).hexdigest(), n.hex())
EOF
}
hashes_only() { cut -d' ' -f1 "$1" | sort; }

# 1. The shoot: four sim frames (DNG + JPG + XMP each) and the odd files of an old card.
config_variant "$HERE/configs/small.yaml" s.yaml \
  '/- {elevation_deg: 40, positions: 3}/d' \
  's/- {elevation_deg: 0, positions: 4}/- {elevation_deg: 0, positions: 2}/' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
BAG=$(run_bag s.yaml "$WORK/out")
D="$WORK/shoot"
mkdir "$D"
i=1
for f in "$BAG"/data/frames/*.dng; do
  stem=$(basename "$f" .dng)
  n=$(printf 'DSC_%04d' $i)
  cp "$f" "$D/$n.dng"; cp "${f%.dng}.jpg" "$D/$n.jpg"; cp "${f%.dng}.xmp" "$D/$n.xmp"
  i=$((i + 1))
done
[ "$i" -eq 5 ] || fail "expected 4 sim frames, got $((i - 1))"
mkjpg "$D/IMG_0001.JPG" 1
exiftool -q -overwrite_original -DateTimeOriginal="2019:05:04 10:00:01" "$D/IMG_0001.JPG"
mkjpg "$D/IMG_0002.JPG" 2   # 09:00 at +02:00 = 07:00 UTC: before IMG_0001 in time
exiftool -q -overwrite_original -DateTimeOriginal="2019:05:04 09:00:00" -OffsetTimeOriginal="+02:00" "$D/IMG_0002.JPG"
exiftool -q -o "$D/IMG_0002.xmp" "$D/IMG_0002.JPG"
# A RAW+JPEG pair (the "raw" is a TIFF-based DNG, named as a Nikon card would) and a
# darktable-style sidecar of the raw alone.
cp "$D/DSC_0001.dng" "$D/P1000.NEF"
exiftool -q -overwrite_original -DateTimeOriginal="2018:01:01 12:00:00" "$D/P1000.NEF"
mkjpg "$D/P1000.JPG" 3
exiftool -q -overwrite_original -DateTimeOriginal="2018:01:01 12:00:00" "$D/P1000.JPG"
printf '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>\n' >"$D/P1000.NEF.xmp"
mkjpg "$D/NODATE.JPG" 4                  # no EXIF date: left alone
mkjpg "$D/$(printf 'caf\xe9.jpg')" 5     # Latin-1 name: not UTF-8
exiftool -q -overwrite_original -DateTimeOriginal="2017:07:07 07:07:07" "$D"/caf*.jpg
ls "$D"/caf*.jpg >/dev/null || fail "no non-UTF-8 file"
snapshot "$D" >before.txt
[ "$(wc -l <before.txt)" -eq 20 ] || { cat before.txt; fail "expected 20 files in the shoot"; }

# 2. Dry run: prints the plan, renames nothing, writes no log.
"$TB" rename "$D" --template '{session}_{seq:03}_{date}T{time}' --session old --dry-run >dry.out 2>dry.err \
  || { cat dry.err; fail "dry run failed"; }
expect_contains dry.out "would rename P1000.NEF -> old_001_20180101T120000.NEF"
snapshot "$D" >after-dry.txt
cmp -s before.txt after-dry.txt || fail "a dry run changed the folder"
ls "$D"/tetherbox-rename-* >/dev/null 2>&1 && fail "a dry run wrote a log"
pass "dry run changes nothing"

# 3. The rename.
"$TB" rename "$D" --template '{session}_{seq:03}_{date}T{time}' --session old >ren.out 2>ren.err \
  || { cat ren.err; fail "rename failed"; }
LOG=$(tail -n 1 ren.out)
[ -f "$LOG" ] || fail "the last line is not the log: $LOG"
expect_contains ren.err "NODATE.JPG: no capture date"
snapshot "$D" >after.txt
diff <(hashes_only before.txt) <(hashes_only after.txt) >/dev/null || fail "file contents changed"
[ -f "$D/NODATE.JPG" ] || fail "the dateless file was renamed"
# Order by UTC: the Latin-1 JPEG (2017), the pair (2018), IMG_0002 (07:00Z), IMG_0001, the sim frames.
for f in old_000_20170707T070707.jpg old_001_20180101T120000.NEF old_001_20180101T120000.JPG \
  old_001_20180101T120000.NEF.xmp old_002_20190504T070000.JPG old_002_20190504T070000.xmp \
  old_003_20190504T100001.JPG; do
  [ -f "$D/$f" ] || { ls "$D"; fail "expected $D/$f"; }
done
ls "$D"/caf* >/dev/null 2>&1 && fail "the non-UTF-8 file kept its name"
# Each new name carries its own file's EXIF date (exiftool's reading, not ours); the sim frames
# are UTC (+00:00), so their {date}T{time} is their DateTimeOriginal.
n=0
for f in "$D"/old_*.dng "$D"/old_*.jpg "$D"/old_*.JPG "$D"/old_*.NEF; do
  want=$(exiftool -s3 -d '%Y%m%dT%H%M%S' -DateTimeOriginal "$f")
  case "$f" in *old_002_*) want=20190504T070000 ;; esac  # +02:00 turned into UTC
  [[ "$(basename "$f")" == old_???_"$want".* ]] || fail "$(basename "$f"): EXIF date $want"
  n=$((n + 1))
done
[ "$n" -eq 13 ] || fail "expected 13 renamed images, checked $n"
# Sidecars went with their image: same base name, same bytes as before under the old name.
for i in 1 2 3 4; do
  old=$(printf 'DSC_%04d' $i)
  h=$(grep " $(printf '%s.dng' "$old" | xxd -p)\$" before.txt | cut -d' ' -f1)
  newdng=$(sha256sum "$D"/old_*.dng | grep "^$h" | awk '{print $2}')
  [ -n "$newdng" ] || fail "$old.dng is nowhere"
  hx=$(grep " $(printf '%s.xmp' "$old" | xxd -p)\$" before.txt | cut -d' ' -f1)
  [ "$(sha256sum "${newdng%.dng}.xmp" | cut -d' ' -f1)" = "$hx" ] || fail "$old.xmp did not follow $old.dng"
done
pass "rename by EXIF date: names, order, sidecars and bytes checked"

# 4. Undo restores every name, byte for byte (the Latin-1 one included).
"$TB" rename --undo "$LOG" >undo.out 2>undo.err || { cat undo.err; fail "undo failed"; }
snapshot "$D" >undone.txt
diff before.txt undone.txt || fail "undo did not restore every name"
"$TB" rename --undo "$LOG" >undo2.out 2>&1 || fail "a second undo must be a no-op"
expect_contains undo2.out "put back 0 files"
pass "undo restores every name; again is a no-op"

# 5. A template without {seq}: a name two shots share gets _2 in time-then-name order.
mkdir "$WORK/burst"
for s in B A C; do mkjpg "$WORK/burst/$s.jpg" "$(printf '%d' "'$s")"; done
exiftool -q -overwrite_original -DateTimeOriginal="2020:02:02 02:02:02" "$WORK"/burst/*.jpg
declare -A BH
for s in A B C; do BH[$s]=$(sha256sum <"$WORK/burst/$s.jpg"); done
"$TB" rename "$WORK/burst" --template '{date}_{time}' >burst.out 2>&1 || { cat burst.out; fail "burst rename"; }
for pair in A:20200202_020202 B:20200202_020202_2 C:20200202_020202_3; do
  s=${pair%%:*}
  [ "$(sha256sum <"$WORK/burst/${pair#*:}.jpg")" = "${BH[$s]}" ] || fail "$s.jpg is not ${pair#*:}.jpg"
done
pass "repeated names get deterministic suffixes"

# 5b. --to a folder on the same disk: the renamed files move there; undo brings them back.
snapshot "$WORK/burst" >burst-before.txt
mkdir "$WORK/sorted"
"$TB" rename "$WORK/burst" --template 'b_{seq}' --to "$WORK/sorted" >to.out 2>&1 || { cat to.out; fail "rename --to"; }
[ -z "$(ls "$WORK/burst" | grep -v "^tetherbox-rename-")" ] || fail "rename --to left files behind"
[ "$(ls "$WORK/sorted" | grep -c '^b_[0-2]\.jpg$')" -eq 3 ] || { ls "$WORK/sorted"; fail "rename --to: names"; }
"$TB" rename --undo "$(tail -n 1 to.out)" >/dev/null 2>&1 || fail "undo of rename --to"
snapshot "$WORK/burst" >burst-after.txt
diff burst-before.txt burst-after.txt || fail "undo of rename --to did not bring every file back"
pass "rename --to moves within the disk, undone"

# 6. A swap (each new name is another file's old name) goes through temporary names.
mkdir "$WORK/swap"
mkjpg "$WORK/swap/s_000.jpg" 10; exiftool -q -overwrite_original -DateTimeOriginal="2021:01:01 00:00:02" "$WORK/swap/s_000.jpg"
mkjpg "$WORK/swap/s_001.jpg" 11; exiftool -q -overwrite_original -DateTimeOriginal="2021:01:01 00:00:01" "$WORK/swap/s_001.jpg"
snapshot "$WORK/swap" >swap-before.txt
"$TB" rename "$WORK/swap" --template 's_{seq:03}' >swap.out 2>&1 || { cat swap.out; fail "swap rename"; }
[ "$(exiftool -s3 -DateTimeOriginal "$WORK/swap/s_000.jpg")" = "2021:01:01 00:00:01" ] || fail "swap: s_000 is not the earlier shot"
ls -A "$WORK/swap" | grep -q '^\.tb-' && fail "swap left a temporary name"
"$TB" rename --undo "$(tail -n 1 swap.out)" >/dev/null 2>&1 || fail "swap undo"
snapshot "$WORK/swap" >swap-after.txt
diff swap-before.txt swap-after.txt || fail "swap undo did not restore"
pass "swap through temporary names, undone"

# 7. Refusals: nothing renamed, a reason that names the cause, exit 1.
refuse() {  # refuse TEXT ARGS...: exit 1, TEXT on stderr, the shoot untouched
  local text=$1; shift
  local rc=0
  "$TB" rename "$@" >ref.out 2>ref.err || rc=$?
  [ "$rc" -eq 1 ] || { cat ref.err; fail "rename $* exited $rc, expected 1"; }
  expect_contains ref.err "$text"
  snapshot "$D" >ref.txt
  diff "${BASE:-before.txt}" ref.txt >/dev/null || fail "a refused rename ($text) changed the folder"
}
# A target that exists and is not one of the set (the dateless file stays where it is).
cp "$D/NODATE.JPG" "$D/old_003_20190504T100001.JPG"
snapshot "$D" >with-intruder.txt
BASE=with-intruder.txt refuse "which exists and is not one of the images being renamed" "$D" --template '{session}_{seq:03}_{date}T{time}' --session old
rm "$D/old_003_20190504T100001.JPG"
refuse "field {az} belongs to a capture plan" "$D" --template '{seq}_{az}'
refuse "unknown field {nope}" "$D" --template '{seq}_{nope}'
# Another device (a tmpfs): rename(2) would fail with EXDEV; rename never copies.
mount_tmpfs "$WORK/other" 4m
refuse "EXDEV" "$D" --template '{seq}' --to "$WORK/other"
[ -z "$(ls -A "$WORK/other")" ] || fail "something was written on the other device"
pass "collision, capture-only field, unknown field and another device refused; nothing renamed"
