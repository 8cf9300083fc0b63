/**
 * Local runner: executes the very ASL we deploy with aws-local-stepfunctions, each Task state
 * mapped to its in-process task with injected dependencies, waits shortened. A test or the demo
 * feeds an EventBridge event (or a manual input) and gets the whole execution and its history.
 */
import { randomUUID } from 'node:crypto';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { TaskDeps } from '#functions/tasks/deps.ts';
import { nodeRecoveryTasks } from '#functions/tasks/index.ts';
import {
  NODE_RECOVERY_TASKS,
  type NodeRecoveryFunction,
  NodeRecoveryFunctions,
} from '#state-machines/node-recovery.contract.ts';
import { nodeRecoveryDefinition } from '#state-machines/node-recovery.ts';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-west-2';

export const localFunctionArns = (): Record<NodeRecoveryFunction, string> =>
  Object.fromEntries(
    Object.values(NodeRecoveryFunctions).map((fn) => [
      fn,
      `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:hpr-local-${fn}`,
    ]),
  ) as Record<NodeRecoveryFunction, string>;

export interface StateVisit {
  name: string;
  type: string;
  /** ms since epoch. */
  enteredAt: number;
  exitedAt?: number;
  error?: string;
  retries: number;
}

export interface ExecutionReport {
  executionName: string;
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { name: string; cause: string };
  /** States in the order entered, with timings. */
  states: StateVisit[];
  startedAt: string;
  endedAt: string;
}

export interface RunOptions {
  executionName?: string;
  /** Wait states take this long locally (ms); 0 by default. */
  waitMs?: number;
  /** Retry intervals locally (ms); 0 by default. */
  retryIntervalMs?: number;
}

const definitionCache = new Map<string, StateMachine>();

const machine = (): StateMachine => {
  const cached = definitionCache.get('node-recovery');
  if (cached) return cached;
  const created = new StateMachine(nodeRecoveryDefinition({ functionArns: localFunctionArns() }) as never, {
    validationOptions: { checkPaths: true, checkArn: true },
  });
  definitionCache.set('node-recovery', created);
  return created;
};

/** Runs one `node-recovery` execution locally and reports its path through the machine. */
export const runNodeRecovery = async (
  input: unknown,
  deps: TaskDeps,
  options: RunOptions = {},
): Promise<ExecutionReport> => {
  const executionName = options.executionName ?? randomUUID();
  const startedAt = new Date().toISOString();
  const taskStates = Object.keys(NODE_RECOVERY_TASKS);
  const handlers = Object.fromEntries(
    Object.entries(NODE_RECOVERY_TASKS).map(([state, fn]) => [
      state,
      async (stateInput: unknown) => (await nodeRecoveryTasks[fn](stateInput, deps)) as never,
    ]),
  );
  const execution = machine().run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      waitTimeOverrides: { WaitForNode: options.waitMs ?? 0 },
      retryIntervalOverrides: Object.fromEntries(taskStates.map((s) => [s, options.retryIntervalMs ?? 0])),
    },
    context: {
      Execution: {
        Id: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:hpr-node-recovery:${executionName}`,
        Name: executionName,
        StartTime: startedAt,
        Input: input as never,
      },
    },
  });

  const states: StateVisit[] = [];
  let failure: { name: string; cause: string } | undefined;
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') {
        states.push({
          name: event.state.name,
          type: event.state.type,
          enteredAt: event.timestamp,
          retries: 0,
        });
      } else if (
        event.type === 'StateExited' ||
        event.type === 'StateFailed' ||
        event.type === 'StateCaught'
      ) {
        const visit = [...states]
          .reverse()
          .find((s) => s.name === event.state.name && s.exitedAt === undefined);
        if (visit) {
          visit.exitedAt = event.timestamp;
          if (event.type === 'StateFailed') visit.error = event.Error;
        }
      } else if (event.type === 'StateRetried') {
        const visit = [...states].reverse().find((s) => s.name === event.state.name);
        if (visit) visit.retries += 1;
      } else if (event.type === 'ExecutionFailed') {
        failure = { name: event.Error, cause: String(event.Cause ?? '') };
      }
    }
  })();

  let output: unknown;
  let status: ExecutionReport['status'] = 'SUCCEEDED';
  try {
    output = await execution.result;
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    status = 'FAILED';
  }
  await collect;
  return {
    executionName,
    status,
    output,
    error: status === 'FAILED' ? (failure ?? { name: 'Unknown', cause: '' }) : undefined,
    states,
    startedAt,
    endedAt: new Date().toISOString(),
  };
};
