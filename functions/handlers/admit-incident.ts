import { admitIncident } from '#functions/tasks/admit-incident.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `admit-incident` task (see functions/tasks/admit-incident.ts). */
export const handler = lambdaHandler(admitIncident);
