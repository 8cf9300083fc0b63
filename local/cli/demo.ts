/**
 * `hpr demo`: an 8-node p5 cluster running a 4-node PyTorchJob and a batch Job on one of its
 * nodes; a fatal GPU fault (HMA `NvidiaErrorTerminate`) hits that node. Replacement takes a few
 * simulated seconds so the whole story prints in well under a minute.
 *
 * `hpr demo --spares` runs the same story twice, without and with a one-node hot-spare pool
 * (docs/design/hot-spares.md), both with quick checks on so only the pool differs, and compares
 * each job's downtime (suspended → resumed).
 */
import { parseScenario, type Scenario } from './scenario.ts';
import type { SimulationReport } from './simulate.ts';

const story = {
  cluster: {
    name: 'ml-cluster',
    nodeRecovery: 'None',
    instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: 8 }],
  },
  policy: { mode: 'act', awaitNode: { pollSeconds: 1, rebootTimeoutMinutes: 5, replaceTimeoutMinutes: 5 } },
  timings: { rebootMs: 2000, shutdownMs: 1000, replaceMs: 4000, nodeJoinMs: 1500 },
  workloads: [
    { kind: 'PyTorchJob', name: 'llama-pretrain', nodes: [0, 1, 2, 3], gpusPerPod: 4 },
    { kind: 'Job', name: 'eval', pods: 1, gpusPerPod: 4, colocateWith: 'llama-pretrain' },
  ],
  faults: [{ atMs: 0, node: { podOf: 'eval' }, type: 'NvidiaErrorTerminate' }],
  timeoutMs: 120_000,
};

export const demoScenario = (): Scenario =>
  parseScenario({ name: 'demo: fatal GPU fault on a node of a multi-node training job', ...story });

/** The two runs of `hpr demo --spares`: the same fault, without and with one verified spare. */
export const demoSpareScenarios = (): { without: Scenario; with: Scenario } => ({
  without: parseScenario({
    name: 'demo without a hot spare: the jobs wait for the replacement',
    ...story,
    quickChecks: 'pass',
  }),
  with: parseScenario({
    name: 'demo with a hot spare: the jobs resume on the spare while the node is replaced',
    ...story,
    quickChecks: 'pass',
    spares: { pools: [{ instanceGroup: 'workers', count: 1 }] },
  }),
});

export interface SpareComparisonRow {
  job: string;
  /** Suspended → resumed, in ms; undefined when the job was not suspended or not resumed. */
  withoutSpareMs?: number;
  withSpareMs?: number;
  /** The spare the job resumed on in the run with a pool. */
  spare?: string;
}

const downtimeMs = (job: SimulationReport['jobs'][number] | undefined): number | undefined =>
  job?.suspendedAt && job.resumedAt ? Date.parse(job.resumedAt) - Date.parse(job.suspendedAt) : undefined;

/** Each job's downtime in both runs, side by side. */
export const compareSpareRuns = (
  without: SimulationReport,
  withSpare: SimulationReport,
): SpareComparisonRow[] =>
  without.jobs.map((job) => {
    const other = withSpare.jobs.find(
      (j) => j.kind === job.kind && j.namespace === job.namespace && j.name === job.name,
    );
    const a = downtimeMs(job);
    const b = downtimeMs(other);
    return {
      job: `${job.kind}/${job.namespace}/${job.name}`,
      ...(a !== undefined ? { withoutSpareMs: a } : {}),
      ...(b !== undefined ? { withSpareMs: b } : {}),
      ...(other?.resumedOnSpare ? { spare: other.resumedOnSpare } : {}),
    };
  });

const seconds = (ms: number | undefined) =>
  ms === undefined ? 'not resumed' : `${(ms / 1000).toFixed(2)} s`;

/** The comparison as text (what `hpr demo --spares` prints after both timelines). */
export const spareComparisonText = (rows: SpareComparisonRow[]): string =>
  [
    'job downtime (suspended → resumed), same fault, same simulated replacement time:',
    ...rows.map(
      (row) =>
        `  ${row.job}: without a spare ${seconds(row.withoutSpareMs)}; with a spare ${seconds(row.withSpareMs)}` +
        (row.spare ? ` (resumed on ${row.spare})` : ''),
    ),
    '',
  ].join('\n');
