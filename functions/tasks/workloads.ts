/**
 * Finding and patching the workloads on a node, shared by SuspendWorkloads, ResumeWorkloads,
 * Escalate, the `job-resume` machine and the sweep. Every job patch is guarded by resourceVersion
 * and re-planned on a conflict, so two incidents on two nodes of one job suspend it once and
 * resume it once. Kueue-managed jobs are stopped through their Kueue Workload (see
 * functions/domain/workloads.ts), whose patch follows the job patch.
 */
import type { KubeApi } from '#adapters/ports.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';
import type { WorkloadKind, WorkloadRef } from '#domain/types.ts';
import {
  describeRef,
  isKueueManaged,
  KUEUE_JOB_UID_LABEL,
  KUEUE_WORKLOAD,
  kueueWorkloadOf,
  nextOwner,
  type PodOwner,
  planRelease,
  planSuspend,
  type ResumePlan,
  SUSPENDED_AT_ANNOTATION,
  SUSPENDED_LABEL,
  type SuspendInput,
  type SuspendMethod,
  type SuspendPlan,
  suspendedNodes,
  WORKLOAD_KINDS,
  workloadRefFromOwner,
} from '#domain/workloads.ts';
import { ConcurrentUpdateError } from '#shared/errors.ts';

const MAX_OWNER_DEPTH = 5;
const MAX_CONFLICT_RETRIES = 5;

/** Kinds we read while walking owners (our RBAC allows `get` on exactly these plus the workload kinds). */
const WALKABLE_OWNERS = new Set(['apps/ReplicaSet', 'apps/Deployment', 'apps/StatefulSet']);

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

/** Memo of objects read during one discovery: 64 pods of one job cost one GET of the job. */
type ObjectCache = Map<string, Promise<KubeObject | undefined>>;

const cachedGet = (
  kube: KubeApi,
  cache: ObjectCache,
  ref: { apiVersion: string; kind: string; namespace: string; name: string },
): Promise<KubeObject | undefined> => {
  const key = `${ref.apiVersion}/${ref.kind}/${ref.namespace}/${ref.name}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = kube.getObject(ref);
    cache.set(key, hit);
  }
  return hit;
};

export interface PodOwnership {
  /** The top-most kind we can suspend in the pod's controller chain. */
  workload?: WorkloadRef;
  /** The top of the chain when no suspendable workload owns the pod. */
  owner?: PodOwner;
}

/**
 * Walks a pod's controller ownerReferences to the top: the highest suspendable workload (pod →
 * Job → JobSet gives the JobSet), or, for pods of no job, the top-level controller (pod →
 * ReplicaSet → Deployment gives the Deployment).
 */
export const podOwnership = async (
  kube: KubeApi,
  pod: KubePod,
  cache: ObjectCache = new Map(),
): Promise<PodOwnership> => {
  const namespace = pod.metadata.namespace ?? 'default';
  let owner = nextOwner(pod as KubeObject);
  let workload: WorkloadRef | undefined;
  let top: PodOwner | undefined;
  for (let depth = 0; owner && depth < MAX_OWNER_DEPTH; depth++) {
    const ref = workloadRefFromOwner(owner, namespace);
    const walkable = ref !== undefined || WALKABLE_OWNERS.has(`${groupOf(owner.apiVersion)}/${owner.kind}`);
    top = { kind: owner.kind, name: owner.name };
    if (ref) workload = ref;
    if (!walkable) break;
    const object = await cachedGet(kube, cache, {
      apiVersion: ref?.apiVersion ?? owner.apiVersion,
      kind: owner.kind,
      namespace,
      name: owner.name,
    });
    if (!object) break;
    if (object.metadata.annotations) top.annotations = object.metadata.annotations;
    owner = nextOwner(object);
  }
  return workload ? { workload } : top ? { owner: top } : {};
};

export interface UnmanagedPod {
  namespace: string;
  name: string;
  uid?: string;
  /** The pod, as listed (for the eviction plan). */
  pod: KubePod;
  owner?: PodOwner;
}

export interface WorkloadDiscovery {
  /** Workloads with a live pod on the node. */
  workloads: WorkloadRef[];
  /**
   * Workloads we already hold suspended that ran on this node when they were suspended: their
   * pods here are gone, yet this node's incident must hold them too.
   */
  held: WorkloadRef[];
  /** `Kind/namespace/name` → the nodes its live pods run on (remembered with the suspension). */
  nodesOf: Record<string, string[]>;
  /** Pods on the node that belong to no job we manage (`namespace/name`). */
  unmanagedPods: string[];
  /** The same pods with what the eviction plan needs. */
  pods: UnmanagedPod[];
}

/**
 * The workloads with a live pod on the node (each once, however many of its pods run there) and
 * the pods that belong to no job. Finished pods are ignored: a job with nothing running on the
 * node is never touched.
 */
export const discoverWorkloads = async (kube: KubeApi, nodeName: string): Promise<WorkloadDiscovery> => {
  const listed = await kube.listPods({ nodeName });
  const workloads = new Map<string, WorkloadRef>();
  const pods: UnmanagedPod[] = [];
  const cache: ObjectCache = new Map();
  for (const pod of listed) {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const { workload, owner } = await podOwnership(kube, pod, cache);
    if (workload) workloads.set(describeRef(workload), workload);
    else {
      pods.push({
        namespace: pod.metadata.namespace ?? 'default',
        name: pod.metadata.name,
        ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
        pod,
        ...(owner ? { owner } : {}),
      });
    }
  }
  return {
    workloads: [...workloads.values()],
    held: await heldForNode(kube, nodeName, workloads),
    nodesOf: await nodesOfWorkloads(kube, [...workloads.values()], cache),
    unmanagedPods: pods.map((p) => `${p.namespace}/${p.name}`),
    pods,
  };
};

/** Every node the live pods of each workload run on (one pod list per namespace). */
const nodesOfWorkloads = async (
  kube: KubeApi,
  refs: WorkloadRef[],
  cache: ObjectCache,
): Promise<Record<string, string[]>> => {
  const nodes: Record<string, Set<string>> = {};
  for (const namespace of new Set(refs.map((r) => r.namespace))) {
    for (const pod of await kube.listPods({ namespace })) {
      const node = pod.spec?.nodeName;
      if (!node || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      const { workload } = await podOwnership(kube, pod, cache);
      if (!workload) continue;
      const key = describeRef(workload);
      if (!nodes[key]) nodes[key] = new Set();
      nodes[key].add(node);
    }
  }
  return Object.fromEntries(
    refs.map((ref) => [describeRef(ref), [...(nodes[describeRef(ref)] ?? [])].sort()]),
  );
};

/** Our suspended workloads that remember running on this node (and have no pod on it now). */
const heldForNode = async (
  kube: KubeApi,
  nodeName: string,
  found: Map<string, WorkloadRef>,
): Promise<WorkloadRef[]> => {
  const held: WorkloadRef[] = [];
  for (const kind of Object.keys(WORKLOAD_KINDS) as WorkloadKind[]) {
    for (const object of await kube.listWorkloads(kind, { labelSelector: `${SUSPENDED_LABEL}=true` })) {
      const ref: WorkloadRef = {
        kind,
        apiVersion: WORKLOAD_KINDS[kind].apiVersion,
        namespace: object.metadata.namespace ?? 'default',
        name: object.metadata.name,
      };
      if (!found.has(describeRef(ref)) && suspendedNodes(object).includes(nodeName)) held.push(ref);
    }
  }
  return held;
};

/** The Kueue Workload of a job (listed by Kueue's job-uid label), null when there is none. */
const findKueueWorkload = async (kube: KubeApi, job: KubeObject): Promise<KubeObject | null> => {
  if (!job.metadata.uid) return null;
  const candidates = await kube.listObjects({
    apiVersion: KUEUE_WORKLOAD.apiVersion,
    kind: KUEUE_WORKLOAD.kind,
    namespace: job.metadata.namespace ?? 'default',
    labelSelector: `${KUEUE_JOB_UID_LABEL}=${job.metadata.uid}`,
  });
  return kueueWorkloadOf(job, candidates) ?? null;
};

type AnyPlan = SuspendPlan | ResumePlan;

const patchKueueWorkload = async (
  kube: KubeApi,
  workload: KubeObject | null,
  patch: Record<string, unknown>,
) => {
  if (!workload) return;
  // Unguarded: Kueue rewrites the Workload's status all the time, and `spec.active` is one
  // idempotent switch; the holders list on the job is what the resourceVersion guards.
  await kube.patchObject(
    {
      apiVersion: KUEUE_WORKLOAD.apiVersion,
      kind: KUEUE_WORKLOAD.kind,
      namespace: workload.metadata.namespace ?? 'default',
      name: workload.metadata.name,
    },
    patch,
  );
};

/**
 * Reads, plans and patches one workload, re-reading on a resourceVersion conflict. The Kueue
 * Workload is patched after the job, except on `resume`, where it is reactivated first (so our
 * label stays until the job really runs again).
 */
const applyPlan = async <P extends AnyPlan>(
  kube: KubeApi,
  ref: WorkloadRef,
  plan: (object: KubeObject, kueueWorkload: KubeObject | null | undefined) => P,
): Promise<{ plan: P; object: KubeObject } | { plan: { action: 'gone' } }> => {
  for (let attempt = 0; ; attempt++) {
    const object = await kube.getWorkload(ref);
    if (!object) return { plan: { action: 'gone' } };
    const kueueWorkload = isKueueManaged(object) ? await findKueueWorkload(kube, object) : undefined;
    const decided = plan(object, kueueWorkload);
    if (decided.action === 'skip') return { plan: decided, object };
    try {
      if (decided.action === 'resume' && decided.workloadPatch) {
        await patchKueueWorkload(kube, kueueWorkload ?? null, decided.workloadPatch);
      }
      await kube.patchWorkload(ref, decided.patch, { resourceVersion: object.metadata.resourceVersion });
      if (decided.action !== 'resume' && decided.workloadPatch) {
        await patchKueueWorkload(kube, kueueWorkload ?? null, decided.workloadPatch);
      }
      return { plan: decided, object };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
};

/** One job as an incident record lists it. */
export interface SuspendedJob {
  ref: string;
  method: SuspendMethod;
  suspendedAt: string;
}

export interface SuspendOutcome {
  suspended: WorkloadRef[];
  joined: WorkloadRef[];
  skipped: { ref: WorkloadRef; reason: string }[];
  /** Per job we suspended or joined: how and since when. */
  jobs: SuspendedJob[];
}

export const suspendAll = async (
  kube: KubeApi,
  refs: WorkloadRef[],
  options: Omit<SuspendInput, 'kueueWorkload' | 'nodes' | 'joinOnly'> & {
    /** Per `Kind/namespace/name`: its nodes, and whether it may only be joined. */
    perRef?: Record<string, Pick<SuspendInput, 'nodes' | 'joinOnly'>>;
  },
): Promise<SuspendOutcome> => {
  const outcome: SuspendOutcome = { suspended: [], joined: [], skipped: [], jobs: [] };
  const { perRef, ...common } = options;
  for (const ref of refs) {
    const extra = perRef?.[describeRef(ref)] ?? {};
    const result = await applyPlan(kube, ref, (object, kueueWorkload) =>
      planSuspend(object, ref.kind, {
        ...common,
        ...extra,
        ...(kueueWorkload !== undefined ? { kueueWorkload } : {}),
      }),
    );
    const { plan } = result;
    if (plan.action === 'suspend' || plan.action === 'join') {
      (plan.action === 'suspend' ? outcome.suspended : outcome.joined).push(ref);
      const since =
        plan.action === 'join' && 'object' in result
          ? result.object.metadata.annotations?.[SUSPENDED_AT_ANNOTATION]
          : undefined;
      outcome.jobs.push({ ref: describeRef(ref), method: plan.method, suspendedAt: since ?? options.now });
    } else outcome.skipped.push({ ref, reason: plan.action === 'gone' ? 'gone' : plan.reason });
  }
  return outcome;
};

/** One job as a resume lists it: how long it was held, and for whom. */
export interface ResumedJob {
  ref: string;
  method: SuspendMethod;
  suspendedAt?: string;
  resumedAt: string;
  incidents: string[];
}

export interface ResumeOutcome {
  resumed: WorkloadRef[];
  released: WorkloadRef[];
  skipped: { ref: WorkloadRef; reason: string }[];
  /** Per job resumed: suspend and resume times. */
  jobs: ResumedJob[];
}

/**
 * Lets go of jobs for some incidents (`'all'`: every holder). A job still held by another
 * incident is only released; the last holder resumes it.
 */
export const releaseAll = async (
  kube: KubeApi,
  refs: WorkloadRef[],
  incidentIds: readonly string[] | 'all',
  options: { now: string },
): Promise<ResumeOutcome> => {
  const outcome: ResumeOutcome = { resumed: [], released: [], skipped: [], jobs: [] };
  for (const ref of refs) {
    const { plan } = await applyPlan(kube, ref, (object) =>
      planRelease(object, ref.kind, incidentIds, options),
    );
    if (plan.action === 'resume') {
      outcome.resumed.push(ref);
      outcome.jobs.push({
        ref: describeRef(ref),
        method: plan.method,
        ...(plan.suspendedAt ? { suspendedAt: plan.suspendedAt } : {}),
        resumedAt: options.now,
        incidents: plan.released,
      });
    } else if (plan.action === 'release') outcome.released.push(ref);
    else outcome.skipped.push({ ref, reason: plan.action === 'gone' ? 'gone' : plan.reason });
  }
  return outcome;
};

/** Resumes what this incident suspended; a job still held by another incident is only released. */
export const resumeAll = (
  kube: KubeApi,
  refs: WorkloadRef[],
  incidentId: string,
  options: { now: string },
): Promise<ResumeOutcome> => releaseAll(kube, refs, [incidentId], options);
