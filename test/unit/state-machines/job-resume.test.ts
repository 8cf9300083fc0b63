import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { RETRYABLE_ERRORS } from '#contracts/errors.ts';
import { localJobResumeFunctionArns } from '#local/runner.ts';
import { JOB_RESUME_TASKS, JobResumeStates } from '#state-machines/job-resume.contract.ts';
import { JOB_RESUME_MAX_CONCURRENCY, jobResumeDefinition } from '#state-machines/job-resume.ts';

interface State {
  Type: string;
  TimeoutSeconds?: number;
  Retry?: { ErrorEquals: string[]; BackoffRate: number }[];
  Catch?: unknown[];
  MaxConcurrency?: number;
  ItemProcessor?: { States: Record<string, State> };
}
const definition = jobResumeDefinition({ functionArns: localJobResumeFunctionArns() }) as {
  States: Record<string, State>;
  TimeoutSeconds: number;
};
const map = definition.States[JobResumeStates.ResumeJobs]!;
const allStates: [string, State][] = [
  ...Object.entries(definition.States),
  ...Object.entries(map.ItemProcessor?.States ?? {}),
];
const tasks = allStates.filter(([, s]) => s.Type === 'Task');

describe('Definition: job-resume', () => {
  it('is valid Amazon States Language', () => {
    // Act
    // (the validator adds defaults to what it is given: hand it a copy)
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });

    // Assess
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('names every state from the contract and maps every task to a Lambda', () => {
    // Assess
    expect(allStates.map(([name]) => name).sort()).toEqual(Object.values(JobResumeStates).sort());
    expect(tasks.map(([name]) => name).sort()).toEqual(Object.keys(JOB_RESUME_TASKS).sort());
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
      expect(task.Retry?.length).toBeGreaterThan(0);
      for (const retry of task.Retry ?? []) {
        for (const error of retry.ErrorEquals) expect(RETRYABLE_ERRORS).toContain(error);
        expect(retry.BackoffRate).toBeGreaterThanOrEqual(1);
      }
    },
  );

  it('resumes jobs with bounded concurrency and keeps one failure from stopping the others', () => {
    // Assess
    expect(map.MaxConcurrency).toBe(JOB_RESUME_MAX_CONCURRENCY);
    expect(map.ItemProcessor?.States[JobResumeStates.ResumeJob]?.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: JobResumeStates.ResumeJobFailed },
    ]);
  });

  it('bounds the whole execution', () => {
    // Assess
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
    expect(definition.TimeoutSeconds).toBeLessThanOrEqual(24 * 3600);
  });
});
