import { recordOutcome } from '#functions/tasks/record-outcome.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { ledger } from '#shared/wiring/ledger.ts';

/** Lambda entry of the `record-outcome` task (see functions/tasks/record-outcome.ts). */
export const handler = lambdaHandler('record-outcome', recordOutcome, { ledger });
