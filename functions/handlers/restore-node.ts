import { restoreNode } from '#functions/tasks/restore-node.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';

/** Lambda entry of the `restore-node` task (see functions/tasks/restore-node.ts). */
export const handler = lambdaHandler('restore-node', restoreNode, { kubeFor, ledger });
