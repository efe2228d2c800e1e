#!/usr/bin/env bash
# sync (issue 13 items 1 and 6) against a real S3-compatible server started here (npm's s3rver,
# installed into a test-owned cache on first use) through rclone's S3 backend: a whole bag is
# sent, checked on the server by MD5 against the manifest-verified local files (read back and
# hashed only where the remote lists no MD5: a crypt remote) and
# recorded; a download of it verifies; a file changed on the server is caught by verify on a
# download and repaired by the next sync; an upload cut by killing the server is not recorded
# and resumes without resending what arrived; --previews then --select make a partial copy whose
# own manifest lists what it holds (verify works on it); an unknown access key is refused.
# (s3rver checks the access key id but not the secret: a wrong secret is not testable here.)
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v rclone >/dev/null || fail "rclone is required (scripts/install-deps)"
command -v npm >/dev/null || fail "npm is required (scripts/install-deps: nodejs npm)"
CACHE=${TB_TEST_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tetherbox-tests/npm}
if [ ! -x "$CACHE/node_modules/.bin/s3rver" ]; then
  mkdir -p "$CACHE"
  # Node trusts only its own CA list unless told: a site that inspects TLS adds its CA to the
  # system bundle, so point node at that bundle when the environment did not.
  if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r /etc/ssl/certs/ca-certificates.crt ]; then
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  fi
  npm install --prefix "$CACHE" --no-audit --no-fund s3rver@3 >npm.log 2>&1 ||
    { cat npm.log; fail "npm install s3rver (the npm registry must be reachable; NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-unset})"; }
fi
S3RVER="$CACHE/node_modules/.bin/s3rver"
# Downloads use --fast-list: s3rver's delimited listing leaves out some nested folders.
unset AWS_CA_BUNDLE  # a CA bundle from the environment makes rclone's S3 client refuse plain http
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export RCLONE_CONFIG_S3_TYPE=s3 RCLONE_CONFIG_S3_PROVIDER=Other RCLONE_CONFIG_S3_ENDPOINT="http://127.0.0.1:$PORT"
export RCLONE_CONFIG_S3_FORCE_PATH_STYLE=true RCLONE_CONFIG_S3_ACCESS_KEY_ID=S3RVER RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=S3RVER
export RCLONE_CONFIG="$WORK/none.conf"
SERVER=""
start_server() {
  "$S3RVER" -d "$WORK/s3" -p "$PORT" --silent --configure-bucket tbox >>s3.log 2>&1 & SERVER=$!
  for _ in $(seq 300); do rclone lsd s3: >/dev/null 2>&1 && return 0; sleep 0.2; done
  cat s3.log; fail "s3rver did not start"
}
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; cleanup' EXIT
mkdir -p "$WORK/s3"
start_server

config_variant "$HERE/configs/small.yaml" s.yaml \
  '/elevation_deg: 40, positions: 3/d' \
  's/elevation_deg: 0, positions: 4/elevation_deg: 0, positions: 2/' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
BAG=$(run_bag s.yaml "$WORK/out")   # 4 frames, RAW+JPEG
NAME=$(basename "$BAG")
LOG="$BAG.delivery.jsonl"
log_lines() { [ -f "$LOG" ] && wc -l <"$LOG" || echo 0; }

# 1. Whole bag.
"$TB" sync "$BAG" s3:tbox/full >s1.out 2>s1.err || { cat s1.err; fail "sync exited $?"; }
[ "$(tail -n 1 s1.out)" = "s3:tbox/full/$NAME" ] || { cat s1.out; fail "sync does not print the place"; }
[ "$(log_lines)" -eq 1 ] && grep -q "\"type\":\"sync\",\"utc\"" "$LOG" || { cat "$LOG"; fail "the sync is not recorded"; }
grep -q "\"place\":\"s3:tbox/full/$NAME\"" "$LOG" || fail "the recorded place"
rclone copy --fast-list "s3:tbox/full/$NAME" "$WORK/dl1" || fail "download"
"$TB" verify "$WORK/dl1" >v1.txt || { cat v1.txt; fail "a download of the synced bag does not verify"; }
# S3 gives every file's MD5: each was checked by rclone's own comparison, none read back.
FILES=$(($(wc -l <"$BAG/manifest-sha256.txt") + 3))
grep -q "sync: $FILES file(s) checked by rclone's MD5 comparison, 0 read back" s1.err ||
  { cat s1.err; fail "the S3 copy was not checked by MD5 file by file (or was read back)"; }
pass "sync: whole bag sent, verified, recorded"

# 2. A file changed on the server (same size): verify on a download names it; sync repairs it.
F=$(cd "$BAG" && ls data/frames/*.jpg | head -n 1)
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-3] ^= 0xFF; sys.stdout.buffer.write(b)' "$BAG/$F" |
  rclone rcat "s3:tbox/full/$NAME/$F" || fail "cannot change the remote file"
rclone copy --fast-list "s3:tbox/full/$NAME" "$WORK/dl2" || fail "download 2"
set +e; "$TB" verify "$WORK/dl2" >v2.txt; rc=$?; set -e
[ "$rc" -ne 0 ] && grep -qF "changed: $F" v2.txt || { cat v2.txt; fail "verify did not catch the file changed on the remote"; }
"$TB" sync "$BAG" s3:tbox/full >s2.out 2>s2.err || { cat s2.err; fail "the repairing sync"; }
rclone copy --fast-list "s3:tbox/full/$NAME" "$WORK/dl3" || fail "download 3"
"$TB" verify "$WORK/dl3" >/dev/null || fail "the repaired remote does not verify"
pass "a changed remote file is caught by verify and resent"

# 2b. A changed remote file of the same size and time (a plain rclone copy skips it): sync
# compares the remote's MD5 with the local file's (which matched the manifest) and resends it.
F2=$(cd "$BAG" && ls data/frames/*.jpg | sed -n 2p)
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-3] ^= 0xFF; open(sys.argv[2], "wb").write(b)' "$BAG/$F2" bad.jpg
touch -r "$BAG/$F2" bad.jpg
rclone copyto --ignore-times bad.jpg "s3:tbox/full/$NAME/$F2" || fail "cannot change the remote file (same time)"
N2=$(log_lines)
"$TB" sync "$BAG" s3:tbox/full >s2b.out 2>s2b.err || { cat s2b.err; fail "sync over a same-time changed file"; }
[ "$(log_lines)" -eq $((N2 + 1)) ] || fail "the repairing sync is not recorded"
rm -rf "$WORK/dl3b"; rclone copy --fast-list "s3:tbox/full/$NAME" "$WORK/dl3b" || fail "download 3b"
"$TB" verify "$WORK/dl3b" >v3b.txt || { cat v3b.txt; fail "a same-time changed remote file was left in place"; }
pass "a remote file changed with the same size and time is caught by sync and resent"

# 3. Cut mid-upload: the server is killed while a slow (--bwlimit) sync runs.
N0=$(log_lines)
"$TB" sync "$BAG" s3:tbox/cut --bwlimit 40k >s3c.out 2>s3c.err & SYNC=$!
for _ in $(seq 600); do
  [ "$(find "$WORK/s3/tbox/cut" -name '*._S3rver_metadata.json' 2>/dev/null | wc -l)" -ge 4 ] && break; sleep 0.1
done
kill -9 "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
set +e; wait "$SYNC"; rc=$?; set -e
[ "$rc" -eq 1 ] || { cat s3c.err; fail "a sync cut by the server's death exited $rc, expected 1"; }
grep -q "not marked synced" s3c.err || { cat s3c.err; fail "the cut sync does not say it is not recorded"; }
[ "$(log_lines)" -eq "$N0" ] || fail "a cut sync was recorded"
# Objects complete before the cut: the server's file is as long as the bag's (one being
# received when the server died is partial, and is rightly sent again).
: >arrived.txt
while read -r obj size t; do
  rel=${obj#"$NAME"/}; rel=${rel%._S3rver_object}
  [ -f "$BAG/$rel" ] && [ "$(stat -c %s "$BAG/$rel")" = "$size" ] && echo "$obj $t" >>arrived.txt
done < <(find "$WORK/s3/tbox/cut" -name '*._S3rver_object' -printf '%P %s %T@\n' | sort)
[ -s arrived.txt ] || fail "nothing arrived before the cut (test too fast)"
start_server
"$TB" sync "$BAG" s3:tbox/cut >s3r.out 2>s3r.err || { cat s3r.err; fail "the resumed sync"; }
[ "$(log_lines)" -eq $((N0 + 1)) ] || fail "the resumed sync is not recorded"
# What had arrived before the cut was not sent again (same object files, same times).
while read -r obj t; do
  case "$obj" in *manifest*|*bag-info*|*bagit*) continue ;; esac
  now=$(find "$WORK/s3/tbox/cut/$obj" -printf '%T@') || fail "$obj vanished"
  [ "$now" = "$t" ] || fail "$obj was sent again after the resume"
done <arrived.txt
rclone copy --fast-list "s3:tbox/cut/$NAME" "$WORK/dl4" && "$TB" verify "$WORK/dl4" >/dev/null || fail "the resumed copy does not verify"
pass "an upload cut by the server's death resumes, sending only what was missing"

# 4. Selection: previews first, then the frames the client chose.
"$TB" sync "$BAG" s3:tbox/sel --previews >p.out 2>p.err || { cat p.err; fail "sync --previews"; }
grep -q "(partial)" p.out || fail "--previews is not a partial copy"
rclone copy --fast-list "s3:tbox/sel/$NAME" "$WORK/dl5" || fail "download 5"
"$TB" verify "$WORK/dl5" >/dev/null || fail "verify on the --previews copy"
! ls "$WORK"/dl5/data/frames/* >/dev/null 2>&1 || fail "--previews sent originals"
ls "$WORK"/dl5/data/previews/*.jpg >/dev/null && [ -f "$WORK/dl5/data/report.json" ] || fail "--previews: previews/report missing"
PICK=$(cd "$BAG/data/frames" && ls *.jpg | sed -n 2p); PICK=${PICK%.jpg}
printf '%s\n' "$PICK" >pick.txt
"$TB" sync "$BAG" s3:tbox/sel --select pick.txt >q.out 2>q.err || { cat q.err; fail "sync --select"; }
rm -rf "$WORK/dl6"; rclone copy --fast-list "s3:tbox/sel/$NAME" "$WORK/dl6" || fail "download 6"
"$TB" verify "$WORK/dl6" >v6.txt || { cat v6.txt; fail "verify on the selected copy"; }
[ "$(cd "$WORK/dl6/data/frames" && ls | sed -E 's/\.(jpg|dng|xmp)$//' | sort -u)" = "$PICK" ] || { ls "$WORK/dl6/data/frames"; fail "--select sent other frames"; }
grep -c "  data/frames/" "$WORK/dl6/manifest-sha256.txt" | grep -qx 3 || fail "the partial manifest does not list the frame's 3 files"
grep -q "^Tetherbox-Partial: " "$WORK/dl6/bag-info.txt" || fail "the partial copy does not say so"
grep -q '"type":"sync-partial"' "$LOG" || fail "a partial sync is not recorded as partial"
pass "--previews and --select: a partial copy that verifies"

# 5. An unknown access key: refused with the server's reason, nothing recorded.
N1=$(log_lines)
set +e; RCLONE_CONFIG_S3_ACCESS_KEY_ID=nobody "$TB" sync "$BAG" s3:tbox/denied >d.out 2>d.err; rc=$?; set -e
[ "$rc" -eq 1 ] && grep -q "InvalidAccessKeyId" d.err || { cat d.err; fail "refused credentials: exit $rc"; }
[ "$(log_lines)" -eq "$N1" ] || fail "a refused sync was recorded"
pass "refused credentials"

# 6. A remote that lists no MD5 (rclone crypt over a folder): sync falls back to reading those
# files back and hashing them with SHA-256; a same-size, same-time change is caught there too.
export RCLONE_CONFIG_SEC_TYPE=crypt RCLONE_CONFIG_SEC_REMOTE="$WORK/crypt"
RCLONE_CONFIG_SEC_PASSWORD=$(rclone obscure tetherbox-test); export RCLONE_CONFIG_SEC_PASSWORD
N3=$(log_lines)
"$TB" sync "$BAG" sec:full >c1.out 2>c1.err || { cat c1.err; fail "sync to a remote without MD5"; }
[ "$(log_lines)" -eq $((N3 + 1)) ] || fail "the sync to a remote without MD5 is not recorded"
rclone copyto --ignore-times bad.jpg "sec:full/$NAME/$F2" || fail "cannot change the crypt remote file"
"$TB" sync "$BAG" sec:full >c2.out 2>c2.err || { cat c2.err; fail "sync over a changed file without MD5"; }
grep -q "differ on" c2.err || { cat c2.err; fail "the read-back check did not notice the changed file"; }
# Files rclone skipped as the same size (no MD5 to compare) were read back: a skip is no check.
grep -qE "checked by rclone's MD5 comparison, [1-9][0-9]* read back" c2.err ||
  { cat c2.err; fail "files skipped by size on a remote without MD5 were not read back"; }
rclone copy "sec:full/$NAME" "$WORK/dl7" || fail "download 7"
"$TB" verify "$WORK/dl7" >v7.txt || { cat v7.txt; fail "the crypt copy does not verify"; }
pass "a remote without MD5: files read back and hashed, a change caught and resent"

# 7. A bag damaged on this disk (a frame changed, same size; one missing) is refused, each file
# named, and not recorded; the remote's good copy of the same bag is never replaced by it,
# although the upload starts while the bag is still being hashed (sync runs both at once).
mkdir -p "$WORK/damaged" && cp -a "$BAG" "$WORK/damaged/" && D="$WORK/damaged/$NAME"
rm -f "$D.delivery.jsonl"
python3 - "$D/$F" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 0xFF
open(sys.argv[1], "wb").write(b)
PY
G=$(cd "$D" && ls data/frames/*.xmp | head -n 1) && rm "$D/$G"
set +e; "$TB" sync "$D" s3:tbox/full >d7.out 2>d7.err; rc=$?; set -e
[ "$rc" -eq 1 ] || { cat d7.err; fail "sync of a damaged bag exited $rc, expected 1"; }
grep -qF "changed: $F" d7.err && grep -qF "missing: $G" d7.err || { cat d7.err; fail "the damaged files are not named"; }
[ ! -e "$D.delivery.jsonl" ] || fail "a refused sync was recorded"
rm -rf "$WORK/dl8" && rclone copy --fast-list "s3:tbox/full/$NAME" "$WORK/dl8" || fail "download 8"
"$TB" verify "$WORK/dl8" >v8.txt || { cat v8.txt; fail "the damaged bag's sync spoiled the good remote copy"; }
pass "a damaged bag is refused, its files named, and the good remote copy is left as it was"
