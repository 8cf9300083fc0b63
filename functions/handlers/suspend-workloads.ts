import { lambdaHandler } from '#composition/lambda-handler.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';

/** Lambda entry of the `suspend-workloads` task (see functions/tasks/suspend-workloads.ts). */
export const handler = lambdaHandler('suspend-workloads', suspendWorkloads, { kubeFor, ledger });
