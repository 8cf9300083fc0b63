/**
 * Shared domain vocabulary. Plain data only: every type here crosses a state-machine
 * boundary as JSON, so no classes, no Dates (ISO strings), no functions.
 */
import type { WorkloadKind } from '#contracts/workload-kinds.ts';

/** A normalized reason to look at a node, whatever delivered it. Built by `events/normalize.ts`. */
export type Trigger =
  | NodeHealthTrigger
  | ClusterEventTrigger
  | AlarmTrigger
  | NodeLabelsTrigger
  | ManualTrigger
  | SweepTrigger;

interface TriggerBase {
  /** Stable id of the delivery (EventBridge `id`, EventId, or a generated one for manual requests). */
  eventId: string;
  /** ISO time the producer says the event happened. */
  time: string;
  /** HyperPod cluster name as configured (never an ARN). */
  clusterName: string;
}

/** `SageMaker HyperPod Cluster Node Health Event` (HMA verdicts). */
export interface NodeHealthTrigger extends TriggerBase {
  kind: 'node-health';
  clusterArn: string;
  instanceId: string;
  /** `Unhealthy`; the healthy spelling is unconfirmed, so this stays free text. */
  healthStatus: string;
  repairAction?: string;
  healthStatusReason?: string;
  recommendation?: string;
}

/** `SageMaker HyperPod Cluster Event` about an instance. */
export interface ClusterEventTrigger extends TriggerBase {
  kind: 'cluster-event';
  clusterArn: string;
  resourceType: string;
  level?: string;
  instanceId?: string;
  instanceGroupName?: string;
  nodeLogicalId?: string;
  description?: string;
  failureMessage?: string;
}

/** `CloudWatch Alarm State Change` into ALARM, resolved to a node by dimensions or tags. */
export interface AlarmTrigger extends TriggerBase {
  kind: 'alarm';
  alarmName: string;
  alarmArn: string;
  state: string;
  metricName?: string;
  namespace?: string;
  instanceId?: string;
  nodeName?: string;
  /** Alarm tags (with tag propagation) — `hyperpod-resilience.io/fault` may name the fault. */
  tags: Record<string, string>;
  reason?: string;
}

/** HyperPod labels/annotations/conditions read from a Kubernetes node (by the sweep). */
export interface NodeLabelsTrigger extends TriggerBase {
  kind: 'node-labels';
  nodeName: string;
  instanceId?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  conditions: { type: string; status: string; reason?: string; message?: string }[];
}

/** A person asked (console or `hpr recover`). */
export interface ManualTrigger extends TriggerBase {
  kind: 'manual';
  instanceId?: string;
  nodeName?: string;
  /** `auto` lets the policy decide. */
  action: 'auto' | 'reboot' | 'replace';
  reason: string;
  requestedBy: string;
}

/** A finding of the health sweep (issue: health checks and sweep). */
export interface SweepTrigger extends TriggerBase {
  kind: 'sweep';
  instanceId?: string;
  nodeName?: string;
  finding: string;
  detail?: string;
}

export type FaultClass = 'fatal' | 'recoverable' | 'contextual' | 'informational' | 'unknown' | 'healthy';
export type FaultSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type RemediationAction = 'replace' | 'reboot' | 'observe' | 'ignore';

/** What is wrong with a node, as far as the evidence tells. */
export interface Fault {
  source: Trigger['kind'];
  class: FaultClass;
  /** e.g. `NvidiaErrorTerminate`, `xid-79`, `UnschedulablePendingReboot`, `manual`. */
  code: string;
  severity: FaultSeverity;
  /** What the evidence recommends before guardrails and history are applied. */
  recommendedAction: RemediationAction;
  /** Human-readable evidence lines (raw reason text, label values, alarm reason). */
  evidence: string[];
}

/** One node under its three names. `instanceId` is the key everywhere. */
export interface NodeIdentity {
  clusterName: string;
  instanceId: string;
  nodeName?: string;
  nodeLogicalId?: string;
  instanceGroupName?: string;
  instanceType?: string;
  /** Kubernetes `status.nodeInfo.bootID` at admission: a reboot is proven by a new one. */
  bootId?: string;
}

/** Workload kinds we can suspend (the one list: contracts/workload-kinds.ts). */
export type { WorkloadKind };

export interface WorkloadRef {
  kind: WorkloadKind;
  apiVersion: string;
  namespace: string;
  name: string;
  uid?: string;
}

export type SkipReason =
  | 'not-a-fault'
  | 'no-action-needed'
  | 'paused'
  | 'wrong-eks-cluster'
  | 'cluster-updating'
  | 'opted-out'
  | 'needs-attention'
  | 'duplicate'
  | 'lease-held'
  | 'detector-disagreement'
  | 'breaker-open'
  | 'max-parallel'
  | 'reboot-limit'
  | 'observe-mode'
  /** An alarm not in `alarms.allow` asked for an action: recorded and observed only. */
  | 'alarm-not-allowed'
  /** An allowlisted alarm's `maxAction` is `observe` (or lower than anything that would act). */
  | 'alarm-max-action';

/** Who issues reboot/replace for this node: us, or HyperPod's own automatic node recovery. */
export type RemediationOwner = 'hyperpod-resilience' | 'hyperpod';

// ---------------------------------------------------------------- Observed state
// What the ports read and the domain decides on (functions/adapters/ports.ts re-exports these).

export interface ClusterNode {
  instanceId: string;
  instanceGroupName: string;
  instanceType?: string;
  nodeLogicalId?: string;
  /** `Running`, `Pending`, `Failure`, `ShuttingDown`, `DeepHealthCheckInProgress`, … (open enum). */
  status: string;
  statusMessage?: string;
  /** ISO time. */
  launchTime?: string;
  privateDnsHostname?: string;
}

/** A JSON merge patch (RFC 7386). */
export type MergePatch = Record<string, unknown>;

export interface ClusterGuardState {
  /** Optimistic-concurrency version; 0 when the item does not exist yet. */
  version: number;
  paused?: { reason: string; by: string; at: string };
  breaker?: { trippedAt: string; reason: string };
  /** Remediations started, newest last; trimmed by the domain to the breaker window. */
  remediations: { instanceId: string; incidentId: string; at: string }[];
  /** People's switches of this cluster (pause, unpause, breaker reset), newest last, the last 100. */
  operatorLog?: OperatorLogEntry[];
}

/** One operator action on a cluster's guards: who, when, what, why (the audit of the pause switch). */
export interface OperatorLogEntry {
  at: string;
  by: string;
  action: 'pause' | 'unpause' | 'reset-breaker';
  reason?: string;
}

export interface NodeHistory {
  faults: { at: string; faultClass: string; code: string; incidentId: string }[];
  reboots: { at: string; incidentId: string }[];
  replacements: { at: string; incidentId: string }[];
  needsAttention?: { at: string; incidentId: string; reason: string };
}
