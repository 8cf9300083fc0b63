import { quarantineNode } from '#functions/tasks/quarantine-node.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';

/** Lambda entry of the `quarantine-node` task (see functions/tasks/quarantine-node.ts). */
export const handler = lambdaHandler('quarantine-node', quarantineNode, { kubeFor, ledger });
