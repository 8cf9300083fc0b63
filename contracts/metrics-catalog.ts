/**
 * The CloudWatch metrics the tasks emit (through `deps.metrics.count`, Powertools EMF in Lambda)
 * that the deployed dashboard and alarms read: names, namespace, dimensions. Plain data, shared by
 * powertools.ts (which emits them) and the deploy plan (which charts and alarms on them); a unit
 * test checks that every name here is emitted somewhere in functions/tasks.
 */

export const SERVICE_NAME = 'hyperpod-resilience';
export const METRICS_NAMESPACE = 'HyperPodResilience';

/** Powertools adds this dimension to every metric (its default dimension `service`). */
export const SERVICE_DIMENSION = { service: SERVICE_NAME } as const;

/**
 * Latency metrics: milliseconds from the trigger's own time (the EventBridge event's `time`, the
 * manual request's, the sweep's) to the moment the task did it. Emitted with unit Milliseconds.
 */
export const LATENCY_METRICS = ['TimeToQuarantine', 'TimeToSuspend', 'TimeToResume'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/** Counters the dashboard and alarms use, with the dimensions each is emitted with (besides `service`). */
export const COUNTERS = {
  /** Admit decided to act; `action`: reboot | replace | none … */
  IncidentAdmitted: ['action'],
  /** Admit skipped; `reason`: the guardrail or policy that said no (dry run included). */
  RemediationSkipped: ['reason'],
  /** An incident closed; `status`: resolved | skipped | needs-attention. */
  IncidentRecorded: ['status'],
  NodeQuarantined: [],
  WorkloadsSuspended: [],
  /** `action`: reboot | replace. */
  RemediationRequested: ['action'],
  WorkloadsResumed: [],
  IncidentEscalated: [],
  /** The breaker of a cluster tripped. */
  CircuitBreakerTripped: ['clusterName'],
  /**
   * Findings (sweep) or incidents (admission) held because one kind covered too much of the
   * cluster at once (functions/domain/mass-findings.ts): a detector is more likely wrong than the fleet.
   */
  DetectorDisagreement: ['clusterName'],
  /** A Kubernetes Event (what `kubectl describe` shows) could not be written; `reason`: the Event's reason. */
  KubernetesEventNotWritten: ['reason'],
  /** A hot spare was promoted for an incident's suspended jobs (functions/tasks/promote-spare.ts). */
  SparePromoted: ['clusterName'],
  /** An incident found no ready spare in the pool serving its node's group: it waits for the repair. */
  SparePoolExhausted: ['clusterName', 'instanceGroup'],
  /** The sweep found our own state left behind; `kind` `incident-overdue`: an incident past its deadline. */
  SweepStaleState: ['clusterName', 'kind'],
  /**
   * The sweep read our RBAC objects and admission policies back from the cluster: 1 when they differ
   * from the generated ones (or could not be read), 0 when they match.
   */
  KubernetesIdentityDrift: ['clusterName'],
  /**
   * Hot-spare pools (functions/domain/spare-pool.ts), per pool every sweep: the spares still missing
   * with no idle node left to take (0 when the pool is at target), and the spares per `state`
   * (`ready`, `verifying`, `promoted`, `unavailable`).
   */
  SparePoolBelowTarget: ['clusterName', 'instanceGroup'],
  SparePoolSpares: ['clusterName', 'instanceGroup', 'state'],
} as const satisfies Record<string, readonly string[]>;

/** The SweepStaleState kind of an incident open past its deadline (health-sweep.contract.ts `repairSchema`). */
export const INCIDENT_OVERDUE = 'incident-overdue';

/**
 * Fleet reliability gauges the health sweep publishes per cluster over a trailing window
 * (functions/domain/goodput/reliability-metrics.ts computes them), with their CloudWatch units.
 * The trailing window the published figures cover:
 */
export const FLEET_WINDOW_DAYS = 30;

/** Names and units (CloudWatch unit names) of the published figures. */
export const FLEET_METRICS = {
  /** Failures per 1,000 node-days; `instanceGroup` `all` for the whole cluster. */
  FleetFailureRate: 'None',
  /** Mean remediation requested → node back, per `action` (reboot, replace, hyperpod). */
  FleetTimeToRepair: 'Seconds',
  /** Mean fault → node back and Ready (the repair turnaround). */
  FleetFaultToNodeReady: 'Seconds',
  /** p95 fault → jobs suspended. */
  FleetDetectToSuspendP95: 'Seconds',
  /** Nodes with two failures or more in the window. */
  FleetLemonNodes: 'Count',
  /** `kind` `cleared` (no action needed) or `passed-after-quarantine`. */
  FleetFalsePositives: 'Count',
} as const;
export type FleetMetric = keyof typeof FLEET_METRICS;
