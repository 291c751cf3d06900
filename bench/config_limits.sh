#!/usr/bin/env bash
# Wall time and peak memory of `infrapipe validate` on inputs built to crash, exhaust or hang a
# YAML parser (issue 14): each must end in one error line, exit 1, under 1 s and 50 MB.
# Usage: bench/config_limits.sh [BINARY]
#   default: the release binary if it is built, else the debug one (said in the output);
#   CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
if [[ $# -gt 0 ]]; then
  bin="$1"; build="given"
elif [[ -x "$target/release/infrapipe" ]]; then
  bin="$target/release/infrapipe"; build="release"
elif [[ -x "$target/debug/infrapipe" ]]; then
  bin="$target/debug/infrapipe"; build="debug (no release binary is built: \`cargo build --release\`)"
else
  echo "no infrapipe binary under $target: run \`cargo build\` or \`cargo build --release\`" >&2
  exit 1
fi
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (GNU time: apt-get install time)" >&2; exit 1; }

dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

python3 - "$dir" <<'PY'
import os, sys
d = sys.argv[1]
def write(name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
write("block-30k.yaml", "- " * 30000 + "x\n")
write("flow-100k.yaml", "[" * 100000 + "]" * 100000)
write("aliases-20k-of-1MiB.yaml", "name: &big " + "x" * (1 << 20) + "\nregions: [" + "*big, " * 20000 + "]\n")
write("aliases-20k-of-500KB.yaml", "name: &big " + "x" * 500000 + "\nregions: [" + "*big, " * 20000 + "]\n")
# Sparse: 300 MB long, nothing written.
with open(os.path.join(d, "300MB.yaml"), "wb") as f:
    f.truncate(300 << 20)
os.mkdir(os.path.join(d, "a-directory"))
PY
mkfifo "$dir/fifo.yaml"

echo "binary: $bin ($build)"
printf '%-28s %6s %10s %12s  %s\n' "input" "exit" "wall (s)" "peak RSS" "message"
for input in block-30k.yaml flow-100k.yaml aliases-20k-of-1MiB.yaml aliases-20k-of-500KB.yaml \
             /dev/zero fifo.yaml 300MB.yaml a-directory; do
  path="$input"; [[ "$input" == /* ]] || path="$dir/$input"
  stats="$dir/time.txt"
  set +e
  # A FIFO must not hang: give every run ten seconds before calling it a failure.
  err="$(timeout 10 /usr/bin/time -v -o "$stats" "$bin" validate -c "$path" 2>&1 >/dev/null)"
  code=$?
  set -e
  wall="$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.3f", s }' "$stats" 2>/dev/null || true)"
  rss="$(awk -F': ' '/Maximum resident set size/ { printf "%.1f MB", $2 / 1024 }' "$stats" 2>/dev/null || true)"
  printf '%-28s %6s %10s %12s  %s\n' "$(basename "$input")" "$code" "${wall:-?}" "${rss:-?}" \
    "$(printf '%s' "$err" | head -1 | sed "s|$dir/||" | cut -c1-110)"
done
