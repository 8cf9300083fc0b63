import { sweepCluster } from '#functions/tasks/sweep-cluster.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { clusterNodes } from '#shared/wiring/cluster-nodes.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';
import { notifier } from '#shared/wiring/notifier.ts';

/** Lambda entry of the `sweep-cluster` task: SweepCluster of the health-sweep machine (see functions/tasks/sweep-cluster.ts). */
export const handler = lambdaHandler('sweep-cluster', sweepCluster, {
  clusterNodes,
  kubeFor,
  ledger,
  notifier,
});
