#!/usr/bin/env bash
# test.sh is `make test`: the unit, golden and binary tests, then every e2e
# test against the local test world.
#
# On a machine's first run most of the time goes into compiling: the
# project's tests, the test world's control plane (hack/testworld: etcd,
# Kubernetes and kwok) and MinIO, all from the Go module proxy, plus the
# Debian packages. On two cores the order matters:
#   - Every build uses the flags in hack/buildflags.sh (no inlining, no
#     DWARF), which about halve the compile time.
#   - The control plane shares about 950 packages (client-go, k8s.io/api, ...)
#     with the project's tests, at the same versions and build flags, so the
#     Go build cache compiles them once, but only if the two builds do not run
#     at the same time: two go commands compiling the same package at once
#     both do the work. So the control plane is built after the unit tests,
#     in the foreground.
#   - MinIO shares nothing worth counting, so it builds in the background from
#     the start, beside the Debian packages, filling the cores whenever the
#     foreground waits (links, downloads, test runs).
# On later runs every build is cached. Any part failing fails the run, and
# the background log is always printed so a failed build shows why.
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
setsid -w bash -c 'hack/install-deps.sh && hack/build-tools.sh minio' >"$world_log" 2>&1 &
world_pid=$!
echo "test: installing packages and building MinIO in the background (log follows the unit tests)"

unit_rc=0
GO="$GO" hack/gotest.sh -count=1 ./... || unit_rc=$?

# After the unit tests, and only if they passed: see the top of this file.
tools_rc=0
if [ "$unit_rc" -eq 0 ]; then
  hack/build-tools.sh testworld || tools_rc=$?
fi

world_rc=0
wait "$world_pid" || world_rc=$?
world_pid=""
sed 's/^/  world: /' "$world_log"
if [ "$unit_rc" -ne 0 ]; then
  echo "test: unit tests failed (exit $unit_rc); e2e tests not run" >&2
  exit "$unit_rc"
fi
if [ "$tools_rc" -ne 0 ]; then
  echo "test: building the control plane failed (exit $tools_rc); e2e tests not run" >&2
  exit "$tools_rc"
fi
if [ "$world_rc" -ne 0 ]; then
  echo "test: building the test world failed (exit $world_rc, log above); e2e tests not run" >&2
  exit "$world_rc"
fi

GO="$GO" hack/gotest.sh -count=1 -tags e2e -timeout 30m ./e2e/...
