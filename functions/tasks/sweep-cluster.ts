/**
 * SweepCluster: the health sweep's inventory and findings for every configured cluster (or the
 * one the input names). Per cluster a constant number of calls besides SageMaker's pages:
 * DescribeCluster + ListClusterNodes (all pages, 100 per page), one Kubernetes node list, one list
 * per suspendable kind filtered server-side by our label, the ledger's leases, its open incidents
 * (an index) and the incidents the cluster names as holders (by id), and —
 * only when idle-node checks are on — one pod list. The findings are pure
 * (functions/domain/sweep-findings.ts); this task turns them into node-recovery starts (sweep
 * finding events under idempotent execution names), repairs and idle-node health checks.
 */

import * as z from 'zod';
import { requireCluster } from '#contracts/clusters.ts';
import type { AppConfig, ClusterConfig } from '#contracts/config/app.ts';
import { requestsAccelerators } from '#domain/accelerators.ts';
import { FLEET_WINDOW_DAYS, reliabilityGauges } from '#domain/goodput/reliability-metrics.ts';
import { maxParallelLimit, recheckBeforeAction } from '#domain/guardrails.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';
import { DETECTOR_DISAGREEMENT, disagreementRecordId } from '#domain/mass-findings.ts';
import { findSweepFindings, incidentsNamedOnCluster, type SweepSettings } from '#domain/sweep-findings.ts';
import type { WorkloadRef } from '#domain/types.ts';
import { describeRef } from '#domain/workload-kinds.ts';
import { sweepFindingEvent } from '#events/sweep.ts';
import type { HealthCheckInputShape } from '#state-machines/health-check.contract.ts';
import { type SweepResult, sweepInputSchema } from '#state-machines/health-sweep.contract.ts';
import type { TaskDeps } from './deps.ts';
import { reportDisagreement } from './detector-disagreement.ts';
import { listOurSuspensions } from './job-resume.ts';
import { checkKubeIdentity } from './kube-identity-drift.ts';
import { parseInput } from './parse.ts';
import { SWEEP_REQUESTER } from './prepare-health-check.ts';
import { SPARE_POOL_REQUESTER, upkeepSparePools } from './spare-pool-upkeep.ts';

/** Point reads of named holders in flight at once (each a GetItem; a mass quarantine names many). */
const HOLDER_READS_IN_PARALLEL = 25;

/** Ledger sighting class that keeps idle-node checks to one per node per period. */
export const IDLE_CHECK_SIGHTING = 'idle-quick-check';

const sweepTaskInputSchema = z.object({
  input: z.unknown(),
  /** The sweep execution: a retry of it may notify again, another sweep of the window may not. */
  executionName: z.string().min(1).max(80).optional(),
});

export const sweepSettings = (config: AppConfig): SweepSettings => ({
  ...config.sweep,
  staleSuspensionMinutes: config.policy.workloads.staleSuspensionMinutes,
  optOutLabel: config.policy.optOutLabel,
  instanceTypes: config.healthChecks.instanceTypes,
  massFindings: config.policy.massFindings,
});

/** Nodes with an unfinished pod that asks for accelerators (GPUs or Neuron): not idle. */
const acceleratorBusyNodes = (pods: readonly KubePod[]): Set<string> => {
  const busy = new Set<string>();
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    if (pod.spec?.containers?.some((c) => requestsAccelerators(c.resources))) busy.add(nodeName);
  }
  return busy;
};

const count = <T extends { kind: string }>(items: readonly T[]): Record<string, number> =>
  items.reduce<Record<string, number>>((acc, item) => {
    acc[item.kind] = (acc[item.kind] ?? 0) + 1;
    return acc;
  }, {});

const sweepOne = async (
  cluster: ClusterConfig,
  deps: TaskDeps,
  now: string,
  result: SweepResult,
  executionName: string,
) => {
  const settings = sweepSettings(deps.config);
  const [info, instances, kube] = await Promise.all([
    deps.clusterNodes.describeCluster(cluster.name),
    deps.clusterNodes.listNodes(cluster.name),
    deps.kubeFor(cluster.eksClusterName),
  ]);
  // The configuration pairs this HyperPod cluster with another EKS cluster than HyperPod does:
  // reading that cluster's nodes would find every instance missing. Nothing is swept (Admit's
  // `wrong-eks-cluster` gate refuses the same) until the configuration is fixed.
  if (info.eksClusterName && info.eksClusterName !== cluster.eksClusterName) {
    const skipped = `HyperPod reports EKS cluster ${info.eksClusterName} as the orchestrator, the configuration names ${cluster.eksClusterName}: not swept`;
    result.summary.push({
      clusterName: cluster.name,
      instances: instances.length,
      kubeNodes: 0,
      findings: {},
      repairs: {},
      idleChecks: 0,
      inFlight: 0,
      optedOut: 0,
      transitioning: 0,
      dropped: { recoveries: 0, repairs: 0 },
      skipped,
    });
    deps.logger.error('cluster not swept: wrong EKS cluster', { clusterName: cluster.name, skipped });
    return;
  }
  const hasPools = deps.config.spares.pools.some((p) => p.cluster === cluster.name);
  const [kubeNodes, leases, open, suspended, pods] = await Promise.all([
    kube.listNodes(),
    deps.ledger.listLeases(cluster.name, now),
    deps.ledger.listOpenIncidents(cluster.name),
    listOurSuspensions(kube) as Promise<{ ref: WorkloadRef; object: KubeObject }[]>,
    settings.idleChecks.enabled || hasPools ? kube.listPods({}) : Promise.resolve(undefined),
  ]);
  // The holders the cluster names and the index did not list: read by id (consistent), so a
  // just-opened incident the index has not caught up with still counts as in flight.
  const openIds = new Set(open.map((i) => i.incidentId));
  const named = incidentsNamedOnCluster(kubeNodes, suspended).filter((id) => !openIds.has(id));
  const incidents = [...open];
  for (let i = 0; i < named.length; i += HOLDER_READS_IN_PARALLEL) {
    const records = await Promise.all(
      named.slice(i, i + HOLDER_READS_IN_PARALLEL).map((id) => deps.ledger.getIncident(cluster.name, id)),
    );
    for (const record of records) if (record) incidents.push(record);
  }
  const findings = findSweepFindings(
    {
      clusterName: cluster.name,
      clusterArn: cluster.arn,
      ...(info.nodeRecovery ? { nodeRecovery: info.nodeRecovery } : {}),
      instances,
      kubeNodes,
      suspended,
      incidents: incidents.map((i) => ({
        incidentId: i.incidentId,
        status: i.status,
        startedAt: i.startedAt,
        ...(i.instanceId ? { instanceId: i.instanceId } : {}),
      })),
      leases,
      ...(pods && settings.idleChecks.enabled ? { busyNodes: acceleratorBusyNodes(pods) } : {}),
    },
    settings,
    now,
  );
  // Hot-spare pools: takes and releases go with the repairs, verifications with the idle checks.
  const spares = upkeepSparePools(
    {
      cluster,
      info,
      instances,
      kubeNodes,
      pods,
      leasedInstances: new Set(leases.map((l) => l.instanceId)),
      inFlight: new Set([
        ...incidents.filter((i) => i.status === 'open').map((i) => i.incidentId),
        ...leases.map((l) => l.incidentId),
      ]),
      now,
    },
    deps,
  );

  for (const finding of findings.recoveries) {
    result.recoveries.push({
      executionName: finding.executionName,
      input: sweepFindingEvent(
        {
          clusterName: cluster.name,
          finding: finding.kind,
          instanceId: finding.instanceId,
          ...(finding.nodeName ? { nodeName: finding.nodeName } : {}),
          detail: finding.detail.slice(0, 2048),
          ...(finding.labels ? { labels: finding.labels } : {}),
          ...(finding.annotations ? { annotations: finding.annotations } : {}),
          ...(finding.conditions ? { conditions: finding.conditions } : {}),
        },
        { id: finding.executionName, time: now },
      ) as unknown as Record<string, unknown>,
    });
  }
  // A kind held as a detector disagreement started nothing above (the Map gets none of it): it is
  // recorded in the ledger (one record per kind and retry window), counted and notified.
  for (const d of findings.disagreements ?? []) {
    const recordId = disagreementRecordId(d.kind, now, settings.findingRetryMinutes);
    await deps.ledger.createIncident({
      incidentId: recordId,
      clusterName: cluster.name,
      trigger: { kind: 'sweep', finding: DETECTOR_DISAGREEMENT, heldFinding: d.kind },
      fault: { class: 'unknown', code: DETECTOR_DISAGREEMENT },
      decision: { outcome: 'skip', skipReason: DETECTOR_DISAGREEMENT, skipDetail: d.detail, disagreement: d },
      status: 'skipped',
      startedAt: now,
      endedAt: now,
      actions: [{ type: 'skipped', at: now, detail: { ...d } }],
    });
    await reportDisagreement(deps, {
      clusterName: cluster.name,
      source: 'sweep',
      disagreement: d,
      seenBy: executionName,
      now,
      windowMinutes: settings.findingRetryMinutes,
      held: d.count,
    });
  }
  const where = { clusterName: cluster.name, eksClusterName: cluster.eksClusterName };
  const suspensions: string[] = [];
  for (const repair of findings.repairs) {
    if (repair.kind === 'stale-suspension') suspensions.push(describeRef(repair.ref));
    else result.repairs.push({ ...where, repair });
  }
  // Stale suspensions are released together by job-resume's leftover sweep (one re-read, one rule).
  if (suspensions.length > 0) {
    result.repairs.push({
      ...where,
      repair: {
        kind: 'stale-suspensions',
        workloads: suspensions.slice(0, 500),
        detail: `${suspensions.length} job(s) held suspended by incidents no longer in flight`,
      },
    });
  }
  for (const repair of spares.repairs) result.repairs.push({ ...where, repair });
  // Idle checks take a node's accelerators: not in observe mode, nor while an operator's pause or
  // an open breaker holds the cluster (PrepareHealthCheck would refuse them anyway).
  const guard =
    findings.idleChecks.length + spares.checks.length > 0
      ? await deps.ledger.getClusterState(cluster.name)
      : undefined;
  const checksHeld =
    guard !== undefined &&
    recheckBeforeAction({
      mode: deps.config.policy.mode,
      ...(guard.paused ? { paused: guard.paused } : {}),
      breaker: guard,
      incidentId: executionName,
    }) !== undefined;
  // A check counts toward the in-flight limit as a remediation does (healthCheckLimits): start no
  // more than the free slots; the nodes left over are chosen by a later sweep.
  // A spare's check comes first: the pool is what a fault will need.
  let freeSlots = Math.max(0, maxParallelLimit(instances.length || 1, deps.config.policy) - leases.length);
  let spareChecks = 0;
  for (const check of checksHeld ? [] : spares.checks.slice(0, freeSlots)) {
    const input: HealthCheckInputShape = {
      clusterName: cluster.name,
      instanceId: check.instanceId,
      level: 'quick',
      onFailure: 'recover',
      reason: 'quick check of a new hot spare',
      requestedBy: SPARE_POOL_REQUESTER,
    };
    result.idleChecks.push({ executionName: check.executionName, input });
    spareChecks += 1;
  }
  freeSlots -= spareChecks;
  let idleChecks = 0;
  for (const candidate of checksHeld ? [] : findings.idleChecks.slice(0, freeSlots)) {
    // A conditional write per chosen node: a node checked within the period (by any sweep) is skipped.
    const sighting = await deps.ledger.recordSighting({
      clusterName: cluster.name,
      instanceId: candidate.instanceId,
      faultClass: IDLE_CHECK_SIGHTING,
      incidentId: candidate.executionName,
      now,
      windowMinutes: settings.idleChecks.periodHours * 60,
    });
    if (!sighting.firstSighting && sighting.firstIncidentId !== candidate.executionName) continue;
    const input: HealthCheckInputShape = {
      clusterName: cluster.name,
      instanceId: candidate.instanceId,
      level: 'quick',
      onFailure: 'recover',
      reason: 'quick check of an idle node',
      requestedBy: SWEEP_REQUESTER,
    };
    result.idleChecks.push({ executionName: candidate.executionName, input });
    idleChecks += 1;
  }

  result.summary.push({
    clusterName: cluster.name,
    instances: findings.counts.instances,
    kubeNodes: findings.counts.kubeNodes,
    findings: count(findings.recoveries),
    repairs: count(findings.repairs),
    idleChecks,
    inFlight: findings.counts.inFlight,
    optedOut: findings.counts.optedOut,
    transitioning: findings.counts.transitioning,
    dropped: findings.dropped,
    ...(findings.disagreements ? { disagreements: findings.disagreements } : {}),
    ...(spares.summary.length > 0 ? { spares: spares.summary } : {}),
  });
  for (const [kind, n] of Object.entries(count(findings.recoveries))) {
    deps.metrics.count('SweepFinding', { clusterName: cluster.name, kind }, n);
  }
  for (const [kind, n] of Object.entries(count(findings.repairs))) {
    deps.metrics.count('SweepStaleState', { clusterName: cluster.name, kind }, n);
  }
  // Fleet reliability over the trailing window: the window's incidents through the ledger's
  // start-time index (what the window holds, never the whole history).
  const since = new Date(Date.parse(now) - FLEET_WINDOW_DAYS * 24 * 3_600_000).toISOString();
  const windowIncidents = await deps.ledger.listIncidentsSince(cluster.name, since);
  for (const gauge of reliabilityGauges(cluster.name, windowIncidents, instances, now)) {
    deps.metrics.count(gauge.name, gauge.dimensions, gauge.value);
  }
  await checkKubeIdentity(kube, cluster.name, deps);
  deps.logger.info('cluster swept', { ...result.summary[result.summary.length - 1] });
};

/**
 * Step Functions fails a state whose input or output passes 262,144 bytes with the uncatchable
 * States.DataLimitExceeded (docs/facts/step-functions.md): a sweep of a mass failure would then
 * start nothing. The sweep's output stays under this budget; what does not fit is dropped from
 * the end of each list (lowest priority first), counted, and found again by the next sweep.
 */
export const SWEEP_OUTPUT_BUDGET_BYTES = 200 * 1024;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

const fitOutput = (result: SweepResult, budget: number): SweepResult => {
  let size = jsonBytes(result);
  const summaryOf = (clusterName: unknown) =>
    result.summary.find((s) => s.clusterName === clusterName) ?? result.summary[0];
  // Idle checks go first (a sample anyway), then stale-state repairs, then recoveries.
  while (size > budget && result.idleChecks.length > 0) {
    const dropped = result.idleChecks.pop()!;
    size -= jsonBytes(dropped) + 1;
    const summary = summaryOf(dropped.input.clusterName);
    if (summary) summary.idleChecks -= 1;
  }
  while (size > budget && result.repairs.length > 0) {
    const dropped = result.repairs.pop()!;
    size -= jsonBytes(dropped) + 1;
    const summary = summaryOf(dropped.clusterName);
    if (summary) summary.dropped.repairs += 1;
  }
  while (size > budget && result.recoveries.length > 0) {
    const dropped = result.recoveries.pop()!;
    size -= jsonBytes(dropped) + 1;
    const summary = summaryOf((dropped.input.detail as { clusterName?: unknown } | undefined)?.clusterName);
    if (summary) summary.dropped.recoveries += 1;
  }
  return result;
};

export const sweepCluster = async (raw: unknown, deps: TaskDeps): Promise<SweepResult> => {
  const { input, executionName } = parseInput(sweepTaskInputSchema, raw, 'SweepCluster input');
  const request = parseInput(sweepInputSchema, input, 'health-sweep input');
  const named =
    'clusterName' in request && typeof request.clusterName === 'string' ? request.clusterName : undefined;
  const clusters = named ? [requireCluster(deps.config, named)] : deps.config.clusters;
  const now = deps.now();
  const result: SweepResult = {
    sweptAt: now,
    startConcurrency: deps.config.sweep.startConcurrency,
    recoveries: [],
    repairs: [],
    idleChecks: [],
    summary: [],
  };
  for (const cluster of clusters) {
    await sweepOne(cluster, deps, now, result, executionName ?? `sweep-${now}`);
  }
  return fitOutput(result, SWEEP_OUTPUT_BUDGET_BYTES);
};
