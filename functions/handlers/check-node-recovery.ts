import { lambdaHandler } from '#composition/lambda-handler.ts';
import { clusterNodes } from '#composition/wiring/cluster-nodes.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { checkNodeRecovery } from '#functions/tasks/check-node-recovery.ts';

/** Lambda entry of the `check-node-recovery` task (see functions/tasks/check-node-recovery.ts). */
export const handler = lambdaHandler('check-node-recovery', checkNodeRecovery, {
  clusterNodes,
  kubeFor,
  ledger,
});
