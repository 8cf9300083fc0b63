import { resumeJob } from '#functions/tasks/job-resume.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';

/** Lambda entry of the `resume-job` task of the job-resume machine (see functions/tasks/job-resume.ts). */
export const handler = lambdaHandler('resume-job', resumeJob, { kubeFor, ledger });
