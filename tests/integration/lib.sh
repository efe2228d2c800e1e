# Shared helpers for the integration tests (sourced). TB = path of the tetherbox binary.
set -euo pipefail
: "${TB:?TB must point at the tetherbox binary}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d /tmp/tb-it.XXXXXX)
MOUNTS=()
cleanup() {
  for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }
# expect_contains FILE TEXT: the file holds TEXT (fixed string).
expect_contains() { grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "expected '$2' in $1"; }; }
# mount_tmpfs DIR SIZE [OPTS]: a real filesystem of limited size (root is needed; CI is root).
mount_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2${3:+,$3}" tmpfs "$1" || fail "cannot mount tmpfs on $1 (tests run as root)"
  MOUNTS+=("$1")
}
# A copy of a test config with `sed` edits applied.
config_variant() {  # config_variant SRC DST SED_EXPR...
  local src=$1 dst=$2; shift 2
  cp "$src" "$dst"
  cp "$HERE/configs/model-release.pdf" "$(dirname "$dst")/"  # small.yaml's release, by relative path
  for e in "$@"; do sed -i "$e" "$dst"; done
}

# Runs a session that must complete (exit 0); prints the bag path (the last stdout line).
run_bag() {  # run_bag CONFIG OUT
  local rc=0
  "$TB" run "$1" --out "$2" >"$2.stdout" 2>"$2.stderr" || rc=$?
  [ "$rc" -eq 0 ] || { cat "$2.stderr" >&2; fail "run $1 exited $rc"; }
  tail -n 1 "$2.stdout"
}
