import { resumeWorkloads } from '#functions/tasks/resume-workloads.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `resume-workloads` task (see functions/tasks/resume-workloads.ts). */
export const handler = lambdaHandler(resumeWorkloads);
