import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKubeApi } from '#adapters/kubernetes.ts';
import type { KubeApi } from '#adapters/ports.ts';
import {
  ConcurrentUpdateError,
  ErrorNames,
  KubernetesRequestFailedError,
  KubernetesThrottledError,
  KubernetesUnavailableError,
} from '#contracts/errors.ts';
import { buildEvent, EventReasons } from '#domain/kube-events.ts';
import { OTHER_CA_CERT, TEST_CA_CERT, TEST_SERVER_CERT, TEST_SERVER_KEY } from './fixtures/test-tls.ts';
import { kubeStatus, type RecordingServer, refusedUrl, startRecordingServer } from './recording-server.ts';

const MERGE_PATCH = 'application/merge-patch+json';

const node = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name,
    uid: `uid-${name}`,
    resourceVersion: '41',
    creationTimestamp: '2026-01-02T03:04:05Z',
    labels: { 'sagemaker.amazonaws.com/node-health-status': 'Schedulable' },
  },
  // A HyperPod node's providerID (docs/facts/node-identity.md), as the kube-apiserver returns it.
  spec: { providerID: 'aws:///use1-az4/sagemaker/cluster/hyperpod-tqci9uwuwqiz-i-0f190b8fa232cef49' },
  status: {
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-02T03:05:00Z' }],
    nodeInfo: { bootID: 'boot-1' },
  },
  ...extra,
});

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

describe('Function: createKubeApi', () => {
  describe('nodes', () => {
    it("gets a node with the bearer token and returns the API server's JSON as it came (timestamps unchanged)", async () => {
      // Prepare
      server.respond = () => ({ body: node('ip-10-1-2-3') });

      // Act
      const result = await kube.getNode('ip-10-1-2-3');

      // Assess
      expect(server.requests).toEqual([
        expect.objectContaining({
          method: 'GET',
          path: '/api/v1/nodes/ip-10-1-2-3',
          authorization: 'Bearer test-token',
        }),
      ]);
      expect(result?.metadata).toMatchObject({ name: 'ip-10-1-2-3', resourceVersion: '41' });
      expect(result).toEqual(node('ip-10-1-2-3'));
      expect(result?.metadata.creationTimestamp).toBe('2026-01-02T03:04:05Z');
      expect(result?.status?.conditions?.[0]?.lastTransitionTime).toBe('2026-01-02T03:05:00Z');
      expect(result?.status?.nodeInfo?.bootID).toBe('boot-1');
    });

    it('returns undefined for a node that does not exist', async () => {
      // Prepare
      server.respond = () => ({ status: 404, body: kubeStatus(404, 'NotFound', 'nodes "gone" not found') });

      // Act
      const result = await kube.getNode('gone');

      // Assess
      expect(result).toBeUndefined();
    });

    it('lists nodes with a label selector and gives list items their kind back', async () => {
      // Prepare
      const { apiVersion: _a, kind: _k, ...bare } = node('n1');
      server.respond = () => ({ body: { kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [bare] } });

      // Act
      const nodes = await kube.listNodes({ labelSelector: 'sagemaker.amazonaws.com/compute-type=hyperpod' });

      // Assess
      expect(server.requests[0]).toMatchObject({
        method: 'GET',
        path: '/api/v1/nodes',
        query: { labelSelector: 'sagemaker.amazonaws.com/compute-type=hyperpod' },
      });
      expect(nodes).toHaveLength(1);
      expect(nodes[0]).toMatchObject({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    });

    it('sends node patches as JSON merge patches, nulls included', async () => {
      // Prepare
      server.respond = () => ({ body: node('n1', { spec: { unschedulable: true } }) });
      const patch = {
        spec: { unschedulable: true },
        metadata: { annotations: { 'hyperpod-resilience.io/incident': 'inc-1', stale: null } },
      };

      // Act
      const result = await kube.patchNode('n1', patch);

      // Assess
      expect(server.requests).toEqual([
        expect.objectContaining({
          method: 'PATCH',
          path: '/api/v1/nodes/n1',
          contentType: MERGE_PATCH,
          body: patch,
        }),
      ]);
      expect(result.spec?.unschedulable).toBe(true);
    });

    it('puts resourceVersion into the patch metadata and maps the 409 of a stale write to ConcurrentUpdateError', async () => {
      // Prepare
      server.respond = () => ({
        status: 409,
        body: kubeStatus(
          409,
          'Conflict',
          'Operation cannot be fulfilled on nodes "n1": the object has been modified',
        ),
      });

      // Act
      const error = await kube
        .patchNode('n1', { metadata: { labels: { a: 'b' } } }, { resourceVersion: '41' })
        .catch((e: unknown) => e);

      // Assess
      expect(server.requests[0]?.body).toEqual({ metadata: { labels: { a: 'b' }, resourceVersion: '41' } });
      expect(error).toBeInstanceOf(ConcurrentUpdateError);
      expect((error as Error).message).toContain('the object has been modified');
    });

    it('maps a patch of a node that does not exist to NodeNotFoundError', async () => {
      // Prepare
      server.respond = () => ({ status: 404, body: kubeStatus(404, 'NotFound', 'nodes "gone" not found') });

      // Act
      const error = await kube.patchNode('gone', { spec: { unschedulable: true } }).catch((e: unknown) => e);

      // Assess
      expect(error).toMatchObject({ name: ErrorNames.NodeNotFound });
    });
  });

  describe('pods', () => {
    it('lists the pods of a node cluster-wide with the spec.nodeName field selector', async () => {
      // Prepare
      server.respond = () => ({
        body: { kind: 'PodList', apiVersion: 'v1', items: [{ metadata: { name: 'p1', namespace: 'ml' } }] },
      });

      // Act
      const pods = await kube.listPods({ nodeName: 'ip-10-1-2-3' });

      // Assess
      expect(server.requests[0]).toMatchObject({
        method: 'GET',
        path: '/api/v1/pods',
        query: { fieldSelector: 'spec.nodeName=ip-10-1-2-3' },
      });
      expect(pods).toEqual([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'ml' } }]);
    });

    it('lists the pods of one namespace with both selectors', async () => {
      // Prepare
      server.respond = () => ({ body: { items: [] } });

      // Act
      await kube.listPods({ namespace: 'ml', nodeName: 'n1', labelSelector: 'app=trainer' });

      // Assess
      expect(server.requests[0]).toMatchObject({
        path: '/api/v1/namespaces/ml/pods',
        query: { fieldSelector: 'spec.nodeName=n1', labelSelector: 'app=trainer' },
      });
    });

    it('lists every pod of a node across the pages the API server answers in, 500 at a time', async () => {
      // Prepare: two pages, the first with a continue token (docs/facts/kubernetes-http.md kube-http.list-chunking).
      server.respond = (request) =>
        request.query.continue === 'next'
          ? {
              body: { kind: 'PodList', metadata: {}, items: [{ metadata: { name: 'p2', namespace: 'ml' } }] },
            }
          : {
              body: {
                kind: 'PodList',
                metadata: { continue: 'next' },
                items: [{ metadata: { name: 'p1', namespace: 'ml' } }],
              },
            };

      // Act
      const pods = await kube.listPods({ nodeName: 'n1' });

      // Assess
      expect(pods.map((p) => [p.kind, p.metadata.name])).toEqual([
        ['Pod', 'p1'],
        ['Pod', 'p2'],
      ]);
      expect(server.requests.map((r) => r.query)).toEqual([
        { fieldSelector: 'spec.nodeName=n1', limit: '500' },
        { fieldSelector: 'spec.nodeName=n1', limit: '500', continue: 'next' },
      ]);
    });
  });

  describe('objects and workloads', () => {
    it.each([
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', path: '/apis/apps/v1/namespaces/ml/replicasets/x' },
      { apiVersion: 'apps/v1', kind: 'Deployment', path: '/apis/apps/v1/namespaces/ml/deployments/x' },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', path: '/apis/apps/v1/namespaces/ml/statefulsets/x' },
      { apiVersion: 'batch/v1', kind: 'Job', path: '/apis/batch/v1/namespaces/ml/jobs/x' },
      { apiVersion: 'v1', kind: 'Pod', path: '/api/v1/namespaces/ml/pods/x' },
      {
        apiVersion: 'kubeflow.org/v1',
        kind: 'PyTorchJob',
        path: '/apis/kubeflow.org/v1/namespaces/ml/pytorchjobs/x',
      },
      {
        apiVersion: 'kubeflow.org/v2beta1',
        kind: 'MPIJob',
        path: '/apis/kubeflow.org/v2beta1/namespaces/ml/mpijobs/x',
      },
      {
        apiVersion: 'kubeflow.org/v1',
        kind: 'MPIJob',
        path: '/apis/kubeflow.org/v1/namespaces/ml/mpijobs/x',
      },
      {
        apiVersion: 'jobset.x-k8s.io/v1alpha2',
        kind: 'JobSet',
        path: '/apis/jobset.x-k8s.io/v1alpha2/namespaces/ml/jobsets/x',
      },
      {
        apiVersion: 'sagemaker.amazonaws.com/v1',
        kind: 'HyperPodPyTorchJob',
        path: '/apis/sagemaker.amazonaws.com/v1/namespaces/ml/hyperpodpytorchjobs/x',
      },
    ])('gets a $kind of $apiVersion from $path', async ({ apiVersion, kind, path }) => {
      // Prepare
      server.respond = () => ({ body: { apiVersion, kind, metadata: { name: 'x', namespace: 'ml' } } });

      // Act
      const object = await kube.getObject({ apiVersion, kind, namespace: 'ml', name: 'x' });

      // Assess
      expect(server.requests[0]).toMatchObject({ method: 'GET', path });
      expect(object).toMatchObject({ apiVersion, kind, metadata: { name: 'x' } });
    });

    it('returns undefined for an unknown kind without asking the API server', async () => {
      // Act
      const object = await kube.getObject({
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        namespace: 'ml',
        name: 'w',
      });

      // Assess
      expect(object).toBeUndefined();
      expect(server.requests).toEqual([]);
    });

    it('returns undefined for an owner that is gone', async () => {
      // Prepare
      server.respond = () => ({
        status: 404,
        body: kubeStatus(404, 'NotFound', 'replicasets.apps "x" not found'),
      });

      // Act
      const object = await kube.getObject({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        namespace: 'ml',
        name: 'x',
      });

      // Assess
      expect(object).toBeUndefined();
    });

    it('gets a workload by its ref', async () => {
      // Prepare
      server.respond = () => ({
        body: { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'llm' } },
      });

      // Act
      const job = await kube.getWorkload({
        kind: 'PyTorchJob',
        apiVersion: 'kubeflow.org/v1',
        namespace: 'ml',
        name: 'llm',
      });

      // Assess
      expect(server.requests[0]?.path).toBe('/apis/kubeflow.org/v1/namespaces/ml/pytorchjobs/llm');
      expect(job?.metadata.name).toBe('llm');
    });

    it('merge-patches a workload with its resourceVersion', async () => {
      // Prepare
      server.respond = () => ({
        body: { apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', metadata: { name: 'js' } },
      });

      // Act
      await kube.patchWorkload(
        { kind: 'JobSet', apiVersion: 'jobset.x-k8s.io/v1alpha2', namespace: 'ml', name: 'js' },
        { spec: { suspend: true } },
        { resourceVersion: '7' },
      );

      // Assess
      expect(server.requests[0]).toMatchObject({
        method: 'PATCH',
        path: '/apis/jobset.x-k8s.io/v1alpha2/namespaces/ml/jobsets/js',
        contentType: MERGE_PATCH,
        body: { spec: { suspend: true }, metadata: { resourceVersion: '7' } },
      });
    });

    it('merge-patches a batch Job through its API group', async () => {
      // Prepare
      server.respond = () => ({ body: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' } } });

      // Act
      await kube.patchWorkload(
        { kind: 'Job', apiVersion: 'batch/v1', namespace: 'ml', name: 'j' },
        { spec: { suspend: true } },
      );

      // Assess
      expect(server.requests[0]).toMatchObject({
        method: 'PATCH',
        path: '/apis/batch/v1/namespaces/ml/jobs/j',
        contentType: MERGE_PATCH,
        body: { spec: { suspend: true } },
      });
    });

    it('lists a workload kind cluster-wide with a label selector and fills in the kind of each item', async () => {
      // Prepare
      server.respond = () => ({
        body: { apiVersion: 'batch/v1', kind: 'JobList', items: [{ metadata: { name: 'j1' } }] },
      });

      // Act
      const jobs = await kube.listWorkloads('Job', {
        labelSelector: 'hyperpod-resilience.io/suspended=true',
      });

      // Assess
      expect(server.requests[0]).toMatchObject({
        method: 'GET',
        path: '/apis/batch/v1/jobs',
        query: { labelSelector: 'hyperpod-resilience.io/suspended=true' },
      });
      expect(jobs).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j1' } }]);
    });

    it('lists nothing when the CRD of a workload kind is not installed', async () => {
      // Prepare
      server.respond = () => ({
        status: 404,
        body: kubeStatus(404, 'NotFound', 'the server could not find the requested resource'),
      });

      // Act
      const jobs = await kube.listWorkloads('MPIJob');

      // Assess
      expect(server.requests[0]?.path).toBe('/apis/kubeflow.org/v2beta1/mpijobs');
      expect(jobs).toEqual([]);
    });
  });

  describe('events', () => {
    const event = buildEvent({
      reason: EventReasons.NodeQuarantined,
      type: 'Warning',
      regarding: { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1' },
      incidentId: 'inc-1',
      message: 'cordoned',
      at: '2026-11-29T10:00:01.234Z',
      instance: 'QuarantineNode',
    });

    it('creates an events.k8s.io/v1 Event in its namespace with a six-digit eventTime', async () => {
      // Prepare
      server.respond = (request) => ({ status: 201, body: request.body });

      // Act
      const result = await kube.createEvent(event);

      // Assess
      expect(result).toEqual({ created: true });
      expect(server.requests).toEqual([
        expect.objectContaining({ method: 'POST', path: '/apis/events.k8s.io/v1/namespaces/default/events' }),
      ]);
      // metav1.RFC3339Micro "2006-01-02T15:04:05.000000Z07:00": exactly six fractional digits
      // (a millisecond toISOString() is rejected; kubernetes/kubernetes PR #141204).
      expect(server.requests[0]?.body).toEqual({ ...event, eventTime: '2026-11-29T10:00:01.234000Z' });
    });

    it('answers created: false when the Event is already there (a retried task)', async () => {
      // Prepare
      server.respond = () => ({
        status: 409,
        body: kubeStatus(
          409,
          'AlreadyExists',
          `events.events.k8s.io "${event.metadata.name}" already exists`,
        ),
      });

      // Act
      const result = await kube.createEvent(event);

      // Assess
      expect(result).toEqual({ created: false });
    });

    it('maps a 403 from RBAC to KubernetesRequestFailedError naming the Event', async () => {
      // Prepare
      server.respond = () => ({
        status: 403,
        body: kubeStatus(
          403,
          'Forbidden',
          'events.events.k8s.io is forbidden: User "x" cannot create resource',
        ),
      });

      // Act
      const error = await kube.createEvent(event).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(KubernetesRequestFailedError);
      expect((error as Error).message).toContain(`CREATE Event default/${event.metadata.name}`);
    });
  });

  describe('error mapping', () => {
    it.each([
      { status: 429, reason: 'TooManyRequests', expected: KubernetesThrottledError },
      { status: 500, reason: 'InternalError', expected: KubernetesUnavailableError },
      { status: 503, reason: 'ServiceUnavailable', expected: KubernetesUnavailableError },
      { status: 409, reason: 'Conflict', expected: ConcurrentUpdateError },
      { status: 422, reason: 'Invalid', expected: KubernetesRequestFailedError },
      { status: 401, reason: 'Unauthorized', expected: KubernetesRequestFailedError },
    ])('maps HTTP $status to $expected.name', async ({ status, reason, expected }) => {
      // Prepare
      server.respond = () => ({ status, body: kubeStatus(status, reason, `${reason} from the API server`) });

      // Act
      const error = await kube.listNodes().catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(expected);
      expect(error).toMatchObject({ details: { statusCode: status } });
    });

    it('maps an RBAC 403 to KubernetesRequestFailedError naming the status and the API message', async () => {
      // Prepare
      const message =
        'nodes "n1" is forbidden: User "arn:aws:sts::111122223333:assumed-role/autopilot" cannot patch resource "nodes"';
      server.respond = () => ({ status: 403, body: kubeStatus(403, 'Forbidden', message) });

      // Act
      const error = await kube.patchNode('n1', { spec: { unschedulable: true } }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(KubernetesRequestFailedError);
      expect((error as Error).message).toContain('403');
      expect((error as Error).message).toContain(message);
      expect(error).toMatchObject({ retryable: false, details: { statusCode: 403, reason: 'Forbidden' } });
      expect((error as Error).cause).toBeDefined();
    });

    it('maps a refused connection to KubernetesUnavailableError', async () => {
      // Prepare
      const unreachable = createKubeApi({ server: await refusedUrl(), token: 't', skipTLSVerify: true });

      // Act
      const error = await unreachable.getNode('n1').catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(KubernetesUnavailableError);
      expect((error as Error).cause).toBeDefined();
    });

    it('maps a request that outlives its timeout to KubernetesUnavailableError', async () => {
      // Prepare
      server.respond = () => ({ hang: true });
      const impatient = createKubeApi({
        server: server.url,
        token: 't',
        skipTLSVerify: true,
        timeoutMs: 100,
      });

      // Act
      const error = await impatient.getNode('n1').catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(KubernetesUnavailableError);
    });
  });
});

describe('Function: createKubeApi over TLS', () => {
  let tlsServer: RecordingServer;

  beforeAll(async () => {
    tlsServer = await startRecordingServer({ cert: TEST_SERVER_CERT, key: TEST_SERVER_KEY });
    tlsServer.respond = () => ({ body: node('n1') });
  });

  afterAll(async () => {
    await tlsServer.close();
  });

  it('trusts the API server through the base64 CA bundle it is given', async () => {
    // Prepare
    const trusting = createKubeApi({
      server: tlsServer.url,
      caData: Buffer.from(TEST_CA_CERT).toString('base64'),
      token: 'tls-token',
    });

    // Act
    const result = await trusting.getNode('n1');

    // Assess
    expect(result?.metadata.name).toBe('n1');
    expect(tlsServer.requests.at(-1)?.authorization).toBe('Bearer tls-token');
  });

  it('refuses an API server whose certificate another CA signed', async () => {
    // Prepare
    const suspicious = createKubeApi({
      server: tlsServer.url,
      caData: Buffer.from(OTHER_CA_CERT).toString('base64'),
      token: 'tls-token',
    });

    // Act
    const error = await suspicious.getNode('n1').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(KubernetesRequestFailedError);
  });
});
