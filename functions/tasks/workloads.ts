/**
 * Finding and patching the workloads on a node, shared by SuspendWorkloads, ResumeWorkloads and
 * Escalate. Every patch is guarded by resourceVersion and re-planned on a conflict, so two
 * incidents on two nodes of one job suspend it once and resume it once.
 */
import type { KubeApi } from '#adapters/ports.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';
import type { WorkloadRef } from '#domain/types.ts';
import { nextOwner, planResume, planSuspend, workloadRefFromOwner } from '#domain/workloads.ts';
import { ConcurrentUpdateError } from '#shared/errors.ts';

const MAX_OWNER_DEPTH = 4;
const MAX_CONFLICT_RETRIES = 5;

const refKey = (ref: WorkloadRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`;

/** Walks a pod's controller ownerReferences up to the top-level workload kind we can suspend. */
export const topLevelWorkload = async (kube: KubeApi, pod: KubePod): Promise<WorkloadRef | undefined> => {
  const namespace = pod.metadata.namespace ?? 'default';
  let owner = nextOwner(pod as KubeObject);
  let top: WorkloadRef | undefined;
  for (let depth = 0; owner && depth < MAX_OWNER_DEPTH; depth++) {
    const ref = workloadRefFromOwner(owner, namespace);
    if (!ref) break;
    top = ref;
    const object = await kube.getWorkload(ref);
    if (!object) break;
    owner = nextOwner(object);
  }
  return top;
};

export interface WorkloadDiscovery {
  workloads: WorkloadRef[];
  /** Pods on the node that belong to no job we manage (`namespace/name`). */
  unmanagedPods: string[];
}

export const discoverWorkloads = async (kube: KubeApi, nodeName: string): Promise<WorkloadDiscovery> => {
  const pods = await kube.listPods({ nodeName });
  const workloads = new Map<string, WorkloadRef>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const ref = await topLevelWorkload(kube, pod);
    if (ref) workloads.set(refKey(ref), ref);
    else unmanagedPods.push(`${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`);
  }
  return { workloads: [...workloads.values()], unmanagedPods };
};

type Plan = { action: string; reason?: string; patch?: Record<string, unknown> };

/** Reads, plans and patches one workload, re-reading on a resourceVersion conflict. */
const applyPlan = async (
  kube: KubeApi,
  ref: WorkloadRef,
  plan: (object: KubeObject) => Plan,
): Promise<Plan | { action: 'gone' }> => {
  for (let attempt = 0; ; attempt++) {
    const object = await kube.getWorkload(ref);
    if (!object) return { action: 'gone' };
    const decided = plan(object);
    if (!decided.patch) return decided;
    try {
      await kube.patchWorkload(ref, decided.patch, { resourceVersion: object.metadata.resourceVersion });
      return decided;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
};

export interface SuspendOutcome {
  suspended: WorkloadRef[];
  joined: WorkloadRef[];
  skipped: { ref: WorkloadRef; reason: string }[];
}

export const suspendAll = async (
  kube: KubeApi,
  refs: WorkloadRef[],
  options: { incidentId: string; now: string; optOutAnnotation: string; respectAutoResume: boolean },
): Promise<SuspendOutcome> => {
  const outcome: SuspendOutcome = { suspended: [], joined: [], skipped: [] };
  for (const ref of refs) {
    const result = await applyPlan(kube, ref, (object) => planSuspend(object, ref.kind, options));
    if (result.action === 'suspend') outcome.suspended.push(ref);
    else if (result.action === 'join') outcome.joined.push(ref);
    else
      outcome.skipped.push({
        ref,
        reason: 'reason' in result && result.reason ? result.reason : result.action,
      });
  }
  return outcome;
};

export interface ResumeOutcome {
  resumed: WorkloadRef[];
  released: WorkloadRef[];
  skipped: { ref: WorkloadRef; reason: string }[];
}

/** Resumes what this incident suspended; a job still held by another incident is only released. */
export const resumeAll = async (
  kube: KubeApi,
  refs: WorkloadRef[],
  incidentId: string,
): Promise<ResumeOutcome> => {
  const outcome: ResumeOutcome = { resumed: [], released: [], skipped: [] };
  for (const ref of refs) {
    const result = await applyPlan(kube, ref, (object) => planResume(object, ref.kind, incidentId));
    if (result.action === 'resume') outcome.resumed.push(ref);
    else if (result.action === 'release') outcome.released.push(ref);
    else
      outcome.skipped.push({
        ref,
        reason: 'reason' in result && result.reason ? result.reason : result.action,
      });
  }
  return outcome;
};
