/**
 * RestoreNode: lifts our quarantine from a node that came back — only our taint and annotations,
 * and the cordon only if we made it. A replaced node is gone with its quarantine; its successor
 * was never quarantined.
 */
import { planRestore } from '#domain/quarantine.ts';
import type { TaskDeps } from './deps.ts';
import { incidentNode, parseIncident, recordAction, withIncidentKeys } from './incident.ts';
import { nodeEvent } from './kube-events.ts';

export interface RestoreResult {
  status: 'restored' | 'kept-cordon' | 'nothing-to-restore' | 'node-replaced';
  nodeName?: string;
}

export const restoreNode = async (raw: unknown, deps: TaskDeps): Promise<RestoreResult> => {
  const state = parseIncident(raw, 'RestoreNode');
  withIncidentKeys(deps, state);
  const node = incidentNode(state);
  const back = state.await?.node;
  let result: RestoreResult;
  if (back && back.instanceId !== node.instanceId) {
    result = { status: 'node-replaced', nodeName: back.nodeName };
  } else if (!node.nodeName) {
    result = { status: 'nothing-to-restore' };
  } else {
    const kube = await deps.kubeFor(state.eksClusterName);
    const current = await kube.getNode(node.nodeName);
    const plan = current ? planRestore(current, state.incidentId) : undefined;
    if (!current || !plan?.changed) {
      result = { status: 'nothing-to-restore', nodeName: node.nodeName };
    } else {
      await kube.patchNode(current.metadata.name, plan.patch, {
        resourceVersion: current.metadata.resourceVersion,
      });
      result = { status: plan.keptCordon ? 'kept-cordon' : 'restored', nodeName: node.nodeName };
      const message = plan.keptCordon ? 'quarantine lifted; cordon kept (not ours)' : 'quarantine lifted';
      const event = { incidentId: state.incidentId, at: deps.now(), instance: 'RestoreNode', message };
      await nodeEvent(deps, kube, current, { reason: 'NodeRestored', type: 'Normal', ...event });
    }
  }
  await recordAction(deps, state, 'node-restored', { ...result });
  return result;
};
