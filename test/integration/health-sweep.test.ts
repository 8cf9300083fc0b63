/**
 * The health-sweep ASL executed by aws-local-stepfunctions with the real tasks and in-memory
 * ports: findings start node-recovery through the emulated startExecution integration (idempotent
 * names), our own stale state is repaired, idle nodes get quick checks.
 */
import { describe, expect, it } from 'vitest';
import { planQuarantine, QUARANTINE_TAINT_KEY } from '#domain/quarantine.ts';
import {
  SUSPENDED_AT_ANNOTATION,
  SUSPENDED_BY_ANNOTATION,
  SUSPENDED_LABEL,
} from '#domain/workload-suspension.ts';
import { type ExecutionReport, LocalExecutions, runHealthSweep } from '#local/runner.ts';
import { passingVerdict } from '#local/simulated-health-checks.ts';
import { gpuNode } from '../fakes/fake-hyperpod.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeName } from './harness.ts';
import { QUICK_CHECKS_ON, simulateCheckPods } from './health-harness.ts';

const [NODE_A, NODE_B] = INSTANCES as [string, string];
type Harness = ReturnType<typeof makeHarness>;

const visited = (report: ExecutionReport) => report.states.map((s) => s.name);

/** One sweep and everything it started, finished. */
const sweep = async (h: Harness, executions = new LocalExecutions()) => {
  const report = await runHealthSweep({}, h.deps, { executions });
  const started = await executions.settled();
  return { report, started, executions };
};

const quarantineAs = async (h: Harness, instanceId: string, incidentId: string, at: string) => {
  const node = h.kube.nodes.get(nodeName(instanceId))!;
  const { patch } = planQuarantine(node, { incidentId, reason: 'xid-79', now: at });
  await h.kube.patchNode(node.metadata.name, patch);
};

const openIncident = (h: Harness, incidentId: string, instanceId: string, startedAt: string) =>
  h.ledger.createIncident({
    incidentId,
    clusterName: CLUSTER.name,
    instanceId,
    trigger: { kind: 'manual' },
    status: 'open',
    startedAt,
    actions: [],
  });

describe('State machine: health-sweep', () => {
  it('finds nothing on a healthy cluster and starts nothing', async () => {
    // Prepare
    const h = makeHarness();

    // Act
    const { report, executions } = await sweep(h);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(visited(report)).toEqual([
      'SweepCluster',
      'StartRecoveries',
      'RepairStaleStates',
      'StartIdleChecks',
      'SummarizeSweep',
    ]);
    expect(executions.started).toEqual([]);
    expect(report.output).toMatchObject({
      summary: [
        { clusterName: CLUSTER.name, instances: 4, kubeNodes: 4, findings: {}, repairs: {}, inFlight: 0 },
      ],
      started: [],
      repaired: [],
    });
    expect(h.kube.mutations).toEqual([]);
  });

  it.each([
    {
      case: 'GPUs missing from allocatable',
      arrange: (h: Harness) => {
        h.kube.nodes.get(nodeName(NODE_A))!.status!.allocatable = { 'nvidia.com/gpu': '7' };
      },
      finding: 'accelerators-missing',
      actions: ['reboot'],
    },
    {
      case: 'SageMaker InstanceStatus Failure',
      arrange: (h: Harness) => {
        Object.assign(h.hyperpod.instances.get(NODE_A)!, {
          status: 'Failure',
          statusMessage: 'Instance failed health checks.',
        });
      },
      finding: 'instance-failure',
      actions: ['replace'],
    },
    {
      case: 'HyperPod asking for a replacement while NodeRecovery=None',
      arrange: (h: Harness) => {
        h.kube.nodes.get(nodeName(NODE_A))!.metadata.labels!['sagemaker.amazonaws.com/node-health-status'] =
          'UnschedulablePendingReplacement';
      },
      finding: 'UnschedulablePendingReplacement',
      actions: ['replace'],
    },
    {
      // Failed "requires a reboot or replacement" (HyperPod node-labels page): without a pending
      // label beside it, the ladder starts with a reboot.
      case: 'a failed deep health check without a pending label while NodeRecovery=None',
      arrange: (h: Harness) => {
        h.kube.nodes.get(nodeName(NODE_A))!.metadata.labels![
          'sagemaker.amazonaws.com/deep-health-check-status'
        ] = 'Failed';
      },
      finding: 'DeepHealthCheckFailed',
      actions: ['reboot'],
    },
    {
      case: 'a failed deep health check beside UnschedulablePendingReplacement while NodeRecovery=None',
      arrange: (h: Harness) => {
        const labels = h.kube.nodes.get(nodeName(NODE_A))!.metadata.labels!;
        labels['sagemaker.amazonaws.com/deep-health-check-status'] = 'Failed';
        labels['sagemaker.amazonaws.com/node-health-status'] = 'UnschedulablePendingReplacement';
      },
      finding: 'UnschedulablePendingReplacement',
      actions: ['replace'],
    },
    {
      case: 'a node NotReady longer than the threshold',
      arrange: (h: Harness) => {
        h.kube.nodes.get(nodeName(NODE_A))!.status!.conditions = [
          {
            type: 'Ready',
            status: 'Unknown',
            reason: 'NodeStatusUnknown',
            lastTransitionTime: '2026-11-29T09:00:00Z',
          },
        ];
        h.hyperpod.afterAction = (op, id) => {
          if (op === 'reboot')
            h.kube.nodes.get(nodeName(id))!.status!.conditions = [{ type: 'Ready', status: 'True' }];
        };
      },
      finding: 'not-ready',
      actions: ['reboot'],
    },
    {
      case: 'a Running instance without a Kubernetes node',
      arrange: (h: Harness) => {
        h.kube.nodes.delete(nodeName(NODE_A));
        h.hyperpod.afterAction = (op, id) => {
          if (op === 'reboot') h.kube.addNode(gpuNode(id, { bootId: `boot-${id}-joined` }));
        };
      },
      finding: 'missing-node',
      actions: ['reboot'],
    },
  ])(
    'starts node-recovery for $case, which admits it with the same guardrails',
    async ({ arrange, finding, actions }) => {
      // Prepare
      const h = makeHarness();
      arrange(h);

      // Act
      const { report, started } = await sweep(h);

      // Assess
      expect(report.status).toBe('SUCCEEDED');
      expect(started).toHaveLength(1);
      expect(started[0]?.machine).toBe('node-recovery');
      expect(started[0]?.executionName).toMatch(/^sweep-[a-z-]+-i-0a1b2c3d4e5f60001-[0-9a-f]{16}$/);
      expect(started[0]?.status).toBe('SUCCEEDED');
      expect(h.hyperpod.calls.map((c) => c.op)).toEqual(actions);
      const incident = await h.ledger.getIncident(CLUSTER.name, started[0]?.executionName ?? '');
      expect(incident?.fault).toMatchObject({ code: finding });
      expect(incident?.status).toBe('resolved');
    },
  );

  it('sweeps nothing of a cluster that HyperPod says another EKS cluster orchestrates, and says why', async () => {
    // Prepare
    const h = makeHarness({ orchestrator: 'someone-elses-eks' });
    h.kube.nodes.get(nodeName(NODE_A))!.status!.allocatable = { 'nvidia.com/gpu': '7' };

    // Act
    const { report, executions } = await sweep(h);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(executions.started).toEqual([]);
    expect(report.output).toMatchObject({
      summary: [
        { clusterName: CLUSTER.name, findings: {}, skipped: expect.stringContaining('someone-elses-eks') },
      ],
    });
    expect(h.kube.mutations).toEqual([]);
  });

  it('starts node-recovery once when two sweeps overlap: the second start is ExecutionAlreadyExists, a skip', async () => {
    // Prepare
    const h = makeHarness();
    h.kube.nodes.get(nodeName(NODE_A))!.status!.allocatable = { 'nvidia.com/gpu': '6' };
    const executions = new LocalExecutions();

    // Act
    const [first, second] = await Promise.all([
      runHealthSweep({}, h.deps, { executions }),
      runHealthSweep({}, h.deps, { executions }),
    ]);
    await executions.settled();

    // Assess
    expect(executions.started).toHaveLength(1);
    const statuses = [first, second].map(
      (r) => (r.output as { started: { status: string }[] }).started[0]?.status,
    );
    expect(statuses.sort()).toEqual(['already-started', 'started']);
    expect(h.hyperpod.calls).toEqual([{ op: 'reboot', instanceIds: [NODE_A] }]);
  });

  it('leaves a node alone while an incident is in flight on it', async () => {
    // Prepare
    const h = makeHarness();
    h.kube.nodes.get(nodeName(NODE_A))!.status!.allocatable = { 'nvidia.com/gpu': '7' };
    await openIncident(h, 'inc-running', NODE_A, '2026-11-29T09:55:00.000Z');

    // Act
    const { report, executions } = await sweep(h);

    // Assess
    expect(executions.started).toEqual([]);
    expect(report.output).toMatchObject({ summary: [{ inFlight: 1, findings: {} }] });
  });

  it('leaves HyperPod labels to HyperPod when its automatic node recovery is on', async () => {
    // Prepare
    const h = makeHarness({ nodeRecovery: 'Automatic' });
    h.kube.nodes.get(nodeName(NODE_A))!.metadata.labels!['sagemaker.amazonaws.com/node-health-status'] =
      'UnschedulablePendingReboot';

    // Act
    const { executions } = await sweep(h);

    // Assess
    expect(executions.started).toEqual([]);
  });

  it('repairs a stale quarantine left by a crashed execution: closes the incident, lifts the quarantine, tells people', async () => {
    // Prepare
    const h = makeHarness();
    await openIncident(h, 'crashed-1', NODE_A, '2026-11-29T02:00:00.000Z');
    await h.ledger.acquireLease({
      clusterName: CLUSTER.name,
      instanceId: NODE_A,
      incidentId: 'crashed-1',
      now: '2026-11-29T09:59:00.000Z',
      ttlMinutes: 240,
    });
    await quarantineAs(h, NODE_A, 'crashed-1', '2026-11-29T02:00:05.000Z');

    // Act
    const { report } = await sweep(h);

    // Assess
    expect(report.output).toMatchObject({
      repaired: [
        { kind: 'incident-overdue', status: 'repaired' },
        { kind: 'stale-quarantine', status: 'repaired' },
      ],
    });
    const node = h.kube.nodes.get(nodeName(NODE_A));
    expect(node?.spec?.unschedulable).toBe(false);
    expect(node?.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY)).toBe(false);
    const incident = await h.ledger.getIncident(CLUSTER.name, 'crashed-1');
    expect(incident).toMatchObject({ status: 'needs-attention', outcome: 'abandoned' });
    // The repairs run in parallel (Map): their actions may land in either order.
    expect(incident?.actions.map((a) => a.type).sort()).toEqual(['abandoned', 'stale-quarantine-lifted']);
    expect(await h.ledger.listLeases(CLUSTER.name, '2026-11-29T10:10:00.000Z')).toEqual([]);
    expect(h.notifier.notifications.map((n) => n.subject)).toEqual([
      `hyperpod-resilience: incident crashed-1 on ${CLUSTER.name} was abandoned`,
    ]);
  });

  it('keeps a stale quarantine on a node that still looks faulty and recovers the node first', async () => {
    // Prepare
    const h = makeHarness();
    await quarantineAs(h, NODE_A, 'no-record', '2026-11-29T08:00:00.000Z');
    h.kube.nodes.get(nodeName(NODE_A))!.status!.allocatable = { 'nvidia.com/gpu': '7' };

    // Act
    const { report, started } = await sweep(h);

    // Assess
    expect((report.output as { repaired: unknown[] }).repaired).toEqual([]);
    expect(started.map((r) => r.executionName)).toEqual([
      expect.stringMatching(/^sweep-accelerators-missing-/),
    ]);
  });

  it('leaves a fresh quarantine without a ledger record alone during the grace period', async () => {
    // Prepare
    const h = makeHarness();
    await quarantineAs(h, NODE_A, 'just-admitted', '2026-11-29T09:59:00.000Z');

    // Act
    const { report } = await sweep(h);

    // Assess
    expect((report.output as { repaired: unknown[] }).repaired).toEqual([]);
    expect(
      h.kube.nodes.get(nodeName(NODE_A))?.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY),
    ).toBe(true);
  });

  it('resumes a job still held suspended by an incident that ended', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_B)]);
    const key = h.kube.objectKey({ kind: 'PyTorchJob', namespace: 'training', name: 'llama' });
    const job = h.kube.objects.get(key)!;
    job.spec = { runPolicy: { suspend: true } };
    job.metadata.labels = { [SUSPENDED_LABEL]: 'true' };
    job.metadata.annotations = {
      [SUSPENDED_BY_ANNOTATION]: JSON.stringify(['ended-1']),
      [SUSPENDED_AT_ANNOTATION]: '2026-11-29T08:00:00.000Z',
    };
    await openIncident(h, 'ended-1', NODE_B, '2026-11-29T08:00:00.000Z');
    await h.ledger.updateIncident(CLUSTER.name, 'ended-1', { fields: { status: 'resolved' } });

    // Act
    const { report } = await sweep(h);

    // Assess
    expect(report.output).toMatchObject({
      summary: [{ repairs: { 'stale-suspension': 1 } }],
      repaired: [
        { kind: 'stale-suspensions', status: 'repaired', detail: 'resumed PyTorchJob/training/llama' },
      ],
    });
    const incident = await h.ledger.getIncident(CLUSTER.name, 'ended-1');
    expect(incident?.actions.map((a) => a.type)).toContain('workloads-resumed-by-sweep');
    expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
  });

  it('only reports stale state in observe mode and changes nothing', async () => {
    // Prepare
    const h = makeHarness({ policy: { mode: 'observe' } });
    await openIncident(h, 'crashed-2', NODE_A, '2026-11-29T01:00:00.000Z');
    await quarantineAs(h, NODE_A, 'crashed-2', '2026-11-29T01:00:05.000Z');
    const before = h.kube.mutations.length;

    // Act
    const { report } = await sweep(h);

    // Assess
    expect(report.output).toMatchObject({
      repaired: [
        { kind: 'incident-overdue', status: 'would-repair' },
        { kind: 'stale-quarantine', status: 'would-repair' },
      ],
    });
    expect(h.kube.mutations.length).toBe(before);
    expect((await h.ledger.getIncident(CLUSTER.name, 'crashed-2'))?.status).toBe('open');
  });

  it('starts no idle-node check in observe mode: a check would take the node', async () => {
    // Prepare
    const h = makeHarness({
      policy: { mode: 'observe' },
      healthChecks: QUICK_CHECKS_ON,
      sweep: { idleChecks: { enabled: true, periodHours: 24, maxPerSweep: 4 } },
    });

    // Act
    const { report, started } = await sweep(h);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(started).toEqual([]);
    expect(h.kube.mutations).toEqual([]);
  });

  it('quick-checks an idle node once per period and skips nodes running GPU pods', async () => {
    // Prepare: room for four operations at once (checks count toward the in-flight limit).
    const h = makeHarness({
      policy: { maxParallel: { absolute: 4, percent: 100 } },
      healthChecks: QUICK_CHECKS_ON,
      sweep: { idleChecks: { enabled: true, periodHours: 24, maxPerSweep: 4 } },
    });
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);
    for (const pod of h.kube.pods.values())
      pod.spec = {
        ...pod.spec,
        containers: [{ name: 'w', resources: { limits: { 'nvidia.com/gpu': '8' } } }],
      };
    simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check) }));
    const executions = new LocalExecutions();

    // Act
    const first = await sweep(h, executions);
    const second = await sweep(h, executions);

    // Assess
    const checked = first.started.map((r) => r.executionName).sort();
    expect(checked).toHaveLength(3);
    expect(checked.every((name) => name.startsWith('idle-check-'))).toBe(true);
    expect(checked.some((name) => name.includes(NODE_A))).toBe(false);
    expect(first.started.every((r) => r.machine === 'health-check' && r.status === 'SUCCEEDED')).toBe(true);
    expect(second.started).toHaveLength(3);
    expect(
      (second.report.output as { idleChecksStarted: { status: string }[] }).idleChecksStarted.map(
        (s) => s.status,
      ),
    ).toEqual(['already-started', 'already-started', 'already-started']);
  });

  it('starts no more idle-node checks than the in-flight limit leaves free, as checks take nodes too', async () => {
    // Prepare: 4 nodes, at most 2 operations at once, one node already under remediation.
    const h = makeHarness({
      policy: { maxParallel: { absolute: 2, percent: 100 } },
      healthChecks: QUICK_CHECKS_ON,
      sweep: { idleChecks: { enabled: true, periodHours: 24, maxPerSweep: 4 } },
    });
    simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check) }));
    await h.ledger.acquireLease({
      clusterName: CLUSTER.name,
      instanceId: NODE_A,
      incidentId: 'incident-in-flight',
      now: '2026-11-29T10:00:00.000Z',
      ttlMinutes: 24 * 60,
    });

    // Act
    const first = await sweep(h, new LocalExecutions());

    // Assess
    expect(first.started).toHaveLength(1);
    expect(first.started[0]?.status).toBe('SUCCEEDED');
  });

  it.each([
    { case: 'an unknown key', input: { cluster: CLUSTER.name }, error: 'InvalidInputError' },
    {
      case: 'a cluster that is not configured',
      input: { clusterName: 'other' },
      error: 'UnknownClusterError',
    },
  ])('rejects $case with $error', async ({ input, error }) => {
    // Prepare
    const h = makeHarness();

    // Act
    const report = await runHealthSweep(input, h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe(error);
  });
});
