import { lambdaHandler } from '#composition/lambda-handler.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { recordHealthCheck } from '#functions/tasks/record-health-check.ts';

/** Lambda entry of the `record-health-check` task: RecordHealthCheck of the health-check machine (see functions/tasks/record-health-check.ts). */
export const handler = lambdaHandler('record-health-check', recordHealthCheck, { kubeFor, ledger });
