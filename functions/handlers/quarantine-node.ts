import { lambdaHandler } from '#composition/lambda-handler.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { quarantineNode } from '#functions/tasks/quarantine-node.ts';

/** Lambda entry of the `quarantine-node` task (see functions/tasks/quarantine-node.ts). */
export const handler = lambdaHandler('quarantine-node', quarantineNode, { kubeFor, ledger });
