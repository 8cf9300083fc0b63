/**
 * SuspendWorkloads: every job with a live pod on the node is suspended as a whole (the surviving
 * ranks would otherwise hang until the NCCL timeout), once, and marked as suspended by us.
 */
import type { TaskDeps } from './deps.ts';
import { incidentNode, parseIncident, recordAction, withIncidentKeys } from './incident.ts';
import { discoverWorkloads, type SuspendOutcome, suspendAll } from './workloads.ts';

export interface SuspendResult extends SuspendOutcome {
  unmanagedPods: string[];
  at: string;
}

export const suspendWorkloads = async (raw: unknown, deps: TaskDeps): Promise<SuspendResult> => {
  const state = parseIncident(raw, 'SuspendWorkloads');
  withIncidentKeys(deps, state);
  const node = incidentNode(state);
  const at = deps.now();
  const empty: SuspendResult = { suspended: [], joined: [], skipped: [], unmanagedPods: [], at };
  if (!node.nodeName) return empty;
  const kube = await deps.kubeFor(state.eksClusterName);
  const { workloads, unmanagedPods } = await discoverWorkloads(kube, node.nodeName);
  const workloadPolicy = deps.config.policy.workloads;
  const outcome = workloadPolicy.suspend
    ? await suspendAll(kube, workloads, {
        incidentId: state.incidentId,
        now: at,
        optOutAnnotation: deps.config.policy.workloadOptOutAnnotation,
        respectAutoResume: workloadPolicy.respectHyperPodAutoResume,
      })
    : {
        suspended: [],
        joined: [],
        skipped: workloads.map((ref) => ({ ref, reason: 'suspension-disabled' })),
      };
  const result: SuspendResult = { ...outcome, unmanagedPods, at: deps.now() };
  await recordAction(deps, state, 'workloads-suspended', {
    suspended: outcome.suspended.map((ref) => `${ref.kind}/${ref.namespace}/${ref.name}`),
    joined: outcome.joined.map((ref) => `${ref.kind}/${ref.namespace}/${ref.name}`),
    skipped: outcome.skipped.map((s) => `${s.ref.kind}/${s.ref.namespace}/${s.ref.name}: ${s.reason}`),
    unmanagedPods,
  });
  deps.metrics.count('WorkloadsSuspended', {}, outcome.suspended.length);
  return result;
};
