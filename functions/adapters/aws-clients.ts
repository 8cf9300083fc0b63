/**
 * AWS SDK clients, created once per region and Lambda container (module scope), reused by
 * every invocation. Endpoints are the SDK's own business: the clients honour
 * `AWS_ENDPOINT_URL_<SERVICE>` (local mode points them at the simulator and dynalite), so
 * nothing here reads the environment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EKSClient } from '@aws-sdk/client-eks';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

interface AwsClients {
  sagemaker: SageMakerClient;
  eks: EKSClient;
  dynamo: DynamoDBDocumentClient;
  sns: SNSClient;
}

interface AwsClientsOptions {
  /** Wraps each client once created, e.g. Powertools `tracer.captureAWSv3Client`. */
  capture?: <T>(client: T) => T;
}

const byRegion = new Map<string, AwsClients>();

/** The clients of one region; the first call creates them, later calls (any options) reuse them. */
const awsClients = (region: string, options: AwsClientsOptions = {}): AwsClients => {
  const existing = byRegion.get(region);
  if (existing) return existing;
  const capture = options.capture ?? (<T>(client: T): T => client);
  const clients: AwsClients = {
    sagemaker: capture(new SageMakerClient({ region })),
    eks: capture(new EKSClient({ region })),
    dynamo: DynamoDBDocumentClient.from(capture(new DynamoDBClient({ region })), {
      // Optional fields of our records are simply absent in the table.
      marshallOptions: { removeUndefinedValues: true },
    }),
    sns: capture(new SNSClient({ region })),
  };
  byRegion.set(region, clients);
  return clients;
};

export { type AwsClients, type AwsClientsOptions, awsClients };
