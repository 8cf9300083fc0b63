/**
 * PollDeepHealthCheck: one look at a deep health check between Wait states — SageMaker's instance
 * status and the node's `deep-health-check-status` label; functions/domain/health-deep-check.ts
 * decides.
 */
import { assessDeepCheck } from '#domain/health-deep-check.ts';
import { type DeepCheckState, pollDeepCheckInputSchema } from '#state-machines/health-check.contract.ts';
import type { TaskDeps } from './deps.ts';
import { parseInput } from './parse.ts';

export const pollDeepHealthCheck = async (raw: unknown, deps: TaskDeps): Promise<DeepCheckState> => {
  const { clusterName, eksClusterName, check } = parseInput(
    pollDeepCheckInputSchema,
    raw,
    'PollDeepHealthCheck input',
  );
  deps.logger.appendKeys?.({ clusterName, instanceId: check.instanceId, nodeName: check.nodeName });
  if (check.status !== 'running') return check;
  const instance = await deps.clusterNodes.describeNode(clusterName, check.instanceId);
  const node = check.nodeName
    ? await (await deps.kubeFor(eksClusterName)).getNode(check.nodeName)
    : undefined;
  const full = deps.config.healthChecks.full;
  const assessment = assessDeepCheck({
    now: deps.now(),
    startDeadline: check.startDeadline,
    deadline: check.deadline,
    timeoutMinutes: full.timeoutMinutes,
    startGraceMinutes: full.startGraceMinutes,
    seenInProgress: check.seenInProgress,
    instance: instance
      ? {
          status: instance.status,
          ...(instance.statusMessage ? { statusMessage: instance.statusMessage } : {}),
        }
      : undefined,
    labels: node?.metadata.labels,
  });
  return { ...check, ...assessment, polls: check.polls + 1 };
};
