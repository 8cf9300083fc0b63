/**
 * Classifies AWS SDK v3 errors so every AWS adapter maps them the same way. SDK service
 * exceptions carry `name`, `$fault` and `$metadata.httpStatusCode`; network failures carry a
 * Node `code` (ECONNREFUSED, …) and no `$metadata`.
 */

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);

const SERVER_NAMES = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

interface AwsErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

const shape = (error: unknown): AwsErrorShape =>
  typeof error === 'object' && error !== null ? (error as AwsErrorShape) : {};

/** The SDK's exception name (`ThrottlingException`, `ResourceNotFound`, …) or `Error`. */
const awsErrorName = (error: unknown): string => {
  const name = shape(error).name;
  return typeof name === 'string' ? name : 'Error';
};

const awsErrorMessage = (error: unknown): string => {
  const message = shape(error).message;
  return typeof message === 'string' ? message : String(error);
};

/** HTTP status of a service exception; undefined for network failures. */
const awsHttpStatus = (error: unknown): number | undefined => {
  const status = shape(error).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
};

/** A Node/undici network failure somewhere in the cause chain (bounded depth). */
const isNetworkError = (error: unknown): boolean => {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const { code, name } = shape(current);
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (name === 'TimeoutError') return true;
    current = shape(current).cause;
  }
  return false;
};

/** Throttling, 5xx and network failures: the same call may succeed later unchanged. */
const isAwsTransient = (error: unknown): boolean => {
  const name = awsErrorName(error);
  if (THROTTLING_NAMES.has(name) || SERVER_NAMES.has(name)) return true;
  const status = awsHttpStatus(error);
  if (status !== undefined) return status === 429 || status >= 500;
  if (shape(error).$fault === 'server') return true;
  return isNetworkError(error);
};

/** One line for error messages: `ThrottlingException: Rate exceeded`. */
const describeAwsError = (error: unknown): string => `${awsErrorName(error)}: ${awsErrorMessage(error)}`;

export { awsErrorMessage, awsErrorName, awsHttpStatus, describeAwsError, isAwsTransient, isNetworkError };
