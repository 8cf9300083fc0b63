import { lambdaHandler } from '#composition/lambda-handler.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { recordOutcome } from '#functions/tasks/record-outcome.ts';

/** Lambda entry of the `record-outcome` task (see functions/tasks/record-outcome.ts). */
export const handler = lambdaHandler('record-outcome', recordOutcome, { ledger });
