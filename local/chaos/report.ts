/**
 * The chaos report: campaigns run, faults injected by kind, invariant checks passed, incidents by
 * outcome, p50/p95 stage latencies under faults, and every failing seed with its replay. Pure.
 */
import type { CampaignResult, CampaignSpec } from './campaign.ts';
import { emptyFaultCounts, type FaultCounts } from './faults.ts';
import { INVARIANT_CHECKS_PER_RUN, type Violation } from './invariants.ts';

export interface ChaosReport {
  seed: number;
  campaigns: number;
  clean: number;
  wallMs: number;
  msPerCampaign: number;
  invariantChecks: { run: number; passed: number };
  /** Campaigns with a hot-spare pool, and incidents that promoted a spare. */
  spares: { campaignsWithPool: number; promotions: number };
  faults: FaultCounts;
  incidents: Record<string, number>;
  executions: Record<string, number>;
  stageLatencyMs: Record<string, { count: number; p50: number; p95: number }>;
  failures: { seed: number; violations: Violation[]; replay: string }[];
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);

export const buildReport = (seed: number, results: CampaignResult[], wallMs: number): ChaosReport => {
  const faults = emptyFaultCounts();
  const incidents: Record<string, number> = {};
  const executions: Record<string, number> = {};
  const latencies: Record<string, number[]> = {};
  let passed = 0;
  for (const r of results) {
    for (const [k, v] of Object.entries(r.faults)) faults[k as keyof FaultCounts] += v;
    for (const [k, v] of Object.entries(r.incidents)) incidents[k] = (incidents[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.executions.byStatus)) executions[k] = (executions[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.stageLatencies)) latencies[k] = [...(latencies[k] ?? []), ...v];
    passed += INVARIANT_CHECKS_PER_RUN - new Set(r.violations.map((v) => v.invariant)).size;
  }
  const stageLatencyMs = Object.fromEntries(
    Object.entries(latencies).map(([stage, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return [stage, { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95) }];
    }),
  );
  const failures = results
    .filter((r) => r.violations.length > 0)
    .map((r) => ({ seed: r.seed, violations: r.violations, replay: replayCommand(r.seed) }));
  return {
    seed,
    campaigns: results.length,
    clean: results.length - failures.length,
    wallMs,
    msPerCampaign: results.length ? Math.round(wallMs / results.length) : 0,
    invariantChecks: { run: results.length * INVARIANT_CHECKS_PER_RUN, passed },
    spares: {
      campaignsWithPool: results.filter((r) => r.spec.spares !== undefined).length,
      promotions: results.reduce((sum, r) => sum + r.sparePromotions, 0),
    },
    faults,
    incidents,
    executions,
    stageLatencyMs,
    failures,
  };
};

export const replayCommand = (seed: number): string => `npm run chaos -- --seed ${seed} --campaigns 1`;

/**
 * The trigger sequence of a campaign as an `hpr simulate` scenario (local/cli/scenario.ts): the
 * same cluster size, jobs and faults on the simulator and a real kube-apiserver. The dependency
 * faults are not in that format; `replayCommand` replays them exactly.
 */
export const replayScenario = (spec: CampaignSpec): object => ({
  name: `chaos campaign ${spec.seed}: replay the triggers (dependency faults: ${replayCommand(spec.seed)})`,
  cluster: {
    name: 'ml-cluster',
    instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: spec.nodes }],
  },
  policy: spec.policy,
  workloads: spec.jobs
    .filter((j) => j.foreign === undefined)
    .map((j) => ({ kind: 'PyTorchJob', name: j.name, nodes: j.nodes })),
  faults: spec.triggers.flatMap((t, i) =>
    Array.from({ length: t.copies }, (_, copy) => ({
      atMs: i * 100 + copy,
      node: t.node,
      type: t.faultType,
    })),
  ),
});

export const reportMarkdown = (report: ChaosReport): string => {
  const lines = [
    `# Chaos campaigns (seed ${report.seed})`,
    '',
    `- Campaigns: ${report.campaigns}, clean: ${report.clean}, with violations: ${report.failures.length}`,
    `- Wall time: ${(report.wallMs / 1000).toFixed(1)} s (${report.msPerCampaign} ms per campaign)`,
    `- Invariant checks: ${report.invariantChecks.passed} of ${report.invariantChecks.run} passed`,
    `- Hot spares: ${report.spares.campaignsWithPool} campaigns with a pool, ${report.spares.promotions} incidents promoted a spare`,
    '',
    '## Faults injected by kind',
    '',
    '| Fault | Count |',
    '|---|---|',
    ...Object.entries(report.faults).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '## Incidents by outcome',
    '',
    '| Status | Count |',
    '|---|---|',
    ...Object.entries(report.incidents).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `Executions: ${Object.entries(report.executions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
    '## Task latency under faults (ms, retries included, local runner)',
    '',
    '| Stage | Count | p50 | p95 |',
    '|---|---|---|---|',
    ...Object.entries(report.stageLatencyMs).map(([k, v]) => `| ${k} | ${v.count} | ${v.p50} | ${v.p95} |`),
    '',
    '## Failing seeds',
    '',
    ...(report.failures.length === 0
      ? ['None.']
      : report.failures.flatMap((f) => [
          `- seed ${f.seed} (replay: \`${f.replay}\`):`,
          ...f.violations.map((v) => `  - ${v.invariant}: ${v.detail}`),
        ])),
    '',
  ];
  return lines.join('\n');
};
