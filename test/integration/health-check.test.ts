/**
 * The health-check ASL executed by aws-local-stepfunctions with the real tasks and in-memory
 * ports: quick checks read from the check pod's termination message, full checks through
 * SageMaker's deep health check, and a failed check that asks for recovery.
 */
import { describe, expect, it } from 'vitest';
import { quickCheckJobName } from '#domain/health-check-job.ts';
import { localExecutionsFor, runHealthCheck } from '#local/runner.ts';
import { passingVerdict } from '#local/simulated-health-checks.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeName } from './harness.ts';
import { CHECK_IMAGE, finishCheckPod, QUICK_CHECKS_ON, simulateCheckPods } from './health-harness.ts';

const [NODE_A] = INSTANCES as [string];
type PodSpec = {
  nodeName: string;
  tolerations: { key: string }[];
  containers: {
    image: string;
    resources: { limits: Record<string, string> };
    terminationMessagePolicy: string;
  }[];
};
const visited = (report: Awaited<ReturnType<typeof runHealthCheck>>) => report.states.map((s) => s.name);
const quickInput = (extra: Record<string, unknown> = {}) => ({
  clusterName: CLUSTER.name,
  instanceId: NODE_A,
  reason: 'suspected slow NCCL',
  requestedBy: 'alice@example.com',
  ...extra,
});

describe('State machine: health-check', () => {
  it('passes a quick check whose verdict shows every configured check passing, reading it from the pod status', async () => {
    // Prepare
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
    const jobs = simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check) }));

    // Act
    const report = await runHealthCheck(quickInput(), h.deps, { executionName: 'check-1' });

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(visited(report)).toEqual([
      'PrepareHealthCheck',
      'ChooseCheckLevel',
      'StartQuickCheck',
      'IsQuickCheckDone',
      'WaitForQuickCheck',
      'PollQuickCheck',
      'IsQuickCheckDone',
      'RecordHealthCheck',
      'IsRecoveryWanted',
      'IsHealthy',
      'CheckPassed',
    ]);
    expect(report.output).toMatchObject({ status: 'passed', level: 'quick', instanceId: NODE_A });
    expect(jobs).toHaveLength(1);
    const spec = (jobs[0]!.spec!.template as { spec: PodSpec }).spec;
    expect(jobs[0]?.metadata.namespace).toBe('hyperpod-resilience');
    expect(spec.nodeName).toBe(nodeName(NODE_A));
    expect(spec.containers[0]?.image).toBe(CHECK_IMAGE);
    expect(spec.containers[0]?.resources.limits).toEqual({ cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '8' });
    expect(spec.containers[0]?.terminationMessagePolicy).toBe('File');
    expect(spec.tolerations.map((t: { key: string }) => t.key)).toEqual([
      'hyperpod-resilience.io/quarantine',
      'sagemaker.amazonaws.com/node-health-status',
      'hyperpod-resilience.io/spare',
    ]);
    expect(jobs[0]?.spec).toMatchObject({ backoffLimit: 0, ttlSecondsAfterFinished: 3600 });
  });

  it('keeps polling while the check pod runs and reads the verdict once it has finished', async () => {
    // Prepare
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
    const jobs = simulateCheckPods(h, () => ({ running: true }));
    const listPods = h.kube.listPods.bind(h.kube);
    let polls = 0;
    h.kube.listPods = async (options) => {
      polls += 1;
      if (polls === 3 && jobs[0]) {
        finishCheckPod(h, jobs[0], {
          verdict: passingVerdict({
            nodeName: '',
            jobName: '',
            checks: ['gpu-count', 'dcgm-diag', 'nccl-all-reduce', 'efa'],
            expectations: { gpus: 8, efaDevices: 32, ncclBusBandwidthGBps: 350 },
          }),
        });
      }
      return listPods(options);
    };

    // Act
    const report = await runHealthCheck(quickInput(), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(visited(report).filter((s) => s === 'PollQuickCheck')).toHaveLength(3);
  });

  it.each([
    {
      case: 'an unparseable verdict',
      script: { verdict: 'Segmentation fault (core dumped)', exitCode: 139 },
      reason: 'the verdict is not JSON',
    },
    { case: 'a missing verdict', script: { verdict: '', exitCode: 1 }, reason: 'the check wrote no verdict' },
    {
      case: 'an oversized verdict',
      script: { verdict: `{"checks":[${'x'.repeat(5000)}]}` },
      reason: 'bytes, more than the 4096',
    },
    {
      case: 'a verdict of the wrong shape',
      script: { verdict: '{"healthy":true}' },
      reason: 'does not match the schema',
    },
    {
      case: 'a failing NCCL check',
      script: {
        verdict: JSON.stringify({
          checks: [
            { name: 'gpu-count', pass: true, metrics: { count: 8 } },
            { name: 'dcgm-diag', pass: true },
            { name: 'nccl-all-reduce', pass: false, metrics: { busBandwidthGBps: 41.5 } },
            { name: 'efa', pass: true, metrics: { devices: 32 } },
          ],
        }),
        exitCode: 1,
      },
      reason: 'nccl-all-reduce failed (busBandwidthGBps 41.5 < 350 expected)',
    },
    {
      case: 'a passing verdict that contradicts the instance type',
      script: {
        verdict: JSON.stringify({
          checks: [
            { name: 'gpu-count', pass: true, metrics: { count: 7 } },
            { name: 'dcgm-diag', pass: true },
            { name: 'nccl-all-reduce', pass: true, metrics: { busBandwidthGBps: 400 } },
            { name: 'efa', pass: true, metrics: { devices: 32 } },
          ],
        }),
      },
      reason: 'gpu-count reported a pass but count 7 ≠ 8 expected',
    },
    {
      case: 'a verdict missing a configured check',
      script: {
        verdict: JSON.stringify({ checks: [{ name: 'gpu-count', pass: true, metrics: { count: 8 } }] }),
      },
      reason: 'dcgm-diag did not report',
    },
  ])('fails the check on $case, with the reason as cause', async ({ script, reason }) => {
    // Prepare
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
    simulateCheckPods(h, () => script);

    // Act
    const report = await runHealthCheck(quickInput(), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('HealthCheckFailed');
    expect(report.error?.cause).toContain(reason);
  });

  it('fails a check that outlives its deadline and deletes its Job so it frees the GPUs', async () => {
    // Prepare
    const h = makeHarness({ healthChecks: { quick: { ...QUICK_CHECKS_ON.quick, timeoutSeconds: 60 } } });
    simulateCheckPods(h, () => ({ running: true }));
    const getJob = h.kube.getJob.bind(h.kube);
    h.kube.getJob = async (namespace, name) => {
      h.advanceClock(30_000);
      return getJob(namespace, name);
    };

    // Act
    const report = await runHealthCheck(quickInput(), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.cause).toContain('timed out after 60 s');
    expect(h.kube.jobs.size).toBe(0);
    expect(h.kube.mutations.map((m) => m.method)).toEqual(['createJob', 'deleteJob']);
  });

  it.each([
    {
      case: 'a pod the scheduler cannot place',
      script: { pending: { reason: 'Unschedulable', message: '0/4 nodes are available' } },
      reason: 'unschedulable: Unschedulable: 0/4 nodes are available',
    },
    {
      case: 'a pod the kubelet rejected',
      script: {
        rejected: {
          reason: 'OutOfnvidia.com/gpu',
          message: "Node didn't have enough resource: nvidia.com/gpu",
        },
      },
      reason: 'the node rejected the check pod (OutOfnvidia.com/gpu',
    },
  ])('fails on $case, never passes', async ({ script, reason }) => {
    // Prepare
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
    simulateCheckPods(h, () => script);
    const getJob = h.kube.getJob.bind(h.kube);
    h.kube.getJob = async (namespace, name) => {
      h.advanceClock(120_000);
      return getJob(namespace, name);
    };

    // Act
    const report = await runHealthCheck(quickInput(), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.cause).toContain(reason);
  });

  it('fails at once, without a Job, when the node is short of GPUs', async () => {
    // Prepare
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
    h.kube.nodes.get(nodeName(NODE_A))!.status!.allocatable = { 'nvidia.com/gpu': '6' };

    // Act
    const report = await runHealthCheck(quickInput(), h.deps);

    // Assess
    expect(report.error).toEqual({ name: 'HealthCheckFailed', cause: 'only 6 of 8 GPUs allocatable' });
    expect(h.kube.jobs.size).toBe(0);
  });

  it.each([
    {
      case: 'in observe mode',
      options: { policy: { mode: 'observe' as const } },
      pause: false,
      reason: 'observe mode',
    },
    {
      case: 'while the cluster is paused',
      options: {},
      pause: true,
      reason: 'remediation paused: drain week',
    },
  ])(
    'starts no check, quick or full, $case: a typed refusal and no Job, no deep health check',
    async ({ options, pause, reason }) => {
      // Prepare
      const h = makeHarness({ ...options, healthChecks: QUICK_CHECKS_ON });
      if (pause) {
        await h.ledger.putClusterState(
          CLUSTER.name,
          {
            version: 0,
            remediations: [],
            paused: { reason: 'drain week', by: 'oncall', at: '2026-11-29T09:00:00.000Z' },
          },
          0,
        );
      }

      // Act
      const quick = await runHealthCheck(quickInput(), h.deps);
      const full = await runHealthCheck(quickInput({ level: 'full' }), h.deps);

      // Assess
      for (const report of [quick, full]) {
        expect(report.status).toBe('FAILED');
        expect(report.error?.name).toBe('ActionRefusedError');
        expect(report.error?.cause).toContain(reason);
        expect(visited(report)).toEqual(['PrepareHealthCheck']);
      }
      expect(h.kube.mutations).toEqual([]);
      expect(h.hyperpod.healthChecks).toEqual([]);
    },
  );

  it('reports that no check ran when quick checks are disabled, never a pass', async () => {
    // Prepare
    const h = makeHarness();

    // Act
    const report = await runHealthCheck(quickInput(), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('HealthCheckNotRun');
    expect(report.error?.cause).toContain('quick health checks are disabled');
  });

  it('starts node-recovery once for a failed check that asks for recovery', async () => {
    // Prepare
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
    simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check, ['dcgm-diag']), exitCode: 1 }));

    // Act
    const report = await runHealthCheck(quickInput({ onFailure: 'recover' }), h.deps, {
      executionName: 'hc-1',
    });
    const [recovery] = await localExecutionsFor(h.deps).settled();

    // Assess
    expect(report.status).toBe('FAILED');
    expect(visited(report)).toContain('StartNodeRecovery');
    expect(recovery?.machine).toBe('node-recovery');
    expect(recovery?.status).toBe('FAILED');
    expect(recovery?.error?.name).toBe('NeedsAttention');
    expect(h.hyperpod.calls.map((c) => c.op)).toEqual(['reboot', 'replace']);
    const incident = await h.ledger.getIncident(CLUSTER.name, recovery?.executionName ?? '');
    expect(incident?.fault).toMatchObject({ code: 'quick-check-failed', source: 'sweep' });
  });

  it('passes a full check once the node left DeepHealthCheckInProgress with deep-health-check-status Passed', async () => {
    // Prepare
    const h = makeHarness();
    h.hyperpod.deepCheckPolls = 2;

    // Act
    const report = await runHealthCheck(
      quickInput({ level: 'full', deepHealthChecks: ['InstanceStress', 'InstanceConnectivity'] }),
      h.deps,
    );

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.healthChecks).toEqual([
      { instanceIds: [NODE_A], checks: ['InstanceStress', 'InstanceConnectivity'] },
    ]);
    expect(visited(report).filter((s) => s === 'PollDeepHealthCheck')).toHaveLength(3);
    expect(report.output).toMatchObject({
      status: 'passed',
      level: 'full',
      reason: 'deep health check passed',
    });
  });

  it('fails a full check the node failed, and starts no recovery (HyperPod replaces such nodes itself)', async () => {
    // Prepare
    const h = makeHarness();
    h.hyperpod.deepCheckOutcome.set(NODE_A, 'fail');

    // Act
    const report = await runHealthCheck(quickInput({ level: 'full', onFailure: 'recover' }), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.cause).toContain('deep health check failed');
    expect(visited(report)).not.toContain('StartNodeRecovery');
    expect(h.hyperpod.healthChecks[0]?.checks).toEqual(['InstanceStress']);
  });

  it('uses a deterministic Job name, so a retried start follows the Job it created', async () => {
    // Prepare
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
    simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check) }));
    h.kube.failNext('getJob', Object.assign(new Error('throttled'), { name: 'KubernetesThrottledError' }), 1);

    // Act
    const report = await runHealthCheck(quickInput(), h.deps, { executionName: 'check-retry' });

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect([...h.kube.jobs.keys()]).toEqual([
      `hyperpod-resilience/${quickCheckJobName(`check-retry#0#${NODE_A}`)}`,
    ]);
  });

  it.each([
    {
      case: 'neither instance id nor node name',
      input: { clusterName: CLUSTER.name },
      error: 'InvalidInputError',
    },
    {
      case: 'an unknown level',
      input: { clusterName: CLUSTER.name, instanceId: NODE_A, level: 'deep' },
      error: 'InvalidInputError',
    },
    {
      case: 'an unknown key',
      input: { clusterName: CLUSTER.name, instanceId: NODE_A, image: 'evil:latest' },
      error: 'InvalidInputError',
    },
    {
      case: 'deep checks on a quick level',
      input: { clusterName: CLUSTER.name, instanceId: NODE_A, deepHealthChecks: ['InstanceStress'] },
      error: 'InvalidInputError',
    },
    {
      case: 'a cluster that is not configured',
      input: { clusterName: 'other', instanceId: NODE_A },
      error: 'UnknownClusterError',
    },
    {
      case: 'an instance not in the cluster',
      input: { clusterName: CLUSTER.name, instanceId: 'i-0fffffffffffffff0' },
      error: 'NodeNotFoundError',
    },
  ])('rejects $case with $error and creates nothing', async ({ input, error }) => {
    // Prepare
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });

    // Act
    const report = await runHealthCheck(input, h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe(error);
    expect(h.kube.mutations).toEqual([]);
  });
});
