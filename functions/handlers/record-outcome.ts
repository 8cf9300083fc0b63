import { lambdaHandler } from '#shared/lambda-handler.ts';
import { recordOutcome } from '#functions/tasks/record-outcome.ts';

/** Lambda entry of the `record-outcome` task (see functions/tasks/record-outcome.ts). */
export const handler = lambdaHandler(recordOutcome);
