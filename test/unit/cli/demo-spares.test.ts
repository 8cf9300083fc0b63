import { describe, expect, it } from 'vitest';
import { compareSpareRuns, demoSpareScenarios, spareComparisonText } from '#local/cli/demo.ts';
import type { SimulationReport } from '#local/cli/simulate.ts';

const report = (jobs: SimulationReport['jobs']): SimulationReport => ({
  scenario: 's',
  startedAt: '2026-12-03T20:00:00.000Z',
  endedAt: '2026-12-03T20:01:00.000Z',
  incidents: [],
  jobs,
  cluster: { name: 'ml-cluster', nodeRecovery: 'None', nodes: [] },
  notifications: [],
  unmatchedEvents: 0,
});

const job = (name: string, suspendedAt?: string, resumedAt?: string, resumedOnSpare?: string) => ({
  kind: 'PyTorchJob',
  namespace: 'training',
  name,
  ...(suspendedAt ? { suspendedAt } : {}),
  ...(resumedAt ? { resumedAt } : {}),
  ...(resumedOnSpare ? { resumedOnSpare } : {}),
  suspended: false,
  runningPods: 1,
});

describe('hpr demo --spares', () => {
  it('runs the same story twice, only the second with a one-node pool, both with quick checks', () => {
    const { without, with: withSpare } = demoSpareScenarios();
    expect(without.spares).toBeUndefined();
    expect(withSpare.spares?.pools).toEqual([{ instanceGroup: 'workers', count: 1 }]);
    expect(without.quickChecks).toBe('pass');
    expect(withSpare.quickChecks).toBe('pass');
    expect(withSpare.faults).toEqual(without.faults);
    expect(withSpare.timings).toEqual(without.timings);
  });

  it('puts each job downtime without and with a spare side by side, naming the spare', () => {
    const rows = compareSpareRuns(
      report([
        job('llama', '2026-12-03T20:00:00.000Z', '2026-12-03T20:00:07.000Z'),
        job('never', undefined, undefined),
      ]),
      report([
        job('llama', '2026-12-03T20:00:00.000Z', '2026-12-03T20:00:00.250Z', 'hyperpod-i-spare'),
        job('never', '2026-12-03T20:00:00.000Z', undefined),
      ]),
    );
    expect(rows).toEqual([
      { job: 'PyTorchJob/training/llama', withoutSpareMs: 7000, withSpareMs: 250, spare: 'hyperpod-i-spare' },
      { job: 'PyTorchJob/training/never' },
    ]);
    expect(spareComparisonText(rows)).toContain(
      'PyTorchJob/training/llama: without a spare 7.00 s; with a spare 0.25 s (resumed on hyperpod-i-spare)',
    );
    expect(spareComparisonText(rows)).toContain(
      'PyTorchJob/training/never: without a spare not resumed; with a spare not resumed',
    );
  });
});
