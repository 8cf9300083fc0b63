import { escalateIncident } from '#functions/tasks/escalate-incident.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';
import { notifier } from '#shared/wiring/notifier.ts';

/** Lambda entry of the `escalate-incident` task (see functions/tasks/escalate-incident.ts). */
export const handler = lambdaHandler('escalate-incident', escalateIncident, { kubeFor, ledger, notifier });
