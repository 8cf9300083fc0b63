import { checkNodeRecovery } from '#functions/tasks/check-node-recovery.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { clusterNodes } from '#shared/wiring/cluster-nodes.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';

/** Lambda entry of the `check-node-recovery` task (see functions/tasks/check-node-recovery.ts). */
export const handler = lambdaHandler('check-node-recovery', checkNodeRecovery, {
  clusterNodes,
  kubeFor,
  ledger,
});
