/**
 * RequestRemediation: BatchReboot/BatchReplaceClusterNodes for the node, or — when HyperPod's
 * own automatic node recovery owns the node — nothing but a note that we wait for it.
 * The per-node `Failed` list is read, never mistaken for success:
 * `InstanceIdInUse` → HyperPod (or someone) is already acting: recorded, no second action;
 * `InvalidInstanceStatus` → NodeBusyError, retried later by the state machine;
 * `InstanceIdNotFound` → the node is gone: NodeNotFoundError, escalated.
 */
import { recordRemediation } from '#domain/remediation-policy.ts';
import {
  NodeBusyError,
  NodeNotFoundError,
  PolicyViolationError,
  RemediationFailedError,
} from '#shared/errors.ts';
import type { TaskDeps } from './deps.ts';
import { incidentNode, parseIncident, recordAction, withIncidentKeys } from './incident.ts';

export interface RemediationResult {
  action: 'reboot' | 'replace';
  status: 'requested' | 'hyperpod-acting' | 'awaiting-hyperpod';
  requestedAt: string;
  attempt: number;
  detail?: string;
}

export const requestRemediation = async (raw: unknown, deps: TaskDeps): Promise<RemediationResult> => {
  const state = parseIncident(raw, 'RequestRemediation');
  withIncidentKeys(deps, state);
  const node = incidentNode(state);
  const action = state.decision.action;
  if (action !== 'reboot' && action !== 'replace') {
    throw new PolicyViolationError(`decision ${action} does not remediate a node`);
  }
  // Observe mode never gets here (Admit skips), but a hand-edited input must not act either.
  if (state.decision.mode !== 'act' || state.decision.outcome !== 'proceed') {
    throw new PolicyViolationError(`incident ${state.incidentId} was not admitted for action`);
  }
  const attempt = (state.remediation?.attempt ?? 0) + 1;
  const requestedAt = deps.now();

  if (state.decision.remediation === 'await-hyperpod') {
    await recordAction(deps, state, 'awaiting-hyperpod', { action, attempt });
    return { action, status: 'awaiting-hyperpod', requestedAt, attempt };
  }

  const call = action === 'reboot' ? deps.clusterNodes.rebootNodes : deps.clusterNodes.replaceNodes;
  const result = await call.call(deps.clusterNodes, state.clusterName, [node.instanceId]);
  const failure = result.failed.find((f) => f.instanceId === node.instanceId);
  if (failure) {
    switch (failure.code) {
      case 'InstanceIdInUse':
        await recordAction(deps, state, 'remediation-already-in-progress', {
          action,
          code: failure.code,
          message: failure.message,
        });
        deps.metrics.count('RemediationAlreadyInProgress');
        return { action, status: 'hyperpod-acting', requestedAt, attempt, detail: failure.message };
      case 'InvalidInstanceStatus':
        throw new NodeBusyError(
          `SageMaker refused to ${action} ${node.instanceId} now: ${failure.message ?? failure.code}`,
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
  const history = await deps.ledger.getNodeHistory(state.clusterName, node.instanceId);
  await deps.ledger.putNodeHistory(
    state.clusterName,
    node.instanceId,
    recordRemediation(history, action, state.incidentId, requestedAt, deps.config.policy),
  );
  await recordAction(deps, state, 'remediation-requested', { action, attempt });
  deps.metrics.count('RemediationRequested', { action });
  return { action, status: 'requested', requestedAt, attempt };
};
