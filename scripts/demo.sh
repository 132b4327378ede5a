#!/usr/bin/env bash
# The main job on the embedded cluster, from a fresh clone: install, obtain the binaries, provision a real
# local control plane with 9 simulated nodes in 3 zones, run the suites, write the run directory, tear down.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
exec node bin/gauntlet.js run "$@"
