#!/usr/bin/env bash
# The run command's edges: --version, --log-level checked, NO_COLOR / non-terminal output free
# of ANSI escapes, a config path that is not UTF-8, a release gone before the bag exists.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
"$TB" --version >version.txt || fail "--version failed"
grep -qE '^tetherbox [0-9]+\.[0-9]+\.[0-9]+ \(git ([0-9a-f]{12}|[0-9A-Za-z._-]+-g[0-9a-f]{12})(-dirty)?\)$' version.txt || { cat version.txt; fail "--version output"; }

set +e; "$TB" --log-level bogus plan "$HERE/configs/small.yaml" >out.txt 2>err.txt; rc=$?; set -e
[ "$rc" -eq 2 ] || fail "--log-level bogus: exit $rc, expected 2"
expect_contains err.txt "bogus"
expect_contains err.txt "warn"
pass "--version and --log-level checked"

# A config whose path is not UTF-8 (a Latin-1 file name): the run works and the journal,
# report and bag stay valid.
dir=$(printf 'caf\xe9')
mkdir "$dir"
config_variant "$HERE/configs/small.yaml" "$dir/s.yaml"
NO_COLOR=1 "$TB" --log-level debug run "$dir/s.yaml" --out "$WORK/out" >stdout.txt 2>stderr.txt || {
  cat stderr.txt; fail "config path not UTF-8: run failed"; }
BAG=$(tail -n 1 stdout.txt)
"$TB" verify "$BAG" >/dev/null || fail "bag from a non-UTF-8 config path does not verify"
python3 "$HERE/check_bag.py" "$BAG" --expect-frames 42 || fail "independent checks"
grep -q $'\033' stderr.txt && fail "ANSI escapes on a non-terminal stderr"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$BAG/data/journal.jsonl" || fail "journal not valid JSON"
pass "non-UTF-8 config path: complete bag, no ANSI escapes in a log"

# A release missing when the run starts: refused before any bag exists.
config_variant "$HERE/configs/small.yaml" rel.yaml 's/releases: \[model-release.pdf\]/releases: [gone.pdf]/'
set +e; "$TB" run rel.yaml --out "$WORK/rel" >stdout.txt 2>stderr.txt; rc=$?; set -e
[ "$rc" -ne 0 ] || fail "missing release accepted"
expect_contains stderr.txt "gone.pdf"
[ -z "$(ls -A "$WORK/rel" 2>/dev/null)" ] || { ls -R "$WORK/rel"; fail "a half bag was left for a missing release"; }
pass "missing release: clear error, no bag"

# On a terminal (a pty from script(1)): log lines clear the progress line before they are
# written, never run into it; NO_COLOR removes the colours.
if command -v script >/dev/null; then
  config_variant "$HERE/configs/small.yaml" busy.yaml 's/seed: 7}/seed: 7, faults: {busy_probability: 0.3}}/'
  script -qec "'$TB' run busy.yaml --out '$WORK/tty'" /dev/null >tty.raw 2>&1 || { cat tty.raw; fail "run on a pty failed"; }
  NO_COLOR=1 script -qec "'$TB' run busy.yaml --out '$WORK/tty2'" /dev/null >tty2.raw 2>&1 || fail "run on a pty (NO_COLOR) failed"
  python3 - <<'PY' || fail "terminal output"
import re
raw, plain = open("tty.raw", "rb").read(), open("tty2.raw", "rb").read()
assert b"frames 42/42" in raw, "no progress line on the terminal"
assert b"warning" in raw, "the busy camera logged no warning to interleave"
ran_into = re.findall(rb"frames \d+/\d+[^\r\n]*?\d{4}-\d\d-\d\dT", raw)
assert not ran_into, f"a log line ran into the progress line: {ran_into[:2]}"
assert b"\x1b[33m" in raw, "no colour on a terminal without NO_COLOR"
assert not re.search(rb"\x1b\[[0-9;]*m", plain), "colour escapes despite NO_COLOR"
PY
  pass "terminal: log lines never run into the progress line; NO_COLOR honoured"
fi
