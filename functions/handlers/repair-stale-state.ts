import { lambdaHandler } from '#composition/lambda-handler.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { notifier } from '#composition/wiring/notifier.ts';
import { repairStaleState } from '#functions/tasks/repair-stale-state.ts';

/** Lambda entry of the `repair-stale-state` task: RepairStaleState of the health-sweep machine (see functions/tasks/repair-stale-state.ts). */
export const handler = lambdaHandler('repair-stale-state', repairStaleState, { kubeFor, ledger, notifier });
