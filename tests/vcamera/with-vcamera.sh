#!/usr/bin/env bash
# with-vcamera.sh [--prefix DIR] [--max-captures N] [--keep] -- COMMAND [ARGS...]
# Runs COMMAND against libgphoto2's virtual camera in a scratch environment: builds the fixture
# into DIR if needed (setup-vcamera.sh, needs root the first time), copies the seed card, and
# exports IOLIBS, VCAMERA_DIR and fault-file paths (VCAMERA_UNPLUG_FILE, VCAMERA_BUSY_FILE,
# VCAMERA_SLOW_FILE) under $VCAM_SCRATCH, so another shell can inject faults, e.g.
#   touch "$VCAM_SCRATCH/unplug"; rm "$VCAM_SCRATCH/unplug"; echo 100 > "$VCAM_SCRATCH/slow"
# Example: tests/vcamera/with-vcamera.sh -- gphoto2 --capture-image-and-download -F 3 -I 1
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PREFIX=$ROOT/build-vcamera
SETUP=${TB_VCAMERA_SETUP:-$ROOT/../shared/fixtures/vcamera/setup-vcamera.sh}
MAX=
KEEP=0
while (($#)); do
	case $1 in
		--prefix) PREFIX=$2; shift 2 ;;
		--max-captures) MAX=$2; shift 2 ;;
		--keep) KEEP=1; shift ;;
		--) shift; break ;;
		*) echo "with-vcamera: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
	esac
done
(($#)) || { echo "with-vcamera: no command given (… -- COMMAND)" >&2; exit 2; }

"$SETUP" "$PREFIX" > /dev/null
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/vcam.XXXXXX")
((KEEP)) || trap 'rm -rf "$SCRATCH"' EXIT
mkdir -p "$SCRATCH/card"
cp -r "$PREFIX/card/." "$SCRATCH/card/"
export IOLIBS=$PREFIX/iolibs VCAMERA_DIR=$SCRATCH/card VCAM_SCRATCH=$SCRATCH
export VCAMERA_UNPLUG_FILE=$SCRATCH/unplug VCAMERA_BUSY_FILE=$SCRATCH/busy VCAMERA_SLOW_FILE=$SCRATCH/slow
[[ -n $MAX ]] && export VCAMERA_MAX_CAPTURES=$MAX
echo "with-vcamera: scratch $SCRATCH (faults: touch unplug|busy, echo MS > slow)" >&2
# The CLI keeps per-user settings and treats a file named 001,001 in the cwd as a replay file.
cd "$SCRATCH"
"$@"
