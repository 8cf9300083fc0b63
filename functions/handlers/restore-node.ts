import { lambdaHandler } from '#composition/lambda-handler.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { restoreNode } from '#functions/tasks/restore-node.ts';

/** Lambda entry of the `restore-node` task (see functions/tasks/restore-node.ts). */
export const handler = lambdaHandler('restore-node', restoreNode, { kubeFor, ledger });
