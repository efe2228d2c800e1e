#!/usr/bin/env bash
# wait-frames.sh OUT_DIR N [TIMEOUT_S]: waits until a session bag under OUT_DIR has journaled N
# frames, then prints the journal's path. Exits 1 (printing nothing) on timeout.
out=$1 want=$2 deadline=$((SECONDS + ${3:-30}))
while [ "$SECONDS" -lt "$deadline" ]; do
  j=$(ls "$out"/*/data/journal.jsonl 2>/dev/null | head -n 1 || true)
  if [ -n "$j" ] && [ "$(grep -c '"type":"frame"' "$j" || true)" -ge "$want" ]; then
    echo "$j"
    exit 0
  fi
  sleep 0.05
done
exit 1
