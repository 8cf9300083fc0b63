import { recordJobResume } from '#functions/tasks/job-resume.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { ledger } from '#shared/wiring/ledger.ts';
import { notifier } from '#shared/wiring/notifier.ts';

/** Lambda entry of the `record-job-resume` task of the job-resume machine (see functions/tasks/job-resume.ts). */
export const handler = lambdaHandler('record-job-resume', recordJobResume, { ledger, notifier });
