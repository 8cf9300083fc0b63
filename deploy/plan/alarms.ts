/**
 * The alarms: a failed or timed-out execution per machine, per cluster a tripped breaker, a held
 * mass finding and an overdue incident, per hot-spare pool one below target, and a message in the dead-letter queue. None of them may
 * be in `alarms.allow` (only allowlisted alarms act: events/rules.ts), nor start with the configured
 * observe-only prefix: ours must never look like a node's alarm.
 */

import { allowedAlarmName } from '#contracts/config/app.ts';
import {
  INCIDENT_OVERDUE,
  METRICS_NAMESPACE,
  SERVICE_DIMENSION,
  SERVICE_NAME,
} from '#contracts/metrics-catalog.ts';
import type { PlanContext } from './names.ts';
import type { AlarmPlan, MachinePlan } from './types.ts';

export const planAlarms = (context: PlanContext, machines: readonly MachinePlan[]): AlarmPlan[] => {
  const { env, queueName } = context;
  const app = context.config.app;
  // Not `hpr-…`: the configured prefix names alarms about nodes (observe-only unless allowlisted).
  const alarmPrefix = `${SERVICE_NAME}-${env.stage}`;
  const metric = (name: string, dimensions: Record<string, string> = {}, stat = 'Sum') => ({
    id: 'm0',
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensions: { ...SERVICE_DIMENSION, ...dimensions },
    stat,
  });
  const alarms: AlarmPlan[] = [
    ...machines.map((m) => ({
      alarmName: `${alarmPrefix}-${m.name}-executions-failed`,
      description: `${m.stateMachineName}: an execution failed or timed out (node-recovery: an incident needs a person)`,
      metrics: ['ExecutionsFailed', 'ExecutionsTimedOut'].map((metricName, i) => ({
        id: `m${i}`,
        namespace: 'AWS/States',
        metricName,
        dimensions: { StateMachineArn: m.arn },
        stat: 'Sum',
      })),
      expression: 'm0 + m1',
      periodSeconds: 300,
      threshold: 1,
    })),
    ...app.clusters.flatMap((c) => [
      {
        alarmName: `${alarmPrefix}-${c.name}-breaker-tripped`,
        description: `Circuit breaker of ${c.name} tripped: remediations stopped until \`hpr reset-breaker\``,
        metrics: [metric('CircuitBreakerTripped', { clusterName: c.name })],
        periodSeconds: 300,
        threshold: 1,
      },
      {
        alarmName: `${alarmPrefix}-${c.name}-detector-disagreement`,
        description: `A finding covered too much of ${c.name} at once and was not acted on (detector-disagreement): check the detector or an AWS-wide event`,
        metrics: [metric('DetectorDisagreement', { clusterName: c.name })],
        periodSeconds: 300,
        threshold: 1,
      },
      {
        alarmName: `${alarmPrefix}-${c.name}-incident-overdue`,
        description: `An incident of ${c.name} is open past its deadline (its execution was lost); the sweep closes it`,
        metrics: [metric('SweepStaleState', { clusterName: c.name, kind: INCIDENT_OVERDUE })],
        periodSeconds: 300,
        threshold: 1,
      },
      {
        alarmName: `${alarmPrefix}-${c.name}-kubernetes-identity-drift`,
        description: `Our RBAC objects or admission policies on ${c.name} differ from the generated ones (or cannot be read): apply \`hpr rbac\` again`,
        metrics: [metric('KubernetesIdentityDrift', { clusterName: c.name })],
        periodSeconds: 300,
        threshold: 1,
      },
    ]),
    // A hot-spare pool below target with no idle node to take (functions/domain/spare-pool.ts).
    ...app.spares.pools.map((p) => ({
      alarmName: `${alarmPrefix}-${p.cluster}-${p.instanceGroup}-spare-pool-below-target`,
      description: `The hot-spare pool of ${p.cluster} group ${p.instanceGroup} is below target and no idle node is left to take: a fault waits for its repair (see \`hpr spares\`)`,
      metrics: [
        metric('SparePoolBelowTarget', { clusterName: p.cluster, instanceGroup: p.instanceGroup }, 'Maximum'),
      ],
      periodSeconds: 300,
      threshold: 1,
    })),
    {
      alarmName: `${alarmPrefix}-rule-dead-letters`,
      description: 'An event could not start its state machine: it waits in the dead-letter queue',
      metrics: [
        {
          id: 'm0',
          namespace: 'AWS/SQS',
          metricName: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: queueName },
          stat: 'Maximum',
        },
      ],
      periodSeconds: 300,
      threshold: 1,
    },
  ];

  const selected = alarms.filter((a) => a.alarmName.startsWith(app.alarms.namePrefix));
  if (selected.length > 0) {
    throw new Error(
      `alarms.namePrefix ${app.alarms.namePrefix} selects our own alarm ${selected[0]!.alarmName}: it would be recorded as a node's alarm; choose another prefix`,
    );
  }
  const allowed = new Set(app.alarms.allow.map(allowedAlarmName));
  const listed = alarms.find((a) => allowed.has(a.alarmName));
  if (listed) {
    throw new Error(
      `alarms.allow lists our own alarm ${listed.alarmName}: it would start node-recovery; remove it from alarms.allow`,
    );
  }

  return alarms;
};
