/**
 * The health sweep's findings: a pure reading of one inventory (SageMaker ListClusterNodes, the
 * Kubernetes nodes, the workloads we hold suspended, and the ledger's incidents and leases) at one
 * `now`. It finds what events missed (a lost event, a fault no detector reports) and what we left
 * behind ourselves:
 *
 * | Finding | When | Goes to |
 * |---|---|---|
 * | `instance-failure` | SageMaker `InstanceStatus=Failure` (not a capacity shortage) | node-recovery |
 * | `hyperpod-labels` | `node-health-status=UnschedulablePending*` or `deep-health-check-status=Failed` while `NodeRecovery=None` | node-recovery (as a node-labels trigger) |
 * | `not-ready` | Kubernetes Ready≠True longer than `notReadyMinutes` while SageMaker says Running | node-recovery |
 * | `accelerators-missing` | allocatable accelerators (GPUs or Neuron devices/NeuronCores, accelerators.ts) below the instance type's count, node Ready ≥ `gpuGraceMinutes` | node-recovery |
 * | `missing-node` | instance Running with no Kubernetes node `nodeJoinGraceMinutes` after launch | node-recovery |
 * | `stale-quarantine` | our quarantine taint whose incident is not in flight | repair (lift it) |
 * | `stale-suspension` | a workload we hold suspended for incidents no longer in flight (job-resume's rule) | repair (release / resume it) |
 * | `incident-overdue` | an open incident older than `incidentDeadlineMinutes` | repair (close it, release its lease) |
 *
 * A recovery kind found on too much of the cluster at once is held as a `detector-disagreement`
 * (mass-findings.ts): no node-recovery for that kind in this sweep, other kinds proceed.
 *
 * A node with an incident in flight gets no recovery finding (its incident is handling it), nor
 * does a node that opted out or is in a transition SageMaker reports (Pending, ShuttingDown, deep
 * health check, update). One recovery finding per node, the strongest. Every recovery carries an
 * idempotent execution name: the same finding in overlapping sweeps yields the same name, so
 * Step Functions starts it once; a persisting finding gets a new name each `findingRetryMinutes`.
 */

import type { InstanceAccelerators } from '#contracts/accelerator-table.ts';
import { DEFAULT_MASS_FINDING_LIMITS } from '#contracts/config/policy.ts';
import { acceleratorShortfall, readAccelerators } from '#domain/accelerators.ts';
import {
  DEEP_HEALTH_CHECK_STATUS_LABEL,
  FAULT_DETAILS_ANNOTATION,
  FAULT_REASON_LABELS,
  FAULT_TYPE_LABELS,
  NODE_HEALTH_STATUS_LABEL,
} from '#domain/fault-classification.ts';
import { stableHash } from '#domain/health-check-job.ts';
import type { KubeNode, KubeObject } from '#domain/kube-types.ts';
import {
  type DetectorDisagreement,
  type MassFindingLimits,
  splitMassFindings,
} from '#domain/mass-findings.ts';
import { instanceIdOfNode } from '#domain/node-identity.ts';
import {
  QUARANTINE_TAINT_KEY,
  QUARANTINED_AT_ANNOTATION,
  QUARANTINED_BY_ANNOTATION,
} from '#domain/quarantine.ts';
import { MINUTE_MS } from '#domain/time.ts';
import type { ClusterNode, WorkloadRef } from '#domain/types.ts';
import { SUSPENDED_AT_ANNOTATION, staleHolders, suspendedIncidentIds } from '#domain/workload-suspension.ts';

export type RecoveryFindingKind =
  | 'instance-failure'
  | 'hyperpod-labels'
  | 'not-ready'
  | 'accelerators-missing'
  | 'missing-node';

/** Strongest first: the order in which findings are kept when a sweep finds too many. */
const RECOVERY_ORDER: readonly RecoveryFindingKind[] = [
  'instance-failure',
  'hyperpod-labels',
  'not-ready',
  'accelerators-missing',
  'missing-node',
];

export interface SweepSettings {
  rateMinutes: number;
  notReadyMinutes: number;
  gpuGraceMinutes: number;
  nodeJoinGraceMinutes: number;
  staleGraceMinutes: number;
  incidentDeadlineMinutes: number;
  /** `policy.workloads.staleSuspensionMinutes`: the rule job-resume's leftover sweep applies too. */
  staleSuspensionMinutes: number;
  findingRetryMinutes: number;
  maxRecoveries: number;
  maxRepairs: number;
  idleChecks: { enabled: boolean; periodHours: number; maxPerSweep: number };
  /** Nodes with this label (any value but "false") are never touched. */
  optOutLabel: string;
  /** Accelerators per instance type (accelerators.ts); a type not listed is judged against the node's own capacity. */
  instanceTypes: Readonly<Record<string, InstanceAccelerators>>;
  /** policy `massFindings` (mass-findings.ts); absent = its defaults, never "off". */
  massFindings?: MassFindingLimits;
}

export interface LedgerIncidentSummary {
  incidentId: string;
  status: string;
  startedAt: string;
  instanceId?: string;
}

export interface SweepInventory {
  clusterName: string;
  /** The HyperPod cluster ARN: a node is this cluster's instance only if its providerID names this cluster. */
  clusterArn: string;
  /** DescribeCluster `NodeRecovery` (`Automatic` | `None` | newer). */
  nodeRecovery?: string;
  instances: readonly ClusterNode[];
  kubeNodes: readonly KubeNode[];
  /** Workloads labelled as suspended by us. */
  suspended: readonly { ref: WorkloadRef; object: KubeObject }[];
  /**
   * The open incidents, and every incident {@link incidentsNamedOnCluster} names (whatever its
   * status): all the findings need of the ledger's history.
   */
  incidents: readonly LedgerIncidentSummary[];
  leases: readonly { instanceId: string; incidentId: string }[];
  /** Node names with an unfinished pod asking for accelerators (read only when idle checks are on). */
  busyNodes?: ReadonlySet<string>;
}

export interface RecoveryFinding {
  kind: RecoveryFindingKind;
  instanceId: string;
  nodeName?: string;
  detail: string;
  /** What identifies this occurrence (boot id, transition time, launch time …). */
  evidenceKey: string;
  executionName: string;
  /** HyperPod's labels, annotations and conditions of the node (hyperpod-labels only). */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

export type RepairFinding =
  | { kind: 'stale-quarantine'; nodeName: string; instanceId?: string; holder?: string; detail: string }
  /** `holders: []`: labelled by us without a readable holder — everyone is released. */
  | { kind: 'stale-suspension'; ref: WorkloadRef; holders: string[]; detail: string }
  | { kind: 'incident-overdue'; incidentId: string; instanceId?: string; startedAt: string; detail: string };

export interface IdleCheckCandidate {
  instanceId: string;
  nodeName: string;
  executionName: string;
}

export interface SweepFindings {
  recoveries: RecoveryFinding[];
  repairs: RepairFinding[];
  idleChecks: IdleCheckCandidate[];
  /** Findings beyond the per-sweep caps (they come back next sweep). */
  dropped: { recoveries: number; repairs: number };
  /** Finding kinds held because they cover too much of the cluster (present only when one was). */
  disagreements?: DetectorDisagreement[];
  counts: {
    instances: number;
    kubeNodes: number;
    inFlight: number;
    optedOut: number;
    transitioning: number;
  };
}

/** Step Functions execution names: ≤ 80 characters of `[A-Za-z0-9-_]`. */
const MAX_EXECUTION_NAME = 80;

const ageMinutes = (at: string | undefined, now: string): number => {
  const ms = Date.parse(at ?? '');
  return Number.isFinite(ms) ? (Date.parse(now) - ms) / MINUTE_MS : Number.POSITIVE_INFINITY;
};

const bucket = (now: string, minutes: number): number => Math.floor(Date.parse(now) / (minutes * MINUTE_MS));

const safeName = (name: string): string => name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, MAX_EXECUTION_NAME);

/**
 * The execution name of a recovery finding: the same occurrence within one retry bucket gets the
 * same name in every sweep, so overlapping sweeps start it once.
 *
 * @example
 * recoveryExecutionName('accelerators-missing', 'i-0123456789abcdef0', 'boot-1/7', '2026-01-01T00:05:00Z', 60);
 * // → 'sweep-accelerators-missing-i-0123456789abcdef0-<16 hex>'
 */
export const recoveryExecutionName = (
  kind: RecoveryFindingKind,
  instanceId: string,
  evidenceKey: string,
  now: string,
  retryMinutes: number,
): string =>
  safeName(`sweep-${kind}-${instanceId}-${stableHash(`${evidenceKey}#${bucket(now, retryMinutes)}`)}`);

/**
 * The execution name of an idle-node quick check: one per node per period.
 *
 * @example
 * idleCheckExecutionName('i-0123456789abcdef0', '2026-01-01T05:00:00Z', 24); // 'idle-check-i-0123456789abcdef0-20454'
 */
export const idleCheckExecutionName = (instanceId: string, now: string, periodHours: number): string =>
  safeName(`idle-check-${instanceId}-${bucket(now, periodHours * 60)}`);

const isOptedOut = (node: KubeNode, label: string): boolean => {
  const value = node.metadata.labels?.[label];
  return value !== undefined && value.trim().toLowerCase() !== 'false';
};

const readyCondition = (node: KubeNode) => node.status?.conditions?.find((c) => c.type === 'Ready');

/** Only HyperPod's own fault labels and annotation travel with a finding (a node carries many more). */
const hyperpodEvidence = (node: KubeNode) => {
  const pick = (source: Record<string, string> | undefined, keys: readonly string[]) =>
    Object.fromEntries(keys.flatMap((k) => (source?.[k] === undefined ? [] : [[k, source[k] as string]])));
  return {
    labels: pick(node.metadata.labels, [
      NODE_HEALTH_STATUS_LABEL,
      DEEP_HEALTH_CHECK_STATUS_LABEL,
      ...FAULT_TYPE_LABELS,
      ...FAULT_REASON_LABELS,
    ]),
    annotations: pick(node.metadata.annotations, [FAULT_DETAILS_ANNOTATION]),
    conditions: (node.status?.conditions ?? [])
      .filter((c) => c.type !== 'Ready' && c.status === 'True')
      .map((c) => ({
        type: c.type,
        status: c.status,
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.message ? { message: c.message.slice(0, 512) } : {}),
      })),
  };
};

const PENDING_LABELS = new Set(['UnschedulablePendingReboot', 'UnschedulablePendingReplacement']);

type Candidate = Omit<RecoveryFinding, 'executionName'>;

/** The strongest recovery finding of one Running instance that has a Kubernetes node. */
const nodeFinding = (
  instance: ClusterNode,
  node: KubeNode,
  inv: SweepInventory,
  s: SweepSettings,
  now: string,
): Candidate | undefined => {
  const base = { instanceId: instance.instanceId, nodeName: node.metadata.name };
  const bootId = node.status?.nodeInfo?.bootID ?? '';
  const health = node.metadata.labels?.[NODE_HEALTH_STATUS_LABEL];
  const dhc = node.metadata.labels?.[DEEP_HEALTH_CHECK_STATUS_LABEL];
  // With NodeRecovery=Automatic HyperPod acts on its own labels: never race it (docs/facts/remediation.md).
  if (inv.nodeRecovery === 'None' && ((health && PENDING_LABELS.has(health)) || dhc === 'Failed')) {
    return {
      ...base,
      kind: 'hyperpod-labels',
      detail: `${NODE_HEALTH_STATUS_LABEL}=${health ?? 'unset'}, ${DEEP_HEALTH_CHECK_STATUS_LABEL}=${dhc ?? 'unset'} with NodeRecovery=None`,
      evidenceKey: `${bootId}/${health ?? ''}/${dhc ?? ''}`,
      ...hyperpodEvidence(node),
    };
  }
  const ready = readyCondition(node);
  if (ready?.status !== 'True') {
    const minutes = ageMinutes(ready?.lastTransitionTime, now);
    if (minutes <= s.notReadyMinutes) return undefined;
    return {
      ...base,
      kind: 'not-ready',
      detail: `Ready=${ready?.status ?? 'missing'} for ${Number.isFinite(minutes) ? `${Math.round(minutes)} min` : 'an unknown time'} (${ready?.reason ?? 'no reason'}) while SageMaker says Running`,
      evidenceKey: ready?.lastTransitionTime ?? 'no-transition-time',
    };
  }
  if (ageMinutes(ready.lastTransitionTime, now) < s.gpuGraceMinutes) return undefined;
  const instanceType = instance.instanceType ?? node.metadata.labels?.['node.kubernetes.io/instance-type'];
  const reading = readAccelerators(node, instanceType ? s.instanceTypes[instanceType] : undefined);
  const shortfall = reading.expected > 0 ? acceleratorShortfall(reading) : undefined;
  if (shortfall) {
    return {
      ...base,
      kind: 'accelerators-missing',
      detail: `${shortfall}${instanceType ? ` (${instanceType})` : ''}`,
      evidenceKey: `${bootId}/${reading.allocatable}/${reading.cores?.allocatable ?? ''}`,
    };
  }
  return undefined;
};

/**
 * The incidents the cluster itself names: the holders of our quarantines (node annotation) and of
 * our suspensions (workload annotation). The sweep reads these by id, beside the open incidents,
 * so what it reads of the ledger does not grow with the ledger's history.
 *
 * @example
 * incidentsNamedOnCluster(kubeNodes, suspended); // ['inc-a', 'inc-b'] (sorted, once each)
 */
export const incidentsNamedOnCluster = (
  kubeNodes: readonly KubeNode[],
  suspended: readonly { object: KubeObject }[],
): string[] => {
  const ids = new Set<string>();
  for (const node of kubeNodes) {
    const holder = node.metadata.annotations?.[QUARANTINED_BY_ANNOTATION];
    if (holder) ids.add(holder);
  }
  for (const { object } of suspended) for (const id of suspendedIncidentIds(object)) ids.add(id);
  return [...ids].sort();
};

/**
 * Finds what the sweep acts on: node-recovery starts, repairs of our own stale state, and idle
 * nodes due for a quick check.
 *
 * @example
 * const { recoveries } = findSweepFindings(inventory, settings, '2026-01-01T00:30:00Z');
 * recoveries[0]; // { kind: 'accelerators-missing', instanceId: 'i-…', detail: 'only 7 of 8 GPUs allocatable (ml.p5.48xlarge)', executionName: 'sweep-accelerators-missing-i-…-…', … }
 */
export const findSweepFindings = (inv: SweepInventory, s: SweepSettings, now: string): SweepFindings => {
  const records = new Map(inv.incidents.map((i) => [i.incidentId, i]));
  const overdue = (i: LedgerIncidentSummary) =>
    i.status === 'open' && ageMinutes(i.startedAt, now) > s.incidentDeadlineMinutes;
  const leaseHolders = new Set(inv.leases.map((l) => l.incidentId));
  const inFlight = (incidentId: string): boolean => {
    const record = records.get(incidentId);
    return record ? record.status === 'open' && !overdue(record) : leaseHolders.has(incidentId);
  };
  const busyInstances = new Set([
    ...inv.leases.filter((l) => inFlight(l.incidentId)).map((l) => l.instanceId),
    ...inv.incidents.filter((i) => i.instanceId && inFlight(i.incidentId)).map((i) => i.instanceId as string),
  ]);

  const kubeByInstance = new Map<string, KubeNode>();
  for (const node of inv.kubeNodes) {
    const id = instanceIdOfNode(node, inv.clusterArn);
    // A node being deleted next to its successor: keep the live one.
    if (id && (!kubeByInstance.has(id) || node.metadata.deletionTimestamp === undefined)) {
      kubeByInstance.set(id, node);
    }
  }

  const counts = {
    instances: inv.instances.length,
    kubeNodes: inv.kubeNodes.length,
    inFlight: 0,
    optedOut: 0,
    transitioning: 0,
  };
  const candidates: Candidate[] = [];
  const idle: { instanceId: string; nodeName: string }[] = [];
  for (const instance of inv.instances) {
    const node = kubeByInstance.get(instance.instanceId);
    if (busyInstances.has(instance.instanceId)) {
      counts.inFlight += 1;
      continue;
    }
    if (node && isOptedOut(node, s.optOutLabel)) {
      counts.optedOut += 1;
      continue;
    }
    if (instance.status === 'Failure') {
      // A replacement waiting for capacity is not a node to fix: replacing it again cannot help.
      if (/capacity/i.test(instance.statusMessage ?? '')) counts.transitioning += 1;
      else {
        candidates.push({
          kind: 'instance-failure',
          instanceId: instance.instanceId,
          ...(node ? { nodeName: node.metadata.name } : {}),
          detail: `SageMaker InstanceStatus=Failure${instance.statusMessage ? `: ${instance.statusMessage}` : ''}`,
          evidenceKey: `${instance.launchTime ?? ''}/${instance.statusMessage ?? ''}`,
        });
      }
      continue;
    }
    if (instance.status !== 'Running') {
      counts.transitioning += 1;
      continue;
    }
    if (!node) {
      const minutes = ageMinutes(instance.launchTime, now);
      if (minutes > s.nodeJoinGraceMinutes) {
        candidates.push({
          kind: 'missing-node',
          instanceId: instance.instanceId,
          detail: `instance Running for ${Number.isFinite(minutes) ? `${Math.round(minutes)} min` : 'an unknown time'} without a Kubernetes node`,
          evidenceKey: instance.launchTime ?? 'no-launch-time',
        });
      }
      continue;
    }
    const finding = nodeFinding(instance, node, inv, s, now);
    if (finding) candidates.push(finding);
    else if (
      readyCondition(node)?.status === 'True' &&
      node.spec?.unschedulable !== true &&
      !node.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY) &&
      (node.metadata.labels?.[NODE_HEALTH_STATUS_LABEL] ?? 'Schedulable') === 'Schedulable' &&
      inv.busyNodes !== undefined &&
      !inv.busyNodes.has(node.metadata.name)
    ) {
      idle.push({ instanceId: instance.instanceId, nodeName: node.metadata.name });
    }
  }

  candidates.sort(
    (a, b) =>
      RECOVERY_ORDER.indexOf(a.kind) - RECOVERY_ORDER.indexOf(b.kind) ||
      a.instanceId.localeCompare(b.instanceId),
  );
  // A kind on too much of the cluster is held before the cap (mass-findings.ts): its nodes
  // still count as "recovering" below, so no stale quarantine of theirs is lifted meanwhile.
  const { believed, disagreements } = splitMassFindings(
    candidates,
    inv.instances.length,
    s.massFindings ?? DEFAULT_MASS_FINDING_LIMITS,
  );
  const recoveries = believed.slice(0, s.maxRecoveries).map((c) => ({
    ...c,
    executionName: recoveryExecutionName(c.kind, c.instanceId, c.evidenceKey, now, s.findingRetryMinutes),
  }));
  const recovering = new Set(candidates.map((c) => c.nodeName).filter((n): n is string => n !== undefined));

  // ---------------------------------------------------------------- our own stale state
  const staleHolder = (holder: string | undefined, at: string | undefined): boolean => {
    if (holder !== undefined && inFlight(holder)) return false;
    // A record that exists but is closed or overdue proves the holder is gone; without one the
    // holder may be an execution between taking its lease and writing its record: grace first.
    if (holder !== undefined && records.has(holder)) return true;
    return ageMinutes(at, now) > s.staleGraceMinutes;
  };
  const repairs: RepairFinding[] = [];
  for (const incident of inv.incidents) {
    if (!overdue(incident)) continue;
    repairs.push({
      kind: 'incident-overdue',
      incidentId: incident.incidentId,
      ...(incident.instanceId ? { instanceId: incident.instanceId } : {}),
      startedAt: incident.startedAt,
      detail: `incident open for ${Math.round(ageMinutes(incident.startedAt, now))} min, beyond the ${s.incidentDeadlineMinutes} min deadline of its execution`,
    });
  }
  for (const node of inv.kubeNodes) {
    if (!node.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY)) continue;
    const holder = node.metadata.annotations?.[QUARANTINED_BY_ANNOTATION];
    if (!staleHolder(holder, node.metadata.annotations?.[QUARANTINED_AT_ANNOTATION])) continue;
    // The node still looks faulty: its recovery comes first, the next sweep lifts what is left.
    if (recovering.has(node.metadata.name)) continue;
    const instanceId = instanceIdOfNode(node, inv.clusterArn);
    repairs.push({
      kind: 'stale-quarantine',
      nodeName: node.metadata.name,
      ...(instanceId ? { instanceId } : {}),
      ...(holder ? { holder } : {}),
      detail: holder
        ? `quarantined by incident ${holder}, which is no longer in flight`
        : 'our quarantine taint without an owning incident',
    });
  }
  // Suspensions follow the workloads module's rule (shared with job-resume's leftover sweep, which
  // does the repair): a holder without a record counts as gone only once the suspension is older
  // than any execution may run; a label without any readable holder is abandoned outright.
  for (const { ref, object } of inv.suspended) {
    const all = suspendedIncidentIds(object);
    const holders = staleHolders(all, records, {
      suspendedAt: object.metadata.annotations?.[SUSPENDED_AT_ANNOTATION],
      now,
      staleAfterMinutes: s.staleSuspensionMinutes,
    }).filter((holder) => !leaseHolders.has(holder) || records.has(holder));
    if (all.length > 0 && holders.length === 0) continue;
    repairs.push({
      kind: 'stale-suspension',
      ref,
      holders,
      detail: `${ref.kind} ${ref.namespace}/${ref.name} ${
        all.length === 0
          ? 'labelled suspended by us without a readable holder'
          : `held suspended by ${holders.join(', ')}, no longer in flight`
      }`,
    });
  }

  // ---------------------------------------------------------------- idle quick checks
  let idleChecks: IdleCheckCandidate[] = [];
  if (s.idleChecks.enabled && idle.length > 0) {
    // A stable order per period, walked `maxPerSweep` at a time: every idle node gets its turn.
    const period = bucket(now, s.idleChecks.periodHours * 60);
    const ordered = [...idle].sort((a, b) =>
      stableHash(`${a.instanceId}#${period}`).localeCompare(stableHash(`${b.instanceId}#${period}`)),
    );
    const offset = (bucket(now, s.rateMinutes) * s.idleChecks.maxPerSweep) % ordered.length;
    idleChecks = [...ordered.slice(offset), ...ordered.slice(0, offset)]
      .slice(0, s.idleChecks.maxPerSweep)
      .map((n) => ({
        ...n,
        executionName: idleCheckExecutionName(n.instanceId, now, s.idleChecks.periodHours),
      }));
  }

  return {
    recoveries,
    repairs: repairs.slice(0, s.maxRepairs),
    idleChecks,
    dropped: {
      recoveries: Math.max(0, believed.length - s.maxRecoveries),
      repairs: Math.max(0, repairs.length - s.maxRepairs),
    },
    counts,
    ...(disagreements.length > 0 ? { disagreements } : {}),
  };
};
