/**
 * The workload kinds we can suspend, and how to name and find them: where each kind's suspend switch
 * lives (docs/FACTS.md workloads.suspend-fields), how an ownerReference maps to a workload, and how
 * refs are written in records and logs. The kind names themselves are contracts/workload-kinds.ts.
 */
import type { KubeObject, ObjectMeta } from '#domain/kube-types.ts';
import type { WorkloadKind, WorkloadRef } from '#domain/types.ts';

export interface WorkloadKindInfo {
  apiVersion: string;
  group: string;
  version: string;
  plural: string;
  /** Path of the boolean that suspends the workload. */
  suspendPath: string[];
  /** Whether the suspend switch is documented for this kind (the source says where). */
  suspendConfirmed: boolean;
  /** Where the suspend switch and its effect are documented. */
  suspendSource: string;
}

/**
 * Kinds we can suspend, with where their suspend switch lives (docs/FACTS.md workloads.suspend-fields). An
 * Indexed Job is a batch/v1 Job (`completionMode: Indexed`) and suspends the same way.
 */
export const WORKLOAD_KINDS: Readonly<Record<WorkloadKind, Readonly<WorkloadKindInfo>>> = {
  Job: {
    apiVersion: 'batch/v1',
    group: 'batch',
    version: 'v1',
    plural: 'jobs',
    suspendPath: ['spec', 'suspend'],
    suspendConfirmed: true,
    suspendSource: 'kubernetes.io Job docs (spec.suspend, GA 1.24): active pods are deleted',
  },
  PyTorchJob: {
    apiVersion: 'kubeflow.org/v1',
    group: 'kubeflow.org',
    version: 'v1',
    plural: 'pytorchjobs',
    suspendPath: ['spec', 'runPolicy', 'suspend'],
    suspendConfirmed: true,
    suspendSource: 'training-operator v1 RunPolicy.suspend: pods, services and PodGroups are deleted',
  },
  MPIJob: {
    apiVersion: 'kubeflow.org/v2beta1',
    group: 'kubeflow.org',
    version: 'v2beta1',
    plural: 'mpijobs',
    suspendPath: ['spec', 'runPolicy', 'suspend'],
    suspendConfirmed: true,
    suspendSource:
      'mpi-operator v2beta1 RunPolicy.suspend (sdk/python/v2beta1/docs/V2beta1RunPolicy.md): active pods and PodGroups are deleted, the launcher Job is suspended',
  },
  JobSet: {
    apiVersion: 'jobset.x-k8s.io/v1alpha2',
    group: 'jobset.x-k8s.io',
    version: 'v1alpha2',
    plural: 'jobsets',
    suspendPath: ['spec', 'suspend'],
    suspendConfirmed: true,
    suspendSource: 'jobset v1alpha2 JobSetSpec.suspend: every child Job is suspended',
  },
  HyperPodPyTorchJob: {
    apiVersion: 'sagemaker.amazonaws.com/v1',
    group: 'sagemaker.amazonaws.com',
    version: 'v1',
    plural: 'hyperpodpytorchjobs',
    // The CRD's own field, as the HyperPod CLI ships it: RunPolicy.suspend "Suspend suspends
    // HyperPodPytorchJob when set to true" (aws/sagemaker-hyperpod-cli
    // src/sagemaker/hyperpod/training/config/hyperpod_pytorch_job_unified_config.py). Kueue
    // (HyperPod task governance) drives the same field. That the operator deletes the pods is
    // not documented: an e2e test on a real cluster has to confirm it.
    suspendPath: ['spec', 'runPolicy', 'suspend'],
    suspendConfirmed: true,
    suspendSource:
      'HyperPodPytorchJob CRD RunPolicy.suspend (HyperPod CLI generated model); pod deletion on suspend unconfirmed',
  },
};

export const groupOf = (apiVersion: string): string => {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
};

export const isWorkloadKind = (kind: string): kind is WorkloadKind => Object.hasOwn(WORKLOAD_KINDS, kind);

/** `Kind/namespace/name`: how refs appear in records, logs and messages. */
export const describeRef = (ref: { kind: string; namespace?: string; name: string }): string =>
  `${ref.kind}/${ref.namespace ?? 'default'}/${ref.name}`;

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
