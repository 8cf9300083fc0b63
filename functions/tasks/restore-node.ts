/**
 * RestoreNode: lifts our quarantine from a node that came back — only our taint and annotations,
 * and the cordon only if we made it. A replaced node is gone with its quarantine; its successor
 * was never quarantined.
 *
 * When the incident promoted a hot spare (docs/design/hot-spares.md), the node that came back (or
 * its replacement) takes the spare's place: the same patch that lifts the quarantine marks it a
 * `ready` spare (pool taint, label, since, how it was verified), so it never returns to general
 * scheduling in between.
 */
import type { KubeApi } from '#adapters/ports.ts';
import { EventReasons } from '#domain/kube-events.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import { isQuarantinedByUs, planRestore } from '#domain/quarantine.ts';
import { planJoinPool, spareVerification } from '#domain/spare-promotion.ts';
import type { MergePatch } from '#domain/types.ts';
import type { TaskDeps } from './deps.ts';
import { incidentNode, parseIncident, recordAction, withIncidentKeys } from './incident.ts';
import { nodeEvent } from './kube-events.ts';

export interface RestoreResult {
  status: 'restored' | 'kept-cordon' | 'nothing-to-restore' | 'node-replaced';
  nodeName?: string;
  /** The node that joined the spare pool in place of the promoted spare. */
  joinedPool?: { nodeName: string; verified: string };
}

const patchAndTell = async (
  deps: TaskDeps,
  kube: KubeApi,
  node: KubeNode,
  patch: MergePatch,
  event: { incidentId: string; message: string },
): Promise<void> => {
  await kube.patchNode(node.metadata.name, patch, { resourceVersion: node.metadata.resourceVersion });
  await nodeEvent(deps, kube, node, {
    reason: EventReasons.NodeRestored,
    type: 'Normal',
    at: deps.now(),
    instance: 'RestoreNode',
    ...event,
  });
};

export const restoreNode = async (raw: unknown, deps: TaskDeps): Promise<RestoreResult> => {
  const state = parseIncident(raw, 'RestoreNode');
  withIncidentKeys(deps, state);
  const node = incidentNode(state);
  const back = state.await?.node;
  const joinsPool = state.promotion?.status === 'promoted';
  const spare = { now: deps.now(), verified: spareVerification(state.verification?.status) };
  const joined = (nodeName: string) => ({ nodeName, verified: spare.verified });
  let result: RestoreResult;
  if (back && back.instanceId !== node.instanceId) {
    result = { status: 'node-replaced', ...(back.nodeName ? { nodeName: back.nodeName } : {}) };
    const kube = joinsPool && back.nodeName ? await deps.kubeFor(state.eksClusterName) : undefined;
    const replacement = kube && back.nodeName ? await kube.getNode(back.nodeName) : undefined;
    if (kube && replacement) {
      await patchAndTell(deps, kube, replacement, planJoinPool(replacement, {}, spare), {
        incidentId: state.incidentId,
        message: `replacement joined the spare pool (${spare.verified}) in place of the promoted spare`,
      });
      result.joinedPool = joined(replacement.metadata.name);
    }
  } else if (!node.nodeName) {
    result = { status: 'nothing-to-restore' };
  } else {
    const kube = await deps.kubeFor(state.eksClusterName);
    const current = await kube.getNode(node.nodeName);
    const plan = current ? planRestore(current, state.incidentId) : undefined;
    // Another incident's quarantine stays, and so the node does not join the pool yet.
    const heldByOther = current
      ? isQuarantinedByUs(current) && !isQuarantinedByUs(current, state.incidentId)
      : true;
    if (current && plan && joinsPool && !heldByOther) {
      await patchAndTell(deps, kube, current, planJoinPool(current, plan.patch, spare), {
        incidentId: state.incidentId,
        message: `quarantine lifted; joined the spare pool (${spare.verified}) in place of the promoted spare`,
      });
      result = {
        status: plan.keptCordon ? 'kept-cordon' : 'restored',
        nodeName: node.nodeName,
        joinedPool: joined(node.nodeName),
      };
    } else if (!current || !plan?.changed) {
      result = { status: 'nothing-to-restore', nodeName: node.nodeName };
    } else {
      await patchAndTell(deps, kube, current, plan.patch, {
        incidentId: state.incidentId,
        message: plan.keptCordon ? 'quarantine lifted; cordon kept (not ours)' : 'quarantine lifted',
      });
      result = { status: plan.keptCordon ? 'kept-cordon' : 'restored', nodeName: node.nodeName };
    }
  }
  await recordAction(deps, state, 'node-restored', { ...result });
  return result;
};
