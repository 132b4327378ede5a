#!/usr/bin/env bash
# Installs what gauntlet needs on a fresh clone: npm dependencies (when missing or stale) and the pinned
# binaries (etcd, Kubernetes control plane and node, containerd, runc, CNI plugins, kwok, CoreDNS, vegeta), which are cached outside the clone and built
# from Go modules only the first time (tens of minutes on 2 cores; progress is shown).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm install from the lock file, not npm ci: the registries these machines reach lack Biome's non-Linux
  # platform packages, and npm ci refuses a lock file without them (npm install skips them; the lock is unchanged).
  echo "bootstrap: installing npm dependencies (npm install from package-lock.json)" >&2
  npm install --no-audit --no-fund --loglevel=error
fi

# The CLI compiled once to dist/ (seconds): bin/gauntlet.js runs it while it matches the sources, tsx otherwise.
node scripts/build.js

# Real nodes' Debian packages (catatonit, busybox-static, iptables, conntrack, libseccomp-dev for runc's build).
bash scripts/install-real-node-packages.sh

echo "bootstrap: obtaining binaries (cached in ${GAUNTLET_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gauntlet})" >&2
node bin/gauntlet.js tools install >&2

# The report's browser test opens the generated report in Chromium (idempotent; apt-get the first time).
bash scripts/install-chromium.sh

# The EC2 emulator for the AWS backend's tests (a Python virtualenv, also cached outside the clone).
bash scripts/moto-venv.sh >/dev/null
