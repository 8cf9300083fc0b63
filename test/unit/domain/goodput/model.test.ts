import { describe, expect, it } from 'vitest';
import {
  dalyInterval,
  erlangB,
  estimatePlan,
  GoodputInputError,
  metaExpectedEttr,
  optimalInterval,
  type PlanInputs,
  poissonCdf,
  poissonQuantile,
  sparesForShare,
  traceGoodput,
  validatePlanInputs,
  youngInterval,
} from '#domain/goodput/model.ts';

const JOB: PlanInputs = {
  nodes: 2048,
  failuresPerNodeDay: 6.5 / 1000,
  checkpointIntervalMinutes: 30,
  checkpointWriteMinutes: 0.5,
  restartMinutes: 5,
  detectMinutes: 2,
  spares: 2,
  repairMinutes: 60,
};

describe("Meta's ETTR estimator (arXiv 2410.21680)", () => {
  // Kokolis et al., "Revisiting Reliability in Large-Scale Machine Learning Research Clusters",
  // arXiv 2410.21680: 16k GPUs (2,048 nodes) at RSC-1's 6.50 failures per 1,000 node-days, u0 = 5 min,
  // w ≈ 0 — "~0.7" with 60-min checkpoints and "~0.93" with 5-min ones.
  it('reproduces the 16k-GPU figure with hourly checkpoints: 0.676, which the paper rounds to ~0.7', () => {
    const ettr = metaExpectedEttr({
      nodes: 2048,
      failuresPerNodeDay: 6.5 / 1000,
      restartMinutes: 5,
      checkpointIntervalMinutes: 60,
      checkpointWriteMinutes: 0,
    });
    expect(ettr).toBeCloseTo(0.676, 3);
    expect(Math.round(ettr * 10) / 10).toBe(0.7);
  });

  it('reproduces the 16k-GPU figure with 5-minute checkpoints: 0.931, which the paper rounds to ~0.93', () => {
    const ettr = metaExpectedEttr({
      nodes: 2048,
      failuresPerNodeDay: 6.5 / 1000,
      restartMinutes: 5,
      checkpointIntervalMinutes: 5,
      checkpointWriteMinutes: 0,
    });
    expect(ettr).toBeCloseTo(0.931, 3);
    expect(Math.round(ettr * 100) / 100).toBe(0.93);
  });

  it('divides by the checkpoint overhead 1 + w/Δt', () => {
    const inputs = { nodes: 1, failuresPerNodeDay: 0, restartMinutes: 5, checkpointIntervalMinutes: 10 };
    expect(metaExpectedEttr({ ...inputs, checkpointWriteMinutes: 1 })).toBeCloseTo(1 / 1.1, 12);
  });

  it('goes negative where its first-order assumption breaks (131k GPUs, hourly checkpoints)', () => {
    expect(metaExpectedEttr({ ...JOB, nodes: 16_384, checkpointIntervalMinutes: 60 })).toBeLessThan(0);
  });
});

describe('Llama 3 trace scenarios (PEERS-AND-TARGETS §4.3)', () => {
  // Llama 3 (arXiv 2407.21783 §3.3.4): 54 days, 466 interruptions, 47 planned and 419 unexpected.
  const llama3 = {
    durationMinutes: 54 * 1440,
    unexpectedInterruptions: 419,
    plannedInterruptions: 47,
    plannedCostMinutes: 5,
    detectMinutes: 2,
    checkpointIntervalMinutes: 10,
    stallMinutes: 10 / 60,
  };

  it('reproduces scenario D, fast automation without a spare and a 35-min replacement: 75.8%', () => {
    expect(Math.round(traceGoodput({ ...llama3, resumeMinutes: 35 }) * 1000) / 10).toBe(75.8);
  });

  it('reproduces scenario E, fast automation with a hot spare: 91.7%', () => {
    expect(Math.round(traceGoodput({ ...llama3, resumeMinutes: 5 }) * 1000) / 10).toBe(91.7);
  });

  it('reproduces D2 (62.5%), G (87.4%) and F (95.1%)', () => {
    expect(Math.round(traceGoodput({ ...llama3, resumeMinutes: 60 }) * 1000) / 10).toBe(62.5);
    expect(
      Math.round(traceGoodput({ ...llama3, resumeMinutes: 5, checkpointIntervalMinutes: 30 }) * 1000) / 10,
    ).toBe(87.4);
    expect(
      Math.round(
        traceGoodput({ ...llama3, resumeMinutes: 3, checkpointIntervalMinutes: 1, stallMinutes: 1 / 60 }) *
          1000,
      ) / 10,
    ).toBe(95.1);
  });
});

describe('Optimal checkpoint interval (Young 1974, Daly 2006)', () => {
  // PEERS-AND-TARGETS §4.3: "√(2 · stall · MTBI), MTBI = 185.6 min, is 7.9 min for a 10 s stall and 19.3 min for 60 s".
  const mtbi = (54 * 1440) / 419;

  it("gives Young's √(2·w·M): 7.9 min for a 10 s write and 19.3 min for 60 s at Llama 3's MTBI", () => {
    expect(mtbi).toBeCloseTo(185.6, 1);
    expect(youngInterval(10 / 60, mtbi)).toBeCloseTo(7.9, 1);
    expect(youngInterval(1, mtbi)).toBeCloseTo(19.3, 1);
  });

  it("gives Daly's higher-order estimate slightly below Young's for w ≪ M", () => {
    const daly = dalyInterval(10 / 60, mtbi);
    const x = 10 / 60 / (2 * mtbi);
    expect(daly).toBeCloseTo(Math.sqrt(2 * (10 / 60) * mtbi) * (1 + Math.sqrt(x) / 3 + x / 9) - 10 / 60, 12);
    expect(daly).toBeLessThan(youngInterval(10 / 60, mtbi));
  });

  // Daly, "A higher order estimate of the optimum checkpoint interval for restart dumps", FGCS 22(3) 2006,
  // Figs. 3–5 (δ = 5 min): "M=24 h … τopt=117 min", "M=6 h … τopt=57 min", "M=15 min … τopt=9.1 min".
  it.each([
    { mtbf: 24 * 60, optimum: 117, digits: 0 },
    { mtbf: 6 * 60, optimum: 57, digits: 0 },
    { mtbf: 15, optimum: 9.1, digits: 1 },
  ])(
    "reproduces Daly's optimum of $optimum min for M = $mtbf min and a 5-min dump",
    ({ mtbf, optimum, digits }) => {
      expect(Number(dalyInterval(5, mtbf).toFixed(digits))).toBe(optimum);
    },
  );

  it("caps Daly's estimate at M when the write takes at least 2M", () => {
    expect(dalyInterval(50, 20)).toBe(20);
  });

  it("finds the planner's optimum near Young/Daly when writes are short", () => {
    const inputs = { ...JOB, checkpointWriteMinutes: 10 / 60, spares: 16 };
    const mtbf = estimatePlan(inputs).mtbfMinutes;
    const optimum = optimalInterval(inputs);
    expect(optimum / dalyInterval(10 / 60, mtbf)).toBeGreaterThan(0.9);
    expect(optimum / dalyInterval(10 / 60, mtbf)).toBeLessThan(1.1);
    const best = estimatePlan({ ...inputs, checkpointIntervalMinutes: optimum }).ettr;
    expect(best).toBeGreaterThan(estimatePlan({ ...inputs, checkpointIntervalMinutes: optimum * 1.5 }).ettr);
    expect(best).toBeGreaterThan(estimatePlan({ ...inputs, checkpointIntervalMinutes: optimum / 1.5 }).ettr);
  });

  it('has no finite optimum when nothing fails', () => {
    expect(optimalInterval({ ...JOB, failuresPerNodeDay: 0 })).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('Spare-pool sizing (PEERS-AND-TARGETS §4.4, Poisson P99)', () => {
  // 2,048 nodes at 327 hardware interruptions in 54 days (Llama 3): "0.5 day 3.0 8 / 1 day 6.1 12 / 3 days 18.2 29 / 7 days 42.4 58".
  it.each([
    { turnaroundDays: 0.5, mean: 3.0, spares: 8 },
    { turnaroundDays: 1, mean: 6.1, spares: 12 },
    { turnaroundDays: 3, mean: 18.2, spares: 29 },
    { turnaroundDays: 7, mean: 42.4, spares: 58 },
  ])('needs $spares spares for a $turnaroundDays-day turnaround', ({ turnaroundDays, mean, spares }) => {
    const sizing = sparesForShare({ faultsPerDay: 327 / 54, turnaroundDays, share: 0.99 });
    expect(sizing.meanInFlight).toBeCloseTo(mean, 1);
    expect(sizing.spares).toBe(spares);
  });

  it('needs no spare when nothing is in flight', () => {
    expect(poissonQuantile(0.99, 0)).toBe(0);
  });

  it('rejects a share outside (0, 1) and a bad mean', () => {
    expect(() => poissonQuantile(1, 3)).toThrow(GoodputInputError);
    expect(() => poissonQuantile(0, 3)).toThrow(GoodputInputError);
    expect(() => poissonQuantile(0.9, -1)).toThrow(GoodputInputError);
    expect(() => poissonQuantile(0.9, Number.NaN)).toThrow(GoodputInputError);
  });

  it('sums the Poisson distribution up to k', () => {
    expect(poissonCdf(-1, 2)).toBe(0);
    expect(poissonCdf(0, 2)).toBeCloseTo(Math.exp(-2), 12);
    expect(poissonCdf(1, 2)).toBeCloseTo(3 * Math.exp(-2), 12);
    expect(poissonCdf(400, 3)).toBe(1);
  });
});

describe("Erlang's loss formula", () => {
  it('is 1 without servers and a/(1+a) with one', () => {
    expect(erlangB(3, 0)).toBe(1);
    expect(erlangB(3, 1)).toBeCloseTo(0.75, 12);
  });

  it('matches the closed form (a^c/c!) / Σ a^k/k!', () => {
    const a = 4;
    const c = 5;
    const terms = Array.from({ length: c + 1 }, (_, k) => a ** k / [1, 1, 2, 6, 24, 120][k]!);
    expect(erlangB(a, c)).toBeCloseTo(terms[c]! / terms.reduce((s, t) => s + t, 0), 12);
  });
});

describe('The planner model', () => {
  it('is the checkpoint overhead alone when nothing fails', () => {
    const estimate = estimatePlan({ ...JOB, failuresPerNodeDay: 0 });
    expect(estimate.ettr).toBeCloseTo(30 / 30.5, 12);
    expect(estimate.mtbfMinutes).toBe(Number.POSITIVE_INFINITY);
    expect(estimate.lostWorkPerFailureMinutes).toBe(0);
  });

  it("agrees with Meta's estimator to first order when failures are rare and a spare is always there", () => {
    const inputs = { ...JOB, nodes: 64, detectMinutes: 0, spares: 20, checkpointIntervalMinutes: 5 };
    expect(estimatePlan(inputs).ettr).toBeCloseTo(metaExpectedEttr(inputs), 3);
  });

  it('loses about half a checkpoint interval of work per failure when failures are rare', () => {
    const estimate = estimatePlan({ ...JOB, nodes: 8, checkpointWriteMinutes: 0 });
    expect(estimate.lostWorkPerFailureMinutes).toBeCloseTo(15, 0);
  });

  it('waits the whole repair when there is no spare, and rarely with an ample pool', () => {
    const none = estimatePlan({ ...JOB, spares: 0 });
    expect(none.spareMissShare).toBe(1);
    expect(none.downtimePerFailureMinutes).toBeCloseTo(2 + 5 + 60, 12);
    const ample = estimatePlan({ ...JOB, spares: 10 });
    expect(ample.spareMissShare).toBeLessThan(1e-6);
    expect(ample.ettr).toBeGreaterThan(none.ettr);
  });

  it.each([
    ['nodes', 0],
    ['nodes', 1.5],
    ['spares', 0.5],
    ['checkpointIntervalMinutes', 0],
    ['restartMinutes', -1],
    ['repairMinutes', Number.POSITIVE_INFINITY],
    ['failuresPerNodeDay', Number.NaN],
  ] as const)('rejects %s = %s', (field, value) => {
    expect(() => validatePlanInputs({ ...JOB, [field]: value })).toThrow(GoodputInputError);
  });
});
