/**
 * The Step Functions quotas the local runner enforces (aws-local-stepfunctions enforces none), and
 * the model that counts a local execution's history events as Step Functions would. Pure: the
 * runner feeds it the engine's event log and the task inputs/results, and fails the execution the
 * way the service does when a quota is crossed. Facts and sources: docs/facts/step-functions.md.
 *
 * Payload: 262,144 bytes of data as a UTF-8 encoded string for the input or output of a task,
 * state or execution (quotas page); crossing it raises `States.DataLimitExceeded`, a terminal
 * error that `States.ALL` does not catch (error-handling page).
 *
 * History: 25,000 events per Standard execution. When event number 25,000 is not
 * `ExecutionSucceeded`, Step Functions logs `ExecutionFailed` as that event and the execution
 * fails ("Avoid reaching the history quota" page).
 *
 * Counting model (what each engine event stands for in a Step Functions history):
 * - execution: `ExecutionStarted` 1, `ExecutionSucceeded` / `ExecutionFailed` / `ExecutionAborted` 1;
 * - Task: entered = `TaskStateEntered` + `TaskScheduled` + `TaskStarted` (3); each failed attempt
 *   adds `TaskFailed` (1); each retry adds `TaskScheduled` + `TaskStarted` (2); exit =
 *   `TaskSucceeded` + `TaskStateExited` (2); a caught failure adds `TaskStateExited` (1). A Lambda
 *   ARN as Resource logs `LambdaFunction*` events instead of `Task*`, one for one. A Task with no
 *   retry costs 5 (observed: cloudonaut.io, "The Run state emits 5 history events");
 * - Map (inline): entered = `MapStateEntered` + `MapStateStarted` (2), per iteration
 *   `MapIterationStarted` + `MapIterationSucceeded|Failed` (2) plus its states' events, exit =
 *   `MapStateSucceeded` + `MapStateExited` (2), a failure `MapStateFailed` (1);
 * - Parallel: as Map without iteration events;
 * - Pass, Choice, Wait, Succeed: entered 1, exited 1 (observed: "CheckEndOfPage emits two");
 *   Fail: entered 1, then `ExecutionFailed`.
 * Approximate where the engine has no matching event: `MapIterationAborted` of the iterations a
 * failing Map stops, `TaskSubmitted` of integrations that log it, and a caught Map/Parallel
 * failure's exit event are not counted.
 */
import type { StateMachine } from 'aws-local-stepfunctions';

/** One event of the engine's log (the package does not export the type). */
export type EventLog =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** "262,144 bytes of data as a UTF-8 encoded string" (Step Functions quotas page). */
export const PAYLOAD_LIMIT_BYTES = 262_144;
/** "25,000 events" in one Standard execution's history (Step Functions quotas page). */
export const HISTORY_LIMIT_EVENTS = 25_000;
/** The error Step Functions raises when a payload crosses the quota (error-handling page). */
export const DATA_LIMIT_EXCEEDED = 'States.DataLimitExceeded';
/**
 * The error name of an execution failed by the history quota. UNVERIFIED: the documentation says
 * only that `ExecutionFailed` is logged; the cause text is the one a user observed
 * (docs/facts/step-functions.md, sfn.history-limit-failure).
 */
export const HISTORY_LIMIT_ERROR = 'States.Runtime';
export const HISTORY_LIMIT_CAUSE = `The execution reached the maximum number of history events (${HISTORY_LIMIT_EVENTS}).`;

/** Size of a JSON value as Step Functions measures it: UTF-8 bytes of its JSON text. */
export const payloadBytes = (value: unknown): number =>
  Buffer.byteLength(JSON.stringify(value === undefined ? null : value), 'utf8');

/** Where a payload was measured. */
export type PayloadKind = 'execution input' | 'state input' | 'task input' | 'task result' | 'state output';

export interface QuotaViolation {
  error: string;
  cause: string;
}

export interface QuotaUsage {
  /** History events the execution would have in Step Functions (counting model above). */
  historyEvents: number;
  /** The largest payload seen, where. */
  largestPayload: { bytes: number; state?: string; kind: PayloadKind };
}

/** History events of Step Functions that one engine event stands for (model above). */
export const historyEventsOf = (event: EventLog): number => {
  switch (event.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return 1;
    case 'ParallelBranchStarted':
    case 'ParallelBranchSucceeded':
    case 'ParallelBranchFailed':
      return 0;
    case 'StateEntered':
      return event.state.type === 'Task'
        ? 3
        : event.state.type === 'Map' || event.state.type === 'Parallel'
          ? 2
          : 1;
    case 'StateExited':
      return event.state.type === 'Task' || event.state.type === 'Map' || event.state.type === 'Parallel'
        ? 2
        : 1;
    case 'StateFailed':
      return event.state.type === 'Task' || event.state.type === 'Map' || event.state.type === 'Parallel'
        ? 1
        : 0;
    case 'StateRetried':
      return event.state.type === 'Task' ? 2 : 0;
    case 'StateCaught':
      return event.state.type === 'Task' ? 1 : 0;
    default:
      return 0;
  }
};

/**
 * Meters one execution: feed it every payload and engine event in order; the first quota crossed
 * is returned (and kept in `violation`). The execution ends there: after a violation the meter
 * counts one last event (the `ExecutionFailed` Step Functions logs) and nothing more.
 */
export class QuotaMeter {
  violation: QuotaViolation | undefined;
  private closed = false;
  readonly usage: QuotaUsage = { historyEvents: 0, largestPayload: { bytes: 0, kind: 'execution input' } };

  constructor(
    private readonly limits: { payloadBytes: number; historyEvents: number } = {
      payloadBytes: PAYLOAD_LIMIT_BYTES,
      historyEvents: HISTORY_LIMIT_EVENTS,
    },
  ) {}

  /** Measures one payload; a violation when it is over the quota. */
  payload(value: unknown, kind: PayloadKind, state?: string): QuotaViolation | undefined {
    const bytes = payloadBytes(value);
    if (bytes > this.usage.largestPayload.bytes) {
      this.usage.largestPayload = { bytes, kind, ...(state ? { state } : {}) };
    }
    if (bytes <= this.limits.payloadBytes) return undefined;
    return this.fail({
      error: DATA_LIMIT_EXCEEDED,
      cause: `The ${kind} of ${state ? `state '${state}'` : 'the execution'} has ${bytes} bytes, over the ${this.limits.payloadBytes}-byte quota.`,
    });
  }

  /** Counts one engine event and measures the payloads it carries. */
  event(event: EventLog): QuotaViolation | undefined {
    if (this.violation) {
      if (!this.closed) this.usage.historyEvents += 1;
      this.closed = true;
      return this.violation;
    }
    const before = this.usage.historyEvents;
    const added = historyEventsOf(event);
    this.usage.historyEvents = before + added;
    // Event number `limit` may only be ExecutionSucceeded; anything else fails the execution there.
    if (
      added > 0 &&
      before + added >= this.limits.historyEvents &&
      !(event.type === 'ExecutionSucceeded' && before + added === this.limits.historyEvents)
    ) {
      // ExecutionFailed is event number `limit`.
      this.usage.historyEvents = this.limits.historyEvents;
      this.closed = true;
      return this.fail({ error: HISTORY_LIMIT_ERROR, cause: HISTORY_LIMIT_CAUSE });
    }
    if (event.type === 'ExecutionStarted') return this.payload(event.input, 'execution input');
    if (event.type === 'StateEntered')
      return this.payload(event.state.input, 'state input', event.state.name);
    if (event.type === 'StateExited') {
      return this.payload(event.state.output, 'state output', event.state.name);
    }
    return undefined;
  }

  private fail(violation: QuotaViolation): QuotaViolation {
    this.violation ??= violation;
    return violation;
  }
}
