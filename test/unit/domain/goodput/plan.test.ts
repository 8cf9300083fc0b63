import { describe, expect, it } from 'vitest';
import { estimatePlan, GoodputInputError, type PlanInputs } from '#domain/goodput/model.ts';
import { buildPlan } from '#domain/goodput/plan.ts';

const JOB: PlanInputs = {
  nodes: 2048,
  failuresPerNodeDay: 6.5 / 1000,
  checkpointIntervalMinutes: 30,
  checkpointWriteMinutes: 0.5,
  restartMinutes: 5,
  detectMinutes: 2,
  spares: 0,
  repairMinutes: 1440,
};

describe('The plan', () => {
  const plan = buildPlan(JOB);

  it('recommends the P99 pool of repairs in flight: 13.3 a day at 2,048 nodes needs 22 spares', () => {
    expect(plan.spares.meanInFlight).toBeCloseTo(13.312, 3);
    expect(plan.spares.recommended).toBe(22);
    expect(plan.spares.ettrAtRecommended).toBeGreaterThan(plan.estimate.ettr);
  });

  it('puts the levers side by side, each against the current settings, then all together', () => {
    expect(plan.levers.map((l) => l.lever)).toEqual([
      'spares',
      'checkpoint-interval',
      'detection',
      'restart',
      'all',
    ]);
    expect(plan.levers[0]!.change).toBe('spares 0 → 22');
    expect(plan.levers[1]!.change).toMatch(/^checkpoint every 30 → \d+\.\d min$/);
    expect(plan.levers[2]!.change).toBe('detection 2 → 1 min');
    expect(plan.levers[3]!.change).toBe('restart 5 → 2.5 min');
    for (const lever of plan.levers) {
      expect(lever.gainPoints).toBeCloseTo((lever.ettr - plan.estimate.ettr) * 100, 1);
    }
    const all = plan.levers[4]!;
    expect(all.ettr).toBeGreaterThan(Math.max(...plan.levers.slice(0, 4).map((l) => l.ettr)));
  });

  it('finds the optimum interval among Young and Daly and better than the current one', () => {
    expect(plan.checkpoint.youngMinutes).toBeGreaterThan(plan.checkpoint.dalyMinutes);
    expect(plan.checkpoint.ettrAtOptimal).toBeGreaterThanOrEqual(plan.estimate.ettr);
  });

  it('draws ETTR against spares (rising) and against the checkpoint interval (peaked)', () => {
    const spares = plan.curves.spares;
    expect(spares[0]).toEqual({ x: 0, ettr: plan.estimate.ettr });
    expect(spares.length).toBe(2 * 22 + 1);
    for (let i = 1; i < spares.length; i++)
      expect(spares[i]!.ettr).toBeGreaterThanOrEqual(spares[i - 1]!.ettr);
    const intervals = plan.curves.checkpointInterval;
    expect(intervals.length).toBe(40);
    const best = Math.max(...intervals.map((p) => p.ettr));
    expect(best).toBeGreaterThan(intervals[0]!.ettr);
    expect(best).toBeGreaterThan(intervals.at(-1)!.ettr);
  });

  it('keeps a pool already larger than the recommendation', () => {
    const big = buildPlan({ ...JOB, spares: 40 });
    expect(big.levers[0]!.change).toBe('spares 40 → 40');
    expect(big.levers[0]!.gainPoints).toBe(0);
  });

  it('keeps the interval when nothing fails (no finite optimum)', () => {
    const calm = buildPlan({ ...JOB, failuresPerNodeDay: 0 });
    expect(calm.checkpoint.optimalMinutes).toBe(Number.POSITIVE_INFINITY);
    expect(calm.levers[1]!.change).toBe('checkpoint every 30 → 30 min');
    expect(calm.estimate.ettr).toBe(estimatePlan({ ...JOB, failuresPerNodeDay: 0 }).ettr);
  });

  it('rejects a share outside (0, 1)', () => {
    expect(() => buildPlan(JOB, 1)).toThrow(GoodputInputError);
  });
});
