#!/usr/bin/env bash
# Tier 2 of the test bed (local/testbed/README.md, tier 2): builds the JobSet controller and Kubeflow
# training-operator v1 from the Go module proxy into the same cache folder as the control plane
# (build-binaries.sh), and copies their upstream CRDs beside them. Opt-in: `npm run test:e2e`
# only uses tier 2 when these binaries exist and HPR_TIER2=1.
# Idempotent: a binary that exists is never rebuilt. Prints the cache folder on the last line.
# Build one controller only with HPR_CONTROLLERS="jobset" or "training-operator".
set -euo pipefail
K8S_VERSION="${K8S_VERSION:-v1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
JOBSET_VERSION="${JOBSET_VERSION:-v0.12.0}"
TRAINING_OPERATOR_VERSION="${TRAINING_OPERATOR_VERSION:-v1.9.0}"
CONTROLLERS="${HPR_CONTROLLERS:-jobset training-operator}"
CACHE_ROOT="${HPR_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hyperpod-resilience}"
OUT="${HPR_BIN_DIR:-$CACHE_ROOT/k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}-kwok-${KWOK_VERSION}}"
export GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="-mod=mod"
mkdir -p "$OUT/crds"
log() { echo "[build-controllers] $(date -u +%H:%M:%S) $*" >&2; }

module_dir() { # prints the extracted module folder of $1@$2
  GOFLAGS= go mod download -json "$1@$2" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'
}

# `go install pkg@version` first lists the module's versions (to report deprecation); this
# host's proxy answers that list with 403 ("This module version is not available") although
# the version itself downloads fine. So: download the exact version, copy its source and build
# the main package inside it as the main module (its own go.mod and go.sum, no lookups by list).
build_from_module() { # module version package-dir-in-module output-binary
  local mod="$1" ver="$2" pkg="$3" out="$4" src w
  src="$(module_dir "$mod" "$ver")"
  [ -n "$src" ] || { log "$mod@$ver: download failed"; return 1; }
  w="$(mktemp -d)"
  cp -r "$src/." "$w/"; chmod -R u+w "$w"
  ( cd "$w/$pkg" && go build -trimpath -ldflags "-s -w" -o "$out.tmp" . ) || { rm -rf "$w"; return 1; }
  mv "$out.tmp" "$out"; rm -rf "$w"
}

status=0
for c in $CONTROLLERS; do
  case "$c" in
    jobset)
      if [ ! -x "$OUT/jobset" ]; then
        log "jobset ${JOBSET_VERSION}: building"
        start=$(date +%s)
        if build_from_module sigs.k8s.io/jobset "$JOBSET_VERSION" . "$OUT/jobset"; then
          log "jobset ${JOBSET_VERSION}: built in $(( $(date +%s) - start )) s"
        else
          log "jobset ${JOBSET_VERSION}: BUILD FAILED after $(( $(date +%s) - start )) s"; status=1
        fi
      fi
      if [ -x "$OUT/jobset" ] && [ ! -f "$OUT/crds/jobset.x-k8s.io_jobsets.yaml" ]; then
        D="$(module_dir sigs.k8s.io/jobset "$JOBSET_VERSION")"
        cp "$D/config/components/crd/bases/jobset.x-k8s.io_jobsets.yaml" "$OUT/crds/"
      fi
      ;;
    training-operator)
      if [ ! -x "$OUT/training-operator.v1" ]; then
        log "training-operator ${TRAINING_OPERATOR_VERSION}: building"
        start=$(date +%s)
        if build_from_module github.com/kubeflow/training-operator "$TRAINING_OPERATOR_VERSION" \
          cmd/training-operator.v1 "$OUT/training-operator.v1"; then
          log "training-operator ${TRAINING_OPERATOR_VERSION}: built in $(( $(date +%s) - start )) s"
        else
          log "training-operator ${TRAINING_OPERATOR_VERSION}: BUILD FAILED after $(( $(date +%s) - start )) s"; status=1
        fi
      fi
      if [ -x "$OUT/training-operator.v1" ] && [ ! -f "$OUT/crds/kubeflow.org_pytorchjobs.yaml" ]; then
        D="$(module_dir github.com/kubeflow/training-operator "$TRAINING_OPERATOR_VERSION")"
        cp "$D/manifests/base/crds/kubeflow.org_pytorchjobs.yaml" "$OUT/crds/"
        [ -f "$D/manifests/base/crds/kubeflow.org_mpijobs.yaml" ] && cp "$D/manifests/base/crds/kubeflow.org_mpijobs.yaml" "$OUT/crds/"
      fi
      ;;
    *) log "unknown controller $c"; status=1 ;;
  esac
done
chmod -R u+w "$OUT/crds"
log "controllers in $OUT"
echo "$OUT"
exit $status
