#!/usr/bin/env bash
# Builds the test-bed control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok) from the Go module proxy into a cache folder keyed by
# version, outside the repository. Idempotent: a binary that exists is never rebuilt.
# Prints the cache folder on the last line of stdout.
set -euo pipefail
K8S_VERSION="${K8S_VERSION:-v1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
CACHE_ROOT="${HPR_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hyperpod-resilience}"
OUT="${HPR_BIN_DIR:-$CACHE_ROOT/k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}-kwok-${KWOK_VERSION}}"
export GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -mod=mod"
STAGING="v0.${K8S_VERSION#v1.}"            # v1.36.3 -> v0.36.3
MINOR="${K8S_VERSION#v1.}"; MINOR="${MINOR%%.*}"
mkdir -p "$OUT"
log() { echo "[build-binaries] $(date -u +%H:%M:%S) $*" >&2; }

if [ ! -x "$OUT/kube-apiserver" ] || [ ! -x "$OUT/kube-controller-manager" ] || [ ! -x "$OUT/kube-scheduler" ] || [ ! -x "$OUT/kubectl" ]; then
  W="$(mktemp -d)"; trap 'rm -rf "$W"' EXIT
  log "kubernetes ${K8S_VERSION}: resolving modules (first build downloads ~1 GB)"
  ( cd "$W"
    go mod init local/k8s-bins >/dev/null 2>&1
    go mod edit -go=1.26.0
    # The authoritative staging list is the "=> ./staging/..." replaces in k8s.io/kubernetes's own go.mod.
    go mod download "k8s.io/kubernetes@${K8S_VERSION}"
    GOMOD="$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\)[[:space:]]*=>[[:space:]]*\./staging/.*#\1#p' "$GOMOD"); do
      go mod edit -replace="${m}=${m}@${STAGING}"
    done
    go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@${K8S_VERSION}" "k8s.io/kubernetes/cmd/kube-controller-manager@${K8S_VERSION}" \
      "k8s.io/kubernetes/cmd/kube-scheduler@${K8S_VERSION}" "k8s.io/kubernetes/cmd/kubectl@${K8S_VERSION}"
    X=""
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      X="$X -X $p.gitVersion=${K8S_VERSION} -X $p.gitMajor=1 -X $p.gitMinor=${MINOR} -X $p.gitTreeState=clean -X $p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    done
    log "kubernetes ${K8S_VERSION}: compiling 4 binaries (10-30 min cold on 2 cores)"
    go build -trimpath -ldflags "-s -w $X" -o "$OUT/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  )
  rm -rf "$W"; trap - EXIT
fi

if [ ! -x "$OUT/etcd" ]; then
  W="$(mktemp -d)"; trap 'rm -rf "$W"' EXIT
  log "etcd ${ETCD_VERSION}: building"
  ( cd "$W"
    go mod init local/etcd-bin >/dev/null 2>&1
    go get -tool "go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
    go build -trimpath -ldflags "-s -w" -o "$OUT/etcd" go.etcd.io/etcd/server/v3
  )
  rm -rf "$W"; trap - EXIT
fi

if [ ! -x "$OUT/kwok" ]; then
  log "kwok ${KWOK_VERSION}: building"
  GOFLAGS= GOBIN="$OUT" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}"
fi
# kwok's default stages ship inside its module; keep a copy beside the binaries.
if [ ! -d "$OUT/kwok-stages" ]; then
  GOFLAGS= go mod download "sigs.k8s.io/kwok@${KWOK_VERSION}" >/dev/null
  MODDIR="$(GOFLAGS= go mod download -json "sigs.k8s.io/kwok@${KWOK_VERSION}" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  mkdir -p "$OUT/kwok-stages.tmp"
  cp -r "$MODDIR/kustomize/stage/." "$OUT/kwok-stages.tmp/"
  chmod -R u+w "$OUT/kwok-stages.tmp"
  mv "$OUT/kwok-stages.tmp" "$OUT/kwok-stages"
fi
# Tier 2 (JobSet controller, training-operator) unless HPR_TIER2=0; a failed build leaves tier 1
# usable, and the workload e2e tests then fail naming build-controllers.sh (tier2Plan).
if [ "${HPR_TIER2:-1}" != "0" ]; then
  HPR_BIN_DIR="$OUT" bash "$(dirname "${BASH_SOURCE[0]}")/build-controllers.sh" >/dev/null \
    || log "tier-2 controllers not built (see above); workload e2e tests fail unless HPR_TIER2=0"
fi
log "binaries ready in $OUT"
echo "$OUT"
