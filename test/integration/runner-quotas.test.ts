/**
 * The local runner enforces the Step Functions quotas that aws-local-stepfunctions ignores: 256 KiB
 * per payload (States.DataLimitExceeded, not caught by States.ALL) and 25,000 history events.
 * Sources: docs/facts/step-functions.md.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { runLocally, runNodeRecovery } from '#local/runner.ts';
import { INSTANCES, makeHarness, nodeHealthEvent, nodeName } from './harness.ts';

// "262,144 bytes of data as a UTF-8 encoded string" — Step Functions quotas page.
const QUOTA_BYTES = 262_144;

const machine = (definition: Record<string, unknown>) =>
  new StateMachine(definition as never, { validationOptions: { checkPaths: true, checkArn: false } });

/** A JSON string value whose JSON text is exactly `bytes` UTF-8 bytes. */
const jsonOfBytes = (bytes: number, char = 'x') => char.repeat((bytes - 2) / Buffer.byteLength(char));

describe('Runner: Step Functions quotas', () => {
  it('fails the execution with States.DataLimitExceeded when a task returns more than 256 KiB, even under a States.ALL catch', async () => {
    // Prepare
    const ran: string[] = [];
    const definition = machine({
      StartAt: 'Big',
      States: {
        Big: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-west-2:000000000000:function:big',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handled' }],
          Next: 'After',
        },
        After: { Type: 'Task', Resource: 'arn:aws:lambda:us-west-2:000000000000:function:after', End: true },
        Handled: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-west-2:000000000000:function:handled',
          End: true,
        },
      },
    });

    // Act
    const report = await runLocally(
      definition,
      {},
      {
        executionName: 'big-task',
        handlers: {
          Big: async () => jsonOfBytes(QUOTA_BYTES + 1),
          After: async () => ran.push('After'),
          Handled: async () => ran.push('Handled'),
        },
      },
    );

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('States.DataLimitExceeded');
    expect(report.error?.cause).toContain('Big');
    expect(ran).toEqual([]);
    expect(report.usage.largestPayload).toEqual({
      bytes: QUOTA_BYTES + 1,
      state: 'Big',
      kind: 'task result',
    });
  });

  it('fails the execution when a state output is over 256 KiB and runs no task after it', async () => {
    // Prepare: a Pass state whose output is one byte over the quota; multi-byte UTF-8 counts as bytes.
    const ran: string[] = [];
    const definition = machine({
      StartAt: 'Grow',
      States: {
        Grow: { Type: 'Pass', Result: { blob: jsonOfBytes(QUOTA_BYTES - 10 + 3, 'é') }, Next: 'After' },
        After: { Type: 'Task', Resource: 'arn:aws:lambda:us-west-2:000000000000:function:after', End: true },
      },
    });

    // Act
    const report = await runLocally(
      definition,
      {},
      {
        executionName: 'big-output',
        handlers: { After: async () => ran.push('After') },
      },
    );

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('States.DataLimitExceeded');
    expect(report.usage.largestPayload.kind).toBe('state output');
    expect(report.usage.largestPayload.bytes).toBeGreaterThan(QUOTA_BYTES);
    expect(ran).toEqual([]);
  });

  it('lets a state output of exactly 256 KiB through', async () => {
    // Prepare: {"blob":"…"} is 11 bytes of JSON around the string's own quotes.
    const definition = machine({
      StartAt: 'Fill',
      States: { Fill: { Type: 'Pass', Result: { blob: 'x'.repeat(QUOTA_BYTES - 11) }, End: true } },
    });

    // Act
    const report = await runLocally(definition, {}, { executionName: 'exact', handlers: {} });

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.usage.largestPayload.bytes).toBe(QUOTA_BYTES);
  });

  it('fails an execution whose history would pass 25,000 events with the documented history-limit failure', async () => {
    // Prepare: a Task + Choice loop (5 + 2 events a turn) that would run 4,000 turns.
    let turns = 0;
    const definition = machine({
      StartAt: 'Step',
      States: {
        Step: { Type: 'Task', Resource: 'arn:aws:lambda:us-west-2:000000000000:function:step', Next: 'More' },
        More: {
          Type: 'Choice',
          Choices: [{ Variable: '$.left', NumericGreaterThan: 0, Next: 'Step' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });

    // Act
    const report = await runLocally(
      definition,
      {},
      {
        executionName: 'long-history',
        handlers: {
          Step: async () => {
            turns += 1;
            return { left: 4000 - turns };
          },
        },
      },
    );

    // Assess: ExecutionStarted + 3,571 turns of 7 = 24,998; the next Task would cross the quota.
    expect(report.status).toBe('FAILED');
    // Cause text observed by a user (cloudonaut.io, 2022): "The execution reached the maximum number of history events (25000)."
    expect(report.error?.cause).toBe('The execution reached the maximum number of history events (25000).');
    expect(report.usage.historyEvents).toBe(25_000);
    expect(turns).toBe(3571);
  }, 120_000);

  it('counts 11 events for one Task, Choice and Succeed, as the Step Functions console shows', async () => {
    // Prepare: cloudonaut.io observed 11 events: Run (Task) 5, CheckEndOfPage (Choice) 2, Done 2, plus start and end.
    const definition = machine({
      StartAt: 'Run',
      States: {
        Run: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-west-2:000000000000:function:run',
          Next: 'CheckEndOfPage',
        },
        CheckEndOfPage: {
          Type: 'Choice',
          Choices: [{ Variable: '$.IsTruncated', BooleanEquals: true, Next: 'Run' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });

    // Act
    const report = await runLocally(
      definition,
      {},
      {
        executionName: 'one-page',
        handlers: { Run: async () => ({ IsTruncated: false }) },
      },
    );

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.usage.historyEvents).toBe(11);
  });

  it('counts a retried task attempt as failed, scheduled and started again', async () => {
    // Prepare
    let attempts = 0;
    const definition = machine({
      StartAt: 'Flaky',
      States: {
        Flaky: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-west-2:000000000000:function:flaky',
          Retry: [{ ErrorEquals: ['Transient'], MaxAttempts: 2 }],
          End: true,
        },
      },
    });

    // Act
    const report = await runLocally(
      definition,
      {},
      {
        executionName: 'flaky',
        handlers: {
          Flaky: async () => {
            attempts += 1;
            if (attempts === 1) throw Object.assign(new Error('try again'), { name: 'Transient' });
            return {};
          },
        },
      },
    );

    // Assess: start, TaskStateEntered, Scheduled, Started, Failed, Scheduled, Started, Succeeded, Exited, end.
    expect(report.status).toBe('SUCCEEDED');
    expect(report.usage.historyEvents).toBe(10);
  });

  it('aborts a running execution when its signal aborts and runs no further task', async () => {
    // Prepare
    const controller = new AbortController();
    const ran: string[] = [];
    const definition = machine({
      StartAt: 'Hold',
      States: {
        Hold: { Type: 'Wait', Seconds: 3600, Next: 'After' },
        After: { Type: 'Task', Resource: 'arn:aws:lambda:us-west-2:000000000000:function:after', End: true },
      },
    });

    // Act
    const running = runLocally(
      definition,
      {},
      {
        executionName: 'held',
        handlers: { After: async () => ran.push('After') },
        options: { signal: controller.signal },
      },
    );
    controller.abort('timeout');
    const report = await running;

    // Assess
    expect(report.status).toBe('ABORTED');
    expect(report.error).toEqual({ name: 'ExecutionAborted', cause: 'timeout' });
    expect(ran).toEqual([]);
  });

  it('leaves a normal node-recovery run unaffected and reports its usage', async () => {
    // Prepare
    const h = makeHarness();
    const [a, b] = INSTANCES as [string, string];
    h.addJob('PyTorchJob', 'llama', [nodeName(a), nodeName(b)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(a, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.usage.historyEvents).toBeGreaterThan(10);
    expect(report.usage.largestPayload.bytes).toBeLessThan(QUOTA_BYTES);
  });
});
