/**
 * In-memory KubeApi for unit and integration tests: merge-patch semantics, resourceVersion
 * conflicts, label selectors (`k=v`, `k`), eviction outcomes, and failure injection. Kubernetes
 * behaviour itself (controllers deleting pods, budgets) is proven in e2e tests.
 */
import type { KubeApi, MergePatch } from '#adapters/ports.ts';
import { ConcurrentUpdateError } from '#contracts/errors.ts';
import type { KubeEvent } from '#domain/kube-events.ts';
import type { KubeNode, KubeObject, KubePod } from '#domain/kube-types.ts';
import type { WorkloadKind, WorkloadRef } from '#domain/types.ts';
import { applyMergePatch } from './merge-patch.ts';

type Method = keyof KubeApi;

export interface FakeKubeApi extends KubeApi {
  nodes: Map<string, KubeNode>;
  pods: Map<string, KubePod>;
  objects: Map<string, KubeObject>;
  /** Every mutating call, in order. */
  mutations: { method: Method; target: string; patch: MergePatch }[];
  addNode(node: KubeNode): void;
  addPod(pod: KubePod): void;
  addObject(object: KubeObject): void;
  /** batch/v1 Jobs created through createJob, by `namespace/name`. */
  jobs: Map<string, KubeObject>;
  /**
   * Plays the Job controller and kubelet for createJob: the pod it returns (if any) is stored
   * with the pod template's labels and annotations, bound to the template's nodeName.
   */
  onJobCreated?: (job: KubeObject) => KubePod | undefined;
  /** Pods (`namespace/name`) whose eviction answers 429 (a PodDisruptionBudget allows no disruption). */
  evictionBlocked: Set<string>;
  /**
   * API discovery: the versions each group serves, preferred first. Kueue serves v1beta2
   * (preferred) and v1beta1 by default, as Kueue 0.16+ does.
   */
  servedGroups: Map<string, string[]>;
  /**
   * Pods (`namespace/name`) that stay Terminating when evicted or deleted gracefully, as on a dead
   * node whose kubelet never confirms; only a force delete (grace 0) removes them.
   */
  stuckTerminating: Set<string>;
  /** Events created through createEvent, by `namespace/name` (a second create of a name is AlreadyExists). */
  events: Map<string, KubeEvent>;
  /** The next `count` calls of `method` throw `error`. */
  failNext(method: Method, error: Error, count?: number): void;
  objectKey(ref: { apiVersion?: string; kind?: string; namespace?: string; name: string }): string;
}

const objectKey = (ref: { kind?: string; namespace?: string; name: string }): string =>
  `${ref.kind}/${ref.namespace ?? 'default'}/${ref.name}`;

/** Equality (`k=v`) and existence (`k`) terms, comma-separated, as the API server reads them. */
const matchesSelector = (labels: Record<string, string> | undefined, selector: string | undefined): boolean =>
  !selector ||
  selector
    .split(',')
    .map((term) => term.trim())
    .filter(Boolean)
    .every((term) => {
      const eq = term.indexOf('=');
      if (eq === -1) return labels?.[term] !== undefined;
      return labels?.[term.slice(0, eq)] === term.slice(eq + 1);
    });

/** `now`: the clock the API server stamps objects with (the harness clock, so deadlines agree). */
export const createFakeKubeApi = (options: { now?: () => string } = {}): FakeKubeApi => {
  const now = options.now ?? (() => new Date().toISOString());
  const nodes = new Map<string, KubeNode>();
  const pods = new Map<string, KubePod>();
  const objects = new Map<string, KubeObject>();
  const jobs = new Map<string, KubeObject>();
  const mutations: FakeKubeApi['mutations'] = [];
  const failures = new Map<Method, { error: Error; count: number }>();
  const evictionBlocked = new Set<string>();
  const servedGroups = new Map<string, string[]>([['kueue.x-k8s.io', ['v1beta2', 'v1beta1']]]);
  const stuckTerminating = new Set<string>();
  const events = new Map<string, KubeEvent>();
  let version = 1;
  const nextVersion = () => String(++version);

  const maybeFail = (method: Method) => {
    const failure = failures.get(method);
    if (failure && failure.count > 0) {
      failure.count -= 1;
      throw failure.error;
    }
  };
  const patchStored = <T extends { metadata: { resourceVersion?: string } }>(
    stored: T | undefined,
    patch: MergePatch,
    resourceVersion: string | undefined,
    what: string,
  ): T => {
    if (!stored)
      throw Object.assign(new Error(`${what} not found`), { name: 'KubernetesRequestFailedError' });
    if (resourceVersion && stored.metadata.resourceVersion !== resourceVersion) {
      throw new ConcurrentUpdateError(
        `${what} changed (have ${stored.metadata.resourceVersion}, patch ${resourceVersion})`,
      );
    }
    const patched = applyMergePatch(stored, patch) as T;
    patched.metadata.resourceVersion = nextVersion();
    return patched;
  };

  const api: FakeKubeApi = {
    nodes,
    pods,
    objects,
    jobs,
    mutations,
    evictionBlocked,
    servedGroups,
    stuckTerminating,
    events,
    objectKey,
    addNode(node) {
      nodes.set(node.metadata.name, {
        ...structuredClone(node),
        metadata: { ...node.metadata, resourceVersion: nextVersion() },
      });
    },
    addPod(pod) {
      pods.set(objectKey({ kind: 'Pod', ...pod.metadata }), structuredClone(pod));
    },
    addObject(object) {
      objects.set(objectKey({ kind: object.kind, ...object.metadata }), {
        ...structuredClone(object),
        metadata: { ...object.metadata, resourceVersion: nextVersion() },
      });
    },
    failNext(method, error, count = 1) {
      failures.set(method, { error, count });
    },
    async getNode(name) {
      maybeFail('getNode');
      return structuredClone(nodes.get(name));
    },
    async listNodes() {
      maybeFail('listNodes');
      return [...nodes.values()].map((n) => structuredClone(n));
    },
    async patchNode(name, patch, options) {
      maybeFail('patchNode');
      const patched = patchStored(nodes.get(name), patch, options?.resourceVersion, `node ${name}`);
      nodes.set(name, patched);
      mutations.push({ method: 'patchNode', target: name, patch });
      return structuredClone(patched);
    },
    async listPods(options) {
      maybeFail('listPods');
      return [...pods.values()]
        .filter((p) => !options.nodeName || p.spec?.nodeName === options.nodeName)
        .filter((p) => !options.namespace || p.metadata.namespace === options.namespace)
        .filter((p) => matchesSelector(p.metadata.labels, options.labelSelector))
        .map((p) => structuredClone(p));
    },
    async getObject(ref) {
      maybeFail('getObject');
      return structuredClone(objects.get(objectKey(ref)));
    },
    async createJob(namespace, job) {
      maybeFail('createJob');
      const key = `${namespace}/${job.metadata.name}`;
      const existing = jobs.get(key);
      if (existing) return { job: structuredClone(existing), created: false };
      const stored: KubeObject = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        ...structuredClone(job),
        metadata: {
          ...structuredClone(job.metadata),
          namespace,
          uid: `uid-job-${job.metadata.name}`,
          resourceVersion: nextVersion(),
          creationTimestamp: now(),
        },
      };
      jobs.set(key, stored);
      mutations.push({ method: 'createJob', target: key, patch: {} });
      const pod = api.onJobCreated?.(structuredClone(stored));
      if (pod) {
        const template = (stored.spec?.template ?? {}) as {
          metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
          spec?: { nodeName?: string };
        };
        pods.set(objectKey({ kind: 'Pod', namespace, name: pod.metadata.name }), {
          ...pod,
          metadata: {
            ...pod.metadata,
            namespace,
            labels: {
              ...template.metadata?.labels,
              'batch.kubernetes.io/job-name': job.metadata.name,
              'job-name': job.metadata.name,
              ...pod.metadata.labels,
            },
            annotations: { ...template.metadata?.annotations, ...pod.metadata.annotations },
          },
          spec: { nodeName: template.spec?.nodeName, ...pod.spec },
        });
      }
      return { job: structuredClone(stored), created: true };
    },
    async getJob(namespace, name) {
      maybeFail('getJob');
      return structuredClone(jobs.get(`${namespace}/${name}`));
    },
    async deleteJob(namespace, name) {
      maybeFail('deleteJob');
      const key = `${namespace}/${name}`;
      if (!jobs.delete(key)) return;
      mutations.push({ method: 'deleteJob', target: key, patch: {} });
      for (const [podKey, pod] of pods) {
        if (pod.metadata.namespace === namespace && pod.metadata.labels?.['job-name'] === name)
          pods.delete(podKey);
      }
    },
    async getWorkload(ref: WorkloadRef) {
      maybeFail('getWorkload');
      return structuredClone(objects.get(objectKey(ref)));
    },
    async patchWorkload(ref, patch, options) {
      maybeFail('patchWorkload');
      const key = objectKey(ref);
      const patched = patchStored(objects.get(key), patch, options?.resourceVersion, key);
      objects.set(key, patched);
      mutations.push({ method: 'patchWorkload', target: key, patch });
      return structuredClone(patched);
    },
    async listWorkloads(kind: WorkloadKind, options) {
      maybeFail('listWorkloads');
      return [...objects.values()]
        .filter((o) => o.kind === kind && matchesSelector(o.metadata.labels, options?.labelSelector))
        .map((o) => structuredClone(o));
    },
    async listIdentityObjects(namespace, labelSelector) {
      maybeFail('listIdentityObjects');
      const clusterKinds = [
        'ClusterRole',
        'ClusterRoleBinding',
        'ValidatingAdmissionPolicy',
        'ValidatingAdmissionPolicyBinding',
      ];
      return [...objects.values()]
        .filter((o) =>
          clusterKinds.includes(o.kind ?? '')
            ? true
            : (o.kind === 'Role' || o.kind === 'RoleBinding') && o.metadata.namespace === namespace,
        )
        .filter((o) => matchesSelector(o.metadata.labels, labelSelector))
        .map((o) => structuredClone(o));
    },
    async listObjects(ref) {
      maybeFail('listObjects');
      return [...objects.values()]
        .filter((o) => o.kind === ref.kind)
        .filter((o) => !ref.namespace || o.metadata.namespace === ref.namespace)
        .filter((o) => matchesSelector(o.metadata.labels, ref.labelSelector))
        .map((o) => structuredClone(o));
    },
    async servedVersions(group) {
      maybeFail('servedVersions');
      return [...(servedGroups.get(group) ?? [])];
    },
    async patchObject(ref, patch, options) {
      maybeFail('patchObject');
      const key = objectKey(ref);
      const patched = patchStored(objects.get(key), patch, options?.resourceVersion, key);
      objects.set(key, patched);
      mutations.push({ method: 'patchObject', target: key, patch });
      return structuredClone(patched);
    },
    async evictPod(ref) {
      maybeFail('evictPod');
      const name = `${ref.namespace}/${ref.name}`;
      const key = objectKey({ kind: 'Pod', ...ref });
      const pod = pods.get(key);
      if (!pod) return { outcome: 'gone' };
      if (evictionBlocked.has(name)) {
        return {
          outcome: 'blocked',
          message: "Cannot evict pod as it would violate the pod's disruption budget.",
        };
      }
      mutations.push({ method: 'evictPod', target: name, patch: {} });
      if (stuckTerminating.has(name)) pod.metadata.deletionTimestamp ??= new Date(0).toISOString();
      else pods.delete(key);
      return { outcome: 'evicted' };
    },
    async deletePod(ref, options) {
      maybeFail('deletePod');
      const name = `${ref.namespace}/${ref.name}`;
      const key = objectKey({ kind: 'Pod', ...ref });
      const pod = pods.get(key);
      if (!pod || (ref.uid && pod.metadata.uid !== ref.uid)) return 'gone';
      mutations.push({
        method: 'deletePod',
        target: name,
        patch: { gracePeriodSeconds: options?.gracePeriodSeconds },
      });
      if (stuckTerminating.has(name) && options?.gracePeriodSeconds !== 0) {
        pod.metadata.deletionTimestamp ??= new Date(0).toISOString();
      } else pods.delete(key);
      return 'deleted';
    },
    async createEvent(event) {
      maybeFail('createEvent');
      const key = `${event.metadata.namespace}/${event.metadata.name}`;
      if (events.has(key)) return { created: false };
      events.set(key, structuredClone(event));
      return { created: true };
    },
  };
  return api;
};
