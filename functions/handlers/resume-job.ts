import { lambdaHandler } from '#composition/lambda-handler.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { resumeJob } from '#functions/tasks/job-resume.ts';

/** Lambda entry of the `resume-job` task of the job-resume machine (see functions/tasks/job-resume.ts). */
export const handler = lambdaHandler('resume-job', resumeJob, { kubeFor, ledger });
