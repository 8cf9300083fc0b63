import { lambdaHandler } from '#composition/lambda-handler.ts';
import { clusterNodes } from '#composition/wiring/cluster-nodes.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { promoteSpare } from '#functions/tasks/promote-spare.ts';

/** Lambda entry of the `promote-spare` task (see functions/tasks/promote-spare.ts). */
export const handler = lambdaHandler('promote-spare', promoteSpare, { clusterNodes, kubeFor, ledger });
