/**
 * SuspendWorkloads: every job with a live pod on the node is suspended as a whole (the surviving
 * ranks would otherwise hang until the NCCL timeout), once, and marked as suspended by us, with
 * the nodes it ran on. A job another incident already suspended while it ran on this node too is
 * joined, so it resumes only after both nodes are dealt with. The
 * pods that belong to no job are drained through the eviction API. Jobs that HyperPod job
 * auto-resume restarts are left to HyperPod (unless the policy says otherwise); a job that carries
 * the annotation but that HyperPod will not resume is ours; the incident record says which and
 * why. A Kueue-managed job whose Workload cannot be read is recorded as failed, with the reason.
 */
import { describeRef } from '#domain/workload-kinds.ts';
import type { TaskDeps } from './deps.ts';
import { drainPods, type PodDrainOutcome } from './evict-pods.ts';
import { countLatency, incidentNode, parseIncident, recordAction, withIncidentKeys } from './incident.ts';
import { workloadEvents } from './kube-events.ts';
import { discoverWorkloads, type SuspendOutcome, suspendAll } from './workloads.ts';

export interface SuspendResult extends SuspendOutcome {
  unmanagedPods: string[];
  /** Jobs left to HyperPod job auto-resume (`Kind/namespace/name`). */
  leftToHyperPod: string[];
  /** What happened to the pods that belong to no job; absent when eviction is off or none ran there. */
  pods?: PodDrainOutcome;
  at: string;
}

export const suspendWorkloads = async (raw: unknown, deps: TaskDeps): Promise<SuspendResult> => {
  const state = parseIncident(raw, 'SuspendWorkloads');
  withIncidentKeys(deps, state);
  const node = incidentNode(state);
  const at = deps.now();
  const empty: SuspendResult = {
    suspended: [],
    joined: [],
    skipped: [],
    jobs: [],
    autoResume: [],
    failed: [],
    unmanagedPods: [],
    leftToHyperPod: [],
    at,
  };
  if (!node.nodeName) return empty;
  const kube = await deps.kubeFor(state.eksClusterName);
  const { workloads, held, nodesOf, unmanagedPods, pods } = await discoverWorkloads(kube, node.nodeName);
  const policy = deps.config.policy.workloads;
  const optOutAnnotation = deps.config.policy.workloadOptOutAnnotation;
  const outcome: SuspendOutcome = policy.suspend
    ? await suspendAll(kube, [...workloads, ...held], {
        incidentId: state.incidentId,
        now: at,
        optOutAnnotation,
        respectAutoResume: policy.respectHyperPodAutoResume,
        kueue: policy.kueue,
        perRef: {
          ...Object.fromEntries(Object.entries(nodesOf).map(([key, nodes]) => [key, { nodes }])),
          // Suspended earlier by another incident while running here: this incident holds it too.
          ...Object.fromEntries(held.map((ref) => [describeRef(ref), { joinOnly: true }])),
        },
      })
    : {
        suspended: [],
        joined: [],
        skipped: workloads.map((ref) => ({ ref, reason: 'suspension-disabled' })),
        jobs: [],
        autoResume: [],
        failed: [],
      };
  const drained =
    policy.eviction.enabled && pods.length > 0
      ? await drainPods(kube, node.nodeName, pods, {
          optOutAnnotation,
          eviction: policy.eviction,
          now: deps.now,
        })
      : undefined;
  const leftToHyperPod = outcome.skipped
    .filter((s) => s.reason === 'hyperpod-auto-resume')
    .map((s) => describeRef(s.ref));
  const result: SuspendResult = {
    ...outcome,
    unmanagedPods,
    leftToHyperPod,
    ...(drained ? { pods: drained } : {}),
    at: deps.now(),
  };
  const events = { incidentId: state.incidentId, at, instance: 'SuspendWorkloads', node: node.nodeName };
  await recordAction(deps, state, 'workloads-suspended', {
    suspended: outcome.suspended.map(describeRef),
    joined: outcome.joined.map(describeRef),
    skipped: outcome.skipped.map((s) => `${describeRef(s.ref)}: ${s.reason}`),
    jobs: outcome.jobs,
    ...(leftToHyperPod.length > 0
      ? {
          leftToHyperPod,
          note: `${leftToHyperPod.length} job(s) left to HyperPod job auto-resume (sagemaker.amazonaws.com/enable-job-auto-resume), not suspended; see autoResume for the conditions not verifiable from the job`,
        }
      : {}),
    // Which jobs with the annotation HyperPod restarts and which we do, and why (incl. unverified conditions).
    ...(outcome.autoResume.length > 0 ? { autoResume: outcome.autoResume } : {}),
    ...(outcome.failed.length > 0
      ? {
          failed: outcome.failed.map((f) => ({
            ref: describeRef(f.ref),
            error: f.error,
            message: f.message,
          })),
        }
      : {}),
    unmanagedPods,
    ...(drained
      ? {
          pods: {
            evicted: drained.evicted,
            forceDeleted: drained.forceDeleted,
            remaining: drained.remaining.map((r) => `${r.pod}: ${r.reason}`),
            skipped: drained.skipped.map((s) => `${s.pod}: ${s.reason}`),
          },
        }
      : {}),
  });
  deps.metrics.count('WorkloadsSuspended', {}, outcome.suspended.length);
  if (outcome.suspended.length + outcome.joined.length > 0) countLatency(deps, state, 'TimeToSuspend');
  await workloadEvents(deps, kube, { ...events, suspended: outcome.suspended, joined: outcome.joined });
  if (leftToHyperPod.length > 0) {
    deps.metrics.count('WorkloadsLeftToHyperPod', {}, leftToHyperPod.length);
  }
  if (outcome.failed.length > 0) {
    deps.metrics.count('WorkloadsNotSuspended', {}, outcome.failed.length);
    deps.logger.error('workloads could not be suspended', {
      failed: outcome.failed.map((f) => `${describeRef(f.ref)}: ${f.error}: ${f.message}`),
    });
  }
  if (drained) {
    deps.metrics.count('PodsEvicted', {}, drained.evicted.length);
    if (drained.forceDeleted.length > 0)
      deps.metrics.count('PodsForceDeleted', {}, drained.forceDeleted.length);
    if (drained.remaining.length > 0) deps.metrics.count('PodsNotDrained', {}, drained.remaining.length);
  }
  return result;
};
