import {
  BatchDeleteClusterNodesCommand,
  BatchRebootClusterNodesCommand,
  BatchReplaceClusterNodesCommand,
  DescribeClusterCommand,
  DescribeClusterEventCommand,
  DescribeClusterNodeCommand,
  ListClusterEventsCommand,
  ListClusterNodesCommand,
  paginateListClusterNodes,
  StartClusterHealthCheckCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryKubeAdmin } from '#local/simulator/memory-kube-admin.ts';
import { type Simulator, startSimulator } from '#local/simulator/server.ts';
import { clientsFor, eventually, rejectionOf } from './helpers.ts';

const TIMINGS = { rebootMs: 150, shutdownMs: 20, replaceMs: 60, nodeJoinMs: 10, healthCheckMs: 100 };

describe('Simulator: SageMaker API over the real SDK client', () => {
  let sim: Simulator;
  let sagemaker: ReturnType<typeof clientsFor>['sagemaker'];
  const kubes = new Map<string, MemoryKubeAdmin>();

  beforeAll(async () => {
    sim = await startSimulator({
      clusters: [
        {
          name: 'big-cluster',
          nodeRecovery: 'None',
          instanceGroups: [
            { name: 'workers-p5', instanceType: 'ml.p5.48xlarge', count: 200 },
            { name: 'workers-g5', instanceType: 'ml.g5.48xlarge', count: 50 },
          ],
        },
        {
          name: 'small-cluster',
          nodeRecovery: 'None',
          instanceGroups: [{ name: 'gpu', instanceType: 'ml.p5.48xlarge', count: 4 }],
        },
        {
          name: 'legacy-cluster',
          nodeProvisioningMode: null,
          instanceGroups: [{ name: 'gpu', instanceType: 'ml.g5.xlarge', count: 1 }],
        },
      ],
      kube: (name) => {
        const kube = new MemoryKubeAdmin();
        kubes.set(name, kube);
        return kube;
      },
      timings: TIMINGS,
      recordRequests: true,
    });
    sagemaker = clientsFor(sim).sagemaker;
  });

  afterAll(async () => {
    sagemaker.destroy();
    await sim.stop();
  });

  it('describes a cluster with its EKS orchestrator, node recovery and group counts', async () => {
    // Prepare
    const cluster = sim.getCluster('big-cluster')!;

    // Act
    const described = await sagemaker.send(new DescribeClusterCommand({ ClusterName: cluster.arn }));

    // Assess
    expect(cluster.arn).toMatch(/^arn:aws:sagemaker:us-west-2:111122223333:cluster\/[a-z0-9]{12}$/);
    expect(described).toMatchObject({
      ClusterArn: cluster.arn,
      ClusterName: 'big-cluster',
      ClusterStatus: 'InService',
      NodeRecovery: 'None',
      NodeProvisioningMode: 'Continuous',
      Orchestrator: { Eks: { ClusterArn: 'arn:aws:eks:us-west-2:111122223333:cluster/big-cluster-eks' } },
    });
    expect(described.CreationTime).toBeInstanceOf(Date);
    expect(Math.abs(described.CreationTime!.getTime() - cluster.creationTime.getTime())).toBeLessThan(1);
    expect(described.InstanceGroups).toEqual([
      expect.objectContaining({ InstanceGroupName: 'workers-p5', CurrentCount: 200, TargetCount: 200 }),
      expect.objectContaining({ InstanceGroupName: 'workers-g5', CurrentCount: 50, TargetCount: 50 }),
    ]);
  });

  it('answers ResourceNotFound for an unknown cluster', async () => {
    // Act
    const error = await rejectionOf(
      sagemaker.send(new DescribeClusterCommand({ ClusterName: 'no-such-cluster' })),
    );

    // Assess
    expect(error.name).toBe('ResourceNotFound');
    expect(error.message).toContain('no-such-cluster');
    expect(error.$fault).toBe('client');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
  });

  it('pages 250 nodes in pages of at most 100 with NextToken', async () => {
    // Prepare
    const pages: number[] = [];
    const ids: string[] = [];

    // Act
    for await (const page of paginateListClusterNodes(
      { client: sagemaker, pageSize: 100 },
      { ClusterName: 'big-cluster' },
    )) {
      pages.push(page.ClusterNodeSummaries?.length ?? 0);
      ids.push(...(page.ClusterNodeSummaries ?? []).map((n) => n.InstanceId!));
    }

    // Assess
    expect(pages).toEqual([100, 100, 50]);
    expect(new Set(ids).size).toBe(250);
    for (const id of ids) expect(id).toMatch(/^i-[0-9a-f]{17}$/);
  });

  it('returns node summaries with SDK-parsed launch times and statuses', async () => {
    // Act
    const page = await sagemaker.send(
      new ListClusterNodesCommand({ ClusterName: 'small-cluster', IncludeNodeLogicalIds: true }),
    );

    // Assess
    expect(page.NextToken).toBeUndefined();
    expect(page.ClusterNodeSummaries).toHaveLength(4);
    const node = page.ClusterNodeSummaries![0]!;
    expect(node).toMatchObject({
      InstanceGroupName: 'gpu',
      InstanceType: 'ml.p5.48xlarge',
      InstanceStatus: { Status: 'Running' },
    });
    expect(node.LaunchTime).toBeInstanceOf(Date);
    expect(node.NodeLogicalId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects MaxResults above 100 and an invalid NextToken with ValidationException', async () => {
    // Act
    const tooMany = await rejectionOf(
      sagemaker.send(new ListClusterNodesCommand({ ClusterName: 'big-cluster', MaxResults: 101 })),
    );
    const badToken = await rejectionOf(
      sagemaker.send(new ListClusterNodesCommand({ ClusterName: 'big-cluster', NextToken: 'garbage' })),
    );

    // Assess
    expect(tooMany.name).toBe('ValidationException');
    expect(badToken.name).toBe('ValidationException');
    // MaxResults 101 breaks the model's range (1–100): the conformance check saw it too.
    expect(sim.takeConformanceViolations()).toEqual([
      expect.objectContaining({ operation: 'ListClusterNodes', direction: 'request', path: '$.MaxResults' }),
    ]);
  });

  it('filters by instance group and by CreationTimeAfter sent as epoch seconds', async () => {
    // Prepare
    const after = new Date(sim.getCluster('big-cluster')!.creationTime.getTime() - 1000);
    sim.requests.length = 0;

    // Act
    const g5 = await sagemaker.send(
      new ListClusterNodesCommand({
        ClusterName: 'big-cluster',
        InstanceGroupNameContains: 'g5',
        MaxResults: 100,
      }),
    );
    const future = await sagemaker.send(
      new ListClusterNodesCommand({
        ClusterName: 'big-cluster',
        CreationTimeAfter: new Date(Date.now() + 60_000),
      }),
    );
    const past = await sagemaker.send(
      new ListClusterNodesCommand({ ClusterName: 'big-cluster', CreationTimeAfter: after, MaxResults: 5 }),
    );

    // Assess
    expect(g5.ClusterNodeSummaries).toHaveLength(50);
    expect(future.ClusterNodeSummaries).toEqual([]);
    expect(past.ClusterNodeSummaries).toHaveLength(5);
    const wire = JSON.parse(sim.requests.at(-1)!.body) as { CreationTimeAfter: unknown };
    expect(wire.CreationTimeAfter).toBe(after.getTime() / 1000);
  });

  it('sorts nodes by name in descending order', async () => {
    // Act
    const page = await sagemaker.send(
      new ListClusterNodesCommand({ ClusterName: 'small-cluster', SortBy: 'NAME', SortOrder: 'Descending' }),
    );

    // Assess
    const ids = page.ClusterNodeSummaries!.map((n) => n.InstanceId!);
    expect(ids).toEqual([...ids].sort().reverse());
  });

  it('describes a node by id and answers ResourceNotFound for an unknown one', async () => {
    // Prepare
    const instance = sim.getCluster('small-cluster')!.nodes[0]!;

    // Act
    const described = await sagemaker.send(
      new DescribeClusterNodeCommand({ ClusterName: 'small-cluster', NodeId: instance.instanceId }),
    );
    const missing = await rejectionOf(
      sagemaker.send(
        new DescribeClusterNodeCommand({ ClusterName: 'small-cluster', NodeId: 'i-00000000000000000' }),
      ),
    );

    // Assess
    expect(described.NodeDetails).toMatchObject({
      InstanceId: instance.instanceId,
      NodeLogicalId: instance.nodeLogicalId,
      InstanceStatus: { Status: 'Running' },
      Placement: { AvailabilityZone: 'us-west-2a' },
    });
    expect(described.NodeDetails!.LaunchTime).toBeInstanceOf(Date);
    expect(missing.name).toBe('ResourceNotFound');
  });

  it('rejects more than 25 ids per reboot call with ValidationException', async () => {
    // Prepare
    const ids = sim
      .getCluster('big-cluster')!
      .nodes.slice(0, 26)
      .map((n) => n.instanceId);

    // Act
    const error = await rejectionOf(
      sagemaker.send(new BatchRebootClusterNodesCommand({ ClusterName: 'big-cluster', NodeIds: ids })),
    );

    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("$.NodeIds: list length 26 is above the model's maximum 25");
    expect(sim.getCluster('big-cluster')!.nodes.every((n) => !n.operation)).toBe(true);
    expect(sim.takeConformanceViolations()).toEqual([
      expect.objectContaining({ operation: 'BatchRebootClusterNodes', path: '$.NodeIds' }),
    ]);
  });

  it('reports unknown, busy and mid-operation nodes in Failed with their ErrorCode', async () => {
    // Prepare
    const [a, b] = sim.getCluster('small-cluster')!.nodes;
    await sagemaker.send(
      new BatchRebootClusterNodesCommand({ ClusterName: 'small-cluster', NodeIds: [a!.instanceId] }),
    );

    // Act
    const result = await sagemaker.send(
      new BatchReplaceClusterNodesCommand({
        ClusterName: 'small-cluster',
        NodeIds: [a!.instanceId, 'i-0123456789abcdef0', b!.instanceId],
      }),
    );

    // Assess
    expect(result.Successful).toEqual([b!.instanceId]);
    expect(result.Failed).toEqual([
      { NodeId: a!.instanceId, ErrorCode: 'InvalidInstanceStatus', Message: expect.any(String) },
      { NodeId: 'i-0123456789abcdef0', ErrorCode: 'InstanceIdNotFound', Message: expect.any(String) },
    ]);
    await sim.whenIdle();
  });

  it('uses Code, not ErrorCode, in the Failed entries of BatchDeleteClusterNodes', async () => {
    // Prepare
    const victim = sim.getCluster('big-cluster')!.nodes.at(-1)!;

    // Act
    const result = await sagemaker.send(
      new BatchDeleteClusterNodesCommand({
        ClusterName: 'big-cluster',
        NodeIds: [victim.instanceId, 'i-0123456789abcdef0'],
      }),
    );
    await sim.whenIdle();

    // Assess
    expect(result.Successful).toEqual([victim.instanceId]);
    expect(result.Failed).toEqual([
      { NodeId: 'i-0123456789abcdef0', Code: 'NodeIdNotFound', Message: expect.any(String) },
    ]);
    expect(sim.getInstance(victim.instanceId)).toBeUndefined();
    expect(kubes.get('big-cluster')!.peek(victim.nodeName)).toBeUndefined();
  });

  it('runs an on-demand deep health check: nodes busy meanwhile, labels Passed after', async () => {
    // Prepare
    const node = sim.getCluster('small-cluster')!.nodes.find((n) => n.status === 'Running' && !n.operation)!;

    // Act
    const started = await sagemaker.send(
      new StartClusterHealthCheckCommand({
        ClusterName: 'small-cluster',
        DeepHealthCheckConfigurations: [
          { InstanceGroupName: 'gpu', InstanceIds: [node.instanceId], DeepHealthChecks: ['InstanceStress'] },
        ],
      }),
    );
    const during = await sagemaker.send(
      new BatchRebootClusterNodesCommand({ ClusterName: 'small-cluster', NodeIds: [node.instanceId] }),
    );
    const kube = kubes.get('small-cluster')!;
    const passed = await eventually(
      () =>
        kube.peek(node.nodeName)?.metadata.labels?.['sagemaker.amazonaws.com/deep-health-check-status'] ===
        'Passed',
      { what: 'deep health check to pass' },
    );

    // Assess
    expect(started.ClusterArn).toBe(sim.getCluster('small-cluster')!.arn);
    expect(during.Failed?.[0]?.ErrorCode).toBe('InstanceIdInUse');
    expect(passed).toBe(true);
    await sim.whenIdle();
    expect(sim.getInstance(node.instanceId)?.status).toBe('Running');
  });

  it('lists and describes Cluster Events of a continuous-provisioning cluster', async () => {
    // Prepare
    const node = sim.getCluster('small-cluster')!.nodes.find((n) => n.status === 'Running' && !n.operation)!;
    await sagemaker.send(
      new BatchRebootClusterNodesCommand({ ClusterName: 'small-cluster', NodeIds: [node.instanceId] }),
    );

    // Act
    const listed = await sagemaker.send(
      new ListClusterEventsCommand({ ClusterName: 'small-cluster', NodeId: node.instanceId, MaxResults: 1 }),
    );
    const first = listed.Events![0]!;
    const described = await sagemaker.send(
      new DescribeClusterEventCommand({ ClusterName: 'small-cluster', EventId: first.EventId! }),
    );
    const legacy = await rejectionOf(
      sagemaker.send(new ListClusterEventsCommand({ ClusterName: 'legacy-cluster' })),
    );

    // Assess
    expect(first).toMatchObject({
      InstanceId: node.instanceId,
      ResourceType: 'Instance',
      EventLevel: 'Info',
    });
    expect(first.EventTime).toBeInstanceOf(Date);
    expect(described.EventDetails).toMatchObject({ EventId: first.EventId, InstanceId: node.instanceId });
    expect(legacy.name).toBe('ValidationException');
    await sim.whenIdle();
  });

  it('answers ThrottlingException for the next throttled calls, then succeeds', async () => {
    // Prepare
    sim.throttle({ operation: 'DescribeCluster', count: 1 });

    // Act
    const throttled = await rejectionOf(
      sagemaker.send(new DescribeClusterCommand({ ClusterName: 'small-cluster' })),
    );
    const after = await sagemaker.send(new DescribeClusterCommand({ ClusterName: 'small-cluster' }));

    // Assess
    expect(throttled.name).toBe('ThrottlingException');
    expect((throttled.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    expect(after.ClusterName).toBe('small-cluster');
  });

  it('answers InternalFailure with status 500 after failNext and counts every call', async () => {
    // Prepare
    sim.resetCalls();
    sim.failNext({ operation: 'sagemaker:ListClusterNodes', count: 2 });

    // Act
    const first = await rejectionOf(
      sagemaker.send(new ListClusterNodesCommand({ ClusterName: 'small-cluster' })),
    );
    await rejectionOf(sagemaker.send(new ListClusterNodesCommand({ ClusterName: 'small-cluster' })));
    await sagemaker.send(new ListClusterNodesCommand({ ClusterName: 'small-cluster' }));

    // Assess
    expect(first.name).toBe('InternalFailure');
    expect(first.$fault).toBe('server');
    expect((first.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(500);
    expect(sim.calls).toEqual({ 'sagemaker:ListClusterNodes': 3 });
  });
});
