import { describe, expect, it } from 'vitest';
import { PollTimeoutError, poll, pollUntil } from '#local/poll.ts';

/** A probe that answers `answer` from its `n`th call on (counting from 1), and counts its calls. */
const answersFrom = <T>(n: number, answer: T) => {
  const probe = async () => {
    probe.calls += 1;
    return probe.calls >= n ? answer : undefined;
  };
  probe.calls = 0;
  return probe;
};

describe('Function: pollUntil', () => {
  it('returns the first answer that is neither undefined nor false', async () => {
    // Prepare
    const probe = answersFrom(3, 'ready');

    // Act
    const answer = await pollUntil(probe, { what: 'ready', timeoutMs: 5_000, intervalMs: 1 });

    // Assess
    expect(answer).toBe('ready');
    expect(probe.calls).toBe(3);
  });

  it('names what it waited for and the last probe error when the time is up', async () => {
    // Act
    const error = await pollUntil(
      () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
      },
      { what: 'kube-apiserver /readyz', timeoutMs: 0, intervalMs: 1, retryErrors: true },
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(PollTimeoutError);
    expect((error as Error).message).toBe(
      'timed out after 0 ms waiting for kube-apiserver /readyz: connect ECONNREFUSED 127.0.0.1:6443',
    );
  });

  it('fails at once with the probe error unless told to retry errors', async () => {
    // Prepare
    let calls = 0;
    const probe = () => {
      calls += 1;
      throw new Error('HTTP 403');
    };

    // Act
    const error = await pollUntil(probe, { what: 'a 200', timeoutMs: 5_000, intervalMs: 1 }).catch(
      (e: unknown) => e,
    );

    // Assess
    expect((error as Error).message).toBe('HTTP 403');
    expect(calls).toBe(1);
  });

  it('fails at once with the message of failWhen, before probing', async () => {
    // Prepare
    const probe = answersFrom(1, true);

    // Act
    const error = await pollUntil(probe, {
      what: 'kwok /healthz',
      timeoutMs: 5_000,
      failWhen: () => 'kwok exited (code 1) while waiting for kwok /healthz',
    }).catch((e: unknown) => e);

    // Assess
    expect((error as Error).message).toBe('kwok exited (code 1) while waiting for kwok /healthz');
    expect(probe.calls).toBe(0);
  });

  it('stops waiting when its signal aborts', async () => {
    // Prepare
    const controller = new AbortController();
    const probe = async () => {
      controller.abort(new Error('interrupted'));
      return false;
    };

    // Act
    const error = await pollUntil(probe, {
      what: 'never',
      timeoutMs: 60_000,
      intervalMs: 60_000,
      signal: controller.signal,
    }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PollTimeoutError);
  });
});

describe('Function: poll', () => {
  it('answers undefined when the time is up instead of throwing', async () => {
    // Act
    const answer = await poll(() => false, { timeoutMs: 0, intervalMs: 1 });

    // Assess
    expect(answer).toBeUndefined();
  });

  it('still throws what is not a timeout', async () => {
    // Act
    const error = await poll(
      () => {
        throw new Error('HTTP 500');
      },
      { timeoutMs: 5_000, intervalMs: 1 },
    ).catch((e: unknown) => e);

    // Assess
    expect((error as Error).message).toBe('HTTP 500');
  });
});
