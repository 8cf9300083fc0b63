import { requestRemediation } from '#functions/tasks/request-remediation.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { clusterNodes } from '#shared/wiring/cluster-nodes.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';

/** Lambda entry of the `request-remediation` task (see functions/tasks/request-remediation.ts). */
export const handler = lambdaHandler('request-remediation', requestRemediation, {
  clusterNodes,
  kubeFor,
  ledger,
});
