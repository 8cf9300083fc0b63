import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `suspend-workloads` task (see functions/tasks/suspend-workloads.ts). */
export const handler = lambdaHandler(suspendWorkloads);
