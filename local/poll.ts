/**
 * The one polling loop of local mode, its tests and benchmarks: probe, pause, probe again until
 * the probe answers or the time is up. A probe answers with any value but `undefined` or `false`.
 */
import { setTimeout as pause } from 'node:timers/promises';

export interface PollOptions {
  /** What is awaited, as the timeout error names it ("kube-apiserver /readyz"). */
  what: string;
  timeoutMs: number;
  /** Pause between probes; 200 ms unless given. */
  intervalMs?: number;
  /** Ends the wait at once with the signal's reason. */
  signal?: AbortSignal;
  /**
   * A probe that throws counts as "not yet" (the last error is named on timeout) instead of
   * failing the wait: for servers that are still starting.
   */
  retryErrors?: boolean;
  /** Checked before every probe: a message fails the wait at once (a process that died). */
  failWhen?: () => string | undefined;
}

/** The wait ran out of time; the message names what it waited for and the last probe error. */
export class PollTimeoutError extends Error {
  override readonly name = 'PollTimeoutError';
}

type Answer<T> = T | undefined | false;

/**
 * Probes until the probe answers and returns the answer, or `undefined` when the time is up:
 * for best-effort waits that carry on either way (a process that may need a SIGKILL).
 */
export const poll = async <T>(
  probe: () => Answer<T> | Promise<Answer<T>>,
  options: Omit<PollOptions, 'what'> & { what?: string },
): Promise<T | undefined> => {
  try {
    return await pollUntil(probe, { what: 'a best-effort wait', ...options });
  } catch (error) {
    if (error instanceof PollTimeoutError) return undefined;
    throw error;
  }
};

/**
 * Probes until the probe answers and returns the answer.
 *
 * @throws PollTimeoutError the probe did not answer within `timeoutMs`.
 * @throws Error `failWhen` gave a message, the probe threw (without `retryErrors`), or `signal` aborted.
 */
export const pollUntil = async <T>(
  probe: () => Answer<T> | Promise<Answer<T>>,
  options: PollOptions,
): Promise<T> => {
  const { what, timeoutMs, intervalMs = 200, signal, retryErrors = false, failWhen } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    const failure = failWhen?.();
    if (failure !== undefined) throw new Error(failure);
    try {
      const answer = await probe();
      if (answer !== undefined && answer !== false) return answer;
    } catch (error) {
      if (!retryErrors) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const last =
        lastError === undefined
          ? ''
          : `: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new PollTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}${last}`);
    }
    await pause(intervalMs, undefined, { signal });
  }
};
