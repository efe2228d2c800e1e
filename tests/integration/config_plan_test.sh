#!/usr/bin/env bash
# `tetherbox plan` refuses what `run` would refuse, at the config's file:line:col with exit 2,
# before any bag exists; and says which devices are simulated, where the bag goes, the caps.
# Each case below was accepted (or crashed later) before issue 8.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
SMALL="$HERE/configs/small.yaml"
expect_plan_fails() {  # expect_plan_fails CONFIG TEXT...
  local cfg=$1; shift
  set +e; "$TB" plan "$cfg" >out.txt 2>err.txt; local rc=$?; set -e
  [ "$rc" -eq 2 ] || { cat out.txt err.txt; fail "plan $cfg: exit $rc, expected 2"; }
  for t in "$@"; do expect_contains err.txt "$t"; done
}

# Names: 0.5° steps rendered with whole degrees collide; the message names both frames.
config_variant "$SMALL" halfdeg.yaml 's/positions: 4}/positions: 720}/' \
  's/^  root: .*/  root: .\/sessions\n  name_template: "{session}_{ring}_{az:03}_{light}_{ev:+.1f}"/'
expect_plan_fails halfdeg.yaml "halfdeg.yaml:33:18: storage.name_template:" "the same name" \
  "use {az:05.1f}"
# The suggested fix plans, and every name is rendered.
config_variant "$SMALL" halfdeg-ok.yaml 's/positions: 4}/positions: 720}/' \
  's/^  root: .*/  root: .\/sessions\n  name_template: "{session}_{ring}_{az:05.1f}_{light}_{ev:+.1f}"/'
"$TB" plan halfdeg-ok.yaml >plan.txt
expect_contains plan.txt "Names: 4338 rendered, all distinct"

# Presets that sanitise alike ("key light" / "key-light") would overwrite each other's frames.
config_variant "$SMALL" presets.yaml 's/name: cool,/name: "key light",/' 's/name: warm, on/name: key-light, on/'
expect_plan_fails presets.yaml "presets.yaml:25:14: lighting.presets[1].name: 'key-light'"

# A template error is placed at its key (it used to pass plan and fail run with exit 1).
config_variant "$SMALL" tmpl.yaml 's/^  root: .*/  root: .\/sessions\n  name_template: "{session}_{frame}"/'
expect_plan_fails tmpl.yaml "tmpl.yaml:33:18: storage.name_template:" "unknown field {frame}"
config_variant "$SMALL" width.yaml 's/^  root: .*/  root: .\/sessions\n  name_template: "{seq:>2000000000}"/'
expect_plan_fails width.yaml "width.yaml:33:18: storage.name_template:" "too large"

# Numbers that crashed the sim, invalid UTF-8, a directory as session name.
config_variant "$SMALL" step.yaml 's/speed_deg_s: 3600,/speed_deg_s: 3600, step_deg: 1e-308,/'
expect_plan_fails step.yaml "step.yaml:17:"  "turntable.step_deg: 1e-308 is out of range"
config_variant "$SMALL" dist.yaml 's/subject_distance_m: 1.0/subject_distance_m: 1e308/'
expect_plan_fails dist.yaml "dist.yaml:12:23: orbit.subject_distance_m:"
config_variant "$SMALL" nan.yaml 's/subject_radius_m: 0.15/subject_radius_m: .nan/'
expect_plan_fails nan.yaml "nan.yaml:13:21: orbit.subject_radius_m: '.nan' is not a finite number"
config_variant "$SMALL" utf8.yaml "s/name: small/name: \"sm\\xe9all\"/"
expect_plan_fails utf8.yaml "utf8.yaml:4:9: session.name: is not valid UTF-8 at byte 2"
config_variant "$SMALL" dots.yaml 's/name: small/name: ".."/'
expect_plan_fails dots.yaml "dots.yaml:4:9: session.name:"

# No silent sim: an empty file and a config without camera.backend.
: >empty.yaml
expect_plan_fails empty.yaml "camera.backend: required: sim | gphoto2 | libcamera"
config_variant "$SMALL" nocam.yaml '/^  backend: sim$/d'
expect_plan_fails nocam.yaml "camera.backend: required"

# Backends the config knows but this build cannot make fail at plan, not at run.
config_variant "$SMALL" gpiod.yaml '/^lighting:/,/^  lights:/s/backend: sim/backend: gpiod/'
if [ -n "$(grep -s '^TETHERBOX_GPIOD:BOOL=ON' "$(dirname "$(dirname "$TB")")/CMakeCache.txt")" ]; then
  # Built with libgpiod: the same config is refused for the lights' missing GPIO lines.
  expect_plan_fails gpiod.yaml "gpiod.yaml:21:7: lighting.lights[0].chip: is empty"
else
  expect_plan_fails gpiod.yaml "gpiod.yaml:19:12: lighting.backend: 'gpiod' is not built into this tetherbox"
fi
config_variant "$SMALL" rpi4.yaml 's/^board: sim/board: rpi4/'
expect_plan_fails rpi4.yaml "rpi4.yaml:2:8: board: 'rpi4' is not built"
# Several positions with no turntable.
config_variant "$SMALL" noturn.yaml 's/turntable: {backend: sim,/turntable: {backend: none,/'
expect_plan_fails noturn.yaml "turntable.backend"

# Releases: a directory, a device, a text file, a missing file; none leaves a bag.
config_variant "$SMALL" reldir.yaml "s|releases: \[model-release.pdf\]|releases: [$WORK]|"
expect_plan_fails reldir.yaml "reldir.yaml:35:" "metadata.releases[0]:" "is a directory"
config_variant "$SMALL" reldev.yaml 's|releases: \[model-release.pdf\]|releases: [/dev/zero]|'
expect_plan_fails reldev.yaml "metadata.releases[0]:" "is a device"
echo "not a release" >notes.txt
config_variant "$SMALL" reltxt.yaml 's|releases: \[model-release.pdf\]|releases: [notes.txt]|'
expect_plan_fails reltxt.yaml "metadata.releases[0]:" "is not a PDF, JPEG or PNG"
config_variant "$SMALL" relnone.yaml 's|releases: \[model-release.pdf\]|releases: [gone.pdf]|'
expect_plan_fails relnone.yaml "metadata.releases[0]:" "No such file"
[ ! -e sessions ] || fail "a refused plan created $WORK/sessions"

# A good plan says what it will use and where the bag goes.
mkdir rel2 && cp "$HERE/configs/model-release.pdf" rel2/
config_variant "$SMALL" good.yaml 's|releases: \[model-release.pdf\]|releases: [model-release.pdf, rel2/model-release.pdf]|'
"$TB" plan good.yaml >plan.txt
expect_contains plan.txt "camera     sim  SIMULATED"
expect_contains plan.txt "turntable  sim  SIMULATED"
expect_contains plan.txt "Bag: $WORK/sessions/<UTC start>_small"
expect_contains plan.txt "free on"
expect_contains plan.txt "Names: 42 rendered, all distinct"
expect_contains plan.txt "Caps: 100000 frames"
expect_contains plan.txt "-> data/releases/model-release.pdf"
expect_contains plan.txt "-> data/releases/model-release-2.pdf"
[ ! -e sessions ] || fail "plan created $WORK/sessions"

# A real camera with sim devices: plan marks each simulated one.
if "$TB" plan "$HERE/../../config/examples/usb-camera.yaml" >usb.txt 2>usb.err; then
  grep -q "^  camera     gphoto2$" usb.txt || { cat usb.txt; fail "gphoto2 camera marked simulated"; }
  for k in turntable lighting gps ambient; do
    grep -q "^  $k .*SIMULATED" usb.txt || { cat usb.txt; fail "$k not marked SIMULATED"; }
  done
else
  expect_contains usb.err "camera.backend: 'gphoto2' is not built"
fi
pass "plan refuses colliding names, bad numbers and strings, unbuildable backends and bad releases at file:line:col; lists devices, bag folder and caps"
