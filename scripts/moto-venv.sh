#!/usr/bin/env bash
# Installs moto[server], the AWS API emulator the AWS backend's tests run against, into a virtualenv cached
# outside the clone (<cache>/venv/moto-<version>/), once per machine; prints the venv's python on stdout.
# Idempotent: a complete venv (marked by .complete, written last) is reused at once.
set -euo pipefail
MOTO_VERSION=5.2.5
cache=${GAUNTLET_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gauntlet}
venv=$cache/venv/moto-$MOTO_VERSION

if [ ! -f "$venv/.complete" ]; then
  echo "moto: installing moto[server]==$MOTO_VERSION into $venv (once per machine, about a minute)" >&2
  mkdir -p "$cache/venv"
  tmp=$(mktemp -d "$venv.tmp-XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  python3 -m venv "$tmp"
  "$tmp/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
  touch "$tmp/.complete"
  # The venv is used through `python -m` only, so moving it is safe; -T refuses to nest it in a venv another
  # installer finished first (that one is kept).
  mv -T "$tmp" "$venv" 2>/dev/null || true
fi
echo "$venv/bin/python"
