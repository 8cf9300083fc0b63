/**
 * PrepareHealthCheck: validates the health-check input (console or sweep), resolves the node by
 * instance id or node name through SageMaker and Kubernetes, and fills in the config defaults.
 * Invalid input, an unknown cluster or node: a typed error, nothing started.
 *
 * A check changes the node: a quick check runs a Job that takes all its accelerators, the full
 * level makes HyperPod reboot or replace an instance that fails it. So observe mode, an operator's
 * pause and an open breaker refuse both (ActionRefusedError, nothing started), as they refuse a
 * reboot (`recheckBeforeAction`) — the mode as the config store says now (deps.config is read
 * live before every task). And a check counts toward the remediation limits (`healthCheckLimits`):
 * it takes the node's lease (one operation per node; released by RecordHealthCheck, else it
 * expires soon after the check's deadline) and is refused when the cluster's in-flight limit is
 * reached or another incident or check holds the node.
 */
import { requireCluster } from '#contracts/clusters.ts';
import { ActionRefusedError } from '#contracts/errors.ts';
import { healthCheckLeaseMinutes, healthCheckLimits, recheckBeforeAction } from '#domain/guardrails.ts';
import { SPARE_STATE_LABEL } from '#domain/spares.ts';
import {
  type HealthCheckMachineState,
  healthCheckInputSchema,
  prepareInputSchema,
} from '#state-machines/health-check.contract.ts';
import type { TaskDeps } from './deps.ts';
import { parseInput } from './parse.ts';
import { resolveNode } from './resolve-node.ts';
import { SPARE_POOL_REQUESTER } from './spare-pool-upkeep.ts';

/** `requestedBy` of the health sweep's idle-node checks. */
export const SWEEP_REQUESTER = 'health-sweep';

export const prepareHealthCheck = async (raw: unknown, deps: TaskDeps): Promise<HealthCheckMachineState> => {
  const { input, executionName } = parseInput(prepareInputSchema, raw, 'PrepareHealthCheck input');
  const request = parseInput(healthCheckInputSchema, input, 'health-check input');
  const cluster = requireCluster(deps.config, request.clusterName);
  deps.logger.appendKeys?.({ clusterName: cluster.name, executionName, level: request.level });
  const guard = await deps.ledger.getClusterState(cluster.name);
  const refusal = recheckBeforeAction({
    mode: deps.config.policy.mode,
    ...(guard.paused ? { paused: guard.paused } : {}),
    breaker: guard,
    incidentId: executionName,
  });
  if (refusal) {
    deps.logger.warn('health check refused', { reason: refusal.reason, detail: refusal.detail });
    throw new ActionRefusedError(`${request.level} health check not started: ${refusal.detail}`, {
      details: { clusterName: cluster.name, reason: refusal.reason },
    });
  }
  const kube = await deps.kubeFor(cluster.eksClusterName);
  const { identity, kubeNode } = await resolveNode(
    {
      cluster,
      ...(request.instanceId ? { instanceId: request.instanceId } : {}),
      ...(request.nodeName ? { nodeName: request.nodeName } : {}),
    },
    deps.clusterNodes,
    kube,
  );
  // A spare's check runs only on a node that is a `verifying` spare now: the sweep's take may have
  // been kept (work landed on the node meanwhile), and a check on a busy node would fail it.
  if (
    request.requestedBy === SPARE_POOL_REQUESTER &&
    kubeNode?.metadata.labels?.[SPARE_STATE_LABEL] !== 'verifying'
  ) {
    const detail = `${identity.nodeName ?? identity.instanceId} is not a verifying spare`;
    deps.logger.warn('health check refused', { reason: 'not-a-spare', detail });
    throw new ActionRefusedError(`quick check of a spare not started: ${detail}`, {
      details: { clusterName: cluster.name, instanceId: identity.instanceId, reason: 'not-a-spare' },
    });
  }
  const now = deps.now();
  const [clusterInfo, leases] = await Promise.all([
    deps.clusterNodes.describeCluster(cluster.name),
    deps.ledger.listLeases(cluster.name, now),
  ]);
  const fleetSize =
    clusterInfo.instanceGroups.reduce((sum, group) => sum + (group.currentCount ?? 0), 0) || 1;
  const limited = healthCheckLimits({
    policy: deps.config.policy,
    fleetSize,
    checkId: executionName,
    instanceId: identity.instanceId,
    leases,
  });
  const lease = limited
    ? undefined
    : await deps.ledger.acquireLease({
        clusterName: cluster.name,
        instanceId: identity.instanceId,
        incidentId: executionName,
        now,
        ttlMinutes: healthCheckLeaseMinutes(request.level, deps.config.healthChecks),
      });
  const refusedBy =
    limited ??
    (lease && !lease.acquired
      ? { reason: 'lease-held' as const, detail: `node lease held by ${lease.heldBy ?? 'another incident'}` }
      : undefined);
  if (refusedBy) {
    deps.logger.warn('health check refused', { reason: refusedBy.reason, detail: refusedBy.detail });
    throw new ActionRefusedError(`${request.level} health check not started: ${refusedBy.detail}`, {
      details: { clusterName: cluster.name, instanceId: identity.instanceId, reason: refusedBy.reason },
    });
  }
  deps.logger.info('health check requested', {
    instanceId: identity.instanceId,
    nodeName: identity.nodeName,
    requestedBy: request.requestedBy,
    reason: request.reason,
  });
  return {
    request: {
      clusterName: cluster.name,
      level: request.level,
      deepHealthChecks: request.deepHealthChecks ?? [...deps.config.healthChecks.full.deepHealthChecks],
      onFailure: request.onFailure,
      reason: request.reason,
      requestedBy: request.requestedBy,
      purpose:
        request.requestedBy === SWEEP_REQUESTER
          ? 'idle'
          : request.requestedBy === SPARE_POOL_REQUESTER
            ? 'spare'
            : 'manual',
    },
    clusterName: cluster.name,
    eksClusterName: cluster.eksClusterName,
    node: identity,
    checkId: executionName,
  };
};
