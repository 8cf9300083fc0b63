/**
 * The health sweep publishes the fleet's reliability over the trailing window
 * (functions/domain/goodput/reliability-metrics.ts) from the incidents and inventory it read.
 */
import { describe, expect, it } from 'vitest';
import { runHealthSweep } from '#local/runner.ts';
import { CLUSTER, INSTANCES, makeHarness } from './harness.ts';

const at = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

describe('State machine: health-sweep publishes fleet reliability', () => {
  it('publishes the failure rate per cluster and group, repair and detection times, lemons and false positives', async () => {
    // Prepare: two replacements of the same node in the last 30 days, and one fault that cleared.
    const h = makeHarness();
    const day = (d: number) => at('2026-11-29T10:00:00.000Z', -d * 1440);
    for (const [incidentId, start] of [
      ['inc-1', day(10)],
      ['inc-2', day(3)],
    ] as const) {
      await h.ledger.createIncident({
        incidentId,
        clusterName: CLUSTER.name,
        instanceId: INSTANCES[0],
        trigger: { kind: 'node-health', time: start },
        fault: { class: 'fatal', code: 'NvidiaErrorTerminate' },
        status: 'resolved',
        startedAt: start,
        actions: [
          { type: 'admitted', at: at(start, 0.5) },
          { type: 'workloads-suspended', at: at(start, 1), detail: { suspended: ['PyTorchJob/ml/llama'] } },
          { type: 'remediation-requested', at: at(start, 2), detail: { action: 'replace' } },
          { type: 'node-ready', at: at(start, 32) },
          { type: 'workloads-resumed', at: at(start, 33), detail: { resumed: ['PyTorchJob/ml/llama'] } },
        ],
      });
    }
    await h.ledger.createIncident({
      incidentId: 'inc-3',
      clusterName: CLUSTER.name,
      instanceId: INSTANCES[1],
      trigger: { kind: 'node-health', time: day(1) },
      fault: { class: 'informational', code: 'x' },
      decision: { outcome: 'skip', skipReason: 'not-a-fault' },
      status: 'skipped',
      startedAt: day(1),
      actions: [{ type: 'skipped', at: day(1) }],
    });

    // Act
    const report = await runHealthSweep({}, h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    const gauge = (name: string, dimensions: Record<string, string>) =>
      h.metrics.find((m) => m.name === name && JSON.stringify(m.dimensions) === JSON.stringify(dimensions))
        ?.value;
    const c = { clusterName: CLUSTER.name };
    // 2 failures on 4 nodes over 30 days: 16.7 per 1,000 node-days.
    expect(gauge('FleetFailureRate', { ...c, instanceGroup: 'all' })).toBeCloseTo((2 / 120) * 1000, 9);
    expect(gauge('FleetFailureRate', { ...c, instanceGroup: 'workers' })).toBeCloseTo((2 / 120) * 1000, 9);
    expect(gauge('FleetTimeToRepair', { ...c, action: 'replace' })).toBeCloseTo(30 * 60, 6);
    expect(gauge('FleetFaultToNodeReady', c)).toBeCloseTo(32 * 60, 6);
    expect(gauge('FleetDetectToSuspendP95', c)).toBeCloseTo(60, 6);
    expect(gauge('FleetLemonNodes', c)).toBe(1);
    expect(gauge('FleetFalsePositives', { ...c, kind: 'cleared' })).toBe(1);
    expect(gauge('FleetFalsePositives', { ...c, kind: 'passed-after-quarantine' })).toBe(0);
  });
});
