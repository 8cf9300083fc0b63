import { lambdaHandler } from '#composition/lambda-handler.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { notifier } from '#composition/wiring/notifier.ts';
import { recordJobResume } from '#functions/tasks/job-resume.ts';

/** Lambda entry of the `record-job-resume` task of the job-resume machine (see functions/tasks/job-resume.ts). */
export const handler = lambdaHandler('record-job-resume', recordJobResume, { ledger, notifier });
