import { lambdaHandler } from '#composition/lambda-handler.ts';
import { clusterNodes } from '#composition/wiring/cluster-nodes.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { pollDeepHealthCheck } from '#functions/tasks/poll-deep-health-check.ts';

/** Lambda entry of the `poll-deep-health-check` task: PollDeepHealthCheck of the health-check machine (see functions/tasks/poll-deep-health-check.ts). */
export const handler = lambdaHandler('poll-deep-health-check', pollDeepHealthCheck, {
  clusterNodes,
  kubeFor,
});
