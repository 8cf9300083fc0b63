/**
 * Finding and patching the workloads on a node, shared by SuspendWorkloads, ResumeWorkloads,
 * Escalate, the `job-resume` machine and the sweep. Every job patch is guarded by resourceVersion
 * and re-planned on a conflict, so two incidents on two nodes of one job suspend it once and
 * resume it once. Kueue-managed jobs are stopped through their Kueue Workload (see
 * functions/domain/workload-suspension.ts), whose patch follows the job patch.
 */
import type { KubeApi } from '#adapters/ports.ts';
import { ConcurrentUpdateError, KueueWorkloadUnavailableError } from '#contracts/errors.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';
import type { PodOwner } from '#domain/pod-eviction.ts';
import type { WorkloadKind, WorkloadRef } from '#domain/types.ts';
import { describeRef, nextOwner, WORKLOAD_KINDS, workloadRefFromOwner } from '#domain/workload-kinds.ts';
import {
  type AutoResumeAssessment,
  hyperPodAutoResume,
  KUEUE_JOB_UID_LABEL,
  KUEUE_QUEUE_NAME_LABEL,
  KUEUE_WORKLOAD,
  KUEUE_WORKLOAD_VERSIONS,
  kueueWorkloadApiVersion,
  kueueWorkloadOf,
  planRelease,
  planSuspend,
  type ResumePlan,
  SUSPENDED_AT_ANNOTATION,
  SUSPENDED_LABEL,
  type SuspendInput,
  type SuspendMethod,
  type SuspendPlan,
  suspendedNodes,
} from '#domain/workload-suspension.ts';

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
        // The uid lets the Event about it show in `kubectl describe` (functions/domain/kube-events.ts).
        ...(object.metadata.uid ? { uid: object.metadata.uid } : {}),
      };
      if (!found.has(describeRef(ref)) && suspendedNodes(object).includes(nodeName)) held.push(ref);
    }
  }
  return held;
};

/**
 * Finds Kueue Workloads in the version the cluster serves: API discovery once per call (Kueue
 * 0.16+ serves v1beta2 and a deprecated v1beta1, Kueue ≤ 0.14 v1beta1 only), then the job's
 * Workload by Kueue's job-uid label. Whatever keeps us from reading it is a
 * KueueWorkloadUnavailableError that says why; it is recorded against that one job.
 */
const kueueWorkloadFinder = (kube: KubeApi) => {
  let discovered: Promise<string> | undefined;
  const apiVersion = (): Promise<string> => {
    discovered ??= kube.servedVersions(KUEUE_WORKLOAD.group).then((served) => {
      const chosen = kueueWorkloadApiVersion(served);
      if (chosen) return chosen;
      throw new KueueWorkloadUnavailableError(
        served.length === 0
          ? `the API group ${KUEUE_WORKLOAD.group} is not served (Kueue not installed?)`
          : `${KUEUE_WORKLOAD.group} serves ${served.join(', ')}, none of the Workload versions we know (${KUEUE_WORKLOAD_VERSIONS.join(', ')})`,
        { details: { group: KUEUE_WORKLOAD.group, served } },
      );
    });
    return discovered;
  };
  return async (job: KubeObject, ref: WorkloadRef, consequence: string): Promise<KubeObject> => {
    const what = `${describeRef(ref)} is Kueue-managed (${KUEUE_QUEUE_NAME_LABEL})`;
    let version: string;
    try {
      version = await apiVersion();
    } catch (error) {
      if (!(error instanceof KueueWorkloadUnavailableError)) throw error;
      throw new KueueWorkloadUnavailableError(
        `${what} but its Kueue Workload cannot be read: ${error.message}; ${consequence}`,
        {
          cause: error,
          details: { ...error.details, job: describeRef(ref) },
        },
      );
    }
    const uid = job.metadata.uid;
    const namespace = job.metadata.namespace ?? 'default';
    const candidates = uid
      ? await kube.listObjects({
          apiVersion: version,
          kind: KUEUE_WORKLOAD.kind,
          namespace,
          labelSelector: `${KUEUE_JOB_UID_LABEL}=${uid}`,
        })
      : [];
    const found = uid ? kueueWorkloadOf(job, candidates) : undefined;
    if (!found) {
      const why = !uid
        ? 'the job has no uid to look it up by'
        : candidates.length > 1
          ? `${candidates.length} ${version} Workloads carry ${KUEUE_JOB_UID_LABEL}=${uid} and none is owned by the job`
          : `no ${version} Workload in ${namespace} carries ${KUEUE_JOB_UID_LABEL}=${uid}`;
      throw new KueueWorkloadUnavailableError(
        `${what} but its Kueue Workload cannot be read: ${why}; ${consequence}`,
        {
          details: { job: describeRef(ref), apiVersion: version, candidates: candidates.length },
        },
      );
    }
    // Talked to in the version discovered (the API server converts what it stores).
    return { ...found, apiVersion: version };
  };
};

type FindKueueWorkload = ReturnType<typeof kueueWorkloadFinder>;

type AnyPlan = SuspendPlan | ResumePlan;

/** Whether carrying out a plan needs the job's Kueue Workload (the domain says so by its plan). */
const needsKueueWorkload = (plan: AnyPlan): boolean =>
  (plan.action === 'skip' && plan.reason === 'kueue-workload-not-found') ||
  ('workloadPatch' in plan && plan.workloadPatch !== undefined);

const patchKueueWorkload = async (kube: KubeApi, workload: KubeObject, patch: Record<string, unknown>) => {
  // Unguarded: Kueue rewrites the Workload's status all the time, and `spec.active` is one
  // idempotent switch; the holders list on the job is what the resourceVersion guards.
  await kube.patchObject(
    {
      apiVersion: workload.apiVersion ?? `${KUEUE_WORKLOAD.group}/${KUEUE_WORKLOAD_VERSIONS[0]}`,
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
  findWorkload: FindKueueWorkload,
  consequence: string,
  plan: (object: KubeObject, kueueWorkload: KubeObject | null) => P,
): Promise<{ plan: P; object: KubeObject } | { plan: { action: 'gone' } }> => {
  for (let attempt = 0; ; attempt++) {
    const object = await kube.getWorkload(ref);
    if (!object) return { plan: { action: 'gone' } };
    // Planned without the Workload first: only a plan that needs it reads it (an opted-out or
    // policy-skipped Kueue job never does), and one that cannot read it fails with the reason.
    let decided = plan(object, null);
    let kueueWorkload: KubeObject | undefined;
    if (needsKueueWorkload(decided)) {
      kueueWorkload = await findWorkload(object, ref, consequence);
      decided = plan(object, kueueWorkload);
    }
    if (decided.action === 'skip') return { plan: decided, object };
    try {
      if (decided.action === 'resume' && decided.workloadPatch && kueueWorkload) {
        await patchKueueWorkload(kube, kueueWorkload, decided.workloadPatch);
      }
      await kube.patchWorkload(ref, decided.patch, { resourceVersion: object.metadata.resourceVersion });
      if (decided.action !== 'resume' && decided.workloadPatch && kueueWorkload) {
        await patchKueueWorkload(kube, kueueWorkload, decided.workloadPatch);
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

/** A job that carries HyperPod's auto-resume annotation: who restarts it, and why. */
export interface AutoResumeRecord extends AutoResumeAssessment {
  ref: string;
  /** True when we left it to HyperPod (not suspended). */
  leftToHyperPod: boolean;
}

/** A job we could not act on; the others went on. */
export interface FailedJob {
  ref: WorkloadRef;
  /** The typed error's name (`KueueWorkloadUnavailableError`). */
  error: string;
  message: string;
}

export interface SuspendOutcome {
  suspended: WorkloadRef[];
  joined: WorkloadRef[];
  skipped: { ref: WorkloadRef; reason: string }[];
  /** Per job we suspended or joined: how and since when. */
  jobs: SuspendedJob[];
  /** Every job with the HyperPod auto-resume annotation: whether HyperPod or we restart it, and why. */
  autoResume: AutoResumeRecord[];
  /** Jobs left running because we could not act on them (their Kueue Workload unreadable). */
  failed: FailedJob[];
}

/** Runs one job's step; a KueueWorkloadUnavailableError is that job's failure, not the call's. */
const perJob = async <T>(
  ref: WorkloadRef,
  failed: FailedJob[],
  step: () => Promise<T>,
): Promise<T | undefined> => {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof KueueWorkloadUnavailableError)) throw error;
    failed.push({ ref, error: error.name, message: error.message });
    return undefined;
  }
};

export const suspendAll = async (
  kube: KubeApi,
  refs: WorkloadRef[],
  options: Omit<SuspendInput, 'kueueWorkload' | 'nodes' | 'joinOnly'> & {
    /** Per `Kind/namespace/name`: its nodes, and whether it may only be joined. */
    perRef?: Record<string, Pick<SuspendInput, 'nodes' | 'joinOnly'>>;
  },
): Promise<SuspendOutcome> => {
  const outcome: SuspendOutcome = {
    suspended: [],
    joined: [],
    skipped: [],
    jobs: [],
    autoResume: [],
    failed: [],
  };
  const { perRef, ...common } = options;
  const findWorkload = kueueWorkloadFinder(kube);
  for (const ref of refs) {
    const extra = perRef?.[describeRef(ref)] ?? {};
    const result = await perJob(ref, outcome.failed, () =>
      applyPlan(kube, ref, findWorkload, 'it is not suspended', (object, kueueWorkload) =>
        planSuspend(object, ref.kind, { ...common, ...extra, kueueWorkload }),
      ),
    );
    if (!result) continue;
    const { plan } = result;
    if ('object' in result) {
      const assessment = hyperPodAutoResume(result.object, ref.kind);
      if (assessment) {
        const leftToHyperPod = plan.action === 'skip' && plan.reason === 'hyperpod-auto-resume';
        outcome.autoResume.push({
          ref: describeRef(ref),
          leftToHyperPod,
          ...assessment,
          ...(assessment.hyperPodResumes && !options.respectAutoResume
            ? { reason: `${assessment.reason}; driven by us anyway (policy respectHyperPodAutoResume=false)` }
            : {}),
        });
      }
    }
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
  /** Jobs still suspended because we could not act on them (their Kueue Workload unreadable). */
  failed: FailedJob[];
}

/**
 * Lets go of jobs for some incidents (`'all'`: every holder). A job still held by another
 * incident is only released; the last holder resumes it. A Kueue-managed job whose Workload
 * cannot be read keeps our label and holders (so it is found again) and is listed as failed.
 */
export const releaseAll = async (
  kube: KubeApi,
  refs: WorkloadRef[],
  incidentIds: readonly string[] | 'all',
  options: { now: string },
): Promise<ResumeOutcome> => {
  const outcome: ResumeOutcome = { resumed: [], released: [], skipped: [], jobs: [], failed: [] };
  const findWorkload = kueueWorkloadFinder(kube);
  for (const ref of refs) {
    const result = await perJob(ref, outcome.failed, () =>
      applyPlan(kube, ref, findWorkload, 'it stays suspended and labelled ours', (object) =>
        planRelease(object, ref.kind, incidentIds, options),
      ),
    );
    if (!result) continue;
    const { plan } = result;
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
