import { requestRemediation } from '#functions/tasks/request-remediation.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `request-remediation` task (see functions/tasks/request-remediation.ts). */
export const handler = lambdaHandler(requestRemediation);
