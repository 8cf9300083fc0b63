import { lambdaHandler } from '#composition/lambda-handler.ts';
import { clusterNodes } from '#composition/wiring/cluster-nodes.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { requestRemediation } from '#functions/tasks/request-remediation.ts';

/** Lambda entry of the `request-remediation` task (see functions/tasks/request-remediation.ts). */
export const handler = lambdaHandler('request-remediation', requestRemediation, {
  clusterNodes,
  kubeFor,
  ledger,
});
