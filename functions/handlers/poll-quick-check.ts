import { pollQuickCheck } from '#functions/tasks/poll-quick-check.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `poll-quick-check` task: PollQuickCheck of node-recovery and health-check (see functions/tasks/poll-quick-check.ts). */
export const handler = lambdaHandler(pollQuickCheck);
