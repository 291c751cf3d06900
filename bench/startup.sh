#!/usr/bin/env bash
# Start-up time of `infrapipe --version` and the size of the release binary.
# Targets: start-up under 5 ms, binary under 25 MB.
# Usage: bench/startup.sh [BINARY]   (default: target/release/infrapipe, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${1:-target/release/infrapipe}"
if [[ $# -eq 0 && ! -x "$bin" ]]; then
  echo "building the release binary (a few minutes the first time)..." >&2
  cargo build --release --quiet
fi
[[ -x "$bin" ]] || { echo "no binary at $bin" >&2; exit 1; }

runs=200
if command -v hyperfine >/dev/null; then
  # -N: no intermediate shell, so the figure is the binary's own start-up.
  json="$(mktemp)"
  trap 'rm -f "$json"' EXIT
  hyperfine -N --warmup 20 --runs "$runs" --export-json "$json" "$bin --version" >&2
  mean_ms="$(python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
ms = {k: r[k] * 1000 for k in ("mean", "median", "stddev", "min")}
print("%(mean).2f ms (median %(median).2f ms, min %(min).2f ms, +/- %(stddev).2f ms)" % ms)
PY
)"
else
  # No hyperfine (apt-get install hyperfine): time $runs runs and average them.
  for _ in $(seq 20); do "$bin" --version >/dev/null; done
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do "$bin" --version >/dev/null; done
  end=$(date +%s%N)
  mean_ms="$(awk -v ns=$((end - start)) -v n="$runs" 'BEGIN { printf "%.2f ms (includes fork and exec from bash)", ns / n / 1e6 }')"
fi

bytes=$(stat -c %s "$bin" 2>/dev/null || stat -f %z "$bin")
echo "infrapipe --version start-up: mean $mean_ms over $runs runs (target < 5 ms)"
awk -v b="$bytes" 'BEGIN { printf "release binary: %.1f MB (%d bytes) (target < 25 MB)\n", b / 1048576, b }'
