#!/usr/bin/env bash
# build-tools.sh builds the binaries the local test world needs and caches them
# outside the clone, keyed by version, so a fresh CI clone on a used machine
# rebuilds nothing. Everything comes from the Go module proxy and Debian.
#
#   hack/build-tools.sh [kube|kwok|minio|helm|staticcheck|freeze|all]   (default: all)
#
# Cache: $HARBOR_INSTALLER_CACHE (default ~/.cache/harbor-installer)/bin.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.31.4}"
KWOK_VERSION="${KWOK_VERSION:-v0.6.1}"
# MinIO publishes only pseudo-versions; this one is pinned and tested.
MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
FREEZE_VERSION="${FREEZE_VERSION:-v0.2.2}"
STATICCHECK_VERSION="${STATICCHECK_VERSION:-v0.8.2}"
# The Helm CLI, only to check rendered values against real charts (helm template).
HELM_VERSION="${HELM_VERSION:-v3.22.0}"

# These binaries are never debugged, so the compiler skips DWARF (-dwarf=false)
# and the linker strips symbols (-s -w): a cold build of the test world is
# CPU-bound on two cores, and this is the cheapest cut.
GOBUILD_FLAGS=(-trimpath -gcflags=all=-dwarf=false)

CACHE="${HARBOR_INSTALLER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/harbor-installer}"
BIN="$CACHE/bin"
WORK="$CACHE/build"
mkdir -p "$BIN" "$WORK"

log() { printf 'build-tools: %s\n' "$*" >&2; }

have() { [ -x "$BIN/$1" ]; }

build_kube() {
  local v="$KUBE_VERSION" minor
  if have "kube-apiserver-$v" && have "kube-controller-manager-$v" && have "kube-scheduler-$v"; then
    return
  fi
  log "building Kubernetes $v control plane (first time ~15 min)"
  local dir="$WORK/kube-$v"
  rm -rf "$dir" && mkdir -p "$dir"
  (
    cd "$dir"
    go mod init harbor-installer.local/kubebuild >/dev/null 2>&1
    go mod edit -require "k8s.io/kubernetes@$v"
    # k8s.io/kubernetes replaces its staging modules with ./staging paths; point
    # each at the published module of the same minor version instead.
    local gomod staging="v0${v#v1}"
    gomod="$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$gomod" | awk '{print $1}' | while read -r m; do
      go mod edit -replace "$m=$m@$staging"
    done
    cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
    go mod tidy -e >/dev/null
    minor="${v#v1.}"; minor="${minor%%.*}"
    local ld="-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
    # One go build for all three: each link is mostly single-threaded, so
    # in one action graph the other core keeps compiling meanwhile.
    local out="$dir/out"
    go build "${GOBUILD_FLAGS[@]}" -ldflags "$ld" -o "$out/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
    for c in kube-apiserver kube-controller-manager kube-scheduler; do
      # $out and $BIN share $CACHE's filesystem: the rename is atomic.
      mv "$out/$c" "$BIN/$c-$v"
      log "built $c $v"
    done
  )
}

# build_module builds a main package from a tiny module pinned at an explicit
# version: some modules' version lists are refused by the proxy, so
# `go install pkg@version` fails where `go get pkg@version` works.
build_module() { # name module version pkg
  local name="$1" mod="$2" v="$3" pkg="$4"
  have "$name-$v" && return
  log "building $name $v"
  local dir="$WORK/$name-$v"
  rm -rf "$dir" && mkdir -p "$dir"
  (
    cd "$dir"
    go mod init "harbor-installer.local/$name" >/dev/null 2>&1
    go get "$pkg@$v" >/dev/null 2>&1 || go get "$pkg@$v"
    go build "${GOBUILD_FLAGS[@]}" -ldflags "-s -w" -o "$BIN/$name-$v.tmp" "$pkg"
    mv "$BIN/$name-$v.tmp" "$BIN/$name-$v"
  )
  log "built $name $v"
}

what="${1:-all}"
case "$what" in
  kube) build_kube ;;
  kwok) build_module kwok sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok ;;
  minio) build_module minio github.com/minio/minio "$MINIO_VERSION" github.com/minio/minio ;;
  staticcheck) build_module staticcheck honnef.co/go/tools "$STATICCHECK_VERSION" honnef.co/go/tools/cmd/staticcheck ;;
  freeze) build_module freeze github.com/charmbracelet/freeze "$FREEZE_VERSION" github.com/charmbracelet/freeze ;;
  helm) build_module helm helm.sh/helm/v3 "$HELM_VERSION" helm.sh/helm/v3/cmd/helm ;;
  all)
    # One after the other: hack/test.sh runs this beside the unit tests, which
    # keep the CPU busy during downloads. Run side by side (tried on a cold
    # machine) the builds compiled the packages they share twice at once.
    build_module kwok sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
    build_module minio github.com/minio/minio "$MINIO_VERSION" github.com/minio/minio
    build_kube
    ;;
  *) echo "usage: $0 [kube|kwok|minio|helm|staticcheck|freeze|all]" >&2; exit 2 ;;
esac
echo "$BIN"
