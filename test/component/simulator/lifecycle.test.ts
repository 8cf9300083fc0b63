import {
  BatchRebootClusterNodesCommand,
  BatchReplaceClusterNodesCommand,
  DescribeClusterNodeCommand,
  ListClusterNodesCommand,
  StartClusterHealthCheckCommand,
} from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterNodes } from '#adapters/sagemaker.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import { findSweepFindings } from '#domain/sweep-findings.ts';
import { sweepSettings } from '#functions/tasks/sweep-cluster.ts';
import { MemoryKubeAdmin } from '#local/simulator/memory-kube-admin.ts';
import type { SimEvent } from '#local/simulator/model.ts';
import { type Simulator, type SimulatorOptions, startSimulator } from '#local/simulator/server.ts';
import { clientsFor, eventually } from './helpers.ts';

const HEALTH = 'sagemaker.amazonaws.com/node-health-status';
const TIMINGS = {
  rebootMs: 120,
  shutdownMs: 40,
  replaceMs: 120,
  nodeJoinMs: 40,
  capacityFailMs: 80,
  healthCheckMs: 60,
};

interface Bed {
  sim: Simulator;
  kube: MemoryKubeAdmin;
  events: SimEvent[];
  sagemaker: ReturnType<typeof clientsFor>['sagemaker'];
}

const beds: Bed[] = [];

const start = async (overrides: Partial<SimulatorOptions> = {}): Promise<Bed> => {
  const kube = new MemoryKubeAdmin();
  const events: SimEvent[] = [];
  const sim = await startSimulator({
    clusters: [
      {
        name: 'ml-cluster',
        nodeRecovery: 'None',
        instanceGroups: [{ name: 'p5Inst', instanceType: 'ml.p5.48xlarge', count: 3 }],
      },
    ],
    kube: () => kube,
    timings: TIMINGS,
    onEvent: (event) => events.push(event),
    ...overrides,
  });
  const bed = { sim, kube, events, sagemaker: clientsFor(sim).sagemaker };
  beds.push(bed);
  return bed;
};

const readyOf = (kube: MemoryKubeAdmin, name: string) =>
  kube.peek(name)?.status?.conditions?.find((c) => c.type === 'Ready')?.status;

describe('Simulator: node lifecycles, recovery and fault injection', () => {
  afterEach(async () => {
    for (const bed of beds.splice(0)) {
      bed.sagemaker.destroy();
      await bed.sim.stop();
    }
  });

  it('creates a Ready Kubernetes node per running instance at start', async () => {
    // Prepare
    const { sim, kube } = await start();

    // Act
    const nodes = await kube.listNodes();

    // Assess
    const instances = sim.getCluster('ml-cluster')!.nodes;
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(
      instances.map((i) => `hyperpod-${i.instanceId}`).sort(),
    );
    const node = kube.peek(instances[0]!.nodeName)!;
    // HyperPod's providerID shape (aws/amazon-vpc-cni-k8s test/integration/ipamd/hyperpod_common.go:
    // "aws:///<az>/sagemaker/cluster/hyperpod-<clusterID>-<instanceID>"), the zone as an AZ id.
    const cluster = sim.getCluster('ml-cluster')!;
    expect(node.spec?.providerID).toBe(
      `aws:///usw2-az1/sagemaker/cluster/hyperpod-${cluster.clusterId}-${instances[0]!.instanceId}`,
    );
    expect(node.metadata.labels).toMatchObject({
      'topology.kubernetes.io/zone': 'us-west-2a',
      'topology.k8s.aws/zone-id': 'usw2-az1',
      'topology.kubernetes.io/region': 'us-west-2',
      'sagemaker.amazonaws.com/cluster-name': 'ml-cluster',
      'sagemaker.amazonaws.com/compute-type': 'hyperpod',
      'sagemaker.amazonaws.com/instance-group-name': instances[0]!.instanceGroupName,
      'node.kubernetes.io/instance-type': instances[0]!.instanceType,
    });
    expect(node.spec?.taints).toBeUndefined();
    expect(node.status?.allocatable?.['nvidia.com/gpu']).toBe('8');
    expect(node.status?.nodeInfo?.bootID).toBe(instances[0]!.bootId);
    expect(node.metadata.labels?.[HEALTH]).toBe('Schedulable');
  });

  it('creates nodes the health sweep resolves to their instances: no missing node an hour after launch', async () => {
    // Prepare
    const { sim, kube, sagemaker } = await start();
    const cluster = sim.getCluster('ml-cluster')!;
    const config = parseAppConfig({
      clusters: [{ name: cluster.name, arn: cluster.arn, eksClusterName: cluster.eksClusterName }],
    });
    const instances = await createClusterNodes(sagemaker).listNodes(cluster.name);
    const anHourLater = new Date(Date.now() + 3_600_000).toISOString();

    // Act
    const findings = findSweepFindings(
      {
        clusterName: cluster.name,
        clusterArn: cluster.arn,
        nodeRecovery: cluster.nodeRecovery,
        instances,
        kubeNodes: await kube.listNodes(),
        suspended: [],
        incidents: [],
        leases: [],
      },
      sweepSettings(config),
      anHourLater,
    );

    // Assess
    expect(instances).toHaveLength(3);
    expect(findings.recoveries).toEqual([]);
  });

  it('reboots a node: instance stays Running, node goes NotReady then Ready with a new boot id', async () => {
    // Prepare
    const { sim, kube, sagemaker } = await start();
    const instance = sim.getCluster('ml-cluster')!.nodes[0]!;
    const oldBootId = instance.bootId;

    // Act
    const result = await sagemaker.send(
      new BatchRebootClusterNodesCommand({ ClusterName: 'ml-cluster', NodeIds: [instance.instanceId] }),
    );
    await eventually(() => readyOf(kube, instance.nodeName) === 'Unknown', { what: 'NotReady' });
    const during = await sagemaker.send(
      new DescribeClusterNodeCommand({ ClusterName: 'ml-cluster', NodeId: instance.instanceId }),
    );
    await eventually(() => readyOf(kube, instance.nodeName) === 'True' && !instance.operation, {
      what: 'Ready',
    });

    // Assess
    expect(result.Successful).toEqual([instance.instanceId]);
    expect(during.NodeDetails?.InstanceStatus?.Status).toBe('Running');
    const readiness = kube.history.filter((c) => c.op === 'setNodeReady' && c.name === instance.nodeName);
    expect(readiness.map((c) => c.op === 'setNodeReady' && c.ready)).toEqual([false, true]);
    const newBootId = kube.peek(instance.nodeName)?.status?.nodeInfo?.bootID;
    expect(newBootId).toBe(instance.bootId);
    expect(newBootId).not.toBe(oldBootId);
  });

  it('replaces a node: old node deleted, a new instance id with the same logical id runs and joins', async () => {
    // Prepare
    const { sim, kube, sagemaker } = await start();
    const old = sim.getCluster('ml-cluster')!.nodes[0]!;
    const historyBefore = kube.history.length;

    // Act
    await sagemaker.send(
      new BatchReplaceClusterNodesCommand({ ClusterName: 'ml-cluster', NodeIds: [old.instanceId] }),
    );
    const shuttingDown = await sagemaker.send(
      new DescribeClusterNodeCommand({ ClusterName: 'ml-cluster', NodeId: old.instanceId }),
    );
    const fresh = await eventually(
      () =>
        sim
          .getCluster('ml-cluster')!
          .nodes.find((n) => n.nodeLogicalId === old.nodeLogicalId && n.instanceId !== old.instanceId),
      { what: 'replacement instance' },
    );
    await eventually(() => kube.peek(fresh.nodeName) && !fresh.operation, {
      what: 'replacement node to join',
    });
    const listed = await sagemaker.send(new ListClusterNodesCommand({ ClusterName: 'ml-cluster' }));

    // Assess
    expect(shuttingDown.NodeDetails?.InstanceStatus?.Status).toBe('ShuttingDown');
    expect(kube.peek(old.nodeName)).toBeUndefined();
    expect(fresh.instanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(fresh.instanceGroupName).toBe('p5Inst');
    expect(readyOf(kube, fresh.nodeName)).toBe('True');
    const ids = listed.ClusterNodeSummaries!.map((n) => n.InstanceId);
    expect(ids).toContain(fresh.instanceId);
    expect(ids).not.toContain(old.instanceId);
    expect(
      listed.ClusterNodeSummaries!.find((n) => n.InstanceId === fresh.instanceId)?.InstanceStatus?.Status,
    ).toBe('Running');
    const steps = kube.history
      .slice(historyBefore)
      .filter((c) => c.name === old.nodeName || c.name === fresh.nodeName)
      .map((c) => c.op);
    expect(steps).toEqual(['setNodeReady', 'deleteNode', 'createNode']);
  });

  it('keeps a replacement Pending then Failure under a capacity shortage and emits an Error Cluster Event', async () => {
    // Prepare
    const { sim, sagemaker, events } = await start();
    sim.setCapacity('p5Inst', 'unavailable');
    const old = sim.getCluster('ml-cluster')!.nodes[0]!;

    // Act
    await sagemaker.send(
      new BatchReplaceClusterNodesCommand({ ClusterName: 'ml-cluster', NodeIds: [old.instanceId] }),
    );
    const pending = await eventually(
      () =>
        sim.getCluster('ml-cluster')!.nodes.find((n) => n.nodeLogicalId === old.nodeLogicalId && n !== old),
      { what: 'pending replacement' },
    );
    const statusWhilePending = pending.status;
    const error = await eventually(
      () => events.find((e) => e['detail-type'] === 'SageMaker HyperPod Cluster Event' && isError(e)),
      { what: 'capacity error event' },
    );
    const described = await sagemaker.send(
      new DescribeClusterNodeCommand({ ClusterName: 'ml-cluster', NodeId: pending.instanceId }),
    );

    // Assess
    expect(statusWhilePending).toBe('Pending');
    expect(described.NodeDetails?.InstanceStatus).toEqual({
      Status: 'Failure',
      Message:
        'We currently do not have sufficient capacity to launch new ml.p5.48xlarge instances. Please try again.',
    });
    const cluster = sim.getCluster('ml-cluster')!;
    expect(error).toMatchObject({
      version: '0',
      source: 'aws.sagemaker',
      account: '111122223333',
      region: 'us-west-2',
      resources: [cluster.arn],
      detail: {
        EventDetails: {
          ClusterArn: cluster.arn,
          ClusterName: 'ml-cluster',
          InstanceGroupName: 'p5Inst',
          InstanceId: pending.instanceId,
          ResourceType: 'Instance',
          EventLevel: 'Error',
          Description: 'Instance creation in Cluster ml-cluster and InstanceGroup p5Inst failed',
          EventDetails: {
            EventMetadata: {
              Instance: {
                NodeLogicalId: old.nodeLogicalId,
                FailureMessage:
                  'We currently do not have sufficient capacity to launch new ml.p5.48xlarge instances. Please try again.',
              },
            },
          },
        },
      },
    });
    expect(error.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(typeof (error.detail.EventDetails as { EventTime: unknown }).EventTime).toBe('number');
  });

  it('launches capacity-failed instances again once capacity returns', async () => {
    // Prepare
    const { sim, kube, sagemaker } = await start({ capacity: { p5Inst: 'unavailable' } });
    const old = sim.getCluster('ml-cluster')!.nodes[0]!;
    await sagemaker.send(
      new BatchReplaceClusterNodesCommand({ ClusterName: 'ml-cluster', NodeIds: [old.instanceId] }),
    );
    const failed = await eventually(
      () => sim.getCluster('ml-cluster')!.nodes.find((n) => n.status === 'Failure'),
      { what: 'failed replacement' },
    );

    // Act
    sim.setCapacity('p5Inst', 'available');
    await sim.whenIdle();

    // Assess
    expect(failed.status).toBe('Running');
    expect(readyOf(kube, failed.nodeName)).toBe('True');
  });

  it('recovers automatically from a pending-reboot label, and our reboot then gets InstanceIdInUse', async () => {
    // Prepare
    const { sim, kube, sagemaker } = await start({
      clusters: [
        {
          name: 'auto-cluster',
          nodeRecovery: 'Automatic',
          instanceGroups: [{ name: 'p5Inst', instanceType: 'ml.p5.48xlarge', count: 2 }],
        },
      ],
    });
    const instance = sim.getCluster('auto-cluster')!.nodes[0]!;
    await kube.setNodeLabels(instance.nodeName, { [HEALTH]: 'UnschedulablePendingReboot' });

    // Act
    const actions = await sim.reconcile();
    const ours = await sagemaker.send(
      new BatchRebootClusterNodesCommand({ ClusterName: 'auto-cluster', NodeIds: [instance.instanceId] }),
    );
    await sim.whenIdle();

    // Assess
    expect(actions).toEqual([{ cluster: 'auto-cluster', instanceId: instance.instanceId, action: 'reboot' }]);
    expect(ours.Successful).toBeUndefined(); // ClusterNodeIds has min 1 in the model: no empty list
    expect(ours.Failed).toEqual([
      { NodeId: instance.instanceId, ErrorCode: 'InstanceIdInUse', Message: expect.any(String) },
    ]);
    expect(kube.peek(instance.nodeName)?.metadata.labels?.[HEALTH]).toBe('Schedulable');
    expect(readyOf(kube, instance.nodeName)).toBe('True');
  });

  it('replaces a node under a new NodeLogicalId when logical ids do not survive replacement', async () => {
    // Prepare
    const { sim, sagemaker } = await start({ logicalIdSurvivesReplacement: false });
    const old = sim.getCluster('ml-cluster')!.nodes[0]!;
    const before = new Set(sim.getCluster('ml-cluster')!.nodes.map((n) => n.instanceId));

    // Act
    await sagemaker.send(
      new BatchReplaceClusterNodesCommand({ ClusterName: 'ml-cluster', NodeIds: [old.instanceId] }),
    );
    await sim.whenIdle();

    // Assess
    const fresh = sim.getCluster('ml-cluster')!.nodes.filter((n) => !before.has(n.instanceId));
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.nodeLogicalId).not.toBe(old.nodeLogicalId);
    expect(fresh[0]!.status).toBe('Running');
  });

  it('answers an injected per-node InternalServerError to our reboot, then reboots on the next call', async () => {
    // Prepare
    const { sim, sagemaker } = await start();
    const instance = sim.getCluster('ml-cluster')!.nodes[0]!;
    sim.failNodeAction(instance.instanceId, 'InternalServerError');
    const reboot = () =>
      sagemaker.send(
        new BatchRebootClusterNodesCommand({ ClusterName: 'ml-cluster', NodeIds: [instance.instanceId] }),
      );

    // Act
    const first = await reboot();
    const second = await reboot();
    await sim.whenIdle();

    // Assess
    // Code string from the API reference (BatchRebootClusterNodesError.ErrorCode).
    expect(first.Failed).toEqual([
      { NodeId: instance.instanceId, ErrorCode: 'InternalServerError', Message: expect.any(String) },
    ]);
    // The model gives Successful a minimum of one item: an empty list is left out (docs/facts/aws-api-models.md).
    expect(first.Successful).toBeUndefined();
    expect(second.Successful).toEqual([instance.instanceId]);
  });

  it.each([{ status: 'SystemUpdating' as const }, { status: 'DeepHealthCheckInProgress' as const }])(
    'holds a node in $status: our reboot gets InstanceIdInUse, the node shows the status, then it is Running again',
    async ({ status }) => {
      // Prepare
      const { sim, sagemaker } = await start();
      const instance = sim.getCluster('ml-cluster')!.nodes[0]!;

      // Act
      sim.holdNode(instance.instanceId, status, 500);
      const refused = await sagemaker.send(
        new BatchRebootClusterNodesCommand({ ClusterName: 'ml-cluster', NodeIds: [instance.instanceId] }),
      );
      const during = await sagemaker.send(
        new DescribeClusterNodeCommand({ ClusterName: 'ml-cluster', NodeId: instance.instanceId }),
      );
      await sim.whenIdle();
      const after = await sagemaker.send(
        new DescribeClusterNodeCommand({ ClusterName: 'ml-cluster', NodeId: instance.instanceId }),
      );

      // Assess
      expect(refused.Failed?.[0]?.ErrorCode).toBe('InstanceIdInUse');
      expect(during.NodeDetails?.InstanceStatus?.Status).toBe(status);
      expect(after.NodeDetails?.InstanceStatus?.Status).toBe('Running');
    },
  );

  it('recovers automatically only on its own label: our cordon, taint and labels start nothing', async () => {
    // Prepare
    const { sim, kube } = await start({
      clusters: [
        {
          name: 'auto-cluster',
          nodeRecovery: 'Automatic',
          instanceGroups: [{ name: 'p5Inst', instanceType: 'ml.p5.48xlarge', count: 1 }],
        },
      ],
    });
    const instance = sim.getCluster('auto-cluster')!.nodes[0]!;
    const node = kube.peek(instance.nodeName)!;
    node.spec = {
      ...node.spec,
      unschedulable: true,
      taints: [{ key: 'hyperpod-resilience.io/quarantine', value: 'xid-79', effect: 'NoSchedule' }],
    };
    await kube.setNodeLabels(instance.nodeName, { 'hyperpod-resilience.io/opt-out': 'false' });

    // Act
    const actions = await sim.reconcile();

    // Assess
    expect(actions).toEqual([]);
    expect(instance.operation).toBeUndefined();
  });

  it('leaves labelled nodes alone when NodeRecovery is None', async () => {
    // Prepare
    const { sim, kube } = await start();
    const instance = sim.getCluster('ml-cluster')!.nodes[0]!;
    await kube.setNodeLabels(instance.nodeName, { [HEALTH]: 'UnschedulablePendingReplacement' });

    // Act
    const actions = await sim.reconcile();

    // Assess
    expect(actions).toEqual([]);
    expect(instance.operation).toBeUndefined();
  });

  it('replaces automatically on the reconcile interval after an injected terminate fault', async () => {
    // Prepare
    const { sim, kube } = await start({
      clusters: [
        {
          name: 'auto-cluster',
          nodeRecovery: 'Automatic',
          instanceGroups: [{ name: 'p5Inst', instanceType: 'ml.p5.48xlarge', count: 1 }],
        },
      ],
      reconcileIntervalMs: 20,
    });
    const old = sim.getCluster('auto-cluster')!.nodes[0]!;

    // Act
    await sim.injectFault({ instanceId: old.instanceId, faultType: 'NvidiaErrorTerminate' });
    const fresh = await eventually(
      () =>
        sim
          .getCluster('auto-cluster')!
          .nodes.find((n) => n.instanceId !== old.instanceId && n.status === 'Running'),
      { what: 'automatic replacement' },
    );
    await eventually(() => kube.peek(fresh.nodeName), { what: 'replacement node' });

    // Assess
    expect(kube.peek(old.nodeName)).toBeUndefined();
    expect(fresh.nodeLogicalId).toBe(old.nodeLogicalId);
  });

  it('emits a documented-shape Node Health Event and labels the node on injectFault', async () => {
    // Prepare
    const { sim, kube, events } = await start();
    const instance = sim.getCluster('ml-cluster')!.nodes[1]!;

    // Act
    const terminate = await sim.injectFault({
      cluster: 'ml-cluster',
      instanceId: instance.instanceId,
      faultType: 'NvidiaErrorTerminate',
    });
    const terminateLabel = kube.peek(instance.nodeName)?.metadata.labels?.[HEALTH];
    const reboot = await sim.injectFault({ instanceId: instance.instanceId, faultType: 'NvidiaErrorReboot' });
    const quiet = await sim.injectFault({
      instanceId: instance.instanceId,
      faultType: 'NvidiaErrorTerminate',
      emit: false,
      labels: false,
    });

    // Assess
    const cluster = sim.getCluster('ml-cluster')!;
    expect(terminate).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'SageMaker HyperPod Cluster Node Health Event',
      source: 'aws.sagemaker',
      account: '111122223333',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-west-2',
      resources: [cluster.arn],
      detail: {
        ClusterName: 'ml-cluster',
        InstanceId: instance.instanceId,
        Tags: {},
        ClusterArn: cluster.arn,
        HealthSummary: {
          HealthStatus: 'Unhealthy',
          RepairAction: 'None',
          HealthStatusReason:
            'HyperPod Health Monitoring Agent (HMA) has detected fault type NvidiaErrorTerminate on this node and is unhealthy.',
          Recommendation: 'Please Replace the Faulty Node.',
        },
      },
    });
    expect(terminateLabel).toBe('UnschedulablePendingReplacement');
    expect((reboot.detail.HealthSummary as { Recommendation: string }).Recommendation).toBe(
      'Please Reboot the Faulty Node.',
    );
    expect(kube.peek(instance.nodeName)?.metadata.labels?.[HEALTH]).toBe('UnschedulablePendingReboot');
    expect(events).toEqual([terminate, reboot]);
    expect(events).not.toContain(quiet);
  });

  it('lowers allocatable GPUs on loseGpus and restores them with a reboot', async () => {
    // Prepare
    const { sim, kube, sagemaker } = await start();
    const instance = sim.getCluster('ml-cluster')!.nodes[2]!;

    // Act
    await sim.loseGpus(instance.instanceId, 6);
    const lowered = kube.peek(instance.nodeName)?.status?.allocatable?.['nvidia.com/gpu'];
    await sagemaker.send(
      new BatchRebootClusterNodesCommand({ ClusterName: 'ml-cluster', NodeIds: [instance.instanceId] }),
    );
    await sim.whenIdle();

    // Assess
    expect(lowered).toBe('6');
    expect(kube.peek(instance.nodeName)?.status?.allocatable?.['nvidia.com/gpu']).toBe('8');
  });

  it('gives Trainium nodes the Neuron device plugin resources, lowers them on loseGpus and restores them with a reboot', async () => {
    // Prepare: resource names from the Neuron device plugin docs (docs/facts/accelerators.md
    // accelerators.neuron-resources), 16 devices of 2 cores on trn1 (accelerators.trn1-counts).
    const { sim, kube, sagemaker } = await start({
      clusters: [
        {
          name: 'ml-cluster',
          nodeRecovery: 'None',
          instanceGroups: [
            { name: 'gpu', instanceType: 'ml.p5.48xlarge', count: 1 },
            { name: 'trn', instanceType: 'ml.trn1.32xlarge', count: 1 },
          ],
        },
      ],
    });
    const [gpu, trn] = sim.getCluster('ml-cluster')!.nodes;

    // Act
    const fresh = kube.peek(trn!.nodeName)?.status;
    await sim.loseGpus(trn!.instanceId, 15);
    const lowered = kube.peek(trn!.nodeName)?.status?.allocatable;
    await sagemaker.send(
      new BatchRebootClusterNodesCommand({ ClusterName: 'ml-cluster', NodeIds: [trn!.instanceId] }),
    );
    await sim.whenIdle();

    // Assess
    expect(fresh?.capacity).toMatchObject({
      'aws.amazon.com/neuron': '16',
      'aws.amazon.com/neuroncore': '32',
    });
    expect(fresh?.capacity).not.toHaveProperty('nvidia.com/gpu');
    expect(kube.peek(gpu!.nodeName)?.status?.capacity).not.toHaveProperty('aws.amazon.com/neuron');
    expect(lowered).toMatchObject({ 'aws.amazon.com/neuron': '15', 'aws.amazon.com/neuroncore': '30' });
    expect(kube.peek(trn!.nodeName)?.status?.allocatable).toMatchObject({
      'aws.amazon.com/neuron': '16',
      'aws.amazon.com/neuroncore': '32',
    });
  });

  it('names the Neuron node problem detector reason in a Neuron-shaped HMA event', async () => {
    // Prepare
    const { sim, kube, events } = await start({
      clusters: [
        {
          name: 'ml-cluster',
          nodeRecovery: 'None',
          instanceGroups: [{ name: 'trn', instanceType: 'ml.trn2.48xlarge', count: 1 }],
        },
      ],
    });
    const trn = sim.getCluster('ml-cluster')!.nodes[0]!;

    // Act
    await sim.injectFault({
      instanceId: trn.instanceId,
      faultType: 'NeuronHardwareError',
      neuronError: 'DMA_ERROR',
      action: 'replace',
    });

    // Assess
    const health = events.find((e) => e['detail-type'] === 'SageMaker HyperPod Cluster Node Health Event');
    expect(JSON.stringify(health?.detail)).toContain(
      'Node condition NeuronHealth is now: True, reason: NeuronHasError_DMA_ERROR',
    );
    expect(kube.peek(trn.nodeName)?.metadata.labels?.[HEALTH]).toBe('UnschedulablePendingReplacement');
  });

  it('turns an instance to Failure on failInstance; reboot is refused, replace accepted', async () => {
    // Prepare
    const { sim, kube, sagemaker } = await start();
    const instance = sim.getCluster('ml-cluster')!.nodes[0]!;

    // Act
    await sim.failInstance(instance.instanceId);
    const readiness = readyOf(kube, instance.nodeName);
    const described = await sagemaker.send(
      new DescribeClusterNodeCommand({ ClusterName: 'ml-cluster', NodeId: instance.instanceId }),
    );
    const reboot = await sagemaker.send(
      new BatchRebootClusterNodesCommand({ ClusterName: 'ml-cluster', NodeIds: [instance.instanceId] }),
    );
    const replace = await sagemaker.send(
      new BatchReplaceClusterNodesCommand({ ClusterName: 'ml-cluster', NodeIds: [instance.instanceId] }),
    );
    await sim.whenIdle();

    // Assess
    expect(described.NodeDetails?.InstanceStatus?.Status).toBe('Failure');
    expect(readiness).toBe('Unknown');
    expect(reboot.Failed?.[0]?.ErrorCode).toBe('InvalidInstanceStatus');
    expect(replace.Successful).toEqual([instance.instanceId]);
  });

  it('taints a node during a passing deep health check and untaints it after, keeping other taints', async () => {
    // Prepare
    const { sim, kube, sagemaker } = await start();
    const instance = sim.getCluster('ml-cluster')!.nodes[0]!;
    const ours = { key: 'hyperpod-resilience.io/quarantine', value: 'x', effect: 'NoSchedule' };
    await kube.setNodeTaint(instance.nodeName, ours, true);

    // Act
    await sagemaker.send(
      new StartClusterHealthCheckCommand({
        ClusterName: 'ml-cluster',
        DeepHealthCheckConfigurations: [
          {
            InstanceGroupName: 'p5Inst',
            InstanceIds: [instance.instanceId],
            DeepHealthChecks: ['InstanceStress'],
          },
        ],
      }),
    );
    const during = structuredClone(kube.peek(instance.nodeName)?.spec?.taints);
    await sim.whenIdle();

    // Assess
    // The taint HyperPod documents for nodes under deep health checks (sagemaker-hyperpod-eks-prerequisites.html):
    // "sagemaker.amazonaws.com/node-health-status=Unschedulable:NoSchedule".
    expect(during).toEqual([
      ours,
      { key: 'sagemaker.amazonaws.com/node-health-status', value: 'Unschedulable', effect: 'NoSchedule' },
    ]);
    expect(kube.peek(instance.nodeName)?.spec?.taints).toEqual([ours]);
    expect(
      kube.peek(instance.nodeName)?.metadata.labels?.['sagemaker.amazonaws.com/deep-health-check-status'],
    ).toBe('Passed');
  });

  it('replaces a node whose deep health check fails, as HyperPod on EKS does', async () => {
    // Prepare
    const { sim, kube, sagemaker } = await start();
    const cluster = sim.getCluster('ml-cluster')!;
    const instance = cluster.nodes[0]!;
    sim.failHealthCheck(instance.instanceId);

    // Act
    await sagemaker.send(
      new StartClusterHealthCheckCommand({
        ClusterName: 'ml-cluster',
        DeepHealthCheckConfigurations: [
          {
            InstanceGroupName: 'p5Inst',
            InstanceIds: [instance.instanceId],
            DeepHealthChecks: ['InstanceStress'],
          },
        ],
      }),
    );
    await sim.whenIdle();

    // Assess
    expect(sim.getInstance(instance.instanceId)).toBeUndefined();
    expect(kube.peek(instance.nodeName)).toBeUndefined();
    expect(cluster.nodes.find((n) => n.nodeLogicalId === instance.nodeLogicalId)?.status).toBe('Running');
  });
});

const isError = (event: SimEvent): boolean =>
  (event.detail.EventDetails as { EventLevel?: string } | undefined)?.EventLevel === 'Error';
