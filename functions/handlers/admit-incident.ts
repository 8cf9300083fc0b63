import { admitIncident } from '#functions/tasks/admit-incident.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { clusterNodes } from '#shared/wiring/cluster-nodes.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';
import { notifier } from '#shared/wiring/notifier.ts';

/** Lambda entry of the `admit-incident` task (see functions/tasks/admit-incident.ts). */
export const handler = lambdaHandler('admit-incident', admitIncident, {
  clusterNodes,
  kubeFor,
  ledger,
  notifier,
});
