import { checkNodeRecovery } from '#functions/tasks/check-node-recovery.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `check-node-recovery` task (see functions/tasks/check-node-recovery.ts). */
export const handler = lambdaHandler(checkNodeRecovery);
