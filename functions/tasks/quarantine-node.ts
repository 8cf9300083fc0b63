/**
 * QuarantineNode: cordon + `hyperpod-resilience.io/quarantine` taint + annotations stamped with
 * the incident, in one patch guarded by the node's resourceVersion (a concurrent writer makes
 * the patch fail and the state machine retry on fresh data). Idempotent.
 */
import { planQuarantine, QUARANTINE_TAINT_KEY } from '#domain/quarantine.ts';
import type { TaskDeps } from './deps.ts';
import { countLatency, incidentNode, parseIncident, recordAction, withIncidentKeys } from './incident.ts';
import { nodeEvent } from './kube-events.ts';

export interface QuarantineResult {
  status: 'quarantined' | 'already-quarantined' | 'no-kubernetes-node';
  nodeName?: string;
  at: string;
}

export const quarantineNode = async (raw: unknown, deps: TaskDeps): Promise<QuarantineResult> => {
  const state = parseIncident(raw, 'QuarantineNode');
  withIncidentKeys(deps, state);
  const node = incidentNode(state);
  const at = deps.now();
  const kube = await deps.kubeFor(state.eksClusterName);
  const current = node.nodeName ? await kube.getNode(node.nodeName) : undefined;
  if (!current) {
    await recordAction(deps, state, 'quarantine-skipped', { reason: 'no Kubernetes node for the instance' });
    return { status: 'no-kubernetes-node', at };
  }
  const plan = planQuarantine(current, { incidentId: state.incidentId, reason: state.fault.code, now: at });
  if (!plan.alreadyQuarantined) {
    await kube.patchNode(current.metadata.name, plan.patch, {
      resourceVersion: current.metadata.resourceVersion,
    });
  }
  const message =
    plan.quarantinedBy === state.incidentId
      ? `cordoned and tainted ${QUARANTINE_TAINT_KEY} (${state.fault.code})`
      : `already quarantined by incident ${plan.quarantinedBy} (${state.fault.code})`;
  const event = { incidentId: state.incidentId, at, instance: 'QuarantineNode', message };
  await recordAction(deps, state, 'quarantined', {
    nodeName: current.metadata.name,
    already: plan.alreadyQuarantined,
  });
  deps.metrics.count('NodeQuarantined');
  countLatency(deps, state, 'TimeToQuarantine');
  await nodeEvent(deps, kube, current, { reason: 'NodeQuarantined', type: 'Warning', ...event });
  return {
    status: plan.alreadyQuarantined ? 'already-quarantined' : 'quarantined',
    nodeName: current.metadata.name,
    at,
  };
};
