import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKubeApi } from '#adapters/kubernetes.ts';
import type { KubeApi } from '#adapters/ports.ts';
import { ErrorNames } from '#contracts/errors.ts';
import { kubeStatus, type RecordingServer, startRecordingServer } from './recording-server.ts';

const NS = 'hyperpod-resilience';
const job = {
  metadata: {
    name: 'hpr-qc-0123456789abcdef',
    namespace: NS,
    labels: { 'hyperpod-resilience.io/health-check': 'x' },
  },
  spec: { backoffLimit: 0, template: { spec: { nodeName: 'hyperpod-i-0123456789abcdef0' } } },
};
const stored = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  ...job,
  metadata: { ...job.metadata, uid: 'u1', resourceVersion: '7' },
};

let server: RecordingServer;
let kube: KubeApi;

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

describe('Function: createKubeApi (health-check Jobs)', () => {
  it('creates a batch/v1 Job in the namespace with its kind filled in', async () => {
    // Prepare
    server.respond = () => ({ status: 201, body: stored });

    // Act
    const result = await kube.createJob(NS, job);

    // Assess
    expect(server.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: `/apis/batch/v1/namespaces/${NS}/jobs`,
        body: { apiVersion: 'batch/v1', kind: 'Job', ...job },
      }),
    ]);
    expect(result).toEqual({ job: stored, created: true });
  });

  it('follows the Job already there when a retried create answers AlreadyExists', async () => {
    // Prepare
    server.respond = (request) =>
      request.method === 'POST'
        ? {
            status: 409,
            body: kubeStatus(409, 'AlreadyExists', 'jobs.batch "hpr-qc-0123456789abcdef" already exists'),
          }
        : { body: stored };

    // Act
    const result = await kube.createJob(NS, job);

    // Assess
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /apis/batch/v1/namespaces/${NS}/jobs`,
      `GET /apis/batch/v1/namespaces/${NS}/jobs/hpr-qc-0123456789abcdef`,
    ]);
    expect(result).toEqual({ job: stored, created: false });
  });

  it.each([
    {
      case: 'a forbidden create (RBAC outside our namespace)',
      status: 403,
      error: ErrorNames.KubernetesRequestFailed,
    },
    { case: 'a conflict whose Job vanished', status: 409, error: ErrorNames.ConcurrentUpdate },
    { case: 'a throttled create', status: 429, error: ErrorNames.KubernetesThrottled },
  ])('maps $case to $error', async ({ status, error }) => {
    // Prepare
    server.respond = (request) =>
      request.method === 'POST'
        ? { status, body: kubeStatus(status, 'Nope', 'no') }
        : { status: 404, body: kubeStatus(404, 'NotFound', 'gone') };

    // Act
    const thrown = await kube.createJob(NS, job).catch((e: unknown) => e);

    // Assess
    expect((thrown as Error).name).toBe(error);
  });

  it('reads a Job, and undefined when it does not exist', async () => {
    // Prepare
    server.respond = (request) =>
      request.path.endsWith('/gone')
        ? { status: 404, body: kubeStatus(404, 'NotFound', 'not found') }
        : { body: stored };

    // Act
    const found = await kube.getJob(NS, 'hpr-qc-0123456789abcdef');
    const missing = await kube.getJob(NS, 'gone');

    // Assess
    expect(found).toEqual(stored);
    expect(missing).toBeUndefined();
  });

  it('deletes a Job with background propagation so its pods go too, and ignores one already gone', async () => {
    // Prepare
    server.respond = (request) =>
      request.path.endsWith('/gone')
        ? { status: 404, body: kubeStatus(404, 'NotFound', 'not found') }
        : { body: {} };

    // Act
    await kube.deleteJob(NS, 'hpr-qc-0123456789abcdef');
    await kube.deleteJob(NS, 'gone');

    // Assess
    expect(server.requests[0]).toMatchObject({
      method: 'DELETE',
      path: `/apis/batch/v1/namespaces/${NS}/jobs/hpr-qc-0123456789abcdef`,
      query: { propagationPolicy: 'Background' },
    });
    expect(server.requests).toHaveLength(2);
  });

  it('lists the check pods of a Job by label in our namespace', async () => {
    // Prepare
    server.respond = () => ({ body: { items: [{ metadata: { name: 'p1' } }] } });

    // Act
    const pods = await kube.listPods({
      namespace: NS,
      labelSelector: 'hyperpod-resilience.io/health-check=hpr-qc-1',
    });

    // Assess
    expect(server.requests[0]).toMatchObject({
      path: `/api/v1/namespaces/${NS}/pods`,
      query: { labelSelector: 'hyperpod-resilience.io/health-check=hpr-qc-1' },
    });
    expect(pods.map((p) => p.metadata.name)).toEqual(['p1']);
  });
});
