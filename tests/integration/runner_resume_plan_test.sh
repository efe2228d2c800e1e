#!/usr/bin/env bash
# A resume runs the bag's own plan or refuses: a config that changes the data (format, name,
# template, image size, mode) is refused with the differing keys and the command to use;
# device-only changes (sim faults) are accepted; the bag's own data/session.yaml completes it.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
config_variant "$HERE/configs/small.yaml" slow.yaml \
  's/sim: {width: 480, height: 320, seed: 7}/sim: {width: 480, height: 320, seed: 7, faults: {slow_download_ms: 60}}/'
"$TB" run slow.yaml --out "$WORK/out" >stdout1.txt 2>stderr1.txt &
pid=$!
"$HERE/wait-frames.sh" "$WORK/out" 4 60 >/dev/null || fail "no frames journaled"
kill -TERM "$pid"
set +e; wait "$pid"; rc=$?; set -e
[ "$rc" -eq 3 ] || { cat stderr1.txt; fail "SIGTERM: exit $rc, expected 3"; }
BAG=$(tail -n 1 stdout1.txt)
before=$(grep -c '"type":"frame"' "$BAG/data/journal.jsonl")
sha_before=$(sha256sum "$BAG/manifest-sha256.txt")

# refuse CASE SED...: a resume with this change exits non-zero, names KEY, touches nothing.
refuse() {
  local key=$1; shift
  config_variant slow.yaml changed.yaml "$@"
  set +e
  "$TB" run changed.yaml --resume "$BAG" >out.txt 2>err.txt
  local rc=$?
  set -e
  [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] || { cat err.txt; fail "resume with a changed $key: exit $rc"; }
  expect_contains err.txt "$key"
  expect_contains err.txt "tetherbox run $BAG/data/session.yaml --resume $BAG"
  [ "$(sha256sum "$BAG/manifest-sha256.txt")" = "$sha_before" ] || fail "refused resume ($key) changed the bag"
  [ "$(grep -c '"type":"frame"' "$BAG/data/journal.jsonl")" -eq "$before" ] || fail "refused resume ($key) took frames"
}
refuse camera.format 's/format: raw+jpeg/format: jpeg/'
refuse session.name 's/name: small/name: other/'
refuse camera.sim.width 's/width: 480/width: 640/'
refuse storage.name_template '/^storage:/a\  name_template: "{session}_{seq:04}"'
refuse session.mode 's/^session:/session:\n  mode: buttons\n  max_brackets: 2/' \
  's/^turntable:.*/turntable: {backend: none}/' \
  '/^gps:/i buttons:\n  backend: sim\n  buttons: [{name: trigger, action: trigger}]\n  sim_press_at_s: [0.2, 0.5]'
pass "resumes with data-changing configs refused, naming the keys; the bag untouched"

# A device-only change (the sim's faults) is not a different plan.
config_variant slow.yaml devices.yaml 's/faults: {slow_download_ms: 60}/faults: {slow_download_ms: 0}/'
"$TB" run devices.yaml --resume "$BAG" >stdout2.txt 2>stderr2.txt || { cat stderr2.txt; fail "device-only change refused"; }
"$TB" verify "$BAG" >/dev/null || fail "resumed bag does not verify"
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 42 || fail "independent checks after resume"
pass "a device-only change resumes and completes the bag"
