import { lambdaHandler } from '#shared/lambda-handler.ts';
import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';

/** Lambda entry of the `suspend-workloads` task (see functions/tasks/suspend-workloads.ts). */
export const handler = lambdaHandler(suspendWorkloads);
