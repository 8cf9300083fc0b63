import {
  BatchRebootClusterNodesCommand,
  BatchReplaceClusterNodesCommand,
  DescribeClusterCommand,
  DescribeClusterNodeCommand,
  ListClusterNodesCommand,
  ResourceNotFound,
  SageMakerClient,
  SageMakerServiceException,
  StartClusterHealthCheckCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterNodes, eksClusterNameFromArn } from '#adapters/sagemaker.ts';
import {
  ErrorNames,
  InvalidInputError,
  SageMakerRequestFailedError,
  SageMakerTransientError,
} from '#contracts/errors.ts';

const CLUSTER = 'ml-cluster';
const sagemakerMock = mockClient(SageMakerClient);
const clusterNodes = createClusterNodes(new SageMakerClient({ region: 'us-west-2' }));

const serviceError = (name: string, status: number, message = `${name} happened`) =>
  new SageMakerServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });

/** `count` ids shaped like HyperPod instance ids: `i-` + 17 hex digits. */
const instanceIds = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);

afterEach(() => {
  sagemakerMock.reset();
});

describe('Function: createClusterNodes', () => {
  describe('describeCluster', () => {
    it('maps the cluster and takes the EKS cluster name from the orchestrator ARN', async () => {
      // Prepare
      sagemakerMock.on(DescribeClusterCommand).resolves({
        ClusterName: CLUSTER,
        ClusterArn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcd1234',
        ClusterStatus: 'InService',
        NodeRecovery: 'Automatic',
        Orchestrator: { Eks: { ClusterArn: 'arn:aws:eks:us-west-2:111122223333:cluster/hyperpod-eks' } },
        InstanceGroups: [
          {
            InstanceGroupName: 'workers',
            InstanceType: 'ml.p5.48xlarge',
            CurrentCount: 3,
            TargetCount: 4,
            Status: 'InService',
          },
        ],
      });

      // Act
      const cluster = await clusterNodes.describeCluster(CLUSTER);

      // Assess
      expect(cluster).toEqual({
        name: CLUSTER,
        arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcd1234',
        status: 'InService',
        nodeRecovery: 'Automatic',
        eksClusterName: 'hyperpod-eks',
        instanceGroups: [
          {
            name: 'workers',
            instanceType: 'ml.p5.48xlarge',
            currentCount: 3,
            targetCount: 4,
            status: 'InService',
          },
        ],
      });
      expect(sagemakerMock).toHaveReceivedCommandWith(DescribeClusterCommand, { ClusterName: CLUSTER });
    });

    it('leaves nodeRecovery and eksClusterName out when the API omits them', async () => {
      // Prepare
      sagemakerMock.on(DescribeClusterCommand).resolves({
        ClusterName: CLUSTER,
        ClusterArn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcd1234',
        ClusterStatus: 'Updating',
      });

      // Act
      const cluster = await clusterNodes.describeCluster(CLUSTER);

      // Assess
      expect(cluster).toStrictEqual({
        name: CLUSTER,
        arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcd1234',
        status: 'Updating',
        instanceGroups: [],
      });
    });

    it('maps ResourceNotFound on the cluster to UnknownClusterError', async () => {
      // Prepare
      const notFound = new ResourceNotFound({
        message: 'Cluster not found',
        $metadata: { httpStatusCode: 400 },
      });
      sagemakerMock.on(DescribeClusterCommand).rejects(notFound);

      // Act
      const error = await clusterNodes.describeCluster(CLUSTER).catch((e: unknown) => e);

      // Assess
      expect(error).toMatchObject({ name: ErrorNames.UnknownCluster, cause: notFound });
    });

    it.each([
      { name: 'ThrottlingException', status: 400 },
      { name: 'ServiceUnavailable', status: 503 },
      { name: 'InternalFailure', status: 500 },
      { name: 'SomethingNew', status: 502 },
    ])('maps $name to SageMakerTransientError', async ({ name, status }) => {
      // Prepare
      const cause = serviceError(name, status);
      sagemakerMock.on(DescribeClusterCommand).rejects(cause);

      // Act
      const error = await clusterNodes.describeCluster(CLUSTER).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(SageMakerTransientError);
      expect(error).toMatchObject({ retryable: true, cause });
      expect((error as Error).message).toContain(name);
    });

    it('maps a refused connection to SageMakerTransientError', async () => {
      // Prepare
      const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
      sagemakerMock.on(DescribeClusterCommand).rejects(cause);

      // Act
      const error = await clusterNodes.describeCluster(CLUSTER).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(SageMakerTransientError);
      expect(error).toMatchObject({ cause });
    });

    it('maps AccessDeniedException to SageMakerRequestFailedError', async () => {
      // Prepare
      const cause = serviceError(
        'AccessDeniedException',
        400,
        'not authorized to perform sagemaker:DescribeCluster',
      );
      sagemakerMock.on(DescribeClusterCommand).rejects(cause);

      // Act
      const error = await clusterNodes.describeCluster(CLUSTER).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(SageMakerRequestFailedError);
      expect(error).toMatchObject({ retryable: false, cause });
      expect((error as Error).message).toContain('not authorized');
    });
  });

  describe('listNodes', () => {
    it('reads every page and maps launch times to ISO strings', async () => {
      // Prepare
      sagemakerMock
        .on(ListClusterNodesCommand)
        .resolvesOnce({
          NextToken: 'page-2',
          ClusterNodeSummaries: [
            {
              InstanceGroupName: 'workers',
              InstanceId: 'i-00000000000000001',
              InstanceType: 'ml.p5.48xlarge',
              LaunchTime: new Date('2026-01-02T03:04:05Z'),
              InstanceStatus: { Status: 'Running' },
            },
          ],
        })
        .resolvesOnce({
          ClusterNodeSummaries: [
            {
              InstanceGroupName: 'workers',
              InstanceId: 'i-00000000000000002',
              NodeLogicalId: 'logical-2',
              InstanceType: 'ml.p5.48xlarge',
              LaunchTime: new Date('2026-01-02T04:00:00Z'),
              InstanceStatus: { Status: 'Failure', Message: 'health check failed' },
              PrivateDnsHostname: 'hyperpod-i-00000000000000002',
            },
          ],
        });

      // Act
      const nodes = await clusterNodes.listNodes(CLUSTER, {
        instanceGroupNameContains: 'work',
        creationTimeAfter: '2026-01-01T00:00:00Z',
      });

      // Assess
      expect(nodes).toStrictEqual([
        {
          instanceId: 'i-00000000000000001',
          instanceGroupName: 'workers',
          instanceType: 'ml.p5.48xlarge',
          status: 'Running',
          launchTime: '2026-01-02T03:04:05.000Z',
        },
        {
          instanceId: 'i-00000000000000002',
          instanceGroupName: 'workers',
          instanceType: 'ml.p5.48xlarge',
          nodeLogicalId: 'logical-2',
          status: 'Failure',
          statusMessage: 'health check failed',
          launchTime: '2026-01-02T04:00:00.000Z',
          privateDnsHostname: 'hyperpod-i-00000000000000002',
        },
      ]);
      expect(sagemakerMock).toHaveReceivedCommandTimes(ListClusterNodesCommand, 2);
      expect(sagemakerMock).toHaveReceivedNthCommandWith(ListClusterNodesCommand, 1, {
        ClusterName: CLUSTER,
        InstanceGroupNameContains: 'work',
        CreationTimeAfter: new Date('2026-01-01T00:00:00Z'),
      });
      expect(sagemakerMock).toHaveReceivedNthCommandWith(ListClusterNodesCommand, 2, { NextToken: 'page-2' });
    });

    it('maps a throttled page to SageMakerTransientError', async () => {
      // Prepare
      sagemakerMock.on(ListClusterNodesCommand).rejects(serviceError('ThrottlingException', 400));

      // Act
      const error = await clusterNodes.listNodes(CLUSTER).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(SageMakerTransientError);
    });
  });

  describe('describeNode', () => {
    it('maps the node details', async () => {
      // Prepare
      sagemakerMock.on(DescribeClusterNodeCommand).resolves({
        NodeDetails: {
          InstanceGroupName: 'workers',
          InstanceId: 'i-00000000000000001',
          InstanceType: 'ml.p5.48xlarge',
          InstanceStatus: { Status: 'DeepHealthCheckInProgress' },
          LaunchTime: new Date('2026-01-02T03:04:05Z'),
        },
      });

      // Act
      const node = await clusterNodes.describeNode(CLUSTER, 'i-00000000000000001');

      // Assess
      expect(node).toStrictEqual({
        instanceId: 'i-00000000000000001',
        instanceGroupName: 'workers',
        instanceType: 'ml.p5.48xlarge',
        status: 'DeepHealthCheckInProgress',
        launchTime: '2026-01-02T03:04:05.000Z',
      });
      expect(sagemakerMock).toHaveReceivedCommandWith(DescribeClusterNodeCommand, {
        ClusterName: CLUSTER,
        NodeId: 'i-00000000000000001',
      });
    });

    it.each([
      {
        case: 'ResourceNotFound',
        error: new ResourceNotFound({ message: 'Node not found', $metadata: { httpStatusCode: 400 } }),
      },
      {
        case: "a ValidationException saying 'not found'",
        error: serviceError('ValidationException', 400, 'Node i-00000000000000009 not found in cluster'),
      },
    ])('returns undefined when SageMaker answers $case', async ({ error }) => {
      // Prepare
      sagemakerMock.on(DescribeClusterNodeCommand).rejects(error);

      // Act
      const node = await clusterNodes.describeNode(CLUSTER, 'i-00000000000000009');

      // Assess
      expect(node).toBeUndefined();
    });

    it('maps any other ValidationException to SageMakerRequestFailedError', async () => {
      // Prepare
      sagemakerMock
        .on(DescribeClusterNodeCommand)
        .rejects(serviceError('ValidationException', 400, 'NodeId must match pattern'));

      // Act
      const error = await clusterNodes.describeNode(CLUSTER, 'bad').catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(SageMakerRequestFailedError);
    });
  });

  describe('rebootNodes and replaceNodes', () => {
    it('splits 60 node ids into three calls of at most 25', async () => {
      // Prepare
      const ids = instanceIds(60);
      sagemakerMock
        .on(BatchRebootClusterNodesCommand)
        .callsFake((input: { NodeIds: string[] }) => ({ Successful: input.NodeIds }));

      // Act
      const result = await clusterNodes.rebootNodes(CLUSTER, ids);

      // Assess
      expect(sagemakerMock).toHaveReceivedCommandTimes(BatchRebootClusterNodesCommand, 3);
      expect(sagemakerMock).toHaveReceivedNthCommandWith(BatchRebootClusterNodesCommand, 1, {
        ClusterName: CLUSTER,
        NodeIds: ids.slice(0, 25),
      });
      expect(sagemakerMock).toHaveReceivedNthCommandWith(BatchRebootClusterNodesCommand, 2, {
        NodeIds: ids.slice(25, 50),
      });
      expect(sagemakerMock).toHaveReceivedNthCommandWith(BatchRebootClusterNodesCommand, 3, {
        NodeIds: ids.slice(50),
      });
      expect(result).toEqual({ successful: ids, failed: [] });
    });

    it.each([
      // ErrorCode values and messages of the API reference (BatchRebootClusterNodesError).
      { code: 'InternalServerError', message: 'An internal error occurred while processing this node.' },
      { code: 'InvalidInstanceStatus', message: 'The instance is in a state that does not allow rebooting.' },
    ] as const)(
      'returns a per-node $code as a failure for the task to classify, never as a thrown error',
      async ({ code, message }) => {
        // Prepare
        const [node] = instanceIds(1) as [string];
        sagemakerMock
          .on(BatchRebootClusterNodesCommand)
          .resolves({ Successful: [], Failed: [{ NodeId: node, ErrorCode: code, Message: message }] });

        // Act
        const result = await clusterNodes.rebootNodes(CLUSTER, [node]);

        // Assess
        expect(result).toEqual({ successful: [], failed: [{ instanceId: node, code, message }] });
      },
    );

    it('returns InstanceIdInUse as a per-node failure, never as success', async () => {
      // Prepare
      const [busy, fine] = instanceIds(2) as [string, string];
      sagemakerMock.on(BatchRebootClusterNodesCommand).resolves({
        Successful: [fine],
        Failed: [{ NodeId: busy, ErrorCode: 'InstanceIdInUse', Message: 'another operation is running' }],
      });

      // Act
      const result = await clusterNodes.rebootNodes(CLUSTER, [busy, fine]);

      // Assess
      expect(result).toEqual({
        successful: [fine],
        failed: [{ instanceId: busy, code: 'InstanceIdInUse', message: 'another operation is running' }],
      });
    });

    it.each(['InvalidInstanceStatus', 'InstanceIdNotFound'] as const)(
      'returns %s of a replace as a per-node failure with its code',
      async (code) => {
        // Prepare
        const [id] = instanceIds(1) as [string];
        sagemakerMock.on(BatchReplaceClusterNodesCommand).resolves({
          Failed: [{ NodeId: id, ErrorCode: code, Message: `${code} for ${id}` }],
        });

        // Act
        const result = await clusterNodes.replaceNodes(CLUSTER, [id]);

        // Assess
        expect(result).toEqual({
          successful: [],
          failed: [{ instanceId: id, code, message: `${code} for ${id}` }],
        });
        expect(sagemakerMock).toHaveReceivedCommandWith(BatchReplaceClusterNodesCommand, {
          ClusterName: CLUSTER,
          NodeIds: [id],
        });
      },
    );

    it('reports a node SageMaker listed neither as successful nor as failed as NotReported', async () => {
      // Prepare
      const [reported, silent] = instanceIds(2) as [string, string];
      sagemakerMock.on(BatchRebootClusterNodesCommand).resolves({ Successful: [reported] });

      // Act
      const result = await clusterNodes.rebootNodes(CLUSTER, [reported, silent]);

      // Assess
      expect(result.successful).toEqual([reported]);
      expect(result.failed).toEqual([expect.objectContaining({ instanceId: silent, code: 'NotReported' })]);
    });

    it('sends each node once when the same id is given twice', async () => {
      // Prepare
      const [id] = instanceIds(1) as [string];
      sagemakerMock.on(BatchRebootClusterNodesCommand).resolves({ Successful: [id] });

      // Act
      await clusterNodes.rebootNodes(CLUSTER, [id, id]);

      // Assess
      expect(sagemakerMock).toHaveReceivedCommandWith(BatchRebootClusterNodesCommand, { NodeIds: [id] });
    });

    it('makes no call for an empty list', async () => {
      // Act
      const result = await clusterNodes.replaceNodes(CLUSTER, []);

      // Assess
      expect(result).toEqual({ successful: [], failed: [] });
      expect(sagemakerMock).not.toHaveReceivedAnyCommand();
    });

    it('maps a whole-call ValidationException to SageMakerRequestFailedError', async () => {
      // Prepare
      const cause = serviceError(
        'ValidationException',
        400,
        'cluster must be updated with UpdateClusterSoftware first',
      );
      sagemakerMock.on(BatchReplaceClusterNodesCommand).rejects(cause);

      // Act
      const error = await clusterNodes.replaceNodes(CLUSTER, instanceIds(1)).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(SageMakerRequestFailedError);
      expect(error).toMatchObject({ cause });
    });

    it('maps ThrottlingException of the first call to SageMakerTransientError', async () => {
      // Prepare
      sagemakerMock.on(BatchRebootClusterNodesCommand).rejects(serviceError('ThrottlingException', 400));

      // Act
      const error = await clusterNodes.rebootNodes(CLUSTER, instanceIds(3)).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(SageMakerTransientError);
    });

    it('keeps the successes of earlier calls when a later call fails as a whole', async () => {
      // Prepare
      const ids = instanceIds(30);
      sagemakerMock
        .on(BatchRebootClusterNodesCommand)
        .resolvesOnce({ Successful: ids.slice(0, 25) })
        .rejectsOnce(serviceError('ThrottlingException', 400, 'Rate exceeded'));

      // Act
      const result = await clusterNodes.rebootNodes(CLUSTER, ids);

      // Assess
      expect(result.successful).toEqual(ids.slice(0, 25));
      expect(result.failed).toEqual(
        ids
          .slice(25)
          .map((instanceId) => ({ instanceId, code: 'ThrottlingException', message: 'Rate exceeded' })),
      );
    });
  });
});

describe('Function: eksClusterNameFromArn', () => {
  it.each([
    { arn: 'arn:aws:eks:us-west-2:111122223333:cluster/hyperpod-eks', expected: 'hyperpod-eks' },
    { arn: undefined, expected: undefined },
    { arn: 'arn:aws:eks:us-west-2:111122223333:cluster/', expected: undefined },
  ])('returns $expected for $arn', ({ arn, expected }) => {
    // Act
    const name = eksClusterNameFromArn(arn);

    // Assess
    expect(name).toBe(expected);
  });
});

describe('Function: createClusterNodes startHealthCheck', () => {
  afterEach(() => {
    sagemakerMock.reset();
  });

  it('sends one configuration per target with its instance ids and checks', async () => {
    // Prepare
    sagemakerMock.on(StartClusterHealthCheckCommand).resolves({ ClusterArn: 'arn' });

    // Act
    await clusterNodes.startHealthCheck(CLUSTER, [
      {
        instanceGroupName: 'gpu',
        instanceIds: ['i-0123456789abcdef0'],
        deepHealthChecks: ['InstanceStress'],
      },
    ]);

    // Assess
    expect(sagemakerMock).toHaveReceivedCommandWith(StartClusterHealthCheckCommand, {
      ClusterName: CLUSTER,
      DeepHealthCheckConfigurations: [
        {
          InstanceGroupName: 'gpu',
          InstanceIds: ['i-0123456789abcdef0'],
          DeepHealthChecks: ['InstanceStress'],
        },
      ],
    });
  });

  it('rejects a target without instance ids or checks (model lists have min 1) and sends nothing', async () => {
    // Act
    const error = await clusterNodes
      .startHealthCheck(CLUSTER, [{ instanceGroupName: 'gpu', instanceIds: [], deepHealthChecks: [] }])
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues.map((i) => i.path)).toEqual([
      'targets[0].instanceIds',
      'targets[0].deepHealthChecks',
    ]);
    expect(sagemakerMock).not.toHaveReceivedCommand(StartClusterHealthCheckCommand);
  });
});
