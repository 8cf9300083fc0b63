import { lambdaHandler } from '#composition/lambda-handler.ts';
import { clusterNodes } from '#composition/wiring/cluster-nodes.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { notifier } from '#composition/wiring/notifier.ts';
import { sweepCluster } from '#functions/tasks/sweep-cluster.ts';

/** Lambda entry of the `sweep-cluster` task: SweepCluster of the health-sweep machine (see functions/tasks/sweep-cluster.ts). */
export const handler = lambdaHandler('sweep-cluster', sweepCluster, {
  clusterNodes,
  kubeFor,
  ledger,
  notifier,
});
