/**
 * KubeApi on our own small REST client (kube-http.ts, `node:https`); wire shapes in
 * docs/facts/kubernetes-http.md.
 *
 * - Core objects (Node, Pod) live under `/api/v1`, every object of a named API group (batch Jobs,
 *   apps controllers and the training CRDs) under `/apis/<group>/<version>`; all come back as the
 *   API server's plain JSON (timestamps are the RFC 3339 strings it sends).
 * - Patches are JSON merge patches (`Content-Type: application/merge-patch+json`). With
 *   `resourceVersion` the patch carries `metadata.resourceVersion`, which makes the API server
 *   reject a stale write with 409.
 * - API discovery (`servedVersions`) reads `GET /apis`, so the Kueue Workload version is the
 *   one the cluster serves, not one compiled in.
 * - Eviction (policy/v1 Eviction on `pods/eviction`): 429 is PodDisruptionBudget back-pressure
 *   and comes back as `{ outcome: 'blocked' }`, never as an error to retry blindly; 404 → `gone`.
 *   Pod deletes carry a uid precondition when given (a recreated pod of the same name is spared).
 * - Events go to `events.k8s.io/v1`; `eventTime` is sent as a MicroTime, with the six fractional
 *   digits the API server requires (docs/facts/kubernetes-events.md `events.eventtime-microseconds`);
 *   409 AlreadyExists of a retried create is `created: false`.
 * - Lists follow `metadata.continue` page by page (kube-http.ts), with label and field selectors.
 * - Errors: 429 → KubernetesThrottledError; 5xx, refused connections and timeouts →
 *   KubernetesUnavailableError; 409 → ConcurrentUpdateError; 404 → undefined on reads, [] on
 *   listing an uninstalled CRD, NodeNotFoundError on patchNode; any other 4xx (403 from RBAC
 *   above all) → KubernetesRequestFailedError with the status code and the API's message; so
 *   does a server certificate the CA does not vouch for.
 * - RBAC: each client call names its verb (the method) and, where it is fixed, its resource (a
 *   constant below); deploy/iam-derivation.ts reads both, and kubernetes-permissions.ts
 *   declares per method what a unit test compares with them.
 */
import { isNetworkError } from '#adapters/aws-errors.ts';
import { KubeHttpClient, type KubeResource, KubeStatusError } from '#adapters/kube-http.ts';
import type { EvictionResult, KubeApi, MergePatch } from '#adapters/ports.ts';
import {
  ConcurrentUpdateError,
  KubernetesRequestFailedError,
  KubernetesThrottledError,
  KubernetesUnavailableError,
  NodeNotFoundError,
} from '#contracts/errors.ts';
import type { KubeNode, KubeObject, KubePod } from '#domain/kube-types.ts';
import type { WorkloadRef } from '#domain/types.ts';
import { WORKLOAD_KINDS } from '#domain/workload-kinds.ts';
import { KUEUE_WORKLOAD } from '#domain/workload-suspension.ts';

/**
 * Plural resource names by `<group>/<kind>` (core group: empty), for walking ownerReferences:
 * the workload kinds of the domain table plus the controllers and Pods that own or are pods.
 * Plurals do not depend on the version, so e.g. an MPIJob of `kubeflow.org/v1` resolves too.
 */
const PLURALS: Readonly<Record<string, string>> = {
  '/Pod': 'pods',
  'apps/ReplicaSet': 'replicasets',
  'apps/Deployment': 'deployments',
  'apps/StatefulSet': 'statefulsets',
  [`${KUEUE_WORKLOAD.group}/${KUEUE_WORKLOAD.kind}`]: KUEUE_WORKLOAD.plural,
  ...Object.fromEntries(
    Object.entries(WORKLOAD_KINDS).map(([kind, { group, plural }]) => [`${group}/${kind}`, plural]),
  ),
};

/** The resources whose address does not depend on the call (literal types: the RBAC derivation reads them). */
const NODES = { group: '', version: 'v1', resource: 'nodes' } as const satisfies KubeResource;
const PODS = { group: '', version: 'v1', resource: 'pods' } as const satisfies KubeResource;
const POD_EVICTION = {
  group: '',
  version: 'v1',
  resource: 'pods',
  subresource: 'eviction',
} as const satisfies KubeResource;
const BATCH_JOBS = { group: 'batch', version: 'v1', resource: 'jobs' } as const satisfies KubeResource;
const EVENTS = { group: 'events.k8s.io', version: 'v1', resource: 'events' } as const satisfies KubeResource;
const CLUSTER_ROLES = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'clusterroles',
} as const satisfies KubeResource;
const CLUSTER_ROLE_BINDINGS = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'clusterrolebindings',
} as const satisfies KubeResource;
const ROLES = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'roles',
} as const satisfies KubeResource;
const ROLE_BINDINGS = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'rolebindings',
} as const satisfies KubeResource;
const ADMISSION_POLICIES = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  resource: 'validatingadmissionpolicies',
} as const satisfies KubeResource;
const ADMISSION_POLICY_BINDINGS = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  resource: 'validatingadmissionpolicybindings',
} as const satisfies KubeResource;

/** Per-request timeout: the Lambda must get an answer (or a retryable error) well before its own limit. */
const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

interface KubeApiOptions {
  /** API server URL (EKS `cluster.endpoint`). */
  server: string;
  /** Base64-encoded PEM CA bundle (EKS `cluster.certificateAuthority.data`). */
  caData?: string;
  /** Bearer token (an EKS token in AWS). */
  token: string;
  /** Tests against plain HTTP or self-signed servers only. */
  skipTLSVerify?: boolean;
  timeoutMs?: number;
  /** Items per list page (default: kube-http.ts's). */
  pageSize?: number;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Group, version and plural of an object kind; undefined for kinds we do not know. */
const resolveResource = (apiVersion: string, kind: string): KubeResource | undefined => {
  const { group, version } = splitApiVersion(apiVersion);
  const resource = PLURALS[`${group}/${kind}`];
  return resource ? { group, version, resource } : undefined;
};

/** List items come without TypeMeta for built-in kinds; give them theirs back. */
const withTypeMeta = <T extends { apiVersion?: string; kind?: string }>(
  item: T,
  apiVersion: string,
  kind: string,
): T => ({
  ...item,
  apiVersion: item.apiVersion ?? apiVersion,
  kind: item.kind ?? kind,
});

const withResourceVersion = (patch: MergePatch, resourceVersion: string | undefined): MergePatch => {
  if (resourceVersion === undefined) return patch;
  const metadata = typeof patch.metadata === 'object' && patch.metadata !== null ? patch.metadata : {};
  return { ...patch, metadata: { ...metadata, resourceVersion } };
};

/**
 * A MicroTime on the wire: RFC 3339 with exactly six fractional digits
 * (docs/facts/kubernetes-events.md `events.eventtime-microseconds`); JavaScript times have
 * milliseconds, so the last three digits are zeros.
 */
const microTime = (value: string): string => {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new KubernetesRequestFailedError(`Kubernetes event: eventTime ${JSON.stringify(value)} is no time`);
  }
  return `${new Date(ms).toISOString().slice(0, -1)}000Z`;
};

const statusOf = (error: unknown): number | undefined =>
  error instanceof KubeStatusError ? error.status : undefined;

/** TLS verification failures (unknown CA, self-signed, wrong host name) anywhere in the cause chain. */
const isTlsTrustError = (error: unknown): boolean => {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME/.test(code)
    ) {
      return true;
    }
    current = current.cause;
  }
  return false;
};

/** Maps a client error to our typed errors; never returns (always throws). */
const toKubeError = (error: unknown, operation: string): never => {
  if (error instanceof KubeStatusError) {
    const { status, reason, apiMessage: message } = error;
    const details = { operation, statusCode: status, ...(reason ? { reason } : {}) };
    const text = `Kubernetes ${operation} failed: HTTP ${status}${reason ? ` ${reason}` : ''}${message ? `: ${message}` : ''}`;
    if (status === 429) throw new KubernetesThrottledError(text, { cause: error, details });
    if (status >= 500) throw new KubernetesUnavailableError(text, { cause: error, details });
    if (status === 409) throw new ConcurrentUpdateError(text, { cause: error, details });
    throw new KubernetesRequestFailedError(text, { cause: error, details });
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const text = `Kubernetes ${operation} failed: ${error instanceof Error ? error.message : String(error)}${cause}`;
  // A certificate the CA does not vouch for is configuration, not weather: retrying cannot help.
  if (isTlsTrustError(error)) {
    throw new KubernetesRequestFailedError(text, { cause: error, details: { operation } });
  }
  if (isNetworkError(error)) {
    throw new KubernetesUnavailableError(text, { cause: error, details: { operation } });
  }
  throw new KubernetesRequestFailedError(text, { cause: error, details: { operation } });
};

/** Runs a request and maps its errors; with `onNotFound`, a 404 yields its result instead. */
async function call<T>(operation: string, request: () => Promise<T>): Promise<T>;
async function call<T, F>(operation: string, request: () => Promise<T>, onNotFound: () => F): Promise<T | F>;
async function call<T, F>(
  operation: string,
  request: () => Promise<T>,
  onNotFound?: () => F,
): Promise<T | F> {
  try {
    return await request();
  } catch (error) {
    if (onNotFound && statusOf(error) === 404) return onNotFound();
    return toKubeError(error, operation);
  }
}

const createKubeApi = (options: KubeApiOptions): KubeApi => {
  const client = new KubeHttpClient({
    server: options.server,
    token: options.token,
    ...(options.caData ? { caData: options.caData } : {}),
    skipTLSVerify: options.skipTLSVerify ?? false,
    timeoutMs: options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  });

  const patchNamespaced = async (
    ref: { apiVersion: string; kind: string; namespace: string; name: string },
    patch: MergePatch,
    resourceVersion: string | undefined,
  ): Promise<KubeObject> => {
    const resource = resolveResource(ref.apiVersion, ref.kind);
    const operation = `PATCH ${ref.kind} ${ref.namespace}/${ref.name}`;
    if (!resource?.group) {
      throw new KubernetesRequestFailedError(
        `Kubernetes ${operation}: unsupported kind ${ref.apiVersion} ${ref.kind}`,
      );
    }
    const body = withResourceVersion(patch, resourceVersion);
    const result = await call(operation, () =>
      client.patch(resource, { namespace: ref.namespace, name: ref.name }, body),
    );
    return result as KubeObject;
  };

  const getNamespaced = async (ref: {
    apiVersion: string;
    kind: string;
    namespace: string;
    name: string;
  }): Promise<KubeObject | undefined> => {
    const resource = resolveResource(ref.apiVersion, ref.kind);
    if (!resource) return undefined;
    const object = await call(
      `GET ${ref.kind} ${ref.namespace}/${ref.name}`,
      () => client.get(resource, { namespace: ref.namespace, name: ref.name }),
      () => undefined,
    );
    return object as KubeObject | undefined;
  };

  const getJob = async (namespace: string, name: string): Promise<KubeObject | undefined> => {
    const job = await call(
      `GET Job ${namespace}/${name}`,
      () => client.get(BATCH_JOBS, { namespace, name }),
      () => undefined,
    );
    return job as KubeObject | undefined;
  };

  return {
    async getNode(name) {
      const node = await call(
        `GET Node ${name}`,
        () => client.get(NODES, { name }),
        () => undefined,
      );
      return node as KubeNode | undefined;
    },

    async listNodes(listOptions = {}) {
      const items = await call('LIST Node', () =>
        client.list(NODES, listOptions.labelSelector ? { labelSelector: listOptions.labelSelector } : {}),
      );
      return (items as KubeNode[]).map((node) => withTypeMeta(node, 'v1', 'Node'));
    },

    async patchNode(name, patch, patchNodeOptions = {}) {
      const operation = `PATCH Node ${name}`;
      const body = withResourceVersion(patch, patchNodeOptions.resourceVersion);
      const node = await call(
        operation,
        () => client.patch(NODES, { name }, body),
        () => {
          throw new NodeNotFoundError(`Kubernetes ${operation} failed: node ${name} not found`, {
            details: { operation, statusCode: 404 },
          });
        },
      );
      return node as KubeNode;
    },

    async listPods({ nodeName, namespace, labelSelector }) {
      const items = await call(
        `LIST Pod${namespace ? ` in ${namespace}` : ''}${nodeName ? ` on ${nodeName}` : ''}`,
        () =>
          client.list(PODS, {
            ...(namespace ? { namespace } : {}),
            ...(nodeName ? { fieldSelector: `spec.nodeName=${nodeName}` } : {}),
            ...(labelSelector ? { labelSelector } : {}),
          }),
      );
      return (items as KubePod[]).map((pod) => withTypeMeta(pod, 'v1', 'Pod'));
    },

    getObject: (ref) => getNamespaced(ref),

    async createJob(namespace, job) {
      const name = job.metadata.name;
      const operation = `CREATE Job ${namespace}/${name}`;
      try {
        const created = await client.create(
          BATCH_JOBS,
          { namespace },
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            ...job,
          },
        );
        return { job: withTypeMeta(created as KubeObject, 'batch/v1', 'Job'), created: true };
      } catch (error) {
        // AlreadyExists: a retried create. The Job that is there is the one to follow.
        if (statusOf(error) === 409) {
          const existing = await getJob(namespace, name);
          if (existing) return { job: existing, created: false };
        }
        return toKubeError(error, operation);
      }
    },

    getJob: (namespace, name) => getJob(namespace, name),

    async deleteJob(namespace, name) {
      await call(
        `DELETE Job ${namespace}/${name}`,
        () => client.delete(BATCH_JOBS, { namespace, name }, { query: { propagationPolicy: 'Background' } }),
        () => undefined,
      );
    },

    getWorkload: (ref: WorkloadRef) => getNamespaced(ref),

    patchWorkload: (ref, patch, patchWorkloadOptions = {}) =>
      patchNamespaced(ref, patch, patchWorkloadOptions.resourceVersion),

    async listObjects(ref) {
      const resource = resolveResource(ref.apiVersion, ref.kind);
      const operation = `LIST ${ref.kind}${ref.namespace ? ` in ${ref.namespace}` : ''}`;
      if (!resource?.group) {
        throw new KubernetesRequestFailedError(
          `Kubernetes ${operation}: unsupported kind ${ref.apiVersion} ${ref.kind}`,
        );
      }
      const items = await call(
        operation,
        () =>
          client.list(resource, {
            ...(ref.namespace ? { namespace: ref.namespace } : {}),
            ...(ref.labelSelector ? { labelSelector: ref.labelSelector } : {}),
          }),
        // The CRD is not installed: nothing of this kind can exist.
        () => [],
      );
      return (items as KubeObject[]).map((item) => withTypeMeta(item, ref.apiVersion, ref.kind));
    },

    async listIdentityObjects(namespace, labelSelector) {
      const list = async (
        resource: KubeResource,
        kind: string,
        apiVersion: string,
        inNamespace?: string,
      ): Promise<KubeObject[]> => {
        const items = await call(`LIST ${kind}${inNamespace ? ` in ${inNamespace}` : ''}`, () =>
          client.list(resource, { ...(inNamespace ? { namespace: inNamespace } : {}), labelSelector }),
        );
        return (items as KubeObject[]).map((item) => withTypeMeta(item, apiVersion, kind));
      };
      const rbac = 'rbac.authorization.k8s.io/v1';
      const admission = 'admissionregistration.k8s.io/v1';
      const lists = await Promise.all([
        list(CLUSTER_ROLES, 'ClusterRole', rbac),
        list(CLUSTER_ROLE_BINDINGS, 'ClusterRoleBinding', rbac),
        list(ROLES, 'Role', rbac, namespace),
        list(ROLE_BINDINGS, 'RoleBinding', rbac, namespace),
        list(ADMISSION_POLICIES, 'ValidatingAdmissionPolicy', admission),
        list(ADMISSION_POLICY_BINDINGS, 'ValidatingAdmissionPolicyBinding', admission),
      ]);
      return lists.flat();
    },

    async servedVersions(group) {
      // GET /apis (discovery, allowed to every authenticated user by the default system:discovery
      // role): served versions only, the group's preferred version named apart.
      const list = (await call('GET /apis (discovery)', () => client.discovery())) as
        | {
            groups?: {
              name?: string;
              versions?: { version?: string }[];
              preferredVersion?: { version?: string };
            }[];
          }
        | undefined;
      const found = (list?.groups ?? []).find((g) => g.name === group);
      if (!found) return [];
      const versions = (found.versions ?? []).flatMap((v) => (v.version ? [v.version] : []));
      const preferred = found.preferredVersion?.version;
      return preferred ? [preferred, ...versions.filter((v) => v !== preferred)] : versions;
    },

    patchObject: (ref, patch, patchObjectOptions = {}) =>
      patchNamespaced(ref, patch, patchObjectOptions.resourceVersion),

    async evictPod(pod, evictOptions = {}): Promise<EvictionResult> {
      const operation = `EVICT Pod ${pod.namespace}/${pod.name}`;
      try {
        await client.create(
          POD_EVICTION,
          { namespace: pod.namespace, name: pod.name },
          {
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: { name: pod.name, namespace: pod.namespace },
            ...(evictOptions.gracePeriodSeconds !== undefined
              ? { deleteOptions: { gracePeriodSeconds: evictOptions.gracePeriodSeconds } }
              : {}),
          },
        );
        return { outcome: 'evicted' };
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) return { outcome: 'gone' };
        if (status === 429) {
          const message = (error as KubeStatusError).apiMessage;
          return { outcome: 'blocked', ...(message ? { message } : {}) };
        }
        return toKubeError(error, operation);
      }
    },

    async deletePod(pod, deleteOptions = {}) {
      const operation = `DELETE Pod ${pod.namespace}/${pod.name}`;
      try {
        await client.delete(
          PODS,
          { namespace: pod.namespace, name: pod.name },
          {
            query: { gracePeriodSeconds: deleteOptions.gracePeriodSeconds },
            ...(pod.uid ? { body: { preconditions: { uid: pod.uid } } } : {}),
          },
        );
        return 'deleted';
      } catch (error) {
        const status = statusOf(error);
        // 409: the uid precondition failed — a new pod of that name exists and is not ours to delete.
        if (status === 404 || (status === 409 && pod.uid)) return 'gone';
        return toKubeError(error, operation);
      }
    },

    async createEvent(event) {
      const { namespace, name } = event.metadata;
      const body = { ...event, eventTime: microTime(event.eventTime) };
      try {
        await client.create(EVENTS, { namespace }, body);
        return { created: true };
      } catch (error) {
        // AlreadyExists: the same incident wrote this Event before (a retried task).
        if (statusOf(error) === 409) return { created: false };
        return toKubeError(error, `CREATE Event ${namespace}/${name}`);
      }
    },

    async listWorkloads(kind, listOptions = {}) {
      const { apiVersion, group, version, plural } = WORKLOAD_KINDS[kind];
      const items = await call(
        `LIST ${kind}`,
        () =>
          client.list(
            { group, version, resource: plural },
            listOptions.labelSelector ? { labelSelector: listOptions.labelSelector } : {},
          ),
        // The CRD is not installed: nothing of this kind can exist.
        () => [],
      );
      return (items as KubeObject[]).map((item) => withTypeMeta(item, apiVersion, kind));
    },
  };
};

export { createKubeApi, DEFAULT_REQUEST_TIMEOUT_MS, type KubeApiOptions, resolveResource };
