/** The KubeApi methods the workload tasks added: any-kind list and patch, eviction, pod delete. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKubeApi } from '#adapters/kubernetes.ts';
import type { KubeApi } from '#adapters/ports.ts';
import { KubernetesRequestFailedError, KubernetesUnavailableError } from '#contracts/errors.ts';
import { kubeStatus, type RecordingServer, startRecordingServer } from './recording-server.ts';

let server: RecordingServer;
let kube: KubeApi;
const WORKLOAD = { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'Workload' };

beforeAll(async () => {
  server = await startRecordingServer();
  kube = createKubeApi({ server: server.url, token: 'test-token', skipTLSVerify: true });
});

afterEach(() => {
  server.requests.length = 0;
  server.respond = () => ({ status: 200, body: {} });
});

afterAll(async () => {
  await server.close();
});

describe('Function: createKubeApi (workload additions)', () => {
  it('lists Kueue Workloads of one namespace by label and gives each its kind', async () => {
    // Prepare
    server.respond = () => ({ body: { items: [{ metadata: { name: 'job-a-1' } }] } });

    // Act
    const items = await kube.listObjects({
      ...WORKLOAD,
      namespace: 'ml',
      labelSelector: 'kueue.x-k8s.io/job-uid=u1',
    });

    // Assess
    expect(server.requests[0]).toMatchObject({
      method: 'GET',
      path: '/apis/kueue.x-k8s.io/v1beta1/namespaces/ml/workloads',
      query: { labelSelector: 'kueue.x-k8s.io/job-uid=u1' },
    });
    expect(items).toEqual([{ ...WORKLOAD, metadata: { name: 'job-a-1' } }]);
  });

  it('lists cluster-wide without a namespace, and nothing when the CRD is not installed', async () => {
    // Prepare
    server.respond = () => ({ status: 404, body: kubeStatus(404, 'NotFound', 'not found') });

    // Act
    const items = await kube.listObjects(WORKLOAD);

    // Assess
    expect(server.requests[0]?.path).toBe('/apis/kueue.x-k8s.io/v1beta1/workloads');
    expect(items).toEqual([]);
  });

  it('refuses to list a kind it does not know', async () => {
    // Act & Assess
    await expect(kube.listObjects({ apiVersion: 'v1', kind: 'Secret' })).rejects.toThrow(
      KubernetesRequestFailedError,
    );
    expect(server.requests).toEqual([]);
  });

  it('discovers the versions an API group serves, preferred first, from GET /apis', async () => {
    // Prepare: the discovery answer of a cluster with Kueue 0.16+ (both versions served, v1beta2
    // preferred as the higher Kubernetes version) next to another group.
    server.respond = () => ({
      body: {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [
          {
            name: 'batch',
            versions: [{ groupVersion: 'batch/v1', version: 'v1' }],
            preferredVersion: { groupVersion: 'batch/v1', version: 'v1' },
          },
          {
            name: 'kueue.x-k8s.io',
            versions: [
              { groupVersion: 'kueue.x-k8s.io/v1beta1', version: 'v1beta1' },
              { groupVersion: 'kueue.x-k8s.io/v1beta2', version: 'v1beta2' },
            ],
            preferredVersion: { groupVersion: 'kueue.x-k8s.io/v1beta2', version: 'v1beta2' },
          },
        ],
      },
    });

    // Act
    const kueue = await kube.servedVersions('kueue.x-k8s.io');
    const absent = await kube.servedVersions('jobset.x-k8s.io');

    // Assess
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/apis' });
    expect(kueue).toEqual(['v1beta2', 'v1beta1']);
    expect(absent).toEqual([]);
  });

  it('merge-patches a Kueue Workload', async () => {
    // Prepare
    server.respond = () => ({ body: { ...WORKLOAD, metadata: { name: 'w' } } });

    // Act
    await kube.patchObject({ ...WORKLOAD, namespace: 'ml', name: 'w' }, { spec: { active: false } });

    // Assess
    expect(server.requests[0]).toMatchObject({
      method: 'PATCH',
      path: '/apis/kueue.x-k8s.io/v1beta1/namespaces/ml/workloads/w',
      contentType: 'application/merge-patch+json',
      body: { spec: { active: false } },
    });
  });

  it('evicts a pod through the policy/v1 eviction subresource', async () => {
    // Prepare
    server.respond = () => ({ status: 201, body: { kind: 'Status', status: 'Success' } });

    // Act
    const result = await kube.evictPod({ namespace: 'ml', name: 'web-0' }, { gracePeriodSeconds: 30 });

    // Assess
    expect(result).toEqual({ outcome: 'evicted' });
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/namespaces/ml/pods/web-0/eviction',
      body: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: 'web-0', namespace: 'ml' },
        deleteOptions: { gracePeriodSeconds: 30 },
      },
    });
  });

  it.each([
    {
      case: 'a 429 is a budget saying not now, with its message',
      status: 429,
      expected: {
        outcome: 'blocked',
        message: "Cannot evict pod as it would violate the pod's disruption budget.",
      },
    },
    { case: 'a 404 means the pod is already gone', status: 404, expected: { outcome: 'gone' } },
  ])('$case', async ({ status, expected }) => {
    // Prepare
    server.respond = () => ({
      status,
      body: kubeStatus(
        status,
        status === 429 ? 'TooManyRequests' : 'NotFound',
        expected.message ?? 'not found',
      ),
    });

    // Act & Assess
    expect(await kube.evictPod({ namespace: 'ml', name: 'web-0' })).toEqual(expected);
  });

  it('maps a failing eviction like any other call', async () => {
    // Prepare
    server.respond = () => ({ status: 503, body: kubeStatus(503, 'ServiceUnavailable', 'etcd') });

    // Act & Assess
    await expect(kube.evictPod({ namespace: 'ml', name: 'web-0' })).rejects.toThrow(
      KubernetesUnavailableError,
    );
  });

  it('force-deletes a pod with grace 0 and a uid precondition', async () => {
    // Prepare
    server.respond = () => ({ body: { kind: 'Pod', metadata: { name: 'db-0' } } });

    // Act
    const result = await kube.deletePod(
      { namespace: 'ml', name: 'db-0', uid: 'u-1' },
      { gracePeriodSeconds: 0 },
    );

    // Assess
    expect(result).toBe('deleted');
    expect(server.requests[0]).toMatchObject({
      method: 'DELETE',
      path: '/api/v1/namespaces/ml/pods/db-0',
      query: { gracePeriodSeconds: '0' },
      body: { preconditions: { uid: 'u-1' } },
    });
  });

  it.each([
    { case: 'a pod already gone', status: 404, uid: undefined },
    { case: 'a pod recreated under the same name (uid precondition failed)', status: 409, uid: 'u-1' },
  ])('reports $case as gone', async ({ status, uid }) => {
    // Prepare
    server.respond = () => ({ status, body: kubeStatus(status, 'Conflict', 'precondition failed') });

    // Act & Assess
    expect(await kube.deletePod({ namespace: 'ml', name: 'db-0', ...(uid ? { uid } : {}) })).toBe('gone');
  });

  it('maps a 409 without a uid precondition, and other errors, as usual', async () => {
    // Prepare
    server.respond = () => ({ status: 403, body: kubeStatus(403, 'Forbidden', 'no') });

    // Act & Assess
    await expect(kube.deletePod({ namespace: 'ml', name: 'db-0' })).rejects.toThrow(
      KubernetesRequestFailedError,
    );
  });
});
