import { lambdaHandler } from '#composition/lambda-handler.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { planJobResume } from '#functions/tasks/job-resume.ts';

/** Lambda entry of the `plan-job-resume` task of the job-resume machine (see functions/tasks/job-resume.ts). */
export const handler = lambdaHandler('plan-job-resume', planJobResume, { kubeFor });
