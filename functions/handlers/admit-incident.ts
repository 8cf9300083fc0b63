import { lambdaHandler } from '#composition/lambda-handler.ts';
import { clusterNodes } from '#composition/wiring/cluster-nodes.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { notifier } from '#composition/wiring/notifier.ts';
import { admitIncident } from '#functions/tasks/admit-incident.ts';

/** Lambda entry of the `admit-incident` task (see functions/tasks/admit-incident.ts). */
export const handler = lambdaHandler('admit-incident', admitIncident, {
  clusterNodes,
  kubeFor,
  ledger,
  notifier,
});
