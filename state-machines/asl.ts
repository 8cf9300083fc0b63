/** ASL building blocks shared by every machine (plain data, JSONPath only). */
import { RETRYABLE_ERRORS } from '#contracts/errors.ts';

export type Json = Record<string, unknown>;

/**
 * The `states:startExecution` service integration in the partition of the machine it starts. The
 * integration ARN carries a partition (`arn:aws-cn:states:::…` in China), and Step Functions fails
 * a Task whose resource is in another partition than the execution: "The resource belongs to a
 * different partition from the running execution" (docs/facts/step-functions.md,
 * sfn.integration-arn-partition). A started machine is always in the execution's own partition.
 *
 * @example
 * startExecutionResource('arn:aws-cn:states:cn-north-1:111122223333:stateMachine:hpr-prod-node-recovery');
 * // 'arn:aws-cn:states:::states:startExecution'
 */
export const startExecutionResource = (stateMachineArn: string): string => {
  const partition = /^arn:(aws[a-z-]*):states:/.exec(stateMachineArn)?.[1] ?? 'aws';
  return `arn:${partition}:states:::states:startExecution`;
};

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

/** What a Lambda Task state says besides its function: the fields we set, in ASL's words. */
export interface LambdaTaskProps {
  comment?: string;
  timeoutSeconds: number;
  /** The payload; the state input when absent. */
  parameters?: Json;
  /** Where the result goes; ASL's default (`$`, the result replaces the input) when absent. */
  resultPath?: string | null;
  /** The transient-retry policy when absent. */
  retry?: Json[];
  catch?: Json[];
  /** The next state; the state ends its (sub-)machine when absent. */
  next?: string;
}

/**
 * The one builder of a Task state that invokes a Lambda (every machine's Lambda states). No
 * `ResultPath: "$"`: omit `resultPath` for the default, since aws-local-stepfunctions 3.0.0
 * mis-executes an explicit "$" (it writes a key "$").
 */
export const lambdaTask = (functionArn: string, props: LambdaTaskProps): Json => ({
  Type: 'Task',
  ...(props.comment === undefined ? {} : { Comment: props.comment }),
  Resource: functionArn,
  TimeoutSeconds: props.timeoutSeconds,
  ...(props.parameters ? { Parameters: props.parameters } : {}),
  ...(props.resultPath === undefined ? {} : { ResultPath: props.resultPath }),
  Retry: props.retry ?? [retryTransient()],
  ...(props.catch ? { Catch: props.catch } : {}),
  ...(props.next ? { Next: props.next } : { End: true }),
});
