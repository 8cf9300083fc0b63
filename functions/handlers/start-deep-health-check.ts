import { startDeepHealthCheck } from '#functions/tasks/start-deep-health-check.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { clusterNodes } from '#shared/wiring/cluster-nodes.ts';

/** Lambda entry of the `start-deep-health-check` task: StartDeepHealthCheck of the health-check machine (see functions/tasks/start-deep-health-check.ts). */
export const handler = lambdaHandler('start-deep-health-check', startDeepHealthCheck, { clusterNodes });
