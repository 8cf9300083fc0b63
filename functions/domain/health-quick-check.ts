/**
 * One look at a quick health-check Job and its pod, between Wait states: still running, or done
 * with a verdict. Pure: the task reads the Job and the pods (by label) and passes them in.
 *
 * Failure is the default for everything that is not a readable, passing verdict (a wrong "healthy" costs a job
 * far more than a wasted reboot): a timeout, a pod the node never ran or
 * rejected, a Job or pod that vanished before its verdict was read, and every verdict problem of
 * health-verdict.ts.
 */

import { assessVerdict, type CheckExpectations, type CheckResult } from '#domain/health-verdict.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';

export interface QuickCheckObservation {
  now: string;
  /** When the Job was created. */
  startedAt: string;
  /** Past it, the check failed by timeout whatever the Job says. */
  deadline: string;
  /** A pod not running this long after the Job was created fails the check. */
  unschedulableGraceSeconds: number;
  timeoutSeconds: number;
  /** Undefined: the Job is gone. */
  job: KubeObject | undefined;
  pods: readonly KubePod[];
  containerName: string;
  expectations: CheckExpectations;
}

export type QuickCheckAssessment =
  | { status: 'running'; reason: string }
  | {
      status: 'passed' | 'failed';
      reason: string;
      checks?: CheckResult[];
      /** The Job may still hold the node's accelerators: delete it. */
      cleanup: boolean;
    };

const seconds = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 1000;

interface JobCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

const jobCondition = (job: KubeObject | undefined, type: string): JobCondition | undefined => {
  const conditions = (job?.status?.conditions ?? []) as JobCondition[];
  return conditions.find((c) => c.type === type && c.status === 'True');
};

/** The newest pod of the Job (backoffLimit 0 makes one, but a deleted pod may be replaced). */
const createdAt = (pod: KubePod): number => Date.parse(pod.metadata.creationTimestamp ?? '') || 0;
const newestPod = (pods: readonly KubePod[]): KubePod | undefined =>
  [...pods].sort((a, b) => createdAt(b) - createdAt(a))[0];

const detail = (reason?: string, message?: string): string =>
  [reason, message].filter((part) => part !== undefined && part !== '').join(': ');

/**
 * Assesses a quick check from its Job and pods.
 *
 * @example
 * assessQuickCheck({ now, startedAt, deadline, unschedulableGraceSeconds: 180, timeoutSeconds: 1200,
 *   job, pods: [succeededPod], containerName: 'health-check', expectations: { checks: ['gpu-count'], gpus: 8 } });
 * // → { status: 'passed', reason: 'all 1 checks passed: gpu-count', checks: [...], cleanup: false }
 */
export const assessQuickCheck = (o: QuickCheckObservation): QuickCheckAssessment => {
  const pod = newestPod(o.pods);
  const phase = pod?.status?.phase;
  const container = pod?.status?.containerStatuses?.find((c) => c.name === o.containerName);
  const terminated = container?.state?.terminated;

  // A finished container carries the verdict: it decides, whatever the Job says since.
  if ((phase === 'Succeeded' || phase === 'Failed') && terminated) {
    const verdict = assessVerdict(terminated.message, o.expectations, { exitCode: terminated.exitCode });
    return { ...verdict, cleanup: false };
  }
  if (phase === 'Failed') {
    // No container ever ran: the kubelet rejected the pod (`OutOf<resource>` for an accelerator resource, NodeAffinity, …).
    return {
      status: 'failed',
      reason: `the node rejected the check pod (${detail(pod?.status?.reason, pod?.status?.message) || 'no reason given'})`,
      cleanup: true,
    };
  }
  if (!o.job) {
    return {
      status: 'failed',
      reason: 'the health-check Job disappeared before its verdict was read',
      cleanup: false,
    };
  }
  const jobFailed = jobCondition(o.job, 'Failed');
  if (jobFailed) {
    return {
      status: 'failed',
      reason:
        jobFailed.reason === 'DeadlineExceeded'
          ? `timed out after ${o.timeoutSeconds} s (Job deadline exceeded)`
          : `the health-check Job failed without a verdict (${detail(jobFailed.reason, jobFailed.message) || 'no reason given'})`,
      cleanup: true,
    };
  }
  if (jobCondition(o.job, 'Complete')) {
    return {
      status: 'failed',
      reason: 'the health-check Job completed but its pod is gone: no verdict to read',
      cleanup: false,
    };
  }
  if (Date.parse(o.now) > Date.parse(o.deadline)) {
    return { status: 'failed', reason: `timed out after ${o.timeoutSeconds} s`, cleanup: true };
  }
  const age = seconds(o.startedAt, o.now);
  if (!pod) {
    return age > o.unschedulableGraceSeconds
      ? {
          status: 'failed',
          reason: `no pod was created for the health-check Job within ${o.unschedulableGraceSeconds} s`,
          cleanup: true,
        }
      : { status: 'running', reason: 'waiting for the check pod' };
  }
  if (phase === 'Running') return { status: 'running', reason: 'the checks are running' };
  // Pending (or unknown): not scheduled, not admitted, image not pulled, node gone.
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const waiting = container?.state?.waiting;
  const why =
    scheduled?.status === 'False'
      ? `unschedulable: ${detail(scheduled.reason, scheduled.message) || 'no reason given'}`
      : waiting
        ? `not started: ${detail(waiting.reason, waiting.message)}`
        : `not started on ${pod.spec?.nodeName ?? 'its node'}`;
  return age > o.unschedulableGraceSeconds
    ? {
        status: 'failed',
        reason: `the check pod did not run within ${o.unschedulableGraceSeconds} s (${why})`,
        cleanup: true,
      }
    : { status: 'running', reason: `waiting for the check pod (${why})` };
};
