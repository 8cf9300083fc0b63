/**
 * StartQuickCheck (node-recovery and health-check): proves the node's accelerators (GPUs or Neuron
 * devices) are allocatable, then
 * creates the quick-check Job pinned to it (functions/domain/health-check-job.ts). Image, checks
 * and thresholds come from the configuration only. With quick checks disabled the node is
 * reported `not-verified`; with no Kubernetes node, too. Idempotent: a retried start finds the
 * Job it created (deterministic name) and follows it.
 */

import { HEALTH_CHECK_NAMESPACE } from '#contracts/config/health-checks.ts';
import {
  buildQuickCheckJob,
  type QuickCheckExpectations,
  quickCheckJobName,
} from '#domain/health-check-job.ts';
import {
  type QuickCheckRequest,
  type QuickCheckState,
  quickCheckRequestSchema,
} from '#state-machines/health-check.contract.ts';
import type { TaskDeps } from './deps.ts';
import { parseInput } from './parse.ts';
import { recordQuickCheck } from './quick-check-record.ts';
import { inspectNodeResources } from './verify-node-health.ts';

/** Slack past the Job's own deadline before we call it a timeout ourselves. */
const DEADLINE_SLACK_SECONDS = 120;

const addSeconds = (iso: string, seconds: number): string =>
  new Date(Date.parse(iso) + seconds * 1000).toISOString();

export const startQuickCheck = async (raw: unknown, deps: TaskDeps): Promise<QuickCheckState> => {
  const request: QuickCheckRequest = parseInput(quickCheckRequestSchema, raw, 'StartQuickCheck input');
  deps.logger.appendKeys?.({
    clusterName: request.clusterName,
    instanceId: request.node.instanceId,
    nodeName: request.node.nodeName,
    ...(request.incidentId ? { incidentId: request.incidentId } : {}),
  });
  const quick = deps.config.healthChecks.quick;
  const base = {
    level: 'quick' as const,
    pollSeconds: quick.pollSeconds,
    polls: 0,
    instanceId: request.node.instanceId,
    ...(request.node.nodeName ? { nodeName: request.node.nodeName } : {}),
    ...(request.attempt ? { attempt: request.attempt } : {}),
  };
  const done = async (state: QuickCheckState): Promise<QuickCheckState> => {
    await recordQuickCheck(deps, request, state);
    return state;
  };

  const nodeName = request.node.nodeName;
  if (!nodeName) return done({ ...base, status: 'not-verified', reason: 'no Kubernetes node to verify' });
  const kube = await deps.kubeFor(request.eksClusterName);
  const inspection = await inspectNodeResources(kube, nodeName, deps.config, request.node.instanceType);
  if (inspection.status === 'missing') return done({ ...base, status: 'failed', reason: inspection.reason });
  const { resources } = inspection;
  const { accelerators } = resources;
  const gpus = { expected: accelerators.expected, allocatable: accelerators.allocatable };
  if (inspection.status === 'short')
    return done({ ...base, status: 'failed', reason: inspection.reason, gpus });
  if (!quick.enabled || !quick.image) {
    return done({
      ...base,
      status: 'not-verified',
      reason: `${inspection.reason}; quick health checks are disabled`,
      gpus,
    });
  }

  const row = resources.typeHealth;
  const neuron = accelerators.vendor === 'neuron';
  const neuronCores = row?.neuronCores ?? (accelerators.cores?.capacity || undefined);
  const expectations: QuickCheckExpectations = {
    gpus: neuron ? 0 : accelerators.expected,
    efaDevices: row?.efaDevices ?? 0,
    ...(!neuron && row?.ncclBusBandwidthGBps !== undefined
      ? { ncclBusBandwidthGBps: row.ncclBusBandwidthGBps }
      : {}),
    ...(neuron ? { neuronDevices: accelerators.expected } : {}),
    ...(neuron && neuronCores !== undefined ? { neuronCores } : {}),
    ...(neuron && row?.nccomBusBandwidthGBps !== undefined
      ? { nccomBusBandwidthGBps: row.nccomBusBandwidthGBps }
      : {}),
  };
  const checks = neuron ? quick.neuronChecks : quick.checks;
  const name = quickCheckJobName(`${request.checkId}#${request.attempt ?? 0}#${request.node.instanceId}`);
  const manifest = buildQuickCheckJob({
    name,
    namespace: HEALTH_CHECK_NAMESPACE,
    nodeName,
    instanceId: request.node.instanceId,
    purpose: request.purpose,
    ...(request.incidentId ? { incidentId: request.incidentId } : {}),
    image: quick.image,
    imagePullPolicy: quick.imagePullPolicy,
    checks,
    timeoutSeconds: quick.timeoutSeconds,
    ttlSecondsAfterFinished: quick.ttlSecondsAfterFinished,
    ...(quick.serviceAccountName ? { serviceAccountName: quick.serviceAccountName } : {}),
    ...(quick.priorityClassName ? { priorityClassName: quick.priorityClassName } : {}),
    privileged: quick.privileged,
    runAsUser: quick.runAsUser,
    compute: { ...quick.compute },
    accelerator: { resource: accelerators.resource, devices: accelerators.expected },
    // Only request EFA devices the node advertises: asking for absent ones gets the pod rejected.
    efaDevices: Math.min(expectations.efaDevices, resources.efaCapacity),
    expectations,
  });
  const { job, created } = await kube.createJob(HEALTH_CHECK_NAMESPACE, manifest);
  const startedAt = job.metadata.creationTimestamp ?? deps.now();
  const state: QuickCheckState = {
    ...base,
    status: 'running',
    reason: created ? 'quick check started' : 'quick check already started',
    job: { namespace: HEALTH_CHECK_NAMESPACE, name },
    startedAt,
    deadline: addSeconds(startedAt, quick.timeoutSeconds + DEADLINE_SLACK_SECONDS),
    expectations: { checks: checks.map((c) => c.name), ...expectations },
    gpus,
  };
  return done(state);
};
