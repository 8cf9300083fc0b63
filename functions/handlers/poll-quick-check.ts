import { pollQuickCheck } from '#functions/tasks/poll-quick-check.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';

/** Lambda entry of the `poll-quick-check` task: PollQuickCheck of node-recovery and health-check (see functions/tasks/poll-quick-check.ts). */
export const handler = lambdaHandler('poll-quick-check', pollQuickCheck, { kubeFor, ledger });
