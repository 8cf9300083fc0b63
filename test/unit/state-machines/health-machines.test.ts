import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { RETRYABLE_ERRORS } from '#contracts/errors.ts';
import {
  localHealthCheckFunctionArns,
  localHealthSweepFunctionArns,
  localStateMachineArn,
} from '#local/runner.ts';
import {
  EXECUTION_ALREADY_EXISTS,
  EXECUTION_LIMIT_EXCEEDED,
  HEALTH_CHECK_START_EXECUTION_STATES,
  HEALTH_CHECK_TASKS,
  HealthCheckStates,
  healthCheckInputJsonSchema,
} from '#state-machines/health-check.contract.ts';
import { healthCheckDefinition } from '#state-machines/health-check.ts';
import {
  HEALTH_SWEEP_START_EXECUTION_STATES,
  HEALTH_SWEEP_TASKS,
  HealthSweepStates,
} from '#state-machines/health-sweep.contract.ts';
import { healthSweepDefinition, sweepScheduleExpression } from '#state-machines/health-sweep.ts';

// biome-ignore lint/suspicious/noExplicitAny: assertions walk the ASL freely
type State = Record<string, any>;
type Definition = { States: Record<string, State>; TimeoutSeconds: number };

const healthCheck = healthCheckDefinition({
  functionArns: localHealthCheckFunctionArns(),
  nodeRecoveryArn: localStateMachineArn('node-recovery'),
}) as Definition;
const healthSweep = healthSweepDefinition({
  functionArns: localHealthSweepFunctionArns(),
  nodeRecoveryArn: localStateMachineArn('node-recovery'),
  healthCheckArn: localStateMachineArn('health-check'),
}) as Definition;

/** Every state, those inside Map item processors included. */
const allStates = (definition: { States: Record<string, State> }): [string, State][] =>
  Object.entries(definition.States).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor) : []),
  ]);

const MACHINES = [
  {
    machine: 'health-check',
    definition: healthCheck,
    states: HealthCheckStates,
    tasks: HEALTH_CHECK_TASKS,
    starts: HEALTH_CHECK_START_EXECUTION_STATES,
  },
  {
    machine: 'health-sweep',
    definition: healthSweep,
    states: HealthSweepStates,
    tasks: HEALTH_SWEEP_TASKS,
    starts: HEALTH_SWEEP_START_EXECUTION_STATES,
  },
];

describe.each(MACHINES)('Definition: $machine', ({ definition, states, tasks, starts }) => {
  it('is valid Amazon States Language', () => {
    // Act
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });

    // Assess
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('names every state from the contract and maps every Lambda task and startExecution state', () => {
    // Prepare
    const entries = allStates(definition);
    const taskStates = entries.filter(([, s]) => s.Type === 'Task');

    // Assess
    expect(entries.map(([name]) => name).sort()).toEqual(Object.values(states).sort());
    expect(taskStates.map(([name]) => name).sort()).toEqual(
      [...Object.keys(tasks), ...Object.keys(starts)].sort(),
    );
    for (const [name, state] of taskStates) {
      if (name in starts) expect(state.Resource).toBe('arn:aws:states:::states:startExecution');
      else expect(state.Resource).toMatch(/^arn:aws:lambda:/);
    }
  });

  it('uses JSONPath only: no JSONata and no Assign, which the local runner cannot execute', () => {
    // Assess
    const text = JSON.stringify(definition);
    expect(text).not.toContain('QueryLanguage');
    expect(text).not.toContain('"Assign"');
    expect(text).not.toContain('{%');
  });

  it('gives every task an explicit timeout and retries only named transient errors', () => {
    // Assess
    for (const [, task] of allStates(definition).filter(([, s]) => s.Type === 'Task')) {
      expect(task.TimeoutSeconds).toBeGreaterThan(0);
      for (const retry of task.Retry ?? []) {
        for (const error of retry.ErrorEquals)
          expect([...RETRYABLE_ERRORS, EXECUTION_LIMIT_EXCEEDED]).toContain(error);
        expect(retry.BackoffRate).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('starts other machines under the name the item carries and treats a used name as already started', () => {
    // Assess
    for (const [name] of Object.entries(starts)) {
      const state = allStates(definition).find(([n]) => n === name)?.[1];
      expect(state?.Parameters['Name.$']).toMatch(/executionName$/);
      expect(state?.Catch[0].ErrorEquals).toEqual([EXECUTION_ALREADY_EXISTS]);
    }
  });
});

describe('Definition: health-check', () => {
  it('waits in Wait states between polls, never in a Lambda', () => {
    // Assess
    expect(healthCheck.States.WaitForQuickCheck).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.result.pollSeconds',
    });
    expect(healthCheck.States.WaitForDeepHealthCheck).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.result.pollSeconds',
    });
    for (const [, task] of Object.entries(healthCheck.States).filter(([, s]) => s.Type === 'Task')) {
      expect(task.TimeoutSeconds).toBeLessThanOrEqual(60);
    }
  });

  it('bounds the execution above the longest deep health check', () => {
    // Assess
    expect(healthCheck.TimeoutSeconds).toBeGreaterThan(24 * 3600);
  });

  it('ends in a Fail state carrying the reason when the check did not pass', () => {
    // Assess
    expect(healthCheck.States.CheckFailed).toEqual({
      Type: 'Fail',
      Error: 'HealthCheckFailed',
      CausePath: '$.record.reason',
    });
    expect(healthCheck.States.CheckNotRun).toEqual({
      Type: 'Fail',
      Error: 'HealthCheckNotRun',
      CausePath: '$.record.reason',
    });
  });

  it('documents the console input as JSON Schema with exactly one node identifier', () => {
    // Assess
    expect(healthCheckInputJsonSchema).toMatchObject({
      type: 'object',
      required: ['clusterName'],
      additionalProperties: false,
      oneOf: [{ required: ['instanceId'] }, { required: ['nodeName'] }],
    });
    expect(Object.keys(healthCheckInputJsonSchema.properties as object).sort()).toEqual([
      'clusterName',
      'deepHealthChecks',
      'instanceId',
      'level',
      'nodeName',
      'onFailure',
      'reason',
      'requestedBy',
    ]);
  });
});

describe('Definition: health-sweep', () => {
  it('never lets one failed start or repair fail the sweep', () => {
    // Assess
    const catches = allStates(healthSweep)
      .filter(([, s]) => s.Type === 'Task' && s.Resource !== healthSweep.States.SweepCluster?.Resource)
      .map(([name, s]) => [name, s.Catch.at(-1).ErrorEquals]);
    expect(catches).toEqual([
      ['StartNodeRecovery', ['States.ALL']],
      ['RepairStaleState', ['States.ALL']],
      ['StartIdleCheck', ['States.ALL']],
    ]);
  });

  it('bounds the parallel starts by the configured concurrency', () => {
    // Assess
    for (const map of ['StartRecoveries', 'RepairStaleStates', 'StartIdleChecks']) {
      expect(healthSweep.States[map]).toMatchObject({
        Type: 'Map',
        MaxConcurrencyPath: '$.startConcurrency',
      });
    }
  });

  it.each([
    { case: 'one minute', minutes: 1, expression: 'rate(1 minute)' },
    { case: 'several minutes', minutes: 5, expression: 'rate(5 minutes)' },
  ])('builds the schedule expression for $case', ({ minutes, expression }) => {
    // Assess
    expect(sweepScheduleExpression(minutes)).toBe(expression);
  });
});
