/** ResumeWorkloads: unsuspends exactly what this incident suspended (or joined), once. */
import type { WorkloadRef } from '#domain/types.ts';
import type { IncidentState } from '#state-machines/node-recovery.contract.ts';
import type { TaskDeps } from './deps.ts';
import { parseIncident, recordAction, withIncidentKeys } from './incident.ts';
import { type ResumeOutcome, resumeAll } from './workloads.ts';

export interface ResumeResult extends ResumeOutcome {
  at: string;
}

const refName = (ref: WorkloadRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`;

/** Shared with Escalate: jobs go back to waiting for capacity instead of staying suspended. */
export const resumeIncidentWorkloads = async (
  state: IncidentState,
  deps: TaskDeps,
): Promise<ResumeResult> => {
  const refs = [...(state.suspension?.suspended ?? []), ...(state.suspension?.joined ?? [])] as WorkloadRef[];
  if (refs.length === 0) return { resumed: [], released: [], skipped: [], at: deps.now() };
  const kube = await deps.kubeFor(state.eksClusterName);
  const outcome = await resumeAll(kube, refs, state.incidentId);
  const result = { ...outcome, at: deps.now() };
  await recordAction(deps, state, 'workloads-resumed', {
    resumed: outcome.resumed.map(refName),
    released: outcome.released.map(refName),
    skipped: outcome.skipped.map((s) => `${refName(s.ref)}: ${s.reason}`),
  });
  deps.metrics.count('WorkloadsResumed', {}, outcome.resumed.length);
  return result;
};

export const resumeWorkloads = async (raw: unknown, deps: TaskDeps): Promise<ResumeResult> => {
  const state = parseIncident(raw, 'ResumeWorkloads');
  withIncidentKeys(deps, state);
  return resumeIncidentWorkloads(state, deps);
};
