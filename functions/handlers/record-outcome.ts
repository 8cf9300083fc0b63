import { recordOutcome } from '#functions/tasks/record-outcome.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `record-outcome` task (see functions/tasks/record-outcome.ts). */
export const handler = lambdaHandler(recordOutcome);
