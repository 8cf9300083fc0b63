import { verifyNodeHealth } from '#functions/tasks/verify-node-health.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `verify-node-health` task (see functions/tasks/verify-node-health.ts). */
export const handler = lambdaHandler(verifyNodeHealth);
