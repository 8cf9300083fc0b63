import { describe, expect, it } from 'vitest';
import { lambdaTask, retryTransient, startExecutionResource } from '#state-machines/asl.ts';
import { healthCheckDefinition } from '#state-machines/health-check.ts';
import { healthSweepDefinition } from '#state-machines/health-sweep.ts';

// State machine ARNs as Step Functions writes them in each partition
// (arn:<partition>:states:<region>:<account>:stateMachine:<name>).
const CN_MACHINE = 'arn:aws-cn:states:cn-north-1:111122223333:stateMachine:hpr-prod-node-recovery';
const GOV_MACHINE = 'arn:aws-us-gov:states:us-gov-west-1:111122223333:stateMachine:hpr-prod-node-recovery';

describe('Function: startExecutionResource', () => {
  it.each([
    {
      machine: 'arn:aws:states:us-west-2:111122223333:stateMachine:hpr-prod-node-recovery',
      resource: 'arn:aws:states:::states:startExecution',
    },
    { machine: CN_MACHINE, resource: 'arn:aws-cn:states:::states:startExecution' },
    { machine: GOV_MACHINE, resource: 'arn:aws-us-gov:states:::states:startExecution' },
  ])('names the integration in the partition of $machine', ({ machine, resource }) => {
    expect(startExecutionResource(machine)).toBe(resource);
  });
});

describe('startExecution states in another partition', () => {
  it('start machines of aws-cn through the aws-cn integration, never a hard-coded aws one', () => {
    // Prepare
    const fn = (name: string) => `arn:aws-cn:lambda:cn-north-1:111122223333:function:hpr-prod-${name}`;
    const sweep = healthSweepDefinition({
      functionArns: new Proxy({}, { get: (_, name) => fn(String(name)) }) as never,
      nodeRecoveryArn: CN_MACHINE,
      healthCheckArn: CN_MACHINE.replace('node-recovery', 'health-check'),
    });
    const check = healthCheckDefinition({
      functionArns: new Proxy({}, { get: (_, name) => fn(String(name)) }) as never,
      nodeRecoveryArn: CN_MACHINE,
    });

    // Assess
    const text = JSON.stringify([sweep, check]);
    expect(text).toContain('"arn:aws-cn:states:::states:startExecution"');
    expect(text).not.toContain('"arn:aws:states:::states:startExecution"');
  });
});

describe('Function: lambdaTask', () => {
  const FN = 'arn:aws:lambda:us-west-2:111122223333:function:hpr-prod-record-outcome';

  it('retries only transient errors and ends the machine when no retry and no next are given', () => {
    // Act
    const state = lambdaTask(FN, { timeoutSeconds: 60 });

    // Assess
    expect(state).toEqual({
      Type: 'Task',
      Resource: FN,
      TimeoutSeconds: 60,
      Retry: [retryTransient()],
      End: true,
    });
  });

  it('keeps a null ResultPath (discard the result) and leaves out an absent one (the default "$")', () => {
    // Act
    const discarding = lambdaTask(FN, { timeoutSeconds: 60, resultPath: null, next: 'Done' });
    const replacing = lambdaTask(FN, { timeoutSeconds: 60, next: 'Done' });

    // Assess
    expect(discarding).toMatchObject({ ResultPath: null, Next: 'Done' });
    expect(replacing).not.toHaveProperty('ResultPath');
    expect(replacing).not.toHaveProperty('End');
  });
});
