import { startQuickCheck } from '#functions/tasks/start-quick-check.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';

/** Lambda entry of the `start-quick-check` task: StartQuickCheck of node-recovery and health-check (see functions/tasks/start-quick-check.ts). */
export const handler = lambdaHandler('start-quick-check', startQuickCheck, { kubeFor, ledger });
