/**
 * RequestRemediation: BatchReboot/BatchReplaceClusterNodes for the node — on a
 * NodeRecovery=Automatic cluster too, because HyperPod repairs only what it detected or was asked
 * to repair, and AWS documents these APIs as the preferred manual trigger of the same HyperPod
 * recovery process as the `Pending*` labels (docs/facts/remediation.md,
 * `hyperpod.manual-recovery-api`). Only when HyperPod's own recovery is already triggered
 * (`decision.remediation = await-hyperpod`, its `Pending*` label under automatic recovery) is
 * nothing called: we note that we wait for it, and CheckNodeRecovery gives it a short grace.
 *
 * The per-node `Failed` list is read, never mistaken for success (codes from the API reference
 * `BatchRebootClusterNodesError` / `BatchReplaceClusterNodesError`):
 * - `InstanceIdInUse` ("another operation is already in progress for this node") and
 *   `InvalidInstanceStatus` ("a state that does not allow …; wait"): which operation is read from
 *   the node's `InstanceStatus.Status` and its Kubernetes node (hyperpod-recovery.ts). A recovery
 *   visibly under way is waited for; any other operation (deep health check, software update, …)
 *   → NodeBusyError, retried by the state machine within its budget, then escalated;
 * - `InternalServerError` ("an internal error occurred while processing this node") →
 *   SageMakerTransientError, retried with backoff;
 * - `InstanceIdNotFound` → the node is gone: NodeNotFoundError, escalated.
 */

import { requireCluster } from '#contracts/clusters.ts';
import {
  ActionRefusedError,
  NodeBusyError,
  NodeNotFoundError,
  OutOfSequenceInputError,
  RemediationFailedError,
  SageMakerTransientError,
} from '#contracts/errors.ts';
import { recheckBeforeAction } from '#domain/guardrails.ts';
import { interpretNodeInUse } from '#domain/hyperpod-recovery.ts';
import { recordRemediation } from '#domain/remediation-policy.ts';
import type { TaskDeps } from './deps.ts';
import { incidentNode, parseIncident, recordAction, withIncidentKeys } from './incident.ts';
import { findKubeNode } from './resolve-node.ts';

export interface RemediationResult {
  action: 'reboot' | 'replace';
  status: 'requested' | 'hyperpod-acting' | 'awaiting-hyperpod';
  requestedAt: string;
  attempt: number;
  detail?: string;
  /** What showed that a recovery we did not request is under way. */
  evidence?: string;
}

/**
 * The admission may be an hour old (a reboot that did not fix the node escalates to replace): the
 * live mode, the cluster's pause and breaker and the node's lease are read again right before the
 * destructive call. A "no" is recorded and thrown as ActionRefusedError (the machine escalates:
 * people are told, the node stays quarantined, the jobs are resumed). A lease that expired during
 * the waits and that nobody took is taken again.
 */
const recheckBeforeCall = async (
  deps: TaskDeps,
  state: ReturnType<typeof parseIncident>,
  instanceId: string,
  action: 'reboot' | 'replace',
  now: string,
): Promise<void> => {
  const [guard, leases] = await Promise.all([
    deps.ledger.getClusterState(state.clusterName),
    deps.ledger.listLeases(state.clusterName, now),
  ]);
  let leaseHolder = leases.find((lease) => lease.instanceId === instanceId)?.incidentId;
  if (leaseHolder === undefined) {
    const lease = await deps.ledger.acquireLease({
      clusterName: state.clusterName,
      instanceId,
      incidentId: state.incidentId,
      now,
      ttlMinutes: deps.config.policy.leaseTtlMinutes,
    });
    leaseHolder = lease.acquired ? state.incidentId : lease.heldBy;
  }
  const refusal = recheckBeforeAction({
    mode: deps.config.policy.mode,
    ...(guard.paused ? { paused: guard.paused } : {}),
    breaker: guard,
    incidentId: state.incidentId,
    ...(leaseHolder !== undefined ? { leaseHolder } : {}),
  });
  if (!refusal) return;
  await recordAction(deps, state, 'action-refused', {
    action,
    reason: refusal.reason,
    detail: refusal.detail,
  });
  throw new ActionRefusedError(`${action} of ${instanceId} not requested: ${refusal.detail}`, {
    details: { incidentId: state.incidentId, instanceId, action, reason: refusal.reason },
  });
};

export const requestRemediation = async (raw: unknown, deps: TaskDeps): Promise<RemediationResult> => {
  const state = parseIncident(raw, 'RequestRemediation');
  withIncidentKeys(deps, state);
  const node = incidentNode(state);
  const action = state.decision.action;
  if (action !== 'reboot' && action !== 'replace') {
    throw new OutOfSequenceInputError(`decision ${action} does not remediate a node`);
  }
  // Observe mode never gets here (Admit skips), but a hand-edited input must not act either.
  if (state.decision.mode !== 'act' || state.decision.outcome !== 'proceed') {
    throw new OutOfSequenceInputError(`incident ${state.incidentId} was not admitted for action`);
  }
  const attempt = (state.remediation?.attempt ?? 0) + 1;
  const requestedAt = deps.now();

  if (state.decision.remediation === 'await-hyperpod') {
    // HyperPod's label says which recovery it will run; that is what we wait for.
    const awaited = state.decision.hyperpodPending ?? action;
    await recordAction(deps, state, 'awaiting-hyperpod', { action: awaited, attempt });
    return { action: awaited, status: 'awaiting-hyperpod', requestedAt, attempt };
  }

  await recheckBeforeCall(deps, state, node.instanceId, action, requestedAt);

  // Written ahead of the call: a Lambda that dies after SageMaker accepted the request (before it
  // could record it) is retried by the state machine, and the retry must neither ask a second time
  // nor lose the action from the ledger (README "Chaos campaigns", bug 1).
  const history = await deps.ledger.getNodeHistory(state.clusterName, node.instanceId);
  const sentBefore = (action === 'reboot' ? history.reboots : history.replacements).find(
    (entry) => entry.incidentId === state.incidentId,
  );
  if (sentBefore) {
    const evidence = await earlierRequestEvidence(deps, state, action);
    if (evidence) return recordRequested(deps, state, action, attempt, sentBefore.at, evidence);
  } else {
    await deps.ledger.putNodeHistory(
      state.clusterName,
      node.instanceId,
      recordRemediation(history, action, state.incidentId, requestedAt, deps.config.policy),
    );
  }

  const call = action === 'reboot' ? deps.clusterNodes.rebootNodes : deps.clusterNodes.replaceNodes;
  const result = await call.call(deps.clusterNodes, state.clusterName, [node.instanceId]);
  const failure = result.failed.find((f) => f.instanceId === node.instanceId);
  if (failure && sentBefore && action === 'replace' && failure.code === 'InstanceIdNotFound') {
    // Our earlier attempt's replacement took the instance away.
    return recordRequested(
      deps,
      state,
      action,
      attempt,
      sentBefore.at,
      `${failure.code} after our earlier request`,
    );
  }
  if (failure) {
    switch (failure.code) {
      case 'InstanceIdInUse':
      case 'InvalidInstanceStatus': {
        const cluster = requireCluster(deps.config, state.clusterName);
        const [current, kube] = await Promise.all([
          deps.clusterNodes.describeNode(state.clusterName, node.instanceId),
          deps.kubeFor(state.eksClusterName),
        ]);
        const kubeNode = await findKubeNode(kube, cluster, node.instanceId, current);
        const verdict = interpretNodeInUse({
          status: current?.status,
          kubeNode,
          wasReady: state.nodeReadyAtAdmission,
        });
        if (verdict.kind === 'gone') {
          throw new NodeNotFoundError(`SageMaker no longer knows ${node.instanceId}: ${verdict.evidence}`);
        }
        if (verdict.kind === 'busy') {
          throw new NodeBusyError(
            `SageMaker refused to ${action} ${node.instanceId} (${failure.code}: ${failure.message ?? ''}); ` +
              `the node shows ${verdict.evidence}, not a recovery: retry later`,
            { details: { code: failure.code, operation: verdict.operation } },
          );
        }
        await recordAction(deps, state, 'remediation-already-in-progress', {
          action,
          observed: verdict.observed,
          code: failure.code,
          message: failure.message,
          evidence: verdict.evidence,
        });
        deps.metrics.count('RemediationAlreadyInProgress');
        return {
          action: verdict.observed,
          status: 'hyperpod-acting',
          requestedAt,
          attempt,
          detail: failure.message,
          evidence: verdict.evidence,
        };
      }
      case 'InternalServerError':
        throw new SageMakerTransientError(
          `${action} of ${node.instanceId} failed transiently: ${failure.code} ${failure.message ?? ''}`,
          { details: { code: failure.code } },
        );
      case 'InstanceIdNotFound':
        throw new NodeNotFoundError(
          `SageMaker no longer knows ${node.instanceId}: ${failure.message ?? failure.code}`,
        );
      default:
        throw new RemediationFailedError(
          `${action} of ${node.instanceId} failed: ${failure.code} ${failure.message ?? ''}`,
        );
    }
  }
  if (!result.successful.includes(node.instanceId)) {
    throw new RemediationFailedError(`SageMaker did not confirm the ${action} of ${node.instanceId}`);
  }
  return recordRequested(deps, state, action, attempt, sentBefore?.at ?? requestedAt);
};

const recordRequested = async (
  deps: TaskDeps,
  state: ReturnType<typeof parseIncident>,
  action: 'reboot' | 'replace',
  attempt: number,
  requestedAt: string,
  evidence?: string,
): Promise<RemediationResult> => {
  await recordAction(deps, state, 'remediation-requested', {
    action,
    attempt,
    ...(evidence ? { confirmedAfterRetry: evidence } : {}),
  });
  deps.metrics.count('RemediationRequested', { action });
  return { action, status: 'requested', requestedAt, attempt, ...(evidence ? { evidence } : {}) };
};

/**
 * On a retry after our request was written ahead: what shows that the earlier attempt's call went
 * through. A replacement: SageMaker no longer lists the instance. A reboot: the node's boot id is
 * no longer the one seen at admission (check-node-recovery reads the same evidence). Otherwise
 * undefined, and the call is made (again): a reboot still under way answers InstanceIdInUse, a
 * replacement that took the instance answers InstanceIdNotFound.
 */
const earlierRequestEvidence = async (
  deps: TaskDeps,
  state: ReturnType<typeof parseIncident>,
  action: 'reboot' | 'replace',
): Promise<string | undefined> => {
  const node = incidentNode(state);
  const current = await deps.clusterNodes.describeNode(state.clusterName, node.instanceId);
  if (action === 'replace') {
    return current === undefined
      ? `SageMaker no longer lists ${node.instanceId} after our earlier request`
      : undefined;
  }
  if (!node.bootId || !current) return undefined;
  const cluster = requireCluster(deps.config, state.clusterName);
  const kube = await deps.kubeFor(state.eksClusterName);
  const kubeNode = current ? await findKubeNode(kube, cluster, node.instanceId, current) : undefined;
  const bootId = kubeNode?.status?.nodeInfo?.bootID;
  return bootId && bootId !== node.bootId
    ? `boot id ${bootId} differs from ${node.bootId} at admission`
    : undefined;
};
