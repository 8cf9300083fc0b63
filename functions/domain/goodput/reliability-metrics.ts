/**
 * The fleet reliability figures a sweep publishes as CloudWatch metrics (one value per cluster,
 * instance group or action, over a trailing window), from the incidents and the inventory the
 * sweep has already read. Pure: the task emits what this returns.
 */
import { FLEET_METRICS, FLEET_WINDOW_DAYS, type FleetMetric } from '#contracts/metrics-catalog.ts';
import { fleetReliability, type IncidentLike } from './reliability.ts';

export { FLEET_METRICS, FLEET_WINDOW_DAYS, type FleetMetric };

export interface Gauge {
  name: FleetMetric;
  dimensions: Record<string, string>;
  value: number;
}

/**
 * The figures of one cluster over the window ending at `now`. `instances` gives the node count
 * (and the instance groups, for a failure rate per group). Durations are published only when
 * something was measured; counts and rates always (0 is a figure).
 */
export const reliabilityGauges = (
  clusterName: string,
  incidents: IncidentLike[],
  instances: { instanceId: string; instanceGroupName: string }[],
  now: string,
  windowDays = FLEET_WINDOW_DAYS,
): Gauge[] => {
  const window = { from: new Date(Date.parse(now) - windowDays * 86_400_000).toISOString(), to: now };
  const tagged = incidents.map((i) => ({ ...i, clusterName }));
  const [cluster] = fleetReliability(tagged, { window, nodes: { [clusterName]: instances.length } });
  const groups: Record<string, number> = {};
  for (const instance of instances) {
    const key = `${clusterName}/${instance.instanceGroupName}`;
    groups[key] = (groups[key] ?? 0) + 1;
  }
  const groupOf = Object.fromEntries(instances.map((i) => [i.instanceId, i.instanceGroupName]));
  const perGroup = fleetReliability(tagged, { window, nodes: groups, groupOf }).filter(
    (s) => s.scope in groups,
  );
  const c = { clusterName };
  const gauges: Gauge[] = [
    {
      name: 'FleetFailureRate',
      dimensions: { ...c, instanceGroup: 'all' },
      value: cluster!.failuresPerNodeDay * 1000,
    },
    ...perGroup.map((s) => ({
      name: 'FleetFailureRate' as const,
      dimensions: { ...c, instanceGroup: s.scope.slice(clusterName.length + 1) },
      value: s.failuresPerNodeDay * 1000,
    })),
    { name: 'FleetLemonNodes', dimensions: c, value: cluster!.lemons.length },
    {
      name: 'FleetFalsePositives',
      dimensions: { ...c, kind: 'cleared' },
      value: cluster!.falsePositives.clearedWithoutAction,
    },
    {
      name: 'FleetFalsePositives',
      dimensions: { ...c, kind: 'passed-after-quarantine' },
      value: cluster!.falsePositives.passedAfterQuarantine,
    },
  ];
  for (const [action, stats] of Object.entries(cluster!.timeToRepair)) {
    if (stats.n > 0)
      gauges.push({ name: 'FleetTimeToRepair', dimensions: { ...c, action }, value: stats.meanMinutes * 60 });
  }
  if (cluster!.faultToNodeReady.n > 0) {
    gauges.push({
      name: 'FleetFaultToNodeReady',
      dimensions: c,
      value: cluster!.faultToNodeReady.meanMinutes * 60,
    });
  }
  if (cluster!.detectToSuspend.n > 0) {
    gauges.push({
      name: 'FleetDetectToSuspendP95',
      dimensions: c,
      value: cluster!.detectToSuspend.p95Minutes * 60,
    });
  }
  return gauges;
};
