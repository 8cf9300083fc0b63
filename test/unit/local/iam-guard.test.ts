/**
 * The derived-policy guard (local/iam-guard.ts): an SDK middleware that refuses a command the
 * running Lambda's derived policy (deploy/task-iam.ts) does not allow, and the same check on ports.
 * No request leaves the process: a `build`-step middleware stops every call the guard lets through.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchRebootClusterNodesCommand,
  DescribeClusterNodeCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { TASK_IAM } from '#deploy/task-iam.ts';
import {
  type DerivedPolicies,
  drainPolicyViolations,
  guardAwsClient,
  guardPorts,
  iamActionOf,
} from '#local/iam-guard.ts';
import { runAsLambda } from '#local/lambda-context.ts';
import { createMemoryLedger } from '../../fakes/memory-ledger.ts';
import sagemakerModel from '../../fixtures/aws-models/sagemaker.json' with { type: 'json' };

afterEach(() => {
  drainPolicyViolations();
});

const CONFIG = {
  region: 'us-west-2',
  credentials: { accessKeyId: 'AKIDLOCALTEST000000', secretAccessKey: 'local-test-secret' },
  endpoint: 'http://127.0.0.1:9',
  maxAttempts: 1,
};

class ReachedTheWire extends Error {}

/** Stops every call at the `build` step, after the guard (`initialize`) let it through. */
const stopBeforeTheWire = <C extends { middlewareStack: SageMakerClient['middlewareStack'] }>(
  client: C,
): C => {
  client.middlewareStack.add(
    () => async () => {
      throw new ReachedTheWire('reached the wire');
    },
    { step: 'build', name: 'stopBeforeTheWire' },
  );
  return client;
};

/** A copy of the derived policies without one action of one Lambda. */
const without = (lambda: string, action: string): DerivedPolicies => ({
  ...TASK_IAM,
  [lambda]: { ...TASK_IAM[lambda]!, actions: TASK_IAM[lambda]!.actions.filter((a) => a !== action) },
});

const REBOOT = new BatchRebootClusterNodesCommand({
  ClusterName: 'ml-cluster',
  NodeIds: ['i-0a1b2c3d4e5f60001'],
});

describe('Function: guardAwsClient', () => {
  it('lets request-remediation send BatchRebootClusterNodes, which its derived policy allows', async () => {
    // Prepare
    const client = stopBeforeTheWire(guardAwsClient(new SageMakerClient(CONFIG)));

    // Act
    const sent = runAsLambda('request-remediation', () => client.send(REBOOT));

    // Assess
    await expect(sent).rejects.toThrow(ReachedTheWire);
  });

  it('fails the call, naming Lambda, command and IAM action, when a copy of the policy lacks the action', async () => {
    // Prepare
    const policies = without('request-remediation', 'sagemaker:BatchRebootClusterNodes');
    const client = stopBeforeTheWire(guardAwsClient(new SageMakerClient(CONFIG), policies));

    // Act
    const sent = runAsLambda('request-remediation', () => client.send(REBOOT));

    // Assess
    await expect(sent).rejects.toMatchObject({
      name: 'OutsideDerivedPolicyError',
      message: expect.stringMatching(
        /^request-remediation sent SageMaker BatchRebootClusterNodesCommand, which needs sagemaker:BatchRebootClusterNodes: not in its derived policy/,
      ),
    });
    expect(drainPolicyViolations()).toHaveLength(1);
  });

  it('fails a command a Lambda never derived (sweep-cluster rebooting a node)', async () => {
    // Prepare
    const client = stopBeforeTheWire(guardAwsClient(new SageMakerClient(CONFIG)));

    // Act
    const sent = runAsLambda('sweep-cluster', () => client.send(REBOOT));

    // Assess
    await expect(sent).rejects.toThrow(/sweep-cluster sent SageMaker BatchRebootClusterNodesCommand/);
  });

  it('checks document-client commands as the DynamoDB actions they run (GetCommand is dynamodb:GetItem)', async () => {
    // Prepare: guard the base client; the document client shares its middleware stack.
    const documents = DynamoDBDocumentClient.from(
      stopBeforeTheWire(guardAwsClient(new DynamoDBClient(CONFIG))),
    );
    const key = { TableName: 'ledger', Key: { pk: 'a', sk: 'b' } };

    // Act: record-outcome updates and deletes, it never reads an item.
    const update = runAsLambda('record-outcome', () =>
      documents.send(
        new UpdateCommand({ ...key, UpdateExpression: 'SET x = :x', ExpressionAttributeValues: { ':x': 1 } }),
      ),
    );
    const get = runAsLambda('record-outcome', () => documents.send(new GetCommand(key)));

    // Assess
    await expect(update).rejects.toThrow(ReachedTheWire);
    await expect(get).rejects.toThrow(
      /record-outcome sent DynamoDB GetItemCommand, which needs dynamodb:GetItem/,
    );
  });

  it('does not check calls made outside any task (test setup, assertions)', async () => {
    // Prepare
    const client = stopBeforeTheWire(guardAwsClient(new SageMakerClient(CONFIG), {}));

    // Act
    const sent = client.send(new DescribeClusterNodeCommand({ ClusterName: 'c', NodeId: 'i-1' }));

    // Assess
    await expect(sent).rejects.toThrow(ReachedTheWire);
  });

  it('refuses a client of a service whose IAM prefix it does not know', () => {
    // Act
    const install = () => guardAwsClient(new SFNClient(CONFIG));

    // Assess
    expect(install).toThrow('no IAM prefix known for the SDK service SFN');
  });
});

describe('Function: iamActionOf', () => {
  it('names the action after the operation, with the signing name of the botocore model as the prefix', () => {
    // Assess: strings from test/fixtures/aws-models/sagemaker.json (botocore 1.44.8).
    expect(sagemakerModel.metadata.signingName).toBe('sagemaker');
    expect(sagemakerModel.metadata.serviceId).toBe('SageMaker');
    expect(Object.keys(sagemakerModel.operations)).toContain('BatchRebootClusterNodes');
    expect(iamActionOf('SageMaker', 'BatchRebootClusterNodesCommand')).toBe(
      'sagemaker:BatchRebootClusterNodes',
    );
  });

  it('maps every SageMaker action a Lambda is granted to an operation of the model', () => {
    // Prepare
    const granted = new Set(
      Object.values(TASK_IAM).flatMap((iam) => iam.actions.filter((a) => a.startsWith('sagemaker:'))),
    );

    // Assess
    const operations = Object.keys(sagemakerModel.operations);
    expect([...granted].filter((action) => !operations.includes(action.slice('sagemaker:'.length)))).toEqual(
      [],
    );
    expect(granted.size).toBeGreaterThan(0);
  });
});

describe('Function: guardPorts', () => {
  it('fails a port member the running Lambda does not use, and lets through those it does', async () => {
    // Prepare
    const ledger = createMemoryLedger();
    const deps = guardPorts({ ledger, clusterNodes: {}, notifier: {}, kubeFor: async () => ({}) } as never);
    const lease = { clusterName: 'ml-cluster', instanceId: 'i-0a1b2c3d4e5f60001', incidentId: 'incident-1' };

    // Act
    const allowed = runAsLambda('record-outcome', async () => deps.ledger.releaseLease(lease));
    const refused = runAsLambda('record-outcome', async () =>
      deps.ledger.getIncident('ml-cluster', 'incident-1'),
    );

    // Assess
    await expect(allowed).resolves.not.toThrow();
    await expect(refused).rejects.toThrow(
      /^record-outcome called Ledger.getIncident, which needs Ledger.getIncident: not in its derived policy/,
    );
  });
});
