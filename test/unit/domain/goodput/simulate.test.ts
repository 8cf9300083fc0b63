import { describe, expect, it } from 'vitest';
import {
  AGREEMENT_GRID,
  compareWithSimulation,
  RSC1_FAILURES_PER_NODE_DAY,
  STRESS_CASES,
} from '#domain/goodput/agreement.ts';
import { GoodputInputError, type PlanInputs } from '#domain/goodput/model.ts';
import { repairSampler, seededRandom, simulatePlan, simulateRun } from '#domain/goodput/simulate.ts';

const JOB: PlanInputs = {
  nodes: 2048,
  failuresPerNodeDay: RSC1_FAILURES_PER_NODE_DAY,
  checkpointIntervalMinutes: 30,
  checkpointWriteMinutes: 0.5,
  restartMinutes: 5,
  detectMinutes: 2,
  spares: 2,
  repairMinutes: 60,
};
const RUN = { runs: 40, horizonMinutes: 54 * 1440, seed: 2024 };

describe('Monte Carlo against the analytic planner model', () => {
  const rows = compareWithSimulation(AGREEMENT_GRID, RUN);

  it('covers at least 12 settings', () => {
    expect(rows.length).toBeGreaterThanOrEqual(12);
  });

  it.each(rows.map((r) => [r.name, r] as const))('agrees within 5%%: %s', (_name, row) => {
    expect(Math.abs(row.relativeError)).toBeLessThan(0.05);
  });

  it("shows where Meta's estimator breaks: an empty pool, and failures frequent within a checkpoint interval", () => {
    const noSpare = rows.find((r) => r.name === '2048 nodes, no spare, 1-h repair')!;
    expect(noSpare.meta - noSpare.simulated).toBeGreaterThan(0.2);
    const huge = rows.find((r) => r.name.startsWith('16384 nodes'))!;
    expect(huge.simulated - huge.meta).toBeGreaterThan(0.1);
  });

  it('shows where the analytic model breaks: long repair tails within a finite run', () => {
    const [tail] = compareWithSimulation(STRESS_CASES.slice(0, 1), RUN);
    expect(Math.abs(tail!.relativeError)).toBeGreaterThan(0.05);
    expect(tail!.simulatedP5).toBeLessThan(tail!.analytic);
  });

  it('is deterministic for a seed', () => {
    expect(simulatePlan(JOB, { ...RUN, runs: 3 })).toEqual(simulatePlan(JOB, { ...RUN, runs: 3 }));
    expect(simulatePlan(JOB, { ...RUN, runs: 3 })).not.toEqual(
      simulatePlan(JOB, { ...RUN, runs: 3, seed: 7 }),
    );
  });
});

describe('One simulated run', () => {
  it('commits every full interval and the unfinished one when nothing fails', () => {
    const outcome = simulateRun({ ...JOB, failuresPerNodeDay: 0 }, 100, seededRandom(1));
    // Cycles of 30 + 0.5 min: three in 91.5 min, then 8.5 min of work not lost at the end.
    expect(outcome).toEqual({ ettr: (90 + 8.5) / 100, failures: 0, spareMisses: 0, waitMinutes: 0 });
  });

  it('waits for the repair when the pool is empty', () => {
    const summary = simulatePlan({ ...JOB, spares: 0 }, { ...RUN, runs: 5, repair: { kind: 'fixed' } });
    expect(summary.spareMissShare).toBe(1);
    expect(summary.waitShare).toBeGreaterThan(0);
    expect(summary.p5Ettr).toBeLessThanOrEqual(summary.p50Ettr);
    expect(summary.p50Ettr).toBeLessThanOrEqual(summary.p95Ettr);
  });

  it('reports no misses when nothing fails', () => {
    expect(simulatePlan({ ...JOB, failuresPerNodeDay: 0 }, { ...RUN, runs: 2 }).spareMissShare).toBe(0);
  });

  it('rejects runs and horizons that mean nothing', () => {
    expect(() => simulatePlan(JOB, { ...RUN, runs: 0 })).toThrow(GoodputInputError);
    expect(() => simulatePlan(JOB, { ...RUN, horizonMinutes: 0 })).toThrow(GoodputInputError);
  });
});

describe('Repair-time distributions', () => {
  const mean = (draw: () => number) => {
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += draw();
    return sum / 20_000;
  };

  it.each([
    { kind: 'fixed' as const },
    { kind: 'exponential' as const },
    { kind: 'lognormal' as const, sigma: 1 },
  ])('draws $kind repairs of the given mean', (distribution) => {
    expect(mean(repairSampler(distribution, 60, seededRandom(3))) / 60).toBeCloseTo(1, 1);
  });

  it('gives the same stream for the same seed and numbers in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const draws = Array.from({ length: 100 }, () => a());
    expect(draws).toEqual(Array.from({ length: 100 }, () => b()));
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
