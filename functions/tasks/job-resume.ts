/**
 * The `job-resume` tasks (a person resumes jobs we suspended) and the leftover-suspension sweep.
 *
 * A manual resume releases EVERY incident that holds a job: the person decided. Incidents still
 * running find the job no longer ours and leave it alone, so it is still resumed exactly once.
 * Only jobs that carry our label are touched; anything else is skipped `not-suspended-by-us`.
 */
import type { KubeApi } from '#adapters/ports.ts';
import { requireCluster } from '#contracts/clusters.ts';
import { InvalidInputError, KueueWorkloadUnavailableError } from '#contracts/errors.ts';
import type { WorkloadKind, WorkloadRef } from '#domain/types.ts';
import { describeRef, WORKLOAD_KINDS } from '#domain/workload-kinds.ts';
import {
  type HolderIncident,
  SUSPENDED_AT_ANNOTATION,
  SUSPENDED_LABEL,
  staleHolders,
  suspendedIncidentIds,
} from '#domain/workload-suspension.ts';
import {
  type JobResumeFunction,
  JobResumeFunctions,
  type JobResumeOutput,
  type JobResumePlan,
  jobResumeInputSchema,
  planJobResumeInputSchema,
  type ResumeJobResult,
  recordJobResumeInputSchema,
  resumeJobInputSchema,
} from '#state-machines/job-resume.contract.ts';
import type { Task, TaskDeps } from './deps.ts';
import { parseInput } from './parse.ts';
import { releaseAll } from './workloads.ts';

const KINDS = Object.keys(WORKLOAD_KINDS) as WorkloadKind[];

/** Every workload we hold suspended in the cluster (server-side selection on our label). */
export const listOurSuspensions = async (kube: KubeApi): Promise<{ ref: WorkloadRef; object: unknown }[]> => {
  const found: { ref: WorkloadRef; object: unknown }[] = [];
  for (const kind of KINDS) {
    for (const object of await kube.listWorkloads(kind, { labelSelector: `${SUSPENDED_LABEL}=true` })) {
      found.push({
        ref: {
          kind,
          apiVersion: WORKLOAD_KINDS[kind].apiVersion,
          namespace: object.metadata.namespace ?? 'default',
          name: object.metadata.name,
          ...(object.metadata.uid ? { uid: object.metadata.uid } : {}),
        },
        object,
      });
    }
  }
  return found;
};

/** PlanJobResume: validates the console input and lists the jobs to resume. */
export const planJobResume = async (raw: unknown, deps: TaskDeps): Promise<JobResumePlan> => {
  const { input, executionName, startedAt } = parseInput(
    planJobResumeInputSchema,
    raw,
    'PlanJobResume input',
  );
  const request = parseInput(jobResumeInputSchema, input, 'job-resume request');
  const cluster = requireCluster(deps.config, request.clusterName);
  deps.logger.appendKeys?.({ clusterName: cluster.name, requestId: executionName });
  let targets: WorkloadRef[];
  if (request.jobs) {
    targets = request.jobs.map((job) => ({
      kind: job.kind,
      apiVersion: WORKLOAD_KINDS[job.kind].apiVersion,
      namespace: job.namespace,
      name: job.name,
    }));
    const unique = new Set(targets.map(describeRef));
    if (unique.size !== targets.length) {
      throw new InvalidInputError('invalid job-resume request', [
        { path: 'jobs', message: 'a job is listed twice' },
      ]);
    }
  } else {
    const kube = await deps.kubeFor(cluster.eksClusterName);
    targets = (await listOurSuspensions(kube)).map((s) => s.ref);
  }
  deps.logger.info('job-resume planned', {
    targets: targets.map(describeRef),
    mode: request.jobs ? 'jobs' : 'all',
  });
  return {
    requestId: executionName,
    startedAt,
    clusterName: cluster.name,
    eksClusterName: cluster.eksClusterName,
    mode: request.jobs ? 'jobs' : 'all',
    reason: request.reason,
    requestedBy: request.requestedBy,
    targets,
  };
};

/** Adds an action to each released incident's record (if it has one). */
const noteOnIncidents = async (
  deps: TaskDeps,
  clusterName: string,
  incidentIds: readonly string[],
  type: string,
  detail: Record<string, unknown>,
): Promise<void> => {
  for (const incidentId of incidentIds) {
    if (!(await deps.ledger.getIncident(clusterName, incidentId))) continue;
    await deps.ledger.updateIncident(clusterName, incidentId, {
      actions: [{ type, at: deps.now(), detail }],
    });
  }
};

/** ResumeJob: one job of the request; every holder released, so the job runs again now. */
export const resumeJob = async (raw: unknown, deps: TaskDeps): Promise<ResumeJobResult> => {
  const input = parseInput(resumeJobInputSchema, raw, 'ResumeJob input');
  const ref = input.ref as WorkloadRef;
  const kube = await deps.kubeFor(input.eksClusterName);
  const now = deps.now();
  const outcome = await releaseAll(kube, [ref], 'all', { now });
  // A Kueue-managed job whose Workload cannot be read stays suspended: this item fails, with why.
  const failed = outcome.failed[0];
  if (failed) throw new KueueWorkloadUnavailableError(failed.message, { details: { job: describeRef(ref) } });
  const resumed = outcome.jobs[0];
  if (!resumed) {
    const reason = outcome.skipped[0]?.reason ?? 'not-suspended-by-us';
    return { ref, outcome: 'skipped', reason };
  }
  await noteOnIncidents(deps, input.clusterName, resumed.incidents, 'workloads-resumed-manually', {
    job: resumed.ref,
    requestId: input.requestId,
    requestedBy: input.requestedBy,
    reason: input.reason,
  });
  deps.metrics.count('WorkloadsResumed', { trigger: 'manual' }, 1);
  return {
    ref,
    outcome: 'resumed',
    method: resumed.method,
    ...(resumed.suspendedAt ? { suspendedAt: resumed.suspendedAt } : {}),
    resumedAt: resumed.resumedAt,
    incidents: resumed.incidents,
  };
};

/** RecordJobResume: the request and each job's outcome go to the ledger; people are told. */
export const recordJobResume = async (raw: unknown, deps: TaskDeps): Promise<JobResumeOutput> => {
  const input = parseInput(recordJobResumeInputSchema, raw, 'RecordJobResume input');
  const count = (outcome: ResumeJobResult['outcome']) =>
    input.results.filter((r) => r.outcome === outcome).length;
  const [resumed, skipped, failed] = [count('resumed'), count('skipped'), count('failed')];
  const status: JobResumeOutput['status'] =
    failed > 0 ? 'incomplete' : resumed > 0 ? 'resumed' : 'nothing-to-resume';
  const now = deps.now();
  const lines = input.results.map((r) => {
    const name = describeRef(r.ref);
    if (r.outcome === 'failed') return `${name}: FAILED (${r.error?.Error ?? 'error'})`;
    if (r.outcome === 'skipped') return `${name}: skipped (${r.reason ?? ''})`;
    return `${name}: resumed (suspended since ${r.suspendedAt ?? 'unknown'}, held by ${(r.incidents ?? []).join(', ')})`;
  });
  await deps.ledger.createIncident({
    incidentId: input.requestId,
    clusterName: input.clusterName,
    executionName: input.requestId,
    trigger: {
      kind: 'job-resume',
      mode: input.mode,
      reason: input.reason,
      requestedBy: input.requestedBy,
      jobs: input.targets.map(describeRef),
    },
    status: status === 'incomplete' ? 'needs-attention' : 'resolved',
    outcome: `job-resume-${status}`,
    startedAt: input.startedAt,
    endedAt: now,
    actions: [
      { type: 'jobs-resumed', at: now, detail: { resumed, skipped, failed, results: input.results } },
    ],
  });
  await deps.notifier.notify({
    severity: status === 'incomplete' ? 'warning' : 'info',
    clusterName: input.clusterName,
    incidentId: input.requestId,
    subject: `hyperpod-resilience: job-resume on ${input.clusterName}: ${resumed} resumed, ${failed} failed`,
    message: [
      `${input.requestedBy} asked to resume ${input.mode === 'all' ? 'every job we held suspended' : 'jobs'}: ${input.reason}`,
      ...(lines.length > 0 ? lines : ['No job was held suspended by hyperpod-resilience.']),
    ].join('\n'),
  });
  deps.metrics.count('JobResumeRequests', { status });
  return { requestId: input.requestId, status, resumed, skipped, failed };
};

export const jobResumeTasks: Record<JobResumeFunction, Task<unknown>> = {
  [JobResumeFunctions.planJobResume]: planJobResume,
  [JobResumeFunctions.resumeJob]: resumeJob,
  [JobResumeFunctions.recordJobResume]: recordJobResume,
};

// ------------------------------------------------------------------------------------------
// Leftover suspensions (the sweep calls this)

export interface LeftoverSweepResult {
  /** Workloads carrying our label. */
  examined: number;
  /** Resumed: no live holder was left. */
  resumed: string[];
  /** Stale holders removed, live ones still hold the job. */
  released: string[];
  /** Per job: the holders found stale. */
  stale: { job: string; holders: string[] }[];
}

/**
 * Finds suspensions left behind by incidents that ended without resuming (or whose execution
 * died) and lets go of them: stale holders are released, and a job without live holders is
 * resumed. A holder is stale when its incident record is closed, open for longer than
 * `workloads.staleSuspensionMinutes`, or missing while the suspension is that old.
 */
export const resumeLeftoverSuspensions = async (
  deps: TaskDeps,
  clusterName: string,
): Promise<LeftoverSweepResult> => {
  const cluster = requireCluster(deps.config, clusterName);
  const kube = await deps.kubeFor(cluster.eksClusterName);
  const now = deps.now();
  const result: LeftoverSweepResult = { examined: 0, resumed: [], released: [], stale: [] };
  const incidents = new Map<string, HolderIncident | undefined>();
  for (const { ref, object } of await listOurSuspensions(kube)) {
    result.examined += 1;
    const obj = object as Parameters<typeof suspendedIncidentIds>[0];
    const holders = suspendedIncidentIds(obj);
    for (const id of holders) {
      if (incidents.has(id)) continue;
      const record = await deps.ledger.getIncident(cluster.name, id);
      incidents.set(id, record ? { status: record.status, startedAt: record.startedAt } : undefined);
    }
    const suspendedAt = obj.metadata.annotations?.[SUSPENDED_AT_ANNOTATION];
    // A label without any readable holder is ours and abandoned: release everyone.
    const stale =
      holders.length === 0
        ? 'all'
        : staleHolders(holders, incidents, {
            ...(suspendedAt ? { suspendedAt } : {}),
            now,
            staleAfterMinutes: deps.config.policy.workloads.staleSuspensionMinutes,
          });
    if (stale !== 'all' && stale.length === 0) continue;
    const outcome = await releaseAll(kube, [ref], stale, { now });
    const job = describeRef(ref);
    for (const f of outcome.failed)
      deps.logger.error('leftover suspension not released', { job, error: f.error, message: f.message });
    result.stale.push({ job, holders: stale === 'all' ? [] : stale });
    if (outcome.resumed.length > 0) result.resumed.push(job);
    else if (outcome.released.length > 0) result.released.push(job);
    await noteOnIncidents(deps, cluster.name, stale === 'all' ? [] : stale, 'workloads-resumed-by-sweep', {
      job,
      outcome: outcome.resumed.length > 0 ? 'resumed' : 'released',
    });
  }
  if (result.resumed.length > 0)
    deps.metrics.count('WorkloadsResumed', { trigger: 'sweep' }, result.resumed.length);
  deps.logger.info('leftover suspensions swept', { ...result });
  return result;
};
