/**
 * `job-resume`: a person resumes the given jobs, or every job we hold suspended in a cluster
 * (console input: README "Manual resume"). JSONPath ASL as plain data (no JSONata, no
 * Assign), deployed by sst.config.ts and executed locally by aws-local-stepfunctions.
 *
 *   PlanJobResume ─► ResumeJobs (Map, ≤ 10 at a time) ─► RecordJobResume ─► IsJobResumeComplete
 *     (validate,        └ ResumeJob ─(any error)─► ResumeJobFailed            │ incomplete
 *      list targets)                                                          ▼
 *                                                              Done     JobResumeIncomplete (Fail)
 *
 * Invalid input or an unknown cluster fails PlanJobResume with the typed error and nothing
 * changes. A job that cannot be resumed does not stop the others: its item records the error,
 * the request is recorded, and the execution ends failed so that a person looks.
 */

import { type Json, lambdaTask, retryTransient } from './asl.ts';
import {
  JOB_RESUME_INCOMPLETE_ERROR,
  type JobResumeFunction,
  JobResumeFunctions,
  JobResumeStates as S,
} from './job-resume.contract.ts';

export interface JobResumeRefs {
  /** Lambda ARN per task function. */
  functionArns: Record<JobResumeFunction, string>;
  /** Upper bound of one execution. */
  executionTimeoutSeconds?: number;
}

/** At most this many jobs are resumed at once (each is a few Kubernetes calls). */
export const JOB_RESUME_MAX_CONCURRENCY = 10;

/** Builds the ASL definition; `refs` bring the deployed (or local) function ARNs. */
export const jobResumeDefinition = (refs: JobResumeRefs): Json => ({
  Comment: 'hyperpod-resilience job-resume: resume the given jobs, or every job we suspended in a cluster',
  StartAt: S.PlanJobResume,
  TimeoutSeconds: refs.executionTimeoutSeconds ?? 3600,
  States: {
    [S.PlanJobResume]: lambdaTask(refs.functionArns[JobResumeFunctions.planJobResume], {
      comment: 'Validate the console input, resolve the cluster, list the jobs to resume',
      timeoutSeconds: 120,
      parameters: {
        'input.$': '$',
        'executionName.$': '$$.Execution.Name',
        'startedAt.$': '$$.Execution.StartTime',
      },
      // No resultPath: the plan replaces the input (see lambdaTask on why never "$").
      next: S.ResumeJobs,
    }),
    [S.ResumeJobs]: {
      Type: 'Map',
      Comment: 'Resume each job; one failure does not stop the others',
      ItemsPath: '$.targets',
      MaxConcurrency: JOB_RESUME_MAX_CONCURRENCY,
      ItemSelector: {
        'ref.$': '$$.Map.Item.Value',
        'requestId.$': '$.requestId',
        'clusterName.$': '$.clusterName',
        'eksClusterName.$': '$.eksClusterName',
        'reason.$': '$.reason',
        'requestedBy.$': '$.requestedBy',
      },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: S.ResumeJob,
        States: {
          [S.ResumeJob]: lambdaTask(refs.functionArns[JobResumeFunctions.resumeJob], {
            comment: 'Unsuspend one job we suspended, releasing every incident that held it',
            timeoutSeconds: 60,
            catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.ResumeJobFailed }],
          }),
          [S.ResumeJobFailed]: {
            Type: 'Pass',
            Comment: 'Keep the error as this job’s result',
            Parameters: { 'ref.$': '$.ref', outcome: 'failed', 'error.$': '$.error' },
            End: true,
          },
        },
      },
      ResultPath: '$.results',
      Next: S.RecordJobResume,
    },
    [S.RecordJobResume]: lambdaTask(refs.functionArns[JobResumeFunctions.recordJobResume], {
      comment: 'Record the request and every job’s outcome in the ledger, notify',
      timeoutSeconds: 60,
      resultPath: '$.record',
      retry: [retryTransient(2, 6)],
      next: S.IsJobResumeComplete,
    }),
    [S.IsJobResumeComplete]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.record.status', StringEquals: 'incomplete', Next: S.JobResumeIncomplete }],
      Default: S.Done,
    },
    [S.Done]: { Type: 'Succeed', OutputPath: '$.record' },
    [S.JobResumeIncomplete]: {
      Type: 'Fail',
      Error: JOB_RESUME_INCOMPLETE_ERROR,
      Cause: 'Some jobs could not be resumed; see the request record and the notification',
    },
  },
});
