#!/usr/bin/env bash
# The wire chaos long run as recorded in the README (bench/results/chaos-wire-report.*): one
# process per seed, each under the shared e2e lock (a 60-campaign process would hold a test bed
# and the lock for over 20 minutes), then one merged report.
#   bash scripts/chaos/wire-long-run.sh [first-seed=101] [last-seed=160] [out=bench/results]
set -euo pipefail
cd "$(dirname "$0")/../.."
first=${1:-101}
last=${2:-160}
out=${3:-bench/results}
runs=$(mktemp -d /tmp/hpr-chaos-wire.XXXXXX)
start=$(date +%s)
for seed in $(seq "$first" "$last"); do
  flock /tmp/hpr-e2e.lock npx tsx local/chaos/run.ts --wire --seed "$seed" --campaigns 1 --out "$runs/s$seed" || true
done
node scripts/chaos/merge-wire-reports.mjs "$runs" "$first" "$last" "$(( $(date +%s) - start ))" "$out"
