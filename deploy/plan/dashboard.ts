/** The CloudWatch dashboard: incidents, actions, skips, breaker, latencies, executions and alarms. */
import {
  COUNTERS,
  FLEET_WINDOW_DAYS,
  LATENCY_METRICS,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '#contracts/metrics-catalog.ts';
import type { PlanContext } from './names.ts';
import type { AlarmPlan, Json, MachinePlan } from './types.ts';

export const planDashboard = (
  context: PlanContext,
  machines: readonly MachinePlan[],
  alarms: readonly AlarmPlan[],
): Json => {
  const { env, arn } = context;
  const { region } = env;
  const app = context.config.app;
  const ns = METRICS_NAMESPACE;
  const svc = ['service', SERVICE_NAME];
  /** One line per dimension value (e.g. per skip reason): a SEARCH expression entry. */
  const search = (name: string, dims: readonly string[], label: string, id: string, stat = 'Sum') => [
    {
      expression: `SEARCH('{${ns},${['service', ...dims].join(',')}} MetricName="${name}"', '${stat}', 300)`,
      label,
      id,
    },
  ];
  const widget = (title: string, metrics: unknown[], extra: Json = {}) => ({
    type: 'metric',
    width: 12,
    height: 6,
    properties: {
      title,
      region,
      view: 'timeSeries',
      stacked: false,
      period: 300,
      stat: 'Sum',
      metrics,
      ...extra,
    },
  });
  const dashboardBody = {
    widgets: [
      {
        type: 'text',
        width: 24,
        height: 2,
        properties: {
          markdown: `# hyperpod-resilience (${env.stage}) — mode **${app.policy.mode}**\nIncidents, actions, skips, breaker and latencies from the task metrics (namespace \`${ns}\`); executions from Step Functions.`,
        },
      },
      widget('Incidents', [
        search('IncidentAdmitted', COUNTERS.IncidentAdmitted, 'admitted', 'e1'),
        search('IncidentRecorded', COUNTERS.IncidentRecorded, 'closed', 'e2'),
      ]),
      widget('Actions by type', [
        [ns, 'NodeQuarantined', ...svc, { label: 'quarantined' }],
        [ns, 'WorkloadsSuspended', ...svc, { label: 'jobs suspended' }],
        [ns, 'WorkloadsResumed', ...svc, { label: 'jobs resumed' }],
        [ns, 'IncidentEscalated', ...svc, { label: 'escalated' }],
        search('RemediationRequested', COUNTERS.RemediationRequested, 'requested', 'e1'),
        search('KubernetesEventNotWritten', COUNTERS.KubernetesEventNotWritten, 'Events not written', 'e2'),
      ]),
      widget('Skips by reason', [search('RemediationSkipped', COUNTERS.RemediationSkipped, 'skipped', 'e1')]),
      widget(
        'Circuit breaker trips by cluster',
        app.clusters.map((c) => [
          ns,
          'CircuitBreakerTripped',
          ...svc,
          'clusterName',
          c.name,
          { label: c.name },
        ]),
      ),
      widget(
        'Mass findings held (detector disagreement) by cluster',
        app.clusters.map((c) => [
          ns,
          'DetectorDisagreement',
          ...svc,
          'clusterName',
          c.name,
          { label: c.name },
        ]),
      ),
      widget(
        'Kubernetes RBAC or admission-policy drift by cluster (1: apply `hpr rbac` again)',
        app.clusters.map((c) => [
          ns,
          'KubernetesIdentityDrift',
          ...svc,
          'clusterName',
          c.name,
          { label: c.name, stat: 'Maximum' },
        ]),
      ),
      widget('Hot-spare pools: spares by state, and missing below target (health sweep)', [
        search('SparePoolSpares', COUNTERS.SparePoolSpares, 'spares', 'p1', 'Maximum'),
        search('SparePoolBelowTarget', COUNTERS.SparePoolBelowTarget, 'missing', 'p2', 'Maximum'),
      ]),
      // Hot spares (docs/design/hot-spares.md): promotions, and incidents that found the pool empty.
      widget('Hot spare promotions', [
        search('SparePromoted', COUNTERS.SparePromoted, 'spares promoted', 's1'),
        search('SparePoolExhausted', COUNTERS.SparePoolExhausted, 'pool exhausted (no spare)', 's2'),
      ]),
      widget(
        'Time from trigger to quarantine, suspension, resumption (ms)',
        LATENCY_METRICS.flatMap((name) =>
          ['p50', 'p90', 'Maximum'].map((stat) => [ns, name, ...svc, { stat, label: `${name} ${stat}` }]),
        ),
        { stat: 'p50' },
      ),
      // Fleet reliability gauges of the health sweep (functions/domain/goodput/reliability-metrics.ts).
      widget(`Fleet reliability, trailing ${FLEET_WINDOW_DAYS} days (health sweep)`, [
        search(
          'FleetFailureRate',
          ['clusterName', 'instanceGroup'],
          'failures / 1,000 node-days',
          'f1',
          'Average',
        ),
        search('FleetLemonNodes', ['clusterName'], 'lemon nodes', 'f2', 'Maximum'),
        search('FleetFalsePositives', ['clusterName', 'kind'], 'false positives', 'f3', 'Maximum'),
      ]),
      widget(`Repair and detection times (s), trailing ${FLEET_WINDOW_DAYS} days`, [
        search('FleetTimeToRepair', ['clusterName', 'action'], 'time to repair', 'f1', 'Average'),
        search('FleetFaultToNodeReady', ['clusterName'], 'fault → node back', 'f2', 'Average'),
        search('FleetDetectToSuspendP95', ['clusterName'], 'fault → jobs suspended p95', 'f3', 'Average'),
      ]),
      widget(
        'Executions',
        machines.flatMap((m) =>
          ['ExecutionsStarted', 'ExecutionsFailed', 'ExecutionsTimedOut'].map((name) => [
            'AWS/States',
            name,
            'StateMachineArn',
            m.arn,
            { label: `${m.name} ${name.slice('Executions'.length).toLowerCase()}` },
          ]),
        ),
      ),
      {
        type: 'alarm',
        width: 24,
        height: 4,
        properties: {
          title: 'Alarms',
          alarms: alarms.map((a) => arn('cloudwatch', `alarm:${a.alarmName}`)),
        },
      },
    ],
  };

  return dashboardBody;
};
