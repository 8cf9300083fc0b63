/**
 * Health checks and the health sweep end to end on a real control plane: the deployed ASL on
 * aws-local-stepfunctions, the real adapters under our RBAC (EKS-style tokens, our ClusterRole
 * and namespace Role), health-check Jobs run by the Job controller and kwok, and the verdict read
 * from the pod's termination message — kwok's `sim.test/verdict` stage writes it, from the
 * environment's local-only verdict hook.
 */
import { randomBytes } from 'node:crypto';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_CHECK_NAMESPACE } from '#contracts/config/health-checks.ts';
import { HEALTH_CHECK_LABEL } from '#domain/health-check-job.ts';
import { QUARANTINE_TAINT_KEY } from '#domain/quarantine.ts';
import type { TaskDeps } from '#functions/tasks/deps.ts';
import { quarantineNode } from '#functions/tasks/quarantine-node.ts';
import {
  type LocalEnvironment,
  passingVerdict,
  type SimulatedCheck,
  type SimulatedCheckResult,
  startLocalEnvironment,
} from '#local/environment.ts';
import { poll } from '#local/poll.ts';
import { LocalExecutions, runHealthSweep } from '#local/runner.ts';
import { testbedKubeConfig } from '#local/testbed/kube-admin.ts';

const CLUSTER = `hc-${randomBytes(2).toString('hex')}`;
let env: LocalEnvironment;
let batch: BatchV1Api;
let core: CoreV1Api;
/** What the next quick checks "print", per node (the test changes it per scenario). */
let verdicts: (check: SimulatedCheck) => SimulatedCheckResult | undefined = (check) => ({
  verdict: passingVerdict(check),
});

const instances = () =>
  [...(env.simulator.getCluster(CLUSTER)?.nodes ?? [])]
    .filter((n) => n.status === 'Running')
    .sort((a, b) => a.nodeName.localeCompare(b.nodeName));

/** The same dependencies with a clock `minutes` ahead: grace periods pass without waiting. */
const later = (minutes: number): TaskDeps => ({
  ...env.deps,
  now: () => new Date(Date.now() + minutes * 60_000).toISOString(),
});

const checkPods = async (nodeName: string) =>
  (await core.listNamespacedPod({ namespace: HEALTH_CHECK_NAMESPACE })).items.filter(
    (p) => p.spec?.nodeName === nodeName && p.metadata?.labels?.[HEALTH_CHECK_LABEL],
  );

beforeAll(async () => {
  env = await startLocalEnvironment({
    cluster: {
      name: CLUSTER,
      nodeRecovery: 'None',
      instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: 4 }],
    },
    policy: {
      mode: 'act',
      awaitNode: { pollSeconds: 1, rebootTimeoutMinutes: 3, replaceTimeoutMinutes: 3 },
      circuitBreaker: { maxNodesPerWindow: 10, windowMinutes: 10 },
      maxParallel: { absolute: 4, percent: 100 },
    },
    healthChecks: {
      quick: {
        enabled: true,
        image:
          'registry.example.com/hpr/health-checks@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        pollSeconds: 1,
        timeoutSeconds: 120,
        unschedulableGraceSeconds: 60,
      },
      full: { pollSeconds: 10, timeoutMinutes: 60, startGraceMinutes: 1 },
    },
    timings: { rebootMs: 1000, replaceMs: 1500, shutdownMs: 300, nodeJoinMs: 300, healthCheckMs: 1500 },
    pollMs: 200,
    healthCheckVerdicts: (check) => verdicts(check),
    log: (line) => process.stderr.write(`[health e2e] ${line}\n`),
  });
  const kc = testbedKubeConfig(env.controlPlane, env.controlPlane.adminToken);
  batch = kc.makeApiClient(BatchV1Api);
  core = kc.makeApiClient(CoreV1Api);
}, 300_000);

afterAll(async () => {
  await env?.stop();
});

describe('End to end: health checks and the health sweep', () => {
  it('fails a quick check whose verdict is unparseable, with the reason, reading the real termination message', async () => {
    // Prepare
    const target = instances()[0]!;
    verdicts = (check) =>
      check.nodeName === target.nodeName
        ? { verdict: 'Traceback (most recent call last): CUDA error', outcome: 'fail', exitCode: 2 }
        : { verdict: passingVerdict(check) };

    // Act
    const report = await env.runHealthCheck({
      clusterName: CLUSTER,
      nodeName: target.nodeName,
      requestedBy: 'e2e',
    });

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error).toEqual({
      name: 'HealthCheckFailed',
      cause: 'the verdict is not JSON: "Traceback (most recent call last): CUDA error"',
    });
    const [pod] = await checkPods(target.nodeName);
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.message).toBe('Traceback (most recent call last): CUDA error');
    expect(terminated?.exitCode).toBe(2);
    expect(pod?.spec?.tolerations?.map((t) => t.key)).toEqual(
      expect.arrayContaining([QUARANTINE_TAINT_KEY, 'sagemaker.amazonaws.com/node-health-status']),
    );
    expect(pod?.spec?.containers[0]?.resources?.limits).toEqual({
      cpu: '4',
      memory: '16Gi',
      'nvidia.com/gpu': '8',
    });
    // The restricted profile as the real API server stored it.
    expect(pod?.spec?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod?.spec?.containers[0]?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('passes a quick check on a healthy node and the Job carries its own clean-up', async () => {
    // Prepare
    const target = instances()[1]!;
    verdicts = (check) => ({ verdict: passingVerdict(check) });

    // Act
    const report = await env.runHealthCheck({ clusterName: CLUSTER, instanceId: target.instanceId });

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.output).toMatchObject({ status: 'passed', level: 'quick', nodeName: target.nodeName });
    const jobs = await batch.listNamespacedJob({ namespace: HEALTH_CHECK_NAMESPACE });
    const job = jobs.items.find((j) => j.spec?.template.spec?.nodeName === target.nodeName);
    expect(job?.spec).toMatchObject({
      ttlSecondsAfterFinished: 3600,
      backoffLimit: 0,
      activeDeadlineSeconds: 120,
    });
    const name = job?.metadata?.name ?? '';
    const complete = await poll(
      async () =>
        (await batch.readNamespacedJob({ name, namespace: HEALTH_CHECK_NAMESPACE })).status?.conditions?.some(
          (c) => c.type === 'Complete' && c.status === 'True',
        ) === true,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(complete).toBe(true);
  });

  it('lets our role create health-check Jobs in our namespace only', async () => {
    // Prepare
    const kube = await env.deps.kubeFor(env.config.clusters[0]!.eksClusterName);
    const job = {
      metadata: { name: `not-ours-${randomBytes(2).toString('hex')}` },
      spec: { template: { spec: { containers: [] } } },
    };

    // Act
    const error = await kube.createJob('default', job).catch((e: unknown) => e);

    // Assess
    expect((error as Error).name).toBe('KubernetesRequestFailedError');
    expect((error as Error).message).toContain('HTTP 403');
  });

  it('replaces a node whose quick check fails after the reboot, then verifies the replacement', async () => {
    // Prepare
    const target = instances()[2]!;
    verdicts = (check) =>
      check.nodeName === target.nodeName
        ? { verdict: passingVerdict(check, ['nccl-all-reduce']), outcome: 'fail' }
        : { verdict: passingVerdict(check) };
    const before = env.executions.length;

    // Act
    await env.simulator.injectFault({ instanceId: target.instanceId, faultType: 'NvidiaErrorReboot' });
    await new Promise((r) => setTimeout(r, 200));
    const reports = (await env.settled()).slice(before);

    // Assess
    const recovery = reports.find((r) => r.machine === 'node-recovery');
    expect(recovery?.status).toBe('SUCCEEDED');
    const incident = await env.deps.ledger.getIncident(CLUSTER, recovery?.executionName ?? '');
    expect(incident?.outcome).toBe('replaced-verified');
    const verifications = incident?.actions.filter((a) => a.type.startsWith('verification-'));
    expect(verifications?.map((a) => a.type)).toEqual(['verification-failed', 'verification-passed']);
    expect(verifications?.[0]?.detail?.reason).toContain(
      'nccl-all-reduce failed (busBandwidthGBps 12.5 < 350 expected)',
    );
    expect(env.simulator.calls['sagemaker:BatchRebootClusterNodes']).toBe(1);
    expect(env.simulator.calls['sagemaker:BatchReplaceClusterNodes']).toBe(1);
    expect(env.simulator.getInstance(target.instanceId)).toBeUndefined();
  });

  it('finds a GPU that vanished from allocatable in the sweep and recovers the node', async () => {
    // Prepare
    const target = instances()[0]!;
    verdicts = (check) => ({ verdict: passingVerdict(check) });
    await env.simulator.loseGpus(target.instanceId, 7);

    // Act: the sweep looks ten minutes ahead (past the GPU grace period); what it starts runs on
    // the real clock.
    const executions = new LocalExecutions({ deps: env.deps });
    const sweep = await runHealthSweep({}, later(10), { executions, waitMs: 200 });
    const started = await executions.settled();

    // Assess
    expect(sweep.status).toBe('SUCCEEDED');
    expect(sweep.output).toMatchObject({
      summary: [{ clusterName: CLUSTER, findings: { 'accelerators-missing': 1 } }],
    });
    const recovery = started.find((r) =>
      r.executionName.startsWith(`sweep-accelerators-missing-${target.instanceId}-`),
    );
    expect(recovery?.status).toBe('SUCCEEDED');
    const incident = await env.deps.ledger.getIncident(CLUSTER, recovery?.executionName ?? '');
    expect(incident).toMatchObject({ status: 'resolved', outcome: 'rebooted-verified' });
    expect(incident?.fault).toMatchObject({ source: 'sweep', code: 'accelerators-missing' });
    const node = await env.admin.getNode(target.nodeName);
    expect(node?.status?.allocatable?.['nvidia.com/gpu']).toBe('8');
    expect(node?.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY) ?? false).toBe(false);
  });

  it('repairs a stale quarantine left by a crashed execution', async () => {
    // Prepare: an execution admitted the node eight hours ago, quarantined it and died.
    const target = instances()[1]!;
    const startedAt = new Date(Date.now() - 8 * 3600_000).toISOString();
    const eksClusterName = env.config.clusters[0]!.eksClusterName;
    await env.deps.ledger.createIncident({
      incidentId: 'crashed-e2e',
      clusterName: CLUSTER,
      instanceId: target.instanceId,
      nodeName: target.nodeName,
      trigger: { kind: 'manual' },
      status: 'open',
      startedAt,
      actions: [],
    });
    await quarantineNode(
      {
        incidentId: 'crashed-e2e',
        executionName: 'crashed-e2e',
        startedAt,
        clusterName: CLUSTER,
        eksClusterName,
        trigger: { kind: 'manual' },
        fault: { class: 'unknown', code: 'manual' },
        node: { clusterName: CLUSTER, instanceId: target.instanceId, nodeName: target.nodeName },
        decision: { outcome: 'proceed', action: 'reboot', reason: 'manual', mode: 'act', leaseHeld: true },
      },
      env.deps,
    );
    expect((await env.admin.getNode(target.nodeName))?.spec?.unschedulable).toBe(true);
    const notified = env.simulator.notifications.length;

    // Act
    const sweep = await env.runSweep({ clusterName: CLUSTER });

    // Assess
    expect(sweep.output).toMatchObject({
      repaired: [
        { kind: 'incident-overdue', status: 'repaired' },
        { kind: 'stale-quarantine', status: 'repaired' },
      ],
    });
    const node = await env.admin.getNode(target.nodeName);
    expect(node?.spec?.unschedulable ?? false).toBe(false);
    expect(node?.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY) ?? false).toBe(false);
    expect(node?.metadata.annotations?.['hyperpod-resilience.io/quarantined-by']).toBeUndefined();
    expect(await env.deps.ledger.getIncident(CLUSTER, 'crashed-e2e')).toMatchObject({
      status: 'needs-attention',
      outcome: 'abandoned',
    });
    expect(env.simulator.notifications.slice(notified).map((n) => n.subject)).toEqual([
      `hyperpod-resilience: incident crashed-e2e on ${CLUSTER} was abandoned`,
    ]); // The sweep read our RBAC objects and admission policies back under its own identity: no drift.
    const drift = env.metrics.filter((m) => m.name === 'KubernetesIdentityDrift').map((m) => m.value);
    expect(drift.length).toBeGreaterThan(0);
    expect(drift.every((v) => v === 0)).toBe(true);
  });

  it('runs the full level through SageMaker StartClusterHealthCheck and waits for the node to leave DeepHealthCheckInProgress', async () => {
    // Prepare
    const target = instances()[3]!;

    // Act
    const report = await env.runHealthCheck({
      clusterName: CLUSTER,
      instanceId: target.instanceId,
      level: 'full',
    });

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.output).toMatchObject({
      status: 'passed',
      level: 'full',
      reason: 'deep health check passed',
    });
    expect(env.simulator.calls['sagemaker:StartClusterHealthCheck']).toBe(1);
    const node = await env.admin.getNode(target.nodeName);
    expect(node?.metadata.labels?.['sagemaker.amazonaws.com/deep-health-check-status']).toBe('Passed');
  });
});
