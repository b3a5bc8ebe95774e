#!/usr/bin/env bash
# install-deps.sh installs the Debian packages the test harness runs as user
# processes on loopback: OpenLDAP's slapd and client tools, PostgreSQL and
# Redis (etcd is built with the control plane: see hack/testworld).
# Idempotent: packages already installed are left alone, and `apt-get update`
# runs only when something is missing. The packages' own system services are not started (policy-rc.d);
# the harness never uses them.
#
#   hack/install-deps.sh            (as root, or with sudo available)
set -euo pipefail

PACKAGES=(slapd ldap-utils postgresql redis-server)

log() { printf 'install-deps: %s\n' "$*" >&2; }

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  log "all present: ${PACKAGES[*]}"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { log "need root (or sudo) to install: ${missing[*]}"; exit 1; }
  SUDO=(sudo)
fi

# Keep the packages' init scripts from starting system services during the
# install (a container has no systemd; invoke-rc.d would start them).
POLICY=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 0755 "$POLICY"
  made_policy=1
fi
cleanup() { [ "$made_policy" -eq 1 ] && "${SUDO[@]}" rm -f "$POLICY"; return 0; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
log "installing: ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"

for p in "${missing[@]}"; do
  installed "$p" || { log "$p did not install"; exit 1; }
done
log "installed: ${missing[*]}"
