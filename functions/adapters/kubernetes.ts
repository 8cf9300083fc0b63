/**
 * KubeApi on @kubernetes/client-node 2.x.
 *
 * - Core objects (Node, Pod) go through CoreV1Api; every object of a named API group (batch
 *   Jobs, apps controllers and the training CRDs) goes through CustomObjectsApi, whose
 *   `/apis/<group>/<version>/…` paths serve built-in groups as well and return plain JSON.
 *   Typed core results are turned back into plain JSON (the client deserializes timestamps
 *   into Dates; our domain types and Step Functions carry ISO strings).
 * - Patches are JSON merge patches: the generated clients default to `json-patch+json`, so
 *   every patch call sets `Content-Type: application/merge-patch+json` through
 *   `setHeaderOptions`. With `resourceVersion` the patch carries `metadata.resourceVersion`,
 *   which makes the API server reject a stale write with 409.
 * - API discovery (`servedVersions`) reads `GET /apis`, so the Kueue Workload version is the
 *   one the cluster serves, not one compiled in.
 * - Eviction (policy/v1 Eviction on `pods/eviction`): 429 is PodDisruptionBudget back-pressure
 *   and comes back as `{ outcome: 'blocked' }`, never as an error to retry blindly; 404 → `gone`.
 *   Pod deletes carry a uid precondition when given (a recreated pod of the same name is spared).
 * - Events go through EventsV1Api (`events.k8s.io/v1`); `eventTime` is sent as a V1MicroTime,
 *   which serializes with the six fractional digits the API server requires
 *   (docs/facts/kubernetes-events.md `events.eventtime-microseconds`); 409 AlreadyExists of a
 *   retried create is `created: false`.
 * - Errors: 429 → KubernetesThrottledError; 5xx, refused connections and timeouts →
 *   KubernetesUnavailableError; 409 → ConcurrentUpdateError; 404 → undefined on reads, [] on
 *   listing an uninstalled CRD, NodeNotFoundError on patchNode; any other 4xx (403 from RBAC
 *   above all) → KubernetesRequestFailedError with the status code and the API's message; so
 *   does a server certificate the CA does not vouch for.
 */
import {
  ApiException,
  ApisApi,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  Observable,
  type ObservableMiddleware,
  PatchStrategy,
  type RequestContext,
  type ResponseContext,
  setHeaderOptions,
  V1MicroTime,
} from '@kubernetes/client-node';
import { isNetworkError } from '#adapters/aws-errors.ts';
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

/** batch/v1 Jobs through the custom-objects paths (plain JSON in and out). */
const BATCH_JOBS = { group: 'batch', version: 'v1', plural: 'jobs' } as const;

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
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Group, version and plural of an object kind; undefined for kinds we do not know. */
const resolveResource = (
  apiVersion: string,
  kind: string,
): { group: string; version: string; plural: string } | undefined => {
  const { group, version } = splitApiVersion(apiVersion);
  const plural = PLURALS[`${group}/${kind}`];
  return plural ? { group, version, plural } : undefined;
};

/** Typed client results (class instances with Dates) → plain JSON data with ISO strings. */
const toPlain = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T;

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

const statusOf = (error: unknown): number | undefined =>
  error instanceof ApiException && typeof error.code === 'number' ? error.code : undefined;

/** The Kubernetes `Status` message (and reason) from an error response body. */
const apiMessage = (error: ApiException<unknown>): { message?: string; reason?: string } => {
  const body: unknown = error.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 500) } : {};
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const { message, reason } = parsed as { message?: unknown; reason?: unknown };
  return {
    ...(typeof message === 'string' ? { message } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
  };
};

/** undici's transport failure (the real reason is its `cause`). */
const isFetchFailure = (error: unknown): boolean =>
  error instanceof TypeError && error.message === 'fetch failed';

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
  if (error instanceof ApiException) {
    const status = error.code as number;
    const { message, reason } = apiMessage(error);
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
  if (isNetworkError(error) || isFetchFailure(error)) {
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

/** Middleware giving each request its own abort timer. */
const timeoutMiddleware = (timeoutMs: number): ObservableMiddleware => ({
  pre: (context: RequestContext) => {
    context.setSignal(AbortSignal.timeout(timeoutMs));
    return new Observable(Promise.resolve(context));
  },
  post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
});

const createKubeApi = (options: KubeApiOptions): KubeApi => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'cluster',
        server: options.server,
        ...(options.caData ? { caData: options.caData } : {}),
        skipTLSVerify: options.skipTLSVerify ?? false,
      },
    ],
    users: [{ name: 'user', token: options.token }],
    contexts: [{ name: 'context', cluster: 'cluster', user: 'user' }],
    currentContext: 'context',
  });
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apis = kc.makeApiClient(ApisApi);
  const events = kc.makeApiClient(EventsV1Api);

  const timeout = timeoutMiddleware(options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const readOptions = { middleware: [timeout], middlewareMergeStrategy: 'append' as const };
  const patchOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch, readOptions);

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
    const result: unknown = await call(operation, () =>
      custom.patchNamespacedCustomObject(
        { ...resource, namespace: ref.namespace, name: ref.name, body },
        patchOptions,
      ),
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
    const operation = `GET ${ref.kind} ${ref.namespace}/${ref.name}`;
    if (!resource.group) {
      const pod = await call(
        operation,
        () => core.readNamespacedPod({ namespace: ref.namespace, name: ref.name }, readOptions),
        () => undefined,
      );
      return pod ? toPlain<KubeObject>(pod) : undefined;
    }
    const object = await call(
      operation,
      () =>
        custom.getNamespacedCustomObject(
          { ...resource, namespace: ref.namespace, name: ref.name },
          readOptions,
        ),
      () => undefined,
    );
    return object as KubeObject | undefined;
  };

  return {
    async getNode(name) {
      const node = await call(
        `GET Node ${name}`,
        () => core.readNode({ name }, readOptions),
        () => undefined,
      );
      return node ? toPlain<KubeNode>(node) : undefined;
    },

    async listNodes(listOptions = {}) {
      const list = await call('LIST Node', () => core.listNode({ ...listOptions }, readOptions));
      return toPlain<KubeNode[]>(list.items).map((node) => withTypeMeta(node, 'v1', 'Node'));
    },

    async patchNode(name, patch, patchNodeOptions = {}) {
      const operation = `PATCH Node ${name}`;
      const body = withResourceVersion(patch, patchNodeOptions.resourceVersion);
      const node = await call(
        operation,
        () => core.patchNode({ name, body }, patchOptions),
        () => {
          throw new NodeNotFoundError(`Kubernetes ${operation} failed: node ${name} not found`, {
            details: { operation, statusCode: 404 },
          });
        },
      );
      return toPlain<KubeNode>(node);
    },

    async listPods({ nodeName, namespace, labelSelector }) {
      const selectors = {
        ...(nodeName ? { fieldSelector: `spec.nodeName=${nodeName}` } : {}),
        ...(labelSelector ? { labelSelector } : {}),
      };
      const list = await call(
        `LIST Pod${namespace ? ` in ${namespace}` : ''}${nodeName ? ` on ${nodeName}` : ''}`,
        () =>
          namespace
            ? core.listNamespacedPod({ namespace, ...selectors }, readOptions)
            : core.listPodForAllNamespaces(selectors, readOptions),
      );
      return toPlain<KubePod[]>(list.items).map((pod) => withTypeMeta(pod, 'v1', 'Pod'));
    },

    getObject: (ref) => getNamespaced(ref),

    async createJob(namespace, job) {
      const name = job.metadata.name;
      const operation = `CREATE Job ${namespace}/${name}`;
      try {
        const created: unknown = await custom.createNamespacedCustomObject(
          { ...BATCH_JOBS, namespace, body: { apiVersion: 'batch/v1', kind: 'Job', ...job } },
          readOptions,
        );
        return { job: withTypeMeta(created as KubeObject, 'batch/v1', 'Job'), created: true };
      } catch (error) {
        // AlreadyExists: a retried create. The Job that is there is the one to follow.
        if (statusOf(error) === 409) {
          const existing = await getNamespaced({ apiVersion: 'batch/v1', kind: 'Job', namespace, name });
          if (existing) return { job: existing, created: false };
        }
        return toKubeError(error, operation);
      }
    },

    getJob: (namespace, name) => getNamespaced({ apiVersion: 'batch/v1', kind: 'Job', namespace, name }),

    async deleteJob(namespace, name) {
      await call(
        `DELETE Job ${namespace}/${name}`,
        () =>
          custom.deleteNamespacedCustomObject(
            { ...BATCH_JOBS, namespace, name, propagationPolicy: 'Background' },
            readOptions,
          ),
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
      const selector = ref.labelSelector ? { labelSelector: ref.labelSelector } : {};
      const list = (await call(
        operation,
        () =>
          ref.namespace
            ? custom.listNamespacedCustomObject(
                { ...resource, namespace: ref.namespace, ...selector },
                readOptions,
              )
            : custom.listClusterCustomObject({ ...resource, ...selector }, readOptions),
        // The CRD is not installed: nothing of this kind can exist.
        () => ({ items: [] }),
      )) as { items?: KubeObject[] };
      return (list.items ?? []).map((item) => withTypeMeta(item, ref.apiVersion, ref.kind));
    },

    async servedVersions(group) {
      // GET /apis (discovery, allowed to every authenticated user by the default system:discovery
      // role): served versions only, the group's preferred version named apart.
      const list = await call('GET /apis (discovery)', () => apis.getAPIVersions(readOptions));
      const found = list.groups.find((g) => g.name === group);
      if (!found) return [];
      const versions = found.versions.map((v) => v.version);
      const preferred = found.preferredVersion?.version;
      return preferred ? [preferred, ...versions.filter((v) => v !== preferred)] : versions;
    },

    patchObject: (ref, patch, patchObjectOptions = {}) =>
      patchNamespaced(ref, patch, patchObjectOptions.resourceVersion),

    async evictPod(pod, evictOptions = {}): Promise<EvictionResult> {
      const operation = `EVICT Pod ${pod.namespace}/${pod.name}`;
      try {
        await core.createNamespacedPodEviction(
          {
            name: pod.name,
            namespace: pod.namespace,
            body: {
              apiVersion: 'policy/v1',
              kind: 'Eviction',
              metadata: { name: pod.name, namespace: pod.namespace },
              ...(evictOptions.gracePeriodSeconds !== undefined
                ? { deleteOptions: { gracePeriodSeconds: evictOptions.gracePeriodSeconds } }
                : {}),
            },
          },
          readOptions,
        );
        return { outcome: 'evicted' };
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) return { outcome: 'gone' };
        if (status === 429) {
          const { message } = apiMessage(error as ApiException<unknown>);
          return { outcome: 'blocked', ...(message ? { message } : {}) };
        }
        return toKubeError(error, operation);
      }
    },

    async deletePod(pod, deleteOptions = {}) {
      const operation = `DELETE Pod ${pod.namespace}/${pod.name}`;
      try {
        await core.deleteNamespacedPod(
          {
            name: pod.name,
            namespace: pod.namespace,
            ...(deleteOptions.gracePeriodSeconds !== undefined
              ? { gracePeriodSeconds: deleteOptions.gracePeriodSeconds }
              : {}),
            ...(pod.uid ? { body: { preconditions: { uid: pod.uid } } } : {}),
          },
          readOptions,
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
      try {
        await events.createNamespacedEvent(
          { namespace, body: { ...event, eventTime: new V1MicroTime(event.eventTime) } },
          readOptions,
        );
        return { created: true };
      } catch (error) {
        // AlreadyExists: the same incident wrote this Event before (a retried task).
        if (statusOf(error) === 409) return { created: false };
        return toKubeError(error, `CREATE Event ${namespace}/${name}`);
      }
    },

    async listWorkloads(kind, listOptions = {}) {
      const { apiVersion, group, version, plural } = WORKLOAD_KINDS[kind];
      const list = (await call(
        `LIST ${kind}`,
        () =>
          custom.listClusterCustomObject(
            {
              group,
              version,
              plural,
              ...(listOptions.labelSelector ? { labelSelector: listOptions.labelSelector } : {}),
            },
            readOptions,
          ),
        // The CRD is not installed: nothing of this kind can exist.
        () => ({ items: [] }),
      )) as { items?: KubeObject[] };
      return (list.items ?? []).map((item) => withTypeMeta(item, apiVersion, kind));
    },
  };
};

export { createKubeApi, DEFAULT_REQUEST_TIMEOUT_MS, type KubeApiOptions, resolveResource };
