import { lambdaHandler } from '#shared/lambda-handler.ts';
import { restoreNode } from '#functions/tasks/restore-node.ts';

/** Lambda entry of the `restore-node` task (see functions/tasks/restore-node.ts). */
export const handler = lambdaHandler(restoreNode);
