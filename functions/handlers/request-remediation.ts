import { lambdaHandler } from '#shared/lambda-handler.ts';
import { requestRemediation } from '#functions/tasks/request-remediation.ts';

/** Lambda entry of the `request-remediation` task (see functions/tasks/request-remediation.ts). */
export const handler = lambdaHandler(requestRemediation);
