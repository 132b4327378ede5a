#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser test (playwright-core drives it; `npx playwright install`
# cannot reach its download host from these machines). Idempotent: does nothing when /usr/bin/chromium exists.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "bootstrap: chromium missing and no apt-get; install a Chromium at /usr/bin/chromium for the report test" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "bootstrap: installing chromium (apt-get, once per machine; for the report's browser test)" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >&2
