#!/usr/bin/env bash
# Issue 8 item 9: verify never follows a link out of the bag and never hangs on a FIFO. Each
# damaged copy of a good bag must fail `tetherbox verify` (not time out), naming the cause.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
cp "$HERE/configs/model-release.pdf" .
"$TB" run "$HERE/configs/small.yaml" --out "$WORK/out" >stdout.txt 2>stderr.txt || { cat stderr.txt; fail "run failed"; }
GOOD=$(tail -n 1 stdout.txt)
"$TB" verify "$GOOD" >/dev/null || fail "the untouched bag does not verify"
JPG=$(cd "$GOOD" && ls data/frames/*.jpg | head -n 1)

n=0
# expect_verify_fails NAME TEXT SETUP...: copies the bag, runs SETUP in it, verify must fail
# (within a generous timeout that only catches a hang) and print TEXT.
expect_verify_fails() {
  local name=$1 text=$2; shift 2
  n=$((n + 1))
  local b="$WORK/case$n"
  cp -a "$GOOD" "$b"
  (cd "$b" && eval "$*") || fail "$name: setup failed"
  set +e
  timeout 120 "$TB" verify "$b" >"$WORK/v$n.txt" 2>&1
  local rc=$?
  set -e
  [ "$rc" -ne 124 ] || fail "$name: verify hung"
  [ "$rc" -ne 0 ] || { cat "$WORK/v$n.txt"; fail "$name: verify said OK"; }
  grep -qF -- "$text" "$WORK/v$n.txt" || { cat "$WORK/v$n.txt"; fail "$name: verify did not say '$text'"; }
  echo "ok: $name"
}
expect_verify_fails "frame replaced by a link to a copy" "$JPG is a symbolic link" \
  "cp $JPG $WORK/copy.jpg && rm $JPG && ln -s $WORK/copy.jpg $JPG"
expect_verify_fails "data/ is a link" "data/ is a symbolic link" \
  "mv data $WORK/data-elsewhere && ln -s $WORK/data-elsewhere data"
expect_verify_fails "data/frames is a link" "data/frames is a symbolic link" \
  "mv data/frames $WORK/frames-elsewhere && ln -s $WORK/frames-elsewhere data/frames"
expect_verify_fails "link to /etc" "data/etc is a symbolic link" "ln -s /etc data/etc"
expect_verify_fails "listed file is a link to /etc/hostname" "is a symbolic link" \
  "rm $JPG && ln -s /etc/hostname $JPG"
expect_verify_fails "tag file is a link" "bagit.txt is a symbolic link" \
  "cp bagit.txt $WORK/bagit.copy && rm bagit.txt && ln -s $WORK/bagit.copy bagit.txt"
expect_verify_fails "a FIFO under data/" "data/frames/pipe is a FIFO" "mkfifo data/frames/pipe"
expect_verify_fails "a listed file replaced by a FIFO" "$JPG is a FIFO" "rm $JPG && mkfifo $JPG"
if mknod "$WORK/probe-dev" c 1 3 2>/dev/null; then
  expect_verify_fails "a device file" "data/frames/null is a device file" "mknod data/frames/null c 1 3"
else
  echo "skip: device file case (mknod not permitted here)"
fi
pass "verify refused $n bags with links, FIFOs or devices, and never hung"
