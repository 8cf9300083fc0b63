/**
 * A discrete-event Monte Carlo simulation of one synchronous training run, to check the analytic
 * planner model (`model.ts`) and to show where its assumptions stop holding (an exhausted spare
 * pool, long repair tails, failures frequent within a checkpoint interval).
 *
 * The run: N nodes train; each fails independently (Poisson, rate r_f) while the job runs. A
 * failure loses the work since the last completed checkpoint (every Δt of work, each write
 * blocking w) and sends the node to repair (turnaround drawn from a distribution of mean R, then
 * back in the pool). After `detect` minutes the job claims a spare, or waits for the first repair
 * to come back, then restarts (u₀). ETTR = committed work / wall-clock time. Deterministic for a
 * seed (a seeded PRNG, mulberry32), so tests and benchmarks reproduce.
 */
import { GoodputInputError, jobFailureRatePerMinute, type PlanInputs, validatePlanInputs } from './model.ts';

/** Repair turnaround distribution, all of mean `repairMinutes`. */
export type RepairDistribution =
  | { kind: 'fixed' }
  | { kind: 'exponential' }
  /** σ of the underlying normal: 1.5 gives a long tail (p99 ≈ 14× the median). */
  | { kind: 'lognormal'; sigma: number };

export interface SimulationOptions {
  /** Wall-clock length of one run. */
  horizonMinutes: number;
  runs: number;
  seed: number;
  repair?: RepairDistribution;
}

export interface RunOutcome {
  ettr: number;
  failures: number;
  /** Failures that found no spare. */
  spareMisses: number;
  /** Minutes spent waiting for a node. */
  waitMinutes: number;
}

export interface SimulationSummary {
  runs: number;
  meanEttr: number;
  p5Ettr: number;
  p50Ettr: number;
  p95Ettr: number;
  meanFailures: number;
  /** Share of failures that found no spare, over all runs. */
  spareMissShare: number;
  /** Share of wall-clock time spent waiting for a node. */
  waitShare: number;
}

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same stream everywhere. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Draws repair times of the given mean. */
export const repairSampler = (
  distribution: RepairDistribution,
  mean: number,
  random: () => number,
): (() => number) => {
  switch (distribution.kind) {
    case 'fixed':
      return () => mean;
    case 'exponential':
      return () => -Math.log(1 - random()) * mean;
    case 'lognormal': {
      const { sigma } = distribution;
      const mu = Math.log(mean) - (sigma * sigma) / 2;
      return () => {
        // Box–Muller; 1 − u keeps the logarithm finite.
        const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
        return Math.exp(mu + sigma * normal);
      };
    }
  }
};

/** Committed work of a running stretch of `length` minutes that starts at a fresh checkpoint. */
const committedIn = (length: number, interval: number, cycle: number): number =>
  Math.floor(length / cycle) * interval;

/** One run of the training job. */
export const simulateRun = (
  inputs: PlanInputs,
  horizonMinutes: number,
  random: () => number,
  repair: RepairDistribution = { kind: 'exponential' },
): RunOutcome => {
  const rate = jobFailureRatePerMinute(inputs.nodes, inputs.failuresPerNodeDay);
  const interval = inputs.checkpointIntervalMinutes;
  const cycle = interval + inputs.checkpointWriteMinutes;
  const drawRepair = repairSampler(repair, inputs.repairMinutes, random);
  /** Times at which nodes in repair come back, unsorted (the pool is small). */
  const inRepair: number[] = [];
  let pool = inputs.spares;
  let t = 0;
  let committed = 0;
  let failures = 0;
  let spareMisses = 0;
  let waitMinutes = 0;
  const release = (now: number) => {
    for (let i = inRepair.length - 1; i >= 0; i--) {
      if (inRepair[i]! <= now) {
        inRepair.splice(i, 1);
        pool++;
      }
    }
  };
  while (t < horizonMinutes) {
    const runLength = rate > 0 ? -Math.log(1 - random()) / rate : Number.POSITIVE_INFINITY;
    if (t + runLength >= horizonMinutes) {
      // The run ends while training: the work since the last checkpoint is not lost.
      const left = horizonMinutes - t;
      const cycles = Math.floor(left / cycle);
      committed += cycles * interval + Math.min(interval, left - cycles * cycle);
      break;
    }
    committed += committedIn(runLength, interval, cycle);
    t += runLength;
    failures++;
    inRepair.push(t + drawRepair());
    t += inputs.detectMinutes;
    release(t);
    if (pool === 0) {
      spareMisses++;
      const back = Math.min(...inRepair);
      waitMinutes += back - t;
      t = back;
      release(t);
    }
    pool--;
    t += inputs.restartMinutes;
  }
  return { ettr: committed / horizonMinutes, failures, spareMisses, waitMinutes };
};

const quantile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;

/** Many independent runs from one seed; the mean, spread and pool figures over them. */
export const simulatePlan = (inputs: PlanInputs, options: SimulationOptions): SimulationSummary => {
  validatePlanInputs(inputs);
  if (!(Number.isInteger(options.runs) && options.runs >= 1))
    throw new GoodputInputError('runs must be a whole number ≥ 1');
  if (!(options.horizonMinutes > 0)) throw new GoodputInputError('horizonMinutes must be > 0');
  const random = seededRandom(options.seed);
  const outcomes = Array.from({ length: options.runs }, () =>
    simulateRun(inputs, options.horizonMinutes, random, options.repair),
  );
  const ettrs = outcomes.map((o) => o.ettr).sort((a, b) => a - b);
  const sum = (f: (o: RunOutcome) => number) => outcomes.reduce((s, o) => s + f(o), 0);
  const failures = sum((o) => o.failures);
  return {
    runs: options.runs,
    meanEttr: sum((o) => o.ettr) / options.runs,
    p5Ettr: quantile(ettrs, 0.05),
    p50Ettr: quantile(ettrs, 0.5),
    p95Ettr: quantile(ettrs, 0.95),
    meanFailures: failures / options.runs,
    spareMissShare: failures === 0 ? 0 : sum((o) => o.spareMisses) / failures,
    waitShare: sum((o) => o.waitMinutes) / (options.runs * options.horizonMinutes),
  };
};
