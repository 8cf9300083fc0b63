#!/usr/bin/env bash
# Type-checks sst.config.ts offline: `sst install` generates .sst/platform (the $config, sst and
# aws globals) without reaching AWS; then tsc checks the config against it. ~1 min the first time,
# and again whenever the pinned sst version changes. `sst install` also bundles sst.config.ts with
# SST's own esbuild settings, so a config SST cannot bundle fails here too.
set -euo pipefail
cd "$(dirname "$0")/.."
wanted="$(node -p "require('./node_modules/sst/package.json').version")"
installed="$(cat .sst/platform/version 2>/dev/null || true)"
if [ ! -f .sst/platform/config.d.ts ] || [ "$wanted" != "$installed" ]; then
  SST_SKIP_DEPENDENCY_CHECK=1 SST_NO_BUN=1 SST_TELEMETRY_DISABLED=1 npx sst install --stage dev
fi
npx tsc -p tsconfig.sst.json --noEmit
