/**
 * Our Kubernetes REST client on node:https, against local HTTP(S) servers: paths, list chunking
 * with `continue`, merge patches, Status errors, timeouts, TLS trust, and the resend of a request
 * whose kept-alive connection the server had closed (docs/facts/kubernetes-http.md).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeHttpClient, KubeStatusError, resourcePath } from '#adapters/kube-http.ts';
import { OTHER_CA_CERT, TEST_CA_CERT, TEST_SERVER_CERT, TEST_SERVER_KEY } from './fixtures/test-tls.ts';
import { kubeStatus, type RecordingServer, refusedUrl, startRecordingServer } from './recording-server.ts';

const PODS = { group: '', version: 'v1', resource: 'pods' } as const;
const JOBSETS = { group: 'jobset.x-k8s.io', version: 'v1alpha2', resource: 'jobsets' } as const;

let server: RecordingServer;
let client: KubeHttpClient;

beforeAll(async () => {
  server = await startRecordingServer();
  client = new KubeHttpClient({ server: server.url, token: 'tok', timeoutMs: 5_000, pageSize: 2 });
});

afterEach(() => {
  server.requests.length = 0;
  server.respond = () => ({ status: 200, body: {} });
});

afterAll(async () => {
  await server.close();
});

describe('Function: resourcePath', () => {
  it.each([
    // Path shapes from kubernetes/website content/en/docs/reference/using-api/api-concepts.md
    // ("Resource URIs"; core resources use /api and omit the group).
    { resource: PODS, target: {}, path: '/api/v1/pods' },
    { resource: PODS, target: { namespace: 'ml' }, path: '/api/v1/namespaces/ml/pods' },
    { resource: PODS, target: { namespace: 'ml', name: 'p' }, path: '/api/v1/namespaces/ml/pods/p' },
    { resource: JOBSETS, target: {}, path: '/apis/jobset.x-k8s.io/v1alpha2/jobsets' },
    {
      resource: JOBSETS,
      target: { namespace: 'ml', name: 'js' },
      path: '/apis/jobset.x-k8s.io/v1alpha2/namespaces/ml/jobsets/js',
    },
    {
      resource: { ...PODS, subresource: 'eviction' },
      target: { namespace: 'ml', name: 'p' },
      path: '/api/v1/namespaces/ml/pods/p/eviction',
    },
  ])('addresses $path', ({ resource, target, path }) => {
    // Assess
    expect(resourcePath(resource, target)).toBe(path);
  });
});

describe('Class: KubeHttpClient', () => {
  it('lists in chunks of pageSize, following metadata.continue with the same selectors until it is empty', async () => {
    // Prepare: three pages, as in the chunking example of the API concepts page.
    const pages: Record<string, { items: unknown[]; continue?: string }> = {
      '': { items: [{ n: 1 }, { n: 2 }], continue: 'ENCODED_CONTINUE_TOKEN' },
      ENCODED_CONTINUE_TOKEN: { items: [{ n: 3 }, { n: 4 }], continue: 'ENCODED_CONTINUE_TOKEN_2' },
      ENCODED_CONTINUE_TOKEN_2: { items: [{ n: 5 }] },
    };
    server.respond = (request) => {
      const page = pages[request.query.continue ?? ''];
      return {
        body: {
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: { resourceVersion: '10245', ...(page?.continue ? { continue: page.continue } : {}) },
          items: page?.items ?? [],
        },
      };
    };

    // Act
    const items = await client.list(PODS, { labelSelector: 'app=x', fieldSelector: 'spec.nodeName=n1' });

    // Assess
    expect(items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    expect(server.requests.map((r) => ({ method: r.method, path: r.path, query: r.query }))).toEqual([
      {
        method: 'GET',
        path: '/api/v1/pods',
        query: { labelSelector: 'app=x', fieldSelector: 'spec.nodeName=n1', limit: '2' },
      },
      {
        method: 'GET',
        path: '/api/v1/pods',
        query: {
          labelSelector: 'app=x',
          fieldSelector: 'spec.nodeName=n1',
          limit: '2',
          continue: 'ENCODED_CONTINUE_TOKEN',
        },
      },
      {
        method: 'GET',
        path: '/api/v1/pods',
        query: {
          labelSelector: 'app=x',
          fieldSelector: 'spec.nodeName=n1',
          limit: '2',
          continue: 'ENCODED_CONTINUE_TOKEN_2',
        },
      },
    ]);
  });

  it('starts a list again from the beginning once when its continue token expired (410 Gone)', async () => {
    // Prepare: the second page's token has expired the first time it is used.
    let expired = false;
    server.respond = (request) => {
      if (request.query.continue === 't1' && !expired) {
        expired = true;
        return {
          status: 410,
          body: kubeStatus(410, 'Expired', 'The provided continue parameter is too old'),
        };
      }
      return request.query.continue
        ? { body: { metadata: {}, items: [{ n: 2 }] } }
        : { body: { metadata: { continue: 't1' }, items: [{ n: 1 }] } };
    };

    // Act
    const items = await client.list(PODS);

    // Assess: no item twice, none lost.
    expect(items).toEqual([{ n: 1 }, { n: 2 }]);
    expect(server.requests.map((r) => r.query.continue)).toEqual([undefined, 't1', undefined, 't1']);
  });

  it('gives up on a list whose continue token expires twice', async () => {
    // Prepare
    server.respond = (request) =>
      request.query.continue
        ? { status: 410, body: kubeStatus(410, 'Expired', 'too old') }
        : { body: { metadata: { continue: 't1' }, items: [{ n: 1 }] } };

    // Act
    const error = await client.list(PODS).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(KubeStatusError);
    expect(error).toMatchObject({ status: 410, reason: 'Expired' });
    expect(server.requests).toHaveLength(4);
  });

  it('sends patches as JSON merge patches with the bearer token and returns the answer', async () => {
    // Prepare
    server.respond = (request) => ({ body: { echoed: request.body } });

    // Act
    const result = await client.patch(JOBSETS, { namespace: 'ml', name: 'js' }, { spec: { suspend: true } });

    // Assess
    expect(result).toEqual({ echoed: { spec: { suspend: true } } });
    expect(server.requests[0]).toMatchObject({
      method: 'PATCH',
      path: '/apis/jobset.x-k8s.io/v1alpha2/namespaces/ml/jobsets/js',
      contentType: 'application/merge-patch+json',
      authorization: 'Bearer tok',
    });
  });

  it('sends a delete with its query and DeleteOptions body', async () => {
    // Prepare
    server.respond = () => ({ body: { kind: 'Status', status: 'Success' } });

    // Act
    await client.delete(
      PODS,
      { namespace: 'ml', name: 'p' },
      { query: { gracePeriodSeconds: 0 }, body: { preconditions: { uid: 'u-1' } } },
    );

    // Assess
    expect(server.requests[0]).toMatchObject({
      method: 'DELETE',
      path: '/api/v1/namespaces/ml/pods/p',
      query: { gracePeriodSeconds: '0' },
      contentType: 'application/json',
      body: { preconditions: { uid: 'u-1' } },
    });
  });

  it("throws KubeStatusError with the Status object's reason and message on a non-2xx answer", async () => {
    // Prepare: the NotFound example of the API conventions ("Response Status Kind").
    server.respond = () => ({
      status: 404,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'pods "grafana" not found',
        reason: 'NotFound',
        details: { name: 'grafana', kind: 'pods' },
        code: 404,
      },
    });

    // Act
    const error = await client.get(PODS, { namespace: 'default', name: 'grafana' }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(KubeStatusError);
    expect(error).toMatchObject({ status: 404, reason: 'NotFound', apiMessage: 'pods "grafana" not found' });
  });

  it('keeps a body that is not JSON as the message of the error', async () => {
    // Prepare: e.g. a proxy in front of the API server.
    const plain = http.createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('Bad Gateway\n');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const { port } = plain.address() as AddressInfo;
    const behindProxy = new KubeHttpClient({
      server: `http://127.0.0.1:${port}`,
      token: 't',
      timeoutMs: 5_000,
    });

    // Act
    const error = await behindProxy.get(PODS, { namespace: 'ml', name: 'p' }).catch((e: unknown) => e);
    plain.closeAllConnections();
    await new Promise<void>((resolve) => plain.close(() => resolve()));

    // Assess
    expect(error).toMatchObject({ status: 502, apiMessage: 'Bad Gateway' });
    expect((error as KubeStatusError).reason).toBeUndefined();
  });

  it('reads the discovery document at /apis', async () => {
    // Prepare
    server.respond = () => ({ body: { kind: 'APIGroupList', groups: [] } });

    // Act
    const result = await client.discovery();

    // Assess
    expect(result).toEqual({ kind: 'APIGroupList', groups: [] });
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/apis' });
  });

  it('puts the API path after a path prefix of the server URL', async () => {
    // Prepare
    const prefixed = new KubeHttpClient({ server: `${server.url}/k8s/`, token: 't', timeoutMs: 5_000 });
    server.respond = () => ({ body: { metadata: { name: 'p' } } });

    // Act
    await prefixed.get(PODS, { namespace: 'ml', name: 'p' });

    // Assess
    expect(server.requests[0]?.path).toBe('/k8s/api/v1/namespaces/ml/pods/p');
  });

  it('fails a request that outlives its timeout with a TimeoutError (ETIMEDOUT)', async () => {
    // Prepare
    server.respond = () => ({ hang: true });
    const impatient = new KubeHttpClient({ server: server.url, token: 't', timeoutMs: 50 });

    // Act
    const error = await impatient.get(PODS, { namespace: 'ml', name: 'p' }).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT' });
  });

  it('fails a refused connection with its ECONNREFUSED error', async () => {
    // Prepare
    const unreachable = new KubeHttpClient({ server: await refusedUrl(), token: 't', timeoutMs: 5_000 });

    // Act
    const error = await unreachable.get(PODS, { namespace: 'ml', name: 'p' }).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('sends a request once more on a fresh connection when the server had closed the kept-alive one', async () => {
    // Prepare: a server that answers the first request of a connection and drops the connection
    // on the second (a kept-alive socket the server closed while the client thought it idle).
    const served = new WeakMap<object, number>();
    let connections = 0;
    const flaky = http.createServer((req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      if (count > 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive' });
      res.end(JSON.stringify({ ok: count }));
    });
    flaky.on('connection', () => {
      connections++;
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const { port } = flaky.address() as AddressInfo;
    const keptAlive = new KubeHttpClient({
      server: `http://127.0.0.1:${port}`,
      token: 't',
      timeoutMs: 5_000,
    });

    // Act
    const first = await keptAlive.get(PODS, { namespace: 'ml', name: 'a' });
    const second = await keptAlive.get(PODS, { namespace: 'ml', name: 'b' });
    flaky.closeAllConnections();
    await new Promise<void>((resolve) => flaky.close(() => resolve()));

    // Assess: the second request went out on the reused socket, failed, and was sent again.
    expect(first).toEqual({ ok: 1 });
    expect(second).toEqual({ ok: 1 });
    expect(connections).toBe(2);
  });
});

describe('Class: KubeHttpClient over TLS', () => {
  let tlsServer: RecordingServer;

  beforeAll(async () => {
    tlsServer = await startRecordingServer({ cert: TEST_SERVER_CERT, key: TEST_SERVER_KEY });
    tlsServer.respond = () => ({ body: { metadata: { name: 'p' } } });
  });

  afterAll(async () => {
    await tlsServer.close();
  });

  it('verifies the server certificate against the base64 PEM CA it is given', async () => {
    // Prepare
    const trusting = new KubeHttpClient({
      server: tlsServer.url,
      token: 'tls',
      caData: Buffer.from(TEST_CA_CERT).toString('base64'),
      timeoutMs: 5_000,
    });

    // Act
    const result = await trusting.get(PODS, { namespace: 'ml', name: 'p' });

    // Assess
    expect(result).toEqual({ metadata: { name: 'p' } });
    expect(tlsServer.requests.at(-1)?.authorization).toBe('Bearer tls');
  });

  it('refuses a server whose certificate another CA signed, with a certificate error code', async () => {
    // Prepare
    const suspicious = new KubeHttpClient({
      server: tlsServer.url,
      token: 'tls',
      caData: Buffer.from(OTHER_CA_CERT).toString('base64'),
      timeoutMs: 5_000,
    });

    // Act
    const error = await suspicious.get(PODS, { namespace: 'ml', name: 'p' }).catch((e: unknown) => e);

    // Assess
    expect((error as { code?: string }).code).toMatch(
      /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/,
    );
  });

  it('refuses a self-signed chain without a CA (Node roots only) and accepts it with skipTLSVerify', async () => {
    // Prepare
    const noCa = new KubeHttpClient({ server: tlsServer.url, token: 'tls', timeoutMs: 5_000 });
    const skipping = new KubeHttpClient({
      server: tlsServer.url,
      token: 'tls',
      skipTLSVerify: true,
      timeoutMs: 5_000,
    });

    // Act
    const refused = await noCa.get(PODS, { namespace: 'ml', name: 'p' }).catch((e: unknown) => e);
    const accepted = await skipping.get(PODS, { namespace: 'ml', name: 'p' });

    // Assess
    expect((refused as { code?: string }).code).toMatch(
      /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/,
    );
    expect(accepted).toEqual({ metadata: { name: 'p' } });
  });
});
