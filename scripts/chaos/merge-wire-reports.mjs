// Merges the per-seed wire chaos reports (<runs>/s<seed>/chaos-wire-report.json, written by
// scripts/chaos/wire-long-run.sh) into one report in local/chaos/run.ts's format.
//   node scripts/chaos/merge-wire-reports.mjs <runs> <first> <last> <elapsed-seconds> <out-dir>
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const [runs, first, last, elapsedS, outDir] = process.argv.slice(2);
const reports = [];
for (let s = Number(first); s <= Number(last); s++) {
  const f = `${runs}/s${s}/chaos-wire-report.json`;
  if (existsSync(f)) reports.push(JSON.parse(readFileSync(f, 'utf8')));
}
const sum = (pick) => {
  const t = {};
  for (const r of reports) for (const [k, v] of Object.entries(pick(r))) t[k] = (t[k] ?? 0) + v;
  return t;
};
const report = {
  set: 'wire',
  firstSeed: Number(first),
  campaigns: reports.length,
  clean: reports.reduce((n, r) => n + r.clean, 0),
  wallMs: reports.reduce((n, r) => n + r.wallMs, 0),
  elapsedMs: Number(elapsedS) * 1000,
  runAs: `one process per seed, each under the e2e lock: npm run chaos -- --wire --seed S --campaigns 1 for S in ${first}..${last}`,
  apiServerRestarts: reports.reduce((n, r) => n + r.apiServerRestarts, 0),
  faults: sum((r) => r.faults),
  incidents: sum((r) => r.incidents),
  executions: sum((r) => r.executions),
  failures: reports.flatMap((r) => r.failures),
};
const lines = [
  `# Wire chaos campaigns (seeds ${first}–${last})`,
  '',
  `${report.clean}/${report.campaigns} clean in ${(report.wallMs / 1000).toFixed(1)} s of campaign time (${(report.elapsedMs / 1000).toFixed(0)} s elapsed; one process per seed, each under the shared e2e lock, ${new Date().toISOString().slice(0, 10)}); ${report.apiServerRestarts} with a kube-apiserver restart.`,
  '',
  `- Faults: ${JSON.stringify(report.faults)}`,
  `- Incidents: ${JSON.stringify(report.incidents)}`,
  `- Executions: ${JSON.stringify(report.executions)}`,
  ...report.failures.map(
    (f) =>
      `- Seed ${f.seed}: ${[...f.violations.map((v) => v.invariant), ...(f.observerGaps ?? []).map(() => 'observer gap')].join(', ')}`,
  ),
  '',
  'Before the observer fix (wire-observer.ts, node and Job watches served from etcd): 55/60 clean in 1258.6 s; seeds 137, 140, 143, 144, 152 broke ledger-matches-actions because the node watch expired (410) after the apiserver restart and saw no later write.',
  '',
];
writeFileSync(`${outDir}/chaos-wire-report.json`, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(`${outDir}/chaos-wire-report.md`, lines.join('\n'));
console.log(lines.slice(0, 7).join('\n'));
