import { repairStaleState } from '#functions/tasks/repair-stale-state.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';

/** Lambda entry of the `repair-stale-state` task: RepairStaleState of the health-sweep machine (see functions/tasks/repair-stale-state.ts). */
export const handler = lambdaHandler(repairStaleState);
