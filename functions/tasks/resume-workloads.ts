/**
 * ResumeWorkloads: unsuspends exactly what this incident suspended (or joined), once: only jobs
 * that carry our label with this incident among their holders. The last holder resumes; the
 * record lists each job with its suspend and resume times.
 */
import type { WorkloadRef } from '#domain/types.ts';
import { describeRef } from '#domain/workload-kinds.ts';
import type { IncidentState } from '#state-machines/node-recovery.contract.ts';
import type { TaskDeps } from './deps.ts';
import { countLatency, parseIncident, recordAction, withIncidentKeys } from './incident.ts';
import { workloadEvents } from './kube-events.ts';
import { type ResumeOutcome, resumeAll } from './workloads.ts';

export interface ResumeResult extends ResumeOutcome {
  at: string;
}

/** Shared with Escalate: jobs go back to waiting for capacity instead of staying suspended. */
export const resumeIncidentWorkloads = async (
  state: IncidentState,
  deps: TaskDeps,
): Promise<ResumeResult> => {
  const refs = [...(state.suspension?.suspended ?? []), ...(state.suspension?.joined ?? [])] as WorkloadRef[];
  if (refs.length === 0) {
    return { resumed: [], released: [], skipped: [], jobs: [], failed: [], at: deps.now() };
  }
  const kube = await deps.kubeFor(state.eksClusterName);
  const outcome = await resumeAll(kube, refs, state.incidentId, { now: deps.now() });
  const result = { ...outcome, at: deps.now() };
  const events = { incidentId: state.incidentId, at: result.at, instance: 'ResumeWorkloads' };
  await recordAction(deps, state, 'workloads-resumed', {
    resumed: outcome.resumed.map(describeRef),
    released: outcome.released.map(describeRef),
    skipped: outcome.skipped.map((s) => `${describeRef(s.ref)}: ${s.reason}`),
    jobs: outcome.jobs,
    ...(outcome.failed.length > 0
      ? {
          failed: outcome.failed.map((f) => ({
            ref: describeRef(f.ref),
            error: f.error,
            message: f.message,
          })),
        }
      : {}),
  });
  if (outcome.failed.length > 0) {
    deps.metrics.count('WorkloadsNotResumed', {}, outcome.failed.length);
    deps.logger.error('workloads could not be resumed', {
      failed: outcome.failed.map((f) => `${describeRef(f.ref)}: ${f.error}: ${f.message}`),
    });
  }
  deps.metrics.count('WorkloadsResumed', {}, outcome.resumed.length);
  if (outcome.resumed.length > 0) countLatency(deps, state, 'TimeToResume');
  await workloadEvents(deps, kube, { ...events, resumed: outcome.resumed });
  return result;
};

export const resumeWorkloads = async (raw: unknown, deps: TaskDeps): Promise<ResumeResult> => {
  const state = parseIncident(raw, 'ResumeWorkloads');
  withIncidentKeys(deps, state);
  return resumeIncidentWorkloads(state, deps);
};
