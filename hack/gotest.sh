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
  # A fixed path (bin/ is ignored by git): go build leaves an up-to-date
  # binary alone, so make test's unit and e2e runs link it once.
  bin="$ROOT/bin/test/harbor-installer"
  echo "$GO build ${TEST_BUILD_FLAGS[*]} -o $bin ."
  (cd "$ROOT" && "$GO" build "${TEST_BUILD_FLAGS[@]}" -o "$bin" .)
  export HARBOR_INSTALLER_E2E_BINARY="$bin"
fi

echo "$GO test ${TEST_BUILD_FLAGS[*]} $*"
cd "$ROOT"
"$GO" test "${TEST_BUILD_FLAGS[@]}" "$@"
