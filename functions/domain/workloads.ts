/**
 * Suspending and resuming the jobs that run on a faulty node (HYPERPOD-FACTS.md §7).
 *
 * A job spanning several failing nodes is suspended once and held by every incident that needs it
 * suspended: each incident adds its id to one annotation, and the job resumes only when the last
 * holder lets go. The label makes our suspensions selectable server-side (`…/suspended=true`),
 * so a sweep can find every job we hold without reading all of them.
 */
import type { MergePatch } from '#adapters/ports.ts';
import type { KubeObject, ObjectMeta } from '#domain/kube-types.ts';
import type { WorkloadKind, WorkloadRef } from '#domain/types.ts';

export interface WorkloadKindInfo {
  apiVersion: string;
  group: string;
  version: string;
  plural: string;
  /** Path of the boolean that suspends the workload. */
  suspendPath: string[];
  /** Whether suspend semantics for this kind are documented (§7.3); unconfirmed kinds need a check first. */
  suspendConfirmed: boolean;
}

/** Kinds we can suspend, with where their suspend switch lives (§7.3). */
export const WORKLOAD_KINDS: Readonly<Record<WorkloadKind, Readonly<WorkloadKindInfo>>> = {
  Job: {
    apiVersion: 'batch/v1',
    group: 'batch',
    version: 'v1',
    plural: 'jobs',
    suspendPath: ['spec', 'suspend'],
    suspendConfirmed: true,
  },
  PyTorchJob: {
    apiVersion: 'kubeflow.org/v1',
    group: 'kubeflow.org',
    version: 'v1',
    plural: 'pytorchjobs',
    suspendPath: ['spec', 'runPolicy', 'suspend'],
    suspendConfirmed: true,
  },
  MPIJob: {
    apiVersion: 'kubeflow.org/v2beta1',
    group: 'kubeflow.org',
    version: 'v2beta1',
    plural: 'mpijobs',
    suspendPath: ['spec', 'runPolicy', 'suspend'],
    // Assumed to behave as PyTorchJob's runPolicy.suspend: [unconfirmed] in §7.3.
    suspendConfirmed: false,
  },
  JobSet: {
    apiVersion: 'jobset.x-k8s.io/v1alpha2',
    group: 'jobset.x-k8s.io',
    version: 'v1alpha2',
    plural: 'jobsets',
    suspendPath: ['spec', 'suspend'],
    suspendConfirmed: true,
  },
  HyperPodPyTorchJob: {
    apiVersion: 'sagemaker.amazonaws.com/v1',
    group: 'sagemaker.amazonaws.com',
    version: 'v1',
    plural: 'hyperpodpytorchjobs',
    // The HyperPod training operator's suspend support is [unconfirmed] (§7.2): verify on a cluster first.
    suspendPath: ['spec', 'runPolicy', 'suspend'],
    suspendConfirmed: false,
  },
};

/** `'true'` on every workload we hold suspended (label: selectable server-side). */
export const SUSPENDED_LABEL = 'hyperpod-resilience.io/suspended';
/** JSON array of the incident ids holding the suspension. */
export const SUSPENDED_BY_ANNOTATION = 'hyperpod-resilience.io/suspended-by';
/** ISO time of the first suspension by us. */
export const SUSPENDED_AT_ANNOTATION = 'hyperpod-resilience.io/suspended-at';
/** HyperPod job auto-resume (§7.1): such jobs are HyperPod's to restart, not ours. */
export const AUTO_RESUME_ANNOTATION = 'sagemaker.amazonaws.com/enable-job-auto-resume';

const groupOf = (apiVersion: string): string => {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
};

const isWorkloadKind = (kind: string): kind is WorkloadKind => Object.hasOwn(WORKLOAD_KINDS, kind);

/**
 * The workload an ownerReference points at, if it is a kind we can suspend (matched on API group
 * and kind; the version may differ, our canonical one is used to talk to it).
 *
 * @example
 * workloadRefFromOwner({ apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', name: 'llm', uid: 'u1' }, 'ml');
 * // → { kind: 'PyTorchJob', apiVersion: 'kubeflow.org/v1', namespace: 'ml', name: 'llm', uid: 'u1' }
 */
export const workloadRefFromOwner = (
  ownerRef: { apiVersion: string; kind: string; name: string; uid?: string },
  namespace: string,
): WorkloadRef | undefined => {
  if (!isWorkloadKind(ownerRef.kind)) return undefined;
  const info = WORKLOAD_KINDS[ownerRef.kind];
  if (groupOf(ownerRef.apiVersion) !== info.group) return undefined;
  const ref: WorkloadRef = {
    kind: ownerRef.kind,
    apiVersion: info.apiVersion,
    namespace,
    name: ownerRef.name,
  };
  if (ownerRef.uid !== undefined) ref.uid = ownerRef.uid;
  return ref;
};

/**
 * The controller ownerReference of an object (the one to walk up: pod → Job → JobSet …).
 *
 * @example
 * nextOwner(pod)?.kind; // 'Job'
 */
export const nextOwner = (obj: KubeObject): NonNullable<ObjectMeta['ownerReferences']>[number] | undefined =>
  obj.metadata.ownerReferences?.find((ref) => ref.controller === true);

/**
 * Incident ids holding our suspension of a workload. Garbage in the annotation reads as none.
 *
 * @example
 * suspendedIncidentIds(job); // ['inc-1', 'inc-2']
 */
export const suspendedIncidentIds = (obj: KubeObject): string[] => {
  const raw = obj.metadata.annotations?.[SUSPENDED_BY_ANNOTATION];
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
 * Whether we hold a suspension of this workload (our label is present).
 *
 * @example
 * isSuspendedByUs(job); // true when labelled hyperpod-resilience.io/suspended=true
 */
export const isSuspendedByUs = (obj: KubeObject): boolean =>
  obj.metadata.labels?.[SUSPENDED_LABEL] === 'true';

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

export type SuspendSkipReason =
  | 'opted-out'
  | 'hyperpod-auto-resume'
  | 'already-suspended-by-this-incident'
  | 'suspended-by-others';

export type SuspendPlan =
  | { action: 'suspend'; patch: MergePatch }
  | { action: 'join'; patch: MergePatch }
  | { action: 'skip'; reason: SuspendSkipReason };

/**
 * Plans suspending a workload for one incident. First match wins:
 * - opt-out annotation `'true'` → skip `opted-out`;
 * - HyperPod auto-resume enabled and respected → skip `hyperpod-auto-resume` (never two
 *   controllers on one failure);
 * - this incident already holds it → skip `already-suspended-by-this-incident` (safe retry);
 * - suspended and labelled by us for other incidents → `join` (add this incident's id);
 * - suspended by someone else → skip `suspended-by-others` (we must never resume it);
 * - otherwise → `suspend` (switch on, our label, holders, time). A job still labelled by us but
 *   unsuspended by hand is suspended again, keeping its holders.
 *
 * @example
 * planSuspend(job, 'Job', { incidentId: 'inc-1', now, optOutAnnotation: 'hyperpod-resilience.io/opt-out', respectAutoResume: true });
 * // → { action: 'suspend', patch: { spec: { suspend: true }, metadata: { labels: {…}, annotations: {…} } } }
 */
export const planSuspend = (
  obj: KubeObject,
  kind: WorkloadKind,
  input: { incidentId: string; now: string; optOutAnnotation: string; respectAutoResume: boolean },
): SuspendPlan => {
  const annotations = obj.metadata.annotations ?? {};
  if (annotations[input.optOutAnnotation]?.trim().toLowerCase() === 'true') {
    return { action: 'skip', reason: 'opted-out' };
  }
  if (input.respectAutoResume && annotations[AUTO_RESUME_ANNOTATION]?.trim().toLowerCase() === 'true') {
    return { action: 'skip', reason: 'hyperpod-auto-resume' };
  }
  const ours = isSuspendedByUs(obj);
  const holders = ours ? suspendedIncidentIds(obj) : [];
  if (holders.includes(input.incidentId))
    return { action: 'skip', reason: 'already-suspended-by-this-incident' };

  const suspended = readPath(obj, WORKLOAD_KINDS[kind].suspendPath) === true;
  const nextHolders = JSON.stringify([...holders, input.incidentId]);
  if (ours && suspended) {
    return {
      action: 'join',
      patch: { metadata: { annotations: { [SUSPENDED_BY_ANNOTATION]: nextHolders } } },
    };
  }
  if (suspended) return { action: 'skip', reason: 'suspended-by-others' };
  return {
    action: 'suspend',
    patch: suspendPatch(kind, true, {
      labels: { [SUSPENDED_LABEL]: 'true' },
      annotations: { [SUSPENDED_BY_ANNOTATION]: nextHolders, [SUSPENDED_AT_ANNOTATION]: input.now },
    }),
  };
};

export type ResumeSkipReason = 'not-suspended-by-us' | 'not-held-by-this-incident';

export type ResumePlan =
  | { action: 'resume'; patch: MergePatch }
  | { action: 'release'; patch: MergePatch }
  | { action: 'skip'; reason: ResumeSkipReason };

/**
 * Plans letting go of a workload for one incident: the last holder resumes it (switch off, our
 * label and annotations removed); an earlier one only removes its id; a workload we do not hold
 * for this incident is left alone.
 *
 * @example
 * planResume(job, 'Job', 'inc-1');
 * // → { action: 'resume', patch: { spec: { suspend: false }, metadata: { labels: { 'hyperpod-resilience.io/suspended': null }, annotations: {…: null} } } }
 */
export const planResume = (obj: KubeObject, kind: WorkloadKind, incidentId: string): ResumePlan => {
  if (!isSuspendedByUs(obj)) return { action: 'skip', reason: 'not-suspended-by-us' };
  const holders = suspendedIncidentIds(obj);
  if (!holders.includes(incidentId)) return { action: 'skip', reason: 'not-held-by-this-incident' };
  const remaining = holders.filter((id) => id !== incidentId);
  if (remaining.length > 0) {
    return {
      action: 'release',
      patch: { metadata: { annotations: { [SUSPENDED_BY_ANNOTATION]: JSON.stringify(remaining) } } },
    };
  }
  return {
    action: 'resume',
    patch: suspendPatch(kind, false, {
      labels: { [SUSPENDED_LABEL]: null },
      annotations: { [SUSPENDED_BY_ANNOTATION]: null, [SUSPENDED_AT_ANNOTATION]: null },
    }),
  };
};
