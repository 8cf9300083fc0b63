import {
  SageMakerClient,
  SageMakerServiceException,
  StartClusterHealthCheckCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterNodes } from '#adapters/sagemaker.ts';
import { ErrorNames } from '#contracts/errors.ts';

const CLUSTER = 'ml-cluster';
const sagemakerMock = mockClient(SageMakerClient);
const clusterNodes = createClusterNodes(new SageMakerClient({ region: 'us-west-2' }));

afterEach(() => {
  sagemakerMock.reset();
});

describe('Function: createClusterNodes (startHealthCheck)', () => {
  it('starts the deep health check of the given instances per instance group, each id and check once', async () => {
    // Prepare
    sagemakerMock
      .on(StartClusterHealthCheckCommand)
      .resolves({ ClusterArn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456' });

    // Act
    await clusterNodes.startHealthCheck(CLUSTER, [
      {
        instanceGroupName: 'workers',
        instanceIds: ['i-00000000000000001', 'i-00000000000000001'],
        deepHealthChecks: ['InstanceStress', 'InstanceConnectivity', 'InstanceStress'],
      },
    ]);

    // Assess
    expect(sagemakerMock).toHaveReceivedCommandWith(StartClusterHealthCheckCommand, {
      ClusterName: CLUSTER,
      DeepHealthCheckConfigurations: [
        {
          InstanceGroupName: 'workers',
          InstanceIds: ['i-00000000000000001'],
          DeepHealthChecks: ['InstanceStress', 'InstanceConnectivity'],
        },
      ],
    });
  });

  it('makes no call without targets', async () => {
    // Act
    await clusterNodes.startHealthCheck(CLUSTER, []);

    // Assess
    expect(sagemakerMock).not.toHaveReceivedCommand(StartClusterHealthCheckCommand);
  });

  it.each([
    {
      case: 'a second active request (ConflictException)',
      name: 'ConflictException',
      status: 400,
      error: ErrorNames.SageMakerRequestFailed,
    },
    { case: 'throttling', name: 'ThrottlingException', status: 400, error: ErrorNames.SageMakerTransient },
    { case: 'an unknown cluster', name: 'ResourceNotFound', status: 400, error: ErrorNames.UnknownCluster },
  ])('maps $case to $error', async ({ name, status, error }) => {
    // Prepare
    sagemakerMock.on(StartClusterHealthCheckCommand).rejects(
      new SageMakerServiceException({
        name,
        $fault: 'client',
        $metadata: { httpStatusCode: status },
        message: name,
      }),
    );

    // Act
    const thrown = await clusterNodes
      .startHealthCheck(CLUSTER, [
        {
          instanceGroupName: 'workers',
          instanceIds: ['i-00000000000000001'],
          deepHealthChecks: ['InstanceStress'],
        },
      ])
      .catch((e: unknown) => e);

    // Assess
    expect((thrown as Error).name).toBe(error);
  });
});
