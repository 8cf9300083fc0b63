/**
 * A tiny HTTP(S) server on 127.0.0.1 (random port) that records every request and answers
 * with whatever the test's `respond` returns: enough to prove what an adapter puts on the
 * wire (method, path, query, content type, body) and how it maps status codes.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  authorization?: string;
  /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
  body?: unknown;
}

interface CannedResponse {
  status?: number;
  body?: unknown;
  /** Leave the request unanswered (to provoke client timeouts). */
  hang?: boolean;
}

interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  respond: (request: RecordedRequest) => CannedResponse;
  close(): Promise<void>;
}

const parseBody = (text: string): unknown => {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const startRecordingServer = async (tls?: { cert: string; key: string }): Promise<RecordingServer> => {
  const state: RecordingServer = {
    url: '',
    requests: [],
    respond: () => ({ status: 200, body: {} }),
    close: async () => {},
  };
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        body: parseBody(Buffer.concat(chunks).toString('utf8')),
      };
      state.requests.push(recorded);
      const answer = state.respond(recorded);
      if (answer.hang) return;
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  };
  const server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
};

/** A URL on which nothing listens (a port that was just released). */
const refusedUrl = async (): Promise<string> => {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
};

/** A Kubernetes `Status` error body. */
const kubeStatus = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

export {
  type CannedResponse,
  kubeStatus,
  type RecordedRequest,
  type RecordingServer,
  refusedUrl,
  startRecordingServer,
};
