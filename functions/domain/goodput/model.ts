/**
 * Goodput models: how much of a training job's wall-clock time is useful work (the effective
 * training time ratio, ETTR), as a function of the fleet's failure rate and of the levers a
 * platform team controls — checkpoint interval, checkpoint write time, restart overhead, detection
 * time, spare pool. All times are in minutes and all rates per node-day unless named otherwise.
 * Pure functions; sources and the tests that reproduce them: docs/facts/goodput.md.
 */

export const MINUTES_PER_DAY = 1440;

/** A typed rejection of planner inputs (negative times, zero nodes, …). */
export class GoodputInputError extends Error {
  override name = 'GoodputInputError';
}

/** What the models need to know about a job and the fleet it runs on. */
export interface PlanInputs {
  /** Nodes the job runs on (all needed: a synchronous job stops when one fails). */
  nodes: number;
  /** Failures that stop the job and take a node out, per node-day. */
  failuresPerNodeDay: number;
  /** Useful work between two checkpoints (Δt). */
  checkpointIntervalMinutes: number;
  /** Time a checkpoint blocks training (w). */
  checkpointWriteMinutes: number;
  /** Restart overhead once the job has its nodes again: rescheduling, loading the checkpoint (u₀). */
  restartMinutes: number;
  /** Fault → job stopped and the failed node out (detection, quarantine, suspension). */
  detectMinutes: number;
  /** Healthy spare nodes standing by (hot spares). */
  spares: number;
  /** Fault → node repaired or replaced and back in the pool (the repair turnaround). */
  repairMinutes: number;
}

const NUMBER_FIELDS: (keyof PlanInputs)[] = [
  'nodes',
  'failuresPerNodeDay',
  'checkpointIntervalMinutes',
  'checkpointWriteMinutes',
  'restartMinutes',
  'detectMinutes',
  'spares',
  'repairMinutes',
];

/** Rejects what no model can mean: non-finite or negative values, no nodes, a zero interval. */
export const validatePlanInputs = (inputs: PlanInputs): PlanInputs => {
  for (const field of NUMBER_FIELDS) {
    const value = inputs[field];
    if (!Number.isFinite(value) || value < 0)
      throw new GoodputInputError(`${field} must be a finite number ≥ 0`);
  }
  if (!Number.isInteger(inputs.nodes) || inputs.nodes < 1)
    throw new GoodputInputError('nodes must be a whole number ≥ 1');
  if (!Number.isInteger(inputs.spares)) throw new GoodputInputError('spares must be a whole number');
  if (inputs.checkpointIntervalMinutes <= 0)
    throw new GoodputInputError('checkpointIntervalMinutes must be > 0');
  return inputs;
};

/** Failures of the whole job per minute of running time (N · r_f). */
export const jobFailureRatePerMinute = (nodes: number, failuresPerNodeDay: number): number =>
  (nodes * failuresPerNodeDay) / MINUTES_PER_DAY;

/**
 * Meta's ETTR estimator for large research clusters (arXiv 2410.21680, fact
 * goodput.meta-ettr-model): E[ETTR] ≈ (1 − N·r_f·(u₀ + Δt/2)) / (1 + w/Δt). A first-order model:
 * it assumes a spare is always there and failures are rare within a checkpoint interval, and it
 * goes negative when N·r_f·(u₀ + Δt/2) > 1 (returned as is: it shows where the model breaks).
 */
export const metaExpectedEttr = (inputs: {
  nodes: number;
  failuresPerNodeDay: number;
  restartMinutes: number;
  checkpointIntervalMinutes: number;
  checkpointWriteMinutes: number;
}): number => {
  const rate = jobFailureRatePerMinute(inputs.nodes, inputs.failuresPerNodeDay);
  const interval = inputs.checkpointIntervalMinutes;
  return (1 - rate * (inputs.restartMinutes + interval / 2)) / (1 + inputs.checkpointWriteMinutes / interval);
};

/** A trace of interruptions over a run (Llama 3 style, fact goodput.llama3-trace). */
export interface TraceScenario {
  durationMinutes: number;
  unexpectedInterruptions: number;
  plannedInterruptions: number;
  /** Cost of each planned interruption. */
  plannedCostMinutes: number;
  detectMinutes: number;
  /** Stop → training again (a spare swapped in, or a replacement awaited, plus restart). */
  resumeMinutes: number;
  checkpointIntervalMinutes: number;
  /** Blocking checkpoint write per interval. */
  stallMinutes: number;
}

/**
 * Goodput of a trace (fact goodput.trace-scenarios): (1 − (unexpected · (detect + resume + Δt/2)
 * + planned · cost) / duration) × (1 − stall / Δt).
 */
export const traceGoodput = (s: TraceScenario): number => {
  const lost =
    s.unexpectedInterruptions * (s.detectMinutes + s.resumeMinutes + s.checkpointIntervalMinutes / 2) +
    s.plannedInterruptions * s.plannedCostMinutes;
  return (1 - lost / s.durationMinutes) * (1 - s.stallMinutes / s.checkpointIntervalMinutes);
};

/**
 * Erlang's loss formula B(offered load, servers), by the stable recurrence
 * B(a, 0) = 1, B(a, k) = a·B(a, k−1) / (k + a·B(a, k−1)).
 */
export const erlangB = (offeredLoad: number, servers: number): number => {
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  return b;
};

/** P(X ≤ k) for X ~ Poisson(mean), summed term by term (means up to a few hundred). */
export const poissonCdf = (k: number, mean: number): number => {
  if (k < 0) return 0;
  let term = Math.exp(-mean);
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term *= mean / i;
    sum += term;
  }
  return Math.min(1, sum);
};

/** The smallest k with P(X ≤ k) ≥ share, X ~ Poisson(mean). */
export const poissonQuantile = (share: number, mean: number): number => {
  if (!(share > 0 && share < 1)) throw new GoodputInputError('share must lie strictly between 0 and 1');
  if (!(Number.isFinite(mean) && mean >= 0)) throw new GoodputInputError('mean must be a finite number ≥ 0');
  let k = 0;
  let term = Math.exp(-mean);
  let sum = term;
  while (sum < share) {
    k++;
    term *= mean / k;
    sum += term;
  }
  return k;
};

/**
 * Spare-pool sizing (fact goodput.spare-pool-poisson): the faults in flight within the repair
 * turnaround are Poisson with mean (faults per day × turnaround in days); the pool covers `share`
 * of the time when it is at least that distribution's `share` quantile.
 */
export const sparesForShare = (input: { faultsPerDay: number; turnaroundDays: number; share: number }) => {
  const mean = input.faultsPerDay * input.turnaroundDays;
  return { meanInFlight: mean, spares: poissonQuantile(input.share, mean) };
};

/** Young's first-order optimum checkpoint interval √(2·w·M) (fact goodput.young-daly). */
export const youngInterval = (writeMinutes: number, mtbfMinutes: number): number =>
  Math.sqrt(2 * writeMinutes * mtbfMinutes);

/**
 * Daly's higher-order optimum (fact goodput.young-daly): for w < 2M,
 * √(2wM)·[1 + ⅓·√(w/2M) + ⅑·(w/2M)] − w; otherwise M.
 */
export const dalyInterval = (writeMinutes: number, mtbfMinutes: number): number => {
  if (writeMinutes >= 2 * mtbfMinutes) return mtbfMinutes;
  const x = writeMinutes / (2 * mtbfMinutes);
  return Math.sqrt(2 * writeMinutes * mtbfMinutes) * (1 + Math.sqrt(x) / 3 + x / 9) - writeMinutes;
};

/** The planner's analytic model, term by term. */
export interface PlanEstimate {
  ettr: number;
  /** Mean running time between job failures, 1/(N·r_f). */
  mtbfMinutes: number;
  /** Failures per running minute. */
  failureRatePerMinute: number;
  /** Share of failures that find no spare (Erlang B of the repair load over the pool). */
  spareMissShare: number;
  /** Mean wait for a node when none is spare: the first of the S+1 outstanding repairs back. */
  waitForNodeMinutes: number;
  /** Mean downtime per failure: detection + restart + (miss share × wait). */
  downtimePerFailureMinutes: number;
  /** Mean useful work lost per failure (work since the last checkpoint). */
  lostWorkPerFailureMinutes: number;
  /** Expected repairs in flight (the offered load on the pool). */
  repairsInFlight: number;
}

/**
 * Expected ETTR by renewal (fact goodput.planner-model): the job runs for an exponential time of
 * mean M = 1/(N·r_f), committing Δt of work per checkpoint cycle of Δt + w (so E[committed] =
 * Δt·q/(1−q), q = e^{−(Δt+w)/M}), then is down for detection + restart, plus a wait for a node
 * when the pool is empty. A failure finds the pool empty with Erlang B(a, S), a = repair load; the
 * wait is then the first of S + 1 outstanding repairs, R/(S+1). With a spare always there and
 * rare failures this is Meta's estimator to first order.
 */
export const estimatePlan = (raw: PlanInputs): PlanEstimate => {
  const inputs = validatePlanInputs(raw);
  const rate = jobFailureRatePerMinute(inputs.nodes, inputs.failuresPerNodeDay);
  const interval = inputs.checkpointIntervalMinutes;
  const cycle = interval + inputs.checkpointWriteMinutes;
  const waitForNode = inputs.repairMinutes / (inputs.spares + 1);
  if (rate === 0) {
    return {
      ettr: interval / cycle,
      mtbfMinutes: Number.POSITIVE_INFINITY,
      failureRatePerMinute: 0,
      spareMissShare: 0,
      waitForNodeMinutes: waitForNode,
      downtimePerFailureMinutes: inputs.detectMinutes + inputs.restartMinutes,
      lostWorkPerFailureMinutes: 0,
      repairsInFlight: 0,
    };
  }
  const q = Math.exp(-rate * cycle);
  const committedPerRun = (interval * q) / (1 - q);
  const mtbf = 1 / rate;
  // Erlang's loss system: failures arrive while the job runs (not while it is down for detection
  // and restart, nor while it waits); a = R / (M + d + u₀) repairs are in flight on average.
  const load = inputs.repairMinutes / (mtbf + inputs.detectMinutes + inputs.restartMinutes);
  const miss = erlangB(load, inputs.spares);
  const downtime = inputs.detectMinutes + inputs.restartMinutes + miss * waitForNode;
  return {
    ettr: committedPerRun / (mtbf + downtime),
    mtbfMinutes: mtbf,
    failureRatePerMinute: rate,
    spareMissShare: miss,
    waitForNodeMinutes: waitForNode,
    downtimePerFailureMinutes: downtime,
    lostWorkPerFailureMinutes: Math.max(0, mtbf - committedPerRun * (cycle / interval)) * (interval / cycle),
    repairsInFlight: load,
  };
};

/**
 * The checkpoint interval that maximises the planner's ETTR (golden-section search; the ETTR is
 * unimodal in Δt: overhead w/Δt falls, lost work Δt/2 rises). Infinite when nothing fails.
 */
export const optimalInterval = (inputs: PlanInputs): number => {
  const rate = jobFailureRatePerMinute(inputs.nodes, inputs.failuresPerNodeDay);
  if (rate === 0) return Number.POSITIVE_INFINITY;
  const at = (interval: number) => estimatePlan({ ...inputs, checkpointIntervalMinutes: interval }).ettr;
  let lo = 1e-3;
  let hi = 20 / rate;
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = at(a);
  let fb = at(b);
  for (let i = 0; i < 80; i++) {
    if (fa < fb) {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = at(b);
    } else {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = at(a);
    }
  }
  return (lo + hi) / 2;
};
