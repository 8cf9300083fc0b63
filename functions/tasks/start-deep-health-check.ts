/**
 * StartDeepHealthCheck: SageMaker StartClusterHealthCheck for one instance (InstanceStress, and
 * InstanceConnectivity when asked). The waiting happens in Wait states; PollDeepHealthCheck reads
 * the outcome. An instance that is not Running cannot be checked: a failure with that reason.
 */
import { NodeNotFoundError } from '#contracts/errors.ts';
import { type DeepCheckState, deepCheckRequestSchema } from '#state-machines/health-check.contract.ts';
import type { TaskDeps } from './deps.ts';
import { parseInput } from './parse.ts';

const addMinutes = (iso: string, minutes: number): string =>
  new Date(Date.parse(iso) + minutes * 60_000).toISOString();

export const startDeepHealthCheck = async (raw: unknown, deps: TaskDeps): Promise<DeepCheckState> => {
  const request = parseInput(deepCheckRequestSchema, raw, 'StartDeepHealthCheck input');
  const { instanceId, nodeName } = request.node;
  deps.logger.appendKeys?.({ clusterName: request.clusterName, instanceId, nodeName });
  const full = deps.config.healthChecks.full;
  const now = deps.now();
  const state: DeepCheckState = {
    level: 'full',
    status: 'running',
    reason: 'deep health check requested',
    pollSeconds: full.pollSeconds,
    polls: 0,
    instanceId,
    ...(nodeName ? { nodeName } : {}),
    deepHealthChecks: request.deepHealthChecks,
    startedAt: now,
    startDeadline: addMinutes(now, full.startGraceMinutes),
    deadline: addMinutes(now, full.timeoutMinutes),
    seenInProgress: false,
  };
  const current = await deps.clusterNodes.describeNode(request.clusterName, instanceId);
  if (!current) throw new NodeNotFoundError(`instance ${instanceId} is not a node of ${request.clusterName}`);
  if (current.status !== 'Running') {
    return {
      ...state,
      status: 'failed',
      reason: `the instance is ${current.status}: no deep health check started`,
    };
  }
  await deps.clusterNodes.startHealthCheck(request.clusterName, [
    {
      instanceGroupName: current.instanceGroupName,
      instanceIds: [instanceId],
      deepHealthChecks: request.deepHealthChecks,
    },
  ]);
  deps.metrics.count('DeepHealthCheckStarted');
  return state;
};
