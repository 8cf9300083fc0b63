import { lambdaHandler } from '#composition/lambda-handler.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { pollQuickCheck } from '#functions/tasks/poll-quick-check.ts';

/** Lambda entry of the `poll-quick-check` task: PollQuickCheck of node-recovery and health-check (see functions/tasks/poll-quick-check.ts). */
export const handler = lambdaHandler('poll-quick-check', pollQuickCheck, { kubeFor, ledger });
