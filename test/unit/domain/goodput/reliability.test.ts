import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  durationStats,
  fleetReliability,
  type IncidentLike,
  isFailure,
  jobInterruptions,
} from '#domain/goodput/reliability.ts';

const WINDOW = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-11T00:00:00.000Z' };
const at = (day: number, minute: number) =>
  new Date(Date.parse(WINDOW.from) + day * 86_400_000 + minute * 60_000).toISOString();

/** An incident that went the whole way: fault, quarantine, suspension, remediation, node back, resume. */
const repaired = (
  id: string,
  instanceId: string,
  day: number,
  options: { action?: string; jobs?: string[]; hyperpod?: boolean; group?: string; noTimes?: boolean } = {},
): IncidentLike => {
  const jobs = options.jobs ?? ['PyTorchJob/ml/llama'];
  return {
    incidentId: id,
    clusterName: 'ml',
    instanceId,
    trigger: {
      kind: 'node-health',
      time: at(day, 0),
      ...(options.group ? { instanceGroupName: options.group } : {}),
    },
    fault: { class: 'fatal', code: 'NvidiaErrorTerminate' },
    decision: { outcome: 'proceed', action: options.action ?? 'replace' },
    status: 'resolved',
    actions: [
      { type: 'admitted', at: at(day, 0.5) },
      { type: 'quarantined', at: at(day, 0.6) },
      {
        type: 'workloads-suspended',
        at: at(day, 1),
        detail: {
          suspended: jobs,
          jobs: options.noTimes ? [] : jobs.map((ref) => ({ ref, suspendedAt: at(day, 0.9) })),
        },
      },
      options.hyperpod
        ? { type: 'awaiting-hyperpod', at: at(day, 1.5), detail: { action: 'replace' } }
        : {
            type: 'remediation-requested',
            at: at(day, 1.5),
            detail: { action: options.action ?? 'replace' },
          },
      { type: 'node-ready', at: at(day, 31.5) },
      {
        type: 'workloads-resumed',
        at: at(day, 33),
        detail: {
          resumed: jobs,
          jobs: options.noTimes ? [] : jobs.map((ref) => ({ ref, resumedAt: at(day, 32.9) })),
        },
      },
    ],
  };
};

const skipped = (
  id: string,
  instanceId: string,
  day: number,
  skipReason: string,
  cls = 'fatal',
): IncidentLike => ({
  incidentId: id,
  clusterName: 'ml',
  instanceId,
  trigger: { kind: 'node-health', time: at(day, 0) },
  fault: { class: cls, code: 'x' },
  decision: { outcome: 'skip', skipReason },
  status: 'skipped',
  actions: [{ type: 'skipped', at: at(day, 0.1) }],
});

describe('Fleet reliability from incident records', () => {
  const incidents: IncidentLike[] = [
    repaired('a', 'i-1', 1),
    repaired('b', 'i-1', 4, { jobs: ['PyTorchJob/ml/other'] }),
    repaired('c', 'i-2', 2, { action: 'reboot', jobs: [] }),
    repaired('d', 'i-3', 3, { hyperpod: true }),
    skipped('e', 'i-4', 5, 'observe-mode'),
    skipped('f', 'i-5', 5, 'not-a-fault', 'informational'),
    skipped('g', 'i-5', 6, 'duplicate'),
    skipped('h', 'i-6', 6, 'no-action-needed', 'healthy'),
    {
      incidentId: 'p',
      clusterName: 'ml',
      instanceId: 'i-7',
      trigger: { time: at(7, 0) },
      fault: { class: 'contextual' },
      status: 'resolved',
      actions: [
        { type: 'admitted', at: at(7, 0.5) },
        { type: 'quarantined', at: at(7, 1) },
        { type: 'verification-passed', at: at(7, 5) },
      ],
    },
    // Outside the window.
    repaired('z', 'i-1', 20),
  ];
  const [ml] = fleetReliability(incidents, { window: WINDOW, nodes: { ml: 100 } });

  it('counts failures per node-day by fault class, acted on or held by observe mode', () => {
    expect(ml!.nodeDays).toBe(1000);
    expect(ml!.failures).toBe(6);
    expect(ml!.failuresPerNodeDay).toBeCloseTo(0.006, 12);
    expect(ml!.byFaultClass).toEqual({
      fatal: { failures: 5, perNodeDay: 0.005 },
      contextual: { failures: 1, perNodeDay: 0.001 },
    });
  });

  it('measures the time to repair per action, ours and HyperPod’s own', () => {
    expect(Object.keys(ml!.timeToRepair).sort()).toEqual(['hyperpod', 'reboot', 'replace']);
    expect(ml!.timeToRepair.replace).toEqual({
      n: 2,
      meanMinutes: 30,
      p50Minutes: 30,
      p95Minutes: 30,
      maxMinutes: 30,
    });
    expect(ml!.faultToNodeReady.meanMinutes).toBeCloseTo(31.5, 9);
  });

  it('measures detection → suspension and suspension → resumption after the node came back', () => {
    expect(ml!.detectToSuspend).toMatchObject({ n: 4, meanMinutes: 1 });
    expect(ml!.suspendToResume.waitedForNode).toMatchObject({ n: 4, meanMinutes: 32 });
    expect(ml!.suspendToResume.withoutWaiting.n).toBe(0);
    expect(ml!.nodeReadyToResume.meanMinutes).toBeCloseTo(1.5, 9);
  });

  it('counts false positives: faults that cleared without action and checks passed after a quarantine', () => {
    expect(ml!.falsePositives).toEqual({ clearedWithoutAction: 2, passedAfterQuarantine: 1 });
  });

  it('names lemon nodes with the jobs they hit', () => {
    expect(ml!.lemons).toEqual([
      {
        instanceId: 'i-1',
        failures: 2,
        jobs: ['PyTorchJob/ml/llama', 'PyTorchJob/ml/other'],
        incidents: ['a', 'b'],
      },
    ]);
  });

  it('splits by instance group when the group is known and listed, and reports empty scopes', () => {
    const scopes = fleetReliability(
      [
        repaired('a', 'i-1', 1, { group: 'workers' }),
        repaired('b', 'i-2', 1),
        repaired('c', 'i-3', 1),
        { ...repaired('d', 'i-4', 1), clusterName: undefined },
      ],
      {
        window: WINDOW,
        nodes: { 'ml/workers': 10, 'ml/spares': 2, ml: 4, other: 1 },
        groupOf: { 'i-2': 'workers', 'i-3': 'unlisted' },
        defaultCluster: 'other',
        lemonThreshold: 1,
      },
    );
    expect(scopes.map((s) => [s.scope, s.failures])).toEqual([
      ['ml/workers', 2],
      ['ml/spares', 0],
      ['ml', 1],
      ['other', 1],
    ]);
    expect(scopes[1]!.faultToNodeReady).toEqual({
      n: 0,
      meanMinutes: 0,
      p50Minutes: 0,
      p95Minutes: 0,
      maxMinutes: 0,
    });
    expect(scopes[0]!.lemons.map((l) => l.instanceId)).toEqual(['i-1', 'i-2']);
  });

  it('dates an incident by its start or first action when the trigger has no time, and skips undated ones', () => {
    const bare = (id: string, over: Partial<IncidentLike>): IncidentLike => ({
      incidentId: id,
      trigger: {},
      status: 'resolved',
      actions: [
        { type: 'admitted', at: 'not a time' },
        { type: 'remediation-requested', at: at(1, 2) },
        { type: 'node-ready', at: at(1, 12) },
      ],
      ...over,
    });
    const [scope] = fleetReliability(
      [
        bare('started', { startedAt: at(1, 0) }),
        bare('first-action', { actions: [{ type: 'admitted', at: at(2, 0) }] }),
        bare('undated', {}),
      ],
      { window: WINDOW, nodes: { ml: 1 }, defaultCluster: 'ml' },
    );
    expect(scope!.failures).toBe(2);
    expect(scope!.byFaultClass).toEqual({ unknown: { failures: 2, perNodeDay: 0.2 } });
    expect(scope!.timeToRepair).toEqual({
      unknown: { n: 1, meanMinutes: 10, p50Minutes: 10, p95Minutes: 10, maxMinutes: 10 },
    });
    expect(scope!.faultToNodeReady.meanMinutes).toBe(12);
    expect(scope!.lemons).toEqual([]);
  });

  it('files incidents of an unknown cluster under "unknown" and a scope without nodes has no rate', () => {
    const [scope] = fleetReliability([{ ...repaired('a', 'i-1', 1), clusterName: undefined }], {
      window: WINDOW,
      nodes: {},
    });
    expect(scope).toMatchObject({ scope: 'unknown', nodes: 0, failures: 1, failuresPerNodeDay: 0 });
  });

  it('reads a local run of the correlated storm: three replaced, two held by the breaker', () => {
    // The JSON report of `hpr simulate local/scenarios/correlated-storm.json --json`.
    const report = JSON.parse(
      readFileSync(
        new URL('../../../fixtures/goodput/correlated-storm.report.json', import.meta.url),
        'utf8',
      ),
    ) as { startedAt: string; endedAt: string; incidents: IncidentLike[] };
    const [storm] = fleetReliability(report.incidents, {
      window: { from: report.startedAt, to: report.endedAt },
      nodes: { 'ml-cluster': 8 },
      defaultCluster: 'ml-cluster',
    });
    expect(storm!.failures).toBe(5);
    expect(storm!.timeToRepair.replace!.n).toBe(3);
    expect(storm!.lemons).toEqual([]);
  });
});

describe('Which incidents are failures', () => {
  it.each([
    ['admitted', repaired('a', 'i', 1), true],
    ['held by observe mode', skipped('b', 'i', 1, 'observe-mode'), true],
    ['a duplicate', skipped('c', 'i', 1, 'duplicate'), false],
    ['healthy again', { ...repaired('d', 'i', 1), fault: { class: 'healthy' } }, false],
  ] as const)('%s → %s', (_case, incident, failure) => {
    expect(isFailure(incident)).toBe(failure);
  });
});

describe('Duration statistics', () => {
  it('gives nearest-rank percentiles', () => {
    expect(durationStats([5, 1, 3, 2, 4])).toEqual({
      n: 5,
      meanMinutes: 3,
      p50Minutes: 3,
      p95Minutes: 5,
      maxMinutes: 5,
    });
  });
});

describe('Per-job interruptions', () => {
  it('adds up what each job lost per incident, most first, from the per-job times', () => {
    const accounts = jobInterruptions(
      [repaired('b', 'i-1', 4), repaired('a', 'i-1', 1, { jobs: ['PyTorchJob/ml/llama', 'Job/ml/eval'] })],
      WINDOW,
    );
    expect(
      accounts.map((a) => [a.job, a.interruptions.map((i) => i.incidentId), a.totalLostMinutes]),
    ).toEqual([
      ['PyTorchJob/ml/llama', ['a', 'b'], 64],
      ['Job/ml/eval', ['a'], 32],
    ]);
    expect(accounts[0]!.interruptions[0]).toEqual({
      incidentId: 'a',
      suspendedAt: at(1, 0.9),
      resumedAt: at(1, 32.9),
      lostMinutes: 32,
    });
    expect(accounts[0]!.clusterName).toBe('ml');
  });

  it('falls back to the action times, and counts a job still suspended until the end of the window', () => {
    const open = repaired('a', 'i-1', 9, { noTimes: true });
    open.actions = open.actions.filter((a) => a.type !== 'workloads-resumed');
    const accounts = jobInterruptions(
      [repaired('b', 'i-2', 1, { noTimes: true, jobs: ['Job/ml/x'] }), open],
      WINDOW,
    );
    expect(accounts.find((a) => a.job === 'Job/ml/x')!.totalLostMinutes).toBe(32);
    const llama = accounts.find((a) => a.job === 'PyTorchJob/ml/llama')!;
    expect(llama).toMatchObject({ open: true, totalLostMinutes: 1439 });
    expect(llama.interruptions[0]!.resumedAt).toBeUndefined();
  });

  it('counts a job resumed on a hot spare as resumed at its promotion, not at the end of the repair', () => {
    // PromoteSpare resumes the jobs at once (spare-promoted); the later ResumeWorkloads lists none.
    const promoted = repaired('p', 'i-1', 2, { jobs: ['PyTorchJob/ml/llama'] });
    promoted.actions.splice(3, 0, {
      type: 'spare-promoted',
      at: at(2, 1.3),
      detail: {
        spare: 'hyperpod-i-spare',
        resumed: ['PyTorchJob/ml/llama'],
        jobs: [{ ref: 'PyTorchJob/ml/llama', resumedAt: at(2, 1.2) }],
      },
    });
    const end = promoted.actions.find((a) => a.type === 'workloads-resumed')!;
    end.detail = { resumed: [], jobs: [] };
    const [llama] = jobInterruptions([promoted], WINDOW);
    expect(llama!.interruptions[0]).toMatchObject({ resumedAt: at(2, 1.2), lostMinutes: 0.3 });
    expect(llama!.open).toBe(false);
    const [fleet] = fleetReliability([promoted], { window: WINDOW, nodes: { ml: 10 } });
    expect(fleet!.suspendToResume.withoutWaiting.n).toBe(1);
    expect(fleet!.suspendToResume.waitedForNode.n).toBe(0);
  });

  it('orders jobs that lost the same time by name', () => {
    const accounts = jobInterruptions([repaired('a', 'i-1', 1, { jobs: ['Job/ml/b', 'Job/ml/a'] })], WINDOW);
    expect(accounts.map((a) => a.job)).toEqual(['Job/ml/a', 'Job/ml/b']);
  });

  it('ignores incidents without a suspension, and jobs merely joined', () => {
    const joined = repaired('j', 'i-1', 1, { jobs: [] });
    joined.actions[2]!.detail = { suspended: [], joined: ['PyTorchJob/ml/llama'] };
    const noClusterName = { ...repaired('n', 'i-2', 2, { jobs: ['Job/ml/y'] }), clusterName: undefined };
    const accounts = jobInterruptions(
      [skipped('s', 'i-1', 1, 'observe-mode'), joined, noClusterName],
      WINDOW,
    );
    expect(accounts.map((a) => a.job)).toEqual(['Job/ml/y']);
    expect(accounts[0]!.clusterName).toBeUndefined();
  });

  it('reads the job a local run suspended and resumed', () => {
    // The JSON report of `hpr simulate local/scenarios/fatal-fault-replace.json --json`.
    const report = JSON.parse(
      readFileSync(
        new URL('../../../fixtures/goodput/fatal-fault-replace.report.json', import.meta.url),
        'utf8',
      ),
    ) as { startedAt: string; endedAt: string; incidents: IncidentLike[] };
    const [llama] = jobInterruptions(report.incidents, { from: report.startedAt, to: report.endedAt });
    expect(llama!.job).toBe('PyTorchJob/training/llama');
    expect(llama!.open).toBe(false);
    expect(llama!.totalLostMinutes).toBeGreaterThan(0);
  });
});
