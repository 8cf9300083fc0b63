import { lambdaHandler } from '#shared/lambda-handler.ts';
import { admitIncident } from '#functions/tasks/admit-incident.ts';

/** Lambda entry of the `admit-incident` task (see functions/tasks/admit-incident.ts). */
export const handler = lambdaHandler(admitIncident);
