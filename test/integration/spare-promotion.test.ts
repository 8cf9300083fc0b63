/**
 * Hot spares in node-recovery (docs/design/hot-spares.md): the real ASL on the local runner, the
 * real tasks, in-memory ports. A fault with a ready spare resumes the jobs before the repair ends;
 * the repaired node takes the spare's place; two faults and one spare give one promotion.
 */
import { describe, expect, it } from 'vitest';
import { LedgerTransientError } from '#contracts/errors.ts';
import type { KubeObject } from '#domain/kube-types.ts';
import { claimToken } from '#domain/spares.ts';
import type { WorkloadKind } from '#domain/types.ts';
import { WORKLOAD_KINDS } from '#domain/workload-kinds.ts';
import { runNodeRecovery } from '#local/runner.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeHealthEvent, nodeName } from './harness.ts';

const [NODE_A, NODE_B, NODE_C, SPARE] = INSTANCES as [string, string, string, string];
const POOL = { pools: [{ cluster: CLUSTER.name, instanceGroup: 'workers', count: 1 }] };
const SPARE_LABEL = 'hyperpod-resilience.io/spare';

type Harness = ReturnType<typeof makeHarness>;

/** Marks an instance's node a ready spare, as the pool's sweep leaves it. */
const makeSpare = (h: Harness, instanceId: string) => {
  const node = h.kube.nodes.get(nodeName(instanceId));
  if (!node) throw new Error(`no node ${instanceId}`);
  node.metadata.labels = { ...node.metadata.labels, [SPARE_LABEL]: 'ready' };
  node.metadata.annotations = {
    ...node.metadata.annotations,
    'hyperpod-resilience.io/spare-since': '2026-11-29T09:00:00.000Z',
    'hyperpod-resilience.io/spare-verified': 'quick-check-passed',
  };
  node.spec = {
    ...node.spec,
    taints: [{ key: SPARE_LABEL, value: 'pool', effect: 'NoSchedule' }],
  };
};

const template = { metadata: {}, spec: { containers: [{ name: 'trainer', image: 'trainer:1' }] } };

/** A job of `kind` with real pod templates (where each kind keeps them) and one running pod per node. */
const addTemplatedJob = (h: Harness, kind: WorkloadKind, name: string, nodes: string[]) => {
  const ref = h.addJob(kind, name, nodes);
  const key = h.kube.objectKey({ kind, namespace: 'training', name });
  const job = h.kube.objects.get(key) as KubeObject;
  const spec = job.spec as Record<string, unknown>;
  if (kind === 'Job') spec.template = template;
  if (kind === 'PyTorchJob') spec.pytorchReplicaSpecs = { Worker: { replicas: nodes.length, template } };
  if (kind === 'JobSet') spec.replicatedJobs = [{ name: 'workers', template: { spec: { template } } }];
  if (kind === 'HyperPodPyTorchJob') spec.replicaSpecs = [{ name: 'pods', template }];
  expect(WORKLOAD_KINDS[kind]).toBeDefined();
  return ref;
};

const actionTypes = async (h: Harness, executionName: string) =>
  ((await h.ledger.getIncident(CLUSTER.name, executionName))?.actions ?? []).map((a) => a.type);

describe('State machine: node-recovery with hot spares', () => {
  it('resumes the job on the promoted spare before the repair ends, and the repaired node becomes the ready spare', async () => {
    // Prepare
    const h = makeHarness({ spares: POOL });
    h.hyperpod.addInstance({ instanceId: SPARE });
    makeSpare(h, SPARE);
    addTemplatedJob(h, 'PyTorchJob', 'llama', [nodeName(NODE_A), nodeName(NODE_B)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    const types = await actionTypes(h, report.executionName);
    expect(types).toEqual([
      'admitted',
      'quarantined',
      'workloads-suspended',
      'spare-promoted',
      'remediation-requested',
      'node-ready',
      'verification-not-verified',
      'node-restored',
      'workloads-resumed',
      'recorded',
    ]);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    const promoted = incident?.actions.find((a) => a.type === 'spare-promoted');
    expect(promoted?.detail).toMatchObject({
      spare: nodeName(SPARE),
      instanceId: SPARE,
      token: claimToken(report.executionName),
      resumed: ['PyTorchJob/training/llama'],
    });
    // The later ResumeWorkloads had nothing of this incident left to resume.
    expect(incident?.actions.find((a) => a.type === 'workloads-resumed')?.detail).toMatchObject({
      resumed: [],
    });
    expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
    const job = h.kube.objects.get(
      h.kube.objectKey({ kind: 'PyTorchJob', namespace: 'training', name: 'llama' }),
    );
    expect(job?.spec?.pytorchReplicaSpecs).toMatchObject({
      Worker: {
        template: {
          spec: { tolerations: [expect.objectContaining({ value: claimToken(report.executionName) })] },
        },
      },
    });
    const spare = h.kube.nodes.get(nodeName(SPARE));
    expect(spare?.metadata.labels?.[SPARE_LABEL]).toBe('promoted');
    const repaired = h.kube.nodes.get(nodeName(NODE_A));
    expect(repaired?.metadata.labels?.[SPARE_LABEL]).toBe('ready');
    expect(repaired?.spec?.taints).toEqual([{ key: SPARE_LABEL, value: 'pool', effect: 'NoSchedule' }]);
    expect(repaired?.spec?.unschedulable).toBe(false);
    expect(await h.ledger.listSpareClaims(CLUSTER.name, '2026-11-29T12:00:00.000Z')).toEqual([]);
  });

  it('evicts the preemptible work borrowing the spare before the job resumes there, and leaves other pods alone', async () => {
    // Prepare: borrowing on; a pod that opted in (annotation) runs on the spare, next to a DaemonSet pod.
    const h = makeHarness({ spares: { ...POOL, borrowing: { enabled: true, graceSeconds: 0 } } });
    h.hyperpod.addInstance({ instanceId: SPARE });
    makeSpare(h, SPARE);
    addTemplatedJob(h, 'PyTorchJob', 'llama', [nodeName(NODE_A), nodeName(NODE_B)]);
    h.kube.addPod({
      metadata: {
        name: 'batch-borrower',
        namespace: 'research',
        annotations: { 'hyperpod-resilience.io/borrow-spare': 'true' },
      },
      spec: { nodeName: nodeName(SPARE) },
      status: { phase: 'Running' },
    });
    h.kube.addPod({
      metadata: {
        name: 'node-agent-x1',
        namespace: 'kube-system',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'node-agent', uid: 'ds', controller: true },
        ],
      },
      spec: { nodeName: nodeName(SPARE) },
      status: { phase: 'Running' },
    });

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.actions.find((a) => a.type === 'spare-promoted')?.detail).toMatchObject({
      spare: nodeName(SPARE),
      borrowers: { evicted: ['research/batch-borrower'] },
      resumed: ['PyTorchJob/training/llama'],
    });
    const onSpare = (await h.kube.listPods({ nodeName: nodeName(SPARE) })).map((p) => p.metadata.name);
    expect(onSpare).toEqual(['node-agent-x1']);
    const evictions = h.kube.mutations.filter((m) => m.method === 'evictPod').map((m) => m.target);
    expect(evictions).toEqual(['research/batch-borrower']);
  });

  it('marks the replacement of a replaced node as the ready spare', async () => {
    // Prepare
    const h = makeHarness({ spares: POOL });
    h.hyperpod.addInstance({ instanceId: SPARE });
    makeSpare(h, SPARE);
    addTemplatedJob(h, 'JobSet', 'llm', [nodeName(NODE_A), nodeName(NODE_B)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    const restored = incident?.actions.find((a) => a.type === 'node-restored')?.detail as {
      status: string;
      joinedPool?: { nodeName: string };
    };
    expect(restored.status).toBe('node-replaced');
    const replacement = h.kube.nodes.get(restored.joinedPool?.nodeName ?? '');
    expect(replacement?.metadata.labels?.[SPARE_LABEL]).toBe('ready');
    expect(replacement?.metadata.annotations?.['hyperpod-resilience.io/spare-verified']).toBe('not-verified');
  });

  it('gives one spare to one of two incidents at once: one spare-promoted, one no-spare', async () => {
    // Prepare
    const h = makeHarness({
      spares: POOL,
      policy: { maxParallel: { absolute: 2, percent: 50 } },
    });
    h.hyperpod.addInstance({ instanceId: SPARE });
    makeSpare(h, SPARE);
    addTemplatedJob(h, 'Job', 'one', [nodeName(NODE_A)]);
    addTemplatedJob(h, 'Job', 'two', [nodeName(NODE_C)]);

    // Act
    const reports = await Promise.all([
      runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps),
      runNodeRecovery(nodeHealthEvent(NODE_C, 'NvidiaErrorReboot'), h.deps),
    ]);

    // Assess
    expect(reports.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const outcomes = await Promise.all(
      reports.map(async (r) => {
        const actions = (await h.ledger.getIncident(CLUSTER.name, r.executionName))?.actions ?? [];
        const promoted = actions.find((a) => a.type === 'spare-promoted');
        return promoted
          ? 'promoted'
          : String(actions.find((a) => a.type === 'spare-not-promoted')?.detail?.reason);
      }),
    );
    expect(outcomes.sort()).toEqual(['no-spare', 'promoted']);
    expect(h.metrics.filter((m) => m.name === 'SparePoolExhausted')).toHaveLength(1);
    expect(h.suspendValue('Job', 'one')).toBe(false);
    expect(h.suspendValue('Job', 'two')).toBe(false);
  });

  it("keeps today's path when no pool is configured: same records, no spare touched", async () => {
    // Prepare
    const h = makeHarness();
    h.hyperpod.addInstance({ instanceId: SPARE });
    makeSpare(h, SPARE);
    addTemplatedJob(h, 'Job', 'eval', [nodeName(NODE_A)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(await actionTypes(h, report.executionName)).toEqual([
      'admitted',
      'quarantined',
      'workloads-suspended',
      'remediation-requested',
      'node-ready',
      'verification-not-verified',
      'node-restored',
      'workloads-resumed',
      'recorded',
    ]);
    expect(h.kube.nodes.get(nodeName(SPARE))?.metadata.labels?.[SPARE_LABEL]).toBe('ready');
    expect(h.kube.nodes.get(nodeName(NODE_A))?.metadata.labels?.[SPARE_LABEL]).toBeUndefined();
  });

  it('retries a promotion whose claim was written but whose answer was lost, and ends with one claim', async () => {
    // Prepare
    const h = makeHarness({ spares: POOL });
    h.hyperpod.addInstance({ instanceId: SPARE });
    makeSpare(h, SPARE);
    addTemplatedJob(h, 'Job', 'eval', [nodeName(NODE_A)]);
    const claimSpare = h.ledger.claimSpare.bind(h.ledger);
    const claims: unknown[] = [];
    let lost = false;
    h.ledger.claimSpare = async (input) => {
      const result = await claimSpare(input);
      claims.push({ ...input, result });
      if (!lost) {
        lost = true;
        throw new LedgerTransientError('the claim was written, its answer lost');
      }
      return result;
    };

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.states.filter((s) => s.name === 'PromoteSpare').length).toBeGreaterThanOrEqual(1);
    expect(claims).toHaveLength(2);
    expect(claims).toEqual([
      expect.objectContaining({ instanceId: SPARE, result: { claimed: true } }),
      expect.objectContaining({ instanceId: SPARE, result: { claimed: true } }),
    ]);
    const types = await actionTypes(h, report.executionName);
    expect(types.filter((t) => t === 'spare-promoted')).toHaveLength(1);
    expect(
      h.kube.nodes.get(nodeName(SPARE))?.metadata.annotations?.['hyperpod-resilience.io/spare-claimed-by'],
    ).toBe(report.executionName);
  });

  it('goes on to the repair with the error kept when the promotion itself fails', async () => {
    // Prepare
    const h = makeHarness({ spares: POOL });
    h.hyperpod.addInstance({ instanceId: SPARE });
    makeSpare(h, SPARE);
    addTemplatedJob(h, 'Job', 'eval', [nodeName(NODE_A)]);
    h.ledger.listSpareClaims = async () => {
      throw new Error('the ledger said no');
    };

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toEqual([{ op: 'reboot', instanceIds: [NODE_A] }]);
    expect(h.suspendValue('Job', 'eval')).toBe(false);
    expect(h.kube.nodes.get(nodeName(NODE_A))?.metadata.labels?.[SPARE_LABEL]).toBeUndefined();
    expect(h.kube.nodes.get(nodeName(SPARE))?.metadata.labels?.[SPARE_LABEL]).toBe('ready');
  });

  it('promotes the same way under NodeRecovery=Automatic, and the node HyperPod repaired joins the pool', async () => {
    // Prepare
    const h = makeHarness({ spares: POOL, nodeRecovery: 'Automatic' });
    h.hyperpod.addInstance({ instanceId: SPARE });
    makeSpare(h, SPARE);
    addTemplatedJob(h, 'PyTorchJob', 'hp', [nodeName(NODE_A), nodeName(NODE_B)]);
    h.labelNode(NODE_A, 'UnschedulablePendingReboot');

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toEqual([]);
    expect(h.hyperpod.hyperpodActions).toEqual([{ op: 'reboot', instanceId: NODE_A }]);
    const types = await actionTypes(h, report.executionName);
    expect(types.indexOf('spare-promoted')).toBeLessThan(types.indexOf('node-ready'));
    expect(h.kube.nodes.get(nodeName(NODE_A))?.metadata.labels?.[SPARE_LABEL]).toBe('ready');
  });
});
