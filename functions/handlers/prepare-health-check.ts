import { lambdaHandler } from '#composition/lambda-handler.ts';
import { clusterNodes } from '#composition/wiring/cluster-nodes.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { prepareHealthCheck } from '#functions/tasks/prepare-health-check.ts';

/** Lambda entry of the `prepare-health-check` task: PrepareHealthCheck of the health-check machine (see functions/tasks/prepare-health-check.ts). */
export const handler = lambdaHandler('prepare-health-check', prepareHealthCheck, {
  clusterNodes,
  kubeFor,
  ledger,
});
