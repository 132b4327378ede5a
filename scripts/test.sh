#!/usr/bin/env bash
# The project's test command (`npm test`): bootstrap (which compiles the CLI to dist/), type-check, lint and
# format check, then every mocha test against the real embedded cluster and the real binaries, in two passes:
# the files listed in test/serial-files.txt one at a time, after the others ran in mocha's parallel mode.
# Ends with "N passed, N failed, N skipped" summed over both passes; exits non-zero if either failed.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
echo "test: type-check (tsc --noEmit)" >&2
npx tsc --noEmit
echo "test: lint and format (biome check)" >&2
npx biome check .

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$(date +%s%3N)

# With no arguments, every test; otherwise the files given (npm test -- test/config.test.ts), each going to its
# pass; any mocha flag (npm test -- --grep x test/a.test.ts) makes it one plain serial mocha run of the arguments.
full=0
if [ "$#" -eq 0 ]; then
  shopt -s globstar
  set -- test/**/*.test.ts
  full=1
fi

# Timing-sensitive files and files holding host-wide state (real nodes' networks), one line each; '#' comments.
mapfile -t serial_list < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' test/serial-files.txt | grep -v '^$')
for f in "${serial_list[@]}"; do
  [ -f "$f" ] || { echo "test: test/serial-files.txt names $f, which does not exist" >&2; exit 2; }
done

parallel_files=()
serial_files=()
plain=0
for arg in "$@"; do
  case "$arg" in -*) plain=1 ;; esac
done
if [ "$plain" -eq 1 ]; then
  serial_files=("$@")
else
  for f in "$@"; do
    if printf '%s\n' "${serial_list[@]}" | grep -qxF -- "${f#./}"; then serial_files+=("$f"); else parallel_files+=("$f"); fi
  done
fi

# Parallel workers: separate processes, each file with its own state directory, clusters and ports
# (src/process/ports.ts claims every port it hands out, machine-wide). Two suit 2 cores: the files wait on
# clusters more than they compute.
jobs=${GAUNTLET_TEST_JOBS:-2}
export GAUNTLET_TEST_TIMING="$work/timing.jsonl"
touch "$GAUNTLET_TEST_TIMING"
status=0
passes=()

# run_pass <name> <mocha args...>: runs mocha, its output also kept in $work/<name>.log.
run_pass() {
  local name=$1
  shift
  local t0 rc
  t0=$(date +%s%3N)
  echo "test: $name pass: $*" >&2
  set +e
  GAUNTLET_TEST_PASS=$name npx mocha "$@" 2>&1 | tee "$work/$name.log"
  rc=${PIPESTATUS[0]}
  set -e
  local figures="$name=$(($(date +%s%3N) - t0))"
  if [ "$name" = parallel ]; then figures+=":$jobs"; fi
  passes+=("$figures")
  if [ "$rc" -ne 0 ]; then status=$rc; fi
}

if [ "${#parallel_files[@]}" -gt 0 ]; then run_pass parallel --parallel --jobs "$jobs" "${parallel_files[@]}"; fi
if [ "${#serial_files[@]}" -gt 0 ]; then run_pass serial "${serial_files[@]}"; fi

total=$(($(date +%s%3N) - started))
out=${GAUNTLET_TEST_TIMING_OUT:-}
if [ -z "$out" ] && [ "$full" -eq 1 ]; then out=bench/results/test-suite.json; fi
if [ -n "$out" ]; then node scripts/test-timing.js "$GAUNTLET_TEST_TIMING" "$out" "$total" "${passes[@]}"; fi

count() {
  local n=0 log c
  for log in "$work"/*.log; do
    [ -f "$log" ] || continue
    c=$(grep -Eo "^\s*[0-9]+ $1" "$log" | tail -n 1 | grep -Eo '[0-9]+' || echo 0)
    n=$((n + c))
  done
  echo "$n"
}
echo "$(count passing) passed, $(count failing) failed, $(count pending) skipped"
exit "$status"
