/**
 * PollQuickCheck (node-recovery and health-check): one look at the quick-check Job between Wait
 * states. The verdict is the check container's termination message, read from the pod status
 * found by label (no pods/log access); functions/domain/health-quick-check.ts decides. A check
 * that failed while its Job may still hold the node's GPUs (timeout, a pod that never ran) has
 * its Job deleted.
 */
import { HEALTH_CHECK_CONTAINER, HEALTH_CHECK_LABEL } from '#domain/health-check-job.ts';
import { assessQuickCheck } from '#domain/health-quick-check.ts';
import { pollQuickCheckInputSchema, type QuickCheckState } from '#state-machines/health-check.contract.ts';
import type { TaskDeps } from './deps.ts';
import { parseInput } from './parse.ts';
import { recordQuickCheck } from './quick-check-record.ts';

export const pollQuickCheck = async (raw: unknown, deps: TaskDeps): Promise<QuickCheckState> => {
  const input = parseInput(pollQuickCheckInputSchema, raw, 'PollQuickCheck input');
  const check = input.check;
  deps.logger.appendKeys?.({
    clusterName: input.clusterName,
    instanceId: check.instanceId,
    nodeName: check.nodeName,
    ...(input.incidentId ? { incidentId: input.incidentId } : {}),
  });
  // Nothing to poll: a finished check is returned as it is (a redelivered poll changes nothing).
  if (check.status !== 'running' || !check.job || !check.startedAt || !check.deadline) return check;
  const { namespace, name } = check.job;
  const kube = await deps.kubeFor(input.eksClusterName);
  const [job, pods] = await Promise.all([
    kube.getJob(namespace, name),
    kube.listPods({ namespace, labelSelector: `${HEALTH_CHECK_LABEL}=${name}` }),
  ]);
  const quick = deps.config.healthChecks.quick;
  const assessment = assessQuickCheck({
    now: deps.now(),
    startedAt: check.startedAt,
    deadline: check.deadline,
    unschedulableGraceSeconds: quick.unschedulableGraceSeconds,
    timeoutSeconds: quick.timeoutSeconds,
    job,
    pods,
    containerName: HEALTH_CHECK_CONTAINER,
    expectations: check.expectations ?? { checks: quick.checks.map((c) => c.name) },
  });
  const polls = check.polls + 1;
  if (assessment.status === 'running') return { ...check, polls, reason: assessment.reason };
  let reason = assessment.reason;
  if (assessment.cleanup && job) {
    // The verdict stands whatever the cleanup does; a Job left behind still expires by its deadline.
    await kube.deleteJob(namespace, name).catch((error: unknown) => {
      deps.logger.warn('could not delete the health-check Job', { job: name, error: String(error) });
      reason = `${reason} (the Job could not be deleted: ${error instanceof Error ? error.name : 'error'})`;
    });
  }
  const result: QuickCheckState = {
    ...check,
    polls,
    status: assessment.status,
    reason,
    ...(assessment.checks ? { checks: assessment.checks } : {}),
  };
  await recordQuickCheck(deps, { clusterName: input.clusterName, incidentId: input.incidentId }, result);
  return result;
};
