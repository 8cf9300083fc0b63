/**
 * `npm run chaos -- --seed S --campaigns N [--out DIR]`: runs N campaigns with seeds S, S+1, …,
 * prints each seed as it goes, and writes `chaos-report.json` and `chaos-report.md` (default
 * bench/results/). A failing campaign also writes `chaos-<seed>.scenario.json`, the `hpr simulate`
 * scenario of its triggers, and prints the command that replays it exactly. Exit code 1 when any
 * campaign broke an invariant.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { drawCampaign, runCampaign } from './campaign.ts';
import { buildReport, replayCommand, replayScenario, reportMarkdown } from './report.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    campaigns: { type: 'string', default: '20' },
    out: { type: 'string', default: 'bench/results' },
  },
});
const seed = Number(values.seed);
const campaigns = Number(values.campaigns);
if (!Number.isInteger(seed) || !Number.isInteger(campaigns) || campaigns < 1) {
  console.error('usage: npm run chaos -- --seed <integer> --campaigns <n ≥ 1> [--out <dir>]');
  process.exit(2);
}

await mkdir(values.out, { recursive: true });
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
