#!/usr/bin/env bash
# `tetherbox report BAG` killed (SIGKILL, through the LD_PRELOAD shim) just before its Nth
# write, fsync, rename/link, mkdir or unlink under the output folder: the bag must verify
# right after the kill (its path holds the old bag or the new one, never a mix), and a second
# `tetherbox report` must then succeed, verify, and leave no twin folder behind.
source "$(dirname "$0")/../integration/lib.sh"
: "${TB_SHIM:?TB_SHIM must point at libtb_syscall_shim.so}"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" c.yaml \
  '/- {elevation_deg: 40, positions: 3}/d' \
  's/- {elevation_deg: 0, positions: 4}/- {elevation_deg: 0, positions: 2}/' \
  's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/'
grep -q "positions: 2" c.yaml && grep -q "ev: \[0\]" c.yaml || fail "config variant not applied"
BAG0=$(run_bag c.yaml "$WORK/made")
"$TB" verify "$BAG0" >/dev/null || fail "the session's bag does not verify"
NAME=$(basename "$BAG0")

fresh() {  # a pristine copy of the bag in $WORK/out
  rm -rf "$WORK/out"; mkdir -p "$WORK/out"; cp -a "$BAG0" "$WORK/out/"
  OUT=$(realpath "$WORK/out"); BAG="$OUT/$NAME"
}
shim_report() {  # shim_report LOG KIND N
  env TB_SHIM_ROOT="$OUT" LD_PRELOAD="$TB_SHIM" ${1:+TB_SHIM_LOG="$1"} \
    $([ "$2" != - ] && echo "TB_SHIM_KILL_KIND=$2 TB_SHIM_KILL_AT=$3") "$TB" report "$BAG"
}

fresh
shim_report "$WORK/count.log" - - >/dev/null 2>count.err || { cat count.err; fail "undisturbed rebuild failed"; }
"$TB" verify "$BAG" >/dev/null || fail "the bag does not verify after an undisturbed rebuild"
count() { awk -v k="$1" '$2==k' "$WORK/count.log" | wc -l; }
declare -A C=([write]=$(count write) [fsync]=$(( $(count fsync) + $(count fdatasync) ))
              [rename]=$(( $(count rename) + $(count link) )) [mkdir]=$(count mkdir)
              [unlink]=$(count unlink))
echo "calls in a rebuild: write ${C[write]} fsync ${C[fsync]} rename/link ${C[rename]} mkdir ${C[mkdir]} unlink ${C[unlink]}"
[ "${C[rename]}" -gt 0 ] || fail "the shim saw no rename: the rebuild did not run under it"

cases=0
for kind in rename mkdir unlink fsync write; do
  total=${C[$kind]}
  [ "$total" -gt 0 ] || continue
  stride=$(( (total + 7) / 8 ))  # about eight points per kind, always the last one
  for ((n = 1; n <= total; n += stride)); do
    for at in $n $([ $((n + stride)) -gt "$total" ] && [ "$n" -ne "$total" ] && echo "$total"); do
      fresh
      set +e; shim_report "" "$kind" "$at" >/dev/null 2>kill.err; rc=$?; set -e
      [ "$rc" -eq 137 ] || { cat kill.err; fail "$kind #$at: expected the shim's SIGKILL (137), got $rc"; }
      "$TB" verify "$BAG" >verify.out 2>&1 || { cat verify.out; fail "killed before $kind #$at: the bag does not verify"; }
      "$TB" report "$BAG" >/dev/null 2>again.err || { cat again.err; fail "killed before $kind #$at: the next rebuild failed"; }
      "$TB" verify "$BAG" >/dev/null || fail "killed before $kind #$at: no verify after the next rebuild"
      [ -z "$(ls -A "$OUT" | grep -v -x "$NAME")" ] || { ls -A "$OUT"; fail "killed before $kind #$at: leftovers next to the bag"; }
      cases=$((cases + 1))
    done
  done
done
[ "$cases" -ge 10 ] || fail "only $cases crash points were exercised"
pass "$cases kills inside tetherbox report: the bag verified after each, and the next rebuild finished it"
