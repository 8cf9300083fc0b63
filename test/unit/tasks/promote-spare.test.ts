import { describe, expect, it } from 'vitest';
import type { ClusterNode, ClusterNodes } from '#adapters/ports.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import { KubernetesRequestFailedError } from '#contracts/errors.ts';
import type { KubeNode, KubeObject } from '#domain/kube-types.ts';
import { claimToken } from '#domain/spares.ts';
import type { WorkloadKind } from '#domain/types.ts';
import {
  createPromoteSpare,
  promoteSpare as realPromoteSpare,
  type SpareTolerations,
} from '#functions/tasks/promote-spare.ts';
import { quarantineNode } from '#functions/tasks/quarantine-node.ts';
import { recordOutcome } from '#functions/tasks/record-outcome.ts';
import { restoreNode } from '#functions/tasks/restore-node.ts';
import { resumeWorkloads } from '#functions/tasks/resume-workloads.ts';
import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';
import type { IncidentState } from '#state-machines/node-recovery.contract.ts';
import {
  addJob,
  addNode,
  CLUSTER,
  incidentState,
  makeDeps,
  NODE,
  NS,
  OTHER_NODE,
  objectOf,
  openIncident,
  runningPod,
  suspendValue,
} from './helpers.ts';

const CLUSTER_ID = 'abcdef123456';
const GROUP = 'gpu';
const providerId = (instanceId: string) =>
  `aws:///usw2-az1/sagemaker/cluster/hyperpod-${CLUSTER_ID}-${instanceId}`;
const instanceOf = (nodeName: string) => nodeName.replace('hyperpod-', '');

/** Test double of functions/domain/spare-tolerations.ts: marks the object, MPIJob cannot. */
const tolerationsDouble: SpareTolerations = {
  refusal: (kind: WorkloadKind) => (kind === 'MPIJob' ? 'kind-cannot-change-tolerations' : undefined),
  add: (_kind: WorkloadKind, workload: KubeObject, token: string) =>
    (workload.spec as { tolerated?: string } | undefined)?.tolerated === token
      ? undefined
      : { spec: { tolerated: token } },
};
const promoteSpare = createPromoteSpare(tolerationsDouble, { sleep: async () => {} });
const real = realPromoteSpare;

const SPARE_A = 'hyperpod-i-0a1b2c3d4e5f6000a';
const SPARE_B = 'hyperpod-i-0a1b2c3d4e5f6000b';

const spareNode = (name: string, extra: Partial<KubeNode['metadata']> = {}): KubeNode => ({
  metadata: {
    name,
    labels: { 'hyperpod-resilience.io/spare': 'ready', ...extra.labels },
    annotations: { 'hyperpod-resilience.io/spare-since': '2026-11-29T09:00:00.000Z', ...extra.annotations },
  },
  spec: {
    providerID: providerId(instanceOf(name)),
    taints: [{ key: 'hyperpod-resilience.io/spare', value: 'pool', effect: 'NoSchedule' }],
  },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

const setup = (options: { pools?: boolean; spares?: string[]; borrowing?: boolean } = {}) => {
  const h = makeDeps({ workloads: { eviction: { timeoutSeconds: 0 } } });
  h.deps.config = parseAppConfig({
    clusters: [CLUSTER],
    policy: { mode: 'act', workloads: { eviction: { timeoutSeconds: 0 } } },
    spares: {
      pools: options.pools === false ? [] : [{ cluster: CLUSTER.name, instanceGroup: GROUP, count: 1 }],
      borrowing: { enabled: options.borrowing ?? false, graceSeconds: 0 },
    },
  });
  const spares = options.spares ?? [SPARE_A];
  const groupNodes: ClusterNode[] = [NODE, OTHER_NODE, ...spares].map((name) => ({
    instanceId: instanceOf(name),
    instanceGroupName: GROUP,
    status: 'Running',
  }));
  h.deps.clusterNodes = { listNodes: async () => groupNodes } as unknown as ClusterNodes;
  addNode(h.kube, NODE);
  addNode(h.kube, OTHER_NODE);
  for (const name of spares) h.kube.addNode(spareNode(name));
  return h;
};

type Harness = ReturnType<typeof setup>;

/** An incident on NODE, admitted and suspended as the machine would hand it to PromoteSpare. */
const suspended = async (h: Harness, incidentId = 'inc-1', node = NODE): Promise<IncidentState> => {
  await openIncident(h.ledger, incidentId);
  const state = incidentState(incidentId, node);
  const withGroup = {
    ...state,
    trigger: { kind: 'node-health', time: '2026-11-29T10:00:00.000Z' },
    node: { ...state.node!, instanceGroupName: GROUP },
  };
  return { ...withGroup, suspension: await suspendWorkloads(withGroup, h.deps) } as unknown as IncidentState;
};

const actionsOf = async (h: Harness, incidentId = 'inc-1') =>
  (await h.ledger.getIncident(CLUSTER.name, incidentId))?.actions ?? [];

describe('Task: PromoteSpare', () => {
  it('claims a ready spare, retaints it for the incident, tolerates and resumes the suspended job at once', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'PyTorchJob', 'train', [NODE, OTHER_NODE]);
    const state = await suspended(h);
    expect(suspendValue(h.kube, 'PyTorchJob', 'train')).toBe(true);

    // Act
    const result = await promoteSpare(state, h.deps);

    // Assess
    const token = claimToken('inc-1');
    expect(result).toMatchObject({
      status: 'promoted',
      spare: { nodeName: SPARE_A, instanceId: instanceOf(SPARE_A) },
      token,
      resumed: [`PyTorchJob/${NS}/train`],
    });
    expect(suspendValue(h.kube, 'PyTorchJob', 'train')).toBe(false);
    expect(objectOf(h.kube, 'PyTorchJob', 'train')?.spec?.tolerated).toBe(token);
    const spare = h.kube.nodes.get(SPARE_A);
    expect(spare?.metadata.labels?.['hyperpod-resilience.io/spare']).toBe('promoted');
    expect(spare?.metadata.annotations?.['hyperpod-resilience.io/spare-claimed-by']).toBe('inc-1');
    expect(spare?.spec?.taints).toEqual([
      { key: 'hyperpod-resilience.io/spare', value: token, effect: 'NoSchedule' },
    ]);
    expect(await h.ledger.listSpareClaims(CLUSTER.name, '2026-11-29T10:05:00.000Z')).toEqual([
      expect.objectContaining({ instanceId: instanceOf(SPARE_A), incidentId: 'inc-1' }),
    ]);
    const promoted = (await actionsOf(h)).find((a) => a.type === 'spare-promoted');
    expect(promoted?.detail).toMatchObject({ spare: SPARE_A, instanceId: instanceOf(SPARE_A), token });
    expect(promoted?.detail?.latencyMs).toEqual(expect.any(Number));
    expect(h.metrics.map((m) => m.name)).toContain('SparePromoted');
    expect([...h.kube.events.values()].map((e) => e.reason)).toEqual(
      expect.arrayContaining(['SparePromoted', 'WorkloadResumed']),
    );
  });

  it('lets the later ResumeWorkloads find nothing of the incident left to resume, and records that cleanly', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'Job', 'train', [NODE, OTHER_NODE]);
    const state = await suspended(h);
    await promoteSpare(state, h.deps);

    // Act
    const result = await resumeWorkloads(state, h.deps);

    // Assess
    expect(result.resumed).toEqual([]);
    expect(result.failed).toEqual([]);
    expect(result.skipped).toEqual([
      { ref: expect.objectContaining({ name: 'train' }), reason: 'not-suspended-by-us' },
    ]);
    expect((await actionsOf(h)).filter((a) => a.type === 'workloads-resumed')).toHaveLength(1);
  });

  it("records nothing and touches nothing in a cluster without pools: today's path", async () => {
    // Prepare
    const h = setup({ pools: false });
    addJob(h.kube, 'Job', 'train', [NODE]);
    const state = await suspended(h);
    const before = h.kube.mutations.length;

    // Act
    const result = await promoteSpare(state, h.deps);

    // Assess
    expect(result).toMatchObject({ status: 'not-promoted', reason: 'not-applicable' });
    expect(suspendValue(h.kube, 'Job', 'train')).toBe(true);
    expect(h.kube.mutations.length).toBe(before);
    expect((await actionsOf(h)).map((a) => a.type)).not.toContain('spare-not-promoted');
  });

  it("records not-applicable when no pool serves the node's group or the incident holds no job", async () => {
    // Prepare
    const other = setup();
    other.deps.config = parseAppConfig({
      clusters: [CLUSTER],
      spares: { pools: [{ cluster: CLUSTER.name, instanceGroup: 'trn', count: 1 }] },
    });
    addJob(other.kube, 'Job', 'train', [NODE]);
    const withJob = await suspended(other);
    const noJob = setup();
    const empty = await suspended(noJob);

    // Act
    const first = await promoteSpare(withJob, other.deps);
    const second = await promoteSpare(empty, noJob.deps);

    // Assess
    expect(first).toMatchObject({ status: 'not-promoted', reason: 'not-applicable' });
    expect(first.detail).toContain('no spare pool serves instance group gpu');
    expect(second).toMatchObject({ status: 'not-promoted', reason: 'not-applicable' });
    expect(second.detail).toBe('the incident holds no suspended job');
    expect((await actionsOf(other)).find((a) => a.type === 'spare-not-promoted')?.detail?.reason).toBe(
      'not-applicable',
    );
  });

  it('records no-spare and counts SparePoolExhausted when no spare is ready; the job waits for the repair', async () => {
    // Prepare
    const h = setup({ spares: [] });
    addJob(h.kube, 'Job', 'train', [NODE]);
    const state = await suspended(h);

    // Act
    const result = await promoteSpare(state, h.deps);

    // Assess
    expect(result).toMatchObject({ status: 'not-promoted', reason: 'no-spare' });
    expect(suspendValue(h.kube, 'Job', 'train')).toBe(true);
    expect(h.metrics.find((m) => m.name === 'SparePoolExhausted')?.dimensions).toEqual({
      clusterName: CLUSTER.name,
      instanceGroup: GROUP,
    });
  });

  it('never takes a spare another incident claimed: it tries the next, and says no-spare when none is left', async () => {
    // Prepare
    const h = setup({ spares: [SPARE_A, SPARE_B] });
    addJob(h.kube, 'Job', 'train', [NODE]);
    const state = await suspended(h);
    const claim = {
      clusterName: CLUSTER.name,
      incidentId: 'inc-other',
      now: '2026-11-29T10:00:00.000Z',
      ttlMinutes: 60,
    };
    await h.ledger.claimSpare({ ...claim, instanceId: instanceOf(SPARE_A) });

    // Act
    const result = await promoteSpare(state, h.deps);
    await h.ledger.claimSpare({ ...claim, instanceId: instanceOf(SPARE_B), incidentId: 'inc-x' });
    const h2 = setup({ spares: [SPARE_A] });
    addJob(h2.kube, 'Job', 'train', [NODE]);
    const state2 = await suspended(h2);
    await h2.ledger.claimSpare({ ...claim, instanceId: instanceOf(SPARE_A) });
    const none = await promoteSpare(state2, h2.deps);

    // Assess
    expect(result).toMatchObject({
      status: 'promoted',
      spare: { nodeName: SPARE_B },
      lostRaces: [`${SPARE_A}: inc-other`],
    });
    expect(h.kube.nodes.get(SPARE_A)?.metadata.labels?.['hyperpod-resilience.io/spare']).toBe('ready');
    expect(none).toMatchObject({
      status: 'not-promoted',
      reason: 'no-spare',
      lostRaces: [`${SPARE_A}: inc-other`],
    });
  });

  it('carries on after a crash: a retry finds its own claim and promotion, keeps one claim and resumes nothing twice', async () => {
    // Prepare
    const h = setup({ spares: [SPARE_A, SPARE_B] });
    addJob(h.kube, 'Job', 'train', [NODE]);
    const state = await suspended(h);
    const first = await promoteSpare(state, h.deps);

    // Act
    const retry = await promoteSpare(state, h.deps);

    // Assess
    expect(retry).toMatchObject({ status: 'promoted', spare: first.spare, resumed: [] });
    expect(await h.ledger.listSpareClaims(CLUSTER.name, '2026-11-29T10:05:00.000Z')).toHaveLength(1);
    expect(h.kube.nodes.get(SPARE_B)?.metadata.labels?.['hyperpod-resilience.io/spare']).toBe('ready');
  });

  it('carries on after a crash between the claim and the taint: the claimed spare is taken again', async () => {
    // Prepare
    const h = setup({ spares: [SPARE_A, SPARE_B] });
    addJob(h.kube, 'Job', 'train', [NODE]);
    const state = await suspended(h);
    // The crashed try had claimed B (not the first choice by order).
    await h.ledger.claimSpare({
      clusterName: CLUSTER.name,
      instanceId: instanceOf(SPARE_B),
      incidentId: 'inc-1',
      now: '2026-11-29T10:00:30.000Z',
      ttlMinutes: 60,
    });

    // Act
    const retry = await promoteSpare(state, h.deps);

    // Assess
    expect(retry).toMatchObject({ status: 'promoted', spare: { nodeName: SPARE_B } });
    expect(await h.ledger.listSpareClaims(CLUSTER.name, '2026-11-29T10:05:00.000Z')).toHaveLength(1);
  });

  it('undoes the taint change and releases the claim when the promotion fails after the claim; the job stays held', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'Job', 'train', [NODE]);
    const state = await suspended(h);
    h.kube.failNext('patchWorkload', new Error('admission webhook denied'));

    // Act
    const result = await promoteSpare(state, h.deps);

    // Assess
    expect(result).toMatchObject({
      status: 'not-promoted',
      reason: 'promotion-failed',
      spare: { nodeName: SPARE_A },
    });
    expect(result.detail).toContain('admission webhook denied');
    expect(suspendValue(h.kube, 'Job', 'train')).toBe(true);
    const spare = h.kube.nodes.get(SPARE_A);
    expect(spare?.metadata.labels?.['hyperpod-resilience.io/spare']).toBe('ready');
    expect(spare?.metadata.annotations?.['hyperpod-resilience.io/spare-claimed-by']).toBeUndefined();
    expect(spare?.spec?.taints).toEqual([
      { key: 'hyperpod-resilience.io/spare', value: 'pool', effect: 'NoSchedule' },
    ]);
    expect(await h.ledger.listSpareClaims(CLUSTER.name, '2026-11-29T10:05:00.000Z')).toEqual([]);
  });

  it('tries a toleration the API refuses as invalid again until the job controller lets it change', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'Job', 'train', [NODE]);
    const state = await suspended(h);
    const refused = new KubernetesRequestFailedError('HTTP 422 Invalid: field is immutable', {
      details: { statusCode: 422 },
    });
    h.kube.failNext('patchWorkload', refused, 2);

    // Act
    const result = await promoteSpare(state, h.deps);

    // Assess
    expect(result).toMatchObject({ status: 'promoted', resumed: [`Job/${NS}/train`] });
  });

  it('leaves a job whose template stays immutable to wait for the repair, and promotes nothing for it', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'Job', 'train', [NODE]);
    const state = await suspended(h);
    const refused = new KubernetesRequestFailedError('HTTP 422 Invalid: field is immutable', {
      details: { statusCode: 422 },
    });
    h.kube.failNext('patchWorkload', refused, 1);
    const impatient = createPromoteSpare(tolerationsDouble, { invalidRetryMs: 0, sleep: async () => {} });

    // Act
    const result = await impatient(state, h.deps);

    // Assess
    expect(result).toMatchObject({ status: 'not-promoted', reason: 'promotion-failed' });
    expect(result.detail).toContain('kind-cannot-change-tolerations');
    expect(suspendValue(h.kube, 'Job', 'train')).toBe(true);
    expect(h.kube.nodes.get(SPARE_A)?.metadata.labels?.['hyperpod-resilience.io/spare']).toBe('ready');
  });

  it('leaves a job whose kind cannot take the toleration suspended and moves the others', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'MPIJob', 'mpi', [NODE]);
    addJob(h.kube, 'JobSet', 'llm', [NODE]);
    const state = await suspended(h);

    // Act
    const result = await promoteSpare(state, h.deps);

    // Assess
    expect(result.resumed).toEqual([`JobSet/${NS}/llm`]);
    expect(result.notTolerated).toEqual([`MPIJob/${NS}/mpi: kind-cannot-change-tolerations`]);
    expect(suspendValue(h.kube, 'MPIJob', 'mpi')).toBe(true);
  });

  it('leaves a Kueue-managed job held and waiting for the repair (the real refusal: Kueue would recreate its Workload)', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'PyTorchJob', 'queued', [NODE], { labels: { 'kueue.x-k8s.io/queue-name': 'team-a' } });
    const state = {
      ...(await suspended(h)),
      suspension: {
        suspended: [{ kind: 'PyTorchJob', apiVersion: 'kubeflow.org/v1', namespace: NS, name: 'queued' }],
        joined: [],
        skipped: [],
      },
    } as IncidentState;

    // Act
    const result = await real(state, h.deps);

    // Assess
    expect(result).toMatchObject({ status: 'not-promoted', reason: 'not-applicable' });
    expect(result.notTolerated).toEqual([`PyTorchJob/${NS}/queued: kueue-managed`]);
    expect(h.kube.nodes.get(SPARE_A)?.metadata.labels?.['hyperpod-resilience.io/spare']).toBe('ready');
  });

  it('promotes nothing when no suspended job can take the toleration', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'MPIJob', 'mpi', [NODE]);
    const state = await suspended(h);

    // Act
    const result = await promoteSpare(state, h.deps);

    // Assess
    expect(result).toMatchObject({ status: 'not-promoted', reason: 'not-applicable' });
    expect(h.kube.nodes.get(SPARE_A)?.metadata.labels?.['hyperpod-resilience.io/spare']).toBe('ready');
  });

  it('keeps a job another incident also holds suspended: it is only released', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'Job', 'train', [NODE, OTHER_NODE]);
    const first = await suspended(h, 'inc-1', NODE);
    await suspended(h, 'inc-2', OTHER_NODE);

    // Act
    const result = await promoteSpare(first, h.deps);

    // Assess
    expect(result).toMatchObject({ status: 'promoted', resumed: [], released: [`Job/${NS}/train`] });
    expect(suspendValue(h.kube, 'Job', 'train')).toBe(true);
  });

  it('evicts borrowers from the spare first when borrowing is on', async () => {
    // Prepare
    const h = setup({ borrowing: true });
    addJob(h.kube, 'Job', 'train', [NODE]);
    h.kube.addPod(runningPod('borrower', SPARE_A, [], { 'hyperpod-resilience.io/borrow-spare': 'true' }));
    h.kube.addPod(runningPod('daemon', SPARE_A));
    const state = await suspended(h);

    // Act
    const result = await promoteSpare(state, h.deps);

    // Assess
    expect(result.borrowers?.evicted).toEqual([`${NS}/borrower`]);
    expect(h.kube.pods.has(`Pod/${NS}/daemon`)).toBe(true);
  });

  it('releases the claim when the incident is recorded', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'Job', 'train', [NODE]);
    const state = await suspended(h);
    const promotion = await promoteSpare(state, h.deps);

    // Act
    await recordOutcome({ ...state, promotion }, h.deps);

    // Assess
    expect(await h.ledger.listSpareClaims(CLUSTER.name, '2026-11-29T10:05:00.000Z')).toEqual([]);
    expect(h.kube.nodes.get(SPARE_A)?.metadata.labels?.['hyperpod-resilience.io/spare']).toBe('promoted');
  });
});

describe('Task: RestoreNode, after a promotion', () => {
  const REPLACEMENT = 'hyperpod-i-0a1b2c3d4e5f6000c';

  it('lifts the quarantine and makes the repaired node a ready spare in the same patch', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'Job', 'train', [NODE]);
    const admitted = await suspended(h);
    await quarantineNode(admitted, h.deps);
    const promotion = await promoteSpare(admitted, h.deps);
    const before = h.kube.mutations.length;

    // Act
    const result = await restoreNode(
      { ...admitted, promotion, verification: { status: 'passed', reason: 'quick check passed' } },
      h.deps,
    );

    // Assess
    expect(result).toEqual({
      status: 'restored',
      nodeName: NODE,
      joinedPool: { nodeName: NODE, verified: 'quick-check-passed' },
    });
    expect(h.kube.mutations.slice(before).filter((m) => m.method === 'patchNode')).toHaveLength(1);
    const node = h.kube.nodes.get(NODE);
    expect(node?.spec?.unschedulable).toBe(false);
    expect(node?.spec?.taints).toEqual([
      { key: 'hyperpod-resilience.io/spare', value: 'pool', effect: 'NoSchedule' },
    ]);
    expect(node?.metadata.labels?.['hyperpod-resilience.io/spare']).toBe('ready');
    expect(node?.metadata.annotations?.['hyperpod-resilience.io/spare-verified']).toBe('quick-check-passed');
    expect(node?.metadata.annotations?.['hyperpod-resilience.io/quarantined-by']).toBeUndefined();
  });

  it('marks the replacement a ready spare (not-verified when no check ran)', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'Job', 'train', [NODE]);
    addNode(h.kube, REPLACEMENT);
    const admitted = await suspended(h);
    const promotion = await promoteSpare(admitted, h.deps);
    const back = { clusterName: CLUSTER.name, instanceId: instanceOf(REPLACEMENT), nodeName: REPLACEMENT };

    // Act
    const result = await restoreNode(
      {
        ...admitted,
        promotion,
        await: { pollSeconds: 30, attempts: 3, status: 'ready', node: back },
        verification: { status: 'not-verified', reason: 'quick checks disabled' },
      },
      h.deps,
    );

    // Assess
    expect(result).toEqual({
      status: 'node-replaced',
      nodeName: REPLACEMENT,
      joinedPool: { nodeName: REPLACEMENT, verified: 'not-verified' },
    });
    const node = h.kube.nodes.get(REPLACEMENT);
    expect(node?.metadata.labels?.['hyperpod-resilience.io/spare']).toBe('ready');
    expect(node?.metadata.annotations?.['hyperpod-resilience.io/spare-verified']).toBe('not-verified');
  });

  it('returns the node to general scheduling as before when no spare was promoted', async () => {
    // Prepare
    const h = setup({ pools: false });
    addJob(h.kube, 'Job', 'train', [NODE]);
    const admitted = await suspended(h);
    await quarantineNode(admitted, h.deps);
    const promotion = await promoteSpare(admitted, h.deps);

    // Act
    const result = await restoreNode({ ...admitted, promotion }, h.deps);

    // Assess
    expect(result).toEqual({ status: 'restored', nodeName: NODE });
    expect(h.kube.nodes.get(NODE)?.metadata.labels?.['hyperpod-resilience.io/spare']).toBeUndefined();
  });

  it('does not make a node another incident still quarantines a spare', async () => {
    // Prepare
    const h = setup();
    addJob(h.kube, 'Job', 'train', [NODE]);
    const admitted = await suspended(h);
    await openIncident(h.ledger, 'inc-other');
    await quarantineNode({ ...admitted, incidentId: 'inc-other' }, h.deps);
    const promotion = await promoteSpare(admitted, h.deps);

    // Act
    const result = await restoreNode({ ...admitted, promotion }, h.deps);

    // Assess
    expect(result.joinedPool).toBeUndefined();
    expect(h.kube.nodes.get(NODE)?.metadata.labels?.['hyperpod-resilience.io/spare']).toBeUndefined();
  });
});
