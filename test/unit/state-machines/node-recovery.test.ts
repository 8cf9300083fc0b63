import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { ErrorNames, RETRYABLE_ERRORS } from '#contracts/errors.ts';
import { localFunctionArns } from '#local/runner.ts';
import { NODE_RECOVERY_TASKS, NodeRecoveryStates } from '#state-machines/node-recovery.contract.ts';
import { nodeRecoveryDefinition } from '#state-machines/node-recovery.ts';

// biome-ignore lint/suspicious/noExplicitAny: assertions walk the ASL freely
type State = Record<string, any>;
const definition = nodeRecoveryDefinition({ functionArns: localFunctionArns() }) as {
  States: Record<string, State>;
  TimeoutSeconds: number;
};
const states = Object.entries(definition.States);
const tasks = states.filter(([, s]) => s.Type === 'Task');

describe('Definition: node-recovery', () => {
  it('is valid Amazon States Language', () => {
    // Act
    // asl-validator writes a default QueryLanguage into every state: validate a copy.
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });

    // Assess
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('names every state from the contract and maps every task to a Lambda', () => {
    // Assess
    expect(Object.keys(definition.States).sort()).toEqual(Object.values(NodeRecoveryStates).sort());
    expect(tasks.map(([name]) => name).sort()).toEqual(Object.keys(NODE_RECOVERY_TASKS).sort());
  });

  it('uses JSONPath only: no JSONata and no Assign, which the local runner cannot execute', () => {
    // Assess
    const text = JSON.stringify(definition);
    expect(text).not.toContain('QueryLanguage');
    expect(text).not.toContain('"Assign"');
    expect(text).not.toContain('{%');
  });

  it.each(tasks)(
    'gives the %s task an explicit timeout and retries only named transient errors',
    (_name, task) => {
      // Assess
      expect(task.TimeoutSeconds).toBeGreaterThan(0);
      for (const retry of task.Retry ?? []) {
        for (const error of retry.ErrorEquals) {
          expect([...RETRYABLE_ERRORS, ErrorNames.NodeBusy]).toContain(error);
        }
        expect(retry.BackoffRate).toBeGreaterThanOrEqual(1);
      }
    },
  );

  it('bounds the whole execution', () => {
    // Assess
    expect(definition.TimeoutSeconds).toBeGreaterThan(2 * 3600);
    expect(definition.TimeoutSeconds).toBeLessThanOrEqual(24 * 3600);
  });

  it('sends every failure after admission to Escalate', () => {
    // Assess
    const afterAdmission = tasks.filter(
      ([name]) =>
        !['AdmitIncident', 'RecordOutcome', 'RecordSkip', 'Escalate', 'PromoteSpare'].includes(name),
    );
    for (const [, task] of afterAdmission) {
      expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Escalate' }]);
    }
  });

  it('promotes a spare between suspension and the remediation request, and a failed promotion never stops the repair', () => {
    // Assess
    const states = definition.States;
    expect(states.SuspendWorkloads?.Next).toBe('PromoteSpare');
    expect(states.PromoteSpare).toMatchObject({
      Next: 'RequestRemediation',
      ResultPath: '$.promotion',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.promotion', Next: 'RequestRemediation' }],
    });
  });

  it('verifies the node that came back with a bounded quick-check loop of Wait states', () => {
    // Assess
    const states = definition.States;
    expect(states.IsNodeBack?.Choices[0].Next).toBe('StartQuickCheck');
    expect(states.StartQuickCheck?.Next).toBe('IsQuickCheckDone');
    expect(states.IsQuickCheckDone).toMatchObject({
      Choices: [{ Variable: '$.verification.status', StringEquals: 'running', Next: 'WaitForQuickCheck' }],
      Default: 'IsNodeHealthy',
    });
    expect(states.WaitForQuickCheck).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.verification.pollSeconds',
    });
    expect(states.PollQuickCheck).toMatchObject({ Next: 'IsQuickCheckDone', ResultPath: '$.verification' });
    expect(states.StartQuickCheck?.Parameters).toMatchObject({
      'node.$': '$.await.node',
      'attempt.$': '$.remediation.attempt',
      purpose: 'verify',
    });
  });

  it('escalates a failed verification to a replacement only after a reboot it requested, and for an alarm only when its maxAction is replace', () => {
    // Assess
    const [toReplace, toPeople] = definition.States.IsNodeHealthy?.Choices ?? [];
    expect(toReplace).toEqual({
      And: [
        { Variable: '$.verification.status', StringEquals: 'failed' },
        { Variable: '$.decision.action', StringEquals: 'reboot' },
        { Variable: '$.decision.remediation', StringEquals: 'request' },
        { Variable: '$.decision.maxAction', StringEquals: 'replace' },
      ],
      Next: 'EscalateToReplace',
    });
    expect(toPeople).toEqual({ Variable: '$.verification.status', StringEquals: 'failed', Next: 'Escalate' });
    expect(definition.States.EscalateToReplace).toMatchObject({
      Result: 'replace',
      ResultPath: '$.decision.action',
    });
  });
});
