import { DescribeClusterCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryKubeAdmin } from '#local/simulator/memory-kube-admin.ts';
import { type Simulator, startSimulator } from '#local/simulator/server.ts';
import { clientsFor, rejectionOf } from './helpers.ts';

const HEALTH = 'sagemaker.amazonaws.com/node-health-status';

describe('Simulator: admin HTTP API under /_sim', () => {
  let sim: Simulator;
  const kube = new MemoryKubeAdmin();

  const admin = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}/_sim/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    sim = await startSimulator({
      clusters: [
        {
          name: 'ml-cluster',
          nodeRecovery: 'None',
          instanceGroups: [{ name: 'p5Inst', instanceType: 'ml.p5.48xlarge', count: 2 }],
        },
      ],
      kube: () => kube,
      timings: { rebootMs: 20, shutdownMs: 10, replaceMs: 30, nodeJoinMs: 10 },
    });
  });

  afterAll(async () => {
    await sim.stop();
  });

  it('returns the cluster state as JSON', async () => {
    // Act
    const state = await admin('GET', 'state');
    const one = await admin('GET', 'clusters/ml-cluster');

    // Assess
    expect(state.status).toBe(200);
    expect((state.body.clusters as unknown[]).length).toBe(1);
    expect(one.body).toMatchObject({ name: 'ml-cluster', nodeRecovery: 'None' });
    expect((one.body.nodes as { launchTime: string }[])[0]?.launchTime).toMatch(/Z$/);
  });

  it('injects a fault, emitting the event and labelling the node', async () => {
    // Prepare
    const instance = sim.getCluster('ml-cluster')!.nodes[0]!;

    // Act
    const result = await admin('POST', 'faults', {
      instanceId: instance.instanceId,
      faultType: 'NvidiaErrorReboot',
    });
    const events = await admin('GET', 'events');

    // Assess
    expect(result.status).toBe(200);
    expect(result.body.event).toMatchObject({
      'detail-type': 'SageMaker HyperPod Cluster Node Health Event',
    });
    expect(events.body).toEqual(expect.arrayContaining([result.body.event]));
    expect(kube.peek(instance.nodeName)?.metadata.labels?.[HEALTH]).toBe('UnschedulablePendingReboot');
  });

  it('switches node recovery to Automatic and reconciles on request', async () => {
    // Prepare
    const instance = sim.getCluster('ml-cluster')!.nodes[0]!;

    // Act
    await admin('POST', 'node-recovery', { cluster: 'ml-cluster', mode: 'Automatic' });
    const reconciled = await admin('POST', 'reconcile');
    await admin('POST', 'idle', { timeoutMs: 5000 });

    // Assess
    expect(reconciled.body.actions).toEqual([
      { cluster: 'ml-cluster', instanceId: instance.instanceId, action: 'reboot' },
    ]);
    expect(kube.peek(instance.nodeName)?.metadata.labels?.[HEALTH]).toBe('Schedulable');
  });

  it('sets throttling, lost GPUs, failed instances and capacity', async () => {
    // Prepare
    const [a, b] = sim.getCluster('ml-cluster')!.nodes;
    const { sagemaker } = clientsFor(sim);

    // Act
    await admin('POST', 'throttle', { operation: 'DescribeCluster', count: 1 });
    const throttled = await rejectionOf(
      sagemaker.send(new DescribeClusterCommand({ ClusterName: 'ml-cluster' })),
    );
    await admin('POST', 'lose-gpus', { instanceId: a!.instanceId, remaining: 7 });
    await admin('POST', 'fail-instance', { instanceId: b!.instanceId });
    const capacity = await admin('POST', 'capacity', { group: 'p5Inst', mode: 'unavailable' });
    const calls = await admin('GET', 'calls');
    sagemaker.destroy();

    // Assess
    expect(throttled.name).toBe('ThrottlingException');
    expect(kube.peek(a!.nodeName)?.status?.allocatable?.['nvidia.com/gpu']).toBe('7');
    expect(sim.getInstance(b!.instanceId)?.status).toBe('Failure');
    expect(capacity.status).toBe(200);
    expect(calls.body['sagemaker:DescribeCluster']).toBe(1);
  });

  it('answers 400 with the reason for a bad admin request and 404 for an unknown route', async () => {
    // Act
    const bad = await admin('POST', 'faults', { faultType: 'NvidiaErrorReboot' });
    const unknownInstance = await admin('POST', 'fail-instance', { instanceId: 'i-00000000000000000' });
    const missing = await admin('GET', 'nothing-here');

    // Assess
    expect(bad).toEqual({ status: 400, body: { error: 'instanceId (string) is required' } });
    expect(unknownInstance.status).toBe(400);
    expect(missing.status).toBe(404);
  });
});
