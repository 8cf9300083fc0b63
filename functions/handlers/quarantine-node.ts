import { quarantineNode } from '#functions/tasks/quarantine-node.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `quarantine-node` task (see functions/tasks/quarantine-node.ts). */
export const handler = lambdaHandler(quarantineNode);
