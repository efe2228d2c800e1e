#!/usr/bin/env bash
# The .deb of this build (cpack, as scripts/package makes it): dpkg-deb -c lists exactly the
# files the README's "Deploy to a Pi" section lists; the control data names the conffile, the
# maintainer scripts and the shared libraries; the extracted tree works: tetherbox --version
# names the commit, the default config plans cleanly, the man pages render without a warning,
# the unit passes systemd-analyze verify against the packaged daemon, and the packaged
# tetherboxd runs as an unprivileged user on a sim config (socket 0660, SIGTERM ends it).
source "$(dirname "$0")/lib.sh"
SRC=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$(dirname "$TB")/.." && pwd)
[ -f "$BUILD/CPackConfig.cmake" ] || fail "no CPackConfig.cmake in $BUILD (board/packaging/install.cmake not included?)"
for t in cpack dpkg-deb dpkg-shlibdeps groff systemd-analyze setpriv; do
  command -v "$t" >/dev/null || fail "$t not found (scripts/install-deps)"
done
HAVE_D=0
[ -x "$BUILD/firmware/tetherboxd" ] && HAVE_D=1

# 1. Build the package (uncompressed: this is about contents, and it is faster).
(cd "$BUILD" && cpack -G DEB -B "$WORK/pkg" -D CPACK_DEBIAN_COMPRESSION_TYPE=none) >"$WORK/cpack.log" 2>&1 ||
  { cat "$WORK/cpack.log"; fail "cpack"; }
arch=$(dpkg --print-architecture)
DEB=$(ls "$WORK"/pkg/tetherbox_*_"$arch".deb) || fail "no tetherbox_*_$arch.deb"
version=$(sed -n 's/^project(tetherbox VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
[ "$(basename "$DEB")" = "tetherbox_${version}_${arch}.deb" ] || fail "package named $(basename "$DEB")"
pass "cpack: $(basename "$DEB")"

# 2. Contents = the README's list (the daemon's line only once this build has a daemon).
sed -n '/^### From the .deb/,/^### From source/p' "$SRC/README.md" |
  awk '/^```/ {inblock = !inblock; next} inblock && /^\// {print $1}' | sort >"$WORK/readme.txt"
[ -s "$WORK/readme.txt" ] || fail "no file list in the README's Deploy section"
[ "$HAVE_D" -eq 1 ] || { echo "note: no tetherboxd in this build: /usr/sbin/tetherboxd not expected yet"; sed -i '\|^/usr/sbin/tetherboxd$|d' "$WORK/readme.txt"; }
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}' | sort >"$WORK/deb.txt"
diff -u "$WORK/readme.txt" "$WORK/deb.txt" || fail "dpkg-deb -c differs from the README's list (- README, + package)"
pass "dpkg-deb -c: the README's $(wc -l <"$WORK/readme.txt") files, nothing else"

# 3. Control data.
dpkg-deb -e "$DEB" "$WORK/control"
[ "$(cat "$WORK/control/conffiles")" = "/etc/tetherbox/tetherbox.yaml" ] || fail "conffiles: $(cat "$WORK/control/conffiles")"
for s in postinst prerm postrm; do
  [ -x "$WORK/control/$s" ] || fail "no executable $s"
  sh -n "$WORK/control/$s" || fail "$s: shell syntax"
done
grep -q "adduser --system" "$WORK/control/postinst" || fail "postinst does not create the system user"
grep -q "deluser --system" "$WORK/control/postrm" || fail "postrm does not remove the system user"
deps=$(dpkg-deb -f "$DEB" Depends)
for d in adduser libgphoto2-6 libspdlog libsystemd0 libyaml-cpp; do
  [[ $deps == *"$d"* ]] || fail "Depends lacks $d: $deps"
done
[ "$(dpkg-deb -f "$DEB" Architecture)" = "$arch" ] || fail "Architecture is not $arch"
pass "control: conffile, maintainer scripts, Depends from dpkg-shlibdeps"

# 4. The extracted tree.
X=$WORK/x
dpkg-deb -x "$DEB" "$X"
"$X/usr/bin/tetherbox" --version >"$WORK/version.txt"
# The commit is read when CMake configures: a commit of this repository (HEAD itself in CI,
# which configures afresh; scripts/package-check insists on HEAD).
# `git describe`: the 12-hex commit, or TAG-N-g<12 hex> once there are tags; -dirty if changed.
commit=$(sed -nE "s/^tetherbox $version \(git ([^ ]*-g)?([0-9a-f]{12})(-dirty)?\)\$/\2/p" "$WORK/version.txt")
[ -n "$commit" ] || { cat "$WORK/version.txt"; fail "--version is not 'tetherbox $version (git <12 hex>[-dirty])'"; }
git -C "$SRC" cat-file -e "$commit^{commit}" || fail "--version names $commit, not a commit of this repository"
[ "$(git -C "$SRC" rev-parse --short=12 HEAD)" = "$commit" ] || echo "note: built from $commit, HEAD is newer (configure again to restamp)"
"$X/usr/bin/tetherbox" plan "$X/etc/tetherbox/tetherbox.yaml" >"$WORK/plan.txt" 2>&1 ||
  { cat "$WORK/plan.txt"; fail "the packaged default config does not plan"; }
expect_contains "$WORK/plan.txt" "camera     gphoto2"
expect_contains "$WORK/plan.txt" "Bag: /var/lib/tetherbox/"
for m in man1/tetherbox.1 man5/tetherbox.yaml.5 man8/tetherboxd.8; do
  out=$(zcat "$X/usr/share/man/$m.gz" | groff -man -Tutf8 -ww 2>&1 >/dev/null)
  [ -z "$out" ] || fail "$m: groff warnings: $out"
  zcat "$X/usr/share/man/$m.gz" | groff -man -Tutf8 -P-cbou 2>/dev/null | grep -q "^NAME" || fail "$m renders no NAME section"
done
pass "extracted: --version names commit $commit, default config plans, man pages render cleanly"

UNIT=$X/usr/lib/systemd/system/tetherboxd.service
D=$X/usr/sbin/tetherboxd
[ "$HAVE_D" -eq 1 ] || D=$X/usr/bin/tetherbox
sed "s|^ExecStart=/usr/sbin/tetherboxd|ExecStart=$D|" "$UNIT" >"$WORK/tetherboxd.service"
systemd-analyze verify --man=no "$WORK/tetherboxd.service" >"$WORK/verify.txt" 2>&1 && [ ! -s "$WORK/verify.txt" ] ||
  { cat "$WORK/verify.txt"; fail "systemd-analyze verify on the packaged unit"; }
pass "packaged unit: systemd-analyze verify clean (ExecStart $D)"

# 5. The packaged daemon as an unprivileged user on the sim board.
if [ "$HAVE_D" -eq 0 ]; then
  echo "NOTE: no tetherboxd in this build yet: the daemon run is not checked here"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || fail "needs root to drop to user nobody"
R=$WORK/run
mkdir -p "$R/sock" "$R/store"
cp "$HERE/configs/small.yaml" "$HERE/configs/model-release.pdf" "$R/"
chown -R nobody:nogroup "$R"
chmod 755 "$WORK"
# systemd's side of Type=notify, played by a listener on NOTIFY_SOCKET (WATCHDOG_PID is the
# daemon's: the shell execs into setpriv, which execs into tetherboxd).
python3 "$HERE/service_journal_listen.py" "$R/sock/notify" "$R/notify.jsonl" >"$R/listen.out" &
lpid=$!
for _ in $(seq 600); do grep -q READY "$R/listen.out" 2>/dev/null && break; sleep 0.1; done
NOTIFY_SOCKET=$R/sock/notify WATCHDOG_USEC=4000000 sh -c 'export WATCHDOG_PID=$$; exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"' sh \
  "$D" --config "$R/small.yaml" --socket "$R/sock/control.sock" --storage "$R/store" >"$R/d.out" 2>"$R/d.err" &
dpid=$!
for _ in $(seq 600); do [ -S "$R/sock/control.sock" ] && break; kill -0 $dpid 2>/dev/null || break; sleep 0.1; done
[ -S "$R/sock/control.sock" ] || { cat "$R/d.err"; fail "tetherboxd made no socket"; }
[ "$(stat -c '%a %U %G' "$R/sock/control.sock")" = "660 nobody nogroup" ] ||
  fail "socket is $(stat -c '%a %U %G' "$R/sock/control.sock"), expected 660 nobody nogroup"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$X/usr/bin/tetherbox" --socket "$R/sock/control.sock" status \
  >"$R/status.txt" 2>&1 || { cat "$R/status.txt" "$R/d.err"; fail "tetherbox status against the packaged daemon"; }
# READY=1 comes before the socket is announced; the watchdog pings at least every 2 s after it.
for _ in $(seq 600); do grep -q '"WATCHDOG": "1"' "$R/notify.jsonl" 2>/dev/null && break; sleep 0.1; done
kill -TERM $dpid
set +e; wait $dpid; rc=$?; set -e
[ "$rc" -eq 0 ] || { cat "$R/d.err"; fail "tetherboxd exited $rc on SIGTERM"; }
sleep 0.5
kill $lpid
python3 - "$R/notify.jsonl" <<'PY' || fail "sd_notify messages"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
keys = [k for m in msgs for k in m]
for want in ("READY", "STATUS", "WATCHDOG", "STOPPING"):
    if want not in keys:
        sys.exit(f"no {want}= among {msgs}")
if keys.index("READY") > keys.index("WATCHDOG"):
    sys.exit("WATCHDOG=1 before READY=1")
print(f"{len(msgs)} notify messages; first STATUS: {next(m['STATUS'] for m in msgs if 'STATUS' in m)!r}")
PY
pass "packaged tetherboxd as nobody: socket 0660, status answers, READY/STATUS/WATCHDOG/STOPPING notified, SIGTERM exits 0"
