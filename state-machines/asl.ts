/** ASL building blocks shared by every machine (plain data, JSONPath only). */
import { RETRYABLE_ERRORS } from '#shared/errors.ts';

export type Json = Record<string, unknown>;

/**
 * The one retry policy for transient errors: only the named retryable errors (never
 * `States.ALL`), exponential backoff with full jitter, capped at 60 s between attempts.
 */
export const retryTransient = (intervalSeconds = 1, maxAttempts = 4): Json => ({
  ErrorEquals: [...RETRYABLE_ERRORS],
  IntervalSeconds: intervalSeconds,
  MaxAttempts: maxAttempts,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
});
