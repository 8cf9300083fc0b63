import { planJobResume } from '#functions/tasks/job-resume.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';

/** Lambda entry of the `plan-job-resume` task of the job-resume machine (see functions/tasks/job-resume.ts). */
export const handler = lambdaHandler('plan-job-resume', planJobResume, { kubeFor });
