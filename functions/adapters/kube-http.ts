/**
 * A small Kubernetes REST client on `node:https` (`node:http` for plain-HTTP test servers): the
 * few calls the KubeApi adapter (kubernetes.ts) makes, with no generated models, so that a Lambda
 * that calls Kubernetes bundles kilobytes instead of @kubernetes/client-node's megabytes
 * (docs/facts/bundling.md kubernetes.client-node-bundle-size). Wire shapes: docs/facts/kubernetes-http.md.
 *
 * - One typed method per Kubernetes verb (`get`, `list`, `create`, `patch`, `delete`), each taking
 *   the resource it addresses as data (`KubeResource`): deploy/iam-derivation.ts reads the
 *   verb from the method name and the resource from the argument's type, which is how the RBAC each
 *   KubeApi method needs is derived from the code. `discovery` reads the non-resource URL `/apis`.
 * - Paths: core group `/api/v1/…`, named groups `/apis/<group>/<version>/…`
 *   (`kube-http.paths`); lists ask for pages of `pageSize` items and follow `metadata.continue`
 *   (`kube-http.list-chunking`); a continue token that expired (410) restarts the list once.
 * - Patches are JSON merge patches (`application/merge-patch+json`, `kube-http.merge-patch`).
 * - A non-2xx answer throws `KubeStatusError` with the status code and the `Status` object's
 *   `reason` and `message` (`kube-http.status-object`); transport failures throw Node's own
 *   errors (`code` ECONNREFUSED, ECONNRESET, a certificate code, …); a request that outlives
 *   `timeoutMs` throws a `TimeoutError` (`code` ETIMEDOUT).
 * - Bearer token auth; the server certificate is verified against `caData` (base64 PEM, as EKS
 *   DescribeCluster returns it) or, without it, Node's root CAs; `skipTLSVerify` only for tests.
 * - Connections are kept alive between calls of one warm container; a request that fails with
 *   ECONNRESET/EPIPE on a reused connection before any answer (the server closed it while idle)
 *   is sent once more on a fresh one, as Node's documentation recommends (`kube-http.reused-socket`).
 */
import http from 'node:http';
import https from 'node:https';

/** A resource of the Kubernetes API: group ('' = core), version, plural name, subresource. */
interface KubeResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource?: string;
}

/** Where a request goes: a namespace (absent: cluster-scoped or all namespaces) and an object name. */
interface KubeTarget {
  readonly namespace?: string;
  readonly name?: string;
}

interface KubeHttpOptions {
  /** API server URL (EKS `cluster.endpoint`), https (http for local test servers only). */
  server: string;
  /** Bearer token (an EKS token in AWS). */
  token: string;
  /** Base64-encoded PEM CA bundle (EKS `cluster.certificateAuthority.data`). */
  caData?: string;
  /** Tests against self-signed servers only: accept any server certificate. */
  skipTLSVerify?: boolean;
  /** Per-request limit (each page of a list is one request). */
  timeoutMs: number;
  /** Items per list page (`limit`); default 500, kubectl's default chunk size. */
  pageSize?: number;
}

/** An answer outside 2xx: the status code and what the `Status` body says. */
class KubeStatusError extends Error {
  readonly status: number;
  readonly reason?: string;
  readonly apiMessage?: string;

  constructor(status: number, method: string, path: string, body: string) {
    const { reason, message } = parseStatus(body);
    super(`${method} ${path}: HTTP ${status}${reason ? ` ${reason}` : ''}${message ? `: ${message}` : ''}`);
    this.name = 'KubeStatusError';
    this.status = status;
    if (reason) this.reason = reason;
    if (message) this.apiMessage = message;
  }
}

/** `reason` and `message` of a Kubernetes `Status` body; a non-JSON body is the message itself. */
const parseStatus = (body: string): { reason?: string; message?: string } => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim().slice(0, 500);
    return text ? { message: text } : {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const { reason, message } = parsed as { reason?: unknown; message?: unknown };
  return {
    ...(typeof reason === 'string' && reason ? { reason } : {}),
    ...(typeof message === 'string' && message ? { message } : {}),
  };
};

const DEFAULT_PAGE_SIZE = 500;
const RETRYABLE_ON_REUSED_SOCKET = new Set(['ECONNRESET', 'EPIPE']);

type Query = Record<string, string | number | undefined>;

/** The REST path of a resource (`kube-http.paths`). */
const resourcePath = (resource: KubeResource, target: KubeTarget = {}): string => {
  const segment = (value: string): string => encodeURIComponent(value);
  const base = resource.group
    ? `/apis/${segment(resource.group)}/${segment(resource.version)}`
    : `/api/${segment(resource.version)}`;
  const namespace = target.namespace ? `/namespaces/${segment(target.namespace)}` : '';
  const name = target.name ? `/${segment(target.name)}` : '';
  const sub = resource.subresource && target.name ? `/${segment(resource.subresource)}` : '';
  return `${base}${namespace}/${segment(resource.resource)}${name}${sub}`;
};

const withQuery = (path: string, query: Query = {}): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
};

class KubeHttpClient {
  readonly #base: URL;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #pageSize: number;
  readonly #agent: http.Agent;
  readonly #transport: typeof http | typeof https;

  constructor(options: KubeHttpOptions) {
    this.#base = new URL(options.server);
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs;
    this.#pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    const secure = this.#base.protocol === 'https:';
    this.#transport = secure ? https : http;
    // Idle connections are closed after 4 s (the Agent destroys a free socket on its timeout).
    this.#agent = secure
      ? new https.Agent({
          keepAlive: true,
          timeout: 4_000,
          ...(options.caData ? { ca: Buffer.from(options.caData, 'base64').toString('utf8') } : {}),
          rejectUnauthorized: !options.skipTLSVerify,
        })
      : new http.Agent({ keepAlive: true, timeout: 4_000 });
  }

  /** GET one object. */
  async get(resource: KubeResource, target: KubeTarget): Promise<unknown> {
    return this.#json('GET', withQuery(resourcePath(resource, target)));
  }

  /**
   * LIST (a GET of the collection), in pages of `pageSize` following `metadata.continue`; all
   * items in order. A continue token that expired (410 Gone) restarts the list once.
   */
  async list(
    resource: KubeResource,
    target: KubeTarget & { labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<unknown[]> {
    const { labelSelector, fieldSelector, ...where } = target;
    const path = resourcePath(resource, { ...(where.namespace ? { namespace: where.namespace } : {}) });
    const selectors = { labelSelector, fieldSelector };
    for (let attempt = 0; ; attempt++) {
      const items: unknown[] = [];
      let token: string | undefined;
      try {
        do {
          const page = (await this.#json(
            'GET',
            withQuery(path, { ...selectors, limit: this.#pageSize, continue: token }),
          )) as { items?: unknown; metadata?: { continue?: unknown } } | undefined;
          if (Array.isArray(page?.items)) items.push(...page.items);
          const next = page?.metadata?.continue;
          token = typeof next === 'string' && next ? next : undefined;
        } while (token);
        return items;
      } catch (error) {
        if (attempt === 0 && token && error instanceof KubeStatusError && error.status === 410) continue;
        throw error;
      }
    }
  }

  /** CREATE (a POST to the collection, or to the subresource of `target.name`). */
  async create(resource: KubeResource, target: KubeTarget, body: unknown): Promise<unknown> {
    return this.#json('POST', resourcePath(resource, target), body, 'application/json');
  }

  /** PATCH with a JSON merge patch (`kube-http.merge-patch`). */
  async patch(resource: KubeResource, target: KubeTarget, body: unknown): Promise<unknown> {
    return this.#json('PATCH', resourcePath(resource, target), body, 'application/merge-patch+json');
  }

  /** DELETE one object; `query` for e.g. `propagationPolicy`, `body` for DeleteOptions. */
  async delete(
    resource: KubeResource,
    target: KubeTarget,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<unknown> {
    return this.#json(
      'DELETE',
      withQuery(resourcePath(resource, target), options.query),
      options.body,
      options.body === undefined ? undefined : 'application/json',
    );
  }

  /** GET of the non-resource discovery URL `/apis` (an APIGroupList). */
  async discovery(): Promise<unknown> {
    return this.#json('GET', '/apis');
  }

  async #json(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const { status, text } = await this.#send(method, path, payload, contentType);
    if (status < 200 || status >= 300) throw new KubeStatusError(status, method, path, text);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  #send(
    method: string,
    path: string,
    payload: Buffer | undefined,
    contentType: string | undefined,
    retried = false,
  ): Promise<{ status: number; text: string }> {
    // The server URL may carry a path prefix (a proxy); the API path goes after it.
    const prefix = this.#base.pathname.replace(/\/+$/, '');
    return new Promise((resolve, reject) => {
      let answered = false;
      const request = this.#transport.request(
        {
          protocol: this.#base.protocol,
          hostname: this.#base.hostname.replace(/^\[|\]$/g, ''),
          port: this.#base.port || undefined,
          path: `${prefix}${path}`,
          method,
          agent: this.#agent,
          headers: {
            accept: 'application/json',
            authorization: `Bearer ${this.#token}`,
            ...(payload ? { 'content-type': contentType, 'content-length': payload.length } : {}),
          },
        },
        (response) => {
          answered = true;
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', fail);
          response.on('end', () => {
            clearTimeout(timer);
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      const timer = setTimeout(() => {
        const error = new Error(`${method} ${path}: no answer within ${this.#timeoutMs} ms`);
        request.destroy(Object.assign(error, { name: 'TimeoutError', code: 'ETIMEDOUT' }));
      }, this.#timeoutMs);
      function fail(error: Error): void {
        clearTimeout(timer);
        reject(error);
      }
      request.on('error', (error: Error & { code?: string }) => {
        const code = error.code;
        if (!answered && !retried && request.reusedSocket && code && RETRYABLE_ON_REUSED_SOCKET.has(code)) {
          clearTimeout(timer);
          resolve(this.#send(method, path, payload, contentType, true));
          return;
        }
        fail(error);
      });
      request.end(payload);
    });
  }
}

export {
  KubeHttpClient,
  type KubeHttpOptions,
  type KubeResource,
  KubeStatusError,
  type KubeTarget,
  resourcePath,
};
