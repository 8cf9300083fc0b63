import { resumeWorkloads } from '#functions/tasks/resume-workloads.ts';
import { lambdaHandler } from '#shared/lambda-handler.ts';
import { kubeFor } from '#shared/wiring/kube-for.ts';
import { ledger } from '#shared/wiring/ledger.ts';

/** Lambda entry of the `resume-workloads` task (see functions/tasks/resume-workloads.ts). */
export const handler = lambdaHandler('resume-workloads', resumeWorkloads, { kubeFor, ledger });
