/**
 * `npm run chaos -- --seed S --campaigns N [--out DIR]`: runs N campaigns with seeds S, S+1, …,
 * prints each seed as it goes, and writes `chaos-report.json` and `chaos-report.md` (default
 * bench/results/). A failing campaign also writes `chaos-<seed>.scenario.json`, the `hpr simulate`
 * scenario of its triggers, and prints the command that replays it exactly. Exit code 1 when any
 * campaign broke an invariant.
 *
 * `--wire`: the wire set instead (wire-campaign.ts: one local environment per campaign, the real
 * adapters, simulator, kube-apiserver and dynalite); writes `chaos-wire-report.json` and `.md`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { drawCampaign, runCampaign } from './campaign.ts';
import { buildReport, replayCommand, replayScenario, reportMarkdown } from './report.ts';
import { drawWireCampaign, runWireCampaign, type WireCampaignResult, wireClean } from './wire-campaign.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    campaigns: { type: 'string', default: '20' },
    out: { type: 'string', default: 'bench/results' },
    wire: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const campaigns = Number(values.campaigns);
if (!Number.isInteger(seed) || !Number.isInteger(campaigns) || campaigns < 1) {
  console.error('usage: npm run chaos -- --seed <integer> --campaigns <n ≥ 1> [--out <dir>]');
  process.exit(2);
}

await mkdir(values.out, { recursive: true });
if (values.wire) {
  const started = Date.now();
  const results: WireCampaignResult[] = [];
  for (let s = seed; s < seed + campaigns; s++) {
    const result = await runWireCampaign(drawWireCampaign(s));
    results.push(result);
    const summary = Object.entries(result.incidents)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    console.log(
      wireClean(result)
        ? `wire seed ${s}: clean (${result.durationMs} ms; ${summary})`
        : `wire seed ${s}: ${result.violations.length} violation(s), ${result.observerGaps.length} observer gap(s); replay: npm run chaos -- --wire --seed ${s} --campaigns 1`,
    );
    for (const v of result.violations) console.log(`  ${v.invariant}: ${v.detail}`);
    for (const g of result.observerGaps) console.log(`  observer gap: ${g}`);
  }
  const sum = (pick: (r: WireCampaignResult) => Record<string, number>) => {
    const total: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(pick(r))) total[k] = (total[k] ?? 0) + v;
    return total;
  };
  const report = {
    set: 'wire',
    firstSeed: seed,
    campaigns: results.length,
    clean: results.filter(wireClean).length,
    wallMs: Date.now() - started,
    apiServerRestarts: results.filter((r) => r.spec.restartApiServer).length,
    faults: sum((r) => r.faults),
    incidents: sum((r) => r.incidents),
    executions: sum((r) => r.executions.byStatus),
    failures: results
      .filter((r) => !wireClean(r))
      .map((r) => ({ seed: r.seed, violations: r.violations, observerGaps: r.observerGaps })),
  };
  const lines = [
    `# Wire chaos campaigns (seeds ${seed}–${seed + campaigns - 1})`,
    '',
    `${report.clean}/${report.campaigns} clean in ${(report.wallMs / 1000).toFixed(1)} s; ${report.apiServerRestarts} with a kube-apiserver restart.`,
    '',
    `- Faults: ${JSON.stringify(report.faults)}`,
    `- Incidents: ${JSON.stringify(report.incidents)}`,
    `- Executions: ${JSON.stringify(report.executions)}`,
    ...report.failures.map(
      (f) =>
        `- Seed ${f.seed}: ${[...f.violations.map((v) => v.invariant), ...f.observerGaps.map(() => 'observer gap')].join(', ')}`,
    ),
    '',
  ];
  await writeFile(join(values.out, 'chaos-wire-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(values.out, 'chaos-wire-report.md'), lines.join('\n'));
  console.log(
    `${report.clean}/${report.campaigns} wire campaigns clean in ${(report.wallMs / 1000).toFixed(1)} s`,
  );
  process.exit(report.failures.length === 0 ? 0 : 1);
}
const started = Date.now();
const results = [];
for (let s = seed; s < seed + campaigns; s++) {
  const spec = drawCampaign(s);
  const result = await runCampaign(spec);
  results.push(result);
  const summary = Object.entries(result.incidents)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  if (result.violations.length === 0) {
    console.log(`seed ${s}: clean (${result.durationMs} ms; ${summary})`);
    continue;
  }
  const file = join(values.out, `chaos-${s}.scenario.json`);
  await writeFile(file, `${JSON.stringify(replayScenario(spec), null, 2)}\n`);
  console.log(
    `seed ${s}: ${result.violations.length} violation(s); replay: ${replayCommand(s)}; triggers: hpr simulate ${file}`,
  );
  for (const v of result.violations) console.log(`  ${v.invariant}: ${v.detail}`);
}
const report = buildReport(seed, results, Date.now() - started);
await writeFile(join(values.out, 'chaos-report.json'), `${JSON.stringify(report, null, 2)}\n`);
await writeFile(join(values.out, 'chaos-report.md'), reportMarkdown(report));
console.log(
  `${report.clean}/${report.campaigns} campaigns clean in ${(report.wallMs / 1000).toFixed(1)} s; report: ${join(values.out, 'chaos-report.md')}`,
);
process.exit(report.failures.length === 0 ? 0 : 1);
