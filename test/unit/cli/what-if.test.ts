import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IncidentLike } from '#domain/goodput/reliability.ts';
import { ScenarioError } from '#local/cli/scenario.ts';
import { comparisonText, REPLAY_SPAN_MS, scenarioFromHistory, summarizeRun } from '#local/cli/what-if.ts';

const report = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../fixtures/goodput/${name}.report.json`, import.meta.url), 'utf8'),
  ) as {
    startedAt: string;
    endedAt: string;
    incidents: IncidentLike[];
  };

const fault = (
  id: string,
  instanceId: string,
  time: string,
  code = 'NvidiaErrorTerminate',
  jobs: string[] = [],
): IncidentLike => ({
  incidentId: id,
  instanceId,
  trigger: { kind: 'node-health', time },
  fault: { class: 'fatal', code },
  decision: { outcome: 'proceed', action: 'replace' },
  status: 'resolved',
  actions: [{ type: 'workloads-suspended', at: time, detail: { suspended: jobs } }],
});

describe('Replaying history as a scenario', () => {
  it('injects each HMA fault on its node at its time, and puts the jobs it hit on those nodes', () => {
    const plan = scenarioFromHistory(
      [
        fault('b', 'i-2', '2026-11-01T00:01:00Z', 'NvidiaErrorReboot', ['PyTorchJob/training/Llama_3']),
        fault('a', 'i-1', '2026-11-01T00:00:00Z', 'NvidiaErrorTerminate', ['PyTorchJob/training/Llama_3']),
      ],
      { clusterName: 'ml', nodes: 4, policy: { mode: 'act' } },
    );
    expect(plan.speedup).toBe(1);
    expect(plan.scenario.cluster.instanceGroups).toEqual([
      { name: 'workers', instanceType: 'ml.p5.48xlarge', count: 4 },
    ]);
    expect(plan.scenario.faults).toEqual([
      { atMs: 0, node: 0, type: 'NvidiaErrorTerminate', labels: true },
      { atMs: 60_000, node: 1, type: 'NvidiaErrorReboot', labels: true },
    ]);
    expect(plan.scenario.workloads).toMatchObject([{ kind: 'PyTorchJob', name: 'llama-3', nodes: [0, 1] }]);
    expect(plan.scenario.policy).toEqual({ mode: 'act' });
  });

  it('compresses a long history into the scenario span and says what it could not replay', () => {
    const plan = scenarioFromHistory(
      [
        fault('a', 'i-1', '2026-11-01T00:00:00Z'),
        fault('b', 'i-1', '2026-11-11T00:00:00Z'),
        { ...fault('c', 'i-3', '2026-11-02T00:00:00Z'), fault: { code: 'xid-79' } },
        { ...fault('d', 'i-4', '2026-11-02T00:00:00Z'), instanceId: undefined },
        { ...fault('e', 'i-5', 'never'), startedAt: undefined },
        { ...fault('f', 'i-6', '2026-11-02T00:00:00Z'), fault: undefined },
      ],
      { clusterName: 'ml', nodes: 1 },
    );
    expect(plan.speedup).toBeCloseTo((10 * 86_400_000) / REPLAY_SPAN_MS, 9);
    expect(plan.scenario.faults.map((f) => ('atMs' in f ? f.atMs : -1))).toEqual([0, REPLAY_SPAN_MS]);
    expect(plan.scenario.name).toBe('what-if replay of 2 incidents');
    expect(plan.notReplayed).toEqual([
      { incidentId: 'c', reason: 'not an HMA fault type: xid-79' },
      { incidentId: 'd', reason: 'no instance' },
      { incidentId: 'e', reason: 'no time' },
      { incidentId: 'f', reason: 'not an HMA fault type: none' },
    ]);
  });

  it('refuses a history with nothing it can replay', () => {
    expect(() =>
      scenarioFromHistory([{ ...fault('a', 'i-1', '2026-11-01T00:00:00Z'), fault: { code: 'xid-79' } }], {
        clusterName: 'ml',
        nodes: 1,
        source: 'the ledger of prod',
      }),
    ).toThrow(
      new ScenarioError(
        'nothing to replay in the ledger of prod: 1 incidents, none with an instance, a time and an HMA fault type',
      ),
    );
    expect(() => scenarioFromHistory([], { clusterName: 'ml', nodes: 1 })).toThrow(
      /^nothing to replay in the history/,
    );
  });

  it('replays the correlated storm of a local run: five faults on five nodes of eight', () => {
    const storm = report('correlated-storm');
    const plan = scenarioFromHistory(storm.incidents, { clusterName: 'ml-cluster', nodes: 8 });
    expect(plan.replayed).toBe(5);
    expect(plan.scenario.faults.map((f) => ('node' in f ? f.node : -1))).toEqual([0, 1, 2, 3, 4]);
    expect(plan.scenario.cluster.instanceGroups[0]!.count).toBe(8);
  });
});

describe('Comparing runs', () => {
  it('counts decisions, escalations and downtime of a run', () => {
    const storm = report('correlated-storm');
    const summary = summarizeRun(storm.incidents, { from: storm.startedAt, to: storm.endedAt });
    expect(summary.incidents).toBe(5);
    expect(summary.decisions).toEqual({ replace: 3, 'skip: breaker-open': 2 });
    expect(summary.nodeDowntimeMinutes).toBeGreaterThan(0);
    expect(summary.jobDowntimeMinutes).toBe(0);
    const fatal = report('fatal-fault-replace');
    expect(
      summarizeRun(fatal.incidents, { from: fatal.startedAt, to: fatal.endedAt }).jobDowntimeMinutes,
    ).toBeGreaterThan(0);
  });

  it('counts an incident without a decision as "none" and an escalation', () => {
    const summary = summarizeRun(
      [
        {
          incidentId: 'x',
          trigger: {},
          status: 'needs-attention',
          actions: [{ type: 'escalated', at: '2026-11-01T00:00:00Z' }],
        },
      ],
      { from: '2026-10-01T00:00:00Z', to: '2026-12-01T00:00:00Z' },
    );
    expect(summary).toMatchObject({ decisions: { none: 1 }, escalated: 1 });
  });

  it('puts the runs side by side', () => {
    const a = {
      incidents: 5,
      decisions: { replace: 3, 'skip: breaker-open': 2 },
      escalated: 0,
      nodeDowntimeMinutes: 0.1,
      jobDowntimeMinutes: 0,
    };
    const b = { ...a, decisions: { replace: 5 } };
    const text = comparisonText(
      [
        { title: 'history', summary: a },
        { title: 'other policy', summary: b },
      ],
      ['a note'],
    );
    expect(text.split('\n')).toEqual([
      `${''.padEnd(30)}${'history'.padStart(26)}${'other policy'.padStart(26)}`,
      `${'incidents'.padEnd(30)}${'5'.padStart(26)}${'5'.padStart(26)}`,
      `${'  replace'.padEnd(30)}${'3'.padStart(26)}${'5'.padStart(26)}`,
      `${'  skip: breaker-open'.padEnd(30)}${'2'.padStart(26)}${'0'.padStart(26)}`,
      `${'escalated to people'.padEnd(30)}${'0'.padStart(26)}${'0'.padStart(26)}`,
      `${'node downtime (fault → back)'.padEnd(30)}${'6.0 s'.padStart(26)}${'6.0 s'.padStart(26)}`,
      `${'job downtime (suspended)'.padEnd(30)}${'0.0 s'.padStart(26)}${'0.0 s'.padStart(26)}`,
      'note: a note',
    ]);
  });
});
