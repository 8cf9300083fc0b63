/**
 * `health-check`: proves one node good (or not), started by hand (console input: README, "The
 * health-check machine") or by the health sweep for idle nodes. JSONPath ASL as plain data.
 *
 *   PrepareHealthCheck ─► ChooseCheckLevel
 *     quick ─► StartQuickCheck ─► IsQuickCheckDone ─running─► WaitForQuickCheck ─► PollQuickCheck ─┐
 *                                      ▲ └──────────────────────────────────────────────────────────┘
 *     full  ─► StartDeepHealthCheck ─► IsDeepHealthCheckDone ─running─► WaitForDeepHealthCheck ─► PollDeepHealthCheck ─┐
 *                                      ▲ └──────────────────────────────────────────────────────────────────────────────┘
 *   done ─► RecordHealthCheck ─► IsRecoveryWanted ─failed + onFailure=recover─► StartNodeRecovery ─┐
 *                                      └──────────────────────────────────────────────────────────────► IsHealthy
 *   IsHealthy ─► CheckPassed | CheckFailed (Fail: HealthCheckFailed) | CheckNotRun (Fail: HealthCheckNotRun)
 *
 * Every wait is a Wait state (never a sleeping Lambda); every loop ends at a deadline the poll
 * tasks enforce (quick: the Job's timeout; full: the deep-check timeout and start grace).
 */

import { type Json, lambdaTask, startExecutionResource } from './asl.ts';
import {
  EXECUTION_ALREADY_EXISTS,
  EXECUTION_LIMIT_EXCEEDED,
  HealthCheckFunctions as F,
  HealthCheckErrors,
  type HealthCheckFunction,
  HealthCheckStates as S,
} from './health-check.contract.ts';

export interface HealthCheckRefs {
  /** Lambda ARN per task function. */
  functionArns: Record<HealthCheckFunction, string>;
  /** ARN of node-recovery (started when a failed check asks for recovery). */
  nodeRecoveryArn: string;
  /** Upper bound of one execution: above the deep health check's timeout. */
  executionTimeoutSeconds?: number;
}

const clusterParameters = { 'clusterName.$': '$.clusterName', 'eksClusterName.$': '$.eksClusterName' };

/**
 * Start<Check> ─► Is<Check>Done ─running─► WaitFor<Check> ─► Poll<Check> ─► Is<Check>Done;
 * done ─► RecordHealthCheck. The poll task enforces the deadline, so the loop always ends.
 */
const checkLoop = (
  names: { start: string; isDone: string; wait: string; poll: string },
  start: { arn: string; comment: string; parameters: Json },
  poll: { arn: string; comment: string },
): Json => ({
  [names.start]: lambdaTask(start.arn, {
    comment: start.comment,
    timeoutSeconds: 60,
    parameters: { ...clusterParameters, 'node.$': '$.node', ...start.parameters },
    resultPath: '$.result',
    next: names.isDone,
  }),
  [names.isDone]: {
    Type: 'Choice',
    Choices: [{ Variable: '$.result.status', StringEquals: 'running', Next: names.wait }],
    Default: S.RecordHealthCheck,
  },
  [names.wait]: {
    Type: 'Wait',
    SecondsPath: '$.result.pollSeconds',
    Next: names.poll,
  },
  [names.poll]: lambdaTask(poll.arn, {
    comment: poll.comment,
    timeoutSeconds: 60,
    parameters: { ...clusterParameters, 'check.$': '$.result' },
    resultPath: '$.result',
    next: names.isDone,
  }),
});

/** Builds the ASL definition; `refs` bring the deployed (or local) ARNs. */
export const healthCheckDefinition = (refs: HealthCheckRefs): Json => ({
  Comment: 'hyperpod-resilience health-check: quick (Job on the node) or full (HyperPod deep health check)',
  StartAt: S.PrepareHealthCheck,
  TimeoutSeconds: refs.executionTimeoutSeconds ?? 26 * 3600,
  States: {
    [S.PrepareHealthCheck]: lambdaTask(refs.functionArns[F.prepareHealthCheck], {
      comment: 'Validate the input, resolve the node, apply the config defaults',
      timeoutSeconds: 60,
      parameters: { 'input.$': '$', 'executionName.$': '$$.Execution.Name' },
      // Default ResultPath: the prepared state replaces the raw input. Invalid input or an
      // unknown node: no Catch, the execution fails with the typed error.
      next: S.ChooseCheckLevel,
    }),
    [S.ChooseCheckLevel]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.request.level', StringEquals: 'full', Next: S.StartDeepHealthCheck }],
      Default: S.StartQuickCheck,
    },
    ...checkLoop(
      {
        start: S.StartQuickCheck,
        isDone: S.IsQuickCheckDone,
        wait: S.WaitForQuickCheck,
        poll: S.PollQuickCheck,
      },
      {
        arn: refs.functionArns[F.startQuickCheck],
        comment: 'Accelerators allocatable, then a Job pinned to the node (image and checks from config)',
        parameters: { 'checkId.$': '$.checkId', 'purpose.$': '$.request.purpose' },
      },
      {
        arn: refs.functionArns[F.pollQuickCheck],
        comment: 'Read the check pod; its termination message is the verdict',
      },
    ),
    ...checkLoop(
      {
        start: S.StartDeepHealthCheck,
        isDone: S.IsDeepHealthCheckDone,
        wait: S.WaitForDeepHealthCheck,
        poll: S.PollDeepHealthCheck,
      },
      {
        arn: refs.functionArns[F.startDeepHealthCheck],
        comment: 'SageMaker StartClusterHealthCheck on the node',
        parameters: { 'deepHealthChecks.$': '$.request.deepHealthChecks' },
      },
      {
        arn: refs.functionArns[F.pollDeepHealthCheck],
        comment: 'Until the node leaves DeepHealthCheckInProgress; then read deep-health-check-status',
      },
    ),
    [S.RecordHealthCheck]: lambdaTask(refs.functionArns[F.recordHealthCheck], {
      comment: 'Count and log the result; prepare the node-recovery start when asked to recover',
      timeoutSeconds: 60,
      resultPath: '$.record',
      next: S.IsRecoveryWanted,
    }),
    [S.IsRecoveryWanted]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.record.recovery', IsPresent: true, Next: S.StartNodeRecovery }],
      Default: S.IsHealthy,
    },
    [S.StartNodeRecovery]: {
      Type: 'Task',
      Comment: 'Start node-recovery under an idempotent name (a name already used is not an error)',
      Resource: startExecutionResource(refs.nodeRecoveryArn),
      Parameters: {
        StateMachineArn: refs.nodeRecoveryArn,
        'Name.$': '$.record.recovery.executionName',
        'Input.$': '$.record.recovery.input',
      },
      TimeoutSeconds: 60,
      ResultSelector: { 'executionArn.$': '$.ExecutionArn' },
      ResultPath: '$.recoveryStarted',
      Retry: [
        { ErrorEquals: [EXECUTION_LIMIT_EXCEEDED], IntervalSeconds: 5, MaxAttempts: 5, BackoffRate: 2 },
      ],
      Catch: [
        {
          ErrorEquals: [EXECUTION_ALREADY_EXISTS],
          ResultPath: '$.recoveryAlreadyStarted',
          Next: S.IsHealthy,
        },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.recoveryStartError', Next: S.IsHealthy },
      ],
      Next: S.IsHealthy,
    },
    [S.IsHealthy]: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.record.status', StringEquals: 'passed', Next: S.CheckPassed },
        { Variable: '$.record.status', StringEquals: 'not-verified', Next: S.CheckNotRun },
      ],
      Default: S.CheckFailed,
    },
    [S.CheckPassed]: { Type: 'Succeed', OutputPath: '$.record' },
    [S.CheckFailed]: { Type: 'Fail', Error: HealthCheckErrors.failed, CausePath: '$.record.reason' },
    [S.CheckNotRun]: { Type: 'Fail', Error: HealthCheckErrors.notRun, CausePath: '$.record.reason' },
  },
});
