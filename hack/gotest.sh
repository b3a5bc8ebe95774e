#!/usr/bin/env bash
# gotest.sh runs `go test` with the test builds' flags (hack/buildflags.sh), so
# `make test`, `make unit` and `make e2e` share one Go build cache with the
# test world's binaries.
#
#   hack/gotest.sh [go test arguments...]
#
# It first builds the harbor-installer binary that the binary tests (package
# e2e, with and without the e2e tag) drive, with the same flags, and hands it
# to them in HARBOR_INSTALLER_E2E_BINARY. Without it they build one with the
# default flags, which on a cold cache compiles Helm and client-go a second
# time.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
GO="${GO:-go}"
# shellcheck source=buildflags.sh
. "$ROOT/hack/buildflags.sh"

if [ -z "${HARBOR_INSTALLER_E2E_BINARY:-}" ]; then
  bindir="$(mktemp -d -t harbor-installer-e2e-bin.XXXXXX)"
  trap 'rm -rf "$bindir"' EXIT
  echo "$GO build ${TEST_BUILD_FLAGS[*]} -o $bindir/harbor-installer ."
  (cd "$ROOT" && "$GO" build "${TEST_BUILD_FLAGS[@]}" -o "$bindir/harbor-installer" .)
  export HARBOR_INSTALLER_E2E_BINARY="$bindir/harbor-installer"
fi

echo "$GO test ${TEST_BUILD_FLAGS[*]} $*"
cd "$ROOT"
"$GO" test "${TEST_BUILD_FLAGS[@]}" "$@"
