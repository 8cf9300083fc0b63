import { sweepCluster } from '#functions/tasks/sweep-cluster.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `sweep-cluster` task: SweepCluster of the health-sweep machine (see functions/tasks/sweep-cluster.ts). */
export const handler = lambdaHandler(sweepCluster);
