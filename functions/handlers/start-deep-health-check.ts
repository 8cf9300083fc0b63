import { lambdaHandler } from '#composition/lambda-handler.ts';
import { clusterNodes } from '#composition/wiring/cluster-nodes.ts';
import { startDeepHealthCheck } from '#functions/tasks/start-deep-health-check.ts';

/** Lambda entry of the `start-deep-health-check` task: StartDeepHealthCheck of the health-check machine (see functions/tasks/start-deep-health-check.ts). */
export const handler = lambdaHandler('start-deep-health-check', startDeepHealthCheck, { clusterNodes });
