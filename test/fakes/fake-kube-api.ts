/**
 * In-memory KubeApi for unit and integration tests: merge-patch semantics, resourceVersion
 * conflicts, and failure injection. Kubernetes behaviour itself is proven in e2e tests.
 */
import type { KubeApi, MergePatch } from '#adapters/ports.ts';
import type { KubeNode, KubeObject, KubePod } from '#domain/kube-types.ts';
import type { WorkloadKind, WorkloadRef } from '#domain/types.ts';
import { ConcurrentUpdateError } from '#shared/errors.ts';
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
  /** The next `count` calls of `method` throw `error`. */
  failNext(method: Method, error: Error, count?: number): void;
  objectKey(ref: { apiVersion?: string; kind?: string; namespace?: string; name: string }): string;
}

const objectKey = (ref: { kind?: string; namespace?: string; name: string }): string =>
  `${ref.kind}/${ref.namespace ?? 'default'}/${ref.name}`;

export const createFakeKubeApi = (): FakeKubeApi => {
  const nodes = new Map<string, KubeNode>();
  const pods = new Map<string, KubePod>();
  const objects = new Map<string, KubeObject>();
  const mutations: FakeKubeApi['mutations'] = [];
  const failures = new Map<Method, { error: Error; count: number }>();
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
    mutations,
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
        .map((p) => structuredClone(p));
    },
    async getObject(ref) {
      maybeFail('getObject');
      return structuredClone(objects.get(objectKey(ref)));
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
    async listWorkloads(kind: WorkloadKind) {
      maybeFail('listWorkloads');
      return [...objects.values()].filter((o) => o.kind === kind).map((o) => structuredClone(o));
    },
  };
  return api;
};
