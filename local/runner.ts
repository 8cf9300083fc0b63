/**
 * Local runner: executes the very ASL we deploy with aws-local-stepfunctions, each Task state
 * mapped to its in-process task with injected dependencies, waits shortened. A test or the demo
 * feeds an EventBridge event (or a manual input) and gets the whole execution and its history.
 * Every machine of the registry below runs the same way (`runStateMachine`); `runNodeRecovery`,
 * `runJobResume`, `runHealthCheck` and `runHealthSweep` are the named entries.
 *
 * `states:startExecution` Task states (the sweep starting node-recovery, a
 * failed check starting it too) are emulated: the named machine is started in the background
 * under the requested Name, and a Name already used for that machine fails the state with
 * `StepFunctions.ExecutionAlreadyExistsException`, as Step Functions does. Names and the started
 * executions live in a LocalExecutions registry (one per TaskDeps unless one is passed).
 *
 * The service's quotas hold locally (local/sfn-quotas.ts): a payload over 256 KiB fails the
 * execution with States.DataLimitExceeded, a history over 25,000 events fails it too, and every
 * report carries the execution's usage. `RunOptions.signal` aborts an execution (status ABORTED).
 */
import { randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { type Task, type TaskDeps, withLiveConfig } from '#functions/tasks/deps.ts';
import { healthCheckTasks, healthSweepTasks, nodeRecoveryTasks } from '#functions/tasks/index.ts';
import { jobResumeTasks } from '#functions/tasks/job-resume.ts';
import {
  EXECUTION_ALREADY_EXISTS,
  HEALTH_CHECK_START_EXECUTION_STATES,
  HEALTH_CHECK_TASKS,
  type HealthCheckFunction,
  HealthCheckFunctions,
} from '#state-machines/health-check.contract.ts';
import { healthCheckDefinition } from '#state-machines/health-check.ts';
import {
  HEALTH_SWEEP_START_EXECUTION_STATES,
  HEALTH_SWEEP_TASKS,
  type HealthSweepFunction,
  HealthSweepFunctions,
} from '#state-machines/health-sweep.contract.ts';
import { healthSweepDefinition } from '#state-machines/health-sweep.ts';
import {
  JOB_RESUME_TASKS,
  type JobResumeFunction,
  JobResumeFunctions,
} from '#state-machines/job-resume.contract.ts';
import { jobResumeDefinition } from '#state-machines/job-resume.ts';
import {
  NODE_RECOVERY_TASKS,
  type NodeRecoveryFunction,
  NodeRecoveryFunctions,
} from '#state-machines/node-recovery.contract.ts';
import { nodeRecoveryDefinition } from '#state-machines/node-recovery.ts';
import { runAsLambda } from './lambda-context.ts';
import { QuotaMeter, type QuotaUsage, type QuotaViolation } from './sfn-quotas.ts';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-west-2';

const localArns = <F extends string>(functions: Record<string, F>): Record<F, string> =>
  Object.fromEntries(
    Object.values(functions).map((fn) => [
      fn,
      `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:hpr-local-${fn}`,
    ]),
  ) as Record<F, string>;

/** Local function ARNs of node-recovery's tasks. */
export const localFunctionArns = (): Record<NodeRecoveryFunction, string> => localArns(NodeRecoveryFunctions);

/** Local function ARNs of health-check's tasks. */
export const localHealthCheckFunctionArns = (): Record<HealthCheckFunction, string> =>
  localArns(HealthCheckFunctions);

/** Local function ARNs of health-sweep's tasks. */
export const localHealthSweepFunctionArns = (): Record<HealthSweepFunction, string> =>
  localArns(HealthSweepFunctions);

/** The local ARN of a machine (what startExecution states name). */
export const localStateMachineArn = (machine: string): string =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:hpr-local-${machine}`;

/** Local function ARNs of job-resume's tasks. */
export const localJobResumeFunctionArns = (): Record<JobResumeFunction, string> =>
  localArns(JobResumeFunctions);

/** What the runner needs to know about one machine. */
interface MachineSpec {
  definition: () => Record<string, unknown>;
  /** Task state name → task function (states inside Map item processors included). */
  handlers: Record<string, Task<unknown>>;
  /** Task state name → the Lambda that runs it. */
  lambdas: Readonly<Record<string, string>>;
  /** Wait states shortened by `waitMs`. */
  waitStates: string[];
  /** `states:startExecution` Task states → the machine they start (emulated). */
  startExecutionStates?: Readonly<Record<string, string>>;
}

/**
 * The task of function `fn` as its Lambda runs it: calls it makes know which Lambda they come from
 * (local/lambda-context.ts; the derived-policy guard of local/iam-guard.ts checks them).
 */
const asLambda =
  (fn: string, task: Task<unknown>): Task<unknown> =>
  (input, deps) =>
    runAsLambda(fn, () => task(input, deps));

const MACHINES = {
  'node-recovery': {
    definition: () => nodeRecoveryDefinition({ functionArns: localFunctionArns() }),
    lambdas: NODE_RECOVERY_TASKS,
    handlers: Object.fromEntries(
      Object.entries(NODE_RECOVERY_TASKS).map(([state, fn]) => [state, asLambda(fn, nodeRecoveryTasks[fn])]),
    ),
    waitStates: ['WaitForNode', 'WaitForQuickCheck'],
  },
  'health-check': {
    definition: () =>
      healthCheckDefinition({
        functionArns: localHealthCheckFunctionArns(),
        nodeRecoveryArn: localStateMachineArn('node-recovery'),
      }),
    lambdas: HEALTH_CHECK_TASKS,
    handlers: Object.fromEntries(
      Object.entries(HEALTH_CHECK_TASKS).map(([state, fn]) => [state, asLambda(fn, healthCheckTasks[fn])]),
    ),
    waitStates: ['WaitForQuickCheck', 'WaitForDeepHealthCheck'],
    startExecutionStates: HEALTH_CHECK_START_EXECUTION_STATES,
  },
  'health-sweep': {
    definition: () =>
      healthSweepDefinition({
        functionArns: localHealthSweepFunctionArns(),
        nodeRecoveryArn: localStateMachineArn('node-recovery'),
        healthCheckArn: localStateMachineArn('health-check'),
      }),
    lambdas: HEALTH_SWEEP_TASKS,
    handlers: Object.fromEntries(
      Object.entries(HEALTH_SWEEP_TASKS).map(([state, fn]) => [state, asLambda(fn, healthSweepTasks[fn])]),
    ),
    waitStates: [],
    startExecutionStates: HEALTH_SWEEP_START_EXECUTION_STATES,
  },
  'job-resume': {
    definition: () => jobResumeDefinition({ functionArns: localJobResumeFunctionArns() }),
    lambdas: JOB_RESUME_TASKS,
    handlers: Object.fromEntries(
      Object.entries(JOB_RESUME_TASKS).map(([state, fn]) => [state, asLambda(fn, jobResumeTasks[fn])]),
    ),
    waitStates: [],
  },
} satisfies Record<string, MachineSpec>;

export type LocalMachineName = keyof typeof MACHINES;

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
  /** Which machine ran. */
  machine?: LocalMachineName;
  executionName: string;
  /** ABORTED: stopped from outside (`RunOptions.signal`), as StopExecution would. */
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output?: unknown;
  error?: { name: string; cause: string };
  /** States in the order entered, with timings. */
  states: StateVisit[];
  /** History events and the largest payload, as Step Functions would count them (sfn-quotas.ts). */
  usage: QuotaUsage;
  startedAt: string;
  endedAt: string;
}

export interface RunOptions {
  executionName?: string;
  /** Wait states take this long locally (ms); 0 by default. */
  waitMs?: number;
  /** Retry intervals locally (ms); 0 by default. */
  retryIntervalMs?: number;
  /** Where startExecution states record names and start executions (default: one per TaskDeps). */
  executions?: LocalExecutions;
  /** Aborting it aborts the execution (and those it started): status ABORTED, no further task runs. */
  signal?: AbortSignal;
  /**
   * The deps one Lambda's task runs with (its own Kubernetes identity, as deployed); absent: every
   * task runs with the execution's deps.
   */
  depsFor?: (lambda: string) => TaskDeps;
}

/** Marks runs started by LocalExecutions.start, whose name is claimed already. */
const CLAIMED = Symbol('claimed');

/** Step Functions' answer to a startExecution whose Name this machine has used before. */
export class ExecutionAlreadyExistsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = EXECUTION_ALREADY_EXISTS;
  }
}

export interface StartedExecution {
  machine: LocalMachineName;
  executionName: string;
  input: unknown;
  /** Absent when the registry records starts without running them (benchmarks). */
  report?: Promise<ExecutionReport>;
}

/**
 * Execution names per machine and the executions startExecution states started. `run: false`
 * records the starts without running them (to measure a sweep alone).
 */
export class LocalExecutions {
  readonly started: StartedExecution[] = [];
  private readonly names = new Map<string, Set<string>>();

  constructor(
    private readonly options: {
      run?: boolean;
      /** Dependencies of the executions it starts (default: those of the execution starting them). */
      deps?: TaskDeps;
      /** Called for every execution started (e.g. to track it in an environment). */
      onStart?: (started: StartedExecution) => void;
    } = {},
  ) {}

  /** Marks `name` as used for `machine`; false when it was used before. */
  claim(machine: string, name: string): boolean {
    const used = this.names.get(machine) ?? new Set<string>();
    this.names.set(machine, used);
    if (used.has(name)) return false;
    used.add(name);
    return true;
  }

  /** Emulates `states:startExecution`: starts in the background, returns at once. */
  start(
    machine: LocalMachineName,
    name: string,
    input: unknown,
    deps: TaskDeps,
    options: RunOptions,
  ): { ExecutionArn: string; StartDate: string } {
    if (!this.claim(machine, name)) {
      throw new ExecutionAlreadyExistsError(
        `Execution Already Exists: '${localExecutionArn(machine, name)}'`,
      );
    }
    const started: StartedExecution = { machine, executionName: name, input };
    if (this.options.run !== false) {
      started.report = runStateMachine(machine, input, this.options.deps ?? deps, {
        ...options,
        executionName: name,
        executions: this,
        [CLAIMED]: true,
      } as RunOptions);
      // Failures are in the report; a crash of the runner itself must not be an unhandled rejection.
      started.report.catch(() => {});
    }
    this.started.push(started);
    this.options.onStart?.(started);
    return { ExecutionArn: localExecutionArn(machine, name), StartDate: new Date().toISOString() };
  }

  /** Waits for every started execution, including those they start. */
  async settled(): Promise<ExecutionReport[]> {
    let seen = -1;
    while (seen !== this.started.length) {
      seen = this.started.length;
      await Promise.allSettled(this.started.map((s) => s.report));
    }
    return Promise.all(this.started.flatMap((s) => (s.report ? [s.report] : [])));
  }
}

const localExecutionArn = (machine: string, name: string): string =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:hpr-local-${machine}:${name}`;

const registries = new WeakMap<TaskDeps, LocalExecutions>();

/** The registry startExecution states use for these deps when none is passed. */
export const localExecutionsFor = (deps: TaskDeps): LocalExecutions => {
  let registry = registries.get(deps);
  if (!registry) {
    registry = new LocalExecutions();
    registries.set(deps, registry);
  }
  return registry;
};

const definitionCache = new Map<string, StateMachine>();

const machine = (name: LocalMachineName): StateMachine => {
  const cached = definitionCache.get(name);
  if (cached) return cached;
  const created = new StateMachine(MACHINES[name].definition() as never, {
    validationOptions: { checkPaths: true, checkArn: true },
  });
  definitionCache.set(name, created);
  return created;
};

/** Runs one `node-recovery` execution locally and reports its path through the machine. */
export const runNodeRecovery = (
  input: unknown,
  deps: TaskDeps,
  options: RunOptions = {},
): Promise<ExecutionReport> => runStateMachine('node-recovery', input, deps, options);

/** Runs one `job-resume` execution locally (console input: README "Manual resume"). */
export const runJobResume = (
  input: unknown,
  deps: TaskDeps,
  options: RunOptions = {},
): Promise<ExecutionReport> => runStateMachine('job-resume', input, deps, options);

/** Runs one `health-check` execution locally (console input: README "The health-check machine"). */
export const runHealthCheck = (
  input: unknown,
  deps: TaskDeps,
  options: RunOptions = {},
): Promise<ExecutionReport> => runStateMachine('health-check', input, deps, options);

/** Runs one `health-sweep` execution locally; the executions it starts run in the background. */
export const runHealthSweep = (
  input: unknown,
  deps: TaskDeps,
  options: RunOptions = {},
): Promise<ExecutionReport> => runStateMachine('health-sweep', input, deps, options);

/** Runs one execution of any registered machine locally and reports its path through it. */
export const runStateMachine = async (
  name: LocalMachineName,
  input: unknown,
  deps: TaskDeps,
  options: RunOptions = {},
): Promise<ExecutionReport> => {
  const spec: MachineSpec = MACHINES[name];
  const executionName = options.executionName ?? randomUUID();
  const startedAt = new Date().toISOString();
  const registry = options.executions ?? localExecutionsFor(deps);
  // Direct runs use their name too: a later startExecution of the same name is a duplicate.
  if (!(options as { [CLAIMED]?: boolean })[CLAIMED]) registry.claim(name, executionName);
  const startStates = Object.entries(spec.startExecutionStates ?? {});
  const taskStates = [...Object.keys(spec.handlers), ...startStates.map(([state]) => state)];
  const handlers = Object.fromEntries([
    ...Object.entries(spec.handlers).map(([state, task]) => [
      state,
      // Each task runs as its Lambda (its own Kubernetes identity) and reads the live configuration
      // first, as a Lambda invocation does (withLiveConfig).
      async (stateInput: unknown) => {
        const lambda = spec.lambdas[state];
        const taskDeps = lambda && options.depsFor ? options.depsFor(lambda) : deps;
        return (await task(stateInput, await withLiveConfig(taskDeps))) as never;
      },
    ]),
    ...startStates.map(([state, target]) => [
      state,
      async (parameters: { StateMachineArn?: string; Name?: string; Input?: unknown }) => {
        if (parameters.StateMachineArn !== localStateMachineArn(target)) {
          throw new Error(
            `${state} starts ${parameters.StateMachineArn}, expected ${localStateMachineArn(target)}`,
          );
        }
        const { executions: _registry, executionName: _name, ...inherited } = options;
        return registry.start(
          target as LocalMachineName,
          parameters.Name ?? randomUUID(),
          parameters.Input ?? {},
          deps,
          { ...inherited, executions: registry },
        ) as never;
      },
    ]),
  ]);
  return runLocally(machine(name), input, {
    machine: name,
    executionName,
    startedAt,
    handlers,
    waitStates: spec.waitStates,
    retryStates: taskStates,
    options,
  });
};

/** Thrown into the engine by a task refused because the execution is over (quota, abort). */
class ExecutionOverError extends Error {
  constructor(violation: QuotaViolation) {
    super(violation.cause);
    this.name = violation.error;
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs one execution of a definition on aws-local-stepfunctions with the service's quotas
 * (local/sfn-quotas.ts): a payload over 256 KiB fails it with States.DataLimitExceeded, a history
 * over 25,000 events fails it too, and neither can be caught. The engine reports states through
 * an asynchronous event log, so every task first lets that log catch up: no task (no side effect)
 * runs after the state that crossed a quota. Exported for tests with their own definitions.
 */
export const runLocally = async (
  stateMachine: StateMachine,
  input: unknown,
  run: {
    machine?: LocalMachineName;
    executionName: string;
    startedAt?: string;
    handlers: Record<string, (input: never) => Promise<unknown>>;
    waitStates?: string[];
    retryStates?: string[];
    options?: Pick<RunOptions, 'waitMs' | 'retryIntervalMs' | 'signal'>;
  },
): Promise<ExecutionReport> => {
  const { executionName, options = {} } = run;
  const startedAt = run.startedAt ?? new Date().toISOString();
  const meter = new QuotaMeter();
  let halted = false;
  const halt = () => {
    if (halted) return;
    halted = true;
    execution.abort();
  };
  const refuse = () =>
    new ExecutionOverError(
      meter.violation ?? { error: 'ExecutionAborted', cause: 'the execution was aborted' },
    );
  const guarded = Object.fromEntries(
    Object.entries(run.handlers).map(([state, handler]) => [
      state,
      async (stateInput: unknown) => {
        await nextTurn();
        if (halted) throw refuse();
        if (meter.payload(stateInput, 'task input', state)) {
          halt();
          throw refuse();
        }
        const result = await handler(stateInput as never);
        if (halted) throw refuse();
        if (meter.payload(result, 'task result', state)) {
          halt();
          throw refuse();
        }
        return result as never;
      },
    ]),
  );
  const execution = stateMachine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: guarded,
      waitTimeOverrides: Object.fromEntries((run.waitStates ?? []).map((s) => [s, options.waitMs ?? 0])),
      retryIntervalOverrides: Object.fromEntries(
        (run.retryStates ?? Object.keys(run.handlers)).map((s) => [s, options.retryIntervalMs ?? 0]),
      ),
    },
    context: {
      Execution: {
        Id: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:hpr-${run.machine ?? 'local'}:${executionName}`,
        Name: executionName,
        StartTime: startedAt,
        Input: input as never,
      },
    },
  });
  const onAbort = () => halt();
  if (options.signal?.aborted) halt();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const states: StateVisit[] = [];
  let failure: { name: string; cause: string } | undefined;
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (meter.event(event)) halt();
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
    if (error instanceof ExecutionAbortedError) status = 'ABORTED';
    else if (error instanceof ExecutionError) status = 'FAILED';
    else throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  await collect;
  // A quota crossed by the last events (the final output, ExecutionSucceeded as event 25,001)
  // fails an execution the engine finished.
  if (meter.violation) {
    status = 'FAILED';
    failure = { name: meter.violation.error, cause: meter.violation.cause };
    output = undefined;
  } else if (status === 'ABORTED') {
    failure = { name: 'ExecutionAborted', cause: String(options.signal?.reason ?? 'aborted') };
  }
  return {
    ...(run.machine ? { machine: run.machine } : {}),
    executionName,
    status,
    output,
    error: status === 'SUCCEEDED' ? undefined : (failure ?? { name: 'Unknown', cause: '' }),
    states,
    usage: meter.usage,
    startedAt,
    endedAt: new Date().toISOString(),
  };
};
