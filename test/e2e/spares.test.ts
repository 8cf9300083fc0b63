/**
 * Hot-spare promotion end to end (docs/design/hot-spares.md): whole node-recovery executions on
 * the real control plane (tier 1: kube-apiserver with our RBAC and admission policies, the Job
 * controller, kube-scheduler, kwok; tier 2 unless HPR_TIER2=0: the JobSet controller and the
 * training-operator), every task under its own Lambda's Kubernetes identity, the HyperPod simulator
 * with a slow replacement. The job's pods are recreated by their controllers and placed by the real
 * scheduler: onto the spare only because of the toleration the promotion added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditAction } from '#adapters/ports.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';
import type { ExecutionReport } from '#local/runner.ts';
import {
  batchJob,
  jobSet,
  livePods,
  pytorchJob,
  startWorkloadsBed,
  TIER2,
  type WorkloadsBed,
  waitUntil,
} from './workloads-helpers.ts';

const SPARE_LABEL = 'hyperpod-resilience.io/spare';
const NAME = 'e2e-spares';

let bed: WorkloadsBed;

/** Marks node `index` a ready spare (as the pool's sweep leaves one), the oldest of the pool. */
const makeSpare = async (index: number) => {
  await bed.env.admin.patchNode(bed.nodes[index]!, {
    metadata: {
      labels: { [SPARE_LABEL]: 'ready' },
      annotations: {
        'hyperpod-resilience.io/spare-since': `2020-01-0${index % 9}T00:00:00.000Z`,
        'hyperpod-resilience.io/spare-verified': 'quick-check-passed',
      },
    },
    spec: { taints: [{ key: SPARE_LABEL, value: 'pool', effect: 'NoSchedule' }] },
  });
};

const running = async (app: string, count: number): Promise<KubePod[] | undefined> => {
  const pods = (await livePods(bed, app)).filter((p) => p.status?.phase === 'Running');
  return pods.length === count ? pods : undefined;
};

const actionsOf = async (report: { executionName: string }): Promise<AuditAction[]> =>
  (await bed.env.deps.ledger.getIncident(bed.clusterName, report.executionName))?.actions ?? [];

/**
 * Starts node-recovery for a fault on node `index` the way EventBridge would. The execution's
 * promise comes back wrapped: awaiting it here would wait for the whole incident.
 */
const fault = async (index: number, faultType: 'NvidiaErrorTerminate' | 'NvidiaErrorReboot') => {
  const event = await bed.env.simulator.injectFault({ instanceId: bed.instanceIds[index]!, faultType });
  const [execution] = bed.env.dispatch(event);
  if (!execution) throw new Error('no execution started');
  return { execution };
};

/**
 * A fault on node `a` of a two-node job of the given kind (pods allowed on a, b and the spare s):
 * the job resumes with a pod on the spare while a is still being replaced, a competing pod that
 * does not tolerate the claim never gets the spare, and the replacement joins the pool.
 */
const promotesAndJoins = async (
  kind: string,
  app: string,
  job: KubeObject,
  [a, b, s]: [number, number, number],
) => {
  await makeSpare(s);
  // A competing pod that wants the spare (no toleration): it waits, before and after the promotion.
  await bed.env.apply([
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${app}-competitor`, namespace: bed.ns, labels: { app: `${app}-competitor` } },
      spec: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: 'kubernetes.io/hostname', operator: 'In', values: [bed.nodes[s]!] },
                  ],
                },
              ],
            },
          },
        },
        containers: [{ name: 'main', image: 'sim.local/other:1' }],
      },
    },
    job,
  ]);
  const before = await waitUntil(`${app} running`, () => running(app, 2));
  expect(new Set(before.map((p) => p.spec?.nodeName))).toEqual(new Set([bed.nodes[a], bed.nodes[b]]));

  const { execution } = await fault(a, 'NvidiaErrorTerminate');
  // Resumed on the spare while the faulty node is still being replaced.
  let onSpareAt = 0;
  const after = await waitUntil(
    `${app} resumed on the spare`,
    async () => {
      const pods = await running(app, 2);
      if (!pods?.some((p) => p.spec?.nodeName === bed.nodes[s])) return undefined;
      onSpareAt = Date.now();
      return pods;
    },
    90_000,
  );
  const report: ExecutionReport = await execution;

  // Assess
  expect(new Set(after.map((p) => p.spec?.nodeName))).toEqual(new Set([bed.nodes[b], bed.nodes[s]]));
  expect(report.status).toBe('SUCCEEDED');
  const actions = await actionsOf(report);
  const promotion = actions.find((x) => x.type.startsWith('spare-'));
  expect(promotion?.type, JSON.stringify(promotion?.detail)).toBe('spare-promoted');
  // Promoted before the repair was requested (or awaited, when HyperPod recovers the node itself),
  // and the job ran on the spare before the replacement was back.
  const types = actions.map((x) => x.type);
  const at = (type: string) => Date.parse(actions.find((x) => x.type === type)?.at ?? '');
  expect(types.indexOf('spare-promoted'), types.join(',')).toBe(types.indexOf('workloads-suspended') + 1);
  expect(types.slice(-5), types.join(',')).toEqual([
    'node-ready',
    'verification-not-verified',
    'node-restored',
    'workloads-resumed',
    'recorded',
  ]);
  expect(onSpareAt).toBeGreaterThan(0);
  expect(onSpareAt, `on spare ${onSpareAt}, node ready ${at('node-ready')}: ${types.join(',')}`).toBeLessThan(
    at('node-ready'),
  );
  expect(actions.find((x) => x.type === 'spare-promoted')?.detail).toMatchObject({
    spare: bed.nodes[s],
    resumed: [`${kind}/${bed.ns}/${job.metadata.name}`],
  });
  const competitor = (await livePods(bed, `${app}-competitor`))[0];
  expect(competitor?.spec?.nodeName).toBeUndefined();
  expect(competitor?.status?.phase).toBe('Pending');
  const restored = actions.find((x) => x.type === 'node-restored')?.detail as {
    status: string;
    joinedPool?: { nodeName: string; verified: string };
  };
  expect(restored.status).toBe('node-replaced');
  const replacement = await bed.env.admin.getNode(restored.joinedPool?.nodeName ?? 'none');
  expect(replacement?.metadata.labels?.[SPARE_LABEL]).toBe('ready');
  expect(replacement?.spec?.taints).toEqual(
    expect.arrayContaining([{ key: SPARE_LABEL, value: 'pool', effect: 'NoSchedule' }]),
  );
  const spare = await bed.env.admin.getNode(bed.nodes[s]!);
  expect(spare?.metadata.labels?.[SPARE_LABEL]).toBe('promoted');
  // The promotion is in the spare's Events, as kubectl shows them (events are best-effort: this is
  // where a reason or action the API refuses would show up missing).
  const described = await bed.env.controlPlane.kubectl(['describe', 'node', bed.nodes[s]!]);
  expect(described.slice(described.indexOf('Events:'))).toMatch(
    new RegExp(`Normal\\s+SparePromoted\\s+.*Incident ${report.executionName}: promoted as hot spare`),
  );
};

beforeAll(async () => {
  bed = await startWorkloadsBed(NAME, {
    nodes: 13,
    policy: {
      awaitNode: { pollSeconds: 1, rebootTimeoutMinutes: 2, replaceTimeoutMinutes: 2 },
      maxParallel: { absolute: 2, percent: 50 },
      circuitBreaker: { maxNodesPerWindow: 100, windowMinutes: 1 },
    },
    spares: { pools: [{ cluster: NAME, instanceGroup: 'workers', count: 1 }] },
    // The replacement must outlast the promotion on a loaded 2-core CI machine: a batch Job that ran
    // takes the toleration only once its controller marked it Suspended (tried for up to 30 s).
    timings: { replaceMs: 25_000, shutdownMs: 500, nodeJoinMs: 300, rebootMs: 1500 },
  });
}, 240_000);

afterAll(async () => {
  await bed?.stop();
});

describe('Hot spares end to end (real control plane, our RBAC and admission policies)', () => {
  it('gives the one spare to one of two faults at once: one promotion, one no-spare', async () => {
    // Prepare
    await makeSpare(2);
    await bed.env.apply([
      batchJob(bed.ns, 'one', [bed.nodes[0]!, bed.nodes[2]!]),
      batchJob(bed.ns, 'two', [bed.nodes[1]!, bed.nodes[2]!]),
    ]);
    await waitUntil('one running', () => running('one', 1));
    await waitUntil('two running', () => running('two', 1));

    // Act
    const executions = await Promise.all([fault(0, 'NvidiaErrorReboot'), fault(1, 'NvidiaErrorReboot')]);
    const reports = await Promise.all(executions.map((e) => e.execution));

    // Assess
    expect(reports.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const outcomes = await Promise.all(
      reports.map(async (r) => {
        const actions = await actionsOf(r);
        return actions.some((x) => x.type === 'spare-promoted')
          ? 'promoted'
          : String(actions.find((x) => x.type === 'spare-not-promoted')?.detail?.reason);
      }),
    );
    expect(outcomes.sort()).toEqual(['no-spare', 'promoted']);
    expect(bed.env.metrics.filter((m) => m.name === 'SparePoolExhausted')).toHaveLength(1);
  });

  it.skipIf(!TIER2.trainingOperator)(
    'moves a multi-node PyTorchJob onto the spare while its faulty node is being replaced; the replacement joins the pool',
    async () => {
      const nodes: [number, number, number] = [3, 4, 5];
      await promotesAndJoins(
        'PyTorchJob',
        'llama',
        pytorchJob(
          bed.ns,
          'llama',
          nodes.map((i) => bed.nodes[i]!),
        ),
        nodes,
      );
    },
  );

  it.skipIf(!TIER2.jobset)('does the same for a JobSet', async () => {
    const nodes: [number, number, number] = [6, 7, 8];
    await promotesAndJoins(
      'JobSet',
      'ring',
      jobSet(
        bed.ns,
        'ring',
        nodes.map((i) => bed.nodes[i]!),
        2,
      ),
      nodes,
    );
  });

  it('does the same for a batch Job', async () => {
    const nodes: [number, number, number] = [9, 10, 11];
    await promotesAndJoins(
      'Job',
      'batch',
      batchJob(
        bed.ns,
        'batch',
        nodes.map((i) => bed.nodes[i]!),
        { pods: 2 },
      ),
      nodes,
    );
  });
});
