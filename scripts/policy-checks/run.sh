#!/usr/bin/env bash
# npm run policy:check — synthesize the deploy's IAM policies and Kubernetes manifests, then check
# them offline with parliament and checkov (scripts/policy-checks/run.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$(mktemp -d "${TMPDIR:-/tmp}/hpr-policy-checks-XXXXXX")"
trap 'rm -rf "$out"' EXIT
npx tsx scripts/policy-checks/synthesize.ts "$out"
python3 scripts/policy-checks/run.py "$out"
