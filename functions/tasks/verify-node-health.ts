/**
 * VerifyNodeHealth: proves the node that came back. Today it checks what the Kubernetes API
 * shows — Ready and every GPU of its capacity allocatable — and otherwise says honestly that the
 * node was NOT verified by health checks (the quick/full health-check machine replaces this).
 */
import type { TaskDeps } from './deps.ts';
import { parseIncident, recordAction, withIncidentKeys } from './incident.ts';

export interface VerificationResult {
  status: 'passed' | 'failed' | 'not-verified';
  reason: string;
  nodeName?: string;
  gpus?: { capacity: number; allocatable: number };
}

const GPU = 'nvidia.com/gpu';

export const verifyNodeHealth = async (raw: unknown, deps: TaskDeps): Promise<VerificationResult> => {
  const state = parseIncident(raw, 'VerifyNodeHealth');
  withIncidentKeys(deps, state);
  const back = state.await?.node ?? state.node;
  let result: VerificationResult;
  if (!back?.nodeName) {
    result = { status: 'not-verified', reason: 'no Kubernetes node to verify' };
  } else {
    const kube = await deps.kubeFor(state.eksClusterName);
    const node = await kube.getNode(back.nodeName);
    const capacity = Number(node?.status?.capacity?.[GPU] ?? 0);
    const allocatable = Number(node?.status?.allocatable?.[GPU] ?? 0);
    if (!node)
      result = { status: 'failed', reason: `node ${back.nodeName} disappeared`, nodeName: back.nodeName };
    else if (allocatable < capacity) {
      result = {
        status: 'failed',
        reason: `only ${allocatable} of ${capacity} GPUs allocatable`,
        nodeName: back.nodeName,
        gpus: { capacity, allocatable },
      };
    } else {
      result = {
        status: 'not-verified',
        reason: `node Ready with ${allocatable}/${capacity} GPUs allocatable; no health-check run`,
        nodeName: back.nodeName,
        gpus: { capacity, allocatable },
      };
    }
  }
  await recordAction(deps, state, `verification-${result.status}`, { ...result });
  deps.metrics.count('NodeVerification', { status: result.status });
  return result;
};
