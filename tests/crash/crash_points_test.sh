#!/usr/bin/env bash
# Crash-point suite (issue 8; SQLite's journal tests are the model). A small sim session is
# run under the LD_PRELOAD shim, which kills it (SIGKILL) just before the Nth write, fsync/
# fdatasync, rename, mkdir or unlink on a path under the output folder; the bag is resumed
# (sometimes killed again inside resume's own repair, then resumed again) and must then:
# exit 0, pass `tetherbox verify`, journal every planned position exactly once, hold no temp
# file and need no quarantine (a crash alone never leaves a file the bag cannot prove ours).
# Kills before the bag folder exists lead to a fresh run. N is sampled with a stride so the
# suite stays short: TB_CRASH_POINTS (default 30) is the number of sampled points.
source "$(dirname "$0")/../integration/lib.sh"
: "${TB_SHIM:?TB_SHIM must point at libtb_syscall_shim.so}"
CRASH=$(cd "$(dirname "$0")" && pwd)
POINTS=${TB_CRASH_POINTS:-30}
cd "$WORK"
config_variant "$HERE/configs/small.yaml" crash.yaml \
  '/- {elevation_deg: 40, positions: 3}/d' \
  's/- {elevation_deg: 0, positions: 4}/- {elevation_deg: 0, positions: 2}/' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
grep -q "positions: 2" crash.yaml && ! grep -q "positions: 3" crash.yaml && grep -q "ev: \[0\]" crash.yaml \
  || fail "config variant not applied"
PLANNED=4
START=$SECONDS

# shim_run LOG KIND N ARGS...: tetherbox under the shim ("-" for no log / no kill).
shim_run() {
  local log=$1 kind=$2 n=$3; shift 3
  env TB_SHIM_ROOT="$OUT" LD_PRELOAD="$TB_SHIM" \
    ${log:+TB_SHIM_LOG="$log"} \
    $([ "$kind" != - ] && echo "TB_SHIM_KILL_KIND=$kind TB_SHIM_KILL_AT=$n") \
    "$TB" "$@"
}
fresh_out() { rm -rf "$WORK/out"; mkdir -p "$WORK/out"; OUT=$(realpath "$WORK/out"); }
the_bag() {  # the bag folder under $OUT (hidden temp folders of a half-made bag excluded)
  local d
  for d in "$OUT"/*/; do [ -d "$d" ] && { echo "${d%/}"; return 0; }; done
  return 0
}

# 1. Count the calls of an undisturbed session, and of a resume after a kill mid-session.
fresh_out
shim_run "$WORK/count.log" - - run crash.yaml --out "$OUT" >/dev/null 2>count.err || { cat count.err; fail "undisturbed session failed"; }
count() { awk -v k="$2" '($2==k)' "$1" | wc -l; }
declare -A C
C[write]=$(count count.log write)
C[fsync]=$(( $(count count.log fsync) + $(count count.log fdatasync) ))
C[rename]=$(( $(count count.log rename) + $(count count.log link) ))
C[mkdir]=$(count count.log mkdir)
fresh_out
set +e; shim_run "" rename $((C[rename] / 2)) run crash.yaml --out "$OUT" >/dev/null 2>&1; set -e
B=$(the_bag)
[ -n "$B" ] || fail "no bag after a kill mid-session"
shim_run "$WORK/resume.log" - - run crash.yaml --resume "$B" >/dev/null 2>resume.err || { cat resume.err; fail "resume after a kill failed"; }
R_UNLINK=$(count resume.log unlink)
echo "calls in a session: write ${C[write]} fsync ${C[fsync]} rename ${C[rename]} mkdir ${C[mkdir]}; unlinks in a resume: $R_UNLINK"

# 2. The cases: "KIND N RESUME_KIND RESUME_N".
cases=()
while read -r k n rk rn; do
  [ -z "$k" ] || [ "${k:0:1}" = "#" ] || cases+=("$k $n ${rk:--} ${rn:--}")
done <"$CRASH/regressions.txt"
kinds=(write fsync rename mkdir)
per=$(( POINTS / 5 > 0 ? POINTS / 5 : 1 ))
i=0
for k in "${kinds[@]}"; do
  c=${C[$k]}
  [ "$c" -gt 0 ] || continue
  stride=$(( (c + per - 1) / per ))
  for ((n = 1; n <= c; n += stride)); do
    # Every third point is also killed inside the resume (its repair runs first).
    if [ $((i % 3)) -eq 2 ]; then
      rks=(unlink rename write fsync)
      cases+=("$k $n ${rks[$(((i / 3) % 4))]} $((1 + (i / 3) % 3))")
    else
      cases+=("$k $n - -")
    fi
    i=$((i + 1))
  done
done
# Unlinks only happen in a resume's repair (and on failures): kill a session at a rename
# (temps and unjournaled files are left), then kill its resume at each unlink.
if [ "$R_UNLINK" -gt 0 ]; then
  stride=$(( (R_UNLINK + per - 1) / per ))
  for ((n = 1; n <= R_UNLINK; n += stride)); do cases+=("rename $((C[rename] / 2)) unlink $n"); done
fi

# 3. Run each case and check the bag.
check_bag_state() {  # BAG LABEL
  local b=$1 label=$2
  "$TB" verify "$b" >verify.txt 2>&1 || { cat verify.txt; fail "$label: bag does not verify"; }
  python3 - "$b/data/journal.jsonl" "$PLANNED" <<'PY' || fail "$label: journal positions wrong"
import collections, json, sys
seqs = collections.Counter()
for line in open(sys.argv[1]):
    j = json.loads(line)
    if j.get("type") == "frame":
        seqs[j["seq"]] += 1
    assert not j.get("retake"), "a pure crash made a frame be retaken: " + line
want = set(range(int(sys.argv[2])))
assert set(seqs) == want, f"seqs {sorted(seqs)} != {sorted(want)}"
dup = [s for s, c in seqs.items() if c > 1]
assert not dup, f"seqs journaled twice: {dup}"
PY
  local temps
  temps=$(find "$b" -name '.*.tmp-*')
  [ -z "$temps" ] || fail "$label: temp files left: $temps"
  [ ! -e "$b/quarantine" ] || { find "$b/quarantine"; fail "$label: a crash alone needed a quarantine"; }
}
failed=0
for c in "${cases[@]}"; do
  read -r k n rk rn <<<"$c"
  label="kill at $k #$n${rk:+, resume killed at $rk #$rn}"
  [ "$rk" != - ] || label="kill at $k #$n"
  fresh_out
  set +e
  shim_run "" "$k" "$n" run crash.yaml --out "$OUT" >run1.out 2>run1.err
  rc=$?
  rc1=$rc
  set -e
  [ "$rc" -eq 137 ] || [ "$rc" -eq 0 ] || { cat run1.err; fail "$label: run exited $rc (neither killed nor done)"; }
  B=$(the_bag)
  if [ -z "$B" ]; then
    # Killed before the bag folder existed (a hidden temp folder may remain): start afresh.
    "$TB" run crash.yaml --out "$OUT" >run2.out 2>run2.err || { cat run2.err; fail "$label: fresh run failed"; }
    B=$(tail -n 1 run2.out)
  else
    if [ "$rk" != - ]; then
      set +e
      shim_run "" "$rk" "$rn" run crash.yaml --resume "$B" >res1.out 2>res1.err
      rc=$?
      set -e
      [ "$rc" -eq 137 ] || [ "$rc" -eq 0 ] || { cat res1.err; fail "$label: first resume exited $rc"; }
    fi
    "$TB" run crash.yaml --resume "$B" >res2.out 2>res2.err || { cat res2.err; failed=$((failed + 1)); echo "FAILED: $label (resume exited non-zero)"; continue; }
  fi
  check_bag_state "$B" "$label"
  echo "ok: $label (first run exit $rc1)"
done
[ "$failed" -eq 0 ] || fail "$failed crash points failed"
pass "${#cases[@]} crash points (sample ${POINTS}) resumed to complete bags in $((SECONDS - START)) s"
