/**
 * `health-sweep`: runs on a schedule (`rate(<sweep.rateMinutes> minutes)`) and finds silent
 * failures and our own stale state. JSONPath ASL as plain data.
 *
 *   SweepCluster ─► StartRecoveries (Map: StartNodeRecovery, startExecution with an idempotent Name)
 *                ─► RepairStaleStates (Map: RepairStaleState)
 *                ─► StartIdleChecks (Map: StartIdleCheck, startExecution of health-check)
 *                ─► SummarizeSweep
 *
 * SweepCluster reads the inventory (SageMaker ListClusterNodes, all pages; Kubernetes nodes; the
 * ledger) and decides (functions/domain/sweep-findings.ts); the Maps only start and repair. Every
 * finding goes through node-recovery's Admit (guardrails, dedupe, node lease), and a name already
 * used — the same finding seen by an overlapping sweep — is `ExecutionAlreadyExists`, a skip.
 * One failed start or repair never fails the sweep: it is caught and reported per item.
 */

import { type Json, lambdaTask, retryTransient, startExecutionResource } from './asl.ts';
import { EXECUTION_ALREADY_EXISTS, EXECUTION_LIMIT_EXCEEDED } from './health-check.contract.ts';
import {
  HealthSweepFunctions as F,
  type HealthSweepFunction,
  HealthSweepStates as S,
} from './health-sweep.contract.ts';

export interface HealthSweepRefs {
  functionArns: Record<HealthSweepFunction, string>;
  nodeRecoveryArn: string;
  healthCheckArn: string;
  executionTimeoutSeconds?: number;
}

const startExecution = (
  stateMachineArn: string,
  names: { alreadyStarted: string; failed: string },
): Json => ({
  Type: 'Task',
  Resource: startExecutionResource(stateMachineArn),
  Parameters: { StateMachineArn: stateMachineArn, 'Name.$': '$.executionName', 'Input.$': '$.input' },
  TimeoutSeconds: 60,
  ResultSelector: { 'executionArn.$': '$.ExecutionArn', status: 'started' },
  Retry: [{ ErrorEquals: [EXECUTION_LIMIT_EXCEEDED], IntervalSeconds: 5, MaxAttempts: 5, BackoffRate: 2 }],
  Catch: [
    { ErrorEquals: [EXECUTION_ALREADY_EXISTS], ResultPath: '$.error', Next: names.alreadyStarted },
    { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: names.failed },
  ],
  End: true,
});

const outcome = (status: string): Json => ({
  Type: 'Pass',
  Parameters: { 'executionName.$': '$.executionName', status, 'error.$': '$.error.Error' },
  End: true,
});

const inlineMap = (startAt: string, states: Json, props: Json): Json => ({
  Type: 'Map',
  MaxConcurrencyPath: '$.startConcurrency',
  ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: startAt, States: states },
  ...props,
});

/**
 * A Map that starts `stateMachineArn` once per item (`executionName`, `input`): a start under a
 * name already used, or a failed start, is the item's outcome, never the sweep's failure.
 */
const startEach = (
  stateMachineArn: string,
  names: { start: string; alreadyStarted: string; failed: string },
  props: Json,
): Json =>
  inlineMap(
    names.start,
    {
      [names.start]: startExecution(stateMachineArn, names),
      [names.alreadyStarted]: outcome('already-started'),
      [names.failed]: outcome('start-failed'),
    },
    props,
  );

/** The schedule expression of the sweep rule. */
export const sweepScheduleExpression = (rateMinutes: number): string =>
  rateMinutes === 1 ? 'rate(1 minute)' : `rate(${rateMinutes} minutes)`;

/** Builds the ASL definition; `refs` bring the deployed (or local) ARNs. */
export const healthSweepDefinition = (refs: HealthSweepRefs): Json => ({
  Comment: 'hyperpod-resilience health-sweep: inventory, findings, node-recovery starts, stale-state repairs',
  StartAt: S.SweepCluster,
  TimeoutSeconds: refs.executionTimeoutSeconds ?? 3600,
  States: {
    [S.SweepCluster]: lambdaTask(refs.functionArns[F.sweepCluster], {
      comment: 'Inventory (SageMaker all pages, Kubernetes nodes, ledger) and pure findings',
      timeoutSeconds: 300,
      parameters: { 'input.$': '$', 'executionName.$': '$$.Execution.Name' },
      retry: [retryTransient(2)],
      next: S.StartRecoveries,
    }),
    [S.StartRecoveries]: startEach(
      refs.nodeRecoveryArn,
      { start: S.StartNodeRecovery, alreadyStarted: S.RecoveryAlreadyStarted, failed: S.RecoveryStartFailed },
      {
        Comment: 'node-recovery per finding',
        ItemsPath: '$.recoveries',
        // The results replace the items: the state keeps one list, not both (256 KiB per state output).
        ResultPath: '$.recoveries',
        Next: S.RepairStaleStates,
      },
    ),
    [S.RepairStaleStates]: inlineMap(
      S.RepairStaleState,
      {
        [S.RepairStaleState]: lambdaTask(refs.functionArns[F.repairStaleState], {
          comment: 'Lift a stale quarantine, resume a stale suspension, close an overdue incident',
          timeoutSeconds: 120,
          retry: [retryTransient(2)],
          catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.RepairFailed }],
        }),
        [S.RepairFailed]: {
          Type: 'Pass',
          Parameters: {
            'kind.$': '$.repair.kind',
            status: 'failed',
            'error.$': '$.error.Error',
            'detail.$': '$.error.Cause',
          },
          End: true,
        },
      },
      {
        Comment: 'our own stale state',
        ItemsPath: '$.repairs',
        // The results replace the items: the state keeps one list, not both (256 KiB per state output).
        ResultPath: '$.repairs',
        Next: S.StartIdleChecks,
      },
    ),
    [S.StartIdleChecks]: startEach(
      refs.healthCheckArn,
      { start: S.StartIdleCheck, alreadyStarted: S.IdleCheckAlreadyStarted, failed: S.IdleCheckStartFailed },
      {
        Comment: 'quick checks of idle nodes (at most once per node per period)',
        ItemsPath: '$.idleChecks',
        // The results replace the items: the state keeps one list, not both (256 KiB per state output).
        ResultPath: '$.idleChecks',
        Next: S.SummarizeSweep,
      },
    ),
    [S.SummarizeSweep]: {
      Type: 'Pass',
      Parameters: {
        'sweptAt.$': '$.sweptAt',
        'summary.$': '$.summary',
        'started.$': '$.recoveries',
        'repaired.$': '$.repairs',
        'idleChecksStarted.$': '$.idleChecks',
      },
      End: true,
    },
  },
});
