import { prepareHealthCheck } from '#functions/tasks/prepare-health-check.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { clusterNodes } from '#shared/wiring/cluster-nodes.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';

/** Lambda entry of the `prepare-health-check` task: PrepareHealthCheck of the health-check machine (see functions/tasks/prepare-health-check.ts). */
export const handler = lambdaHandler('prepare-health-check', prepareHealthCheck, { clusterNodes, kubeFor });
