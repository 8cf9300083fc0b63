/**
 * The hot-spare pool end to end on a real control plane (kube-apiserver, kube-scheduler, the Job
 * controller and kwok nodes): the health sweep under our RBAC and admission policies takes an
 * idle node, verifies it by a quick-check Job and marks it a `ready` spare; the real scheduler
 * then keeps a plain pod off it (the pool taint), while a node running work is never taken.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SPARE_SINCE_ANNOTATION,
  SPARE_STATE_LABEL,
  SPARE_TAINT_KEY,
  SPARE_VERIFIED_ANNOTATION,
} from '#domain/spares.ts';
import { type LocalEnvironment, passingVerdict, startLocalEnvironment } from '#local/environment.ts';
import { poll } from '#local/poll.ts';
import { LocalExecutions, runHealthSweep } from '#local/runner.ts';
import { testbedKubeConfig } from '#local/testbed/kube-admin.ts';

const CLUSTER = `sp-${randomBytes(2).toString('hex')}`;
const NAMESPACE = 'default';
let env: LocalEnvironment;
let core: CoreV1Api;

const instances = () =>
  [...(env.simulator.getCluster(CLUSTER)?.nodes ?? [])]
    .filter((n) => n.status === 'Running')
    .sort((a, b) => a.nodeName.localeCompare(b.nodeName));

/** A plain pod pinned by node selector to one node (the hostname label), no toleration of ours. */
const podOn = (name: string, nodeName: string): V1Pod => ({
  metadata: { name, namespace: NAMESPACE },
  spec: {
    nodeSelector: { 'kubernetes.io/hostname': nodeName },
    // kwok's nodes run anything; the test-bed nodes carry no taint but ours.
    containers: [{ name: 'c', image: 'registry.example.com/busybox:1' }],
  },
});

const readPod = (name: string) => core.readNamespacedPod({ name, namespace: NAMESPACE });

beforeAll(async () => {
  env = await startLocalEnvironment({
    cluster: {
      name: CLUSTER,
      nodeRecovery: 'None',
      instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: 3 }],
    },
    policy: { mode: 'act', maxParallel: { absolute: 3, percent: 100 } },
    healthChecks: {
      quick: {
        enabled: true,
        image:
          'registry.example.com/hpr/health-checks@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        pollSeconds: 1,
        timeoutSeconds: 120,
        unschedulableGraceSeconds: 60,
      },
    },
    spares: { pools: [{ cluster: CLUSTER, instanceGroup: 'workers', count: 1 }] },
    timings: { rebootMs: 1000, replaceMs: 1500, shutdownMs: 300, nodeJoinMs: 300, healthCheckMs: 1000 },
    pollMs: 200,
    healthCheckVerdicts: (check) => ({ verdict: passingVerdict(check) }),
    log: (line) => process.stderr.write(`[spare-pool e2e] ${line}\n`),
  });
  core = testbedKubeConfig(env.controlPlane, env.controlPlane.adminToken).makeApiClient(CoreV1Api);
}, 300_000);

afterAll(async () => {
  await env?.stop();
});

describe('End to end: the hot-spare pool', () => {
  it('makes an idle node a verified ready spare whose taint keeps a plain pending pod off it, and never takes a node running work', async () => {
    // Prepare: a plain pod runs on the first node (the scheduler binds it), so only the second
    // and third are idle; the pool wants one spare.
    const [busy, idle, other] = instances().map((n) => ({ nodeName: n.nodeName })) as [
      { nodeName: string },
      { nodeName: string },
      { nodeName: string },
    ];
    await core.createNamespacedPod({ namespace: NAMESPACE, body: podOn('work', busy.nodeName) });
    const bound = await poll(async () => (await readPod('work')).spec?.nodeName === busy.nodeName, {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    expect(bound).toBe(true);

    // Act
    const executions = new LocalExecutions({ deps: env.deps });
    const sweep = await runHealthSweep({}, env.deps, { executions, waitMs: 200 });
    const started = await executions.settled();

    // Assess: the first idle node in name order is the spare, verified by a passed quick check.
    expect(sweep.status).toBe('SUCCEEDED');
    expect(started.map((r) => [r.machine, r.status])).toEqual([['health-check', 'SUCCEEDED']]);
    const spare = await env.admin.getNode(idle.nodeName);
    expect(spare?.metadata.labels?.[SPARE_STATE_LABEL]).toBe('ready');
    expect(spare?.metadata.annotations?.[SPARE_VERIFIED_ANNOTATION]).toBe('quick-check-passed');
    expect(spare?.metadata.annotations?.[SPARE_SINCE_ANNOTATION]).toBeDefined();
    expect(spare?.spec?.taints).toContainEqual({ key: SPARE_TAINT_KEY, value: 'pool', effect: 'NoSchedule' });
    for (const name of [busy.nodeName, other.nodeName]) {
      const node = await env.admin.getNode(name);
      expect(node?.metadata.labels?.[SPARE_STATE_LABEL]).toBeUndefined();
      expect(node?.spec?.taints?.some((t) => t.key === SPARE_TAINT_KEY) ?? false).toBe(false);
    }

    // Act: a plain pod that can only go to the spare, and one that can only go to the other idle node.
    await core.createNamespacedPod({ namespace: NAMESPACE, body: podOn('wants-spare', idle.nodeName) });
    await core.createNamespacedPod({ namespace: NAMESPACE, body: podOn('wants-other', other.nodeName) });

    // Assess: the real scheduler binds the second and reports the first unschedulable for our taint.
    const otherBound = await poll(
      async () => (await readPod('wants-other')).spec?.nodeName === other.nodeName,
      {
        timeoutMs: 30_000,
        intervalMs: 250,
      },
    );
    expect(otherBound).toBe(true);
    const refused = await poll(
      async () =>
        (await readPod('wants-spare')).status?.conditions?.find((c) => c.type === 'PodScheduled')?.reason ===
        'Unschedulable',
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(refused).toBe(true);
    const pending = await readPod('wants-spare');
    expect(pending.spec?.nodeName).toBeUndefined();
    // This kube-scheduler does not name the taint ("1 node(s) had untolerated taint(s)"): the
    // spare's only taint is ours, and the same pod tolerating it is bound to the spare.
    expect(pending.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toContain(
      'untolerated taint',
    );
    expect((await env.admin.getNode(idle.nodeName))?.spec?.taints?.map((t) => t.key)).toEqual([
      SPARE_TAINT_KEY,
    ]);
    const tolerating = podOn('tolerates-spare', idle.nodeName);
    tolerating.spec!.tolerations = [
      { key: SPARE_TAINT_KEY, operator: 'Equal', value: 'pool', effect: 'NoSchedule' },
    ];
    await core.createNamespacedPod({ namespace: NAMESPACE, body: tolerating });
    const tolerated = await poll(
      async () => (await readPod('tolerates-spare')).spec?.nodeName === idle.nodeName,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(tolerated).toBe(true);
  });
});
