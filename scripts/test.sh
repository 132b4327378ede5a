#!/usr/bin/env bash
# The project's test command (`npm test`): bootstrap, type-check, lint and format check, then every mocha
# test against the real embedded cluster and the real binaries. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
echo "test: type-check (tsc --noEmit)" >&2
npx tsc --noEmit
echo "test: lint and format (biome check)" >&2
npx biome check .

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# With no arguments, every test; otherwise the files or mocha flags given (npm test -- test/config.test.ts).
if [ "$#" -eq 0 ]; then set -- "test/**/*.test.ts"; fi
npx mocha "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
count() { grep -Eo "^\s*[0-9]+ $1" "$log" | tail -n 1 | grep -Eo '[0-9]+' || echo 0; }
echo "$(count passing) passed, $(count failing) failed, $(count pending) skipped"
exit "$status"
