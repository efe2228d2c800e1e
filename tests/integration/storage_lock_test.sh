#!/usr/bin/env bash
# Issue 8 item 2, from the user's side: one process writes a bag.
#  - two `tetherbox run --resume BAG` at once: exactly one runs, the other exits non-zero
#    naming the pid that holds the bag; the bag completes and verifies;
#  - a `--resume` of a bag a plain `run` is still writing is refused too (lock from create);
#  - two runs started together get two distinct bags, both verify.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" slow.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {slow_download_ms: 60}}/'
grep -q slow_download_ms slow.yaml || fail "config variant not applied"

# A plain run holds its bag from creation on.
"$TB" run slow.yaml --out "$WORK/out" >run.out 2>run.err &
runpid=$!
journal=$("$HERE/wait-frames.sh" "$WORK/out" 3 60 || true)
[ -n "$journal" ] || { kill -9 "$runpid"; fail "no journal appeared"; }
BAG=$(dirname "$(dirname "$journal")")
set +e
"$TB" run slow.yaml --resume "$BAG" >busy.out 2>busy.err
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "--resume of a bag being written exited 0"
expect_contains busy.err "is being written by pid $runpid"
kill -9 "$runpid"
wait "$runpid" 2>/dev/null || true
before=$(grep -c '"type":"frame"' "$BAG/data/journal.jsonl")
[ "$before" -lt 42 ] || fail "session finished before the kill"

# Two resumes at once.
"$TB" run slow.yaml --resume "$BAG" >r1.out 2>r1.err &
p1=$!
"$TB" run slow.yaml --resume "$BAG" >r2.out 2>r2.err &
p2=$!
set +e
wait "$p1"; rc1=$?
wait "$p2"; rc2=$?
set -e
echo "resume exits: $rc1 $rc2"
if [ "$rc1" -eq 0 ]; then
  [ "$rc2" -ne 0 ] || fail "both resumes exited 0"
  expect_contains r2.err "is being written by pid $p1"
else
  [ "$rc2" -eq 0 ] || { cat r1.err r2.err; fail "neither resume succeeded ($rc1, $rc2)"; }
  expect_contains r1.err "is being written by pid $p2"
fi
"$TB" verify "$BAG" >verify.txt || { cat verify.txt; fail "bag does not verify after the resumes"; }
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 42 || fail "independent checks after resume"
dups=$(grep '"type":"frame"' "$BAG/data/journal.jsonl" | python3 -c '
import json, sys, collections
c = collections.Counter(json.loads(l)["seq"] for l in sys.stdin)
print(sum(1 for v in c.values() if v > 1))')
[ "$dups" -eq 0 ] || fail "$dups sequence numbers journaled twice"

# Two fresh runs started together: two bags.
"$TB" run "$HERE/configs/small.yaml" --out "$WORK/two" >a.out 2>a.err &
pa=$!
"$TB" run "$HERE/configs/small.yaml" --out "$WORK/two" >b.out 2>b.err &
pb=$!
wait "$pa" || { cat a.err; fail "first of two runs failed"; }
wait "$pb" || { cat b.err; fail "second of two runs failed"; }
A=$(tail -n 1 a.out); B=$(tail -n 1 b.out)
[ "$A" != "$B" ] || fail "two runs wrote one bag: $A"
[ "$(ls -d "$WORK"/two/*/ | wc -l)" -eq 2 ] || { ls -la "$WORK/two"; fail "expected exactly two bag folders"; }
for b in "$A" "$B"; do
  "$TB" verify "$b" >v.txt || { cat v.txt; fail "$b does not verify"; }
  python3 "$HERE/check_bag.py" "$b" --expect-frames 42 || fail "independent checks of $b"
done
pass "one writer per bag: concurrent resume refused naming the pid; two runs -> $(basename "$A"), $(basename "$B")"
