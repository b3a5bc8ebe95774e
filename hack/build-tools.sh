#!/usr/bin/env bash
# build-tools.sh builds the binaries the local test world needs and caches them
# outside the clone, keyed by version, so a fresh CI clone on a used machine
# rebuilds nothing. Everything comes from the Go module proxy and Debian.
#
#   hack/build-tools.sh [testworld|minio|helm|staticcheck|freeze|all]   (default: all)
#
# Cache: $HARBOR_INSTALLER_CACHE (default ~/.cache/harbor-installer)/bin.
set -euo pipefail

# etcd, Kubernetes and kwok are pinned in hack/testworld/go.mod.
# MinIO publishes only pseudo-versions; this one is pinned and tested.
MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
FREEZE_VERSION="${FREEZE_VERSION:-v0.2.2}"
STATICCHECK_VERSION="${STATICCHECK_VERSION:-v0.8.2}"
# The Helm CLI, only to check rendered values against real charts (helm template).
HELM_VERSION="${HELM_VERSION:-v3.22.0}"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# The test world is built with the flags of the project's test builds
# (hack/buildflags.sh): they cut a cold build's CPU time roughly in half, and
# matching them lets the Go build cache compile shared packages once. The
# linker strips symbols (-s -w): these binaries are never debugged.
# shellcheck source=buildflags.sh
. "$ROOT/hack/buildflags.sh"
CACHE="${HARBOR_INSTALLER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/harbor-installer}"
BIN="$CACHE/bin"
WORK="$CACHE/build"
mkdir -p "$BIN" "$WORK"

log() { printf 'build-tools: %s\n' "$*" >&2; }

have() { [ -x "$BIN/$1" ]; }

# build_testworld builds hack/testworld: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok in one binary, pinned by
# that module's go.mod. Its k8s.io libraries and their dependencies sit at the same versions as the
# project's, and it is built with the same flags as the project's tests, so on
# a cold machine the Go build cache compiles the packages both use once. The cache
# holds it under a name keyed by the module's content, with a link per
# program named as the harness looks for it (kube-apiserver-v1.37.0).
build_testworld() {
  local src="$ROOT/hack/testworld" kube kwok etcd key minor
  kube="$(module_version "$src/go.mod" k8s.io/kubernetes)"
  kwok="$(module_version "$src/go.mod" sigs.k8s.io/kwok)"
  etcd="$(module_version "$src/go.mod" go.etcd.io/etcd/server/v3)"
  # The name is keyed by the module's content and the build flags, so a
  # change to either builds a new binary.
  key="$({ cat "$src/go.mod" "$src/go.sum" "$src"/*.go; printf '%s\n' "${TEST_BUILD_FLAGS[@]}"; } | sha256sum | cut -c1-12)"
  local bin="testworld-$kube-$key"
  if ! have "$bin"; then
    log "building the control plane: etcd $etcd, Kubernetes $kube and kwok $kwok in one binary (first time about 27 min on 2 cores)"
    minor="${kube#v1.}"; minor="${minor%%.*}"
    # No -trimpath: it is part of the build cache's key, and the project's
    # test builds do not use it.
    (cd "$src" && go build "${TEST_BUILD_FLAGS[@]}" -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$kube -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
      -o "$BIN/$bin.tmp" .)
    mv "$BIN/$bin.tmp" "$BIN/$bin"
    log "built $bin"
  fi
  local name v
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    case "$name" in
      etcd) v="$etcd" ;;
      kwok) v="$kwok" ;;
      *) v="$kube" ;;
    esac
    # A relative link, replaced by a rename so a running test never sees
    # it missing.
    ln -sfn "$bin" "$BIN/$name-$v.tmp"
    mv -T "$BIN/$name-$v.tmp" "$BIN/$name-$v"
  done
  prune_testworld "$bin"
}

# prune_testworld removes what earlier versions of the test world left in the
# cache: each is 100 to 200 MB, and a machine that runs CI for years would
# otherwise keep one per change of hack/testworld or of the build flags. It
# keeps the current binary and its links; a process still running an old
# binary keeps it open, so removing it is safe. A checkout of an older commit
# rebuilds what it needs.
prune_testworld() { # current binary name
  local keep="$1" f base
  for f in "$BIN"/testworld-* "$BIN"/etcd-* "$BIN"/kube-apiserver-* "$BIN"/kube-controller-manager-* "$BIN"/kube-scheduler-* "$BIN"/kwok-*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    base="$(basename "$f")"
    case "$base" in *.tmp) continue ;; esac # another build's work in progress
    if [ "$base" = "$keep" ]; then continue; fi
    if [ -L "$f" ] && [ "$(readlink "$f")" = "$keep" ]; then continue; fi
    log "removing $base, left by an earlier test world"
    rm -f "$f"
  done
  # Build directories of the programs built one by one before hack/testworld.
  rm -rf "$WORK"/kube-v* "$WORK"/kwok-v*
}

# module_version prints the version go.mod requires of a module.
module_version() { # go.mod module
  awk -v m="$2" '$1 == m && $2 ~ /^v/ {print $2; exit}' "$1"
}

# build_module builds a main package from a tiny module pinned at an explicit
# version: some modules' version lists are refused by the proxy, so
# `go install pkg@version` fails where `go get pkg@version` works.
# Any further arguments go to go build.
build_module() { # name module version pkg [go build flags...]
  local name="$1" mod="$2" v="$3" pkg="$4"
  shift 4
  local flags=("$@")
  have "$name-$v" && return
  log "building $name $v"
  local dir="$WORK/$name-$v"
  rm -rf "$dir" && mkdir -p "$dir"
  (
    cd "$dir"
    go mod init "harbor-installer.local/$name" >/dev/null 2>&1
    go get "$pkg@$v" >/dev/null 2>&1 || go get "$pkg@$v"
    go build ${flags[@]+"${flags[@]}"} -ldflags "-s -w" -o "$BIN/$name-$v.tmp" "$pkg"
    mv "$BIN/$name-$v.tmp" "$BIN/$name-$v"
  )
  log "built $name $v"
}

# build_minio builds the MinIO server. It runs in the test world, so it gets
# the test builds' flags; the developer tools keep the default, optimised code.
build_minio() {
  build_module minio github.com/minio/minio "$MINIO_VERSION" github.com/minio/minio "${TEST_BUILD_FLAGS[@]}"
}

what="${1:-all}"
case "$what" in
  kube|testworld) build_testworld ;;
  minio) build_minio ;;
  staticcheck) build_module staticcheck honnef.co/go/tools "$STATICCHECK_VERSION" honnef.co/go/tools/cmd/staticcheck ;;
  freeze) build_module freeze github.com/charmbracelet/freeze "$FREEZE_VERSION" github.com/charmbracelet/freeze ;;
  helm) build_module helm helm.sh/helm/v3 "$HELM_VERSION" helm.sh/helm/v3/cmd/helm ;;
  all)
    # One after the other (`make tools`; hack/test.sh orders the two itself):
    # on two cores, builds side by side only compete for the CPU.
    build_testworld
    build_minio
    ;;
  *) echo "usage: $0 [testworld|minio|helm|staticcheck|freeze|all]" >&2; exit 2 ;;
esac
echo "$BIN"
