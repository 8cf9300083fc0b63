import { lambdaHandler } from '#composition/lambda-handler.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { notifier } from '#composition/wiring/notifier.ts';
import { escalateIncident } from '#functions/tasks/escalate-incident.ts';

/** Lambda entry of the `escalate-incident` task (see functions/tasks/escalate-incident.ts). */
export const handler = lambdaHandler('escalate-incident', escalateIncident, { kubeFor, ledger, notifier });
