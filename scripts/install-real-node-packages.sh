#!/usr/bin/env bash
# Installs the Debian packages real nodes need (idempotent; apt-get only when one is missing):
#   catatonit       the pause (sandbox) image's program: blocks until SIGTERM and reaps children
#   busybox-static  the toolbox image: a shell, httpd and nslookup for probe pods
#   iptables        kube-proxy and the kubelet program rules inside each node's network namespace
#   conntrack       kube-proxy flushes stale UDP entries with it
#   libseccomp-dev  runc is built with cgo and the seccomp tag (RuntimeDefault seccomp profiles)
set -euo pipefail

packages=(catatonit busybox-static iptables conntrack libseccomp-dev)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$p"); fi
done
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "bootstrap: real nodes need ${missing[*]} (Debian packages) and there is no apt-get; real nodes stay off" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "bootstrap: installing ${missing[*]} (apt-get, once per machine; for real nodes)" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
