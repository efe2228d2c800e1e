#!/usr/bin/env bash
# Bad input: a clear error naming the cause, a non-zero exit, nothing half-written.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
expect_fail() {  # expect_fail EXPECTED_RC TEXT CMD...
  local want=$1 text=$2; shift 2
  set +e; "$@" >out.txt 2>err.txt; local rc=$?; set -e
  [ "$rc" -eq "$want" ] || { cat err.txt; fail "$*: exit $rc, expected $want"; }
  expect_contains err.txt "$text"
}
printf 'session:\n  name: x\ncamera: [unclosed\n' >syntax.yaml
expect_fail 2 "syntax.yaml:4:1: invalid YAML" "$TB" run syntax.yaml --out "$WORK/o"
config_variant "$HERE/configs/small.yaml" typo.yaml 's/aperture: 8/aperature: 8/'
expect_fail 2 "did you mean 'aperture'" "$TB" run typo.yaml --out "$WORK/o"
expect_fail 2 "typo.yaml:7:32: camera.exposure.aperature" "$TB" plan typo.yaml
config_variant "$HERE/configs/small.yaml" zero.yaml 's/positions: 3}/positions: 0}/'
expect_fail 2 "positions" "$TB" plan zero.yaml
config_variant "$HERE/configs/small.yaml" overlap.yaml 's/subject_radius_m: 0.15/subject_radius_m: 0.15\n  target_overlap: 0.97/'
expect_fail 2 "target_overlap" "$TB" plan overlap.yaml
config_variant "$HERE/configs/small.yaml" light.yaml 's/on: \[warm\]/on: [wram]/'
expect_fail 2 "wram" "$TB" run light.yaml --out "$WORK/o"
# Output folder that cannot be made, and one that is read-only.
touch afile
expect_fail 1 "afile" "$TB" run "$HERE/configs/small.yaml" --out "$WORK/afile/sub"
mount_tmpfs "$WORK/ro" 1m ro
expect_fail 1 "$WORK/ro" "$TB" run "$HERE/configs/small.yaml" --out "$WORK/ro"
[ -z "$(ls -A "$WORK/o" 2>/dev/null)" ] || fail "a rejected config left files in the output folder"
# verify names what is wrong with something that is not a bag.
mkdir notabag
expect_fail 1 "bagit.txt" "$TB" verify notabag
# plan prints the plan and touches nothing.
"$TB" plan "$HERE/configs/small.yaml" >plan.txt
expect_contains plan.txt "42"
pass "bad YAML, unknown key, impossible plans, unknown light, bad output dirs all rejected clearly"
