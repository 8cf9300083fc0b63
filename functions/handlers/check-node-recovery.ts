import { lambdaHandler } from '#shared/lambda-handler.ts';
import { checkNodeRecovery } from '#functions/tasks/check-node-recovery.ts';

/** Lambda entry of the `check-node-recovery` task (see functions/tasks/check-node-recovery.ts). */
export const handler = lambdaHandler(checkNodeRecovery);
