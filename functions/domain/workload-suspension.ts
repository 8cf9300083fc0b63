/**
 * Suspending and resuming the jobs that run on a faulty node, held by incidents (docs/FACTS.md workloads.suspend-fields, docs/facts/semantics.md).
 *
 * A job spanning several failing nodes is suspended once and held by every incident that needs it
 * suspended: each incident adds its id to one annotation, and the job resumes only when the last
 * holder lets go. The label makes our suspensions selectable server-side (`…/suspended=true`),
 * so a sweep can find every job we hold without reading all of them.
 *
 * How a job is stopped depends on who owns its admission:
 * - `field`: the kind's own suspend switch (Job, Indexed Job, JobSet, PyTorchJob, MPIJob,
 *   HyperPodPyTorchJob); its controller deletes the pods and recreates them on resume.
 * - `kueue`: a job labelled `kueue.x-k8s.io/queue-name` is admitted by Kueue, which also owns its
 *   suspend switch: Kueue's job reconciler unsuspends a suspended job whose Workload is still
 *   admitted ("Job admitted, unsuspending"), so flipping the switch would fight it. We deactivate
 *   the job's Kueue Workload instead (`spec.active: false`): Kueue evicts it, suspends the job
 *   itself (pods deleted) and releases its quota; on resume `spec.active: true` re-queues it and
 *   Kueue re-admits and unsuspends it when quota allows. (kueue.sigs.k8s.io docs, concepts/workload
 *   "Active"; kubernetes-sigs/kueue pkg/controller/jobframework/reconciler.go.)
 *
 * Which kinds and where their switch lives: workload-kinds.ts. Pods that belong to no job (plain
 * pods, Deployments, StatefulSets) are evicted instead: pod-eviction.ts.
 */
import type { KubeObject } from '#domain/kube-types.ts';
import { MINUTE_MS } from '#domain/time.ts';
import type { MergePatch, WorkloadKind } from '#domain/types.ts';
import { WORKLOAD_KINDS } from '#domain/workload-kinds.ts';

/** `'true'` on every workload we hold suspended (label: selectable server-side). */
export const SUSPENDED_LABEL = 'hyperpod-resilience.io/suspended';
/** JSON array of the incident ids holding the suspension. */
export const SUSPENDED_BY_ANNOTATION = 'hyperpod-resilience.io/suspended-by';
/** ISO time of the first suspension by us. */
export const SUSPENDED_AT_ANNOTATION = 'hyperpod-resilience.io/suspended-at';
/**
 * JSON array of the nodes the job ran on when we suspended it: an incident on any of them holds the
 * job too (its pods are gone from that node by the time that incident looks), so the job resumes
 * only once every one of its faulty nodes is dealt with.
 */
export const SUSPENDED_NODES_ANNOTATION = 'hyperpod-resilience.io/suspended-nodes';
/** How we suspended it: `field` (the kind's switch) or `kueue` (its Kueue Workload deactivated). */
export const SUSPEND_METHOD_ANNOTATION = 'hyperpod-resilience.io/suspend-method';
/** Left on a workload after we resumed it: JSON `{ incidents, method, suspendedAt, resumedAt }` (audit). */
export const LAST_SUSPENSION_ANNOTATION = 'hyperpod-resilience.io/last-suspension';
/**
 * HyperPod job auto-resume (§7.1): a job that opted in AND meets HyperPod's documented conditions
 * is HyperPod's to restart, not ours (see {@link hyperPodAutoResume}).
 */
export const AUTO_RESUME_ANNOTATION = 'sagemaker.amazonaws.com/enable-job-auto-resume';
/** Kueue queues a job that carries this label (older Kueue releases also read an annotation). */
export const KUEUE_QUEUE_NAME_LABEL = 'kueue.x-k8s.io/queue-name';
/** Kueue labels each Workload with the uid of the job it admits. */
export const KUEUE_JOB_UID_LABEL = 'kueue.x-k8s.io/job-uid';
/**
 * Kueue's admission unit; `spec.active: false` evicts it and keeps it out of the queue. Its
 * version is discovered on the cluster ({@link kueueWorkloadApiVersion}), never compiled in.
 */
export const KUEUE_WORKLOAD = {
  group: 'kueue.x-k8s.io',
  kind: 'Workload',
  plural: 'workloads',
} as const;

/**
 * Workload versions we can drive, newest first. What we touch is the same in both: `spec.active`
 * (`*bool`, default true) in apis/kueue/v1beta1 and v1beta2 `workload_types.go`, the
 * `kueue.x-k8s.io/job-uid` label and the controller ownerReference that jobframework's
 * reconciler.go sets on every Workload. Served versions per Kueue release
 * (charts/kueue/templates/crd/kueue.x-k8s.io_workloads.yaml): ≤ 0.14 v1beta1 only; 0.15 both,
 * v1beta1 stored; 0.16+ both, v1beta2 stored and v1beta1 deprecated ("This version is
 * deprecated. Use v1beta2 instead."), its removal announced (CHANGELOG-0.16).
 */
export const KUEUE_WORKLOAD_VERSIONS = ['v1beta2', 'v1beta1'] as const;

/**
 * The Workload apiVersion to use, given the versions the cluster serves for `kueue.x-k8s.io`
 * (API discovery); undefined when none we know is served.
 *
 * @example
 * kueueWorkloadApiVersion(['v1beta2', 'v1beta1']); // 'kueue.x-k8s.io/v1beta2'
 * kueueWorkloadApiVersion(['v1beta1']); // 'kueue.x-k8s.io/v1beta1' (Kueue ≤ 0.14)
 * kueueWorkloadApiVersion([]); // undefined (Kueue not installed)
 */
export const kueueWorkloadApiVersion = (served: readonly string[]): string | undefined => {
  const version = KUEUE_WORKLOAD_VERSIONS.find((v) => served.includes(v));
  return version ? `${KUEUE_WORKLOAD.group}/${version}` : undefined;
};

export type SuspendMethod = 'field' | 'kueue';

/** A JSON array of non-empty strings in an annotation, deduplicated; garbage reads as none. */
const stringList = (obj: KubeObject, annotation: string): string[] => {
  const raw = obj.metadata.annotations?.[annotation];
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return [...new Set(parsed.filter((id): id is string => typeof id === 'string' && id !== ''))];
};

/**
 * Incident ids holding our suspension of a workload. Garbage in the annotation reads as none.
 *
 * @example
 * suspendedIncidentIds(job); // ['inc-1', 'inc-2']
 */
export const suspendedIncidentIds = (obj: KubeObject): string[] => stringList(obj, SUSPENDED_BY_ANNOTATION);

/**
 * The nodes a job we suspended ran on (see SUSPENDED_NODES_ANNOTATION).
 *
 * @example
 * suspendedNodes(job); // ['hyperpod-i-0a…', 'hyperpod-i-0b…']
 */
export const suspendedNodes = (obj: KubeObject): string[] => stringList(obj, SUSPENDED_NODES_ANNOTATION);

/**
 * Whether we hold a suspension of this workload (our label is present).
 *
 * @example
 * isSuspendedByUs(job); // true when labelled hyperpod-resilience.io/suspended=true
 */
export const isSuspendedByUs = (obj: KubeObject): boolean =>
  obj.metadata.labels?.[SUSPENDED_LABEL] === 'true';

/**
 * Whether Kueue admits this job (and so owns its suspend switch): it carries Kueue's queue-name
 * label, or the annotation older Kueue releases read.
 *
 * @example
 * isKueueManaged({ metadata: { name: 'j', labels: { 'kueue.x-k8s.io/queue-name': 'team-a' } } }); // true
 */
export const isKueueManaged = (obj: KubeObject): boolean =>
  Boolean(
    obj.metadata.labels?.[KUEUE_QUEUE_NAME_LABEL] ?? obj.metadata.annotations?.[KUEUE_QUEUE_NAME_LABEL],
  );

/**
 * How a job is suspended: through its Kueue Workload when Kueue admits it, else its own switch.
 *
 * @example
 * suspendMethodFor(job); // 'field'
 */
export const suspendMethodFor = (obj: KubeObject): SuspendMethod => (isKueueManaged(obj) ? 'kueue' : 'field');

/**
 * The Kueue Workload of a job among candidates listed by its `kueue.x-k8s.io/job-uid` label:
 * the one whose ownerReference is the job, else the only candidate.
 *
 * @example
 * kueueWorkloadOf(job, workloads)?.metadata.name; // 'job-train-3f2a1'
 */
export const kueueWorkloadOf = (job: KubeObject, candidates: KubeObject[]): KubeObject | undefined => {
  const uid = job.metadata.uid;
  const owned = candidates.find(
    (w) => uid !== undefined && w.metadata.ownerReferences?.some((o) => o.uid === uid),
  );
  if (owned) return owned;
  return candidates.length === 1 ? candidates[0] : undefined;
};

/**
 * What HyperPod job auto-resume means for one workload that carries the annotation.
 * `hyperPodResumes: false` only when a documented condition plainly fails; `unverified` lists
 * the conditions the job object cannot show, which the incident record keeps.
 */
export interface AutoResumeAssessment {
  /** HyperPod resumes it itself (as far as the job shows): we leave it alone. */
  hyperPodResumes: boolean;
  /** Why, in words, for the incident record. */
  reason: string;
  /** Documented conditions we cannot check from outside the operator. */
  unverified: string[];
}

/**
 * The Kubeflow Training Operator default for a PyTorchJob replica without `restartPolicy`
 * (kubeflow/training-operator pkg/apis/kubeflow.org/v1/pytorch_types.go
 * `PytorchJobDefaultRestartPolicy = RestartPolicyOnFailure`, applied by `SetDefaults_PyTorchJob`).
 */
const PYTORCHJOB_DEFAULT_RESTART_POLICY = 'OnFailure';

/** Namespaces the HyperPod CLI page documents for auto-resume: `kubeflow`, or prefixed `hyperpod`. */
const documentedAutoResumeNamespace = (namespace: string): boolean =>
  namespace === 'kubeflow' || namespace.startsWith('hyperpod');

/**
 * Whether HyperPod job auto-resume applies to a workload, per its documented conditions
 * (SM-DG sagemaker-hyperpod-eks-run-jobs-kubectl.html and …-run-jobs-hyperpod-cli.html; the
 * HyperPod CLI validator and the job-auto-restart RBAC of its Helm chart). Undefined when the
 * workload does not carry `sagemaker.amazonaws.com/enable-job-auto-resume: "true"`.
 *
 * - Only a Kubeflow PyTorchJob is resumed (docs: "Kubeflow PyTorch training (PyTorchJob)"; the
 *   job-auto-restart ClusterRole reaches `kubeflow.org` `pytorchjobs` and nothing else): any
 *   other kind is ours.
 * - Its replicas must restart `OnFailure` (unset means OnFailure, the operator's default): a
 *   job none of whose replicas does is ours; a mix is unverified.
 * - The namespace (`kubeflow` or `hyperpod*` per the CLI docs; "all namespaces" per
 *   aws/sagemaker-hyperpod-cli PR #17) and the training-operator version (1.7.0, 1.8.0, 1.8.1)
 *   cannot be settled from here: unverified.
 *
 * When a condition is unverified the job is left to HyperPod: if HyperPod does not resume it
 * after all, the job is where it would be without us (we hold nothing on it, the record names it
 * and why); driving it while HyperPod also does would put two controllers on one failure.
 *
 * @example
 * hyperPodAutoResume(pytorchJob, 'PyTorchJob')?.hyperPodResumes; // true
 * hyperPodAutoResume(batchJob, 'Job'); // { hyperPodResumes: false, reason: 'HyperPod job auto-resume covers Kubeflow PyTorchJob only, not Job', unverified: [] }
 */
export const hyperPodAutoResume = (obj: KubeObject, kind: WorkloadKind): AutoResumeAssessment | undefined => {
  if (obj.metadata.annotations?.[AUTO_RESUME_ANNOTATION]?.trim().toLowerCase() !== 'true') return undefined;
  if (kind !== 'PyTorchJob') {
    return {
      hyperPodResumes: false,
      reason: `HyperPod job auto-resume covers Kubeflow PyTorchJob only, not ${kind}`,
      unverified: [],
    };
  }
  const replicas = readPath(obj, ['spec', 'pytorchReplicaSpecs']);
  const policies =
    typeof replicas === 'object' && replicas !== null
      ? Object.entries(replicas as Record<string, unknown>).map(([type, spec]) => {
          const policy =
            typeof spec === 'object' && spec !== null
              ? (spec as Record<string, unknown>).restartPolicy
              : undefined;
          return { type, policy: typeof policy === 'string' ? policy : PYTORCHJOB_DEFAULT_RESTART_POLICY };
        })
      : [];
  const onFailure = policies.filter((p) => p.policy === 'OnFailure');
  const listed = policies.map((p) => `${p.type}=${p.policy}`).join(', ');
  if (policies.length > 0 && onFailure.length === 0) {
    return {
      hyperPodResumes: false,
      reason: `HyperPod job auto-resume needs restartPolicy OnFailure; this PyTorchJob has ${listed}`,
      unverified: [],
    };
  }
  const unverified = [
    'Kubeflow Training Operator 1.7.0, 1.8.0 or 1.8.1 and HyperPod job-auto-restart installed (not visible from the job)',
  ];
  if (policies.length === 0) unverified.push('no pytorchReplicaSpecs to read a restartPolicy from');
  else if (onFailure.length < policies.length) {
    unverified.push(`restartPolicy OnFailure on some replicas only (${listed})`);
  }
  const namespace = obj.metadata.namespace ?? 'default';
  if (!documentedAutoResumeNamespace(namespace)) {
    unverified.push(
      `namespace ${namespace}: the HyperPod CLI docs name kubeflow or hyperpod-prefixed namespaces, the HyperPod CLI supports all (aws/sagemaker-hyperpod-cli PR #17)`,
    );
  }
  return {
    hyperPodResumes: true,
    reason: 'PyTorchJob opted into HyperPod job auto-resume and meets every condition visible on the job',
    unverified,
  };
};

const readPath = (obj: KubeObject, path: readonly string[]): unknown => {
  let current: unknown = obj;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
};

/** `['spec','runPolicy','suspend'], true` → `{ spec: { runPolicy: { suspend: true } } }`. */
const nested = (path: readonly string[], value: unknown): Record<string, unknown> =>
  path.reduceRight<Record<string, unknown>>(
    (inner, key) => ({ [key]: inner }),
    value as Record<string, unknown>,
  );

/** Merge patch of the suspend switch plus metadata (the suspend path never starts with `metadata`). */
const suspendPatch = (
  kind: WorkloadKind,
  suspend: boolean,
  metadata: Record<string, unknown>,
): MergePatch => ({
  ...nested(WORKLOAD_KINDS[kind].suspendPath, suspend),
  metadata,
});

const WORKLOAD_INACTIVE: MergePatch = { spec: { active: false } };
const WORKLOAD_ACTIVE: MergePatch = { spec: { active: true } };

export type SuspendSkipReason =
  | 'opted-out'
  | 'hyperpod-auto-resume'
  | 'already-suspended-by-this-incident'
  | 'suspended-by-others'
  | 'kueue-workload-not-found'
  | 'kueue-skipped-by-policy'
  | 'no-pod-on-node';

/**
 * A suspend plan. `patch` goes to the job (guarded by its resourceVersion: the holders list lives
 * there); `workloadPatch`, for Kueue-managed jobs, goes to its Kueue Workload AFTER the job patch,
 * so that a Workload we deactivated always has our label on its job.
 */
export type SuspendPlan =
  | { action: 'suspend'; method: SuspendMethod; patch: MergePatch; workloadPatch?: MergePatch }
  | { action: 'join'; method: SuspendMethod; patch: MergePatch; workloadPatch?: MergePatch }
  | { action: 'skip'; reason: SuspendSkipReason };

export interface SuspendInput {
  incidentId: string;
  now: string;
  optOutAnnotation: string;
  respectAutoResume: boolean;
  /**
   * Kueue-managed jobs only: their Workload (`null`: none found). Omitted for other jobs.
   */
  kueueWorkload?: KubeObject | null;
  /** `skip` leaves Kueue-managed jobs alone (policy `workloads.kueue`). Default `deactivate-workload`. */
  kueue?: 'deactivate-workload' | 'skip';
  /** Nodes the job's pods run on now, remembered with the suspension. */
  nodes?: readonly string[];
  /**
   * The job has no pod on this incident's node any more, but we suspended it while it had: only
   * joining our suspension is allowed, never suspending it anew.
   */
  joinOnly?: boolean;
}

/**
 * Plans suspending a workload for one incident. First match wins:
 * - opt-out annotation `'true'` → skip `opted-out`;
 * - HyperPod auto-resume applies ({@link hyperPodAutoResume}) and is respected → skip
 *   `hyperpod-auto-resume` (never two controllers on one failure); a job that carries the
 *   annotation but that HyperPod will not resume (another kind, no OnFailure) is ours;
 * - Kueue-managed and the policy says skip → `kueue-skipped-by-policy`; no Workload found →
 *   `kueue-workload-not-found` (we never flip the switch Kueue owns);
 * - this incident already holds it → skip `already-suspended-by-this-incident` (safe retry);
 * - suspended and labelled by us for other incidents → `join` (add this incident's id);
 * - suspended by someone else → skip `suspended-by-others` (we must never resume it);
 * - `joinOnly` (no pod on this node any more) → skip `no-pod-on-node`;
 * - otherwise → `suspend` (switch on or Workload deactivated, our label, holders, method, time).
 *   A job still labelled by us but unsuspended by hand is suspended again, keeping its holders.
 *
 * @example
 * planSuspend(job, 'Job', { incidentId: 'inc-1', now, optOutAnnotation: 'hyperpod-resilience.io/opt-out', respectAutoResume: true });
 * // → { action: 'suspend', method: 'field', patch: { spec: { suspend: true }, metadata: { labels: {…}, annotations: {…} } } }
 */
export const planSuspend = (obj: KubeObject, kind: WorkloadKind, input: SuspendInput): SuspendPlan => {
  const annotations = obj.metadata.annotations ?? {};
  if (annotations[input.optOutAnnotation]?.trim().toLowerCase() === 'true') {
    return { action: 'skip', reason: 'opted-out' };
  }
  if (input.respectAutoResume && hyperPodAutoResume(obj, kind)?.hyperPodResumes) {
    return { action: 'skip', reason: 'hyperpod-auto-resume' };
  }
  const method = suspendMethodFor(obj);
  if (method === 'kueue') {
    if (input.kueue === 'skip') return { action: 'skip', reason: 'kueue-skipped-by-policy' };
    if (!input.kueueWorkload) return { action: 'skip', reason: 'kueue-workload-not-found' };
  }
  const ours = isSuspendedByUs(obj);
  const holders = ours ? suspendedIncidentIds(obj) : [];
  if (holders.includes(input.incidentId))
    return { action: 'skip', reason: 'already-suspended-by-this-incident' };

  // Kueue-managed: the Workload says whether it is stopped (planning returned above without one).
  const stopped =
    method === 'kueue'
      ? readPath(input.kueueWorkload as KubeObject, ['spec', 'active']) === false
      : readPath(obj, WORKLOAD_KINDS[kind].suspendPath) === true;
  const nextHolders = JSON.stringify([...holders, input.incidentId]);
  const workloadPatch = method === 'kueue' ? { workloadPatch: WORKLOAD_INACTIVE } : {};
  const knownNodes = ours ? suspendedNodes(obj) : [];
  const nodes = [...new Set([...knownNodes, ...(input.nodes ?? [])])];
  const nodesAnnotation =
    nodes.length > knownNodes.length ? { [SUSPENDED_NODES_ANNOTATION]: JSON.stringify(nodes) } : {};
  if (ours && stopped) {
    return {
      action: 'join',
      method,
      patch: { metadata: { annotations: { [SUSPENDED_BY_ANNOTATION]: nextHolders, ...nodesAnnotation } } },
      ...workloadPatch,
    };
  }
  if (stopped) return { action: 'skip', reason: 'suspended-by-others' };
  if (input.joinOnly) return { action: 'skip', reason: 'no-pod-on-node' };
  const metadata = {
    labels: { [SUSPENDED_LABEL]: 'true' },
    annotations: {
      [SUSPENDED_BY_ANNOTATION]: nextHolders,
      [SUSPENDED_AT_ANNOTATION]:
        annotations[SUSPENDED_AT_ANNOTATION] && ours ? annotations[SUSPENDED_AT_ANNOTATION] : input.now,
      [SUSPEND_METHOD_ANNOTATION]: method,
      ...nodesAnnotation,
    },
  };
  return {
    action: 'suspend',
    method,
    patch: method === 'kueue' ? { metadata } : suspendPatch(kind, true, metadata),
    ...workloadPatch,
  };
};

export type ResumeSkipReason = 'not-suspended-by-us' | 'not-held-by-this-incident';

/**
 * A resume plan. For `resume` of a Kueue-managed job the Workload is reactivated BEFORE the job
 * patch removes our label (a crash in between leaves our label, so the job is found again);
 * `release` re-asserts the Workload as inactive (a concurrent resume may have just reactivated it).
 */
export type ResumePlan =
  | {
      action: 'resume';
      method: SuspendMethod;
      patch: MergePatch;
      workloadPatch?: MergePatch;
      released: string[];
      suspendedAt?: string;
    }
  | {
      action: 'release';
      method: SuspendMethod;
      patch: MergePatch;
      workloadPatch?: MergePatch;
      released: string[];
      remaining: string[];
    }
  | { action: 'skip'; reason: ResumeSkipReason };

/** The method recorded on a job we suspended (jobs suspended before methods existed used the switch). */
const recordedMethod = (obj: KubeObject): SuspendMethod =>
  obj.metadata.annotations?.[SUSPEND_METHOD_ANNOTATION] === 'kueue' ? 'kueue' : 'field';

/**
 * Plans letting go of a workload for some incidents (`'all'`: every holder, as a person's manual
 * resume or the sweep of an abandoned suspension does). When no holder remains the job resumes:
 * switch off (or Kueue Workload reactivated), our label and annotations removed, and a
 * `last-suspension` audit annotation left with the holders and both times. With holders left it
 * is only released. A workload we do not hold for these incidents is left alone.
 *
 * @example
 * planRelease(job, 'Job', ['inc-1'], { now });
 * // → { action: 'resume', method: 'field', patch: { spec: { suspend: false }, metadata: {…} }, released: ['inc-1'] }
 */
export const planRelease = (
  obj: KubeObject,
  kind: WorkloadKind,
  incidentIds: readonly string[] | 'all',
  options: { now: string },
): ResumePlan => {
  if (!isSuspendedByUs(obj)) return { action: 'skip', reason: 'not-suspended-by-us' };
  const holders = suspendedIncidentIds(obj);
  const released = incidentIds === 'all' ? holders : holders.filter((id) => incidentIds.includes(id));
  if (incidentIds !== 'all' && released.length === 0)
    return { action: 'skip', reason: 'not-held-by-this-incident' };
  const method = recordedMethod(obj);
  const remaining = holders.filter((id) => !released.includes(id));
  if (remaining.length > 0) {
    return {
      action: 'release',
      method,
      patch: { metadata: { annotations: { [SUSPENDED_BY_ANNOTATION]: JSON.stringify(remaining) } } },
      ...(method === 'kueue' ? { workloadPatch: WORKLOAD_INACTIVE } : {}),
      released,
      remaining,
    };
  }
  const suspendedAt = obj.metadata.annotations?.[SUSPENDED_AT_ANNOTATION];
  const metadata = {
    labels: { [SUSPENDED_LABEL]: null },
    annotations: {
      [SUSPENDED_BY_ANNOTATION]: null,
      [SUSPENDED_AT_ANNOTATION]: null,
      [SUSPEND_METHOD_ANNOTATION]: null,
      [SUSPENDED_NODES_ANNOTATION]: null,
      [LAST_SUSPENSION_ANNOTATION]: JSON.stringify({
        incidents: holders,
        method,
        ...(suspendedAt ? { suspendedAt } : {}),
        resumedAt: options.now,
      }),
    },
  };
  return {
    action: 'resume',
    method,
    patch: method === 'kueue' ? { metadata } : suspendPatch(kind, false, metadata),
    ...(method === 'kueue' ? { workloadPatch: WORKLOAD_ACTIVE } : {}),
    released,
    ...(suspendedAt ? { suspendedAt } : {}),
  };
};

/**
 * Plans letting go of a workload for one incident: the last holder resumes it, an earlier one
 * only removes its id (see `planRelease`).
 *
 * @example
 * planResume(job, 'Job', 'inc-1', { now });
 * // → { action: 'resume', method: 'field', patch: { spec: { suspend: false }, metadata: {…} }, released: ['inc-1'], … }
 */
export const planResume = (
  obj: KubeObject,
  kind: WorkloadKind,
  incidentId: string,
  options: { now: string },
): ResumePlan => planRelease(obj, kind, [incidentId], options);

// ------------------------------------------------------------------------------------------
// Abandoned suspensions

export interface HolderIncident {
  /** `open` while its execution runs; anything else means it ended. */
  status: string;
  startedAt: string;
}

/**
 * Holders of a suspension whose incident can no longer resume it: the incident ended (any status
 * but `open`), it is still `open` but started longer ago than any execution may run (its
 * execution died), or it has no record and the suspension is older than that bound.
 *
 * @example
 * staleHolders(['inc-1'], new Map([['inc-1', { status: 'resolved', startedAt }]]), { suspendedAt, now, staleAfterMinutes: 420 });
 * // → ['inc-1']
 */
export const staleHolders = (
  holders: readonly string[],
  incidents: ReadonlyMap<string, HolderIncident | undefined>,
  options: { suspendedAt?: string; now: string; staleAfterMinutes: number },
): string[] => {
  const bound = options.staleAfterMinutes * MINUTE_MS;
  const olderThanBound = (at: string | undefined) => {
    const time = at === undefined ? Number.NaN : Date.parse(at);
    // An unreadable time cannot prove the holder alive.
    return Number.isNaN(time) || Date.parse(options.now) - time >= bound;
  };
  return holders.filter((id) => {
    const incident = incidents.get(id);
    if (!incident) return olderThanBound(options.suspendedAt);
    if (incident.status !== 'open') return true;
    return olderThanBound(incident.startedAt);
  });
};
