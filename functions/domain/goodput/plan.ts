/**
 * The planner (`hpr plan`): from a job's size and the fleet's figures, the expected ETTR, the
 * optimal checkpoint interval, the spare pool that covers a target share of time, the gain of each
 * lever side by side, and the curves ETTR(spares) and ETTR(checkpoint interval) to draw.
 */
import {
  dalyInterval,
  estimatePlan,
  GoodputInputError,
  MINUTES_PER_DAY,
  metaExpectedEttr,
  optimalInterval,
  type PlanEstimate,
  type PlanInputs,
  sparesForShare,
  youngInterval,
} from './model.ts';

export interface Lever {
  lever: 'spares' | 'checkpoint-interval' | 'detection' | 'restart' | 'all';
  /** What changes, in words: `spares 0 → 4`. */
  change: string;
  ettr: number;
  /** ETTR points gained over the current settings (percentage points). */
  gainPoints: number;
}

export interface CurvePoint {
  x: number;
  ettr: number;
}

export interface Plan {
  inputs: PlanInputs;
  /** Share of time the recommended pool covers (faults in flight ≤ spares). */
  spareShare: number;
  estimate: PlanEstimate;
  /** Meta's first-order estimator at the same inputs (no pool, spare always there). */
  metaEttr: number;
  checkpoint: { youngMinutes: number; dalyMinutes: number; optimalMinutes: number; ettrAtOptimal: number };
  spares: { meanInFlight: number; recommended: number; ettrAtRecommended: number };
  levers: Lever[];
  curves: { spares: CurvePoint[]; checkpointInterval: CurvePoint[] };
}

const points = (ettr: number, base: number) => Math.round((ettr - base) * 10_000) / 100;

/** Log-spaced values from `from` to `to` (both included). */
const logSpace = (from: number, to: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => from * (to / from) ** (i / (count - 1)));

/**
 * Builds the plan. `spareShare` is the share of time the recommended pool must cover (0.99: the
 * pool is short at most 1% of the time). Levers are applied one at a time to the current settings:
 * spares to the recommended pool, the checkpoint interval to its optimum, detection and restart
 * halved; then all together.
 */
export const buildPlan = (inputs: PlanInputs, spareShare = 0.99): Plan => {
  if (!(spareShare > 0 && spareShare < 1))
    throw new GoodputInputError('spareShare must lie strictly between 0 and 1');
  const estimate = estimatePlan(inputs);
  const base = estimate.ettr;
  const mtbf = estimate.mtbfMinutes;
  const optimalMinutes = optimalInterval(inputs);
  const sizing = sparesForShare({
    faultsPerDay: inputs.nodes * inputs.failuresPerNodeDay,
    turnaroundDays: inputs.repairMinutes / MINUTES_PER_DAY,
    share: spareShare,
  });
  const at = (change: Partial<PlanInputs>) => estimatePlan({ ...inputs, ...change }).ettr;
  const recommended = Math.max(inputs.spares, sizing.spares);
  const better = {
    spares: recommended,
    checkpointIntervalMinutes: Number.isFinite(optimalMinutes)
      ? optimalMinutes
      : inputs.checkpointIntervalMinutes,
    detectMinutes: inputs.detectMinutes / 2,
    restartMinutes: inputs.restartMinutes / 2,
  };
  const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
  const lever = (name: Lever['lever'], change: string, partial: Partial<PlanInputs>): Lever => {
    const ettr = at(partial);
    return { lever: name, change, ettr, gainPoints: points(ettr, base) };
  };
  const levers: Lever[] = [
    lever('spares', `spares ${inputs.spares} → ${recommended}`, { spares: better.spares }),
    lever(
      'checkpoint-interval',
      `checkpoint every ${fmt(inputs.checkpointIntervalMinutes)} → ${fmt(better.checkpointIntervalMinutes)} min`,
      { checkpointIntervalMinutes: better.checkpointIntervalMinutes },
    ),
    lever('detection', `detection ${fmt(inputs.detectMinutes)} → ${fmt(better.detectMinutes)} min`, {
      detectMinutes: better.detectMinutes,
    }),
    lever('restart', `restart ${fmt(inputs.restartMinutes)} → ${fmt(better.restartMinutes)} min`, {
      restartMinutes: better.restartMinutes,
    }),
    lever('all', 'all of the above', better),
  ];
  const maxSpares = Math.max(8, 2 * recommended, inputs.spares + 2);
  const optimum = Number.isFinite(optimalMinutes) ? optimalMinutes : inputs.checkpointIntervalMinutes;
  const intervalFrom = Math.max(0.5, Math.min(inputs.checkpointIntervalMinutes, optimum) / 4);
  const intervalTo = Math.max(inputs.checkpointIntervalMinutes, optimum) * 4;
  return {
    inputs,
    spareShare,
    estimate,
    metaEttr: metaExpectedEttr(inputs),
    checkpoint: {
      youngMinutes: youngInterval(inputs.checkpointWriteMinutes, mtbf),
      dalyMinutes: dalyInterval(inputs.checkpointWriteMinutes, mtbf),
      optimalMinutes,
      ettrAtOptimal: at({ checkpointIntervalMinutes: better.checkpointIntervalMinutes }),
    },
    spares: {
      meanInFlight: sizing.meanInFlight,
      recommended: sizing.spares,
      ettrAtRecommended: at({ spares: sizing.spares }),
    },
    levers,
    curves: {
      spares: Array.from({ length: maxSpares + 1 }, (_, s) => ({ x: s, ettr: at({ spares: s }) })),
      checkpointInterval: logSpace(intervalFrom, intervalTo, 40).map((x) => ({
        x,
        ettr: at({ checkpointIntervalMinutes: x }),
      })),
    },
  };
};
