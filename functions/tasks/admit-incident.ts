/**
 * AdmitIncident: the one place that decides. Classifies the trigger, resolves the node, applies
 * the remediation policy and the guardrails in their fixed order, and — only when acting —
 * takes the node lease and counts the remediation in the circuit-breaker window. Everything it
 * decides, including every skip, is written to the incident record.
 */

import { requireCluster } from '#contracts/clusters.ts';
import { capAlarmAction, classifyAllowedAlarm, findAllowedAlarm } from '#domain/alarm-allowlist.ts';
import { classifyFault } from '#domain/fault-classification.ts';
import {
  evaluateGuardrails,
  registerRemediation,
  resolveRemediationOwner,
  tripBreaker,
} from '#domain/guardrails.ts';
import { hyperpodAlreadyActing, hyperpodPendingAction } from '#domain/hyperpod-recovery.ts';
import { isNodeReady } from '#domain/kube-types.ts';
import { burstReporters } from '#domain/mass-findings.ts';
import { decideRemediation, recordFault } from '#domain/remediation-policy.ts';
import type { NodeIdentity, RemediationAction, SkipReason, Trigger } from '#domain/types.ts';
import { normalizeTrigger } from '#events/normalize.ts';
import {
  admitInputSchema,
  type Decision,
  type IncidentState,
} from '#state-machines/node-recovery.contract.ts';
import type { TaskDeps } from './deps.ts';
import { reportDisagreement } from './detector-disagreement.ts';
import { skipEvent } from './kube-events.ts';
import { parseInput } from './parse.ts';
import { resolveNode } from './resolve-node.ts';

/** Fault classes that count as hardware trouble in the node's history. */
const COUNTED_CLASSES = new Set(['fatal', 'recoverable', 'unknown']);

const triggerTarget = (trigger: Trigger): { instanceId?: string; nodeName?: string } =>
  'instanceId' in trigger || 'nodeName' in trigger
    ? {
        instanceId: 'instanceId' in trigger ? trigger.instanceId : undefined,
        nodeName: 'nodeName' in trigger ? trigger.nodeName : undefined,
      }
    : {};

export const admitIncident = async (raw: unknown, deps: TaskDeps): Promise<IncidentState> => {
  const input = parseInput(admitInputSchema, raw, 'AdmitIncident input');
  const now = deps.now();
  const policy = deps.config.policy;
  const trigger = normalizeTrigger(input.trigger, deps.config, { now });
  const cluster = requireCluster(deps.config, trigger.clusterName);
  // An alarm acts only as far as its `alarms.allow` entry lets it; any other alarm is observed
  // (alarm-allowlist.ts): whoever can create or set an alarm must not choose what we do.
  const alarmAuthority =
    trigger.kind === 'alarm' ? findAllowedAlarm(deps.config.alarms.allow, trigger) : undefined;
  const fault =
    trigger.kind === 'alarm' && alarmAuthority
      ? classifyAllowedAlarm(trigger, alarmAuthority.entry, alarmAuthority.index)
      : classifyFault(trigger);
  const incidentId = input.executionName;
  deps.logger.appendKeys?.({ incidentId, clusterName: cluster.name, triggerKind: trigger.kind });

  const base = {
    incidentId,
    executionName: input.executionName,
    startedAt: input.startedAt,
    clusterName: cluster.name,
    eksClusterName: cluster.eksClusterName,
    trigger: trigger as unknown as IncidentState['trigger'],
    fault: fault as unknown as IncidentState['fault'],
    await: { pollSeconds: policy.awaitNode.pollSeconds, attempts: 0, status: 'pending' as const },
  };

  // The node's readiness when we first saw it: NotReady later is then evidence of a reboot.
  let readyAtAdmission: boolean | undefined;
  // The resolved node and its API, for the RemediationSkipped Event of a skip.
  let eventTarget: Parameters<typeof skipEvent>[1];
  const finish = async (node: NodeIdentity | undefined, decision: Decision): Promise<IncidentState> => {
    await deps.ledger.createIncident({
      incidentId,
      clusterName: cluster.name,
      instanceId: node?.instanceId,
      nodeName: node?.nodeName,
      executionName: input.executionName,
      trigger: trigger as unknown as Record<string, unknown>,
      fault: fault as unknown as Record<string, unknown>,
      decision: decision as unknown as Record<string, unknown>,
      status: decision.outcome === 'skip' ? 'skipped' : 'open',
      startedAt: input.startedAt,
      actions: [
        { type: decision.outcome === 'skip' ? 'skipped' : 'admitted', at: now, detail: { ...decision } },
      ],
    });
    deps.metrics.count(
      decision.outcome === 'skip' ? 'RemediationSkipped' : 'IncidentAdmitted',
      decision.outcome === 'skip'
        ? { reason: decision.skipReason ?? 'unknown' }
        : { action: decision.action },
    );
    await skipEvent(deps, eventTarget, decision, { incidentId, at: now, instance: 'AdmitIncident' });
    deps.logger.info(decision.outcome === 'skip' ? 'incident skipped' : 'incident admitted', {
      incidentId,
      decision,
      fault: fault.code,
      instanceId: node?.instanceId,
    });
    return {
      ...base,
      node,
      decision,
      ...(readyAtAdmission === undefined ? {} : { nodeReadyAtAdmission: readyAtAdmission }),
    };
  };

  const skip = (
    node: NodeIdentity | undefined,
    reason: SkipReason,
    detail: string,
    extra: Partial<Decision> = {},
  ): Promise<IncidentState> =>
    finish(node, {
      outcome: 'skip',
      action: extra.action ?? (fault.recommendedAction as Decision['action']),
      reason: extra.reason ?? fault.code,
      mode: policy.mode,
      skipReason: reason,
      skipDetail: detail,
      leaseHeld: false,
      ...extra,
    });

  // A node returning to healthy is not a fault: nothing to resolve, nothing to do.
  if (fault.class === 'healthy')
    return skip(undefined, 'not-a-fault', `${fault.code}: ${fault.evidence.join('; ')}`);

  const [clusterInfo, kube] = await Promise.all([
    deps.clusterNodes.describeCluster(cluster.name),
    deps.kubeFor(cluster.eksClusterName),
  ]);
  const resolved = await resolveNode({ cluster, ...triggerTarget(trigger) }, deps.clusterNodes, kube);
  const node = resolved.identity;
  if (resolved.kubeNode) readyAtAdmission = isNodeReady(resolved.kubeNode);
  if (resolved.kubeNode) eventTarget = { kube, node: resolved.kubeNode };
  deps.logger.appendKeys?.({ instanceId: node.instanceId, nodeName: node.nodeName });

  const history = await deps.ledger.getNodeHistory(cluster.name, node.instanceId);
  const decided = decideRemediation({ fault, history, policy, now });
  const maxAction = trigger.kind === 'alarm' ? (alarmAuthority?.entry.maxAction ?? 'observe') : undefined;
  const cappedAction = maxAction === undefined ? decided.action : capAlarmAction(decided.action, maxAction);
  if (cappedAction === 'observe' && decided.action !== 'observe' && trigger.kind === 'alarm') {
    // Before any sighting, node history or breaker entry: an alarm that may not act counts nowhere.
    const detail = alarmAuthority
      ? `alarms.allow.${alarmAuthority.index} lets alarm ${trigger.alarmName} do at most observe`
      : `alarm ${trigger.alarmName} is not in alarms.allow: recorded and observed, never acted on`;
    return skip(
      node,
      alarmAuthority ? 'alarm-max-action' : 'alarm-not-allowed',
      `${detail} (the decision was ${decided.action})`,
      { action: 'observe', reason: decided.reason },
    );
  }
  // A replacement lowered to the entry's `reboot` is recorded as such (reason `alarm-max-action`).
  const policyDecision: { action: RemediationAction; reason: string; escalatedFrom?: RemediationAction } =
    cappedAction === decided.action ? decided : { action: cappedAction, reason: 'alarm-max-action' };
  const acting = policyDecision.action === 'reboot' || policyDecision.action === 'replace';

  // Duplicate delivery: the same (node, fault class) within the window is one incident. People
  // asking by hand are never deduplicated here (the node lease still serializes them).
  let duplicateOf: string | undefined;
  if (acting && trigger.kind !== 'manual') {
    const sighting = await deps.ledger.recordSighting({
      clusterName: cluster.name,
      instanceId: node.instanceId,
      faultClass: fault.class,
      incidentId,
      now,
      windowMinutes: policy.dedupeWindowMinutes,
    });
    if (!sighting.firstSighting && sighting.firstIncidentId !== incidentId)
      duplicateOf = sighting.firstIncidentId;
  }
  if (acting && !duplicateOf && COUNTED_CLASSES.has(fault.class)) {
    await deps.ledger.putNodeHistory(
      cluster.name,
      node.instanceId,
      recordFault(history, { at: now, faultClass: fault.class, code: fault.code, incidentId }, now, policy),
    );
  }

  // Agreement across the fleet (guardrails.ts `detector-disagreement`): the fault class's
  // sightings, read after our own was written, so of N reports arriving together the k-th to
  // write sees at least k — a simultaneous burst cannot slip past the gate. People asking by hand
  // are no detector and are not counted. Per-node reports of an AWS-wide event (an AZ incident:
  // node-health events, alarms or sweep findings on every node at once) take this path too.
  const countsInBurst = acting && trigger.kind !== 'manual';
  const [guardState, leases, sightings] = await Promise.all([
    deps.ledger.getClusterState(cluster.name),
    deps.ledger.listLeases(cluster.name, now),
    countsInBurst ? deps.ledger.listSightings(cluster.name, fault.class, now) : Promise.resolve([]),
  ]);
  const otherLeases = leases.filter((lease) => lease.incidentId !== incidentId);
  // A retried Admit (its first attempt took the lease, then lost the versioned write below) finds
  // its own lease here; if this attempt ends in a skip, the lease goes with it (owner-conditional).
  const ownLease = leases.some((lease) => lease.incidentId === incidentId);
  const releaseOwnLease = () =>
    deps.ledger.releaseLease({ clusterName: cluster.name, instanceId: node.instanceId, incidentId });
  const remediationOwner = resolveRemediationOwner(cluster.remediationOwner, clusterInfo.nodeRecovery);
  const fleetSize =
    clusterInfo.instanceGroups.reduce((sum, group) => sum + (group.currentCount ?? 0), 0) ||
    otherLeases.length + 1;
  const nodeLabels = resolved.kubeNode?.metadata.labels ?? {};
  // HyperPod owning recovery does not mean it acts on what only we saw: wait for it only when
  // its own recovery is already triggered (its Pending* label), otherwise request it ourselves.
  const alreadyActing = hyperpodAlreadyActing(remediationOwner, nodeLabels);
  const verdict = evaluateGuardrails({
    policy,
    now,
    incidentId,
    node,
    nodeLabels,
    action: policyDecision.action,
    clusterStatus: clusterInfo.status,
    eksCluster: {
      configured: cluster.eksClusterName,
      ...(clusterInfo.eksClusterName ? { orchestrator: clusterInfo.eksClusterName } : {}),
    },
    remediationOwner,
    hyperpodAlreadyActing: alreadyActing,
    paused: guardState.paused,
    needsAttention: history.needsAttention,
    duplicateOf,
    leaseHeldBy: otherLeases.find((lease) => lease.instanceId === node.instanceId)?.incidentId,
    breaker: guardState,
    activeRemediations: otherLeases.length,
    fleetSize,
    ...(countsInBurst
      ? {
          burst: {
            faultClass: fault.class,
            instanceIds: burstReporters(
              sightings,
              node.instanceId,
              now,
              policy.massFindings.burstWindowMinutes,
            ),
          },
        }
      : {}),
  });

  const common = {
    action: policyDecision.action,
    reason: policyDecision.reason,
    escalatedFrom: policyDecision.escalatedFrom,
    duplicateOf,
    ...(alreadyActing ? { hyperpodPending: hyperpodPendingAction(nodeLabels) } : {}),
    maxAction: maxAction ?? ('replace' as const),
  };
  if (verdict.outcome === 'skip') {
    if (verdict.tripBreaker) {
      await deps.ledger.putClusterState(
        cluster.name,
        tripBreaker(guardState, now, verdict.detail),
        guardState.version,
      );
      deps.metrics.count('CircuitBreakerTripped', { clusterName: cluster.name });
      await deps.notifier.notify({
        severity: 'critical',
        clusterName: cluster.name,
        incidentId,
        instanceId: node.instanceId,
        subject: `hyperpod-resilience: circuit breaker tripped on ${cluster.name}`,
        message:
          `Remediations on ${cluster.name} stopped: ${verdict.detail}. ` +
          `Incident ${incidentId} (${fault.code} on ${node.instanceId}) was not remediated. ` +
          'Investigate the correlated failures, then reset the breaker with `hpr reset-breaker`.',
      });
    }
    if (verdict.disagreement) {
      await reportDisagreement(deps, {
        clusterName: cluster.name,
        source: 'admission',
        disagreement: verdict.disagreement,
        seenBy: incidentId,
        now,
        windowMinutes: policy.massFindings.burstWindowMinutes,
        held: 1,
      });
    }
    if (ownLease) await releaseOwnLease();
    return skip(node, verdict.reason, verdict.detail, { ...common, wouldHave: verdict.wouldHave });
  }

  const lease = await deps.ledger.acquireLease({
    clusterName: cluster.name,
    instanceId: node.instanceId,
    incidentId,
    now,
    ttlMinutes: policy.leaseTtlMinutes,
  });
  if (!lease.acquired) {
    return skip(node, 'lease-held', `incident ${lease.heldBy} holds the node lease`, common);
  }
  // Counted once per incident; a retried Admit finds itself already in the window.
  // The lease is taken before this versioned write: when the write fails (a lost race is retried
  // by the machine, whose next attempt may end in a skip), the lease is released first, so no
  // attempt that fails leaves a lease behind it.
  if (!guardState.remediations.some((entry) => entry.incidentId === incidentId)) {
    try {
      await deps.ledger.putClusterState(
        cluster.name,
        registerRemediation(guardState, { instanceId: node.instanceId, incidentId, now }, policy),
        guardState.version,
      );
    } catch (error) {
      await releaseOwnLease();
      throw error;
    }
  }
  return finish(node, {
    outcome: 'proceed',
    ...common,
    mode: policy.mode,
    remediation: verdict.remediation,
    leaseHeld: true,
  });
};
