import { lambdaHandler } from '#composition/lambda-handler.ts';
import { kubeFor } from '#composition/wiring/kube-for.ts';
import { ledger } from '#composition/wiring/ledger.ts';
import { resumeWorkloads } from '#functions/tasks/resume-workloads.ts';

/** Lambda entry of the `resume-workloads` task (see functions/tasks/resume-workloads.ts). */
export const handler = lambdaHandler('resume-workloads', resumeWorkloads, { kubeFor, ledger });
