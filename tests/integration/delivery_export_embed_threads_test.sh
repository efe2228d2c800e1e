#!/usr/bin/env bash
# `tetherbox export --embed-metadata` on a bag of many frames: its worker threads write XMP into
# image copies (exiv2) while others read and rewrite sidecars through the same XMP toolkit. The
# toolkit has one global state; unserialized, the export failed at random ("XMP Toolkit error
# 101: Unregistered schema namespace URI", "its sidecar is not a readable XMP packet"), most runs
# on 40+ RAW+JPEG frames. Every export here must complete, verify, and every image copy carry its
# own sidecar's record (exiftool reads it back).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v exiftool >/dev/null || fail "exiftool is required (scripts/install-deps)"
# 12 positions x 2 presets x 3 brackets, RAW+JPEG: 144 images, 72 sidecars. No `metadata`:
# sidecars without a dc: property made the race far more likely (most exports of such a bag).
config_variant "$HERE/configs/small.yaml" s.yaml \
  's/positions: 4}/positions: 6}/' 's/positions: 3}/positions: 6}/' '/^metadata:/d'
sed -i 's/^storage:/metadata: {releases: [model-release.pdf]}\nstorage:/' s.yaml
BAG=$(run_bag s.yaml "$WORK/out")
images=$(ls "$BAG"/data/frames/*.jpg "$BAG"/data/frames/*.dng | wc -l)
((images >= 140)) || fail "the source bag has only $images images"

run=0
for opts in "--embed-metadata --strip-gps" "--embed-metadata" "--embed-metadata --strip-gps --previews"; do
  for _ in 1 2; do
    run=$((run + 1))
    # shellcheck disable=SC2086
    "$TB" export "$BAG" --to "$WORK/deliv$run" $opts >exp.out 2>exp.err ||
      { grep -v ' info ' exp.err; fail "export $opts (run $run) failed"; }
    "$TB" verify "$WORK/deliv$run" >/dev/null 2>&1 || fail "export $opts (run $run) does not verify"
    # Each image copy names its own frame: the record embedded is its sidecar's, not another's.
    exiftool -q -q -r -p '$directory/$filename $XMP-tetherbox:Name' -ext jpg -ext dng \
      "$WORK/deliv$run/data/frames" >names.txt 2>/dev/null || true
    [ "$(wc -l <names.txt)" -eq "$images" ] ||
      { head names.txt; fail "export $opts (run $run): $(wc -l <names.txt) of $images image copies carry a record"; }
    while read -r file name; do
      [ "$(basename "${file%.*}")" = "$name" ] || fail "$file carries the record of $name"
    done <names.txt
  done
done
pass "$run exports with --embed-metadata of $images images completed, each copy with its own record"
