import { lambdaHandler } from '#composition/lambda-handler.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { startQuickCheck } from '#functions/tasks/start-quick-check.ts';

/** Lambda entry of the `start-quick-check` task: StartQuickCheck of node-recovery and health-check (see functions/tasks/start-quick-check.ts). */
export const handler = lambdaHandler('start-quick-check', startQuickCheck, { kubeFor, ledger });
