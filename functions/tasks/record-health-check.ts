/**
 * RecordHealthCheck: the result of a health-check execution, counted and logged. When a quick
 * check failed and the input asked for recovery (the sweep's idle-node checks do), it prepares the
 * node-recovery start: a `quick-check-failed` sweep finding under an idempotent execution name.
 * A failed deep health check starts nothing: HyperPod reboots or replaces such nodes itself.
 * A passed check of a new hot spare (purpose `spare`) marks the spare `ready`
 * (`quick-check-passed`); a failed one takes the recovery path above like any failed check.
 * It releases the node lease PrepareHealthCheck took (before any recovery starts, so that
 * node-recovery's admission can take it).
 */

import { OutOfSequenceInputError } from '#contracts/errors.ts';
import { stableHash } from '#domain/health-check-job.ts';
import { planMarkReady } from '#domain/spare-pool.ts';
import { sweepFindingEvent } from '#events/sweep.ts';
import {
  type HealthCheckRecord,
  healthCheckMachineStateSchema,
} from '#state-machines/health-check.contract.ts';
import type { TaskDeps } from './deps.ts';
import { parseInput } from './parse.ts';

export const QUICK_CHECK_FAILED_FINDING = 'quick-check-failed';

export const recordHealthCheck = async (raw: unknown, deps: TaskDeps): Promise<HealthCheckRecord> => {
  const state = parseInput(healthCheckMachineStateSchema, raw, 'RecordHealthCheck input');
  const result = state.result;
  if (!result || result.status === 'running') {
    throw new OutOfSequenceInputError('RecordHealthCheck needs a finished health check');
  }
  const record: HealthCheckRecord = {
    status: result.status,
    level: result.level,
    reason: result.reason,
    instanceId: state.node.instanceId,
    ...(state.node.nodeName ? { nodeName: state.node.nodeName } : {}),
  };
  if (result.status === 'failed' && result.level === 'quick' && state.request.onFailure === 'recover') {
    const executionName = `check-failed-${state.node.instanceId}-${stableHash(state.checkId)}`;
    record.recovery = {
      executionName,
      input: sweepFindingEvent(
        {
          clusterName: state.clusterName,
          finding: QUICK_CHECK_FAILED_FINDING,
          instanceId: state.node.instanceId,
          ...(state.node.nodeName ? { nodeName: state.node.nodeName } : {}),
          detail: `quick health check failed: ${result.reason}`.slice(0, 2048),
        },
        { id: executionName, time: deps.now() },
      ) as unknown as Record<string, unknown>,
    };
  }
  if (result.status === 'passed' && state.request.purpose === 'spare' && state.node.nodeName) {
    // Before the lease goes: a promotion never sees a verifying spare as free to take meanwhile.
    const kube = await deps.kubeFor(state.eksClusterName);
    const node = await kube.getNode(state.node.nodeName);
    const plan = node
      ? planMarkReady(node, { now: deps.now(), verification: 'quick-check-passed' })
      : undefined;
    if (node && plan?.changed) {
      await kube.patchNode(node.metadata.name, plan.patch, {
        resourceVersion: node.metadata.resourceVersion,
      });
      record.spare = 'ready';
    } else record.spare = 'unchanged';
  }
  await deps.ledger.releaseLease({
    clusterName: state.clusterName,
    instanceId: state.node.instanceId,
    incidentId: state.checkId,
  });
  deps.metrics.count('HealthCheckResult', { level: result.level, status: result.status });
  deps.logger.info('health check finished', {
    level: result.level,
    status: result.status,
    reason: result.reason,
    requestedBy: state.request.requestedBy,
    recovery: record.recovery?.executionName,
    ...(record.spare ? { spare: record.spare } : {}),
  });
  return record;
};
