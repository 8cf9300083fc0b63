/**
 * Wire-format helpers for the three AWS protocols the simulator speaks, written to what the
 * installed SDK v3 clients parse (@aws-sdk/core protocols):
 * - SageMaker: awsJson1_1 — errors as `{"__type": code, "Message": …}` plus `x-amzn-ErrorType`;
 *   timestamps as epoch seconds (JSON numbers).
 * - EKS: restJson1 — errors from the `x-amzn-ErrorType` header with `{"message": …}`.
 * - SNS: awsQuery — form-encoded requests, XML `<ActionResponse><ActionResult>…` answers and
 *   `<ErrorResponse><Error><Type/><Code/><Message/></Error>` errors.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error the simulator answers in the protocol of the service that was called. */
export class SimApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SimApiError';
  }
}

export const validation = (message: string): SimApiError => new SimApiError('ValidationException', message);

export const MAX_BODY_BYTES = 1024 * 1024;

export const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new SimApiError('RequestEntityTooLarge', 'request body too large', 413);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

const send = (res: ServerResponse, status: number, headers: Record<string, string>, body: string): void => {
  res.writeHead(status, {
    'x-amzn-RequestId': randomUUID(),
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
};

// ---------------------------------------------------------------- awsJson1_1 (SageMaker)

const AWS_JSON = 'application/x-amz-json-1.1';

export const sendAwsJson = (res: ServerResponse, body: unknown): void =>
  send(res, 200, { 'content-type': AWS_JSON }, JSON.stringify(body ?? {}));

export const sendAwsJsonError = (res: ServerResponse, error: SimApiError): void =>
  send(
    res,
    error.status,
    { 'content-type': AWS_JSON, 'x-amzn-ErrorType': error.code },
    JSON.stringify({ __type: error.code, Message: error.message, ...error.fields }),
  );

// ---------------------------------------------------------------- restJson1 (EKS)

export const sendRestJson = (res: ServerResponse, body: unknown, status = 200): void =>
  send(res, status, { 'content-type': 'application/json' }, JSON.stringify(body));

export const sendRestJsonError = (res: ServerResponse, error: SimApiError): void =>
  send(
    res,
    error.status,
    { 'content-type': 'application/json', 'x-amzn-ErrorType': error.code },
    JSON.stringify({ message: error.message, ...error.fields }),
  );

// ---------------------------------------------------------------- awsQuery (SNS)

export const xmlEscape = (value: string): string =>
  value.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

export const sendQueryXml = (
  res: ServerResponse,
  action: string,
  namespace: string,
  resultXml: string,
): void =>
  send(
    res,
    200,
    { 'content-type': 'text/xml' },
    `<${action}Response xmlns="${namespace}">\n  <${action}Result>${resultXml}</${action}Result>\n` +
      `  <ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>\n</${action}Response>\n`,
  );

export const sendQueryXmlError = (res: ServerResponse, namespace: string, error: SimApiError): void =>
  send(
    res,
    error.status,
    { 'content-type': 'text/xml' },
    `<ErrorResponse xmlns="${namespace}">\n  <Error>\n    <Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type>\n` +
      `    <Code>${xmlEscape(error.code)}</Code>\n    <Message>${xmlEscape(error.message)}</Message>\n  </Error>\n` +
      `  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`,
  );

// ---------------------------------------------------------------- plain JSON (admin API, webhook)

export const sendJson = (res: ServerResponse, status: number, body: unknown): void =>
  send(res, status, { 'content-type': 'application/json' }, JSON.stringify(body));

// ---------------------------------------------------------------- values

/** awsJson/restJson timestamps: epoch seconds, fractional milliseconds kept. */
export const epochSeconds = (date: Date): number => date.getTime() / 1000;

/** Reads a timestamp the SDK serialized (epoch seconds number; ISO strings tolerated). */
export const readTimestamp = (value: unknown, field: string): Date | undefined => {
  if (value === undefined || value === null) return undefined;
  const date =
    typeof value === 'number'
      ? new Date(value * 1000)
      : typeof value === 'string'
        ? new Date(value)
        : undefined;
  if (!date || Number.isNaN(date.getTime())) throw validation(`Invalid timestamp for ${field}`);
  return date;
};

export const readMaxResults = (value: unknown, fallback: number, max = 100): number => {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: ` +
        `Member must have value between 1 and ${max}`,
    );
  }
  return value;
};

/** Opaque NextToken: base64url JSON of the offset and the query it belongs to. */
export const encodeNextToken = (offset: number, query: string): string =>
  Buffer.from(JSON.stringify({ o: offset, q: query })).toString('base64url');

export const decodeNextToken = (token: unknown, query: string): number => {
  if (token === undefined || token === null || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as {
      o?: unknown;
      q?: unknown;
    };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.q === query) {
      return parsed.o;
    }
  } catch {
    // fall through
  }
  throw validation('The pagination token is invalid.');
};
