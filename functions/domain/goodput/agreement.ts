/**
 * The analytic planner model against the Monte Carlo simulation: a grid of settings where the
 * model's assumptions hold (Poisson failures, a repair distribution of known mean, long runs), and
 * stress cases where they do not. Shared by the unit test and `npm run bench -- goodput`.
 */
import { estimatePlan, metaExpectedEttr, type PlanInputs } from './model.ts';
import { type RepairDistribution, simulatePlan } from './simulate.ts';

export interface AgreementSetting {
  name: string;
  inputs: PlanInputs;
  repair: RepairDistribution;
}

export interface AgreementRow {
  name: string;
  repair: string;
  analytic: number;
  meta: number;
  simulated: number;
  simulatedP5: number;
  simulatedP95: number;
  /** (simulated − analytic) / analytic. */
  relativeError: number;
  spareMissAnalytic: number;
  spareMissSimulated: number;
}

/** RSC-1's failure rate (fact goodput.meta-ettr-model), per node-day. */
export const RSC1_FAILURES_PER_NODE_DAY = 6.5 / 1000;
/** RSC-2's. */
export const RSC2_FAILURES_PER_NODE_DAY = 2.34 / 1000;

const job = (over: Partial<PlanInputs>): PlanInputs => ({
  nodes: 2048,
  failuresPerNodeDay: RSC1_FAILURES_PER_NODE_DAY,
  checkpointIntervalMinutes: 30,
  checkpointWriteMinutes: 0.5,
  restartMinutes: 5,
  detectMinutes: 2,
  spares: 2,
  repairMinutes: 60,
  ...over,
});

const exp: RepairDistribution = { kind: 'exponential' };
const fixed: RepairDistribution = { kind: 'fixed' };

/** Where the model's assumptions hold: every pool regime, from never short to always short. */
export const AGREEMENT_GRID: AgreementSetting[] = [
  {
    name: '2048 nodes, Meta 60-min checkpoints, ample pool',
    inputs: job({ checkpointIntervalMinutes: 60, checkpointWriteMinutes: 0, spares: 8 }),
    repair: exp,
  },
  {
    name: '2048 nodes, Meta 5-min checkpoints, ample pool',
    inputs: job({ checkpointIntervalMinutes: 5, checkpointWriteMinutes: 0, spares: 8 }),
    repair: exp,
  },
  { name: '2048 nodes, no spare, 1-h repair', inputs: job({ spares: 0 }), repair: fixed },
  { name: '2048 nodes, 1 spare, 1-h repair', inputs: job({ spares: 1 }), repair: exp },
  { name: '2048 nodes, 2 spares, 1-h repair', inputs: job({ spares: 2 }), repair: fixed },
  {
    name: '2048 nodes, 4 spares, 1-day repair',
    inputs: job({ spares: 4, repairMinutes: 1440 }),
    repair: exp,
  },
  {
    name: '2048 nodes, 12 spares, 1-day repair',
    inputs: job({ spares: 12, repairMinutes: 1440 }),
    repair: fixed,
  },
  {
    name: '2048 nodes, 2 spares, 4-h repair, 10-min detection',
    inputs: job({ repairMinutes: 240, detectMinutes: 10 }),
    repair: exp,
  },
  {
    name: '512 nodes, no spare, 4-h repair',
    inputs: job({ nodes: 512, spares: 0, repairMinutes: 240 }),
    repair: exp,
  },
  {
    name: '512 nodes, 1 spare, 1-day repair',
    inputs: job({ nodes: 512, spares: 1, repairMinutes: 1440 }),
    repair: fixed,
  },
  {
    name: '512 nodes, 3 spares, 1-day repair, 10-min checkpoints',
    inputs: job({ nodes: 512, spares: 3, repairMinutes: 1440, checkpointIntervalMinutes: 10 }),
    repair: exp,
  },
  {
    name: '128 nodes, no spare, 1-day repair, RSC-2 rate',
    inputs: job({
      nodes: 128,
      spares: 0,
      repairMinutes: 1440,
      failuresPerNodeDay: RSC2_FAILURES_PER_NODE_DAY,
    }),
    repair: fixed,
  },
  {
    name: '128 nodes, 1 spare, 1-day repair, RSC-2 rate',
    inputs: job({
      nodes: 128,
      spares: 1,
      repairMinutes: 1440,
      failuresPerNodeDay: RSC2_FAILURES_PER_NODE_DAY,
    }),
    repair: exp,
  },
  {
    name: '4096 nodes, 4 spares, 2-h repair, 2-min writes',
    inputs: job({ nodes: 4096, spares: 4, repairMinutes: 120, checkpointWriteMinutes: 2 }),
    repair: exp,
  },
  {
    name: '4096 nodes, 2 spares, 30-min repair, 15-min restart',
    inputs: job({ nodes: 4096, repairMinutes: 30, restartMinutes: 15 }),
    repair: fixed,
  },
  {
    name: '16384 nodes (131k GPUs), 6 spares, 1-h repair, 10-min checkpoints',
    inputs: job({ nodes: 16_384, spares: 6, checkpointIntervalMinutes: 10 }),
    repair: exp,
  },
];

/** Where they do not: the simulation shows what the formulas miss. */
export const STRESS_CASES: AgreementSetting[] = [
  {
    name: 'long repair tails (lognormal σ 1.5), 2048 nodes, 1 spare, 1-day repair',
    inputs: job({ spares: 1, repairMinutes: 1440 }),
    repair: { kind: 'lognormal', sigma: 1.5 },
  },
  {
    name: 'long repair tails (lognormal σ 1.5), 2048 nodes, no spare, 1-day repair',
    inputs: job({ spares: 0, repairMinutes: 1440 }),
    repair: { kind: 'lognormal', sigma: 1.5 },
  },
  {
    name: 'pool exhausted: 2048 nodes, no spare, 1-day repair (Meta assumes a spare)',
    inputs: job({ spares: 0, repairMinutes: 1440 }),
    repair: exp,
  },
];

const describe = (r: RepairDistribution) => (r.kind === 'lognormal' ? `lognormal σ ${r.sigma}` : r.kind);

/** Simulates each setting (`runs` runs of `horizonMinutes`, from `seed`) and compares. */
export const compareWithSimulation = (
  settings: AgreementSetting[],
  options: { runs: number; horizonMinutes: number; seed: number },
): AgreementRow[] =>
  settings.map((setting, i) => {
    const analytic = estimatePlan(setting.inputs);
    const simulated = simulatePlan(setting.inputs, {
      ...options,
      seed: options.seed + i,
      repair: setting.repair,
    });
    return {
      name: setting.name,
      repair: describe(setting.repair),
      analytic: analytic.ettr,
      meta: metaExpectedEttr(setting.inputs),
      simulated: simulated.meanEttr,
      simulatedP5: simulated.p5Ettr,
      simulatedP95: simulated.p95Ettr,
      relativeError: (simulated.meanEttr - analytic.ettr) / analytic.ettr,
      spareMissAnalytic: analytic.spareMissShare,
      spareMissSimulated: simulated.spareMissShare,
    };
  });
