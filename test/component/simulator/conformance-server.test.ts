/**
 * A simulator whose answer breaks AWS's model makes the caller fail: each test breaks one answer
 * with the `transformResponse` test hook and calls it through the real SDK client or our real
 * adapter, as every other test does.
 */
import { DescribeClusterCommand as EksDescribeCluster } from '@aws-sdk/client-eks';
import { DescribeClusterCommand, ListClusterNodesCommand } from '@aws-sdk/client-sagemaker';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterNodes } from '#adapters/sagemaker.ts';
import { type Simulator, type SimulatorOptions, startSimulator } from '#local/simulator/server.ts';
import { clientsFor, rejectionOf } from './helpers.ts';

const TOPIC = 'arn:aws:sns:us-west-2:111122223333:alerts';
const CLUSTER = {
  name: 'ml-cluster',
  eksClusterName: 'ml-eks',
  nodeRecovery: 'None' as const,
  instanceGroups: [{ name: 'gpu', instanceType: 'ml.p5.48xlarge', count: 2 }],
};

type Transform = NonNullable<SimulatorOptions['transformResponse']>;

describe('Simulator: conformance with the AWS models', () => {
  let sim: Simulator | undefined;
  let clients: ReturnType<typeof clientsFor> | undefined;

  const start = async (options: Partial<SimulatorOptions> = {}) => {
    sim = await startSimulator({ clusters: [CLUSTER], topics: [TOPIC], ...options });
    clients = clientsFor(sim);
    return { sim, ...clients };
  };

  afterEach(async () => {
    clients?.sagemaker.destroy();
    clients?.eks.destroy();
    clients?.sns.destroy();
    await sim?.stop();
    sim = undefined;
    clients = undefined;
  });

  /** Breaks the first node summary of ListClusterNodes. */
  const breakNodeSummary =
    (change: (node: Record<string, unknown>) => void): Transform =>
    (operation, body) => {
      if (operation === 'sagemaker:ListClusterNodes') {
        const [first] = body.ClusterNodeSummaries as Record<string, unknown>[];
        if (first) change(first);
      }
      return body;
    };

  it.each([
    {
      case: 'an unknown field',
      change: (node: Record<string, unknown>) => {
        node.HealthStatus = 'Healthy';
      },
      path: '$.ClusterNodeSummaries[0].HealthStatus',
    },
    {
      case: 'a missing required member',
      change: (node: Record<string, unknown>) => {
        delete node.InstanceStatus;
      },
      path: '$.ClusterNodeSummaries[0].InstanceStatus',
    },
    {
      case: 'a value outside its enum',
      change: (node: Record<string, unknown>) => {
        node.InstanceStatus = { Status: 'Healthy' };
      },
      path: '$.ClusterNodeSummaries[0].InstanceStatus.Status',
    },
  ])('fails the SDK call when a ListClusterNodes answer has $case', async ({ change, path }) => {
    // Prepare
    const { sim, sagemaker } = await start({ transformResponse: breakNodeSummary(change) });

    // Act
    const error = await rejectionOf(
      sagemaker.send(new ListClusterNodesCommand({ ClusterName: 'ml-cluster' })),
    );

    // Assess
    expect(error.name).toBe('SimulatorConformanceViolation');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(500);
    expect(error.message).toContain(path);
    expect(sim.takeConformanceViolations()).toEqual([
      expect.objectContaining({
        service: 'sagemaker',
        operation: 'ListClusterNodes',
        direction: 'response',
        path,
      }),
    ]);
  });

  it('fails our adapter when DescribeCluster answers an out-of-range count', async () => {
    // Prepare
    const { sim, sagemaker } = await start({
      transformResponse: (operation, body) => {
        if (operation === 'sagemaker:DescribeCluster') {
          (body.InstanceGroups as Record<string, unknown>[])[0]!.CurrentCount = -1;
        }
        return body;
      },
    });

    // Act
    const error = await rejectionOf(createClusterNodes(sagemaker).describeCluster('ml-cluster'));

    // Assess
    expect(error.name).toBe('SageMakerTransientError');
    expect(String((error.cause as Error).message)).toContain(
      '$.InstanceGroups[0].CurrentCount: value -1 is below',
    );
    expect(sim.takeConformanceViolations()).toHaveLength(1);
  });

  it('fails the EKS and SNS calls when their answers break the model', async () => {
    // Prepare
    const { sim, eks, sns } = await start({
      transformResponse: (operation, body) => {
        if (operation === 'eks:DescribeCluster') {
          (body.cluster as Record<string, unknown>).status = 'READY';
        }
        if (operation === 'sns:Publish') body.Receipt = 'extra';
        return body;
      },
    });

    // Act
    const eksError = await rejectionOf(eks.send(new EksDescribeCluster({ name: 'ml-eks' })));
    const snsError = await rejectionOf(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'hello' })));

    // Assess
    expect(eksError.message).toContain('$.cluster.status: "READY" is not a value of enum ClusterStatus');
    expect(snsError.message).toContain('$.Receipt: PublishResponse has no member Receipt');
    expect(sim.takeConformanceViolations().map((v) => `${v.service}:${v.operation}`)).toEqual([
      'eks:DescribeCluster',
      'sns:Publish',
    ]);
  });

  it('answers a request that breaks the input shape with ValidationException before acting', async () => {
    // Prepare
    const { sim, sagemaker } = await start();

    // Act
    const error = await rejectionOf(
      sagemaker.send(new DescribeClusterCommand({ ClusterName: 'ml_cluster' })),
    );

    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('$.ClusterName');
    expect(sim.takeConformanceViolations()).toEqual([
      expect.objectContaining({ operation: 'DescribeCluster', direction: 'request', path: '$.ClusterName' }),
    ]);
  });

  it('only records violations in record mode, and checks nothing when off', async () => {
    // Prepare
    const addField: Transform = (_operation, body) => ({ ...body, Extra: true });
    const recording = await start({ conformance: 'record', transformResponse: addField });

    // Act
    const answered = await recording.sagemaker.send(
      new DescribeClusterCommand({ ClusterName: 'ml-cluster' }),
    );
    const recorded = recording.sim.takeConformanceViolations();
    recording.sagemaker.destroy();
    await recording.sim.stop();
    const quiet = await start({ conformance: 'off', transformResponse: addField });
    await quiet.sagemaker.send(new DescribeClusterCommand({ ClusterName: 'ml-cluster' }));

    // Assess
    expect(answered.ClusterName).toBe('ml-cluster');
    expect(recorded).toEqual([expect.objectContaining({ path: '$.Extra', direction: 'response' })]);
    expect(quiet.sim.conformanceViolations()).toEqual([]);
  });
});
