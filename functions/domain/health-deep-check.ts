/**
 * One look at a HyperPod deep health check (StartClusterHealthCheck; docs/FACTS.md sagemaker.start-cluster-health-check)
 * of one instance, between Wait states. The instance shows `DeepHealthCheckInProgress` while it
 * runs and goes back to `Running` on a pass; the node label `deep-health-check-status` says
 * `InProgress | Passed | Failed`, and EKS replaces an instance that failed it.
 *
 * A label left over from an earlier check must not pass a new one, so a verdict is read only after
 * this check was seen in progress. A check that never started by the start deadline (HyperPod
 * skips busy nodes) is a failure, never a pass.
 */
import { DEEP_HEALTH_CHECK_STATUS_LABEL, NODE_HEALTH_STATUS_LABEL } from '#domain/fault-classification.ts';

export const DEEP_HEALTH_CHECK_IN_PROGRESS = 'DeepHealthCheckInProgress';

export interface DeepCheckObservation {
  now: string;
  /** The check did not start by then: failed. */
  startDeadline: string;
  /** Past it: failed by timeout. */
  deadline: string;
  timeoutMinutes: number;
  startGraceMinutes: number;
  /** Seen `DeepHealthCheckInProgress` (status) or `InProgress` (label) in an earlier poll. */
  seenInProgress: boolean;
  /** SageMaker's view; undefined when the instance is no longer in the cluster. */
  instance: { status: string; statusMessage?: string } | undefined;
  /** Labels of the instance's Kubernetes node, if it has one. */
  labels: Record<string, string> | undefined;
}

export type DeepCheckAssessment =
  | { status: 'running'; seenInProgress: boolean; reason: string }
  | { status: 'passed' | 'failed'; seenInProgress: boolean; reason: string };

/**
 * Assesses a deep health check from the instance status and the node labels.
 *
 * @example
 * assessDeepCheck({ now, startDeadline, deadline, timeoutMinutes: 360, startGraceMinutes: 20, seenInProgress: true,
 *   instance: { status: 'Running' }, labels: { 'sagemaker.amazonaws.com/deep-health-check-status': 'Passed' } });
 * // → { status: 'passed', seenInProgress: true, reason: 'deep health check passed' }
 */
export const assessDeepCheck = (o: DeepCheckObservation): DeepCheckAssessment => {
  const label = o.labels?.[DEEP_HEALTH_CHECK_STATUS_LABEL];
  const health = o.labels?.[NODE_HEALTH_STATUS_LABEL];
  const inProgress = o.instance?.status === DEEP_HEALTH_CHECK_IN_PROGRESS || label === 'InProgress';
  const seen = o.seenInProgress || inProgress;
  const timedOut = Date.parse(o.now) > Date.parse(o.deadline);

  if (!o.instance) {
    return {
      status: 'failed',
      seenInProgress: seen,
      reason:
        'the instance left the cluster during the deep health check (HyperPod replaces instances that fail it)',
    };
  }
  if (inProgress) {
    return timedOut
      ? { status: 'failed', seenInProgress: seen, reason: `timed out after ${o.timeoutMinutes} min` }
      : { status: 'running', seenInProgress: seen, reason: 'deep health check in progress' };
  }
  if (!seen) {
    return Date.parse(o.now) > Date.parse(o.startDeadline)
      ? {
          status: 'failed',
          seenInProgress: false,
          reason: `the deep health check did not start within ${o.startGraceMinutes} min (HyperPod skips busy nodes)`,
        }
      : { status: 'running', seenInProgress: false, reason: 'waiting for the deep health check to start' };
  }
  // Either pending status means the node "failed deep health checks or health-monitoring agent
  // checks" (HyperPod node-labels page), whichever fix it asks for.
  if (
    label === 'Failed' ||
    health === 'UnschedulablePendingReplacement' ||
    health === 'UnschedulablePendingReboot'
  ) {
    return {
      status: 'failed',
      seenInProgress: true,
      reason: `deep health check failed (${DEEP_HEALTH_CHECK_STATUS_LABEL}=${label ?? 'unset'}, ${NODE_HEALTH_STATUS_LABEL}=${health ?? 'unset'})`,
    };
  }
  if (o.instance.status !== 'Running') {
    return {
      status: 'failed',
      seenInProgress: true,
      reason: `the instance is ${o.instance.status} after the deep health check${o.instance.statusMessage ? `: ${o.instance.statusMessage}` : ''}`,
    };
  }
  return {
    status: 'passed',
    seenInProgress: true,
    reason:
      label === 'Passed'
        ? 'deep health check passed'
        : `deep health check ended with the instance Running (${DEEP_HEALTH_CHECK_STATUS_LABEL}=${label ?? 'unset'})`,
  };
};
