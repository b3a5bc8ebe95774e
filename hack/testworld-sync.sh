#!/usr/bin/env bash
# testworld-sync.sh checks that hack/testworld (the test world's control
# plane) builds every module it shares with the project at the project's
# version. The Go build cache is keyed by exact inputs: one module at two
# versions (say golang.org/x/sys) makes every package above it compile twice,
# and a cold CI run on two cores cannot afford that. `make lint` runs this.
#
# When it fails, raise the lower side to the higher version: in the project
# with `go get M@V`, or in hack/testworld with `go mod edit -require M@V` and
# `go mod tidy`; then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

modules() { # dir, packages...
  local dir="$1"; shift
  (cd "$dir" && go list -deps -test -f '{{with .Module}}{{if not .Main}}{{.Path}} {{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}{{end}}{{end}}' "$@") | sort -u
}

mismatch="$(join <(modules . ./...) <(modules hack/testworld .) | awk '$2 != $3 {printf "  %s: project %s, hack/testworld %s\n", $1, $2, $3}')"
if [ -n "$mismatch" ]; then
  echo "testworld-sync: modules built at two versions (each compiles twice on a cold machine):" >&2
  echo "$mismatch" >&2
  echo "raise the lower side (see hack/testworld-sync.sh)" >&2
  exit 1
fi
echo "testworld-sync: hack/testworld and the project agree on every shared module"
