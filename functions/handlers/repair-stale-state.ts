import { repairStaleState } from '#functions/tasks/repair-stale-state.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';
import { notifier } from '#shared/wiring/notifier.ts';

/** Lambda entry of the `repair-stale-state` task: RepairStaleState of the health-sweep machine (see functions/tasks/repair-stale-state.ts). */
export const handler = lambdaHandler('repair-stale-state', repairStaleState, { kubeFor, ledger, notifier });
