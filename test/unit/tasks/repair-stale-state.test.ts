import { describe, expect, it } from 'vitest';
import { planQuarantine, QUARANTINE_TAINT_KEY } from '#domain/quarantine.ts';
import { repairStaleState } from '#functions/tasks/repair-stale-state.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeName } from '../../integration/harness.ts';

const [NODE_A] = INSTANCES as [string];
type Harness = ReturnType<typeof makeHarness>;

const quarantine = async (h: Harness, holder: string) => {
  const node = h.kube.nodes.get(nodeName(NODE_A))!;
  await h.kube.patchNode(
    node.metadata.name,
    planQuarantine(node, { incidentId: holder, reason: 'xid-79', now: '2026-11-29T01:00:00Z' }).patch,
  );
};
const incident = (h: Harness, incidentId: string, startedAt: string, status = 'open') =>
  h.ledger.createIncident({
    incidentId,
    clusterName: CLUSTER.name,
    instanceId: NODE_A,
    trigger: {},
    status,
    startedAt,
    actions: [],
  });
const repair = (h: Harness, item: Record<string, unknown>) =>
  repairStaleState(
    { clusterName: CLUSTER.name, eksClusterName: CLUSTER.eksClusterName, repair: item },
    h.deps,
  );
const staleQuarantine = {
  kind: 'stale-quarantine',
  nodeName: nodeName(NODE_A),
  instanceId: NODE_A,
  holder: 'inc-1',
  detail: 'stale',
};

describe('Function: repairStaleState', () => {
  it.each([
    {
      case: 'the node is gone',
      arrange: async (h: Harness) => {
        h.kube.nodes.delete(nodeName(NODE_A));
      },
      expected: { status: 'nothing-to-do', detail: `node ${nodeName(NODE_A)} is gone` },
    },
    {
      case: 'the quarantine was lifted meanwhile',
      arrange: async () => {},
      expected: { status: 'nothing-to-do', detail: `node ${nodeName(NODE_A)} is no longer quarantined` },
    },
    {
      case: 'another incident quarantined the node since the sweep',
      arrange: (h: Harness) => quarantine(h, 'inc-2'),
      expected: {
        status: 'kept',
        detail: `the quarantine of ${nodeName(NODE_A)} changed hands since the sweep (inc-2)`,
      },
    },
    {
      case: 'its incident is in flight after all',
      arrange: async (h: Harness) => {
        await quarantine(h, 'inc-1');
        await incident(h, 'inc-1', '2026-11-29T09:59:00.000Z');
      },
      expected: { status: 'kept', detail: 'incident inc-1 is in flight again' },
    },
    {
      case: 'the node is short of GPUs',
      arrange: async (h: Harness) => {
        await quarantine(h, 'inc-1');
        h.kube.nodes.get(nodeName(NODE_A))!.status!.allocatable = { 'nvidia.com/gpu': '5' };
      },
      expected: {
        status: 'kept',
        detail: `node ${nodeName(NODE_A)} still looks unhealthy (only 5 of 8 GPUs allocatable): left quarantined`,
      },
    },
    {
      case: 'the node is not Ready',
      arrange: async (h: Harness) => {
        await quarantine(h, 'inc-1');
        h.kube.nodes.get(nodeName(NODE_A))!.status!.conditions = [{ type: 'Ready', status: 'False' }];
      },
      expected: {
        status: 'kept',
        detail: `node ${nodeName(NODE_A)} still looks unhealthy (not Ready): left quarantined`,
      },
    },
  ])('leaves the quarantine when $case', async ({ arrange, expected }) => {
    // Prepare
    const h = makeHarness();
    await arrange(h);

    // Act
    const result = await repair(h, staleQuarantine);

    // Assess
    expect(result).toEqual({ kind: 'stale-quarantine', ...expected });
  });

  it('lifts an ownerless taint but keeps the cordon, which nothing proves ours', async () => {
    // Prepare
    const h = makeHarness();
    await quarantine(h, 'inc-1');
    const node = h.kube.nodes.get(nodeName(NODE_A))!;
    delete node.metadata.annotations?.['hyperpod-resilience.io/quarantined-by'];

    // Act
    const result = await repair(h, { ...staleQuarantine, holder: undefined });

    // Assess
    expect(result.status).toBe('repaired');
    expect(result.detail).toContain('the cordon was not ours: kept');
    const after = h.kube.nodes.get(nodeName(NODE_A));
    expect(after?.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY)).toBe(false);
    expect(after?.spec?.unschedulable).toBe(true);
  });

  it('only says which jobs it would release in observe mode', async () => {
    // Prepare
    const h = makeHarness({ policy: { mode: 'observe' } });

    // Act
    const result = await repair(h, {
      kind: 'stale-suspensions',
      workloads: ['Job training/eval'],
      detail: 'stale',
    });

    // Assess
    expect(result).toEqual({
      kind: 'stale-suspensions',
      status: 'would-repair',
      detail: 'would release Job training/eval',
    });
  });

  it('finds nothing to release when the jobs were resumed since the sweep', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('Job', 'eval', [nodeName(NODE_A)]);

    // Act
    const result = await repair(h, {
      kind: 'stale-suspensions',
      workloads: ['Job training/eval'],
      detail: 'stale',
    });

    // Assess
    expect(result).toEqual({
      kind: 'stale-suspensions',
      status: 'nothing-to-do',
      detail: 'no stale holder left among 0 suspended job(s)',
    });
  });

  it.each([
    {
      case: 'it was closed meanwhile',
      status: 'resolved',
      startedAt: '2026-11-29T01:00:00.000Z',
      expected: 'nothing-to-do',
    },
    {
      case: 'it is within its deadline',
      status: 'open',
      startedAt: '2026-11-29T09:00:00.000Z',
      expected: 'kept',
    },
  ])('does not close an overdue incident when $case', async ({ status, startedAt, expected }) => {
    // Prepare
    const h = makeHarness();
    await incident(h, 'inc-1', startedAt, status);

    // Act
    const result = await repair(h, {
      kind: 'incident-overdue',
      incidentId: 'inc-1',
      startedAt,
      detail: 'late',
    });

    // Assess
    expect(result.status).toBe(expected);
    expect(h.notifier.notifications).toEqual([]);
  });

  it('rejects an unknown repair kind as invalid input', async () => {
    // Prepare
    const h = makeHarness();

    // Act
    const error = await repair(h, { kind: 'format-disk' }).catch((e: unknown) => e);

    // Assess
    expect((error as Error).name).toBe('InvalidInputError');
  });
});
