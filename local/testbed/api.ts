/** A minimal JSON client for the test-bed apiserver (node:https with the CA and a bearer token). */
import { request } from 'node:https';

export interface ApiTarget {
  server: string;
  caPem: string;
}

export interface ApiResponse {
  status: number;
  json: Record<string, unknown>;
  text: string;
}

export async function apiRequest(
  target: ApiTarget,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<ApiResponse> {
  return await new Promise((resolve, reject) => {
    const req = request(
      `${target.server}${path}`,
      {
        method,
        ca: target.caPem,
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': contentType,
          accept: 'application/json',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => {
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = {};
          }
          resolve({ status: res.statusCode ?? 0, json, text });
        });
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
