/**
 * The analytic planner model (functions/domain/goodput/model.ts) against the Monte Carlo
 * simulation (simulate.ts) on the agreement grid, and the stress cases where the model's
 * assumptions stop holding. Prints the table; reports the largest error on the grid and run times.
 * HPR_BENCH_GOODPUT_RUNS (default 200) runs of 54 days each per setting, from one seed.
 */
import {
  AGREEMENT_GRID,
  type AgreementRow,
  compareWithSimulation,
  STRESS_CASES,
} from '#domain/goodput/agreement.ts';

const RUNS = Number(process.env.HPR_BENCH_GOODPUT_RUNS ?? 200);
const HORIZON_MINUTES = 54 * 1440;
const SEED = 2024;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const table = (rows: AgreementRow[]) =>
  rows.map((r) => ({
    setting: r.name,
    repair: r.repair,
    analytic: pct(r.analytic),
    meta: pct(r.meta),
    simulated: pct(r.simulated),
    'sim p5–p95': `${pct(r.simulatedP5)}–${pct(r.simulatedP95)}`,
    error: `${(r.relativeError * 100).toFixed(2)}%`,
    'no spare (model/sim)': `${pct(r.spareMissAnalytic)}/${pct(r.spareMissSimulated)}`,
  }));

export async function run(): Promise<Record<string, unknown>> {
  const options = { runs: RUNS, horizonMinutes: HORIZON_MINUTES, seed: SEED };
  let started = performance.now();
  const grid = compareWithSimulation(AGREEMENT_GRID, options);
  const gridMs = performance.now() - started;
  started = performance.now();
  const stress = compareWithSimulation(STRESS_CASES, options);
  const stressMs = performance.now() - started;
  process.stderr.write('agreement grid (assumptions hold):\n');
  console.table(table(grid));
  process.stderr.write('stress cases (assumptions do not hold):\n');
  console.table(table(stress));
  const worst = Math.max(...grid.map((r) => Math.abs(r.relativeError)));
  return {
    runsPerSetting: RUNS,
    horizonDays: HORIZON_MINUTES / 1440,
    seed: SEED,
    settings: grid.length,
    maxRelativeErrorPct: Math.round(worst * 10_000) / 100,
    allWithin5Pct: worst < 0.05,
    gridMs: Math.round(gridMs),
    stressMs: Math.round(stressMs),
    grid: table(grid),
    stress: table(stress),
  };
}
