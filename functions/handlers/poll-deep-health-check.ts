import { pollDeepHealthCheck } from '#functions/tasks/poll-deep-health-check.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { clusterNodes } from '#shared/wiring/cluster-nodes.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';

/** Lambda entry of the `poll-deep-health-check` task: PollDeepHealthCheck of the health-check machine (see functions/tasks/poll-deep-health-check.ts). */
export const handler = lambdaHandler('poll-deep-health-check', pollDeepHealthCheck, {
  clusterNodes,
  kubeFor,
});
