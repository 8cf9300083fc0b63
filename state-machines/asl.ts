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
