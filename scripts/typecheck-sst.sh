#!/usr/bin/env bash
# Type-checks sst.config.ts offline: `sst install` generates .sst/platform (the $config, sst and
# aws globals) without reaching AWS; then tsc checks the config against it. ~1 min the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f .sst/platform/config.d.ts ]; then
  SST_SKIP_DEPENDENCY_CHECK=1 SST_NO_BUN=1 SST_TELEMETRY_DISABLED=1 npx sst install --stage dev
fi
npx tsc -p tsconfig.sst.json --noEmit
