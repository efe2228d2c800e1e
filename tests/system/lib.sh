# Shared helpers for the system tests (sourced). TB = tetherbox, TBD = tetherboxd.
set -euo pipefail
: "${TB:?TB must point at the tetherbox binary}"
: "${TBD:?TBD must point at the tetherboxd binary}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONFIGS="$HERE/../integration/configs"
EXAMPLES="$HERE/../../config/examples"
WORK=$(mktemp -d /tmp/tb-sys.XXXXXX)
chmod 755 "$WORK"
SOCK="$WORK/control.sock"
DAEMON_PIDS=()
cleanup() {
  for p in "${DAEMON_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/daemon*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; } >&2; done
  exit 1
}
pass() { echo "PASS: $*"; }
expect_contains() { grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "expected '$2' in $1"; }; }
# config_variant SRC DST SED_EXPR...: a copy of a config with edits (and small.yaml's release).
config_variant() {
  local src=$1 dst=$2; shift 2
  cp "$src" "$dst"
  cp "$CONFIGS/model-release.pdf" "$(dirname "$dst")/"
  for e in "$@"; do sed -i "$e" "$dst"; done
}
tbc() { "$TB" --socket "$SOCK" "$@"; }
# json_get FILE EXPR: evaluates a Python expression over the JSON object `j` in FILE.
json_get() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# start_daemon CONFIG [ARGS...]: starts tetherboxd on $SOCK, waits until it answers status.
start_daemon() {
  local cfg=$1; shift
  local n=${#DAEMON_PIDS[@]}
  "$TBD" --config "$cfg" --socket "$SOCK" "$@" >"$WORK/daemon$n.log" 2>&1 &
  DAEMON_PIDS+=($!)
  DPID=$!
  local deadline=$((SECONDS + 120))
  until tbc status >/dev/null 2>&1; do
    kill -0 "$DPID" 2>/dev/null || fail "tetherboxd exited at start"
    [ "$SECONDS" -lt "$deadline" ] || fail "tetherboxd did not answer within 120 s"
    sleep 0.1
  done
}
# stop_daemon: SIGTERM, then it must exit 0.
stop_daemon() {
  kill -TERM "$DPID"
  local rc=0
  wait "$DPID" || rc=$?
  [ "$rc" -eq 0 ] || fail "tetherboxd exited $rc on SIGTERM"
}
# wait_status PYEXPR [TIMEOUT_S]: polls `status --json` until the expression over `j` is true;
# the last status is left in $WORK/status.json.
wait_status() {
  local expr=$1 deadline=$((SECONDS + ${2:-180}))
  while :; do
    if tbc status --json >"$WORK/status.json" 2>/dev/null &&
      [ "$(json_get "$WORK/status.json" "bool($expr)")" = True ]; then
      return 0
    fi
    [ "$SECONDS" -lt "$deadline" ] || { cat "$WORK/status.json" >&2; fail "timed out waiting for: $expr"; }
    sleep 0.1
  done
}
# Frames of a bag's journal: "count distinct" by seq.
journal_seqs() {
  python3 - "$1/data/journal.jsonl" <<'PY'
import json, sys
seqs = [json.loads(l)["seq"] for l in open(sys.argv[1]) if '"type":"frame"' in l]
print(len(seqs), len(set(seqs)))
PY
}
