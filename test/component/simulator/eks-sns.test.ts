import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '#local/simulator/server.ts';
import { clientsFor, rejectionOf } from './helpers.ts';

const TOPIC = 'arn:aws:sns:us-west-2:111122223333:hyperpod-resilience-notifications';

describe('Simulator: EKS DescribeCluster and SNS Publish over the real SDK clients', () => {
  let sim: Simulator;
  let clients: ReturnType<typeof clientsFor>;

  beforeAll(async () => {
    sim = await startSimulator({
      clusters: [{ name: 'ml-cluster', eksClusterName: 'ml-eks', instanceGroups: [] }],
      eksEndpoint: (name) => ({ endpoint: `https://127.0.0.1:6443/${name}`, caData: 'Q0EgREFUQQ==' }),
      topics: [TOPIC],
    });
    clients = clientsFor(sim);
  });

  afterAll(async () => {
    clients.eks.destroy();
    clients.sns.destroy();
    await sim.stop();
  });

  it('describes the EKS cluster with the endpoint and CA of the test bed', async () => {
    // Act
    const { cluster } = await clients.eks.send(new DescribeClusterCommand({ name: 'ml-eks' }));

    // Assess
    expect(cluster).toMatchObject({
      name: 'ml-eks',
      arn: 'arn:aws:eks:us-west-2:111122223333:cluster/ml-eks',
      status: 'ACTIVE',
      endpoint: 'https://127.0.0.1:6443/ml-eks',
      certificateAuthority: { data: 'Q0EgREFUQQ==' },
      accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
    });
    expect(cluster?.createdAt).toBeInstanceOf(Date);
  });

  it('answers ResourceNotFoundException (404) for an unknown EKS cluster', async () => {
    // Act
    const error = await rejectionOf(clients.eks.send(new DescribeClusterCommand({ name: 'nope' })));

    // Assess
    expect(error.name).toBe('ResourceNotFoundException');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(404);
  });

  it('throttles EKS calls when asked, by service-qualified operation name', async () => {
    // Prepare
    sim.throttle({ operation: 'eks:DescribeCluster', count: 1 });

    // Act
    const error = await rejectionOf(clients.eks.send(new DescribeClusterCommand({ name: 'ml-eks' })));

    // Assess
    expect(error.name).toBe('ThrottlingException');
  });

  it('stores published messages with subject and attributes and returns a MessageId', async () => {
    // Act
    const result = await clients.sns.send(
      new PublishCommand({
        TopicArn: TOPIC,
        Subject: 'Node replaced',
        Message: JSON.stringify({ instanceId: 'i-0123456789abcdef0' }),
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'high' } },
      }),
    );

    // Assess
    expect(result.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sim.notifications.at(-1)).toMatchObject({
      messageId: result.MessageId,
      topicArn: TOPIC,
      subject: 'Node replaced',
      message: '{"instanceId":"i-0123456789abcdef0"}',
      messageAttributes: { severity: { dataType: 'String', value: 'high' } },
    });
    expect(sim.calls['sns:Publish']).toBeGreaterThan(0);
  });

  it('answers NotFoundException for an unknown topic and InvalidParameterException for an empty message', async () => {
    // Act
    const unknown = await rejectionOf(
      clients.sns.send(new PublishCommand({ TopicArn: `${TOPIC}-nope`, Message: 'hello' })),
    );
    const empty = await rejectionOf(clients.sns.send(new PublishCommand({ TopicArn: TOPIC, Message: '' })));

    // Assess
    expect(unknown.name).toBe('NotFoundException');
    expect(empty.name).toBe('InvalidParameterException');
  });
});
