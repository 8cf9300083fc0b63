import { describe, expect, it } from 'vitest';
import type { IncidentLike } from '#domain/goodput/reliability.ts';
import { FLEET_METRICS, FLEET_WINDOW_DAYS, reliabilityGauges } from '#domain/goodput/reliability-metrics.ts';

const NOW = '2026-12-01T00:00:00.000Z';
const minutesBefore = (m: number) => new Date(Date.parse(NOW) - m * 60_000).toISOString();
const INSTANCES = [
  { instanceId: 'i-1', instanceGroupName: 'workers' },
  { instanceId: 'i-2', instanceGroupName: 'workers' },
  { instanceId: 'i-3', instanceGroupName: 'spares' },
];

const hyperpodRepair: IncidentLike = {
  incidentId: 'a',
  instanceId: 'i-3',
  trigger: { time: minutesBefore(120) },
  fault: { class: 'fatal' },
  status: 'resolved',
  actions: [
    { type: 'admitted', at: minutesBefore(119) },
    { type: 'awaiting-hyperpod', at: minutesBefore(118) },
    { type: 'node-ready', at: minutesBefore(58) },
  ],
};

describe('Fleet reliability gauges', () => {
  it('publishes the rate for the cluster and each group, and the times that were measured', () => {
    const gauges = reliabilityGauges('ml', [hyperpodRepair], INSTANCES, NOW);
    const rate = (group: string) =>
      gauges.find((g) => g.name === 'FleetFailureRate' && g.dimensions.instanceGroup === group)?.value;
    expect(rate('all')).toBeCloseTo((1 / (3 * FLEET_WINDOW_DAYS)) * 1000, 9);
    expect(rate('spares')).toBeCloseTo((1 / FLEET_WINDOW_DAYS) * 1000, 9);
    expect(rate('workers')).toBe(0);
    expect(gauges.find((g) => g.name === 'FleetTimeToRepair')).toEqual({
      name: 'FleetTimeToRepair',
      dimensions: { clusterName: 'ml', action: 'hyperpod' },
      value: 3600,
    });
    expect(gauges.find((g) => g.name === 'FleetFaultToNodeReady')?.value).toBe(3720);
    // No job was suspended: nothing measured, nothing published.
    expect(gauges.some((g) => g.name === 'FleetDetectToSuspendP95')).toBe(false);
  });

  it('publishes zeros, not silence, for a quiet cluster, and only names it knows the units of', () => {
    const gauges = reliabilityGauges('ml', [], INSTANCES, NOW);
    expect(gauges.map((g) => [g.name, g.value])).toEqual([
      ['FleetFailureRate', 0],
      ['FleetFailureRate', 0],
      ['FleetFailureRate', 0],
      ['FleetLemonNodes', 0],
      ['FleetFalsePositives', 0],
      ['FleetFalsePositives', 0],
    ]);
    for (const g of gauges) expect(Object.keys(FLEET_METRICS)).toContain(g.name);
  });

  it('publishes the p95 detection time once a job was suspended, and no repair time for a repair still under way', () => {
    const underWay: IncidentLike = {
      ...hyperpodRepair,
      incidentId: 'b',
      actions: [
        { type: 'admitted', at: minutesBefore(119) },
        { type: 'workloads-suspended', at: minutesBefore(118.5), detail: { suspended: ['Job/ml/x'] } },
        { type: 'remediation-requested', at: minutesBefore(118), detail: { action: 'replace' } },
      ],
    };
    const gauges = reliabilityGauges('ml', [underWay], INSTANCES, NOW);
    expect(gauges.find((g) => g.name === 'FleetDetectToSuspendP95')?.value).toBeCloseTo(90, 9);
    expect(gauges.some((g) => g.name === 'FleetTimeToRepair' || g.name === 'FleetFaultToNodeReady')).toBe(
      false,
    );
  });

  it('leaves out incidents older than the window', () => {
    const old = { ...hyperpodRepair, trigger: { time: minutesBefore(2 * 1440) } };
    const gauges = reliabilityGauges('ml', [old], INSTANCES, NOW, 1);
    expect(gauges.find((g) => g.name === 'FleetFailureRate')?.value).toBe(0);
  });
});
