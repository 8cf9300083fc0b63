/**
 * Pods that belong to no job, on the real control plane (tier 1: the Deployment, ReplicaSet,
 * StatefulSet, DaemonSet and disruption controllers of kube-controller-manager, the scheduler,
 * kwok): SuspendWorkloads drains them through the eviction API, honouring PodDisruptionBudgets,
 * and force-deletes what is left after the timeout only on a node Kubernetes confirms dead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubePod } from '#domain/kube-types.ts';
import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';
import {
  livePods,
  openIncident,
  startWorkloadsBed,
  type WorkloadsBed,
  waitUntil,
} from './workloads-helpers.ts';

let bed: WorkloadsBed;
const OPT_OUT = 'hyperpod-resilience.io/opt-out';

const cordon = (index: number, unschedulable: boolean) =>
  bed.env.admin.patchNode(bed.nodes[index]!, { spec: { unschedulable: unschedulable ? true : null } });

const podSpec = (extra: Record<string, unknown> = {}) => ({
  containers: [{ name: 'main', image: 'sim.local/app:1' }],
  ...extra,
});

const deployment = (name: string, replicas: number, nodeSelector?: Record<string, string>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: bed.ns },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: podSpec(nodeSelector ? { nodeSelector } : {}) },
  },
});

const pdb = (name: string, minAvailable: number) => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name, namespace: bed.ns },
  spec: { minAvailable, selector: { matchLabels: { app: name } } },
});

/** Waits until the disruption controller has computed the budget. */
const budgetReady = (name: string, allowed: number) =>
  waitUntil(`PDB ${name} allows ${allowed}`, async () => {
    const budget = JSON.parse(
      await bed.env.controlPlane.kubectl(['get', 'pdb', name, '-n', bed.ns, '-o', 'json']),
    ) as {
      metadata: { generation?: number };
      status?: { observedGeneration?: number; disruptionsAllowed?: number };
    };
    return (
      budget.status?.observedGeneration === budget.metadata.generation &&
      budget.status?.disruptionsAllowed === allowed
    );
  });

const running = (app: string, count: number) =>
  waitUntil(`${app} running`, async () => {
    const pods = (await livePods(bed, app)).filter((p) => p.status?.phase === 'Running');
    return pods.length === count ? pods : undefined;
  });

const nodesOf = (pods: KubePod[]) => [...new Set(pods.map((p) => p.spec?.nodeName))];

beforeAll(async () => {
  bed = await startWorkloadsBed('e2e-evict', {
    nodes: 4,
    policy: { workloads: { eviction: { timeoutSeconds: 8, pollSeconds: 1, nodeDeadAfterSeconds: 0 } } },
  });
});

afterAll(async () => {
  await bed?.stop();
});

describe('SuspendWorkloads drains pods of no job (real control plane, our RBAC)', () => {
  it('evicts a plain pod (gone), Deployment and StatefulSet pods (recreated elsewhere by their controllers, within the PodDisruptionBudget) and keeps DaemonSet and opted-out pods', async () => {
    // Prepare: everything lands on node 0, then node 0 is cordoned as QuarantineNode does.
    for (const i of [1, 2, 3]) await cordon(i, true);
    await bed.env.apply([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'solo', namespace: bed.ns, labels: { app: 'solo' } },
        spec: podSpec(),
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'pinned',
          namespace: bed.ns,
          labels: { app: 'pinned' },
          annotations: { [OPT_OUT]: 'true' },
        },
        spec: podSpec(),
      },
      deployment('web', 2),
      pdb('web', 1),
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db', namespace: bed.ns },
        spec: {
          serviceName: 'db',
          replicas: 1,
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db' } }, spec: podSpec() },
        },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent', namespace: bed.ns },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: { metadata: { labels: { app: 'agent' } }, spec: podSpec() },
        },
      },
    ]);
    const web = await running('web', 2);
    await running('solo', 1);
    await running('pinned', 1);
    await running('db', 1);
    await budgetReady('web', 1);
    const agentOnNode0 = (await running('agent', 4)).find((p) => p.spec?.nodeName === bed.nodes[0]);
    expect(nodesOf(web)).toEqual([bed.nodes[0]]);
    for (const i of [1, 2, 3]) await cordon(i, false);
    await cordon(0, true);
    const state = await openIncident(bed, 'inc-drain', 0);

    // Act
    const result = await suspendWorkloads(state, bed.env.depsOf('suspend-workloads'));

    // Assess
    expect(result.pods?.evicted.sort()).toEqual(
      [`${bed.ns}/db-0`, `${bed.ns}/solo`, ...web.map((p) => `${bed.ns}/${p.metadata.name}`)].sort(),
    );
    expect(result.pods?.remaining).toEqual([]);
    expect(result.pods?.forceDeleted).toEqual([]);
    expect(result.pods?.skipped.sort((a, b) => a.pod.localeCompare(b.pod))).toEqual([
      { pod: `${bed.ns}/${agentOnNode0?.metadata.name}`, reason: 'daemonset' },
      { pod: `${bed.ns}/pinned`, reason: 'opted-out' },
    ]);
    expect(await livePods(bed, 'solo')).toEqual([]);
    const webAfter = await running('web', 2);
    expect(nodesOf(webAfter)).not.toContain(bed.nodes[0]);
    const dbAfter = await running('db', 1);
    expect(dbAfter[0]?.spec?.nodeName).not.toBe(bed.nodes[0]);
    expect((await livePods(bed, 'agent')).map((p) => p.metadata.uid)).toContain(agentOnNode0?.metadata.uid);
    expect((await livePods(bed, 'pinned'))[0]?.spec?.nodeName).toBe(bed.nodes[0]);
    await cordon(0, false);
  });

  it('leaves a pod its PodDisruptionBudget protects on a live node, and force-deletes it only once the node is confirmed dead', async () => {
    // Prepare
    const node = bed.nodes[2]!;
    for (const i of [0, 1, 2, 3]) await cordon(i, false);
    await bed.env.apply([deployment('guarded', 1, { 'kubernetes.io/hostname': node }), pdb('guarded', 1)]);
    const [pod] = await running('guarded', 1);
    await budgetReady('guarded', 0);
    await cordon(2, true);

    // Act: the node is alive (Ready), so the blocked pod stays.
    const alive = await suspendWorkloads(
      await openIncident(bed, 'inc-alive', 2),
      bed.env.depsOf('suspend-workloads'),
    );
    const stillThere = await livePods(bed, 'guarded');
    // The node dies: Kubernetes sees Ready=False.
    await bed.env.kubeAdmin.setNodeReady(node, false);
    await waitUntil('node NotReady', async () => {
      const n = await bed.env.admin.getNode(node);
      return n?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False';
    });
    const dead = await suspendWorkloads(
      await openIncident(bed, 'inc-dead', 2),
      bed.env.depsOf('suspend-workloads'),
    );

    // Assess
    expect(alive.pods?.remaining).toEqual([
      { pod: `${bed.ns}/${pod!.metadata.name}`, reason: expect.stringContaining('node not confirmed dead') },
    ]);
    expect(alive.pods?.remaining[0]?.reason).toMatch(/disruption budget/i);
    expect(alive.pods?.node?.dead).toBe(false);
    expect(stillThere.map((p) => p.metadata.uid)).toEqual([pod!.metadata.uid]);
    expect(dead.pods?.forceDeleted).toEqual([`${bed.ns}/${pod!.metadata.name}`]);
    expect(dead.pods?.node?.dead).toBe(true);
    await waitUntil('forced pod gone', async () =>
      (await livePods(bed, 'guarded')).every((p) => p.metadata.uid !== pod!.metadata.uid),
    );
    const record = await bed.env.deps.ledger.getIncident(bed.clusterName, 'inc-dead');
    expect(record?.actions.find((a) => a.type === 'workloads-suspended')?.detail?.pods).toMatchObject({
      forceDeleted: [`${bed.ns}/${pod!.metadata.name}`],
    });
    await bed.env.kubeAdmin.setNodeReady(node, true);
  });
});
