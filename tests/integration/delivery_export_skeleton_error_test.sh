#!/usr/bin/env bash
# The dataset skeletons of an export are made on their own thread, beside the payload (issue 13,
# export speed). When they fail, the export still fails as a whole: it exits non-zero naming the
# cause, the target does not exist, no hidden staging folder is left, and the source bag is
# byte-for-byte untouched. The failure here: a journal frame line that is JSON (so it hashes,
# and --strip-gps can clear it) but not a frame record (no "files"), which the skeletons cannot
# read. The bag's manifests are made to match it, so it verifies and only the skeletons refuse.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" s.yaml \
  '/elevation_deg: 40, positions: 3/d' \
  '/- {name: warm, on: \[warm\]/d' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
BAG=$(run_bag s.yaml "$WORK/out")

# Break the first frame line's record and re-list the journal (manifest, Payload-Oxum,
# tag manifest) so that the bag verifies.
python3 - "$BAG" <<'PY'
import hashlib, os, re, sys
bag = sys.argv[1]
def sha(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()
j = os.path.join(bag, "data/journal.jsonl")
old_size = os.path.getsize(j)
lines = open(j, encoding="utf-8").read().split("\n")
for i, l in enumerate(lines):
    if '"type":"frame"' in l and '"files":' in l:
        lines[i] = l.replace('"files":', '"no_files":', 1)
        break
else:
    sys.exit("no frame line with files in the journal")
open(j, "w", encoding="utf-8").write("\n".join(lines))
grown = os.path.getsize(j) - old_size
m = os.path.join(bag, "manifest-sha256.txt")
text = re.sub(r"^[0-9a-f]{64}(\s+data/journal\.jsonl)$", lambda x: sha(j) + x.group(1),
              open(m).read(), flags=re.M)
open(m, "w").write(text)
info = os.path.join(bag, "bag-info.txt")
def oxum(x):
    b, n = x.group(1).split(".")
    return f"Payload-Oxum: {int(b) + grown}.{n}"
open(info, "w").write(re.sub(r"^Payload-Oxum: (\S+)$", oxum, open(info).read(), flags=re.M))
for tm in [f for f in os.listdir(bag) if f.startswith("tagmanifest-")]:
    p = os.path.join(bag, tm)
    out = []
    for l in open(p).read().splitlines():
        h, name = l.split(None, 1)
        out.append(f"{sha(os.path.join(bag, name)) if tm.endswith('sha256.txt') else h}  {name}")
    open(p, "w").write("\n".join(out) + "\n")
PY
"$TB" verify "$BAG" >verify.txt 2>&1 || { cat verify.txt; fail "the tampered source does not verify (test setup)"; }
(cd "$BAG" && find . -type f ! -name .tetherbox.lock -exec sha256sum {} + | sort -k2) >before.sha

for opts in "--strip-gps" "" "--jpeg-only --previews"; do
  rm -rf "$WORK/deliv"
  set +e
  # shellcheck disable=SC2086
  "$TB" export "$BAG" --to "$WORK/deliv" $opts >exp.out 2>exp.err
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || { cat exp.out exp.err; fail "export ${opts:-(plain)}: a journal the skeletons cannot read was exported"; }
  expect_contains exp.err "dataset skeletons of $BAG/data/journal.jsonl"
  expect_contains exp.err "unreadable record"
  [ ! -e "$WORK/deliv" ] || fail "export ${opts:-(plain)}: a failed export left $WORK/deliv"
  if ls -d "$WORK"/.deliv.export-* >/dev/null 2>&1; then
    ls -la "$WORK"; fail "export ${opts:-(plain)}: a failed export left its staging folder"
  fi
done
(cd "$BAG" && find . -type f ! -name .tetherbox.lock -exec sha256sum {} + | sort -k2) >after.sha
cmp -s before.sha after.sha || { diff before.sha after.sha; fail "the failed exports changed the source bag"; }
pass "an export whose skeletons fail delivers nothing, leaves no staging folder, source untouched"
