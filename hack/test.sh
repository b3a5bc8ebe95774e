#!/usr/bin/env bash
# test.sh is `make test`: the unit, golden and binary tests, then every e2e
# test against the local test world.
#
# On a machine's first run most of the time goes into building the test world
# (Kubernetes, kwok and MinIO from the Go module proxy) and installing its
# Debian packages. Those need nothing from the unit tests, so they run in the
# background while the unit tests compile and run; the e2e tests start once
# both are done. On later runs the tools are cached and the background part
# ends at once. Either half failing fails the run, and the background log is
# always printed so a failed tool build shows why.
set -euo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"

world_log="$(mktemp -t harbor-installer-world.XXXXXX)"
world_pid=""
cleanup() {
  if [ -n "$world_pid" ] && kill -0 "$world_pid" 2>/dev/null; then
    kill -- "-$world_pid" 2>/dev/null || kill "$world_pid" 2>/dev/null || true
  fi
  rm -f "$world_log"
}
trap cleanup EXIT
# An interrupt still runs cleanup (bash runs the EXIT trap on exit, not on a
# signal that kills it).
trap 'exit 130' INT
trap 'exit 143' TERM

# setsid gives the background job its own process group, so an interrupted
# run stops the whole tool build, not just its shell.
setsid -w bash -c 'hack/install-deps.sh && hack/build-tools.sh all' >"$world_log" 2>&1 &
world_pid=$!
echo "test: building the local test world in the background (log follows the unit tests)"

unit_rc=0
echo "$GO test -count=1 ./..."
"$GO" test -count=1 ./... || unit_rc=$?

world_rc=0
wait "$world_pid" || world_rc=$?
world_pid=""
sed 's/^/  world: /' "$world_log"
if [ "$unit_rc" -ne 0 ]; then
  echo "test: unit tests failed (exit $unit_rc); e2e tests not run" >&2
  exit "$unit_rc"
fi
if [ "$world_rc" -ne 0 ]; then
  echo "test: building the test world failed (exit $world_rc, log above); e2e tests not run" >&2
  exit "$world_rc"
fi

echo "$GO test -count=1 -tags e2e -timeout 30m ./e2e/..."
"$GO" test -count=1 -tags e2e -timeout 30m ./e2e/...
