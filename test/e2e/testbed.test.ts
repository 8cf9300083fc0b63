/**
 * The test bed itself, on the real tier-1 control plane of global-setup.ts: RBAC, Jobs, kwok
 * stages, KCM taints, PDB-guarded eviction and the SimKubeAdmin node lifecycle.
 */
import { randomBytes } from 'node:crypto';
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PolicyV1Api,
  type V1Job,
  type V1Pod,
  type V1PodTemplateSpec,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TRAINING_CRDS } from '#local/testbed/crds.ts';
import {
  createKubeAdmin,
  isApiStatus,
  mergePatch,
  type TestbedKubeAdmin,
  testbedKubeConfig,
} from '#local/testbed/kube-admin.ts';
import { SIM_OUTCOME, SIM_RUN_FOR, SIM_VERDICT } from '#local/testbed/kwok-stages.ts';
import { waitUntil } from './workloads-helpers.ts';

const tb = inject('testbed');
const cp = { server: tb.server, caData: tb.caData, adminToken: tb.adminToken };
const admin: TestbedKubeAdmin = createKubeAdmin(cp);
const core = admin.core;
const batch = testbedKubeConfig(cp, tb.adminToken).makeApiClient(BatchV1Api);
const policy = testbedKubeConfig(cp, tb.adminToken).makeApiClient(PolicyV1Api);
const rbacCore = testbedKubeConfig(cp, tb.rbacToken).makeApiClient(CoreV1Api);
const customs = testbedKubeConfig(cp, tb.adminToken).makeApiClient(CustomObjectsApi);
const rbacCustoms = testbedKubeConfig(cp, tb.rbacToken).makeApiClient(CustomObjectsApi);

const suffix = randomBytes(3).toString('hex');
const ns = `e2e-testbed-${suffix}`;

async function statusCodeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    for (const code of [400, 401, 403, 404, 409, 422, 429]) if (isApiStatus(err, code)) return code;
    throw err;
  }
}

let nodeCounter = 0;
async function newNode(gpus = 8): Promise<string> {
  nodeCounter += 1;
  const instanceId = `i-0${suffix}${String(nodeCounter).padStart(10, '0')}`;
  const name = `hyperpod-${instanceId}`;
  await admin.createNode({
    name,
    instanceId,
    instanceType: 'ml.p5.48xlarge',
    instanceGroupName: 'workers',
    clusterName: 'e2e',
    clusterId: 'e2eclusterid',
    gpus,
    bootId: `boot-${instanceId}-1`,
    region: 'us-west-2',
    availabilityZone: 'us-west-2a',
    availabilityZoneId: 'usw2-az1',
  });
  return name;
}

function podTemplate(node: string, annotations: Record<string, string> = {}, gpus = 0): V1PodTemplateSpec {
  return {
    metadata: { annotations },
    spec: {
      restartPolicy: 'Never',
      nodeSelector: { 'kubernetes.io/hostname': node },
      containers: [
        {
          name: 'main',
          image: 'sim.local/trainer:1',
          ...(gpus > 0 ? { resources: { limits: { 'nvidia.com/gpu': String(gpus) } } } : {}),
        },
      ],
    },
  };
}

async function createJob(name: string, template: V1PodTemplateSpec, parallelism = 1): Promise<V1Job> {
  return await batch.createNamespacedJob({
    namespace: ns,
    body: {
      metadata: { name },
      spec: { parallelism, completions: parallelism, backoffLimit: 0, template },
    },
  });
}

async function livePods(selector: string): Promise<V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace: ns, labelSelector: selector });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

const runningPods = async (selector: string, n: number) => {
  const pods = (await livePods(selector)).filter((p) => p.status?.phase === 'Running');
  return pods.length === n ? pods : undefined;
};

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
});

afterAll(async () => {
  // Tier 1 has the namespace controller; do not wait for it.
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('test bed (tier 1: etcd, kube-apiserver, KCM, scheduler, kwok)', () => {
  it('the API server enforces RBAC on our ClusterRole', async () => {
    const node = await newNode();
    // Allowed: list and patch nodes.
    const nodes = await rbacCore.listNode();
    expect(nodes.items.some((n) => n.metadata?.name === node)).toBe(true);
    await rbacCore.patchNode(
      { name: node, body: { metadata: { labels: { 'hyperpod-resilience.io/e2e-rbac': 'patched' } } } },
      mergePatch,
    );
    expect((await admin.getNode(node))?.metadata.labels?.['hyperpod-resilience.io/e2e-rbac']).toBe('patched');
    // Forbidden: deleting nodes and reading secrets.
    expect(await statusCodeOf(rbacCore.deleteNode({ name: node }))).toBe(403);
    expect(await statusCodeOf(rbacCore.listNamespacedSecret({ namespace: 'kube-system' }))).toBe(403);
    expect(await statusCodeOf(rbacCore.readNamespacedSecret({ name: 'anything', namespace: ns }))).toBe(403);
    expect(await admin.getNode(node)).toBeDefined();
  });

  it('a Job creates a pod that kwok runs', async () => {
    const node = await newNode();
    await createJob('runs', podTemplate(node, {}, 8));
    const [pod] = await waitUntil('a Running pod of job runs', () => runningPods('job-name=runs', 1));
    expect(pod?.spec?.nodeName).toBe(node);
    expect(pod?.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    expect(pod?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('suspending a batch Job deletes its pods and resuming recreates them', async () => {
    const node = await newNode();
    await createJob('suspendable', podTemplate(node), 2);
    const before = await waitUntil('2 Running pods', () => runningPods('job-name=suspendable', 2));

    await batch.patchNamespacedJob(
      { name: 'suspendable', namespace: ns, body: { spec: { suspend: true } } },
      mergePatch,
    );
    await waitUntil('pods deleted', async () => (await livePods('job-name=suspendable')).length === 0);
    const suspended = await waitUntil('Suspended condition', async () => {
      const job = await batch.readNamespacedJob({ name: 'suspendable', namespace: ns });
      return job.status?.conditions?.find((c) => c.type === 'Suspended' && c.status === 'True');
    });
    expect(suspended.status).toBe('True');

    await batch.patchNamespacedJob(
      { name: 'suspendable', namespace: ns, body: { spec: { suspend: false } } },
      mergePatch,
    );
    const after = await waitUntil('2 Running pods again', () => runningPods('job-name=suspendable', 2));
    const oldNames = new Set(before.map((p) => p.metadata?.name));
    expect(after.every((p) => !oldNames.has(p.metadata?.name))).toBe(true);
  });

  it("a cordoned node gets KCM's unschedulable taint", async () => {
    const node = await newNode();
    await core.patchNode({ name: node, body: { spec: { unschedulable: true } } }, mergePatch);
    const taint = await waitUntil('unschedulable taint', async () =>
      (await admin.getNode(node))?.spec?.taints?.find((t) => t.key === 'node.kubernetes.io/unschedulable'),
    );
    expect(taint.effect).toBe('NoSchedule');
    await core.patchNode({ name: node, body: { spec: { unschedulable: null } } }, mergePatch);
    await waitUntil('taint removed', async () =>
      (await admin.getNode(node))?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unschedulable')
        ? undefined
        : true,
    );
  });

  it('a gated pod succeeds with the verdict as termination message', async () => {
    const node = await newNode();
    const verdict = JSON.stringify({ healthy: true, checks: { dcgm: 'pass', nccl: 'pass' }, note: 'a: b' });
    await createJob('verdict-ok', podTemplate(node, { [SIM_VERDICT]: verdict, [SIM_RUN_FOR]: '1s' }));
    await waitUntil('Job Complete', async () => {
      const job = await batch.readNamespacedJob({ name: 'verdict-ok', namespace: ns });
      return job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');
    });
    const [pod] = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'job-name=verdict-ok' }))
      .items;
    expect(pod?.status?.phase).toBe('Succeeded');
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.exitCode).toBe(0);
    expect(terminated?.message).toBe(verdict);

    // The failing variant: Failed pod, Failed Job, exit code and verdict kept.
    await createJob(
      'verdict-bad',
      podTemplate(node, {
        [SIM_VERDICT]: 'XID 79: GPU fell off the bus',
        [SIM_OUTCOME]: 'fail',
        'sim.test/exit-code': '3',
      }),
    );
    await waitUntil('Job Failed', async () => {
      const job = await batch.readNamespacedJob({ name: 'verdict-bad', namespace: ns });
      return job.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True');
    });
    const [bad] = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'job-name=verdict-bad' }))
      .items;
    expect(bad?.status?.phase).toBe('Failed');
    expect(bad?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
    expect(bad?.status?.containerStatuses?.[0]?.state?.terminated?.message).toBe(
      'XID 79: GPU fell off the bus',
    );
  });

  it('setNodeReady(false) makes the node NotReady and setNodeReady(true, {bootId}) brings it back with the new bootID', async () => {
    const node = await newNode();
    // A second Ready node keeps KCM out of "all nodes not ready" disruption mode.
    await newNode();
    const ready = async () =>
      (await admin.getNode(node))?.status?.conditions?.find((c) => c.type === 'Ready');

    await admin.setNodeReady(node, false);
    expect((await ready())?.status).toBe('False');
    await waitUntil('not-ready taint', async () =>
      (await admin.getNode(node))?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready'),
    );
    // kwok must not flip it back.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await ready())?.status).toBe('False');

    await admin.setNodeReady(node, true, { bootId: 'boot-after-reboot' });
    const back = await waitUntil('Ready=True', async () =>
      (await ready())?.status === 'True' ? true : undefined,
    );
    expect(back).toBe(true);
    await waitUntil('not-ready taint removed', async () =>
      (await admin.getNode(node))?.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/not-ready'))
        ? undefined
        : true,
    );
    await new Promise((r) => setTimeout(r, 2000));
    const after = await admin.getNode(node);
    expect(after?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(after?.status?.nodeInfo?.bootID).toBe('boot-after-reboot');
  });

  it('eviction of a pod under a PDB with minAvailable is refused (429)', async () => {
    const node = await newNode();
    for (const i of [0, 1]) {
      await core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: `guarded-${i}`, labels: { app: 'guarded' } },
          spec: { nodeName: node, containers: [{ name: 'main', image: 'sim.local/trainer:1' }] },
        },
      });
    }
    await waitUntil('2 Running pods', () => runningPods('app=guarded', 2));
    await policy.createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: {
        metadata: { name: 'guarded' },
        spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } },
      },
    });
    await waitUntil('PDB status observed', async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'guarded', namespace: ns });
      return pdb.status?.observedGeneration === pdb.metadata?.generation && pdb.status?.currentHealthy === 2;
    });
    // Evict as our ClusterRole's group (pods/eviction create).
    const evict = (name: string) =>
      rbacCore.createNamespacedPodEviction({
        name,
        namespace: ns,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } },
      });
    expect(await statusCodeOf(evict('guarded-0'))).toBe(429);

    // With room in the budget the same eviction goes through and kwok removes the pod.
    await policy.patchNamespacedPodDisruptionBudget(
      { name: 'guarded', namespace: ns, body: { spec: { minAvailable: 1 } } },
      mergePatch,
    );
    await waitUntil('disruptionsAllowed 1', async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'guarded', namespace: ns });
      return (
        pdb.status?.observedGeneration === pdb.metadata?.generation && pdb.status?.disruptionsAllowed === 1
      );
    });
    expect(await statusCodeOf(evict('guarded-0'))).toBe(200);
    await waitUntil('evicted pod gone', async () =>
      statusCodeOf(core.readNamespacedPod({ name: 'guarded-0', namespace: ns })).then((c) => c === 404),
    );
  });

  it('our training-job CRDs are served, with status and PyTorchJob scale subresources, and our role may patch them', async () => {
    for (const crd of TRAINING_CRDS) {
      const ref = { group: crd.group, version: crd.version, namespace: ns, plural: crd.plural };
      const name = `${crd.singular}-1`;
      await customs.createNamespacedCustomObject({
        ...ref,
        body: {
          apiVersion: `${crd.group}/${crd.version}`,
          kind: crd.kind,
          metadata: { name },
          spec: { runPolicy: { suspend: false }, pytorchReplicaSpecs: { Worker: { replicas: 2 } } },
        },
      });
      const listed = await rbacCustoms.listNamespacedCustomObject(ref);
      expect(listed.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toContain(name);
      await rbacCustoms.patchNamespacedCustomObject(
        { ...ref, name, body: { spec: { runPolicy: { suspend: true } } } },
        mergePatch,
      );
      // Status goes through the /status subresource (as a controller would write it).
      await customs.patchNamespacedCustomObjectStatus(
        { ...ref, name, body: { status: { conditions: [{ type: 'Suspended', status: 'True' }] } } },
        mergePatch,
      );
      const got = await customs.getNamespacedCustomObject({ ...ref, name });
      expect(got.spec.runPolicy.suspend).toBe(true);
      expect(got.status.conditions[0].type).toBe('Suspended');
      expect(await statusCodeOf(rbacCustoms.deleteNamespacedCustomObject({ ...ref, name }))).toBe(403);
      if (crd.scale) {
        const scale = await customs.getNamespacedCustomObjectScale({ ...ref, name });
        expect(scale.spec.replicas).toBe(2);
      }
    }
  });

  it('the kube admin creates HyperPod-like nodes, relabels them, lowers GPUs and deletes them with their pods', async () => {
    const node = await newNode(8);
    const created = await admin.getNode(node);
    // The HyperPod providerID shape (aws/amazon-vpc-cni-k8s hyperpod_common.go:
    // "aws:///<az>/sagemaker/cluster/hyperpod-<clusterID>-<instanceID>"), with an AZ id.
    expect(created?.spec?.providerID).toBe(
      `aws:///usw2-az1/sagemaker/cluster/hyperpod-e2eclusterid-${node.slice('hyperpod-'.length)}`,
    );
    expect(created?.metadata.labels).toMatchObject({
      'kubernetes.io/hostname': node,
      'node.kubernetes.io/instance-type': 'ml.p5.48xlarge',
      'nvidia.com/gpu.present': 'true',
      'sagemaker.amazonaws.com/node-health-status': 'Schedulable',
      'sagemaker.amazonaws.com/instance-group-name': 'workers',
      'sagemaker.amazonaws.com/cluster-name': 'e2e',
      'sagemaker.amazonaws.com/compute-type': 'hyperpod',
      'topology.k8s.aws/zone-id': 'usw2-az1',
      'topology.kubernetes.io/zone': 'us-west-2a',
      'topology.kubernetes.io/region': 'us-west-2',
    });
    expect(created?.metadata.annotations?.['kwok.x-k8s.io/node']).toBe('fake');
    expect(created?.status?.capacity).toMatchObject({
      cpu: '192',
      memory: '2Ti',
      pods: '110',
      'nvidia.com/gpu': '8',
    });
    expect(created?.status?.nodeInfo?.bootID).toMatch(/^boot-i-0/);
    expect(created?.spec?.taints ?? []).toEqual([]);
    expect((await admin.listNodes()).some((n) => n.metadata.name === node)).toBe(true);

    await admin.setNodeLabels(node, {
      'sagemaker.amazonaws.com/node-health-status': 'UnschedulablePendingReboot',
      'nvidia.com/gpu.present': null,
    });
    const relabelled = await admin.getNode(node);
    expect(relabelled?.metadata.labels?.['sagemaker.amazonaws.com/node-health-status']).toBe(
      'UnschedulablePendingReboot',
    );
    expect(relabelled?.metadata.labels).not.toHaveProperty('nvidia.com/gpu.present');

    await admin.setGpuAllocatable(node, 7);
    await new Promise((r) => setTimeout(r, 1000));
    const lowered = await admin.getNode(node);
    expect(lowered?.status?.allocatable?.['nvidia.com/gpu']).toBe('7');
    expect(lowered?.status?.capacity?.['nvidia.com/gpu']).toBe('8');

    await createJob('on-doomed-node', podTemplate(node));
    await waitUntil('Running pod', () => runningPods('job-name=on-doomed-node', 1));
    await admin.deleteNode(node);
    expect(await admin.getNode(node)).toBeUndefined();
    await waitUntil('pods of the deleted node gone', async () => {
      const pods = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
      return pods.items.length === 0;
    });
    await admin.deleteNode(node); // idempotent
  });
});
