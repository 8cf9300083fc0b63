import { describe, expect, it } from 'vitest';
import { policySchema } from '#contracts/config/policy.ts';
import { drainPods } from '#functions/tasks/evict-pods.ts';
import { discoverWorkloads } from '#functions/tasks/workloads.ts';
import { addControllerPod, addNode, makeDeps, NODE, NS, runningPod, START } from './helpers.ts';

const OPT_OUT = 'hyperpod-resilience.io/opt-out';
const eviction = (
  overrides: Partial<ReturnType<typeof policySchema.parse>['workloads']['eviction']> = {},
) => ({
  ...policySchema.parse({}).workloads.eviction,
  ...overrides,
});

/** Drains the node's pods with a clock that advances `stepMs` per sleep (no real waiting). */
const drain = async (h: ReturnType<typeof makeDeps>, overrides: Parameters<typeof eviction>[0] = {}) => {
  const { pods } = await discoverWorkloads(h.kube, NODE);
  const sleeps: number[] = [];
  const outcome = await drainPods(h.kube, NODE, pods, {
    optOutAnnotation: OPT_OUT,
    eviction: eviction(overrides),
    now: h.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      h.advance(ms);
    },
  });
  return { outcome, sleeps };
};

describe('Function: drainPods', () => {
  it('evicts plain, Deployment and StatefulSet pods through the eviction API and leaves DaemonSet pods', async () => {
    // Prepare
    const h = makeDeps();
    addNode(h.kube, NODE);
    h.kube.addPod(runningPod('plain', NODE));
    addControllerPod(h.kube, 'Deployment', 'web', NODE);
    addControllerPod(h.kube, 'StatefulSet', 'db', NODE);
    addControllerPod(h.kube, 'DaemonSet', 'dcgm', NODE);

    // Act
    const { outcome } = await drain(h);

    // Assess
    expect(outcome.evicted.sort()).toEqual([`${NS}/db-0`, `${NS}/plain`, `${NS}/web-0`]);
    expect(outcome.skipped).toEqual([{ pod: `${NS}/dcgm-0`, reason: 'daemonset' }]);
    expect(outcome.forceDeleted).toEqual([]);
    expect(h.kube.mutations.filter((m) => m.method === 'evictPod')).toHaveLength(3);
    expect(h.kube.mutations.some((m) => m.method === 'deletePod')).toBe(false);
  });

  it('honours a PodDisruptionBudget: a blocked pod on a live node is asked again, then left with the reason', async () => {
    // Prepare
    const h = makeDeps();
    addNode(h.kube, NODE, 'True');
    addControllerPod(h.kube, 'Deployment', 'web', NODE);
    h.kube.evictionBlocked.add(`${NS}/web-0`);

    // Act
    const { outcome, sleeps } = await drain(h, { timeoutSeconds: 30, pollSeconds: 5 });

    // Assess
    expect(outcome.evicted).toEqual([]);
    expect(outcome.remaining).toHaveLength(1);
    expect(outcome.remaining[0]?.reason).toContain('disruption budget');
    expect(outcome.remaining[0]?.reason).toContain('node is Ready');
    expect(outcome.node?.dead).toBe(false);
    expect(sleeps.length).toBeGreaterThan(2);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(5000);
    expect(h.kube.pods.has(`Pod/${NS}/web-0`)).toBe(true);
  });

  it('a blocked eviction that the budget later allows goes through', async () => {
    // Prepare
    const h = makeDeps();
    addNode(h.kube, NODE);
    addControllerPod(h.kube, 'Deployment', 'web', NODE);
    h.kube.evictionBlocked.add(`${NS}/web-0`);
    const evict = h.kube.evictPod.bind(h.kube);
    let calls = 0;
    h.kube.evictPod = async (ref, options) => {
      calls += 1;
      if (calls === 3) h.kube.evictionBlocked.clear();
      return evict(ref, options);
    };

    // Act
    const { outcome } = await drain(h);

    // Assess
    expect(outcome.evicted).toEqual([`${NS}/web-0`]);
    expect(outcome.remaining).toEqual([]);
  });

  it('force-deletes what is left after the timeout only when the node is confirmed dead', async () => {
    // Prepare
    const h = makeDeps();
    addNode(h.kube, NODE, 'Unknown', '2026-11-29T09:50:00.000Z');
    h.kube.addPod(runningPod('stuck', NODE));
    addControllerPod(h.kube, 'StatefulSet', 'db', NODE);
    h.kube.stuckTerminating.add(`${NS}/stuck`);
    h.kube.evictionBlocked.add(`${NS}/db-0`);

    // Act
    const { outcome } = await drain(h, { timeoutSeconds: 20 });

    // Assess
    expect(outcome.evicted).toEqual([`${NS}/stuck`]);
    expect(outcome.forceDeleted.sort()).toEqual([`${NS}/db-0`, `${NS}/stuck`]);
    expect(outcome.node?.dead).toBe(true);
    expect(h.kube.mutations.filter((m) => m.method === 'deletePod').map((m) => m.patch)).toEqual([
      { gracePeriodSeconds: 0 },
      { gracePeriodSeconds: 0 },
    ]);
    expect([...h.kube.pods.keys()].filter((k) => k.includes(NS))).toEqual([]);
  });

  it('never force-deletes when the policy forbids it, even on a dead node', async () => {
    // Prepare
    const h = makeDeps();
    h.kube.addPod(runningPod('stuck', NODE));
    h.kube.stuckTerminating.add(`${NS}/stuck`);

    // Act
    const { outcome } = await drain(h, { timeoutSeconds: 0, forceDeleteOnDeadNode: false });

    // Assess
    expect(outcome.forceDeleted).toEqual([]);
    expect(outcome.remaining).toEqual([
      { pod: `${NS}/stuck`, reason: 'still terminating; force delete disabled by policy' },
    ]);
  });

  it('keeps pods that opted out and counts a pod recreated under the same name as gone', async () => {
    // Prepare
    const h = makeDeps();
    addNode(h.kube, NODE);
    h.kube.addPod(runningPod('keep', NODE, [], { [OPT_OUT]: 'true' }));
    addControllerPod(h.kube, 'StatefulSet', 'db', NODE);
    h.kube.stuckTerminating.add(`${NS}/db-0`);
    const list = h.kube.listPods.bind(h.kube);
    let lists = 0;
    h.kube.listPods = async (options) => {
      lists += 1;
      // The StatefulSet controller replaced the pod: same name, new uid.
      if (lists === 3)
        h.kube.pods.set(`Pod/${NS}/db-0`, {
          ...runningPod('db-0', NODE),
          metadata: { name: 'db-0', namespace: NS, uid: 'new' },
        });
      return list(options);
    };

    // Act
    const { outcome } = await drain(h);

    // Assess
    expect(outcome.skipped).toEqual([{ pod: `${NS}/keep`, reason: 'opted-out' }]);
    expect(outcome.evicted).toEqual([`${NS}/db-0`]);
    expect(outcome.remaining).toEqual([]);
  });

  it('counts a pod deleted before its eviction as gone', async () => {
    // Prepare
    const h = makeDeps();
    h.kube.addPod(runningPod('p', NODE));
    const { pods } = await discoverWorkloads(h.kube, NODE);
    const evict = h.kube.evictPod.bind(h.kube);
    h.kube.evictPod = async (ref) => {
      h.kube.pods.delete(`Pod/${NS}/p`);
      return evict(ref);
    };

    // Act
    const outcome = await drainPods(h.kube, NODE, pods, {
      optOutAnnotation: OPT_OUT,
      eviction: eviction(),
      now: () => START,
    });

    // Assess
    expect(outcome).toMatchObject({ evicted: [], remaining: [], forceDeleted: [] });
  });
});
