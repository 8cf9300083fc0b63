import { escalateIncident } from '#functions/tasks/escalate-incident.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `escalate-incident` task (see functions/tasks/escalate-incident.ts). */
export const handler = lambdaHandler(escalateIncident);
