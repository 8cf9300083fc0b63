import { restoreNode } from '#functions/tasks/restore-node.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `restore-node` task (see functions/tasks/restore-node.ts). */
export const handler = lambdaHandler(restoreNode);
