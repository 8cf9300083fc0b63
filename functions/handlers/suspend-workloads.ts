import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';

/** Lambda entry of the `suspend-workloads` task (see functions/tasks/suspend-workloads.ts). */
export const handler = lambdaHandler('suspend-workloads', suspendWorkloads, { kubeFor, ledger });
