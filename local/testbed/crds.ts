/**
 * Minimal CustomResourceDefinitions for the training-job kinds our handlers suspend and resume,
 * plus Kueue's Workload (TEST-BED §6): one served+storage version each (Kueue's Workload also serves the
 * deprecated v1beta1, as Kueue 0.16+ does), `spec`/`status` preserved as given, a status
 * subresource (+ scale for PyTorchJob, like training-operator v1). No validation or defaulting:
 * Tier 2 (real controllers) needs the upstream CRDs instead.
 */
import { pollUntil } from '#local/poll.ts';
import { apiRequest } from './api.ts';
import type { ControlPlane } from './control-plane.ts';

/** One served version of a CRD beyond the storage one (e.g. a deprecated older version). */
export interface CrdVersion {
  name: string;
  deprecated?: boolean;
  deprecationWarning?: string;
}

export interface CrdInfo {
  group: string;
  /** The storage version (served too). */
  version: string;
  /** Further served, non-storage versions, listed before the storage version in the manifest. */
  alsoServed?: readonly CrdVersion[];
  kind: string;
  plural: string;
  singular: string;
  listKind: string;
  shortNames?: string[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
}

export const TRAINING_CRDS: readonly CrdInfo[] = [
  {
    group: 'kubeflow.org',
    version: 'v1',
    kind: 'PyTorchJob',
    plural: 'pytorchjobs',
    singular: 'pytorchjob',
    listKind: 'PyTorchJobList',
    scale: {
      specReplicasPath: '.spec.pytorchReplicaSpecs.Worker.replicas',
      statusReplicasPath: '.status.replicaStatuses.Worker.active',
      labelSelectorPath: '.status.replicaStatuses.Worker.selector',
    },
  },
  {
    group: 'kubeflow.org',
    version: 'v2beta1',
    kind: 'MPIJob',
    plural: 'mpijobs',
    singular: 'mpijob',
    listKind: 'MPIJobList',
  },
  {
    group: 'jobset.x-k8s.io',
    version: 'v1alpha2',
    kind: 'JobSet',
    plural: 'jobsets',
    singular: 'jobset',
    listKind: 'JobSetList',
  },
  {
    // Kueue's admission unit, for Kueue-managed jobs at CRD level (no Kueue controller in the test
    // bed). Served versions as a current Kueue serves them (kubernetes-sigs/kueue
    // charts/kueue/templates/crd/kueue.x-k8s.io_workloads.yaml, v0.16.0 to v0.19.2 and main):
    // v1beta2 served and stored, v1beta1 served but deprecated with this very warning.
    group: 'kueue.x-k8s.io',
    version: 'v1beta2',
    alsoServed: [
      {
        name: 'v1beta1',
        deprecated: true,
        deprecationWarning: 'This version is deprecated. Use v1beta2 instead.',
      },
    ],
    kind: 'Workload',
    plural: 'workloads',
    singular: 'workload',
    listKind: 'WorkloadList',
  },
  {
    group: 'sagemaker.amazonaws.com',
    version: 'v1',
    kind: 'HyperPodPyTorchJob',
    plural: 'hyperpodpytorchjobs',
    singular: 'hyperpodpytorchjob',
    listKind: 'HyperPodPyTorchJobList',
    shortNames: ['hppj'],
  },
];

const openObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/** The CustomResourceDefinition object for one kind. */
export function crdManifest(c: CrdInfo): Record<string, unknown> {
  const subresources: Record<string, unknown> = { status: {} };
  if (c.scale) subresources.scale = c.scale;
  const schema = {
    openAPIV3Schema: {
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        spec: openObject,
        status: openObject,
      },
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${c.plural}.${c.group}` },
    spec: {
      group: c.group,
      scope: 'Namespaced',
      names: {
        kind: c.kind,
        listKind: c.listKind,
        plural: c.plural,
        singular: c.singular,
        ...(c.shortNames ? { shortNames: c.shortNames } : {}),
      },
      versions: [
        ...(c.alsoServed ?? []).map((v) => ({ ...v, served: true, storage: false, subresources, schema })),
        { name: c.version, served: true, storage: true, subresources, schema },
      ],
    },
  };
}

const api = (
  cp: Pick<ControlPlane, 'server' | 'caPem' | 'adminToken'>,
  method: string,
  path: string,
  body?: unknown,
) => apiRequest(cp, cp.adminToken, method, path, body);

/** Creates (or keeps) the CRDs and waits until each is Established and served. */
export async function installCrds(
  cp: Pick<ControlPlane, 'server' | 'caPem' | 'adminToken'>,
  crds: readonly CrdInfo[] = TRAINING_CRDS,
  timeoutMs = 60_000,
): Promise<void> {
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  for (const c of crds) {
    const r = await api(cp, 'POST', base, crdManifest(c));
    if (r.status !== 201 && r.status !== 409) {
      throw new Error(`creating CRD ${c.plural}.${c.group}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    }
  }
  // One deadline for all of them.
  const deadline = Date.now() + timeoutMs;
  for (const c of crds) {
    await pollUntil(
      async () => {
        const r = await api(cp, 'GET', `${base}/${c.plural}.${c.group}`);
        const conds = ((r.json.status as { conditions?: { type: string; status: string }[] } | undefined)
          ?.conditions ?? []) as { type: string; status: string }[];
        const established = conds.some((x) => x.type === 'Established' && x.status === 'True');
        // Established can precede discovery by a moment: also list the resource once.
        return (
          established && (await api(cp, 'GET', `/apis/${c.group}/${c.version}/${c.plural}`)).status === 200
        );
      },
      { what: `CRD ${c.plural}.${c.group} Established`, timeoutMs: Math.max(0, deadline - Date.now()) },
    );
  }
}
